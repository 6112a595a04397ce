/* ref_qpool.c — QLinearAveragePool and QLinearGlobalAveragePool reference kernels: the
 * average of dequantized values, quantized to Y's parameters, with ONNX Runtime's arithmetic
 * (docs/ops.md). */
#include "quant/quant.h"
#include "cpu/ref/ref.h"
#include "cpu/ref/ref_qparams.h"
#include "cpu/ref/ref_qwindow.h"

/* The pools' per-tensor parameters and the window (the node's typed params). */
typedef struct qpool_params {
	float x_scale, y_scale;
	int32_t x_zp, y_zp, qmin, qmax;
	const eml_pool_params *pool;
} qpool_params;

/* Reads and checks the values of X_scale, X_zero_point, Y_scale and Y_zero_point. */
static edgeml_status qpool_params_read(const eml_kernel_ctx *ctx, eml_op_params *tmp,
				       qpool_params *p)
{
	const float *xs, *ys;
	int64_t n;
	const eml_op_params *prm;
	edgeml_status st = eml_ref_params(ctx, tmp, &prm);
	if (st != EDGEML_OK)
		return st;
	p->pool = &prm->pool;
	st = eml_q_scales(ctx, p->pool->x_scale, &xs, &n);
	if (st == EDGEML_OK)
		st = eml_q_scales(ctx, p->pool->y_scale, &ys, &n);
	if (st != EDGEML_OK)
		return st;
	p->x_scale = xs[0];
	p->y_scale = ys[0];
	p->x_zp = eml_q_zero_point(ctx, p->pool->x_zero_point, 0);
	p->y_zp = eml_q_zero_point(ctx, p->pool->y_zero_point, 0);
	eml_q_range(ctx->out[0]->dtype, &p->qmin, &p->qmax);
	return EDGEML_OK;
}

/* Whether a window is ORT's "global" case: the kernel spans every spatial dim, no padding
 * (then ORT runs its global average pool). */
static int window_is_global(const eml_window3 *w)
{
	for (int d = 0; d < 3; d++)
		if (w->k[d] != w->in[d] || w->pad_begin[d] != 0 || w->pad_end[d] != 0 ||
		    w->out[d] != 1)
			return 0;
	return 1;
}

/* Averages each window as ONNX Runtime's QLinearAveragePool: the global average when the
 * kernel covers the whole unpadded input; else the fp32 average of the dequantized values
 * inside the input, divided by the number of positions inside the padded input when
 * count_include_pad is set, inside the input otherwise. (A ceil_mode window that runs past
 * the end padding counts only its positions inside the padding, as ONNX defines it; ORT's
 * QLinearAveragePool divides by the whole kernel there.) */
edgeml_status eml_ref_QLinearAveragePool(const eml_kernel_ctx *ctx)
{
	const eml_tensor *tx = ctx->in[0];
	const void *xd = ctx->in_data[0];
	eml_op_params tmp;
	qpool_params p;
	edgeml_status st = qpool_params_read(ctx, &tmp, &p);
	if (st != EDGEML_OK)
		return st;
	int include_pad = p.pool->count_include_pad;
	eml_window3 w;
	eml_window3_of(&p.pool->geom, &w);
	int64_t planes = tx->dims[0] * tx->dims[1], x_plane = w.in[0] * w.in[1] * w.in[2];
	int64_t y_plane = w.out[0] * w.out[1] * w.out[2], w_size = w.k[0] * w.k[1] * w.k[2];
	int global = window_is_global(&w);
	int64_t o = 0;
	for (int64_t pl = 0; pl < planes; pl++) {
		for (int64_t q = 0; q < y_plane; q++, o++) {
			int64_t od[3], acc = 0, n_valid = 0, n_padded = 0;
			float sum = 0.0f;
			eml_window3_coords(q, w.out, od);
			for (int64_t kp = 0; kp < w_size; kp++) {
				int64_t kd[3], xi = 0, inside = 1, in_pad = 1;
				eml_window3_coords(kp, w.k, kd);
				for (int d = 0; d < 3; d++) {
					int64_t pos = od[d] * w.stride[d] - w.pad_begin[d] +
						      kd[d] * w.dil[d];
					inside &= pos >= 0 && pos < w.in[d];
					in_pad &= pos >= -w.pad_begin[d] &&
						  pos < w.in[d] + w.pad_end[d];
					xi = xi * w.in[d] + pos;
				}
				n_padded += in_pad;
				if (!inside)
					continue;
				n_valid++;
				int32_t v = eml_q_load(xd, tx->dtype, pl * x_plane + xi) - p.x_zp;
				acc += v;
				sum += (float)v * p.x_scale;
			}
			int32_t y = global ? eml_qavg_global(p.x_scale, p.y_scale, p.y_zp, p.qmin,
							      p.qmax, acc, w_size)
					   : eml_qavg_window(sum, include_pad ? n_padded : n_valid,
							      p.y_scale, p.y_zp, p.qmin, p.qmax);
			eml_q_store(ctx->out_data[0], ctx->out[0]->dtype, o, y);
		}
	}
	return EDGEML_OK;
}

/* Averages each (n, c) plane over all its spatial positions. */
edgeml_status eml_ref_QLinearGlobalAveragePool(const eml_kernel_ctx *ctx)
{
	const eml_tensor *tx = ctx->in[0];
	eml_op_params tmp;
	qpool_params p;
	edgeml_status st = qpool_params_read(ctx, &tmp, &p);
	if (st != EDGEML_OK)
		return st;
	int64_t planes = tx->dims[0] * tx->dims[1], plane = 1;
	for (uint32_t i = 2; i < tx->rank; i++)
		plane *= tx->dims[i];
	for (int64_t pl = 0; pl < planes; pl++) {
		int64_t sum = 0;
		for (int64_t i = 0; i < plane; i++)
			sum += eml_q_load(ctx->in_data[0], tx->dtype, pl * plane + i) - p.x_zp;
		eml_q_store(ctx->out_data[0], ctx->out[0]->dtype, pl,
			    eml_qavg_global(p.x_scale, p.y_scale, p.y_zp, p.qmin, p.qmax, sum,
					     plane));
	}
	return EDGEML_OK;
}
