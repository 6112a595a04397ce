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
 * signed overflow is undefined in C); division truncates toward zero, MIN / -1 wraps to MIN
 * and a zero divisor is an error (the data decides it, so it is checked here). */
#define BINARY_INT(name, T, U, TMIN)                                                       \
	static edgeml_status name(const eml_kernel_ctx *ctx, enum binary_op op)            \
	{                                                                                  \
		const T *a = ctx->in_data[0], *b = ctx->in_data[1];                        \
		T *y = ctx->out_data[0];                                                   \
		eml_bcast_iter it;                                                         \
		eml_bcast_iter_init(&it, ctx->in[0], ctx->in[1], ctx->out[0]);             \
		int64_t n = eml_tensor_numel(ctx->out[0]);                                 \
		for (int64_t i = 0; i < n; i++, eml_bcast_iter_next(&it)) {                \
			T x = a[it.off[0]], z = b[it.off[1]];                              \
			if (op == OP_DIV) {                                                \
				if (z == 0)                                                \
					return eml_error(EDGEML_ERR_INVALID_ARGUMENT,      \
							 "integer division by zero at "    \
							 "output element %lld",            \
							 (long long)i);                    \
				y[i] = (TMIN != 0 && x == TMIN && z == (T)-1) ? x : (T)(x / z); \
				continue;                                                  \
			}                                                                  \
			U ux = (U)x, uz = (U)z;                                            \
			y[i] = (T)(op == OP_ADD ? ux + uz : op == OP_SUB ? ux - uz : ux * uz); \
		}                                                                          \
		return EDGEML_OK;                                                          \
	}
BINARY_INT(binary_u8, uint8_t, uint32_t, 0)
BINARY_INT(binary_i8, int8_t, uint32_t, INT8_MIN)
BINARY_INT(binary_i32, int32_t, uint32_t, INT32_MIN)
BINARY_INT(binary_i64, int64_t, uint64_t, INT64_MIN)
#undef BINARY_INT

/* Dispatches on dtype (infer allows the fused clamp on float32 only). */
static edgeml_status run_binary(const eml_kernel_ctx *ctx, enum binary_op op)
{
	float lo = -INFINITY, hi = INFINITY;
	if (op == OP_ADD) {
		eml_op_params tmp;
		const eml_op_params *prm;
		edgeml_status st = eml_ref_params(ctx, &tmp, &prm);
		if (st != EDGEML_OK)
			return st;
		lo = prm->eltwise.act_min;
		hi = prm->eltwise.act_max;
	}
	switch (ctx->in[0]->dtype) {
	case EDGEML_DTYPE_FLOAT32: binary_f32(ctx, op, lo, hi); return EDGEML_OK;
	case EDGEML_DTYPE_UINT8: return binary_u8(ctx, op);
	case EDGEML_DTYPE_INT8: return binary_i8(ctx, op);
	case EDGEML_DTYPE_INT32: return binary_i32(ctx, op);
	case EDGEML_DTYPE_INT64: return binary_i64(ctx, op);
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
