/* qadd.c — QLinearAdd on the fast path for operands of one shape (no broadcasting) with
 * constant parameters: chunks of elements over the pool. With one operand a constant single
 * element (1 + erf(x) in a transformer's GELU), every result is a function of the other's
 * byte: a 256-entry table computed at preparation by the reference's arithmetic, then the
 * level's byte lookup. */
#include <math.h>
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

typedef struct qadd_lut_op {
	eml_fast_op base;
	eml_u8_lut_fn fn; /* NULL: a C loop */
	uint32_t x;	  /* the input slot of the full operand */
	size_t n;
	uint8_t flip;
	uint8_t table[256];
} qadd_lut_op;

typedef struct qadd_lut_run {
	const qadd_lut_op *op;
	const uint8_t *x;
	uint8_t *y;
} qadd_lut_run;

/* One chunk of elements through the table. */
static void qadd_lut_task(void *arg, uint32_t task, uint32_t thread)
{
	const qadd_lut_run *r = arg;
	const qadd_lut_op *op = r->op;
	size_t at = (size_t)task * QADD_CHUNK;
	size_t n = op->n - at < QADD_CHUNK ? op->n - at : QADD_CHUNK;
	(void)thread;
	if (op->fn) {
		op->fn(r->x + at, n, op->table, op->flip, r->y + at);
		return;
	}
	for (size_t i = 0; i < n; i++)
		r->y[at + i] = op->table[r->x[at + i] ^ op->flip];
}

/* Runs the table over the pool. */
static edgeml_status qadd_lut_run_op(const eml_fast_op *base, const eml_kernel_ctx *ctx,
				     const eml_fast_env *env)
{
	const qadd_lut_op *op = (const qadd_lut_op *)base;
	qadd_lut_run r = { op, ctx->in_data[op->x], ctx->out_data[0] };
	eml_threadpool_run(eml_fast_pool(env, op->n), qadd_lut_task, &r,
			   (uint32_t)((op->n + QADD_CHUNK - 1) / QADD_CHUNK));
	return EDGEML_OK;
}

/* The table of a QLinearAdd whose operand `one` (q->a or q->b) is a single element and whose
 * other operand x has the output's element count: eml_ref_QLinearAdd's arithmetic for each
 * of x's 256 values (ORT's swapped order when the single element is A). */
static edgeml_status qadd_lut_prepare(const eml_kernel_ctx *ctx, eml_isa isa,
				      const eml_qbinary_params *q, uint32_t one,
				      eml_fast_op **out)
{
	uint32_t xs = one == q->a ? q->b : q->a;
	const eml_tensor *tx = ctx->in[xs], *ts = ctx->in[one], *tc = ctx->out[0];
	const float *sa, *sb, *sc;
	int64_t n;
	if (eml_tensor_numel(tx) != eml_tensor_numel(tc) || eml_tensor_numel(tc) < 2 ||
	    (tx->dtype != EDGEML_DTYPE_INT8 && tx->dtype != EDGEML_DTYPE_UINT8) ||
	    (ts->dtype != EDGEML_DTYPE_INT8 && ts->dtype != EDGEML_DTYPE_UINT8) ||
	    (tc->dtype != EDGEML_DTYPE_INT8 && tc->dtype != EDGEML_DTYPE_UINT8))
		return EDGEML_OK;
	for (uint32_t k = 0; k < ctx->node->n_inputs; k++)
		if (k != xs && !eml_fast_input_constant(ctx, k))
			return EDGEML_OK;
	if (eml_q_scales(ctx, q->a_scale, &sa, &n) != EDGEML_OK ||
	    eml_q_scales(ctx, q->b_scale, &sb, &n) != EDGEML_OK ||
	    eml_q_scales(ctx, q->y_scale, &sc, &n) != EDGEML_OK)
		return EDGEML_OK;
	qadd_lut_op *op = calloc(1, sizeof(*op));
	if (!op)
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for an add");
	int32_t za = eml_q_zero_point(ctx, q->a_zero_point, 0);
	int32_t zb = eml_q_zero_point(ctx, q->b_zero_point, 0);
	int32_t zc = eml_q_zero_point(ctx, q->y_zero_point, 0), lo, hi;
	eml_q_activation_range(tc->dtype, q->act_min, q->act_max, sc[0], zc, &lo, &hi);
	eml_qadd_consts c = eml_qadd_constants(sa[0], za, sb[0], zb, sc[0], zc);
	int swapped = eml_qadd_swapped(ctx->in[q->a]->dims, ctx->in[q->a]->rank,
				       ctx->in[q->b]->dims, ctx->in[q->b]->rank, tc->dims, tc->rank);
	float s = (float)eml_q_load(ctx->in_data[one], ts->dtype, 0);
	int x_signed = tx->dtype == EDGEML_DTYPE_INT8;
	op->flip = x_signed ? 0x80 : 0;
	for (int t = 0; t < 256; t++) {
		uint8_t byte = (uint8_t)(t ^ op->flip);
		int32_t x = x_signed ? (int32_t)(int8_t)byte : (int32_t)byte;
		float r = eml_round_half_even(one == q->a ? eml_qadd_value(&c, swapped, s, (float)x) :
							    eml_qadd_value(&c, swapped, (float)x, s));
		int32_t y = !(r >= (float)lo) ? lo : r > (float)hi ? hi : (int32_t)r;
		op->table[t] = (uint8_t)y;
	}
	op->base = (eml_fast_op){ qadd_lut_run_op, qadd_destroy, "qs8-vadd-lut", 0, 0 };
	op->fn = eml_cpu_kernels_for(isa)->u8_lut;
	op->x = xs;
	op->n = (size_t)eml_tensor_numel(tc);
	*out = &op->base;
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
	/* a single-element operand: its table (A first where both are single) */
	if (eml_tensor_numel(ta) == 1 || eml_tensor_numel(tb) == 1)
		return qadd_lut_prepare(ctx, isa, q, eml_tensor_numel(ta) == 1 ? q->a : q->b,
					out);
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
