/* infer_qpool.c — the edgeml-domain QLinearAveragePool (AveragePool's attributes) and
 * QLinearGlobalAveragePool, NCHW, per-tensor parameters. */
#include "error.h"
#include "ops/geometry.h"
#include "ops/infer_helpers.h"
#include "ops/infer_qcommon.h"
#include "ops/ops.h"

/* Checks (X, X_scale, X_zero_point, Y_scale, Y_zero_point): 8-bit X of rank 3 to 5,
 * per-tensor parameters, NCHW layout. */
static edgeml_status check_qpool_inputs(const eml_node *node, const eml_tensor *const *in)
{
	static const char *const names[] = { "X", "X_scale", "X_zero_point", "Y_scale",
					     "Y_zero_point" };
	int64_t channels_last;
	edgeml_status st = eml_q_check_inputs(node, in, 5, 5, names);
	if (st == EDGEML_OK)
		st = eml_check_dtype(in[0], "input X", EML_DT_INT8S);
	if (st == EDGEML_OK)
		st = eml_check_dtype(in[4], "input Y_zero_point", EML_DT_INT8S);
	if (st == EDGEML_OK)
		st = eml_check_rank(in[0], "input X", 3, 2 + EML_MAX_SPATIAL);
	if (st == EDGEML_OK)
		st = eml_q_check_param(in, 1, names[1], EDGEML_DTYPE_FLOAT32, 0);
	if (st == EDGEML_OK)
		st = eml_q_check_param(in, 2, names[2], in[0]->dtype, 0);
	if (st == EDGEML_OK)
		st = eml_q_check_param(in, 3, names[3], EDGEML_DTYPE_FLOAT32, 0);
	if (st == EDGEML_OK)
		st = eml_q_check_param(in, 4, names[4], in[4]->dtype, 0);
	if (st == EDGEML_OK)
		st = eml_attr_int(node, "channels_last", 0, &channels_last);
	if (st == EDGEML_OK && channels_last != 0)
		st = eml_error(EDGEML_ERR_UNSUPPORTED, "attribute channels_last = %lld: only NCHW "
			       "(0) is supported", (long long)channels_last);
	return st;
}

/* QLinearAveragePool -> Y [N, C, out...] of Y_zero_point's type. */
edgeml_status eml_infer_QLinearAveragePool(const eml_node *node, const eml_tensor *const *in,
					   eml_tensor *out)
{
	eml_window_geom g;
	int64_t count_include_pad;
	edgeml_status st = check_qpool_inputs(node, in);
	if (st == EDGEML_OK)
		st = eml_attr_int(node, "count_include_pad", 0, &count_include_pad);
	if (st != EDGEML_OK)
		return st;
	if (count_include_pad != 0 && count_include_pad != 1)
		return eml_error(EDGEML_ERR_FORMAT, "attribute count_include_pad = %lld must be 0 "
				 "or 1", (long long)count_include_pad);
	const eml_tensor *x = in[0];
	st = eml_window_geometry(node, x->rank - 2, &x->dims[2], NULL, 1, &g);
	if (st != EDGEML_OK)
		return st;
	int64_t dims[2 + EML_MAX_SPATIAL] = { x->dims[0], x->dims[1] };
	for (uint32_t i = 0; i < g.n_spatial; i++)
		dims[2 + i] = g.out[i];
	return eml_set_output(out, in[4]->dtype, x->rank, dims);
}

/* QLinearGlobalAveragePool -> Y [N, C, 1...] of Y_zero_point's type. */
edgeml_status eml_infer_QLinearGlobalAveragePool(const eml_node *node,
						 const eml_tensor *const *in, eml_tensor *out)
{
	edgeml_status st = check_qpool_inputs(node, in);
	if (st != EDGEML_OK)
		return st;
	const eml_tensor *x = in[0];
	int64_t dims[EML_MAX_RANK] = { x->dims[0], x->dims[1] };
	for (uint32_t i = 2; i < x->rank; i++) {
		if (x->dims[i] < 1)
			return eml_error(EDGEML_ERR_SHAPE, "input X has an empty spatial dim %u",
					 i);
		dims[i] = 1;
	}
	return eml_set_output(out, in[4]->dtype, x->rank, dims);
}
