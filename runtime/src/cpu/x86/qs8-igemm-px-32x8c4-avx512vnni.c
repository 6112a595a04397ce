/* qs8-igemm-px-32x8c4-avx512vnni.c — in-place int8 convolution GEMM with output channels
 * across the vector lanes: 32 channels x up to 8 output pixels, uint8 x by int8 w in groups of
 * 4 k (vpdpbusd), fp32 requantization. For small outputs (7 x 7), where 32-pixel tiles of the
 * padded grid would waste a quarter of the work: here every computed pixel is a valid one. */
#if defined(__x86_64__)
#include <immintrin.h>
#include <string.h>

#include "cpu/x86/ukernels.h"

#define TARGET __attribute__((target("avx512f,avx512bw,avx512vnni")))

/* Broadcasts the 4 input bytes at p. */
TARGET static inline __m512i xbcast(const uint8_t *p)
{
	int32_t v;
	memcpy(&v, p, 4);
	return _mm512_set1_epi32(v);
}

/* Requantizes 16 channels' accumulators of one pixel (as the 8x32 kernel does, so the same
 * bytes) into 16 output bytes. */
TARGET static inline __m128i requant16(__m512i acc, __m512i bias, __m512 mult,
				       const eml_qgemm_out *o)
{
	__m512 f = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_add_epi32(acc, bias)), mult);
	f = _mm512_roundscale_ps(f, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
	f = _mm512_add_ps(f, _mm512_set1_ps(o->zp));
	/* max/min return their second operand for a NaN: NaN goes to lo, as in the reference */
	f = _mm512_min_ps(_mm512_max_ps(f, _mm512_set1_ps(o->lo)), _mm512_set1_ps(o->hi));
	return _mm512_cvtepi32_epi8(_mm512_cvtps_epi32(f));
}

/* Stores 8 pixels' 32 channel bytes (R[r]: channels 0-15 in the low 128-bit lane, 16-31 in the
 * high one) as 32 channel rows of np <= 8 pixels at y, y_stride apart: an 8 x 16 byte transpose
 * per lane in three rounds of unpacks. */
TARGET static inline __attribute__((always_inline)) void
store_transposed(const __m256i *R, uint32_t np, uint8_t *y, size_t y_stride)
{
	/* a: channel pairs (0-7 | 16-23 from lo, 8-15 | 24-31 from hi) of pixels (2i, 2i + 1) */
	__m256i a0 = _mm256_unpacklo_epi8(R[0], R[1]), a1 = _mm256_unpackhi_epi8(R[0], R[1]);
	__m256i a2 = _mm256_unpacklo_epi8(R[2], R[3]), a3 = _mm256_unpackhi_epi8(R[2], R[3]);
	__m256i a4 = _mm256_unpacklo_epi8(R[4], R[5]), a5 = _mm256_unpackhi_epi8(R[4], R[5]);
	__m256i a6 = _mm256_unpacklo_epi8(R[6], R[7]), a7 = _mm256_unpackhi_epi8(R[6], R[7]);
	/* b: 4 pixels (0-3 or 4-7) of 4 channels */
	__m256i b0 = _mm256_unpacklo_epi16(a0, a2), b1 = _mm256_unpackhi_epi16(a0, a2);
	__m256i b2 = _mm256_unpacklo_epi16(a1, a3), b3 = _mm256_unpackhi_epi16(a1, a3);
	__m256i b4 = _mm256_unpacklo_epi16(a4, a6), b5 = _mm256_unpackhi_epi16(a4, a6);
	__m256i b6 = _mm256_unpacklo_epi16(a5, a7), b7 = _mm256_unpackhi_epi16(a5, a7);
	/* c[j]: channels 2j and 2j + 1 (low lane), 16 + 2j and 17 + 2j (high lane), 8 pixels
	 * each */
	__m256i c[8] = {
		_mm256_unpacklo_epi32(b0, b4), _mm256_unpackhi_epi32(b0, b4),
		_mm256_unpacklo_epi32(b1, b5), _mm256_unpackhi_epi32(b1, b5),
		_mm256_unpacklo_epi32(b2, b6), _mm256_unpackhi_epi32(b2, b6),
		_mm256_unpacklo_epi32(b3, b7), _mm256_unpackhi_epi32(b3, b7),
	};
	const __mmask64 mask = ((__mmask64)1 << np) - 1;
	for (uint32_t j = 0; j < 8; j++) {
		__m128i l = _mm256_castsi256_si128(c[j]), h = _mm256_extracti128_si256(c[j], 1);
		uint8_t *y0 = y + 2 * j * y_stride, *y1 = y0 + y_stride;
		uint8_t *y2 = y0 + 16 * y_stride, *y3 = y2 + y_stride;
		if (np == 8) {
			_mm_storel_epi64((__m128i *)y0, l);
			_mm_storel_epi64((__m128i *)y1, _mm_unpackhi_epi64(l, l));
			_mm_storel_epi64((__m128i *)y2, h);
			_mm_storel_epi64((__m128i *)y3, _mm_unpackhi_epi64(h, h));
		} else {
			_mm512_mask_storeu_epi8(y0, mask, _mm512_castsi128_si512(l));
			_mm512_mask_storeu_epi8(y1, mask,
						_mm512_castsi128_si512(_mm_srli_si128(l, 8)));
			_mm512_mask_storeu_epi8(y2, mask, _mm512_castsi128_si512(h));
			_mm512_mask_storeu_epi8(y3, mask,
						_mm512_castsi128_si512(_mm_srli_si128(h, 8)));
		}
	}
}

/* Multiplies pixel r's k group into its two accumulators, when the kernel has that pixel. */
#define PIX(r, lo, hi)                                                  \
	do {                                                            \
		if (NP > r) {                                           \
			__m512i b = xbcast(p##r + d);                   \
			lo = _mm512_dpbusd_epi32(lo, b, w0);            \
			hi = _mm512_dpbusd_epi32(hi, b, w1);            \
		}                                                       \
	} while (0)

/* The kernel for NP pixels (a constant in each caller, so each has its own loop). */
TARGET static inline __attribute__((always_inline)) void
body(const uint32_t NP, uint32_t mc, size_t kq, const int8_t *w, const uint8_t *base,
     const size_t *off, const size_t *pos, uint8_t *y, size_t y_stride, const eml_qgemm_out *o,
     uint32_t m0)
{
	__m512i a0 = _mm512_setzero_si512(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0,
		a6 = a0, a7 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0, b4 = a0, b5 = a0, b6 = a0,
		b7 = a0;
	const uint8_t *p0 = base + pos[0], *p1 = base + pos[NP > 1 ? 1 : 0],
		      *p2 = base + pos[NP > 2 ? 2 : 0], *p3 = base + pos[NP > 3 ? 3 : 0],
		      *p4 = base + pos[NP > 4 ? 4 : 0], *p5 = base + pos[NP > 5 ? 5 : 0],
		      *p6 = base + pos[NP > 6 ? 6 : 0], *p7 = base + pos[NP > 7 ? 7 : 0];
	for (size_t q = 0; q < kq; q++, w += 128) {
		size_t d = off[q];
		__m512i w0 = _mm512_loadu_si512(w), w1 = _mm512_loadu_si512(w + 64);
		PIX(0, a0, b0);
		PIX(1, a1, b1);
		PIX(2, a2, b2);
		PIX(3, a3, b3);
		PIX(4, a4, b4);
		PIX(5, a5, b5);
		PIX(6, a6, b6);
		PIX(7, a7, b7);
	}
	const __m512i lo[8] = { a0, a1, a2, a3, a4, a5, a6, a7 };
	const __m512i hi[8] = { b0, b1, b2, b3, b4, b5, b6, b7 };
	const __m512i bias0 = _mm512_loadu_si512(o->bias + m0);
	const __m512i bias1 = _mm512_loadu_si512(o->bias + m0 + 16);
	const __m512 mult0 = _mm512_loadu_ps(o->mult + m0);
	const __m512 mult1 = _mm512_loadu_ps(o->mult + m0 + 16);
	if (mc == 32) {
		/* a whole block: the 8 x 32 bytes transposed in registers into 32 rows of 8 pixels,
		 * one 8-byte store per channel (masked to np bytes below 8 pixels) */
		__m256i R[8];
		for (uint32_t r = 0; r < 8; r++)
			R[r] = r < NP ? _mm256_inserti128_si256(
						_mm256_castsi128_si256(
							requant16(lo[r], bias0, mult0, o)),
						requant16(hi[r], bias1, mult1, o), 1) :
					_mm256_setzero_si256();
		store_transposed(R, NP, y, y_stride);
		return;
	}
	for (uint32_t r = 0; r < NP; r++) {
		uint8_t t[32];
		_mm_storeu_si128((__m128i *)t, requant16(lo[r], bias0, mult0, o));
		_mm_storeu_si128((__m128i *)(t + 16), requant16(hi[r], bias1, mult1, o));
		for (uint32_t i = 0; i < mc; i++)
			y[i * y_stride + r] = t[i];
	}
}

/* See ukernels.h. */
TARGET void eml_qs8_igemm_px_32x8c4_avx512vnni(uint32_t mc, uint32_t np, size_t kq, const void *w,
					const uint8_t *base, const size_t *off, const size_t *pos,
					uint8_t *y, size_t y_stride, const eml_qgemm_out *o,
					uint32_t m0)
{
	switch (np) {
	case 1:
		body(1, mc, kq, w, base, off, pos, y, y_stride, o, m0);
		break;
	case 2:
		body(2, mc, kq, w, base, off, pos, y, y_stride, o, m0);
		break;
	case 3:
		body(3, mc, kq, w, base, off, pos, y, y_stride, o, m0);
		break;
	case 4:
		body(4, mc, kq, w, base, off, pos, y, y_stride, o, m0);
		break;
	case 5:
		body(5, mc, kq, w, base, off, pos, y, y_stride, o, m0);
		break;
	case 6:
		body(6, mc, kq, w, base, off, pos, y, y_stride, o, m0);
		break;
	case 7:
		body(7, mc, kq, w, base, off, pos, y, y_stride, o, m0);
		break;
	default:
		body(8, mc, kq, w, base, off, pos, y, y_stride, o, m0);
		break;
	}
}

/* The packing of the kernel's weights: blocks of 32 channels, k group by k group, so that a
 * k group of a block is two vectors of 16 channels x 4 bytes. */
const eml_qgemm_ukernel eml_qs8_igemm_px_32x8c4_avx512vnni_pack = {
	.name = "qs8-igemm-px-32x8c4-avx512vnni",
	.mr = 32,
	.nr = 8,
	.kc = 4,
	.w_bytes = 1,
	.x_signed = 0,
};

#endif
