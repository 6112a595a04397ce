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

edgeml_status eml_split_part(const eml_node *node, const eml_tensor *const *in, uint32_t k,
			     uint32_t *axis, int64_t *first, int64_t *len)
{
	const eml_tensor *x = in[0], *split = eml_in(node, in, 1);
	int64_t a, parts;
	edgeml_status st = eml_attr_int(node, "axis", 0, &a);
	if (st == EDGEML_OK)
		st = eml_norm_axis(a, x->rank, "attribute 'axis'", axis);
	if (st == EDGEML_OK)
		st = eml_attr_int(node, "num_outputs", 0, &parts);
	if (st != EDGEML_OK)
		return st;
	int64_t dim = x->dims[*axis], n = node->n_outputs;
	if (split) {
		const int64_t *v;
		uint32_t count;
		st = eml_const_int64s(split, "input split", &v, &count);
		if (st != EDGEML_OK)
			return st;
		if (count != n)
			return eml_error(EDGEML_ERR_SHAPE, "input split has %u sizes for %lld "
					 "outputs", count, (long long)n);
		int64_t sum = 0;
		for (uint32_t i = 0; i < count; i++) {
			if (v[i] < 0 || v[i] > dim - sum)
				return eml_error(EDGEML_ERR_SHAPE, "input split sizes (split[%u] = "
						 "%lld) do not add up to axis %u's %lld", i,
						 (long long)v[i], *axis, (long long)dim);
			if (i == k)
				*first = sum;
			sum += v[i];
		}
		if (sum != dim)
			return eml_error(EDGEML_ERR_SHAPE, "input split sizes add up to %lld, not "
					 "axis %u's %lld", (long long)sum, *axis, (long long)dim);
		*len = v[k];
		return EDGEML_OK;
	}
	if (eml_node_attr(node, "num_outputs") && parts != n)
		return eml_error(EDGEML_ERR_FORMAT, "attribute num_outputs = %lld but the node "
				 "has %lld outputs", (long long)parts, (long long)n);
	if (n < 1)
		return eml_error(EDGEML_ERR_FORMAT, "needs at least one output");
	int64_t chunk = dim / n + (dim % n != 0);
	if (dim % n != 0 && !eml_node_attr(node, "num_outputs"))
		return eml_error(EDGEML_ERR_SHAPE, "axis %u's %lld does not split into %lld equal "
				 "parts (give input split)", *axis, (long long)dim, (long long)n);
	*first = chunk * k < dim ? chunk * k : dim;
	*len = dim - *first < chunk ? dim - *first : chunk;
	return EDGEML_OK;
}

/* Split (input, split) -> outputs: any dtype; the sizes are constants. */
edgeml_status eml_infer_Split(const eml_node *node, const eml_tensor *const *in,
			      eml_tensor *out)
{
	edgeml_status st = eml_check_arity(node, in, 1, 2, node->n_outputs);
	if (st == EDGEML_OK)
		st = eml_check_dtype(in[0], "input", EML_DT_ANY);
	if (st == EDGEML_OK)
		st = eml_check_rank(in[0], "input", 1, EML_MAX_RANK);
	if (st != EDGEML_OK)
		return st;
	for (uint32_t k = 0; k < node->n_outputs; k++) {
		uint32_t axis;
		int64_t first, len, dims[EML_MAX_RANK];
		st = eml_split_part(node, in, k, &axis, &first, &len);
		if (st != EDGEML_OK)
			return st;
		memcpy(dims, in[0]->dims, sizeof(dims));
		dims[axis] = len;
		st = eml_set_output(&out[k], in[0]->dtype, in[0]->rank, dims);
		if (st != EDGEML_OK)
			return st;
	}
	return EDGEML_OK;
}
