/* infer_qeltwise.c — the edgeml-domain QLinearAdd and QLinearMul (docs/ops.md): per-tensor
 * parameters, A, B and C of one 8-bit type, numpy broadcasting. */
#include "error.h"
#include "ops/broadcast.h"
#include "ops/infer_helpers.h"
#include "ops/infer_qcommon.h"
#include "ops/ops.h"

/* (A, A_scale, [A_zero_point], B, B_scale, [B_zero_point], C_scale, [C_zero_point]) -> C. */
static edgeml_status infer_qbinary(const eml_node *node, const eml_tensor *const *in,
				   eml_tensor *out)
{
	static const char *const names[] = { "A", "A_scale", "A_zero_point", "B", "B_scale",
					     "B_zero_point", "C_scale", "C_zero_point" };
	uint32_t rank;
	int64_t dims[EML_MAX_RANK];
	float lo, hi;
	edgeml_status st = eml_q_check_inputs(node, in, 2, 8, names);
	if (st != EDGEML_OK)
		return st;
	if (node->n_inputs < 7 || !in[3] || !in[4] || !in[6])
		return eml_error(EDGEML_ERR_FORMAT, "inputs 3 (B), 4 (B_scale) and 6 (C_scale) "
				 "are required");
	st = eml_check_dtype(in[0], names[0], EML_DT_INT8S);
	if (st == EDGEML_OK)
		st = eml_check_same_dtype(in[0], names[0], in[3], names[3]);
	for (uint32_t k = 1; k < node->n_inputs && st == EDGEML_OK; k++) {
		if (k == 3)
			continue;
		/* Scales at 1, 4, 6; zero points at 2, 5, 7, all of A's type. */
		int is_scale = k == 1 || k == 4 || k == 6;
		st = eml_q_check_param(in, k, names[k],
				       is_scale ? EDGEML_DTYPE_FLOAT32 : in[0]->dtype, 0);
	}
	if (st == EDGEML_OK)
		st = eml_broadcast_shape(in[0], in[3], &rank, dims);
	if (st == EDGEML_OK)
		st = eml_fused_activation(node, &lo, &hi);
	if (st != EDGEML_OK)
		return st;
	return eml_set_output(out, in[0]->dtype, rank, dims);
}

/* QLinearAdd: C = quantize(dequantize(A) + dequantize(B)). */
edgeml_status eml_infer_QLinearAdd(const eml_node *node, const eml_tensor *const *in,
				   eml_tensor *out)
{
	return infer_qbinary(node, in, out);
}

/* QLinearMul: C = quantize(dequantize(A) * dequantize(B)). */
edgeml_status eml_infer_QLinearMul(const eml_node *node, const eml_tensor *const *in,
				   eml_tensor *out)
{
	return infer_qbinary(node, in, out);
}
