/* f32-vsigmoid-avx2.c — y = sigmoid(x) and y = x * sigmoid(x) (Swish) over a float array
 * (f32_vmath.h; the algorithm in f32_vmath_impl.h, bit-identical to eml_f32_vsigmoid_c and
 * eml_f32_vswish_c). */
#if defined(__x86_64__)
#include "cpu/x86/f32-vmath-avx2.h"
#include "cpu/f32_vmath_impl.h"

EML_VMATH_KERNEL(eml_f32_vsigmoid_avx2, vm_sigmoid)
EML_VMATH_KERNEL(eml_f32_vswish_avx2, vm_swish)
#endif
