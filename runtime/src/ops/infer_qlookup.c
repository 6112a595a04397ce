/* infer_qlookup.c — the edgeml-domain QLinearLookup (docs/ops.md): a 256-entry table indexed
 * by an 8-bit input. */
#include "error.h"
#include "ops/infer_helpers.h"
#include "ops/infer_qcommon.h"
#include "ops/ops.h"

/* QLinearLookup (X, table) -> Y of the table's type and X's shape. */
edgeml_status eml_infer_QLinearLookup(const eml_node *node, const eml_tensor *const *in,
				      eml_tensor *out)
{
	static const char *const names[] = { "X", "table" };
	edgeml_status st = eml_q_check_inputs(node, in, 2, 2, names);
	if (st == EDGEML_OK)
		st = eml_check_dtype(in[0], "input X", EML_DT_INT8S);
	if (st == EDGEML_OK)
		st = eml_check_dtype(in[1], "input table", EML_DT_INT8S);
	if (st != EDGEML_OK)
		return st;
	if (in[1]->rank != 1 || in[1]->dims[0] != 256)
		return eml_error(EDGEML_ERR_SHAPE, "input 1 (table) must be 1-D with 256 entries");
	return eml_set_output(out, in[1]->dtype, in[0]->rank, in[0]->dims);
}
