/*
 * pass_activation.c — fusing a Relu or a Clip with constant bounds into the float Conv,
 * ConvTranspose, Gemm, MatMul or Add before it (activation_min/max, docs/ops.md), when nothing else reads
 * the producer's output.
 */
#include "convert/convert_steps.h"
#include "ops/ops.h"

#define NO_INDEX UINT32_MAX

/* Whether op may carry a fused activation. */
static int takes_activation(uint32_t op)
{
	return op == EML_OP_Conv || op == EML_OP_Gemm || op == EML_OP_MatMul || op == EML_OP_Add ||
	       op == EML_OP_ConvTranspose;
}

edgeml_status cv_pass_activation(cv_graph *g, uint32_t *count)
{
	cv_update_producers(g);
	for (uint32_t i = 0; i < g->n_nodes; i++) {
		const cv_node *n = &g->nodes[i];
		if (n->dead || !takes_activation(n->op) || n->n_outputs != 1 ||
		    n->outputs[0] == EML_NO_TENSOR ||
		    g->tensors[n->outputs[0]].t.dtype != EDGEML_DTYPE_FLOAT32)
			continue;
		uint32_t a = cv_single_consumer(g, n->outputs[0]);
		float lo, hi;
		if (a == NO_INDEX || g->nodes[a].inputs[0] != n->outputs[0] ||
		    !cv_activation_bounds(g, a, &lo, &hi))
			continue;
		edgeml_status st = cv_add_activation(g, i, lo, hi);
		if (st)
			return st;
		g->nodes[i].outputs[0] = g->nodes[a].outputs[0];
		g->nodes[a].dead = 1;
		cv_update_producers(g);
		(*count)++;
	}
	cv_compact_nodes(g);
	return EDGEML_OK;
}
