/* ref_qeltwise.c — QLinearAdd and QLinearMul reference kernels: dequantize both operands,
 * combine in fp32, quantize (as ONNX Runtime's com.microsoft ops). */
#include "cpu/ref/quant.h"
#include "cpu/ref/ref.h"
#include "cpu/ref/ref_qparams.h"
#include "ops/broadcast.h"

/* Runs C = quantize(dequantize(A) op dequantize(B)) over the broadcast of A and B, op being
 * + (is_mul 0) or * (is_mul 1), clamped to the fused activation's range. */
static edgeml_status run_qbinary(const eml_kernel_ctx *ctx, int is_mul)
{
	const eml_tensor *ta = ctx->in[0], *tb = ctx->in[3], *tc = ctx->out[0];
	const float *sa, *sb, *sc;
	int64_t n_s, n = eml_tensor_numel(tc);
	int32_t lo, hi;
	edgeml_status st = eml_q_scales(ctx, 1, &sa, &n_s);
	if (st == EDGEML_OK)
		st = eml_q_scales(ctx, 4, &sb, &n_s);
	if (st == EDGEML_OK)
		st = eml_q_scales(ctx, 6, &sc, &n_s);
	if (st != EDGEML_OK)
		return st;
	int32_t za = eml_q_zero_point(ctx, 2, 0), zb = eml_q_zero_point(ctx, 5, 0);
	int32_t zc = ctx->node->n_inputs > 7 ? eml_q_zero_point(ctx, 7, 0) : 0;
	eml_q_output_range(ctx, tc->dtype, sc[0], zc, &lo, &hi);
	eml_bcast_iter it;
	eml_bcast_iter_init(&it, ta, tb, tc);
	for (int64_t i = 0; i < n; i++, eml_bcast_iter_next(&it)) {
		float fa = (float)(eml_q_load(ctx->in_data[0], ta->dtype, it.off[0]) - za) * sa[0];
		float fb = (float)(eml_q_load(ctx->in_data[3], tb->dtype, it.off[1]) - zb) * sb[0];
		float r = is_mul ? fa * fb : fa + fb;
		eml_q_store(ctx->out_data[0], tc->dtype, i, eml_quantize_f32(r, sc[0], zc, lo, hi));
	}
	return EDGEML_OK;
}

/* C = quantize(dequantize(A) + dequantize(B)). */
edgeml_status eml_ref_QLinearAdd(const eml_kernel_ctx *ctx)
{
	return run_qbinary(ctx, 0);
}

/* C = quantize(dequantize(A) * dequantize(B)). */
edgeml_status eml_ref_QLinearMul(const eml_kernel_ctx *ctx)
{
	return run_qbinary(ctx, 1);
}
