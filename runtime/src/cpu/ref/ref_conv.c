/* ref_conv.c — reference float Conv: direct convolution, 1-D to 3-D, groups, dilations.
 * Each output sums its terms in (channel, kd, kh, kw) order, one fused multiply-add (fmaf)
 * per term, as the fast kernels do with their vector FMAs (f32_ukernels.h). */
#include "cpu/ref/ref_util.h"
#include "error.h"

/* The dot product of one output position: xp is the first input channel of the group at
 * (n), wp the first weight of output channel m, o the output coordinates (3-D). */
static float conv_point(const eml_window_geom *g, const float *xp, const float *wp, int64_t cg,
			const int64_t *o)
{
	int64_t in_size = g->in[0] * g->in[1] * g->in[2];
	int64_t k_size = g->kernel[0] * g->kernel[1] * g->kernel[2];
	int64_t base[3];
	for (int i = 0; i < 3; i++)
		base[i] = o[i] * g->stride[i] - g->pad_begin[i];
	float acc = 0.0f;
	for (int64_t c = 0; c < cg; c++, xp += in_size, wp += k_size) {
		for (int64_t kd = 0; kd < g->kernel[0]; kd++) {
			int64_t id = base[0] + kd * g->dilation[0];
			if (id < 0 || id >= g->in[0])
				continue;
			for (int64_t kh = 0; kh < g->kernel[1]; kh++) {
				int64_t ih = base[1] + kh * g->dilation[1];
				if (ih < 0 || ih >= g->in[1])
					continue;
				const float *xrow = xp + (id * g->in[1] + ih) * g->in[2];
				const float *wrow = wp + (kd * g->kernel[1] + kh) * g->kernel[2];
				for (int64_t kw = 0; kw < g->kernel[2]; kw++) {
					int64_t iw = base[2] + kw * g->dilation[2];
					if (iw >= 0 && iw < g->in[2])
						acc = fmaf(xrow[iw], wrow[kw], acc);
				}
			}
		}
	}
	return acc;
}

/* Conv (X, W, B) -> Y, NCHW; accumulates in float as onnxruntime does. */
edgeml_status eml_ref_Conv(const eml_kernel_ctx *ctx)
{
	const float *xd = ctx->in_data[0], *wd = ctx->in_data[1];
	const float *bias = ctx->node->n_inputs > 2 ? ctx->in_data[2] : NULL;
	float *y = ctx->out_data[0];
	eml_op_params tmp;
	const eml_op_params *op;
	edgeml_status st = eml_ref_params(ctx, &tmp, &op);
	if (st != EDGEML_OK)
		return st;
	const eml_conv_params *p = &op->conv;
	int64_t group = p->shape.group;
	float lo = p->act_min, hi = p->act_max;
	eml_window_geom g = p->shape.g;
	eml_geom_to_3d(&g);

	int64_t c_in = p->shape.in_ch, m_out = p->shape.out_ch;
	int64_t cg = c_in / group, mg = m_out / group;
	int64_t in_size = g.in[0] * g.in[1] * g.in[2];
	int64_t k_size = g.kernel[0] * g.kernel[1] * g.kernel[2];
	float *y0 = y;
	for (int64_t n = 0; n < p->shape.batch; n++) {
		for (int64_t m = 0; m < m_out; m++) {
			const float *xp = xd + (n * c_in + (m / mg) * cg) * in_size;
			const float *wp = wd + m * cg * k_size;
			float b = bias ? bias[m] : 0.0f;
			int64_t o[3];
			for (o[0] = 0; o[0] < g.out[0]; o[0]++)
				for (o[1] = 0; o[1] < g.out[1]; o[1]++)
					for (o[2] = 0; o[2] < g.out[2]; o[2]++)
						*y++ = eml_clampf(b + conv_point(&g, xp, wp, cg, o),
								  lo, hi);
		}
	}
	eml_ref_activation_fn(p->act_fn, p->act_alpha, p->act_beta, (size_t)(y - y0), y0);
	return EDGEML_OK;
}
