/* fhswish.c — float HardSigmoid and HardSwish on the fast path (MobileNetV3's activations,
 * exported by torch as HardSigmoid then Mul): the level's vector kernel, or a portable loop
 * of the same operations, over the tensor in chunks across the pool. Bit-identical to the
 * reference (ref_activation.c): alpha x + beta in float without contraction, then
 * fmaxf(0, fminf(1, t)). fminf(1, NaN) is 1 in C, as min(t, 1) is on vectors; the one case
 * where libms differ, fmaxf(0, -0), needs t = -0, so beta = -0: such a node is declined. */
#include <math.h>
#include <stdlib.h>

#include "cpu/kernels.h"
#include "cpu/operators/operators.h"
#include "error.h"
#include "ops/ops.h"

/* Elements per task, at least. */
#define HSWISH_CHUNK 8192

typedef struct fhswish_op {
	eml_fast_op base;
	eml_f32_vhsig_fn fn;
	float alpha, beta;
	int swish;
	size_t n, chunk;
	uint32_t tasks;
} fhswish_op;

typedef struct fhswish_run {
	const fhswish_op *op;
	const float *x;
	float *y;
} fhswish_run;

/* The portable loop: the kernels' operations, selects for fminf / fmaxf. */
static void hswish_portable(size_t n, const float *x, float *y, float alpha, float beta,
			    int swish)
{
	for (size_t i = 0; i < n; i++) {
		float v = x[i], t = alpha * v + beta;
		t = t < 1.0f ? t : 1.0f; /* NaN: 1 */
		t = t > 0.0f ? t : 0.0f;
		y[i] = swish ? v * t : t;
	}
}

static void fhswish_task(void *arg, uint32_t task, uint32_t thread)
{
	(void)thread;
	const fhswish_run *r = arg;
	const fhswish_op *op = r->op;
	size_t i0 = (size_t)task * op->chunk;
	size_t m = op->n - i0 < op->chunk ? op->n - i0 : op->chunk;
	op->fn(m, r->x + i0, r->y + i0, op->alpha, op->beta, op->swish);
}

static edgeml_status fhswish_run_op(const eml_fast_op *base, const eml_kernel_ctx *ctx,
				    const eml_fast_env *env)
{
	const fhswish_op *op = (const fhswish_op *)base;
	fhswish_run r = { op, ctx->in_data[0], ctx->out_data[0] };
	eml_threadpool_run(eml_fast_pool(env, op->n * 4), fhswish_task, &r, op->tasks);
	return EDGEML_OK;
}

static void fhswish_destroy(eml_fast_op *base)
{
	free(base);
}

edgeml_status eml_fast_fhswish_prepare(const eml_kernel_ctx *ctx, eml_isa isa,
				       uint32_t threads, eml_fast_op **out)
{
	const eml_cpu_kernels *kt = eml_cpu_kernels_for(isa);
	int swish = ctx->node->op == EML_OP_HardSwish;
	float alpha = 1.0f / 6.0f, beta = 0.5f;
	if (ctx->in[0]->dtype != EDGEML_DTYPE_FLOAT32 ||
	    ctx->out[0]->dtype != EDGEML_DTYPE_FLOAT32)
		return EDGEML_OK;
	if (!swish) {
		eml_op_params tmp;
		const eml_op_params *prm;
		if (eml_node_params(NULL, ctx->node, ctx->in, &tmp, &prm) != EDGEML_OK)
			return EDGEML_OK; /* the reference reports it */
		alpha = prm->eltwise.alpha;
		beta = prm->eltwise.beta;
	}
	if (beta == 0.0f && signbit(beta))
		return EDGEML_OK;
	int64_t n = eml_tensor_numel(ctx->in[0]);
	if (n <= 0)
		return EDGEML_OK;
	fhswish_op *op = calloc(1, sizeof(*op));
	if (!op)
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for an activation");
	op->base.run = fhswish_run_op;
	op->base.destroy = fhswish_destroy;
	op->fn = kt->f32_vhsig ? kt->f32_vhsig : hswish_portable;
	op->base.kernel = kt->f32_vhsig ? kt->f32_vhsig_name : "f32-vhswish";
	op->alpha = alpha;
	op->beta = beta;
	op->swish = swish;
	op->n = (size_t)n;
	size_t want = threads > 1 ? (size_t)threads * EML_FAST_TASKS_PER_THREAD : 1;
	size_t chunk = (op->n + want - 1) / want;
	op->chunk = chunk < HSWISH_CHUNK ? HSWISH_CHUNK : chunk;
	op->tasks = (uint32_t)((op->n + op->chunk - 1) / op->chunk);
	*out = &op->base;
	return EDGEML_OK;
}
