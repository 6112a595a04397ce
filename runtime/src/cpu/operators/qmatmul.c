/* qmatmul.c — QLinearMatMul on the fast path where qgemm.c does not take it: B computed at
 * run time (attention's Q K^T and P V) or a constant that is not one 2-D matrix, numpy batch
 * broadcasting included. Per output matrix (a task): B less its zero points packed into
 * int16 column pairs, A less its zero points widened to int16, the multipliers computed
 * once per column (and row, where A's scale is per row), then the level's eml_qmm_fn. The
 * sums are exact integers and the requantization is eml_requantize's, so the results are
 * bit-identical to eml_ref_QLinearMatMul. */
#include <stdlib.h>
#include <string.h>

#include "cpu/kernels.h"
#include "cpu/operators/operators.h"
#include "cpu/ref/ref_qparams.h"
#include "error.h"
#include "ops/op_params.h"
#include "ops/ops.h"
#include "quant/quant.h"

typedef struct qmatmul_op {
	eml_fast_op base;
	eml_qmm_fn fn;
	eml_qmatmul_params p;
	/* scratch layout, in bytes: packed B, A's rows, B's zero points, the multipliers */
	size_t off_a, off_zb, off_mult;
} qmatmul_op;

typedef struct qmatmul_run {
	const qmatmul_op *op;
	const eml_kernel_ctx *ctx;
	const eml_fast_env *env;
	const float *as, *bs, *ys;
	int32_t y_zp, lo, hi;
} qmatmul_run;

/* Frees the op. */
static void qmatmul_destroy(eml_fast_op *op)
{
	free(op);
}

/* Rounds a byte count up to a cache line. */
static size_t line_up(size_t bytes)
{
	return (bytes + 63) & ~(size_t)63;
}

/* n 8-bit elements at x less z, widened to int16 at y (step apart). The loops are split by
 * type and step, with restrict pointers, so that the compiler vectorises the contiguous ones
 * (a byte pointer may otherwise alias y). */
static void widen(const uint8_t *restrict x, int is_signed, int32_t z, size_t n,
		  int16_t *restrict y, size_t step)
{
	if (step == 1 && is_signed)
		for (size_t i = 0; i < n; i++)
			y[i] = (int16_t)((int32_t)(int8_t)x[i] - z);
	else if (step == 1)
		for (size_t i = 0; i < n; i++)
			y[i] = (int16_t)((int32_t)x[i] - z);
	else if (is_signed)
		for (size_t i = 0; i < n; i++)
			y[i * step] = (int16_t)((int32_t)(int8_t)x[i] - z);
	else
		for (size_t i = 0; i < n; i++)
			y[i * step] = (int16_t)((int32_t)x[i] - z);
}

/* Two rows x0, x1 of n 8-bit elements less z, interleaved as int16 pairs at y. */
static void widen_pair(const uint8_t *restrict x0, const uint8_t *restrict x1, int is_signed,
		       int32_t z, size_t n, int16_t *restrict y)
{
	if (is_signed)
		for (size_t i = 0; i < n; i++) {
			y[2 * i] = (int16_t)((int32_t)(int8_t)x0[i] - z);
			y[2 * i + 1] = (int16_t)((int32_t)(int8_t)x1[i] - z);
		}
	else
		for (size_t i = 0; i < n; i++) {
			y[2 * i] = (int16_t)((int32_t)x0[i] - z);
			y[2 * i + 1] = (int16_t)((int32_t)x1[i] - z);
		}
}

/* One output matrix. */
static void qmatmul_task(void *arg, uint32_t task, uint32_t thread)
{
	const qmatmul_run *r = arg;
	const qmatmul_op *op = r->op;
	const eml_qmatmul_params *p = &op->p;
	const eml_matmul_shape *s = &p->shape;
	const eml_kernel_ctx *ctx = r->ctx;
	const uint8_t *da = ctx->in_data[p->a], *db = ctx->in_data[p->b];
	int sa = ctx->in[p->a]->dtype == EDGEML_DTYPE_INT8;
	int sb = ctx->in[p->b]->dtype == EDGEML_DTYPE_INT8;
	const size_t m = (size_t)s->m, n = (size_t)s->n, k = (size_t)s->k;
	const size_t kp = (k + 1) / 2, nc = EML_QMM_NC(n);
	uint8_t *base = r->env->scratch[thread];
	int16_t *bp = (int16_t *)base, *ar = (int16_t *)(base + op->off_a);
	int32_t *zb = (int32_t *)(base + op->off_zb);
	float *mult = (float *)(base + op->off_mult);
	int64_t ma, mb;
	eml_matmul_batch(s, task, &ma, &mb);
	const uint8_t *a = da + ma * s->m * s->k, *b = db + mb * s->k * s->n;

	/* B: row kk to lane kk % 2 of pair row kk / 2; zeros past n and past k */
	if (nc != n || k % 2)
		memset(bp, 0, kp * nc * 2 * sizeof(int16_t));
	int zb_per_col = p->b_zero_point_at.elem_step != 0;
	for (size_t j = 0; j < (zb_per_col ? n : 1); j++)
		zb[j] = eml_q_zero_point(ctx, p->b_zero_point,
					 mb * p->b_zero_point_at.batch_step +
						 (int64_t)j * p->b_zero_point_at.elem_step);
	for (size_t kk = 0; kk < k; kk++) {
		int16_t *dst = bp + (kk / 2) * nc * 2 + kk % 2;
		const uint8_t *src = b + kk * n;
		if (!zb_per_col && kk % 2 == 0 && kk + 1 < k) {
			widen_pair(src, src + n, sb, zb[0], n, dst);
			kk++;
		} else if (!zb_per_col)
			widen(src, sb, zb[0], n, dst, 2);
		else
			for (size_t j = 0; j < n; j++)
				dst[j * 2] = (int16_t)((sb ? (int32_t)(int8_t)src[j] : src[j]) - zb[j]);
	}
	/* A: rows of 2 kp, the last k of an odd count 0 */
	int za_per_row = p->a_zero_point_at.elem_step != 0;
	int32_t za0 = eml_q_zero_point(ctx, p->a_zero_point, ma * p->a_zero_point_at.batch_step);
	for (size_t i = 0; i < m; i++) {
		int32_t za = !za_per_row ? za0 :
			     eml_q_zero_point(ctx, p->a_zero_point,
					      ma * p->a_zero_point_at.batch_step +
						      (int64_t)i * p->a_zero_point_at.elem_step);
		widen(a + i * k, sa, za, k, ar + i * kp * 2, 1);
		if (k % 2)
			ar[i * kp * 2 + k] = 0;
	}
	/* the multipliers, as eml_requant_multiplier gives them per output */
	int a_per_row = p->a_scale_at.elem_step != 0;
	for (size_t i = 0; i < (a_per_row ? m : 1); i++) {
		float a_scale = r->as[ma * p->a_scale_at.batch_step +
				      (int64_t)i * p->a_scale_at.elem_step];
		float *row = mult + i * nc;
		for (size_t j = 0; j < n; j++)
			row[j] = eml_requant_multiplier(
				a_scale,
				r->bs[mb * p->b_scale_at.batch_step +
				      (int64_t)j * p->b_scale_at.elem_step],
				r->ys[0]);
		for (size_t j = n; j < nc; j++)
			row[j] = 0.0f;
	}
	eml_qmm_args g = {
		.a = ar, .b = bp, .mult = mult,
		.y = (uint8_t *)ctx->out_data[0] + (size_t)task * m * n,
		.m = m, .n = n, .kp = kp, .a_stride = kp * 2,
		.mult_stride = a_per_row ? nc : 0, .y_stride = n,
		.zc = (float)r->y_zp, .lo = (float)r->lo, .hi = (float)r->hi,
	};
	op->fn(&g);
}

/* Runs the node over the pool. */
static edgeml_status qmatmul_run_op(const eml_fast_op *base, const eml_kernel_ctx *ctx,
				    const eml_fast_env *env)
{
	const qmatmul_op *op = (const qmatmul_op *)base;
	const eml_qmatmul_params *p = &op->p;
	qmatmul_run r = { op, ctx, env, NULL, NULL, NULL, 0, 0, 0 };
	int64_t n_scale;
	edgeml_status st = eml_q_scales(ctx, p->a_scale, &r.as, &n_scale);
	if (st == EDGEML_OK)
		st = eml_q_scales(ctx, p->b_scale, &r.bs, &n_scale);
	if (st == EDGEML_OK)
		st = eml_q_scales(ctx, p->y_scale, &r.ys, &n_scale);
	if (st != EDGEML_OK)
		return st;
	r.y_zp = eml_q_zero_point(ctx, p->y_zero_point, 0);
	eml_q_activation_range(ctx->out[0]->dtype, p->act_min, p->act_max, r.ys[0], r.y_zp,
			       &r.lo, &r.hi);
	const eml_matmul_shape *s = &p->shape;
	eml_threadpool_run(eml_fast_pool(env, (size_t)(s->batches * s->m * s->n * s->k)),
			   qmatmul_task, &r, (uint32_t)s->batches);
	return EDGEML_OK;
}

static int is_8bit(uint32_t dtype)
{
	return dtype == EDGEML_DTYPE_INT8 || dtype == EDGEML_DTYPE_UINT8;
}

edgeml_status eml_fast_qmatmul_prepare(const eml_kernel_ctx *ctx, eml_isa isa,
				       eml_fast_op **out)
{
	const eml_cpu_kernels *kt = eml_cpu_kernels_for(isa);
	eml_op_params tmp;
	const eml_op_params *prm;
	if (!kt->qmm || ctx->node->op != EML_OP_QLinearMatMul ||
	    eml_node_params(NULL, ctx->node, ctx->in, &tmp, &prm) != EDGEML_OK)
		return EDGEML_OK;
	const eml_qmatmul_params *p = &prm->qmatmul;
	const eml_matmul_shape *s = &p->shape;
	/* int32 sums: |(a - za)(b - zb)| <= 255 * 255, so K up to 33000 cannot overflow; the
	 * scratch (about 2 (m + k) n bytes) bounds m and n */
	if (!p->requantize || !is_8bit(ctx->in[p->a]->dtype) || !is_8bit(ctx->in[p->b]->dtype) ||
	    !is_8bit(ctx->out[0]->dtype) || s->k < 1 || s->k > 33000 || s->m < 1 ||
	    s->m > 65536 || s->n < 1 || s->n > 65536 || s->batches < 1 ||
	    s->batches > UINT32_MAX)
		return EDGEML_OK;
	qmatmul_op *op = calloc(1, sizeof(*op));
	if (!op)
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for a matmul");
	size_t m = (size_t)s->m, n = (size_t)s->n, kp = ((size_t)s->k + 1) / 2;
	size_t nc = EML_QMM_NC(n);
	size_t mult_rows = p->a_scale_at.elem_step != 0 ? m : 1;
	op->off_a = line_up(kp * nc * 2 * sizeof(int16_t));
	op->off_zb = op->off_a + line_up(m * kp * 2 * sizeof(int16_t));
	op->off_mult = op->off_zb + line_up(n * sizeof(int32_t));
	size_t scratch = op->off_mult + mult_rows * nc * sizeof(float);
	op->base = (eml_fast_op){ qmatmul_run_op, qmatmul_destroy, kt->qmm_name, scratch, 0 };
	op->fn = kt->qmm;
	op->p = *p;
	*out = &op->base;
	return EDGEML_OK;
}
