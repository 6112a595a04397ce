/* infer_layernorm.c — outputs of LayerNormalization (opset 17, float32). */
#include <math.h>

#include "error.h"
#include "ops/infer_helpers.h"
#include "ops/ops.h"

/* LayerNormalization (X, Scale, B) -> Y, Mean, InvStdDev: normalizes over the axes
 * [axis, rank) (axis default -1, epsilon default 1e-5); Scale and the optional B broadcast
 * to X's dims [axis, rank) (unidirectionally); the optional Mean and InvStdDev have X's dims
 * with [axis, rank) set to 1. */
edgeml_status eml_infer_LayerNormalization(const eml_node *node, const eml_tensor *const *in,
					   eml_tensor *out)
{
	if (node->n_outputs < 1 || node->n_outputs > 3 || node->outputs[0] == EML_NO_TENSOR)
		return eml_error(EDGEML_ERR_FORMAT, "has %u outputs; expects Y and optionally "
				 "Mean and InvStdDev", node->n_outputs);
	if (node->n_inputs < 2 || node->n_inputs > 3 || !in[0] || !in[1])
		return eml_error(EDGEML_ERR_FORMAT, "has %u inputs; expects X, Scale and "
				 "optionally B", node->n_inputs);
	edgeml_status st = eml_check_dtype(in[0], "input X", EML_DT_FLOAT);
	if (st == EDGEML_OK)
		st = eml_check_rank(in[0], "input X", 1, EML_MAX_RANK);
	const eml_tensor *x = in[0];
	int64_t axis;
	uint32_t a;
	float eps;
	if (st == EDGEML_OK)
		st = eml_attr_int(node, "axis", -1, &axis);
	if (st == EDGEML_OK)
		st = eml_norm_axis(axis, x->rank, "attribute 'axis'", &a);
	if (st == EDGEML_OK)
		st = eml_attr_float(node, "epsilon", 1e-5f, &eps);
	if (st != EDGEML_OK)
		return st;
	if (!(eps >= 0.0f) || isinf(eps))
		return eml_error(EDGEML_ERR_FORMAT, "attribute 'epsilon' = %g must be finite and "
				 ">= 0", (double)eps);
	static const char *const names[] = { "", "input Scale", "input B" };
	for (uint32_t k = 1; k < 3; k++) {
		const eml_tensor *t = eml_in(node, in, k);
		if (!t)
			continue;
		st = eml_check_same_dtype(x, "input X", t, names[k]);
		if (st != EDGEML_OK)
			return st;
		if (t->rank > x->rank - a)
			return eml_error(EDGEML_ERR_SHAPE, "%s has rank %u; the normalized dims "
					 "are %u", names[k], t->rank, x->rank - a);
		for (uint32_t i = 0; i < t->rank; i++) {
			int64_t want = x->dims[x->rank - t->rank + i];
			if (t->dims[i] != want && t->dims[i] != 1)
				return eml_error(EDGEML_ERR_SHAPE, "%s dim %u = %lld does not "
						 "broadcast to X's %lld", names[k], i,
						 (long long)t->dims[i], (long long)want);
		}
	}
	st = eml_set_output(&out[0], x->dtype, x->rank, x->dims);
	int64_t dims[EML_MAX_RANK];
	for (uint32_t d = 0; d < x->rank; d++)
		dims[d] = d < a ? x->dims[d] : 1;
	for (uint32_t k = 1; k < node->n_outputs && st == EDGEML_OK; k++)
		if (node->outputs[k] != EML_NO_TENSOR)
			st = eml_set_output(&out[k], x->dtype, x->rank, dims);
	return st;
}
