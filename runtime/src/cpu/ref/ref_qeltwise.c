/* ref_qeltwise.c — QLinearAdd and QLinearMul reference kernels: combine in fp32 and quantize,
 * with ONNX Runtime's arithmetic for its com.microsoft ops. */
#include <math.h>

#include "quant/quant.h"
#include "cpu/ref/ref.h"
#include "cpu/ref/ref_qparams.h"
#include "ops/broadcast.h"

/* The per-tensor scales and zero points of A, B and C and C's clamp range (fused activation
 * included), read at run time since they may be graph inputs. */
typedef struct qbinary_params {
	const eml_tensor *ta, *tb;
	const void *a, *b;
	float sa, sb, sc;
	int32_t za, zb, zc, lo, hi;
} qbinary_params;

/* Reads the values of the inputs the node's params name (ops/op_params.h) into q. */
static edgeml_status read_params(const eml_kernel_ctx *ctx, qbinary_params *q)
{
	const float *sa, *sb, *sc;
	int64_t n_s;
	eml_op_params tmp;
	const eml_op_params *prm;
	edgeml_status st = eml_ref_params(ctx, &tmp, &prm);
	if (st != EDGEML_OK)
		return st;
	const eml_qbinary_params *p = &prm->qbinary;
	st = eml_q_scales(ctx, p->a_scale, &sa, &n_s);
	if (st == EDGEML_OK)
		st = eml_q_scales(ctx, p->b_scale, &sb, &n_s);
	if (st == EDGEML_OK)
		st = eml_q_scales(ctx, p->y_scale, &sc, &n_s);
	if (st != EDGEML_OK)
		return st;
	q->ta = ctx->in[p->a];
	q->tb = ctx->in[p->b];
	q->a = ctx->in_data[p->a];
	q->b = ctx->in_data[p->b];
	q->sa = sa[0];
	q->sb = sb[0];
	q->sc = sc[0];
	q->za = eml_q_zero_point(ctx, p->a_zero_point, 0);
	q->zb = eml_q_zero_point(ctx, p->b_zero_point, 0);
	q->zc = eml_q_zero_point(ctx, p->y_zero_point, 0);
	eml_q_activation_range(ctx->out[0]->dtype, p->act_min, p->act_max, q->sc, q->zc, &q->lo,
			       &q->hi);
	return EDGEML_OK;
}

/*
 * C = quantize(dequantize(A) * dequantize(B)), evaluated as ONNX Runtime's MLAS does so that
 * results match it bit for bit: the integer product p = (A - za) * (B - zb), the ratio
 * r = (sa * sb) / sc in fp32, C = round_half_even(p * r + zc) (a multiply, then an add; no
 * fma), saturated to C's range (fused activation included).
 */
static edgeml_status run_qmul(const eml_kernel_ctx *ctx)
{
	const eml_tensor *tc = ctx->out[0];
	int64_t n = eml_tensor_numel(tc);
	qbinary_params q;
	edgeml_status st = read_params(ctx, &q);
	if (st != EDGEML_OK)
		return st;
	const eml_tensor *ta = q.ta, *tb = q.tb;
	float ratio = eml_requant_multiplier(q.sa, q.sb, q.sc), zc = (float)q.zc;
	eml_bcast_iter it;
	eml_bcast_iter_init(&it, ta, tb, tc);
	for (int64_t i = 0; i < n; i++, eml_bcast_iter_next(&it)) {
		int32_t pa = eml_q_load(q.a, ta->dtype, it.off[0]) - q.za;
		int32_t pb = eml_q_load(q.b, tb->dtype, it.off[1]) - q.zb;
		eml_q_store(ctx->out_data[0], tc->dtype, i,
			    eml_qmul_requantize(pa * pb, ratio, zc, q.lo, q.hi));
	}
	return EDGEML_OK;
}

/*
 * C = quantize(dequantize(A) + dequantize(B)), evaluated as ONNX Runtime's MLAS AVX2 kernel
 * does so that results match it bit for bit (quant.h eml_qadd_constants): with ratios
 * ra = sa/sc, rb = sb/sc and k = zc - fma(ra, za, rb*zb), C = round_half_even(fma(A, ra,
 * fma(B, rb, k))); where ORT's broadcast loop passes B first (A a single element over a run of
 * C, eml_qadd_swapped) the operands swap roles: round_half_even(fma(B, rb, fma(A, ra, ks))),
 * ks = zc - fma(rb, zb, ra*za).
 */
edgeml_status eml_ref_QLinearAdd(const eml_kernel_ctx *ctx)
{
	const eml_tensor *tc = ctx->out[0];
	int64_t n = eml_tensor_numel(tc);
	qbinary_params q;
	edgeml_status st = read_params(ctx, &q);
	if (st != EDGEML_OK)
		return st;
	const eml_tensor *ta = q.ta, *tb = q.tb;
	eml_qadd_consts c = eml_qadd_constants(q.sa, q.za, q.sb, q.zb, q.sc, q.zc);
	int swapped = eml_qadd_swapped(ta->dims, ta->rank, tb->dims, tb->rank, tc->dims, tc->rank);
	eml_bcast_iter it;
	eml_bcast_iter_init(&it, ta, tb, tc);
	for (int64_t i = 0; i < n; i++, eml_bcast_iter_next(&it)) {
		float fa = (float)eml_q_load(q.a, ta->dtype, it.off[0]);
		float fb = (float)eml_q_load(q.b, tb->dtype, it.off[1]);
		float v = eml_qadd_value(&c, swapped, fa, fb);
		eml_q_store(ctx->out_data[0], tc->dtype, i,
			    eml_q_saturate(eml_round_half_even(v), q.lo, q.hi));
	}
	return EDGEML_OK;
}

/* C = quantize(dequantize(A) * dequantize(B)). */
edgeml_status eml_ref_QLinearMul(const eml_kernel_ctx *ctx)
{
	return run_qmul(ctx);
}
