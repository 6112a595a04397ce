#version 450
// binary.comp — float Add, Sub, Mul, Div, Pow over numpy broadcasting, with the fused clamp.
// Macro OP: 0 add, 1 sub, 2 mul, 3 div, 4 pow.
#include "common.glsl"

layout(constant_id = BINARY_ACT_LO) const float ACT_LO = -3.402823466e38;
layout(constant_id = BINARY_ACT_HI) const float ACT_HI = 3.402823466e38;

EML_IN(1, float, a);
EML_IN(2, float, b);
EML_OUT(3, float, y);

#include "broadcast.glsl"

#if OP == 4
// x^y as C's powf where GLSL's pow is undefined (x <= 0); y = 2 and 0.5 exactly as the
// reference (x * x, sqrt), the rest through pow(|x|, y) (a few ulp: the float tolerance).
float eml_pow(float x, float y)
{
	const float nan = uintBitsToFloat(0x7fc00000u), inf = uintBitsToFloat(0x7f800000u);
	if (y == 2.0)
		return x * x;
	if (y == 0.5)
		return x < 0.0 ? nan : sqrt(x);
	if (y == 0.0 || x == 1.0)
		return 1.0;
	if (isnan(x) || isnan(y))
		return nan;
	bool yint = floor(y) == y, odd = yint && abs(y) < 16777216.0 && (int(abs(y)) & 1) == 1;
	if (x == 0.0)
		return y > 0.0 ? (odd ? x : 0.0) : (odd ? 1.0 / x : inf);
	if (x < 0.0 && !yint)
		return nan;
	float r = pow(abs(x), y);
	return x < 0.0 && odd ? -r : r;
}
#endif

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
#elif OP == 3
	float r = va / vb;
#else
	float r = eml_pow(va, vb);
#endif
	y[OFF3 + idx] = min(max(r, ACT_LO), ACT_HI);
}
