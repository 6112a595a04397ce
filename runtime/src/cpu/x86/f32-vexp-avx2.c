/* f32-vexp-avx2.c — y = exp(x) over a float array (f32_vmath.h; the algorithm in
 * f32_vmath_impl.h, bit-identical to eml_f32_vexp_c). */
#if defined(__x86_64__)
#include "cpu/x86/f32-vmath-avx2.h"
#include "cpu/f32_vmath_impl.h"

EML_VMATH_KERNEL(eml_f32_vexp_avx2, vm_exp)
#endif
