/* infer_quantize.c — QuantizeLinear and DequantizeLinear: per-tensor or per-axis scales and
 * zero points, as ONNX defines them (opset 13+, blocked quantization unsupported). */
#include "error.h"
#include "ops/infer_helpers.h"
#include "ops/infer_qcommon.h"
#include "ops/ops.h"

/* Checks the scale (input 1) and optional zero point (input 2, of dtype zp_dtype) against x:
 * one element (per-tensor) or a 1-D vector along the axis attribute. */
static edgeml_status check_axis_params(const eml_node *node, const eml_tensor *const *in,
				       const char *const *names, uint32_t zp_dtype)
{
	const eml_tensor *x = in[0], *scale = in[1];
	int64_t axis, block_size, channels = 0;
	edgeml_status st = eml_attr_int(node, "axis", 1, &axis);
	if (st == EDGEML_OK)
		st = eml_attr_int(node, "block_size", 0, &block_size);
	if (st != EDGEML_OK)
		return st;
	if (block_size != 0)
		return eml_error(EDGEML_ERR_UNSUPPORTED, "blocked quantization (block_size %lld) "
				 "is not supported", (long long)block_size);
	/* ONNX ignores axis for per-tensor parameters, so only check it when it is used. */
	if (scale->rank == 1 && scale->dims[0] != 1) {
		uint32_t a;
		st = eml_norm_axis(axis, x->rank, "attribute axis", &a);
		if (st != EDGEML_OK)
			return st;
		channels = x->dims[a];
	}
	st = eml_q_check_param(in, 1, names[1], EDGEML_DTYPE_FLOAT32, channels);
	if (st == EDGEML_OK)
		st = eml_q_check_param(in, 2, names[2], zp_dtype, channels);
	if (st == EDGEML_OK && in[2] && in[2]->rank == 1 && scale->rank == 1 &&
	    in[2]->dims[0] != scale->dims[0])
		st = eml_error(EDGEML_ERR_SHAPE, "%s has %lld elements but %s has %lld", names[2],
			       (long long)in[2]->dims[0], names[1], (long long)scale->dims[0]);
	return st;
}

/* QuantizeLinear (x, y_scale, [y_zero_point]) -> y: y's type is the zero point's, else the
 * output_dtype attribute's, else uint8. */
edgeml_status eml_infer_QuantizeLinear(const eml_node *node, const eml_tensor *const *in,
				       eml_tensor *out)
{
	static const char *const names[] = { "x", "y_scale", "y_zero_point" };
	int64_t out_dtype;
	edgeml_status st = eml_q_check_inputs(node, in, 2, 3, names);
	if (st != EDGEML_OK)
		return st;
	/* in[] has n_inputs entries: read the optional zero point through eml_in(). */
	const eml_tensor *args[3] = { in[0], in[1], eml_in(node, in, 2) };
	in = args;
	if (st == EDGEML_OK)
		st = eml_check_dtype(in[0], "input x", EML_DT_FLOAT | EML_DT(EDGEML_DTYPE_INT32));
	if (st == EDGEML_OK && in[2])
		st = eml_check_dtype(in[2], "input y_zero_point", EML_DT_INT8S);
	if (st == EDGEML_OK)
		st = eml_attr_int(node, "output_dtype", 0, &out_dtype);
	if (st != EDGEML_OK)
		return st;
	if (out_dtype != 0 && out_dtype != EDGEML_DTYPE_UINT8 && out_dtype != EDGEML_DTYPE_INT8)
		return eml_error(EDGEML_ERR_UNSUPPORTED, "attribute output_dtype %lld is not "
				 "supported (uint8 = 2 or int8 = 3)", (long long)out_dtype);
	uint32_t y_dtype = EDGEML_DTYPE_UINT8;
	if (in[2])
		y_dtype = in[2]->dtype;
	else if (out_dtype != 0)
		y_dtype = (uint32_t)out_dtype;
	if (in[2] && out_dtype != 0 && (uint32_t)out_dtype != y_dtype)
		return eml_error(EDGEML_ERR_SHAPE, "attribute output_dtype %lld disagrees with "
				 "y_zero_point's type %s", (long long)out_dtype,
				 edgeml_dtype_name((edgeml_dtype)y_dtype));
	st = check_axis_params(node, in, names, y_dtype);
	if (st != EDGEML_OK)
		return st;
	return eml_set_output(out, y_dtype, in[0]->rank, in[0]->dims);
}

/* DequantizeLinear (x, x_scale, [x_zero_point]) -> float32 y. */
edgeml_status eml_infer_DequantizeLinear(const eml_node *node, const eml_tensor *const *in,
					 eml_tensor *out)
{
	static const char *const names[] = { "x", "x_scale", "x_zero_point" };
	int64_t out_dtype;
	edgeml_status st = eml_q_check_inputs(node, in, 2, 3, names);
	if (st != EDGEML_OK)
		return st;
	/* in[] has n_inputs entries: read the optional zero point through eml_in(). */
	const eml_tensor *args[3] = { in[0], in[1], eml_in(node, in, 2) };
	in = args;
	if (st == EDGEML_OK)
		st = eml_check_dtype(in[0], "input x", EML_DT_INT8S | EML_DT(EDGEML_DTYPE_INT32));
	if (st == EDGEML_OK)
		st = eml_attr_int(node, "output_dtype", 0, &out_dtype);
	if (st != EDGEML_OK)
		return st;
	if (out_dtype != 0 && out_dtype != EDGEML_DTYPE_FLOAT32)
		return eml_error(EDGEML_ERR_UNSUPPORTED, "attribute output_dtype %lld is not "
				 "supported (float32 = 1)", (long long)out_dtype);
	st = check_axis_params(node, in, names, in[0]->dtype);
	if (st != EDGEML_OK)
		return st;
	return eml_set_output(out, EDGEML_DTYPE_FLOAT32, in[0]->rank, in[0]->dims);
}
