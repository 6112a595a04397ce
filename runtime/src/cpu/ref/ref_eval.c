/* ref_eval.c — node_eval.h over the reference kernels' table (ref_table.c). */
#include "error.h"
#include "node_eval.h"
#include "ref.h"

int eml_node_eval_supported(uint32_t op)
{
	return eml_ref_kernel(op) != NULL;
}

edgeml_status eml_node_eval(const eml_node *node, const eml_tensor *const *in,
			    const void *const *in_data, const eml_tensor *const *out,
			    void *const *out_data)
{
	eml_ref_fn kernel = eml_ref_kernel(node->op);
	if (!kernel)
		return eml_error(EDGEML_ERR_UNSUPPORTED, "node '%s': op %u has no reference kernel",
				 node->name ? node->name : "", node->op);
	eml_kernel_ctx ctx = { node, in, out, in_data, out_data };
	return kernel(&ctx);
}
