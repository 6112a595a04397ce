/* ref_qconcat.c — QLinearConcat reference kernel: each input requantized to Y's parameters
 * (dequantize, then quantize, in fp32), then concatenated. */
#include "quant/quant.h"
#include "cpu/ref/ref.h"
#include "cpu/ref/ref_qparams.h"

/* Copies, along the axis, each input's slab of every outer index into Y, requantized. */
edgeml_status eml_ref_QLinearConcat(const eml_kernel_ctx *ctx)
{
	const eml_tensor *ty = ctx->out[0];
	const float *ys, *xs;
	int64_t n_s, outer = 1, y_row = 1;
	int32_t qmin, qmax;
	eml_op_params tmp;
	const eml_op_params *prm;
	edgeml_status st = eml_ref_params(ctx, &tmp, &prm);
	if (st != EDGEML_OK)
		return st;
	const eml_qconcat_params *p = &prm->qconcat;
	st = eml_q_scales(ctx, p->y_scale, &ys, &n_s);
	if (st != EDGEML_OK)
		return st;
	for (uint32_t d = 0; d < p->axis; d++)
		outer *= ty->dims[d];
	for (uint32_t d = p->axis; d < ty->rank; d++)
		y_row *= ty->dims[d];
	int32_t y_zp = eml_q_zero_point(ctx, p->y_zero_point, 0);
	eml_q_range(ty->dtype, &qmin, &qmax);
	int64_t y_off = 0; /* where this input's slab starts within a row of Y */
	for (uint32_t j = 0; j < p->n_x; j++) {
		uint32_t k = p->x0 + 3 * j;
		const eml_tensor *tx = ctx->in[k];
		st = eml_q_scales(ctx, k + 1, &xs, &n_s);
		if (st != EDGEML_OK)
			return st;
		int32_t x_zp = eml_q_zero_point(ctx, k + 2, 0);
		int64_t x_row = outer > 0 ? eml_tensor_numel(tx) / outer : 0;
		for (int64_t o = 0; o < outer; o++) {
			for (int64_t i = 0; i < x_row; i++) {
				int32_t v = eml_q_load(ctx->in_data[k], tx->dtype, o * x_row + i);
				eml_q_store(ctx->out_data[0], ty->dtype, o * y_row + y_off + i,
					    eml_q_rescale(v, xs[0], x_zp, ys[0], y_zp, qmin, qmax));
			}
		}
		y_off += x_row;
	}
	return EDGEML_OK;
}
