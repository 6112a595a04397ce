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

/* Saturates a rounded value r to [qmin, qmax]; NaN goes to qmin. */
static inline int32_t eml_q_saturate(float r, int32_t qmin, int32_t qmax)
{
	if (!(r >= (float)qmin)) /* also catches NaN */
		return qmin;
	if (r > (float)qmax)
		return qmax;
	return (int32_t)r;
}

/* Quantizes a real value: saturate(round(x / scale) + zero_point) into [qmin, qmax]. */
static inline int32_t eml_quantize_f32(float x, float scale, int32_t zero_point, int32_t qmin,
				       int32_t qmax)
{
	return eml_q_saturate(eml_round_half_even(x / scale) + (float)zero_point, qmin, qmax);
}

/* Requantizes an int32 accumulator by multiplier = in_scale / out_scale. */
static inline int32_t eml_requantize(int32_t acc, float multiplier, int32_t zero_point,
				     int32_t qmin, int32_t qmax)
{
	return eml_q_saturate(eml_round_half_even((float)acc * multiplier) + (float)zero_point,
			      qmin, qmax);
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

/* Dequantizes q: (q - zero_point) * scale, the difference in 64 bits (an int32 q minus its
 * zero point can leave the int32 range) and converted to float before the multiply. */
static inline float eml_dequantize(int64_t q, int64_t zero_point, float scale)
{
	return (float)(q - zero_point) * scale;
}

/* Requantizes through the real value, as QLinearConcat does: q dequantized with (x_scale,
 * x_zp), then quantized with (y_scale, y_zp) into [qmin, qmax]. */
static inline int32_t eml_q_rescale(int32_t q, float x_scale, int32_t x_zp, float y_scale,
				    int32_t y_zp, int32_t qmin, int32_t qmax)
{
	return eml_quantize_f32(eml_dequantize(q, x_zp, x_scale), y_scale, y_zp, qmin, qmax);
}

/* QLinearAdd's constants (ONNX Runtime's MLAS AVX2 kernel as built, docs/ops.md): the ratios
 * ra = sa / sy and rb = sb / sy and the folded zero points k = zy - fma(ra, za, rb * zb) (the
 * compiler contracts MLAS's `ra * za + rb * zb` into one fma); ks, the same with the operands'
 * roles swapped, zy - fma(rb, zb, ra * za), for where ORT passes B as MLAS's first operand
 * (eml_qadd_swapped). C = round_half_even(fma(A, ra, fma(B, rb, k))), or swapped
 * round_half_even(fma(B, rb, fma(A, ra, ks))), saturated. */
typedef struct eml_qadd_consts {
	float ra, rb, k, ks;
} eml_qadd_consts;

static inline eml_qadd_consts eml_qadd_constants(float sa, int32_t za, float sb, int32_t zb,
						 float sy, int32_t zy)
{
	eml_qadd_consts c;
	c.ra = sa / sy;
	c.rb = sb / sy;
	c.k = (float)zy - fmaf(c.ra, (float)za, c.rb * (float)zb);
	c.ks = (float)zy - fmaf(c.rb, (float)zb, c.ra * (float)za);
	return c;
}

/* Whether ONNX Runtime's QLinearAdd of A (ad, ar) and B (bd, br) into C (cd, cr) takes its
 * swapped order: its broadcast loop hands MLAS B first where A is one element over a run of
 * C (A a single element, or A of size 1 in C's innermost dimension larger than 1 while B is
 * not); dims align from the right, missing ones are 1. */
static inline int eml_qadd_swapped(const int64_t *ad, uint32_t ar, const int64_t *bd, uint32_t br,
				   const int64_t *cd, uint32_t cr)
{
	int64_t na = 1;
	for (uint32_t i = 0; i < ar; i++)
		na *= ad[i];
	if (na == 1)
		return 1;
	for (uint32_t i = cr; i-- > 0;) {
		if (cd[i] == 1)
			continue;
		uint32_t back = cr - 1 - i;
		int64_t da = back < ar ? ad[ar - 1 - back] : 1;
		int64_t db = back < br ? bd[br - 1 - back] : 1;
		return da == 1 && db != 1;
	}
	return 0;
}

/* One QLinearAdd output before saturation: A and B as floats, in ORT's order. */
static inline float eml_qadd_value(const eml_qadd_consts *c, int swapped, float a, float b)
{
	return swapped ? fmaf(b, c->rb, fmaf(a, c->ra, c->ks)) : fmaf(a, c->ra, fmaf(b, c->rb, c->k));
}

/* QLinearMul's output for the integer product prod = (A - za) * (B - zb) (ONNX Runtime's
 * MLAS): round_half_even(prod * ratio + zy), a multiply then an add, saturated to [lo, hi];
 * ratio = eml_requant_multiplier(sa, sb, sy). */
static inline int32_t eml_qmul_requantize(int32_t prod, float ratio, float zy, int32_t lo,
					  int32_t hi)
{
	float v = (float)prod * ratio;
	return eml_q_saturate(eml_round_half_even(v + zy), lo, hi);
}

/* ONNX Runtime's quantized global average (MLAS on x86): acc, the integer sum of (X - zx)
 * over count values, times x_scale / (y_scale * count) in fp32, rounded half to even, plus
 * y_zp, saturated to [qmin, qmax]. */
static inline int32_t eml_qavg_global(float x_scale, float y_scale, int32_t y_zp, int32_t qmin,
				      int32_t qmax, int64_t acc, int64_t count)
{
	float scale = x_scale / (y_scale * (float)count);
	return eml_q_saturate(eml_round_half_even((float)acc * scale) + (float)y_zp, qmin, qmax);
}

/* ONNX Runtime's quantized windowed average: sum, the fp32 sum of the window's dequantized
 * values in row-major order, over count in fp32 (0 when count is 0), then
 * round_half_even(avg / y_scale + y_zp) — the zero point added before rounding — saturated. */
static inline int32_t eml_qavg_window(float sum, int64_t count, float y_scale, int32_t y_zp,
				      int32_t qmin, int32_t qmax)
{
	float avg = count > 0 ? sum / (float)count : 0.0f;
	return eml_q_saturate(eml_round_half_even(avg / y_scale + (float)y_zp), qmin, qmax);
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

/* QLinearSoftmax's output scale factor: floor(1 / y_scale), as ORT (254 for 1/255). */
static inline float eml_qsoftmax_y_mult(float y_scale)
{
	return floorf(1.0f / y_scale);
}

/* QLinearSoftmax's output for the table entry e of an element, its row's sum of entries and
 * y_mult = eml_qsoftmax_y_mult(): round_half_even(e * y_mult / sum) + y_zp, saturated. */
static inline int32_t eml_qsoftmax_quantize(float e, float y_mult, float sum, int32_t y_zp,
					    int32_t qmin, int32_t qmax)
{
	float v = e * y_mult;
	return eml_q_saturate(eml_round_half_even(v / sum) + (float)y_zp, qmin, qmax);
}

#endif /* EML_QUANT_H */
