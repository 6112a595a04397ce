/* qgemm.c — QLinearMatMul and QLinearGemm on the fast path when B is a constant 2-D
 * matrix with per-tensor or per-column parameters: B^T is packed once as the GEMM's weights
 * (one row per output column), each tile of A's rows is transposed into a packed x tile, and
 * each result tile is transposed back into Y. */
#include <stdlib.h>
#include <string.h>

#include "cpu/fast_gemm.h"
#include "cpu/kernels.h"
#include "cpu/operators/operators.h"
#include "cpu/ref/ref_qparams.h"
#include "ops/op_params.h"
#include "error.h"
#include "quant/quant.h"
#include "ops/ops.h"

/* Below this many multiply-adds a matmul takes the level's other GEMM where it has one
 * (eml_cpu_kernels.qgemm_alt): on AMX tiles transformer_tiny's projections (0.13-0.39 M each)
 * took 0.036 ms together against 0.028 on the VNNI kernel. */
#define QGEMM_ALT_MACS 1048576.0

typedef struct qgemm_op {
	eml_fast_op base;
	eml_fast_gemm gemm;
	size_t rows, k, n; /* Y is rows x n, A rows x k */
	size_t tiles, n_chunks, n_chunk;
	size_t staging, tile_bytes;
	int gemv; /* a few rows of A: one matrix-vector product per row */
	uint32_t a; /* A's input slot */
} qgemm_op;

typedef struct qgemm_run {
	const qgemm_op *op;
	const uint8_t *a;
	uint8_t *y;
	const eml_fast_env *env;
} qgemm_run;

/* Frees the op and its packed weights. */
static void qgemm_destroy(eml_fast_op *base)
{
	qgemm_op *op = (qgemm_op *)base;
	eml_fast_gemm_free(&op->gemm);
	free(op);
}

/* One task: a tile of nr rows of A against one chunk of B's columns. */
static void qgemm_task(void *arg, uint32_t task, uint32_t thread)
{
	const qgemm_run *r = arg;
	const qgemm_op *op = r->op;
	const eml_qgemm_ukernel *uk = op->gemm.uk;
	size_t ti = task / op->n_chunks, nc = task % op->n_chunks;
	size_t i0 = ti * uk->nr, j0 = nc * op->n_chunk;
	size_t j1 = j0 + op->n_chunk < op->n ? j0 + op->n_chunk : op->n;
	uint32_t nr = (uint32_t)(op->rows - i0 < uk->nr ? op->rows - i0 : uk->nr);
	uint8_t *stage = r->env->scratch[thread];
	uint8_t *tile = stage + op->staging;
	int32_t *xsum = (int32_t *)(tile + op->tile_bytes);
	uint8_t *out = (uint8_t *)(xsum + uk->nr);
	/* locals: the byte stores below may alias anything, which would reload fields of op */
	const size_t k = op->k, n = op->n, tnr = uk->nr;
	uint8_t *y = r->y;
	/* x[k][i] = A[i0 + i][k]: the tile's rows of A, transposed */
	for (uint32_t i = 0; i < nr; i++) {
		const uint8_t *row = r->a + (i0 + i) * k;
		uint8_t *col = stage + i;
		for (size_t kk = 0; kk < k; kk++)
			col[kk * tnr] = row[kk];
	}
	eml_pack_x(uk, stage, uk->nr, op->k, nr, op->gemm.flip, tile, op->gemm.wzp ? xsum : NULL);
	for (size_t j = j0; j < j1; j += uk->mr) {
		uint32_t mr = j1 - j < uk->mr ? (uint32_t)(j1 - j) : uk->mr;
		const uint8_t *w = (const uint8_t *)op->gemm.w + (j / uk->mr) * op->gemm.w_block;
		uk->fn(mr, nr, op->gemm.kq, w, tile, xsum, out, uk->nr, &op->gemm.out, (uint32_t)j);
		for (uint32_t i = 0; i < nr; i++) {
			uint8_t *yrow = y + (i0 + i) * n + j;
			for (uint32_t jj = 0; jj < mr; jj++)
				yrow[jj] = out[jj * tnr + i];
		}
	}
}

/* One task of the matrix-vector form: one row of A, moved into the kernel's domain and
 * padded with zeros, against one chunk of B's columns, straight into Y's row. */
static void gemv_task(void *arg, uint32_t task, uint32_t thread)
{
	const qgemm_run *r = arg;
	const qgemm_op *op = r->op;
	const eml_fast_gemm *gm = &op->gemm;
	const eml_qgemm_ukernel *uk = gm->uk;
	size_t i = task / op->n_chunks, j0 = (task % op->n_chunks) * op->n_chunk;
	size_t j1 = j0 + op->n_chunk < op->n ? j0 + op->n_chunk : op->n;
	const uint8_t *row = r->a + i * op->k;
	uint8_t *x = r->env->scratch[thread];
	uint32_t sum = 0; /* wraps as the GEMM's int32 column sums do */
	for (size_t kk = 0; kk < op->k; kk++) {
		x[kk] = row[kk] ^ gm->flip;
		sum += x[kk];
	}
	memset(x + op->k, 0, (gm->kq + 1) * uk->kc - op->k);
	uk->gemv(j1 - j0, gm->kq, (const uint8_t *)gm->w + (j0 / uk->mr) * gm->w_block,
		 gm->w_block, x, (int32_t)sum, r->y + i * op->n + j0, &gm->out, (uint32_t)j0);
}

/* Runs the node over the pool. */
static edgeml_status qgemm_run_op(const eml_fast_op *base, const eml_kernel_ctx *ctx,
				  const eml_fast_env *env)
{
	const qgemm_op *op = (const qgemm_op *)base;
	qgemm_run r = { op, ctx->in_data[op->a], ctx->out_data[0], env };
	eml_threadpool_run(eml_fast_pool(env, op->rows * op->k * op->n),
			   op->gemv ? gemv_task : qgemm_task, &r,
			   (uint32_t)(op->tiles * op->n_chunks));
	return EDGEML_OK;
}

/* Whether B is there and every input but A is absent or constant. */
static int params_constant(const eml_kernel_ctx *ctx, const eml_qgemm_io *io)
{
	for (uint32_t k = 0; k < ctx->node->n_inputs; k++)
		if (k != io->a && !eml_fast_input_constant(ctx, k))
			return 0;
	return ctx->in[io->b] != NULL;
}

/* Whether input k holds one value or n (a vector, or [1, n]). */
static int per_column(const eml_kernel_ctx *ctx, uint32_t k, int64_t n)
{
	if (k >= ctx->node->n_inputs || !ctx->in[k])
		return 1;
	int64_t c = eml_tensor_numel(ctx->in[k]);
	return c == 1 || c == n;
}

edgeml_status eml_fast_qgemm_prepare(const eml_kernel_ctx *ctx, eml_isa isa, uint32_t threads,
				     eml_fast_op **out)
{
	const eml_cpu_kernels *kt = eml_cpu_kernels_for(isa);
	const eml_qgemm_ukernel *uk = kt->qgemm;
	eml_op_params tmp;
	const eml_op_params *prm;
	eml_qgemm_io io;
	int64_t n_sa, n_sb, n_sy;
	const float *sa, *sb, *sy;
	if (!uk || eml_node_params(NULL, ctx->node, ctx->in, &tmp, &prm) != EDGEML_OK)
		return EDGEML_OK; /* the reference runs it, or reports what is wrong */
	/* QLinearGemm and QLinearMatMul in one form: named slots (ops/op_params.h) */
	eml_qgemm_io_of(ctx->node->op, prm, &io);
	if (!params_constant(ctx, &io))
		return EDGEML_OK;
	const eml_tensor *ta = ctx->in[io.a], *tb = ctx->in[io.b], *ty = ctx->out[0];
	if (tb->rank != 2 || ta->rank < 1 ||
	    (ta->dtype != EDGEML_DTYPE_INT8 && ta->dtype != EDGEML_DTYPE_UINT8) ||
	    (tb->dtype != EDGEML_DTYPE_INT8 && tb->dtype != EDGEML_DTYPE_UINT8) ||
	    (ty->dtype != EDGEML_DTYPE_INT8 && ty->dtype != EDGEML_DTYPE_UINT8))
		return EDGEML_OK;
	uint32_t k_as = io.a_scale, k_azp = io.a_zero_point, k_bs = io.b_scale;
	uint32_t k_bzp = io.b_zero_point, k_ys = io.y_scale, k_yzp = io.y_zero_point;
	int trans_a = io.trans_a, trans_b = io.trans_b;
	size_t k = (size_t)tb->dims[trans_b ? 1 : 0], n = (size_t)tb->dims[trans_b ? 0 : 1];
	if (trans_a || (size_t)ta->dims[ta->rank - 1] != k || eml_tensor_numel(ta) <= 0 ||
	    !per_column(ctx, k_bs, (int64_t)n) || !per_column(ctx, k_bzp, (int64_t)n) ||
	    eml_tensor_numel(ctx->in[k_as]) != 1 || !per_column(ctx, k_azp, 1) ||
	    eml_q_scales(ctx, k_as, &sa, &n_sa) != EDGEML_OK ||
	    eml_q_scales(ctx, k_bs, &sb, &n_sb) != EDGEML_OK ||
	    eml_q_scales(ctx, k_ys, &sy, &n_sy) != EDGEML_OK)
		return EDGEML_OK;
	qgemm_op *op = calloc(1, sizeof(*op));
	int32_t *wzp = calloc(n, sizeof(int32_t));
	float *mult = calloc(n, sizeof(float));
	edgeml_status st = EDGEML_OK;
	if (!op || !wzp || !mult)
		st = eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for a matmul");
	int32_t y_zp = eml_q_zero_point(ctx, k_yzp, 0), lo = 0, hi = 0;
	if (st == EDGEML_OK) {
		eml_q_activation_range(ty->dtype, io.act_min, io.act_max, sy[0], y_zp, &lo, &hi);
		for (size_t j = 0; j < n; j++)
			wzp[j] = eml_q_zero_point(ctx, k_bzp, (int64_t)j);
		eml_requant_multipliers(sa[0], sb, n_sb, sy[0], io.alpha, (int64_t)n, mult);

		op->k = k;
		op->n = n;
		op->rows = (size_t)eml_tensor_numel(ta) / k;
		/* a few rows, and small matmuls whose time goes to fixed costs per block (a
		 * small transformer's projections), run on the level's other GEMM */
		if (kt->qgemm_alt && ((op->rows <= 4 && !uk->gemv) ||
				      (double)op->rows * (double)n * (double)k < QGEMM_ALT_MACS))
			uk = kt->qgemm_alt;
		const int32_t *bias = NULL;
		if (io.bias != EML_NO_INPUT && io.bias < ctx->node->n_inputs && ctx->in[io.bias])
			bias = ctx->in_data[io.bias];
		op->a = io.a;
		eml_fast_gemm_desc d = {
			.w = ctx->in_data[io.b], .w_signed = tb->dtype == EDGEML_DTYPE_INT8,
			.m = n, .k = k, .row_stride = trans_b ? k : 1, .k_stride = trans_b ? 1 : n,
			.wzp = wzp, .bias = bias, .mult = mult,
			.x_signed = ta->dtype == EDGEML_DTYPE_INT8,
			.x_zp = eml_q_zero_point(ctx, k_azp, 0), .y_zp = y_zp, .lo = lo, .hi = hi,
			.key = ctx->node,
		};
		uk = eml_qgemm_ukernel_fit(uk, d.w, d.w_signed, d.m, d.k, d.row_stride,
					   d.k_stride);
		op->base = (eml_fast_op){ qgemm_run_op, qgemm_destroy, uk->name, 0, 0 };
		st = eml_fast_gemm_init(&op->gemm, uk, &d);
	}
	free(wzp);
	free(mult);
	if (st != EDGEML_OK) {
		if (op)
			qgemm_destroy(&op->base);
		return st;
	}
	/* Up to this many rows, one matrix-vector product per row uses the kernel's lanes
	 * better than a GEMM tile whose columns are mostly padding. */
	op->gemv = uk->gemv && op->rows <= 4;
	op->tiles = op->gemv ? op->rows : op->rows / uk->nr + (op->rows % uk->nr != 0);
	size_t blocks = n / uk->mr + (n % uk->mr != 0);
	op->n_chunks = 1;
	while (op->n_chunks < blocks &&
	       op->tiles * op->n_chunks < EML_FAST_TASKS_PER_THREAD * (size_t)threads && threads > 1)
		op->n_chunks++;
	op->n_chunk = (blocks + op->n_chunks - 1) / op->n_chunks * uk->mr;
	op->n_chunks = (n + op->n_chunk - 1) / op->n_chunk;
	op->tile_bytes = eml_fast_gemm_tile_bytes(&op->gemm);
	op->staging = (k * uk->nr + 63) / 64 * 64;
	op->base.scratch = op->staging + op->tile_bytes + uk->nr * 4 + (size_t)uk->mr * uk->nr;
	if (op->gemv)
		op->base.scratch = (op->gemm.kq + 1) * uk->kc;
	*out = &op->base;
	return EDGEML_OK;
}
