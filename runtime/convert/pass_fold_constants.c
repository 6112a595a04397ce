/*
 * pass_fold_constants.c — evaluating a node whose inputs are all constants with its
 * reference kernel (node_eval.h) at conversion time, so that the model carries the result
 * instead.
 */
#include <stdlib.h>
#include <string.h>

#include "convert/convert_steps.h"
#include "error.h"
#include "node_eval.h"

/* Largest result folded: bigger results (a Pad or Resize of a constant) stay nodes rather
 * than bloat the file. */
#define FOLD_MAX_BYTES ((uint64_t)64 << 20)

/* Whether node is foldable: every present input constant, no output a graph output. */
static int foldable(const cv_graph *g, const cv_node *n, uint64_t *out_bytes)
{
	uint32_t present = 0;
	for (uint32_t k = 0; k < n->n_inputs; k++) {
		if (n->inputs[k] == EML_NO_TENSOR)
			continue;
		if (!cv_is_constant(g, n->inputs[k]))
			return 0;
		present++;
	}
	uint64_t total = 0;
	for (uint32_t k = 0; k < n->n_outputs; k++) {
		uint32_t t = n->outputs[k];
		if (t == EML_NO_TENSOR)
			continue;
		if (cv_is_output(g, t))
			return 0;
		uint64_t b = eml_tensor_bytes(&g->tensors[t].t);
		if (b == 0 && eml_tensor_numel(&g->tensors[t].t) != 0)
			return 0;
		if (b > FOLD_MAX_BYTES - total)
			return 0;
		total += b;
	}
	*out_bytes = total;
	return present > 0;
}

edgeml_status cv_fold_node(cv_graph *g, uint32_t node, int *done)
{
	const cv_node *n = &g->nodes[node];
	uint64_t bytes;
	*done = 0;
	if (!eml_node_eval_supported(n->op) || !foldable(g, n, &bytes))
		return EDGEML_OK;
	const eml_tensor **in = calloc((size_t)n->n_inputs + 1, sizeof(*in));
	const void **in_data = calloc((size_t)n->n_inputs + 1, sizeof(*in_data));
	const eml_tensor **out = calloc((size_t)n->n_outputs + 1, sizeof(*out));
	void **out_data = calloc((size_t)n->n_outputs + 1, sizeof(*out_data));
	edgeml_status st = EDGEML_OK;
	if (!in || !in_data || !out || !out_data) {
		st = eml_error(EDGEML_ERR_NO_MEMORY, "out of memory folding node '%s'", n->name);
		goto done;
	}
	for (uint32_t k = 0; k < n->n_inputs; k++) {
		if (n->inputs[k] == EML_NO_TENSOR)
			continue;
		in[k] = &g->tensors[n->inputs[k]].t;
		in_data[k] = in[k]->data;
	}
	for (uint32_t k = 0; k < n->n_outputs; k++) {
		if (n->outputs[k] == EML_NO_TENSOR)
			continue;
		out[k] = &g->tensors[n->outputs[k]].t;
		uint64_t b = eml_tensor_bytes(out[k]);
		out_data[k] = calloc(1, b ? b : 1);
		if (!out_data[k]) {
			st = eml_error(EDGEML_ERR_NO_MEMORY, "out of memory folding node '%s'",
				       n->name);
			goto done;
		}
	}
	eml_node view;
	cv_node_view(g, node, &view);
	/* A kernel that fails here would fail the same way at run time: keep the node and let
	 * the runtime report it with the real data path. */
	if (eml_node_eval(&view, (const eml_tensor *const *)in, (const void *const *)in_data,
			  (const eml_tensor *const *)out, (void *const *)out_data) != EDGEML_OK)
		goto done;
	for (uint32_t k = 0; k < n->n_outputs; k++) {
		uint32_t t = g->nodes[node].outputs[k];
		if (t == EML_NO_TENSOR)
			continue;
		cv_set_constant(g, t, out_data[k], eml_tensor_bytes(&g->tensors[t].t));
		out_data[k] = NULL;
	}
	g->nodes[node].dead = 1;
	*done = 1;
done:
	for (uint32_t k = 0; out_data && k < n->n_outputs; k++)
		free(out_data[k]);
	free(in);
	free(in_data);
	free(out);
	free(out_data);
	return st;
}
