#version 450
// fconv.comp — direct NCHW convolution with float multiply-adds and register tiles: float
// Conv (as ref_conv.c), and QLinearConv where integer dot products are not accelerated
// (QUANT, bit-exact with ref_qconv.c, see below). Grouped and depthwise included; 1-D and
// 2-D convolutions are 3-D ones with leading spatial dims of 1. Macros: X_T, Y_T element
// types, QUANT, X_SIGNED (QUANT: int8 X), W8 (QUANT: centred weights as int8, four a word),
// HAS_BIAS, MT (output channels per tile: 8, 4, 1), ACT_FN (float Conv: the function
// applied after the clamp, as ref_activation.c: 0 none, 1 Sigmoid, 2 Swish, 3 HardSwish,
// 4 HardSigmoid of ACT_ALPHA, ACT_BETA).
//
// An invocation computes MT output channels of one group by 4 neighbouring outputs of a
// row. Per input channel and kernel row, the input columns under the 4 windows are read
// once; MT >= 4 reads the channels' weights as vec4s (W8: as words of four int8s, a quarter
// of the bytes to upload and hold), packed at upload per channel block as
// [input channel][kernel position][MT] (vk_ops.c), so each input value serves MT channels
// and each weight 4 outputs. lavapipe reads a buffer element by element for each lane, so
// elements read per multiply-add is what a tile is chosen for. Tiles are ordered column,
// row, channel block, group, batch: neighbouring invocations read the same weights.
//
// QUANT: x - x_zp and w - w_zp are small integers (|x'| <= 255, |w'| <= the host's bound),
// so their products and sums are exact in fp32 while below 2^24: the host picks CHUNK, the
// input channels whose sums stay below it, and each chunk's sums are added to int32
// accumulators. The int32 totals are the reference's (wrapping sums are order-free); the
// padding positions the reference skips add x' = 0 here. On lavapipe a multiply-add is one
// vector instruction, where an emulated packed dot product takes about twenty.
#include "common.glsl"

#ifndef ACT_FN
#define ACT_FN 0
#endif

// The fused activation function of a float Conv (activation_fn).
float act_fn(float v)
{
#if ACT_FN == 1 || ACT_FN == 2
	float s = v >= 0.0 ? 1.0 / (1.0 + exp(-v)) : exp(v) / (1.0 + exp(v));
#if ACT_FN == 1
	return s;
#else
	return v * s;
#endif
#elif ACT_FN == 3
	return v * clamp(v / 6.0 + 0.5, 0.0, 1.0);
#elif ACT_FN == 4
	return clamp(EML_F(FCONV_ACT_ALPHA) * v + EML_F(FCONV_ACT_BETA), 0.0, 1.0);
#else
	return v;
#endif
}

#define CIN EML_I(FCONV_CIN)
#define COUT EML_I(FCONV_COUT)
#define CG EML_I(FCONV_CG) // input channels per group
#define MG EML_I(FCONV_MG) // output channels per group
#define IN0 EML_I(FCONV_IN0)
#define IN1 EML_I(FCONV_IN1)
#define IN2 EML_I(FCONV_IN2)
layout(constant_id = FCONV_K0) const int K0 = 1;
layout(constant_id = FCONV_K1) const int K1 = 1;
layout(constant_id = FCONV_K2) const int K2 = 1;
layout(constant_id = FCONV_S0) const int S0 = 1;
layout(constant_id = FCONV_S1) const int S1 = 1;
layout(constant_id = FCONV_S2) const int S2 = 1;
layout(constant_id = FCONV_D0) const int D0 = 1;
layout(constant_id = FCONV_D1) const int D1 = 1;
layout(constant_id = FCONV_D2) const int D2 = 1;
#define P0 EML_I(FCONV_P0)
#define P1 EML_I(FCONV_P1)
#define P2 EML_I(FCONV_P2)
#define OUT0 EML_I(FCONV_OUT0)
#define OUT1 EML_I(FCONV_OUT1)
#define OUT2 EML_I(FCONV_OUT2)
#define OUT_PLANE EML_I(FCONV_OUT_PLANE) // OUT0 * OUT1 * OUT2
#define W4 EML_I(FCONV_W4)        // tiles per output row: ceil(OUT2 / 4)
#define MB EML_I(FCONV_MB)        // channel blocks per group: ceil(MG / MT)
#define GROUPS EML_I(FCONV_GROUPS)
#define CHUNK EML_I(FCONV_CHUNK)     // input channels summed in fp32 before int32 (QUANT)
#define MULT_AT EML_I(FCONV_MULT_AT)   // QUANT: per-channel multipliers, after the packed weights
#define TILES EML_I(FCONV_TILES)     // tiles of a channel block: W4 * OUT0 * OUT1
#if QUANT
#define X_ZP EML_I(FCONV_X_ZP)
#define Y_ZP EML_I(FCONV_Y_ZP)
#define Y_LO EML_I(FCONV_Y_LO)
#define Y_HI EML_I(FCONV_Y_HI)
#else
#define ACT_LO EML_F(FCONV_ACT_LO)
#define ACT_HI EML_F(FCONV_ACT_HI)
#endif

EML_IN(1, X_T, x);
#if QUANT
// X again, four elements a word (aligned runs of four).
layout(std430, binding = 1) readonly buffer Buf1w { uint x4[]; };
#else
layout(std430, binding = 1) readonly buffer Buf1v { vec4 x4[]; };
#endif
#if MT >= 4 && W8
// The packed weights at OFF0, four centred int8 weights a word.
layout(std430, binding = 0) restrict readonly buffer ParamsU { uint p_u[]; };
#elif MT >= 4
// The packed weights at OFF0 (a multiple of four words), as vec4.
layout(std430, binding = 0) restrict readonly buffer ParamsV { vec4 p_v[]; };
#else
EML_IN(2, float, w);
#endif
EML_OUT(3, Y_T, y);
#if HAS_BIAS
#if QUANT
EML_IN(4, int, bias);
#else
EML_IN(4, float, bias);
#endif
#endif

// Input columns under the windows of a tile's 4 outputs.
const int COLS = 3 * S2 + (K2 - 1) * D2 + 1;
const int KVOL = K0 * K1 * K2;
#if MT >= 4
const int H = MT / 4;       // vec4s of weights per kernel position
const int WPC = KVOL * H;   // vec4s of weights per input channel
#else
const int WPC = KVOL;       // weights per input channel
#if QUANT
#error "QUANT takes packed weights (MT 4 or 8)"
#endif
#endif

// Element at of X, less the zero point (QUANT), as a float.
float x_at(int at, int xz)
{
#if QUANT
	return float(int(x[at]) - xz);
#else
	return x[at];
#endif
}

// The four elements of X from at, a multiple of 4, less the zero point (QUANT).
vec4 x_four(int at, int xz)
{
#if QUANT
	uint v = x4[at >> 2];
#if X_SIGNED
	ivec4 b = ivec4(uvec4(v) << uvec4(24, 16, 8, 0)) >> 24;
#else
	ivec4 b = ivec4((uvec4(v) >> uvec4(0, 8, 16, 24)) & 0xffu);
#endif
	return vec4(b - ivec4(xz));
#else
	return x4[at >> 2];
#endif
}

#if MT >= 4
// Weights h of kernel position kq of the input channel at wq (in vec4s or words) as a vec4.
vec4 w_four(int wq, int kq, int h)
{
#if W8
	uint v = p_u[wq + kq * H + h];
	return vec4(ivec4(uvec4(v) << uvec4(24, 16, 8, 0)) >> 24);
#else
	return p_v[wq + kq * H + h];
#endif
}
#endif

// sum[px * H + h] holds channels 4h..4h+3 of output px (MT >= 4); sum[0] the 4 outputs of
// the one channel (MT == 1).
vec4 sum[MT >= 4 ? MT : 1];

// Adds an input channel's products to sum: xc is its first element, wq the first of its
// weights (in p_v for MT >= 4, else in w), b0..b2 the tile's first window's origin.
void channel(int xc, int wq, int b0, int b1, int b2, bool run4, int xz)
{
	const int in0 = IN0, in1 = IN1, in2 = IN2;
	for (int k0 = 0; k0 < K0; k0++) {
		int i0 = b0 + k0 * D0;
		for (int k1 = 0; k1 < K1; k1++) {
			int i1 = b1 + k1 * D1;
			// Rows outside the input count 0: read a row inside and drop it, so that
			// every lane stays on the same path.
			bool row_ok = i0 >= 0 && i0 < in0 && i1 >= 0 && i1 < in1;
			int row = xc + (clamp(i0, 0, in0 - 1) * in1 + clamp(i1, 0, in1 - 1)) * in2;
			float xv[COLS];
			if (run4 && ((row + b2) & 3) == 0) {
				vec4 v = row_ok ? x_four(row + b2, xz) : vec4(0.0);
				for (int col = 0; col < 4; col++)
					xv[col] = v[col];
			} else {
				for (int col = 0; col < COLS; col++) {
					int i2 = b2 + col;
					float v = x_at(row + clamp(i2, 0, in2 - 1), xz);
					xv[col] = row_ok && i2 >= 0 && i2 < in2 ? v : 0.0;
				}
			}
			int kp = (k0 * K1 + k1) * K2;
			for (int k2 = 0; k2 < K2; k2++) {
#if MT >= 4
				for (int h = 0; h < H; h++) {
					vec4 wv = w_four(wq, kp + k2, h);
					for (int px = 0; px < 4; px++)
						sum[px * H + h] += xv[px * S2 + k2 * D2] * wv;
				}
#else
				float wv = w[wq + kp + k2];
				for (int px = 0; px < 4; px++)
					sum[0][px] += xv[px * S2 + k2 * D2] * wv;
#endif
			}
		}
	}
}

void main()
{
	uint t = eml_index();
	if (t >= TOTAL)
		return;
	const int in_plane = IN0 * IN1 * IN2, cg = CG, out2 = OUT2, tiles = TILES;
	int blk = int(eml_udiv(t, FCONV_TILES)), within = int(t) - blk * tiles;
	int r = int(eml_udiv(uint(within), FCONV_W4)), ob = within - r * W4;
	int o0 = int(eml_udiv(uint(r), FCONV_OUT1)), o1 = r - o0 * OUT1;
	int ng = int(eml_udiv(uint(blk), FCONV_MB)), mb = blk - ng * MB;
	int n = int(eml_udiv(uint(ng), FCONV_GROUPS)), group = ng - n * GROUPS;
	int m0 = group * MG + MT * mb, mcount = min(MT, MG - MT * mb), o2 = 4 * ob;
	const int b0 = o0 * S0 - P0, b1 = o1 * S1 - P1, b2 = o2 * S2 - P2;
#if QUANT
	const int xz = X_ZP, chunk = CHUNK;
#else
	const int xz = 0, chunk = cg;
#endif
	// Whole 4-wide runs of input: the 1x1 window at stride 1 reads them as one vector.
	const bool run4 = K2 == 1 && S2 == 1 && b2 >= 0 && b2 + 4 <= IN2;
	int x_ch = OFF1 + (n * CIN + group * cg) * in_plane;
#if MT >= 4 && W8
	int w_blk = OFF0 + (group * MB + mb) * cg * WPC;
#elif MT >= 4
	int w_blk = OFF0 / 4 + (group * MB + mb) * cg * WPC;
#else
	int w_blk = OFF2 + m0 * cg * WPC;
#endif
#if QUANT
	ivec4 isum[sum.length()];
	for (int j = 0; j < sum.length(); j++)
		isum[j] = ivec4(0);
#endif
	for (int cs = 0; cs < cg; cs += chunk) {
		for (int j = 0; j < sum.length(); j++)
			sum[j] = vec4(0.0);
		int c_end = min(cg, cs + chunk);
		for (int c = cs; c < c_end; c++)
			channel(x_ch + c * in_plane, w_blk + c * WPC, b0, b1, b2, run4, xz);
#if QUANT
		for (int j = 0; j < sum.length(); j++)
			isum[j] += ivec4(sum[j]);
#endif
	}
	int y_at = OFF3 + ((n * COUT + m0) * OUT0 + o0) * OUT1 * out2 + o1 * out2 + o2;
	const int plane = OUT_PLANE;
#if QUANT
	const int yzp = Y_ZP, ylo = Y_LO, yhi = Y_HI;
#else
	const float lo = ACT_LO, hi = ACT_HI;
#endif
	for (int j = 0; j < mcount; j++, y_at += plane) {
		int m = m0 + j;
#if QUANT
		float mult = p_f[OFF0 + MULT_AT + m];
#if HAS_BIAS
		int b = bias[OFF4 + m];
#else
		int b = 0;
#endif
#else
#if HAS_BIAS
		float b = bias[OFF4 + m];
#else
		float b = 0.0;
#endif
#endif
		for (int px = 0; px < 4 && o2 + px < out2; px++) {
#if MT >= 4
			int at = px * H + j / 4, lane = j % 4;
#else
			int at = 0, lane = px;
#endif
#if QUANT
			y[y_at + px] = Y_T(eml_requantize(isum[at][lane] + b, mult, yzp, ylo, yhi));
#else
			y[y_at + px] = act_fn(min(max(sum[at][lane] + b, lo), hi));
#endif
		}
	}
}
