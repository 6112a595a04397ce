/* ref_qeltwise.c — QLinearAdd and QLinearMul reference kernels: combine in fp32 and quantize,
 * with ONNX Runtime's arithmetic for its com.microsoft ops. */
#include <math.h>

#include "cpu/ref/quant.h"
#include "cpu/ref/ref.h"
#include "cpu/ref/ref_qparams.h"
#include "ops/broadcast.h"

/* Runs C = quantize(dequantize(A) * dequantize(B)) over the broadcast of A and B, clamped to
 * the fused activation's range. */
static edgeml_status run_qmul(const eml_kernel_ctx *ctx)
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
		eml_q_store(ctx->out_data[0], tc->dtype, i, eml_quantize_f32(fa * fb, sc[0], zc, lo, hi));
	}
	return EDGEML_OK;
}

/*
 * C = quantize(dequantize(A) + dequantize(B)), evaluated as ONNX Runtime's MLAS does so that
 * results match it bit for bit: with ratios ra = sa/sc, rb = sb/sc and the folded constant
 * k = zc - (ra*za + rb*zb), C = round_half_even(fma(A, ra, fma(B, rb, k))); when one operand
 * is a single element it is folded into k first (k += A*ra, without fma).
 */
edgeml_status eml_ref_QLinearAdd(const eml_kernel_ctx *ctx)
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
	float ra = sa[0] / sc[0], rb = sb[0] / sc[0];
	float ka = ra * (float)za, kb = rb * (float)zb;
	float k = (float)zc - (ka + kb);
	int scalar_a = eml_tensor_numel(ta) == 1, scalar_b = !scalar_a && eml_tensor_numel(tb) == 1;
	if (scalar_a)
		k += (float)eml_q_load(ctx->in_data[0], ta->dtype, 0) * ra;
	if (scalar_b)
		k += (float)eml_q_load(ctx->in_data[3], tb->dtype, 0) * rb;
	eml_bcast_iter it;
	eml_bcast_iter_init(&it, ta, tb, tc);
	for (int64_t i = 0; i < n; i++, eml_bcast_iter_next(&it)) {
		float v = k;
		if (!scalar_b)
			v = fmaf((float)eml_q_load(ctx->in_data[3], tb->dtype, it.off[1]), rb, v);
		if (!scalar_a)
			v = fmaf((float)eml_q_load(ctx->in_data[0], ta->dtype, it.off[0]), ra, v);
		float q = eml_round_half_even(v);
		int32_t r = !(q >= (float)lo) ? lo : q > (float)hi ? hi : (int32_t)q;
		eml_q_store(ctx->out_data[0], tc->dtype, i, r);
	}
	return EDGEML_OK;
}

/* C = quantize(dequantize(A) * dequantize(B)). */
edgeml_status eml_ref_QLinearMul(const eml_kernel_ctx *ctx)
{
	return run_qmul(ctx);
}
