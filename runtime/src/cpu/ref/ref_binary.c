/* ref_binary.c — reference Add, Sub, Mul, Div with numpy broadcasting. */
#include "cpu/ref/ref_util.h"
#include "error.h"
#include "ops/broadcast.h"
#include "ops/infer_helpers.h"

enum binary_op { OP_ADD, OP_SUB, OP_MUL, OP_DIV };

/* Applies op on float32 with the fused clamp. */
static void binary_f32(const eml_kernel_ctx *ctx, enum binary_op op, float lo, float hi)
{
	const float *a = ctx->in_data[0], *b = ctx->in_data[1];
	float *y = ctx->out_data[0];
	eml_bcast_iter it;
	eml_bcast_iter_init(&it, ctx->in[0], ctx->in[1], ctx->out[0]);
	int64_t n = eml_tensor_numel(ctx->out[0]);
	for (int64_t i = 0; i < n; i++, eml_bcast_iter_next(&it)) {
		float x = a[it.off[0]], z = b[it.off[1]], v;
		switch (op) {
		case OP_ADD: v = x + z; break;
		case OP_SUB: v = x - z; break;
		case OP_MUL: v = x * z; break;
		default: v = x / z; break;
		}
		y[i] = eml_clampf(v, lo, hi);
	}
}

/* Integer versions wrap around on overflow as two's complement (computed unsigned, since
 * signed overflow is undefined in C). */
#define BINARY_INT(name, T, U)                                                             \
	static void name(const eml_kernel_ctx *ctx, enum binary_op op)                     \
	{                                                                                  \
		const T *a = ctx->in_data[0], *b = ctx->in_data[1];                        \
		T *y = ctx->out_data[0];                                                   \
		eml_bcast_iter it;                                                         \
		eml_bcast_iter_init(&it, ctx->in[0], ctx->in[1], ctx->out[0]);             \
		int64_t n = eml_tensor_numel(ctx->out[0]);                                 \
		for (int64_t i = 0; i < n; i++, eml_bcast_iter_next(&it)) {                \
			U x = (U)a[it.off[0]], z = (U)b[it.off[1]];                        \
			y[i] = (T)(op == OP_ADD ? x + z : op == OP_SUB ? x - z : x * z);   \
		}                                                                          \
	}
BINARY_INT(binary_i32, int32_t, uint32_t)
BINARY_INT(binary_i64, int64_t, uint64_t)
#undef BINARY_INT

/* Dispatches on dtype (infer allowed int32/int64 for Add, Sub, Mul only). */
static edgeml_status run_binary(const eml_kernel_ctx *ctx, enum binary_op op)
{
	float lo = -INFINITY, hi = INFINITY;
	if (op == OP_ADD) {
		edgeml_status st = eml_fused_activation(ctx->node, &lo, &hi);
		if (st != EDGEML_OK)
			return st;
	}
	switch (ctx->in[0]->dtype) {
	case EDGEML_DTYPE_FLOAT32: binary_f32(ctx, op, lo, hi); return EDGEML_OK;
	case EDGEML_DTYPE_INT32: binary_i32(ctx, op); return EDGEML_OK;
	case EDGEML_DTYPE_INT64: binary_i64(ctx, op); return EDGEML_OK;
	default:
		return eml_error(EDGEML_ERR_UNSUPPORTED, "dtype %s",
				 edgeml_dtype_name((edgeml_dtype)ctx->in[0]->dtype));
	}
}

/* Add: Y = A + B. */
edgeml_status eml_ref_Add(const eml_kernel_ctx *ctx)
{
	return run_binary(ctx, OP_ADD);
}

/* Sub: Y = A - B. */
edgeml_status eml_ref_Sub(const eml_kernel_ctx *ctx)
{
	return run_binary(ctx, OP_SUB);
}

/* Mul: Y = A * B. */
edgeml_status eml_ref_Mul(const eml_kernel_ctx *ctx)
{
	return run_binary(ctx, OP_MUL);
}

/* Div: Y = A / B (float32 only). */
edgeml_status eml_ref_Div(const eml_kernel_ctx *ctx)
{
	return run_binary(ctx, OP_DIV);
}
