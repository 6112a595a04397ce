/* Stubs until the quantized op set lands: each kernel moves to its own file as it is implemented. */
#include "cpu/ref/ref.h"
#include "error.h"

edgeml_status eml_ref_QLinearConv(const eml_kernel_ctx *ctx)
{
	(void)ctx;
	return eml_error(EDGEML_ERR_UNSUPPORTED, "QLinearConv has no reference kernel yet");
}

edgeml_status eml_ref_QLinearMatMul(const eml_kernel_ctx *ctx)
{
	(void)ctx;
	return eml_error(EDGEML_ERR_UNSUPPORTED, "QLinearMatMul has no reference kernel yet");
}

edgeml_status eml_ref_ConvInteger(const eml_kernel_ctx *ctx)
{
	(void)ctx;
	return eml_error(EDGEML_ERR_UNSUPPORTED, "ConvInteger has no reference kernel yet");
}

edgeml_status eml_ref_MatMulInteger(const eml_kernel_ctx *ctx)
{
	(void)ctx;
	return eml_error(EDGEML_ERR_UNSUPPORTED, "MatMulInteger has no reference kernel yet");
}

edgeml_status eml_ref_QuantizeLinear(const eml_kernel_ctx *ctx)
{
	(void)ctx;
	return eml_error(EDGEML_ERR_UNSUPPORTED, "QuantizeLinear has no reference kernel yet");
}

edgeml_status eml_ref_DequantizeLinear(const eml_kernel_ctx *ctx)
{
	(void)ctx;
	return eml_error(EDGEML_ERR_UNSUPPORTED, "DequantizeLinear has no reference kernel yet");
}

edgeml_status eml_ref_QLinearAdd(const eml_kernel_ctx *ctx)
{
	(void)ctx;
	return eml_error(EDGEML_ERR_UNSUPPORTED, "QLinearAdd has no reference kernel yet");
}

edgeml_status eml_ref_QLinearMul(const eml_kernel_ctx *ctx)
{
	(void)ctx;
	return eml_error(EDGEML_ERR_UNSUPPORTED, "QLinearMul has no reference kernel yet");
}

edgeml_status eml_ref_QLinearGemm(const eml_kernel_ctx *ctx)
{
	(void)ctx;
	return eml_error(EDGEML_ERR_UNSUPPORTED, "QLinearGemm has no reference kernel yet");
}

edgeml_status eml_ref_QLinearAveragePool(const eml_kernel_ctx *ctx)
{
	(void)ctx;
	return eml_error(EDGEML_ERR_UNSUPPORTED, "QLinearAveragePool has no reference kernel yet");
}

edgeml_status eml_ref_QLinearGlobalAveragePool(const eml_kernel_ctx *ctx)
{
	(void)ctx;
	return eml_error(EDGEML_ERR_UNSUPPORTED, "QLinearGlobalAveragePool has no reference kernel yet");
}

edgeml_status eml_ref_QLinearConcat(const eml_kernel_ctx *ctx)
{
	(void)ctx;
	return eml_error(EDGEML_ERR_UNSUPPORTED, "QLinearConcat has no reference kernel yet");
}

edgeml_status eml_ref_QLinearLookup(const eml_kernel_ctx *ctx)
{
	(void)ctx;
	return eml_error(EDGEML_ERR_UNSUPPORTED, "QLinearLookup has no reference kernel yet");
}

