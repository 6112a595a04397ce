/* infer_conv.c — output of the float Conv: 1-D to 3-D, groups, optional bias. */
#include "error.h"
#include "ops/geometry.h"
#include "ops/infer_helpers.h"
#include "ops/ops.h"

/* Conv (X, W, B): X [N, C, D...], W [M, C/group, K...], B [M]; output [N, M, O...]. */
edgeml_status eml_infer_Conv(const eml_node *node, const eml_tensor *const *in, eml_tensor *out)
{
	edgeml_status st = eml_check_arity(node, in, 2, 3, 1);
	if (st == EDGEML_OK)
		st = eml_check_dtype(in[0], "input X", EML_DT_FLOAT);
	if (st == EDGEML_OK)
		st = eml_check_dtype(in[1], "input W", EML_DT_FLOAT);
	if (st == EDGEML_OK)
		st = eml_check_rank(in[0], "input X", 3, 2 + EML_MAX_SPATIAL);
	if (st == EDGEML_OK)
		st = eml_check_rank(in[1], "input W", in[0]->rank, in[0]->rank);
	int64_t group;
	if (st == EDGEML_OK)
		st = eml_attr_int(node, "group", 1, &group);
	float lo, hi;
	if (st == EDGEML_OK)
		st = eml_fused_activation(node, &lo, &hi);
	uint32_t fn;
	float fn_alpha, fn_beta;
	if (st == EDGEML_OK)
		st = eml_fused_activation_fn(node, &fn, &fn_alpha, &fn_beta);
	if (st != EDGEML_OK)
		return st;

	const eml_tensor *x = in[0], *w = in[1], *b = eml_in(node, in, 2);
	int64_t c = x->dims[1], m = w->dims[0];
	if (group < 1 || group > c || c % group != 0)
		return eml_error(EDGEML_ERR_FORMAT, "attribute 'group' = %lld must divide the %lld "
				 "input channels", (long long)group, (long long)c);
	if (w->dims[1] != c / group)
		return eml_error(EDGEML_ERR_SHAPE, "input W has %lld input channels per group, "
				 "expected %lld (%lld channels / group %lld)",
				 (long long)w->dims[1], (long long)(c / group), (long long)c,
				 (long long)group);
	if (m < 1 || m % group != 0)
		return eml_error(EDGEML_ERR_SHAPE, "input W has %lld output channels, not a "
				 "positive multiple of group %lld", (long long)m, (long long)group);
	if (b) {
		st = eml_check_dtype(b, "input B", EML_DT_FLOAT);
		if (st != EDGEML_OK)
			return st;
		if (b->rank != 1 || b->dims[0] != m)
			return eml_error(EDGEML_ERR_SHAPE, "input B must have shape [%lld] (the "
					 "output channels)", (long long)m);
	}
	eml_window_geom g;
	uint32_t n_spatial = x->rank - 2;
	st = eml_window_geometry(node, n_spatial, &x->dims[2], &w->dims[2], 0, &g);
	if (st != EDGEML_OK)
		return st;
	int64_t dims[EML_MAX_RANK] = { x->dims[0], m };
	for (uint32_t i = 0; i < n_spatial; i++)
		dims[2 + i] = g.out[i];
	return eml_set_output(&out[0], EDGEML_DTYPE_FLOAT32, x->rank, dims);
}
