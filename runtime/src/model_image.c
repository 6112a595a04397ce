/* model_image.c — edgeml_model_input_image(): what the ImagePreprocess node reading a model
 * input does to its frames, for applications (and `edgeml stream`) to set a camera up. */
#include <string.h>

#include "error.h"
#include "model.h"
#include "ops/image_params.h"
#include "ops/ops.h"

edgeml_status edgeml_model_input_image(const edgeml_model *model, size_t index,
				       edgeml_image_input_info *info)
{
	eml_error_clear();
	if (!model || !info)
		return eml_error(EDGEML_ERR_INVALID_ARGUMENT, "model and info must not be NULL");
	const eml_graph *g = &model->graph;
	if (index >= g->n_inputs)
		return eml_error(EDGEML_ERR_INVALID_ARGUMENT, "model input index %zu is out of "
				 "range: the model has %u inputs", index, g->n_inputs);
	uint32_t t = g->inputs[index];
	for (uint32_t i = 0; i < g->n_nodes; i++) {
		const eml_node *n = &g->nodes[i];
		if (n->op != EML_OP_ImagePreprocess || n->n_inputs < 1 || n->inputs[0] != t)
			continue;
		eml_image_params p;
		/* the loader validated every node, so this cannot fail */
		edgeml_status st = eml_image_params_get(n, &p);
		if (st != EDGEML_OK)
			return st;
		memset(info, 0, sizeof(*info));
		info->format = (edgeml_pixel_format)p.format;
		info->format_name = eml_image_format_name(p.format);
		info->width = (uint32_t)p.width;
		info->height = (uint32_t)p.height;
		info->frame_bytes = (size_t)p.frame_bytes;
		info->crop_x = (uint32_t)p.crop_x;
		info->crop_y = (uint32_t)p.crop_y;
		info->crop_width = (uint32_t)p.crop_w;
		info->crop_height = (uint32_t)p.crop_h;
		info->out_width = (uint32_t)p.out_w;
		info->out_height = (uint32_t)p.out_h;
		info->resize = p.bilinear ? "bilinear" : "nearest";
		info->layout = p.nhwc ? "nhwc" : "nchw";
		info->channel_order = p.bgr ? "bgr" : "rgb";
		memcpy(info->mean, p.mean, sizeof(info->mean));
		memcpy(info->std, p.std, sizeof(info->std));
		info->out_dtype = (edgeml_dtype)p.out_dtype;
		info->out_scale = p.out_dtype == EDGEML_DTYPE_FLOAT32 ? 0.0f : p.out_scale;
		info->out_zero_point = p.out_zero_point;
		return EDGEML_OK;
	}
	return eml_error(EDGEML_ERR_NOT_FOUND, "model input '%s' is not an image input (no "
			 "ImagePreprocess reads it)", g->tensors[t].name);
}
