/* qs8-gemm-8x32c4-avx512vnni.c — int8 GEMM micro-kernel: 8 rows x 32 columns, uint8 x by
 * int8 w in groups of 4 k (vpdpbusd), fp32 requantization. Two x vectors per weight
 * broadcast: half the broadcasts per multiply of a 16-column tile. */
#if defined(__x86_64__)
#include <immintrin.h>
#include <string.h>

#include "cpu/x86/ukernels.h"

#define TARGET __attribute__((target("avx512f,avx512bw,avx512vnni")))

#include "cpu/x86/qs8-store-32x-avx512.h"

/* Broadcasts the 4 weight bytes of row r at w. */
TARGET static inline __m512i wbcast(const int8_t *w, int r)
{
	int32_t v;
	memcpy(&v, w + 4 * r, 4);
	return _mm512_set1_epi32(v);
}

/* Multiplies one k group into the two accumulators of a row. */
#define ROW(r, lo, hi)                                          \
	do {                                                    \
		__m512i b = wbcast(w, r);                       \
		lo = _mm512_dpbusd_epi32(lo, x0, b);            \
		hi = _mm512_dpbusd_epi32(hi, x1, b);            \
	} while (0)

/* The kernel's body: k group q of x at x + 128 q, or at base + off[q] when off is given
 * (inlined into each caller, so each loop has one form). */
TARGET static inline __attribute__((always_inline)) void
gemm_body(uint32_t mr, uint32_t nr, size_t kq, const int8_t *w, const uint8_t *x,
	  const size_t *off, const int32_t *xsum, uint8_t *y, size_t y_stride,
	  const eml_qgemm_out *o, uint32_t m0)
{
	/* the accumulators start from the rows' biases (o's arrays hold 8 rows from m0) */
	const int32_t *bias = o->bias + m0;
	__m512i a0 = _mm512_set1_epi32(bias[0]), a1 = _mm512_set1_epi32(bias[1]),
		a2 = _mm512_set1_epi32(bias[2]), a3 = _mm512_set1_epi32(bias[3]),
		a4 = _mm512_set1_epi32(bias[4]), a5 = _mm512_set1_epi32(bias[5]),
		a6 = _mm512_set1_epi32(bias[6]), a7 = _mm512_set1_epi32(bias[7]);
	__m512i b0 = a0, b1 = a1, b2 = a2, b3 = a3, b4 = a4, b5 = a5, b6 = a6, b7 = a7;
	for (size_t q = 0; q < kq; q++, w += 32) {
		const uint8_t *xq = off ? x + off[q] : x + 128 * q;
		__m512i x0 = _mm512_loadu_si512(xq), x1 = _mm512_loadu_si512(xq + 64);
		/* in place, a block of weights can outgrow L2 (ResNet's last stage): the
		 * prefetcher alone leaves its stream from L3 late */
		if (off)
			_mm_prefetch((const char *)w + 2048, _MM_HINT_T0);
		ROW(0, a0, b0);
		ROW(1, a1, b1);
		ROW(2, a2, b2);
		ROW(3, a3, b3);
		ROW(4, a4, b4);
		ROW(5, a5, b5);
		ROW(6, a6, b6);
		ROW(7, a7, b7);
	}
	const __m512i lo[8] = { a0, a1, a2, a3, a4, a5, a6, a7 };
	const __m512i hi[8] = { b0, b1, b2, b3, b4, b5, b6, b7 };
	qs8_store_rows_32(lo, hi, mr, nr, xsum, o, m0, y, y_stride);
}

/* See eml_qgemm_fn. */
TARGET static void gemm_8x32c4(uint32_t mr, uint32_t nr, size_t kq, const void *w,
			       const uint8_t *x, const int32_t *xsum, uint8_t *y, size_t y_stride,
			       const eml_qgemm_out *o, uint32_t m0)
{
	gemm_body(mr, nr, kq, w, x, NULL, xsum, y, y_stride, o, m0);
}

/* See eml_qigemm_fn. */
TARGET static void igemm_8x32c4(uint32_t mr, uint32_t nr, size_t kq, const void *w,
				const uint8_t *base, const size_t *off, uint8_t *y,
				size_t y_stride, const eml_qgemm_out *o, uint32_t m0)
{
	gemm_body(mr, nr, kq, w, base, off, NULL, y, y_stride, o, m0);
}

/* Interleaves 4 rows of 32 bytes into a packed group of a 32-column tile (column j's 4 bytes
 * at 4 j): byte and word unpacks within 128-bit lanes, lane permutes into column order. */
TARGET static inline __attribute__((always_inline)) void
group4_32(__m256i a, __m256i b, __m256i c, __m256i d, uint8_t *dst)
{
	__m256i ab_lo = _mm256_unpacklo_epi8(a, b), ab_hi = _mm256_unpackhi_epi8(a, b);
	__m256i cd_lo = _mm256_unpacklo_epi8(c, d), cd_hi = _mm256_unpackhi_epi8(c, d);
	/* columns per 128-bit lane: o0 0-3 | 16-19, o1 4-7 | 20-23, o2 8-11 | 24-27,
	 * o3 12-15 | 28-31 */
	__m256i o0 = _mm256_unpacklo_epi16(ab_lo, cd_lo);
	__m256i o1 = _mm256_unpackhi_epi16(ab_lo, cd_lo);
	__m256i o2 = _mm256_unpacklo_epi16(ab_hi, cd_hi);
	__m256i o3 = _mm256_unpackhi_epi16(ab_hi, cd_hi);
	__m256i *o = (__m256i *)dst;
	_mm256_storeu_si256(o + 0, _mm256_permute2x128_si256(o0, o1, 0x20));
	_mm256_storeu_si256(o + 1, _mm256_permute2x128_si256(o2, o3, 0x20));
	_mm256_storeu_si256(o + 2, _mm256_permute2x128_si256(o0, o1, 0x31));
	_mm256_storeu_si256(o + 3, _mm256_permute2x128_si256(o2, o3, 0x31));
}

/* Packs groups whole groups of 4 rows of a 32-column tile (eml_qgemm_ukernel.pack_x4): per
 * group 4 row loads, 4 byte and 4 word unpacks within 128-bit lanes, 4 lane permutes into
 * column order, 4 stores. */
TARGET void eml_qs8_pack_x4_32c4_avx512vnni(const uint8_t *src, size_t src_stride,
					    size_t groups, uint8_t flip, uint8_t *dst)
{
	const __m256i f = _mm256_set1_epi8((char)flip);
	for (size_t q = 0; q < groups; q++, src += 4 * src_stride, dst += 128)
		group4_32(_mm256_xor_si256(_mm256_loadu_si256((const __m256i *)src), f),
			  _mm256_xor_si256(
				  _mm256_loadu_si256((const __m256i *)(src + src_stride)), f),
			  _mm256_xor_si256(
				  _mm256_loadu_si256((const __m256i *)(src + 2 * src_stride)), f),
			  _mm256_xor_si256(
				  _mm256_loadu_si256((const __m256i *)(src + 3 * src_stride)), f),
			  dst);
}

/* Packs groups whole groups of 4 rows at base + off[k] of a 32-column tile
 * (eml_qgemm_ukernel.pack_x4_rows): a first layer's tiles of pixels, each k row a run of a
 * phase plane, in one loop instead of a call per group. */
TARGET void eml_qs8_pack_x4_rows_32c4_avx512vnni(const uint8_t *base, const size_t *off,
						 size_t groups, uint8_t *dst)
{
	for (size_t q = 0; q < groups; q++, off += 4, dst += 128)
		group4_32(_mm256_loadu_si256((const __m256i *)(base + off[0])),
			  _mm256_loadu_si256((const __m256i *)(base + off[1])),
			  _mm256_loadu_si256((const __m256i *)(base + off[2])),
			  _mm256_loadu_si256((const __m256i *)(base + off[3])), dst);
}

const eml_qgemm_ukernel eml_qs8_gemm_8x32c4_avx512vnni = {
	.name = "qs8-gemm-8x32c4-avx512vnni",
	.mr = 8,
	.nr = 32,
	.kc = 4,
	.w_bytes = 1,
	.x_signed = 0,
	.fn = gemm_8x32c4,
	.gemv = eml_qs8_gemv_8c4_avx512vnni,
	.igemm = igemm_8x32c4,
	.pack_x4 = eml_qs8_pack_x4_32c4_avx512vnni,
	.pack_x4_rows = eml_qs8_pack_x4_rows_32c4_avx512vnni,
};

#endif
