/* u8-image-vmix-8x-neon.c — ImagePreprocess's vertical pass for aarch64, 8 outputs at a
 * time: the horizontal sums >> 4 narrowed to int16, widening multiplies by each row's weight
 * shifted right by 16 (the rule of image_params.h), summed, rounded off by 2 bits, narrowed
 * to bytes with saturation. */
#if defined(__aarch64__)
#include <arm_neon.h>

#include "cpu/image_ukernels.h"
#include "ops/image_params.h"

/* ((s >> 4) * w) >> 16 for 4 sums. */
static inline int32x4_t part(const int32_t *s, int16x4_t w)
{
	int16x4_t x = vmovn_s32(vshrq_n_s32(vld1q_s32(s), 4));
	return vshrq_n_s32(vmull_s16(x, w), 16);
}

void eml_u8_image_vmix_8x_neon(const int32_t *a, const int32_t *b, size_t n, int32_t w0,
			       int32_t w1, uint8_t *v)
{
	const int16x4_t k0 = vdup_n_s16((int16_t)w0), k1 = vdup_n_s16((int16_t)w1);
	const int32x4_t two = vdupq_n_s32(2);
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		int32x4_t lo = vaddq_s32(part(a + i, k0), part(b + i, k1));
		int32x4_t hi = vaddq_s32(part(a + i + 4, k0), part(b + i + 4, k1));
		lo = vshrq_n_s32(vaddq_s32(lo, two), 2);
		hi = vshrq_n_s32(vaddq_s32(hi, two), 2);
		vst1_u8(v + i, vqmovun_s16(vcombine_s16(vmovn_s32(lo), vmovn_s32(hi))));
	}
	for (; i < n; i++)
		v[i] = (uint8_t)eml_image_vmix(a[i], b[i], w0, w1);
}

#endif
