/* ref_math.c — reference Pow, Sqrt, Erf (float32, C's libm). */
#include "cpu/ref/ref_util.h"
#include "ops/broadcast.h"

/* x^y; y = 2 and y = 0.5 are computed as x * x and sqrtf(x) (correctly rounded; ONNX
 * Runtime special-cases the same exponents). */
static float pow_f(float x, float y)
{
	if (y == 2.0f)
		return x * x;
	if (y == 0.5f)
		return sqrtf(x);
	return powf(x, y);
}

/* Pow: X float32, Y float32/int32/int64 broadcast against it. */
edgeml_status eml_ref_Pow(const eml_kernel_ctx *ctx)
{
	const float *x = ctx->in_data[0];
	const void *yv = ctx->in_data[1];
	float *z = ctx->out_data[0];
	uint32_t ydt = ctx->in[1]->dtype;
	eml_bcast_iter it;
	eml_bcast_iter_init(&it, ctx->in[0], ctx->in[1], ctx->out[0]);
	int64_t n = eml_tensor_numel(ctx->out[0]);
	for (int64_t i = 0; i < n; i++, eml_bcast_iter_next(&it)) {
		float y = ydt == EDGEML_DTYPE_INT32 ? (float)((const int32_t *)yv)[it.off[1]]
			: ydt == EDGEML_DTYPE_INT64 ? (float)((const int64_t *)yv)[it.off[1]]
						    : ((const float *)yv)[it.off[1]];
		z[i] = pow_f(x[it.off[0]], y);
	}
	return EDGEML_OK;
}

/* Sqrt: element-wise square root. */
edgeml_status eml_ref_Sqrt(const eml_kernel_ctx *ctx)
{
	const float *x = ctx->in_data[0];
	float *y = ctx->out_data[0];
	int64_t n = eml_tensor_numel(ctx->out[0]);
	for (int64_t i = 0; i < n; i++)
		y[i] = sqrtf(x[i]);
	return EDGEML_OK;
}

/* Erf: element-wise error function. */
edgeml_status eml_ref_Erf(const eml_kernel_ctx *ctx)
{
	const float *x = ctx->in_data[0];
	float *y = ctx->out_data[0];
	int64_t n = eml_tensor_numel(ctx->out[0]);
	for (int64_t i = 0; i < n; i++)
		y[i] = erff(x[i]);
	return EDGEML_OK;
}
