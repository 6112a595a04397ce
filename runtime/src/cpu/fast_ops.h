/*
 * fast_ops.h — the operator layer of the fast CPU path: for a node whose op and parameters a
 * micro-kernel covers, prepare checks the shapes and packs the weights once; run splits the
 * work into output tiles over the thread pool. Any other node runs its reference kernel.
 * Results are bit-identical to the reference kernels', except float Conv on Winograd
 * (fast_fwinograd.c), which is within the float tolerance of docs/ops.md.
 */
#ifndef EML_CPU_FAST_OPS_H
#define EML_CPU_FAST_OPS_H

#include <stddef.h>

#include "cpu/isa.h"
#include "cpu/ref/ref.h"
#include "cpu/threadpool.h"

/* What a run lends the fast ops: the pool, one scratch buffer per pool thread, each of at
 * least the largest eml_fast_op.scratch of the graph, and one buffer all threads of a layer
 * share, of at least the largest eml_fast_op.shared; all 64-byte aligned. */
typedef struct eml_fast_env {
	eml_threadpool *pool;
	uint8_t *const *scratch;
	uint8_t *shared;
} eml_fast_env;

/* Work (MACs or elements) below which a layer runs on the calling thread alone: waking the
 * pool costs more than such a layer gains from it. */
#define EML_FAST_SERIAL_WORK ((size_t)1 << 20)

/* Tasks per thread a layer is split into, where its shape allows: the threads claim them one
 * at a time, so a thread on a busy or slower core (big.LITTLE: 2-3x) ends up with fewer of
 * them, and one preempted in the middle of a task holds up only that task's share. */
#define EML_FAST_TASKS_PER_THREAD 4

/* The pool a layer of work units should use: none for small layers. */
static inline eml_threadpool *eml_fast_pool(const eml_fast_env *env, size_t work)
{
	return work < EML_FAST_SERIAL_WORK ? NULL : env->pool;
}

typedef struct eml_fast_op eml_fast_op;
struct eml_fast_op {
	edgeml_status (*run)(const eml_fast_op *op, const eml_kernel_ctx *ctx,
			     const eml_fast_env *env);
	void (*destroy)(eml_fast_op *op);
	const char *kernel; /* the micro-kernel's name, for profiles */
	size_t scratch;	    /* bytes of scratch memory each thread needs */
	size_t shared;	    /* bytes of memory the threads of a run share */
};

/* Prepares a fast kernel of level isa for the node of ctx (its constant inputs' data must be
 * in ctx->in_data) to run on up to threads threads. Leaves *out NULL when no fast kernel
 * applies; fails only when memory runs out. */
edgeml_status eml_fast_prepare(const eml_kernel_ctx *ctx, eml_isa isa, uint32_t threads,
			       eml_fast_op **out);

/* eml_fast_prepare, where exact_float keeps float results bit-identical to the reference
 * (no Winograd). */
edgeml_status eml_fast_prepare_exact(const eml_kernel_ctx *ctx, eml_isa isa, uint32_t threads,
				     int exact_float, eml_fast_op **out);

/* Frees a prepared fast op; NULL is a no-op. */
void eml_fast_destroy(eml_fast_op *op);

/* The op-specific preparers behind eml_fast_prepare (fast_qconv.c, fast_qgemm.c, ...). */
edgeml_status eml_fast_qconv_prepare(const eml_kernel_ctx *ctx, eml_isa isa, uint32_t threads,
				     eml_fast_op **out);
edgeml_status eml_fast_fconv_prepare(const eml_kernel_ctx *ctx, eml_isa isa, uint32_t threads,
				     int exact_float, eml_fast_op **out);

/* Winograd F(2x2, 3x3) for float Conv (fast_fwinograd.c): 3x3, stride 1, dilation 1, one
 * group, at least EML_WINO_MIN_CH input and output channels (fewer leave the GEMM too small
 * for the transforms to pay), an input plane of at most EML_WINO_PLANE_MAX floats. Within
 * the float tolerance of docs/ops.md, not bit-identical. */
#define EML_WINO_MIN_CH 16
/* The float tolerance: a fast float kernel that is not bit-identical (Winograd) stays within
 * this times the scale of the sums, max over outputs of |bias| + sum |w * x| (docs/ops.md). */
#define EML_F32_FAST_TOL 1e-5
#define EML_WINO_PLANE_MAX ((size_t)1 << 20)
struct eml_window3;
int eml_fast_fwinograd_applies(const struct eml_window3 *c, size_t in_ch, size_t out_ch,
			       size_t groups, eml_isa isa);
edgeml_status eml_fast_fwinograd_prepare(const eml_kernel_ctx *ctx, const struct eml_window3 *c,
					 eml_isa isa, uint32_t threads, float lo, float hi,
					 eml_fast_op **out);
edgeml_status eml_fast_fgemm_prepare(const eml_kernel_ctx *ctx, eml_isa isa, uint32_t threads,
				     eml_fast_op **out);
edgeml_status eml_fast_fbinary_prepare(const eml_kernel_ctx *ctx, eml_isa isa,
				       eml_fast_op **out);
edgeml_status eml_fast_fpool_prepare(const eml_kernel_ctx *ctx, eml_isa isa, uint32_t threads,
				     eml_fast_op **out);
edgeml_status eml_fast_qgemm_prepare(const eml_kernel_ctx *ctx, eml_isa isa, uint32_t threads,
				     eml_fast_op **out);
edgeml_status eml_fast_qadd_prepare(const eml_kernel_ctx *ctx, eml_isa isa, uint32_t threads,
				    eml_fast_op **out);
edgeml_status eml_fast_maxpool_prepare(const eml_kernel_ctx *ctx, eml_isa isa,
				       eml_fast_op **out);
edgeml_status eml_fast_qavgpool_prepare(const eml_kernel_ctx *ctx, eml_isa isa,
					eml_fast_op **out);
edgeml_status eml_fast_quantize_prepare(const eml_kernel_ctx *ctx, eml_isa isa,
					eml_fast_op **out);
edgeml_status eml_fast_dequantize_prepare(const eml_kernel_ctx *ctx, eml_fast_op **out);
edgeml_status eml_fast_resize_prepare(const eml_kernel_ctx *ctx, eml_fast_op **out);
/* ImagePreprocess (fast_image.c): every format, layout and output type. */
edgeml_status eml_fast_image_prepare(const eml_kernel_ctx *ctx, eml_isa isa, uint32_t threads,
				     eml_fast_op **out);

/* Links a prepared depthwise QLinearConv (from) to the prepared 1x1 QLinearConv (to) that
 * is the only reader of its output, when both kernels can keep that tensor channels-last in
 * blocks of 64 channels (see fast_qconv.c) rather than in planes; returns whether they do.
 * The tensor's memory then holds no NCHW data: only for tensors nothing else reads. */
int eml_fast_qconv_link(eml_fast_op *from, eml_fast_op *to);

/* Whether input k of the node is absent or a constant with its data at hand: the fast ops
 * fold parameters into packed form at prepare, so they must not change between runs. */
int eml_fast_input_constant(const eml_kernel_ctx *ctx, uint32_t k);

/* Per-node timing of a cpu backend state, for edgeml_session_profile (cpu_backend.c):
 * start zeroes (and on first use allocates) a nanosecond counter per node that every later
 * run sets to its time; profile_ns is NULL until then. node_kernel names what runs a node: a fast
 * micro-kernel, "reference" or "view". */
edgeml_status eml_cpu_profile_start(void *state);
const uint64_t *eml_cpu_profile_ns(const void *state);
const char *eml_cpu_node_kernel(const void *state, uint32_t node);

#endif /* EML_CPU_FAST_OPS_H */
