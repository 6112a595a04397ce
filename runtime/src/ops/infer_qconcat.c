/* infer_qconcat.c — the edgeml-domain QLinearConcat (docs/ops.md): 8-bit inputs, each with
 * per-tensor parameters, concatenated along axis in Y's parameters. */
#include "error.h"
#include "ops/infer_helpers.h"
#include "ops/infer_qcommon.h"
#include "ops/ops.h"

/* QLinearConcat (Y_scale, Y_zero_point, X1, X1_scale, X1_zero_point, X2, ...) -> Y. */
edgeml_status eml_infer_QLinearConcat(const eml_node *node, const eml_tensor *const *in,
				      eml_tensor *out)
{
	uint32_t n = node->n_inputs, axis;
	int64_t axis_attr;
	if (n < 5 || (n - 2) % 3 != 0)
		return eml_error(EDGEML_ERR_FORMAT, "has %u inputs, expected Y_scale, "
				 "Y_zero_point and one or more (X, X_scale, X_zero_point) triples",
				 n);
	edgeml_status st = eml_q_check_inputs(node, in, n, n, NULL);
	if (st == EDGEML_OK)
		st = eml_check_dtype(in[1], "input Y_zero_point", EML_DT_INT8S);
	if (st == EDGEML_OK)
		st = eml_q_check_param(in, 0, "Y_scale", EDGEML_DTYPE_FLOAT32, 0);
	if (st == EDGEML_OK)
		st = eml_q_check_param(in, 1, "Y_zero_point", in[1]->dtype, 0);
	if (st != EDGEML_OK)
		return st;
	if (!eml_node_attr(node, "axis"))
		return eml_error(EDGEML_ERR_FORMAT, "attribute axis is required");
	st = eml_attr_int(node, "axis", 0, &axis_attr);
	if (st == EDGEML_OK)
		st = eml_norm_axis(axis_attr, in[2]->rank, "attribute axis", &axis);
	if (st != EDGEML_OK)
		return st;
	const eml_tensor *first = in[2];
	int64_t dims[EML_MAX_RANK];
	for (uint32_t d = 0; d < first->rank; d++)
		dims[d] = d == axis ? 0 : first->dims[d];
	for (uint32_t k = 2; k < n; k += 3) {
		const eml_tensor *x = in[k];
		if (x->dtype != in[1]->dtype)
			return eml_error(EDGEML_ERR_SHAPE, "input %u (X) is %s but Y_zero_point is "
					 "%s", k, edgeml_dtype_name((edgeml_dtype)x->dtype),
					 edgeml_dtype_name((edgeml_dtype)in[1]->dtype));
		st = eml_q_check_param(in, k + 1, "X_scale", EDGEML_DTYPE_FLOAT32, 0);
		if (st == EDGEML_OK)
			st = eml_q_check_param(in, k + 2, "X_zero_point", x->dtype, 0);
		if (st != EDGEML_OK)
			return st;
		if (x->rank != first->rank)
			return eml_error(EDGEML_ERR_SHAPE, "input %u has rank %u but input 2 has "
					 "rank %u", k, x->rank, first->rank);
		for (uint32_t d = 0; d < x->rank; d++) {
			if (d != axis && x->dims[d] != first->dims[d])
				return eml_error(EDGEML_ERR_SHAPE, "input %u dim %u is %lld but "
						 "input 2 has %lld", k, d, (long long)x->dims[d],
						 (long long)first->dims[d]);
		}
		if (x->dims[axis] > INT64_MAX - dims[axis])
			return eml_error(EDGEML_ERR_SHAPE, "concatenated axis overflows");
		dims[axis] += x->dims[axis];
	}
	return eml_set_output(out, in[1]->dtype, first->rank, dims);
}
