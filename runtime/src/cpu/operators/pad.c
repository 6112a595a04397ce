/* pad.c — Pad in constant mode, every dtype, on the fast path: rows copied with memcpy and
 * the padding filled, where the reference computes a source index per element (DenseNet's
 * transitions: a Pad of zeros before each AveragePool took as long as the Conv before it).
 * A copy, so bit-identical. The trailing axes without pads are merged into the rows; with
 * no pads at all the tensor is one row. Negative pads (cropping) are covered. */
#include <stdlib.h>
#include <string.h>

#include "cpu/operators/operators.h"
#include "error.h"
#include "ops/op_params.h"
#include "ops/ops.h"
#include "ops/pad_params.h"

typedef struct pad_op {
	eml_fast_op base;
	uint32_t outer_rank;		/* axes before the row axis */
	int64_t in_dims[EML_MAX_RANK];	/* of those axes */
	int64_t out_dims[EML_MAX_RANK];
	int64_t begin[EML_MAX_RANK];
	size_t rows;			/* output rows */
	size_t in_row, out_row;		/* bytes of an input and an output row */
	size_t unit;			/* bytes of one step along the row axis */
	int64_t row_begin;		/* pad before the row, in steps (may be negative) */
	size_t esize;
	uint32_t cv;			/* constant_value's slot, or EML_NO_INPUT */
} pad_op;

/* dst[0 .. n) = copies of the esize-byte value v. */
static void fill(uint8_t *dst, size_t n, const uint8_t *v, size_t esize)
{
	int zero = 1;
	for (size_t i = 0; i < esize; i++)
		zero &= v[i] == 0;
	if (zero) {
		memset(dst, 0, n);
		return;
	}
	for (size_t i = 0; i + esize <= n; i += esize)
		memcpy(dst + i, v, esize);
}

static edgeml_status pad_run_op(const eml_fast_op *base, const eml_kernel_ctx *ctx,
				const eml_fast_env *env)
{
	(void)env;
	const pad_op *op = (const pad_op *)base;
	uint8_t v[8] = { 0 };
	if (op->cv != EML_NO_INPUT && eml_tensor_numel(ctx->in[op->cv]) == 1)
		memcpy(v, ctx->in_data[op->cv], op->esize);
	const uint8_t *x = ctx->in_data[0];
	uint8_t *y = ctx->out_data[0];
	/* the row's copied part: output steps [a, b) from input step a - row_begin */
	int64_t steps_out = (int64_t)(op->out_row / op->unit);
	int64_t steps_in = (int64_t)(op->in_row / op->unit);
	int64_t a = op->row_begin > 0 ? op->row_begin : 0;
	int64_t b = op->row_begin + steps_in < steps_out ? op->row_begin + steps_in : steps_out;
	int64_t idx[EML_MAX_RANK] = { 0 };
	for (size_t r = 0; r < op->rows; r++) {
		uint8_t *dst = y + r * op->out_row;
		/* the input row of this output row, or none (all padding) */
		int64_t src = 0;
		int inside = 1;
		for (uint32_t k = 0; k < op->outer_rank; k++) {
			int64_t i = idx[k] - op->begin[k];
			inside &= i >= 0 && i < op->in_dims[k];
			src = src * op->in_dims[k] + i;
		}
		if (!inside || a >= b) {
			fill(dst, op->out_row, v, op->esize);
		} else {
			fill(dst, (size_t)a * op->unit, v, op->esize);
			memcpy(dst + (size_t)a * op->unit,
			       x + (size_t)src * op->in_row + (size_t)(a - op->row_begin) * op->unit,
			       (size_t)(b - a) * op->unit);
			fill(dst + (size_t)b * op->unit, (size_t)(steps_out - b) * op->unit, v,
			     op->esize);
		}
		for (uint32_t k = op->outer_rank; k-- > 0;) {
			if (++idx[k] < op->out_dims[k])
				break;
			idx[k] = 0;
		}
	}
	return EDGEML_OK;
}

static void pad_destroy(eml_fast_op *base)
{
	free(base);
}

/* Prepares a constant-mode Pad with constant pads. */
edgeml_status eml_fast_pad_prepare(const eml_kernel_ctx *ctx, eml_fast_op **out)
{
	const eml_tensor *x = ctx->in[0], *y = ctx->out[0];
	eml_op_params tmp;
	const eml_op_params *prm;
	size_t esize = edgeml_dtype_size((edgeml_dtype)x->dtype);
	if (ctx->node->n_outputs != 1 || x->rank < 1 || esize < 1 || esize > 8 ||
	    y->dtype != x->dtype || eml_tensor_numel(y) < 1 ||
	    eml_node_params(NULL, ctx->node, ctx->in, &tmp, &prm) != EDGEML_OK ||
	    prm->pad.mode != EML_PAD_CONSTANT)
		return EDGEML_OK; /* the reference runs it, or reports what is wrong */
	/* the row axis: the last one with pads; the axes after it are merged into the step */
	uint32_t ax = x->rank - 1;
	size_t unit = esize;
	while (ax > 0 && prm->pad.begin[ax] == 0 && y->dims[ax] == x->dims[ax]) {
		unit *= (size_t)x->dims[ax];
		ax--;
	}
	pad_op *op = calloc(1, sizeof(*op));
	if (!op)
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for a pad");
	op->base.run = pad_run_op;
	op->base.destroy = pad_destroy;
	op->base.kernel = "pad-rows";
	op->outer_rank = ax;
	op->rows = 1;
	for (uint32_t k = 0; k < ax; k++) {
		op->in_dims[k] = x->dims[k];
		op->out_dims[k] = y->dims[k];
		op->begin[k] = prm->pad.begin[k];
		op->rows *= (size_t)y->dims[k];
	}
	op->unit = unit;
	op->in_row = (size_t)x->dims[ax] * unit;
	op->out_row = (size_t)y->dims[ax] * unit;
	op->row_begin = prm->pad.begin[ax];
	op->esize = esize;
	op->cv = prm->pad.constant_value;
	*out = &op->base;
	return EDGEML_OK;
}
