/*
 * ref_qparams.h — reading quantization parameters (scales, zero points, fused activation)
 * at run time: they are node inputs that may be graph inputs, so their values are only
 * known when a kernel runs.
 */
#ifndef EML_REF_QPARAMS_H
#define EML_REF_QPARAMS_H

#include "cpu/ref/ref.h"
#include "quant/quant.h"

/* The scales of input k and their count, after checking each is finite and positive. */
edgeml_status eml_q_scales(const eml_kernel_ctx *ctx, uint32_t k, const float **scales,
			   int64_t *count);

/* Element i of zero-point input k (element 0 when it holds one value), 0 when absent
 * (k may be EML_NO_INPUT, as op_params.h names an input the node lacks). */
int32_t eml_q_zero_point(const eml_kernel_ctx *ctx, uint32_t k, int64_t i);

/* The run-time quantization values of a requantizing op (QLinearConv, QLinearGemm): its
 * scales, checked; the zero points of x and y; y's range after the fused activation. */
typedef struct eml_q_requant {
	const float *x_scale, *w_scale, *y_scale;
	int64_t n_w_scale; /* 1: per tensor, else per output channel */
	int32_t x_zero_point, y_zero_point;
	int32_t lo, hi;
	const float *alpha; /* QLinearGemm's alpha (the multiplier's first factor), else NULL */
} eml_q_requant;

/* Reads the values of a QLinearConv (typed params p, ops/op_params.h). */
edgeml_status eml_qconv_requant(const eml_kernel_ctx *ctx, const eml_qconv_params *p,
				eml_q_requant *r);
/* Reads the values of a QLinearGemm (x is A, w is B). */
edgeml_status eml_qgemm_requant(const eml_kernel_ctx *ctx, const eml_qgemm_params *p,
				eml_q_requant *r);

/* The requantization multiplier of output channel m (quant.h's order of operations). */
static inline float eml_q_requant_mult(const eml_q_requant *r, int64_t m)
{
	float w = r->w_scale[r->n_w_scale == 1 ? 0 : m];
	return r->alpha ? eml_requant_multiplier_alpha(*r->alpha, r->x_scale[0], w, r->y_scale[0])
			: eml_requant_multiplier(r->x_scale[0], w, r->y_scale[0]);
}

#endif /* EML_REF_QPARAMS_H */
