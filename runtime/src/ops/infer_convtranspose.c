/* infer_convtranspose.c — outputs of ConvTranspose (float32, 1-3 spatial dims). */
#include <string.h>

#include "error.h"
#include "ops/convtranspose_params.h"
#include "ops/infer_helpers.h"
#include "ops/ops.h"

/* Reads an optional INTS attribute of n values in [lo, EML_CONVT_MAX_VALUE] into v. */
static edgeml_status read_ints(const eml_node *node, const char *name, uint32_t n, int64_t lo,
			       int64_t *v, int *present)
{
	const int64_t *a = NULL;
	uint32_t count = 0;
	edgeml_status st = eml_attr_ints(node, name, &a, &count);
	if (st != EDGEML_OK)
		return st;
	if (present)
		*present = a != NULL;
	if (!a)
		return EDGEML_OK;
	if (count != n)
		return eml_error(EDGEML_ERR_FORMAT, "attribute '%s' has %u values, expected %u",
				 name, count, n);
	for (uint32_t i = 0; i < n; i++) {
		if (a[i] < lo || a[i] > EML_CONVT_MAX_VALUE)
			return eml_error(EDGEML_ERR_FORMAT, "attribute '%s'[%u] = %lld is outside "
					 "[%lld, %d]", name, i, (long long)a[i], (long long)lo,
					 EML_CONVT_MAX_VALUE);
		v[i] = a[i];
	}
	return EDGEML_OK;
}

edgeml_status eml_convt_geometry(const eml_node *node, const eml_tensor *const *in,
				 eml_convt_geom *g)
{
	const eml_tensor *x = in[0], *w = in[1];
	memset(g, 0, sizeof(*g));
	if (x->rank < 3 || x->rank > 2 + EML_MAX_SPATIAL || w->rank != x->rank)
		return eml_error(EDGEML_ERR_SHAPE, "X (rank %u) and W (rank %u) must have the "
				 "same rank, 3 to %d", x->rank, w->rank, 2 + EML_MAX_SPATIAL);
	uint32_t ns = x->rank - 2;
	edgeml_status st = eml_attr_int(node, "group", 1, &g->group);
	if (st != EDGEML_OK)
		return st;
	g->c_in = x->dims[1];
	if (g->group < 1 || g->c_in % g->group != 0 || w->dims[0] != g->c_in)
		return eml_error(EDGEML_ERR_SHAPE, "group = %lld must divide X's %lld channels, "
				 "and W's dim 0 (%lld) must equal them", (long long)g->group,
				 (long long)g->c_in, (long long)w->dims[0]);
	g->m_out = w->dims[1] * g->group;
	eml_window_geom *wg = &g->w;
	wg->n_spatial = ns;
	int64_t opad[EML_MAX_SPATIAL] = { 0 }, oshape[EML_MAX_SPATIAL] = { 0 };
	int64_t pads[2 * EML_MAX_SPATIAL] = { 0 };
	int kernel_given, have_oshape;
	for (uint32_t i = 0; i < ns; i++) {
		wg->in[i] = x->dims[2 + i];
		wg->kernel[i] = w->dims[2 + i];
		wg->stride[i] = wg->dilation[i] = 1;
		if (wg->in[i] < 1 || wg->in[i] > EML_CONVT_MAX_VALUE || wg->kernel[i] < 1 ||
		    wg->kernel[i] > EML_CONVT_MAX_VALUE)
			return eml_error(EDGEML_ERR_SHAPE, "spatial dim %u: input %lld and kernel "
					 "%lld must be in [1, %d]", i, (long long)wg->in[i],
					 (long long)wg->kernel[i], EML_CONVT_MAX_VALUE);
	}
	int64_t ks[EML_MAX_SPATIAL];
	st = read_ints(node, "kernel_shape", ns, 1, ks, &kernel_given);
	for (uint32_t i = 0; st == EDGEML_OK && kernel_given && i < ns; i++)
		if (ks[i] != wg->kernel[i])
			return eml_error(EDGEML_ERR_SHAPE, "attribute 'kernel_shape'[%u] = %lld "
					 "differs from W's %lld", i, (long long)ks[i],
					 (long long)wg->kernel[i]);
	if (st == EDGEML_OK)
		st = read_ints(node, "strides", ns, 1, wg->stride, NULL);
	if (st == EDGEML_OK)
		st = read_ints(node, "dilations", ns, 1, wg->dilation, NULL);
	if (st == EDGEML_OK)
		st = read_ints(node, "pads", 2 * ns, 0, pads, NULL);
	if (st == EDGEML_OK)
		st = read_ints(node, "output_padding", ns, 0, opad, NULL);
	if (st == EDGEML_OK)
		st = read_ints(node, "output_shape", ns, 1, oshape, &have_oshape);
	const char *auto_pad = "NOTSET";
	if (st == EDGEML_OK)
		st = eml_attr_string(node, "auto_pad", "NOTSET", &auto_pad);
	if (st != EDGEML_OK)
		return st;
	int upper = strcmp(auto_pad, "SAME_UPPER") == 0, lower = strcmp(auto_pad, "SAME_LOWER") == 0;
	int valid = strcmp(auto_pad, "VALID") == 0;
	if (!upper && !lower && !valid && strcmp(auto_pad, "NOTSET") != 0)
		return eml_error(EDGEML_ERR_FORMAT, "attribute 'auto_pad' = '%s' is not NOTSET, "
				 "SAME_UPPER, SAME_LOWER or VALID", auto_pad);
	for (uint32_t i = 0; i < ns; i++) {
		if (opad[i] >= wg->stride[i] && opad[i] >= wg->dilation[i])
			return eml_error(EDGEML_ERR_FORMAT, "attribute 'output_padding'[%u] = %lld "
					 "must be less than the stride or the dilation", i,
					 (long long)opad[i]);
		int64_t full = wg->stride[i] * (wg->in[i] - 1) + opad[i] +
			       (wg->kernel[i] - 1) * wg->dilation[i] + 1;
		wg->out[i] = -1;
		if (have_oshape || upper || lower) {
			/* A shape larger than the input gives (no padding to take away) is
			 * reached by output padding at the end, as ONNX's tests and ONNX Runtime
			 * do. */
			int64_t want = have_oshape ? oshape[i] : wg->in[i] * wg->stride[i];
			int64_t total = full > want ? full - want : 0;
			if (want > EML_CONVT_MAX_VALUE)
				return eml_error(EDGEML_ERR_SHAPE, "spatial dim %u: output %lld "
						 "exceeds %d", i, (long long)want,
						 EML_CONVT_MAX_VALUE);
			wg->pad_begin[i] = upper ? total / 2 : total - total / 2;
			wg->pad_end[i] = total - wg->pad_begin[i];
			wg->out[i] = want;
		} else if (!valid) {
			wg->pad_begin[i] = pads[i];
			wg->pad_end[i] = pads[ns + i];
		}
		if (wg->out[i] < 0)
			wg->out[i] = full - wg->pad_begin[i] - wg->pad_end[i];
		if (wg->out[i] < 1)
			return eml_error(EDGEML_ERR_SHAPE, "spatial dim %u: pads %lld + %lld leave "
					 "no output", i, (long long)wg->pad_begin[i],
					 (long long)wg->pad_end[i]);
	}
	return EDGEML_OK;
}

/* ConvTranspose (X, W, B) -> Y [N, M, out...]; B, if present, is [M]. */
edgeml_status eml_infer_ConvTranspose(const eml_node *node, const eml_tensor *const *in,
				      eml_tensor *out)
{
	edgeml_status st = eml_check_arity(node, in, 2, 3, 1);
	if (st == EDGEML_OK)
		st = eml_check_dtype(in[0], "input X", EML_DT_FLOAT);
	if (st == EDGEML_OK)
		st = eml_check_same_dtype(in[0], "input X", in[1], "input W");
	eml_convt_geom g;
	float lo, hi;
	if (st == EDGEML_OK)
		st = eml_convt_geometry(node, in, &g);
	if (st == EDGEML_OK)
		st = eml_fused_activation(node, &lo, &hi);
	if (st != EDGEML_OK)
		return st;
	const eml_tensor *b = eml_in(node, in, 2);
	if (b) {
		st = eml_check_same_dtype(in[0], "input X", b, "input B");
		if (st != EDGEML_OK)
			return st;
		if (b->rank != 1 || b->dims[0] != g.m_out)
			return eml_error(EDGEML_ERR_SHAPE, "input B must be [%lld]",
					 (long long)g.m_out);
	}
	int64_t dims[EML_MAX_RANK];
	dims[0] = in[0]->dims[0];
	dims[1] = g.m_out;
	for (uint32_t i = 0; i < g.w.n_spatial; i++)
		dims[2 + i] = g.w.out[i];
	return eml_set_output(&out[0], EDGEML_DTYPE_FLOAT32, in[0]->rank, dims);
}
