/*
 * fast_ops.h — the fast CPU path as the CPU backend sees it: for a node whose op and
 * parameters a micro-kernel covers, eml_fast_prepare picks the operator (cpu/operators/),
 * which checks the shapes and packs the weights once; its run splits the work into output
 * tiles over the thread pool. Any other node runs its reference kernel. Results are
 * bit-identical to the reference kernels', except float Conv on Winograd, which is within
 * the float tolerance of docs/ops.md.
 */
#ifndef EML_CPU_FAST_OPS_H
#define EML_CPU_FAST_OPS_H

#include "cpu/operators/operators.h"

/* Prepares a fast kernel of level isa for the node of ctx (its constant inputs' data must be
 * in ctx->in_data) to run on up to threads threads. Leaves *out NULL when no fast kernel
 * applies; fails only when memory runs out. */
edgeml_status eml_fast_prepare(const eml_kernel_ctx *ctx, eml_isa isa, uint32_t threads,
			       eml_fast_op **out);

/* eml_fast_prepare, where exact_float keeps float results bit-identical to the reference
 * (no Winograd). */
edgeml_status eml_fast_prepare_exact(const eml_kernel_ctx *ctx, eml_isa isa, uint32_t threads,
				     int exact_float, eml_fast_op **out);

/* Per-node timing of a cpu backend state, for edgeml_session_profile (cpu_backend.c):
 * start zeroes (and on first use allocates) a nanosecond counter per node that every later
 * run sets to its time; profile_ns is NULL until then. node_kernel names what runs a node: a fast
 * micro-kernel, "reference" or "view". */
edgeml_status eml_cpu_profile_start(void *state);
const uint64_t *eml_cpu_profile_ns(const void *state);
const char *eml_cpu_node_kernel(const void *state, uint32_t node);

#endif /* EML_CPU_FAST_OPS_H */
