/* qmatmul.c — QLinearMatMul on the fast path where qgemm.c does not take it: B computed at
 * run time (attention's Q K^T and P V) or a constant that is not one 2-D matrix, numpy batch
 * broadcasting included. Per output matrix (a task): B less its zero points transposed into
 * int16 rows of K, each row of A less its zero point widened once, int32 dot products,
 * requantized as the reference does. The sums are exact integers, so the results are
 * bit-identical to eml_ref_QLinearMatMul. */
#include <stdlib.h>

#include "cpu/operators/operators.h"
#include "cpu/ref/ref_qparams.h"
#include "error.h"
#include "ops/op_params.h"
#include "ops/ops.h"
#include "quant/quant.h"

typedef struct qmatmul_op {
	eml_fast_op base;
	eml_qmatmul_params p;
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

/* Element i of an 8-bit tensor. */
static inline int32_t q8(const uint8_t *d, int is_signed, int64_t i)
{
	return is_signed ? (int32_t)(int8_t)d[i] : (int32_t)d[i];
}

/* One output matrix. */
static void qmatmul_task(void *arg, uint32_t task, uint32_t thread)
{
	const qmatmul_run *r = arg;
	const eml_qmatmul_params *p = &r->op->p;
	const eml_matmul_shape *s = &p->shape;
	const eml_kernel_ctx *ctx = r->ctx;
	const uint8_t *da = ctx->in_data[p->a], *db = ctx->in_data[p->b];
	int sa = ctx->in[p->a]->dtype == EDGEML_DTYPE_INT8;
	int sb = ctx->in[p->b]->dtype == EDGEML_DTYPE_INT8;
	uint8_t *y = ctx->out_data[0];
	int16_t *bt = (int16_t *)r->env->scratch[thread], *ar = bt + s->n * s->k;
	int64_t ma, mb;
	eml_matmul_batch(s, task, &ma, &mb);
	const int64_t a_base = ma * s->m * s->k, b_base = mb * s->k * s->n;
	for (int64_t j = 0; j < s->n; j++) {
		int32_t zb = eml_q_zero_point(ctx, p->b_zero_point,
					      mb * p->b_zero_point_at.batch_step +
						      j * p->b_zero_point_at.elem_step);
		for (int64_t kk = 0; kk < s->k; kk++)
			bt[j * s->k + kk] = (int16_t)(q8(db, sb, b_base + kk * s->n + j) - zb);
	}
	for (int64_t i = 0; i < s->m; i++) {
		int32_t za = eml_q_zero_point(ctx, p->a_zero_point,
					      ma * p->a_zero_point_at.batch_step +
						      i * p->a_zero_point_at.elem_step);
		for (int64_t kk = 0; kk < s->k; kk++)
			ar[kk] = (int16_t)(q8(da, sa, a_base + i * s->k + kk) - za);
		float a_scale = r->as[ma * p->a_scale_at.batch_step + i * p->a_scale_at.elem_step];
		uint8_t *yrow = y + ((int64_t)task * s->m + i) * s->n;
		for (int64_t j = 0; j < s->n; j++) {
			const int16_t *b = bt + j * s->k;
			int32_t acc = 0;
			for (int64_t kk = 0; kk < s->k; kk++)
				acc += (int32_t)ar[kk] * b[kk];
			float mult = eml_requant_multiplier(
				a_scale,
				r->bs[mb * p->b_scale_at.batch_step + j * p->b_scale_at.elem_step],
				r->ys[0]);
			yrow[j] = (uint8_t)eml_requantize(acc, mult, r->y_zp, r->lo, r->hi);
		}
	}
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

edgeml_status eml_fast_qmatmul_prepare(const eml_kernel_ctx *ctx, eml_fast_op **out)
{
	eml_op_params tmp;
	const eml_op_params *prm;
	if (ctx->node->op != EML_OP_QLinearMatMul ||
	    eml_node_params(NULL, ctx->node, ctx->in, &tmp, &prm) != EDGEML_OK)
		return EDGEML_OK;
	const eml_qmatmul_params *p = &prm->qmatmul;
	const eml_matmul_shape *s = &p->shape;
	/* int32 sums: |(a - za)(b - zb)| <= 255 * 255, so K up to 33000 cannot overflow */
	if (!p->requantize || !is_8bit(ctx->in[p->a]->dtype) || !is_8bit(ctx->in[p->b]->dtype) ||
	    !is_8bit(ctx->out[0]->dtype) || s->k < 1 || s->k > 33000 || s->m < 1 || s->n < 1 ||
	    s->batches < 1 || s->batches > UINT32_MAX)
		return EDGEML_OK;
	qmatmul_op *op = calloc(1, sizeof(*op));
	if (!op)
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for a matmul");
	op->base = (eml_fast_op){ qmatmul_run_op, qmatmul_destroy, "qs8-matmul-c",
				  (size_t)(s->n * s->k + s->k) * sizeof(int16_t), 0 };
	op->p = *p;
	*out = &op->base;
	return EDGEML_OK;
}
