/* infer_pad.c — output of Pad (constant, reflect, edge) with constant pads. */
#include <string.h>

#include "error.h"
#include "ops/infer_helpers.h"
#include "ops/ops.h"
#include "ops/pad_params.h"

/* Decodes Pad's mode, pads and axes (see pad_params.h); shared with the kernel. */
edgeml_status eml_pad_params(const eml_node *node, const eml_tensor *const *in,
			     int64_t *begin, int64_t *end, int *mode)
{
	const eml_tensor *x = in[0], *axes_t = eml_in(node, in, 3);
	const char *m;
	edgeml_status st = eml_attr_string(node, "mode", "constant", &m);
	if (st != EDGEML_OK)
		return st;
	if (strcmp(m, "constant") == 0)
		*mode = EML_PAD_CONSTANT;
	else if (strcmp(m, "reflect") == 0)
		*mode = EML_PAD_REFLECT;
	else if (strcmp(m, "edge") == 0)
		*mode = EML_PAD_EDGE;
	else
		return eml_error(EDGEML_ERR_UNSUPPORTED, "attribute 'mode' = '%s'; supported: "
				 "constant, reflect, edge", m);
	const int64_t *pads, *axes = NULL;
	uint32_t n, n_axes = x->rank;
	st = eml_const_int64s(in[1], "input pads", &pads, &n);
	if (st == EDGEML_OK && axes_t)
		st = eml_const_int64s(axes_t, "input axes", &axes, &n_axes);
	if (st != EDGEML_OK)
		return st;
	if (n != 2 * n_axes)
		return eml_error(EDGEML_ERR_SHAPE, "input pads has %u values, expected %u (2 per "
				 "padded axis)", n, 2 * n_axes);
	memset(begin, 0, EML_MAX_RANK * sizeof(begin[0]));
	memset(end, 0, EML_MAX_RANK * sizeof(end[0]));
	uint32_t seen = 0;
	for (uint32_t i = 0; i < n_axes; i++) {
		uint32_t a = i;
		if (axes) {
			st = eml_norm_axis(axes[i], x->rank, "input axes value", &a);
			if (st != EDGEML_OK)
				return st;
			if (seen & (1u << a))
				return eml_error(EDGEML_ERR_FORMAT, "input axes repeats axis %u",
						 a);
			seen |= 1u << a;
		}
		int64_t d = x->dims[a], b = pads[i], e = pads[n_axes + i];
		/* Negative pads crop; the result must keep at least one element. */
		if (b < -d || e < -d || b > INT32_MAX || e > INT32_MAX || d + b + e < 1)
			return eml_error(EDGEML_ERR_SHAPE, "pads (%lld, %lld) on axis %u of size "
					 "%lld leave no elements or are too large", (long long)b,
					 (long long)e, a, (long long)d);
		if (*mode == EML_PAD_REFLECT && (b >= d || e >= d))
			return eml_error(EDGEML_ERR_SHAPE, "reflect pads (%lld, %lld) on axis %u "
					 "must be smaller than its size %lld", (long long)b,
					 (long long)e, a, (long long)d);
		begin[a] = b;
		end[a] = e;
	}
	return EDGEML_OK;
}

/* Pad (data, pads, constant_value, axes): pads and axes constant int64; constant_value an
 * optional scalar of data's dtype. */
edgeml_status eml_infer_Pad(const eml_node *node, const eml_tensor *const *in, eml_tensor *out)
{
	edgeml_status st = eml_check_arity(node, in, 2, 4, 1);
	if (st == EDGEML_OK)
		st = eml_check_dtype(in[0], "input data", EML_DT_ANY);
	if (st == EDGEML_OK)
		st = eml_check_rank(in[0], "input data", 1, EML_MAX_RANK);
	if (st != EDGEML_OK)
		return st;
	const eml_tensor *cv = eml_in(node, in, 2);
	if (cv) {
		st = eml_check_same_dtype(in[0], "input data", cv, "input constant_value");
		if (st != EDGEML_OK)
			return st;
		if (eml_tensor_numel(cv) > 1)
			return eml_error(EDGEML_ERR_SHAPE, "input constant_value must be a scalar");
	}
	int64_t begin[EML_MAX_RANK], end[EML_MAX_RANK], dims[EML_MAX_RANK];
	int mode;
	st = eml_pad_params(node, in, begin, end, &mode);
	if (st != EDGEML_OK)
		return st;
	for (uint32_t i = 0; i < in[0]->rank; i++)
		dims[i] = in[0]->dims[i] + begin[i] + end[i];
	return eml_set_output(&out[0], in[0]->dtype, in[0]->rank, dims);
}
