#version 450
// layernorm.comp — LayerNormalization of floats, as ref_layernorm.c: one invocation per row
// of the LEN normalized elements, mean and variance in two passes (compensated fp32 sums
// where the reference sums in double: the float tolerance), then
// (x - mean) / sqrt(var + EPS) * scale + B. Scale and B (HAS_B) hold S_LEN and B_LEN
// elements: the row's own layout or one value.
#include "common.glsl"

EML_IN(1, float, x);
EML_IN(2, float, scale);
#if HAS_B
EML_IN(3, float, bias);
EML_OUT(4, float, y);
#else
EML_OUT(3, float, y);
#endif

void main()
{
	uint row = eml_index();
	if (row >= TOTAL)
		return;
	uint len = uint(EML_I(LAYERNORM_LEN)), base = row * len;
	precise float hi = 0.0, lo = 0.0;
	for (uint i = 0u; i < len; i++) {
		float v = x[OFF1 + base + i];
		precise float s = hi + v;
		precise float bv = s - hi;
		lo += (hi - (s - bv)) + (v - bv);
		hi = s;
	}
	float mean = eml_div(hi + lo, float(len));
	precise float qh = 0.0, ql = 0.0;
	for (uint i = 0u; i < len; i++) {
		float d = x[OFF1 + base + i] - mean;
		float v = d * d;
		precise float s = qh + v;
		precise float bv = s - qh;
		ql += (qh - (s - bv)) + (v - bv);
		qh = s;
	}
	float inv = 1.0 / sqrt(eml_div(qh + ql, float(len)) + EML_F(LAYERNORM_EPS));
	uint sl = uint(EML_I(LAYERNORM_S_LEN));
#if HAS_B
	uint bl = uint(EML_I(LAYERNORM_B_LEN));
#endif
	for (uint i = 0u; i < len; i++) {
		float v = (x[OFF1 + base + i] - mean) * inv * scale[OFF2 + (sl == 1u ? 0u : i)];
#if HAS_B
		v += bias[OFF3 + (bl == 1u ? 0u : i)];
		y[OFF4 + base + i] = v;
#else
		y[OFF3 + base + i] = v;
#endif
	}
}
