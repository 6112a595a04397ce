#version 450
// qsoftmax.comp — QLinearSoftmax, ONNX Runtime's com.microsoft arithmetic (docs/ops.md), bit
// for bit with the reference: one invocation per row (outer x inner), the row's max, the fp32
// sum of the exponential table's e[max - x] in the reference's order, then
// saturate(round_half_even(e[max - x] * Y_MULT / sum) + Y_ZP). The table (256 floats, made on
// the host by eml_qsoftmax_table, as the reference's) is the parameters. Macro: T.
#include "common.glsl"

EML_IN(1, T, x);
EML_OUT(2, T, y);

void main()
{
	uint row = eml_index();
	if (row >= TOTAL)
		return;
	uint len = uint(EML_I(QSOFTMAX_LEN)), inner = uint(EML_I(QSOFTMAX_INNER));
	uint o = eml_udiv(row, QSOFTMAX_INNER);
	uint base = o * len * inner + (row - o * inner);
	int mx = -256;
	for (uint j = 0u; j < len; j++)
		mx = max(mx, int(x[OFF1 + base + j * inner]));
	// In order and uncontracted, as the reference adds (floats add correctly rounded).
	precise float sum = 0.0;
	for (uint j = 0u; j < len; j++)
		sum += p_f[OFF0 + mx - int(x[OFF1 + base + j * inner])];
	float ymult = EML_F(QSOFTMAX_Y_MULT);
	int zp = EML_I(QSOFTMAX_Y_ZP), lo = EML_I(QSOFTMAX_Y_LO), hi = EML_I(QSOFTMAX_Y_HI);
	for (uint j = 0u; j < len; j++) {
		uint at = base + j * inner;
		precise float v = p_f[OFF0 + mx - int(x[OFF1 + at])] * ymult;
		y[OFF2 + at] = T(eml_saturate(eml_div(v, sum), zp, lo, hi));
	}
}
