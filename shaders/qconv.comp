#version 450
// qconv.comp — QLinearConv: direct NCHW convolution (grouped and depthwise included) with
// int32 accumulation of zero-point-corrected products, per-tensor or per-channel weight
// parameters, optional int32 bias, requantization and fused activation clamp, bit-exact
// with the reference (runtime/src/cpu/ref/ref_qconv.c). 1-D and 2-D convolutions are 3-D
// ones with leading spatial dims of 1. Macros: X_T, W_T, Y_T element types, HAS_BIAS, DOT4
// (packed dot products over four input channels at a time) and X_FLIP (0x80u for uint8 X).
#include "common.glsl"
#if DOT4
#include "dot4.glsl"
#endif

layout(constant_id = 9) const int CIN = 1;
layout(constant_id = 10) const int COUT = 1;
layout(constant_id = 11) const int CG = 1; // input channels per group
layout(constant_id = 12) const int MG = 1; // output channels per group
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
layout(constant_id = 31) const int X_ZP = 0;
layout(constant_id = 32) const int Y_ZP = 0;
layout(constant_id = 33) const int Y_LO = -128;
layout(constant_id = 34) const int Y_HI = 127;

EML_IN(1, X_T, x);
EML_IN(2, W_T, w);
EML_OUT(3, Y_T, y);
#if HAS_BIAS
EML_IN(4, int, bias);
#endif

#if DOT4
// X's zero point in the signed-byte form the lanes use, and four lanes of it.
const int XZ = X_ZP - (X_FLIP == 0u ? 0 : 128);
const uint XZ4 = (uint(XZ) & 0xffu) * 0x01010101u;
const int CG4 = (CG + 3) / 4;

// The lane of input channel c of the group at element at; past the group's last channel
// the packed weight is 0, so any lane does, and the element is not read.
uint x_lane(int at, int c)
{
	return c < CG ? eml_lane(int(x[at]), X_FLIP) : 0u;
}

// Parameters at OFF0: the multiplier of each output channel, its weight zero point, the sum
// of its weights minus that zero point, then its centered weights as signed bytes, per
// kernel position four input channels a word (vk_ops_quant.c). With x' = x - XZ and
// w' = w - w_zp, sum x' w' = sum x w' - XZ sum w': padding positions count as x = XZ (the
// reference skips them, which adds the same zero), so the weight sum is over the whole
// kernel. int32 wraps, so the identity holds bit for bit.
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
	float mult = p_f[OFF0 + m];
#if HAS_BIAS
	int acc = bias[OFF4 + m];
#else
	int acc = 0;
#endif
	acc -= XZ * p_i[OFF0 + 2 * COUT + m];
	int wq = OFF0 + 3 * COUT + m * kvol * CG4;
	int x_ch = OFF1 + (n * CIN + (m / MG) * CG) * in_plane;
	for (int kp = 0; kp < kvol; kp++, wq += CG4) {
		int k2 = kp % K2, k1 = (kp / K2) % K1, k0 = kp / (K2 * K1);
		int i0 = o0 * S0 - P0 + k0 * D0, i1 = o1 * S1 - P1 + k1 * D1;
		int i2 = o2 * S2 - P2 + k2 * D2;
		if (i0 < 0 || i0 >= IN0 || i1 < 0 || i1 >= IN1 || i2 < 0 || i2 >= IN2) {
			for (int c4 = 0; c4 < CG4; c4++)
				acc += eml_sdot4(XZ4, uint(p_i[wq + c4]), 0);
			continue;
		}
		int at = x_ch + (i0 * IN1 + i1) * IN2 + i2;
		for (int c4 = 0; c4 < CG4; c4++, at += 4 * in_plane) {
			int c = 4 * c4;
			uint v = x_lane(at, c) | (x_lane(at + in_plane, c + 1) << 8) |
				 (x_lane(at + 2 * in_plane, c + 2) << 16) |
				 (x_lane(at + 3 * in_plane, c + 3) << 24);
			acc += eml_sdot4(v, uint(p_i[wq + c4]), 0);
		}
	}
	y[OFF3 + idx] = Y_T(eml_requantize(acc, mult, Y_ZP, Y_LO, Y_HI));
}
#else
// Parameters at OFF0: the multiplier of each output channel, then its weight zero point.
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
	float mult = p_f[OFF0 + m];
	int w_zp = p_i[OFF0 + COUT + m];
#if HAS_BIAS
	int acc = bias[OFF4 + m];
#else
	int acc = 0;
#endif
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
					if (i2 < 0 || i2 >= IN2)
						continue;
					acc += (int(x[xrow + i2]) - X_ZP) * (int(w[wrow + k2]) - w_zp);
				}
			}
		}
	}
	y[OFF3 + idx] = Y_T(eml_requantize(acc, mult, Y_ZP, Y_LO, Y_HI));
}
#endif
