/* fbatchnorm.c — float inference BatchNormalization with constant scale, B, mean and var on
 * the fast path (DenseNet's pre-activation blocks: a BatchNormalization after a Concat, with
 * no Conv before it to fold into). Each channel's factor k = scale / sqrtf(var + eps) and
 * offset b = B - mean * k are computed once at prepare, with the reference's expressions;
 * then y = x * k + b, a multiply and an add (no contraction): bit-identical to
 * ref_normalize.c. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/operators/operators.h"
#include "error.h"
#include "ops/op_params.h"
#include "ops/ops.h"

/* Elements per task, at least. */
#define BN_CHUNK 16384

typedef struct fbatchnorm_op {
	eml_fast_op base;
	size_t channels, planes, inner, planes_per_task;
	float *k, *b; /* per channel */
	uint32_t tasks;
} fbatchnorm_op;

typedef struct fbatchnorm_run {
	const fbatchnorm_op *op;
	const float *x;
	float *y;
} fbatchnorm_run;

/* Four lanes of floats (GCC / clang vector extension: SSE on x86-64, NEON on AArch64). */
typedef float f32x4 __attribute__((vector_size(16)));

/* y[i] = x[i] * k + b for i < n; x and y may be the same array. */
static void affine(const float *x, float *y, size_t n, float k, float b)
{
	size_t i = 0;
	f32x4 kv = { k, k, k, k }, bv = { b, b, b, b };
	for (; i + 8 <= n; i += 8) {
		f32x4 v0, v1;
		memcpy(&v0, x + i, sizeof(v0));
		memcpy(&v1, x + i + 4, sizeof(v1));
		v0 = v0 * kv;
		v1 = v1 * kv;
		v0 = v0 + bv;
		v1 = v1 + bv;
		memcpy(y + i, &v0, sizeof(v0));
		memcpy(y + i + 4, &v1, sizeof(v1));
	}
	for (; i < n; i++) {
		float t = x[i] * k;
		y[i] = t + b;
	}
}

/* A task: planes_per_task (image, channel) planes. */
static void fbatchnorm_task(void *arg, uint32_t task, uint32_t thread)
{
	(void)thread;
	const fbatchnorm_run *r = arg;
	const fbatchnorm_op *op = r->op;
	size_t p0 = (size_t)task * op->planes_per_task;
	size_t p1 = p0 + op->planes_per_task < op->planes ? p0 + op->planes_per_task : op->planes;
	for (size_t p = p0; p < p1; p++) {
		size_t c = p % op->channels;
		affine(r->x + p * op->inner, r->y + p * op->inner, op->inner, op->k[c], op->b[c]);
	}
}

static edgeml_status fbatchnorm_run_op(const eml_fast_op *base, const eml_kernel_ctx *ctx,
				       const eml_fast_env *env)
{
	const fbatchnorm_op *op = (const fbatchnorm_op *)base;
	fbatchnorm_run r = { op, ctx->in_data[0], ctx->out_data[0] };
	eml_threadpool_run(eml_fast_pool(env, op->planes * op->inner * 2), fbatchnorm_task, &r,
			   op->tasks);
	return EDGEML_OK;
}

static void fbatchnorm_destroy(eml_fast_op *base)
{
	fbatchnorm_op *op = (fbatchnorm_op *)base;
	free(op->k);
	free(op->b);
	free(op);
}

/* Prepares a float BatchNormalization (one output) whose four parameter inputs are
 * constants. */
edgeml_status eml_fast_fbatchnorm_prepare(const eml_kernel_ctx *ctx, uint32_t threads,
					  eml_fast_op **out)
{
	const eml_tensor *x = ctx->in[0];
	eml_op_params tmp;
	const eml_op_params *prm;
	if (ctx->node->n_inputs != 5 || ctx->node->n_outputs != 1 ||
	    x->dtype != EDGEML_DTYPE_FLOAT32 || ctx->out[0]->dtype != EDGEML_DTYPE_FLOAT32 ||
	    x->rank < 2 || eml_tensor_numel(x) < 1)
		return EDGEML_OK;
	for (uint32_t k = 1; k < 5; k++)
		if (!ctx->in[k] || ctx->in[k]->dtype != EDGEML_DTYPE_FLOAT32 ||
		    !eml_fast_input_constant(ctx, k) || eml_tensor_numel(ctx->in[k]) != x->dims[1])
			return EDGEML_OK;
	if (eml_node_params(NULL, ctx->node, ctx->in, &tmp, &prm) != EDGEML_OK)
		return EDGEML_OK; /* the reference reports what is wrong */
	fbatchnorm_op *op = calloc(1, sizeof(*op));
	if (!op)
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for a batch normalization");
	op->base.run = fbatchnorm_run_op;
	op->base.destroy = fbatchnorm_destroy;
	op->base.kernel = "f32-batchnorm";
	op->channels = (size_t)x->dims[1];
	op->planes = (size_t)(x->dims[0] * x->dims[1]);
	op->inner = (size_t)eml_tensor_numel(x) / op->planes;
	op->k = malloc(op->channels * sizeof(float));
	op->b = malloc(op->channels * sizeof(float));
	if (!op->k || !op->b) {
		fbatchnorm_destroy(&op->base);
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for a batch normalization");
	}
	const float *scale = ctx->in_data[1], *bias = ctx->in_data[2];
	const float *mean = ctx->in_data[3], *var = ctx->in_data[4];
	float eps = prm->batchnorm.epsilon;
	for (size_t c = 0; c < op->channels; c++) {
		/* the reference's expressions, statement for statement */
		float k = scale[c] / sqrtf(var[c] + eps);
		float b = bias[c] - mean[c] * k;
		op->k[c] = k;
		op->b[c] = b;
	}
	/* enough tasks for every thread, each at least BN_CHUNK elements */
	size_t per = (BN_CHUNK + op->inner - 1) / op->inner;
	size_t want = (size_t)threads * EML_FAST_TASKS_PER_THREAD;
	size_t even = (op->planes + want - 1) / want;
	op->planes_per_task = per > even ? per : even;
	op->tasks = (uint32_t)((op->planes + op->planes_per_task - 1) / op->planes_per_task);
	*out = &op->base;
	return EDGEML_OK;
}
