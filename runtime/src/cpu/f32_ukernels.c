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

/* The channels-in-lanes depthwise kernel per level. */
eml_f32_dwc_fn eml_f32_dwc_ukernel_for(eml_isa isa)
{
	switch (isa) {
#if defined(__x86_64__)
	case EML_ISA_AVX512VNNI:
		return eml_f32_dwconv_16c4_minmax_avx512f;
	case EML_ISA_AVX2:
		return eml_f32_dwconv_8c4_minmax_avx2;
#elif defined(__aarch64__)
	case EML_ISA_NEON:
	case EML_ISA_DOTPROD:
	case EML_ISA_I8MM:
		return eml_f32_dwconv_4c4_minmax_neon;
#endif
	default:
		return NULL;
	}
}

/* The vector transpose per level, or NULL. */
eml_f32_transpose_fn eml_f32_transpose_ukernel_for(eml_isa isa)
{
#if defined(__x86_64__)
	if (isa == EML_ISA_AVX512VNNI)
		return eml_f32_transpose_16x16_avx512f;
#endif
	(void)isa;
	return NULL;
}

/* The binary op kernels per level: one table of ops x forms each. */
eml_f32_vbinary_fn eml_f32_vbinary_ukernel_for(eml_isa isa, int op, int form)
{
	switch (isa) {
#if defined(__x86_64__)
	case EML_ISA_AVX512VNNI:
		return eml_f32_vbinary_32x_minmax_avx512f[op][form];
	case EML_ISA_AVX2:
		return eml_f32_vbinary_16x_minmax_avx2[op][form];
#elif defined(__aarch64__)
	case EML_ISA_NEON:
	case EML_ISA_DOTPROD:
	case EML_ISA_I8MM:
		return eml_f32_vbinary_8x_minmax_neon[op][form];
#endif
	default:
		(void)op;
		(void)form;
		return NULL;
	}
}

/* The max pooling kernel per level. */
eml_f32_maxpool_fn eml_f32_maxpool_ukernel_for(eml_isa isa)
{
	switch (isa) {
#if defined(__x86_64__)
	case EML_ISA_AVX512VNNI:
		return eml_f32_maxpool_64x_avx512f;
	case EML_ISA_AVX2:
		return eml_f32_maxpool_32x_avx2;
#elif defined(__aarch64__)
	case EML_ISA_NEON:
	case EML_ISA_DOTPROD:
	case EML_ISA_I8MM:
		return eml_f32_maxpool_16x_neon;
#endif
	default:
		return NULL;
	}
}

/* The float peak probe per level (none on aarch64, like the int8 one). */
eml_f32_peak_fn eml_f32_peak_for(eml_isa isa)
{
	switch (isa) {
#if defined(__x86_64__)
	case EML_ISA_AVX512VNNI:
		return eml_f32_peak_avx512f;
	case EML_ISA_AVX2:
		return eml_f32_peak_avx2;
#endif
	default:
		return NULL;
	}
}
