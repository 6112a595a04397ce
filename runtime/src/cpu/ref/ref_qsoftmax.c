/* ref_qsoftmax.c — QLinearSoftmax reference kernel: ONNX Runtime's com.microsoft
 * QLinearSoftmax arithmetic (docs/ops.md), so that a quantized Softmax gives what ORT gives
 * once its graph optimisations fuse DequantizeLinear -> Softmax -> QuantizeLinear. */
#include <math.h>

#include "cpu/ref/ref.h"
#include "cpu/ref/ref_qparams.h"
#include "cpu/ref/ref_util.h"
#include "error.h"
#include "quant/quant.h"

/*
 * Softmax over attribute axis: per row, the fp32 sum of e[max - x] in order, then
 * Y = round_half_even(e[max - x] * floor(1 / Y_scale) / sum) + Y_zero_point, saturated. The
 * input zero point cancels (only distances to the row's max count); Y_scale enters through
 * floor(1 / Y_scale), as in ORT (for the usual 1/255 that is 254, not 255).
 */
edgeml_status eml_ref_QLinearSoftmax(const eml_kernel_ctx *ctx)
{
	const float *xs, *ys;
	int64_t n_s;
	eml_op_params tmp;
	const eml_op_params *prm;
	edgeml_status st = eml_ref_params(ctx, &tmp, &prm);
	if (st != EDGEML_OK)
		return st;
	const eml_qsoftmax_params *p = &prm->qsoftmax;
	st = eml_q_scales(ctx, p->x_scale, &xs, &n_s);
	if (st == EDGEML_OK)
		st = eml_q_scales(ctx, p->y_scale, &ys, &n_s);
	if (st != EDGEML_OK)
		return st;
	const eml_tensor *t = ctx->in[p->x];
	const void *xd = ctx->in_data[p->x];
	uint32_t a = p->axis;
	int64_t outer = 1, inner = 1, len = t->dims[a];
	for (uint32_t i = 0; i < a; i++)
		outer *= t->dims[i];
	for (uint32_t i = a + 1; i < t->rank; i++)
		inner *= t->dims[i];
	if (len == 0 || outer * inner == 0)
		return EDGEML_OK;
	float e[256];
	eml_qsoftmax_table(xs[0], len, e);
	float y_mult = eml_qsoftmax_y_mult(ys[0]);
	int32_t yz = eml_q_zero_point(ctx, p->y_zero_point, 0), qmin, qmax;
	eml_q_range(t->dtype, &qmin, &qmax);
	for (int64_t o = 0; o < outer; o++) {
		for (int64_t in = 0; in < inner; in++) {
			int64_t base = o * len * inner + in;
			int32_t mx = INT32_MIN;
			for (int64_t j = 0; j < len; j++) {
				int32_t v = eml_q_load(xd, t->dtype, base + j * inner);
				mx = v > mx ? v : mx;
			}
			float sum = 0.0f;
			for (int64_t j = 0; j < len; j++)
				sum += e[mx - eml_q_load(xd, t->dtype, base + j * inner)];
			for (int64_t j = 0; j < len; j++) {
				int64_t k = base + j * inner;
				float ek = e[mx - eml_q_load(xd, t->dtype, k)];
				eml_q_store(ctx->out_data[0], t->dtype, k,
					    eml_qsoftmax_quantize(ek, y_mult, sum, yz, qmin, qmax));
			}
		}
	}
	return EDGEML_OK;
}
