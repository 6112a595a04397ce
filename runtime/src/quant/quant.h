/*
 * quant.h — requantization as ONNX Runtime does it: an fp32 scale, round half to even,
 * saturate to the output type. Shared by every backend and the converter: the one place for the quantization rules.
 */
#ifndef EML_QUANT_H
#define EML_QUANT_H

#include <float.h>
#include <math.h>
#include <stdint.h>

#include "edgeml.h"

/* Rounds half to even (the default FP rounding mode; nearbyintf honours it). */
static inline float eml_round_half_even(float x)
{
	return nearbyintf(x);
}

/* Quantizes a real value: saturate(round(x / scale) + zero_point) into [qmin, qmax]. */
static inline int32_t eml_quantize_f32(float x, float scale, int32_t zero_point, int32_t qmin,
				       int32_t qmax)
{
	float q = eml_round_half_even(x / scale) + (float)zero_point;
	if (!(q >= (float)qmin)) /* also catches NaN */
		return qmin;
	if (q > (float)qmax)
		return qmax;
	return (int32_t)q;
}

/* Requantizes an int32 accumulator by multiplier = in_scale / out_scale. */
static inline int32_t eml_requantize(int32_t acc, float multiplier, int32_t zero_point,
				     int32_t qmin, int32_t qmax)
{
	float q = eml_round_half_even((float)acc * multiplier) + (float)zero_point;
	if (!(q >= (float)qmin))
		return qmin;
	if (q > (float)qmax)
		return qmax;
	return (int32_t)q;
}

/* The saturation range of a quantized element type: uint8, int8, else the int32 range. */
static inline void eml_q_range(uint32_t dtype, int32_t *qmin, int32_t *qmax)
{
	switch (dtype) {
	case EDGEML_DTYPE_UINT8:
		*qmin = 0;
		*qmax = 255;
		break;
	case EDGEML_DTYPE_INT8:
		*qmin = -128;
		*qmax = 127;
		break;
	default:
		*qmin = INT32_MIN;
		*qmax = INT32_MAX;
		break;
	}
}

/* The requantization multiplier x_scale * w_scale / y_scale of an int32 accumulator, in
 * this order of operations: every backend computes it so, which keeps them bit-identical. */
static inline float eml_requant_multiplier(float x_scale, float w_scale, float y_scale)
{
	return x_scale * w_scale / y_scale;
}

/* QLinearGemm's multiplier: alpha first (docs/ops.md). */
static inline float eml_requant_multiplier_alpha(float alpha, float a_scale, float b_scale,
						 float y_scale)
{
	return alpha * a_scale * b_scale / y_scale;
}

/* The multipliers of channels output channels: x_scale * w_scale[m] / y_scale (with alpha
 * first when alpha is given), w_scale per-tensor (n_w_scale 1) or per channel. */
static inline void eml_requant_multipliers(float x_scale, const float *w_scale,
					   int64_t n_w_scale, float y_scale, const float *alpha,
					   int64_t channels, float *mult)
{
	for (int64_t m = 0; m < channels; m++) {
		float w = w_scale[n_w_scale == 1 ? 0 : m];
		mult[m] = alpha ? eml_requant_multiplier_alpha(*alpha, x_scale, w, y_scale) :
				  eml_requant_multiplier(x_scale, w, y_scale);
	}
}

/* The quantized output range [lo, hi] of dtype after a fused activation clamp to
 * [act_min, act_max] (docs/ops.md; -inf / +inf when none), for output scale and zero
 * point y_scale, y_zp. */
static inline void eml_q_activation_range(uint32_t dtype, float act_min, float act_max,
					  float y_scale, int32_t y_zp, int32_t *lo, int32_t *hi)
{
	int32_t qmin, qmax;
	eml_q_range(dtype, &qmin, &qmax);
	*lo = eml_quantize_f32(act_min, y_scale, y_zp, qmin, qmax);
	*hi = eml_quantize_f32(act_max, y_scale, y_zp, qmin, qmax);
}

/* Element i of a uint8, int8 or int32 buffer, widened to int32 (kernels are generic over
 * the 8-bit signedness, so one loop serves every combination of input types). */
static inline int32_t eml_q_load(const void *data, uint32_t dtype, int64_t i)
{
	switch (dtype) {
	case EDGEML_DTYPE_UINT8:
		return ((const uint8_t *)data)[i];
	case EDGEML_DTYPE_INT8:
		return ((const int8_t *)data)[i];
	default:
		return ((const int32_t *)data)[i];
	}
}

/* Stores v, already within the type's range, as element i of a uint8, int8 or int32 buffer. */
static inline void eml_q_store(void *data, uint32_t dtype, int64_t i, int32_t v)
{
	switch (dtype) {
	case EDGEML_DTYPE_UINT8:
		((uint8_t *)data)[i] = (uint8_t)v;
		break;
	case EDGEML_DTYPE_INT8:
		((int8_t *)data)[i] = (int8_t)v;
		break;
	default:
		((int32_t *)data)[i] = v;
		break;
	}
}

/* Reduces a 64-bit sum to what an int32 accumulator would hold: two's-complement wrap-around,
 * as ONNX allows ("accumulation may overflow if and only if in 32 bits") and as SIMD kernels
 * do. Summing in 64 bits first keeps the reference free of signed-overflow UB. */
static inline int32_t eml_wrap_i32(int64_t v)
{
	return (int32_t)(uint32_t)(uint64_t)v;
}

/* Clamps v to [lo, hi]. */
static inline int32_t eml_clamp_i32(int32_t v, int32_t lo, int32_t hi)
{
	return v < lo ? lo : (v > hi ? hi : v);
}

/*
 * QLinearSoftmax (ONNX Runtime's com.microsoft kernel, docs/ops.md): the exponentials of
 * the distances d = max - x in [0, 255] along a row of len elements, scaled so that no row
 * sum overflows: e[d] = (float)exp((shift - d) * xs) in double, with
 * shift = max(0, ln(FLT_MAX / len) - 5) / xs (ORT's table with its 5-bit reserve). One
 * table for the reference, the fast kernel and the Vulkan shader, so they agree bit for bit.
 */
static inline void eml_qsoftmax_table(float xs, int64_t len, float e[256])
{
	double shift = log((double)(FLT_MAX / (float)len)) - 5.0;
	shift = (shift > 0.0 ? shift : 0.0) / (double)xs;
	for (int d = 0; d < 256; d++)
		e[d] = (float)exp(((double)(255 - d) - 255.0 + shift) * (double)xs);
}

#endif /* EML_QUANT_H */
