/*
 * pass_hswish.c — HardSigmoid(alpha 1/6, beta 1/2) of x, then Mul of x by it, becomes one
 * HardSwish of x (torch exports MobileNetV3's hardswish that way): one pass over the tensor
 * instead of three. Bit-identical: the reference HardSwish computes v * clamp(v * (1/6) +
 * 1/2, 0, 1) with the HardSigmoid's float operations (products commute, and the clamp is
 * never NaN, so no NaN payload changes), and the fast kernels are bit-identical to it. Float
 * only; the HardSigmoid's output must have the Mul as its only reader.
 */
#include <string.h>

#include "convert/convert_steps.h"
#include "ops/ops.h"

#define NO_INDEX UINT32_MAX

/* Float attribute name of node n, or def when absent. */
static float attr_f(const cv_node *n, const char *name, float def)
{
	for (uint32_t a = 0; a < n->n_attrs; a++)
		if (n->attrs[a].type == EML_ATTR_FLOAT && strcmp(n->attrs[a].name, name) == 0)
			return n->attrs[a].f;
	return def;
}

edgeml_status cv_pass_hswish(cv_graph *g, uint32_t *count)
{
	cv_update_producers(g);
	for (uint32_t i = 0; i < g->n_nodes; i++) {
		cv_node *h = &g->nodes[i];
		if (h->dead || h->op != EML_OP_HardSigmoid || h->n_inputs != 1 ||
		    h->n_outputs != 1 || h->inputs[0] == EML_NO_TENSOR ||
		    h->outputs[0] == EML_NO_TENSOR ||
		    g->tensors[h->inputs[0]].t.dtype != EDGEML_DTYPE_FLOAT32 ||
		    attr_f(h, "alpha", 0.2f) != 1.0f / 6.0f || attr_f(h, "beta", 0.5f) != 0.5f)
			continue;
		uint32_t x = h->inputs[0], m = cv_single_consumer(g, h->outputs[0]);
		if (m == NO_INDEX)
			continue;
		cv_node *mul = &g->nodes[m];
		if (mul->op != EML_OP_Mul || mul->n_inputs != 2 || mul->n_outputs != 1 ||
		    !((mul->inputs[0] == x && mul->inputs[1] == h->outputs[0]) ||
		      (mul->inputs[1] == x && mul->inputs[0] == h->outputs[0])))
			continue;
		h->op = EML_OP_HardSwish;
		cv_remove_attr(g, i, "alpha");
		cv_remove_attr(g, i, "beta");
		h->outputs[0] = mul->outputs[0];
		mul->dead = 1;
		cv_update_producers(g);
		(*count)++;
	}
	cv_compact_nodes(g);
	return EDGEML_OK;
}
