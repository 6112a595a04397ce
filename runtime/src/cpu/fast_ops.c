/* fast_ops.c — picking the fast operator of a node (the op switch; the operators are in
 * cpu/operators/). */
#include "cpu/fast_ops.h"
#include "ops/ops.h"

edgeml_status eml_fast_prepare(const eml_kernel_ctx *ctx, eml_isa isa, uint32_t threads,
			       eml_fast_op **out)
{
	return eml_fast_prepare_exact(ctx, isa, threads, 0, out);
}

edgeml_status eml_fast_prepare_exact(const eml_kernel_ctx *ctx, eml_isa isa, uint32_t threads,
				     int exact_float, eml_fast_op **out)
{
	*out = NULL;
	if (isa == EML_ISA_SCALAR)
		return EDGEML_OK;
	switch (ctx->node->op) {
	case EML_OP_Conv:
		return eml_fast_fconv_prepare(ctx, isa, threads, exact_float, out);
	case EML_OP_Gemm:
		return eml_fast_fgemm_prepare(ctx, isa, threads, out);
	case EML_OP_MatMul: {
		/* a constant 2-D B is packed once (fgemm.c); any other B is read in place */
		edgeml_status st = eml_fast_fgemm_prepare(ctx, isa, threads, out);
		if (st != EDGEML_OK || *out)
			return st;
		return eml_fast_fmatmul_prepare(ctx, isa, threads, out);
	}
	case EML_OP_LSTM:
	case EML_OP_GRU:
		return eml_fast_rnn_prepare(ctx, isa, threads, exact_float, out);
	case EML_OP_Add:
	case EML_OP_Sub:
	case EML_OP_Mul:
	case EML_OP_Div:
		return eml_fast_fbinary_prepare(ctx, isa, out);
	case EML_OP_QLinearConv:
		return eml_fast_qconv_prepare(ctx, isa, threads, out);
	case EML_OP_QLinearMatMul: {
		/* a constant 2-D B is packed once (qgemm.c); any other B is read per run */
		edgeml_status st = eml_fast_qgemm_prepare(ctx, isa, threads, out);
		if (st != EDGEML_OK || *out)
			return st;
		return eml_fast_qmatmul_prepare(ctx, isa, out);
	}
	case EML_OP_QLinearGemm:
		return eml_fast_qgemm_prepare(ctx, isa, threads, out);
	case EML_OP_QLinearAdd:
		return eml_fast_qadd_prepare(ctx, isa, threads, out);
	case EML_OP_QLinearMul:
		return eml_fast_qmul_prepare(ctx, isa, threads, out);
	case EML_OP_QLinearConcat:
		return eml_fast_qconcat_prepare(ctx, out);
	case EML_OP_QLinearLookup:
		return eml_fast_qlookup_prepare(ctx, isa, out);
	case EML_OP_MaxPool:
		if (ctx->in[0]->dtype == EDGEML_DTYPE_FLOAT32)
			return eml_fast_fpool_prepare(ctx, isa, threads, out);
		return eml_fast_maxpool_prepare(ctx, isa, out);
	case EML_OP_AveragePool:
	case EML_OP_GlobalAveragePool:
	case EML_OP_ReduceMean:
		return eml_fast_fpool_prepare(ctx, isa, threads, out);
	case EML_OP_QLinearAveragePool:
	case EML_OP_QLinearGlobalAveragePool:
		return eml_fast_qavgpool_prepare(ctx, isa, out);
	case EML_OP_QuantizeLinear:
		return eml_fast_quantize_prepare(ctx, isa, out);
	case EML_OP_DequantizeLinear:
		return eml_fast_dequantize_prepare(ctx, isa, out);
	case EML_OP_Transpose:
		return eml_fast_transpose_prepare(ctx, out);
	case EML_OP_Resize:
		return eml_fast_resize_prepare(ctx, out);
	case EML_OP_ImagePreprocess:
		return eml_fast_image_prepare(ctx, isa, threads, out);
	case EML_OP_ConvTranspose:
		return eml_fast_fconvtranspose_prepare(ctx, isa, threads, out);
	case EML_OP_QLinearSoftmax:
		return eml_fast_qsoftmax_prepare(ctx, isa, out);
	case EML_OP_HardSigmoid:
	case EML_OP_HardSwish:
		return eml_fast_fhswish_prepare(ctx, isa, threads, out);
	case EML_OP_Softmax:
		return eml_fast_fsoftmax_prepare(ctx, isa, threads, exact_float, out);
	case EML_OP_LayerNormalization:
		return eml_fast_flayernorm_prepare(ctx, isa, threads, exact_float, out);
	case EML_OP_Sigmoid:
	case EML_OP_Tanh:
	case EML_OP_Erf:
		return eml_fast_fvunary_prepare(ctx, isa, threads, exact_float, out);
	case EML_OP_Relu:
		return eml_fast_frelu_prepare(ctx, threads, out);
	case EML_OP_BatchNormalization:
		return eml_fast_fbatchnorm_prepare(ctx, threads, out);
	case EML_OP_Pad:
		return eml_fast_pad_prepare(ctx, out);
	default:
		return EDGEML_OK;
	}
}
