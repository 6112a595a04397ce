/* infer_qconv.c — QLinearConv and ConvInteger: 1-D to 3-D NCHW convolutions with groups,
 * strides, dilations, pads and auto_pad, per-tensor or per-output-channel weight parameters. */
#include "error.h"
#include "ops/infer_helpers.h"
#include "ops/infer_qcommon.h"
#include "ops/ops.h"

edgeml_status eml_qconv_shape_of(const eml_node *node, const eml_tensor *x, const eml_tensor *w,
				 eml_qconv_shape *s)
{
	edgeml_status st = eml_check_rank(x, "input x", 3, 2 + EML_MAX_SPATIAL);
	if (st == EDGEML_OK)
		st = eml_check_rank(w, "input w", x->rank, x->rank);
	if (st == EDGEML_OK)
		st = eml_attr_int(node, "group", 1, &s->group);
	if (st != EDGEML_OK)
		return st;
	s->batch = x->dims[0];
	s->in_ch = x->dims[1];
	s->out_ch = w->dims[0];
	if (s->group < 1 || s->group > s->in_ch || s->in_ch % s->group != 0 ||
	    s->out_ch % s->group != 0)
		return eml_error(EDGEML_ERR_SHAPE, "attribute group = %lld must divide the %lld "
				 "input channels and the %lld output channels",
				 (long long)s->group, (long long)s->in_ch, (long long)s->out_ch);
	if (w->dims[1] != s->in_ch / s->group)
		return eml_error(EDGEML_ERR_SHAPE, "weights have %lld input channels per group, "
				 "but x has %lld channels in %lld groups", (long long)w->dims[1],
				 (long long)s->in_ch, (long long)s->group);
	return eml_window_geometry(node, x->rank - 2, &x->dims[2], &w->dims[2], 0, &s->g);
}

/* Output dims [N, M, spatial out...] of a convolution of shape s. */
static edgeml_status set_conv_output(const eml_qconv_shape *s, uint32_t dtype, eml_tensor *out)
{
	int64_t dims[2 + EML_MAX_SPATIAL] = { s->batch, s->out_ch };
	for (uint32_t i = 0; i < s->g.n_spatial; i++)
		dims[2 + i] = s->g.out[i];
	return eml_set_output(out, dtype, 2 + s->g.n_spatial, dims);
}

/* QLinearConv (x, x_scale, x_zero_point, w, w_scale, w_zero_point, y_scale, y_zero_point,
 * [B]) -> y of y_zero_point's type. */
edgeml_status eml_infer_QLinearConv(const eml_node *node, const eml_tensor *const *in,
				    eml_tensor *out)
{
	static const char *const names[] = { "x", "x_scale", "x_zero_point", "w", "w_scale",
					     "w_zero_point", "y_scale", "y_zero_point", "B" };
	eml_qconv_shape s;
	float lo, hi;
	edgeml_status st = eml_q_check_inputs(node, in, 8, 9, names);
	if (st == EDGEML_OK)
		st = eml_check_dtype(in[0], "input x", EML_DT_INT8S);
	if (st == EDGEML_OK)
		st = eml_check_dtype(in[3], "input w", EML_DT_INT8S);
	if (st == EDGEML_OK)
		st = eml_check_dtype(in[7], "input y_zero_point", EML_DT_INT8S);
	if (st == EDGEML_OK)
		st = eml_qconv_shape_of(node, in[0], in[3], &s);
	if (st == EDGEML_OK)
		st = eml_q_check_param(in, 1, names[1], EDGEML_DTYPE_FLOAT32, 0);
	if (st == EDGEML_OK)
		st = eml_q_check_param(in, 2, names[2], in[0]->dtype, 0);
	if (st == EDGEML_OK)
		st = eml_q_check_param(in, 4, names[4], EDGEML_DTYPE_FLOAT32, s.out_ch);
	if (st == EDGEML_OK)
		st = eml_q_check_param(in, 5, names[5], in[3]->dtype, s.out_ch);
	if (st == EDGEML_OK)
		st = eml_q_check_param(in, 6, names[6], EDGEML_DTYPE_FLOAT32, 0);
	if (st == EDGEML_OK)
		st = eml_q_check_param(in, 7, names[7], in[7]->dtype, 0);
	if (st == EDGEML_OK && node->n_inputs > 8 && in[8]) {
		st = eml_check_dtype(in[8], "input B", EML_DT(EDGEML_DTYPE_INT32));
		if (st == EDGEML_OK && (in[8]->rank != 1 || in[8]->dims[0] != s.out_ch))
			st = eml_error(EDGEML_ERR_SHAPE, "input 8 (B) must be a 1-D int32 bias of "
				       "%lld output channels", (long long)s.out_ch);
	}
	if (st == EDGEML_OK)
		st = eml_fused_activation(node, &lo, &hi);
	if (st != EDGEML_OK)
		return st;
	return set_conv_output(&s, in[7]->dtype, out);
}

/* ConvInteger (x, w, [x_zero_point], [w_zero_point]) -> int32 y. */
edgeml_status eml_infer_ConvInteger(const eml_node *node, const eml_tensor *const *in,
				    eml_tensor *out)
{
	static const char *const names[] = { "x", "w", "x_zero_point", "w_zero_point" };
	eml_qconv_shape s;
	edgeml_status st = eml_q_check_inputs(node, in, 2, 4, names);
	if (st == EDGEML_OK)
		st = eml_check_dtype(in[0], "input x", EML_DT_INT8S);
	if (st == EDGEML_OK)
		st = eml_check_dtype(in[1], "input w", EML_DT_INT8S);
	if (st == EDGEML_OK)
		st = eml_qconv_shape_of(node, in[0], in[1], &s);
	if (st == EDGEML_OK && node->n_inputs > 2)
		st = eml_q_check_param(in, 2, names[2], in[0]->dtype, 0);
	if (st == EDGEML_OK && node->n_inputs > 3)
		st = eml_q_check_param(in, 3, names[3], in[1]->dtype, s.out_ch);
	if (st != EDGEML_OK)
		return st;
	return set_conv_output(&s, EDGEML_DTYPE_INT32, out);
}
