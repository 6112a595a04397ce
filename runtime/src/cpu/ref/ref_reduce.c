/* ref_reduce.c — reference ReduceMean, ReduceSum, ReduceMax (float32). Each output element
 * walks its box of reduced input elements in row-major order; sums are kept in double and
 * rounded once, so the result is the float nearest the exact mean or sum in practice. */
#include "cpu/ref/ref_util.h"

enum reduce_kind { RED_MEAN, RED_SUM, RED_MAX };

static edgeml_status run_reduce(const eml_kernel_ctx *ctx, enum reduce_kind kind)
{
	const eml_tensor *x = ctx->in[0];
	eml_op_params tmp;
	const eml_op_params *prm;
	edgeml_status st = eml_ref_params(ctx, &tmp, &prm);
	if (st != EDGEML_OK)
		return st;
	eml_reduce_axes p = prm->reduce;
	/* Kept axes (kd/ks: dims and input strides) walk the outputs, reduced ones (rd/rs)
	 * each output's box. */
	int64_t kd[EML_MAX_RANK], ks[EML_MAX_RANK], rd[EML_MAX_RANK], rs[EML_MAX_RANK];
	uint32_t nk = 0, nr = 0;
	int64_t stride = 1, box = 1, n_out = 1;
	for (uint32_t d = x->rank; d-- > 0;) {
		if (p.mask & (1u << d)) {
			rd[nr] = x->dims[d];
			rs[nr++] = stride;
			box *= x->dims[d];
		} else {
			kd[nk] = x->dims[d];
			ks[nk++] = stride;
			n_out *= x->dims[d];
		}
		stride *= x->dims[d];
	}
	const float *in = ctx->in_data[0];
	float *y = ctx->out_data[0];
	int64_t kidx[EML_MAX_RANK] = { 0 }, base = 0;
	for (int64_t o = 0; o < n_out; o++) {
		int64_t ridx[EML_MAX_RANK] = { 0 }, off = base;
		double sum = 0.0;
		float mx = -INFINITY;
		for (int64_t e = 0; e < box; e++) {
			float v = in[off];
			sum += v;
			if (v > mx || isnan(v))
				mx = isnan(mx) ? mx : v;
			/* next element of the box: the innermost reduced axis first (rd[0]) */
			for (uint32_t i = 0; i < nr; i++) {
				off += rs[i];
				if (++ridx[i] < rd[i])
					break;
				off -= rs[i] * rd[i];
				ridx[i] = 0;
			}
		}
		y[o] = kind == RED_MAX ? mx : kind == RED_SUM ? (float)sum : (float)(sum / (double)box);
		for (uint32_t i = 0; i < nk; i++) {
			base += ks[i];
			if (++kidx[i] < kd[i])
				break;
			base -= ks[i] * kd[i];
			kidx[i] = 0;
		}
	}
	return EDGEML_OK;
}

/* ReduceMean: sum / count over the reduced axes. */
edgeml_status eml_ref_ReduceMean(const eml_kernel_ctx *ctx)
{
	return run_reduce(ctx, RED_MEAN);
}

/* ReduceSum: the sum over the reduced axes. */
edgeml_status eml_ref_ReduceSum(const eml_kernel_ctx *ctx)
{
	return run_reduce(ctx, RED_SUM);
}

/* ReduceMax: the largest value (NaN if any is NaN). */
edgeml_status eml_ref_ReduceMax(const eml_kernel_ctx *ctx)
{
	return run_reduce(ctx, RED_MAX);
}
