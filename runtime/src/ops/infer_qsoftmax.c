/* infer_qsoftmax.c — the edgeml-domain QLinearSoftmax (docs/ops.md): Softmax over one axis
 * of an 8-bit tensor, with ONNX Runtime's com.microsoft QLinearSoftmax arithmetic. */
#include "error.h"
#include "ops/infer_helpers.h"
#include "ops/infer_qcommon.h"
#include "ops/ops.h"

/* QLinearSoftmax (X, X_scale, X_zero_point, Y_scale, Y_zero_point), attribute axis (default
 * -1, opset-13 semantics) -> Y of X's shape and type; per-tensor parameters. */
edgeml_status eml_infer_QLinearSoftmax(const eml_node *node, const eml_tensor *const *in,
				       eml_tensor *out)
{
	static const char *const names[] = { "X", "X_scale", "X_zero_point", "Y_scale",
					     "Y_zero_point" };
	int64_t axis;
	uint32_t a;
	edgeml_status st = eml_q_check_inputs(node, in, 5, 5, names);
	if (st == EDGEML_OK)
		st = eml_check_dtype(in[0], "input X", EML_DT_INT8S);
	if (st == EDGEML_OK)
		st = eml_check_rank(in[0], "input X", 1, EML_MAX_RANK);
	if (st == EDGEML_OK)
		st = eml_q_check_param(in, 1, names[1], EDGEML_DTYPE_FLOAT32, 0);
	if (st == EDGEML_OK)
		st = eml_q_check_param(in, 2, names[2], in[0]->dtype, 0);
	if (st == EDGEML_OK)
		st = eml_q_check_param(in, 3, names[3], EDGEML_DTYPE_FLOAT32, 0);
	if (st == EDGEML_OK)
		st = eml_q_check_param(in, 4, names[4], in[0]->dtype, 0);
	if (st == EDGEML_OK)
		st = eml_attr_int(node, "axis", -1, &axis);
	if (st == EDGEML_OK)
		st = eml_norm_axis(axis, in[0]->rank, "attribute 'axis'", &a);
	if (st != EDGEML_OK)
		return st;
	return eml_set_output(out, in[0]->dtype, in[0]->rank, in[0]->dims);
}
