/* fmatmul.c — float MatMul on the fast path when B is a run-time tensor (attention's Q K^T
 * and P V) or a constant that is not one 2-D matrix, with numpy's 1-D promotion and batch
 * broadcasting. Nothing is packed at prepare time and B is not copied per run: the f32 GEMM
 * micro-kernel reads B's row kk of a panel through off[kk] = kk * N, straight from the
 * tensor, for every panel of a full NR columns (those never read past the matrix); only the
 * last, narrower panel is copied per task into scratch ([k][nr], 0 past N), once for all
 * the row blocks the task sweeps (attention's P V with 16-wide heads has no full panel:
 * copied per row block, it cost more than the products). Rows of A are packed per task in
 * blocks of mr ([k][mr]), as fgemm.c does. The kernel sums each output's
 * K terms in order, one fmaf each, as eml_ref_MatMul does: bit-identical to the reference,
 * so the operator also runs under EDGEML_SESSION_EXACT_FLOAT. */
#include <stdlib.h>
#include <string.h>

#include "cpu/f32_ukernels.h"
#include "cpu/kernels.h"
#include "cpu/operators/operators.h"
#include "error.h"
#include "ops/op_params.h"
#include "ops/ops.h"

typedef struct fmatmul_op {
	eml_fast_op base;
	const eml_f32_gemm_ukernel *uk;
	eml_matmul_shape shape;
	size_t m, k, n;
	float lo, hi;
	size_t blocks, panels, full; /* full: panels of NR columns read in place */
	size_t n_chunks, n_chunk;    /* n_chunk in panels */
	size_t m_chunks, m_chunk;    /* m_chunk in row blocks */
	size_t *off;		     /* [k] kk * N, then [k] kk * NR (the copied tail panel) */
	eml_f32_pack_a_fn pack_a;    /* whole blocks of A, or NULL: the loop */
} fmatmul_op;

typedef struct fmatmul_run {
	const fmatmul_op *op;
	const float *a, *b;
	float *y;
	const eml_fast_env *env;
} fmatmul_run;

static void fmatmul_destroy(eml_fast_op *base)
{
	fmatmul_op *op = (fmatmul_op *)base;
	free(op->off);
	free(op);
}

/* One task: a chunk of row blocks (mr rows each) of one output matrix against one chunk of
 * its panels. */
static void fmatmul_task(void *arg, uint32_t task, uint32_t thread)
{
	const fmatmul_run *r = arg;
	const fmatmul_op *op = r->op;
	const eml_f32_gemm_ukernel *uk = op->uk;
	size_t per_mat = op->m_chunks * op->n_chunks;
	size_t t = task / per_mat, rest = task % per_mat;
	size_t b0 = rest / op->n_chunks * op->m_chunk, j0 = (rest % op->n_chunks) * op->n_chunk;
	size_t b1 = b0 + op->m_chunk < op->blocks ? b0 + op->m_chunk : op->blocks;
	size_t j1 = j0 + op->n_chunk < op->panels ? j0 + op->n_chunk : op->panels;
	int64_t ma, mb;
	eml_matmul_batch(&op->shape, (int64_t)t, &ma, &mb);
	const float *ap = r->a + (size_t)ma * op->m * op->k;
	const float *bp = r->b + (size_t)mb * op->k * op->n;
	float *yp = r->y + t * op->m * op->n;
	float *a = (float *)r->env->scratch[thread];
	float *tail = a + op->k * uk->mr;
	/* the narrower last panel, when this task has it: [k][nr], 0 past N */
	size_t ct = op->full * uk->nr, nt = op->n - ct;
	if (j1 > op->full) {
		for (size_t p = 0; p < op->k; p++) {
			memcpy(tail + p * uk->nr, bp + p * op->n + ct, nt * sizeof(float));
			memset(tail + p * uk->nr + nt, 0, (uk->nr - nt) * sizeof(float));
		}
	}
	eml_f32_minmax ep = {
		.col_bias = NULL, .alpha = 1.0f, .scale = 0, .lo = op->lo, .hi = op->hi,
	};
	for (size_t blk = b0; blk < b1; blk++) {
		size_t i0 = blk * uk->mr;
		uint32_t mr = (uint32_t)(op->m - i0 < uk->mr ? op->m - i0 : uk->mr);
		if (op->pack_a && mr == uk->mr)
			op->pack_a(ap + i0 * op->k, op->k, op->k, a);
		else
			for (size_t p = 0; p < op->k; p++)
				for (uint32_t i = 0; i < uk->mr; i++)
					a[p * uk->mr + i] =
						i < mr ? ap[(i0 + i) * op->k + p] : 0.0f;
		for (size_t j = j0; j < j1; j++) {
			size_t c0 = j * uk->nr;
			uint32_t nr = (uint32_t)(op->n - c0 < uk->nr ? op->n - c0 : uk->nr);
			if (j < op->full)
				uk->fn(mr, nr, op->k, a, bp + c0, op->off, yp + i0 * op->n + c0,
				       op->n, &ep);
			else
				uk->fn(mr, nr, op->k, a, tail, op->off + op->k,
				       yp + i0 * op->n + c0, op->n, &ep);
		}
	}
}

static edgeml_status fmatmul_run_op(const eml_fast_op *base, const eml_kernel_ctx *ctx,
				    const eml_fast_env *env)
{
	const fmatmul_op *op = (const fmatmul_op *)base;
	fmatmul_run r = { op, ctx->in_data[0], ctx->in_data[1], ctx->out_data[0], env };
	size_t batches = (size_t)op->shape.batches;
	eml_threadpool_run(eml_fast_pool(env, batches * op->m * op->k * op->n), fmatmul_task, &r,
			   (uint32_t)(batches * op->m_chunks * op->n_chunks));
	return EDGEML_OK;
}

edgeml_status eml_fast_fmatmul_prepare(const eml_kernel_ctx *ctx, eml_isa isa, uint32_t threads,
				       eml_fast_op **out)
{
	const eml_tensor *ta = ctx->in[0], *tb = ctx->in[1], *ty = ctx->out[0];
	const eml_f32_gemm_ukernel *uk = eml_cpu_kernels_for(isa)->f32_gemm;
	eml_op_params tmp;
	const eml_op_params *prm;
	if (!uk || ctx->node->op != EML_OP_MatMul || ta->dtype != EDGEML_DTYPE_FLOAT32 ||
	    tb->dtype != EDGEML_DTYPE_FLOAT32 || ty->dtype != EDGEML_DTYPE_FLOAT32 ||
	    eml_node_params(NULL, ctx->node, ctx->in, &tmp, &prm) != EDGEML_OK)
		return EDGEML_OK; /* the reference runs it, or reports what is wrong */
	const eml_matmul_shape *s = &prm->matmul.shape;
	if (s->m <= 0 || s->k <= 0 || s->n <= 0 || s->batches <= 0 ||
	    (uint64_t)s->batches * (uint64_t)s->m * (uint64_t)s->n > UINT32_MAX)
		return EDGEML_OK; /* empty, or more tasks than the pool counts: the reference */
	fmatmul_op *op = calloc(1, sizeof(*op));
	if (!op)
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for a matrix product");
	op->base.run = fmatmul_run_op;
	op->base.destroy = fmatmul_destroy;
	op->base.kernel = uk->name;
	op->uk = uk;
	const eml_cpu_kernels *kt = eml_cpu_kernels_for(isa);
	if (kt->f32_pack_a && kt->f32_pack_a_mr == uk->mr)
		op->pack_a = kt->f32_pack_a;
	op->shape = *s;
	op->m = (size_t)s->m;
	op->k = (size_t)s->k;
	op->n = (size_t)s->n;
	op->lo = prm->matmul.act_min;
	op->hi = prm->matmul.act_max;
	op->panels = (op->n + uk->nr - 1) / uk->nr;
	op->full = op->n / uk->nr;
	op->blocks = (op->m + uk->mr - 1) / uk->mr;
	op->off = calloc(2 * op->k, sizeof(size_t));
	if (!op->off) {
		fmatmul_destroy(&op->base);
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for a matrix product");
	}
	for (size_t p = 0; p < op->k; p++) {
		op->off[p] = p * op->n;
		op->off[op->k + p] = p * uk->nr;
	}
	/* enough tasks for every thread: chunks of panels */
	size_t per = (size_t)s->batches;
	op->n_chunks = 1;
	while (threads > 1 && op->n_chunks < op->panels &&
	       per * op->n_chunks < EML_FAST_TASKS_PER_THREAD * (size_t)threads)
		op->n_chunks++;
	op->n_chunk = (op->panels + op->n_chunks - 1) / op->n_chunks;
	op->n_chunks = (op->panels + op->n_chunk - 1) / op->n_chunk;
	/* then, while there are still too few, chunks of row blocks (at 1 thread, a task
	 * sweeps every row block of its matrix) */
	op->m_chunks = 1;
	while (threads > 1 && op->m_chunks < op->blocks &&
	       (size_t)s->batches * op->n_chunks * op->m_chunks <
		       EML_FAST_TASKS_PER_THREAD * (size_t)threads)
		op->m_chunks++;
	op->m_chunk = (op->blocks + op->m_chunks - 1) / op->m_chunks;
	op->m_chunks = (op->blocks + op->m_chunk - 1) / op->m_chunk;
	op->base.scratch = op->k * (uk->mr + uk->nr) * sizeof(float);
	*out = &op->base;
	return EDGEML_OK;
}
