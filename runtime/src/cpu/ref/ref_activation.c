/* ref_activation.c — reference element-wise activations: Relu, LeakyRelu, Sigmoid,
 * HardSigmoid, HardSwish, Tanh (float32) and Clip (every dtype); the functions a float Conv
 * applies to its result (activation_fn). */
#include <float.h>

#include "cpu/ref/ref_util.h"
#include "error.h"
#include "ops/infer_helpers.h"

enum activation { ACT_RELU, ACT_LEAKY, ACT_SIGMOID, ACT_HARD_SIGMOID, ACT_HARD_SWISH, ACT_TANH };

/* Logistic function, computed on the side where exp() cannot overflow. */
static float sigmoidf(float x)
{
	if (x >= 0.0f)
		return 1.0f / (1.0f + expf(-x));
	float e = expf(x);
	return e / (1.0f + e);
}

/* clamp(alpha x + beta, 0, 1), as HardSigmoid. */
static float hard_sigmoidf(float v, float alpha, float beta)
{
	return fmaxf(0.0f, fminf(1.0f, alpha * v + beta));
}

/* x * clamp(x / 6 + 1/2, 0, 1), as HardSwish. */
static float hard_swishf(float v)
{
	return v * fmaxf(0.0f, fminf(1.0f, v * (1.0f / 6.0f) + 0.5f));
}

void eml_ref_activation_fn(uint32_t fn, float alpha, float beta, size_t n, float *y)
{
	for (size_t i = 0; i < n && fn != EML_ACT_FN_NONE; i++) {
		float v = y[i];
		y[i] = fn == EML_ACT_FN_SIGMOID	     ? sigmoidf(v)
		       : fn == EML_ACT_FN_SWISH	     ? v * sigmoidf(v)
		       : fn == EML_ACT_FN_HARD_SWISH ? hard_swishf(v)
						     : hard_sigmoidf(v, alpha, beta);
	}
}

/* Applies act to every element of float32 input 0, with parameters alpha and beta. */
static edgeml_status run_activation(const eml_kernel_ctx *ctx, enum activation act,
				    float alpha, float beta)
{
	const float *x = ctx->in_data[0];
	float *y = ctx->out_data[0];
	int64_t n = eml_tensor_numel(ctx->in[0]);
	for (int64_t i = 0; i < n; i++) {
		float v = x[i];
		switch (act) {
		case ACT_RELU: v = v > 0.0f ? v : 0.0f; break;
		case ACT_LEAKY: v = v >= 0.0f ? v : alpha * v; break;
		case ACT_SIGMOID: v = sigmoidf(v); break;
		case ACT_HARD_SIGMOID: v = hard_sigmoidf(v, alpha, beta); break;
		case ACT_HARD_SWISH: v = hard_swishf(v); break;
		case ACT_TANH: v = tanhf(v); break;
		}
		y[i] = v;
	}
	return EDGEML_OK;
}

/* Relu: max(x, 0). */
edgeml_status eml_ref_Relu(const eml_kernel_ctx *ctx)
{
	return run_activation(ctx, ACT_RELU, 0.0f, 0.0f);
}

/* Runs act with the node's alpha and beta (its typed params). */
static edgeml_status run_with_params(const eml_kernel_ctx *ctx, enum activation act)
{
	eml_op_params tmp;
	const eml_op_params *prm;
	edgeml_status st = eml_ref_params(ctx, &tmp, &prm);
	if (st != EDGEML_OK)
		return st;
	return run_activation(ctx, act, prm->eltwise.alpha, prm->eltwise.beta);
}

/* LeakyRelu: x, or alpha * x below 0 (alpha defaults to 0.01). */
edgeml_status eml_ref_LeakyRelu(const eml_kernel_ctx *ctx)
{
	return run_with_params(ctx, ACT_LEAKY);
}

/* Sigmoid: 1 / (1 + exp(-x)). */
edgeml_status eml_ref_Sigmoid(const eml_kernel_ctx *ctx)
{
	return run_activation(ctx, ACT_SIGMOID, 0.0f, 0.0f);
}

/* HardSigmoid: clamp(alpha * x + beta, 0, 1), alpha 0.2 and beta 0.5 by default. */
edgeml_status eml_ref_HardSigmoid(const eml_kernel_ctx *ctx)
{
	return run_with_params(ctx, ACT_HARD_SIGMOID);
}

/* HardSwish: x * clamp(x / 6 + 0.5, 0, 1). */
edgeml_status eml_ref_HardSwish(const eml_kernel_ctx *ctx)
{
	return run_activation(ctx, ACT_HARD_SWISH, 0.0f, 0.0f);
}

/* Tanh. */
edgeml_status eml_ref_Tanh(const eml_kernel_ctx *ctx)
{
	return run_activation(ctx, ACT_TANH, 0.0f, 0.0f);
}

/* Clip of one dtype: bounds default to the type's range; an empty bound tensor is absent.
 * min(max(x, lo), hi), so hi wins when lo > hi, as ONNX specifies. */
#define CLIP_TYPED(name, T, TMIN, TMAX)                                                    \
	static void name(const eml_kernel_ctx *ctx)                                        \
	{                                                                                  \
		const T *x = ctx->in_data[0];                                              \
		T *y = ctx->out_data[0];                                                   \
		T lo = TMIN, hi = TMAX;                                                    \
		if (ctx->node->n_inputs > 1 && ctx->in[1] && eml_tensor_numel(ctx->in[1])) \
			lo = *(const T *)ctx->in_data[1];                                  \
		if (ctx->node->n_inputs > 2 && ctx->in[2] && eml_tensor_numel(ctx->in[2])) \
			hi = *(const T *)ctx->in_data[2];                                  \
		int64_t n = eml_tensor_numel(ctx->in[0]);                                  \
		for (int64_t i = 0; i < n; i++) {                                          \
			T v = x[i] < lo ? lo : x[i];                                       \
			y[i] = v > hi ? hi : v;                                            \
		}                                                                          \
	}
CLIP_TYPED(clip_f32, float, -INFINITY, INFINITY)
CLIP_TYPED(clip_u8, uint8_t, 0, UINT8_MAX)
CLIP_TYPED(clip_i8, int8_t, INT8_MIN, INT8_MAX)
CLIP_TYPED(clip_i32, int32_t, INT32_MIN, INT32_MAX)
CLIP_TYPED(clip_i64, int64_t, INT64_MIN, INT64_MAX)
#undef CLIP_TYPED

/* Clip (X, min, max) on any dtype. */
edgeml_status eml_ref_Clip(const eml_kernel_ctx *ctx)
{
	switch (ctx->in[0]->dtype) {
	case EDGEML_DTYPE_FLOAT32: clip_f32(ctx); break;
	case EDGEML_DTYPE_UINT8: clip_u8(ctx); break;
	case EDGEML_DTYPE_INT8: clip_i8(ctx); break;
	case EDGEML_DTYPE_INT32: clip_i32(ctx); break;
	case EDGEML_DTYPE_INT64: clip_i64(ctx); break;
	default:
		return eml_error(EDGEML_ERR_UNSUPPORTED, "dtype %s",
				 edgeml_dtype_name((edgeml_dtype)ctx->in[0]->dtype));
	}
	return EDGEML_OK;
}
