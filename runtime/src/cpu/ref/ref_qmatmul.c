/* ref_qmatmul.c — QLinearMatMul, MatMulInteger and QLinearGemm reference kernels: int32
 * accumulation of zero-point-corrected products, then requantization (or the raw int32). */
#include "quant/quant.h"
#include "cpu/ref/ref.h"
#include "cpu/ref/ref_qparams.h"

/* Zero point of an operand (slot k, layout at) for matrix mat, row (a) or column (b) i. */
static int32_t mm_zp(const eml_kernel_ctx *ctx, uint32_t k, const eml_mm_layout *at,
		     int64_t mat, int64_t i)
{
	return eml_q_zero_point(ctx, k, mat * at->batch_step + i * at->elem_step);
}

/* numpy.matmul of quantized a and b: QLinearMatMul requantizes to y, MatMulInteger stores
 * the int32 sum. */
static edgeml_status run_matmul(const eml_kernel_ctx *ctx)
{
	eml_op_params tmp;
	const eml_op_params *op;
	edgeml_status st = eml_ref_params(ctx, &tmp, &op);
	if (st != EDGEML_OK)
		return st;
	const eml_qmatmul_params *p = &op->qmatmul;
	const eml_matmul_shape *s = &p->shape;
	const eml_tensor *ta = ctx->in[p->a], *tb = ctx->in[p->b];
	const void *da = ctx->in_data[p->a], *db = ctx->in_data[p->b];
	uint32_t y_dtype = ctx->out[0]->dtype;
	const float *as = NULL, *bs = NULL, *ys = NULL;
	int32_t y_zp = 0, lo = 0, hi = 0;
	int64_t n_scale;
	if (p->requantize) {
		st = eml_q_scales(ctx, p->a_scale, &as, &n_scale);
		if (st == EDGEML_OK)
			st = eml_q_scales(ctx, p->b_scale, &bs, &n_scale);
		if (st == EDGEML_OK)
			st = eml_q_scales(ctx, p->y_scale, &ys, &n_scale);
		if (st != EDGEML_OK)
			return st;
		y_zp = eml_q_zero_point(ctx, p->y_zero_point, 0);
		eml_q_activation_range(y_dtype, p->act_min, p->act_max, ys[0], y_zp, &lo, &hi);
	}
	for (int64_t batch = 0; batch < s->batches; batch++) {
		int64_t ma, mb;
		eml_matmul_batch(s, batch, &ma, &mb);
		const int64_t a_base = ma * s->m * s->k, b_base = mb * s->k * s->n;
		const uint32_t adt = ta->dtype, bdt = tb->dtype;
		for (int64_t i = 0; i < s->m; i++) {
			int32_t za = mm_zp(ctx, p->a_zero_point, &p->a_zero_point_at, ma, i);
			for (int64_t j = 0; j < s->n; j++) {
				int32_t zb = mm_zp(ctx, p->b_zero_point, &p->b_zero_point_at, mb, j);
				int64_t acc = 0;
				for (int64_t kk = 0; kk < s->k; kk++) {
					int32_t va = eml_q_load(da, adt, a_base + i * s->k + kk);
					int32_t vb = eml_q_load(db, bdt, b_base + kk * s->n + j);
					acc += (int64_t)(va - za) * (vb - zb);
				}
				int64_t o = (batch * s->m + i) * s->n + j;
				if (!p->requantize) {
					eml_q_store(ctx->out_data[0], EDGEML_DTYPE_INT32, o,
						    eml_wrap_i32(acc));
					continue;
				}
				float mult = eml_requant_multiplier(
					as[ma * p->a_scale_at.batch_step + i * p->a_scale_at.elem_step],
					bs[mb * p->b_scale_at.batch_step + j * p->b_scale_at.elem_step],
					ys[0]);
				eml_q_store(ctx->out_data[0], y_dtype, o,
					    eml_requantize(eml_wrap_i32(acc), mult, y_zp, lo, hi));
			}
		}
	}
	return EDGEML_OK;
}

/* y = requantize(sum (a - a_zp)(b - b_zp), a_scale * b_scale / y_scale), fused clamp. */
edgeml_status eml_ref_QLinearMatMul(const eml_kernel_ctx *ctx)
{
	return run_matmul(ctx);
}

/* Y = sum (A - a_zero_point)(B - b_zero_point) as int32. */
edgeml_status eml_ref_MatMulInteger(const eml_kernel_ctx *ctx)
{
	return run_matmul(ctx);
}

/* Y = requantize(alpha * (sum_k (A - A_zp)(B - B_zp[n]) + C[n])), multiplier
 * alpha * A_scale * B_scale[n] / Y_scale, fused clamp (docs/ops.md). */
edgeml_status eml_ref_QLinearGemm(const eml_kernel_ctx *ctx)
{
	eml_op_params tmp;
	const eml_op_params *op;
	edgeml_status st = eml_ref_params(ctx, &tmp, &op);
	if (st != EDGEML_OK)
		return st;
	const eml_qgemm_params *p = &op->qgemm;
	const eml_tensor *ta = ctx->in[p->a], *tb = ctx->in[p->b];
	const void *da = ctx->in_data[p->a], *db = ctx->in_data[p->b];
	const int32_t *bias = p->bias != EML_NO_INPUT ? ctx->in_data[p->bias] : NULL;
	uint32_t y_dtype = ctx->out[0]->dtype;
	eml_q_requant r;
	st = eml_qgemm_requant(ctx, p, &r);
	if (st != EDGEML_OK)
		return st;
	int32_t za = r.x_zero_point;
	for (int64_t i = 0; i < p->m; i++) {
		for (int64_t j = 0; j < p->n; j++) {
			int32_t zb = eml_q_zero_point(ctx, p->b_zero_point, j);
			int64_t acc = bias ? bias[j] : 0;
			for (int64_t kk = 0; kk < p->k; kk++) {
				int32_t va = eml_q_load(da, ta->dtype, i * p->a_row + kk * p->a_col);
				int32_t vb = eml_q_load(db, tb->dtype, kk * p->b_row + j * p->b_col);
				acc += (int64_t)(va - za) * (vb - zb);
			}
			eml_q_store(ctx->out_data[0], y_dtype, i * p->n + j,
				    eml_requantize(eml_wrap_i32(acc), eml_q_requant_mult(&r, j),
						   r.y_zero_point, r.lo, r.hi));
		}
	}
	return EDGEML_OK;
}
