/* qconcat.c — QLinearConcat on the fast path, with constant parameters: each input's
 * requantization to Y's parameters is a function of one byte, so it is tabulated at prepare
 * (the reference's own arithmetic on each of the 256 values); an input whose table is the
 * identity (Y's scale and zero point, as quantize_static writes most concats) is copied with
 * memcpy, the others are mapped through their table. Bit-identical to the reference. */
#include <stdlib.h>
#include <string.h>

#include "cpu/operators/operators.h"
#include "cpu/ref/ref_qparams.h"
#include "error.h"
#include "quant/quant.h"

/* Bytes per task at least: a task is one input's slab of a few outer indices. */
#define QCONCAT_CHUNK 16384

typedef struct qconcat_in {
	uint32_t k;	   /* the node's input index */
	int copy;	   /* the table is the identity */
	size_t row;	   /* bytes of one outer index */
	size_t y_off;	   /* where its slab starts in a row of Y */
	uint8_t table[256];
} qconcat_in;

typedef struct qconcat_op {
	eml_fast_op base;
	size_t outer, y_row, rows_per_task, tasks_per_in, total;
	uint32_t n_in;
	qconcat_in in[];
} qconcat_op;

typedef struct qconcat_run {
	const qconcat_op *op;
	const eml_kernel_ctx *ctx;
} qconcat_run;

/* Frees the op. */
static void qconcat_destroy(eml_fast_op *op)
{
	free(op);
}

/* A few outer indices of one input. */
static void qconcat_task(void *arg, uint32_t task, uint32_t thread)
{
	const qconcat_run *r = arg;
	const qconcat_op *op = r->op;
	const qconcat_in *in = &op->in[task / op->tasks_per_in];
	size_t o0 = (task % op->tasks_per_in) * op->rows_per_task;
	size_t o1 = o0 + op->rows_per_task < op->outer ? o0 + op->rows_per_task : op->outer;
	const uint8_t *x = r->ctx->in_data[in->k];
	uint8_t *y = r->ctx->out_data[0];
	(void)thread;
	for (size_t o = o0; o < o1; o++) {
		const uint8_t *src = x + o * in->row;
		uint8_t *dst = y + o * op->y_row + in->y_off;
		if (in->copy) {
			memcpy(dst, src, in->row);
		} else {
			for (size_t i = 0; i < in->row; i++)
				dst[i] = in->table[src[i]];
		}
	}
}

/* Runs the node over the pool. */
static edgeml_status qconcat_run_op(const eml_fast_op *base, const eml_kernel_ctx *ctx,
				    const eml_fast_env *env)
{
	const qconcat_op *op = (const qconcat_op *)base;
	qconcat_run r = { op, ctx };
	eml_threadpool_run(eml_fast_pool(env, op->total), qconcat_task, &r,
			   (uint32_t)(op->n_in * op->tasks_per_in));
	return EDGEML_OK;
}

static int is_8bit(uint32_t dtype)
{
	return dtype == EDGEML_DTYPE_INT8 || dtype == EDGEML_DTYPE_UINT8;
}

edgeml_status eml_fast_qconcat_prepare(const eml_kernel_ctx *ctx, eml_fast_op **out)
{
	const eml_tensor *ty = ctx->out[0];
	const eml_node *node = ctx->node;
	const float *ys, *xs;
	int64_t n_s;
	eml_op_params tmp;
	const eml_op_params *prm;
	if (!is_8bit(ty->dtype) || node->n_inputs < 5 || (node->n_inputs - 2) % 3 != 0 ||
	    eml_tensor_numel(ty) < 1 ||
	    eml_node_params(NULL, node, ctx->in, &tmp, &prm) != EDGEML_OK)
		return EDGEML_OK;
	const eml_qconcat_params *q = &prm->qconcat;
	/* every scale and zero point constant: X_k at x0 + 3k, its scale and zero point after */
	if (!eml_fast_input_constant(ctx, q->y_scale) ||
	    !eml_fast_input_constant(ctx, q->y_zero_point))
		return EDGEML_OK;
	for (uint32_t j = 0; j < q->n_x; j++)
		if (!eml_fast_input_constant(ctx, q->x0 + 3 * j + 1) ||
		    !eml_fast_input_constant(ctx, q->x0 + 3 * j + 2))
			return EDGEML_OK;
	if (eml_q_scales(ctx, q->y_scale, &ys, &n_s) != EDGEML_OK)
		return EDGEML_OK;
	int64_t axis = q->axis;
	size_t outer = 1, y_row = 1;
	for (int64_t d = 0; d < axis; d++)
		outer *= (size_t)ty->dims[d];
	for (uint32_t d = (uint32_t)axis; d < ty->rank; d++)
		y_row *= (size_t)ty->dims[d];
	uint32_t n_in = q->n_x;
	qconcat_op *op = calloc(1, sizeof(*op) + n_in * sizeof(qconcat_in));
	if (!op)
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for a concat");
	op->base = (eml_fast_op){ qconcat_run_op, qconcat_destroy, "qs8-concat", 0, 0 };
	op->outer = outer;
	op->y_row = y_row;
	op->n_in = n_in;
	op->total = outer * y_row;
	int32_t y_zp = eml_q_zero_point(ctx, q->y_zero_point, 0), qmin, qmax;
	eml_q_range(ty->dtype, &qmin, &qmax);
	size_t y_off = 0, max_row = 1;
	for (uint32_t j = 0; j < n_in; j++) {
		uint32_t k = q->x0 + 3 * j;
		const eml_tensor *tx = ctx->in[k];
		if (!is_8bit(tx->dtype) || eml_q_scales(ctx, k + 1, &xs, &n_s) != EDGEML_OK) {
			free(op);
			return EDGEML_OK;
		}
		qconcat_in *in = &op->in[j];
		in->k = k;
		in->row = outer ? (size_t)eml_tensor_numel(tx) / outer : 0;
		in->y_off = y_off;
		y_off += in->row;
		max_row = in->row > max_row ? in->row : max_row;
		int32_t x_zp = eml_q_zero_point(ctx, k + 2, 0);
		in->copy = tx->dtype == ty->dtype;
		for (int b = 0; b < 256; b++) {
			/* the reference's arithmetic on the value this byte holds */
			int32_t v = tx->dtype == EDGEML_DTYPE_INT8 ? (int8_t)b : b;
			in->table[b] = (uint8_t)eml_q_rescale(v, xs[0], x_zp, ys[0], y_zp, qmin, qmax);
			in->copy &= in->table[b] == (uint8_t)b;
		}
	}
	if (y_off != y_row) { /* not the layout the reference writes */
		free(op);
		return EDGEML_OK;
	}
	op->rows_per_task = QCONCAT_CHUNK / max_row ? QCONCAT_CHUNK / max_row : 1;
	op->tasks_per_in = (outer + op->rows_per_task - 1) / op->rows_per_task;
	if (op->tasks_per_in == 0)
		op->tasks_per_in = 1;
	*out = &op->base;
	return EDGEML_OK;
}
