/* ref_qpool.h — the final steps of the quantized average pools, with ONNX Runtime's
 * arithmetic (docs/ops.md), shared by the reference and the fast kernels so that both round
 * the same way. */
#ifndef EML_REF_QPOOL_H
#define EML_REF_QPOOL_H

#include <stdint.h>

/* The global average: acc, the integer sum of (X - zx) over count values, times
 * sx / (sy * count) in fp32, rounded half to even, plus zy, saturated to [qmin, qmax]. */
int32_t eml_qpool_global(float x_scale, float y_scale, int32_t y_zp, int32_t qmin,
			 int32_t qmax, int64_t acc, int64_t count);

/* A window's average: sum, the fp32 sum of sx * (X - zx) over the window in row-major order,
 * over count in fp32; round_half_even(avg / sy + zy), saturated (0 when count is 0). */
int32_t eml_qpool_window(float sum, int64_t count, float y_scale, int32_t y_zp, int32_t qmin,
			 int32_t qmax);

#endif /* EML_REF_QPOOL_H */
