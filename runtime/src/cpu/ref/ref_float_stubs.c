/* Stubs until the float op set lands: each kernel moves to its own file as it is implemented. */
#include "cpu/ref/ref.h"
#include "error.h"

edgeml_status eml_ref_Conv(const eml_kernel_ctx *ctx)
{
	(void)ctx;
	return eml_error(EDGEML_ERR_UNSUPPORTED, "Conv has no reference kernel yet");
}

edgeml_status eml_ref_Gemm(const eml_kernel_ctx *ctx)
{
	(void)ctx;
	return eml_error(EDGEML_ERR_UNSUPPORTED, "Gemm has no reference kernel yet");
}

edgeml_status eml_ref_MatMul(const eml_kernel_ctx *ctx)
{
	(void)ctx;
	return eml_error(EDGEML_ERR_UNSUPPORTED, "MatMul has no reference kernel yet");
}

edgeml_status eml_ref_Add(const eml_kernel_ctx *ctx)
{
	(void)ctx;
	return eml_error(EDGEML_ERR_UNSUPPORTED, "Add has no reference kernel yet");
}

edgeml_status eml_ref_Mul(const eml_kernel_ctx *ctx)
{
	(void)ctx;
	return eml_error(EDGEML_ERR_UNSUPPORTED, "Mul has no reference kernel yet");
}

edgeml_status eml_ref_Sub(const eml_kernel_ctx *ctx)
{
	(void)ctx;
	return eml_error(EDGEML_ERR_UNSUPPORTED, "Sub has no reference kernel yet");
}

edgeml_status eml_ref_Div(const eml_kernel_ctx *ctx)
{
	(void)ctx;
	return eml_error(EDGEML_ERR_UNSUPPORTED, "Div has no reference kernel yet");
}

edgeml_status eml_ref_MaxPool(const eml_kernel_ctx *ctx)
{
	(void)ctx;
	return eml_error(EDGEML_ERR_UNSUPPORTED, "MaxPool has no reference kernel yet");
}

edgeml_status eml_ref_AveragePool(const eml_kernel_ctx *ctx)
{
	(void)ctx;
	return eml_error(EDGEML_ERR_UNSUPPORTED, "AveragePool has no reference kernel yet");
}

edgeml_status eml_ref_GlobalAveragePool(const eml_kernel_ctx *ctx)
{
	(void)ctx;
	return eml_error(EDGEML_ERR_UNSUPPORTED, "GlobalAveragePool has no reference kernel yet");
}

edgeml_status eml_ref_Relu(const eml_kernel_ctx *ctx)
{
	(void)ctx;
	return eml_error(EDGEML_ERR_UNSUPPORTED, "Relu has no reference kernel yet");
}

edgeml_status eml_ref_Clip(const eml_kernel_ctx *ctx)
{
	(void)ctx;
	return eml_error(EDGEML_ERR_UNSUPPORTED, "Clip has no reference kernel yet");
}

edgeml_status eml_ref_LeakyRelu(const eml_kernel_ctx *ctx)
{
	(void)ctx;
	return eml_error(EDGEML_ERR_UNSUPPORTED, "LeakyRelu has no reference kernel yet");
}

edgeml_status eml_ref_Sigmoid(const eml_kernel_ctx *ctx)
{
	(void)ctx;
	return eml_error(EDGEML_ERR_UNSUPPORTED, "Sigmoid has no reference kernel yet");
}

edgeml_status eml_ref_HardSigmoid(const eml_kernel_ctx *ctx)
{
	(void)ctx;
	return eml_error(EDGEML_ERR_UNSUPPORTED, "HardSigmoid has no reference kernel yet");
}

edgeml_status eml_ref_HardSwish(const eml_kernel_ctx *ctx)
{
	(void)ctx;
	return eml_error(EDGEML_ERR_UNSUPPORTED, "HardSwish has no reference kernel yet");
}

edgeml_status eml_ref_Tanh(const eml_kernel_ctx *ctx)
{
	(void)ctx;
	return eml_error(EDGEML_ERR_UNSUPPORTED, "Tanh has no reference kernel yet");
}

edgeml_status eml_ref_Softmax(const eml_kernel_ctx *ctx)
{
	(void)ctx;
	return eml_error(EDGEML_ERR_UNSUPPORTED, "Softmax has no reference kernel yet");
}

edgeml_status eml_ref_Concat(const eml_kernel_ctx *ctx)
{
	(void)ctx;
	return eml_error(EDGEML_ERR_UNSUPPORTED, "Concat has no reference kernel yet");
}

edgeml_status eml_ref_Reshape(const eml_kernel_ctx *ctx)
{
	(void)ctx;
	return eml_error(EDGEML_ERR_UNSUPPORTED, "Reshape has no reference kernel yet");
}

edgeml_status eml_ref_Flatten(const eml_kernel_ctx *ctx)
{
	(void)ctx;
	return eml_error(EDGEML_ERR_UNSUPPORTED, "Flatten has no reference kernel yet");
}

edgeml_status eml_ref_Squeeze(const eml_kernel_ctx *ctx)
{
	(void)ctx;
	return eml_error(EDGEML_ERR_UNSUPPORTED, "Squeeze has no reference kernel yet");
}

edgeml_status eml_ref_Unsqueeze(const eml_kernel_ctx *ctx)
{
	(void)ctx;
	return eml_error(EDGEML_ERR_UNSUPPORTED, "Unsqueeze has no reference kernel yet");
}

edgeml_status eml_ref_Transpose(const eml_kernel_ctx *ctx)
{
	(void)ctx;
	return eml_error(EDGEML_ERR_UNSUPPORTED, "Transpose has no reference kernel yet");
}

edgeml_status eml_ref_Pad(const eml_kernel_ctx *ctx)
{
	(void)ctx;
	return eml_error(EDGEML_ERR_UNSUPPORTED, "Pad has no reference kernel yet");
}

edgeml_status eml_ref_Resize(const eml_kernel_ctx *ctx)
{
	(void)ctx;
	return eml_error(EDGEML_ERR_UNSUPPORTED, "Resize has no reference kernel yet");
}

edgeml_status eml_ref_Identity(const eml_kernel_ctx *ctx)
{
	(void)ctx;
	return eml_error(EDGEML_ERR_UNSUPPORTED, "Identity has no reference kernel yet");
}

edgeml_status eml_ref_BatchNormalization(const eml_kernel_ctx *ctx)
{
	(void)ctx;
	return eml_error(EDGEML_ERR_UNSUPPORTED, "BatchNormalization has no reference kernel yet");
}

