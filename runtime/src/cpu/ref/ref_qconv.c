/* ref_qconv.c — QLinearConv and ConvInteger reference kernels: direct NCHW convolution with
 * int32 accumulation of zero-point-corrected products. */
#include "quant/quant.h"
#include "cpu/ref/ref.h"
#include "cpu/ref/ref_qparams.h"
#include "cpu/ref/ref_qwindow.h"
#include "error.h"

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
static edgeml_status run_conv(const eml_kernel_ctx *ctx)
{
	eml_op_params tmp;
	const eml_op_params *op;
	edgeml_status st = eml_ref_params(ctx, &tmp, &op);
	if (st != EDGEML_OK)
		return st;
	const eml_qconv_params *p = &op->qconv;
	const eml_qconv_shape *s = &p->shape;
	const eml_tensor *tx = ctx->in[p->x], *tw = ctx->in[p->w];
	const int32_t *bias = p->bias != EML_NO_INPUT ? ctx->in_data[p->bias] : NULL;
	uint32_t y_dtype = ctx->out[0]->dtype;
	eml_q_requant r = { .x_zero_point = eml_q_zero_point(ctx, p->x_zero_point, 0) };
	eml_window3 c;
	eml_window3_of(&s->g, &c);
	if (p->requantize && (st = eml_qconv_requant(ctx, p, &r)) != EDGEML_OK)
		return st;
	conv_data d = { .x = ctx->in_data[p->x], .w = ctx->in_data[p->w],
			.x_dtype = tx->dtype, .w_dtype = tw->dtype, .x_zp = r.x_zero_point };
	int64_t cg = s->in_ch / s->group, mg = s->out_ch / s->group;
	int64_t x_plane = c.in[0] * c.in[1] * c.in[2], w_plane = c.k[0] * c.k[1] * c.k[2];
	int64_t y_plane = c.out[0] * c.out[1] * c.out[2], o = 0;
	for (int64_t n = 0; n < s->batch; n++) {
		for (int64_t m = 0; m < s->out_ch; m++) {
			int64_t c0 = (m / mg) * cg;
			int32_t w_zp = eml_q_zero_point(ctx, p->w_zero_point, m);
			float mult = p->requantize ? eml_q_requant_mult(&r, m) : 0.0f;
			for (int64_t q = 0; q < y_plane; q++, o++) {
				int64_t od[3], acc = bias ? bias[m] : 0;
				eml_window3_coords(q, c.out, od);
				for (int64_t ci = 0; ci < cg; ci++) {
					int64_t xb = (n * s->in_ch + c0 + ci) * x_plane;
					int64_t wb = (m * cg + ci) * w_plane;
					acc += window_dot(&c, &d, od, xb, wb, w_zp);
				}
				int32_t v = eml_wrap_i32(acc);
				if (p->requantize)
					v = eml_requantize(v, mult, r.y_zero_point, r.lo, r.hi);
				eml_q_store(ctx->out_data[0], y_dtype, o, v);
			}
		}
	}
	return EDGEML_OK;
}

/* QLinearConv: requantized convolution with optional int32 bias and fused activation. */
edgeml_status eml_ref_QLinearConv(const eml_kernel_ctx *ctx)
{
	return run_conv(ctx);
}

/* ConvInteger: the int32 convolution of zero-point-corrected x and w. */
edgeml_status eml_ref_ConvInteger(const eml_kernel_ctx *ctx)
{
	return run_conv(ctx);
}
