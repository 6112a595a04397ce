/* infer_math.c — outputs of the element-wise math ops Pow, Sqrt, Erf (float32). */
#include "error.h"
#include "ops/broadcast.h"
#include "ops/infer_helpers.h"
#include "ops/ops.h"

/* Pow (X, Y) -> Z: X float32; Y float32, int32 or int64 (opset 13 lets the exponent's type
 * differ); numpy broadcasting; Z has X's dtype. */
edgeml_status eml_infer_Pow(const eml_node *node, const eml_tensor *const *in, eml_tensor *out)
{
	edgeml_status st = eml_check_arity(node, in, 2, 2, 1);
	if (st == EDGEML_OK)
		st = eml_check_dtype(in[0], "input X", EML_DT_FLOAT);
	if (st == EDGEML_OK)
		st = eml_check_dtype(in[1], "input Y", EML_DT_FLOAT | EML_DT(EDGEML_DTYPE_INT32) |
				     EML_DT(EDGEML_DTYPE_INT64));
	uint32_t rank;
	int64_t dims[EML_MAX_RANK];
	if (st == EDGEML_OK)
		st = eml_broadcast_shape(in[0], in[1], &rank, dims);
	if (st != EDGEML_OK)
		return st;
	return eml_set_output(&out[0], in[0]->dtype, rank, dims);
}

/* A float32 one-input op: same shape. */
static edgeml_status infer_float_unary(const eml_node *node, const eml_tensor *const *in,
				       eml_tensor *out)
{
	edgeml_status st = eml_check_arity(node, in, 1, 1, 1);
	if (st == EDGEML_OK)
		st = eml_check_dtype(in[0], "input X", EML_DT_FLOAT);
	if (st != EDGEML_OK)
		return st;
	return eml_set_output(&out[0], in[0]->dtype, in[0]->rank, in[0]->dims);
}

/* Sqrt: float32 (NaN below 0). */
edgeml_status eml_infer_Sqrt(const eml_node *node, const eml_tensor *const *in, eml_tensor *out)
{
	return infer_float_unary(node, in, out);
}

/* Erf: float32. */
edgeml_status eml_infer_Erf(const eml_node *node, const eml_tensor *const *in, eml_tensor *out)
{
	return infer_float_unary(node, in, out);
}
