#version 450
// quantize.comp — QuantizeLinear (float or int32 X to uint8/int8 Y: saturate(round(x /
// scale) + zp)) and DequantizeLinear ((x - zp) * scale to float), per-tensor or per-axis,
// as ref_quantize.c. Macros: X_T, Y_T, QUANTIZE.
#include "common.glsl"

layout(constant_id = QUANTIZE_INNER) const int INNER = 1;   // element i uses parameter (i / INNER) % NP
layout(constant_id = QUANTIZE_NP) const int NP = 1;
layout(constant_id = QUANTIZE_Y_LO) const int Y_LO = -128;
layout(constant_id = QUANTIZE_Y_HI) const int Y_HI = 127;

EML_IN(1, X_T, x);
EML_OUT(2, Y_T, y);

// Parameters at OFF0: NP scales, then NP zero points.
void main()
{
	uint idx = eml_index();
	if (idx >= TOTAL)
		return;
	int c = int((idx / uint(INNER)) % uint(NP));
	float scale = p_f[OFF0 + c];
	int zp = p_i[OFF0 + NP + c];
#if QUANTIZE
	y[OFF2 + idx] = Y_T(eml_quantize(float(x[OFF1 + idx]), scale, zp, Y_LO, Y_HI));
#else
	precise float v = float(int(x[OFF1 + idx]) - zp) * scale;
	y[OFF2 + idx] = v;
#endif
}
