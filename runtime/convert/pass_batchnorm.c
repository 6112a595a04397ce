/*
 * pass_batchnorm.c — folding an inference-mode BatchNormalization into the float Conv that
 * feeds it: W'[c] = W[c] * s[c] / sqrt(var[c] + eps), b'[c] = (b[c] - mean[c]) * s[c] /
 * sqrt(var[c] + eps) + B[c], computed in fp32 as ONNX Runtime's Conv+BN fusion does.
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

/* Folds BN node bn into the Conv conv. */
static edgeml_status fold(cv_graph *g, uint32_t conv, uint32_t bn, int *done)
{
	const cv_node *c = &g->nodes[conv], *b = &g->nodes[bn];
	uint32_t w = c->inputs[1];
	if (!cv_is_constant(g, w) || g->tensors[w].t.dtype != EDGEML_DTYPE_FLOAT32 ||
	    g->tensors[w].t.rank < 3 || b->n_inputs != 5)
		return EDGEML_OK;
	const eml_tensor *wd = &g->tensors[w].t;
	int64_t m = wd->dims[0];
	uint32_t bias = c->n_inputs > 2 ? c->inputs[2] : EML_NO_TENSOR;
	if (m <= 0 || (bias != EML_NO_TENSOR && !float_vector(g, bias, m)))
		return EDGEML_OK;
	for (uint32_t k = 1; k < 5; k++)
		if (!float_vector(g, b->inputs[k], m))
			return EDGEML_OK;
	eml_node view;
	float eps;
	cv_node_view(g, bn, &view);
	if (eml_attr_float(&view, "epsilon", 1e-5f, &eps))
		return EDGEML_OK;
	int64_t per = eml_tensor_numel(wd) / m;
	float *nw = malloc(wd->data_size + 1);
	float *nb = malloc((size_t)m * sizeof(float));
	edgeml_status st = EDGEML_OK;
	if (!nw || !nb) {
		st = eml_error(EDGEML_ERR_NO_MEMORY, "out of memory folding node '%s'", b->name);
		goto out;
	}
	memcpy(nw, wd->data, wd->data_size);
	for (int64_t o = 0; o < m; o++) {
		float inv = fget(g, b->inputs[1], o) / sqrtf(fget(g, b->inputs[4], o) + eps);
		for (int64_t k = 0; k < per; k++)
			nw[o * per + k] *= inv;
		float b0 = bias != EML_NO_TENSOR ? fget(g, bias, o) : 0.0f;
		nb[o] = (b0 - fget(g, b->inputs[3], o)) * inv + fget(g, b->inputs[2], o);
	}
	uint32_t tw, tb;
	int64_t dims[EML_MAX_RANK];
	memcpy(dims, wd->dims, sizeof(dims));
	uint32_t rank = wd->rank;
	st = cv_add_constant(g, cv_tensor_name(g, w), EDGEML_DTYPE_FLOAT32, rank, dims, nw,
			     (uint64_t)per * (uint64_t)m * 4, &tw);
	if (!st)
		st = cv_add_constant(g, cv_tensor_name(g, w), EDGEML_DTYPE_FLOAT32, 1, &m, nb,
				     (uint64_t)m * 4, &tb);
	if (!st)
		st = cv_resize_inputs(g, conv, 3);
	if (st)
		goto out;
	g->nodes[conv].inputs[1] = tw;
	g->nodes[conv].inputs[2] = tb;
	g->nodes[conv].outputs[0] = g->nodes[bn].outputs[0];
	g->nodes[bn].dead = 1;
	cv_update_producers(g);
	*done = 1;
out:
	free(nw);
	free(nb);
	return st;
}

edgeml_status cv_pass_batchnorm(cv_graph *g, uint32_t *count)
{
	cv_update_producers(g);
	for (uint32_t i = 0; i < g->n_nodes; i++) {
		const cv_node *n = &g->nodes[i];
		if (n->dead || n->op != EML_OP_Conv || n->n_inputs < 2 || n->n_outputs != 1 ||
		    n->outputs[0] == EML_NO_TENSOR ||
		    g->tensors[n->outputs[0]].t.dtype != EDGEML_DTYPE_FLOAT32)
			continue;
		uint32_t bn = cv_single_consumer(g, n->outputs[0]);
		if (bn == NO_INDEX || g->nodes[bn].op != EML_OP_BatchNormalization ||
		    g->nodes[bn].inputs[0] != n->outputs[0] || g->nodes[bn].n_outputs != 1)
			continue;
		int done = 0;
		edgeml_status st = fold(g, i, bn, &done);
		if (st)
			return st;
		*count += (uint32_t)done;
	}
	cv_compact_nodes(g);
	return EDGEML_OK;
}
