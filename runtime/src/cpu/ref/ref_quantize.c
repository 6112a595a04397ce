/* ref_quantize.c — QuantizeLinear and DequantizeLinear reference kernels, per-tensor or
 * per-axis. */
#include "quant/quant.h"
#include "cpu/ref/ref.h"
#include "cpu/ref/ref_qparams.h"

/* The stride of the parameter index in x: element i uses parameter (i / inner) % n_params.
 * Per-tensor parameters get inner = numel, so every element uses parameter 0. */
static int64_t axis_inner(const eml_kernel_ctx *ctx, int64_t n_params)
{
	const eml_tensor *x = ctx->in[0];
	int64_t axis, inner = 1;
	if (n_params == 1)
		return eml_tensor_numel(x) > 0 ? eml_tensor_numel(x) : 1;
	/* Infer checked the attribute and that the axis is in range. */
	(void)eml_attr_int(ctx->node, "axis", 1, &axis);
	if (axis < 0)
		axis += x->rank;
	for (uint32_t d = (uint32_t)axis + 1; d < x->rank; d++)
		inner *= x->dims[d];
	return inner;
}

/* y = saturate(round_half_even(x / scale) + zero_point), for float32 or int32 x. */
edgeml_status eml_ref_QuantizeLinear(const eml_kernel_ctx *ctx)
{
	const float *scale;
	int64_t n_params, n = eml_tensor_numel(ctx->in[0]);
	uint32_t x_dtype = ctx->in[0]->dtype, y_dtype = ctx->out[0]->dtype;
	int32_t qmin, qmax;
	edgeml_status st = eml_q_scales(ctx, 1, &scale, &n_params);
	if (st != EDGEML_OK)
		return st;
	int64_t inner = axis_inner(ctx, n_params);
	eml_q_range(y_dtype, &qmin, &qmax);
	for (int64_t i = 0; i < n; i++) {
		int64_t c = (i / inner) % n_params;
		float x = x_dtype == EDGEML_DTYPE_FLOAT32 ? ((const float *)ctx->in_data[0])[i] :
			(float)((const int32_t *)ctx->in_data[0])[i];
		int32_t q = eml_quantize_f32(x, scale[c], eml_q_zero_point(ctx, 2, c), qmin, qmax);
		eml_q_store(ctx->out_data[0], y_dtype, i, q);
	}
	return EDGEML_OK;
}

/* y = (x - zero_point) * scale as float32, for uint8, int8 or int32 x. */
edgeml_status eml_ref_DequantizeLinear(const eml_kernel_ctx *ctx)
{
	const float *scale;
	int64_t n_params, n = eml_tensor_numel(ctx->in[0]);
	uint32_t x_dtype = ctx->in[0]->dtype;
	float *y = ctx->out_data[0];
	edgeml_status st = eml_q_scales(ctx, 1, &scale, &n_params);
	if (st != EDGEML_OK)
		return st;
	int64_t inner = axis_inner(ctx, n_params);
	for (int64_t i = 0; i < n; i++) {
		int64_t c = (i / inner) % n_params;
		/* 64 bits: an int32 x minus its zero point can leave the int32 range. */
		int64_t v = (int64_t)eml_q_load(ctx->in_data[0], x_dtype, i) -
			    eml_q_zero_point(ctx, 2, c);
		y[i] = (float)v * scale[c];
	}
	return EDGEML_OK;
}
