/* ref_qmatmul.c — QLinearMatMul, MatMulInteger and QLinearGemm reference kernels: int32
 * accumulation of zero-point-corrected products, then requantization (or the raw int32). */
#include "quant/quant.h"
#include "cpu/ref/ref.h"
#include "cpu/ref/ref_qparams.h"
#include "ops/infer_qcommon.h"

/* One matmul operand with its zero point and (for QLinearMatMul) scale layouts. */
typedef struct mm_operand {
	uint32_t k_data, k_scale, k_zp; /* input indices; k_scale unused when no scales */
	int64_t zp_bstep, zp_estep;
	int64_t sc_bstep, sc_estep;
	const float *scale;
} mm_operand;

/* Reads an operand's parameter layouts (infer validated them, so these cannot fail) and, when
 * scaled, its scales. */
static edgeml_status mm_operand_init(const eml_kernel_ctx *ctx, const eml_matmul_shape *s,
				     int is_b, int scaled, mm_operand *op)
{
	const eml_tensor *t = ctx->in[op->k_data];
	int64_t n;
	op->zp_bstep = op->zp_estep = op->sc_bstep = op->sc_estep = 0;
	op->scale = NULL;
	if (op->k_zp < ctx->node->n_inputs && ctx->in[op->k_zp])
		(void)eml_matmul_param_layout(ctx->in[op->k_zp], "", t, is_b, s, &op->zp_bstep,
					      &op->zp_estep);
	if (!scaled)
		return EDGEML_OK;
	(void)eml_matmul_param_layout(ctx->in[op->k_scale], "", t, is_b, s, &op->sc_bstep,
				      &op->sc_estep);
	return eml_q_scales(ctx, op->k_scale, &op->scale, &n);
}

/* Zero point of operand op for matrix mat, row (a) or column (b) i. */
static int32_t mm_zp(const eml_kernel_ctx *ctx, const mm_operand *op, int64_t mat, int64_t i)
{
	if (op->k_zp >= ctx->node->n_inputs)
		return 0;
	return eml_q_zero_point(ctx, op->k_zp, mat * op->zp_bstep + i * op->zp_estep);
}

/* numpy.matmul of quantized a and b. With scaled set, inputs are QLinearMatMul's and the
 * result is requantized to y; otherwise they are MatMulInteger's and Y is the int32 sum. */
static edgeml_status run_matmul(const eml_kernel_ctx *ctx, mm_operand *a, mm_operand *b,
				int scaled)
{
	const eml_tensor *ta = ctx->in[a->k_data], *tb = ctx->in[b->k_data];
	const void *da = ctx->in_data[a->k_data], *db = ctx->in_data[b->k_data];
	uint32_t y_dtype = ctx->out[0]->dtype;
	eml_matmul_shape s;
	float y_scale = 1.0f;
	int32_t y_zp = 0, lo = 0, hi = 0;
	int64_t n_scale;
	const float *ys;
	(void)eml_matmul_shape_of(ta, tb, &s);
	edgeml_status st = mm_operand_init(ctx, &s, 0, scaled, a);
	if (st == EDGEML_OK)
		st = mm_operand_init(ctx, &s, 1, scaled, b);
	if (st == EDGEML_OK && scaled) {
		st = eml_q_scales(ctx, 6, &ys, &n_scale);
		if (st == EDGEML_OK) {
			y_scale = ys[0];
			y_zp = eml_q_zero_point(ctx, 7, 0);
			eml_q_output_range(ctx, y_dtype, y_scale, y_zp, &lo, &hi);
		}
	}
	if (st != EDGEML_OK)
		return st;
	for (int64_t batch = 0; batch < s.batches; batch++) {
		int64_t ma = 0, mb = 0, rest = batch;
		for (uint32_t d = s.batch_rank; d-- > 0;) {
			int64_t coord = rest % s.batch[d];
			rest /= s.batch[d];
			ma += coord * s.a_step[d];
			mb += coord * s.b_step[d];
		}
		const int64_t a_base = ma * s.m * s.k, b_base = mb * s.k * s.n;
		const uint32_t adt = ta->dtype, bdt = tb->dtype;
		for (int64_t i = 0; i < s.m; i++) {
			int32_t za = mm_zp(ctx, a, ma, i);
			for (int64_t j = 0; j < s.n; j++) {
				int32_t zb = mm_zp(ctx, b, mb, j);
				int64_t acc = 0;
				for (int64_t kk = 0; kk < s.k; kk++) {
					int32_t va = eml_q_load(da, adt, a_base + i * s.k + kk);
					int32_t vb = eml_q_load(db, bdt, b_base + kk * s.n + j);
					acc += (int64_t)(va - za) * (vb - zb);
				}
				int64_t o = (batch * s.m + i) * s.n + j;
				if (!scaled) {
					eml_q_store(ctx->out_data[0], EDGEML_DTYPE_INT32, o,
						    eml_wrap_i32(acc));
					continue;
				}
				float mult = a->scale[ma * a->sc_bstep + i * a->sc_estep] *
					     b->scale[mb * b->sc_bstep + j * b->sc_estep] / y_scale;
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
	mm_operand a = { .k_data = 0, .k_scale = 1, .k_zp = 2 };
	mm_operand b = { .k_data = 3, .k_scale = 4, .k_zp = 5 };
	return run_matmul(ctx, &a, &b, 1);
}

/* Y = sum (A - a_zero_point)(B - b_zero_point) as int32. */
edgeml_status eml_ref_MatMulInteger(const eml_kernel_ctx *ctx)
{
	mm_operand a = { .k_data = 0, .k_zp = 2 };
	mm_operand b = { .k_data = 1, .k_zp = 3 };
	return run_matmul(ctx, &a, &b, 0);
}

/* Y = requantize(alpha * (sum_k (A - A_zp)(B - B_zp[n]) + C[n])), multiplier
 * alpha * A_scale * B_scale[n] / Y_scale, fused clamp (docs/ops.md). */
edgeml_status eml_ref_QLinearGemm(const eml_kernel_ctx *ctx)
{
	const eml_tensor *ta = ctx->in[0], *tb = ctx->in[3];
	const void *da = ctx->in_data[0], *db = ctx->in_data[3];
	const int32_t *bias = ctx->in_data[6];
	uint32_t y_dtype = ctx->out[0]->dtype;
	const float *sa, *sb, *sy;
	int64_t n_sa, n_sb, n_sy, trans_a, trans_b;
	float alpha;
	int32_t lo, hi;
	edgeml_status st = eml_q_scales(ctx, 1, &sa, &n_sa);
	if (st == EDGEML_OK)
		st = eml_q_scales(ctx, 4, &sb, &n_sb);
	if (st == EDGEML_OK)
		st = eml_q_scales(ctx, 7, &sy, &n_sy);
	if (st != EDGEML_OK)
		return st;
	/* Infer checked these attributes. */
	(void)eml_attr_int(ctx->node, "transA", 0, &trans_a);
	(void)eml_attr_int(ctx->node, "transB", 0, &trans_b);
	(void)eml_attr_float(ctx->node, "alpha", 1.0f, &alpha);
	int64_t m = ctx->out[0]->dims[0], n = ctx->out[0]->dims[1];
	int64_t k = ta->dims[trans_a ? 0 : 1];
	/* Element (row, col) of a row-major matrix with cols columns, transposed or not. */
	int64_t a_row = trans_a ? 1 : k, a_col = trans_a ? m : 1;
	int64_t b_row = trans_b ? 1 : n, b_col = trans_b ? k : 1;
	int32_t za = eml_q_zero_point(ctx, 2, 0), zy = eml_q_zero_point(ctx, 8, 0);
	eml_q_output_range(ctx, y_dtype, sy[0], zy, &lo, &hi);
	for (int64_t i = 0; i < m; i++) {
		for (int64_t j = 0; j < n; j++) {
			int32_t zb = eml_q_zero_point(ctx, 5, j);
			int64_t acc = bias ? bias[j] : 0;
			for (int64_t kk = 0; kk < k; kk++) {
				int32_t va = eml_q_load(da, ta->dtype, i * a_row + kk * a_col);
				int32_t vb = eml_q_load(db, tb->dtype, kk * b_row + j * b_col);
				acc += (int64_t)(va - za) * (vb - zb);
			}
			float mult = alpha * sa[0] * sb[n_sb == 1 ? 0 : j] / sy[0];
			eml_q_store(ctx->out_data[0], y_dtype, i * n + j,
				    eml_requantize(eml_wrap_i32(acc), mult, zy, lo, hi));
		}
	}
	return EDGEML_OK;
}
