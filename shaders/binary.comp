#version 450
// binary.comp — float Add, Sub, Mul, Div over numpy broadcasting, with the fused clamp.
// Macro OP: 0 add, 1 sub, 2 mul, 3 div.
#include "common.glsl"

layout(constant_id = BINARY_ACT_LO) const float ACT_LO = -3.402823466e38;
layout(constant_id = BINARY_ACT_HI) const float ACT_HI = 3.402823466e38;

EML_IN(1, float, a);
EML_IN(2, float, b);
EML_OUT(3, float, y);

#include "broadcast.glsl"

void main()
{
	uint idx = eml_index();
	if (idx >= TOTAL)
		return;
	ivec2 off = eml_broadcast(int(idx));
	float va = a[OFF1 + off.x], vb = b[OFF2 + off.y];
#if OP == 0
	float r = va + vb;
#elif OP == 1
	float r = va - vb;
#elif OP == 2
	float r = va * vb;
#else
	float r = va / vb;
#endif
	y[OFF3 + idx] = min(max(r, ACT_LO), ACT_HI);
}
