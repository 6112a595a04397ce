#version 450
// softmax.comp — float Softmax over one axis, as ref_normalize.c: one invocation per row
// (outer x inner), exp(x - max) / sum. The reference sums in double; a compensated fp32 sum
// (TwoSum) stands in for it (the float tolerance).
#include "common.glsl"

EML_IN(1, float, x);
EML_OUT(2, float, y);

void main()
{
	uint row = eml_index();
	if (row >= TOTAL)
		return;
	uint len = uint(EML_I(SOFTMAX_LEN)), inner = uint(EML_I(SOFTMAX_INNER));
	uint o = eml_udiv(row, SOFTMAX_INNER);
	uint base = o * len * inner + (row - o * inner);
	float mx = uintBitsToFloat(0xff800000u); // -inf
	for (uint j = 0u; j < len; j++)
		mx = max(mx, x[OFF1 + base + j * inner]);
	precise float hi = 0.0, lo = 0.0;
	for (uint j = 0u; j < len; j++) {
		float e = exp(x[OFF1 + base + j * inner] - mx);
		precise float s = hi + e;
		precise float be = s - hi;
		lo += (hi - (s - be)) + (e - be);
		hi = s;
	}
	precise float sum = hi + lo;
	// y is write-only: the exponentials again (the same values) rather than read back.
	for (uint j = 0u; j < len; j++)
		y[OFF2 + base + j * inner] = eml_div(exp(x[OFF1 + base + j * inner] - mx), sum);
}
