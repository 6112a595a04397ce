/*
 * f32_ukernels.h — the float32 micro-kernels of the fast path (GEMM, depthwise, element-wise
 * binary ops, max pooling) and the table that picks them per ISA level.
 *
 * Exactness: each output accumulates its K terms one after the other in the reference's
 * order, each term one fused multiply-add (fmaf) from 0, as the reference kernels do; the
 * kernels vectorise across outputs (rows, columns, pixels), never across K. The epilogue
 * then takes the reference's steps in its order: the accumulator times alpha (Gemm), plus
 * the bias, clamped as eml_clampf() does (NaN passes through).
 */
#ifndef EML_CPU_F32_UKERNELS_H
#define EML_CPU_F32_UKERNELS_H

#include <stddef.h>
#include <stdint.h>

#include "cpu/isa.h"

/* The epilogue of a GEMM tile: v = acc; v *= alpha when scale; v += row_bias[i] when
 * row_bias; v += col_bias[j] when col_bias; then clamped to [lo, hi] (lo <= hi, as
 * eml_op_infer() checks). row_bias is readable for the kernel's mr rows, col_bias for its nr
 * columns. */
typedef struct eml_f32_minmax {
	const float *row_bias;
	const float *col_bias;
	float alpha;
	int scale;
	float lo, hi;
} eml_f32_minmax;

/* Computes c[i * c_stride + j] for rows i < mr and columns j < nr of a tile (mr <= MR,
 * nr <= NR): the epilogue of sum over kk < k of a[kk * MR + i] * b[off[kk] + j]. a is packed
 * k-major, MR floats per kk (rows past mr zero); b + off[kk] is readable for NR floats.
 * Columns past nr and rows past mr are not stored. */
typedef void (*eml_f32_gemm_fn)(uint32_t mr, uint32_t nr, size_t k, const float *a,
				const float *b, const size_t *off, float *c, size_t c_stride,
				const eml_f32_minmax *p);

/* A GEMM micro-kernel and its tile. */
typedef struct eml_f32_gemm_ukernel {
	const char *name;
	uint32_t mr, nr;
	eml_f32_gemm_fn fn;
} eml_f32_gemm_ukernel;

/* One channel of a depthwise convolution over n consecutive outputs: y[i] = clamp(bias +
 * sum over t of x[t][i] * w[t]), the taps in order. Each x[t] is readable for n rounded up
 * to 64 floats; exactly n outputs are stored. */
typedef struct eml_f32_dw_args {
	const float *const *x;
	size_t n;
	uint32_t taps;
	const float *w;
	float bias, lo, hi;
	float *y;
} eml_f32_dw_args;

typedef void (*eml_f32_dw_fn)(const eml_f32_dw_args *a);

/* One channel of a k x k depthwise convolution (k 3 or 5), stride s (1 or 2) both ways, no
 * dilation, over its whole phase plane x (phase (py, px) at x + (py * s + px) * phase, its
 * row r at + r * q; the plane's rows and slack as eml_plane lays them out) into the output
 * plane y (oh x ow): y[oy][ox] = clamp(bias + sum over ky, kx of w[ky * k + kx] * the padded
 * input at (oy * s + ky, ox * s + kx)), the taps in order, as eml_f32_dw_fn. */
typedef struct eml_f32_dwr_args {
	const float *x;
	size_t phase, q, oh, ow;
	uint32_t k, s;
	const float *w;
	float bias, lo, hi;
	float *y;
	/* the direct form (eml_f32_dwd_fn) only: x is the channel's input plane itself, ih x iw
	 * floats, padded by top rows above and left columns before (0 there and past the
	 * plane); phase and q are not read */
	size_t ih, iw, top, left;
} eml_f32_dwr_args;

typedef void (*eml_f32_dwr_fn)(const eml_f32_dwr_args *a);

/* The same depthwise window by output rows, read straight from the unpadded input plane
 * (the ih, iw, top, left form of eml_f32_dwr_args): no phase plane is built. The same
 * outputs, bit for bit, as eml_f32_dwr_fn over the plane eml_fplane_build makes (the
 * padding's taps are multiplied in as zeros, in the same order). */
typedef void (*eml_f32_dwd_fn)(const eml_f32_dwr_args *a);

/* A k x k depthwise window (k 3 or 5) at stride 1 over small planes whose rows keep their
 * width (iw == ow: the padding before and after a row sums to k - 1), so that every tap is
 * one offset from an output's position in the flattened plane: channels planes at once,
 * each's n = oh * ow <= 64 outputs in vectors along the flattened plane, tap t read at
 * position + off[t] under mask[t * 4 + v] (vector v; the lanes whose tap falls in the
 * padding or past n off). y[c][i] = clamp(bias[c] + sum over t of x[c][i + off[t]] *
 * w[c * k * k + t]), the taps in order (the padding's as zeros, each one FMA from 0). */
typedef struct eml_f32_dwp_args {
	const float *x;
	size_t in_plane, n, channels;
	uint32_t k;
	const ptrdiff_t *off;
	const uint16_t *mask;
	const float *w, *bias;
	float lo, hi;
	float *y;
} eml_f32_dwp_args;

typedef void (*eml_f32_dwp_fn)(const eml_f32_dwp_args *a);

/* A depthwise convolution with channels in lanes, for small planes: ch channels (a multiple
 * of 16) of the n outputs at plane positions pos[i], y[i * ch + c] = clamp(bias[c] + sum
 * over t of x[(pos[i] + off[t]) * ch + c] * w[t * ch + c]), the taps in order. x holds ch
 * interleaved phase planes (position p, channel c at x[p * ch + c]). */
typedef struct eml_f32_dwc_args {
	const float *x;
	size_t n, ch;
	const size_t *pos, *off;
	uint32_t taps;
	const float *w, *bias;
	float lo, hi;
	float *y;
} eml_f32_dwc_args;

typedef void (*eml_f32_dwc_fn)(const eml_f32_dwc_args *a);

/* Moves a 16 x 16 block of floats across: dst[off[j] + i] = src[i * stride + j]. */
typedef void (*eml_f32_transpose_fn)(const float *src, size_t stride, float *dst,
				     const size_t *off);

/* The even and odd floats of a row apart: even[i] = src[2 i], odd[i] = src[2 i + 1] for
 * i < n; reads exactly 2 n floats (the stride-2 phase planes' column split). */
typedef void (*eml_f32_split2_fn)(const float *src, size_t n, float *even, float *odd);

/* Element-wise binary ops: y[i] = clamp(a op b) for i < n, the clamp as eml_clampf() (NaN
 * passes). The VC form reads b[0] for every element, the CV form a[0]. */
enum { EML_F32_ADD, EML_F32_SUB, EML_F32_MUL, EML_F32_DIV, EML_F32_OPS };
enum { EML_F32_VV, EML_F32_VC, EML_F32_CV, EML_F32_FORMS };
typedef void (*eml_f32_vbinary_fn)(size_t n, const float *a, const float *b, float *y,
				   float lo, float hi);

/* One element of a binary kernel, clamped as its vectors are: the scalar tail the NEON and
 * AVX2 kernels share (op is a constant there, so the switch folds away). */
static inline __attribute__((always_inline)) float eml_f32_binary1(int op, float a, float b,
								   float lo, float hi)
{
	float v = op == EML_F32_ADD ? a + b : op == EML_F32_SUB ? a - b :
		  op == EML_F32_MUL ? a * b : a / b;
	return v < lo ? lo : v > hi ? hi : v;
}

/* Max pooling over n consecutive outputs: y[i] = the last of m = (x[t][i] > m ? x[t][i] : m)
 * over the taps in order from m = -FLT_MAX, the reference's fold (NaN never wins, the first
 * of equal values does). Each x[t] is readable for n rounded up to 64 floats. */
typedef void (*eml_f32_maxpool_fn)(const float *const *x, size_t n, uint32_t taps, float *y);

/* Max pooling of one output row of ow outputs straight from the input rows of its window
 * (rows[r], r < nrows: the window's rows inside the input, in order, each iw floats):
 * y[o] = the reference's fold (as eml_f32_maxpool_fn) over the rows in order and, within a
 * row, the columns c = o * sw + x0 + kx, kx < kw, in order, those outside [0, iw) skipped
 * (x0 <= 0 is minus the left padding). sw is 1 or 2, the dilation 1. Reads only columns in
 * [0, iw) of each row. */
typedef void (*eml_f32_maxpool_row_fn)(const float *const *rows, uint32_t nrows, size_t iw,
				       ptrdiff_t x0, uint32_t sw, uint32_t kw, size_t ow,
				       float *y);

/* A peak-rate probe: runs iters rounds of the level's float fused multiply-adds on
 * registers and returns the MACs done, so a caller timing it gets the core's peak. */
typedef uint64_t (*eml_f32_peak_fn)(uint64_t iters);

/* Many dot products summed in double (LSTM and GRU, operators/rnn.c): acc[j] = sum over k
 * < kn of (double)v[k] * wt[k * ld + j], k in order from 0.0, for j < n. A float product is
 * exact in double, so a fused multiply-add gives the same bits as the reference's loop. */
typedef void (*eml_f32_rows_f64_fn)(const float *v, const float *wt, size_t kn, size_t ld,
				    size_t n, double *acc);

/* The sums of planes float planes of size elements each (plane q at x + q * size) in
 * double, each from its first element to its last in order (GlobalAveragePool and the
 * whole-plane averages, fpool.c): bit-identical to the reference's loop. */
typedef void (*eml_f32_planesum_fn)(const float *x, size_t size, size_t planes, double *sum);

/* Each level's kernels are in its table (kernels.h, filled by isa.c). */

#if defined(__x86_64__)
extern const eml_f32_vbinary_fn eml_f32_vbinary_32x_minmax_avx512f[EML_F32_OPS][EML_F32_FORMS];
extern const eml_f32_vbinary_fn eml_f32_vbinary_16x_minmax_avx2[EML_F32_OPS][EML_F32_FORMS];
void eml_f32_maxpool_64x_avx512f(const float *const *x, size_t n, uint32_t taps, float *y);
void eml_f32_maxpool_32x_avx2(const float *const *x, size_t n, uint32_t taps, float *y);
void eml_f32_maxpool_rows_16x_avx512f(const float *const *rows, uint32_t nrows, size_t iw,
				      ptrdiff_t x0, uint32_t sw, uint32_t kw, size_t ow, float *y);
uint64_t eml_f32_peak_avx512f(uint64_t iters);
void eml_f32_transpose_16x16_avx512f(const float *src, size_t stride, float *dst,
				     const size_t *off);
void eml_f32_transpose_16x16_avx2(const float *src, size_t stride, float *dst,
				  const size_t *off);
uint64_t eml_f32_peak_avx2(uint64_t iters);
void eml_f32_rows_f64_avx512f(const float *v, const float *wt, size_t kn, size_t ld, size_t n,
			      double *acc);
void eml_f32_rows_f64_avx2(const float *v, const float *wt, size_t kn, size_t ld, size_t n,
			   double *acc);
void eml_f32_planesum_f64_avx2(const float *x, size_t size, size_t planes, double *sum);
extern const eml_f32_gemm_ukernel eml_f32_gemm_8x32_minmax_avx512f;
extern const eml_f32_gemm_ukernel eml_f32_gemm_4x24_minmax_avx2;
void eml_f32_dwconv_64x_minmax_avx512f(const eml_f32_dw_args *a);
void eml_f32_dwconv_32x_minmax_avx2(const eml_f32_dw_args *a);
void eml_f32_dwconv_16c4_minmax_avx512f(const eml_f32_dwc_args *a);
void eml_f32_dwconv_8c4_minmax_avx2(const eml_f32_dwc_args *a);
void eml_f32_dwconv_direct_avx512f(const eml_f32_dwr_args *a);
void eml_f32_dwconv_flat_avx512f(const eml_f32_dwp_args *a);
void eml_f32_dwconv_rows_avx2(const eml_f32_dwr_args *a);
void eml_f32_dwconv_direct_avx2(const eml_f32_dwr_args *a);
void eml_f32_split2_32x_avx512f(const float *src, size_t n, float *even, float *odd);
void eml_f32_split2_16x_avx2(const float *src, size_t n, float *even, float *odd);
#elif defined(__aarch64__)
extern const eml_f32_vbinary_fn eml_f32_vbinary_8x_minmax_neon[EML_F32_OPS][EML_F32_FORMS];
void eml_f32_maxpool_16x_neon(const float *const *x, size_t n, uint32_t taps, float *y);
extern const eml_f32_gemm_ukernel eml_f32_gemm_8x8_minmax_neon;
void eml_f32_dwconv_16x_minmax_neon(const eml_f32_dw_args *a);
void eml_f32_dwconv_4c4_minmax_neon(const eml_f32_dwc_args *a);
#endif


/* Winograd F(2x2, 3x3) transforms (operators/fwinograd.c) of n <= run tiles side by side in
 * one tile row, tile j starting 2 j columns after the first, each the same operations in the
 * same order as fwinograd.c's portable loops (no fused multiply-add): bit-identical to them.
 * in: V = B^T d B of the 4x4 tiles at d (rows ds apart, each readable for 2 run + 2 floats),
 * position pos of tile j stored at v[pos * vs + j], for j < n only.
 * out: Y = A^T M A of the products at m[pos * ms + j] (read for j < n only), plus bias,
 * clamped as eml_clampf() (NaN passes); row i of tile j at y[i * ys + 2 j + {0, 1}], the 2 x 2n
 * floats of the n tiles only. */
typedef void (*eml_f32_wino_in_fn)(const float *d, size_t ds, float *v, size_t vs, uint32_t n);
typedef void (*eml_f32_wino_out_fn)(const float *m, size_t ms, float bias, float lo, float hi,
				    float *y, size_t ys, uint32_t n);
typedef struct eml_f32_wino_ukernel {
	const char *name;
	uint32_t run; /* tiles a call takes at most */
	eml_f32_wino_in_fn in;
	eml_f32_wino_out_fn out;
} eml_f32_wino_ukernel;
#if defined(__x86_64__)
extern const eml_f32_wino_ukernel eml_f32_winograd_2x2_8x_avx2;
extern const eml_f32_wino_ukernel eml_f32_winograd_2x2_16x_avx512f;
#elif defined(__aarch64__)
extern const eml_f32_wino_ukernel eml_f32_winograd_2x2_4x_neon;
#endif


/* HardSigmoid (swish 0) or HardSwish (swish 1, alpha 1/6, beta 1/2) of n floats (fhswish.c):
 * t = min(alpha x + beta, 1) (a NaN t gives 1, as fminf(1, t)), then max(t, 0), times x for
 * HardSwish; no fused multiply-add. */
typedef void (*eml_f32_vhsig_fn)(size_t n, const float *x, float *y, float alpha, float beta,
				 int swish);
#if defined(__x86_64__)
void eml_f32_vhswish_8x_avx2(size_t n, const float *x, float *y, float alpha, float beta,
			     int swish);
#endif

/* The recurrent sums in float (operators/rnn.c, off EDGEML_SESSION_EXACT_FLOAT): acc[j] = sum
 * over k of v[k] * wt[k * ld + j], k in order from 0.0f, one fused multiply-add per term
 * (bit-identical across levels; within the float tolerance of the double sums). */
typedef void (*eml_f32_rows_fn)(const float *v, const float *wt, size_t kn, size_t ld,
				size_t n, float *acc);
#if defined(__x86_64__)
void eml_f32_rows_64x_avx2(const float *v, const float *wt, size_t kn, size_t ld, size_t n,
			   float *acc);
#endif

/* One row of LayerNormalization (operators/flayernorm.c), n >= 1: the mean of x[0, n) and
 * the mean of the squared deviations summed in double (partial sums in the kernel's order),
 * inv = 1 / sqrt(var + eps) in double; y[i] = (float)(x[i] - mean) * (float)inv * scale[i]
 * + bias[i] (bias NULL: none), rounded as the C loop rounds it; *mean_out and *inv_out get
 * (float)mean and (float)inv. Within the float tolerance of docs/ops.md. */
typedef void (*eml_f32_layernorm_fn)(const float *x, size_t n, const float *scale,
				     const float *bias, float eps, float *y, float *mean_out,
				     float *inv_out);
#if defined(__x86_64__)
void eml_f32_layernorm_avx512f(const float *x, size_t n, const float *scale, const float *bias,
			       float eps, float *y, float *mean_out, float *inv_out);
void eml_f32_layernorm_avx2(const float *x, size_t n, const float *scale, const float *bias,
			    float eps, float *y, float *mean_out, float *inv_out);
#endif

/* One contiguous row of Softmax (operators/fsoftmax.c, inner 1), n >= 1: y = exp(x - max)
 * / sum, the max ignoring NaN, the level's exp, the sum in double (partial sums in the
 * kernel's order), one multiply by its reciprocal. Within the float tolerance of
 * docs/ops.md. */
typedef void (*eml_f32_softmax_fn)(size_t n, const float *x, float *y);

/* Packs a whole block of mr rows (the kernel's own mr) of a row-major float matrix, rows si
 * floats apart, for the f32 GEMM micro-kernels: dst[p * mr + i] = a[i * si + p] for p < k
 * (the layout of their packed A). Data movement: bit for bit. */
typedef void (*eml_f32_pack_a_fn)(const float *a, size_t si, size_t k, float *dst);
#if defined(__x86_64__)
void eml_f32_pack_a8_avx2(const float *a, size_t si, size_t k, float *dst);
void eml_f32_pack_a4_avx2(const float *a, size_t si, size_t k, float *dst);
#endif
#if defined(__x86_64__)
void eml_f32_softmax_avx512f(size_t n, const float *x, float *y);
void eml_f32_softmax_avx2(size_t n, const float *x, float *y);
#endif

#endif /* EML_CPU_F32_UKERNELS_H */
