/* f32-maxpool-rows-16x-avx512f.c — float max pooling of one output row straight from the
 * input rows (no phase plane): 16 outputs a vector, the taps read by masked loads whose
 * masked-off lanes (columns left of the row or past its end) hold -FLT_MAX, and at stride 2
 * the even and odd columns of two loads split by one two-source permute. The taps are
 * folded in the reference's order (rows, then columns) by the reference's step. */
#if defined(__x86_64__)
#include <float.h>
#include <immintrin.h>

#include "cpu/f32_ukernels.h"

/* The widest window (eml_f32_maxpool_row_fn callers keep kw within it). */
#define ROW_KW_MAX 8

/* The lanes j of a 16-float load at column c0 + j with 0 <= c0 + j < iw. */
static inline __mmask16 cols(ptrdiff_t c0, ptrdiff_t iw)
{
	ptrdiff_t lo = -c0, hi = iw - c0;
	if (lo >= 16 || hi <= 0)
		return 0;
	uint32_t m = hi >= 16 ? 0xffffu : (1u << hi) - 1;
	if (lo > 0)
		m &= ~((1u << lo) - 1);
	return (__mmask16)m;
}

/* One vector of 16 outputs from column c (of output o's window's first tap) on: masked
 * loads where lanes fall outside the row (edge: the masks computed once for all rows),
 * plain ones else. SW and KW are constants in the callers below, so the loops unroll. */
static inline __attribute__((always_inline, target("avx512f"))) __m512
vec16(const float *const *rows, uint32_t nrows, ptrdiff_t c, ptrdiff_t w, uint32_t sw,
      uint32_t kw, int edge, __m512 fill, __m512i even, __m512i odd)
{
	__mmask16 mk[2 * ROW_KW_MAX] = { 0 };
#pragma GCC unroll 8
	for (uint32_t kx = 0; kx < kw; kx++) {
		mk[2 * kx] = edge ? cols(c + (ptrdiff_t)kx, w) : (__mmask16)0xffff;
		mk[2 * kx + 1] = edge ? cols(c + (ptrdiff_t)kx + 16, w) : (__mmask16)0xffff;
	}
	/* Each row folded on its own from -FLT_MAX, then the rows' results in order: the same
	 * as one fold over all taps (a later part's fold b replaces the earlier parts' a iff
	 * b > a, which is when the sequential fold would have taken one of its elements, and
	 * then the first of its largest: the same one), with shorter dependency chains. */
	__m512 m = fill;
	for (uint32_t r = 0; r < nrows; r++) {
		const float *x = rows[r] + c;
		__m512 rm = fill;
		if (sw == 1) {
#pragma GCC unroll 8
			for (uint32_t kx = 0; kx < kw; kx++) {
				__m512 t = edge ? _mm512_mask_loadu_ps(fill, mk[2 * kx], x + kx)
						: _mm512_loadu_ps(x + kx);
				rm = _mm512_max_ps(t, rm);
			}
		} else {
#pragma GCC unroll 4
			for (uint32_t kx = 0; kx < kw; kx += 2) {
				__m512 a = edge ? _mm512_mask_loadu_ps(fill, mk[2 * kx], x + kx)
						: _mm512_loadu_ps(x + kx);
				__m512 b = edge ? _mm512_mask_loadu_ps(fill, mk[2 * kx + 1],
								       x + kx + 16)
						: _mm512_loadu_ps(x + kx + 16);
				rm = _mm512_max_ps(_mm512_permutex2var_ps(a, even, b), rm);
				if (kx + 1 < kw)
					rm = _mm512_max_ps(_mm512_permutex2var_ps(a, odd, b), rm);
			}
		}
		m = _mm512_max_ps(rm, m);
	}
	return m;
}

/* A row of ow outputs: the vectors whose loads all lie in [0, iw) without masks, the
 * others (the row's ends) with. */
static inline __attribute__((always_inline, target("avx512f"))) void
row16(const float *const *rows, uint32_t nrows, size_t iw, ptrdiff_t x0, uint32_t sw,
      uint32_t kw, size_t ow, float *y)
{
	const __m512 fill = _mm512_set1_ps(-FLT_MAX);
	const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26,
					       28, 30);
	const __m512i odd = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27,
					      29, 31);
	ptrdiff_t w = (ptrdiff_t)iw;
	/* the floats a vector's loads span from its first tap's column */
	ptrdiff_t span = sw == 1 ? 16 + (ptrdiff_t)kw - 1 : 32 + (ptrdiff_t)((kw - 1) & ~1u);
	for (size_t o = 0; o < ow; o += 16) {
		size_t n = ow - o < 16 ? ow - o : 16;
		ptrdiff_t c = (ptrdiff_t)(o * sw) + x0;
		__m512 m;
		if (n == 16 && c >= 0 && c + span <= w)
			m = vec16(rows, nrows, c, w, sw, kw, 0, fill, even, odd);
		else
			m = vec16(rows, nrows, c, w, sw, kw, 1, fill, even, odd);
		_mm512_mask_storeu_ps(y + o, (__mmask16)((1u << n) - 1), m);
	}
}

/* See eml_f32_maxpool_row_fn. _mm512_max_ps(v, m) is v > m ? v : m, the reference's step. */
void __attribute__((target("avx512f")))
eml_f32_maxpool_rows_16x_avx512f(const float *const *rows, uint32_t nrows, size_t iw,
				 ptrdiff_t x0, uint32_t sw, uint32_t kw, size_t ow, float *y)
{
	/* the usual windows with constant strides and widths, the rest generic */
	if (sw == 2 && kw == 3)
		row16(rows, nrows, iw, x0, 2, 3, ow, y);
	else if (sw == 2 && kw == 2)
		row16(rows, nrows, iw, x0, 2, 2, ow, y);
	else if (sw == 1 && kw == 3)
		row16(rows, nrows, iw, x0, 1, 3, ow, y);
	else if (sw == 1 && kw == 2)
		row16(rows, nrows, iw, x0, 1, 2, ow, y);
	else
		row16(rows, nrows, iw, x0, sw, kw, ow, y);
}

#endif
