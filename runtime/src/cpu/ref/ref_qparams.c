/* ref_qparams.c — run-time quantization parameters of the quantized reference kernels. */
#include <math.h>

#include "quant/quant.h"
#include "cpu/ref/ref_qparams.h"
#include "error.h"

edgeml_status eml_q_scales(const eml_kernel_ctx *ctx, uint32_t k, const float **scales,
			   int64_t *count)
{
	const eml_tensor *t = ctx->in[k];
	const float *s = ctx->in_data[k];
	int64_t n = eml_tensor_numel(t);
	for (int64_t i = 0; i < n; i++) {
		if (s[i] > 0.0f && isfinite(s[i]))
			continue;
		/* A bad constant is a broken model; a bad graph input is the caller's mistake. */
		return eml_error((t->flags & EML_TF_CONSTANT) ? EDGEML_ERR_FORMAT :
								 EDGEML_ERR_INVALID_ARGUMENT,
				 "input %u (tensor '%s'): scale[%lld] = %g, scales must be "
				 "positive and finite", k, t->name ? t->name : "", (long long)i,
				 (double)s[i]);
	}
	*scales = s;
	*count = n;
	return EDGEML_OK;
}

int32_t eml_q_zero_point(const eml_kernel_ctx *ctx, uint32_t k, int64_t i)
{
	if (k >= ctx->node->n_inputs)
		return 0;
	const eml_tensor *t = ctx->in[k];
	if (!t)
		return 0;
	return eml_q_load(ctx->in_data[k], t->dtype, eml_tensor_numel(t) == 1 ? 0 : i);
}

/* Reads the scales at slots xs, ws, ys, the zero points at xz, yz and the output range. */
static edgeml_status requant_get(const eml_kernel_ctx *ctx, uint32_t xs, uint32_t xz,
				 uint32_t ws, uint32_t ys, uint32_t yz, float act_min,
				 float act_max, eml_q_requant *r)
{
	int64_t n;
	edgeml_status st = eml_q_scales(ctx, xs, &r->x_scale, &n);
	if (st == EDGEML_OK)
		st = eml_q_scales(ctx, ws, &r->w_scale, &r->n_w_scale);
	if (st == EDGEML_OK)
		st = eml_q_scales(ctx, ys, &r->y_scale, &n);
	if (st != EDGEML_OK)
		return st;
	r->x_zero_point = eml_q_zero_point(ctx, xz, 0);
	r->y_zero_point = eml_q_zero_point(ctx, yz, 0);
	r->alpha = NULL;
	eml_q_activation_range(ctx->out[0]->dtype, act_min, act_max, r->y_scale[0],
			       r->y_zero_point, &r->lo, &r->hi);
	return EDGEML_OK;
}

edgeml_status eml_qconv_requant(const eml_kernel_ctx *ctx, const eml_qconv_params *p,
				eml_q_requant *r)
{
	return requant_get(ctx, p->x_scale, p->x_zero_point, p->w_scale, p->y_scale,
			   p->y_zero_point, p->act_min, p->act_max, r);
}

edgeml_status eml_qgemm_requant(const eml_kernel_ctx *ctx, const eml_qgemm_params *p,
				eml_q_requant *r)
{
	edgeml_status st = requant_get(ctx, p->a_scale, p->a_zero_point, p->b_scale, p->y_scale,
				       p->y_zero_point, p->act_min, p->act_max, r);
	r->alpha = &p->alpha;
	return st;
}
