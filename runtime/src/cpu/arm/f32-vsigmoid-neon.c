/* f32-vsigmoid-neon.c — y = sigmoid(x) over a float array (f32_vmath.h; the algorithm in
 * f32_vmath_impl.h, bit-identical to eml_f32_vsigmoid_c). */
#if defined(__aarch64__)
#include "cpu/arm/f32-vmath-neon.h"
#include "cpu/f32_vmath_impl.h"

EML_VMATH_KERNEL(eml_f32_vsigmoid_neon, vm_sigmoid)
#endif
