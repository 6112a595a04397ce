/* infer_qmatmul.c — QLinearMatMul, MatMulInteger (numpy.matmul broadcasting) and the
 * edgeml-domain QLinearGemm: shapes, dtypes and quantization-parameter layouts. */
#include <math.h>

#include "error.h"
#include "ops/infer_helpers.h"
#include "ops/infer_qcommon.h"
#include "ops/ops.h"

edgeml_status eml_matmul_shape_of(const eml_tensor *a, const eml_tensor *b, eml_matmul_shape *s)
{
	if (a->rank < 1 || b->rank < 1)
		return eml_error(EDGEML_ERR_SHAPE, "matmul operands must have rank >= 1, got %u "
				 "and %u", a->rank, b->rank);
	uint32_t abr = a->rank > 1 ? a->rank - 2 : 0, bbr = b->rank > 1 ? b->rank - 2 : 0;
	int64_t kb = b->rank > 1 ? b->dims[b->rank - 2] : b->dims[0];
	s->m = a->rank > 1 ? a->dims[a->rank - 2] : 1;
	s->k = a->dims[a->rank - 1];
	s->n = b->rank > 1 ? b->dims[b->rank - 1] : 1;
	if (s->k != kb)
		return eml_error(EDGEML_ERR_SHAPE, "matmul inner dims differ: a has K = %lld, b "
				 "has K = %lld", (long long)s->k, (long long)kb);
	s->batch_rank = abr > bbr ? abr : bbr;
	s->batches = 1;
	int64_t a_stride = 1, b_stride = 1;
	/* From the innermost batch dim out, so that each operand's matrix stride grows. */
	for (uint32_t i = s->batch_rank; i-- > 0;) {
		uint32_t lead_a = s->batch_rank - abr, lead_b = s->batch_rank - bbr;
		int64_t da = i < lead_a ? 1 : a->dims[i - lead_a];
		int64_t db = i < lead_b ? 1 : b->dims[i - lead_b];
		if (da != db && da != 1 && db != 1)
			return eml_error(EDGEML_ERR_SHAPE, "matmul batch dims do not broadcast: "
					 "%lld vs %lld", (long long)da, (long long)db);
		s->batch[i] = da == 1 ? db : da;
		s->a_step[i] = da == 1 ? 0 : a_stride;
		s->b_step[i] = db == 1 ? 0 : b_stride;
		a_stride *= da;
		b_stride *= db;
		if (s->batch[i] != 0 && s->batches > INT64_MAX / s->batch[i])
			return eml_error(EDGEML_ERR_SHAPE, "matmul batch count overflows");
		s->batches *= s->batch[i];
	}
	s->out_rank = 0;
	for (uint32_t i = 0; i < s->batch_rank; i++)
		s->out_dims[s->out_rank++] = s->batch[i];
	if (a->rank > 1)
		s->out_dims[s->out_rank++] = s->m;
	if (b->rank > 1)
		s->out_dims[s->out_rank++] = s->n;
	return EDGEML_OK;
}

edgeml_status eml_matmul_param_layout(const eml_tensor *p, const char *name,
				      const eml_tensor *operand, int is_b,
				      const eml_matmul_shape *s, int64_t *batch_step,
				      int64_t *elem_step)
{
	int64_t count = is_b ? s->n : s->m;
	uint32_t k_dim = is_b ? operand->rank - 2 : operand->rank - 1;
	int same = operand->rank > 1 && p->rank == operand->rank;
	*batch_step = 0;
	*elem_step = 0;
	if (eml_tensor_numel(p) == 1)
		return EDGEML_OK;
	for (uint32_t i = 0; same && i < p->rank; i++)
		same = p->dims[i] == (i == k_dim ? 1 : operand->dims[i]);
	if (same) {
		*batch_step = count;
		*elem_step = 1;
		return EDGEML_OK;
	}
	if (operand->rank > 1 && p->rank == 1 && p->dims[0] == count) {
		*elem_step = 1;
		return EDGEML_OK;
	}
	return eml_error(EDGEML_ERR_SHAPE, "%s must hold one value, a 1-D vector of %lld per-%s "
			 "values, or the shape of its operand with the K dim set to 1", name,
			 (long long)count, is_b ? "column" : "row");
}

/* Checks that the scale (k_scale) and zero point (k_zp) of matmul operand k_op are laid out
 * per tensor, per row (a) or per column (b), and that the zero point has the operand's type. */
static edgeml_status check_operand_params(const eml_tensor *const *in, const char *const *names,
					  uint32_t k_op, int k_scale, uint32_t k_zp, int is_b,
					  const eml_matmul_shape *s)
{
	int64_t bs, es;
	edgeml_status st = EDGEML_OK;
	if (k_scale >= 0) {
		st = eml_check_dtype(in[k_scale], names[k_scale], EML_DT_FLOAT);
		if (st == EDGEML_OK)
			st = eml_matmul_param_layout(in[k_scale], names[k_scale], in[k_op], is_b,
						     s, &bs, &es);
	}
	if (st != EDGEML_OK || !in[k_zp])
		return st;
	st = eml_check_same_dtype(in[k_op], names[k_op], in[k_zp], names[k_zp]);
	if (st == EDGEML_OK)
		st = eml_matmul_param_layout(in[k_zp], names[k_zp], in[k_op], is_b, s, &bs, &es);
	return st;
}

/* QLinearMatMul (a, a_scale, a_zero_point, b, b_scale, b_zero_point, y_scale, y_zero_point)
 * -> y of y_zero_point's type; per-row a and per-column b parameters, per-tensor y. */
edgeml_status eml_infer_QLinearMatMul(const eml_node *node, const eml_tensor *const *in,
				      eml_tensor *out)
{
	static const char *const names[] = { "a", "a_scale", "a_zero_point", "b", "b_scale",
					     "b_zero_point", "y_scale", "y_zero_point" };
	eml_matmul_shape s;
	float lo, hi;
	edgeml_status st = eml_q_check_inputs(node, in, 8, 8, names);
	if (st == EDGEML_OK)
		st = eml_check_dtype(in[0], names[0], EML_DT_INT8S);
	if (st == EDGEML_OK)
		st = eml_check_dtype(in[3], names[3], EML_DT_INT8S);
	if (st == EDGEML_OK)
		st = eml_check_dtype(in[7], names[7], EML_DT_INT8S);
	if (st == EDGEML_OK)
		st = eml_matmul_shape_of(in[0], in[3], &s);
	if (st == EDGEML_OK)
		st = check_operand_params(in, names, 0, 1, 2, 0, &s);
	if (st == EDGEML_OK)
		st = check_operand_params(in, names, 3, 4, 5, 1, &s);
	if (st == EDGEML_OK)
		st = eml_q_check_param(in, 6, names[6], EDGEML_DTYPE_FLOAT32, 0);
	if (st == EDGEML_OK)
		st = eml_q_check_param(in, 7, names[7], in[7]->dtype, 0);
	if (st == EDGEML_OK)
		st = eml_fused_activation(node, &lo, &hi);
	if (st != EDGEML_OK)
		return st;
	return eml_set_output(out, in[7]->dtype, s.out_rank, s.out_dims);
}

/* MatMulInteger (A, B, [a_zero_point], [b_zero_point]) -> int32 Y. */
edgeml_status eml_infer_MatMulInteger(const eml_node *node, const eml_tensor *const *in,
				      eml_tensor *out)
{
	static const char *const names[] = { "A", "B", "a_zero_point", "b_zero_point" };
	eml_matmul_shape s;
	edgeml_status st = eml_q_check_inputs(node, in, 2, 4, names);
	if (st == EDGEML_OK)
		st = eml_check_dtype(in[0], names[0], EML_DT_INT8S);
	if (st == EDGEML_OK)
		st = eml_check_dtype(in[1], names[1], EML_DT_INT8S);
	if (st == EDGEML_OK)
		st = eml_matmul_shape_of(in[0], in[1], &s);
	if (st == EDGEML_OK && node->n_inputs > 2)
		st = check_operand_params(in, names, 0, -1, 2, 0, &s);
	if (st == EDGEML_OK && node->n_inputs > 3)
		st = check_operand_params(in, names, 1, -1, 3, 1, &s);
	if (st != EDGEML_OK)
		return st;
	return eml_set_output(out, EDGEML_DTYPE_INT32, s.out_rank, s.out_dims);
}

/* QLinearGemm (A, A_scale, A_zero_point, B, B_scale, B_zero_point, [C], Y_scale,
 * Y_zero_point) -> Y (docs/ops.md): 2-D A and B, transA/transB, alpha, int32 bias C [N]. */
edgeml_status eml_infer_QLinearGemm(const eml_node *node, const eml_tensor *const *in,
				    eml_tensor *out)
{
	static const char *const names[] = { "A", "A_scale", "A_zero_point", "B", "B_scale",
					     "B_zero_point", "C", "Y_scale", "Y_zero_point" };
	int64_t trans_a, trans_b;
	float alpha, lo, hi;
	edgeml_status st = eml_q_check_inputs(node, in, 6, 9, names);
	if (st != EDGEML_OK)
		return st;
	if (node->n_inputs != 9 || !in[7] || !in[8])
		return eml_error(EDGEML_ERR_FORMAT, "inputs 7 (Y_scale) and 8 (Y_zero_point) are "
				 "required");
	st = eml_attr_int(node, "transA", 0, &trans_a);
	if (st == EDGEML_OK)
		st = eml_attr_int(node, "transB", 0, &trans_b);
	if (st == EDGEML_OK)
		st = eml_attr_float(node, "alpha", 1.0f, &alpha);
	if (st == EDGEML_OK)
		st = eml_fused_activation(node, &lo, &hi);
	if (st != EDGEML_OK)
		return st;
	if ((trans_a != 0 && trans_a != 1) || (trans_b != 0 && trans_b != 1))
		return eml_error(EDGEML_ERR_FORMAT, "attributes transA = %lld and transB = %lld "
				 "must be 0 or 1", (long long)trans_a, (long long)trans_b);
	if (!isfinite(alpha))
		return eml_error(EDGEML_ERR_FORMAT, "attribute alpha = %g is not finite",
				 (double)alpha);
	st = eml_check_dtype(in[0], names[0], EML_DT_INT8S);
	if (st == EDGEML_OK)
		st = eml_check_dtype(in[3], names[3], EML_DT_INT8S);
	if (st == EDGEML_OK)
		st = eml_check_dtype(in[8], names[8], EML_DT_INT8S);
	if (st == EDGEML_OK)
		st = eml_check_rank(in[0], names[0], 2, 2);
	if (st == EDGEML_OK)
		st = eml_check_rank(in[3], names[3], 2, 2);
	if (st != EDGEML_OK)
		return st;
	int64_t m = in[0]->dims[trans_a ? 1 : 0], k = in[0]->dims[trans_a ? 0 : 1];
	int64_t kb = in[3]->dims[trans_b ? 1 : 0], n = in[3]->dims[trans_b ? 0 : 1];
	if (k != kb)
		return eml_error(EDGEML_ERR_SHAPE, "A has K = %lld but B has K = %lld",
				 (long long)k, (long long)kb);
	st = eml_q_check_param(in, 1, names[1], EDGEML_DTYPE_FLOAT32, 0);
	if (st == EDGEML_OK)
		st = eml_q_check_param(in, 2, names[2], in[0]->dtype, 0);
	if (st == EDGEML_OK)
		st = eml_q_check_param(in, 4, names[4], EDGEML_DTYPE_FLOAT32, n);
	if (st == EDGEML_OK)
		st = eml_q_check_param(in, 5, names[5], in[3]->dtype, n);
	if (st == EDGEML_OK)
		st = eml_q_check_param(in, 7, names[7], EDGEML_DTYPE_FLOAT32, 0);
	if (st == EDGEML_OK)
		st = eml_q_check_param(in, 8, names[8], in[8]->dtype, 0);
	if (st == EDGEML_OK && in[6]) {
		st = eml_check_dtype(in[6], names[6], EML_DT(EDGEML_DTYPE_INT32));
		if (st == EDGEML_OK && (in[6]->rank != 1 || in[6]->dims[0] != n))
			st = eml_error(EDGEML_ERR_SHAPE, "input 6 (C) must be a 1-D int32 bias of "
				       "N = %lld elements", (long long)n);
	}
	if (st != EDGEML_OK)
		return st;
	int64_t dims[2] = { m, n };
	return eml_set_output(out, in[8]->dtype, 2, dims);
}
