/* f32-dwconv-rows-avx512f.c — float depthwise micro-kernel for k x k windows (k 3 or 5),
 * stride 1 or 2, over one channel's phase plane, by strips of up to 64 output columns: each
 * padded input row's k vectors are loaded once and multiplied into the accumulators of every
 * output row that reads them (a ring of ceil(k / s) rows of accumulators, the oldest
 * finished and stored once its last window row is in). Loads per fused multiply-add drop
 * from 1 to s / k, and the outputs go straight into the output plane (no grid buffer, no
 * scatter). Each output still takes its taps in the reference's order (row by row, left to
 * right, each one FMA from 0), then bias, then the clamp: bit-identical to f32-dwconv-64x. */
#if defined(__x86_64__)
#include <immintrin.h>

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

/* One strip of V vectors from output column c0, K x K taps, stride S. With A = ceil(K / S),
 * acc[j] holds output row rr - (A - 1) + j while phase row rr is read: padded row rr * S + py
 * is window row ky = py + S * (A - 1 - j) of it. */
ATTR void strip(const eml_f32_dwr_args *a, size_t c0, const int K, const int S, const int V)
{
	const int A = (K + S - 1) / S;
	__m512 acc[5][4];
	__mmask16 m[4];
#pragma GCC unroll 4
	for (int v = 0; v < V; v++) {
		size_t c = c0 + 16 * (size_t)v, left = a->ow > c ? a->ow - c : 0;
		m[v] = (__mmask16)(left >= 16 ? 0xffff : (1u << left) - 1);
	}
#pragma GCC unroll 5
	for (int j = 0; j < A; j++)
#pragma GCC unroll 4
		for (int v = 0; v < V; v++)
			acc[j][v] = _mm512_setzero_ps();
	size_t rows = a->oh + (size_t)A - 1;
	for (size_t rr = 0; rr < rows; rr++) {
#pragma GCC unroll 2
		for (int py = 0; py < S; py++) {
#pragma GCC unroll 5
			for (int kx = 0; kx < K; kx++) {
				const float *x = a->x + (size_t)(py * S + kx % S) * a->phase +
						 rr * a->q + c0 + (size_t)(kx / S);
				__m512 xv[4];
#pragma GCC unroll 4
				for (int v = 0; v < V; v++)
					xv[v] = _mm512_loadu_ps(x + 16 * v);
#pragma GCC unroll 5
				for (int j = 0; j < A; j++) {
					int ky = py + S * (A - 1 - j);
					if (ky >= K)
						continue;
					__m512 w = _mm512_set1_ps(a->w[ky * K + kx]);
#pragma GCC unroll 4
					for (int v = 0; v < V; v++)
						acc[j][v] = _mm512_fmadd_ps(xv[v], w, acc[j][v]);
				}
			}
		}
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
}

/* Every strip of one window: 64 columns a strip, the last one 1-4 vectors. */
ATTR void strips(const eml_f32_dwr_args *a, const int K, const int S)
{
	size_t c0 = 0;
	for (; c0 + 64 <= a->ow; c0 += 64)
		strip(a, c0, K, S, 4);
	size_t nv = (a->ow - c0 + 15) / 16;
	if (nv == 1)
		strip(a, c0, K, S, 1);
	else if (nv == 2)
		strip(a, c0, K, S, 2);
	else if (nv == 3)
		strip(a, c0, K, S, 3);
	else if (nv == 4)
		strip(a, c0, K, S, 4);
}

/* See eml_f32_dwr_fn. */
void __attribute__((target("avx512f"))) eml_f32_dwconv_rows_avx512f(const eml_f32_dwr_args *a)
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
