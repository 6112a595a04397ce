/* infer_gather.c — outputs of Gather (any data dtype, int32/int64 indices, given at run
 * time or as constants). */
#include "error.h"
#include "ops/infer_helpers.h"
#include "ops/ops.h"

/* Gather (data, indices; axis) -> data.dims[:axis] + indices.dims + data.dims[axis+1:]. A
 * constant index outside [-dim, dim) is refused here; run-time ones are checked by the
 * kernels. */
edgeml_status eml_infer_Gather(const eml_node *node, const eml_tensor *const *in,
			       eml_tensor *out)
{
	edgeml_status st = eml_check_arity(node, in, 2, 2, 1);
	if (st == EDGEML_OK)
		st = eml_check_dtype(in[0], "input data", EML_DT_ANY);
	if (st == EDGEML_OK)
		st = eml_check_rank(in[0], "input data", 1, EML_MAX_RANK);
	if (st == EDGEML_OK)
		st = eml_check_dtype(in[1], "input indices",
				     EML_DT(EDGEML_DTYPE_INT32) | EML_DT(EDGEML_DTYPE_INT64));
	int64_t axis;
	uint32_t a;
	if (st == EDGEML_OK)
		st = eml_attr_int(node, "axis", 0, &axis);
	if (st == EDGEML_OK)
		st = eml_norm_axis(axis, in[0]->rank, "attribute 'axis'", &a);
	if (st != EDGEML_OK)
		return st;
	const eml_tensor *x = in[0], *idx = in[1];
	if (x->rank - 1 + idx->rank > EML_MAX_RANK)
		return eml_error(EDGEML_ERR_UNSUPPORTED, "output rank %u exceeds %d",
				 x->rank - 1 + idx->rank, EML_MAX_RANK);
	if ((idx->flags & EML_TF_CONSTANT) && idx->data) {
		int64_t n = eml_tensor_numel(idx), dim = x->dims[a];
		for (int64_t i = 0; i < n; i++) {
			int64_t v = idx->dtype == EDGEML_DTYPE_INT32 ?
					    ((const int32_t *)idx->data)[i] :
					    ((const int64_t *)idx->data)[i];
			if (v < -dim || v >= dim)
				return eml_error(EDGEML_ERR_SHAPE, "indices[%lld] = %lld is "
						 "outside [-%lld, %lld) of axis %u", (long long)i,
						 (long long)v, (long long)dim, (long long)dim, a);
		}
	}
	int64_t dims[EML_MAX_RANK];
	uint32_t r = 0;
	for (uint32_t d = 0; d < a; d++)
		dims[r++] = x->dims[d];
	for (uint32_t d = 0; d < idx->rank; d++)
		dims[r++] = idx->dims[d];
	for (uint32_t d = a + 1; d < x->rank; d++)
		dims[r++] = x->dims[d];
	return eml_set_output(&out[0], x->dtype, r, dims);
}
