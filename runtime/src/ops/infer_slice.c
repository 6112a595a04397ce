/* infer_slice.c — outputs of Slice and Split (any dtype): data movement whose boxes are
 * fixed at conversion by constant starts/ends/axes/steps and split sizes. */
#include <string.h>

#include "error.h"
#include "ops/infer_helpers.h"
#include "ops/ops.h"
#include "ops/slice_params.h"

edgeml_status eml_slice_params(const eml_node *node, const eml_tensor *const *in,
			       int64_t *start, int64_t *step, int64_t *dims)
{
	static const char *const roles[4] = { "input starts", "input ends", "input axes",
					      "input steps" };
	const eml_tensor *x = in[0];
	const int64_t *v[4] = { NULL, NULL, NULL, NULL };
	uint32_t n[4] = { 0, 0, 0, 0 };
	for (uint32_t k = 0; k < 4; k++) {
		const eml_tensor *t = eml_in(node, in, k + 1);
		if (!t) {
			if (k < 2)
				return eml_error(EDGEML_ERR_FORMAT, "%s is required", roles[k]);
			continue;
		}
		edgeml_status st = eml_const_int64s(t, roles[k], &v[k], &n[k]);
		if (st != EDGEML_OK)
			return st;
		if (n[k] != n[0])
			return eml_error(EDGEML_ERR_SHAPE, "%s has %u elements, input starts %u",
					 roles[k], n[k], n[0]);
	}
	if (n[0] > x->rank)
		return eml_error(EDGEML_ERR_SHAPE, "input starts has %u elements; data has rank %u",
				 n[0], x->rank);
	for (uint32_t d = 0; d < x->rank; d++) {
		start[d] = 0;
		step[d] = 1;
		dims[d] = x->dims[d];
	}
	uint32_t seen = 0;
	for (uint32_t i = 0; i < n[0]; i++) {
		uint32_t a = i;
		if (v[2]) {
			edgeml_status st = eml_norm_axis(v[2][i], x->rank, "input axes", &a);
			if (st != EDGEML_OK)
				return st;
		}
		if (seen & (1u << a))
			return eml_error(EDGEML_ERR_FORMAT, "input axes names axis %u twice", a);
		seen |= 1u << a;
		int64_t dim = x->dims[a], s = v[3] ? v[3][i] : 1, b = v[0][i], e = v[1][i];
		if (s == 0)
			return eml_error(EDGEML_ERR_FORMAT, "input steps[%u] is 0", i);
		if (s == INT64_MIN)
			s = -INT64_MAX; /* the same slice, and -s stays defined */
		b = b < 0 ? (b < -dim ? -dim : b) + dim : b;
		e = e < 0 ? (e < -dim ? -dim - 1 : e) + dim : e;
		if (s > 0) {
			b = b > dim ? dim : b;
			e = e > dim ? dim : e;
			dims[a] = e > b ? (e - b - 1) / s + 1 : 0;
		} else {
			b = b > dim - 1 ? dim - 1 : b;
			e = e > dim - 1 ? dim - 1 : e;
			dims[a] = b > e ? (b - e - 1) / (-s) + 1 : 0;
		}
		start[a] = dims[a] ? b : 0;
		step[a] = s;
	}
	return EDGEML_OK;
}

/* Slice (data, starts, ends, axes, steps): any dtype; the parameters are constants. */
edgeml_status eml_infer_Slice(const eml_node *node, const eml_tensor *const *in,
			      eml_tensor *out)
{
	edgeml_status st = eml_check_arity(node, in, 3, 5, 1);
	if (st == EDGEML_OK)
		st = eml_check_dtype(in[0], "input data", EML_DT_ANY);
	int64_t start[EML_MAX_RANK], step[EML_MAX_RANK], dims[EML_MAX_RANK];
	if (st == EDGEML_OK)
		st = eml_slice_params(node, in, start, step, dims);
	if (st != EDGEML_OK)
		return st;
	return eml_set_output(&out[0], in[0]->dtype, in[0]->rank, dims);
}
