/* ref_normalize.c — reference Softmax (opset 13: one axis) and inference BatchNormalization,
 * the two float normalizations. */
#include "cpu/ref/ref_util.h"
#include "error.h"

/* Softmax over attribute axis: exp(x - max) / sum, the max subtracted for range. */
edgeml_status eml_ref_Softmax(const eml_kernel_ctx *ctx)
{
	eml_op_params tmp;
	const eml_op_params *prm;
	edgeml_status st = eml_ref_params(ctx, &tmp, &prm);
	if (st != EDGEML_OK)
		return st;
	int64_t outer = prm->softmax.outer, inner = prm->softmax.inner, len = prm->softmax.len;
	const float *x = ctx->in_data[0];
	float *y = ctx->out_data[0];
	for (int64_t o = 0; o < outer; o++) {
		for (int64_t in = 0; in < inner; in++) {
			int64_t base = o * len * inner + in;
			float mx = -INFINITY;
			for (int64_t j = 0; j < len; j++)
				mx = fmaxf(mx, x[base + j * inner]);
			double sum = 0.0;
			for (int64_t j = 0; j < len; j++) {
				float e = expf(x[base + j * inner] - mx);
				y[base + j * inner] = e;
				sum += e;
			}
			for (int64_t j = 0; j < len; j++)
				y[base + j * inner] = (float)(y[base + j * inner] / sum);
		}
	}
	return EDGEML_OK;
}

/* BatchNormalization: Y = (X - mean) / sqrt(var + epsilon) * scale + B, per channel. */
edgeml_status eml_ref_BatchNormalization(const eml_kernel_ctx *ctx)
{
	eml_op_params tmp;
	const eml_op_params *prm;
	edgeml_status st = eml_ref_params(ctx, &tmp, &prm);
	if (st != EDGEML_OK)
		return st;
	float eps = prm->batchnorm.epsilon;
	const eml_tensor *t = ctx->in[0];
	const float *x = ctx->in_data[0], *scale = ctx->in_data[1], *bias = ctx->in_data[2];
	const float *mean = ctx->in_data[3], *var = ctx->in_data[4];
	float *y = ctx->out_data[0];
	int64_t c_n = t->dims[1], inner = 1;
	for (uint32_t i = 2; i < t->rank; i++)
		inner *= t->dims[i];
	for (int64_t n = 0; n < t->dims[0]; n++) {
		for (int64_t c = 0; c < c_n; c++) {
			float k = scale[c] / sqrtf(var[c] + eps);
			float b = bias[c] - mean[c] * k;
			int64_t base = (n * c_n + c) * inner;
			for (int64_t i = 0; i < inner; i++)
				y[base + i] = x[base + i] * k + b;
		}
	}
	return EDGEML_OK;
}
