/* ref_layernorm.c — reference LayerNormalization (float32): per row of the normalized dims,
 * mean and variance in double (two passes), Y = (X - mean) / sqrt(var + epsilon) * Scale + B. */
#include "cpu/ref/ref_util.h"

edgeml_status eml_ref_LayerNormalization(const eml_kernel_ctx *ctx)
{
	const eml_tensor *x = ctx->in[0];
	eml_op_params tmp;
	const eml_op_params *prm;
	edgeml_status st = eml_ref_params(ctx, &tmp, &prm);
	if (st != EDGEML_OK)
		return st;
	const eml_layernorm_params *p = &prm->layernorm;
	float eps = p->epsilon;
	/* The normalized dims as a tensor of their own, walked with Scale's and B's strides. */
	uint32_t nr = x->rank - p->axis;
	const int64_t *nd = x->dims + p->axis, *ss = p->scale_stride, *bs = p->bias_stride;
	int64_t rows = p->rows, len = p->len;
	const float *in = ctx->in_data[0], *scale = ctx->in_data[1];
	const float *bias = p->has_bias ? ctx->in_data[2] : NULL;
	float *y = ctx->out_data[0];
	float *mean_out = ctx->node->n_outputs > 1 ? ctx->out_data[1] : NULL;
	float *inv_out = ctx->node->n_outputs > 2 ? ctx->out_data[2] : NULL;
	for (int64_t r = 0; r < rows; r++) {
		const float *xr = in + r * len;
		double sum = 0.0, sq = 0.0;
		for (int64_t i = 0; i < len; i++)
			sum += xr[i];
		double mean = len ? sum / (double)len : 0.0;
		for (int64_t i = 0; i < len; i++)
			sq += ((double)xr[i] - mean) * ((double)xr[i] - mean);
		double inv = 1.0 / sqrt((len ? sq / (double)len : 0.0) + (double)eps);
		int64_t idx[EML_MAX_RANK] = { 0 }, so = 0, bo = 0;
		for (int64_t i = 0; i < len; i++) {
			double v = ((double)xr[i] - mean) * inv * scale[so];
			y[r * len + i] = (float)(bias ? v + bias[bo] : v);
			for (uint32_t d = nr; d-- > 0;) {
				so += ss[d];
				bo += bs[d];
				if (++idx[d] < nd[d])
					break;
				so -= ss[d] * nd[d];
				bo -= bs[d] * nd[d];
				idx[d] = 0;
			}
		}
		if (mean_out)
			mean_out[r] = (float)mean;
		if (inv_out)
			inv_out[r] = (float)inv;
	}
	return EDGEML_OK;
}
