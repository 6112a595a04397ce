/*
 * operators.h — the operators of the fast CPU path (cpu/operators/), one preparer each,
 * which fast_ops.c's op switch calls. Results are bit-identical to the reference kernels',
 * except float Conv on Winograd (fwinograd.c) and the float ops on the vector math kernels
 * (Softmax, LayerNormalization, Sigmoid, Tanh, Erf, LSTM / GRU gates), which are within the
 * float tolerance of docs/ops.md and not taken under exact_float.
 */
#ifndef EML_CPU_OPERATORS_H
#define EML_CPU_OPERATORS_H

#include "cpu/operators/operator.h"

/* The op-specific preparers behind eml_fast_prepare (qconv.c, qgemm.c, ...). */
edgeml_status eml_fast_qconv_prepare(const eml_kernel_ctx *ctx, eml_isa isa, uint32_t threads,
				     eml_fast_op **out);
edgeml_status eml_fast_fconv_prepare(const eml_kernel_ctx *ctx, eml_isa isa, uint32_t threads,
				     int exact_float, eml_fast_op **out);

/* Winograd F(2x2, 3x3) for float Conv (fwinograd.c): 3x3, stride 1, dilation 1, one
 * group, at least EML_WINO_MIN_CH input and output channels (fewer leave the GEMM too small
 * for the transforms to pay), an input plane of at most EML_WINO_PLANE_MAX floats. Within
 * the float tolerance of docs/ops.md, not bit-identical. */
#define EML_WINO_MIN_CH 16
/* The float tolerance: a fast float kernel that is not bit-identical (Winograd) stays within
 * this times the scale of the sums, max over outputs of |bias| + sum |w * x| (docs/ops.md). */
#define EML_F32_FAST_TOL 1e-5
#define EML_WINO_PLANE_MAX ((size_t)1 << 20)
struct eml_window3;
struct eml_f32_tail;
int eml_fast_fwinograd_applies(const struct eml_window3 *c, size_t in_ch, size_t out_ch,
			       size_t groups, eml_isa isa);
edgeml_status eml_fast_fwinograd_prepare(const eml_kernel_ctx *ctx, const struct eml_window3 *c,
					 eml_isa isa, uint32_t threads, float lo, float hi,
					 const struct eml_f32_tail *tail, eml_fast_op **out);
edgeml_status eml_fast_fgemm_prepare(const eml_kernel_ctx *ctx, eml_isa isa, uint32_t threads,
				     eml_fast_op **out);
/* MatMul whose B is a run-time tensor or not one constant 2-D matrix (fmatmul.c):
 * bit-identical to the reference, batch broadcasting and 1-D operands included. */
edgeml_status eml_fast_fmatmul_prepare(const eml_kernel_ctx *ctx, eml_isa isa, uint32_t threads,
				       eml_fast_op **out);
/* LSTM and GRU with constant W and R (rnn.c): bit-identical to the reference under
 * exact_float; otherwise the gates' sigmoid and tanh are the level's vector kernels
 * (f32_vmath.h), within the float tolerance. */
edgeml_status eml_fast_rnn_prepare(const eml_kernel_ctx *ctx, eml_isa isa, uint32_t threads,
				   int exact_float, eml_fast_op **out);
edgeml_status eml_fast_fbinary_prepare(const eml_kernel_ctx *ctx, eml_isa isa,
				       eml_fast_op **out);
edgeml_status eml_fast_fpool_prepare(const eml_kernel_ctx *ctx, eml_isa isa, uint32_t threads,
				     eml_fast_op **out);
edgeml_status eml_fast_qgemm_prepare(const eml_kernel_ctx *ctx, eml_isa isa, uint32_t threads,
				     eml_fast_op **out);
edgeml_status eml_fast_qadd_prepare(const eml_kernel_ctx *ctx, eml_isa isa, uint32_t threads,
				    eml_fast_op **out);
edgeml_status eml_fast_maxpool_prepare(const eml_kernel_ctx *ctx, eml_isa isa,
				       eml_fast_op **out);
edgeml_status eml_fast_qavgpool_prepare(const eml_kernel_ctx *ctx, eml_isa isa,
					eml_fast_op **out);
edgeml_status eml_fast_quantize_prepare(const eml_kernel_ctx *ctx, eml_isa isa,
					eml_fast_op **out);
edgeml_status eml_fast_dequantize_prepare(const eml_kernel_ctx *ctx, eml_isa isa,
					  eml_fast_op **out);
/* Transpose of 1-, 2-, 4- or 8-byte elements (transpose.c): axes merged, rows copied. */
edgeml_status eml_fast_transpose_prepare(const eml_kernel_ctx *ctx, eml_fast_op **out);
edgeml_status eml_fast_resize_prepare(const eml_kernel_ctx *ctx, eml_fast_op **out);
/* ImagePreprocess (image.c): every format, layout and output type. */
edgeml_status eml_fast_image_prepare(const eml_kernel_ctx *ctx, eml_isa isa, uint32_t threads,
				     eml_fast_op **out);

/* Float ConvTranspose with constant W and B (fconvtranspose.c): one GEMM per output phase,
 * bit-identical to the reference. */
edgeml_status eml_fast_fconvtranspose_prepare(const eml_kernel_ctx *ctx, eml_isa isa,
					      uint32_t threads, eml_fast_op **out);
/* The float operators on f32_vmath.h's kernels: Softmax (fsoftmax.c), LayerNormalization
 * (flayernorm.c), Sigmoid, Tanh and Erf (fvunary.c). Within the float tolerance of
 * docs/ops.md, not bit-identical: none applies under exact_float. */
edgeml_status eml_fast_fsoftmax_prepare(const eml_kernel_ctx *ctx, eml_isa isa,
					uint32_t threads, int exact_float, eml_fast_op **out);
edgeml_status eml_fast_flayernorm_prepare(const eml_kernel_ctx *ctx, eml_isa isa,
					  uint32_t threads, int exact_float, eml_fast_op **out);
edgeml_status eml_fast_fvunary_prepare(const eml_kernel_ctx *ctx, eml_isa isa,
				       uint32_t threads, int exact_float, eml_fast_op **out);

/* Links a prepared depthwise QLinearConv (from) to the prepared 1x1 QLinearConv (to) that
 * is the only reader of its output, when both kernels can keep that tensor channels-last in
 * blocks of 64 channels (see qconv.c) rather than in planes; returns whether they do.
 * The tensor's memory then holds no NCHW data: only for tensors nothing else reads. */
int eml_fast_qconv_link(eml_fast_op *from, eml_fast_op *to);

/* QLinearSoftmax of int8/uint8 with constant parameters (qsoftmax.c): bit-identical to the
 * reference (the same table, sums and division). */
edgeml_status eml_fast_qsoftmax_prepare(const eml_kernel_ctx *ctx, eml_isa isa,
					eml_fast_op **out);
/* QLinearMul of int8/uint8 with constant parameters (qmul.c): one shape, or one operand
 * broadcast over the other's innermost dims (squeeze-excite); bit-identical to the reference. */
edgeml_status eml_fast_qmul_prepare(const eml_kernel_ctx *ctx, eml_isa isa, uint32_t threads,
				    eml_fast_op **out);
/* QLinearConcat of 8-bit inputs with constant parameters (qconcat.c): memcpy where an
 * input has Y's parameters, a 256-byte table otherwise; bit-identical to the reference. */
edgeml_status eml_fast_qconcat_prepare(const eml_kernel_ctx *ctx, eml_fast_op **out);
/* QLinearLookup with a constant table (qlookup.c), on levels with a table kernel. */
edgeml_status eml_fast_qlookup_prepare(const eml_kernel_ctx *ctx, eml_isa isa,
				       eml_fast_op **out);
/* QLinearMatMul that qgemm.c leaves (run-time or batched B): exact int32 sums (qmatmul.c). */
edgeml_status eml_fast_qmatmul_prepare(const eml_kernel_ctx *ctx, eml_isa isa, eml_fast_op **out);
/* HardSigmoid and HardSwish of floats (fhswish.c): bit-identical to the reference. */
edgeml_status eml_fast_fhswish_prepare(const eml_kernel_ctx *ctx, eml_isa isa,
				       uint32_t threads, eml_fast_op **out);

/* Float Relu (frelu.c), float BatchNormalization with constant parameters (fbatchnorm.c)
 * and constant-mode Pad of every dtype (pad.c): bit-identical to the reference. */
edgeml_status eml_fast_frelu_prepare(const eml_kernel_ctx *ctx, uint32_t threads,
				     eml_fast_op **out);
edgeml_status eml_fast_fbatchnorm_prepare(const eml_kernel_ctx *ctx, uint32_t threads,
					  eml_fast_op **out);
edgeml_status eml_fast_pad_prepare(const eml_kernel_ctx *ctx, eml_fast_op **out);

#endif /* EML_CPU_OPERATORS_H */
