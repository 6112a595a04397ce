/* qadd.c — QLinearAdd on the fast path for operands of one shape (no broadcasting) with
 * constant parameters: chunks of elements over the pool. */
#include <stdlib.h>

#include "cpu/kernels.h"
#include "cpu/operators/operators.h"
#include "cpu/pack.h"
#include "cpu/ref/ref_qparams.h"
#include "error.h"
#include "quant/quant.h"

/* Elements per task: large enough to amortise a task, small enough to balance threads. */
#define QADD_CHUNK 16384

typedef struct qadd_op {
	eml_fast_op base;
	eml_qadd_fn fn;
	eml_qadd_args args; /* a, b, c are set per run */
	uint32_t a, b;	    /* their input slots */
} qadd_op;

typedef struct qadd_run {
	const qadd_op *op;
	const uint8_t *a, *b;
	uint8_t *c;
} qadd_run;

/* Frees the op. */
static void qadd_destroy(eml_fast_op *op)
{
	free(op);
}

/* One chunk of elements. */
static void qadd_task(void *arg, uint32_t task, uint32_t thread)
{
	const qadd_run *r = arg;
	eml_qadd_args a = r->op->args;
	size_t at = (size_t)task * QADD_CHUNK;
	a.n = a.n - at < QADD_CHUNK ? a.n - at : QADD_CHUNK;
	a.a = r->a + at;
	a.b = r->b + at;
	a.c = r->c + at;
	r->op->fn(&a);
}

/* Runs the node over the pool. */
static edgeml_status qadd_run_op(const eml_fast_op *base, const eml_kernel_ctx *ctx,
				 const eml_fast_env *env)
{
	const qadd_op *op = (const qadd_op *)base;
	qadd_run r = { op, ctx->in_data[op->a], ctx->in_data[op->b], ctx->out_data[0] };
	eml_threadpool_run(eml_fast_pool(env, op->args.n), qadd_task, &r,
			   (uint32_t)((op->args.n + QADD_CHUNK - 1) / QADD_CHUNK));
	return EDGEML_OK;
}

/* Whether two tensors have the same dims. */
static int same_shape(const eml_tensor *x, const eml_tensor *y)
{
	if (x->rank != y->rank)
		return 0;
	for (uint32_t i = 0; i < x->rank; i++)
		if (x->dims[i] != y->dims[i])
			return 0;
	return 1;
}

edgeml_status eml_fast_qadd_prepare(const eml_kernel_ctx *ctx, eml_isa isa, uint32_t threads,
				    eml_fast_op **out)
{
	eml_qadd_fn fn = eml_cpu_kernels_for(isa)->qadd;
	const float *sa, *sb, *sc;
	int64_t n;
	eml_op_params tmp;
	const eml_op_params *prm;
	(void)threads;
	if (eml_node_params(NULL, ctx->node, ctx->in, &tmp, &prm) != EDGEML_OK)
		return EDGEML_OK;
	const eml_qbinary_params *q = &prm->qbinary;
	const eml_tensor *ta = ctx->in[q->a], *tb = ctx->in[q->b], *tc = ctx->out[0];
	/* A single-element operand is folded differently by the reference: left to it. */
	if (!fn || !same_shape(ta, tb) || !same_shape(ta, tc) || eml_tensor_numel(tc) < 2 ||
	    ta->dtype != tc->dtype ||
	    tb->dtype != tc->dtype ||
	    (tc->dtype != EDGEML_DTYPE_INT8 && tc->dtype != EDGEML_DTYPE_UINT8))
		return EDGEML_OK;
	for (uint32_t k = 1; k < ctx->node->n_inputs; k++)
		if (k != q->b && !eml_fast_input_constant(ctx, k))
			return EDGEML_OK;
	if (eml_q_scales(ctx, q->a_scale, &sa, &n) != EDGEML_OK ||
	    eml_q_scales(ctx, q->b_scale, &sb, &n) != EDGEML_OK ||
	    eml_q_scales(ctx, q->y_scale, &sc, &n) != EDGEML_OK)
		return EDGEML_OK;
	qadd_op *op = calloc(1, sizeof(*op));
	if (!op)
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for an add");
	int32_t zc = eml_q_zero_point(ctx, q->y_zero_point, 0), lo, hi;
	eml_q_activation_range(tc->dtype, q->act_min, q->act_max, sc[0], zc, &lo, &hi);
	op->base = (eml_fast_op){ qadd_run_op, qadd_destroy, "qs8-vadd", 0, 0 };
	op->fn = fn;
	op->a = q->a;
	op->b = q->b;
	/* The reference's constants. */
	eml_qadd_consts c = eml_qadd_constants(sa[0], eml_q_zero_point(ctx, q->a_zero_point, 0),
					       sb[0], eml_q_zero_point(ctx, q->b_zero_point, 0),
					       sc[0], zc);
	op->args = (eml_qadd_args){
		.n = (size_t)eml_tensor_numel(tc),
		.is_signed = tc->dtype == EDGEML_DTYPE_INT8,
		.ra = c.ra, .rb = c.rb, .k = c.k,
		.lo = (float)lo, .hi = (float)hi,
	};
	*out = &op->base;
	return EDGEML_OK;
}
