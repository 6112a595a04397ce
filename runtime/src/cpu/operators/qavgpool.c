/* qavgpool.c — QLinearAveragePool (1-D and 2-D) and QLinearGlobalAveragePool of
 * int8/uint8 tensors on the fast path, in portable C: the window sums come from each
 * channel's phase plane (fast_plane.h) padded with the zero point, so padding adds 0 as in
 * the reference; the divisor is the product of per-axis tap counts, precomputed. As the
 * reference (ONNX Runtime's arithmetic, docs/ops.md): the global average from the integer
 * sum, a window's average from the fp32 sum of its dequantized values in row-major tap order
 * (a table of the 256 byte values; padding adds exactly 0.0), and the final fp32 steps are
 * the reference's own functions (ref_qpool.h). */
#include <stdlib.h>

#include "cpu/operators/operators.h"
#include "cpu/fast_plane.h"
#include "quant/quant.h"
#include "cpu/ref/ref_qparams.h"
#include "error.h"
#include "ops/ops.h"

/* Per-channel phase planes larger than this leave the node to the reference kernel. */
#define PLANE_MAX ((size_t)16 << 20)
/* The most taps a window may have here. */
#define TAPS_MAX 4096

typedef struct qavg_op {
	eml_fast_op base;
	int global;
	eml_plane plane;
	size_t planes, in_plane, out_plane, taps;
	size_t *tapoff;
	int64_t *count_h, *count_w; /* divisor factors per output row and column */
	float x_scale, y_scale;
	float deq[256]; /* sx * (b - zx) for each byte b of the uint8-domain plane */
	int32_t zx, y_zp, qmin, qmax;
	uint8_t flip;
	int x_signed, y_signed;
} qavg_op;

typedef struct qavg_run {
	const qavg_op *op;
	const uint8_t *x;
	uint8_t *y;
	const eml_fast_env *env;
} qavg_run;

/* Frees the op. */
static void qavg_destroy(eml_fast_op *base)
{
	qavg_op *op = (qavg_op *)base;
	free(op->tapoff);
	free(op->count_h);
	free(op->count_w);
	free(op);
}

/* One channel plane. */
static void qavg_task(void *arg, uint32_t task, uint32_t thread)
{
	const qavg_run *r = arg;
	const qavg_op *op = r->op;
	const uint8_t *x = r->x + task * op->in_plane;
	uint8_t *y = r->y + task * op->out_plane;
	if (op->global) {
		/* in the uint8 domain: at most 2^24 values of 255 */
		uint32_t sum = eml_plane_sum(x, op->in_plane, op->flip);
		*y = (uint8_t)eml_qavg_global(op->x_scale, op->y_scale, op->y_zp, op->qmin, op->qmax,
					      (int64_t)sum - (int64_t)op->zx * (int64_t)op->in_plane,
					      (int64_t)op->in_plane);
		return;
	}
	const eml_plane *p = &op->plane;
	uint8_t *plane = r->env->scratch[thread];
	eml_plane_build(p, x, op->flip, (uint8_t)op->zx, plane);
	for (size_t oy = 0; oy < p->oh; oy++) {
		for (size_t ox = 0; ox < p->ow; ox++) {
			const uint8_t *g = plane + oy * p->q + ox;
			float sum = 0.0f;
			for (size_t t = 0; t < op->taps; t++)
				sum += op->deq[g[op->tapoff[t]]];
			y[oy * p->ow + ox] = (uint8_t)eml_qavg_window(
				sum, op->count_h[oy] * op->count_w[ox], op->y_scale, op->y_zp,
				op->qmin, op->qmax);
		}
	}
}

/* Runs the node over the pool. */
static edgeml_status qavg_run_op(const eml_fast_op *base, const eml_kernel_ctx *ctx,
				 const eml_fast_env *env)
{
	const qavg_op *op = (const qavg_op *)base;
	qavg_run r = { op, ctx->in_data[0], ctx->out_data[0], env };
	size_t work = op->planes * (op->global ? op->in_plane : op->out_plane * op->taps);
	eml_threadpool_run(eml_fast_pool(env, work), qavg_task, &r, (uint32_t)op->planes);
	return EDGEML_OK;
}

/* Taps of window o on one axis inside [lo, hi) (the reference's count). */
static int64_t axis_count(int64_t o, int64_t stride, int64_t pad, int64_t k, int64_t dil,
			  int64_t lo, int64_t hi)
{
	int64_t start = o * stride - pad, n = 0;
	for (int64_t t = 0; t < k; t++) {
		int64_t pos = start + t * dil;
		n += pos >= lo && pos < hi;
	}
	return n;
}

/* Sizes the windowed pool: plane, tap offsets, per-axis divisor factors. */
static edgeml_status prepare_window(qavg_op *op, const eml_kernel_ctx *ctx,
				     const eml_pool_params *pp)
{
	const eml_tensor *x = ctx->in[0];
	eml_window3 w;
	int include_pad = pp->count_include_pad;
	if (x->rank < 3 || x->rank > 4)
		return EDGEML_ERR_UNSUPPORTED;
	eml_window3_of(&pp->geom, &w);
	if (eml_plane_init(&op->plane, &w, PLANE_MAX) != EDGEML_OK)
		return EDGEML_ERR_UNSUPPORTED;
	const eml_plane *p = &op->plane;
	op->taps = p->kh * p->kw;
	op->in_plane = p->ih * p->iw;
	op->out_plane = p->oh * p->ow;
	if (op->out_plane == 1 && p->kh == p->ih && p->kw == p->iw && p->top == 0 &&
	    p->left == 0 && w.pad_end[1] == 0 && w.pad_end[2] == 0 && p->dh == 1 &&
	    p->dw == 1 && op->in_plane <= ((size_t)1 << 24)) {
		/* one window over exactly the whole unpadded plane: the global average (as the
		 * reference, and ORT), whose count is the plane's size as the window's is */
		op->global = 1;
		return EDGEML_OK;
	}
	if (op->taps > TAPS_MAX)
		return EDGEML_ERR_UNSUPPORTED;
	op->tapoff = calloc(op->taps, sizeof(size_t));
	op->count_h = calloc(p->oh, sizeof(int64_t));
	op->count_w = calloc(p->ow, sizeof(int64_t));
	if (!op->tapoff || !op->count_h || !op->count_w)
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for an average pool");
	eml_plane_taps(p, op->tapoff);
	for (int a = 1; a < 3; a++) {
		int64_t *count = a == 1 ? op->count_h : op->count_w;
		int64_t lo = include_pad ? -w.pad_begin[a] : 0;
		int64_t hi = include_pad ? w.in[a] + w.pad_end[a] : w.in[a];
		for (int64_t o = 0; o < w.out[a]; o++)
			count[o] = axis_count(o, w.stride[a], w.pad_begin[a], w.k[a], w.dil[a], lo,
					      hi);
	}
	op->base.scratch = p->bytes;
	return EDGEML_OK;
}

edgeml_status eml_fast_qavgpool_prepare(const eml_kernel_ctx *ctx, eml_isa isa,
					eml_fast_op **out)
{
	const eml_tensor *x = ctx->in[0], *y = ctx->out[0];
	const float *xs, *ys;
	int64_t n;
	eml_op_params tmp;
	const eml_op_params *prm;
	int is8 = (x->dtype == EDGEML_DTYPE_INT8 || x->dtype == EDGEML_DTYPE_UINT8) &&
		  (y->dtype == EDGEML_DTYPE_INT8 || y->dtype == EDGEML_DTYPE_UINT8);
	if (isa == EML_ISA_SCALAR || !is8 || x->rank < 3 || eml_tensor_numel(x) <= 0)
		return EDGEML_OK;
	for (uint32_t k = 1; k < ctx->node->n_inputs; k++)
		if (!eml_fast_input_constant(ctx, k))
			return EDGEML_OK;
	if (eml_node_params(NULL, ctx->node, ctx->in, &tmp, &prm) != EDGEML_OK ||
	    eml_q_scales(ctx, prm->pool.x_scale, &xs, &n) != EDGEML_OK ||
	    eml_q_scales(ctx, prm->pool.y_scale, &ys, &n) != EDGEML_OK)
		return EDGEML_OK;
	qavg_op *op = calloc(1, sizeof(*op));
	if (!op)
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for an average pool");
	op->base = (eml_fast_op){ qavg_run_op, qavg_destroy, "qavgpool-c", 0, 0 };
	op->global = ctx->node->op == EML_OP_QLinearGlobalAveragePool;
	op->planes = (size_t)(x->dims[0] * x->dims[1]);
	op->x_scale = xs[0];
	op->y_scale = ys[0];
	op->x_signed = x->dtype == EDGEML_DTYPE_INT8;
	/* sums run in the uint8 domain: int8 values and their zero point move up by 128 */
	op->flip = op->x_signed ? 0x80 : 0;
	op->zx = eml_q_zero_point(ctx, prm->pool.x_zero_point, 0) + (op->x_signed ? 128 : 0);
	op->y_zp = eml_q_zero_point(ctx, prm->pool.y_zero_point, 0);
	eml_q_range(y->dtype, &op->qmin, &op->qmax);
	for (int b = 0; b < 256; b++)
		op->deq[b] = eml_dequantize(b, op->zx, op->x_scale);
	edgeml_status st = EDGEML_OK;
	if (op->global) {
		op->in_plane = (size_t)eml_tensor_numel(x) / op->planes;
		op->out_plane = 1;
		if (op->in_plane > ((size_t)1 << 24))
			st = EDGEML_ERR_UNSUPPORTED;
	} else {
		st = prepare_window(op, ctx, &prm->pool);
	}
	if (st != EDGEML_OK) {
		qavg_destroy(&op->base);
		return st == EDGEML_ERR_UNSUPPORTED ? EDGEML_OK : st;
	}
	*out = &op->base;
	return EDGEML_OK;
}
