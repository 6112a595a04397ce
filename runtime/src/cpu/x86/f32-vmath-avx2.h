/* f32-vmath-avx2.h — f32_vmath_impl.h's vector operations on AVX2 + FMA (8 lanes), for the
 * f32-v*-avx2.c kernels. */
#ifndef EML_CPU_X86_F32_VMATH_AVX2_H
#define EML_CPU_X86_F32_VMATH_AVX2_H

#include <immintrin.h>

typedef __m256 vm_f;
#define VM_W 8
#define VM_TARGET __attribute__((target("avx2,fma")))
#define VM_SET1(c) _mm256_set1_ps(c)
#define VM_LOAD(p) _mm256_loadu_ps(p)
#define VM_STORE(p, v) _mm256_storeu_ps(p, v)
#define VM_ADD(a, b) _mm256_add_ps(a, b)
#define VM_SUB(a, b) _mm256_sub_ps(a, b)
#define VM_MUL(a, b) _mm256_mul_ps(a, b)
#define VM_DIV(a, b) _mm256_div_ps(a, b)
#define VM_FMA(a, b, c) _mm256_fmadd_ps(a, b, c)
/* max/min return their second operand where either is NaN */
#define VM_MAX(c, v) _mm256_max_ps(c, v)
#define VM_MIN(c, v) _mm256_min_ps(c, v)
#define VM_ROUND(v) _mm256_round_ps(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)
#define VM_SIGN _mm256_set1_ps(-0.0f)
#define VM_ABS(v) _mm256_andnot_ps(VM_SIGN, v)
#define VM_NABS(v) _mm256_or_ps(VM_SIGN, v)
#define VM_COPYSIGN(m, v) _mm256_or_ps(m, _mm256_and_ps(VM_SIGN, v))
#define VM_SELECT_LT(a, b, t, f) _mm256_blendv_ps(f, t, _mm256_cmp_ps(a, b, _CMP_LT_OQ))

static inline __attribute__((always_inline)) VM_TARGET __m256 vm_pow2i(__m256i e)
{
	return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(e, _mm256_set1_epi32(127)),
						      23));
}

static inline __attribute__((always_inline)) VM_TARGET __m256 vm_scale2(__m256 p, __m256 n)
{
	__m256i ni = _mm256_cvtps_epi32(n), n1 = _mm256_srai_epi32(ni, 1);
	return _mm256_mul_ps(_mm256_mul_ps(p, vm_pow2i(n1)),
			     vm_pow2i(_mm256_sub_epi32(ni, n1)));
}
#define VM_SCALE2(p, n) vm_scale2(p, n)

#endif /* EML_CPU_X86_F32_VMATH_AVX2_H */
