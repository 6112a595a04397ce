/* f32-vtanh-neon.c — y = tanh(x) over a float array (f32_vmath.h; the algorithm in
 * f32_vmath_impl.h, bit-identical to eml_f32_vtanh_c). */
#if defined(__aarch64__)
#include "cpu/arm/f32-vmath-neon.h"
#include "cpu/f32_vmath_impl.h"

EML_VMATH_KERNEL(eml_f32_vtanh_neon, vm_tanh)
#endif
