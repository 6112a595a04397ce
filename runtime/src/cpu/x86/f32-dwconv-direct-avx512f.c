/* f32-dwconv-direct-avx512f.c — float depthwise micro-kernel for k x k windows (k 3 or 5),
 * stride 1 or 2, read straight from one channel's input plane (no padded phase plane is
 * built), by strips of up to 64 output columns: each input row's k vectors are loaded once
 * and multiplied into the accumulators of every output row that reads them (a ring of
 * ceil(k / s) rows of accumulators, the oldest finished and stored straight into the output
 * plane once its last window row is in). The padding is made in registers: a row above or
 * below the plane is a zero vector, a column before or past it a masked-off lane of a masked
 * load (whose lanes outside the mask are never read). At stride 2 the even and odd columns
 * are taken apart in registers (two loads and two two-register permutes per 16 outputs, the
 * taps past them by lane shifts) where a phase plane would have split them into rows first
 * and read those back. Each output takes its taps in the reference's order (row by row, left
 * to right, the padding's as zeros, each one FMA from 0), then bias, then the clamp:
 * bit-identical to f32-dwconv-64x. */
#if defined(__x86_64__)
#include <immintrin.h>
#include <stddef.h>
#include <stdint.h>

#include "cpu/f32_ukernels.h"

#define ATTR __attribute__((target("avx512f"), always_inline)) static inline

/* clamp(bias + acc) into the lanes of mask. */
ATTR void finish(__m512 acc, const eml_f32_dwr_args *a, float *y, __mmask16 mask)
{
	__m512 v = _mm512_add_ps(_mm512_set1_ps(a->bias), acc);
	/* lo first: max/min return their second operand for a NaN, as eml_clampf keeps it */
	v = _mm512_max_ps(_mm512_set1_ps(a->lo), v);
	v = _mm512_min_ps(_mm512_set1_ps(a->hi), v);
	_mm512_mask_storeu_ps(y, mask, v);
}

/* The lanes l of 16 floats from column o of a row of n whose column o + l is in the row. */
ATTR __mmask16 span_mask(ptrdiff_t o, ptrdiff_t n)
{
	ptrdiff_t lo = o < 0 ? -o : 0, hi = n - o < 16 ? n - o : 16;
	if (hi <= lo)
		return 0;
	uint32_t m = (hi >= 16 ? 0xffffu : (1u << hi) - 1) & ~((1u << lo) - 1);
	return (__mmask16)m;
}

/* 16 floats from column o of row (NULL: a padding row), 0 in the lanes outside mask. The
 * address of a masked-off lane may lie outside the plane: it is not read. */
ATTR __m512 load(const float *row, ptrdiff_t o, __mmask16 mask)
{
	if (!row)
		return _mm512_setzero_ps();
	return _mm512_maskz_loadu_ps(mask, (const float *)((uintptr_t)row + (uintptr_t)o * 4));
}

/* The input row of padded row r, or NULL where it is padding. */
ATTR const float *in_row(const eml_f32_dwr_args *a, size_t r)
{
	if (r < a->top || r - a->top >= a->ih)
		return NULL;
	return a->x + (r - a->top) * a->iw;
}

/* Stores the finished output row o (acc[0]) and moves the ring up by one. */
ATTR void advance(const eml_f32_dwr_args *a, __m512 acc[5][4], size_t rr, size_t c0,
		  const __mmask16 *m, const int A, const int V)
{
	if (rr + 1 >= (size_t)A) {
		float *y = a->y + (rr + 1 - (size_t)A) * a->ow + c0;
#pragma GCC unroll 4
		for (int v = 0; v < V; v++)
			finish(acc[0][v], a, y + 16 * v, m[v]);
	}
#pragma GCC unroll 5
	for (int j = 0; j + 1 < A; j++)
#pragma GCC unroll 4
		for (int v = 0; v < V; v++)
			acc[j][v] = acc[j + 1][v];
#pragma GCC unroll 4
	for (int v = 0; v < V; v++)
		acc[A - 1][v] = _mm512_setzero_ps();
}

/* Output masks of a strip of V vectors from column c0, and its accumulators zeroed. */
ATTR void strip_init(const eml_f32_dwr_args *a, size_t c0, __m512 acc[5][4], __mmask16 *m,
		     const int A, const int V)
{
#pragma GCC unroll 4
	for (int v = 0; v < V; v++)
		m[v] = span_mask((ptrdiff_t)(c0 + 16 * (size_t)v), (ptrdiff_t)a->ow);
#pragma GCC unroll 5
	for (int j = 0; j < A; j++)
#pragma GCC unroll 4
		for (int v = 0; v < V; v++)
			acc[j][v] = _mm512_setzero_ps();
}

/* Stride 1: one strip of V vectors from output column c0, K x K taps. acc[j] holds output
 * row rr - (K - 1) + j while padded row rr is read, window row K - 1 - j of it. */
ATTR void strip1(const eml_f32_dwr_args *a, size_t c0, const int K, const int V)
{
	__m512 acc[5][4];
	__mmask16 m[4], lm[5][4];
	strip_init(a, c0, acc, m, K, V);
	ptrdiff_t o0 = (ptrdiff_t)c0 - (ptrdiff_t)a->left, iw = (ptrdiff_t)a->iw;
#pragma GCC unroll 5
	for (int kx = 0; kx < K; kx++)
#pragma GCC unroll 4
		for (int v = 0; v < V; v++)
			lm[kx][v] = span_mask(o0 + kx + 16 * v, iw);
	size_t rows = a->oh + (size_t)K - 1;
	for (size_t rr = 0; rr < rows; rr++) {
		const float *row = in_row(a, rr);
#pragma GCC unroll 5
		for (int kx = 0; kx < K; kx++) {
			__m512 xv[4];
#pragma GCC unroll 4
			for (int v = 0; v < V; v++)
				xv[v] = load(row, o0 + kx + 16 * v, lm[kx][v]);
#pragma GCC unroll 5
			for (int j = 0; j < K; j++) {
				__m512 w = _mm512_set1_ps(a->w[(K - 1 - j) * K + kx]);
#pragma GCC unroll 4
				for (int v = 0; v < V; v++)
					acc[j][v] = _mm512_fmadd_ps(xv[v], w, acc[j][v]);
			}
		}
		advance(a, acc, rr, c0, m, K, V);
	}
}

/* (hi:lo) moved down by n lanes: lo's lanes n.. then hi's first n. */
ATTR __m512 shift(__m512 lo, __m512 hi, const int n)
{
	__m512i l = _mm512_castps_si512(lo), h = _mm512_castps_si512(hi);
	return _mm512_castsi512_ps(n == 1 ? _mm512_alignr_epi32(h, l, 1)
					  : _mm512_alignr_epi32(h, l, 2));
}

/* Stride 2: one strip of V vectors from output column c0, K x K taps. With A = ceil(K / 2),
 * acc[j] holds output row rr - (A - 1) + j while padded rows 2 rr + py are read (window row
 * py + 2 (A - 1 - j) of it). Output column c's tap kx is input column 2 c + kx - left: of
 * the 32 columns from b = 2 c0' - left (c0' the vector's first output), even lanes give
 * kx = 0, odd ones kx = 1, and kx 2, 3, 4 the same moved down a lane or two, the next
 * vector's first lanes coming in. */
ATTR void strip2(const eml_f32_dwr_args *a, size_t c0, const int K, const int V)
{
	const int A = (K + 1) / 2;
	__m512 acc[5][4];
	__mmask16 m[4], lm[5][2];
	strip_init(a, c0, acc, m, A, V);
	ptrdiff_t b0 = 2 * (ptrdiff_t)c0 - (ptrdiff_t)a->left, iw = (ptrdiff_t)a->iw;
#pragma GCC unroll 5
	for (int p = 0; p <= V; p++) {
		lm[p][0] = span_mask(b0 + 32 * p, iw);
		lm[p][1] = span_mask(b0 + 32 * p + 16, iw);
	}
	const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24,
					       26, 28, 30);
	const __m512i odd = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27,
					      29, 31);
	size_t rows = a->oh + (size_t)A - 1;
	for (size_t rr = 0; rr < rows; rr++) {
#pragma GCC unroll 2
		for (int py = 0; py < 2; py++) {
			const float *row = in_row(a, 2 * rr + (size_t)py);
			__m512 e[5], o[5];
#pragma GCC unroll 5
			for (int p = 0; p <= V; p++) {
				__m512 lo = load(row, b0 + 32 * p, lm[p][0]);
				__m512 hi = load(row, b0 + 32 * p + 16, lm[p][1]);
				e[p] = _mm512_permutex2var_ps(lo, even, hi);
				if (p < V || K > 3)
					o[p] = _mm512_permutex2var_ps(lo, odd, hi);
			}
#pragma GCC unroll 5
			for (int kx = 0; kx < K; kx++) {
				__m512 xv[4];
#pragma GCC unroll 4
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
					__m512 w = _mm512_set1_ps(a->w[ky * K + kx]);
#pragma GCC unroll 4
					for (int v = 0; v < V; v++)
						acc[j][v] = _mm512_fmadd_ps(xv[v], w, acc[j][v]);
				}
			}
		}
		advance(a, acc, rr, c0, m, A, V);
	}
}

/* Every strip of one window: 64 columns a strip, the last one 1-4 vectors. */
ATTR void strips(const eml_f32_dwr_args *a, const int K, const int S)
{
	size_t c0 = 0;
	for (; c0 + 64 <= a->ow; c0 += 64)
		S == 1 ? strip1(a, c0, K, 4) : strip2(a, c0, K, 4);
	size_t nv = (a->ow - c0 + 15) / 16;
	if (nv == 1)
		S == 1 ? strip1(a, c0, K, 1) : strip2(a, c0, K, 1);
	else if (nv == 2)
		S == 1 ? strip1(a, c0, K, 2) : strip2(a, c0, K, 2);
	else if (nv == 3)
		S == 1 ? strip1(a, c0, K, 3) : strip2(a, c0, K, 3);
	else if (nv == 4)
		S == 1 ? strip1(a, c0, K, 4) : strip2(a, c0, K, 4);
}

/* See eml_f32_dwd_fn. */
void __attribute__((target("avx512f"))) eml_f32_dwconv_direct_avx512f(const eml_f32_dwr_args *a)
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
