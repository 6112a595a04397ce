/* fbinary.c — float Add, Sub, Mul and Div on the fast path, with numpy broadcasting:
 * the output is walked as rows of its innermost run of dims over which each operand is
 * either contiguous or constant, so a row is one micro-kernel call (both operands vectors,
 * or one a scalar: same shapes, per-channel and scalar operands all take one call per row).
 * Rows, or chunks of a single long row, go over the pool. */
#include <math.h>
#include <stdlib.h>

#include "cpu/f32_ukernels.h"
#include "cpu/kernels.h"
#include "cpu/operators/operators.h"
#include "error.h"
#include "ops/broadcast.h"
#include "ops/infer_helpers.h"
#include "ops/ops.h"

/* Elements per task: large enough to amortise a task, small enough to balance threads. */
#define CHUNK 16384

typedef struct fbinary_op {
	eml_fast_op base;
	eml_f32_vbinary_fn fn;
	float lo, hi;
	uint32_t rank;			  /* outer dims (the row's excluded) */
	int64_t dims[EML_MAX_RANK];	  /* outer dims */
	int64_t stride[2][EML_MAX_RANK]; /* per operand, elements per step of an outer dim */
	size_t inner[2];		  /* per operand, elements per step along a row: 1 or 0 */
	size_t row, rows;		  /* row length, rows */
	size_t rows_per_task, chunks_per_row;
} fbinary_op;

typedef struct fbinary_run {
	const fbinary_op *op;
	const float *a, *b;
	float *y;
} fbinary_run;

/* Frees the op. */
static void fbinary_destroy(eml_fast_op *op)
{
	free(op);
}

/* Rows [r0, r1), or one chunk of one row when rows are split. */
static void fbinary_task(void *arg, uint32_t task, uint32_t thread)
{
	const fbinary_run *r = arg;
	const fbinary_op *op = r->op;
	size_t r0, r1, c0 = 0, c1 = op->row;
	(void)thread;
	if (op->chunks_per_row > 1) {
		r0 = task / op->chunks_per_row;
		r1 = r0 + 1;
		c0 = (task % op->chunks_per_row) * CHUNK;
		c1 = c0 + CHUNK < op->row ? c0 + CHUNK : op->row;
	} else {
		r0 = task * op->rows_per_task;
		r1 = r0 + op->rows_per_task < op->rows ? r0 + op->rows_per_task : op->rows;
	}
	/* the outer index of row r0, then stepped like an odometer */
	int64_t idx[EML_MAX_RANK], off[2] = { 0, 0 };
	size_t rest = r0;
	for (uint32_t d = op->rank; d-- > 0;) {
		idx[d] = (int64_t)(rest % (size_t)op->dims[d]);
		rest /= (size_t)op->dims[d];
		off[0] += idx[d] * op->stride[0][d];
		off[1] += idx[d] * op->stride[1][d];
	}
	for (size_t row = r0; row < r1; row++) {
		const float *a = r->a + off[0] + op->inner[0] * c0;
		const float *b = r->b + off[1] + op->inner[1] * c0;
		op->fn(c1 - c0, a, b, r->y + row * op->row + c0, op->lo, op->hi);
		for (uint32_t d = op->rank; d-- > 0;) {
			off[0] += op->stride[0][d];
			off[1] += op->stride[1][d];
			if (++idx[d] < op->dims[d])
				break;
			off[0] -= op->stride[0][d] * op->dims[d];
			off[1] -= op->stride[1][d] * op->dims[d];
			idx[d] = 0;
		}
	}
}

/* Runs the node over the pool. */
static edgeml_status fbinary_run_op(const eml_fast_op *base, const eml_kernel_ctx *ctx,
				    const eml_fast_env *env)
{
	const fbinary_op *op = (const fbinary_op *)base;
	fbinary_run r = { op, ctx->in_data[0], ctx->in_data[1], ctx->out_data[0] };
	size_t tasks = op->chunks_per_row > 1 ?
			       op->rows * op->chunks_per_row :
			       (op->rows + op->rows_per_task - 1) / op->rows_per_task;
	eml_threadpool_run(eml_fast_pool(env, op->rows * op->row), fbinary_task, &r,
			   (uint32_t)tasks);
	return EDGEML_OK;
}

/* The op's number for an ONNX op, or -1. */
static int binary_kind(uint32_t op)
{
	switch (op) {
	case EML_OP_Add:
		return EML_F32_ADD;
	case EML_OP_Sub:
		return EML_F32_SUB;
	case EML_OP_Mul:
		return EML_F32_MUL;
	case EML_OP_Div:
		return EML_F32_DIV;
	default:
		return -1;
	}
}

/* Prepares a float Add, Sub, Mul or Div: merges the output's dims into rows and picks the
 * micro-kernel of the row's form. */
edgeml_status eml_fast_fbinary_prepare(const eml_kernel_ctx *ctx, eml_isa isa,
				       eml_fast_op **out)
{
	const eml_tensor *ta = ctx->in[0], *tb = ctx->in[1], *ty = ctx->out[0];
	int kind = binary_kind(ctx->node->op);
	float lo = -INFINITY, hi = INFINITY;
	if (kind < 0 || ta->dtype != EDGEML_DTYPE_FLOAT32 || tb->dtype != EDGEML_DTYPE_FLOAT32 ||
	    ty->dtype != EDGEML_DTYPE_FLOAT32 || eml_tensor_numel(ty) < 1 ||
	    !(eml_cpu_kernels_for(isa)->f32_vbinary &&
	      eml_cpu_kernels_for(isa)->f32_vbinary[kind][EML_F32_VV]))
		return EDGEML_OK;
	/* the reference reads the fused bounds of Add only */
	if (kind == EML_F32_ADD) {
		eml_op_params tmp;
		const eml_op_params *prm;
		if (eml_node_params(NULL, ctx->node, ctx->in, &tmp, &prm) != EDGEML_OK)
			return EDGEML_OK;
		lo = prm->eltwise.act_min;
		hi = prm->eltwise.act_max;
	}
	int64_t sa[EML_MAX_RANK], sb[EML_MAX_RANK];
	eml_broadcast_strides(ta, ty->rank, ty->dims, sa);
	eml_broadcast_strides(tb, ty->rank, ty->dims, sb);
	/* the dims of the output but those of 1, merged where both operands step evenly
	 * across them: dims[0..n) outer to inner */
	int64_t dims[EML_MAX_RANK], st[2][EML_MAX_RANK];
	uint32_t n = 0;
	for (uint32_t d = 0; d < ty->rank; d++) {
		if (ty->dims[d] == 1)
			continue;
		if (n > 0 && st[0][n - 1] == sa[d] * ty->dims[d] &&
		    st[1][n - 1] == sb[d] * ty->dims[d]) {
			dims[n - 1] *= ty->dims[d];
			st[0][n - 1] = sa[d];
			st[1][n - 1] = sb[d];
			continue;
		}
		dims[n] = ty->dims[d];
		st[0][n] = sa[d];
		st[1][n] = sb[d];
		n++;
	}
	if (n == 0) {
		/* one element: a row of one, both operands vectors */
		dims[0] = 1;
		st[0][0] = st[1][0] = 1;
		n = 1;
	}
	/* the innermost dim's strides are 1 (the operand spans it) or 0 (it is broadcast) */
	int form = st[0][n - 1] && st[1][n - 1] ? EML_F32_VV :
		   st[0][n - 1]			? EML_F32_VC :
		   st[1][n - 1]			? EML_F32_CV :
						  -1;
	if (form < 0)
		return EDGEML_OK;
	fbinary_op *op = calloc(1, sizeof(*op));
	if (!op)
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for a binary op");
	op->base = (eml_fast_op){ fbinary_run_op, fbinary_destroy, "f32-vbinary", 0, 0 };
	op->fn = eml_cpu_kernels_for(isa)->f32_vbinary[kind][form];
	op->lo = lo;
	op->hi = hi;
	op->rank = n - 1;
	op->rows = 1;
	for (uint32_t d = 0; d + 1 < n; d++) {
		op->dims[d] = dims[d];
		op->stride[0][d] = st[0][d];
		op->stride[1][d] = st[1][d];
		op->rows *= (size_t)dims[d];
	}
	op->inner[0] = (size_t)st[0][n - 1];
	op->inner[1] = (size_t)st[1][n - 1];
	op->row = (size_t)dims[n - 1];
	op->chunks_per_row = (op->row + CHUNK - 1) / CHUNK;
	op->rows_per_task = op->row >= CHUNK ? 1 : CHUNK / op->row;
	*out = &op->base;
	return EDGEML_OK;
}
