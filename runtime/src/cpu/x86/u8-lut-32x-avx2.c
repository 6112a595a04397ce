/* u8-lut-32x-avx2.c — a 256-entry byte table lookup (QLinearLookup), 32 bytes at a time:
 * the table as 16 rows of 16 bytes, each row looked up with vpshufb by the low nibble and
 * kept where the high nibble selects it. */
#if defined(__x86_64__)
#include <immintrin.h>
#include <string.h>

#include "cpu/kernels.h"
#include "cpu/x86/ukernels.h"

#define TARGET __attribute__((target("avx2")))

/* 32 bytes of x (already flipped) through the table rows. */
TARGET static inline __m256i lut32(__m256i v, const __m256i *rows)
{
	const __m256i nib = _mm256_set1_epi8(0x0f);
	__m256i lo = _mm256_and_si256(v, nib);
	__m256i hi = _mm256_and_si256(_mm256_srli_epi16(v, 4), nib);
	__m256i r = _mm256_shuffle_epi8(rows[0], lo);
	for (int s = 1; s < 16; s++) {
		__m256i pick = _mm256_cmpeq_epi8(hi, _mm256_set1_epi8((char)s));
		r = _mm256_blendv_epi8(r, _mm256_shuffle_epi8(rows[s], lo), pick);
	}
	return r;
}

/* See eml_u8_lut_fn. */
void TARGET eml_u8_lut_32x_avx2(const uint8_t *x, size_t n, const uint8_t *table,
				uint8_t flip, uint8_t *y)
{
	__m256i rows[16];
	for (int s = 0; s < 16; s++)
		rows[s] = _mm256_broadcastsi128_si256(
			_mm_loadu_si128((const __m128i *)(table + 16 * s)));
	const __m256i f = _mm256_set1_epi8((char)flip);
	size_t i = 0;
	for (; i + 32 <= n; i += 32) {
		__m256i v = _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(x + i)), f);
		_mm256_storeu_si256((__m256i *)(y + i), lut32(v, rows));
	}
	for (; i < n; i++)
		y[i] = table[(uint8_t)(x[i] ^ flip)];
}

#endif
