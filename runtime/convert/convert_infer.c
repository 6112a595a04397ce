/*
 * convert_infer.c — static shape/dtype inference over the converter's graph, node by node
 * in topological order through eml_op_infer(), with the canonical rewrites that need
 * shapes (opset < 13 Softmax) or dtypes (absent zero points) done just before a node is
 * inferred, static-shape folding (fold_shapes.c) in its place, and optional constant
 * folding right after.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert/convert_steps.h"
#include "error.h"
#include "ops/ops.h"

/* Inputs that determine an output shape and so must be constants (docs/ops.md). */
static const struct {
	uint32_t op;
	uint32_t input;
	const char *role;
} shape_inputs[] = {
	{ EML_OP_Reshape, 1, "shape" },	 { EML_OP_Squeeze, 1, "axes" },
	{ EML_OP_Unsqueeze, 1, "axes" }, { EML_OP_Pad, 1, "pads" },
	{ EML_OP_Resize, 2, "scales" },	 { EML_OP_Resize, 3, "sizes" },
	{ EML_OP_ReduceMean, 1, "axes" }, { EML_OP_ReduceSum, 1, "axes" },
	{ EML_OP_ReduceMax, 1, "axes" }, { EML_OP_Slice, 1, "starts" },
	{ EML_OP_Slice, 2, "ends" },	 { EML_OP_Slice, 3, "axes" },
	{ EML_OP_Slice, 4, "steps" },	 { EML_OP_Split, 1, "split" },
};

/* Zero-point inputs of quantized ops (zp index, index of the data input whose type it has),
 * filled with a zero constant when absent so that every op sees the same input form. */
static const struct {
	uint32_t op;
	uint8_t pairs[3][2];
} zero_points[] = {
	{ EML_OP_QLinearConv, { { 2, 0 }, { 5, 3 }, { 7, 0 } } },
	{ EML_OP_QLinearMatMul, { { 2, 0 }, { 5, 3 }, { 7, 0 } } },
	{ EML_OP_QLinearAdd, { { 2, 0 }, { 5, 3 }, { 7, 0 } } },
	{ EML_OP_QLinearMul, { { 2, 0 }, { 5, 3 }, { 7, 0 } } },
	{ EML_OP_QLinearGemm, { { 2, 0 }, { 5, 3 }, { 8, 0 } } },
	{ EML_OP_QLinearAveragePool, { { 2, 0 }, { 4, 0 }, { 2, 0 } } },
	{ EML_OP_QLinearGlobalAveragePool, { { 2, 0 }, { 4, 0 }, { 2, 0 } } },
};

/* Sets input zp of node to a scalar zero of the dtype of input data, when zp is absent. */
static edgeml_status fill_zero_point(cv_graph *g, uint32_t node, uint32_t zp, uint32_t data)
{
	cv_node *n = &g->nodes[node];
	if (data >= n->n_inputs || n->inputs[data] == EML_NO_TENSOR)
		return EDGEML_OK;
	if (zp < n->n_inputs && n->inputs[zp] != EML_NO_TENSOR)
		return EDGEML_OK;
	uint32_t dt = g->tensors[n->inputs[data]].t.dtype;
	if (dt != EDGEML_DTYPE_UINT8 && dt != EDGEML_DTYPE_INT8)
		return EDGEML_OK; /* inference reports the wrong type */
	if (zp >= n->n_inputs) {
		edgeml_status st = cv_resize_inputs(g, node, zp + 1);
		if (st)
			return st;
	}
	uint8_t zero = 0;
	uint32_t t;
	edgeml_status st = cv_add_constant(g, g->nodes[node].name, dt, 0, NULL, &zero, 1, &t);
	if (!st)
		g->nodes[node].inputs[zp] = t;
	return st;
}

/* Fills the absent zero points of a quantized op. */
static edgeml_status fill_zero_points(cv_graph *g, uint32_t node)
{
	uint32_t op = g->nodes[node].op;
	edgeml_status st = EDGEML_OK;
	for (size_t i = 0; i < sizeof(zero_points) / sizeof(zero_points[0]); i++) {
		if (zero_points[i].op != op)
			continue;
		for (int k = 0; k < 3 && !st; k++)
			st = fill_zero_point(g, node, zero_points[i].pairs[k][0],
					     zero_points[i].pairs[k][1]);
		return st;
	}
	if (op == EML_OP_QLinearConcat) {
		/* (Y_scale, Y_zero_point, X1, X1_scale, X1_zero_point, X2, ...) */
		st = fill_zero_point(g, node, 1, 2);
		for (uint32_t x = 2; !st && x + 2 < g->nodes[node].n_inputs + 1; x += 3)
			st = fill_zero_point(g, node, x + 2, x);
	}
	return st;
}

/* Product of dims[from..to) into *out; 0 on overflow. */
static int dims_product(const int64_t *dims, uint32_t from, uint32_t to, int64_t *out)
{
	int64_t p = 1;
	for (uint32_t k = from; k < to; k++) {
		if (dims[k] < 0 || (dims[k] != 0 && p > INT64_MAX / dims[k]))
			return 0;
		p *= dims[k];
	}
	*out = p;
	return 1;
}

/* Softmax before opset 13 works on the input coerced to 2-D at axis (default 1). On the
 * last axis that equals the opset-13 op; elsewhere it becomes Reshape → Softmax(-1) →
 * Reshape. *inserted is set when nodes were added before node. */
static edgeml_status canon_softmax(cv_graph *g, uint32_t node, int *inserted)
{
	cv_node *n = &g->nodes[node];
	if (n->n_inputs != 1 || n->n_outputs != 1 || n->inputs[0] == EML_NO_TENSOR)
		return EDGEML_OK; /* inference reports it */
	eml_node view;
	cv_node_view(g, node, &view);
	int64_t axis;
	edgeml_status st = eml_attr_int(&view, "axis", 1, &axis);
	if (st)
		return st;
	uint32_t x = n->inputs[0], y = n->outputs[0];
	eml_tensor xd = g->tensors[x].t;
	int64_t r = xd.rank;
	if (axis < -r || axis >= r || r == 0)
		return eml_error(EDGEML_ERR_SHAPE,
				 "node '%s' (Softmax, opset %lld): axis %lld is out "
				 "of range for rank %lld",
				 n->name, (long long)n->opset, (long long)axis, (long long)r);
	if (axis < 0)
		axis += r;
	n->opset = 13;
	if (axis == r - 1)
		return cv_set_attr_int(g, node, "axis", -1);
	int64_t flat[2];
	if (!dims_product(xd.dims, 0, (uint32_t)axis, &flat[0]) ||
	    !dims_product(xd.dims, (uint32_t)axis, (uint32_t)r, &flat[1]))
		return eml_error(EDGEML_ERR_SHAPE, "node '%s' (Softmax): input size overflows",
				 n->name);
	char base[200];
	snprintf(base, sizeof(base), "%.180s", n->name);
	int64_t two = 2, rank = r;
	uint32_t shape1, shape2, t1, t2, r1, r2;
	st = cv_add_constant(g, base, EDGEML_DTYPE_INT64, 1, &two, flat, sizeof(flat), &shape1);
	if (!st)
		st = cv_add_constant(g, base, EDGEML_DTYPE_INT64, 1, &rank, xd.dims,
				     (uint64_t)r * sizeof(int64_t), &shape2);
	if (!st)
		st = cv_add_unique_tensor(g, base, &t1);
	if (!st)
		st = cv_add_unique_tensor(g, base, &t2);
	if (!st)
		st = cv_insert_node(g, node, g->tensors[t1].t.name, EML_OP_Reshape, 2, 1, &r1);
	if (!st)
		st = cv_insert_node(g, node + 2, g->tensors[t2].t.name, EML_OP_Reshape, 2, 1, &r2);
	if (!st)
		st = cv_set_attr_int(g, node + 1, "axis", -1);
	if (st)
		return st;
	g->nodes[r1].inputs[0] = x;
	g->nodes[r1].inputs[1] = shape1;
	g->nodes[r1].outputs[0] = t1;
	g->nodes[r1].opset = 13;
	g->nodes[node + 1].inputs[0] = t1;
	g->nodes[node + 1].outputs[0] = t2;
	g->nodes[r2].inputs[0] = t2;
	g->nodes[r2].inputs[1] = shape2;
	g->nodes[r2].outputs[0] = y;
	g->nodes[r2].opset = 13;
	cv_update_producers(g);
	*inserted = 1;
	return EDGEML_OK;
}

/* Drops empty constant roi/scales of Resize (opset 11-12 pass "" or an empty tensor). */
static void canon_resize(cv_graph *g, uint32_t node)
{
	cv_node *n = &g->nodes[node];
	for (uint32_t k = 1; k <= 2 && k < n->n_inputs; k++) {
		uint32_t t = n->inputs[k];
		if (t != EML_NO_TENSOR && cv_is_constant(g, t) &&
		    eml_tensor_numel(&g->tensors[t].t) == 0)
			n->inputs[k] = EML_NO_TENSOR;
	}
}

/* Rewrites that need the inputs' shapes or dtypes; *inserted when nodes were added before. */
static edgeml_status pre_infer(cv_graph *g, uint32_t node, int *inserted)
{
	cv_node *n = &g->nodes[node];
	*inserted = 0;
	if (n->op == EML_OP_Softmax && n->opset < 13)
		return canon_softmax(g, node, inserted);
	if (n->op == EML_OP_Resize)
		canon_resize(g, node);
	return fill_zero_points(g, node);
}

/* Checks that the shape-determining inputs of node are constants. */
static edgeml_status check_shape_inputs(const cv_graph *g, uint32_t node)
{
	const cv_node *n = &g->nodes[node];
	for (size_t i = 0; i < sizeof(shape_inputs) / sizeof(shape_inputs[0]); i++) {
		uint32_t k = shape_inputs[i].input;
		if (shape_inputs[i].op != n->op || k >= n->n_inputs ||
		    n->inputs[k] == EML_NO_TENSOR || cv_is_constant(g, n->inputs[k]))
			continue;
		const char *t = cv_tensor_name(g, n->inputs[k]);
		return eml_error(
			EDGEML_ERR_UNSUPPORTED,
			"node '%s' (%s): input %u '%s' (%s) must be a constant, as shapes are "
			"fixed at conversion; pass --constant %s=FILE.npy to freeze it",
			n->name, cv_op_name(n->op), k, t, shape_inputs[i].role, t);
	}
	return EDGEML_OK;
}

/* Infers one node's outputs and stores them on its output tensors. */
static edgeml_status infer_node(cv_graph *g, uint32_t node)
{
	cv_node *n = &g->nodes[node];
	edgeml_status st = check_shape_inputs(g, node);
	if (st)
		return st;
	size_t n_in = n->n_inputs > EML_INFER_MIN_IN_SLOTS ? n->n_inputs : EML_INFER_MIN_IN_SLOTS;
	size_t n_out = n->n_outputs > EML_INFER_MIN_OUT_SLOTS ? n->n_outputs :
								 EML_INFER_MIN_OUT_SLOTS;
	const eml_tensor **in = calloc(n_in, sizeof(*in));
	eml_tensor *out = calloc(n_out, sizeof(*out));
	if (!in || !out) {
		st = eml_error(EDGEML_ERR_NO_MEMORY, "out of memory inferring node '%s'", n->name);
		goto done;
	}
	for (uint32_t k = 0; k < n->n_inputs; k++) {
		uint32_t t = n->inputs[k];
		if (t == EML_NO_TENSOR)
			continue;
		if (!g->tensors[t].shape_known) {
			st = eml_error(EDGEML_ERR_FORMAT,
				       "node '%s': input '%s' has no known shape", n->name,
				       cv_tensor_name(g, t));
			goto done;
		}
		in[k] = &g->tensors[t].t;
	}
	for (uint32_t k = 0; k < n->n_outputs; k++)
		if (n->outputs[k] != EML_NO_TENSOR)
			out[k] = g->tensors[n->outputs[k]].t;
	eml_node view;
	cv_node_view(g, node, &view);
	st = eml_op_infer(&view, (const eml_tensor *const *)in, out);
	if (st)
		goto done;
	for (uint32_t k = 0; k < n->n_outputs; k++) {
		if (n->outputs[k] == EML_NO_TENSOR)
			continue;
		if (out[k].rank > EML_MAX_RANK) {
			st = eml_error(EDGEML_ERR_SHAPE, "node '%s': output %u has rank %u",
				       n->name, k, out[k].rank);
			goto done;
		}
		cv_tensor *t = &g->tensors[n->outputs[k]];
		t->t.dtype = out[k].dtype;
		t->t.rank = out[k].rank;
		memcpy(t->t.dims, out[k].dims, sizeof(t->t.dims));
		t->shape_known = 1;
	}
done:
	free(in);
	free(out);
	return st;
}

edgeml_status cv_infer(cv_graph *g, int fold, uint32_t *folded)
{
	uint32_t i = 0;
	while (i < g->n_nodes) {
		if (g->nodes[i].dead) {
			i++;
			continue;
		}
		int inserted;
		edgeml_status st = pre_infer(g, i, &inserted);
		if (st)
			return st;
		if (inserted)
			continue; /* infer the new nodes first: they now stand at index i */
		uint32_t op = g->nodes[i].op;
		int done;
		st = cv_fold_static(g, i, &done);
		if (st)
			return st;
		if (done && op == CV_OP_If) {
			/* The inlined branch's nodes stand at the end: sort, start over. */
			cv_compact_nodes(g);
			st = cv_sort_nodes(g);
			if (st)
				return st;
			i = 0;
			continue;
		}
		if (done) {
			if (folded)
				(*folded)++;
			i++;
			continue;
		}
		st = infer_node(g, i);
		if (st)
			return st;
		int skip = fold == CV_FOLD_NONE ||
			   (fold == CV_FOLD_KEEP_DQ && g->nodes[i].op == EML_OP_DequantizeLinear);
		if (!skip || cv_fold_always(g, i)) {
			st = cv_fold_node(g, i, &done);
			if (st)
				return st;
			if (done && folded)
				(*folded)++;
		}
		i++;
	}
	return EDGEML_OK;
}
