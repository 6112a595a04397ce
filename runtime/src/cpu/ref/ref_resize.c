/* ref_resize.c — reference Resize: nearest (every nearest_mode, any of float32/uint8/int8)
 * and n-linear (float32), with the supported coordinate transformations. */
#include "cpu/ref/ref_util.h"

/* Resize (X, roi, scales, sizes) -> Y. */
edgeml_status eml_ref_Resize(const eml_kernel_ctx *ctx)
{
	eml_op_params tmp;
	const eml_op_params *op;
	edgeml_status st = eml_ref_params(ctx, &tmp, &op);
	if (st != EDGEML_OK)
		return st;
	const eml_resize_params *p = &op->resize;
	const eml_tensor *x = ctx->in[0];
	uint32_t r = x->rank;
	int64_t in_stride[EML_MAX_RANK], idx[EML_MAX_RANK] = { 0 }, s = 1;
	for (uint32_t i = r; i-- > 0;) {
		in_stride[i] = s;
		s *= x->dims[i];
	}
	int64_t n = eml_tensor_numel(ctx->out[0]);
	for (int64_t e = 0; e < n; e++) {
		/* Per axis: the two neighbours and the weight of the upper one. */
		int64_t lo[EML_MAX_RANK], hi[EML_MAX_RANK];
		float w[EML_MAX_RANK];
		for (uint32_t k = 0; k < r; k++)
			eml_resize_taps(p, k, x->dims[k], idx[k], &lo[k], &hi[k], &w[k]);
		if (p->mode == EML_RESIZE_NEAREST) {
			int64_t off = 0;
			for (uint32_t k = 0; k < r; k++)
				off += lo[k] * in_stride[k];
			eml_store_f(x->dtype, ctx->out_data[0], e,
				    eml_load_f(x->dtype, ctx->in_data[0], off));
		} else {
			/* Sum over the 2^r corners; corners of zero weight are skipped. */
			const float *xd = ctx->in_data[0];
			float acc = 0.0f;
			for (uint32_t corner = 0; corner < (1u << r); corner++) {
				float wt = 1.0f;
				int64_t off = 0;
				for (uint32_t k = 0; k < r && wt != 0.0f; k++) {
					int up = (corner >> k) & 1;
					wt *= up ? w[k] : 1.0f - w[k];
					off += (up ? hi[k] : lo[k]) * in_stride[k];
				}
				if (wt != 0.0f)
					acc += wt * xd[off];
			}
			((float *)ctx->out_data[0])[e] = acc;
		}
		for (uint32_t k = r; k-- > 0;) {
			if (++idx[k] < p->out[k])
				break;
			idx[k] = 0;
		}
	}
	return EDGEML_OK;
}
