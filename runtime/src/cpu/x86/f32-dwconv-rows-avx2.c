/* f32-dwconv-rows-avx2.c — float depthwise micro-kernel for stride-1 k x k windows (k 3 or
 * 5) over one channel's phase plane, by strips of output columns (24 for 3x3, 16 for 5x5:
 * k rows of accumulators, the loaded vectors and a weight in 16 registers): each input row's
 * k shifted vectors are loaded once and multiplied into the accumulators of the k output
 * rows that read them, the oldest row finished and stored when its last window row is in.
 * The AVX-512 kernel's scheme (f32-dwconv-rows-avx512f.c); bit-identical to
 * f32-dwconv-32x. */
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

/* One strip of V vectors from column c0, K x K taps: acc[j] holds output row iy - (K - 1) + j
 * while input row iy is read, so tap row ky of output oy is added at input row oy + ky. */
ATTR void strip(const eml_f32_dwr_args *a, size_t c0, const int K, const int V)
{
	__m256 acc[5][3];
	size_t n[3];
#pragma GCC unroll 3
	for (int v = 0; v < V; v++) {
		size_t c = c0 + 8 * (size_t)v;
		n[v] = a->ow > c ? a->ow - c : 0;
	}
#pragma GCC unroll 5
	for (int j = 0; j < K; j++)
#pragma GCC unroll 3
		for (int v = 0; v < V; v++)
			acc[j][v] = _mm256_setzero_ps();
	size_t rows = a->oh + (size_t)K - 1;
	for (size_t iy = 0; iy < rows; iy++) {
		const float *x = a->x + iy * a->q + c0;
#pragma GCC unroll 5
		for (int kx = 0; kx < K; kx++) {
			__m256 xv[3];
#pragma GCC unroll 3
			for (int v = 0; v < V; v++)
				xv[v] = _mm256_loadu_ps(x + kx + 8 * v);
			/* output row iy - ky (accumulator K - 1 - ky) takes tap (ky, kx) */
#pragma GCC unroll 5
			for (int ky = 0; ky < K; ky++) {
				__m256 w = _mm256_broadcast_ss(a->w + ky * K + kx);
#pragma GCC unroll 3
				for (int v = 0; v < V; v++)
					acc[K - 1 - ky][v] = _mm256_fmadd_ps(xv[v], w, acc[K - 1 - ky][v]);
			}
		}
		if (iy + 1 >= (size_t)K) {
			float *y = a->y + (iy + 1 - (size_t)K) * a->ow + c0;
#pragma GCC unroll 3
			for (int v = 0; v < V; v++)
				finish(acc[0][v], a, y + 8 * v, n[v]);
		}
#pragma GCC unroll 5
		for (int j = 0; j + 1 < K; j++)
#pragma GCC unroll 3
			for (int v = 0; v < V; v++)
				acc[j][v] = acc[j + 1][v];
#pragma GCC unroll 3
		for (int v = 0; v < V; v++)
			acc[K - 1][v] = _mm256_setzero_ps();
	}
}

/* See eml_f32_dwr_fn. */
void __attribute__((target("avx2,fma"))) eml_f32_dwconv_rows_avx2(const eml_f32_dwr_args *a)
{
	size_t c0 = 0, nv;
	if (a->k == 3) {
		for (; c0 + 24 <= a->ow; c0 += 24)
			strip(a, c0, 3, 3);
		nv = (a->ow - c0 + 7) / 8;
		if (nv == 1)
			strip(a, c0, 3, 1);
		else if (nv == 2)
			strip(a, c0, 3, 2);
		else if (nv == 3)
			strip(a, c0, 3, 3);
		return;
	}
	for (; c0 + 16 <= a->ow; c0 += 16)
		strip(a, c0, 5, 2);
	nv = (a->ow - c0 + 7) / 8;
	if (nv == 1)
		strip(a, c0, 5, 1);
	else if (nv == 2)
		strip(a, c0, 5, 2);
}

#endif
