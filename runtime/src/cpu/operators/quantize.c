/* quantize.c — QuantizeLinear of float32 to int8/uint8 with constant per-tensor
 * parameters on the fast path: chunks of elements over the pool. */
#include <stdlib.h>

#include "cpu/kernels.h"
#include "cpu/operators/operators.h"
#include "cpu/pack.h"
#include "quant/quant.h"
#include "cpu/ref/ref_qparams.h"
#include "error.h"

/* Elements per task. */
#define QUANT_CHUNK 16384

typedef struct quant_op {
	eml_fast_op base;
	eml_qquant_fn fn;
	eml_qquant_args args; /* x, y are set per run */
} quant_op;

typedef struct quant_run {
	const quant_op *op;
	const float *x;
	uint8_t *y;
} quant_run;

/* Frees the op. */
static void quant_destroy(eml_fast_op *op)
{
	free(op);
}

/* One chunk of elements. */
static void quant_task(void *arg, uint32_t task, uint32_t thread)
{
	const quant_run *r = arg;
	eml_qquant_args a = r->op->args;
	size_t at = (size_t)task * QUANT_CHUNK;
	a.n = a.n - at < QUANT_CHUNK ? a.n - at : QUANT_CHUNK;
	a.x = r->x + at;
	a.y = r->y + at;
	r->op->fn(&a);
}

/* Runs the node over the pool. */
static edgeml_status quant_run_op(const eml_fast_op *base, const eml_kernel_ctx *ctx,
				  const eml_fast_env *env)
{
	const quant_op *op = (const quant_op *)base;
	quant_run r = { op, ctx->in_data[0], ctx->out_data[0] };
	eml_threadpool_run(eml_fast_pool(env, op->args.n), quant_task, &r,
			   (uint32_t)((op->args.n + QUANT_CHUNK - 1) / QUANT_CHUNK));
	return EDGEML_OK;
}

edgeml_status eml_fast_quantize_prepare(const eml_kernel_ctx *ctx, eml_isa isa,
					eml_fast_op **out)
{
	const eml_tensor *tx = ctx->in[0], *ty = ctx->out[0];
	eml_qquant_fn fn = eml_cpu_kernels_for(isa)->qquant;
	const float *scale;
	int64_t n_scale;
	eml_op_params tmp;
	const eml_op_params *prm;
	if (eml_node_params(NULL, ctx->node, ctx->in, &tmp, &prm) != EDGEML_OK)
		return EDGEML_OK;
	const eml_quantize_params *q = &prm->quantize;
	if (!fn || tx->dtype != EDGEML_DTYPE_FLOAT32 ||
	    (ty->dtype != EDGEML_DTYPE_INT8 && ty->dtype != EDGEML_DTYPE_UINT8) ||
	    !eml_fast_input_constant(ctx, q->scale) || !eml_fast_input_constant(ctx, q->zero_point) ||
	    eml_q_scales(ctx, q->scale, &scale, &n_scale) != EDGEML_OK || n_scale != 1)
		return EDGEML_OK;
	quant_op *op = calloc(1, sizeof(*op));
	if (!op)
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for a quantize");
	int32_t qmin, qmax;
	eml_q_range(ty->dtype, &qmin, &qmax);
	op->base = (eml_fast_op){ quant_run_op, quant_destroy, "qs8-vquantize", 0, 0 };
	op->fn = fn;
	op->args = (eml_qquant_args){ .n = (size_t)eml_tensor_numel(tx), .scale = scale[0],
				      .zp = (float)eml_q_zero_point(ctx, q->zero_point, 0),
				      .lo = (float)qmin, .hi = (float)qmax };
	*out = &op->base;
	return EDGEML_OK;
}
