/* ref_slice.c — reference Slice and Split: strided copies of any dtype. */
#include "cpu/ref/ref_util.h"

/* Copies the box start[d] + i * step[d] (0 <= i < dims[d]) of x into y, one memcpy per run
 * of contiguous elements (the innermost axis when its step is 1, widened over the trailing
 * axes that are taken whole). */
static void copy_box(const eml_tensor *x, const void *xdata, const int64_t *start,
		     const int64_t *step, const int64_t *dims, void *y)
{
	size_t es = edgeml_dtype_size((edgeml_dtype)x->dtype);
	uint32_t r = x->rank;
	int64_t xs[EML_MAX_RANK], idx[EML_MAX_RANK] = { 0 }, n = 1, s = 1, off = 0, run = 1;
	for (uint32_t d = r; d-- > 0;) {
		off += start[d] * s;
		xs[d] = s * step[d];
		s *= x->dims[d];
		n *= dims[d];
	}
	if (n == 0)
		return;
	/* Trailing axes taken whole (and the last partial one with step 1) form one run. */
	uint32_t outer = r;
	while (outer > 0 && step[outer - 1] == 1) {
		run *= dims[outer - 1];
		outer--;
		if (dims[outer] != x->dims[outer])
			break;
	}
	const uint8_t *src = xdata;
	uint8_t *dst = y;
	for (int64_t e = 0; e < n; e += run) {
		memcpy(dst + (size_t)e * es, src + (size_t)off * es, (size_t)run * es);
		for (uint32_t d = outer; d-- > 0;) {
			off += xs[d];
			if (++idx[d] < dims[d])
				break;
			off -= xs[d] * dims[d];
			idx[d] = 0;
		}
	}
}

/* Slice: the box its params describe. */
edgeml_status eml_ref_Slice(const eml_kernel_ctx *ctx)
{
	eml_op_params tmp;
	const eml_op_params *prm;
	edgeml_status st = eml_ref_params(ctx, &tmp, &prm);
	if (st != EDGEML_OK)
		return st;
	const eml_slice_op_params *p = &prm->slice;
	copy_box(ctx->in[0], ctx->in_data[0], p->start, p->step, p->dims, ctx->out_data[0]);
	return EDGEML_OK;
}

/* Split: each output is the box of its part along the axis. */
edgeml_status eml_ref_Split(const eml_kernel_ctx *ctx)
{
	const eml_tensor *x = ctx->in[0];
	eml_op_params tmp;
	const eml_op_params *prm;
	edgeml_status st = eml_ref_params(ctx, &tmp, &prm);
	if (st != EDGEML_OK)
		return st;
	const eml_split_params *p = &prm->split;
	for (uint32_t k = 0; k < ctx->node->n_outputs; k++) {
		uint32_t axis = p->axis;
		int64_t first = p->at[k], len = p->at[k + 1] - p->at[k];
		int64_t start[EML_MAX_RANK], step[EML_MAX_RANK], dims[EML_MAX_RANK];
		if (!ctx->out_data[k])
			continue;
		for (uint32_t d = 0; d < x->rank; d++) {
			start[d] = 0;
			step[d] = 1;
			dims[d] = x->dims[d];
		}
		start[axis] = first;
		dims[axis] = len;
		copy_box(x, ctx->in_data[0], start, step, dims, ctx->out_data[k]);
	}
	return EDGEML_OK;
}
