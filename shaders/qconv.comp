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

// The code is specialised on the kernel's size, strides and dilations; the other values are
// header words, so that layers of one kernel shape share a pipeline (vk_ops_quant.c).
#define CIN EML_I(QCONV_CIN)
#define COUT EML_I(QCONV_COUT)
#if DOT4
#define CG EML_I(QCONV_CG) // input channels per group
#else
// The plain loop is for few channels (the packed one takes four or more): unrolled.
layout(constant_id = QCONV_CG) const int CG = 1;
#endif
#define MG EML_I(QCONV_MG) // output channels per group
#define IN0 EML_I(QCONV_IN0)
#define IN1 EML_I(QCONV_IN1)
#define IN2 EML_I(QCONV_IN2)
layout(constant_id = QCONV_K0) const int K0 = 1;
layout(constant_id = QCONV_K1) const int K1 = 1;
layout(constant_id = QCONV_K2) const int K2 = 1;
layout(constant_id = QCONV_S0) const int S0 = 1;
layout(constant_id = QCONV_S1) const int S1 = 1;
layout(constant_id = QCONV_S2) const int S2 = 1;
layout(constant_id = QCONV_D0) const int D0 = 1;
layout(constant_id = QCONV_D1) const int D1 = 1;
layout(constant_id = QCONV_D2) const int D2 = 1;
#define P0 EML_I(QCONV_P0)
#define P1 EML_I(QCONV_P1)
#define P2 EML_I(QCONV_P2)
#define OUT0 EML_I(QCONV_OUT0)
#define OUT1 EML_I(QCONV_OUT1)
#define OUT2 EML_I(QCONV_OUT2)
#define X_ZP EML_I(QCONV_X_ZP)
#define Y_ZP EML_I(QCONV_Y_ZP)
#define Y_LO EML_I(QCONV_Y_LO)
#define Y_HI EML_I(QCONV_Y_HI)
#define OUT_PLANE EML_I(QCONV_OUT_PLANE) // OUT0 * OUT1 * OUT2

EML_IN(1, X_T, x);
#if DOT4
// X again, four elements a word (for aligned runs of four).
layout(std430, binding = 1) readonly buffer Buf1w { uint xw[]; };
#endif
EML_IN(2, W_T, w);
EML_OUT(3, Y_T, y);
#if HAS_BIAS
EML_IN(4, int, bias);
#endif

#if DOT4
// The lane of input channel c of the group (cg channels) at element at; past the group's
// last channel the packed weight is 0, so any lane does, and the element is not read.
uint x_lane(int at, int c, int cg)
{
	return c < cg ? eml_lane(int(x[at]), X_FLIP) : 0u;
}

// Parameters at OFF0: the multiplier of each output channel, its weight zero point, the sum
// of its weights minus that zero point, then its centered weights as signed bytes, per
// kernel position four input channels a word (vk_ops_quant.c). With x' = x - xz and
// w' = w - w_zp, sum x' w' = sum x w' - xz sum w': padding positions count as x = xz (the
// reference skips them, which adds the same zero), so the weight sum is over the whole
// kernel. int32 wraps, so the identity holds bit for bit.
//
// An invocation computes a tile of 4 output channels (of one group) by 4 neighbouring
// outputs of a row: each packed input word serves 4 channels and each weight word 4
// outputs, so a tile loads a quarter of the bytes 16 single outputs would. Invocation order:
// tile column fastest, then rows, then channel blocks, groups and batches (vk_ops_quant.c).
#define W4 EML_I(QCONV_W4)  // tiles per output row: ceil(OUT2 / 4)
#define MB EML_I(QCONV_MB)  // channel blocks per group: ceil(MG / 4)
#define GROUPS EML_I(QCONV_GROUPS)
void main()
{
	uint t = eml_index();
	if (t >= TOTAL)
		return;
	const int in_plane = IN0 * IN1 * IN2, kvol = K0 * K1 * K2;
	const int cg = CG, cg4 = (cg + 3) / 4, out2 = OUT2;
	int r = int(eml_udiv(t, QCONV_W4)), ob = int(t) - r * W4;
	int r2 = int(eml_udiv(uint(r), QCONV_OUT1)), o1 = r - r2 * OUT1;
	int r3 = int(eml_udiv(uint(r2), QCONV_OUT0)), o0 = r2 - r3 * OUT0;
	int ng = int(eml_udiv(uint(r3), QCONV_MB)), mb = r3 - ng * MB;
	int n = int(eml_udiv(uint(ng), QCONV_GROUPS)), group = ng - n * GROUPS;
	int m0 = group * MG + 4 * mb, mcount = min(4, MG - 4 * mb), o2 = 4 * ob;
	// X's zero point in the signed-byte form the lanes use, and four lanes of it.
	const int xz = X_ZP - (X_FLIP == 0u ? 0 : 128);
	const uint xz4 = (uint(xz) & 0xffu) * 0x01010101u;
	// Channels past the group's last one repeat it (computed, not stored).
	ivec4 m = ivec4(m0) + min(ivec4(0, 1, 2, 3), ivec4(mcount - 1));
	ivec4 acc[4];
	ivec4 wq = OFF0 + 3 * COUT + m * (kvol * cg4);
	for (int j = 0; j < 4; j++) {
#if HAS_BIAS
		int a = bias[OFF4 + m[j]];
#else
		int a = 0;
#endif
		acc[j] = ivec4(a - xz * p_i[OFF0 + 2 * COUT + m[j]]);
	}
	int x_ch = OFF1 + (n * CIN + group * cg) * in_plane;
	const int in0 = IN0, in1 = IN1, in2 = IN2;
	const int b0 = o0 * S0 - P0, b1 = o1 * S1 - P1;
	const ivec4 b2 = (ivec4(o2) + ivec4(0, 1, 2, 3)) * S2 - P2;
	for (int kp = 0; kp < kvol; kp++, wq += cg4) {
		int k2 = kp % K2, k1 = (kp / K2) % K1, k0 = kp / (K2 * K1);
		int i0 = b0 + k0 * D0, i1 = b1 + k1 * D1;
		ivec4 i2 = b2 + k2 * D2;
		bvec4 ok = bvec4(i0 >= 0 && i0 < in0 && i1 >= 0 && i1 < in1);
		ok = bvec4(uvec4(ok) & uvec4(greaterThanEqual(i2, ivec4(0))) &
			   uvec4(lessThan(i2, ivec4(in2))));
		ivec4 at = x_ch + (i0 * in1 + i1) * in2 + i2;
		// Four neighbouring inputs of a channel in one aligned word (1x1 windows, stride
		// 1): a word read per channel instead of a byte per lane, then transposed.
		if (K2 == 1 && S2 == 1 && all(ok) && ((at[0] | in_plane) & 3) == 0) {
			const int step = in_plane >> 2;
			const uint flip4 = X_FLIP * 0x01010101u;
			int aw = at[0] >> 2;
			for (int c4 = 0; c4 < cg4; c4++, aw += 4 * step) {
				int c = 4 * c4;
				// Channels past the group's last one: their weights are 0.
				uvec4 rows = uvec4(xw[aw], c + 1 < cg ? xw[aw + step] : 0u,
						   c + 2 < cg ? xw[aw + 2 * step] : 0u,
						   c + 3 < cg ? xw[aw + 3 * step] : 0u) ^ flip4;
				uvec4 v;
				for (int px = 0; px < 4; px++) {
					uvec4 b = (rows >> (8 * px)) & 0xffu;
					v[px] = b.x | (b.y << 8) | (b.z << 16) | (b.w << 24);
				}
				for (int j = 0; j < 4; j++) {
					uint w = uint(p_i[wq[j] + c4]);
					for (int px = 0; px < 4; px++)
						acc[j][px] += eml_sdot4(v[px], w, 0);
				}
			}
			continue;
		}
		for (int c4 = 0; c4 < cg4; c4++, at += 4 * in_plane) {
			int c = 4 * c4;
			uvec4 v;
			for (int px = 0; px < 4; px++)
				v[px] = !ok[px] ? xz4 :
						  x_lane(at[px], c, cg) |
							  (x_lane(at[px] + in_plane, c + 1, cg) << 8) |
							  (x_lane(at[px] + 2 * in_plane, c + 2, cg) << 16) |
							  (x_lane(at[px] + 3 * in_plane, c + 3, cg) << 24);
			for (int j = 0; j < 4; j++) {
				uint w = uint(p_i[wq[j] + c4]);
				for (int px = 0; px < 4; px++)
					acc[j][px] += eml_sdot4(v[px], w, 0);
			}
		}
	}
	int y_at = OFF3 + ((n * COUT + m0) * OUT0 + o0) * OUT1 * out2 + o1 * out2 + o2;
	const int plane = OUT_PLANE, yzp = Y_ZP, ylo = Y_LO, yhi = Y_HI;
	for (int j = 0; j < mcount; j++, y_at += plane) {
		float mult = p_f[OFF0 + m[j]];
		for (int px = 0; px < 4 && o2 + px < out2; px++)
			y[y_at + px] = Y_T(eml_requantize(acc[j][px], mult, yzp, ylo, yhi));
	}
}
#else
// Parameters at OFF0: the multiplier of each output channel, then its weight zero point. An
// invocation computes 4 neighbouring outputs of a row of one channel (tiles ordered as in
// the packed variant): the input columns their windows share are loaded once, and each
// weight once for the 4.
#define W4 EML_I(QCONV_W4) // tiles per output row: ceil(OUT2 / 4)
const int COLS = 3 * S2 + (K2 - 1) * D2 + 1; // input columns under a tile's windows
void main()
{
	uint t = eml_index();
	if (t >= TOTAL)
		return;
	const int in_plane = IN0 * IN1 * IN2, kvol = K0 * K1 * K2, out2 = OUT2;
	int r = int(eml_udiv(t, QCONV_W4)), ob = int(t) - r * W4;
	int r2 = int(eml_udiv(uint(r), QCONV_OUT1)), o1 = r - r2 * OUT1;
	int r3 = int(eml_udiv(uint(r2), QCONV_OUT0)), o0 = r2 - r3 * OUT0;
	int n = int(eml_udiv(uint(r3), QCONV_COUT)), m = r3 - n * COUT;
	int group = int(eml_udiv(uint(m), QCONV_MG)), o2 = 4 * ob;
	float mult = p_f[OFF0 + m];
	int w_zp = p_i[OFF0 + COUT + m];
#if HAS_BIAS
	ivec4 acc = ivec4(bias[OFF4 + m]);
#else
	ivec4 acc = ivec4(0);
#endif
	const int in0 = IN0, in1 = IN1, in2 = IN2, xzp = X_ZP;
	const int b0 = o0 * S0 - P0, b1 = o1 * S1 - P1, b2 = o2 * S2 - P2;
	int x_ch = OFF1 + (n * CIN + group * CG) * in_plane, w_ch = OFF2 + m * CG * kvol;
	for (int ci = 0; ci < CG; ci++, x_ch += in_plane, w_ch += kvol) {
		for (int k0 = 0; k0 < K0; k0++) {
			int i0 = b0 + k0 * D0;
			if (i0 < 0 || i0 >= in0)
				continue;
			for (int k1 = 0; k1 < K1; k1++) {
				int i1 = b1 + k1 * D1;
				if (i1 < 0 || i1 >= in1)
					continue;
				int xrow = x_ch + (i0 * in1 + i1) * in2;
				// Columns outside the input count 0, as the reference skips them.
				int xv[COLS];
				for (int col = 0; col < COLS; col++) {
					int i2 = b2 + col;
					xv[col] = i2 >= 0 && i2 < in2 ? int(x[xrow + i2]) - xzp : 0;
				}
				int wrow = w_ch + (k0 * K1 + k1) * K2;
				for (int k2 = 0; k2 < K2; k2++) {
					int wv = int(w[wrow + k2]) - w_zp;
					for (int px = 0; px < 4; px++)
						acc[px] += xv[px * S2 + k2 * D2] * wv;
				}
			}
		}
	}
	int y_at = OFF3 + ((n * COUT + m) * OUT0 + o0) * OUT1 * out2 + o1 * out2 + o2;
	const int yzp = Y_ZP, ylo = Y_LO, yhi = Y_HI;
	for (int px = 0; px < 4 && o2 + px < out2; px++)
		y[y_at + px] = Y_T(eml_requantize(acc[px], mult, yzp, ylo, yhi));
}
#endif
