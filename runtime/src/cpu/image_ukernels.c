/* image_ukernels.c — the horizontal-pass micro-kernel of each level (image_ukernels.h). */
#include "cpu/image_ukernels.h"
#include "ops/image_params.h"

eml_image_hpass_fn eml_image_hpass_for(eml_isa isa, int format)
{
	if (format != EML_IMAGE_NV12 && format != EML_IMAGE_YUYV)
		return NULL;
	switch (isa) {
#if defined(__x86_64__)
	case EML_ISA_AVX2:
	case EML_ISA_AVX512VNNI:
		return eml_u8_image_hpass_8x_avx2;
#endif
	default:
		return NULL;
	}
}

/* Portable vertical pass. */
static void vmix_c(const int32_t *a, const int32_t *b, size_t n, int32_t w0, int32_t w1,
		   uint8_t *v)
{
	for (size_t i = 0; i < n; i++)
		v[i] = (uint8_t)eml_image_vmix(a[i], b[i], w0, w1);
}

eml_image_vmix_fn eml_image_vmix_for(eml_isa isa)
{
	switch (isa) {
#if defined(__x86_64__)
	case EML_ISA_AVX2:
	case EML_ISA_AVX512VNNI:
		return eml_u8_image_vmix_16x_avx2;
#endif
#if defined(__aarch64__)
	case EML_ISA_NEON:
	case EML_ISA_DOTPROD:
	case EML_ISA_I8MM:
		return eml_u8_image_vmix_8x_neon;
#endif
	default:
		return vmix_c;
	}
}
