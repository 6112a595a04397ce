/*
 * pass_activation_fn.c — a Sigmoid, a Swish (Sigmoid of x, then Mul of x by it: SiLU as
 * torch exports it, EfficientNet's and YOLO's activation), a HardSwish or a HardSigmoid
 * (MobileNetV3's gates; its alpha and beta as activation_alpha / activation_beta) of a
 * float Conv's output becomes the Conv's activation_fn (docs/ops.md), when nothing else reads
 * the Conv's output: the fast Conv applies it to each run of outputs while the run is in cache
 * (cpu/operators/ftail.h) instead of two more passes over the tensor. The same float
 * operations as the nodes it replaces, after the Conv's clamp as the graph computes them.
 */
#include "convert/convert_steps.h"
#include "ops/infer_helpers.h"
#include "ops/ops.h"

#define NO_INDEX UINT32_MAX

/* The live nodes reading t, up to max of them (one per input that reads it); how many. */
static uint32_t readers(const cv_graph *g, uint32_t t, uint32_t *out, uint32_t max)
{
	uint32_t n = 0;
	for (uint32_t i = 0; i < g->n_nodes; i++)
		for (uint32_t k = 0; !g->nodes[i].dead && k < g->nodes[i].n_inputs; k++)
			if (g->nodes[i].inputs[k] == t && n++ < max)
				out[n - 1] = i;
	return n;
}

/* Whether node a is a one-input float op of x with one output. */
static int unary_of(const cv_graph *g, uint32_t a, uint32_t op, uint32_t x)
{
	const cv_node *n = &g->nodes[a];
	return n->op == op && n->n_inputs == 1 && n->inputs[0] == x && n->n_outputs == 1 &&
	       n->outputs[0] != EML_NO_TENSOR &&
	       g->tensors[n->outputs[0]].t.dtype == EDGEML_DTYPE_FLOAT32;
}

/* Whether node m is a Mul of x and s, in either order. */
static int mul_of(const cv_graph *g, uint32_t m, uint32_t x, uint32_t s)
{
	const cv_node *n = &g->nodes[m];
	return n->op == EML_OP_Mul && n->n_inputs == 2 && n->n_outputs == 1 &&
	       n->outputs[0] != EML_NO_TENSOR &&
	       ((n->inputs[0] == x && n->inputs[1] == s) ||
		(n->inputs[0] == s && n->inputs[1] == x));
}

/* The activation function the readers of Conv output t compute, the node whose output
 * becomes the Conv's (*last) and the one before it, if any (*first; NO_INDEX). */
static uint32_t match(const cv_graph *g, uint32_t t, uint32_t *first, uint32_t *last)
{
	uint32_t r[3];
	uint32_t n = cv_is_output(g, t) ? 0 : readers(g, t, r, 3);
	*first = NO_INDEX;
	if (n == 1 && unary_of(g, r[0], EML_OP_Sigmoid, t)) {
		*last = r[0];
		return EML_ACT_FN_SIGMOID;
	}
	if (n == 1 && unary_of(g, r[0], EML_OP_HardSwish, t)) {
		*last = r[0];
		return EML_ACT_FN_HARD_SWISH;
	}
	if (n == 1 && unary_of(g, r[0], EML_OP_HardSigmoid, t)) {
		*last = r[0];
		return EML_ACT_FN_HARD_SIGMOID;
	}
	for (uint32_t i = 0; n == 2 && i < 2; i++) {
		uint32_t s = r[i], m = r[1 - i];
		if (!unary_of(g, s, EML_OP_Sigmoid, t))
			continue;
		uint32_t so = g->nodes[s].outputs[0];
		if (cv_single_consumer(g, so) != m || !mul_of(g, m, t, so))
			continue;
		*first = s;
		*last = m;
		return EML_ACT_FN_SWISH;
	}
	return EML_ACT_FN_NONE;
}

edgeml_status cv_pass_activation_fn(cv_graph *g, uint32_t *count)
{
	for (uint32_t i = 0; i < g->n_nodes; i++) {
		const cv_node *c = &g->nodes[i];
		if (c->dead || c->op != EML_OP_Conv || c->n_outputs != 1 ||
		    c->outputs[0] == EML_NO_TENSOR ||
		    g->tensors[c->outputs[0]].t.dtype != EDGEML_DTYPE_FLOAT32)
			continue;
		eml_node view;
		uint32_t cur;
		float alpha, beta;
		cv_node_view(g, i, &view);
		if (eml_fused_activation_fn(&view, &cur, &alpha, &beta) != EDGEML_OK ||
		    cur != EML_ACT_FN_NONE)
			continue;
		uint32_t first, last, fn = match(g, c->outputs[0], &first, &last);
		if (fn == EML_ACT_FN_NONE)
			continue;
		if (fn == EML_ACT_FN_HARD_SIGMOID) {
			/* the HardSigmoid's own, ONNX's defaults where absent */
			cv_node_view(g, last, &view);
			if (eml_attr_float(&view, "alpha", 0.2f, &alpha) != EDGEML_OK ||
			    eml_attr_float(&view, "beta", 0.5f, &beta) != EDGEML_OK)
				continue;
		}
		edgeml_status st = cv_set_attr_int(g, i, "activation_fn", fn);
		if (!st && fn == EML_ACT_FN_HARD_SIGMOID)
			st = cv_set_attr_float(g, i, "activation_alpha", alpha);
		if (!st && fn == EML_ACT_FN_HARD_SIGMOID)
			st = cv_set_attr_float(g, i, "activation_beta", beta);
		if (st)
			return st;
		g->nodes[i].outputs[0] = g->nodes[last].outputs[0];
		g->nodes[last].dead = 1;
		if (first != NO_INDEX)
			g->nodes[first].dead = 1;
		(*count)++;
	}
	cv_update_producers(g);
	cv_compact_nodes(g);
	return EDGEML_OK;
}
