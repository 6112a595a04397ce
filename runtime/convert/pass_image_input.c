/*
 * pass_image_input.c — image inputs (--image-input, docs/stream.md): an ImagePreprocess node
 * in front of the named graph input turns a raw camera frame into what the model reads, and
 * the input becomes the uint8 frame. After the QDQ folding, a QuantizeLinear reading the
 * node's float output is folded into it, so the node writes the first layer's quantized
 * input directly.
 */
#include <stdio.h>
#include <string.h>

#include "convert/convert_steps.h"
#include "error.h"
#include "ops/image_params.h"
#include "ops/ops.h"

/* Lists the graph inputs into buf for a message. */
static const char *input_names(const cv_graph *g, char *buf, size_t cap)
{
	size_t at = 0;
	buf[0] = '\0';
	for (uint32_t i = 0; i < g->n_inputs && at + 1 < cap; i++) {
		int n = snprintf(buf + at, cap - at, "%s'%s'", i ? ", " : "",
				 cv_tensor_name(g, g->inputs[i]));
		if (n < 0)
			break;
		at += (size_t)n;
	}
	return buf;
}

/* Sets the node's attributes from the option. */
static edgeml_status set_attrs(cv_graph *g, uint32_t node, const eml_convert_image *im,
			       int nhwc, int64_t oh, int64_t ow)
{
	int64_t size[2] = { oh, ow };
	edgeml_status st = cv_set_attr_string(g, node, "format", im->format,
					      (uint32_t)strlen(im->format));
	if (!st)
		st = cv_set_attr_int(g, node, "width", im->width);
	if (!st)
		st = cv_set_attr_int(g, node, "height", im->height);
	if (!st)
		st = cv_set_attr_ints(g, node, "size", size, 2);
	if (!st && im->has_crop)
		st = cv_set_attr_ints(g, node, "crop", im->crop, 4);
	if (!st && im->resize)
		st = cv_set_attr_string(g, node, "resize", im->resize,
					(uint32_t)strlen(im->resize));
	if (!st && im->channel_order)
		st = cv_set_attr_string(g, node, "channel_order", im->channel_order,
					(uint32_t)strlen(im->channel_order));
	if (!st)
		st = cv_set_attr_string(g, node, "layout", nhwc ? "nhwc" : "nchw", 4);
	if (!st && im->n_mean)
		st = cv_set_attr_floats(g, node, "mean", im->mean, im->n_mean);
	if (!st && im->n_std)
		st = cv_set_attr_floats(g, node, "std", im->std, im->n_std);
	return st;
}

/* One --image-input. */
static edgeml_status add_one(cv_graph *g, const eml_convert_image *im)
{
	char names[512];
	uint32_t t = cv_find_tensor(g, im->name);
	int is_input = 0;
	for (uint32_t i = 0; t != UINT32_MAX && i < g->n_inputs; i++)
		is_input |= g->inputs[i] == t;
	if (!is_input)
		return eml_error(EDGEML_ERR_INVALID_ARGUMENT, "--image-input: the model has no "
				 "input named '%s' (its inputs: %s)", im->name,
				 input_names(g, names, sizeof(names)));
	if (cv_is_output(g, t))
		return eml_error(EDGEML_ERR_UNSUPPORTED, "--image-input: input '%s' is also a "
				 "graph output", im->name);
	eml_tensor desc = g->tensors[t].t;
	int nchw = desc.rank == 4 && desc.dims[1] == 3, nhwc = desc.rank == 4 && desc.dims[3] == 3;
	if (im->layout) {
		int want_nhwc = strcmp(im->layout, "nhwc") == 0;
		nchw = nchw && !want_nhwc;
		nhwc = nhwc && want_nhwc;
	}
	if (!g->tensors[t].shape_known || desc.dtype != EDGEML_DTYPE_FLOAT32 || desc.dims[0] != 1 ||
	    (!nchw && !nhwc) || desc.dims[nhwc ? 1 : 2] < 1 || desc.dims[nhwc ? 2 : 3] < 1)
		return eml_error(EDGEML_ERR_UNSUPPORTED, "--image-input %s: the input must be "
				 "float32 [1,3,H,W] (nchw) or [1,H,W,3] (nhwc)%s%s with fixed dims "
				 "(see --input-shape)", im->name, im->layout ? " as --layout " : "",
				 im->layout ? im->layout : "");
	uint32_t pre, node;
	edgeml_status st = cv_add_unique_tensor(g, im->name, &pre);
	if (st)
		return st;
	cv_replace_uses(g, t, pre);
	cv_tensor *tp = &g->tensors[pre];
	const char *pre_name = tp->t.name;
	tp->t = desc;
	tp->t.name = pre_name;
	tp->t.flags &= ~(uint32_t)EML_TF_INPUT;
	tp->t.q_count = 0;
	tp->t.q_scales = NULL; /* the input's arrays stay its own */
	tp->t.q_zero_points = NULL;
	tp->shape_known = 1;
	int fmt = 0;
	for (int f = EML_IMAGE_NV12; f <= EML_IMAGE_BGR24; f++)
		if (strcmp(im->format, eml_image_format_name(f)) == 0)
			fmt = f;
	int64_t w = im->width > 0 && im->width <= EML_IMAGE_MAX_SIDE ? im->width : 1;
	int64_t h = im->height > 0 && im->height <= EML_IMAGE_MAX_SIDE ? im->height : 1;
	eml_tensor *x = &g->tensors[t].t;
	x->dtype = EDGEML_DTYPE_UINT8;
	x->rank = eml_image_frame_dims(fmt ? fmt : EML_IMAGE_RGB24, (int32_t)w, (int32_t)h,
				       x->dims);
	st = cv_insert_node(g, 0, "image_preprocess", EML_OP_ImagePreprocess, 1, 1, &node);
	if (st)
		return st;
	g->nodes[node].inputs[0] = t;
	g->nodes[node].outputs[0] = pre;
	st = set_attrs(g, node, im, nhwc, desc.dims[nhwc ? 1 : 2], desc.dims[nhwc ? 2 : 3]);
	if (st)
		return st;
	/* the frame's checks, now, naming the option */
	eml_node view;
	eml_image_params p;
	cv_node_view(g, node, &view);
	st = eml_image_params_get(&view, &p);
	if (st)
		return eml_error_context(st, "--image-input %s: ", im->name);
	return EDGEML_OK;
}

edgeml_status cv_pass_image_input(cv_graph *g, const eml_convert_image *images, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		edgeml_status st = add_one(g, &images[i]);
		if (st)
			return st;
	}
	return EDGEML_OK;
}

edgeml_status cv_pass_image_quant(cv_graph *g, uint32_t *count)
{
	cv_update_producers(g);
	for (uint32_t i = 0; i < g->n_nodes; i++) {
		cv_node *n = &g->nodes[i];
		if (n->dead || n->op != EML_OP_ImagePreprocess)
			continue;
		eml_node view;
		const char *type;
		cv_node_view(g, i, &view);
		if (eml_attr_string(&view, "output_type", "float32", &type) ||
		    strcmp(type, "float32") != 0)
			continue;
		uint32_t q = cv_single_consumer(g, n->outputs[0]);
		if (q == UINT32_MAX || g->nodes[q].op != EML_OP_QuantizeLinear ||
		    g->nodes[q].inputs[0] != n->outputs[0] || g->nodes[q].n_inputs < 3)
			continue;
		float scale;
		int32_t zp;
		uint32_t zt = g->nodes[q].inputs[2];
		if (zt == EML_NO_TENSOR || !cv_const_scalar_f32(g, g->nodes[q].inputs[1], &scale) ||
		    !cv_const_scalar_i32(g, zt, &zp) || !(scale > 0.0f))
			continue;
		uint32_t zdtype = g->tensors[zt].t.dtype;
		if (zdtype != EDGEML_DTYPE_UINT8 && zdtype != EDGEML_DTYPE_INT8)
			continue;
		const char *name = zdtype == EDGEML_DTYPE_UINT8 ? "uint8" : "int8";
		edgeml_status st = cv_set_attr_string(g, i, "output_type", name,
						      (uint32_t)strlen(name));
		if (!st)
			st = cv_set_attr_float(g, i, "output_scale", scale);
		if (!st)
			st = cv_set_attr_int(g, i, "output_zero_point", zp);
		if (st)
			return st;
		g->nodes[i].outputs[0] = g->nodes[q].outputs[0];
		g->nodes[q].dead = 1;
		(*count)++;
	}
	cv_compact_nodes(g);
	cv_update_producers(g);
	return EDGEML_OK;
}
