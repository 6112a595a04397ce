/* ref_resize.c — reference Resize: nearest (every nearest_mode, any of float32/uint8/int8)
 * and n-linear (float32), with the supported coordinate transformations. */
#include "cpu/ref/ref_util.h"
#include "error.h"
#include "ops/resize_params.h"

/* The input coordinate of output coordinate x on an axis (in float, as onnxruntime). */
static float source_coord(const eml_resize_params *p, float x, int64_t in_len, int64_t out_len,
			  float scale)
{
	switch (p->coord) {
	case EML_COORD_PYTORCH_HALF_PIXEL:
		return out_len > 1 ? (x + 0.5f) / scale - 0.5f : 0.0f;
	case EML_COORD_ALIGN_CORNERS:
		/* ONNX takes length_resized as in_len * scale, which differs from the integer
		 * output length when the scale does not divide evenly. */
		return out_len > 1 ? x * (float)(in_len - 1) / ((float)in_len * scale - 1.0f) : 0.0f;
	case EML_COORD_ASYMMETRIC:
		return x / scale;
	case EML_COORD_TF_HALF_PIXEL_FOR_NN:
		return (x + 0.5f) / scale;
	default:
		return (x + 0.5f) / scale - 0.5f;
	}
}

/* The nearest input index of coordinate c, clamped into [0, in_len). */
static int64_t nearest_index(const eml_resize_params *p, float c, int64_t in_len)
{
	float r;
	switch (p->nearest) {
	case EML_NEAREST_FLOOR: r = floorf(c); break;
	case EML_NEAREST_CEIL: r = ceilf(c); break;
	case EML_NEAREST_ROUND_PREFER_CEIL: r = floorf(c + 0.5f); break;
	default: r = c == floorf(c) + 0.5f ? floorf(c) : roundf(c); break;
	}
	if (r < 0.0f)
		return 0;
	return r >= (float)in_len ? in_len - 1 : (int64_t)r;
}

/* Resize (X, roi, scales, sizes) -> Y. */
edgeml_status eml_ref_Resize(const eml_kernel_ctx *ctx)
{
	eml_resize_params p;
	edgeml_status st = eml_resize_params_get(ctx->node, ctx->in, &p);
	if (st != EDGEML_OK)
		return st;
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
		for (uint32_t k = 0; k < r; k++) {
			float c = source_coord(&p, (float)idx[k], x->dims[k], p.out[k], p.scale[k]);
			if (p.mode == EML_RESIZE_NEAREST) {
				lo[k] = hi[k] = nearest_index(&p, c, x->dims[k]);
				w[k] = 0.0f;
				continue;
			}
			c = fminf(fmaxf(c, 0.0f), (float)(x->dims[k] - 1));
			lo[k] = (int64_t)c;
			hi[k] = lo[k] + 1 < x->dims[k] ? lo[k] + 1 : lo[k];
			w[k] = c - (float)lo[k];
		}
		if (p.mode == EML_RESIZE_NEAREST) {
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
			if (++idx[k] < p.out[k])
				break;
			idx[k] = 0;
		}
	}
	return EDGEML_OK;
}
