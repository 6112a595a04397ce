/*
 * pass_quant_io.c — recording on graph inputs and outputs the quantization parameters of
 * the QuantizeLinear / DequantizeLinear next to them, so that users of the .eml file can
 * quantize their data and dequantize the results. Runs before QDQ folding removes them.
 */
#include <stdlib.h>

#include "convert/convert_steps.h"
#include "error.h"
#include "ops/ops.h"

/* Copies the constant scale/zero point of a Q or DQ node onto tensor t; *set when it did. */
static edgeml_status copy_params(cv_graph *g, uint32_t node, uint32_t t, int *set)
{
	const cv_node *n = &g->nodes[node];
	*set = 0;
	if (n->n_inputs < 2 || !cv_is_constant(g, n->inputs[1]))
		return EDGEML_OK;
	const eml_tensor *s = &g->tensors[n->inputs[1]].t;
	const eml_tensor *z = n->n_inputs > 2 && n->inputs[2] != EML_NO_TENSOR
				      ? &g->tensors[n->inputs[2]].t
				      : NULL;
	int64_t count = eml_tensor_numel(s);
	if (s->dtype != EDGEML_DTYPE_FLOAT32 || count < 1 || count > UINT32_MAX / 8 ||
	    (z && (!(z->flags & EML_TF_CONSTANT) || eml_tensor_numel(z) != count)))
		return EDGEML_OK;
	eml_node view;
	int64_t axis = 1;
	cv_node_view(g, node, &view);
	if (count > 1 && eml_attr_int(&view, "axis", 1, &axis))
		return EDGEML_OK;
	int64_t rank = g->tensors[t].t.rank;
	if (axis < 0)
		axis += rank;
	if (count > 1 && (axis < 0 || axis >= rank))
		return EDGEML_OK;
	float *scales = malloc((size_t)count * sizeof(*scales));
	int32_t *zps = malloc((size_t)count * sizeof(*zps));
	edgeml_status st = EDGEML_OK;
	if (!scales || !zps) {
		st = eml_error(EDGEML_ERR_NO_MEMORY, "out of memory");
		goto out;
	}
	for (int64_t i = 0; i < count; i++) {
		scales[i] = (float)cv_const_elem(s, (uint64_t)i);
		zps[i] = z ? (int32_t)cv_const_elem(z, (uint64_t)i) : 0;
	}
	st = cv_set_quant(g, t, (uint32_t)count, count > 1 ? (int32_t)axis : 0, scales, zps);
	*set = !st;
out:
	free(scales);
	free(zps);
	return st;
}

edgeml_status cv_pass_quant_io(cv_graph *g, uint32_t *count)
{
	edgeml_status st;
	int set;
	cv_update_producers(g);
	for (uint32_t i = 0; i < g->n_inputs; i++) {
		uint32_t t = g->inputs[i];
		for (uint32_t k = 0; k < g->n_nodes; k++) {
			const cv_node *n = &g->nodes[k];
			if (n->dead || n->n_inputs < 1 || n->inputs[0] != t ||
			    (n->op != EML_OP_QuantizeLinear && n->op != EML_OP_DequantizeLinear))
				continue;
			st = copy_params(g, k, t, &set);
			if (st)
				return st;
			if (set) {
				(*count)++;
				break;
			}
		}
	}
	for (uint32_t i = 0; i < g->n_outputs; i++) {
		uint32_t t = g->outputs[i], p = g->tensors[t].producer;
		if (p == UINT32_MAX || (g->nodes[p].op != EML_OP_QuantizeLinear &&
					g->nodes[p].op != EML_OP_DequantizeLinear))
			continue;
		st = copy_params(g, p, t, &set);
		if (st)
			return st;
		*count += (uint32_t)set;
	}
	return EDGEML_OK;
}
