/* resize.c — Resize on the fast path, constant scales or sizes.
 * Nearest-neighbour (float32, int8, uint8): a gather through a table of source indices. The
 * table is what the reference kernel itself computes: at prepare it resizes a float tensor
 * whose elements hold their own flat index, so every coordinate mode and rounding rule is the
 * reference's, not a copy of it.
 * Linear (float32) over the last two axes (the others unchanged: NCHW images, segmentation
 * heads' upsampling): per output row the two source rows and their weights, per output
 * column the two source columns and theirs, from the reference's own eml_resize_taps; each
 * output sums its four corners in the reference's order with its zero-weight corners left
 * out, so the result is the reference's bit for bit (EDGEML_SESSION_EXACT_FLOAT included). */
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

/* Rows per task of the linear path. */
#define LINEAR_ROWS 16

/* One axis of the linear path: per output index, the two source indices and the weights of
 * the lower and the upper one (as the reference forms them: 1 - w and w). */
typedef struct linear_axis {
	uint32_t *lo, *hi;
	float *wlo, *whi;
} linear_axis;

typedef struct linear_op {
	eml_fast_op base;
	size_t outer, in_h, in_w, out_h, out_w;
	linear_axis h, w;
} linear_op;

typedef struct linear_run {
	const linear_op *op;
	const float *x;
	float *y;
} linear_run;

static void linear_destroy(eml_fast_op *base)
{
	linear_op *op = (linear_op *)base;
	linear_axis *ax[2] = { &op->h, &op->w };
	for (int i = 0; i < 2; i++) {
		free(ax[i]->lo);
		free(ax[i]->hi);
		free(ax[i]->wlo);
		free(ax[i]->whi);
	}
	free(op);
}

/* Adds w * x to acc unless the weight is zero (the reference skips that corner, which
 * differs from adding 0 * x only for an infinite or NaN x). */
static inline float corner_add(float acc, float w, float x)
{
	return w != 0.0f ? acc + w * x : acc;
}

/* LINEAR_ROWS output rows (over outer x out_h). */
static void linear_task(void *arg, uint32_t task, uint32_t thread)
{
	const linear_run *r = arg;
	const linear_op *op = r->op;
	size_t rows = op->outer * op->out_h, row0 = (size_t)task * LINEAR_ROWS;
	size_t row1 = row0 + LINEAR_ROWS < rows ? row0 + LINEAR_ROWS : rows;
	(void)thread;
	for (size_t row = row0; row < row1; row++) {
		size_t o = row / op->out_h, oh = row % op->out_h;
		const float *plane = r->x + o * op->in_h * op->in_w;
		const float *x0 = plane + (size_t)op->h.lo[oh] * op->in_w;
		const float *x1 = plane + (size_t)op->h.hi[oh] * op->in_w;
		float h0 = op->h.wlo[oh], h1 = op->h.whi[oh];
		float *y = r->y + row * op->out_w;
		for (size_t ow = 0; ow < op->out_w; ow++) {
			uint32_t c0 = op->w.lo[ow], c1 = op->w.hi[ow];
			float w0 = op->w.wlo[ow], w1 = op->w.whi[ow];
			/* corner order of the reference: the H axis' bit below the W axis' */
			float acc = corner_add(0.0f, h0 * w0, x0[c0]);
			acc = corner_add(acc, h1 * w0, x1[c0]);
			acc = corner_add(acc, h0 * w1, x0[c1]);
			y[ow] = corner_add(acc, h1 * w1, x1[c1]);
		}
	}
}

static edgeml_status linear_run_op(const eml_fast_op *base, const eml_kernel_ctx *ctx,
				   const eml_fast_env *env)
{
	const linear_op *op = (const linear_op *)base;
	linear_run r = { op, ctx->in_data[0], ctx->out_data[0] };
	size_t rows = op->outer * op->out_h;
	eml_threadpool_run(eml_fast_pool(env, rows * op->out_w * 4), linear_task, &r,
			   (uint32_t)((rows + LINEAR_ROWS - 1) / LINEAR_ROWS));
	return EDGEML_OK;
}

/* Fills one axis' taps; 0 when out of memory. */
static int linear_axis_fill(linear_axis *ax, const eml_resize_params *p, uint32_t a,
			    int64_t in_len)
{
	size_t n = (size_t)p->out[a];
	ax->lo = malloc(n * sizeof(uint32_t));
	ax->hi = malloc(n * sizeof(uint32_t));
	ax->wlo = malloc(n * sizeof(float));
	ax->whi = malloc(n * sizeof(float));
	if (!ax->lo || !ax->hi || !ax->wlo || !ax->whi)
		return 0;
	for (size_t o = 0; o < n; o++) {
		int64_t lo, hi;
		float w;
		eml_resize_taps(p, a, in_len, (int64_t)o, &lo, &hi, &w);
		ax->lo[o] = (uint32_t)lo;
		ax->hi[o] = (uint32_t)hi;
		ax->wlo[o] = 1.0f - w;
		ax->whi[o] = w;
	}
	return 1;
}

/* Whether axis a maps every output index to the same input index with no weight on the
 * next one (the reference then reads one corner along it). */
static int linear_axis_identity(const eml_resize_params *p, uint32_t a, int64_t in_len)
{
	if (p->out[a] != in_len)
		return 0;
	for (int64_t o = 0; o < in_len; o++) {
		int64_t lo, hi;
		float w;
		eml_resize_taps(p, a, in_len, o, &lo, &hi, &w);
		if (lo != o || w != 0.0f)
			return 0;
	}
	return 1;
}

/* The linear path, where it applies (float32, rank >= 2, only the last two axes resized). */
static edgeml_status linear_prepare(const eml_kernel_ctx *ctx, const eml_resize_params *p,
				    eml_fast_op **out)
{
	const eml_tensor *tx = ctx->in[0];
	uint32_t r = tx->rank;
	if (tx->dtype != EDGEML_DTYPE_FLOAT32 || r < 2)
		return EDGEML_OK;
	size_t outer = 1;
	for (uint32_t a = 0; a + 2 < r; a++) {
		if (!linear_axis_identity(p, a, tx->dims[a]))
			return EDGEML_OK;
		outer *= (size_t)tx->dims[a];
	}
	if (tx->dims[r - 2] > UINT32_MAX || tx->dims[r - 1] > UINT32_MAX)
		return EDGEML_OK;
	linear_op *op = calloc(1, sizeof(*op));
	if (!op)
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for a resize");
	op->base = (eml_fast_op){ linear_run_op, linear_destroy, "f32-resize-linear", 0, 0 };
	op->outer = outer;
	op->in_h = (size_t)tx->dims[r - 2];
	op->in_w = (size_t)tx->dims[r - 1];
	op->out_h = (size_t)p->out[r - 2];
	op->out_w = (size_t)p->out[r - 1];
	if (!linear_axis_fill(&op->h, p, r - 2, tx->dims[r - 2]) ||
	    !linear_axis_fill(&op->w, p, r - 1, tx->dims[r - 1])) {
		linear_destroy(&op->base);
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for a resize's taps");
	}
	*out = &op->base;
	return EDGEML_OK;
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
	    n_in <= 0 || n_out <= 0 ||
	    eml_node_params(NULL, ctx->node, ctx->in, &tmp, &prm) != EDGEML_OK)
		return EDGEML_OK;
	if (prm->resize.mode == EML_RESIZE_LINEAR)
		return linear_prepare(ctx, &prm->resize, out);
	if (prm->resize.mode != EML_RESIZE_NEAREST || n_in > RESIZE_MAX_IN ||
	    n_out > RESIZE_MAX_OUT)
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
