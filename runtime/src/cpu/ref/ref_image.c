/* ref_image.c — reference ImagePreprocess: each output pixel on its own, straight from the
 * rule of docs/ops.md (image_params.h): the two-by-two source pixels of the crop converted
 * to RGB, mixed horizontally then vertically with OpenCV's fixed-point weights, normalised
 * and quantized. */
#include "cpu/ref/ref.h"
#include "error.h"
#include "ops/image_params.h"

/* ImagePreprocess (X) -> Y. */
edgeml_status eml_ref_ImagePreprocess(const eml_kernel_ctx *ctx)
{
	eml_op_params tmp;
	const eml_op_params *prm;
	edgeml_status st = eml_ref_params(ctx, &tmp, &prm);
	if (st != EDGEML_OK)
		return st;
	eml_image_params p = prm->image;
	const uint8_t *frame = ctx->in_data[0];
	size_t plane = (size_t)p.out_w * (size_t)p.out_h;
	for (int32_t oy = 0; oy < p.out_h; oy++) {
		eml_image_tap ty;
		eml_image_axis_tap(&p, 0, p.crop_h, p.out_h, oy, &ty);
		for (int32_t ox = 0; ox < p.out_w; ox++) {
			eml_image_tap tx;
			eml_image_axis_tap(&p, 1, p.crop_w, p.out_w, ox, &tx);
			int32_t px[2][2][3]; /* [row][column][R, G, B] */
			for (int r = 0; r < 2; r++)
				for (int k = 0; k < 2; k++)
					eml_image_pixel(&p, frame, p.crop_x + (k ? tx.hi : tx.lo),
							p.crop_y + (r ? ty.hi : ty.lo), px[r][k]);
			for (int c = 0; c < 3; c++) {
				int src = p.bgr ? 2 - c : c;
				int32_t s0 = px[0][0][src] * tx.w0 + px[0][1][src] * tx.w1;
				int32_t s1 = px[1][0][src] * tx.w0 + px[1][1][src] * tx.w1;
				int32_t v = eml_image_vmix(s0, s1, ty.w0, ty.w1);
				size_t pix = (size_t)oy * (size_t)p.out_w + (size_t)ox;
				size_t at = p.nhwc ? pix * 3 + (size_t)c : (size_t)c * plane + pix;
				float f;
				int32_t q;
				eml_image_normalize(&p, c, v, &f, &q);
				if (p.out_dtype == EDGEML_DTYPE_FLOAT32)
					((float *)ctx->out_data[0])[at] = f;
				else if (p.out_dtype == EDGEML_DTYPE_UINT8)
					((uint8_t *)ctx->out_data[0])[at] = (uint8_t)q;
				else
					((int8_t *)ctx->out_data[0])[at] = (int8_t)q;
			}
		}
	}
	return EDGEML_OK;
}
