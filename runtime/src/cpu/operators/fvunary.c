/* fvunary.c — float Sigmoid, Tanh and Erf on the fast path: the level's vector kernel
 * (f32_vmath.h) over the whole tensor, in chunks across the pool. Within the bounds of
 * docs/cpu-kernels.md of libm's value, not the reference's bits: declined under
 * EDGEML_SESSION_EXACT_FLOAT. */
#include <stdlib.h>

#include "cpu/kernels.h"
#include "cpu/operators/operators.h"
#include "error.h"
#include "ops/ops.h"

/* Elements per task, at least. */
#define VUNARY_CHUNK 4096

typedef struct fvunary_op {
	eml_fast_op base;
	eml_f32_vunary_fn fn;
	size_t n, chunk;
	uint32_t tasks;
} fvunary_op;

typedef struct fvunary_run {
	const fvunary_op *op;
	const float *x;
	float *y;
} fvunary_run;

static void fvunary_task(void *arg, uint32_t task, uint32_t thread)
{
	(void)thread;
	const fvunary_run *r = arg;
	size_t i0 = (size_t)task * r->op->chunk;
	size_t m = r->op->n - i0 < r->op->chunk ? r->op->n - i0 : r->op->chunk;
	r->op->fn(m, r->x + i0, r->y + i0);
}

static edgeml_status fvunary_run_op(const eml_fast_op *base, const eml_kernel_ctx *ctx,
				    const eml_fast_env *env)
{
	const fvunary_op *op = (const fvunary_op *)base;
	fvunary_run r = { op, ctx->in_data[0], ctx->out_data[0] };
	/* some 20 operations an element */
	eml_threadpool_run(eml_fast_pool(env, op->n * 20), fvunary_task, &r, op->tasks);
	return EDGEML_OK;
}

static void fvunary_destroy(eml_fast_op *base)
{
	free(base);
}

edgeml_status eml_fast_fvunary_prepare(const eml_kernel_ctx *ctx, eml_isa isa,
				       uint32_t threads, int exact_float, eml_fast_op **out)
{
	const eml_cpu_kernels *kt = eml_cpu_kernels_for(isa);
	uint32_t o = ctx->node->op;
	eml_f32_vunary_fn fn = o == EML_OP_Sigmoid ? kt->f32_vsigmoid :
			       o == EML_OP_Tanh	   ? kt->f32_vtanh :
			       o == EML_OP_Erf	   ? kt->f32_verf : NULL;
	if (exact_float || !fn || ctx->in[0]->dtype != EDGEML_DTYPE_FLOAT32 ||
	    ctx->out[0]->dtype != EDGEML_DTYPE_FLOAT32)
		return EDGEML_OK;
	int64_t n = eml_tensor_numel(ctx->in[0]);
	if (n <= 0)
		return EDGEML_OK;
	fvunary_op *op = calloc(1, sizeof(*op));
	if (!op)
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for an activation");
	op->base.run = fvunary_run_op;
	op->base.destroy = fvunary_destroy;
	op->base.kernel = kt->f32_vmath_name;
	op->fn = fn;
	op->n = (size_t)n;
	size_t want = threads > 1 ? (size_t)threads * EML_FAST_TASKS_PER_THREAD : 1;
	size_t chunk = (op->n + want - 1) / want;
	op->chunk = chunk < VUNARY_CHUNK ? VUNARY_CHUNK : chunk;
	op->tasks = (uint32_t)((op->n + op->chunk - 1) / op->chunk);
	*out = &op->base;
	return EDGEML_OK;
}
