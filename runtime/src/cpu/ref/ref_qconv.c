/* ref_qconv.c — QLinearConv and ConvInteger reference kernels: direct NCHW convolution with
 * int32 accumulation of zero-point-corrected products. */
#include "cpu/ref/quant.h"
#include "cpu/ref/ref.h"
#include "cpu/ref/ref_qparams.h"
#include "cpu/ref/ref_qwindow.h"
#include "ops/infer_qcommon.h"

/* Input indices of a convolution's operands; k_wscale etc. only for QLinearConv. */
typedef struct conv_io {
	uint32_t k_x, k_xzp, k_w, k_wzp;
	int scaled; /* QLinearConv: requantize; else ConvInteger: int32 out */
} conv_io;

/* y[n, m, o] = sum over the group's channels and the window of (x - x_zp)(w - w_zp[m]);
 * padding contributes nothing (it holds the zero point). QLinearConv adds B and requantizes
 * with x_scale * w_scale[m] / y_scale, clamped to the fused activation. */
static edgeml_status run_conv(const eml_kernel_ctx *ctx, const conv_io *io)
{
	const eml_tensor *tx = ctx->in[io->k_x], *tw = ctx->in[io->k_w];
	const void *xd = ctx->in_data[io->k_x], *wd = ctx->in_data[io->k_w];
	const int32_t *bias = NULL;
	const float *xs = NULL, *ws = NULL, *ys = NULL;
	int64_t n_ws = 0, n_tmp;
	uint32_t y_dtype = ctx->out[0]->dtype;
	int32_t y_zp = 0, lo = 0, hi = 0;
	eml_qconv_shape s;
	eml_window3 c;
	(void)eml_qconv_shape_of(ctx->node, tx, tw, &s);
	eml_window3_of(&s.g, &c);
	if (io->scaled) {
		edgeml_status st = eml_q_scales(ctx, 1, &xs, &n_tmp);
		if (st == EDGEML_OK)
			st = eml_q_scales(ctx, 4, &ws, &n_ws);
		if (st == EDGEML_OK)
			st = eml_q_scales(ctx, 6, &ys, &n_tmp);
		if (st != EDGEML_OK)
			return st;
		y_zp = eml_q_zero_point(ctx, 7, 0);
		eml_q_output_range(ctx, y_dtype, ys[0], y_zp, &lo, &hi);
		if (ctx->node->n_inputs > 8)
			bias = ctx->in_data[8];
	}
	int32_t x_zp = io->k_xzp < ctx->node->n_inputs ? eml_q_zero_point(ctx, io->k_xzp, 0) : 0;
	int64_t cg = s.in_ch / s.group, mg = s.out_ch / s.group;
	int64_t x_plane = c.in[0] * c.in[1] * c.in[2], w_plane = c.k[0] * c.k[1] * c.k[2];
	int64_t y_plane = c.out[0] * c.out[1] * c.out[2], o = 0;
	for (int64_t n = 0; n < s.batch; n++) {
		for (int64_t m = 0; m < s.out_ch; m++) {
			int64_t c0 = (m / mg) * cg;
			int32_t w_zp = io->k_wzp < ctx->node->n_inputs ?
				eml_q_zero_point(ctx, io->k_wzp, m) : 0;
			float mult = 0.0f;
			if (io->scaled)
				mult = xs[0] * ws[n_ws == 1 ? 0 : m] / ys[0];
			for (int64_t p = 0; p < y_plane; p++, o++) {
				int64_t od[3] = { p / (c.out[1] * c.out[2]), (p / c.out[2]) % c.out[1],
						  p % c.out[2] };
				int64_t acc = bias ? bias[m] : 0;
				for (int64_t ci = 0; ci < cg; ci++) {
					int64_t xb = (n * s.in_ch + c0 + ci) * x_plane;
					int64_t wb = (m * cg + ci) * w_plane;
					for (int64_t kp = 0; kp < w_plane; kp++) {
						int64_t kd[3] = { kp / (c.k[1] * c.k[2]),
								  (kp / c.k[2]) % c.k[1], kp % c.k[2] };
						int64_t xi = 0, inside = 1;
						for (int d = 0; d < 3; d++) {
							int64_t pos = od[d] * c.stride[d] - c.pad_begin[d] +
								      kd[d] * c.dil[d];
							inside &= pos >= 0 && pos < c.in[d];
							xi = xi * c.in[d] + pos;
						}
						if (!inside)
							continue;
						int32_t xv = eml_q_load(xd, tx->dtype, xb + xi) - x_zp;
						int32_t wv = eml_q_load(wd, tw->dtype, wb + kp) - w_zp;
						acc += (int64_t)xv * wv;
					}
				}
				if (io->scaled)
					eml_q_store(ctx->out_data[0], y_dtype, o,
						    eml_requantize(eml_wrap_i32(acc), mult, y_zp, lo,
								   hi));
				else
					eml_q_store(ctx->out_data[0], EDGEML_DTYPE_INT32, o,
						    eml_wrap_i32(acc));
			}
		}
	}
	return EDGEML_OK;
}

/* QLinearConv: requantized convolution with optional int32 bias and fused activation. */
edgeml_status eml_ref_QLinearConv(const eml_kernel_ctx *ctx)
{
	static const conv_io io = { .k_x = 0, .k_xzp = 2, .k_w = 3, .k_wzp = 5, .scaled = 1 };
	return run_conv(ctx, &io);
}

/* ConvInteger: the int32 convolution of zero-point-corrected x and w. */
edgeml_status eml_ref_ConvInteger(const eml_kernel_ctx *ctx)
{
	static const conv_io io = { .k_x = 0, .k_xzp = 2, .k_w = 1, .k_wzp = 3, .scaled = 0 };
	return run_conv(ctx, &io);
}
