/* resize.c — nearest-neighbour Resize (float32, int8, uint8) with constant scales or
 * sizes on the fast path: a gather through a table of source indices. The table is what the
 * reference kernel itself computes: at prepare it resizes a float tensor whose elements hold
 * their own flat index, so every coordinate mode and rounding rule is the reference's, not
 * a copy of it. */
#include <stdlib.h>
#include <string.h>

#include "cpu/operators/operators.h"
#include "error.h"
#include "ops/ops.h"
#include "ops/resize_params.h"

/* Input elements must be exact in float (the index tensor) and the table stays bounded. */
#define RESIZE_MAX_IN ((int64_t)1 << 22)
#define RESIZE_MAX_OUT ((int64_t)1 << 22)
/* Resize's inputs: X, roi, scales, sizes. */
#define RESIZE_INPUTS 4
/* Outputs per task. */
#define RESIZE_CHUNK 16384

typedef struct resize_op {
	eml_fast_op base;
	size_t n, elem; /* outputs and their bytes */
	uint32_t *src;	/* per output: the input element it copies */
} resize_op;

typedef struct resize_run {
	const resize_op *op;
	const uint8_t *x;
	uint8_t *y;
} resize_run;

/* Frees the op and its table. */
static void resize_destroy(eml_fast_op *base)
{
	resize_op *op = (resize_op *)base;
	free(op->src);
	free(op);
}

/* One chunk of outputs. */
static void resize_task(void *arg, uint32_t task, uint32_t thread)
{
	const resize_run *r = arg;
	const resize_op *op = r->op;
	size_t at = (size_t)task * RESIZE_CHUNK;
	size_t n = op->n - at < RESIZE_CHUNK ? op->n - at : RESIZE_CHUNK;
	const uint32_t *src = op->src + at;
	(void)thread;
	if (op->elem == 4) {
		const uint32_t *x = (const uint32_t *)(const void *)r->x;
		uint32_t *y = (uint32_t *)(void *)r->y + at;
		for (size_t i = 0; i < n; i++)
			y[i] = x[src[i]];
	} else {
		uint8_t *y = r->y + at;
		for (size_t i = 0; i < n; i++)
			y[i] = r->x[src[i]];
	}
}

/* Runs the node over the pool. */
static edgeml_status resize_run_op(const eml_fast_op *base, const eml_kernel_ctx *ctx,
				   const eml_fast_env *env)
{
	const resize_op *op = (const resize_op *)base;
	resize_run r = { op, ctx->in_data[0], ctx->out_data[0] };
	eml_threadpool_run(eml_fast_pool(env, op->n), resize_task, &r,
			   (uint32_t)((op->n + RESIZE_CHUNK - 1) / RESIZE_CHUNK));
	return EDGEML_OK;
}

/* Fills op->src by running the reference kernel on the index tensor. */
static edgeml_status build_table(resize_op *op, const eml_kernel_ctx *ctx, size_t n_in)
{
	float *idx = malloc(n_in * sizeof(float)), *res = malloc(op->n * sizeof(float));
	edgeml_status st = EDGEML_OK;
	op->src = malloc(op->n * sizeof(uint32_t));
	if (!idx || !res || !op->src)
		st = eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for a resize table");
	if (st == EDGEML_OK) {
		for (size_t i = 0; i < n_in; i++)
			idx[i] = (float)i;
		eml_tensor tx = *ctx->in[0], ty = *ctx->out[0];
		tx.dtype = ty.dtype = EDGEML_DTYPE_FLOAT32;
		const eml_tensor *ins[RESIZE_INPUTS], *outs[1] = { &ty };
		const void *in_data[RESIZE_INPUTS];
		void *out_data[1] = { res };
		uint32_t k_in = ctx->node->n_inputs;
		memcpy(ins, ctx->in, k_in * sizeof(*ins));
		memcpy(in_data, ctx->in_data, k_in * sizeof(*in_data));
		ins[0] = &tx;
		in_data[0] = idx;
		eml_kernel_ctx c = { ctx->node, ins, outs, in_data, out_data };
		st = eml_ref_Resize(&c);
	}
	for (size_t i = 0; st == EDGEML_OK && i < op->n; i++) {
		/* the reference copies an element, so every entry is an index below n_in */
		if (!(res[i] >= 0.0f && res[i] < (float)n_in)) {
			st = EDGEML_ERR_UNSUPPORTED;
			break;
		}
		op->src[i] = (uint32_t)res[i];
	}
	free(idx);
	free(res);
	return st;
}

edgeml_status eml_fast_resize_prepare(const eml_kernel_ctx *ctx, eml_fast_op **out)
{
	const eml_tensor *tx = ctx->in[0], *ty = ctx->out[0];
	eml_op_params tmp;
	const eml_op_params *prm;
	int64_t n_in = eml_tensor_numel(tx), n_out = eml_tensor_numel(ty);
	size_t elem = tx->dtype == EDGEML_DTYPE_FLOAT32 ? 4 :
		      tx->dtype == EDGEML_DTYPE_INT8 || tx->dtype == EDGEML_DTYPE_UINT8 ? 1 : 0;
	for (uint32_t k = 1; k < ctx->node->n_inputs; k++)
		if (!eml_fast_input_constant(ctx, k))
			return EDGEML_OK;
	if (!elem || ty->dtype != tx->dtype || ctx->node->n_inputs > RESIZE_INPUTS ||
	    n_in <= 0 || n_in > RESIZE_MAX_IN || n_out <= 0 || n_out > RESIZE_MAX_OUT ||
	    eml_node_params(NULL, ctx->node, ctx->in, &tmp, &prm) != EDGEML_OK ||
	    prm->resize.mode != EML_RESIZE_NEAREST)
		return EDGEML_OK;
	resize_op *op = calloc(1, sizeof(*op));
	if (!op)
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for a resize");
	op->base = (eml_fast_op){ resize_run_op, resize_destroy, "resize-gather", 0, 0 };
	op->n = (size_t)n_out;
	op->elem = elem;
	edgeml_status st = build_table(op, ctx, (size_t)n_in);
	if (st != EDGEML_OK) {
		resize_destroy(&op->base);
		return st == EDGEML_ERR_UNSUPPORTED ? EDGEML_OK : st;
	}
	*out = &op->base;
	return EDGEML_OK;
}
