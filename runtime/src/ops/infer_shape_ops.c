/* infer_shape_ops.c — outputs of the data-movement ops that work on any dtype: Concat,
 * Reshape, Flatten, Squeeze, Unsqueeze, Transpose, Identity. */
#include <string.h>

#include "error.h"
#include "ops/infer_helpers.h"
#include "ops/ops.h"

/* Identity: any dtype, same shape. */
edgeml_status eml_infer_Identity(const eml_node *node, const eml_tensor *const *in,
				 eml_tensor *out)
{
	edgeml_status st = eml_check_arity(node, in, 1, 1, 1);
	if (st == EDGEML_OK)
		st = eml_check_dtype(in[0], "input X", EML_DT_ANY);
	if (st != EDGEML_OK)
		return st;
	return eml_set_output(&out[0], in[0]->dtype, in[0]->rank, in[0]->dims);
}

/* Concat (X1, X2, ...): one dtype and rank, dims equal except on attribute axis. */
edgeml_status eml_infer_Concat(const eml_node *node, const eml_tensor *const *in,
			       eml_tensor *out)
{
	if (node->n_inputs < 1)
		return eml_error(EDGEML_ERR_FORMAT, "needs at least one input");
	edgeml_status st = eml_check_arity(node, in, node->n_inputs, node->n_inputs, 1);
	if (st == EDGEML_OK)
		st = eml_check_dtype(in[0], "input 0", EML_DT_ANY);
	if (st == EDGEML_OK)
		st = eml_check_rank(in[0], "input 0", 1, EML_MAX_RANK);
	if (st != EDGEML_OK)
		return st;
	if (!eml_node_attr(node, "axis"))
		return eml_error(EDGEML_ERR_FORMAT, "attribute 'axis' is required");
	int64_t axis;
	uint32_t a;
	st = eml_attr_int(node, "axis", 0, &axis);
	if (st == EDGEML_OK)
		st = eml_norm_axis(axis, in[0]->rank, "attribute 'axis'", &a);
	if (st != EDGEML_OK)
		return st;
	int64_t dims[EML_MAX_RANK];
	memcpy(dims, in[0]->dims, sizeof(dims));
	for (uint32_t k = 1; k < node->n_inputs; k++) {
		const eml_tensor *t = in[k];
		if (t->dtype != in[0]->dtype || t->rank != in[0]->rank)
			return eml_error(EDGEML_ERR_SHAPE, "input %u (%s, rank %u) differs from "
					 "input 0 (%s, rank %u)", k,
					 edgeml_dtype_name((edgeml_dtype)t->dtype), t->rank,
					 edgeml_dtype_name((edgeml_dtype)in[0]->dtype),
					 in[0]->rank);
		for (uint32_t i = 0; i < t->rank; i++) {
			if (i != a && t->dims[i] != dims[i])
				return eml_error(EDGEML_ERR_SHAPE, "input %u dim %u = %lld differs "
						 "from input 0's %lld", k, i,
						 (long long)t->dims[i], (long long)dims[i]);
		}
		if (t->dims[a] < 0 || t->dims[a] > INT64_MAX - dims[a])
			return eml_error(EDGEML_ERR_SHAPE, "input %u: concatenated dim overflows",
					 k);
		dims[a] += t->dims[a];
	}
	return eml_set_output(&out[0], in[0]->dtype, in[0]->rank, dims);
}

/* Element count of dims, or -1 when it overflows int64. */
static int64_t count_elems(uint32_t rank, const int64_t *dims)
{
	int64_t n = 1;
	for (uint32_t i = 0; i < rank; i++) {
		if (dims[i] < 0 || (dims[i] != 0 && n > INT64_MAX / dims[i]))
			return -1;
		n *= dims[i];
	}
	return n;
}

/* Reshape (data, shape): shape is a constant int64; 0 copies the input dim (unless
 * allowzero = 1) and one -1 takes what is left of the element count. */
edgeml_status eml_infer_Reshape(const eml_node *node, const eml_tensor *const *in,
				eml_tensor *out)
{
	edgeml_status st = eml_check_arity(node, in, 2, 2, 1);
	if (st == EDGEML_OK)
		st = eml_check_dtype(in[0], "input data", EML_DT_ANY);
	int64_t allowzero;
	if (st == EDGEML_OK)
		st = eml_attr_int(node, "allowzero", 0, &allowzero);
	const int64_t *shape;
	uint32_t n;
	if (st == EDGEML_OK)
		st = eml_const_int64s(in[1], "input shape", &shape, &n);
	if (st != EDGEML_OK)
		return st;
	if (n > EML_MAX_RANK)
		return eml_error(EDGEML_ERR_UNSUPPORTED, "input shape has %u dims; at most %d",
				 n, EML_MAX_RANK);
	int64_t dims[EML_MAX_RANK];
	int infer_at = -1;
	for (uint32_t i = 0; i < n; i++) {
		dims[i] = shape[i];
		if (shape[i] == -1) {
			if (infer_at >= 0)
				return eml_error(EDGEML_ERR_FORMAT, "input shape has more than one "
						 "-1");
			infer_at = (int)i;
			dims[i] = 1;
		} else if (shape[i] == 0 && !allowzero) {
			if (i >= in[0]->rank)
				return eml_error(EDGEML_ERR_SHAPE, "input shape[%u] = 0 copies a "
						 "dim the data (rank %u) lacks", i, in[0]->rank);
			dims[i] = in[0]->dims[i];
		} else if (shape[i] < 0) {
			return eml_error(EDGEML_ERR_FORMAT, "input shape[%u] = %lld is invalid", i,
					 (long long)shape[i]);
		}
	}
	int64_t total = count_elems(in[0]->rank, in[0]->dims);
	int64_t known = count_elems(n, dims);
	if (total < 0 || known < 0)
		return eml_error(EDGEML_ERR_SHAPE, "element count overflows");
	if (infer_at >= 0) {
		if (known == 0 || total % known != 0)
			return eml_error(EDGEML_ERR_SHAPE, "cannot infer the -1 dim: %lld elements "
					 "do not divide by %lld", (long long)total,
					 (long long)known);
		dims[infer_at] = total / known;
	} else if (known != total) {
		return eml_error(EDGEML_ERR_SHAPE, "reshaping %lld elements into %lld",
				 (long long)total, (long long)known);
	}
	return eml_set_output(&out[0], in[0]->dtype, n, dims);
}

/* Flatten: [d0 * ... * d(axis-1), d(axis) * ... ]; axis in [-rank, rank], default 1. */
edgeml_status eml_infer_Flatten(const eml_node *node, const eml_tensor *const *in,
				eml_tensor *out)
{
	edgeml_status st = eml_check_arity(node, in, 1, 1, 1);
	if (st == EDGEML_OK)
		st = eml_check_dtype(in[0], "input X", EML_DT_ANY);
	int64_t axis;
	uint32_t a;
	if (st == EDGEML_OK)
		st = eml_attr_int(node, "axis", 1, &axis);
	if (st != EDGEML_OK)
		return st;
	/* Unlike most axes, axis == rank is valid: the inner dim is then 1. */
	int64_t rank = in[0]->rank;
	if (axis < -rank || axis > rank)
		return eml_error(EDGEML_ERR_FORMAT, "attribute 'axis' = %lld is out of range "
				 "[%lld, %lld]", (long long)axis, (long long)-rank,
				 (long long)rank);
	a = (uint32_t)(axis < 0 ? axis + rank : axis);
	int64_t dims[2] = { count_elems(a, in[0]->dims),
			    count_elems(in[0]->rank - a, &in[0]->dims[a]) };
	if (dims[0] < 0 || dims[1] < 0)
		return eml_error(EDGEML_ERR_SHAPE, "element count overflows");
	return eml_set_output(&out[0], in[0]->dtype, 2, dims);
}

/* Reads the axes input of Squeeze/Unsqueeze into a bit set over [0, rank), rejecting
 * out-of-range and duplicated axes. */
static edgeml_status read_axes(const eml_tensor *t, uint32_t rank, uint32_t *set)
{
	const int64_t *axes;
	uint32_t n;
	edgeml_status st = eml_const_int64s(t, "input axes", &axes, &n);
	if (st != EDGEML_OK)
		return st;
	*set = 0;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t a;
		st = eml_norm_axis(axes[i], rank, "input axes value", &a);
		if (st != EDGEML_OK)
			return st;
		if (*set & (1u << a))
			return eml_error(EDGEML_ERR_FORMAT, "input axes repeats axis %lld",
					 (long long)axes[i]);
		*set |= 1u << a;
	}
	return EDGEML_OK;
}

/* Squeeze (data, axes): removes the listed dims (each must be 1), or every 1 without axes. */
edgeml_status eml_infer_Squeeze(const eml_node *node, const eml_tensor *const *in,
				eml_tensor *out)
{
	edgeml_status st = eml_check_arity(node, in, 1, 2, 1);
	if (st == EDGEML_OK)
		st = eml_check_dtype(in[0], "input data", EML_DT_ANY);
	if (st != EDGEML_OK)
		return st;
	const eml_tensor *x = in[0], *axes = eml_in(node, in, 1);
	uint32_t set = 0;
	if (axes) {
		st = read_axes(axes, x->rank, &set);
		if (st != EDGEML_OK)
			return st;
	} else {
		for (uint32_t i = 0; i < x->rank; i++)
			if (x->dims[i] == 1)
				set |= 1u << i;
	}
	int64_t dims[EML_MAX_RANK];
	uint32_t rank = 0;
	for (uint32_t i = 0; i < x->rank; i++) {
		if (!(set & (1u << i)))
			dims[rank++] = x->dims[i];
		else if (x->dims[i] != 1)
			return eml_error(EDGEML_ERR_SHAPE, "cannot squeeze axis %u of size %lld", i,
					 (long long)x->dims[i]);
	}
	return eml_set_output(&out[0], x->dtype, rank, dims);
}

/* Unsqueeze (data, axes): inserts 1s at the listed positions of the output. */
edgeml_status eml_infer_Unsqueeze(const eml_node *node, const eml_tensor *const *in,
				  eml_tensor *out)
{
	edgeml_status st = eml_check_arity(node, in, 2, 2, 1);
	if (st == EDGEML_OK)
		st = eml_check_dtype(in[0], "input data", EML_DT_ANY);
	const int64_t *axes;
	uint32_t n;
	if (st == EDGEML_OK)
		st = eml_const_int64s(in[1], "input axes", &axes, &n);
	if (st != EDGEML_OK)
		return st;
	const eml_tensor *x = in[0];
	if (x->rank + n > EML_MAX_RANK)
		return eml_error(EDGEML_ERR_UNSUPPORTED, "output rank %u exceeds %d",
				 x->rank + n, EML_MAX_RANK);
	uint32_t rank = x->rank + n, set;
	st = read_axes(in[1], rank, &set);
	if (st != EDGEML_OK)
		return st;
	int64_t dims[EML_MAX_RANK];
	for (uint32_t i = 0, j = 0; i < rank; i++)
		dims[i] = (set & (1u << i)) ? 1 : x->dims[j++];
	return eml_set_output(&out[0], x->dtype, rank, dims);
}

/* Transpose: output dim i is input dim perm[i]; perm defaults to reversing the axes. */
edgeml_status eml_infer_Transpose(const eml_node *node, const eml_tensor *const *in,
				  eml_tensor *out)
{
	edgeml_status st = eml_check_arity(node, in, 1, 1, 1);
	if (st == EDGEML_OK)
		st = eml_check_dtype(in[0], "input data", EML_DT_ANY);
	const int64_t *perm = NULL;
	uint32_t n = 0;
	if (st == EDGEML_OK)
		st = eml_attr_ints(node, "perm", &perm, &n);
	if (st != EDGEML_OK)
		return st;
	const eml_tensor *x = in[0];
	int64_t dims[EML_MAX_RANK];
	if (!perm) {
		for (uint32_t i = 0; i < x->rank; i++)
			dims[i] = x->dims[x->rank - 1 - i];
		return eml_set_output(&out[0], x->dtype, x->rank, dims);
	}
	if (n != x->rank)
		return eml_error(EDGEML_ERR_FORMAT, "attribute 'perm' has %u values for rank %u", n,
				 x->rank);
	uint32_t seen = 0;
	for (uint32_t i = 0; i < n; i++) {
		if (perm[i] < 0 || perm[i] >= (int64_t)n || (seen & (1u << perm[i])))
			return eml_error(EDGEML_ERR_FORMAT, "attribute 'perm' is not a permutation "
					 "of 0..%u (value %u = %lld)", n - 1, i,
					 (long long)perm[i]);
		seen |= 1u << perm[i];
		dims[i] = x->dims[perm[i]];
	}
	return eml_set_output(&out[0], x->dtype, x->rank, dims);
}
