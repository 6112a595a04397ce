/* f32-dwconv-direct-avx2.c — float depthwise micro-kernel for k x k windows (k 3 or 5),
 * stride 1 or 2, read straight from one channel's input plane (no padded phase plane is
 * built), by strips of up to 16 output columns: f32-dwconv-direct-avx512f's scheme on 8
 * lanes and 16 registers. Each input row's vectors are loaded once and multiplied into the
 * accumulators of every output row that reads them (a ring of ceil(k / s) rows of
 * accumulators, the oldest finished and stored straight into the output plane once its last
 * window row is in). Padding rows are zero vectors; a strip whose columns reach into the
 * padding loads under a lane mask (vmaskmovps: lanes outside the mask read as 0 and are not
 * accessed), the others with plain loads. At stride 2 the even and odd columns are taken
 * apart in registers (a shuffle and a lane permute per 8 outputs, the taps past them by
 * lane rotations and blends). Each output takes its taps in the reference's order (row by
 * row, left to right, the padding's as zeros, each one FMA from 0), then bias, then the
 * clamp: bit-identical to f32-dwconv-32x and f32-dwconv-rows-avx2. */
#if defined(__x86_64__)
#include <immintrin.h>
#include <stddef.h>
#include <stdint.h>

#include "cpu/f32_ukernels.h"

#define ATTR __attribute__((target("avx2,fma"), always_inline)) static inline

/* The most vectors of 8 outputs a strip takes (16 registers: K * V accumulators for 5x5). */
#define VMAX 2

/* clamp(bias + acc) at y: all 8 lanes (full), else those of mask. */
ATTR void finish(__m256 acc, const eml_f32_dwr_args *a, float *y, __m256i mask, int full)
{
	__m256 v = _mm256_add_ps(_mm256_set1_ps(a->bias), acc);
	/* lo first: max/min return their second operand for a NaN, as eml_clampf keeps it */
	v = _mm256_max_ps(_mm256_set1_ps(a->lo), v);
	v = _mm256_min_ps(_mm256_set1_ps(a->hi), v);
	if (full)
		_mm256_storeu_ps(y, v);
	else
		_mm256_maskstore_ps(y, mask, v);
}

/* The lanes l of 8 floats from column o of a row of n whose column o + l is in the row. */
ATTR __m256i span_mask(ptrdiff_t o, ptrdiff_t n)
{
	const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
	__m256i c = _mm256_add_epi32(lane, _mm256_set1_epi32((int32_t)o));
	__m256i ge0 = _mm256_cmpgt_epi32(c, _mm256_set1_epi32(-1));
	__m256i ltn = _mm256_cmpgt_epi32(_mm256_set1_epi32((int32_t)n), c);
	return _mm256_and_si256(ge0, ltn);
}

/* 8 floats from column o of row (NULL: a padding row): a plain load when the strip is
 * inside the row (edge 0), else under mask (0 in the lanes outside it, which are not read). */
ATTR __m256 load(const float *row, ptrdiff_t o, __m256i mask, int edge)
{
	if (!row)
		return _mm256_setzero_ps();
	const float *p = (const float *)((uintptr_t)row + (uintptr_t)o * 4);
	return edge ? _mm256_maskload_ps(p, mask) : _mm256_loadu_ps(p);
}

/* The input row of padded row r, or NULL where it is padding. */
ATTR const float *in_row(const eml_f32_dwr_args *a, size_t r)
{
	if (r < a->top || r - a->top >= a->ih)
		return NULL;
	return a->x + (r - a->top) * a->iw;
}

/* Stores the finished output row (acc[0]) and moves the ring up by one. */
ATTR void advance(const eml_f32_dwr_args *a, __m256 acc[5][VMAX], size_t rr, size_t c0,
		  const __m256i *m, int full, const int A, const int V)
{
	if (rr + 1 >= (size_t)A) {
		float *y = a->y + (rr + 1 - (size_t)A) * a->ow + c0;
#pragma GCC unroll 2
		for (int v = 0; v < V; v++)
			finish(acc[0][v], a, y + 8 * v, m[v], full);
	}
#pragma GCC unroll 5
	for (int j = 0; j + 1 < A; j++)
#pragma GCC unroll 2
		for (int v = 0; v < V; v++)
			acc[j][v] = acc[j + 1][v];
#pragma GCC unroll 2
	for (int v = 0; v < V; v++)
		acc[A - 1][v] = _mm256_setzero_ps();
}

/* Output masks of a strip of V vectors from column c0 (full: all 8 V lanes are outputs),
 * and its accumulators zeroed. */
ATTR int strip_init(const eml_f32_dwr_args *a, size_t c0, __m256 acc[5][VMAX], __m256i *m,
		    const int A, const int V)
{
#pragma GCC unroll 2
	for (int v = 0; v < V; v++)
		m[v] = span_mask((ptrdiff_t)(c0 + 8 * (size_t)v), (ptrdiff_t)a->ow);
#pragma GCC unroll 5
	for (int j = 0; j < A; j++)
#pragma GCC unroll 2
		for (int v = 0; v < V; v++)
			acc[j][v] = _mm256_setzero_ps();
	return c0 + 8 * (size_t)V <= a->ow;
}

/* Stride 1: one strip of V vectors from output column c0, K x K taps. acc[j] holds output
 * row rr - (K - 1) + j while padded row rr is read, window row K - 1 - j of it. */
ATTR void strip1(const eml_f32_dwr_args *a, size_t c0, const int K, const int V)
{
	__m256 acc[5][VMAX];
	__m256i m[VMAX], lm[5][VMAX];
	int full = strip_init(a, c0, acc, m, K, V);
	ptrdiff_t o0 = (ptrdiff_t)c0 - (ptrdiff_t)a->left, iw = (ptrdiff_t)a->iw;
	int edge = o0 < 0 || o0 + 8 * V + K - 1 > iw;
#pragma GCC unroll 5
	for (int kx = 0; kx < K; kx++)
#pragma GCC unroll 2
		for (int v = 0; v < V; v++)
			lm[kx][v] = span_mask(o0 + kx + 8 * v, iw);
	size_t rows = a->oh + (size_t)K - 1;
	for (size_t rr = 0; rr < rows; rr++) {
		const float *row = in_row(a, rr);
#pragma GCC unroll 5
		for (int kx = 0; kx < K; kx++) {
			__m256 xv[VMAX];
#pragma GCC unroll 2
			for (int v = 0; v < V; v++)
				xv[v] = load(row, o0 + kx + 8 * v, lm[kx][v], edge);
#pragma GCC unroll 5
			for (int j = 0; j < K; j++) {
				__m256 w = _mm256_broadcast_ss(&a->w[(K - 1 - j) * K + kx]);
#pragma GCC unroll 2
				for (int v = 0; v < V; v++)
					acc[j][v] = _mm256_fmadd_ps(xv[v], w, acc[j][v]);
			}
		}
		advance(a, acc, rr, c0, m, full, K, V);
	}
}

/* (hi:lo) moved down by n (1 or 2) lanes: lo's lanes n.. then hi's first n. */
ATTR __m256 shift(__m256 lo, __m256 hi, const int n)
{
	const __m256i r1 = _mm256_setr_epi32(1, 2, 3, 4, 5, 6, 7, 0);
	const __m256i r2 = _mm256_setr_epi32(2, 3, 4, 5, 6, 7, 0, 1);
	__m256i r = n == 1 ? r1 : r2;
	__m256 l = _mm256_permutevar8x32_ps(lo, r), h = _mm256_permutevar8x32_ps(hi, r);
	return n == 1 ? _mm256_blend_ps(l, h, 0x80) : _mm256_blend_ps(l, h, 0xc0);
}

/* The even (odd 0) or odd (odd 1) columns of (hi:lo), in order. */
ATTR __m256 deinterleave(__m256 lo, __m256 hi, const int odd)
{
	/* lanes lo0 lo2 hi0 hi2 | lo4 lo6 hi4 hi6, then 64-bit pairs 0 2 1 3 */
	__m256 s = odd ? _mm256_shuffle_ps(lo, hi, _MM_SHUFFLE(3, 1, 3, 1))
		       : _mm256_shuffle_ps(lo, hi, _MM_SHUFFLE(2, 0, 2, 0));
	return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(s), _MM_SHUFFLE(3, 1, 2, 0)));
}

/* Stride 2: one strip of V vectors from output column c0, K x K taps. With A = ceil(K / 2),
 * acc[j] holds output row rr - (A - 1) + j while padded rows 2 rr + py are read (window row
 * py + 2 (A - 1 - j) of it). Output column c's tap kx is input column 2 c + kx - left: of
 * the 16 columns from b = 2 c0' - left (c0' the vector's first output), even lanes give
 * kx = 0, odd ones kx = 1, and kx 2, 3, 4 the same moved down a lane or two, the next
 * vector's first lanes coming in. */
ATTR void strip2(const eml_f32_dwr_args *a, size_t c0, const int K, const int V)
{
	const int A = (K + 1) / 2;
	__m256 acc[5][VMAX];
	__m256i m[VMAX], lm[VMAX + 1][2];
	int full = strip_init(a, c0, acc, m, A, V);
	ptrdiff_t b0 = 2 * (ptrdiff_t)c0 - (ptrdiff_t)a->left, iw = (ptrdiff_t)a->iw;
	int edge = b0 < 0 || b0 + 16 * (V + 1) > iw;
#pragma GCC unroll 3
	for (int p = 0; p <= V; p++) {
		lm[p][0] = span_mask(b0 + 16 * p, iw);
		lm[p][1] = span_mask(b0 + 16 * p + 8, iw);
	}
	size_t rows = a->oh + (size_t)A - 1;
	for (size_t rr = 0; rr < rows; rr++) {
#pragma GCC unroll 2
		for (int py = 0; py < 2; py++) {
			const float *row = in_row(a, 2 * rr + (size_t)py);
			__m256 e[VMAX + 1], o[VMAX + 1];
#pragma GCC unroll 3
			for (int p = 0; p <= V; p++) {
				if (p == V && K == 3) {
					/* kx 2 reads the next vector's first even column only */
					__m256 lo = load(row, b0 + 16 * p, lm[p][0], edge);
					e[p] = deinterleave(lo, lo, 0);
					continue;
				}
				__m256 lo = load(row, b0 + 16 * p, lm[p][0], edge);
				__m256 hi = load(row, b0 + 16 * p + 8, lm[p][1], edge);
				e[p] = deinterleave(lo, hi, 0);
				o[p] = deinterleave(lo, hi, 1);
			}
#pragma GCC unroll 5
			for (int kx = 0; kx < K; kx++) {
				__m256 xv[VMAX];
#pragma GCC unroll 2
				for (int v = 0; v < V; v++)
					xv[v] = kx == 0   ? e[v]
						: kx == 1 ? o[v]
						: kx == 2 ? shift(e[v], e[v + 1], 1)
						: kx == 3 ? shift(o[v], o[v + 1], 1)
							  : shift(e[v], e[v + 1], 2);
#pragma GCC unroll 3
				for (int j = 0; j < A; j++) {
					int ky = py + 2 * (A - 1 - j);
					if (ky >= K)
						continue;
					__m256 w = _mm256_broadcast_ss(&a->w[ky * K + kx]);
#pragma GCC unroll 2
					for (int v = 0; v < V; v++)
						acc[j][v] = _mm256_fmadd_ps(xv[v], w, acc[j][v]);
				}
			}
		}
		advance(a, acc, rr, c0, m, full, A, V);
	}
}

/* Every strip of one window: 16 columns a strip, the last one 1 or 2 vectors (ragged). */
ATTR void strips(const eml_f32_dwr_args *a, const int K, const int S)
{
	size_t c0 = 0;
	for (; c0 + 8 * VMAX <= a->ow; c0 += 8 * VMAX)
		S == 1 ? strip1(a, c0, K, VMAX) : strip2(a, c0, K, VMAX);
	size_t nv = (a->ow - c0 + 7) / 8;
	if (nv == 1)
		S == 1 ? strip1(a, c0, K, 1) : strip2(a, c0, K, 1);
	else if (nv == 2)
		S == 1 ? strip1(a, c0, K, 2) : strip2(a, c0, K, 2);
}

/* See eml_f32_dwd_fn. */
void __attribute__((target("avx2,fma"))) eml_f32_dwconv_direct_avx2(const eml_f32_dwr_args *a)
{
	if (a->s == 1) {
		if (a->k == 3)
			strips(a, 3, 1);
		else
			strips(a, 5, 1);
	} else {
		if (a->k == 3)
			strips(a, 3, 2);
		else
			strips(a, 5, 2);
	}
}

#endif
