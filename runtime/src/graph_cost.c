/* graph_cost.c — what a node costs in multiply-accumulates, for profiles and benchmarks. */
#include "graph.h"
#include "ops/ops.h"

uint64_t eml_node_macs(const eml_graph *g, const eml_node *node, int *conv1x1)
{
	const eml_tensor *out = &g->tensors[node->outputs[0]];
	uint64_t n_out = (uint64_t)eml_tensor_numel(out);
	uint32_t w_in = 1;
	*conv1x1 = 0;
	switch (node->op) {
	case EML_OP_QLinearConv:
		w_in = 3;
		/* fall through */
	case EML_OP_Conv:
	case EML_OP_ConvInteger: {
		/* Each output element sums over its group's input channels and the kernel. */
		const eml_tensor *w = &g->tensors[node->inputs[w_in]];
		uint64_t per = 1;
		int one = 1;
		for (uint32_t i = 1; i < w->rank; i++) {
			per *= (uint64_t)w->dims[i];
			one &= i < 2 || w->dims[i] == 1;
		}
		*conv1x1 = one;
		return n_out * per;
	}
	case EML_OP_QLinearMatMul:
	case EML_OP_QLinearGemm:
	case EML_OP_MatMul:
	case EML_OP_MatMulInteger:
	case EML_OP_Gemm: {
		const eml_tensor *a = &g->tensors[node->inputs[0]];
		int64_t trans_a = 0;
		if (node->op == EML_OP_QLinearGemm || node->op == EML_OP_Gemm)
			(void)eml_attr_int(node, "transA", 0, &trans_a);
		int64_t k = a->rank == 0 ? 1 : a->dims[trans_a ? 0 : a->rank - 1];
		return n_out * (uint64_t)k;
	}
	case EML_OP_ConvTranspose: {
		/* Each input element meets M/group output channels times the kernel. */
		const eml_tensor *x = &g->tensors[node->inputs[0]];
		const eml_tensor *w = &g->tensors[node->inputs[1]];
		uint64_t per = 1;
		for (uint32_t i = 1; i < w->rank; i++)
			per *= (uint64_t)w->dims[i];
		return (uint64_t)eml_tensor_numel(x) * per;
	}
	default:
		return 0;
	}
}
