/* ref_matmul.c — reference float Gemm and MatMul. Each output sums its K terms in order,
 * one fused multiply-add (fmaf) per term, as the fast kernels do (f32_ukernels.h). */
#include "cpu/ref/ref_util.h"

/* Gemm (A, B, C) -> Y = alpha * A' * B' + beta * C, clamped to the fused range. */
edgeml_status eml_ref_Gemm(const eml_kernel_ctx *ctx)
{
	const float *ad = ctx->in_data[0], *bd = ctx->in_data[1];
	float *y = ctx->out_data[0];
	eml_op_params tmp;
	const eml_op_params *op;
	edgeml_status st = eml_ref_params(ctx, &tmp, &op);
	if (st != EDGEML_OK)
		return st;
	const eml_gemm_params *p = &op->gemm;
	const float *cd = p->has_c ? ctx->in_data[2] : NULL;
	for (int64_t i = 0; i < p->m; i++) {
		for (int64_t j = 0; j < p->n; j++) {
			float acc = 0.0f;
			for (int64_t k = 0; k < p->k; k++)
				acc = fmaf(ad[i * p->a_row + k * p->a_col],
					   bd[k * p->b_row + j * p->b_col], acc);
			float v = p->alpha * acc;
			if (cd)
				v += p->beta * cd[i * p->c_stride[0] + j * p->c_stride[1]];
			y[i * p->n + j] = eml_clampf(v, p->act_min, p->act_max);
		}
	}
	return EDGEML_OK;
}

/* MatMul (A, B) -> Y with numpy semantics (1-D promotion, batch broadcasting). */
edgeml_status eml_ref_MatMul(const eml_kernel_ctx *ctx)
{
	const float *ad = ctx->in_data[0], *bd = ctx->in_data[1];
	float *y = ctx->out_data[0];
	eml_op_params tmp;
	const eml_op_params *op;
	edgeml_status st = eml_ref_params(ctx, &tmp, &op);
	if (st != EDGEML_OK)
		return st;
	const eml_matmul_params *p = &op->matmul;
	const eml_matmul_shape *s = &p->shape;
	int64_t m = s->m, k = s->k, n = s->n;
	for (int64_t t = 0; t < s->batches; t++) {
		int64_t ma, mb;
		eml_matmul_batch(s, t, &ma, &mb);
		const float *ap = ad + ma * m * k, *bp = bd + mb * k * n;
		for (int64_t i = 0; i < m; i++) {
			for (int64_t j = 0; j < n; j++) {
				float acc = 0.0f;
				for (int64_t q = 0; q < k; q++)
					acc = fmaf(ap[i * k + q], bp[q * n + j], acc);
				*y++ = eml_clampf(acc, p->act_min, p->act_max);
			}
		}
	}
	return EDGEML_OK;
}
