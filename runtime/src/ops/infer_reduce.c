/* infer_reduce.c — outputs of the reductions ReduceMean, ReduceSum, ReduceMax (float32):
 * axes are a constant input (canonical form; the converter moves older opsets' attribute
 * there), keepdims (default 1) and noop_with_empty_axes (default 0) as ONNX defines them. */
#include "error.h"
#include "ops/infer_helpers.h"
#include "ops/ops.h"
#include "ops/reduce_params.h"

edgeml_status eml_reduce_params(const eml_node *node, const eml_tensor *const *in,
				eml_reduce_axes *p)
{
	int64_t keep, noop;
	edgeml_status st = eml_attr_int(node, "keepdims", 1, &keep);
	if (st == EDGEML_OK)
		st = eml_attr_int(node, "noop_with_empty_axes", 0, &noop);
	if (st != EDGEML_OK)
		return st;
	if ((keep != 0 && keep != 1) || (noop != 0 && noop != 1))
		return eml_error(EDGEML_ERR_FORMAT, "attributes keepdims = %lld and "
				 "noop_with_empty_axes = %lld must be 0 or 1", (long long)keep,
				 (long long)noop);
	p->keepdims = (int)keep;
	const eml_tensor *x = in[0], *axes = eml_in(node, in, 1);
	const int64_t *a = NULL;
	uint32_t n = 0;
	if (axes) {
		st = eml_const_int64s(axes, "input axes", &a, &n);
		if (st != EDGEML_OK)
			return st;
	}
	if (n == 0) {
		p->mask = noop ? 0u : (x->rank ? (uint32_t)((1ull << x->rank) - 1) : 0u);
		return EDGEML_OK;
	}
	p->mask = 0;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t d;
		st = eml_norm_axis(a[i], x->rank, "input axes", &d);
		if (st != EDGEML_OK)
			return st;
		if (p->mask & (1u << d))
			return eml_error(EDGEML_ERR_FORMAT, "input axes names axis %u twice", d);
		p->mask |= 1u << d;
	}
	return EDGEML_OK;
}

/* The common part: X (float32), axes -> reduced; an empty reduction of ReduceMax has no
 * value, so it is refused. */
static edgeml_status infer_reduce(const eml_node *node, const eml_tensor *const *in,
				  eml_tensor *out, int needs_elements)
{
	edgeml_status st = eml_check_arity(node, in, 1, 2, 1);
	if (st == EDGEML_OK)
		st = eml_check_dtype(in[0], "input data", EML_DT_FLOAT);
	eml_reduce_axes p;
	if (st == EDGEML_OK)
		st = eml_reduce_params(node, in, &p);
	if (st != EDGEML_OK)
		return st;
	int64_t dims[EML_MAX_RANK];
	uint32_t r = 0;
	for (uint32_t d = 0; d < in[0]->rank; d++) {
		if (!(p.mask & (1u << d)))
			dims[r++] = in[0]->dims[d];
		else if (needs_elements && in[0]->dims[d] == 0)
			return eml_error(EDGEML_ERR_SHAPE, "axis %u has no elements to reduce", d);
		else if (p.keepdims)
			dims[r++] = 1;
	}
	return eml_set_output(&out[0], in[0]->dtype, r, dims);
}

/* ReduceMean (data, axes): the mean over the axes. */
edgeml_status eml_infer_ReduceMean(const eml_node *node, const eml_tensor *const *in,
				   eml_tensor *out)
{
	return infer_reduce(node, in, out, 1);
}

/* ReduceSum (data, axes): the sum over the axes (0 over none). */
edgeml_status eml_infer_ReduceSum(const eml_node *node, const eml_tensor *const *in,
				  eml_tensor *out)
{
	return infer_reduce(node, in, out, 0);
}

/* ReduceMax (data, axes): the largest value over the axes. */
edgeml_status eml_infer_ReduceMax(const eml_node *node, const eml_tensor *const *in,
				  eml_tensor *out)
{
	return infer_reduce(node, in, out, 1);
}
