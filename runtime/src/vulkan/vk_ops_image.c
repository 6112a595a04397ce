/* vk_ops_image.c — ImagePreprocess on the GPU (shaders/image.comp): the host computes what the
 * fast CPU kernel's tables hold (per output column its two frame columns and weights, per
 * output row its two frame rows and weights, per channel the 256 normalised, quantized
 * values) from the rule's own functions (ops/image_params.h); the shader does the integer
 * colour conversion and mixing per output element, so results are the reference's, bit for
 * bit. Parameters: format, frame width and height, output width and height, nhwc, bgr,
 * then the column taps (x0, x1, w0, w1), the row taps (y0, y1, w0, w1) and the tables. */
#include <string.h>

#include "error.h"
#include "ops/image_params.h"
#include "vulkan/vk_ops.h"

edgeml_status eml_vk_build_image(const eml_graph *g, const eml_node *node, eml_vk_kernel *k)
{
	const eml_tensor *y = &g->tensors[node->outputs[0]];
	eml_op_params tmp;
	const eml_op_params *prm;
	edgeml_status st = eml_vk_params(g, node, &tmp, &prm);
	if (st != EDGEML_OK)
		return st;
	eml_image_params p = prm->image;
	eml_vk_dispatch *d = eml_vk_add_dispatch(k, "image.comp", (uint64_t)eml_tensor_numel(y));
	int32_t head[7] = { p.format, p.width, p.height, p.out_w, p.out_h, p.nhwc, p.bgr };
	st = eml_vk_param_i(d, head, 7);
	for (int32_t i = 0; i < p.out_w && st == EDGEML_OK; i++) {
		eml_image_tap t;
		eml_image_axis_tap(&p, 1, p.crop_w, p.out_w, i, &t);
		int32_t v[4] = { p.crop_x + t.lo, p.crop_x + t.hi, t.w0, t.w1 };
		st = eml_vk_param_i(d, v, 4);
	}
	for (int32_t i = 0; i < p.out_h && st == EDGEML_OK; i++) {
		eml_image_tap t;
		eml_image_axis_tap(&p, 0, p.crop_h, p.out_h, i, &t);
		int32_t v[4] = { p.crop_y + t.lo, p.crop_y + t.hi, t.w0, t.w1 };
		st = eml_vk_param_i(d, v, 4);
	}
	for (int c = 0; c < 3 && st == EDGEML_OK; c++) {
		float f[256];
		int32_t q[256];
		for (int v = 0; v < 256; v++)
			eml_image_normalize(&p, c, v, &f[v], &q[v]);
		st = p.out_dtype == EDGEML_DTYPE_FLOAT32 ? eml_vk_param_f(d, f, 256)
							 : eml_vk_param_i(d, q, 256);
	}
	if (st != EDGEML_OK)
		return st;
	eml_vk_macro(d, "Y_T", eml_vk_glsl_type(p.out_dtype));
	eml_vk_macro(d, "FLOAT_OUT", p.out_dtype == EDGEML_DTYPE_FLOAT32 ? "1" : "0");
	eml_vk_bind(d, node->inputs[0]);
	eml_vk_bind(d, node->outputs[0]);
	return EDGEML_OK;
}
