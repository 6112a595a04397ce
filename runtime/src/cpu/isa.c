/* isa.c — choosing the fast kernels' instruction-set level once per process, and each
 * level's table of micro-kernels (kernels.h): the one place that names the kernels of
 * cpu/x86/ and cpu/arm/. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/isa.h"
#include "cpu/kernels.h"
#include "cpu_features.h"
#if defined(__x86_64__)
#include "cpu/x86/ukernels.h"
#elif defined(__aarch64__)
#include "cpu/arm/ukernels.h"
#endif

static const char *const isa_names[EML_ISA_COUNT] = {
	[EML_ISA_SCALAR] = "scalar",	 [EML_ISA_NEON] = "neon", [EML_ISA_DOTPROD] = "dotprod",
	[EML_ISA_I8MM] = "i8mm",	 [EML_ISA_AVX2] = "avx2",
	[EML_ISA_AVX512VNNI] = "avx512vnni", [EML_ISA_AVX512AMX] = "avx512amx",
};

/* The CPU features each level's kernels execute. */
static const uint32_t isa_needs[EML_ISA_COUNT] = {
	[EML_ISA_SCALAR] = 0,
	[EML_ISA_NEON] = EML_CPU_NEON,
	[EML_ISA_DOTPROD] = EML_CPU_NEON | EML_CPU_DOTPROD,
	[EML_ISA_I8MM] = EML_CPU_NEON | EML_CPU_DOTPROD | EML_CPU_I8MM,
	[EML_ISA_AVX2] = EML_CPU_AVX2 | EML_CPU_FMA,
	[EML_ISA_AVX512VNNI] = EML_CPU_AVX2 | EML_CPU_AVX512F | EML_CPU_AVX512BW |
			       EML_CPU_AVX512VNNI,
	[EML_ISA_AVX512AMX] = EML_CPU_AVX2 | EML_CPU_AVX512F | EML_CPU_AVX512BW |
			      EML_CPU_AVX512VNNI | EML_CPU_AMX,
};

/* Levels with kernels in this build, best first; the first one the CPU supports wins. */
static const eml_isa isa_order[] = {
#if defined(__x86_64__)
	EML_ISA_AVX512AMX, EML_ISA_AVX512VNNI, EML_ISA_AVX2,
#elif defined(__aarch64__)
	EML_ISA_I8MM, EML_ISA_DOTPROD, EML_ISA_NEON,
#endif
	EML_ISA_SCALAR,
};

static pthread_once_t isa_once = PTHREAD_ONCE_INIT;
static uint32_t cpu_features;
static eml_isa isa_chosen;
static char isa_rejected[64];

/* Whether this build holds kernels of a level. */
static int isa_built(eml_isa isa)
{
	for (size_t i = 0; i < sizeof(isa_order) / sizeof(isa_order[0]); i++)
		if (isa_order[i] == isa)
			return 1;
	return 0;
}

/* Whether a level is built and the probed features cover it (no probing here). */
static int isa_usable(eml_isa isa)
{
	return (unsigned)isa < EML_ISA_COUNT && isa_built(isa) &&
	       (cpu_features & isa_needs[isa]) == isa_needs[isa];
}

/* Probes the CPU and applies EDGEML_CPU_ISA. */
static void isa_init(void)
{
	eml_cpu_info info;
	eml_cpu_detect(&info);
	cpu_features = info.features;
	isa_chosen = EML_ISA_SCALAR;
	for (size_t i = 0; i < sizeof(isa_order) / sizeof(isa_order[0]); i++) {
		if (isa_usable(isa_order[i])) {
			isa_chosen = isa_order[i];
			break;
		}
	}
	const char *want = getenv("EDGEML_CPU_ISA");
	if (!want || !*want)
		return;
	for (int i = 0; i < EML_ISA_COUNT; i++) {
		if (strcmp(want, isa_names[i]) == 0 && isa_usable((eml_isa)i)) {
			isa_chosen = (eml_isa)i;
			return;
		}
	}
	strncpy(isa_rejected, want, sizeof(isa_rejected) - 1);
}

eml_isa eml_isa_active(void)
{
	pthread_once(&isa_once, isa_init);
	return isa_chosen;
}

int eml_isa_supported(eml_isa isa)
{
	pthread_once(&isa_once, isa_init);
	return isa_usable(isa);
}

const char *eml_isa_name(eml_isa isa)
{
	return (unsigned)isa < EML_ISA_COUNT ? isa_names[isa] : NULL;
}

const char *eml_isa_rejected(void)
{
	pthread_once(&isa_once, isa_init);
	return isa_rejected[0] ? isa_rejected : NULL;
}

static pthread_once_t tables_once = PTHREAD_ONCE_INIT;
static eml_cpu_kernels tables[EML_ISA_COUNT];

/* Fills the table of one level this build has kernels for. */
static void fill_table(eml_cpu_kernels *t, eml_isa isa)
{
	t->isa = isa;
	switch (isa) {
#if defined(__x86_64__)
	case EML_ISA_AVX512AMX: /* the AVX-512 VNNI level with the GEMM on AMX tiles */
	case EML_ISA_AVX512VNNI:
		t->qgemm = &eml_qs8_gemm_8x32c4_avx512vnni;
		t->qigemm_px = eml_qs8_igemm_px_32x8c4_avx512vnni;
		t->qgemm_px = &eml_qs8_igemm_px_32x8c4_avx512vnni_pack;
		t->qdw = eml_qs8_dwconv_64x_avx512vnni;
		t->qdwc = eml_qs8_dwconv_64c_avx512vnni;
		t->qdwc_name = "qs8-dwconv-64c-avx512vnni";
		t->u8_maxpool = eml_u8_maxpool_64x_avx512bw;
		t->qadd = eml_qs8_vadd_16x_avx512f;
		t->qquant = eml_qs8_vquantize_16x_avx512f;
		t->qdequant = eml_qs8_vdequantize_16x_avx512f;
		t->qpeak = eml_qs8_peak_avx512vnni;
		t->x8_transpose_16x16 = eml_x8_transpose_16x16_sse2;
		t->x8_transpose_planes_64 = eml_x8_transpose_planes_64_avx512bw;
		t->x8_transpose_tile_64 = eml_x8_transpose_tile_64_avx512bw;
		t->x8_pack_blocked = eml_x8_pack_blocked_avx512f;
		/* AVX-512 VBMI is not part of the level: only where the CPU has it too */
		if (__builtin_cpu_supports("avx512vbmi"))
			t->u8_perm = eml_u8_perm_64x_avx512vbmi;
		t->f32_gemm = &eml_f32_gemm_8x32_minmax_avx512f;
		t->f32_dw = eml_f32_dwconv_64x_minmax_avx512f;
		t->f32_dwc = eml_f32_dwconv_16c4_minmax_avx512f;
		t->f32_transpose = eml_f32_transpose_16x16_avx512f;
		t->f32_split2 = eml_f32_split2_32x_avx512f;
		t->f32_dwd = eml_f32_dwconv_direct_avx512f;
		t->f32_dwd_name = "f32-dwconv-direct-avx512f";
		/* 14x14 layers ran twice as fast on it as with channels in lanes, 7x7 ones the
		 * same (a 16-lane vector for 7 columns) */
		t->f32_dwd_min_stride = 1;
		t->f32_dwd_ow_min = 8;
		t->f32_dwp = eml_f32_dwconv_flat_avx512f;
		t->f32_dwp_name = "f32-dwconv-flat-avx512f";
		t->f32_vbinary = eml_f32_vbinary_32x_minmax_avx512f;
		t->f32_maxpool = eml_f32_maxpool_64x_avx512f;
		t->f32_maxpool_row = eml_f32_maxpool_rows_16x_avx512f;
		t->f32_peak = eml_f32_peak_avx512f;
		t->f32_rows_f64 = eml_f32_rows_f64_avx512f;
		t->f32_planesum = eml_f32_planesum_f64_avx2; /* AVX-512 CPUs all have AVX2 */
		t->f32_rows_f64_name = "f32-rows-f64-avx512f";
		t->image_hpass = eml_u8_image_hpass_8x_avx2;
		t->image_vmix = eml_u8_image_vmix_16x_avx2;
		t->image_name = "u8-image-avx2";
		t->qmul = eml_qs8_vmul_8x_avx2;
		t->u8_lut = eml_u8_lut_32x_avx2;
		t->qsoftmax = eml_qs8_softmax_16r_avx512f;
		t->qsoftmax_rows = 16;
		if (isa != EML_ISA_AVX512AMX)
			break;
		/* what the AMX level does otherwise: the GEMM and the peak probe on tiles, the
		 * VNNI GEMM for the shapes where tiles lose, and no by-pixel VNNI kernel (on
		 * tiles, in place, ResNet's 14x14 and 7x7 layers ran in half its time) */
		t->qgemm = &eml_qs8_gemm_32x32c4_amx;
		t->qgemm_alt = &eml_qs8_gemm_8x32c4_avx512vnni;
		t->qgemm_alt_k = 32;
		t->qpeak = eml_qs8_peak_amx;
		t->qigemm_px = NULL;
		t->qgemm_px = NULL;
		break;
	case EML_ISA_AVX2:
		t->qgemm = &eml_qs8_gemm_8x8c4_avx2_maddubs;
		t->qdw = eml_qs8_dwconv_16x_avx2;
		t->qdw_pair_limited = eml_qs8_dwconv_32x4_avx2_maddubs;
		t->qdw_pair_limited_name = "qs8-dwconv-32x4-avx2-maddubs";
		t->u8_maxpool = eml_u8_maxpool_32x_avx2;
		t->qadd = eml_qs8_vadd_8x_avx2;
		t->qquant = eml_qs8_vquantize_8x_avx2;
		t->qdequant = eml_qs8_vdequantize_8x_avx2;
		t->qpeak = eml_qs8_peak_avx2;
		t->x8_transpose_16x16 = eml_x8_transpose_16x16_sse2;
		t->f32_gemm = &eml_f32_gemm_4x24_minmax_avx2;
		t->f32_dw = eml_f32_dwconv_32x_minmax_avx2;
		t->f32_dwc = eml_f32_dwconv_8c4_minmax_avx2;
		t->f32_split2 = eml_f32_split2_16x_avx2;
		t->f32_dwr = eml_f32_dwconv_rows_avx2;
		t->f32_dwr_name = "f32-dwconv-rows-avx2";
		t->f32_dwr_max_stride = 1;
		t->f32_dwd = eml_f32_dwconv_direct_avx2;
		t->f32_dwd_name = "f32-dwconv-direct-avx2";
		/* measured on efficientnet_b0 (AMD EPYC, AVX2): stride 2 10-20% faster than the
		 * phase plane and f32-dwconv-32x; at stride 1 the rows kernel over the plane as
		 * fast or faster (5x5 at 28x28 15%), and 14-wide rows 20% slower than channels in
		 * lanes (every load masked) */
		t->f32_dwd_min_stride = 2;
		t->f32_dwd_ow_min = 16;
		t->f32_vbinary = eml_f32_vbinary_16x_minmax_avx2;
		t->f32_maxpool = eml_f32_maxpool_32x_avx2;
		t->f32_peak = eml_f32_peak_avx2;
		t->f32_rows_f64 = eml_f32_rows_f64_avx2;
		t->f32_planesum = eml_f32_planesum_f64_avx2;
		t->f32_rows_f64_name = "f32-rows-f64-avx2";
		t->image_hpass = eml_u8_image_hpass_8x_avx2;
		t->image_vmix = eml_u8_image_vmix_16x_avx2;
		t->image_name = "u8-image-avx2";
		t->qmul = eml_qs8_vmul_8x_avx2;
		t->u8_lut = eml_u8_lut_32x_avx2;
		t->qsoftmax = eml_qs8_softmax_8r_avx2;
		t->qsoftmax_rows = 8;
		/* channels in lanes for small depthwise planes */
		t->qdwc = eml_qs8_dwconv_64c_avx2_maddubs;
		t->qdwc_name = "qs8-dwconv-64c-avx2-maddubs";
		t->x8_transpose_planes_64 = eml_x8_transpose_planes_64_avx2;
		t->x8_transpose_tile_64 = eml_x8_transpose_tile_64_avx2;
		t->x8_pack_blocked = eml_x8_pack_blocked_avx2;
		/* float planes interleaved for f32_dwc (14x14 and 7x7 depthwise layers) */
		t->f32_transpose = eml_f32_transpose_16x16_avx2;
		t->qdwc_pad_taps = 1;
		t->qdwc_split_name = "qs8-dwconv-64c-avx2-maddubs-split";
		t->qdwc_wide_name = "qs8-dwconv-64c-avx2-wide";
		break;
#elif defined(__aarch64__)
	case EML_ISA_NEON:
	case EML_ISA_DOTPROD:
	case EML_ISA_I8MM:
		t->qgemm = isa == EML_ISA_I8MM	  ? &eml_qs8_gemm_4x8c8_neoni8mm :
			   isa == EML_ISA_DOTPROD ? &eml_qs8_gemm_8x8c4_neondot :
						    &eml_qs8_gemm_4x8c4_neon;
		t->qdw = eml_qs8_dwconv_8x_neon;
		t->u8_maxpool = eml_u8_maxpool_16x_neon;
		t->qadd = eml_qs8_vadd_8x_neon;
		t->qquant = eml_qs8_vquantize_8x_neon;
		t->f32_gemm = &eml_f32_gemm_8x8_minmax_neon;
		t->f32_dw = eml_f32_dwconv_16x_minmax_neon;
		t->f32_dwc = eml_f32_dwconv_4c4_minmax_neon;
		t->f32_vbinary = eml_f32_vbinary_8x_minmax_neon;
		t->f32_maxpool = eml_f32_maxpool_16x_neon;
		t->image_vmix = eml_u8_image_vmix_8x_neon;
		t->image_name = "u8-image-neon";
		break;
#endif
	default:
		break;
	}
	/* float Winograd transforms and HardSigmoid / HardSwish (AVX-512 CPUs all have AVX2) */
	switch (isa) {
#if defined(__x86_64__)
	case EML_ISA_AVX512AMX:
	case EML_ISA_AVX512VNNI:
	case EML_ISA_AVX2:
		t->f32_wino = isa != EML_ISA_AVX2 ? &eml_f32_winograd_2x2_16x_avx512f
						  : &eml_f32_winograd_2x2_8x_avx2;
		t->f32_vhsig = eml_f32_vhswish_8x_avx2;
		t->f32_vhsig_name = "f32-vhswish-8x-avx2";
		break;
#elif defined(__aarch64__)
	case EML_ISA_NEON:
	case EML_ISA_DOTPROD:
	case EML_ISA_I8MM:
		t->f32_wino = &eml_f32_winograd_2x2_4x_neon;
		break;
#endif
	default:
		break;
	}
}

/* Fills the float math kernels of a level's table (f32_vmath.h): the level's own, or the
 * portable ones. */
static void fill_vmath(eml_cpu_kernels *t, eml_isa isa)
{
	t->f32_vexp = eml_f32_vexp_c;
	t->f32_vsigmoid = eml_f32_vsigmoid_c;
	t->f32_vswish = eml_f32_vswish_c;
	t->f32_vtanh = eml_f32_vtanh_c;
	t->f32_verf = eml_f32_verf_c;
	t->f32_vmath_name = "f32-vmath-c";
	switch (isa) {
#if defined(__x86_64__)
	case EML_ISA_AVX512AMX:
	case EML_ISA_AVX512VNNI:
		t->f32_vexp = eml_f32_vexp_avx512f;
		t->f32_vsigmoid = eml_f32_vsigmoid_avx512f;
		t->f32_vswish = eml_f32_vswish_avx512f;
		t->f32_vtanh = eml_f32_vtanh_avx512f;
		t->f32_verf = eml_f32_verf_avx512f;
		t->f32_vmath_name = "f32-vmath-avx512f";
		t->f32_layernorm = eml_f32_layernorm_avx512f;
		t->f32_layernorm_name = "f32-layernorm-avx512f";
		t->f32_softmax = eml_f32_softmax_avx512f;
		t->f32_pack_a = eml_f32_pack_a8_avx2; /* AVX-512 CPUs all have AVX2 */
		t->f32_pack_a_mr = 8;
		t->f32_softmax_name = "f32-softmax-avx512f";
		break;
	case EML_ISA_AVX2:
		t->f32_vexp = eml_f32_vexp_avx2;
		t->f32_vsigmoid = eml_f32_vsigmoid_avx2;
		t->f32_vswish = eml_f32_vswish_avx2;
		t->f32_vtanh = eml_f32_vtanh_avx2;
		t->f32_verf = eml_f32_verf_avx2;
		t->f32_vmath_name = "f32-vmath-avx2";
		t->f32_layernorm = eml_f32_layernorm_avx2;
		t->f32_layernorm_name = "f32-layernorm-avx2";
		t->f32_softmax = eml_f32_softmax_avx2;
		t->f32_pack_a = eml_f32_pack_a4_avx2;
		t->f32_pack_a_mr = 4;
		t->f32_softmax_name = "f32-softmax-avx2";
		break;
#elif defined(__aarch64__)
	case EML_ISA_NEON:
	case EML_ISA_DOTPROD:
	case EML_ISA_I8MM:
		t->f32_vexp = eml_f32_vexp_neon;
		t->f32_vsigmoid = eml_f32_vsigmoid_neon;
		t->f32_vswish = eml_f32_vswish_neon;
		t->f32_vtanh = eml_f32_vtanh_neon;
		t->f32_verf = eml_f32_verf_neon;
		t->f32_vmath_name = "f32-vmath-neon";
		break;
#endif
	default:
		break;
	}
}

/* Fills the QLinearMatMul kernel of a level's table (the level's own, or the portable one)
 * and the recurrent float sums (the level's own, or none). */
static void fill_qmm(eml_cpu_kernels *t, eml_isa isa)
{
	t->qmm = eml_qs8_matmul_c;
	t->qmm_name = "qs8-matmul-c";
	switch (isa) {
#if defined(__x86_64__)
	case EML_ISA_AVX512AMX:
	case EML_ISA_AVX512VNNI: /* AVX-512 CPUs all have AVX2 */
	case EML_ISA_AVX2:
		t->qmm = eml_qs8_matmul_4x16c2_avx2;
		t->qmm_name = "qs8-matmul-4x16c2-avx2";
		t->f32_rows = eml_f32_rows_64x_avx2;
		t->f32_rows_name = "f32-rows-64x-avx2";
		break;
#endif
	default:
		break;
	}
}

/* Fills the tables of the levels the CPU can run; the others stay all NULL. */
static void tables_init(void)
{
	for (int i = 0; i < EML_ISA_COUNT; i++) {
		tables[i].isa = (eml_isa)i;
		if (i != EML_ISA_SCALAR && eml_isa_supported((eml_isa)i)) {
			fill_table(&tables[i], (eml_isa)i);
			fill_vmath(&tables[i], (eml_isa)i);
			fill_qmm(&tables[i], (eml_isa)i);
		}
	}
}

const eml_cpu_kernels *eml_cpu_kernels_for(eml_isa isa)
{
	static const eml_cpu_kernels none = { .isa = EML_ISA_SCALAR };
	if ((unsigned)isa >= EML_ISA_COUNT)
		return &none;
	pthread_once(&tables_once, tables_init);
	return &tables[isa];
}
