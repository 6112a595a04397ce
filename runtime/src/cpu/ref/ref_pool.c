/* ref_pool.c — reference MaxPool (float32, uint8, int8), AveragePool, GlobalAveragePool. */
#include <float.h>

#include "cpu/ref/ref_util.h"

/* Number of taps of window o on axis i that fall in [lo, hi). */
static int64_t window_taps(const eml_window_geom *g, int i, int64_t o, int64_t lo, int64_t hi)
{
	int64_t start = o * g->stride[i] - g->pad_begin[i], count = 0;
	for (int64_t k = 0; k < g->kernel[i]; k++) {
		int64_t p = start + k * g->dilation[i];
		count += p >= lo && p < hi;
	}
	return count;
}

/* Pools the window of output o over plane xp: the max, or the average whose divisor counts
 * padding when count_pad (padding only, not the ceil_mode overhang). */
static float pool_window(const eml_window_geom *g, uint32_t dtype, const void *xp,
			 int64_t x_off, const int64_t *o, int is_max, int count_pad)
{
	float mx = dtype == EDGEML_DTYPE_UINT8 ? 0.0f :
		   dtype == EDGEML_DTYPE_INT8 ? (float)INT8_MIN : -FLT_MAX;
	double sum = 0.0;
	int64_t divisor = 1, base[3];
	for (int i = 0; i < 3; i++) {
		base[i] = o[i] * g->stride[i] - g->pad_begin[i];
		divisor *= count_pad ? window_taps(g, i, o[i], -g->pad_begin[i],
						  g->in[i] + g->pad_end[i])
				     : window_taps(g, i, o[i], 0, g->in[i]);
	}
	for (int64_t kd = 0; kd < g->kernel[0]; kd++) {
		int64_t id = base[0] + kd * g->dilation[0];
		if (id < 0 || id >= g->in[0])
			continue;
		for (int64_t kh = 0; kh < g->kernel[1]; kh++) {
			int64_t ih = base[1] + kh * g->dilation[1];
			if (ih < 0 || ih >= g->in[1])
				continue;
			int64_t row = x_off + (id * g->in[1] + ih) * g->in[2];
			for (int64_t kw = 0; kw < g->kernel[2]; kw++) {
				int64_t iw = base[2] + kw * g->dilation[2];
				if (iw < 0 || iw >= g->in[2])
					continue;
				float v = eml_load_f(dtype, xp, row + iw);
				mx = v > mx ? v : mx;
				sum += v;
			}
		}
	}
	if (is_max)
		return mx;
	return divisor ? (float)(sum / (double)divisor) : 0.0f;
}

/* Runs a windowed pool over every (n, c) plane. */
static edgeml_status run_pool(const eml_kernel_ctx *ctx, int is_max)
{
	eml_op_params tmp;
	const eml_op_params *op;
	edgeml_status st = eml_ref_params(ctx, &tmp, &op);
	if (st != EDGEML_OK)
		return st;
	eml_window_geom g = op->pool.geom;
	int count_pad = is_max ? 0 : op->pool.count_include_pad;
	eml_geom_to_3d(&g);
	const eml_tensor *x = ctx->in[0];
	int64_t planes = x->dims[0] * x->dims[1];
	int64_t in_size = g.in[0] * g.in[1] * g.in[2];
	int64_t y_off = 0, o[3];
	for (int64_t p = 0; p < planes; p++)
		for (o[0] = 0; o[0] < g.out[0]; o[0]++)
			for (o[1] = 0; o[1] < g.out[1]; o[1]++)
				for (o[2] = 0; o[2] < g.out[2]; o[2]++)
					eml_store_f(x->dtype, ctx->out_data[0], y_off++,
						    pool_window(&g, x->dtype, ctx->in_data[0],
								p * in_size, o, is_max, count_pad));
	return EDGEML_OK;
}

/* MaxPool: the largest input of each window; padding never wins. */
edgeml_status eml_ref_MaxPool(const eml_kernel_ctx *ctx)
{
	return run_pool(ctx, 1);
}

/* AveragePool: the mean of each window. */
edgeml_status eml_ref_AveragePool(const eml_kernel_ctx *ctx)
{
	return run_pool(ctx, 0);
}

/* GlobalAveragePool: the mean of each (n, c) plane. */
edgeml_status eml_ref_GlobalAveragePool(const eml_kernel_ctx *ctx)
{
	const eml_tensor *x = ctx->in[0];
	const float *xd = ctx->in_data[0];
	float *y = ctx->out_data[0];
	int64_t planes = x->dims[0] * x->dims[1], size = 1;
	for (uint32_t i = 2; i < x->rank; i++)
		size *= x->dims[i];
	for (int64_t p = 0; p < planes; p++) {
		double sum = 0.0;
		for (int64_t i = 0; i < size; i++)
			sum += xd[p * size + i];
		y[p] = (float)(sum / (double)size);
	}
	return EDGEML_OK;
}
