/* operator.c — the helpers every fast operator shares (operator.h). */
#include "cpu/operators/operator.h"

void eml_fast_destroy(eml_fast_op *op)
{
	if (op)
		op->destroy(op);
}

int eml_fast_input_constant(const eml_kernel_ctx *ctx, uint32_t k)
{
	if (k >= ctx->node->n_inputs || !ctx->in[k])
		return 1;
	return (ctx->in[k]->flags & EML_TF_CONSTANT) && ctx->in_data[k];
}
