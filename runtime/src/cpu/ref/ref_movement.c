/* ref_movement.c — reference data-movement kernels for every dtype: the reshaping copies
 * (Identity, Reshape, Flatten, Squeeze, Unsqueeze), Concat and Transpose. */
#include "cpu/ref/ref_util.h"
#include "error.h"

/* Copies input 0 to output 0 unchanged; nothing to do when the session aliased them. */
static edgeml_status copy_input(const eml_kernel_ctx *ctx)
{
	if (ctx->in_data[0] != ctx->out_data[0])
		memmove(ctx->out_data[0], ctx->in_data[0], eml_tensor_bytes(ctx->out[0]));
	return EDGEML_OK;
}

/* Identity: a copy. */
edgeml_status eml_ref_Identity(const eml_kernel_ctx *ctx)
{
	return copy_input(ctx);
}

/* Reshape: same bytes, new shape. */
edgeml_status eml_ref_Reshape(const eml_kernel_ctx *ctx)
{
	return copy_input(ctx);
}

/* Flatten: same bytes, 2-D shape. */
edgeml_status eml_ref_Flatten(const eml_kernel_ctx *ctx)
{
	return copy_input(ctx);
}

/* Squeeze: same bytes, unit dims removed. */
edgeml_status eml_ref_Squeeze(const eml_kernel_ctx *ctx)
{
	return copy_input(ctx);
}

/* Unsqueeze: same bytes, unit dims inserted. */
edgeml_status eml_ref_Unsqueeze(const eml_kernel_ctx *ctx)
{
	return copy_input(ctx);
}

/* Concat: for each index of the axes before axis, the inputs' blocks one after another. */
edgeml_status eml_ref_Concat(const eml_kernel_ctx *ctx)
{
	const eml_tensor *y = ctx->out[0];
	eml_op_params tmp;
	const eml_op_params *prm;
	edgeml_status st = eml_ref_params(ctx, &tmp, &prm);
	if (st != EDGEML_OK)
		return st;
	uint32_t a = prm->axis.axis;
	int64_t outer = 1, inner = (int64_t)edgeml_dtype_size((edgeml_dtype)y->dtype);
	for (uint32_t i = 0; i < a; i++)
		outer *= y->dims[i];
	for (uint32_t i = a + 1; i < y->rank; i++)
		inner *= y->dims[i];
	char *dst = ctx->out_data[0];
	for (int64_t o = 0; o < outer; o++) {
		for (uint32_t k = 0; k < ctx->node->n_inputs; k++) {
			int64_t block = ctx->in[k]->dims[a] * inner;
			memcpy(dst, (const char *)ctx->in_data[k] + o * block, (size_t)block);
			dst += block;
		}
	}
	return EDGEML_OK;
}

/* Transpose: output index (i0, i1, ...) reads input index with i_k on axis perm[k]. */
edgeml_status eml_ref_Transpose(const eml_kernel_ctx *ctx)
{
	const eml_tensor *x = ctx->in[0], *y = ctx->out[0];
	eml_op_params tmp;
	const eml_op_params *prm;
	edgeml_status st = eml_ref_params(ctx, &tmp, &prm);
	if (st != EDGEML_OK)
		return st;
	const uint32_t *perm = prm->transpose.perm;
	size_t esize = edgeml_dtype_size((edgeml_dtype)x->dtype);
	int64_t in_stride[EML_MAX_RANK], stride[EML_MAX_RANK], idx[EML_MAX_RANK] = { 0 };
	int64_t s = 1;
	for (uint32_t i = x->rank; i-- > 0;) {
		in_stride[i] = s;
		s *= x->dims[i];
	}
	/* stride[k]: how far the input moves when output axis k advances. */
	for (uint32_t k = 0; k < y->rank; k++)
		stride[k] = in_stride[perm[k]];
	const char *src = ctx->in_data[0];
	char *dst = ctx->out_data[0];
	int64_t n = eml_tensor_numel(y), off = 0;
	for (int64_t i = 0; i < n; i++) {
		memcpy(dst + i * (int64_t)esize, src + off * (int64_t)esize, esize);
		for (uint32_t k = y->rank; k-- > 0;) {
			off += stride[k];
			if (++idx[k] < y->dims[k])
				break;
			off -= stride[k] * y->dims[k];
			idx[k] = 0;
		}
	}
	return EDGEML_OK;
}
