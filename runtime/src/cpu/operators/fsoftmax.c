/* fsoftmax.c — float Softmax (opset 13: one axis) on the fast path: per row, the max (NaN
 * ignored, as the reference's fmaxf), x - max, the level's vector exp in place, the sum in
 * double, then one multiply by the sum's reciprocal. The input is [outer][len][inner] with
 * Softmax over len: for inner > 1 the rows are columns of a [len][inner] block, done a slab
 * of columns at a time so that every pass runs over contiguous floats. Within the float
 * tolerance of docs/ops.md, not bit-identical (exp is f32_vmath.h's, the division a
 * reciprocal): declined under EDGEML_SESSION_EXACT_FLOAT. */
#include <math.h>
#include <stdlib.h>

#include "cpu/kernels.h"
#include "cpu/operators/operators.h"
#include "error.h"
#include "ops/op_params.h"
#include "ops/ops.h"

/* Columns a task's slab holds (inner > 1): scratch is this many floats and doubles. */
#define SOFTMAX_SLAB 256

typedef struct fsoftmax_op {
	eml_fast_op base;
	eml_f32_vunary_fn vexp;
	eml_f32_softmax_fn row; /* the level's row kernel (inner 1), or NULL: softmax_row */
	int64_t outer, len, inner;
	int64_t slabs;	/* per outer index: inner in slabs of SOFTMAX_SLAB (1 when inner is 1) */
	int64_t per_task; /* rows (inner 1) or slabs per task */
	uint32_t tasks;
} fsoftmax_op;

typedef struct fsoftmax_run {
	const fsoftmax_op *op;
	const float *x;
	float *y;
	const eml_fast_env *env;
} fsoftmax_run;

/* One contiguous row of n. */
static void softmax_row(const fsoftmax_op *op, const float *x, float *y, int64_t n)
{
	float mx = -INFINITY;
	for (int64_t j = 0; j < n; j++)
		mx = x[j] > mx ? x[j] : mx;
	for (int64_t j = 0; j < n; j++)
		y[j] = x[j] - mx;
	op->vexp((size_t)n, y, y);
	double s[4] = { 0.0, 0.0, 0.0, 0.0 };
	int64_t j = 0;
	for (; j + 4 <= n; j += 4)
		for (int u = 0; u < 4; u++)
			s[u] += y[j + u];
	for (; j < n; j++)
		s[0] += y[j];
	float inv = (float)(1.0 / ((s[0] + s[1]) + (s[2] + s[3])));
	for (j = 0; j < n; j++)
		y[j] *= inv;
}

/* Columns [c0, c0 + w) of a [len][inner] block. */
static void softmax_slab(const fsoftmax_op *op, const float *x, float *y, int64_t c0,
			 int64_t w, float *mx, double *sum)
{
	int64_t len = op->len, inner = op->inner;
	for (int64_t i = 0; i < w; i++) {
		mx[i] = -INFINITY;
		sum[i] = 0.0;
	}
	for (int64_t j = 0; j < len; j++) {
		const float *xr = x + j * inner + c0;
		for (int64_t i = 0; i < w; i++)
			mx[i] = xr[i] > mx[i] ? xr[i] : mx[i];
	}
	for (int64_t j = 0; j < len; j++) {
		const float *xr = x + j * inner + c0;
		float *yr = y + j * inner + c0;
		for (int64_t i = 0; i < w; i++)
			yr[i] = xr[i] - mx[i];
		op->vexp((size_t)w, yr, yr);
		for (int64_t i = 0; i < w; i++)
			sum[i] += yr[i];
	}
	for (int64_t i = 0; i < w; i++)
		mx[i] = (float)(1.0 / sum[i]);
	for (int64_t j = 0; j < len; j++) {
		float *yr = y + j * inner + c0;
		for (int64_t i = 0; i < w; i++)
			yr[i] *= mx[i];
	}
}

static void fsoftmax_task(void *arg, uint32_t task, uint32_t thread)
{
	const fsoftmax_run *r = arg;
	const fsoftmax_op *op = r->op;
	int64_t units = op->outer * op->slabs, u0 = (int64_t)task * op->per_task;
	int64_t u1 = u0 + op->per_task < units ? u0 + op->per_task : units;
	float *mx = (float *)r->env->scratch[thread];
	double *sum = (double *)(mx + SOFTMAX_SLAB);
	for (int64_t u = u0; u < u1; u++) {
		int64_t o = u / op->slabs, c0 = (u % op->slabs) * SOFTMAX_SLAB;
		const float *x = r->x + o * op->len * op->inner;
		float *y = r->y + o * op->len * op->inner;
		if (op->inner == 1) {
			if (op->row)
				op->row((size_t)op->len, x, y);
			else
				softmax_row(op, x, y, op->len);
			continue;
		}
		int64_t w = op->inner - c0 < SOFTMAX_SLAB ? op->inner - c0 : SOFTMAX_SLAB;
		softmax_slab(op, x, y, c0, w, mx, sum);
	}
}

static edgeml_status fsoftmax_run_op(const eml_fast_op *base, const eml_kernel_ctx *ctx,
				     const eml_fast_env *env)
{
	const fsoftmax_op *op = (const fsoftmax_op *)base;
	fsoftmax_run r = { op, ctx->in_data[0], ctx->out_data[0], env };
	/* about 20 operations an element (exp and the passes) */
	size_t work = (size_t)(op->outer * op->len * op->inner) * 20;
	eml_threadpool_run(eml_fast_pool(env, work), fsoftmax_task, &r, op->tasks);
	return EDGEML_OK;
}

static void fsoftmax_destroy(eml_fast_op *base)
{
	free(base);
}

edgeml_status eml_fast_fsoftmax_prepare(const eml_kernel_ctx *ctx, eml_isa isa,
					uint32_t threads, int exact_float, eml_fast_op **out)
{
	const eml_cpu_kernels *kt = eml_cpu_kernels_for(isa);
	eml_op_params tmp;
	const eml_op_params *prm;
	if (exact_float || !kt->f32_vexp || ctx->node->op != EML_OP_Softmax ||
	    ctx->in[0]->dtype != EDGEML_DTYPE_FLOAT32 ||
	    eml_node_params(NULL, ctx->node, ctx->in, &tmp, &prm) != EDGEML_OK)
		return EDGEML_OK; /* the reference runs it, or reports what is wrong */
	const eml_softmax_params *s = &prm->softmax;
	if (s->outer <= 0 || s->len <= 0 || s->inner <= 0)
		return EDGEML_OK;
	fsoftmax_op *op = calloc(1, sizeof(*op));
	if (!op)
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for a softmax");
	op->base.run = fsoftmax_run_op;
	op->base.destroy = fsoftmax_destroy;
	op->base.kernel = kt->f32_vmath_name;
	op->base.scratch = SOFTMAX_SLAB * (sizeof(float) + sizeof(double));
	op->vexp = kt->f32_vexp;
	if (s->inner == 1 && kt->f32_softmax) {
		op->row = kt->f32_softmax;
		op->base.kernel = kt->f32_softmax_name;
	}
	op->outer = s->outer;
	op->len = s->len;
	op->inner = s->inner;
	op->slabs = (s->inner + SOFTMAX_SLAB - 1) / SOFTMAX_SLAB;
	int64_t units = op->outer * op->slabs;
	int64_t want = threads > 1 ? (int64_t)threads * EML_FAST_TASKS_PER_THREAD : 1;
	op->per_task = (units + want - 1) / want;
	int64_t tasks = (units + op->per_task - 1) / op->per_task;
	if (tasks > UINT32_MAX) {
		free(op);
		return EDGEML_OK;
	}
	op->tasks = (uint32_t)tasks;
	*out = &op->base;
	return EDGEML_OK;
}
