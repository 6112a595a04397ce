/* infer_resize.c — output of Resize (nearest, n-linear) from constant scales or sizes. */
#include <math.h>
#include <string.h>

#include "error.h"
#include "ops/infer_helpers.h"
#include "ops/ops.h"
#include "ops/resize_params.h"

/* Index of s in names[n], or -1. */
static int lookup(const char *s, const char *const *names, int n)
{
	for (int i = 0; i < n; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

/* Reads a string attribute that must be one of names (indices match the enum). */
static edgeml_status read_choice(const eml_node *node, const char *attr, const char *dflt,
				 const char *const *names, int n, int *out)
{
	const char *s;
	edgeml_status st = eml_attr_string(node, attr, dflt, &s);
	if (st != EDGEML_OK)
		return st;
	*out = lookup(s, names, n);
	if (*out < 0)
		return eml_error(EDGEML_ERR_UNSUPPORTED, "attribute '%s' = '%s' is not supported",
				 attr, s);
	return EDGEML_OK;
}

/* Checks that an int attribute has the only value edgeml supports. */
static edgeml_status require_int(const eml_node *node, const char *attr, int64_t want)
{
	int64_t v;
	edgeml_status st = eml_attr_int(node, attr, want, &v);
	if (st == EDGEML_OK && v != want)
		return eml_error(EDGEML_ERR_UNSUPPORTED, "attribute '%s' = %lld; only %lld is "
				 "supported", attr, (long long)v, (long long)want);
	return st;
}

/* Reads the attributes other than the sizes. */
static edgeml_status read_attrs(const eml_node *node, eml_resize_params *p)
{
	static const char *const modes[] = { "nearest", "linear" };
	static const char *const coords[] = { "half_pixel", "pytorch_half_pixel",
					      "align_corners", "asymmetric",
					      "tf_half_pixel_for_nn" };
	static const char *const nearest[] = { "round_prefer_floor", "round_prefer_ceil",
					       "floor", "ceil" };
	const char *policy;
	edgeml_status st = read_choice(node, "mode", "nearest", modes, 2, &p->mode);
	if (st == EDGEML_OK)
		st = read_choice(node, "coordinate_transformation_mode", "half_pixel", coords, 5,
				 &p->coord);
	if (st == EDGEML_OK)
		st = read_choice(node, "nearest_mode", "round_prefer_floor", nearest, 4,
				 &p->nearest);
	if (st == EDGEML_OK)
		st = require_int(node, "exclude_outside", 0);
	if (st == EDGEML_OK)
		st = require_int(node, "antialias", 0);
	if (st == EDGEML_OK)
		st = eml_attr_string(node, "keep_aspect_ratio_policy", "stretch", &policy);
	if (st == EDGEML_OK && strcmp(policy, "stretch") != 0)
		return eml_error(EDGEML_ERR_UNSUPPORTED, "attribute 'keep_aspect_ratio_policy' = "
				 "'%s'; only stretch is supported", policy);
	return st;
}

/* Reads the constant scales (float32) or sizes (int64) input into scale/out per axis. */
static edgeml_status read_sizes(const eml_node *node, const eml_tensor *const *in,
				eml_resize_params *p)
{
	const eml_tensor *x = in[0], *scales = eml_in(node, in, 2), *sizes = eml_in(node, in, 3);
	if (scales && eml_tensor_numel(scales) == 0)
		scales = NULL;
	if (sizes && eml_tensor_numel(sizes) == 0)
		sizes = NULL;
	if (!scales == !sizes)
		return eml_error(EDGEML_ERR_FORMAT, "exactly one of the inputs scales and sizes "
				 "must be given");
	const eml_tensor *t = scales ? scales : sizes;
	const char *what = scales ? "input scales" : "input sizes";
	if (!(t->flags & EML_TF_CONSTANT) || !t->data)
		return eml_error(EDGEML_ERR_UNSUPPORTED, "%s ('%s') must be a constant: shapes are "
				 "static", what, t->name ? t->name : "");
	uint32_t want = scales ? EDGEML_DTYPE_FLOAT32 : EDGEML_DTYPE_INT64;
	size_t esize = scales ? sizeof(float) : sizeof(int64_t);
	int64_t n = eml_tensor_numel(t);
	if (t->dtype != want || t->rank != 1 || n > EML_MAX_RANK ||
	    t->data_size != (uint64_t)n * esize)
		return eml_error(EDGEML_ERR_FORMAT, "%s must be 1-D %s of at most %d values", what,
				 edgeml_dtype_name((edgeml_dtype)want), EML_MAX_RANK);

	/* The optional axes attribute lists which axes the values apply to. */
	const int64_t *axes = NULL;
	uint32_t n_axes = x->rank, axis_of[EML_MAX_RANK], seen = 0;
	edgeml_status st = eml_attr_ints(node, "axes", &axes, &n_axes);
	if (st != EDGEML_OK)
		return st;
	if (n_axes != (uint32_t)n)
		return eml_error(EDGEML_ERR_SHAPE, "%s has %lld values for %u axes", what,
				 (long long)n, n_axes);
	for (uint32_t i = 0; i < n_axes; i++) {
		axis_of[i] = i;
		if (axes) {
			st = eml_norm_axis(axes[i], x->rank, "attribute 'axes' value", &axis_of[i]);
			if (st != EDGEML_OK)
				return st;
			if (seen & (1u << axis_of[i]))
				return eml_error(EDGEML_ERR_FORMAT, "attribute 'axes' repeats %u",
						 axis_of[i]);
			seen |= 1u << axis_of[i];
		}
	}
	for (uint32_t i = 0; i < x->rank; i++) {
		p->out[i] = x->dims[i];
		p->scale[i] = 1.0f;
	}
	for (uint32_t i = 0; i < n_axes; i++) {
		uint32_t a = axis_of[i];
		float in_dim = (float)x->dims[a];
		if (scales) {
			float s;
			memcpy(&s, (const char *)t->data + i * sizeof(float), sizeof(s));
			if (!(s > 0.0f) || !isfinite(s) || in_dim * s >= (float)INT32_MAX)
				return eml_error(EDGEML_ERR_FORMAT, "input scales[%u] = %g is not "
						 "a positive scale giving a representable size", i,
						 (double)s);
			p->scale[a] = s;
			p->out[a] = (int64_t)floorf(in_dim * s);
		} else {
			int64_t sz;
			memcpy(&sz, (const char *)t->data + i * sizeof(int64_t), sizeof(sz));
			if (sz < 1 || sz > INT32_MAX)
				return eml_error(EDGEML_ERR_FORMAT, "input sizes[%u] = %lld is out "
						 "of range [1, %d]", i, (long long)sz, INT32_MAX);
			p->out[a] = sz;
			p->scale[a] = (float)sz / in_dim;
		}
		if (p->out[a] < 1)
			return eml_error(EDGEML_ERR_SHAPE, "axis %u resizes to no elements", a);
	}
	return EDGEML_OK;
}

/* Decodes Resize's parameters (see resize_params.h); shared with the kernel. */
edgeml_status eml_resize_params_get(const eml_node *node, const eml_tensor *const *in,
				    eml_resize_params *p)
{
	memset(p, 0, sizeof(*p));
	p->rank = in[0]->rank;
	for (uint32_t i = 0; i < p->rank; i++)
		if (in[0]->dims[i] < 1)
			return eml_error(EDGEML_ERR_SHAPE, "input X dim %u is empty", i);
	edgeml_status st = read_attrs(node, p);
	if (st == EDGEML_OK)
		st = read_sizes(node, in, p);
	return st;
}

/* Resize (X, roi, scales, sizes): float32 X in both modes; uint8/int8 X in nearest mode,
 * which only moves data. roi is ignored (tf_crop_and_resize is not supported). */
edgeml_status eml_infer_Resize(const eml_node *node, const eml_tensor *const *in,
			       eml_tensor *out)
{
	edgeml_status st = eml_check_arity(node, in, 1, 4, 1);
	if (st == EDGEML_OK)
		st = eml_check_dtype(in[0], "input X", EML_DT_FLOAT | EML_DT_INT8S);
	if (st == EDGEML_OK)
		st = eml_check_rank(in[0], "input X", 1, EML_MAX_RANK);
	eml_resize_params p;
	if (st == EDGEML_OK)
		st = eml_resize_params_get(node, in, &p);
	if (st != EDGEML_OK)
		return st;
	if (p.mode == EML_RESIZE_LINEAR && in[0]->dtype != EDGEML_DTYPE_FLOAT32)
		return eml_error(EDGEML_ERR_UNSUPPORTED, "linear mode needs float32 X, not %s",
				 edgeml_dtype_name((edgeml_dtype)in[0]->dtype));
	return eml_set_output(&out[0], in[0]->dtype, in[0]->rank, p.out);
}
