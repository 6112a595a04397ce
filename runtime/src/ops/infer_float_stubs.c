/* Stubs until the float op set lands: each op moves to its own file as it is implemented. */
#include "error.h"
#include "ops/ops.h"

edgeml_status eml_infer_Conv(const eml_node *node, const eml_tensor *const *in, eml_tensor *out)
{
	(void)node;
	(void)in;
	(void)out;
	return eml_error(EDGEML_ERR_UNSUPPORTED, "Conv is not implemented yet");
}

edgeml_status eml_infer_Gemm(const eml_node *node, const eml_tensor *const *in, eml_tensor *out)
{
	(void)node;
	(void)in;
	(void)out;
	return eml_error(EDGEML_ERR_UNSUPPORTED, "Gemm is not implemented yet");
}

edgeml_status eml_infer_MatMul(const eml_node *node, const eml_tensor *const *in, eml_tensor *out)
{
	(void)node;
	(void)in;
	(void)out;
	return eml_error(EDGEML_ERR_UNSUPPORTED, "MatMul is not implemented yet");
}

edgeml_status eml_infer_Add(const eml_node *node, const eml_tensor *const *in, eml_tensor *out)
{
	(void)node;
	(void)in;
	(void)out;
	return eml_error(EDGEML_ERR_UNSUPPORTED, "Add is not implemented yet");
}

edgeml_status eml_infer_Mul(const eml_node *node, const eml_tensor *const *in, eml_tensor *out)
{
	(void)node;
	(void)in;
	(void)out;
	return eml_error(EDGEML_ERR_UNSUPPORTED, "Mul is not implemented yet");
}

edgeml_status eml_infer_Sub(const eml_node *node, const eml_tensor *const *in, eml_tensor *out)
{
	(void)node;
	(void)in;
	(void)out;
	return eml_error(EDGEML_ERR_UNSUPPORTED, "Sub is not implemented yet");
}

edgeml_status eml_infer_Div(const eml_node *node, const eml_tensor *const *in, eml_tensor *out)
{
	(void)node;
	(void)in;
	(void)out;
	return eml_error(EDGEML_ERR_UNSUPPORTED, "Div is not implemented yet");
}

edgeml_status eml_infer_MaxPool(const eml_node *node, const eml_tensor *const *in, eml_tensor *out)
{
	(void)node;
	(void)in;
	(void)out;
	return eml_error(EDGEML_ERR_UNSUPPORTED, "MaxPool is not implemented yet");
}

edgeml_status eml_infer_AveragePool(const eml_node *node, const eml_tensor *const *in, eml_tensor *out)
{
	(void)node;
	(void)in;
	(void)out;
	return eml_error(EDGEML_ERR_UNSUPPORTED, "AveragePool is not implemented yet");
}

edgeml_status eml_infer_GlobalAveragePool(const eml_node *node, const eml_tensor *const *in, eml_tensor *out)
{
	(void)node;
	(void)in;
	(void)out;
	return eml_error(EDGEML_ERR_UNSUPPORTED, "GlobalAveragePool is not implemented yet");
}

edgeml_status eml_infer_Relu(const eml_node *node, const eml_tensor *const *in, eml_tensor *out)
{
	(void)node;
	(void)in;
	(void)out;
	return eml_error(EDGEML_ERR_UNSUPPORTED, "Relu is not implemented yet");
}

edgeml_status eml_infer_Clip(const eml_node *node, const eml_tensor *const *in, eml_tensor *out)
{
	(void)node;
	(void)in;
	(void)out;
	return eml_error(EDGEML_ERR_UNSUPPORTED, "Clip is not implemented yet");
}

edgeml_status eml_infer_LeakyRelu(const eml_node *node, const eml_tensor *const *in, eml_tensor *out)
{
	(void)node;
	(void)in;
	(void)out;
	return eml_error(EDGEML_ERR_UNSUPPORTED, "LeakyRelu is not implemented yet");
}

edgeml_status eml_infer_Sigmoid(const eml_node *node, const eml_tensor *const *in, eml_tensor *out)
{
	(void)node;
	(void)in;
	(void)out;
	return eml_error(EDGEML_ERR_UNSUPPORTED, "Sigmoid is not implemented yet");
}

edgeml_status eml_infer_HardSigmoid(const eml_node *node, const eml_tensor *const *in, eml_tensor *out)
{
	(void)node;
	(void)in;
	(void)out;
	return eml_error(EDGEML_ERR_UNSUPPORTED, "HardSigmoid is not implemented yet");
}

edgeml_status eml_infer_HardSwish(const eml_node *node, const eml_tensor *const *in, eml_tensor *out)
{
	(void)node;
	(void)in;
	(void)out;
	return eml_error(EDGEML_ERR_UNSUPPORTED, "HardSwish is not implemented yet");
}

edgeml_status eml_infer_Tanh(const eml_node *node, const eml_tensor *const *in, eml_tensor *out)
{
	(void)node;
	(void)in;
	(void)out;
	return eml_error(EDGEML_ERR_UNSUPPORTED, "Tanh is not implemented yet");
}

edgeml_status eml_infer_Softmax(const eml_node *node, const eml_tensor *const *in, eml_tensor *out)
{
	(void)node;
	(void)in;
	(void)out;
	return eml_error(EDGEML_ERR_UNSUPPORTED, "Softmax is not implemented yet");
}

edgeml_status eml_infer_Concat(const eml_node *node, const eml_tensor *const *in, eml_tensor *out)
{
	(void)node;
	(void)in;
	(void)out;
	return eml_error(EDGEML_ERR_UNSUPPORTED, "Concat is not implemented yet");
}

edgeml_status eml_infer_Reshape(const eml_node *node, const eml_tensor *const *in, eml_tensor *out)
{
	(void)node;
	(void)in;
	(void)out;
	return eml_error(EDGEML_ERR_UNSUPPORTED, "Reshape is not implemented yet");
}

edgeml_status eml_infer_Flatten(const eml_node *node, const eml_tensor *const *in, eml_tensor *out)
{
	(void)node;
	(void)in;
	(void)out;
	return eml_error(EDGEML_ERR_UNSUPPORTED, "Flatten is not implemented yet");
}

edgeml_status eml_infer_Squeeze(const eml_node *node, const eml_tensor *const *in, eml_tensor *out)
{
	(void)node;
	(void)in;
	(void)out;
	return eml_error(EDGEML_ERR_UNSUPPORTED, "Squeeze is not implemented yet");
}

edgeml_status eml_infer_Unsqueeze(const eml_node *node, const eml_tensor *const *in, eml_tensor *out)
{
	(void)node;
	(void)in;
	(void)out;
	return eml_error(EDGEML_ERR_UNSUPPORTED, "Unsqueeze is not implemented yet");
}

edgeml_status eml_infer_Transpose(const eml_node *node, const eml_tensor *const *in, eml_tensor *out)
{
	(void)node;
	(void)in;
	(void)out;
	return eml_error(EDGEML_ERR_UNSUPPORTED, "Transpose is not implemented yet");
}

edgeml_status eml_infer_Pad(const eml_node *node, const eml_tensor *const *in, eml_tensor *out)
{
	(void)node;
	(void)in;
	(void)out;
	return eml_error(EDGEML_ERR_UNSUPPORTED, "Pad is not implemented yet");
}

edgeml_status eml_infer_Resize(const eml_node *node, const eml_tensor *const *in, eml_tensor *out)
{
	(void)node;
	(void)in;
	(void)out;
	return eml_error(EDGEML_ERR_UNSUPPORTED, "Resize is not implemented yet");
}

edgeml_status eml_infer_Identity(const eml_node *node, const eml_tensor *const *in, eml_tensor *out)
{
	(void)node;
	(void)in;
	(void)out;
	return eml_error(EDGEML_ERR_UNSUPPORTED, "Identity is not implemented yet");
}

edgeml_status eml_infer_BatchNormalization(const eml_node *node, const eml_tensor *const *in, eml_tensor *out)
{
	(void)node;
	(void)in;
	(void)out;
	return eml_error(EDGEML_ERR_UNSUPPORTED, "BatchNormalization is not implemented yet");
}

