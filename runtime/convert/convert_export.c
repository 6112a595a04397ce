/*
 * convert_export.c — the live part of the converter's graph as an eml_graph: unused
 * tensors dropped, indices renumbered, arrays packed into one allocation whose strings,
 * attributes and data still point into the builder (which must outlive the result).
 */
#include <stdlib.h>
#include <string.h>

#include "convert/convert_steps.h"
#include "error.h"

#define NO_INDEX UINT32_MAX

/* Marks the tensors the live graph uses and numbers them in *map; returns the count. */
static uint32_t number_tensors(const cv_graph *g, uint32_t *map)
{
	for (uint32_t i = 0; i < g->n_tensors; i++)
		map[i] = NO_INDEX;
	for (uint32_t i = 0; i < g->n_inputs; i++)
		map[g->inputs[i]] = 0;
	for (uint32_t i = 0; i < g->n_outputs; i++)
		map[g->outputs[i]] = 0;
	for (uint32_t i = 0; i < g->n_nodes; i++) {
		const cv_node *n = &g->nodes[i];
		for (uint32_t k = 0; !n->dead && k < n->n_inputs; k++)
			if (n->inputs[k] != EML_NO_TENSOR)
				map[n->inputs[k]] = 0;
		for (uint32_t k = 0; !n->dead && k < n->n_outputs; k++)
			if (n->outputs[k] != EML_NO_TENSOR)
				map[n->outputs[k]] = 0;
	}
	uint32_t count = 0;
	for (uint32_t i = 0; i < g->n_tensors; i++)
		if (map[i] == 0)
			map[i] = count++;
	return count;
}

/* The new index of tensor t (EML_NO_TENSOR stays absent). */
static uint32_t remap(const uint32_t *map, uint32_t t)
{
	return t == EML_NO_TENSOR ? EML_NO_TENSOR : map[t];
}

edgeml_status cv_export(const cv_graph *g, eml_graph *out, void **storage)
{
	uint32_t *map = malloc(((size_t)g->n_tensors + 1) * sizeof(*map));
	if (!map)
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory exporting the graph");
	uint32_t n_tensors = number_tensors(g, map);
	uint32_t n_nodes = 0;
	size_t n_idx = (size_t)g->n_inputs + g->n_outputs;
	for (uint32_t i = 0; i < g->n_nodes; i++) {
		if (g->nodes[i].dead)
			continue;
		n_nodes++;
		n_idx += (size_t)g->nodes[i].n_inputs + g->nodes[i].n_outputs;
	}
	size_t bytes = (size_t)n_tensors * sizeof(eml_tensor) + (size_t)n_nodes * sizeof(eml_node) +
		       n_idx * sizeof(uint32_t);
	uint8_t *mem = calloc(1, bytes + 1);
	if (!mem) {
		free(map);
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory exporting the graph");
	}
	eml_tensor *tensors = (eml_tensor *)mem;
	eml_node *nodes = (eml_node *)(tensors + n_tensors);
	uint32_t *idx = (uint32_t *)(nodes + n_nodes);
	for (uint32_t i = 0; i < g->n_tensors; i++) {
		if (map[i] == NO_INDEX)
			continue;
		eml_tensor *t = &tensors[map[i]];
		*t = g->tensors[i].t;
		t->flags &= EML_TF_CONSTANT | EML_TF_INPUT | EML_TF_OUTPUT;
		if (!(t->flags & EML_TF_CONSTANT)) {
			t->data = NULL;
			t->data_size = 0;
		}
	}
	out->inputs = idx;
	for (uint32_t i = 0; i < g->n_inputs; i++)
		*idx++ = map[g->inputs[i]];
	out->outputs = idx;
	for (uint32_t i = 0; i < g->n_outputs; i++)
		*idx++ = map[g->outputs[i]];
	uint32_t w = 0;
	for (uint32_t i = 0; i < g->n_nodes; i++) {
		const cv_node *n = &g->nodes[i];
		if (n->dead)
			continue;
		eml_node *e = &nodes[w++];
		e->name = n->name;
		e->op = n->op;
		e->n_inputs = n->n_inputs;
		e->n_outputs = n->n_outputs;
		e->n_attrs = n->n_attrs;
		e->attrs = n->attrs;
		e->inputs = idx;
		for (uint32_t k = 0; k < n->n_inputs; k++)
			*idx++ = remap(map, n->inputs[k]);
		e->outputs = idx;
		for (uint32_t k = 0; k < n->n_outputs; k++)
			*idx++ = remap(map, n->outputs[k]);
	}
	out->n_tensors = n_tensors;
	out->n_nodes = n_nodes;
	out->n_inputs = g->n_inputs;
	out->n_outputs = g->n_outputs;
	out->tensors = tensors;
	out->nodes = nodes;
	free(map);
	*storage = mem;
	return EDGEML_OK;
}
