/* Stubs until the quantized op set lands: each op moves to its own file as it is implemented. */
#include "error.h"
#include "ops/ops.h"

edgeml_status eml_infer_QLinearConv(const eml_node *node, const eml_tensor *const *in, eml_tensor *out)
{
	(void)node;
	(void)in;
	(void)out;
	return eml_error(EDGEML_ERR_UNSUPPORTED, "QLinearConv is not implemented yet");
}

edgeml_status eml_infer_QLinearMatMul(const eml_node *node, const eml_tensor *const *in, eml_tensor *out)
{
	(void)node;
	(void)in;
	(void)out;
	return eml_error(EDGEML_ERR_UNSUPPORTED, "QLinearMatMul is not implemented yet");
}

edgeml_status eml_infer_ConvInteger(const eml_node *node, const eml_tensor *const *in, eml_tensor *out)
{
	(void)node;
	(void)in;
	(void)out;
	return eml_error(EDGEML_ERR_UNSUPPORTED, "ConvInteger is not implemented yet");
}

edgeml_status eml_infer_MatMulInteger(const eml_node *node, const eml_tensor *const *in, eml_tensor *out)
{
	(void)node;
	(void)in;
	(void)out;
	return eml_error(EDGEML_ERR_UNSUPPORTED, "MatMulInteger is not implemented yet");
}

edgeml_status eml_infer_QuantizeLinear(const eml_node *node, const eml_tensor *const *in, eml_tensor *out)
{
	(void)node;
	(void)in;
	(void)out;
	return eml_error(EDGEML_ERR_UNSUPPORTED, "QuantizeLinear is not implemented yet");
}

edgeml_status eml_infer_DequantizeLinear(const eml_node *node, const eml_tensor *const *in, eml_tensor *out)
{
	(void)node;
	(void)in;
	(void)out;
	return eml_error(EDGEML_ERR_UNSUPPORTED, "DequantizeLinear is not implemented yet");
}

edgeml_status eml_infer_QLinearAdd(const eml_node *node, const eml_tensor *const *in, eml_tensor *out)
{
	(void)node;
	(void)in;
	(void)out;
	return eml_error(EDGEML_ERR_UNSUPPORTED, "QLinearAdd is not implemented yet");
}

edgeml_status eml_infer_QLinearMul(const eml_node *node, const eml_tensor *const *in, eml_tensor *out)
{
	(void)node;
	(void)in;
	(void)out;
	return eml_error(EDGEML_ERR_UNSUPPORTED, "QLinearMul is not implemented yet");
}

edgeml_status eml_infer_QLinearGemm(const eml_node *node, const eml_tensor *const *in, eml_tensor *out)
{
	(void)node;
	(void)in;
	(void)out;
	return eml_error(EDGEML_ERR_UNSUPPORTED, "QLinearGemm is not implemented yet");
}

edgeml_status eml_infer_QLinearAveragePool(const eml_node *node, const eml_tensor *const *in, eml_tensor *out)
{
	(void)node;
	(void)in;
	(void)out;
	return eml_error(EDGEML_ERR_UNSUPPORTED, "QLinearAveragePool is not implemented yet");
}

edgeml_status eml_infer_QLinearGlobalAveragePool(const eml_node *node, const eml_tensor *const *in, eml_tensor *out)
{
	(void)node;
	(void)in;
	(void)out;
	return eml_error(EDGEML_ERR_UNSUPPORTED, "QLinearGlobalAveragePool is not implemented yet");
}

edgeml_status eml_infer_QLinearConcat(const eml_node *node, const eml_tensor *const *in, eml_tensor *out)
{
	(void)node;
	(void)in;
	(void)out;
	return eml_error(EDGEML_ERR_UNSUPPORTED, "QLinearConcat is not implemented yet");
}

edgeml_status eml_infer_QLinearLookup(const eml_node *node, const eml_tensor *const *in, eml_tensor *out)
{
	(void)node;
	(void)in;
	(void)out;
	return eml_error(EDGEML_ERR_UNSUPPORTED, "QLinearLookup is not implemented yet");
}

