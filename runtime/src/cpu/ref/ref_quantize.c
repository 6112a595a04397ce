/* ref_quantize.c — QuantizeLinear and DequantizeLinear reference kernels, per-tensor or
 * per-axis. */
#include "quant/quant.h"
#include "cpu/ref/ref.h"
#include "cpu/ref/ref_qparams.h"

/* The node's params (*p) and its scales, checked. */
static edgeml_status read_params(const eml_kernel_ctx *ctx, eml_op_params *tmp,
				 const eml_quantize_params **p, const float **scale, int64_t *n)
{
	const eml_op_params *prm;
	edgeml_status st = eml_ref_params(ctx, tmp, &prm);
	if (st != EDGEML_OK)
		return st;
	*p = &prm->quantize;
	return eml_q_scales(ctx, (*p)->scale, scale, n);
}

/* y = saturate(round_half_even(x / scale) + zero_point), for float32 or int32 x. */
edgeml_status eml_ref_QuantizeLinear(const eml_kernel_ctx *ctx)
{
	const float *scale;
	int64_t n_params;
	eml_op_params tmp;
	const eml_quantize_params *p;
	edgeml_status st = read_params(ctx, &tmp, &p, &scale, &n_params);
	if (st != EDGEML_OK)
		return st;
	int64_t n = eml_tensor_numel(ctx->in[p->x]), inner = p->inner;
	uint32_t x_dtype = ctx->in[p->x]->dtype, y_dtype = ctx->out[0]->dtype;
	const void *xd = ctx->in_data[p->x];
	int32_t qmin, qmax;
	eml_q_range(y_dtype, &qmin, &qmax);
	for (int64_t i = 0; i < n; i++) {
		int64_t c = (i / inner) % n_params;
		float x = x_dtype == EDGEML_DTYPE_FLOAT32 ? ((const float *)xd)[i] :
			(float)((const int32_t *)xd)[i];
		int32_t q = eml_quantize_f32(x, scale[c], eml_q_zero_point(ctx, p->zero_point, c),
					     qmin, qmax);
		eml_q_store(ctx->out_data[0], y_dtype, i, q);
	}
	return EDGEML_OK;
}

/* y = (x - zero_point) * scale as float32, for uint8, int8 or int32 x. */
edgeml_status eml_ref_DequantizeLinear(const eml_kernel_ctx *ctx)
{
	float *y = ctx->out_data[0];
	const float *scale;
	int64_t n_params;
	eml_op_params tmp;
	const eml_quantize_params *p;
	edgeml_status st = read_params(ctx, &tmp, &p, &scale, &n_params);
	if (st != EDGEML_OK)
		return st;
	int64_t n = eml_tensor_numel(ctx->in[p->x]), inner = p->inner;
	uint32_t x_dtype = ctx->in[p->x]->dtype;
	for (int64_t i = 0; i < n; i++) {
		int64_t c = (i / inner) % n_params;
		y[i] = eml_dequantize(eml_q_load(ctx->in_data[p->x], x_dtype, i),
				      eml_q_zero_point(ctx, p->zero_point, c), scale[c]);
	}
	return EDGEML_OK;
}
