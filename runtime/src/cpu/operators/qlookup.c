/* qlookup.c — QLinearLookup on the fast path: the table kernel of the level over chunks of
 * the tensor on the pool. Data movement through the node's own table: byte-identical. */
#include <stdlib.h>

#include "cpu/kernels.h"
#include "cpu/operators/operators.h"
#include "error.h"

#define QLOOKUP_CHUNK 16384

typedef struct qlookup_op {
	eml_fast_op base;
	eml_u8_lut_fn fn;
	size_t n;
	uint8_t flip;
} qlookup_op;

typedef struct qlookup_run {
	const qlookup_op *op;
	const eml_kernel_ctx *ctx;
} qlookup_run;

/* Frees the op. */
static void qlookup_destroy(eml_fast_op *op)
{
	free(op);
}

/* One chunk. */
static void qlookup_task(void *arg, uint32_t task, uint32_t thread)
{
	const qlookup_run *r = arg;
	size_t at = (size_t)task * QLOOKUP_CHUNK;
	size_t n = r->op->n - at < QLOOKUP_CHUNK ? r->op->n - at : QLOOKUP_CHUNK;
	(void)thread;
	r->op->fn((const uint8_t *)r->ctx->in_data[0] + at, n, r->ctx->in_data[1], r->op->flip,
		  (uint8_t *)r->ctx->out_data[0] + at);
}

/* Runs the node over the pool. */
static edgeml_status qlookup_run_op(const eml_fast_op *base, const eml_kernel_ctx *ctx,
				    const eml_fast_env *env)
{
	const qlookup_op *op = (const qlookup_op *)base;
	qlookup_run r = { op, ctx };
	eml_threadpool_run(eml_fast_pool(env, op->n), qlookup_task, &r,
			   (uint32_t)((op->n + QLOOKUP_CHUNK - 1) / QLOOKUP_CHUNK));
	return EDGEML_OK;
}

edgeml_status eml_fast_qlookup_prepare(const eml_kernel_ctx *ctx, eml_isa isa,
				       eml_fast_op **out)
{
	eml_u8_lut_fn fn = eml_cpu_kernels_for(isa)->u8_lut;
	const eml_tensor *tx = ctx->in[0];
	int64_t n = eml_tensor_numel(tx);
	/* The reference reads 256 table entries; a run-time table is left to it too. */
	if (!fn || n < 1 || eml_tensor_numel(ctx->in[1]) < 256 ||
	    !eml_fast_input_constant(ctx, 1) ||
	    (tx->dtype != EDGEML_DTYPE_INT8 && tx->dtype != EDGEML_DTYPE_UINT8))
		return EDGEML_OK;
	qlookup_op *op = calloc(1, sizeof(*op));
	if (!op)
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for a lookup");
	op->base = (eml_fast_op){ qlookup_run_op, qlookup_destroy, "u8-lut", 0, 0 };
	op->fn = fn;
	op->n = (size_t)n;
	op->flip = tx->dtype == EDGEML_DTYPE_INT8 ? 0x80 : 0;
	*out = &op->base;
	return EDGEML_OK;
}
