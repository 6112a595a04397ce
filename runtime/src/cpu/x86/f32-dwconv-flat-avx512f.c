/* f32-dwconv-flat-avx512f.c — float depthwise micro-kernel for k x k windows (k 3 or 5) at
 * stride 1 over small planes (at most 64 outputs: MobileNet's and MnasNet's 7x7 layers)
 * whose rows keep their width, read straight from the channel planes: the outputs in
 * vectors along the flattened plane (7x7: 4 vectors, 49 of 64 lanes), each tap one masked
 * load at a fixed offset from them (the lanes whose tap falls in the padding, across a row
 * edge or past the plane masked off: never read, zero), one FMA per tap and vector. With
 * channels in lanes the same layers paid two 16 x 16 transposes per 16 channels and 16
 * outputs and a zeroed padded plane. Each output takes its taps in the reference's order
 * (row by row, left to right, the padding's as zeros, each one FMA from 0), then bias, then
 * the clamp: bit-identical to f32-dwconv-64x. */
#if defined(__x86_64__)
#include <immintrin.h>
#include <stddef.h>
#include <stdint.h>

#include "cpu/f32_ukernels.h"

#define ATTR __attribute__((target("avx512f"), always_inline)) static inline

/* Channels c .. c + G - 1 (G 1 or 2: two channels' chains of FMAs side by side hide
 * each other's latency), V vectors of outputs, K x K taps. */
ATTR void group(const eml_f32_dwp_args *a, size_t c, const int K, const int V, const int G,
		__mmask16 m[25][4], const __mmask16 *mo, __m512 lo, __m512 hi)
{
	__m512 acc[2][4];
#pragma GCC unroll 2
	for (int g = 0; g < G; g++)
#pragma GCC unroll 4
		for (int v = 0; v < V; v++)
			acc[g][v] = _mm512_setzero_ps();
#pragma GCC unroll 25
	for (int t = 0; t < K * K; t++) {
#pragma GCC unroll 2
		for (int g = 0; g < G; g++) {
			const __m512 wv = _mm512_set1_ps(a->w[(c + (size_t)g) * (size_t)(K * K) + (size_t)t]);
			/* the lanes off may lie outside the plane: they are not read */
			uintptr_t base = (uintptr_t)(a->x + (c + (size_t)g) * a->in_plane) +
					 (uintptr_t)a->off[t] * sizeof(float);
#pragma GCC unroll 4
			for (int v = 0; v < V; v++) {
				__m512 xv = _mm512_maskz_loadu_ps(
					m[t][v], (const float *)(base + 64 * (uintptr_t)v));
				acc[g][v] = _mm512_fmadd_ps(xv, wv, acc[g][v]);
			}
		}
	}
#pragma GCC unroll 2
	for (int g = 0; g < G; g++) {
		const __m512 b = _mm512_set1_ps(a->bias[c + (size_t)g]);
		float *y = a->y + (c + (size_t)g) * a->n;
#pragma GCC unroll 4
		for (int v = 0; v < V; v++) {
			/* lo first: max/min return their second operand for a NaN, as eml_clampf
			 * keeps it */
			__m512 o = _mm512_max_ps(lo, _mm512_add_ps(b, acc[g][v]));
			_mm512_mask_storeu_ps(y + 16 * v, mo[v], _mm512_min_ps(hi, o));
		}
	}
}

/* Every channel, V vectors of outputs, K x K taps. */
ATTR void channels(const eml_f32_dwp_args *a, const int K, const int V)
{
	__mmask16 m[25][4], mo[4];
#pragma GCC unroll 4
	for (int v = 0; v < V; v++) {
		size_t left = a->n > 16 * (size_t)v ? a->n - 16 * (size_t)v : 0;
		mo[v] = (__mmask16)(left >= 16 ? 0xffff : (1u << left) - 1);
	}
	for (int t = 0; t < K * K; t++)
#pragma GCC unroll 4
		for (int v = 0; v < V; v++)
			m[t][v] = (__mmask16)a->mask[t * 4 + v];
	const __m512 lo = _mm512_set1_ps(a->lo), hi = _mm512_set1_ps(a->hi);
	size_t c = 0;
	for (; c + 2 <= a->channels; c += 2)
		group(a, c, K, V, 2, m, mo, lo, hi);
	if (c < a->channels)
		group(a, c, K, V, 1, m, mo, lo, hi);
}

ATTR void by_vectors(const eml_f32_dwp_args *a, const int K)
{
	size_t nv = (a->n + 15) / 16;
	if (nv == 1)
		channels(a, K, 1);
	else if (nv == 2)
		channels(a, K, 2);
	else if (nv == 3)
		channels(a, K, 3);
	else
		channels(a, K, 4);
}

/* See eml_f32_dwp_fn. */
void __attribute__((target("avx512f"))) eml_f32_dwconv_flat_avx512f(const eml_f32_dwp_args *a)
{
	if (a->k == 3)
		by_vectors(a, 3);
	else
		by_vectors(a, 5);
}

#endif
