/*
 * ref_qparams.h — reading quantization parameters (scales, zero points, fused activation)
 * at run time: they are node inputs that may be graph inputs, so their values are only
 * known when a kernel runs.
 */
#ifndef EML_REF_QPARAMS_H
#define EML_REF_QPARAMS_H

#include "cpu/ref/ref.h"

/* The scales of input k and their count, after checking each is finite and positive. */
edgeml_status eml_q_scales(const eml_kernel_ctx *ctx, uint32_t k, const float **scales,
			   int64_t *count);

/* Element i of zero-point input k (element 0 when it holds one value), 0 when absent
 * (k may be EML_NO_INPUT, as op_params.h names an input the node lacks). */
int32_t eml_q_zero_point(const eml_kernel_ctx *ctx, uint32_t k, int64_t i);

/* The quantized output range [lo, hi] of dtype after the node's fused activation
 * (activation_min/activation_max, docs/ops.md) for output parameters y_scale, y_zp. Kernels
 * with typed params (ops/op_params.h) call eml_q_activation_range() (quant/quant.h) with
 * their act_min/act_max instead of reading the attributes again. */
void eml_q_output_range(const eml_kernel_ctx *ctx, uint32_t dtype, float y_scale, int32_t y_zp,
			int32_t *lo, int32_t *hi);

#endif /* EML_REF_QPARAMS_H */
