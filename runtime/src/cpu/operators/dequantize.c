/* dequantize.c — DequantizeLinear of int8/uint8 to float32 with constant per-tensor
 * parameters on the fast path: the level's vector kernel ((x - zp) * scale, the reference's
 * steps), or where there is none a 256-entry table of the reference's result for every byte
 * value, computed at prepare with the reference's expression, then one lookup per element. */
#include <stdlib.h>

#include "cpu/kernels.h"
#include "cpu/operators/operators.h"
#include "cpu/ref/ref_qparams.h"
#include "error.h"
#include "quant/quant.h"

/* Elements per task. */
#define DEQUANT_CHUNK 16384

typedef struct dequant_op {
	eml_fast_op base;
	size_t n;
	eml_qdequant_fn fn; /* NULL: the table */
	eml_qdequant_args args; /* fn's parameters (x, y, n set per chunk) */
	float table[256]; /* the float of each raw byte */
} dequant_op;

typedef struct dequant_run {
	const dequant_op *op;
	const uint8_t *x;
	float *y;
} dequant_run;

/* Frees the op. */
static void dequant_destroy(eml_fast_op *op)
{
	free(op);
}

/* One chunk of elements. */
static void dequant_task(void *arg, uint32_t task, uint32_t thread)
{
	const dequant_run *r = arg;
	size_t at = (size_t)task * DEQUANT_CHUNK;
	size_t n = r->op->n - at < DEQUANT_CHUNK ? r->op->n - at : DEQUANT_CHUNK;
	const uint8_t *x = r->x + at;
	float *y = r->y + at;
	(void)thread;
	if (r->op->fn) {
		eml_qdequant_args a = r->op->args;
		a.x = x;
		a.y = y;
		a.n = n;
		r->op->fn(&a);
		return;
	}
	for (size_t i = 0; i < n; i++)
		y[i] = r->op->table[x[i]];
}

/* Runs the node over the pool. */
static edgeml_status dequant_run_op(const eml_fast_op *base, const eml_kernel_ctx *ctx,
				    const eml_fast_env *env)
{
	const dequant_op *op = (const dequant_op *)base;
	dequant_run r = { op, ctx->in_data[0], ctx->out_data[0] };
	eml_threadpool_run(eml_fast_pool(env, op->n), dequant_task, &r,
			   (uint32_t)((op->n + DEQUANT_CHUNK - 1) / DEQUANT_CHUNK));
	return EDGEML_OK;
}

edgeml_status eml_fast_dequantize_prepare(const eml_kernel_ctx *ctx, eml_isa isa,
					  eml_fast_op **out)
{
	const eml_tensor *tx = ctx->in[0], *ty = ctx->out[0];
	const float *scale;
	int64_t n_scale;
	eml_op_params tmp;
	const eml_op_params *prm;
	if (eml_node_params(NULL, ctx->node, ctx->in, &tmp, &prm) != EDGEML_OK)
		return EDGEML_OK;
	const eml_quantize_params *q = &prm->quantize;
	int x_signed = tx->dtype == EDGEML_DTYPE_INT8;
	if ((!x_signed && tx->dtype != EDGEML_DTYPE_UINT8) || ty->dtype != EDGEML_DTYPE_FLOAT32 ||
	    !eml_fast_input_constant(ctx, q->scale) || !eml_fast_input_constant(ctx, q->zero_point) ||
	    eml_q_scales(ctx, q->scale, &scale, &n_scale) != EDGEML_OK || n_scale != 1 ||
	    eml_tensor_numel(tx) <= 0)
		return EDGEML_OK;
	dequant_op *op = calloc(1, sizeof(*op));
	if (!op)
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for a dequantize");
	op->base = (eml_fast_op){ dequant_run_op, dequant_destroy, "dequantize-table", 0, 0 };
	op->n = (size_t)eml_tensor_numel(tx);
	int64_t zp = eml_q_zero_point(ctx, q->zero_point, 0);
	for (int b = 0; b < 256; b++)
		op->table[b] = eml_dequantize(x_signed ? (int8_t)b : b, zp, scale[0]);
	op->fn = eml_cpu_kernels_for(isa)->qdequant;
	op->args = (eml_qdequant_args){ .is_signed = x_signed, .zp = (int32_t)zp,
					.scale = scale[0] };
	if (op->fn)
		op->base.kernel = "qs8-vdequantize";
	*out = &op->base;
	return EDGEML_OK;
}
