/* ref_convtranspose.c — reference ConvTranspose (float32) in its scatter form: every input
 * pixel adds x * w to the outputs its kernel window covers, o = i * stride - pad_begin +
 * k * dilation. Each output plane starts at its bias and accumulates in float, in (input
 * channel, kernel position, input pixel) order; the innermost loop runs along an input row,
 * so memory is read in order. */
#include "cpu/ref/ref_util.h"
#include "ops/convtranspose_params.h"

/* The inputs i in [*lo, *hi) of a row (of n) whose output i * s + base falls in [0, out). */
static void row_range(int64_t base, int64_t s, int64_t n, int64_t out, int64_t *lo, int64_t *hi)
{
	*lo = base >= 0 ? 0 : (-base + s - 1) / s;
	*hi = out - 1 - base < 0 ? 0 : (out - 1 - base) / s + 1;
	if (*hi > n)
		*hi = n;
	if (*lo > *hi)
		*lo = *hi;
}

/* Adds input plane x scaled by the kernel w (one input channel, one output channel) to the
 * output plane y. */
static void scatter_plane(const eml_window_geom *g, const float *x, const float *w, float *y)
{
	for (int64_t k0 = 0; k0 < g->kernel[0]; k0++)
	for (int64_t k1 = 0; k1 < g->kernel[1]; k1++)
	for (int64_t k2 = 0; k2 < g->kernel[2]; k2++) {
		float wv = w[(k0 * g->kernel[1] + k1) * g->kernel[2] + k2];
		for (int64_t i0 = 0; i0 < g->in[0]; i0++) {
			int64_t o0 = i0 * g->stride[0] - g->pad_begin[0] + k0 * g->dilation[0];
			if (o0 < 0 || o0 >= g->out[0])
				continue;
			for (int64_t i1 = 0; i1 < g->in[1]; i1++) {
				int64_t o1 = i1 * g->stride[1] - g->pad_begin[1] + k1 * g->dilation[1];
				if (o1 < 0 || o1 >= g->out[1])
					continue;
				const float *xr = x + (i0 * g->in[1] + i1) * g->in[2];
				float *yr = y + (o0 * g->out[1] + o1) * g->out[2];
				int64_t base = k2 * g->dilation[2] - g->pad_begin[2];
				int64_t lo, hi;
				row_range(base, g->stride[2], g->in[2], g->out[2], &lo, &hi);
				for (int64_t i2 = lo; i2 < hi; i2++)
					yr[i2 * g->stride[2] + base] += xr[i2] * wv;
			}
		}
	}
}

edgeml_status eml_ref_ConvTranspose(const eml_kernel_ctx *ctx)
{
	eml_convt_geom cg;
	edgeml_status st = eml_convt_geometry(ctx->node, ctx->in, &cg);
	if (st != EDGEML_OK)
		return st;
	eml_window_geom g = cg.w;
	eml_geom_to_3d(&g);
	const float *x = ctx->in_data[0], *w = ctx->in_data[1];
	const float *bias = ctx->node->n_inputs > 2 ? ctx->in_data[2] : NULL;
	float *y = ctx->out_data[0];
	int64_t n_batch = ctx->in[0]->dims[0], cpg = cg.c_in / cg.group, mpg = cg.m_out / cg.group;
	int64_t in_plane = g.in[0] * g.in[1] * g.in[2];
	int64_t out_plane = g.out[0] * g.out[1] * g.out[2];
	int64_t k_plane = g.kernel[0] * g.kernel[1] * g.kernel[2];
	for (int64_t n = 0; n < n_batch; n++) {
		for (int64_t m = 0; m < cg.m_out; m++) {
			float *ym = y + (n * cg.m_out + m) * out_plane;
			float b = bias ? bias[m] : 0.0f;
			for (int64_t i = 0; i < out_plane; i++)
				ym[i] = b;
			int64_t grp = m / mpg, mg = m % mpg;
			for (int64_t c = grp * cpg; c < (grp + 1) * cpg; c++)
				scatter_plane(&g, x + (n * cg.c_in + c) * in_plane,
					      w + (c * mpg + mg) * k_plane, ym);
		}
	}
	return EDGEML_OK;
}
