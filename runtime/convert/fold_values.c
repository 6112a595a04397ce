/* fold_values.c — the shared machinery of the conversion-time folds (fold_values.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "convert/fold_values.h"
#include "error.h"
#include "ops/broadcast.h"
#include "ops/ops.h"

int fv_is_int_dtype(uint32_t dt)
{
	return dt == EDGEML_DTYPE_INT64 || dt == EDGEML_DTYPE_INT32 || dt == EDGEML_DTYPE_INT8 ||
	       dt == EDGEML_DTYPE_UINT8;
}

/* Element k as int64 (floats truncated toward zero and saturated, as a C cast would be
 * were it defined). */
int64_t fv_get_i(const eml_tensor *t, uint64_t k)
{
	const uint8_t *p = t->data;
	switch (t->dtype) {
	case EDGEML_DTYPE_INT64: {
		int64_t v;
		memcpy(&v, p + k * 8, 8);
		return v;
	}
	case EDGEML_DTYPE_INT32: {
		int32_t v;
		memcpy(&v, p + k * 4, 4);
		return v;
	}
	case EDGEML_DTYPE_INT8: return (int8_t)p[k];
	case EDGEML_DTYPE_UINT8: return p[k];
	default: {
		double v = cv_const_elem(t, k);
		if (isnan(v))
			return 0;
		if (v >= 9223372036854775807.0)
			return INT64_MAX;
		if (v <= -9223372036854775808.0)
			return INT64_MIN;
		return (int64_t)v;
	}
	}
}

double fv_get_f(const eml_tensor *t, uint64_t k)
{
	return t->dtype == EDGEML_DTYPE_INT64 ? (double)fv_get_i(t, k) : cv_const_elem(t, k);
}

/* Stores v as element k of an array of dtype, saturating to the dtype's range. */
void fv_put_i(uint32_t dtype, void *data, uint64_t k, int64_t v)
{
	uint8_t *p = data;
	switch (dtype) {
	case EDGEML_DTYPE_INT64: memcpy(p + k * 8, &v, 8); return;
	case EDGEML_DTYPE_INT32: {
		int32_t w = v > INT32_MAX ? INT32_MAX : v < INT32_MIN ? INT32_MIN : (int32_t)v;
		memcpy(p + k * 4, &w, 4);
		return;
	}
	case EDGEML_DTYPE_INT8:
		p[k] = (uint8_t)(int8_t)(v > 127 ? 127 : v < -128 ? -128 : v);
		return;
	case EDGEML_DTYPE_UINT8: p[k] = (uint8_t)(v > 255 ? 255 : v < 0 ? 0 : v); return;
	default: {
		float f = (float)v;
		memcpy(p + k * 4, &f, 4);
	}
	}
}

void fv_put_f(uint32_t dtype, void *data, uint64_t k, double v)
{
	if (dtype == EDGEML_DTYPE_FLOAT32) {
		float f = (float)v;
		memcpy((uint8_t *)data + k * 4, &f, 4);
		return;
	}
	int64_t i = isnan(v) ? 0
		    : v >= 9223372036854775807.0 ? INT64_MAX
		    : v <= -9223372036854775808.0 ? INT64_MIN
						   : (int64_t)v;
	fv_put_i(dtype, data, k, i);
}


/* Input k of node when present, else NULL. */
const eml_tensor *fv_input(const cv_graph *g, const cv_node *n, uint32_t k)
{
	if (k >= n->n_inputs || n->inputs[k] == EML_NO_TENSOR)
		return NULL;
	return &g->tensors[n->inputs[k]].t;
}

/* Input k, which must be present and a constant for the node to fold: else an error saying
 * the node computes at run time what the converter can only fold. */
edgeml_status fv_const_input(const cv_graph *g, uint32_t node, uint32_t k, const char *role,
			     const eml_tensor **out)
{
	const cv_node *n = &g->nodes[node];
	*out = fv_input(g, n, k);
	if (!*out)
		return eml_error(EDGEML_ERR_FORMAT, "node '%s' (%s): input %u (%s) is missing",
				 n->name, cv_op_name(n->op), k, role);
	if (cv_is_constant(g, n->inputs[k]))
		return EDGEML_OK;
	const char *t = cv_tensor_name(g, n->inputs[k]);
	if (g->tensors[n->inputs[k]].t.flags & EML_TF_INPUT)
		return eml_error(EDGEML_ERR_UNSUPPORTED,
				 "node '%s' (%s): input %u '%s' (%s) is a graph input; edgeml has "
				 "%s only as a conversion-time fold of constants (not a runtime op "
				 "yet): pass --constant %s=FILE.npy to freeze it",
				 n->name, cv_op_name(n->op), k, t, role, cv_op_name(n->op), t);
	return eml_error(EDGEML_ERR_UNSUPPORTED,
			 "node '%s' (%s): input %u '%s' (%s) is computed at run time; edgeml has "
			 "%s only as a conversion-time fold of constants (not a runtime op yet)",
			 n->name, cv_op_name(n->op), k, t, role, cv_op_name(n->op));
}

edgeml_status fv_bad(const cv_graph *g, uint32_t node, const char *what)
{
	const cv_node *n = &g->nodes[node];
	return eml_error(EDGEML_ERR_SHAPE, "node '%s' (%s): %s", n->name, cv_op_name(n->op), what);
}

int64_t fv_attr_i(const cv_graph *g, uint32_t node, const char *name, int64_t dflt)
{
	eml_node v;
	int64_t x = dflt;
	cv_node_view(g, node, &v);
	if (eml_attr_int(&v, name, dflt, &x))
		return dflt;
	return x;
}

const eml_attr *fv_attr(const cv_graph *g, uint32_t node, const char *name)
{
	eml_node v;
	cv_node_view(g, node, &v);
	return eml_node_attr(&v, name);
}

/* Element count of dims, or -1 when the bytes of dtype would exceed the fold limit. */
static int64_t fv_numel(uint32_t dtype, uint32_t rank, const int64_t *dims)
{
	uint64_t n = 1, es = edgeml_dtype_size((edgeml_dtype)dtype);
	for (uint32_t k = 0; k < rank; k++) {
		if (dims[k] < 0)
			return -1;
		if (dims[k] && n > FOLD_MAX_BYTES / es / (uint64_t)dims[k])
			return -1;
		n *= (uint64_t)dims[k];
	}
	return (int64_t)n;
}


edgeml_status fv_result_init(const cv_graph *g, uint32_t node, fv_result *r, uint32_t dtype,
			     uint32_t rank, const int64_t *dims)
{
	memset(r, 0, sizeof(*r));
	if (rank > EML_MAX_RANK)
		return fv_bad(g, node, "result rank exceeds the maximum");
	r->dtype = dtype;
	r->rank = rank;
	if (rank)
		memcpy(r->dims, dims, rank * sizeof(int64_t));
	r->numel = fv_numel(dtype, rank, dims);
	if (r->numel < 0)
		return fv_bad(g, node,
			      "result has a negative dim or is too large to fold (64 MiB)");
	r->data = calloc(1, (size_t)r->numel * edgeml_dtype_size((edgeml_dtype)dtype) + 1);
	if (!r->data)
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory folding node '%s'",
				 g->nodes[node].name);
	return EDGEML_OK;
}

/* Makes output k of node the constant r (taking its data). A graph output gets the data as a
 * new constant that the node, turned into an Identity, copies (graph.h: outputs are
 * computed); otherwise the node dies once all its outputs are constants. */
edgeml_status fv_publish(cv_graph *g, uint32_t node, uint32_t k, fv_result *r)
{
	uint32_t t = g->nodes[node].outputs[k];
	uint64_t bytes = (uint64_t)r->numel * edgeml_dtype_size((edgeml_dtype)r->dtype);
	if (t == EML_NO_TENSOR) {
		free(r->data);
		r->data = NULL;
		return EDGEML_OK;
	}
	if (cv_is_output(g, t)) {
		uint32_t op = g->nodes[node].op;
		int to_bool = op == CV_OP_Cast && fv_attr_i(g, node, "to", 0) == ONNX_BOOL;
		if (op == CV_OP_Equal || op == CV_OP_Less || op == CV_OP_Greater ||
		    op == CV_OP_Not || to_bool) {
			free(r->data);
			r->data = NULL;
			return eml_error(EDGEML_ERR_UNSUPPORTED,
					 "node '%s' (%s): output '%s' is a boolean graph output; "
					 "edgeml has no boolean type",
					 g->nodes[node].name, cv_op_name(op), cv_tensor_name(g, t));
		}
		uint32_t c;
		edgeml_status st = cv_add_constant(g, g->nodes[node].name, r->dtype, r->rank,
						   r->dims, r->data, bytes, &c);
		free(r->data);
		r->data = NULL;
		if (st)
			return st;
		if (g->nodes[node].n_outputs != 1)
			return fv_bad(g, node, "a graph output computed at conversion must be the "
					    "node's only output");
		cv_node *n = &g->nodes[node];
		n->op = EML_OP_Identity;
		n->n_inputs = 1;
		n->inputs[0] = c;
		while (n->n_attrs)
			cv_remove_attr(g, node, g->nodes[node].attrs[0].name);
		cv_replace_uses(g, t, c); /* other readers fold on with the constant */
		return EDGEML_OK;
	}
	cv_tensor *ct = &g->tensors[t];
	ct->t.dtype = r->dtype;
	ct->t.rank = r->rank;
	memset(ct->t.dims, 0, sizeof(ct->t.dims));
	if (r->rank)
		memcpy(ct->t.dims, r->dims, r->rank * sizeof(int64_t));
	ct->shape_known = 1;
	cv_set_constant(g, t, r->data, bytes);
	r->data = NULL;
	return EDGEML_OK;
}

/* Publishes a node's only output and marks it folded (unless it became an Identity). */
edgeml_status fv_finish(cv_graph *g, uint32_t node, fv_result *r, int *done)
{
	edgeml_status st = fv_publish(g, node, 0, r);
	free(r->data);
	if (!st && g->nodes[node].op != EML_OP_Identity) {
		g->nodes[node].dead = 1;
		*done = 1;
	}
	return st;
}


void fv_walker_init(fv_walker *w, const eml_tensor *const *in, uint32_t m, const fv_result *r)
{
	memset(w, 0, sizeof(*w));
	w->rank = r->rank;
	w->m = m;
	memcpy(w->dims, r->dims, sizeof(w->dims));
	for (uint32_t j = 0; j < m; j++)
		eml_broadcast_strides(in[j], r->rank, r->dims, w->stride[j]);
}

void fv_walker_next(fv_walker *w)
{
	for (uint32_t d = w->rank; d-- > 0;) {
		for (uint32_t j = 0; j < w->m; j++)
			w->off[j] += w->stride[j][d];
		if (++w->idx[d] < w->dims[d])
			return;
		for (uint32_t j = 0; j < w->m; j++)
			w->off[j] -= w->stride[j][d] * w->dims[d];
		w->idx[d] = 0;
	}
}

/* The numpy broadcast of m tensors' shapes. */
edgeml_status fv_broadcast_shape(const cv_graph *g, uint32_t node, const eml_tensor *const *in,
				 uint32_t m, uint32_t *rank, int64_t *dims)
{
	eml_tensor acc = *in[0];
	for (uint32_t j = 1; j < m; j++) {
		uint32_t r;
		int64_t d[EML_MAX_RANK];
		if (eml_broadcast_shape(&acc, in[j], &r, d))
			return fv_bad(g, node, "input shapes do not broadcast");
		acc.rank = r;
		memcpy(acc.dims, d, sizeof(d));
	}
	*rank = acc.rank;
	memcpy(dims, acc.dims, sizeof(acc.dims));
	return EDGEML_OK;
}

/* A 1-D integer constant read as dims into dims[], its length in *rank. */
edgeml_status fv_shape_vector(const cv_graph *g, uint32_t node, uint32_t k, const char *role,
			      uint32_t *rank, int64_t *dims)
{
	const eml_tensor *s;
	edgeml_status st = fv_const_input(g, node, k, role, &s);
	if (st)
		return st;
	int64_t c = eml_tensor_numel(s);
	if (!fv_is_int_dtype(s->dtype) || s->rank != 1 || c > EML_MAX_RANK)
		return fv_bad(g, node, "the shape must be a short 1-D integer tensor");
	for (int64_t i = 0; i < c; i++)
		dims[i] = fv_get_i(s, (uint64_t)i);
	*rank = (uint32_t)c;
	return EDGEML_OK;
}
