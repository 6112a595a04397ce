/* f32-vsigmoid-neon.c — y = sigmoid(x) and y = x * sigmoid(x) (Swish) over a float array
 * (f32_vmath.h; the algorithm in f32_vmath_impl.h, bit-identical to eml_f32_vsigmoid_c and
 * eml_f32_vswish_c). */
#if defined(__aarch64__)
#include "cpu/arm/f32-vmath-neon.h"
#include "cpu/f32_vmath_impl.h"

EML_VMATH_KERNEL(eml_f32_vsigmoid_neon, vm_sigmoid)
EML_VMATH_KERNEL(eml_f32_vswish_neon, vm_swish)
#endif
