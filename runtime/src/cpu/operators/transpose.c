/* transpose.c — Transpose on the fast path, for every element size of 1, 2, 4 or 8 bytes
 * (data movement, so bit-identical to the reference). At prepare the output axes of size 1
 * are dropped and neighbours that stay contiguous in the input are merged (attention's
 * [B, S, H, D] -> [B, H, S, D] becomes three axes with D floats in a row); a run then copies
 * whole rows of the innermost axis with memcpy when they are contiguous in the input, else
 * element by element at the input's stride, rows split across the pool. */
#include <stdlib.h>
#include <string.h>

#include "cpu/operators/operators.h"
#include "error.h"
#include "ops/ops.h"

/* Elements per task, roughly. */
#define TRANSPOSE_CHUNK 16384

typedef struct transpose_op {
	eml_fast_op base;
	uint32_t rank;		     /* merged output axes, >= 1 */
	size_t dims[EML_MAX_RANK];   /* their sizes */
	size_t stride[EML_MAX_RANK]; /* input elements per step along each */
	size_t esize, rows, row_len, rows_per_task;
} transpose_op;

typedef struct transpose_run {
	const transpose_op *op;
	const uint8_t *x;
	uint8_t *y;
} transpose_run;

static void transpose_destroy(eml_fast_op *base)
{
	free(base);
}

/* Copies one row of n elements of es bytes, source stride s elements. */
static void copy_row(uint8_t *dst, const uint8_t *src, size_t n, size_t s, size_t es)
{
	if (s == 1) {
		memcpy(dst, src, n * es);
		return;
	}
	switch (es) {
	case 4:
		for (size_t i = 0; i < n; i++)
			memcpy(dst + i * 4, src + i * s * 4, 4);
		break;
	case 8:
		for (size_t i = 0; i < n; i++)
			memcpy(dst + i * 8, src + i * s * 8, 8);
		break;
	case 2:
		for (size_t i = 0; i < n; i++)
			memcpy(dst + i * 2, src + i * s * 2, 2);
		break;
	default:
		for (size_t i = 0; i < n; i++)
			dst[i] = src[i * s];
		break;
	}
}

/* One task: rows [task * rows_per_task, ...) of the merged output. */
static void transpose_task(void *arg, uint32_t task, uint32_t thread)
{
	(void)thread;
	const transpose_run *r = arg;
	const transpose_op *op = r->op;
	uint32_t outer = op->rank - 1;
	size_t row0 = (size_t)task * op->rows_per_task;
	size_t row1 = row0 + op->rows_per_task < op->rows ? row0 + op->rows_per_task : op->rows;
	size_t idx[EML_MAX_RANK] = { 0 }, off = 0, rest = row0;
	for (uint32_t k = outer; k-- > 0;) {
		idx[k] = rest % op->dims[k];
		rest /= op->dims[k];
		off += idx[k] * op->stride[k];
	}
	size_t es = op->esize, len = op->row_len, s = op->stride[outer];
	for (size_t row = row0; row < row1; row++) {
		copy_row(r->y + row * len * es, r->x + off * es, len, s, es);
		for (uint32_t k = outer; k-- > 0;) {
			off += op->stride[k];
			if (++idx[k] < op->dims[k])
				break;
			off -= op->stride[k] * op->dims[k];
			idx[k] = 0;
		}
	}
}

static edgeml_status transpose_run_op(const eml_fast_op *base, const eml_kernel_ctx *ctx,
				      const eml_fast_env *env)
{
	const transpose_op *op = (const transpose_op *)base;
	transpose_run r = { op, ctx->in_data[0], ctx->out_data[0] };
	size_t tasks = (op->rows + op->rows_per_task - 1) / op->rows_per_task;
	eml_threadpool_run(eml_fast_pool(env, op->rows * op->row_len), transpose_task, &r,
			   (uint32_t)tasks);
	return EDGEML_OK;
}

edgeml_status eml_fast_transpose_prepare(const eml_kernel_ctx *ctx, eml_fast_op **out)
{
	const eml_tensor *x = ctx->in[0], *y = ctx->out[0];
	eml_op_params tmp;
	const eml_op_params *prm;
	size_t es = edgeml_dtype_size((edgeml_dtype)x->dtype);
	if ((es != 1 && es != 2 && es != 4 && es != 8) || x->rank != y->rank ||
	    x->rank > EML_MAX_RANK || eml_node_params(NULL, ctx->node, ctx->in, &tmp, &prm) != EDGEML_OK)
		return EDGEML_OK; /* the reference runs it, or reports what is wrong */
	int64_t numel = eml_tensor_numel(y);
	if (numel <= 0 || (uint64_t)numel > UINT32_MAX)
		return EDGEML_OK;
	size_t in_stride[EML_MAX_RANK], s = 1;
	for (uint32_t i = x->rank; i-- > 0;) {
		in_stride[i] = s;
		s *= (size_t)x->dims[i];
	}
	transpose_op *op = calloc(1, sizeof(*op));
	if (!op)
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for a transpose");
	op->base.run = transpose_run_op;
	op->base.destroy = transpose_destroy;
	op->base.kernel = "transpose";
	op->esize = es;
	for (uint32_t k = 0; k < y->rank; k++) {
		uint32_t from = prm->transpose.perm[k];
		size_t d = (size_t)y->dims[k], st = in_stride[from];
		if (d == 1)
			continue;
		if (op->rank > 0 && op->stride[op->rank - 1] == st * d) {
			/* this axis continues the previous one in the input: merge */
			op->dims[op->rank - 1] *= d;
			op->stride[op->rank - 1] = st;
			continue;
		}
		op->dims[op->rank] = d;
		op->stride[op->rank] = st;
		op->rank++;
	}
	if (op->rank == 0) {
		op->dims[0] = 1;
		op->stride[0] = 1;
		op->rank = 1;
	}
	op->row_len = op->dims[op->rank - 1];
	op->rows = (size_t)numel / op->row_len;
	op->rows_per_task = TRANSPOSE_CHUNK / op->row_len;
	if (op->rows_per_task == 0)
		op->rows_per_task = 1;
	*out = &op->base;
	return EDGEML_OK;
}
