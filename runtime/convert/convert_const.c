/* convert_const.c — reading values out of constant tensors, for the rewrite passes. */
#include <math.h>
#include <string.h>

#include "convert/convert_steps.h"
#include "ops/ops.h"

double cv_const_elem(const eml_tensor *t, uint64_t k)
{
	const uint8_t *p = t->data;
	switch (t->dtype) {
	case EDGEML_DTYPE_FLOAT32: {
		float v;
		memcpy(&v, p + k * 4, 4);
		return v;
	}
	case EDGEML_DTYPE_UINT8: return p[k];
	case EDGEML_DTYPE_INT8: return (int8_t)p[k];
	case EDGEML_DTYPE_INT32: {
		int32_t v;
		memcpy(&v, p + k * 4, 4);
		return v;
	}
	case EDGEML_DTYPE_INT64: {
		int64_t v;
		memcpy(&v, p + k * 8, 8);
		return (double)v;
	}
	}
	return 0.0;
}

/* The constant descriptor of t when it holds exactly one element, else NULL. */
static const eml_tensor *scalar(const cv_graph *g, uint32_t t)
{
	if (t == EML_NO_TENSOR || !cv_is_constant(g, t))
		return NULL;
	const eml_tensor *d = &g->tensors[t].t;
	if (eml_tensor_numel(d) != 1 || d->data_size != edgeml_dtype_size((edgeml_dtype)d->dtype))
		return NULL;
	return d;
}

int cv_const_scalar_f32(const cv_graph *g, uint32_t t, float *v)
{
	const eml_tensor *d = scalar(g, t);
	if (!d || d->dtype != EDGEML_DTYPE_FLOAT32)
		return 0;
	memcpy(v, d->data, sizeof(*v));
	return 1;
}

int cv_const_scalar_i32(const cv_graph *g, uint32_t t, int32_t *v)
{
	const eml_tensor *d = scalar(g, t);
	if (!d || (d->dtype != EDGEML_DTYPE_UINT8 && d->dtype != EDGEML_DTYPE_INT8 &&
		   d->dtype != EDGEML_DTYPE_INT32))
		return 0;
	*v = (int32_t)cv_const_elem(d, 0);
	return 1;
}

int cv_activation_bounds(const cv_graph *g, uint32_t node, float *lo, float *hi)
{
	const cv_node *n = &g->nodes[node];
	*lo = -INFINITY;
	*hi = INFINITY;
	if (n->dead || n->n_outputs != 1 || n->n_inputs < 1)
		return 0;
	if (n->op == EML_OP_Relu) {
		*lo = 0.0f;
		return n->n_inputs == 1;
	}
	if (n->op != EML_OP_Clip || n->n_inputs > 3)
		return 0;
	if (n->n_inputs > 1 && n->inputs[1] != EML_NO_TENSOR &&
	    !cv_const_scalar_f32(g, n->inputs[1], lo))
		return 0;
	if (n->n_inputs > 2 && n->inputs[2] != EML_NO_TENSOR &&
	    !cv_const_scalar_f32(g, n->inputs[2], hi))
		return 0;
	return !isnan(*lo) && !isnan(*hi) && *lo <= *hi;
}

edgeml_status cv_add_activation(cv_graph *g, uint32_t node, float lo, float hi)
{
	eml_node view;
	float cur_lo = -INFINITY, cur_hi = INFINITY;
	cv_node_view(g, node, &view);
	edgeml_status st = eml_attr_float(&view, "activation_min", -INFINITY, &cur_lo);
	if (!st)
		st = eml_attr_float(&view, "activation_max", INFINITY, &cur_hi);
	if (st)
		return st;
	lo = lo > cur_lo ? lo : cur_lo;
	hi = hi < cur_hi ? hi : cur_hi;
	if (lo > -INFINITY)
		st = cv_set_attr_float(g, node, "activation_min", lo);
	if (!st && hi < INFINITY)
		st = cv_set_attr_float(g, node, "activation_max", hi);
	return st;
}
