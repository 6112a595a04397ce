#version 450
// unary.comp — the float activations, as ref_activation.c. Macro ACT: 0 Relu, 1 Clip
// (P0, P1 the bounds), 2 LeakyRelu (P0 alpha), 3 Sigmoid, 4 HardSigmoid (P0 alpha, P1
// beta), 5 HardSwish, 6 Tanh, 7 Erf, 8 Sqrt.
#include "common.glsl"

layout(constant_id = UNARY_P0) const float P0 = 0.0;
layout(constant_id = UNARY_P1) const float P1 = 0.0;

EML_IN(1, float, x);
EML_OUT(2, float, y);

void main()
{
	uint idx = eml_index();
	if (idx >= TOTAL)
		return;
	float v = x[OFF1 + idx];
#if ACT == 0
	v = max(v, 0.0);
#elif ACT == 1
	v = min(max(v, P0), P1);
#elif ACT == 2
	v = v < 0.0 ? P0 * v : v;
#elif ACT == 3
	v = v >= 0.0 ? 1.0 / (1.0 + exp(-v)) : exp(v) / (1.0 + exp(v));
#elif ACT == 4
	v = clamp(P0 * v + P1, 0.0, 1.0);
#elif ACT == 5
	v = v * clamp(v / 6.0 + 0.5, 0.0, 1.0);
#elif ACT == 6
	v = tanh(clamp(v, -15.0, 15.0));
#elif ACT == 7
	// GLSL has no erf: its Taylor series near 0 (|error| < 1e-8), else Abramowitz and
	// Stegun 7.1.26 (|error| < 1.5e-7): within the float tolerance of libm's erff.
	float a = abs(v);
	if (a < 0.5) {
		float a2 = v * v;
		v = 1.1283791671 * v *
		    (1.0 + a2 * (-1.0 / 3.0 + a2 * (0.1 + a2 * (-1.0 / 42.0 + a2 / 216.0))));
	} else {
		float t = 1.0 / (1.0 + 0.3275911 * a);
		float p = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 +
			  t * (-1.453152027 + t * 1.061405429))));
		v = sign(v) * (1.0 - p * exp(-a * a));
	}
#else
	v = v < 0.0 ? uintBitsToFloat(0x7fc00000u) : sqrt(v); // NaN, as sqrtf
#endif
	y[OFF2 + idx] = v;
}
