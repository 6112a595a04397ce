/* flayernorm.c — float LayerNormalization on the fast path: per row, the mean and the
 * variance in double as the reference (two passes, here in four partial sums each), then
 * y = (float)(x - mean) * (float)invstd * scale + bias in float over contiguous Scale and B
 * (expanded once per run when they broadcast). Mean and InvStdDev, when the node has them,
 * are the reference's bits only up to the partial sums' order. Within the float tolerance of
 * docs/ops.md, not bit-identical: declined under EDGEML_SESSION_EXACT_FLOAT. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/kernels.h"
#include "cpu/operators/operators.h"
#include "error.h"
#include "ops/op_params.h"
#include "ops/ops.h"

typedef struct flayernorm_op {
	eml_fast_op base;
	eml_layernorm_params p;
	eml_f32_layernorm_fn row; /* the level's row kernel, or NULL: the loop below */
	int scale_dense, bias_dense; /* of len elements: no broadcast to expand */
	uint32_t nr;		/* normalized dims */
	int64_t dims[EML_MAX_RANK]; /* their sizes */
	int64_t per_task;
	uint32_t tasks;
} flayernorm_op;

typedef struct flayernorm_run {
	const flayernorm_op *op;
	const float *x, *scale, *bias;
	float *y, *mean, *inv;
} flayernorm_run;

static void flayernorm_task(void *arg, uint32_t task, uint32_t thread)
{
	(void)thread;
	const flayernorm_run *r = arg;
	const flayernorm_op *op = r->op;
	int64_t len = op->p.len, r0 = (int64_t)task * op->per_task;
	int64_t r1 = r0 + op->per_task < op->p.rows ? r0 + op->per_task : op->p.rows;
	for (int64_t row = r0; row < r1 && op->row; row++) {
		float m, fi;
		op->row(r->x + row * len, (size_t)len, r->scale, r->bias, op->p.epsilon,
			r->y + row * len, &m, &fi);
		if (r->mean)
			r->mean[row] = m;
		if (r->inv)
			r->inv[row] = fi;
	}
	for (int64_t row = r0; row < r1 && !op->row; row++) {
		const float *x = r->x + row * len;
		float *y = r->y + row * len;
		double s[4] = { 0.0, 0.0, 0.0, 0.0 };
		int64_t i = 0;
		for (; i + 4 <= len; i += 4)
			for (int u = 0; u < 4; u++)
				s[u] += x[i + u];
		for (; i < len; i++)
			s[0] += x[i];
		double mean = ((s[0] + s[1]) + (s[2] + s[3])) / (double)len;
		double q[4] = { 0.0, 0.0, 0.0, 0.0 };
		for (i = 0; i + 4 <= len; i += 4)
			for (int u = 0; u < 4; u++)
				q[u] += ((double)x[i + u] - mean) * ((double)x[i + u] - mean);
		for (; i < len; i++)
			q[0] += ((double)x[i] - mean) * ((double)x[i] - mean);
		double inv = 1.0 / sqrt(((q[0] + q[1]) + (q[2] + q[3])) / (double)len +
					(double)op->p.epsilon);
		float fi = (float)inv;
		if (r->bias)
			for (i = 0; i < len; i++)
				y[i] = (float)((double)x[i] - mean) * fi * r->scale[i] + r->bias[i];
		else
			for (i = 0; i < len; i++)
				y[i] = (float)((double)x[i] - mean) * fi * r->scale[i];
		if (r->mean)
			r->mean[row] = (float)mean;
		if (r->inv)
			r->inv[row] = fi;
	}
}

/* t (strides st over the normalized dims) expanded to their len elements at dst. */
static void expand(const flayernorm_op *op, const float *t, const int64_t *st, float *dst)
{
	int64_t idx[EML_MAX_RANK] = { 0 }, off = 0;
	for (int64_t i = 0; i < op->p.len; i++) {
		dst[i] = t[off];
		for (uint32_t d = op->nr; d-- > 0;) {
			off += st[d];
			if (++idx[d] < op->dims[d])
				break;
			off -= st[d] * op->dims[d];
			idx[d] = 0;
		}
	}
}

static edgeml_status flayernorm_run_op(const eml_fast_op *base, const eml_kernel_ctx *ctx,
				       const eml_fast_env *env)
{
	const flayernorm_op *op = (const flayernorm_op *)base;
	const eml_node *n = ctx->node;
	flayernorm_run r = { .op = op, .x = ctx->in_data[0], .y = ctx->out_data[0] };
	float *sc = (float *)env->shared, *bi = sc + op->p.len;
	/* Scale and B of the normalized dims' own shape are read in place */
	r.scale = op->scale_dense ? ctx->in_data[1] : sc;
	if (!op->scale_dense)
		expand(op, ctx->in_data[1], op->p.scale_stride, sc);
	if (op->p.has_bias) {
		r.bias = op->bias_dense ? ctx->in_data[2] : bi;
		if (!op->bias_dense)
			expand(op, ctx->in_data[2], op->p.bias_stride, bi);
	}
	if (n->n_outputs > 1 && n->outputs[1] != EML_NO_TENSOR)
		r.mean = ctx->out_data[1];
	if (n->n_outputs > 2 && n->outputs[2] != EML_NO_TENSOR)
		r.inv = ctx->out_data[2];
	size_t work = (size_t)(op->p.rows * op->p.len) * 8;
	eml_threadpool_run(eml_fast_pool(env, work), flayernorm_task, &r, op->tasks);
	return EDGEML_OK;
}

static void flayernorm_destroy(eml_fast_op *base)
{
	free(base);
}

edgeml_status eml_fast_flayernorm_prepare(const eml_kernel_ctx *ctx, eml_isa isa,
					  uint32_t threads, int exact_float, eml_fast_op **out)
{
	const eml_node *n = ctx->node;
	eml_op_params tmp;
	const eml_op_params *prm;
	if (exact_float || n->op != EML_OP_LayerNormalization ||
	    ctx->in[0]->dtype != EDGEML_DTYPE_FLOAT32 ||
	    eml_node_params(NULL, n, ctx->in, &tmp, &prm) != EDGEML_OK)
		return EDGEML_OK; /* the reference runs it, or reports what is wrong */
	const eml_layernorm_params *p = &prm->layernorm;
	if (p->rows <= 0 || p->len <= 0 || p->rows > UINT32_MAX)
		return EDGEML_OK;
	flayernorm_op *op = calloc(1, sizeof(*op));
	if (!op)
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for a layer normalization");
	op->base.run = flayernorm_run_op;
	op->base.destroy = flayernorm_destroy;
	const eml_cpu_kernels *kt = eml_cpu_kernels_for(isa);
	op->row = kt->f32_layernorm;
	op->base.kernel = op->row ? kt->f32_layernorm_name : "f32-layernorm-c";
	op->base.shared = 2 * (size_t)p->len * sizeof(float);
	op->p = *p;
	op->nr = ctx->in[0]->rank - p->axis;
	memcpy(op->dims, ctx->in[0]->dims + p->axis, op->nr * sizeof(int64_t));
	op->scale_dense = eml_tensor_numel(ctx->in[1]) == p->len;
	op->bias_dense = p->has_bias && eml_tensor_numel(ctx->in[2]) == p->len;
	int64_t want = threads > 1 ? (int64_t)threads * EML_FAST_TASKS_PER_THREAD : 1;
	op->per_task = (p->rows + want - 1) / want;
	op->tasks = (uint32_t)((p->rows + op->per_task - 1) / op->per_task);
	*out = &op->base;
	return EDGEML_OK;
}
