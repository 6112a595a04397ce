#version 450
// qmul.comp — QLinearMul: C = quantize(dequantize(A) * dequantize(B)) in fp32 over numpy
// broadcasting, clamped to the fused activation, as ref_qeltwise.c. Macros: A_T, B_T, Y_T.
#include "common.glsl"

layout(constant_id = QMUL_A_SCALE) const float A_SCALE = 1.0;
layout(constant_id = QMUL_A_ZP) const int A_ZP = 0;
layout(constant_id = QMUL_B_SCALE) const float B_SCALE = 1.0;
layout(constant_id = QMUL_B_ZP) const int B_ZP = 0;
layout(constant_id = QMUL_Y_SCALE) const float Y_SCALE = 1.0;
layout(constant_id = QMUL_Y_ZP) const int Y_ZP = 0;
layout(constant_id = QMUL_Y_LO) const int Y_LO = -128;
layout(constant_id = QMUL_Y_HI) const int Y_HI = 127;

EML_IN(1, A_T, a);
EML_IN(2, B_T, b);
EML_OUT(3, Y_T, y);

#include "broadcast.glsl"

void main()
{
	uint idx = eml_index();
	if (idx >= TOTAL)
		return;
	ivec2 off = eml_broadcast(int(idx));
	precise float fa = float(int(a[OFF1 + off.x]) - A_ZP) * A_SCALE;
	precise float fb = float(int(b[OFF2 + off.y]) - B_ZP) * B_SCALE;
	precise float r = fa * fb;
	y[OFF3 + idx] = Y_T(eml_quantize(r, Y_SCALE, Y_ZP, Y_LO, Y_HI));
}
