/* frelu.c — float Relu on the fast path (DenseNet's pre-activation Relu after a
 * BatchNormalization, which nothing fuses into): y = x > 0 ? x : +0 over the tensor in
 * chunks across the pool, as a compare and a bitwise and on vectors. Bit-identical to the
 * reference (ref_activation.c): NaN and -0 give +0 there too. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/operators/operators.h"
#include "error.h"
#include "ops/ops.h"

/* Elements per task, at least. */
#define RELU_CHUNK 16384

typedef struct frelu_op {
	eml_fast_op base;
	size_t n, chunk;
	uint32_t tasks;
} frelu_op;

typedef struct frelu_run {
	const frelu_op *op;
	const float *x;
	float *y;
} frelu_run;

/* Four lanes (GCC / clang vector extension): a comparison gives all-ones lanes where true. */
typedef float f32x4 __attribute__((vector_size(16)));
typedef int32_t i32x4 __attribute__((vector_size(16)));

/* y[i] = x[i] > 0 ? x[i] : +0 for i < n; x and y may be the same array. */
static void relu(const float *x, float *y, size_t n)
{
	size_t i = 0;
	const f32x4 zero = { 0.0f, 0.0f, 0.0f, 0.0f };
	for (; i + 8 <= n; i += 8) {
		f32x4 v0, v1;
		memcpy(&v0, x + i, sizeof(v0));
		memcpy(&v1, x + i + 4, sizeof(v1));
		i32x4 m0 = v0 > zero, m1 = v1 > zero;
		m0 &= (i32x4)v0;
		m1 &= (i32x4)v1;
		memcpy(y + i, &m0, sizeof(m0));
		memcpy(y + i + 4, &m1, sizeof(m1));
	}
	for (; i < n; i++)
		y[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

static void frelu_task(void *arg, uint32_t task, uint32_t thread)
{
	(void)thread;
	const frelu_run *r = arg;
	size_t i0 = (size_t)task * r->op->chunk;
	size_t m = r->op->n - i0 < r->op->chunk ? r->op->n - i0 : r->op->chunk;
	relu(r->x + i0, r->y + i0, m);
}

static edgeml_status frelu_run_op(const eml_fast_op *base, const eml_kernel_ctx *ctx,
				  const eml_fast_env *env)
{
	const frelu_op *op = (const frelu_op *)base;
	frelu_run r = { op, ctx->in_data[0], ctx->out_data[0] };
	eml_threadpool_run(eml_fast_pool(env, op->n), frelu_task, &r, op->tasks);
	return EDGEML_OK;
}

static void frelu_destroy(eml_fast_op *base)
{
	free(base);
}

/* Prepares a float Relu. */
edgeml_status eml_fast_frelu_prepare(const eml_kernel_ctx *ctx, uint32_t threads,
				     eml_fast_op **out)
{
	if (ctx->in[0]->dtype != EDGEML_DTYPE_FLOAT32 ||
	    ctx->out[0]->dtype != EDGEML_DTYPE_FLOAT32)
		return EDGEML_OK;
	int64_t n = eml_tensor_numel(ctx->in[0]);
	if (n <= 0)
		return EDGEML_OK;
	frelu_op *op = calloc(1, sizeof(*op));
	if (!op)
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for an activation");
	op->base.run = frelu_run_op;
	op->base.destroy = frelu_destroy;
	op->base.kernel = "f32-relu";
	op->n = (size_t)n;
	size_t want = threads > 1 ? (size_t)threads * EML_FAST_TASKS_PER_THREAD : 1;
	size_t chunk = (op->n + want - 1) / want;
	op->chunk = chunk < RELU_CHUNK ? RELU_CHUNK : chunk;
	op->tasks = (uint32_t)((op->n + op->chunk - 1) / op->chunk);
	*out = &op->base;
	return EDGEML_OK;
}
