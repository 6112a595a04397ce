/*
 * pass_identity.c — removing Identity nodes: readers of the output read the input instead,
 * and an Identity feeding a graph output hands that name to the input's producer. An
 * Identity from a graph input or a constant straight to a graph output stays, since
 * something must produce the output tensor.
 */
#include "convert/convert_steps.h"
#include "ops/ops.h"

#define NO_INDEX UINT32_MAX

edgeml_status cv_pass_identity(cv_graph *g, uint32_t *count)
{
	cv_update_producers(g);
	for (uint32_t i = 0; i < g->n_nodes; i++) {
		cv_node *n = &g->nodes[i];
		if (n->dead || n->op != EML_OP_Identity || n->n_inputs != 1 || n->n_outputs != 1 ||
		    n->inputs[0] == EML_NO_TENSOR || n->outputs[0] == EML_NO_TENSOR)
			continue;
		uint32_t x = n->inputs[0], y = n->outputs[0];
		if (!cv_is_output(g, y)) {
			cv_replace_uses(g, y, x);
			n->dead = 1;
			(*count)++;
			continue;
		}
		/* y is a graph output: let x's producer write y, if x is only an intermediate. */
		uint32_t p = g->tensors[x].producer;
		if (p == NO_INDEX || cv_is_output(g, x))
			continue;
		for (uint32_t k = 0; k < g->nodes[p].n_outputs; k++)
			if (g->nodes[p].outputs[k] == x)
				g->nodes[p].outputs[k] = y;
		n->dead = 1;
		cv_replace_uses(g, x, y);
		cv_update_producers(g);
		(*count)++;
	}
	cv_compact_nodes(g);
	return EDGEML_OK;
}
