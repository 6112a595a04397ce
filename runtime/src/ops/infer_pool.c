/* infer_pool.c — outputs of MaxPool, AveragePool and GlobalAveragePool (NCHW). */
#include "error.h"
#include "ops/geometry.h"
#include "ops/infer_helpers.h"
#include "ops/ops.h"

/* A windowed pool over X [N, C, D...] of a dtype in mask; output [N, C, O...]. */
static edgeml_status infer_window_pool(const eml_node *node, const eml_tensor *const *in,
				       eml_tensor *out, uint32_t mask)
{
	edgeml_status st = eml_check_arity(node, in, 1, 1, 1);
	if (st == EDGEML_OK)
		st = eml_check_dtype(in[0], "input X", mask);
	if (st == EDGEML_OK)
		st = eml_check_rank(in[0], "input X", 3, 2 + EML_MAX_SPATIAL);
	if (st != EDGEML_OK)
		return st;
	eml_window_geom g;
	const eml_tensor *x = in[0];
	st = eml_window_geometry(node, x->rank - 2, &x->dims[2], NULL, 1, &g);
	if (st != EDGEML_OK)
		return st;
	int64_t dims[EML_MAX_RANK] = { x->dims[0], x->dims[1] };
	for (uint32_t i = 0; i < g.n_spatial; i++)
		dims[2 + i] = g.out[i];
	return eml_set_output(&out[0], x->dtype, x->rank, dims);
}

/* MaxPool: float32, uint8 and int8 (max commutes with quantization, so quantized graphs run it
 * on raw data). Row-major storage only; the Indices output is not supported. */
edgeml_status eml_infer_MaxPool(const eml_node *node, const eml_tensor *const *in,
				eml_tensor *out)
{
	int64_t order;
	edgeml_status st = eml_attr_int(node, "storage_order", 0, &order);
	if (st != EDGEML_OK)
		return st;
	if (order != 0)
		return eml_error(EDGEML_ERR_UNSUPPORTED, "attribute 'storage_order' = %lld; only 0 "
				 "(row major) is supported", (long long)order);
	if (node->n_outputs > 1 && node->outputs[1] != EML_NO_TENSOR)
		return eml_error(EDGEML_ERR_UNSUPPORTED, "the Indices output (output 1) is not "
				 "supported");
	return infer_window_pool(node, in, out, EML_DT_FLOAT | EML_DT_INT8S);
}

/* AveragePool: float32; count_include_pad 0 or 1. */
edgeml_status eml_infer_AveragePool(const eml_node *node, const eml_tensor *const *in,
				    eml_tensor *out)
{
	int64_t cip;
	edgeml_status st = eml_attr_int(node, "count_include_pad", 0, &cip);
	if (st != EDGEML_OK)
		return st;
	if (cip != 0 && cip != 1)
		return eml_error(EDGEML_ERR_FORMAT, "attribute 'count_include_pad' = %lld must be "
				 "0 or 1", (long long)cip);
	return infer_window_pool(node, in, out, EML_DT_FLOAT);
}

/* GlobalAveragePool: float32 X [N, C, D...] -> [N, C, 1...]. */
edgeml_status eml_infer_GlobalAveragePool(const eml_node *node, const eml_tensor *const *in,
					  eml_tensor *out)
{
	edgeml_status st = eml_check_arity(node, in, 1, 1, 1);
	if (st == EDGEML_OK)
		st = eml_check_dtype(in[0], "input X", EML_DT_FLOAT);
	if (st == EDGEML_OK)
		st = eml_check_rank(in[0], "input X", 3, EML_MAX_RANK);
	if (st != EDGEML_OK)
		return st;
	int64_t dims[EML_MAX_RANK] = { in[0]->dims[0], in[0]->dims[1] };
	for (uint32_t i = 2; i < in[0]->rank; i++) {
		if (in[0]->dims[i] < 1)
			return eml_error(EDGEML_ERR_SHAPE, "input X has an empty spatial dim %u",
					 i);
		dims[i] = 1;
	}
	return eml_set_output(&out[0], EDGEML_DTYPE_FLOAT32, in[0]->rank, dims);
}
