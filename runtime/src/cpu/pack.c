/* pack.c — packing weights and activation tiles for the int8 GEMM micro-kernels (each level's
 * kernels are in its table, kernels.h). */
#include <string.h>

#include "cpu/pack.h"

#if defined(__x86_64__)
#include <emmintrin.h>
#endif

int eml_w_pairs_fit(const uint8_t *w, int w_signed, size_t m, size_t k, size_t row_stride,
		    size_t k_stride)
{
	const uint8_t flip = w_signed ? 0 : 0x80;
	for (size_t i = 0; i < m; i++) {
		const uint8_t *row = w + i * row_stride;
		int32_t worst = 0; /* the largest pair part seen in the row, branch-free */
		for (size_t j = 0; j + 1 < k; j += 2) {
			int32_t a = (int8_t)(row[j * k_stride] ^ flip);
			int32_t b = (int8_t)(row[(j + 1) * k_stride] ^ flip);
			int32_t pos = (a > 0 ? a : 0) + (b > 0 ? b : 0);
			int32_t neg = (a < 0 ? -a : 0) + (b < 0 ? -b : 0);
			worst = worst > pos ? worst : pos;
			worst = worst > neg ? worst : neg;
		}
		/* a last single weight is within [-128, 127] */
		if (worst > 128)
			return 0;
	}
	return 1;
}

const eml_qgemm_ukernel *eml_qgemm_ukernel_fit(const eml_qgemm_ukernel *uk, const uint8_t *w,
					       int w_signed, size_t m, size_t k, size_t row_stride,
					       size_t k_stride)
{
	while (uk && uk->w_pair_limit && !eml_w_pairs_fit(w, w_signed, m, k, row_stride, k_stride))
		uk = uk->wide;
	return uk;
}

/* Whether the pair (a, b) of int8-domain weights is past the vpmaddubsw bound. */
static int pair_past(int32_t a, int32_t b)
{
	int32_t pos = (a > 0 ? a : 0) + (b > 0 ? b : 0);
	int32_t neg = (a < 0 ? -a : 0) + (b < 0 ? -b : 0);
	return pos > 128 || neg > 128;
}

size_t eml_w_pair_cells(const uint8_t *w, int w_signed, size_t m, size_t k, size_t row_stride,
			size_t k_stride)
{
	const uint8_t flip = w_signed ? 0 : 0x80;
	size_t cells = 0;
	for (size_t i = 0; i < m; i++) {
		const uint8_t *row = w + i * row_stride;
		for (size_t j = 0; j + 1 < k; j += 4) {
			int past = 0;
			for (size_t p = j; p < j + 4 && p + 1 < k; p += 2)
				past |= pair_past((int8_t)(row[p * k_stride] ^ flip),
						  (int8_t)(row[(p + 1) * k_stride] ^ flip));
			cells += (size_t)past;
		}
	}
	return cells;
}

int eml_qgemm_split_pays(size_t m, size_t k, size_t cells)
{
	/* per 8 rows x 8 columns, in units of 10 ps, fitted on the AVX2 kernels (kq groups of
	 * 4 k, E residual entries): split 1500 + 273 kq + 60 E, wide 5100 + 400 kq */
	uint64_t kq = (k + 3) / 4;
	return 480 * (uint64_t)cells < (uint64_t)m * (3600 + 127 * kq);
}

const eml_qgemm_ukernel *eml_qgemm_ukernel_split(const eml_qgemm_ukernel *uk, const uint8_t *w,
						 int w_signed, size_t m, size_t k,
						 size_t row_stride, size_t k_stride, int *split)
{
	*split = 0;
	if (!uk || !uk->w_pair_limit || eml_w_pairs_fit(w, w_signed, m, k, row_stride, k_stride))
		return uk;
	if (uk->split && uk->kc == 4 &&
	    eml_qgemm_split_pays(m, k, eml_w_pair_cells(w, w_signed, m, k, row_stride, k_stride))) {
		*split = 1;
		return uk;
	}
	return eml_qgemm_ukernel_fit(uk->wide, w, w_signed, m, k, row_stride, k_stride);
}

void eml_w_split(const uint8_t *w, int w_signed, size_t m, size_t k, size_t row_stride,
		 size_t k_stride, uint32_t nr, int8_t *wc, uint32_t *rs, eml_qgemm_rentry *re)
{
	const uint8_t flip = w_signed ? 0 : 0x80;
	uint32_t n = 0;
	for (size_t i = 0; i < m; i++) {
		rs[i] = n;
		int8_t *row = wc + i * k;
		for (size_t j = 0; j < k; j++)
			row[j] = (int8_t)(w[i * row_stride + j * k_stride] ^ flip);
		for (size_t j = 0; j < k; j += 4) {
			uint8_t r[4] = { 0, 0, 0, 0 };
			int any = 0;
			for (size_t p = j; p < j + 4 && p + 1 < k; p += 2) {
				int32_t a = row[p], b = row[p + 1];
				if (!pair_past(a, b))
					continue;
				/* c + b = 128 (or -128), c between 0 and a: the pair just fits
				 * and the residual a - c is within [-128, 126] (pairs past the
				 * bound have both weights of one sign) */
				int32_t c = (a > 0 ? 128 : -128) - b;
				r[p - j] = (uint8_t)(int8_t)(a - c);
				row[p] = (int8_t)c;
				any = 1;
			}
			if (!any)
				continue;
			int32_t v;
			memcpy(&v, r, 4);
			re[n++] = (eml_qgemm_rentry){ (uint32_t)(j / 4 * nr * 4), v };
		}
	}
	rs[m] = n;
}

size_t eml_pack_w_size(const eml_qgemm_ukernel *uk, size_t m, size_t k)
{
	size_t blocks = m / uk->mr + (m % uk->mr != 0);
	size_t kq = eml_pack_kq(uk, k / uk->kc + (k % uk->kc != 0));
	size_t per_block = (size_t)uk->mr * uk->kc * uk->w_bytes;
	if (kq && blocks > SIZE_MAX / kq / per_block)
		return 0;
	return blocks * kq * per_block;
}

void eml_pack_w(const eml_qgemm_ukernel *uk, const uint8_t *w, int w_signed, size_t m, size_t k,
		size_t row_stride, size_t k_stride, void *dst, int32_t *wsum)
{
	const uint8_t flip = w_signed ? 0 : 0x80;
	size_t kq = eml_pack_kq(uk, k / uk->kc + (k % uk->kc != 0)), at = 0;
	size_t run = uk->kq_align > 1 ? uk->kq_align : 1;
	int8_t *d8 = dst;
	int16_t *d16 = dst;
	for (size_t i = 0; i < m; i++) {
		uint32_t sum = 0; /* wraps as the int32 accumulator does */
		for (size_t j = 0; j < k; j++)
			sum += (uint32_t)(int32_t)(int8_t)(w[i * row_stride + j * k_stride] ^ flip);
		wsum[i] = (int32_t)sum;
	}
	/* runs of `run` groups per row (1: a group per row), rows of a block in turn */
	for (size_t m0 = 0; m0 < m; m0 += uk->mr) {
		for (size_t q0 = 0; q0 < kq; q0 += run) {
			for (size_t r = 0; r < uk->mr; r++) {
				for (size_t c = 0; c < run * uk->kc; c++, at++) {
					size_t i = m0 + r, j = q0 * uk->kc + c;
					int8_t v = 0;
					if (i < m && j < k)
						v = (int8_t)(w[i * row_stride + j * k_stride] ^
							     flip);
					if (uk->w_bytes == 2)
						d16[at] = v;
					else
						d8[at] = v;
				}
			}
		}
	}
}

#if defined(__x86_64__)
/* Interleaves 4 rows of nr (a multiple of 8) bytes into [nr][4] with SSE2, which every
 * x86-64 CPU has: the hot path of packing 1x1 convolution inputs. */
static void interleave4_sse2(const uint8_t *r0, const uint8_t *r1, const uint8_t *r2,
			     const uint8_t *r3, uint32_t nr, uint8_t flip, uint8_t *dst)
{
	const __m128i f = _mm_set1_epi8((char)flip);
	uint32_t j = 0;
	for (; j + 16 <= nr; j += 16) {
		__m128i a = _mm_xor_si128(_mm_loadu_si128((const __m128i *)(r0 + j)), f);
		__m128i b = _mm_xor_si128(_mm_loadu_si128((const __m128i *)(r1 + j)), f);
		__m128i c = _mm_xor_si128(_mm_loadu_si128((const __m128i *)(r2 + j)), f);
		__m128i d = _mm_xor_si128(_mm_loadu_si128((const __m128i *)(r3 + j)), f);
		__m128i ab_lo = _mm_unpacklo_epi8(a, b), ab_hi = _mm_unpackhi_epi8(a, b);
		__m128i cd_lo = _mm_unpacklo_epi8(c, d), cd_hi = _mm_unpackhi_epi8(c, d);
		__m128i *o = (__m128i *)(dst + 4 * j);
		_mm_storeu_si128(o + 0, _mm_unpacklo_epi16(ab_lo, cd_lo));
		_mm_storeu_si128(o + 1, _mm_unpackhi_epi16(ab_lo, cd_lo));
		_mm_storeu_si128(o + 2, _mm_unpacklo_epi16(ab_hi, cd_hi));
		_mm_storeu_si128(o + 3, _mm_unpackhi_epi16(ab_hi, cd_hi));
	}
	for (; j + 8 <= nr; j += 8) {
		__m128i a = _mm_xor_si128(_mm_loadl_epi64((const __m128i *)(r0 + j)), f);
		__m128i b = _mm_xor_si128(_mm_loadl_epi64((const __m128i *)(r1 + j)), f);
		__m128i c = _mm_xor_si128(_mm_loadl_epi64((const __m128i *)(r2 + j)), f);
		__m128i d = _mm_xor_si128(_mm_loadl_epi64((const __m128i *)(r3 + j)), f);
		__m128i ab = _mm_unpacklo_epi8(a, b), cd = _mm_unpacklo_epi8(c, d);
		__m128i *o = (__m128i *)(dst + 4 * j);
		_mm_storeu_si128(o + 0, _mm_unpacklo_epi16(ab, cd));
		_mm_storeu_si128(o + 1, _mm_unpackhi_epi16(ab, cd));
	}
}
#endif

#if defined(__x86_64__)
/* The rows past k of a last, partial group of 4: interleaved as rows of zeros, so the tail
 * takes the vector path too (a first layer's K = 3 x 7 x 7 = 147 ends in one). */
static const uint8_t zero_row[64];
#endif

/* Sums each column of a packed x tile of kq groups (wrapping as the int32 accumulator). */
static void column_sums(const eml_qgemm_ukernel *uk, const uint8_t *tile, size_t kq,
			int32_t *xsum)
{
	size_t group = (size_t)uk->nr * uk->kc;
	for (uint32_t j = 0; j < uk->nr; j++)
		xsum[j] = 0;
	for (size_t q = 0; q < kq; q++)
		for (uint32_t j = 0; j < uk->nr; j++)
			for (uint32_t c = 0; c < uk->kc; c++) {
				uint8_t v = tile[q * group + j * uk->kc + c];
				int32_t e = uk->x_signed ? (int8_t)v : v;
				xsum[j] = (int32_t)((uint32_t)xsum[j] + (uint32_t)e);
			}
}

/* Packs one group of kc rows (rows past k are 0) of nr columns, in portable C. */
static void pack_group_c(const eml_qgemm_ukernel *uk, const uint8_t *src, size_t src_stride,
			 size_t rows, uint32_t nr, uint8_t flip, uint8_t *dst)
{
	memset(dst, 0, (size_t)uk->nr * uk->kc);
	for (size_t c = 0; c < rows; c++)
		for (uint32_t j = 0; j < nr; j++)
			dst[j * uk->kc + c] = src[c * src_stride + j] ^ flip;
}

#if defined(__x86_64__)
/* Packs the whole groups of 4 rows of a full tile of 8 columns (the AVX2 kernels' tiles):
 * the common case of 1x1 convolutions, one loop without a call per group. */
static void pack_x_8c4_sse2(const uint8_t *src, size_t src_stride, size_t groups, uint8_t flip,
			    uint8_t *dst)
{
	const __m128i f = _mm_set1_epi8((char)flip);
	for (size_t q = 0; q < groups; q++, src += 4 * src_stride, dst += 32) {
		__m128i a = _mm_xor_si128(_mm_loadl_epi64((const __m128i *)src), f);
		__m128i b = _mm_xor_si128(_mm_loadl_epi64((const __m128i *)(src + src_stride)), f);
		__m128i c = _mm_xor_si128(
			_mm_loadl_epi64((const __m128i *)(src + 2 * src_stride)), f);
		__m128i d = _mm_xor_si128(
			_mm_loadl_epi64((const __m128i *)(src + 3 * src_stride)), f);
		__m128i ab = _mm_unpacklo_epi8(a, b), cd = _mm_unpacklo_epi8(c, d);
		_mm_storeu_si128((__m128i *)dst, _mm_unpacklo_epi16(ab, cd));
		_mm_storeu_si128((__m128i *)(dst + 16), _mm_unpackhi_epi16(ab, cd));
	}
}
#endif

void eml_pack_x(const eml_qgemm_ukernel *uk, const uint8_t *src, size_t src_stride, size_t k,
		uint32_t nr, uint8_t flip, uint8_t *dst, int32_t *xsum)
{
	size_t kq = k / uk->kc + (k % uk->kc != 0), group = (size_t)uk->nr * uk->kc;
	size_t q0 = 0;
#if defined(__x86_64__)
	if (uk->kc == 4 && uk->nr == 8 && nr == 8) {
		q0 = k / 4;
		pack_x_8c4_sse2(src, src_stride, q0, flip, dst);
	}
#endif
	if (uk->pack_x4 && uk->kc == 4 && nr == uk->nr) {
		q0 = k / 4;
		uk->pack_x4(src, src_stride, q0, flip, dst);
	}
	for (size_t q = q0; q < kq; q++) {
		size_t k0 = q * uk->kc, rows = k - k0 < uk->kc ? k - k0 : uk->kc;
		const uint8_t *s = src + k0 * src_stride;
#if defined(__x86_64__)
		if (uk->kc == 4 && nr == uk->nr && nr % 8 == 0 && nr <= sizeof(zero_row) &&
		    (rows == 4 || !flip)) {
			const uint8_t *r[4];
			for (size_t c = 0; c < 4; c++)
				r[c] = c < rows ? s + c * src_stride : zero_row;
			interleave4_sse2(r[0], r[1], r[2], r[3], nr, flip, dst + q * group);
			continue;
		}
#endif
		pack_group_c(uk, s, src_stride, rows, nr, flip, dst + q * group);
	}
	memset(dst + kq * group, 0, (eml_pack_kq(uk, kq) - kq) * group);
	if (xsum)
		column_sums(uk, dst, kq, xsum);
}

void eml_pack_x_rows(const eml_qgemm_ukernel *uk, const uint8_t *base, const size_t *off,
		     size_t k, uint8_t *dst, int32_t *xsum)
{
	size_t kq = k / uk->kc + (k % uk->kc != 0), group = (size_t)uk->nr * uk->kc;
	size_t q = 0;
	if (uk->pack_x4_rows && uk->kc == 4) {
		q = k / 4;
		uk->pack_x4_rows(base, off, q, dst);
	}
#if defined(__x86_64__)
	/* whole groups of a tile of 8 columns (the AVX2 kernels'), one loop without calls */
	for (; uk->kc == 4 && uk->nr == 8 && q < k / 4; q++) {
		const size_t *o = off + 4 * q;
		__m128i a = _mm_loadl_epi64((const __m128i *)(base + o[0]));
		__m128i b = _mm_loadl_epi64((const __m128i *)(base + o[1]));
		__m128i c = _mm_loadl_epi64((const __m128i *)(base + o[2]));
		__m128i d = _mm_loadl_epi64((const __m128i *)(base + o[3]));
		__m128i ab = _mm_unpacklo_epi8(a, b), cd = _mm_unpacklo_epi8(c, d);
		_mm_storeu_si128((__m128i *)(dst + q * group), _mm_unpacklo_epi16(ab, cd));
		_mm_storeu_si128((__m128i *)(dst + q * group + 16), _mm_unpackhi_epi16(ab, cd));
	}
#endif
	for (; q < kq; q++) {
		size_t k0 = q * uk->kc, rows = k - k0 < uk->kc ? k - k0 : uk->kc;
		uint8_t *d = dst + q * group;
#if defined(__x86_64__)
		if (uk->kc == 4 && uk->nr % 8 == 0 && uk->nr <= sizeof(zero_row)) {
			const uint8_t *r[4];
			for (size_t c = 0; c < 4; c++)
				r[c] = c < rows ? base + off[k0 + c] : zero_row;
			interleave4_sse2(r[0], r[1], r[2], r[3], uk->nr, 0, d);
			continue;
		}
#endif
		memset(d, 0, group);
		for (size_t c = 0; c < rows; c++)
			for (uint32_t j = 0; j < uk->nr; j++)
				d[j * uk->kc + c] = base[off[k0 + c] + j];
	}
	memset(dst + kq * group, 0, (eml_pack_kq(uk, kq) - kq) * group);
	if (xsum)
		column_sums(uk, dst, kq, xsum);
}
