#version 450
// pool.comp — MaxPool, AveragePool, GlobalAveragePool (a window the size of the plane) and
// their quantized forms, over NCHW planes with windows widened to three spatial dims, as
// ref_pool.c and ref_qpool.c (ONNX Runtime's arithmetic for the quantized ones). Macros:
// X_T, Y_T, MODE (0 max, 1 float average, 2 quantized average), COUNT_PAD (the divisor
// counts padding, never the ceil_mode overhang).
#include "common.glsl"

layout(constant_id = POOL_IN0) const int IN0 = 1;
layout(constant_id = POOL_IN1) const int IN1 = 1;
layout(constant_id = POOL_IN2) const int IN2 = 1;
layout(constant_id = POOL_K0) const int K0 = 1;
layout(constant_id = POOL_K1) const int K1 = 1;
layout(constant_id = POOL_K2) const int K2 = 1;
layout(constant_id = POOL_S0) const int S0 = 1;
layout(constant_id = POOL_S1) const int S1 = 1;
layout(constant_id = POOL_S2) const int S2 = 1;
layout(constant_id = POOL_D0) const int D0 = 1;
layout(constant_id = POOL_D1) const int D1 = 1;
layout(constant_id = POOL_D2) const int D2 = 1;
layout(constant_id = POOL_PB0) const int PB0 = 0;
layout(constant_id = POOL_PB1) const int PB1 = 0;
layout(constant_id = POOL_PB2) const int PB2 = 0;
layout(constant_id = POOL_PE0) const int PE0 = 0;
layout(constant_id = POOL_PE1) const int PE1 = 0;
layout(constant_id = POOL_PE2) const int PE2 = 0;
layout(constant_id = POOL_OUT0) const int OUT0 = 1;
layout(constant_id = POOL_OUT1) const int OUT1 = 1;
layout(constant_id = POOL_OUT2) const int OUT2 = 1;
layout(constant_id = POOL_LOWEST) const float LOWEST = -3.402823466e38;
layout(constant_id = POOL_X_SCALE) const float X_SCALE = 1.0;
layout(constant_id = POOL_X_ZP) const int X_ZP = 0;
layout(constant_id = POOL_Y_SCALE) const float Y_SCALE = 1.0;
layout(constant_id = POOL_Y_ZP) const int Y_ZP = 0;
layout(constant_id = POOL_Y_LO) const int Y_LO = -128;
layout(constant_id = POOL_Y_HI) const int Y_HI = 127;

EML_IN(1, X_T, x);
EML_OUT(2, Y_T, y);

// a / b rounded once as the host's fp32 division, for any quotient: eml_div is exact for
// quotients in [0.25, 2^30], so divide the mantissas (in [0.5, 1)) and scale back.
float div_rn(float a, float b)
{
	int ea, eb;
	float ma = frexp(a, ea), mb = frexp(b, eb);
	return ldexp(eml_div(ma, mb), ea - eb);
}

// Taps of a window starting at start (stride-scaled) on an axis that fall in [lo, hi).
int taps(int start, int k, int d, int lo, int hi)
{
	int n = 0;
	for (int i = 0; i < k; i++) {
		int p = start + i * d;
		n += (p >= lo && p < hi) ? 1 : 0;
	}
	return n;
}

void main()
{
	uint idx = eml_index();
	if (idx >= TOTAL)
		return;
	const int out_plane = OUT0 * OUT1 * OUT2;
	int q = int(idx % uint(out_plane)), plane = int(idx / uint(out_plane));
	int o2 = q % OUT2, o1 = (q / OUT2) % OUT1, o0 = q / (OUT2 * OUT1);
	int b0 = o0 * S0 - PB0, b1 = o1 * S1 - PB1, b2 = o2 * S2 - PB2;
	int base = OFF1 + plane * IN0 * IN1 * IN2;
	float mx = LOWEST, sum = 0.0;
	int isum = 0;
	for (int k0 = 0; k0 < K0; k0++) {
		int i0 = b0 + k0 * D0;
		if (i0 < 0 || i0 >= IN0)
			continue;
		for (int k1 = 0; k1 < K1; k1++) {
			int i1 = b1 + k1 * D1;
			if (i1 < 0 || i1 >= IN1)
				continue;
			int row = base + (i0 * IN1 + i1) * IN2;
			for (int k2 = 0; k2 < K2; k2++) {
				int i2 = b2 + k2 * D2;
				if (i2 < 0 || i2 >= IN2)
					continue;
#if MODE == 2
				int v = int(x[row + i2]) - X_ZP;
				isum += v;
				precise float dq = float(v) * X_SCALE;
				sum += dq;
#else
				float v = float(x[row + i2]);
				mx = max(mx, v);
				sum += v;
#endif
			}
		}
	}
#if MODE == 0
	y[OFF2 + idx] = Y_T(mx);
#else
#if COUNT_PAD
	int count = taps(b0, K0, D0, -PB0, IN0 + PE0) * taps(b1, K1, D1, -PB1, IN1 + PE1) *
		    taps(b2, K2, D2, -PB2, IN2 + PE2);
#else
	int count = taps(b0, K0, D0, 0, IN0) * taps(b1, K1, D1, 0, IN1) * taps(b2, K2, D2, 0, IN2);
#endif
#if MODE == 1
	y[OFF2 + idx] = count > 0 ? sum / float(count) : 0.0;
#else
	// ONNX Runtime's arithmetic, as ref_qpool.c: a kernel over the whole unpadded input is
	// its global average, isum * (sx / (sy * count)) rounded; any other window is the fp32
	// sum of the dequantized values over count, then round(avg / sy + zy).
	const bool global = K0 == IN0 && K1 == IN1 && K2 == IN2 && PB0 == 0 && PB1 == 0 &&
			    PB2 == 0 && PE0 == 0 && PE1 == 0 && PE2 == 0 && OUT0 == 1 && OUT1 == 1 &&
			    OUT2 == 1;
	if (global) {
		precise float den = Y_SCALE * float(K0 * K1 * K2);
		precise float v = float(isum) * div_rn(X_SCALE, den);
		y[OFF2 + idx] = Y_T(eml_saturate(v, Y_ZP, Y_LO, Y_HI));
	} else {
		float avg = count > 0 ? div_rn(sum, float(count)) : 0.0;
		precise float v = div_rn(avg, Y_SCALE) + float(Y_ZP);
		y[OFF2 + idx] = Y_T(eml_saturate(v, 0, Y_LO, Y_HI));
	}
#endif
#endif
}
