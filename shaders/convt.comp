#version 450
// convt.comp — float ConvTranspose, as ref_convtranspose.c but gathered: one invocation per
// output element adds, from its bias, x * w of every input pixel whose window covers it
// (o = i * stride - pad + k * dilation), in the reference's order (input channel, then
// kernel position): each (channel, position) reaches an output from one input pixel at most,
// so the fp32 sum is the reference's, uncontracted. 1-D and 2-D have leading unit dims.
// Macros HAS_BIAS, HAS_ACT (a fused activation: the sum clamped to [ACT_LO, ACT_HI]).
#include "common.glsl"

layout(constant_id = CONVT_K0) const int K0 = 1;
layout(constant_id = CONVT_K1) const int K1 = 1;
layout(constant_id = CONVT_K2) const int K2 = 1;
layout(constant_id = CONVT_S0) const int S0 = 1;
layout(constant_id = CONVT_S1) const int S1 = 1;
layout(constant_id = CONVT_S2) const int S2 = 1;
layout(constant_id = CONVT_D0) const int D0 = 1;
layout(constant_id = CONVT_D1) const int D1 = 1;
layout(constant_id = CONVT_D2) const int D2 = 1;

EML_IN(1, float, x);
EML_IN(2, float, w);
#if HAS_BIAS
EML_IN(3, float, bias);
EML_OUT(4, float, y);
#define OFF_Y OFF4
#else
EML_OUT(3, float, y);
#define OFF_Y OFF3
#endif

void main()
{
	uint idx = eml_index();
	if (idx >= TOTAL)
		return;
	uint q2 = eml_udiv(idx, CONVT_OUT2), q1 = eml_udiv(q2, CONVT_OUT1);
	uint q0 = eml_udiv(q1, CONVT_OUT0), nm = eml_udiv(q0, CONVT_M);
	int o2 = int(idx - q2 * uint(EML_I(CONVT_OUT2)));
	int o1 = int(q2 - q1 * uint(EML_I(CONVT_OUT1)));
	int o0 = int(q1 - q0 * uint(EML_I(CONVT_OUT0)));
	int m = int(q0 - nm * uint(EML_I(CONVT_M))), n = int(nm);
	int cg = EML_I(CONVT_CG), mg = EML_I(CONVT_MG);
	int in0 = EML_I(CONVT_IN0), in1 = EML_I(CONVT_IN1), in2 = EML_I(CONVT_IN2);
	int grp = m / mg, mi = m - grp * mg, cin = cg * EML_I(CONVT_GROUPS);
	int in_plane = in0 * in1 * in2;
#if HAS_BIAS
	precise float acc = bias[OFF3 + m];
#else
	precise float acc = 0.0;
#endif
	for (int c = grp * cg; c < (grp + 1) * cg; c++) {
		int xb = OFF1 + (n * cin + c) * in_plane, wb = OFF2 + (c * mg + mi) * K0 * K1 * K2;
		for (int k0 = 0; k0 < K0; k0++) {
			int t0 = o0 + EML_I(CONVT_P0) - k0 * D0;
			if (t0 < 0 || t0 % S0 != 0 || t0 / S0 >= in0)
				continue;
			for (int k1 = 0; k1 < K1; k1++) {
				int t1 = o1 + EML_I(CONVT_P1) - k1 * D1;
				if (t1 < 0 || t1 % S1 != 0 || t1 / S1 >= in1)
					continue;
				for (int k2 = 0; k2 < K2; k2++) {
					int t2 = o2 + EML_I(CONVT_P2) - k2 * D2;
					if (t2 < 0 || t2 % S2 != 0 || t2 / S2 >= in2)
						continue;
					precise float p = x[xb + ((t0 / S0) * in1 + t1 / S1) * in2 +
							    t2 / S2] *
							  w[wb + (k0 * K1 + k1) * K2 + k2];
					acc += p;
				}
			}
		}
	}
#if HAS_ACT
	y[OFF_Y + idx] = min(max(acc, EML_F(CONVT_ACT_LO)), EML_F(CONVT_ACT_HI));
#else
	y[OFF_Y + idx] = acc;
#endif
}
