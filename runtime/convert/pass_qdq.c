/*
 * pass_qdq.c — folding DequantizeLinear → float op → QuantizeLinear groups into quantized
 * ops, following ONNX Runtime's QDQ selectors: Conv/MatMul/Gemm/Add/Mul/AveragePool/
 * GlobalAveragePool/Concat become their QLinear forms (with a following Relu/Clip fused as
 * activation_min/max), data-movement ops (Split included) run on the quantized tensor when
 * both sides share one scale and zero point, and element-wise activations become a 256-entry
 * lookup table.
 * A group that does not fit (non-constant scales, mismatched types) stays as it is: slower,
 * still correct. The fused op reads the DQ inputs directly, so a DQ with other consumers
 * simply stays for them.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert/convert_steps.h"
#include "quant/quant.h"
#include "error.h"
#include "ops/ops.h"

#define NO_INDEX UINT32_MAX

/* Quantization parameters of one side of a group: a DQ feeding the op or the Q after it. */
typedef struct qside {
	uint32_t node;	/* the DQ / Q node */
	uint32_t q;	/* the quantized tensor: DQ input or Q output */
	uint32_t scale; /* scale tensor */
	uint32_t zp;	/* zero-point tensor, EML_NO_TENSOR when absent (= 0) */
	uint32_t dtype; /* dtype of q */
	float s;	/* per-tensor scale and zero point, when per_tensor */
	int32_t z;
	int per_tensor;
} qside;

/* Whether dt is an 8-bit quantized type. */
static int is_q8(uint32_t dt)
{
	return dt == EDGEML_DTYPE_UINT8 || dt == EDGEML_DTYPE_INT8;
}

/* Fills side from the DQ/Q node's inputs (x or y, scale, zero point). */
static int side_from(const cv_graph *g, uint32_t node, uint32_t q, qside *side)
{
	const cv_node *n = &g->nodes[node];
	if (n->n_inputs < 2 || n->inputs[0] == EML_NO_TENSOR || n->inputs[1] == EML_NO_TENSOR)
		return 0;
	side->node = node;
	side->q = q;
	side->scale = n->inputs[1];
	side->zp = n->n_inputs > 2 ? n->inputs[2] : EML_NO_TENSOR;
	side->dtype = g->tensors[q].t.dtype;
	side->z = 0;
	side->per_tensor =
		cv_const_scalar_f32(g, side->scale, &side->s) && side->s > 0 && isfinite(side->s) &&
		(side->zp == EML_NO_TENSOR || (cv_const_scalar_i32(g, side->zp, &side->z) &&
					       g->tensors[side->zp].t.dtype == side->dtype));
	return 1;
}

/* The DequantizeLinear producing t, if any. */
static int dq_of(const cv_graph *g, uint32_t t, qside *side)
{
	if (t == EML_NO_TENSOR)
		return 0;
	uint32_t p = g->tensors[t].producer;
	if (p == NO_INDEX || g->nodes[p].dead || g->nodes[p].op != EML_OP_DequantizeLinear)
		return 0;
	return side_from(g, p, g->nodes[p].inputs[0], side);
}

/* The QuantizeLinear that is the only consumer of t, with per-tensor 8-bit parameters. */
static int q_after(const cv_graph *g, uint32_t t, qside *side)
{
	uint32_t c = cv_single_consumer(g, t);
	if (c == NO_INDEX || g->nodes[c].op != EML_OP_QuantizeLinear ||
	    g->nodes[c].inputs[0] != t || g->nodes[c].n_outputs != 1 ||
	    g->nodes[c].outputs[0] == EML_NO_TENSOR)
		return 0;
	return side_from(g, c, g->nodes[c].outputs[0], side) && side->per_tensor &&
	       is_q8(side->dtype);
}

/* Whether a DQ side is a per-tensor 8-bit activation of dtype dt. */
static int act_ok(const qside *s, uint32_t dt)
{
	return s->per_tensor && s->dtype == dt;
}

/* The zero-point tensor of a side, made a zero constant when absent. */
static edgeml_status zp_tensor(cv_graph *g, qside *s, uint32_t *t)
{
	if (s->zp != EML_NO_TENSOR) {
		*t = s->zp;
		return EDGEML_OK;
	}
	const eml_tensor *sd = &g->tensors[s->scale].t;
	uint64_t n = eml_tensor_numel(sd) > 0 ? (uint64_t)eml_tensor_numel(sd) : 1;
	uint8_t *zero = calloc(n, 1);
	if (!zero)
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for a zero point");
	edgeml_status st = cv_add_constant(g, cv_tensor_name(g, s->q), s->dtype, sd->rank, sd->dims,
					   zero, n, t);
	free(zero);
	if (!st)
		s->zp = *t;
	return st;
}

/* The zero points of a group's two quantized operands (input slots 2 and 5) and of its output
 * (slot y_slot), made zero constants where absent. */
static edgeml_status operand_zero_points(cv_graph *g, qside *a, qside *b, qside *y,
					 uint32_t y_slot, uint32_t *in)
{
	edgeml_status st = zp_tensor(g, a, &in[2]);
	if (!st)
		st = zp_tensor(g, b, &in[5]);
	if (!st)
		st = zp_tensor(g, y, &in[y_slot]);
	return st;
}

/* The group's output side: Q after the op's output, or after a Relu/Clip that follows it
 * (when allow_act). *act is the activation node or NO_INDEX. */
static int output_side(const cv_graph *g, uint32_t node, int allow_act, qside *out, uint32_t *act,
		       float *lo, float *hi)
{
	const cv_node *n = &g->nodes[node];
	*act = NO_INDEX;
	*lo = -INFINITY;
	*hi = INFINITY;
	for (uint32_t k = 1; k < n->n_outputs; k++)
		if (n->outputs[k] != EML_NO_TENSOR)
			return 0;
	if (n->n_outputs < 1 || n->outputs[0] == EML_NO_TENSOR)
		return 0;
	uint32_t y = n->outputs[0];
	if (q_after(g, y, out))
		return 1;
	if (!allow_act)
		return 0;
	uint32_t c = cv_single_consumer(g, y);
	if (c == NO_INDEX || g->nodes[c].inputs[0] != y || !cv_activation_bounds(g, c, lo, hi))
		return 0;
	*act = c;
	return q_after(g, g->nodes[c].outputs[0], out);
}

/* Whether a weight DQ has per-tensor or per-channel (count values along axis) params with
 * constant 8-bit data. */
static int weight_ok(const cv_graph *g, const qside *w, int64_t count, int64_t axis)
{
	if (!is_q8(w->dtype) || !cv_is_constant(g, w->scale) ||
	    g->tensors[w->scale].t.dtype != EDGEML_DTYPE_FLOAT32)
		return 0;
	const eml_tensor *s = &g->tensors[w->scale].t;
	int64_t ns = eml_tensor_numel(s);
	if (w->zp != EML_NO_TENSOR &&
	    (!cv_is_constant(g, w->zp) || g->tensors[w->zp].t.dtype != w->dtype ||
	     eml_tensor_numel(&g->tensors[w->zp].t) != ns))
		return 0;
	for (int64_t i = 0; i < ns; i++) {
		double v = cv_const_elem(s, (uint64_t)i);
		if (!(v > 0) || !isfinite(v))
			return 0;
	}
	if (ns == 1)
		return 1;
	if (ns != count || s->rank != 1)
		return 0;
	eml_node view;
	int64_t a;
	cv_node_view(g, w->node, &view);
	if (eml_attr_int(&view, "axis", 1, &a))
		return 0;
	int64_t r = g->tensors[w->q].t.rank;
	if (a < 0)
		a += r;
	return a == axis;
}

/* Whether a bias DQ holds int32 values in scale x_scale * w_scale (per channel), zero
 * point 0, count values: what QLinearConv / QLinearGemm take as their bias. */
static int bias_ok(const cv_graph *g, const qside *b, float xs, const qside *w, int64_t count)
{
	if (b->dtype != EDGEML_DTYPE_INT32 || !cv_is_constant(g, b->q) ||
	    !cv_is_constant(g, b->scale) || g->tensors[b->scale].t.dtype != EDGEML_DTYPE_FLOAT32)
		return 0;
	const eml_tensor *bq = &g->tensors[b->q].t;
	if (bq->rank != 1 || bq->dims[0] != count)
		return 0;
	if (b->zp != EML_NO_TENSOR) {
		if (!cv_is_constant(g, b->zp))
			return 0;
		const eml_tensor *z = &g->tensors[b->zp].t;
		for (int64_t i = 0; i < eml_tensor_numel(z); i++)
			if (cv_const_elem(z, (uint64_t)i) != 0)
				return 0;
	}
	const eml_tensor *bs = &g->tensors[b->scale].t;
	const eml_tensor *ws = &g->tensors[w->scale].t;
	int64_t nb = eml_tensor_numel(bs), nw = eml_tensor_numel(ws);
	if ((nb != 1 && nb != count) || (nw == count && nw > 1 && nb != count))
		return 0;
	for (int64_t c = 0; c < count; c++) {
		double want = (double)(xs * (float)cv_const_elem(ws, nw == 1 ? 0 : (uint64_t)c));
		double have = cv_const_elem(bs, nb == 1 ? 0 : (uint64_t)c);
		if (fabs(have - want) > 1e-5 * fabs(want))
			return 0;
	}
	return 1;
}

/* Replaces the group: marks op, activation and Q dead and puts a new node (op, inputs,
 * attributes of attrs_from unless NO_INDEX) writing Q's output at Q's place. */
static edgeml_status emit(cv_graph *g, uint32_t node, uint32_t act, const qside *q, uint32_t op,
			  const uint32_t *inputs, uint32_t n_inputs, uint32_t attrs_from,
			  uint32_t *out)
{
	g->nodes[node].dead = 1;
	if (act != NO_INDEX)
		g->nodes[act].dead = 1;
	g->nodes[q->node].dead = 1;
	char name[256];
	snprintf(name, sizeof(name), "%.250s", g->nodes[node].name);
	uint32_t at = q->node, n;
	edgeml_status st = cv_insert_node(g, at, name, op, n_inputs, 1, &n);
	if (st)
		return st;
	memcpy(g->nodes[n].inputs, inputs, n_inputs * sizeof(uint32_t));
	g->nodes[n].outputs[0] = q->q;
	g->nodes[n].opset = g->nodes[node].opset;
	if (attrs_from != NO_INDEX)
		st = cv_copy_attrs(g, n, attrs_from);
	cv_update_producers(g);
	*out = n;
	return st;
}

/* Emits the group and sets the fused activation's bounds. */
static edgeml_status emit_act(cv_graph *g, uint32_t node, uint32_t act, const qside *q, uint32_t op,
			      const uint32_t *in, uint32_t n_in, float lo, float hi)
{
	uint32_t n;
	edgeml_status st = emit(g, node, act, q, op, in, n_in, node, &n);
	if (!st && act != NO_INDEX)
		st = cv_add_activation(g, n, lo, hi);
	return st;
}

/* DQ(x), DQ(w), [DQ(b)] → Conv → [Relu/Clip] → Q  ⇒  QLinearConv. */
static edgeml_status fold_conv(cv_graph *g, uint32_t node, int *done)
{
	const cv_node *n = &g->nodes[node];
	qside x, w, b, y;
	uint32_t act;
	float lo, hi;
	if (n->n_inputs < 2 || !dq_of(g, n->inputs[0], &x) || !dq_of(g, n->inputs[1], &w) ||
	    !output_side(g, node, 1, &y, &act, &lo, &hi) || !act_ok(&x, y.dtype))
		return EDGEML_OK;
	if (!cv_is_constant(g, w.q) || g->tensors[w.q].t.rank < 3)
		return EDGEML_OK;
	int64_t m = g->tensors[w.q].t.dims[0];
	if (!weight_ok(g, &w, m, 0))
		return EDGEML_OK;
	int has_b = n->n_inputs > 2 && n->inputs[2] != EML_NO_TENSOR;
	if (has_b && (!dq_of(g, n->inputs[2], &b) || !bias_ok(g, &b, x.s, &w, m)))
		return EDGEML_OK;
	uint32_t in[9] = { x.q, x.scale, 0, w.q, w.scale, 0, y.scale, 0, has_b ? b.q : 0 };
	edgeml_status st = operand_zero_points(g, &x, &w, &y, 7, in);
	if (!st)
		st = emit_act(g, node, act, &y, EML_OP_QLinearConv, in, has_b ? 9 : 8, lo, hi);
	*done = !st;
	return st;
}

/* DQ(a), DQ(b) → MatMul → [Relu/Clip] → Q  ⇒  QLinearMatMul. */
static edgeml_status fold_matmul(cv_graph *g, uint32_t node, int *done)
{
	const cv_node *n = &g->nodes[node];
	qside a, b, y;
	uint32_t act;
	float lo, hi;
	if (n->n_inputs != 2 || !dq_of(g, n->inputs[0], &a) || !dq_of(g, n->inputs[1], &b) ||
	    !output_side(g, node, 1, &y, &act, &lo, &hi) || !act_ok(&a, y.dtype))
		return EDGEML_OK;
	const eml_tensor *bt = &g->tensors[b.q].t;
	/* B per-tensor, or per output column for a 2-D B. */
	if (!b.per_tensor && (bt->rank != 2 || !weight_ok(g, &b, bt->dims[1], 1)))
		return EDGEML_OK;
	if (!is_q8(b.dtype))
		return EDGEML_OK;
	uint32_t in[8] = { a.q, a.scale, 0, b.q, b.scale, 0, y.scale, 0 };
	edgeml_status st = operand_zero_points(g, &a, &b, &y, 7, in);
	if (!st)
		st = emit_act(g, node, act, &y, EML_OP_QLinearMatMul, in, 8, lo, hi);
	*done = !st;
	return st;
}

/* DQ(A), DQ(B), [DQ(C)] → Gemm → [Relu/Clip] → Q  ⇒  QLinearGemm. */
static edgeml_status fold_gemm(cv_graph *g, uint32_t node, int *done)
{
	const cv_node *n = &g->nodes[node];
	qside a, b, c, y;
	uint32_t act;
	float lo, hi;
	if (n->n_inputs < 2 || !dq_of(g, n->inputs[0], &a) || !dq_of(g, n->inputs[1], &b) ||
	    !output_side(g, node, 1, &y, &act, &lo, &hi) || !act_ok(&a, y.dtype))
		return EDGEML_OK;
	eml_node view;
	int64_t trans_b;
	float beta;
	cv_node_view(g, node, &view);
	if (eml_attr_int(&view, "transB", 0, &trans_b) ||
	    eml_attr_float(&view, "beta", 1.0f, &beta))
		return EDGEML_OK;
	const eml_tensor *bt = &g->tensors[b.q].t;
	if (bt->rank != 2 || !cv_is_constant(g, b.q))
		return EDGEML_OK;
	int64_t cols = bt->dims[trans_b ? 0 : 1];
	if (!weight_ok(g, &b, cols, trans_b ? 0 : 1))
		return EDGEML_OK;
	int has_c = n->n_inputs > 2 && n->inputs[2] != EML_NO_TENSOR;
	if (has_c &&
	    (beta != 1.0f || !dq_of(g, n->inputs[2], &c) || !bias_ok(g, &c, a.s, &b, cols)))
		return EDGEML_OK;
	uint32_t in[9] = {
		a.q, a.scale, 0, b.q, b.scale, 0, has_c ? c.q : EML_NO_TENSOR, y.scale, 0
	};
	edgeml_status st = operand_zero_points(g, &a, &b, &y, 8, in);
	if (!st)
		st = emit_act(g, node, act, &y, EML_OP_QLinearGemm, in, 9, lo, hi);
	if (!st)
		cv_remove_attr(g, g->tensors[y.q].producer, "beta");
	*done = !st;
	return st;
}

/* DQ(a), DQ(b) → Add/Mul → [Relu/Clip for Add] → Q  ⇒  QLinearAdd / QLinearMul. */
static edgeml_status fold_binary(cv_graph *g, uint32_t node, int *done)
{
	const cv_node *n = &g->nodes[node];
	int is_add = n->op == EML_OP_Add;
	qside a, b, y;
	uint32_t act;
	float lo, hi;
	if (n->n_inputs != 2 || !dq_of(g, n->inputs[0], &a) || !dq_of(g, n->inputs[1], &b) ||
	    !output_side(g, node, is_add, &y, &act, &lo, &hi) || !act_ok(&a, y.dtype) ||
	    !act_ok(&b, y.dtype))
		return EDGEML_OK;
	uint32_t in[8] = { a.q, a.scale, 0, b.q, b.scale, 0, y.scale, 0 };
	edgeml_status st = operand_zero_points(g, &a, &b, &y, 7, in);
	if (!st)
		st = emit_act(g, node, act, &y, is_add ? EML_OP_QLinearAdd : EML_OP_QLinearMul, in,
			      8, lo, hi);
	*done = !st;
	return st;
}

/* DQ → AveragePool / GlobalAveragePool → Q  ⇒  QLinearAveragePool / ...GlobalAveragePool. */
static edgeml_status fold_pool(cv_graph *g, uint32_t node, int *done)
{
	const cv_node *n = &g->nodes[node];
	qside x, y;
	uint32_t act;
	float lo, hi;
	if (n->n_inputs != 1 || !dq_of(g, n->inputs[0], &x) ||
	    !output_side(g, node, 0, &y, &act, &lo, &hi) || !act_ok(&x, y.dtype))
		return EDGEML_OK;
	uint32_t op = n->op == EML_OP_AveragePool ? EML_OP_QLinearAveragePool
						  : EML_OP_QLinearGlobalAveragePool;
	uint32_t in[5] = { x.q, x.scale, 0, y.scale, 0 }, out;
	edgeml_status st = zp_tensor(g, &x, &in[2]);
	if (!st)
		st = zp_tensor(g, &y, &in[4]);
	if (!st)
		st = emit(g, node, NO_INDEX, &y, op, in, 5, node, &out);
	*done = !st;
	return st;
}

/* Whether two sides have the same per-tensor parameters. */
static int same_params(const qside *a, const qside *b)
{
	return a->per_tensor && b->per_tensor && a->dtype == b->dtype && a->s == b->s &&
	       a->z == b->z;
}

/* DQ... → Concat → Q  ⇒  Concat on the quantized inputs when every input shares Y's scale
 * and zero point, else QLinearConcat. */
static edgeml_status fold_concat(cv_graph *g, uint32_t node, int *done)
{
	uint32_t nin = g->nodes[node].n_inputs;
	qside y;
	uint32_t act, out;
	float lo, hi;
	if (nin == 0 || !output_side(g, node, 0, &y, &act, &lo, &hi))
		return EDGEML_OK;
	qside *x = calloc(nin, sizeof(*x));
	uint32_t *in = calloc((size_t)nin * 3 + 2, sizeof(*in));
	edgeml_status st = EDGEML_OK;
	if (!x || !in) {
		st = eml_error(EDGEML_ERR_NO_MEMORY, "out of memory");
		goto out;
	}
	int same = 1;
	for (uint32_t k = 0; k < nin; k++) {
		if (!dq_of(g, g->nodes[node].inputs[k], &x[k]) || !act_ok(&x[k], y.dtype))
			goto out;
		same &= same_params(&x[k], &y);
	}
	if (same) {
		for (uint32_t k = 0; k < nin; k++)
			in[k] = x[k].q;
		st = emit(g, node, NO_INDEX, &y, EML_OP_Concat, in, nin, node, &out);
		*done = !st;
		goto out;
	}
	in[0] = y.scale;
	st = zp_tensor(g, &y, &in[1]);
	for (uint32_t k = 0; !st && k < nin; k++) {
		in[2 + 3 * k] = x[k].q;
		in[3 + 3 * k] = x[k].scale;
		st = zp_tensor(g, &x[k], &in[4 + 3 * k]);
	}
	if (!st)
		st = emit(g, node, NO_INDEX, &y, EML_OP_QLinearConcat, in, 2 + 3 * nin, node, &out);
	*done = !st;
out:
	free(x);
	free(in);
	return st;
}

/* DQ → MaxPool/Reshape/Flatten/Squeeze/Unsqueeze/Transpose/Identity → Q with the same
 * parameters on both sides  ⇒  the op on the quantized tensor. */
static edgeml_status fold_move(cv_graph *g, uint32_t node, int *done)
{
	const cv_node *n = &g->nodes[node];
	qside x, y;
	uint32_t act, out;
	float lo, hi;
	if (n->n_inputs < 1 || !dq_of(g, n->inputs[0], &x) ||
	    !output_side(g, node, 0, &y, &act, &lo, &hi) || !same_params(&x, &y))
		return EDGEML_OK;
	uint32_t *in = malloc(((size_t)n->n_inputs + 1) * sizeof(*in));
	if (!in)
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory");
	memcpy(in, n->inputs, n->n_inputs * sizeof(*in));
	in[0] = x.q;
	edgeml_status st = emit(g, node, NO_INDEX, &y, n->op, in, n->n_inputs, node, &out);
	free(in);
	*done = !st;
	return st;
}

/* DQ → Split → Q on every output, all with the input's parameters  ⇒  Split on the quantized
 * tensor, its outputs the Qs' outputs (the node keeps its place: its inputs come before it,
 * the Qs' consumers after the Qs, which come after it). */
static edgeml_status fold_split(cv_graph *g, uint32_t node, int *done)
{
	cv_node *n = &g->nodes[node];
	qside x, y;
	if (n->n_inputs < 1 || n->n_outputs < 1 || n->n_outputs > CV_MAX_NODE_IO ||
	    !dq_of(g, n->inputs[0], &x))
		return EDGEML_OK;
	uint32_t q[CV_MAX_NODE_IO];
	for (uint32_t k = 0; k < n->n_outputs; k++) {
		if (n->outputs[k] == EML_NO_TENSOR || !q_after(g, n->outputs[k], &y) ||
		    !same_params(&x, &y))
			return EDGEML_OK;
		q[k] = y.node;
	}
	n->inputs[0] = x.q;
	for (uint32_t k = 0; k < n->n_outputs; k++) {
		n->outputs[k] = g->nodes[q[k]].outputs[0];
		g->nodes[q[k]].dead = 1;
	}
	cv_update_producers(g);
	*done = 1;
	return EDGEML_OK;
}

/* Whether node is an element-wise activation of one input that a table can stand for. */
static int is_unary_act(const cv_node *v)
{
	switch (v->op) {
	case EML_OP_Sigmoid:
	case EML_OP_Tanh:
	case EML_OP_HardSigmoid:
	case EML_OP_HardSwish:
	case EML_OP_LeakyRelu:
	case EML_OP_Erf: return v->n_inputs == 1;
	}
	return 0;
}

/* For an Add/Sub/Mul/Div of float32 with one operand a constant single float (rank at most
 * the other's): the other operand's slot (0 or 1), else -1. */
static int scalar_binary_slot(const cv_graph *g, const cv_node *v)
{
	float c;
	if ((v->op != EML_OP_Add && v->op != EML_OP_Sub && v->op != EML_OP_Mul &&
	     v->op != EML_OP_Div) ||
	    v->n_inputs != 2 || v->inputs[0] == EML_NO_TENSOR || v->inputs[1] == EML_NO_TENSOR)
		return -1;
	for (int k = 0; k < 2; k++) {
		uint32_t t = v->inputs[1 - k], o = v->inputs[k];
		if (cv_const_scalar_f32(g, t, &c) && !cv_is_constant(g, o) &&
		    g->tensors[o].t.dtype == EDGEML_DTYPE_FLOAT32 &&
		    g->tensors[t].t.rank <= g->tensors[o].t.rank)
			return k;
	}
	return -1;
}

/* The float function of an element-wise activation node at x. */
static float activation(const eml_node *v, float x)
{
	float alpha, beta;
	switch (v->op) {
	case EML_OP_Sigmoid: return 1.0f / (1.0f + expf(-x));
	case EML_OP_Tanh: return tanhf(x);
	case EML_OP_HardSigmoid:
		eml_attr_float(v, "alpha", 0.2f, &alpha);
		eml_attr_float(v, "beta", 0.5f, &beta);
		return fmaxf(0.0f, fminf(1.0f, alpha * x + beta));
	case EML_OP_HardSwish: return x * fmaxf(0.0f, fminf(1.0f, x / 6.0f + 0.5f));
	case EML_OP_LeakyRelu:
		eml_attr_float(v, "alpha", 0.01f, &alpha);
		return x >= 0.0f ? x : alpha * x;
	case EML_OP_Erf: return erff(x);
	}
	return x;
}

/* The reference kernels' float32 result of a chain node at x: an activation as activation()
 * (Erf as C's erff), a scalar binary as one float operation in the node's operand order. */
static float chain_value(const cv_graph *g, const cv_node *v, float x)
{
	int k = scalar_binary_slot(g, v);
	if (k < 0) {
		eml_node view;
		cv_node_view(g, (uint32_t)(v - g->nodes), &view);
		return activation(&view, x);
	}
	float c, a, b;
	cv_const_scalar_f32(g, v->inputs[1 - k], &c);
	a = k == 0 ? x : c;
	b = k == 0 ? c : x;
	switch (v->op) {
	case EML_OP_Add: return a + b;
	case EML_OP_Sub: return a - b;
	case EML_OP_Mul: return a * b;
	default: return a / b;
	}
}

/* Longest chain of a lookup group. */
#define CHAIN_MAX 8

/* DQ → a chain of element-wise float nodes → Q  ⇒  QLinearLookup(x, table), the table holding
 * quantize(f(dequantize(v))) for every 8-bit input v, f the chain evaluated as the reference
 * kernels do. The chain's nodes are Sigmoid/HardSigmoid/HardSwish/Tanh/LeakyRelu/Erf and
 * Add/Sub/Mul/Div by a constant single float (GELU's x / sqrt(2) → Erf, for one), each read
 * only by the next; at least one activation (a chain of scalar arithmetic alone is left to
 * the passes that fold it into its neighbours). `node` is the chain's last node. */
static edgeml_status fold_lookup(cv_graph *g, uint32_t node, int *done)
{
	uint32_t chain[CHAIN_MAX], len = 0, cur = node;
	int acts = 0;
	qside x, y;
	uint32_t act, out;
	float lo, hi;
	if (!output_side(g, node, 0, &y, &act, &lo, &hi))
		return EDGEML_OK;
	for (;;) {
		const cv_node *v = &g->nodes[cur];
		int k = scalar_binary_slot(g, v);
		if (k < 0 && !is_unary_act(v))
			return EDGEML_OK;
		if (len == CHAIN_MAX || v->n_outputs != 1)
			return EDGEML_OK;
		acts += k < 0;
		chain[len++] = cur;
		uint32_t in = v->inputs[k < 0 ? 0 : k];
		if (dq_of(g, in, &x))
			break;
		uint32_t p = in == EML_NO_TENSOR ? NO_INDEX : g->tensors[in].producer;
		if (p == NO_INDEX || g->nodes[p].dead || cv_single_consumer(g, in) != cur)
			return EDGEML_OK;
		cur = p;
	}
	if (!acts || !x.per_tensor || !is_q8(x.dtype))
		return EDGEML_OK;
	const eml_tensor *tx = &g->tensors[x.q].t, *ty = &g->tensors[y.q].t;
	if (tx->rank != ty->rank || memcmp(tx->dims, ty->dims, tx->rank * sizeof(tx->dims[0])))
		return EDGEML_OK;
	for (uint32_t c = 0; c < len; c++) {
		eml_node view;
		cv_node_view(g, chain[c], &view);
		if (scalar_binary_slot(g, &g->nodes[chain[c]]) >= 0) {
			if (view.n_attrs) /* none expected: leave what is not understood */
				return EDGEML_OK;
			continue;
		}
		/* Check the attributes now: activation() falls back to defaults on a wrong type. */
		for (uint32_t k = 0; k < view.n_attrs; k++)
			if (view.attrs[k].type != EML_ATTR_FLOAT)
				return eml_error(EDGEML_ERR_FORMAT,
						 "node '%s' (%s): attribute '%s' must be a "
						 "float",
						 g->nodes[chain[c]].name,
						 cv_op_name(g->nodes[chain[c]].op),
						 view.attrs[k].name);
	}
	int32_t ymin = y.dtype == EDGEML_DTYPE_UINT8 ? 0 : -128;
	int32_t ymax = y.dtype == EDGEML_DTYPE_UINT8 ? 255 : 127;
	int32_t xoff = x.dtype == EDGEML_DTYPE_UINT8 ? 0 : -128;
	uint8_t table[256];
	for (int i = 0; i < 256; i++) {
		float real = (float)(i + xoff - x.z) * x.s;
		for (uint32_t c = len; c-- > 0;)
			real = chain_value(g, &g->nodes[chain[c]], real);
		table[i] = (uint8_t)eml_quantize_f32(real, y.s, y.z, ymin, ymax);
	}
	for (uint32_t c = 1; c < len; c++)
		g->nodes[chain[c]].dead = 1;
	int64_t dim = 256;
	uint32_t t, in[2];
	edgeml_status st = cv_add_constant(g, g->nodes[node].name, y.dtype, 1, &dim, table, 256, &t);
	in[0] = x.q;
	in[1] = t;
	if (!st)
		st = emit(g, node, NO_INDEX, &y, EML_OP_QLinearLookup, in, 2, NO_INDEX, &out);
	*done = !st;
	return st;
}

/* DQ → Softmax → Q with per-tensor 8-bit X and Y of one type  ⇒  QLinearSoftmax (ONNX
 * Runtime's integer softmax, which its optimiser puts in the same place; docs/ops.md). Only
 * opset-13 Softmax (one axis): older ones were rewritten around a Reshape before this pass. */
static edgeml_status fold_softmax(cv_graph *g, uint32_t node, int *done)
{
	const cv_node *n = &g->nodes[node];
	qside x, y;
	uint32_t act, out;
	float lo, hi;
	if (n->n_inputs != 1 || n->opset < 13 || !dq_of(g, n->inputs[0], &x) ||
	    !output_side(g, node, 0, &y, &act, &lo, &hi) || !y.per_tensor ||
	    !act_ok(&x, y.dtype))
		return EDGEML_OK;
	uint32_t in[5] = { x.q, x.scale, 0, y.scale, 0 };
	edgeml_status st = zp_tensor(g, &x, &in[2]);
	if (!st)
		st = zp_tensor(g, &y, &in[4]);
	if (!st)
		st = emit(g, node, NO_INDEX, &y, EML_OP_QLinearSoftmax, in, 5, node, &out);
	*done = !st;
	return st;
}

edgeml_status cv_pass_qdq(cv_graph *g, uint32_t *count)
{
	cv_update_producers(g);
	for (uint32_t i = 0; i < g->n_nodes; i++) {
		if (g->nodes[i].dead)
			continue;
		edgeml_status st = EDGEML_OK;
		int done = 0;
		switch (g->nodes[i].op) {
		case EML_OP_Conv: st = fold_conv(g, i, &done); break;
		case EML_OP_MatMul: st = fold_matmul(g, i, &done); break;
		case EML_OP_Gemm: st = fold_gemm(g, i, &done); break;
		case EML_OP_AveragePool:
		case EML_OP_GlobalAveragePool: st = fold_pool(g, i, &done); break;
		case EML_OP_Concat: st = fold_concat(g, i, &done); break;
		case EML_OP_MaxPool:
		case EML_OP_Reshape:
		case EML_OP_Flatten:
		case EML_OP_Squeeze:
		case EML_OP_Unsqueeze:
		case EML_OP_Transpose:
		case EML_OP_Slice:
		case EML_OP_Gather:
		case EML_OP_Identity: st = fold_move(g, i, &done); break;
		case EML_OP_Split: st = fold_split(g, i, &done); break;
		case EML_OP_Sigmoid:
		case EML_OP_HardSigmoid:
		case EML_OP_HardSwish:
		case EML_OP_Tanh:
		case EML_OP_LeakyRelu:
		case EML_OP_Erf: st = fold_lookup(g, i, &done); break;
		case EML_OP_Add:
		case EML_OP_Sub:
		case EML_OP_Mul:
		case EML_OP_Div:
			if (scalar_binary_slot(g, &g->nodes[i]) >= 0)
				st = fold_lookup(g, i, &done);
			else if (g->nodes[i].op == EML_OP_Add || g->nodes[i].op == EML_OP_Mul)
				st = fold_binary(g, i, &done);
			break;
		case EML_OP_Softmax: st = fold_softmax(g, i, &done); break;
		default: break;
		}
		if (st)
			return st;
		*count += (uint32_t)done;
	}
	cv_remove_unused_nodes(g);
	cv_compact_nodes(g);
	return EDGEML_OK;
}
