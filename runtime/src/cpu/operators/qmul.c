/* qmul.c — QLinearMul on the fast path: operands of one shape, and the broadcasts of
 * squeeze-excite ([N, C, H, W] x [N, C, 1, 1]) and the like, with constant parameters. The
 * output is split into rows over which one operand runs contiguously and the other is either
 * contiguous too or one element (broadcast dims merged away at prepare); the rows go to the
 * micro-kernel, in chunks over the pool. Bit-exact with eml_ref_QLinearMul. */
#include <math.h>
#include <stdlib.h>

#include "cpu/kernels.h"
#include "cpu/operators/operators.h"
#include "cpu/ref/ref_qparams.h"
#include "error.h"
#include "quant/quant.h"

/* Elements per task: large enough to amortise a task, small enough to balance threads. */
#define QMUL_CHUNK 16384

typedef struct qmul_op {
	eml_fast_op base;
	eml_qmul_fn fn;
	eml_qmul_args args; /* a, b, c and n are set per task */
	int swap;	    /* the node's B is the contiguous operand (passed as a) */
	uint32_t rank;	    /* outer dims after merging, the row dim excluded */
	int64_t dims[EML_MAX_RANK], sa[EML_MAX_RANK], sb[EML_MAX_RANK];
	size_t inner, rows, row_chunks, rows_per_task, tasks;
} qmul_op;

typedef struct qmul_run {
	const qmul_op *op;
	const uint8_t *a, *b;
	uint8_t *c;
} qmul_run;

/* Frees the op. */
static void qmul_destroy(eml_fast_op *op)
{
	free(op);
}

/* The portable loop, for levels without a micro-kernel: the reference's arithmetic. */
static void qmul_c(const eml_qmul_args *a)
{
	for (size_t i = 0; i < a->n; i++) {
		const uint8_t *pb = a->b + i * a->b_step;
		int32_t xa = a->is_signed ? (int8_t)a->a[i] : a->a[i];
		int32_t xb = a->is_signed ? (int8_t)*pb : *pb;
		a->c[i] = (uint8_t)eml_qmul_requantize((xa - a->za) * (xb - a->zb), a->ratio, a->zc,
						       (int32_t)a->lo, (int32_t)a->hi);
	}
}

/* Elements [at, at + n) of row `row`. */
static void qmul_span(const qmul_run *r, size_t row, size_t at, size_t n)
{
	const qmul_op *op = r->op;
	size_t oa = 0, ob = 0, rem = row;
	for (uint32_t d = op->rank; d-- > 0;) {
		size_t i = rem % (size_t)op->dims[d];
		rem /= (size_t)op->dims[d];
		oa += i * (size_t)op->sa[d];
		ob += i * (size_t)op->sb[d];
	}
	eml_qmul_args a = op->args;
	a.a = r->a + oa + at;
	a.b = r->b + ob + at * a.b_step;
	a.c = r->c + row * op->inner + at;
	a.n = n;
	op->fn(&a);
}

/* One chunk of a long row, or a few short rows. */
static void qmul_task(void *arg, uint32_t task, uint32_t thread)
{
	const qmul_run *r = arg;
	const qmul_op *op = r->op;
	(void)thread;
	if (op->row_chunks > 1) {
		size_t row = task / op->row_chunks, at = (task % op->row_chunks) * QMUL_CHUNK;
		qmul_span(r, row, at, op->inner - at < QMUL_CHUNK ? op->inner - at : QMUL_CHUNK);
		return;
	}
	size_t row0 = (size_t)task * op->rows_per_task;
	size_t row1 = row0 + op->rows_per_task < op->rows ? row0 + op->rows_per_task : op->rows;
	for (size_t row = row0; row < row1; row++)
		qmul_span(r, row, 0, op->inner);
}

/* Runs the node over the pool. */
static edgeml_status qmul_run_op(const eml_fast_op *base, const eml_kernel_ctx *ctx,
				 const eml_fast_env *env)
{
	const qmul_op *op = (const qmul_op *)base;
	qmul_run r = { op, ctx->in_data[op->swap ? 3 : 0], ctx->in_data[op->swap ? 0 : 3],
		       ctx->out_data[0] };
	eml_threadpool_run(eml_fast_pool(env, op->rows * op->inner), qmul_task, &r,
			   (uint32_t)op->tasks);
	return EDGEML_OK;
}

/* Element strides of x over the output's dims (numpy broadcasting: 0 where x has 1). */
static void bcast_strides(const eml_tensor *x, const eml_tensor *y, int64_t *s)
{
	int64_t step = 1;
	for (uint32_t d = y->rank; d-- > 0;) {
		int32_t xd = (int32_t)d - (int32_t)(y->rank - x->rank);
		int64_t n = xd >= 0 ? x->dims[xd] : 1;
		s[d] = n == 1 ? 0 : step;
		step *= n;
	}
}

edgeml_status eml_fast_qmul_prepare(const eml_kernel_ctx *ctx, eml_isa isa, uint32_t threads,
				    eml_fast_op **out)
{
	const float *sa, *sb, *sc;
	int64_t n;
	eml_op_params tmp;
	const eml_op_params *prm;
	(void)threads;
	if (eml_node_params(NULL, ctx->node, ctx->in, &tmp, &prm) != EDGEML_OK)
		return EDGEML_OK;
	const eml_qbinary_params *q = &prm->qbinary;
	const eml_tensor *ta = ctx->in[q->a], *tb = ctx->in[q->b], *tc = ctx->out[0];
	if (eml_tensor_numel(tc) < 1 || ta->dtype != tc->dtype || tb->dtype != tc->dtype ||
	    (tc->dtype != EDGEML_DTYPE_INT8 && tc->dtype != EDGEML_DTYPE_UINT8) ||
	    ta->rank > tc->rank || tb->rank > tc->rank)
		return EDGEML_OK;
	const uint32_t params[6] = { q->a_scale, q->a_zero_point, q->b_scale,
				     q->b_zero_point, q->y_scale, q->y_zero_point };
	for (uint32_t k = 0; k < 6; k++)
		if (!eml_fast_input_constant(ctx, params[k]))
			return EDGEML_OK;
	if (eml_q_scales(ctx, q->a_scale, &sa, &n) != EDGEML_OK ||
	    eml_q_scales(ctx, q->b_scale, &sb, &n) != EDGEML_OK ||
	    eml_q_scales(ctx, q->y_scale, &sc, &n) != EDGEML_OK)
		return EDGEML_OK;
	/* Strides over the output's dims, size-1 dims dropped, neighbours merged where both
	 * operands continue contiguously (or both stay broadcast). */
	int64_t s_a[EML_MAX_RANK], s_b[EML_MAX_RANK];
	int64_t dims[EML_MAX_RANK], ma[EML_MAX_RANK], mb[EML_MAX_RANK];
	bcast_strides(ta, tc, s_a);
	bcast_strides(tb, tc, s_b);
	uint32_t r = 0;
	for (uint32_t d = 0; d < tc->rank; d++) {
		if (tc->dims[d] == 1)
			continue;
		if (r > 0 && ma[r - 1] == s_a[d] * tc->dims[d] && mb[r - 1] == s_b[d] * tc->dims[d]) {
			dims[r - 1] *= tc->dims[d];
			ma[r - 1] = s_a[d];
			mb[r - 1] = s_b[d];
			continue;
		}
		dims[r] = tc->dims[d];
		ma[r] = s_a[d];
		mb[r] = s_b[d];
		r++;
	}
	if (r == 0) { /* one element */
		dims[0] = 1;
		ma[0] = mb[0] = 1;
		r = 1;
	}
	/* The row: the innermost dim, where one operand must be contiguous. */
	int swap = ma[r - 1] == 0;
	if (swap) {
		for (uint32_t d = 0; d < r; d++) {
			int64_t t = ma[d];
			ma[d] = mb[d];
			mb[d] = t;
		}
	}
	if (ma[r - 1] != 1 || (mb[r - 1] != 0 && mb[r - 1] != 1))
		return EDGEML_OK;
	const eml_cpu_kernels *kt = eml_cpu_kernels_for(isa);
	qmul_op *op = calloc(1, sizeof(*op));
	if (!op)
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for a multiply");
	op->fn = kt->qmul ? kt->qmul : qmul_c;
	op->base = (eml_fast_op){ qmul_run_op, qmul_destroy, kt->qmul ? "qs8-vmul" : "qs8-vmul-c",
				  0, 0 };
	op->swap = swap;
	op->rank = r - 1;
	for (uint32_t d = 0; d + 1 < r; d++) {
		op->dims[d] = dims[d];
		op->sa[d] = ma[d];
		op->sb[d] = mb[d];
	}
	op->inner = (size_t)dims[r - 1];
	op->rows = (size_t)eml_tensor_numel(tc) / op->inner;
	if (op->inner >= QMUL_CHUNK) {
		op->row_chunks = (op->inner + QMUL_CHUNK - 1) / QMUL_CHUNK;
		op->tasks = op->rows * op->row_chunks;
	} else {
		op->row_chunks = 1;
		op->rows_per_task = QMUL_CHUNK / op->inner;
		op->tasks = (op->rows + op->rows_per_task - 1) / op->rows_per_task;
	}
	/* The reference's constants, in its order. */
	int32_t zc = eml_q_zero_point(ctx, q->y_zero_point, 0), lo, hi;
	eml_q_activation_range(tc->dtype, q->act_min, q->act_max, sc[0], zc, &lo, &hi);
	int32_t za = eml_q_zero_point(ctx, q->a_zero_point, 0);
	int32_t zb = eml_q_zero_point(ctx, q->b_zero_point, 0);
	op->args = (eml_qmul_args){
		.b_step = (size_t)mb[r - 1],
		.is_signed = tc->dtype == EDGEML_DTYPE_INT8,
		.za = swap ? zb : za, .zb = swap ? za : zb,
		.ratio = eml_requant_multiplier(sa[0], sb[0], sc[0]), .zc = (float)zc,
		.lo = (float)lo, .hi = (float)hi,
	};
	*out = &op->base;
	return EDGEML_OK;
}
