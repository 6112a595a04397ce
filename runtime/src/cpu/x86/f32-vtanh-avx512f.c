/* f32-vtanh-avx512f.c — y = tanh(x) over a float array (f32_vmath.h; the algorithm in
 * f32_vmath_impl.h, bit-identical to eml_f32_vtanh_c). */
#if defined(__x86_64__)
#include "cpu/x86/f32-vmath-avx512f.h"
#include "cpu/f32_vmath_impl.h"

EML_VMATH_KERNEL(eml_f32_vtanh_avx512f, vm_tanh)
#endif
