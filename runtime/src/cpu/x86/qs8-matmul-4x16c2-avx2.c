/* qs8-matmul-4x16c2-avx2.c — QLinearMatMul with a run-time B (eml_qmm_fn): tiles of 4 rows x
 * 16 columns, k in pairs by vpmaddwd (int16 products of at most 255 * 255, two to a lane:
 * exact), then the reference's requantization 16 outputs at a time. */
#if defined(__x86_64__)
#include <immintrin.h>
#include <string.h>

#include "cpu/kernels.h"
#include "cpu/x86/ukernels.h"

#define TARGET __attribute__((target("avx2")))
/* round to nearest even, no exceptions (a constant expression: clang requires one) */
#define RND (_MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)

/* A broadcast pair of int16 at p. */
TARGET static inline __m256i pair(const int16_t *p)
{
	int32_t v;
	memcpy(&v, p, sizeof(v));
	return _mm256_set1_epi32(v);
}

/* Columns [0, 8) and [8, 16) of a row's sums to 16 bytes: round(acc * mult) + zc clamped
 * to [lo, hi] (max first: a NaN becomes lo, as eml_requantize's !(q >= lo)). */
TARGET static inline __m128i requant16(__m256i c0, __m256i c1, const float *mult, __m256 zc,
				       __m256 lo, __m256 hi)
{
	__m256 q0 = _mm256_mul_ps(_mm256_cvtepi32_ps(c0), _mm256_loadu_ps(mult));
	__m256 q1 = _mm256_mul_ps(_mm256_cvtepi32_ps(c1), _mm256_loadu_ps(mult + 8));
	q0 = _mm256_add_ps(_mm256_round_ps(q0, RND), zc);
	q1 = _mm256_add_ps(_mm256_round_ps(q1, RND), zc);
	q0 = _mm256_min_ps(_mm256_max_ps(q0, lo), hi);
	q1 = _mm256_min_ps(_mm256_max_ps(q1, lo), hi);
	/* in [-128, 255]: exact through the int16 pack; the low bytes are the results */
	__m256i w = _mm256_packs_epi32(_mm256_cvtps_epi32(q0), _mm256_cvtps_epi32(q1));
	w = _mm256_and_si256(_mm256_permute4x64_epi64(w, 0xd8), _mm256_set1_epi16(0xff));
	return _mm_packus_epi16(_mm256_castsi256_si128(w), _mm256_extracti128_si256(w, 1));
}

/* See eml_qmm_fn. */
void TARGET eml_qs8_matmul_4x16c2_avx2(const eml_qmm_args *g)
{
	const size_t nc = EML_QMM_NC(g->n);
	const __m256 zc = _mm256_set1_ps(g->zc), lo = _mm256_set1_ps(g->lo),
		     hi = _mm256_set1_ps(g->hi);
	for (size_t i = 0; i < g->m; i += 4) {
		size_t mr = g->m - i < 4 ? g->m - i : 4;
		/* rows past m repeat the last one; their results are not stored */
		const int16_t *a[4];
		for (size_t r = 0; r < 4; r++)
			a[r] = g->a + (i + (r < mr ? r : mr - 1)) * g->a_stride;
		for (size_t j = 0; j < g->n; j += 16) {
			const int16_t *b = g->b + j * 2;
			__m256i c00 = _mm256_setzero_si256(), c01 = c00, c10 = c00, c11 = c00;
			__m256i c20 = c00, c21 = c00, c30 = c00, c31 = c00;
			for (size_t p = 0; p < g->kp; p++, b += nc * 2) {
				__m256i b0 = _mm256_loadu_si256((const __m256i *)b);
				__m256i b1 = _mm256_loadu_si256((const __m256i *)(b + 16));
				__m256i x = pair(a[0] + 2 * p);
				c00 = _mm256_add_epi32(c00, _mm256_madd_epi16(x, b0));
				c01 = _mm256_add_epi32(c01, _mm256_madd_epi16(x, b1));
				x = pair(a[1] + 2 * p);
				c10 = _mm256_add_epi32(c10, _mm256_madd_epi16(x, b0));
				c11 = _mm256_add_epi32(c11, _mm256_madd_epi16(x, b1));
				x = pair(a[2] + 2 * p);
				c20 = _mm256_add_epi32(c20, _mm256_madd_epi16(x, b0));
				c21 = _mm256_add_epi32(c21, _mm256_madd_epi16(x, b1));
				x = pair(a[3] + 2 * p);
				c30 = _mm256_add_epi32(c30, _mm256_madd_epi16(x, b0));
				c31 = _mm256_add_epi32(c31, _mm256_madd_epi16(x, b1));
			}
			__m128i out[4];
			const float *mult = g->mult + i * g->mult_stride + j;
			out[0] = requant16(c00, c01, mult, zc, lo, hi);
			out[1] = requant16(c10, c11, mult + (mr > 1) * g->mult_stride, zc, lo, hi);
			out[2] = requant16(c20, c21, mult + (mr > 2) * 2 * g->mult_stride, zc, lo, hi);
			out[3] = requant16(c30, c31, mult + (mr > 3) * 3 * g->mult_stride, zc, lo, hi);
			size_t nr = g->n - j < 16 ? g->n - j : 16;
			for (size_t r = 0; r < mr; r++) {
				uint8_t *y = g->y + (i + r) * g->y_stride + j;
				if (nr == 16) {
					_mm_storeu_si128((__m128i *)y, out[r]);
				} else { /* no write past n */
					uint8_t t[16];
					_mm_storeu_si128((__m128i *)t, out[r]);
					memcpy(y, t, nr);
				}
			}
		}
	}
}

#endif
