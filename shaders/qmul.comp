#version 450
// qmul.comp — QLinearMul with ONNX Runtime's arithmetic, as ref_qeltwise.c: the integer
// product p = (A - za) * (B - zb), r = (sa * sb) / sc (computed by the host, quant.h),
// C = round_half_even(p * r + zc), over numpy broadcasting, clamped to the fused activation.
// Macros: A_T, B_T, Y_T.
#include "common.glsl"

layout(constant_id = QMUL_RATIO) const float RATIO = 1.0;
layout(constant_id = QMUL_A_ZP) const int A_ZP = 0;
layout(constant_id = QMUL_B_ZP) const int B_ZP = 0;
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
	int p = (int(a[OFF1 + off.x]) - A_ZP) * (int(b[OFF2 + off.y]) - B_ZP);
	precise float v = float(p) * RATIO;
	precise float w = v + float(Y_ZP);
	y[OFF3 + idx] = Y_T(eml_saturate(w, 0, Y_LO, Y_HI));
}
