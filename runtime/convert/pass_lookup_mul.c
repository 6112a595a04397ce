/*
 * pass_lookup_mul.c — QLinearMul(x, QLinearLookup(x, table)) ⇒ QLinearLookup(x, table2):
 * swish and its kin (x * sigmoid(x), x * hardsigmoid(x)) after QDQ folding. Both operands
 * are functions of x's byte, so the product is too: table2[i] is the reference QLinearMul's
 * result for x's value i and table[i], computed with its arithmetic (ONNX Runtime's: the
 * integer product, times (sa sb) / sc, plus zc, rounded half to even, saturated), so the
 * outputs are the bytes the two nodes gave. One pass over the tensor instead of three.
 * Also QLinearAdd / QLinearMul(QLinearLookup(x, table), constant single element) ⇒
 * QLinearLookup(x, table2), table2 the node's reference result for each of table's bytes
 * (GELU's `1 + erf(·)` and `· 0.5` around the swish-like product).
 */
#include <math.h>
#include <string.h>

#include "convert/convert_steps.h"
#include "error.h"
#include "ops/ops.h"
#include "quant/quant.h"

/* Whether dt is an 8-bit quantized type. */
static int is_q8(uint32_t dt)
{
	return dt == EDGEML_DTYPE_UINT8 || dt == EDGEML_DTYPE_INT8;
}

/* The constant per-tensor scale (s) and zero point (z) at inputs k, k + 1 of node n, with
 * the zero point of type dt. */
static int param_pair(const cv_graph *g, const cv_node *n, uint32_t k, uint32_t dt, float *s,
		      int32_t *z)
{
	uint32_t zp = n->inputs[k + 1];
	return cv_const_scalar_f32(g, n->inputs[k], s) && *s > 0 && isfinite(*s) &&
	       zp != EML_NO_TENSOR && g->tensors[zp].t.dtype == dt &&
	       cv_const_scalar_i32(g, zp, z);
}

/* Makes `node` QLinearLookup(x, table) with table a new constant named after the node, and
 * drops the lookup node ln whose output it read. */
static edgeml_status become_lookup(cv_graph *g, uint32_t node, uint32_t ln, uint32_t x,
				   uint32_t dtype, const uint8_t table[256], int *done)
{
	int64_t dim = 256;
	uint32_t t;
	edgeml_status st = cv_add_constant(g, g->nodes[node].name, dtype, 1, &dim, table, 256, &t);
	if (!st)
		st = cv_resize_inputs(g, node, 2);
	if (st)
		return st;
	g->nodes[node].op = EML_OP_QLinearLookup;
	g->nodes[node].inputs[0] = x;
	g->nodes[node].inputs[1] = t;
	g->nodes[ln].dead = 1;
	cv_update_producers(g);
	*done = 1;
	return EDGEML_OK;
}

/* Folds the QLinearMul node `node` when one operand is a lookup of the other. */
static edgeml_status fold(cv_graph *g, uint32_t node, int *done)
{
	const cv_node *m = &g->nodes[node];
	if (m->n_inputs != 8 || m->n_attrs != 0) /* no fused activation */
		return EDGEML_OK;
	for (uint32_t side = 0; side < 2; side++) {
		uint32_t x = m->inputs[side ? 3 : 0], l = m->inputs[side ? 0 : 3];
		if (x == EML_NO_TENSOR || l == EML_NO_TENSOR || x == l)
			continue;
		uint32_t ln = g->tensors[l].producer;
		if (ln == UINT32_MAX || g->nodes[ln].dead ||
		    g->nodes[ln].op != EML_OP_QLinearLookup || g->nodes[ln].n_inputs != 2 ||
		    g->nodes[ln].inputs[0] != x || cv_use_count(g, l) != 1 || cv_is_output(g, l))
			continue;
		const eml_tensor *tx = &g->tensors[x].t, *tl = &g->tensors[l].t;
		const eml_tensor *ty = &g->tensors[m->outputs[0]].t;
		uint32_t tt = g->nodes[ln].inputs[1];
		if (!is_q8(tx->dtype) || tl->dtype != tx->dtype || ty->dtype != tx->dtype ||
		    !cv_is_constant(g, tt) || g->tensors[tt].t.dtype != tl->dtype ||
		    eml_tensor_numel(&g->tensors[tt].t) != 256)
			continue;
		float sa, sb, sc;
		int32_t za, zb, zc;
		if (!param_pair(g, m, 1, tx->dtype, &sa, &za) ||
		    !param_pair(g, m, 4, tx->dtype, &sb, &zb) ||
		    !param_pair(g, m, 6, tx->dtype, &sc, &zc))
			continue;
		/* the reference's steps (ref_qeltwise.c run_qmul), A and B in the node's order */
		const uint8_t *lut = g->tensors[tt].t.data;
		int sgn = tx->dtype == EDGEML_DTYPE_INT8;
		int32_t lo = sgn ? -128 : 0, hi = sgn ? 127 : 255;
		float ratio = sa * sb / sc;
		uint8_t table[256];
		for (int i = 0; i < 256; i++) {
			int32_t vx = sgn ? i - 128 : i; /* lookup index i is x's byte ^ flip */
			int32_t vl = sgn ? (int32_t)(int8_t)lut[i] : (int32_t)lut[i];
			int32_t pa = (side ? vl : vx) - za, pb = (side ? vx : vl) - zb;
			float r = eml_round_half_even((float)(pa * pb) * ratio + (float)zc);
			int32_t y = !(r >= (float)lo) ? lo : r > (float)hi ? hi : (int32_t)r;
			table[i] = (uint8_t)y;
		}
		return become_lookup(g, node, ln, x, tx->dtype, table, done);
	}
	return EDGEML_OK;
}

/* Folds the QLinearAdd / QLinearMul node `node` (no fused activation) when one operand is a
 * constant single element and the other a QLinearLookup's output read only here, of the
 * node's shape: the lookup's table followed by the node's arithmetic for that constant, as
 * the reference computes it (ref_qeltwise.c: Add in ONNX Runtime's order, swapped where the
 * single element is A; Mul's integer product times (sa sb) / sc plus zc), becomes one table. */
static edgeml_status fold_const(cv_graph *g, uint32_t node, int *done)
{
	const cv_node *m = &g->nodes[node];
	if (m->n_inputs != 8 || m->n_attrs != 0 || m->n_outputs != 1)
		return EDGEML_OK;
	for (uint32_t side = 0; side < 2; side++) {
		uint32_t l = m->inputs[side ? 3 : 0], c = m->inputs[side ? 0 : 3];
		int32_t cv;
		if (l == EML_NO_TENSOR || !cv_const_scalar_i32(g, c, &cv))
			continue;
		uint32_t ln = g->tensors[l].producer;
		if (ln == UINT32_MAX || g->nodes[ln].dead ||
		    g->nodes[ln].op != EML_OP_QLinearLookup || g->nodes[ln].n_inputs != 2 ||
		    cv_use_count(g, l) != 1 || cv_is_output(g, l))
			continue;
		const eml_tensor *tl = &g->tensors[l].t, *tc = &g->tensors[c].t;
		const eml_tensor *ty = &g->tensors[m->outputs[0]].t;
		uint32_t tt = g->nodes[ln].inputs[1];
		if (!is_q8(tl->dtype) || tc->dtype != tl->dtype || ty->dtype != tl->dtype ||
		    ty->rank != tl->rank ||
		    memcmp(ty->dims, tl->dims, ty->rank * sizeof(ty->dims[0])) ||
		    !cv_is_constant(g, tt) || g->tensors[tt].t.dtype != tl->dtype ||
		    eml_tensor_numel(&g->tensors[tt].t) != 256)
			continue;
		float sa, sb, sc;
		int32_t za, zb, zc;
		if (!param_pair(g, m, 1, tl->dtype, &sa, &za) ||
		    !param_pair(g, m, 4, tl->dtype, &sb, &zb) ||
		    !param_pair(g, m, 6, tl->dtype, &sc, &zc))
			continue;
		const uint8_t *lut = g->tensors[tt].t.data;
		int sgn = tl->dtype == EDGEML_DTYPE_INT8;
		int32_t lo = sgn ? -128 : 0, hi = sgn ? 127 : 255;
		uint8_t table[256];
		for (int i = 0; i < 256; i++) {
			int32_t vl = sgn ? (int32_t)(int8_t)lut[i] : (int32_t)lut[i];
			int32_t y;
			if (m->op == EML_OP_QLinearAdd) {
				/* ORT's order: swapped where the single element is A */
				eml_qadd_consts k = eml_qadd_constants(sa, za, sb, zb, sc, zc);
				float r = eml_round_half_even(
					side ? eml_qadd_value(&k, 1, (float)cv, (float)vl) :
					       eml_qadd_value(&k, 0, (float)vl, (float)cv));
				y = eml_q_saturate(r, lo, hi);
			} else {
				float ratio = eml_requant_multiplier(sa, sb, sc);
				y = eml_qmul_requantize((vl - (side ? zb : za)) * (cv - (side ? za : zb)),
							ratio, (float)zc, lo, hi);
			}
			table[i] = (uint8_t)y;
		}
		return become_lookup(g, node, ln, g->nodes[ln].inputs[0], tl->dtype, table, done);
	}
	return EDGEML_OK;
}

edgeml_status cv_pass_lookup_mul(cv_graph *g, uint32_t *count)
{
	cv_update_producers(g);
	for (uint32_t i = 0; i < g->n_nodes; i++) {
		if (g->nodes[i].dead ||
		    (g->nodes[i].op != EML_OP_QLinearMul && g->nodes[i].op != EML_OP_QLinearAdd))
			continue;
		int done = 0;
		edgeml_status st = fold_const(g, i, &done);
		if (!st && !done && g->nodes[i].op == EML_OP_QLinearMul)
			st = fold(g, i, &done);
		if (st)
			return st;
		*count += (uint32_t)done;
	}
	cv_remove_unused_nodes(g);
	cv_compact_nodes(g);
	return EDGEML_OK;
}
