/* qsoftmax.c — QLinearSoftmax on the fast path (ONNX Runtime's com.microsoft arithmetic,
 * docs/ops.md), bit-identical to the reference: the same exponential table
 * (eml_qsoftmax_table, made once at prepare instead of at every run), the same fp32 row sum
 * in the same order, the same division and rounding. What it saves is the reference's
 * per-element type dispatch and, on rows longer than the distances in them, one division per
 * element: the quantized result of each distance is computed once per row and looked up.
 * Contiguous rows of at most QSOFTMAX_ROWS_MAX elements run `rows` at a time through the
 * level's kernel (eml_qsoftmax_rows_fn: each vector lane sums its own row, in order), the
 * rest row by row. Rows are split over the pool. */
#include <stdlib.h>

#include "cpu/kernels.h"
#include "cpu/operators/operators.h"
#include "cpu/ref/ref_qparams.h"
#include "error.h"
#include "ops/infer_helpers.h"
#include "quant/quant.h"

/* Elements per task (whole rows). */
#define QSOFTMAX_CHUNK 16384
/* The longest row the rows kernel takes (its scratch: rows * len floats). */
#define QSOFTMAX_ROWS_MAX 256

typedef struct qsoftmax_op {
	eml_fast_op base;
	size_t outer, len, inner;
	uint8_t flip; /* 0x80 for int8: raw byte ^ flip orders as the value */
	float y_mult; /* floor(1 / Y_scale) */
	int small_mult; /* y_mult <= 2^21: rows by round_small */
	eml_qsoftmax_rows_fn rows_fn; /* NULL: row by row */
	uint32_t rows_n;		     /* rows per rows_fn call */
	int32_t yz, qmin, qmax;
	float e[256]; /* e[d] for the distance d = max - x */
} qsoftmax_op;

typedef struct qsoftmax_run {
	const qsoftmax_op *op;
	const uint8_t *x;
	uint8_t *y;
	size_t rows_per_task;
	const eml_fast_env *env;
} qsoftmax_run;

/* Frees the op. */
static void qsoftmax_destroy(eml_fast_op *op)
{
	free(op);
}

/* The reference's output byte for distance d in a row of sum. */
static uint8_t quantize(const qsoftmax_op *op, uint32_t d, float sum)
{
	return (uint8_t)eml_qsoftmax_quantize(op->e[d], op->y_mult, sum, op->yz, op->qmin,
					      op->qmax);
}

/* Round half to even of v in [0, 2^22] (or +inf, NaN), as nearbyintf in the default rounding
 * mode: adding 2^23 leaves no fraction bits, so the addition rounds (ties to even) and the
 * subtraction is exact. Inline, unlike the libm call, and vectorisable. */
static inline float round_small(float v)
{
	return (v + 0x1p23f) - 0x1p23f;
}

/* A contiguous row (stride 1) whose quotients lie in [0, 2^22]: the reference's steps, with
 * the row's exponentials gathered first so that the quantization runs over an array. */
static void qsoftmax_row_small(const qsoftmax_op *op, const uint8_t *x, uint8_t *y, uint32_t mx,
			       float *w)
{
	size_t len = op->len;
	float sum = 0.0f;
	for (size_t j = 0; j < len; j++) {
		w[j] = op->e[mx - (uint32_t)(x[j] ^ op->flip)];
		sum += w[j];
	}
	const float lo = (float)op->qmin, hi = (float)op->qmax, yz = (float)op->yz;
	for (size_t j = 0; j < len; j++) {
		float r = round_small(w[j] * op->y_mult / sum) + yz;
		r = !(r >= lo) ? lo : r > hi ? hi : r;
		y[j] = (uint8_t)(int32_t)r;
	}
}

/* One row of len elements at x, y, stride elements apart; w: len floats of scratch. */
static void qsoftmax_row(const qsoftmax_op *op, const uint8_t *x, uint8_t *y, size_t stride,
			 float *w)
{
	size_t len = op->len;
	uint32_t mx = 0;
	for (size_t j = 0; j < len; j++) {
		uint32_t u = (uint32_t)(x[j * stride] ^ op->flip);
		mx = u > mx ? u : mx;
	}
	if (stride == 1 && op->small_mult && len <= mx + 1) {
		qsoftmax_row_small(op, x, y, mx, w);
		return;
	}
	/* In order, as the reference adds (the sum's rounding depends on it). */
	float sum = 0.0f;
	for (size_t j = 0; j < len; j++)
		sum += op->e[mx - (uint32_t)(x[j * stride] ^ op->flip)];
	if (len <= mx + 1) {
		for (size_t j = 0; j < len; j++)
			y[j * stride] = quantize(op, mx - (uint32_t)(x[j * stride] ^ op->flip), sum);
		return;
	}
	/* More elements than distances: each distance's byte once. */
	uint8_t table[256];
	for (uint32_t d = 0; d <= mx; d++)
		table[d] = quantize(op, d, sum);
	for (size_t j = 0; j < len; j++)
		y[j * stride] = table[mx - (uint32_t)(x[j * stride] ^ op->flip)];
}

/* A run of whole rows (row r: outer index r / inner, inner index r % inner). */
static void qsoftmax_task(void *arg, uint32_t task, uint32_t thread)
{
	const qsoftmax_run *r = arg;
	const qsoftmax_op *op = r->op;
	size_t rows = op->outer * op->inner, first = (size_t)task * r->rows_per_task;
	size_t last = rows - first < r->rows_per_task ? rows : first + r->rows_per_task;
	float *w = (float *)r->env->scratch[thread];
	size_t row = first;
	if (op->rows_fn) {
		eml_qsoftmax_rows_args a = { .len = op->len,
					     .e = op->e,
					     .w = w,
					     .y_mult = op->y_mult,
					     .yz = (float)op->yz,
					     .lo = (float)op->qmin,
					     .hi = (float)op->qmax,
					     .flip = op->flip };
		for (; last - row >= op->rows_n; row += op->rows_n) {
			a.x = r->x + row * op->len;
			a.y = r->y + row * op->len;
			op->rows_fn(&a);
		}
	}
	for (; row < last; row++) {
		size_t at = row / op->inner * op->len * op->inner + row % op->inner;
		qsoftmax_row(op, r->x + at, r->y + at, op->inner, w);
	}
}

/* Runs the node over the pool. */
static edgeml_status qsoftmax_run_op(const eml_fast_op *base, const eml_kernel_ctx *ctx,
				     const eml_fast_env *env)
{
	const qsoftmax_op *op = (const qsoftmax_op *)base;
	size_t rows = op->outer * op->inner;
	size_t per = op->len >= QSOFTMAX_CHUNK ? 1 : QSOFTMAX_CHUNK / op->len;
	qsoftmax_run r = { op, ctx->in_data[0], ctx->out_data[0], per, env };
	eml_threadpool_run(eml_fast_pool(env, rows * op->len), qsoftmax_task, &r,
			   (uint32_t)((rows + per - 1) / per));
	return EDGEML_OK;
}

edgeml_status eml_fast_qsoftmax_prepare(const eml_kernel_ctx *ctx, eml_isa isa,
					eml_fast_op **out)
{
	const float *xs, *ys;
	int64_t n_s;
	eml_op_params tmp;
	const eml_op_params *prm;
	if (eml_node_params(NULL, ctx->node, ctx->in, &tmp, &prm) != EDGEML_OK)
		return EDGEML_OK; /* the reference kernel runs, and reports what is wrong */
	const eml_qsoftmax_params *p = &prm->qsoftmax;
	const eml_tensor *t = ctx->in[p->x];
	uint32_t a = p->axis;
	if ((t->dtype != EDGEML_DTYPE_INT8 && t->dtype != EDGEML_DTYPE_UINT8) ||
	    ctx->out[0]->dtype != t->dtype || !eml_fast_input_constant(ctx, p->x_scale) ||
	    !eml_fast_input_constant(ctx, p->y_scale) ||
	    !eml_fast_input_constant(ctx, p->y_zero_point) ||
	    eml_q_scales(ctx, p->x_scale, &xs, &n_s) != EDGEML_OK ||
	    eml_q_scales(ctx, p->y_scale, &ys, &n_s) != EDGEML_OK)
		return EDGEML_OK;
	size_t outer = 1, inner = 1, len = (size_t)t->dims[a];
	for (uint32_t i = 0; i < a; i++)
		outer *= (size_t)t->dims[i];
	for (uint32_t i = a + 1; i < t->rank; i++)
		inner *= (size_t)t->dims[i];
	if (len == 0 || outer * inner == 0 || outer * inner > UINT32_MAX)
		return EDGEML_OK;
	qsoftmax_op *op = calloc(1, sizeof(*op));
	if (!op)
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for a QLinearSoftmax");
	/* scratch: a row's exponentials, for rows at most 256 long (longer ones take the
	 * per-distance table) */
	op->base = (eml_fast_op){ qsoftmax_run_op, qsoftmax_destroy, "qsoftmax-table",
				  (len < 256 ? len : 256) * sizeof(float), 0 };
	op->outer = outer;
	op->len = len;
	op->inner = inner;
	op->flip = t->dtype == EDGEML_DTYPE_INT8 ? 0x80 : 0;
	eml_qsoftmax_table(xs[0], (int64_t)len, op->e);
	op->y_mult = eml_qsoftmax_y_mult(ys[0]);
	/* e[d] / sum <= 1 (the row's sum holds its largest e), so quotients stay below 2^22 */
	op->small_mult = op->y_mult >= 0.0f && op->y_mult <= 0x1p21f;
	op->yz = eml_q_zero_point(ctx, p->y_zero_point, 0);
	const eml_cpu_kernels *kt = eml_cpu_kernels_for(isa);
	if (kt->qsoftmax && inner == 1 && op->small_mult && len <= QSOFTMAX_ROWS_MAX &&
	    outer >= kt->qsoftmax_rows) {
		op->rows_fn = kt->qsoftmax;
		op->rows_n = kt->qsoftmax_rows;
		op->base.scratch = op->rows_n * len * sizeof(float);
		op->base.kernel = "qs8-softmax-rows";
	}
	eml_q_range(t->dtype, &op->qmin, &op->qmax);
	*out = &op->base;
	return EDGEML_OK;
}
