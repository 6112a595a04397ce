/* ref_layernorm.c — reference LayerNormalization (float32): per row of the normalized dims,
 * mean and variance in double (two passes), Y = (X - mean) / sqrt(var + epsilon) * Scale + B. */
#include "cpu/ref/ref_util.h"
#include "ops/broadcast.h"
#include "ops/infer_helpers.h"

edgeml_status eml_ref_LayerNormalization(const eml_kernel_ctx *ctx)
{
	const eml_tensor *x = ctx->in[0];
	eml_op_params tmp;
	const eml_op_params *prm;
	edgeml_status st = eml_ref_params(ctx, &tmp, &prm);
	if (st != EDGEML_OK)
		return st;
	const eml_norm_params *p = &prm->norm;
	uint32_t a = p->axis;
	float eps = p->epsilon;
	/* The normalized dims as a tensor of their own, for Scale's and B's strides. */
	uint32_t nr = x->rank - a;
	const int64_t *nd = x->dims + a;
	int64_t ss[EML_MAX_RANK] = { 0 }, bs[EML_MAX_RANK] = { 0 }, rows = 1, len = 1;
	for (uint32_t d = 0; d < a; d++)
		rows *= x->dims[d];
	for (uint32_t d = 0; d < nr; d++)
		len *= nd[d];
	const eml_tensor *bt = p->bias != EML_NO_INPUT ? ctx->in[p->bias] : NULL;
	eml_broadcast_strides(ctx->in[p->scale], nr, nd, ss);
	if (bt)
		eml_broadcast_strides(bt, nr, nd, bs);
	const float *in = ctx->in_data[0], *scale = ctx->in_data[p->scale];
	const float *bias = bt ? ctx->in_data[p->bias] : NULL;
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
