/* f32-dwconv-rows-avx2.c — float depthwise micro-kernel for k x k windows (k 3 or 5),
 * stride 1, over one channel's phase plane, by strips of output columns (as many vectors as
 * leave the ring of accumulators, the loaded vectors and a weight in 16 registers: 24
 * columns for 3x3, 16 for 5x5). Each padded input row's vectors are loaded once and
 * multiplied into the accumulators of every output row that reads them (a ring of k rows
 * of accumulators, the oldest finished and stored once its last window row is in); the
 * AVX-512 level does the same from the unpadded plane (f32-dwconv-direct-avx512f.c).
 * Bit-identical to f32-dwconv-32x. */
#if defined(__x86_64__)
#include <immintrin.h>

#include "cpu/f32_ukernels.h"

#define ATTR __attribute__((target("avx2,fma"), always_inline)) static inline

/* clamp(bias + acc) into the first n (<= 8) floats of y. */
ATTR void finish(__m256 acc, const eml_f32_dwr_args *a, float *y, size_t n)
{
	__m256 v = _mm256_add_ps(_mm256_set1_ps(a->bias), acc);
	/* lo first: max/min return their second operand for a NaN, as eml_clampf keeps it */
	v = _mm256_max_ps(_mm256_set1_ps(a->lo), v);
	v = _mm256_min_ps(_mm256_set1_ps(a->hi), v);
	if (n >= 8) {
		_mm256_storeu_ps(y, v);
		return;
	}
	__m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32((int32_t)n),
					  _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
	_mm256_maskstore_ps(y, mask, v);
}

/* One strip of V vectors from output column c0, K x K taps, stride S. With A = ceil(K / S),
 * acc[j] holds output row rr - (A - 1) + j while phase row rr is read: padded row rr * S + py
 * is window row ky = py + S * (A - 1 - j) of it. */
ATTR void strip(const eml_f32_dwr_args *a, size_t c0, const int K, const int S, const int V)
{
	const int A = (K + S - 1) / S;
	__m256 acc[5][4];
	size_t n[4];
#pragma GCC unroll 4
	for (int v = 0; v < V; v++) {
		size_t c = c0 + 8 * (size_t)v;
		n[v] = a->ow > c ? a->ow - c : 0;
	}
#pragma GCC unroll 5
	for (int j = 0; j < A; j++)
#pragma GCC unroll 4
		for (int v = 0; v < V; v++)
			acc[j][v] = _mm256_setzero_ps();
	size_t rows = a->oh + (size_t)A - 1;
	for (size_t rr = 0; rr < rows; rr++) {
#pragma GCC unroll 2
		for (int py = 0; py < S; py++) {
#pragma GCC unroll 5
			for (int kx = 0; kx < K; kx++) {
				const float *x = a->x + (size_t)(py * S + kx % S) * a->phase +
						 rr * a->q + c0 + (size_t)(kx / S);
				__m256 xv[4];
#pragma GCC unroll 4
				for (int v = 0; v < V; v++)
					xv[v] = _mm256_loadu_ps(x + 8 * v);
#pragma GCC unroll 5
				for (int j = 0; j < A; j++) {
					int ky = py + S * (A - 1 - j);
					if (ky >= K)
						continue;
					__m256 w = _mm256_broadcast_ss(a->w + ky * K + kx);
#pragma GCC unroll 4
					for (int v = 0; v < V; v++)
						acc[j][v] = _mm256_fmadd_ps(xv[v], w, acc[j][v]);
				}
			}
		}
		if (rr + 1 >= (size_t)A) {
			float *y = a->y + (rr + 1 - (size_t)A) * a->ow + c0;
#pragma GCC unroll 4
			for (int v = 0; v < V; v++)
				finish(acc[0][v], a, y + 8 * v, n[v]);
		}
#pragma GCC unroll 5
		for (int j = 0; j + 1 < A; j++)
#pragma GCC unroll 4
			for (int v = 0; v < V; v++)
				acc[j][v] = acc[j + 1][v];
#pragma GCC unroll 4
		for (int v = 0; v < V; v++)
			acc[A - 1][v] = _mm256_setzero_ps();
	}
}

/* Every strip of one window: VM vectors a strip, the last one 1-VM. */
ATTR void strips(const eml_f32_dwr_args *a, const int K, const int S, const int VM)
{
	size_t c0 = 0;
	for (; c0 + 8 * (size_t)VM <= a->ow; c0 += 8 * (size_t)VM)
		strip(a, c0, K, S, VM);
	size_t nv = (a->ow - c0 + 7) / 8;
	if (nv == 1)
		strip(a, c0, K, S, 1);
	else if (nv == 2 && VM >= 2)
		strip(a, c0, K, S, 2);
	else if (nv == 3 && VM >= 3)
		strip(a, c0, K, S, 3);
	else if (nv == 4 && VM >= 4)
		strip(a, c0, K, S, 4);
}

/* See eml_f32_dwr_fn; stride 1 only (kernels.h f32_dwr_max_stride): with stride 2 the
 * ring saves fewer loads, and on 56x56 -> 28x28 it measured 4-7% slower than
 * f32-dwconv-32x with its scatter. */
void __attribute__((target("avx2,fma"))) eml_f32_dwconv_rows_avx2(const eml_f32_dwr_args *a)
{
	if (a->k == 3)
		strips(a, 3, 1, 3);
	else
		strips(a, 5, 1, 2);
}

#endif
