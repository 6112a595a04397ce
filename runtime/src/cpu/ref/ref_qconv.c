/* ref_qconv.c — QLinearConv and ConvInteger reference kernels: direct NCHW convolution with
 * int32 accumulation of zero-point-corrected products. */
#include "quant/quant.h"
#include "cpu/ref/ref.h"
#include "cpu/ref/ref_qparams.h"
#include "cpu/ref/ref_qwindow.h"
#include "ops/infer_qcommon.h"

/* Input indices of a convolution's data and zero points (QLinearConv's scales, bias and
 * output parameters sit at fixed indices). */
typedef struct conv_io {
	uint32_t k_x, k_xzp, k_w, k_wzp;
	int scaled; /* QLinearConv: requantize; else ConvInteger: int32 out */
} conv_io;

/* The data operands of a convolution. */
typedef struct conv_data {
	const void *x, *w;
	uint32_t x_dtype, w_dtype;
	int32_t x_zp;
} conv_data;

/* Sum of (x - x_zp)(w - w_zp) over one input channel's window at output position od; x_base
 * and w_base index that channel's plane and kernel. Padding holds the zero point, so it
 * contributes nothing. */
static int64_t window_dot(const eml_window3 *c, const conv_data *d, const int64_t *od,
			  int64_t x_base, int64_t w_base, int32_t w_zp)
{
	int64_t acc = 0, kvol = c->k[0] * c->k[1] * c->k[2];
	for (int64_t kp = 0; kp < kvol; kp++) {
		int64_t kd[3], xi = 0, inside = 1;
		eml_window3_coords(kp, c->k, kd);
		for (int i = 0; i < 3; i++) {
			int64_t pos = od[i] * c->stride[i] - c->pad_begin[i] + kd[i] * c->dil[i];
			inside &= pos >= 0 && pos < c->in[i];
			xi = xi * c->in[i] + pos;
		}
		if (!inside)
			continue;
		int32_t xv = eml_q_load(d->x, d->x_dtype, x_base + xi) - d->x_zp;
		int32_t wv = eml_q_load(d->w, d->w_dtype, w_base + kp) - w_zp;
		acc += (int64_t)xv * wv;
	}
	return acc;
}

/* y[n, m, o] = sum over the group's channels and the window of (x - x_zp)(w - w_zp[m]).
 * QLinearConv adds B and requantizes with x_scale * w_scale[m] / y_scale, clamped to the
 * fused activation; ConvInteger stores the int32 sum. */
static edgeml_status run_conv(const eml_kernel_ctx *ctx, const conv_io *io)
{
	const eml_tensor *tx = ctx->in[io->k_x], *tw = ctx->in[io->k_w];
	const int32_t *bias = NULL;
	const float *xs = NULL, *ws = NULL, *ys = NULL;
	int64_t n_ws = 0, n_tmp;
	uint32_t y_dtype = ctx->out[0]->dtype, n_in = ctx->node->n_inputs;
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
		if (n_in > 8)
			bias = ctx->in_data[8];
	}
	conv_data d = { .x = ctx->in_data[io->k_x], .w = ctx->in_data[io->k_w],
			.x_dtype = tx->dtype, .w_dtype = tw->dtype,
			.x_zp = io->k_xzp < n_in ? eml_q_zero_point(ctx, io->k_xzp, 0) : 0 };
	int64_t cg = s.in_ch / s.group, mg = s.out_ch / s.group;
	int64_t x_plane = c.in[0] * c.in[1] * c.in[2], w_plane = c.k[0] * c.k[1] * c.k[2];
	int64_t y_plane = c.out[0] * c.out[1] * c.out[2], o = 0;
	for (int64_t n = 0; n < s.batch; n++) {
		for (int64_t m = 0; m < s.out_ch; m++) {
			int64_t c0 = (m / mg) * cg;
			int32_t w_zp = io->k_wzp < n_in ? eml_q_zero_point(ctx, io->k_wzp, m) : 0;
			float mult = io->scaled ? xs[0] * ws[n_ws == 1 ? 0 : m] / ys[0] : 0.0f;
			for (int64_t p = 0; p < y_plane; p++, o++) {
				int64_t od[3], acc = bias ? bias[m] : 0;
				eml_window3_coords(p, c.out, od);
				for (int64_t ci = 0; ci < cg; ci++) {
					int64_t xb = (n * s.in_ch + c0 + ci) * x_plane;
					int64_t wb = (m * cg + ci) * w_plane;
					acc += window_dot(&c, &d, od, xb, wb, w_zp);
				}
				int32_t v = eml_wrap_i32(acc);
				if (io->scaled)
					v = eml_requantize(v, mult, y_zp, lo, hi);
				eml_q_store(ctx->out_data[0], y_dtype, o, v);
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
