/* convert_sort.c — topological ordering of the nodes, with the structural checks it needs. */
#include <stdlib.h>
#include <string.h>

#include "convert/convert_steps.h"
#include "error.h"

#define NO_INDEX UINT32_MAX

/* Sets producers and checks that every tensor has at most one producer, and that every
 * node input and graph output is a constant, a graph input or some node's output. */
static edgeml_status check_producers(cv_graph *g)
{
	for (uint32_t i = 0; i < g->n_tensors; i++)
		g->tensors[i].producer = NO_INDEX;
	for (uint32_t i = 0; i < g->n_nodes; i++) {
		const cv_node *n = &g->nodes[i];
		for (uint32_t k = 0; k < n->n_outputs; k++) {
			uint32_t t = n->outputs[k];
			if (t == EML_NO_TENSOR)
				continue;
			if (g->tensors[t].producer != NO_INDEX)
				return eml_error(
					EDGEML_ERR_FORMAT,
					"tensor '%s' is produced by two nodes ('%s' and '%s')",
					cv_tensor_name(g, t), g->nodes[g->tensors[t].producer].name,
					n->name);
			g->tensors[t].producer = i;
		}
	}
	for (uint32_t i = 0; i < g->n_nodes; i++) {
		const cv_node *n = &g->nodes[i];
		for (uint32_t k = 0; k < n->n_inputs; k++) {
			uint32_t t = n->inputs[k];
			if (t == EML_NO_TENSOR || g->tensors[t].producer != NO_INDEX ||
			    (g->tensors[t].t.flags & (EML_TF_CONSTANT | EML_TF_INPUT)))
				continue;
			return eml_error(
				EDGEML_ERR_FORMAT,
				"node '%s': input '%s' is not a graph input, an initializer "
				"or the output of any node",
				n->name, cv_tensor_name(g, t));
		}
	}
	for (uint32_t i = 0; i < g->n_outputs; i++) {
		uint32_t t = g->outputs[i];
		if (g->tensors[t].producer == NO_INDEX &&
		    !(g->tensors[t].t.flags & (EML_TF_CONSTANT | EML_TF_INPUT)))
			return eml_error(EDGEML_ERR_FORMAT,
					 "graph output '%s' is not produced by any node",
					 cv_tensor_name(g, t));
	}
	return EDGEML_OK;
}

/* Whether every node reads only tensors produced by earlier nodes. */
static int already_sorted(const cv_graph *g)
{
	for (uint32_t i = 0; i < g->n_nodes; i++) {
		const cv_node *n = &g->nodes[i];
		for (uint32_t k = 0; k < n->n_inputs; k++) {
			uint32_t t = n->inputs[k];
			if (t != EML_NO_TENSOR && g->tensors[t].producer != NO_INDEX &&
			    g->tensors[t].producer >= i)
				return 0;
		}
	}
	return 1;
}

/* Kahn's algorithm; order[] receives the node indices in a topological order. */
static edgeml_status kahn(const cv_graph *g, uint32_t *order, uint32_t *pending, uint32_t *first,
			  uint32_t *users)
{
	/* users[first[t] .. first[t+1]) lists the nodes reading tensor t (once per read). */
	memset(first, 0, ((size_t)g->n_tensors + 1) * sizeof(*first));
	for (uint32_t i = 0; i < g->n_nodes; i++)
		for (uint32_t k = 0; k < g->nodes[i].n_inputs; k++)
			if (g->nodes[i].inputs[k] != EML_NO_TENSOR)
				first[g->nodes[i].inputs[k] + 1]++;
	for (uint32_t t = 0; t < g->n_tensors; t++)
		first[t + 1] += first[t];
	uint32_t *fill = order; /* borrowed as a cursor array before it holds the order */
	memcpy(fill, first, (size_t)g->n_tensors * sizeof(*fill));
	for (uint32_t i = 0; i < g->n_nodes; i++) {
		pending[i] = 0;
		for (uint32_t k = 0; k < g->nodes[i].n_inputs; k++) {
			uint32_t t = g->nodes[i].inputs[k];
			if (t == EML_NO_TENSOR)
				continue;
			users[fill[t]++] = i;
			pending[i] += g->tensors[t].producer != NO_INDEX;
		}
	}
	uint32_t head = 0, tail = 0;
	for (uint32_t i = 0; i < g->n_nodes; i++)
		if (pending[i] == 0)
			order[tail++] = i;
	while (head < tail) {
		const cv_node *n = &g->nodes[order[head++]];
		for (uint32_t k = 0; k < n->n_outputs; k++) {
			uint32_t t = n->outputs[k];
			if (t == EML_NO_TENSOR)
				continue;
			for (uint32_t u = first[t]; u < first[t + 1]; u++)
				if (--pending[users[u]] == 0)
					order[tail++] = users[u];
		}
	}
	if (tail == g->n_nodes)
		return EDGEML_OK;
	for (uint32_t i = 0; i < g->n_nodes; i++)
		if (pending[i])
			return eml_error(EDGEML_ERR_FORMAT,
					 "the graph has a cycle through node '%s'",
					 g->nodes[i].name);
	return eml_error(EDGEML_ERR_FORMAT, "the graph has a cycle");
}

edgeml_status cv_sort_nodes(cv_graph *g)
{
	edgeml_status st = check_producers(g);
	if (st || already_sorted(g))
		return st;
	size_t reads = 0;
	for (uint32_t i = 0; i < g->n_nodes; i++)
		reads += g->nodes[i].n_inputs;
	/* order doubles as a per-tensor cursor inside kahn(), so it needs n_tensors slots. */
	size_t n_order = g->n_nodes > g->n_tensors ? g->n_nodes : g->n_tensors;
	uint32_t *order = malloc((n_order + 1) * sizeof(uint32_t));
	uint32_t *pending = malloc(((size_t)g->n_nodes + 1) * sizeof(uint32_t));
	uint32_t *first = malloc(((size_t)g->n_tensors + 2) * sizeof(uint32_t));
	uint32_t *users = malloc((reads + 1) * sizeof(uint32_t));
	cv_node *sorted = malloc(((size_t)g->n_nodes + 1) * sizeof(cv_node));
	if (!order || !pending || !first || !users || !sorted) {
		st = eml_error(EDGEML_ERR_NO_MEMORY, "out of memory sorting %u nodes", g->n_nodes);
		goto out;
	}
	st = kahn(g, order, pending, first, users);
	if (st)
		goto out;
	for (uint32_t i = 0; i < g->n_nodes; i++)
		sorted[i] = g->nodes[order[i]];
	memcpy(g->nodes, sorted, (size_t)g->n_nodes * sizeof(cv_node));
	cv_update_producers(g);
out:
	free(order);
	free(pending);
	free(first);
	free(users);
	free(sorted);
	return st;
}
