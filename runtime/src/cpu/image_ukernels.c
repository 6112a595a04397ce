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
