/* fgemm.c — float Gemm and MatMul on the fast path when B is a constant 2-D matrix:
 * B' is packed once into panels of nr columns ([k][nr] each), rows of A' are packed per run
 * in blocks of mr ([k][mr]), and each tile goes straight into Y. Gemm's C must be a
 * constant broadcast along the rows (a scalar, [N] or [1, N]); beta * C is folded once, the
 * product the reference computes per element. */
#include <stdlib.h>
#include <string.h>

#include "cpu/f32_ukernels.h"
#include "cpu/kernels.h"
#include "cpu/operators/operators.h"
#include "ops/op_params.h"
#include "error.h"
#include "ops/infer_helpers.h"
#include "ops/ops.h"

typedef struct fgemm_op {
	eml_fast_op base;
	const eml_f32_gemm_ukernel *uk;
	size_t m, k, n;	 /* Y is m x n, A' m x k */
	size_t a_si, a_sp; /* element (i, p) of A' at a[i * a_si + p * a_sp] */
	float *b;	   /* panels of B': ceil(n / nr) x [k][nr], 0 past n */
	float *bias;	   /* beta * C per column (0 past n), or NULL */
	size_t *off;	   /* per k: k * nr */
	float alpha, lo, hi;
	size_t blocks, panels, n_chunks, n_chunk; /* n_chunk in panels */
	eml_f32_pack_a_fn pack_a; /* whole blocks of row-major A, or NULL: the loop */
} fgemm_op;

typedef struct fgemm_run {
	const fgemm_op *op;
	const float *a;
	float *y;
	const eml_fast_env *env;
} fgemm_run;

/* Frees the op and its packed weights. */
static void fgemm_destroy(eml_fast_op *base)
{
	fgemm_op *op = (fgemm_op *)base;
	free(op->b);
	free(op->bias);
	free(op->off);
	free(op);
}

/* One task: a block of mr rows of A' against one chunk of B's panels. */
static void fgemm_task(void *arg, uint32_t task, uint32_t thread)
{
	const fgemm_run *r = arg;
	const fgemm_op *op = r->op;
	const eml_f32_gemm_ukernel *uk = op->uk;
	size_t blk = task / op->n_chunks, j0 = (task % op->n_chunks) * op->n_chunk;
	size_t j1 = j0 + op->n_chunk < op->panels ? j0 + op->n_chunk : op->panels;
	size_t i0 = blk * uk->mr;
	uint32_t mr = (uint32_t)(op->m - i0 < uk->mr ? op->m - i0 : uk->mr);
	float *a = (float *)r->env->scratch[thread];
	if (op->pack_a && mr == uk->mr)
		op->pack_a(r->a + i0 * op->a_si, op->a_si, op->k, a);
	else
		for (size_t p = 0; p < op->k; p++)
			for (uint32_t i = 0; i < uk->mr; i++)
				a[p * uk->mr + i] =
					i < mr ? r->a[(i0 + i) * op->a_si + p * op->a_sp] : 0.0f;
	for (size_t j = j0; j < j1; j++) {
		size_t c0 = j * uk->nr;
		uint32_t nr = (uint32_t)(op->n - c0 < uk->nr ? op->n - c0 : uk->nr);
		eml_f32_minmax ep = {
			.col_bias = op->bias ? op->bias + c0 : NULL,
			.alpha = op->alpha, .scale = op->alpha != 1.0f,
			.lo = op->lo, .hi = op->hi,
		};
		uk->fn(mr, nr, op->k, a, op->b + j * op->k * uk->nr, op->off,
		       r->y + i0 * op->n + c0, op->n, &ep);
	}
}

/* Runs the node over the pool. */
static edgeml_status fgemm_run_op(const eml_fast_op *base, const eml_kernel_ctx *ctx,
				  const eml_fast_env *env)
{
	const fgemm_op *op = (const fgemm_op *)base;
	fgemm_run r = { op, ctx->in_data[0], ctx->out_data[0], env };
	eml_threadpool_run(eml_fast_pool(env, op->m * op->k * op->n), fgemm_task, &r,
			   (uint32_t)(op->blocks * op->n_chunks));
	return EDGEML_OK;
}

/* Whether Gemm's C suits the fast path: absent, or a constant scalar or row of N. */
static int gemm_c_fits(const eml_kernel_ctx *ctx)
{
	const eml_tensor *c = ctx->node->n_inputs > 2 ? ctx->in[2] : NULL;
	if (!c)
		return 1;
	if (c->dtype != EDGEML_DTYPE_FLOAT32 || !eml_fast_input_constant(ctx, 2))
		return 0;
	int64_t n = ctx->out[0]->dims[1], numel = eml_tensor_numel(c);
	/* a scalar, or one row of N: every row of Y adds the same C */
	return numel == 1 || (numel == n && c->dims[c->rank - 1] == n);
}

/* Prepares a float Gemm or MatMul with a constant 2-D B. */
edgeml_status eml_fast_fgemm_prepare(const eml_kernel_ctx *ctx, eml_isa isa, uint32_t threads,
				     eml_fast_op **out)
{
	const eml_tensor *ta_t = ctx->in[0], *tb_t = ctx->in[1], *ty = ctx->out[0];
	const eml_f32_gemm_ukernel *uk = eml_cpu_kernels_for(isa)->f32_gemm;
	int is_gemm = ctx->node->op == EML_OP_Gemm;
	eml_op_params tmp;
	const eml_op_params *prm;
	if (!uk || ta_t->dtype != EDGEML_DTYPE_FLOAT32 || tb_t->dtype != EDGEML_DTYPE_FLOAT32 ||
	    ty->dtype != EDGEML_DTYPE_FLOAT32 || tb_t->rank != 2 || ta_t->rank < 1 ||
	    !eml_fast_input_constant(ctx, 1) || (is_gemm && (ta_t->rank != 2 || !gemm_c_fits(ctx))) ||
	    eml_node_params(NULL, ctx->node, ctx->in, &tmp, &prm) != EDGEML_OK)
		return EDGEML_OK; /* the reference runs it, or reports what is wrong */
	int64_t ta = is_gemm ? prm->gemm.trans_a : 0, tb = is_gemm ? prm->gemm.trans_b : 0;
	float alpha = is_gemm ? prm->gemm.alpha : 1.0f, beta = is_gemm ? prm->gemm.beta : 1.0f;
	float lo = is_gemm ? prm->gemm.act_min : prm->matmul.act_min;
	float hi = is_gemm ? prm->gemm.act_max : prm->matmul.act_max;
	fgemm_op *op = calloc(1, sizeof(*op));
	if (!op)
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for a matrix product");
	op->base.run = fgemm_run_op;
	op->base.destroy = fgemm_destroy;
	op->base.kernel = uk->name;
	op->uk = uk;
	op->k = (size_t)tb_t->dims[tb ? 1 : 0];
	op->n = (size_t)tb_t->dims[tb ? 0 : 1];
	op->m = op->k ? (size_t)eml_tensor_numel(ta_t) / op->k : 0;
	if (op->m == 0 || op->n == 0 || op->k == 0) {
		/* an empty product: the reference handles it */
		fgemm_destroy(&op->base);
		return EDGEML_OK;
	}
	op->a_si = ta ? 1 : op->k;
	op->a_sp = ta ? op->m : 1;
	const eml_cpu_kernels *kt = eml_cpu_kernels_for(isa);
	if (!ta && kt->f32_pack_a && kt->f32_pack_a_mr == uk->mr)
		op->pack_a = kt->f32_pack_a;
	op->alpha = alpha;
	op->lo = lo;
	op->hi = hi;
	op->panels = (op->n + uk->nr - 1) / uk->nr;
	op->blocks = (op->m + uk->mr - 1) / uk->mr;
	const float *b = ctx->in_data[1];
	const float *c = is_gemm && ctx->node->n_inputs > 2 ? ctx->in_data[2] : NULL;
	op->b = calloc(op->panels * uk->nr * op->k, sizeof(float));
	op->off = calloc(op->k, sizeof(size_t));
	op->bias = c ? calloc(op->panels * uk->nr, sizeof(float)) : NULL;
	if (!op->b || !op->off || (c && !op->bias)) {
		fgemm_destroy(&op->base);
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for matrix weights");
	}
	size_t b_sp = tb ? 1 : op->n, b_sj = tb ? op->k : 1;
	for (size_t j = 0; j < op->n; j++)
		for (size_t p = 0; p < op->k; p++)
			op->b[((j / uk->nr) * op->k + p) * uk->nr + j % uk->nr] =
				b[p * b_sp + j * b_sj];
	int64_t c_numel = c ? eml_tensor_numel(ctx->in[2]) : 0;
	for (size_t j = 0; c && j < op->n; j++)
		op->bias[j] = beta * c[c_numel == 1 ? 0 : j];
	for (size_t p = 0; p < op->k; p++)
		op->off[p] = p * uk->nr;
	/* enough tasks for every thread: chunks of panels */
	op->n_chunks = 1;
	while (threads > 1 && op->n_chunks < op->panels &&
	       op->blocks * op->n_chunks < EML_FAST_TASKS_PER_THREAD * (size_t)threads)
		op->n_chunks++;
	op->n_chunk = (op->panels + op->n_chunks - 1) / op->n_chunks;
	op->n_chunks = (op->panels + op->n_chunk - 1) / op->n_chunk;
	op->base.scratch = op->k * uk->mr * sizeof(float);
	*out = &op->base;
	return EDGEML_OK;
}
