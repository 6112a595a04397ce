/* u8-image-vmix-16x-avx2.c — ImagePreprocess's vertical pass, 16 outputs at a time: the
 * horizontal sums >> 4 packed to int16, vpmulhw by each row's weight (the product's high 16
 * bits, as image_params.h's rule takes them), summed, rounded off by 2 bits, packed to bytes
 * with saturation. */
#if defined(__x86_64__)
#include <immintrin.h>

#include "cpu/image_ukernels.h"
#include "ops/image_params.h"

#define AVX2 __attribute__((target("avx2")))

/* 16 sums >> 4 as int16, in order. */
static inline AVX2 __m256i load16(const int32_t *s)
{
	__m256i lo = _mm256_srai_epi32(_mm256_loadu_si256((const __m256i *)(const void *)s), 4);
	__m256i hi =
		_mm256_srai_epi32(_mm256_loadu_si256((const __m256i *)(const void *)(s + 8)), 4);
	return _mm256_permute4x64_epi64(_mm256_packs_epi32(lo, hi), 0xd8);
}

void AVX2 eml_u8_image_vmix_16x_avx2(const int32_t *a, const int32_t *b, size_t n, int32_t w0,
				     int32_t w1, uint8_t *v)
{
	const __m256i k0 = _mm256_set1_epi16((int16_t)w0), k1 = _mm256_set1_epi16((int16_t)w1);
	const __m256i two = _mm256_set1_epi16(2);
	size_t i = 0;
	for (; i + 16 <= n; i += 16) {
		__m256i x = _mm256_add_epi16(_mm256_mulhi_epi16(load16(a + i), k0),
					     _mm256_mulhi_epi16(load16(b + i), k1));
		x = _mm256_srai_epi16(_mm256_add_epi16(x, two), 2);
		x = _mm256_permute4x64_epi64(_mm256_packus_epi16(x, x), 0x08);
		_mm_storeu_si128((__m128i *)(void *)(v + i), _mm256_castsi256_si128(x));
	}
	for (; i < n; i++)
		v[i] = (uint8_t)eml_image_vmix(a[i], b[i], w0, w1);
}

#endif
