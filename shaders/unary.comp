#version 450
// unary.comp — the float activations, as ref_activation.c. Macro ACT: 0 Relu, 1 Clip
// (P0, P1 the bounds), 2 LeakyRelu (P0 alpha), 3 Sigmoid, 4 HardSigmoid (P0 alpha, P1
// beta), 5 HardSwish, 6 Tanh.
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
#else
	v = tanh(clamp(v, -15.0, 15.0));
#endif
	y[OFF2 + idx] = v;
}
