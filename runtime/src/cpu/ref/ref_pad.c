/* ref_pad.c — reference Pad for every dtype: constant, reflect and edge modes, negative pads
 * cropping. */
#include "cpu/ref/ref_util.h"
#include "error.h"
#include "ops/pad_params.h"

/* Maps output coordinate o on an axis of input size d, padded by begin, to an input
 * coordinate, or -1 for constant padding. */
static int64_t pad_source(int64_t o, int64_t d, int64_t begin, int mode)
{
	int64_t i = o - begin;
	if (i >= 0 && i < d)
		return i;
	if (mode == EML_PAD_CONSTANT)
		return -1;
	if (mode == EML_PAD_EDGE)
		return i < 0 ? 0 : d - 1;
	/* Reflect without repeating the border element; infer bounded the pads by d - 1. */
	return i < 0 ? -i : 2 * (d - 1) - i;
}

/* Pad (data, pads, constant_value, axes) -> output. */
edgeml_status eml_ref_Pad(const eml_kernel_ctx *ctx)
{
	eml_op_params tmp;
	const eml_op_params *prm;
	edgeml_status st = eml_ref_params(ctx, &tmp, &prm);
	if (st != EDGEML_OK)
		return st;
	const int64_t *begin = prm->pad.begin;
	int mode = prm->pad.mode;
	const eml_tensor *x = ctx->in[0], *y = ctx->out[0];
	size_t esize = edgeml_dtype_size((edgeml_dtype)x->dtype);
	/* The fill value: constant_value's bytes when given, else zero of the type. */
	uint64_t fill = 0;
	uint32_t k_cv = prm->pad.constant_value;
	if (k_cv != EML_NO_INPUT && eml_tensor_numel(ctx->in[k_cv]) == 1)
		memcpy(&fill, ctx->in_data[k_cv], esize);
	int64_t in_stride[EML_MAX_RANK], idx[EML_MAX_RANK] = { 0 }, s = 1;
	for (uint32_t i = x->rank; i-- > 0;) {
		in_stride[i] = s;
		s *= x->dims[i];
	}
	const char *src = ctx->in_data[0];
	char *dst = ctx->out_data[0];
	int64_t n = eml_tensor_numel(y);
	for (int64_t e = 0; e < n; e++) {
		int64_t off = 0;
		for (uint32_t k = 0; k < x->rank && off >= 0; k++) {
			int64_t i = pad_source(idx[k], x->dims[k], begin[k], mode);
			off = i < 0 ? -1 : off + i * in_stride[k];
		}
		memcpy(dst + e * (int64_t)esize, off < 0 ? (const char *)&fill :
			src + off * (int64_t)esize, esize);
		for (uint32_t k = y->rank; k-- > 0;) {
			if (++idx[k] < y->dims[k])
				break;
			idx[k] = 0;
		}
	}
	return EDGEML_OK;
}
