/*
 * quant.h — requantization as ONNX Runtime does it: an fp32 scale, round half to even,
 * saturate to the output type. Shared by every quantized reference kernel.
 */
#ifndef EML_REF_QUANT_H
#define EML_REF_QUANT_H

#include <math.h>
#include <stdint.h>

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

#endif /* EML_REF_QUANT_H */
