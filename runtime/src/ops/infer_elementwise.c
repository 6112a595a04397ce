/* infer_elementwise.c — outputs of the element-wise ops: binary arithmetic with numpy
 * broadcasting, activations, Clip, Softmax and inference-mode BatchNormalization. */
#include <math.h>

#include "error.h"
#include "ops/broadcast.h"
#include "ops/infer_helpers.h"
#include "ops/ops.h"

/* A binary op A op B -> C of one dtype in mask, with broadcasting; fused says whether the
 * op may carry activation_min/max (float32 only, since the bounds are real values). */
static edgeml_status infer_binary(const eml_node *node, const eml_tensor *const *in,
				  eml_tensor *out, uint32_t mask, int fused)
{
	edgeml_status st = eml_check_arity(node, in, 2, 2, 1);
	if (st == EDGEML_OK)
		st = eml_check_dtype(in[0], "input A", mask);
	if (st == EDGEML_OK)
		st = eml_check_same_dtype(in[0], "input A", in[1], "input B");
	if (st != EDGEML_OK)
		return st;
	if (fused) {
		float lo, hi;
		st = eml_fused_activation(node, &lo, &hi);
		if (st != EDGEML_OK)
			return st;
		if ((lo != -INFINITY || hi != INFINITY) && in[0]->dtype != EDGEML_DTYPE_FLOAT32)
			return eml_error(EDGEML_ERR_UNSUPPORTED, "activation_min/max need float32 "
					 "inputs, not %s",
					 edgeml_dtype_name((edgeml_dtype)in[0]->dtype));
	}
	uint32_t rank;
	int64_t dims[EML_MAX_RANK];
	st = eml_broadcast_shape(in[0], in[1], &rank, dims);
	if (st != EDGEML_OK)
		return st;
	return eml_set_output(&out[0], in[0]->dtype, rank, dims);
}

#define EML_DT_ARITH                                                                       \
	(EML_DT_FLOAT | EML_DT(EDGEML_DTYPE_UINT8) | EML_DT(EDGEML_DTYPE_INT8) |             \
	 EML_DT(EDGEML_DTYPE_INT32) | EML_DT(EDGEML_DTYPE_INT64))

/* Add: float32 and the integer types; may carry a fused activation (float32). */
edgeml_status eml_infer_Add(const eml_node *node, const eml_tensor *const *in, eml_tensor *out)
{
	return infer_binary(node, in, out, EML_DT_ARITH, 1);
}

/* Mul: float32 and the integer types (wrapping). */
edgeml_status eml_infer_Mul(const eml_node *node, const eml_tensor *const *in, eml_tensor *out)
{
	return infer_binary(node, in, out, EML_DT_ARITH, 0);
}

/* Sub: float32 and the integer types (wrapping). */
edgeml_status eml_infer_Sub(const eml_node *node, const eml_tensor *const *in, eml_tensor *out)
{
	return infer_binary(node, in, out, EML_DT_ARITH, 0);
}

/* Div: float32 and the integer types (truncating; a zero divisor fails the run). */
edgeml_status eml_infer_Div(const eml_node *node, const eml_tensor *const *in, eml_tensor *out)
{
	return infer_binary(node, in, out, EML_DT_ARITH, 0);
}

/* A one-input op whose output has the input's dtype (in mask) and shape. */
static edgeml_status infer_unary(const eml_node *node, const eml_tensor *const *in,
				 eml_tensor *out, uint32_t mask)
{
	edgeml_status st = eml_check_arity(node, in, 1, 1, 1);
	if (st == EDGEML_OK)
		st = eml_check_dtype(in[0], "input X", mask);
	if (st != EDGEML_OK)
		return st;
	return eml_set_output(&out[0], in[0]->dtype, in[0]->rank, in[0]->dims);
}

/* Checks that an optional float attribute, if present, is a finite float. */
static edgeml_status check_finite_attr(const eml_node *node, const char *name)
{
	float v;
	edgeml_status st = eml_attr_float(node, name, 0.0f, &v);
	if (st != EDGEML_OK)
		return st;
	if (!isfinite(v))
		return eml_error(EDGEML_ERR_FORMAT, "attribute '%s' = %g is not finite", name,
				 (double)v);
	return EDGEML_OK;
}

/* Relu: float32. */
edgeml_status eml_infer_Relu(const eml_node *node, const eml_tensor *const *in, eml_tensor *out)
{
	return infer_unary(node, in, out, EML_DT_FLOAT);
}

/* LeakyRelu: float32, attribute alpha. */
edgeml_status eml_infer_LeakyRelu(const eml_node *node, const eml_tensor *const *in,
				  eml_tensor *out)
{
	edgeml_status st = check_finite_attr(node, "alpha");
	return st != EDGEML_OK ? st : infer_unary(node, in, out, EML_DT_FLOAT);
}

/* Sigmoid: float32. */
edgeml_status eml_infer_Sigmoid(const eml_node *node, const eml_tensor *const *in,
				eml_tensor *out)
{
	return infer_unary(node, in, out, EML_DT_FLOAT);
}

/* HardSigmoid: float32, attributes alpha and beta. */
edgeml_status eml_infer_HardSigmoid(const eml_node *node, const eml_tensor *const *in,
				    eml_tensor *out)
{
	edgeml_status st = check_finite_attr(node, "alpha");
	if (st == EDGEML_OK)
		st = check_finite_attr(node, "beta");
	return st != EDGEML_OK ? st : infer_unary(node, in, out, EML_DT_FLOAT);
}

/* HardSwish: float32. */
edgeml_status eml_infer_HardSwish(const eml_node *node, const eml_tensor *const *in,
				  eml_tensor *out)
{
	return infer_unary(node, in, out, EML_DT_FLOAT);
}

/* Tanh: float32. */
edgeml_status eml_infer_Tanh(const eml_node *node, const eml_tensor *const *in, eml_tensor *out)
{
	return infer_unary(node, in, out, EML_DT_FLOAT);
}

/* Clip (X, min, max): any dtype; min and max are optional scalars of X's dtype, given at
 * run time or as constants (an empty tensor means unbounded). */
edgeml_status eml_infer_Clip(const eml_node *node, const eml_tensor *const *in, eml_tensor *out)
{
	edgeml_status st = eml_check_arity(node, in, 1, 3, 1);
	if (st == EDGEML_OK)
		st = eml_check_dtype(in[0], "input X", EML_DT_ANY);
	if (st != EDGEML_OK)
		return st;
	static const char *const names[] = { "", "input min", "input max" };
	for (uint32_t k = 1; k < 3; k++) {
		const eml_tensor *b = eml_in(node, in, k);
		if (!b)
			continue;
		st = eml_check_same_dtype(in[0], "input X", b, names[k]);
		if (st != EDGEML_OK)
			return st;
		if (eml_tensor_numel(b) > 1)
			return eml_error(EDGEML_ERR_SHAPE, "%s must be a scalar, not %lld elements",
					 names[k], (long long)eml_tensor_numel(b));
	}
	return eml_set_output(&out[0], in[0]->dtype, in[0]->rank, in[0]->dims);
}

/* Softmax: float32, opset-13 semantics over one axis (default -1). */
edgeml_status eml_infer_Softmax(const eml_node *node, const eml_tensor *const *in,
				eml_tensor *out)
{
	edgeml_status st = infer_unary(node, in, out, EML_DT_FLOAT);
	int64_t axis;
	uint32_t a;
	if (st == EDGEML_OK)
		st = eml_check_rank(in[0], "input X", 1, EML_MAX_RANK);
	if (st == EDGEML_OK)
		st = eml_attr_int(node, "axis", -1, &axis);
	if (st == EDGEML_OK)
		st = eml_norm_axis(axis, in[0]->rank, "attribute 'axis'", &a);
	return st;
}

/* BatchNormalization (X, scale, B, input_mean, input_var), inference mode: X is float32
 * [N, C, ...]; the four parameters are 1-D of C elements. */
edgeml_status eml_infer_BatchNormalization(const eml_node *node, const eml_tensor *const *in,
					   eml_tensor *out)
{
	static const char *const names[] = { "input X", "input scale", "input B",
					     "input input_mean", "input input_var" };
	edgeml_status st = eml_check_arity(node, in, 5, 5, 1);
	if (st == EDGEML_OK)
		st = eml_check_rank(in[0], names[0], 2, EML_MAX_RANK);
	for (uint32_t k = 0; k < 5 && st == EDGEML_OK; k++) {
		st = eml_check_dtype(in[k], names[k], EML_DT_FLOAT);
		int bad_shape = k > 0 && (in[k]->rank != 1 || in[k]->dims[0] != in[0]->dims[1]);
		if (st == EDGEML_OK && bad_shape)
			st = eml_error(EDGEML_ERR_SHAPE, "%s must have shape [%lld] (the channels "
				       "of X)", names[k], (long long)in[0]->dims[1]);
	}
	int64_t training;
	if (st == EDGEML_OK)
		st = eml_attr_int(node, "training_mode", 0, &training);
	if (st == EDGEML_OK && training != 0)
		st = eml_error(EDGEML_ERR_UNSUPPORTED, "training_mode = %lld; only inference "
			       "(0) is supported", (long long)training);
	float eps;
	if (st == EDGEML_OK)
		st = eml_attr_float(node, "epsilon", 1e-5f, &eps);
	if (st == EDGEML_OK && !(eps >= 0.0f && isfinite(eps)))
		st = eml_error(EDGEML_ERR_FORMAT, "attribute 'epsilon' = %g must be finite and "
			       ">= 0", (double)eps);
	if (st != EDGEML_OK)
		return st;
	return eml_set_output(&out[0], EDGEML_DTYPE_FLOAT32, in[0]->rank, in[0]->dims);
}
