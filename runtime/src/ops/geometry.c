/* geometry.c — sliding-window output sizes and padding of convolutions and pools (ONNX). */
#include <string.h>

#include "error.h"
#include "ops/geometry.h"

/* Every window quantity is capped here, so sums and products of two of them fit in int64. */
#define GEOM_MAX_VALUE INT32_MAX

/* Reads an optional INTS attribute of exactly want elements, each in [lo, GEOM_MAX_VALUE],
 * into dst; dst keeps its defaults when the attribute is absent. */
static edgeml_status read_window_ints(const eml_node *node, const char *name, uint32_t want,
				      int64_t lo, int64_t *dst)
{
	const int64_t *v = NULL;
	uint32_t n = 0;
	edgeml_status st = eml_attr_ints(node, name, &v, &n);
	if (st != EDGEML_OK)
		return st;
	if (!v)
		return EDGEML_OK;
	if (n != want)
		return eml_error(EDGEML_ERR_FORMAT, "attribute '%s' has %u values, expected %u",
				 name, n, want);
	for (uint32_t i = 0; i < n; i++) {
		if (v[i] < lo || v[i] > GEOM_MAX_VALUE)
			return eml_error(EDGEML_ERR_FORMAT,
					 "attribute '%s'[%u] = %lld is out of range [%lld, %d]",
					 name, i, (long long)v[i], (long long)lo, GEOM_MAX_VALUE);
		dst[i] = v[i];
	}
	return EDGEML_OK;
}

/* Reads the kernel dims: from the caller (convolution weights) or the kernel_shape attribute,
 * checking that both agree when a convolution also carries the attribute. */
static edgeml_status read_kernel(const eml_node *node, uint32_t n, const int64_t *kernel,
				 eml_window_geom *g)
{
	int64_t attr[EML_MAX_SPATIAL] = { 0 };
	const eml_attr *a = eml_node_attr(node, "kernel_shape");
	edgeml_status st = read_window_ints(node, "kernel_shape", n, 1, attr);
	if (st != EDGEML_OK)
		return st;
	if (!kernel) {
		if (!a)
			return eml_error(EDGEML_ERR_FORMAT, "attribute 'kernel_shape' is required");
		memcpy(g->kernel, attr, n * sizeof(attr[0]));
		return EDGEML_OK;
	}
	for (uint32_t i = 0; i < n; i++) {
		if (kernel[i] < 1 || kernel[i] > GEOM_MAX_VALUE)
			return eml_error(EDGEML_ERR_SHAPE, "kernel spatial dim %u = %lld is out of "
					 "range [1, %d]", i, (long long)kernel[i], GEOM_MAX_VALUE);
		if (a && attr[i] != kernel[i])
			return eml_error(EDGEML_ERR_SHAPE, "attribute 'kernel_shape'[%u] = %lld "
					 "disagrees with the weights' spatial dim %lld", i,
					 (long long)attr[i], (long long)kernel[i]);
		g->kernel[i] = kernel[i];
	}
	return EDGEML_OK;
}

/* Output size of one explicitly padded axis; ceil_mode drops a last window that would start
 * in the end padding, as ONNX and PyTorch do. */
static int64_t explicit_out(const eml_window_geom *g, uint32_t i, int ceil_mode)
{
	int64_t span = g->in[i] + g->pad_begin[i] + g->pad_end[i] -
		       ((g->kernel[i] - 1) * g->dilation[i] + 1);
	if (span < 0)
		return 0;
	int64_t out = span / g->stride[i] + 1;
	if (ceil_mode && span % g->stride[i] != 0) {
		out++;
		if ((out - 1) * g->stride[i] >= g->in[i] + g->pad_begin[i])
			out--;
	}
	return out;
}

edgeml_status eml_window_geometry(const eml_node *node, uint32_t n_spatial,
				  const int64_t *in_spatial, const int64_t *kernel, int is_pool,
				  eml_window_geom *g)
{
	if (n_spatial < 1 || n_spatial > EML_MAX_SPATIAL)
		return eml_error(EDGEML_ERR_UNSUPPORTED, "%u spatial dims; 1 to %d are supported",
				 n_spatial, EML_MAX_SPATIAL);
	memset(g, 0, sizeof(*g));
	g->n_spatial = n_spatial;
	for (uint32_t i = 0; i < n_spatial; i++) {
		if (in_spatial[i] < 1 || in_spatial[i] > GEOM_MAX_VALUE)
			return eml_error(EDGEML_ERR_SHAPE, "input spatial dim %u = %lld is out of "
					 "range [1, %d]", i, (long long)in_spatial[i],
					 GEOM_MAX_VALUE);
		g->in[i] = in_spatial[i];
		g->stride[i] = 1;
		g->dilation[i] = 1;
	}
	edgeml_status st = read_kernel(node, n_spatial, kernel, g);
	if (st == EDGEML_OK)
		st = read_window_ints(node, "strides", n_spatial, 1, g->stride);
	if (st == EDGEML_OK)
		st = read_window_ints(node, "dilations", n_spatial, 1, g->dilation);
	int64_t pads[2 * EML_MAX_SPATIAL] = { 0 };
	if (st == EDGEML_OK)
		st = read_window_ints(node, "pads", 2 * n_spatial, 0, pads);
	int64_t ceil_mode = 0;
	if (st == EDGEML_OK && is_pool)
		st = eml_attr_int(node, "ceil_mode", 0, &ceil_mode);
	const char *auto_pad = "NOTSET";
	if (st == EDGEML_OK)
		st = eml_attr_string(node, "auto_pad", "NOTSET", &auto_pad);
	if (st != EDGEML_OK)
		return st;
	if (ceil_mode != 0 && ceil_mode != 1)
		return eml_error(EDGEML_ERR_FORMAT, "attribute 'ceil_mode' = %lld must be 0 or 1",
				 (long long)ceil_mode);

	int same_upper = strcmp(auto_pad, "SAME_UPPER") == 0;
	int same_lower = strcmp(auto_pad, "SAME_LOWER") == 0;
	int valid = strcmp(auto_pad, "VALID") == 0;
	if (!same_upper && !same_lower && !valid && strcmp(auto_pad, "NOTSET") != 0)
		return eml_error(EDGEML_ERR_FORMAT, "attribute 'auto_pad' = '%s' is not NOTSET, "
				 "SAME_UPPER, SAME_LOWER or VALID", auto_pad);

	for (uint32_t i = 0; i < n_spatial; i++) {
		int64_t eff_kernel = (g->kernel[i] - 1) * g->dilation[i] + 1;
		if (same_upper || same_lower) {
			/* SAME: out = ceil(in / stride), the padding split evenly, the odd
			 * element at the end (UPPER) or the beginning (LOWER). */
			g->out[i] = (g->in[i] + g->stride[i] - 1) / g->stride[i];
			int64_t total = (g->out[i] - 1) * g->stride[i] + eff_kernel - g->in[i];
			if (total < 0)
				total = 0;
			g->pad_begin[i] = same_upper ? total / 2 : total - total / 2;
			g->pad_end[i] = total - g->pad_begin[i];
		} else {
			if (!valid) {
				g->pad_begin[i] = pads[i];
				g->pad_end[i] = pads[n_spatial + i];
			}
			if (is_pool && (g->pad_begin[i] >= g->kernel[i] ||
					g->pad_end[i] >= g->kernel[i]))
				return eml_error(EDGEML_ERR_FORMAT, "attribute 'pads' on spatial "
						 "axis %u (%lld, %lld) must be smaller than the "
						 "kernel (%lld)", i, (long long)g->pad_begin[i],
						 (long long)g->pad_end[i], (long long)g->kernel[i]);
			g->out[i] = explicit_out(g, i, (int)ceil_mode);
		}
		if (g->out[i] < 1)
			return eml_error(EDGEML_ERR_SHAPE, "spatial axis %u: input %lld with "
					 "padding (%lld, %lld) is smaller than the dilated kernel %lld", i,
					 (long long)g->in[i], (long long)g->pad_begin[i],
					 (long long)g->pad_end[i], (long long)eff_kernel);
	}
	return EDGEML_OK;
}
