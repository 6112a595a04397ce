/* ref_qpool.c — QLinearAveragePool and QLinearGlobalAveragePool reference kernels: the
 * average of dequantized values, quantized to Y's parameters. */
#include "quant/quant.h"
#include "cpu/ref/ref.h"
#include "cpu/ref/ref_qparams.h"
#include "cpu/ref/ref_qwindow.h"

/* The pools' per-tensor parameters. */
typedef struct qpool_params {
	float x_scale, y_scale;
	int32_t x_zp, y_zp, qmin, qmax;
} qpool_params;

/* Reads and checks the parameters of (X, X_scale, X_zero_point, Y_scale, Y_zero_point). */
static edgeml_status qpool_params_read(const eml_kernel_ctx *ctx, qpool_params *p)
{
	const float *xs, *ys;
	int64_t n;
	edgeml_status st = eml_q_scales(ctx, 1, &xs, &n);
	if (st == EDGEML_OK)
		st = eml_q_scales(ctx, 3, &ys, &n);
	if (st != EDGEML_OK)
		return st;
	p->x_scale = xs[0];
	p->y_scale = ys[0];
	p->x_zp = eml_q_zero_point(ctx, 2, 0);
	p->y_zp = eml_q_zero_point(ctx, 4, 0);
	eml_q_range(ctx->out[0]->dtype, &p->qmin, &p->qmax);
	return EDGEML_OK;
}

/* Quantizes the average of count dequantized values whose zero-point-corrected sum is sum. */
static int32_t qpool_average(const qpool_params *p, int64_t sum, int64_t count)
{
	float real = count > 0 ? (float)sum * p->x_scale / (float)count : 0.0f;
	return eml_quantize_f32(real, p->y_scale, p->y_zp, p->qmin, p->qmax);
}

/* Averages each window; padding counts as a real 0 when count_include_pad is set, but a
 * ceil_mode window's part beyond the end padding never counts (as ONNX Runtime). */
edgeml_status eml_ref_QLinearAveragePool(const eml_kernel_ctx *ctx)
{
	const eml_tensor *tx = ctx->in[0];
	const void *xd = ctx->in_data[0];
	eml_window_geom g;
	qpool_params p;
	int64_t include_pad;
	edgeml_status st = qpool_params_read(ctx, &p);
	if (st != EDGEML_OK)
		return st;
	/* Infer validated the attributes, so these cannot fail. */
	(void)eml_attr_int(ctx->node, "count_include_pad", 0, &include_pad);
	(void)eml_window_geometry(ctx->node, tx->rank - 2, &tx->dims[2], NULL, 1, &g);
	eml_window3 w;
	eml_window3_of(&g, &w);
	int64_t planes = tx->dims[0] * tx->dims[1], x_plane = w.in[0] * w.in[1] * w.in[2];
	int64_t y_plane = w.out[0] * w.out[1] * w.out[2], w_size = w.k[0] * w.k[1] * w.k[2];
	int64_t o = 0;
	for (int64_t pl = 0; pl < planes; pl++) {
		for (int64_t q = 0; q < y_plane; q++, o++) {
			int64_t od[3], sum = 0, n_valid = 0, n_padded = 0;
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
				sum += eml_q_load(xd, tx->dtype, pl * x_plane + xi) - p.x_zp;
			}
			eml_q_store(ctx->out_data[0], ctx->out[0]->dtype, o,
				    qpool_average(&p, sum, include_pad ? n_padded : n_valid));
		}
	}
	return EDGEML_OK;
}

/* Averages each (n, c) plane over all its spatial positions. */
edgeml_status eml_ref_QLinearGlobalAveragePool(const eml_kernel_ctx *ctx)
{
	const eml_tensor *tx = ctx->in[0];
	qpool_params p;
	edgeml_status st = qpool_params_read(ctx, &p);
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
			    qpool_average(&p, sum, plane));
	}
	return EDGEML_OK;
}
