/*
 * pass_batchnorm.c — folding an inference-mode BatchNormalization into the float Conv or
 * ConvTranspose that feeds it: W'[c] = W[c] * s[c] / sqrt(var[c] + eps), b'[c] = (b[c] - mean[c]) * s[c] /
 * sqrt(var[c] + eps) + B[c], computed in fp32 as ONNX Runtime's Conv+BN fusion does.
 * Then a Mul or Add by a constant scalar or per-channel vector after a float Conv or
 * ConvTranspose (PP-OCR's learnable affine blocks, scale * conv + bias; its head's
 * ConvTranspose + Add of the bias + BN) is folded the same way: W' = W * s, b' = b * s, or
 * b' = b + t. In ConvTranspose's W [C, M/group, k...] output channel m of group g is
 * (c, m - g * M/group) for the group's input channels c. Last, a Mul or Add by a constant
 * scalar whose output only a 1x1 unpadded Conv reads is folded into that Conv (W' = W * s,
 * b' = b + t * sum of W's row).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "convert/convert_steps.h"
#include "error.h"
#include "ops/ops.h"

#define NO_INDEX UINT32_MAX

/* Whether t is a constant float32 vector of m elements. */
static int float_vector(const cv_graph *g, uint32_t t, int64_t m)
{
	if (t == EML_NO_TENSOR || !cv_is_constant(g, t))
		return 0;
	const eml_tensor *d = &g->tensors[t].t;
	return d->dtype == EDGEML_DTYPE_FLOAT32 && d->rank == 1 && d->dims[0] == m;
}

/* Element i of a float32 constant. */
static float fget(const cv_graph *g, uint32_t t, int64_t i)
{
	float v;
	memcpy(&v, (const uint8_t *)g->tensors[t].t.data + i * 4, 4);
	return v;
}

/* The output channels of a float Conv or ConvTranspose node whose W is a constant: m, and
 * how its weights map to them. Returns 0 when the node does not qualify. */
typedef struct wmap {
	int64_t m;	      /* output channels */
	int64_t per;	      /* Conv: weights per output channel */
	int64_t mpg, cpg, kvol; /* ConvTranspose: W [C, mpg, kernel...] */
	int convt;
} wmap;

static int weight_map(const cv_graph *g, uint32_t node, wmap *wm)
{
	const cv_node *c = &g->nodes[node];
	uint32_t w = c->n_inputs > 1 ? c->inputs[1] : EML_NO_TENSOR;
	if (w == EML_NO_TENSOR || !cv_is_constant(g, w) ||
	    g->tensors[w].t.dtype != EDGEML_DTYPE_FLOAT32 || g->tensors[w].t.rank < 3)
		return 0;
	const eml_tensor *wd = &g->tensors[w].t;
	memset(wm, 0, sizeof(*wm));
	wm->convt = c->op == EML_OP_ConvTranspose;
	if (!wm->convt) {
		wm->m = wd->dims[0];
		wm->per = wm->m > 0 ? eml_tensor_numel(wd) / wm->m : 0;
		return wm->m > 0;
	}
	eml_node view;
	int64_t group;
	cv_node_view(g, node, &view);
	if (eml_attr_int(&view, "group", 1, &group) || group < 1 || wd->dims[0] % group)
		return 0;
	wm->cpg = wd->dims[0] / group;
	wm->mpg = wd->dims[1];
	wm->m = wm->mpg * group;
	wm->kvol = wm->cpg && wm->mpg ? eml_tensor_numel(wd) / (wd->dims[0] * wm->mpg) : 0;
	return wm->m > 0 && wm->kvol > 0;
}

/* The output channel weight i of the node belongs to. */
static int64_t out_channel(const wmap *wm, int64_t i)
{
	if (!wm->convt)
		return i / wm->per;
	int64_t cm = i / wm->kvol, c = cm / wm->mpg;
	return (c / wm->cpg) * wm->mpg + cm % wm->mpg;
}

/* Gives node (Conv or ConvTranspose) the weights W[i] * scale[channel] (scale NULL: W as
 * is) and the bias nb[m], and makes it write the output of the folded node `from`. */
static edgeml_status refit(cv_graph *g, uint32_t node, const wmap *wm, const float *scale,
			   const float *nb, uint32_t from, int *done)
{
	uint32_t w = g->nodes[node].inputs[1];
	const eml_tensor *wd = &g->tensors[w].t;
	int64_t nwn = eml_tensor_numel(wd), m = wm->m;
	uint32_t tw = w, tb;
	edgeml_status st = EDGEML_OK;
	if (scale) {
		float *nw = malloc((size_t)nwn * sizeof(float) + 1);
		if (!nw)
			return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory folding node '%s'",
					 g->nodes[from].name);
		for (int64_t i = 0; i < nwn; i++)
			nw[i] = fget(g, w, i) * scale[out_channel(wm, i)];
		int64_t dims[EML_MAX_RANK];
		memcpy(dims, wd->dims, sizeof(dims));
		st = cv_add_constant(g, cv_tensor_name(g, w), EDGEML_DTYPE_FLOAT32, wd->rank, dims,
				     nw, (uint64_t)nwn * 4, &tw);
		free(nw);
	}
	if (!st)
		st = cv_add_constant(g, cv_tensor_name(g, w), EDGEML_DTYPE_FLOAT32, 1, &m, nb,
				     (uint64_t)m * 4, &tb);
	if (!st)
		st = cv_resize_inputs(g, node, 3);
	if (st)
		return st;
	g->nodes[node].inputs[1] = tw;
	g->nodes[node].inputs[2] = tb;
	g->nodes[node].outputs[0] = g->nodes[from].outputs[0];
	g->nodes[from].dead = 1;
	cv_update_producers(g);
	*done = 1;
	return EDGEML_OK;
}

/* Folds BN node bn into the Conv or ConvTranspose conv. */
static edgeml_status fold(cv_graph *g, uint32_t conv, uint32_t bn, int *done)
{
	const cv_node *c = &g->nodes[conv], *b = &g->nodes[bn];
	wmap wm;
	if (b->n_inputs != 5 || !weight_map(g, conv, &wm))
		return EDGEML_OK;
	int64_t m = wm.m;
	uint32_t bias = c->n_inputs > 2 ? c->inputs[2] : EML_NO_TENSOR;
	if (bias != EML_NO_TENSOR && !float_vector(g, bias, m))
		return EDGEML_OK;
	for (uint32_t k = 1; k < 5; k++)
		if (!float_vector(g, b->inputs[k], m))
			return EDGEML_OK;
	eml_node view;
	float eps;
	cv_node_view(g, bn, &view);
	if (eml_attr_float(&view, "epsilon", 1e-5f, &eps))
		return EDGEML_OK;
	float *inv = malloc((size_t)m * sizeof(float));
	float *nb = malloc((size_t)m * sizeof(float));
	edgeml_status st = EDGEML_OK;
	if (!inv || !nb) {
		st = eml_error(EDGEML_ERR_NO_MEMORY, "out of memory folding node '%s'", b->name);
		goto out;
	}
	for (int64_t o = 0; o < m; o++) {
		inv[o] = fget(g, b->inputs[1], o) / sqrtf(fget(g, b->inputs[4], o) + eps);
		float b0 = bias != EML_NO_TENSOR ? fget(g, bias, o) : 0.0f;
		nb[o] = (b0 - fget(g, b->inputs[3], o)) * inv[o] + fget(g, b->inputs[2], o);
	}
	st = refit(g, conv, &wm, inv, nb, bn, done);
out:
	free(inv);
	free(nb);
	return st;
}

/* Whether t is a finite float32 constant that broadcasts over an output of rank dims whose
 * axis 1 has m channels without changing its shape: one value, or one per channel ([m, 1,
 * 1], [1, m, 1, 1] ...). *per_channel says which. */
static int const_affine(const cv_graph *g, uint32_t t, uint32_t rank, int64_t m,
			int *per_channel)
{
	if (t == EML_NO_TENSOR || !cv_is_constant(g, t))
		return 0;
	const eml_tensor *d = &g->tensors[t].t;
	int64_t n = eml_tensor_numel(d);
	if (d->dtype != EDGEML_DTYPE_FLOAT32 || d->rank > rank || !d->data || (n != 1 && n != m))
		return 0;
	for (uint32_t i = 0; n != 1 && i < d->rank; i++) {
		uint32_t axis = rank - d->rank + i;
		if (d->dims[i] != (axis == 1 ? m : 1))
			return 0;
	}
	for (int64_t i = 0; i < n; i++)
		if (!isfinite(fget(g, t, i)))
			return 0;
	*per_channel = n != 1;
	return 1;
}

/* Whether node n has an attribute named name. */
static int has_attr(const cv_node *n, const char *name)
{
	for (uint32_t i = 0; i < n->n_attrs; i++)
		if (strcmp(n->attrs[i].name, name) == 0)
			return 1;
	return 0;
}

/* Folds the Mul or Add node op, by a constant scalar or per-channel vector, into the Conv
 * or ConvTranspose conv: W' = W * s, b' = b * s, or b' = b + t. */
static edgeml_status fold_affine(cv_graph *g, uint32_t conv, uint32_t op, int *done)
{
	const cv_node *c = &g->nodes[conv], *o = &g->nodes[op];
	uint32_t y = c->outputs[0];
	wmap wm;
	if (o->n_inputs != 2 || o->n_outputs != 1 || !weight_map(g, conv, &wm) ||
	    has_attr(o, "activation_min") || has_attr(o, "activation_max") ||
	    has_attr(c, "activation_min") || has_attr(c, "activation_max"))
		return EDGEML_OK;
	int64_t m = wm.m;
	int per_channel;
	uint32_t other = o->inputs[0] == y ? o->inputs[1] : o->inputs[0];
	if ((o->inputs[0] == y) == (o->inputs[1] == y) ||
	    !const_affine(g, other, g->tensors[y].t.rank, m, &per_channel))
		return EDGEML_OK;
	uint32_t bias = c->n_inputs > 2 ? c->inputs[2] : EML_NO_TENSOR;
	if (bias != EML_NO_TENSOR && !float_vector(g, bias, m))
		return EDGEML_OK;
	int mul = o->op == EML_OP_Mul;
	float *v = malloc((size_t)m * sizeof(float));
	float *nb = malloc((size_t)m * sizeof(float));
	edgeml_status st = EDGEML_OK;
	if (!v || !nb) {
		st = eml_error(EDGEML_ERR_NO_MEMORY, "out of memory folding node '%s'", o->name);
		goto out;
	}
	for (int64_t i = 0; i < m; i++) {
		v[i] = fget(g, other, per_channel ? i : 0);
		float b0 = bias != EML_NO_TENSOR ? fget(g, bias, i) : 0.0f;
		nb[i] = mul ? b0 * v[i] : b0 + v[i];
	}
	st = refit(g, conv, &wm, mul ? v : NULL, nb, op, done);
out:
	free(v);
	free(nb);
	return st;
}

/* Whether the Conv node reads one pixel per output: kernel 1 along every spatial dim and
 * no padding (so a constant added to its input adds W's sum to every output). */
static int pointwise_unpadded(const cv_graph *g, uint32_t node)
{
	const eml_tensor *wd = &g->tensors[g->nodes[node].inputs[1]].t;
	for (uint32_t i = 2; i < wd->rank; i++)
		if (wd->dims[i] != 1)
			return 0;
	eml_node view;
	const int64_t *pads = NULL;
	uint32_t n = 0;
	const char *auto_pad = "NOTSET";
	cv_node_view(g, node, &view);
	if (eml_attr_ints(&view, "pads", &pads, &n) ||
	    eml_attr_string(&view, "auto_pad", "NOTSET", &auto_pad) ||
	    (strcmp(auto_pad, "NOTSET") != 0 && strcmp(auto_pad, "VALID") != 0))
		return 0;
	for (uint32_t i = 0; pads && i < n; i++)
		if (pads[i] != 0)
			return 0;
	return 1;
}

/* Folds the Mul or Add by a constant scalar that produces the input of the 1x1 unpadded
 * Conv conv (PP-OCR's affine after an activation) into it: W' = W * s, or b' = b + t *
 * (sum of each output channel's weights). */
static edgeml_status fold_input_affine(cv_graph *g, uint32_t conv, int *done)
{
	const cv_node *c = &g->nodes[conv];
	uint32_t x = c->inputs[0];
	uint32_t op = g->tensors[x].producer;
	wmap wm;
	if (op == NO_INDEX || cv_single_consumer(g, x) != conv || !weight_map(g, conv, &wm) ||
	    !pointwise_unpadded(g, conv))
		return EDGEML_OK;
	const cv_node *o = &g->nodes[op];
	if ((o->op != EML_OP_Mul && o->op != EML_OP_Add) || o->n_inputs != 2 ||
	    o->n_outputs != 1 || has_attr(o, "activation_min") || has_attr(o, "activation_max"))
		return EDGEML_OK;
	int per_channel = 0, k = cv_is_constant(g, o->inputs[1]) ? 1 : 0;
	uint32_t other = o->inputs[k], in = o->inputs[1 - k];
	if (in == EML_NO_TENSOR || cv_is_constant(g, in) ||
	    g->tensors[in].t.dtype != EDGEML_DTYPE_FLOAT32 ||
	    g->tensors[in].t.rank != g->tensors[x].t.rank ||
	    memcmp(g->tensors[in].t.dims, g->tensors[x].t.dims,
		   g->tensors[x].t.rank * sizeof(int64_t)) != 0 ||
	    !const_affine(g, other, g->tensors[x].t.rank, 1, &per_channel) || per_channel)
		return EDGEML_OK;
	uint32_t bias = c->n_inputs > 2 ? c->inputs[2] : EML_NO_TENSOR;
	int64_t m = wm.m;
	if (bias != EML_NO_TENSOR && !float_vector(g, bias, m))
		return EDGEML_OK;
	float v = fget(g, other, 0);
	float *sc = malloc((size_t)m * sizeof(float));
	float *nb = malloc((size_t)m * sizeof(float));
	edgeml_status st = EDGEML_OK;
	if (!sc || !nb) {
		st = eml_error(EDGEML_ERR_NO_MEMORY, "out of memory folding node '%s'", o->name);
		goto out;
	}
	uint32_t w = c->inputs[1];
	for (int64_t i = 0; i < m; i++) {
		sc[i] = v;
		nb[i] = bias != EML_NO_TENSOR ? fget(g, bias, i) : 0.0f;
		if (o->op == EML_OP_Add) {
			float sum = 0.0f;
			for (int64_t j = 0; j < wm.per; j++)
				sum += fget(g, w, i * wm.per + j);
			nb[i] += v * sum;
		}
	}
	/* refit makes conv write the folded node's output: keep conv's own, read op's input */
	uint32_t y = c->outputs[0];
	st = refit(g, conv, &wm, o->op == EML_OP_Mul ? sc : NULL, nb, op, done);
	if (!st) {
		g->nodes[conv].outputs[0] = y;
		g->nodes[conv].inputs[0] = in;
		cv_update_producers(g);
	}
out:
	free(sc);
	free(nb);
	return st;
}

edgeml_status cv_pass_batchnorm(cv_graph *g, uint32_t *count)
{
	cv_update_producers(g);
	for (uint32_t i = 0; i < g->n_nodes; i++) {
		/* BN, Mul and Add after one another fold one at a time */
		int done = 1;
		while (done) {
			const cv_node *n = &g->nodes[i];
			done = 0;
			if (n->dead || (n->op != EML_OP_Conv && n->op != EML_OP_ConvTranspose) ||
			    n->n_inputs < 2 || n->n_outputs != 1 || n->outputs[0] == EML_NO_TENSOR ||
			    g->tensors[n->outputs[0]].t.dtype != EDGEML_DTYPE_FLOAT32)
				break;
			uint32_t op = cv_single_consumer(g, n->outputs[0]);
			if (op == NO_INDEX)
				break;
			const cv_node *o = &g->nodes[op];
			edgeml_status st = EDGEML_OK;
			if (o->op == EML_OP_BatchNormalization && o->inputs[0] == n->outputs[0] &&
			    o->n_outputs == 1)
				st = fold(g, i, op, &done);
			else if (o->op == EML_OP_Mul || o->op == EML_OP_Add)
				st = fold_affine(g, i, op, &done);
			if (st)
				return st;
			*count += (uint32_t)done;
		}
	}
	for (uint32_t i = 0; i < g->n_nodes; i++) {
		int done = 1;
		while (done) {
			const cv_node *n = &g->nodes[i];
			done = 0;
			if (n->dead || n->op != EML_OP_Conv || n->n_inputs < 2 || n->n_outputs != 1 ||
			    n->inputs[0] == EML_NO_TENSOR ||
			    g->tensors[n->inputs[0]].t.dtype != EDGEML_DTYPE_FLOAT32)
				break;
			edgeml_status st = fold_input_affine(g, i, &done);
			if (st)
				return st;
			*count += (uint32_t)done;
		}
	}
	cv_compact_nodes(g);
	return EDGEML_OK;
}
