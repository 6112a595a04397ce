/* ref_convtranspose.c — reference ConvTranspose (float32): each output gathers the input
 * pixels whose scattered kernel window covers it, o = i * stride - pad_begin + k * dilation,
 * summed in double in (input channel, kernel position) order and rounded once. */
#include "cpu/ref/ref_util.h"
#include "ops/convtranspose_params.h"

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
	int64_t k_plane = g.kernel[0] * g.kernel[1] * g.kernel[2];
	for (int64_t n = 0; n < n_batch; n++)
	for (int64_t m = 0; m < cg.m_out; m++) {
		int64_t grp = m / mpg, mg = m % mpg;
		for (int64_t o0 = 0; o0 < g.out[0]; o0++)
		for (int64_t o1 = 0; o1 < g.out[1]; o1++)
		for (int64_t o2 = 0; o2 < g.out[2]; o2++) {
			double acc = bias ? bias[m] : 0.0f;
			for (int64_t c = grp * cpg; c < (grp + 1) * cpg; c++) {
				const float *xc = x + (n * cg.c_in + c) * in_plane;
				const float *wc = w + (c * mpg + mg) * k_plane;
				for (int64_t k0 = 0; k0 < g.kernel[0]; k0++) {
					int64_t t0 = o0 + g.pad_begin[0] - k0 * g.dilation[0];
					if (t0 < 0 || t0 % g.stride[0])
						continue;
					int64_t i0 = t0 / g.stride[0];
					if (i0 >= g.in[0])
						continue;
					for (int64_t k1 = 0; k1 < g.kernel[1]; k1++) {
						int64_t t1 = o1 + g.pad_begin[1] - k1 * g.dilation[1];
						if (t1 < 0 || t1 % g.stride[1])
							continue;
						int64_t i1 = t1 / g.stride[1];
						if (i1 >= g.in[1])
							continue;
						for (int64_t k2 = 0; k2 < g.kernel[2]; k2++) {
							int64_t t2 = o2 + g.pad_begin[2] -
								     k2 * g.dilation[2];
							if (t2 < 0 || t2 % g.stride[2])
								continue;
							int64_t i2 = t2 / g.stride[2];
							if (i2 >= g.in[2])
								continue;
							acc += (double)xc[(i0 * g.in[1] + i1) * g.in[2] + i2] *
							       wc[(k0 * g.kernel[1] + k1) * g.kernel[2] + k2];
						}
					}
				}
			}
			*y++ = (float)acc;
		}
	}
	return EDGEML_OK;
}
