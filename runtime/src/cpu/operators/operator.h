/*
 * operator.h — what every operator of the fast CPU path (cpu/operators/) shares: the prepared
 * op, the memory and pool a run lends it, and the helpers for both. An operator checks at
 * prepare that a micro-kernel of its level's table (kernels.h) covers the node, packs its
 * weights once, and at run splits the work into tasks over the pool. Operators include this
 * header, operators.h and kernels.h; they never include fast_ops.h (the op switch that calls
 * them) and never name a micro-kernel.
 */
#ifndef EML_CPU_OPERATOR_H
#define EML_CPU_OPERATOR_H

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

/* Whether input k of the node is absent or a constant with its data at hand: the fast ops
 * fold parameters into packed form at prepare, so they must not change between runs. */
int eml_fast_input_constant(const eml_kernel_ctx *ctx, uint32_t k);

/* Frees a prepared fast op; NULL is a no-op. */
void eml_fast_destroy(eml_fast_op *op);

#endif /* EML_CPU_OPERATOR_H */
