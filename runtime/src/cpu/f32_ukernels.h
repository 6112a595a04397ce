/*
 * f32_ukernels.h — the float32 micro-kernels of the fast path (GEMM and depthwise) and the
 * table that picks them per ISA level.
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

/* The GEMM micro-kernel of a level, or NULL (scalar: the reference runs). */
const eml_f32_gemm_ukernel *eml_f32_gemm_ukernel_for(eml_isa isa);

/* The depthwise micro-kernel of a level, or NULL. */
eml_f32_dw_fn eml_f32_dw_ukernel_for(eml_isa isa);

#if defined(__x86_64__)
extern const eml_f32_gemm_ukernel eml_f32_gemm_8x32_minmax_avx512f;
extern const eml_f32_gemm_ukernel eml_f32_gemm_4x24_minmax_avx2;
void eml_f32_dwconv_64x_minmax_avx512f(const eml_f32_dw_args *a);
void eml_f32_dwconv_32x_minmax_avx2(const eml_f32_dw_args *a);
#elif defined(__aarch64__)
extern const eml_f32_gemm_ukernel eml_f32_gemm_8x8_minmax_neon;
void eml_f32_dwconv_16x_minmax_neon(const eml_f32_dw_args *a);
#endif

#endif /* EML_CPU_F32_UKERNELS_H */
