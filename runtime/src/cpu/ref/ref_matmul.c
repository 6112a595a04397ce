/* ref_matmul.c — reference float Gemm and MatMul. Each output sums its K terms in order,
 * one fused multiply-add (fmaf) per term, as the fast kernels do (f32_ukernels.h). */
#include "cpu/ref/ref_util.h"
#include "error.h"
#include "ops/broadcast.h"
#include "ops/infer_helpers.h"

/* Gemm (A, B, C) -> Y = alpha * A' * B' + beta * C, clamped to the fused range. */
edgeml_status eml_ref_Gemm(const eml_kernel_ctx *ctx)
{
	const eml_node *node = ctx->node;
	const eml_tensor *a = ctx->in[0], *c = node->n_inputs > 2 ? ctx->in[2] : NULL;
	const float *ad = ctx->in_data[0], *bd = ctx->in_data[1];
	const float *cd = c ? ctx->in_data[2] : NULL;
	float *y = ctx->out_data[0];
	int64_t ta, tb;
	float alpha, beta, lo, hi;
	edgeml_status st = eml_attr_int(node, "transA", 0, &ta);
	if (st == EDGEML_OK)
		st = eml_attr_int(node, "transB", 0, &tb);
	if (st == EDGEML_OK)
		st = eml_attr_float(node, "alpha", 1.0f, &alpha);
	if (st == EDGEML_OK)
		st = eml_attr_float(node, "beta", 1.0f, &beta);
	if (st == EDGEML_OK)
		st = eml_fused_activation(node, &lo, &hi);
	if (st != EDGEML_OK)
		return st;
	int64_t m = ctx->out[0]->dims[0], n = ctx->out[0]->dims[1];
	int64_t k = a->dims[ta ? 0 : 1];
	/* Element (i, p) of A' and (p, j) of B' for either storage order. */
	int64_t a_si = ta ? 1 : k, a_sp = ta ? m : 1;
	int64_t b_sp = tb ? 1 : n, b_sj = tb ? k : 1;
	int64_t c_str[2] = { 0, 0 };
	if (c)
		eml_broadcast_strides(c, 2, ctx->out[0]->dims, c_str);
	for (int64_t i = 0; i < m; i++) {
		for (int64_t j = 0; j < n; j++) {
			float acc = 0.0f;
			for (int64_t p = 0; p < k; p++)
				acc = fmaf(ad[i * a_si + p * a_sp], bd[p * b_sp + j * b_sj], acc);
			float v = alpha * acc;
			if (cd)
				v += beta * cd[i * c_str[0] + j * c_str[1]];
			y[i * n + j] = eml_clampf(v, lo, hi);
		}
	}
	return EDGEML_OK;
}

/* MatMul (A, B) -> Y with numpy semantics (1-D promotion, batch broadcasting). */
edgeml_status eml_ref_MatMul(const eml_kernel_ctx *ctx)
{
	const eml_tensor *a = ctx->in[0], *b = ctx->in[1];
	const float *ad = ctx->in_data[0], *bd = ctx->in_data[1];
	float *y = ctx->out_data[0];
	float lo, hi;
	edgeml_status st = eml_fused_activation(ctx->node, &lo, &hi);
	if (st != EDGEML_OK)
		return st;
	int64_t m = a->rank > 1 ? a->dims[a->rank - 2] : 1, k = a->dims[a->rank - 1];
	int64_t n = b->rank > 1 ? b->dims[b->rank - 1] : 1;
	/* Batch shapes: every axis but the matrix ones, broadcast as in infer. */
	eml_tensor ba = { .rank = a->rank > 2 ? a->rank - 2 : 0 };
	eml_tensor bb = { .rank = b->rank > 2 ? b->rank - 2 : 0 };
	memcpy(ba.dims, a->dims, ba.rank * sizeof(int64_t));
	memcpy(bb.dims, b->dims, bb.rank * sizeof(int64_t));
	eml_tensor batch = { 0 };
	st = eml_broadcast_shape(&ba, &bb, &batch.rank, batch.dims);
	if (st != EDGEML_OK)
		return st;
	eml_bcast_iter it;
	eml_bcast_iter_init(&it, &ba, &bb, &batch);
	int64_t n_batch = eml_tensor_numel(&batch);
	for (int64_t t = 0; t < n_batch; t++, eml_bcast_iter_next(&it)) {
		const float *ap = ad + it.off[0] * m * k, *bp = bd + it.off[1] * k * n;
		for (int64_t i = 0; i < m; i++) {
			for (int64_t j = 0; j < n; j++) {
				float acc = 0.0f;
				for (int64_t p = 0; p < k; p++)
					acc = fmaf(ap[i * k + p], bp[p * n + j], acc);
				*y++ = eml_clampf(acc, lo, hi);
			}
		}
	}
	return EDGEML_OK;
}
