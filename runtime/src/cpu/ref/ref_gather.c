/* ref_gather.c — reference Gather: rows of any dtype picked by int32/int64 indices. */
#include "cpu/ref/ref_util.h"
#include "error.h"
#include "ops/infer_helpers.h"

/* Gather: indices wrap once from the end (-1 is the last); one outside [-dim, dim) fails
 * the run, naming it, before anything is written. */
edgeml_status eml_ref_Gather(const eml_kernel_ctx *ctx)
{
	const eml_tensor *x = ctx->in[0], *idx = ctx->in[1];
	eml_op_params tmp;
	const eml_op_params *prm;
	edgeml_status st = eml_ref_params(ctx, &tmp, &prm);
	if (st != EDGEML_OK)
		return st;
	uint32_t a = prm->axis.axis;
	int64_t outer = 1, inner = 1, dim = x->dims[a], ni = eml_tensor_numel(idx);
	for (uint32_t d = 0; d < a; d++)
		outer *= x->dims[d];
	for (uint32_t d = a + 1; d < x->rank; d++)
		inner *= x->dims[d];
	const void *iv = ctx->in_data[1];
	int wide = idx->dtype == EDGEML_DTYPE_INT64;
	for (int64_t i = 0; i < ni; i++) {
		int64_t v = wide ? ((const int64_t *)iv)[i] : ((const int32_t *)iv)[i];
		if (v < -dim || v >= dim)
			return eml_error(EDGEML_ERR_INVALID_ARGUMENT, "indices[%lld] = %lld is "
					 "outside [-%lld, %lld) of axis %u", (long long)i,
					 (long long)v, (long long)dim, (long long)dim, a);
	}
	size_t es = edgeml_dtype_size((edgeml_dtype)x->dtype), row = (size_t)inner * es;
	const uint8_t *src = ctx->in_data[0];
	uint8_t *dst = ctx->out_data[0];
	for (int64_t o = 0; o < outer; o++) {
		for (int64_t i = 0; i < ni; i++) {
			int64_t v = wide ? ((const int64_t *)iv)[i] : ((const int32_t *)iv)[i];
			if (v < 0)
				v += dim;
			memcpy(dst, src + (size_t)(o * dim + v) * row, row);
			dst += row;
		}
	}
	return EDGEML_OK;
}
