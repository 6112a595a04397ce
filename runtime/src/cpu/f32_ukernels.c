/* f32_ukernels.c — the float32 micro-kernel of each ISA level (the config table of the
 * float fast path; the rest of the code never asks the hardware). */
#include "cpu/f32_ukernels.h"

const eml_f32_gemm_ukernel *eml_f32_gemm_ukernel_for(eml_isa isa)
{
	switch (isa) {
#if defined(__x86_64__)
	case EML_ISA_AVX512VNNI:
		return &eml_f32_gemm_8x32_minmax_avx512f;
	case EML_ISA_AVX2:
		return &eml_f32_gemm_4x24_minmax_avx2;
#elif defined(__aarch64__)
	case EML_ISA_NEON:
	case EML_ISA_DOTPROD:
	case EML_ISA_I8MM:
		return &eml_f32_gemm_8x8_minmax_neon;
#endif
	default:
		return NULL;
	}
}

eml_f32_dw_fn eml_f32_dw_ukernel_for(eml_isa isa)
{
	switch (isa) {
#if defined(__x86_64__)
	case EML_ISA_AVX512VNNI:
		return eml_f32_dwconv_64x_minmax_avx512f;
	case EML_ISA_AVX2:
		return eml_f32_dwconv_32x_minmax_avx2;
#elif defined(__aarch64__)
	case EML_ISA_NEON:
	case EML_ISA_DOTPROD:
	case EML_ISA_I8MM:
		return eml_f32_dwconv_16x_minmax_neon;
#endif
	default:
		return NULL;
	}
}
