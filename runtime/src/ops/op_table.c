/* op_table.c — names and infer dispatch for the ops of ops.def. */
#include <string.h>

#include "error.h"
#include "ops/ops.h"

static const struct {
	uint32_t op;
	const char *name;
	eml_infer_fn infer;
} op_table[] = {
#define EML_OP(num, name) { num, #name, eml_infer_##name },
#include "ops/ops.def"
#undef EML_OP
};

#define OP_TABLE_LEN (sizeof(op_table) / sizeof(op_table[0]))

const char *eml_op_name(uint32_t op)
{
	for (size_t i = 0; i < OP_TABLE_LEN; i++)
		if (op_table[i].op == op)
			return op_table[i].name;
	return NULL;
}

uint32_t eml_op_from_name(const char *name)
{
	for (size_t i = 0; i < OP_TABLE_LEN; i++)
		if (strcmp(op_table[i].name, name) == 0)
			return op_table[i].op;
	return EML_OP_INVALID;
}

edgeml_status eml_op_infer(const eml_node *node, const eml_tensor *const *in, eml_tensor *out)
{
	for (size_t i = 0; i < OP_TABLE_LEN; i++) {
		if (op_table[i].op != node->op)
			continue;
		edgeml_status st = op_table[i].infer(node, in, out);
		if (st != EDGEML_OK)
			return eml_error_context(st, "node '%s' (%s): ", node->name ? node->name : "",
						 op_table[i].name);
		return EDGEML_OK;
	}
	return eml_error(EDGEML_ERR_FORMAT, "node '%s': unknown op number %u",
			 node->name ? node->name : "", node->op);
}
