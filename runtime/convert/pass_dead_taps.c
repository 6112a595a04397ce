/*
 * pass_dead_taps.c — dropping the kernel taps of a Conv or QLinearConv that only ever read
 * padding. A dilated convolution on a feature map smaller than its dilation (DeepLabV3's
 * ASPP branches, dilation 12 to 36, at 224 x 224 input: a 28 x 28 map) has whole rows and
 * columns of taps that fall in the padding for every output; the kernel is cut to the taps
 * that read the input at least once, and the padding to match, so the output keeps its
 * size and its values: a padding tap adds 0 * w (float; the weights dropped are checked
 * finite) or (zero point - zero point) * w (int8), which leaves every sum as it was. A 3 x 3
 * convolution with dilation 36 on 28 x 28 becomes a 1 x 1 one (9x fewer MACs) that the fast
 * pointwise kernels take.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "convert/convert_steps.h"
#include "error.h"
#include "ops/geometry.h"
#include "ops/ops.h"

/* The taps [*lo, *hi] of one spatial axis that read the input for some output; 0 when none
 * does (the axis is left alone). */
static int live_taps(const eml_window_geom *geo, uint32_t a, int64_t *lo, int64_t *hi)
{
	*lo = -1;
	*hi = -1;
	for (int64_t t = 0; t < geo->kernel[a]; t++) {
		for (int64_t o = 0; o < geo->out[a]; o++) {
			int64_t pos = o * geo->stride[a] - geo->pad_begin[a] + t * geo->dilation[a];
			if (pos >= 0 && pos < geo->in[a]) {
				if (*lo < 0)
					*lo = t;
				*hi = t;
				break;
			}
		}
	}
	return *lo >= 0;
}

/* Cuts node's kernel to the live taps when some are dead; *done when it did. */
static edgeml_status cut(cv_graph *g, uint32_t node, int *done)
{
	cv_node *n = &g->nodes[node];
	uint32_t wi = n->op == EML_OP_Conv ? 1 : 3;
	if (n->n_inputs <= wi || n->inputs[0] == EML_NO_TENSOR || n->inputs[wi] == EML_NO_TENSOR)
		return EDGEML_OK;
	uint32_t x = n->inputs[0], w = n->inputs[wi];
	const eml_tensor *xt = &g->tensors[x].t, *wt = &g->tensors[w].t;
	if (!g->tensors[x].shape_known || !cv_is_constant(g, w) || xt->rank < 3 ||
	    xt->rank > 4 || wt->rank != xt->rank ||
	    (n->op == EML_OP_Conv ? wt->dtype != EDGEML_DTYPE_FLOAT32
				  : wt->dtype != EDGEML_DTYPE_INT8 &&
					    wt->dtype != EDGEML_DTYPE_UINT8))
		return EDGEML_OK;
	uint32_t ns = xt->rank - 2;
	eml_node view;
	eml_window_geom geo;
	cv_node_view(g, node, &view);
	if (eml_window_geometry(&view, ns, &xt->dims[2], &wt->dims[2], 0, &geo) != EDGEML_OK)
		return EDGEML_OK; /* inference reports what is wrong */
	int64_t lo[2], hi[2], k[2], pb[2], pe[2];
	int cuts = 0;
	for (uint32_t a = 0; a < ns; a++) {
		if (!live_taps(&geo, a, &lo[a], &hi[a]))
			return EDGEML_OK;
		k[a] = hi[a] - lo[a] + 1;
		pb[a] = geo.pad_begin[a] - lo[a] * geo.dilation[a];
		/* the padding at the end that keeps the output size */
		pe[a] = (geo.out[a] - 1) * geo.stride[a] + (k[a] - 1) * geo.dilation[a] + 1 -
			geo.in[a] - pb[a];
		if (pb[a] < 0 || pe[a] < 0)
			return EDGEML_OK;
		cuts |= k[a] != geo.kernel[a];
	}
	if (!cuts)
		return EDGEML_OK;
	/* the weights kept: [M, C/group, taps of axis 0 (, of axis 1)] */
	size_t es = edgeml_dtype_size((edgeml_dtype)wt->dtype);
	int64_t rows = wt->dims[0] * wt->dims[1], kh = ns == 2 ? geo.kernel[0] : 1;
	int64_t kw = geo.kernel[ns - 1], nkh = ns == 2 ? k[0] : 1, nkw = k[ns - 1];
	int64_t lo_h = ns == 2 ? lo[0] : 0, lo_w = lo[ns - 1];
	const uint8_t *src = wt->data;
	if (wt->dtype == EDGEML_DTYPE_FLOAT32) {
		/* a dropped tap's product must be 0: an infinite or NaN weight would not give it */
		for (int64_t i = 0; i < eml_tensor_numel(wt); i++) {
			float v;
			memcpy(&v, src + (size_t)i * 4, 4);
			if (!isfinite(v))
				return EDGEML_OK;
		}
	}
	uint8_t *dst = malloc((size_t)(rows * nkh * nkw) * es + 1);
	if (!dst)
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory cutting node '%s'", n->name);
	for (int64_t r = 0; r < rows; r++)
		for (int64_t y = 0; y < nkh; y++)
			memcpy(dst + (size_t)((r * nkh + y) * nkw) * es,
			       src + (size_t)((r * kh + lo_h + y) * kw + lo_w) * es,
			       (size_t)nkw * es);
	int64_t dims[EML_MAX_RANK];
	memcpy(dims, wt->dims, sizeof(dims));
	for (uint32_t a = 0; a < ns; a++)
		dims[2 + a] = k[a];
	uint32_t nw;
	edgeml_status st = cv_add_constant(g, cv_tensor_name(g, w), wt->dtype, wt->rank, dims, dst,
					   (uint64_t)(rows * nkh * nkw) * es, &nw);
	free(dst);
	int64_t pads[4] = { 0 };
	for (uint32_t a = 0; a < ns; a++) {
		pads[a] = pb[a];
		pads[ns + a] = pe[a];
	}
	if (!st)
		st = cv_set_attr_ints(g, node, "pads", pads, 2 * ns);
	if (!st)
		st = cv_set_attr_ints(g, node, "kernel_shape", k, ns);
	if (st)
		return st;
	cv_remove_attr(g, node, "auto_pad");
	g->nodes[node].inputs[wi] = nw;
	*done = 1;
	return EDGEML_OK;
}

edgeml_status cv_pass_dead_taps(cv_graph *g, uint32_t *count)
{
	for (uint32_t i = 0; i < g->n_nodes; i++) {
		const cv_node *n = &g->nodes[i];
		if (n->dead || (n->op != EML_OP_Conv && n->op != EML_OP_QLinearConv))
			continue;
		int done = 0;
		edgeml_status st = cut(g, i, &done);
		if (st)
			return st;
		*count += (uint32_t)done;
	}
	return EDGEML_OK;
}
