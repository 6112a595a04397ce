#version 450
// bnorm.comp — inference BatchNormalization of floats, as ref_normalize.c: y = x * k + b per
// channel, with k = scale / sqrt(var + epsilon) and b = B - mean * k made on the host by the
// reference's expressions (parameters: C values of k, then C of b); uncontracted, so the
// reference's floats.
#include "common.glsl"

EML_IN(1, float, x);
EML_OUT(2, float, y);

void main()
{
	uint idx = eml_index();
	if (idx >= TOTAL)
		return;
	uint q = eml_udiv(idx, BNORM_INNER);
	uint c = q - eml_udiv(q, BNORM_C) * uint(EML_I(BNORM_C));
	precise float v = x[OFF1 + idx] * p_f[OFF0 + c];
	v += p_f[OFF0 + EML_I(BNORM_C) + c];
	y[OFF2 + idx] = v;
}
