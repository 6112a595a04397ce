/* infer_helpers.c — the checks shared by the infer functions (see infer_helpers.h). */
#include <math.h>
#include <string.h>

#include "error.h"
#include "ops/infer_helpers.h"

edgeml_status eml_check_arity(const eml_node *node, const eml_tensor *const *in,
			      uint32_t n_required, uint32_t max_in, uint32_t n_out)
{
	if (node->n_inputs < n_required || node->n_inputs > max_in)
		return eml_error(EDGEML_ERR_FORMAT, "has %u inputs, expected %u to %u",
				 node->n_inputs, n_required, max_in);
	for (uint32_t k = 0; k < n_required; k++)
		if (!in[k])
			return eml_error(EDGEML_ERR_FORMAT, "required input %u is absent", k);
	if (node->n_outputs < n_out)
		return eml_error(EDGEML_ERR_FORMAT, "has %u outputs, expected %u",
				 node->n_outputs, n_out);
	for (uint32_t k = 0; k < node->n_outputs; k++) {
		int present = node->outputs[k] != EML_NO_TENSOR;
		if (k < n_out && !present)
			return eml_error(EDGEML_ERR_FORMAT, "output %u is absent", k);
		if (k >= n_out && present)
			return eml_error(EDGEML_ERR_UNSUPPORTED, "optional output %u is not "
					 "supported (only %u output%s)", k, n_out,
					 n_out == 1 ? "" : "s");
	}
	return EDGEML_OK;
}

edgeml_status eml_check_dtype(const eml_tensor *t, const char *what, uint32_t mask)
{
	if (t->dtype < 32 && (mask & EML_DT(t->dtype)))
		return EDGEML_OK;
	char allowed[96] = "";
	static const uint32_t all[] = { EDGEML_DTYPE_FLOAT32, EDGEML_DTYPE_UINT8,
					EDGEML_DTYPE_INT8, EDGEML_DTYPE_INT32,
					EDGEML_DTYPE_INT64 };
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		if (!(mask & EML_DT(all[i])))
			continue;
		if (allowed[0])
			strcat(allowed, ", ");
		strcat(allowed, edgeml_dtype_name((edgeml_dtype)all[i]));
	}
	return eml_error(EDGEML_ERR_UNSUPPORTED, "%s has dtype %s (%u); supported: %s", what,
			 edgeml_dtype_name((edgeml_dtype)t->dtype), t->dtype, allowed);
}

edgeml_status eml_check_same_dtype(const eml_tensor *a, const char *what_a, const eml_tensor *b,
				   const char *what_b)
{
	if (a->dtype == b->dtype)
		return EDGEML_OK;
	return eml_error(EDGEML_ERR_SHAPE, "%s is %s but %s is %s", what_b,
			 edgeml_dtype_name((edgeml_dtype)b->dtype), what_a,
			 edgeml_dtype_name((edgeml_dtype)a->dtype));
}

edgeml_status eml_check_rank(const eml_tensor *t, const char *what, uint32_t lo, uint32_t hi)
{
	if (t->rank >= lo && t->rank <= hi)
		return EDGEML_OK;
	if (lo == hi)
		return eml_error(EDGEML_ERR_SHAPE, "%s has rank %u, expected %u", what, t->rank,
				 lo);
	return eml_error(EDGEML_ERR_SHAPE, "%s has rank %u, expected %u to %u", what, t->rank,
			 lo, hi);
}

edgeml_status eml_set_output(eml_tensor *out, uint32_t dtype, uint32_t rank,
			     const int64_t *dims)
{
	if (rank > EML_MAX_RANK)
		return eml_error(EDGEML_ERR_UNSUPPORTED, "output rank %u exceeds %d", rank,
				 EML_MAX_RANK);
	/* The byte size must fit int64 so that kernels may index with int64 arithmetic. */
	int64_t bytes = (int64_t)edgeml_dtype_size((edgeml_dtype)dtype);
	for (uint32_t i = 0; i < rank; i++) {
		if (dims[i] < 0)
			return eml_error(EDGEML_ERR_SHAPE, "output dim %u = %lld is negative", i,
					 (long long)dims[i]);
		if (dims[i] != 0 && bytes > INT64_MAX / dims[i])
			return eml_error(EDGEML_ERR_SHAPE, "output size overflows (dim %u = %lld)",
					 i, (long long)dims[i]);
		bytes *= dims[i];
	}
	out->dtype = dtype;
	out->rank = rank;
	memset(out->dims, 0, sizeof(out->dims));
	memcpy(out->dims, dims, rank * sizeof(dims[0]));
	return EDGEML_OK;
}

edgeml_status eml_norm_axis(int64_t axis, uint32_t rank, const char *what, uint32_t *out)
{
	if (axis < -(int64_t)rank || axis >= (int64_t)rank)
		return eml_error(EDGEML_ERR_FORMAT, "%s = %lld is out of range [%lld, %lld] for "
				 "rank %u", what, (long long)axis, -(long long)rank,
				 (long long)rank - 1, rank);
	*out = (uint32_t)(axis < 0 ? axis + rank : axis);
	return EDGEML_OK;
}

edgeml_status eml_const_int64s(const eml_tensor *t, const char *what, const int64_t **vals,
			       uint32_t *count)
{
	if (!(t->flags & EML_TF_CONSTANT) || !t->data)
		return eml_error(EDGEML_ERR_UNSUPPORTED, "%s ('%s') must be a constant: shapes "
				 "are static (edgeml convert --constant can freeze it)", what,
				 t->name ? t->name : "");
	if (t->dtype != EDGEML_DTYPE_INT64)
		return eml_error(EDGEML_ERR_FORMAT, "%s must be int64, not %s", what,
				 edgeml_dtype_name((edgeml_dtype)t->dtype));
	if (t->rank > 1)
		return eml_error(EDGEML_ERR_SHAPE, "%s must be 1-D, not rank %u", what, t->rank);
	int64_t n = t->rank ? t->dims[0] : 1;
	if (n < 0 || n > 4 * EML_MAX_RANK || t->data_size != (uint64_t)n * sizeof(int64_t))
		return eml_error(EDGEML_ERR_SHAPE, "%s has %lld elements (%llu bytes); at most "
				 "%d expected", what, (long long)n,
				 (unsigned long long)t->data_size, 4 * EML_MAX_RANK);
	*vals = t->data;
	*count = (uint32_t)n;
	return EDGEML_OK;
}

edgeml_status eml_fused_activation(const eml_node *node, float *lo, float *hi)
{
	edgeml_status st = eml_attr_float(node, "activation_min", -INFINITY, lo);
	if (st == EDGEML_OK)
		st = eml_attr_float(node, "activation_max", INFINITY, hi);
	if (st != EDGEML_OK)
		return st;
	if (isnan(*lo) || isnan(*hi) || *lo > *hi)
		return eml_error(EDGEML_ERR_FORMAT, "attributes activation_min = %g and "
				 "activation_max = %g do not form a range", (double)*lo,
				 (double)*hi);
	return EDGEML_OK;
}

edgeml_status eml_fused_activation_fn(const eml_node *node, uint32_t *fn, float *alpha,
				      float *beta)
{
	int64_t v;
	edgeml_status st = eml_attr_int(node, "activation_fn", EML_ACT_FN_NONE, &v);
	if (st == EDGEML_OK)
		st = eml_attr_float(node, "activation_alpha", 0.2f, alpha);
	if (st == EDGEML_OK)
		st = eml_attr_float(node, "activation_beta", 0.5f, beta);
	if (st != EDGEML_OK)
		return st;
	if (v < 0 || v >= EML_ACT_FN_COUNT)
		return eml_error(EDGEML_ERR_FORMAT, "attribute activation_fn = %lld is not 0 (none), "
				 "1 (Sigmoid), 2 (Swish), 3 (HardSwish) or 4 (HardSigmoid)",
				 (long long)v);
	*fn = (uint32_t)v;
	return EDGEML_OK;
}
