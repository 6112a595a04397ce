#version 450
// conv.comp — float Conv: direct NCHW convolution (grouped and depthwise included) with
// optional bias and fused activation clamp, as ref_conv.c. Macros: HAS_BIAS.
#include "common.glsl"

layout(constant_id = 9) const int CIN = 1;
layout(constant_id = 10) const int COUT = 1;
layout(constant_id = 11) const int CG = 1;
layout(constant_id = 12) const int MG = 1;
layout(constant_id = 13) const int IN0 = 1;
layout(constant_id = 14) const int IN1 = 1;
layout(constant_id = 15) const int IN2 = 1;
layout(constant_id = 16) const int K0 = 1;
layout(constant_id = 17) const int K1 = 1;
layout(constant_id = 18) const int K2 = 1;
layout(constant_id = 19) const int S0 = 1;
layout(constant_id = 20) const int S1 = 1;
layout(constant_id = 21) const int S2 = 1;
layout(constant_id = 22) const int D0 = 1;
layout(constant_id = 23) const int D1 = 1;
layout(constant_id = 24) const int D2 = 1;
layout(constant_id = 25) const int P0 = 0;
layout(constant_id = 26) const int P1 = 0;
layout(constant_id = 27) const int P2 = 0;
layout(constant_id = 28) const int OUT0 = 1;
layout(constant_id = 29) const int OUT1 = 1;
layout(constant_id = 30) const int OUT2 = 1;
layout(constant_id = 31) const float ACT_LO = -3.402823466e38;
layout(constant_id = 32) const float ACT_HI = 3.402823466e38;

EML_IN(1, float, x);
EML_IN(2, float, w);
EML_OUT(3, float, y);
#if HAS_BIAS
EML_IN(4, float, bias);
#endif

void main()
{
	uint idx = eml_index();
	if (idx >= TOTAL)
		return;
	const int out_plane = OUT0 * OUT1 * OUT2, in_plane = IN0 * IN1 * IN2;
	const int kvol = K0 * K1 * K2;
	int p = int(idx % uint(out_plane)), nm = int(idx / uint(out_plane));
	int m = nm % COUT, n = nm / COUT;
	int o2 = p % OUT2, o1 = (p / OUT2) % OUT1, o0 = p / (OUT2 * OUT1);
	float acc = 0.0;
	int x_ch = OFF1 + (n * CIN + (m / MG) * CG) * in_plane, w_ch = OFF2 + m * CG * kvol;
	for (int ci = 0; ci < CG; ci++, x_ch += in_plane, w_ch += kvol) {
		for (int k0 = 0; k0 < K0; k0++) {
			int i0 = o0 * S0 - P0 + k0 * D0;
			if (i0 < 0 || i0 >= IN0)
				continue;
			for (int k1 = 0; k1 < K1; k1++) {
				int i1 = o1 * S1 - P1 + k1 * D1;
				if (i1 < 0 || i1 >= IN1)
					continue;
				int xrow = x_ch + (i0 * IN1 + i1) * IN2;
				int wrow = w_ch + (k0 * K1 + k1) * K2;
				for (int k2 = 0; k2 < K2; k2++) {
					int i2 = o2 * S2 - P2 + k2 * D2;
					if (i2 >= 0 && i2 < IN2)
						acc += x[xrow + i2] * w[wrow + k2];
				}
			}
		}
	}
#if HAS_BIAS
	acc += bias[OFF4 + m];
#endif
	y[OFF3 + idx] = min(max(acc, ACT_LO), ACT_HI);
}
