/*
 * fold_shapes.c — static-shape folding: with every input shape fixed at conversion, the
 * nodes that compute shapes (Shape, Gather/Slice/Concat on shape vectors, Cast, Range,
 * ConstantOfShape, Equal/Where, If on a constant condition, ...) are constants, evaluated here
 * with converter-local integer arithmetic, one function per op. The runtime never sees them.
 *
 * Booleans (ONNX BOOL) are carried as uint8 0/1 inside the converter: no runtime op takes
 * them, so they only ever feed these folds.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "convert/convert_steps.h"
#include "error.h"
#include "ops/broadcast.h"
#include "ops/ops.h"

/* Largest folded result, as in pass_fold_constants.c. */
#define FOLD_MAX_BYTES ((uint64_t)64 << 20)
#define CV_DTYPE_BOOL EDGEML_DTYPE_UINT8
#define ONNX_BOOL 9

static const char *const converter_op_names[] = {
#define CV_OP(name) #name,
#include "convert/convert_ops.def"
#undef CV_OP
};

const char *cv_op_name(uint32_t op)
{
	if (op >= CV_OP_BASE && op < CV_OP_END)
		return converter_op_names[op - CV_OP_BASE];
	const char *s = eml_op_name(op);
	return s ? s : "?";
}

uint32_t cv_converter_op_from_name(const char *name)
{
	for (uint32_t k = 0; k < CV_OP_END - CV_OP_BASE; k++)
		if (strcmp(converter_op_names[k], name) == 0)
			return CV_OP_BASE + k;
	return EML_OP_INVALID;
}

/* ---- reading and writing elements ---------------------------------------------------- */

static int is_int_dtype(uint32_t dt)
{
	return dt == EDGEML_DTYPE_INT64 || dt == EDGEML_DTYPE_INT32 || dt == EDGEML_DTYPE_INT8 ||
	       dt == EDGEML_DTYPE_UINT8;
}

/* Element k as int64 (floats truncated toward zero and saturated, as a C cast would be
 * were it defined). */
static int64_t get_i(const eml_tensor *t, uint64_t k)
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

static double get_f(const eml_tensor *t, uint64_t k)
{
	return t->dtype == EDGEML_DTYPE_INT64 ? (double)get_i(t, k) : cv_const_elem(t, k);
}

/* Stores v as element k of an array of dtype, saturating to the dtype's range. */
static void put_i(uint32_t dtype, void *data, uint64_t k, int64_t v)
{
	uint8_t *p = data;
	switch (dtype) {
	case EDGEML_DTYPE_INT64: memcpy(p + k * 8, &v, 8); return;
	case EDGEML_DTYPE_INT32: {
		int32_t w = v > INT32_MAX ? INT32_MAX : v < INT32_MIN ? INT32_MIN : (int32_t)v;
		memcpy(p + k * 4, &w, 4);
		return;
	}
	case EDGEML_DTYPE_INT8: p[k] = (uint8_t)(int8_t)(v > 127 ? 127 : v < -128 ? -128 : v); return;
	case EDGEML_DTYPE_UINT8: p[k] = (uint8_t)(v > 255 ? 255 : v < 0 ? 0 : v); return;
	default: {
		float f = (float)v;
		memcpy(p + k * 4, &f, 4);
	}
	}
}

static void put_f(uint32_t dtype, void *data, uint64_t k, double v)
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
	put_i(dtype, data, k, i);
}

/* ---- node plumbing ------------------------------------------------------------------- */

/* Input k of node when present, else NULL. */
static const eml_tensor *input(const cv_graph *g, const cv_node *n, uint32_t k)
{
	if (k >= n->n_inputs || n->inputs[k] == EML_NO_TENSOR)
		return NULL;
	return &g->tensors[n->inputs[k]].t;
}

/* Input k, which must be present and a constant for the node to fold: else an error saying
 * the node computes at run time what the converter can only fold. */
static edgeml_status const_input(const cv_graph *g, uint32_t node, uint32_t k, const char *role,
				 const eml_tensor **out)
{
	const cv_node *n = &g->nodes[node];
	*out = input(g, n, k);
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

static edgeml_status bad(const cv_graph *g, uint32_t node, const char *what)
{
	const cv_node *n = &g->nodes[node];
	return eml_error(EDGEML_ERR_SHAPE, "node '%s' (%s): %s", n->name, cv_op_name(n->op), what);
}

static int64_t attr_i(const cv_graph *g, uint32_t node, const char *name, int64_t dflt)
{
	eml_node v;
	int64_t x = dflt;
	cv_node_view(g, node, &v);
	if (eml_attr_int(&v, name, dflt, &x))
		return dflt;
	return x;
}

static const eml_attr *attr(const cv_graph *g, uint32_t node, const char *name)
{
	eml_node v;
	cv_node_view(g, node, &v);
	return eml_node_attr(&v, name);
}

/* Element count of dims, or -1 when the bytes of dtype would exceed the fold limit. */
static int64_t fold_numel(uint32_t dtype, uint32_t rank, const int64_t *dims)
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

/* A result being built: descriptor and data. */
typedef struct result {
	uint32_t dtype, rank;
	int64_t dims[EML_MAX_RANK];
	int64_t numel;
	void *data;
} result;

static edgeml_status result_init(const cv_graph *g, uint32_t node, result *r, uint32_t dtype,
				 uint32_t rank, const int64_t *dims)
{
	memset(r, 0, sizeof(*r));
	if (rank > EML_MAX_RANK)
		return bad(g, node, "result rank exceeds the maximum");
	r->dtype = dtype;
	r->rank = rank;
	if (rank)
		memcpy(r->dims, dims, rank * sizeof(int64_t));
	r->numel = fold_numel(dtype, rank, dims);
	if (r->numel < 0)
		return bad(g, node, "result has a negative dim or is too large to fold (64 MiB)");
	r->data = calloc(1, (size_t)r->numel * edgeml_dtype_size((edgeml_dtype)dtype) + 1);
	if (!r->data)
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory folding node '%s'",
				 g->nodes[node].name);
	return EDGEML_OK;
}

/* Makes output k of node the constant r (taking its data). A graph output gets the data as a
 * new constant that the node, turned into an Identity, copies (graph.h: outputs are
 * computed); otherwise the node dies once all its outputs are constants. */
static edgeml_status publish(cv_graph *g, uint32_t node, uint32_t k, result *r)
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
		if (op == CV_OP_Equal || op == CV_OP_Less || op == CV_OP_Greater ||
		    op == CV_OP_Not || (op == CV_OP_Cast && attr_i(g, node, "to", 0) == ONNX_BOOL)) {
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
			return bad(g, node, "a graph output computed at conversion must be the "
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
static edgeml_status finish(cv_graph *g, uint32_t node, result *r, int *done)
{
	edgeml_status st = publish(g, node, 0, r);
	free(r->data);
	if (!st && g->nodes[node].op != EML_OP_Identity) {
		g->nodes[node].dead = 1;
		*done = 1;
	}
	return st;
}

/* Walks a result in row-major order giving each of m inputs' element offsets, the inputs
 * broadcast (numpy rules) to the result's shape. */
typedef struct walker {
	uint32_t rank, m;
	int64_t dims[EML_MAX_RANK], idx[EML_MAX_RANK];
	int64_t stride[3][EML_MAX_RANK];
	int64_t off[3];
} walker;

static void walker_init(walker *w, const eml_tensor *const *in, uint32_t m, const result *r)
{
	memset(w, 0, sizeof(*w));
	w->rank = r->rank;
	w->m = m;
	memcpy(w->dims, r->dims, sizeof(w->dims));
	for (uint32_t j = 0; j < m; j++)
		eml_broadcast_strides(in[j], r->rank, r->dims, w->stride[j]);
}

static void walker_next(walker *w)
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
static edgeml_status broadcast_shape(const cv_graph *g, uint32_t node, const eml_tensor *const *in,
				     uint32_t m, uint32_t *rank, int64_t *dims)
{
	eml_tensor acc = *in[0];
	for (uint32_t j = 1; j < m; j++) {
		uint32_t r;
		int64_t d[EML_MAX_RANK];
		if (eml_broadcast_shape(&acc, in[j], &r, d))
			return bad(g, node, "input shapes do not broadcast");
		acc.rank = r;
		memcpy(acc.dims, d, sizeof(d));
	}
	*rank = acc.rank;
	memcpy(dims, acc.dims, sizeof(acc.dims));
	return EDGEML_OK;
}

/* ---- the folds, one per op ----------------------------------------------------------- */

/* Shape(data; start, end): needs only data's (fixed) shape. */
static edgeml_status fold_Shape(cv_graph *g, uint32_t node, int *done)
{
	const cv_node *n = &g->nodes[node];
	const eml_tensor *x = input(g, n, 0);
	if (!x)
		return bad(g, node, "input 0 is missing");
	int64_t r = x->rank;
	int64_t start = attr_i(g, node, "start", 0), end = attr_i(g, node, "end", r);
	start = start < 0 ? start + r : start;
	end = end < 0 ? end + r : end;
	start = start < 0 ? 0 : start > r ? r : start;
	end = end < 0 ? 0 : end > r ? r : end;
	int64_t len = end > start ? end - start : 0;
	result out;
	edgeml_status st = result_init(g, node, &out, EDGEML_DTYPE_INT64, 1, &len);
	for (int64_t k = 0; !st && k < len; k++)
		put_i(EDGEML_DTYPE_INT64, out.data, (uint64_t)k, x->dims[start + k]);
	return st ? st : finish(g, node, &out, done);
}

/* Size(data): its element count, an int64 scalar. */
static edgeml_status fold_Size(cv_graph *g, uint32_t node, int *done)
{
	const eml_tensor *x = input(g, &g->nodes[node], 0);
	if (!x)
		return bad(g, node, "input 0 is missing");
	result out;
	edgeml_status st = result_init(g, node, &out, EDGEML_DTYPE_INT64, 0, NULL);
	if (!st)
		put_i(EDGEML_DTYPE_INT64, out.data, 0, eml_tensor_numel(x));
	return st ? st : finish(g, node, &out, done);
}

/* Gather(data, indices; axis) of constants: any data dtype, negative indices from the end. */
static edgeml_status fold_Gather(cv_graph *g, uint32_t node, int *done)
{
	const eml_tensor *x, *idx;
	edgeml_status st = const_input(g, node, 0, "data", &x);
	if (!st)
		st = const_input(g, node, 1, "indices", &idx);
	if (st)
		return st;
	int64_t axis = attr_i(g, node, "axis", 0);
	if (axis < 0)
		axis += x->rank;
	if (axis < 0 || axis >= (int64_t)x->rank)
		return bad(g, node, "axis is out of range");
	if (!is_int_dtype(idx->dtype))
		return bad(g, node, "indices must be integers");
	if (x->rank - 1 + idx->rank > EML_MAX_RANK)
		return bad(g, node, "result rank exceeds the maximum");
	int64_t dims[EML_MAX_RANK];
	uint32_t r = 0;
	for (int64_t k = 0; k < axis; k++)
		dims[r++] = x->dims[k];
	for (uint32_t k = 0; k < idx->rank; k++)
		dims[r++] = idx->dims[k];
	for (uint32_t k = (uint32_t)axis + 1; k < x->rank; k++)
		dims[r++] = x->dims[k];
	result out;
	st = result_init(g, node, &out, x->dtype, r, dims);
	if (st)
		return st;
	uint64_t es = edgeml_dtype_size((edgeml_dtype)x->dtype);
	int64_t outer = 1, inner = 1, n = x->dims[axis], ni = eml_tensor_numel(idx);
	for (int64_t k = 0; k < axis; k++)
		outer *= x->dims[k];
	for (uint32_t k = (uint32_t)axis + 1; k < x->rank; k++)
		inner *= x->dims[k];
	uint8_t *o = out.data;
	const uint8_t *src = x->data;
	for (int64_t a = 0; a < outer; a++) {
		for (int64_t i = 0; i < ni; i++) {
			int64_t j = get_i(idx, (uint64_t)i);
			if (j < 0)
				j += n;
			if (j < 0 || j >= n) {
				free(out.data);
				return bad(g, node, "an index is out of range");
			}
			memcpy(o, src + (uint64_t)((a * n + j) * inner) * es, (size_t)inner * es);
			o += inner * es;
		}
	}
	return finish(g, node, &out, done);
}

/* Copies the box start[d] + i*step[d] (i < out dims) of x into out: Slice's core. */
static void strided_copy(const eml_tensor *x, const int64_t *start, const int64_t *step,
			 result *out)
{
	uint64_t es = edgeml_dtype_size((edgeml_dtype)x->dtype);
	int64_t xs[EML_MAX_RANK], idx[EML_MAX_RANK] = { 0 };
	int64_t s = 1;
	for (uint32_t d = x->rank; d-- > 0;) {
		xs[d] = s;
		s *= x->dims[d];
	}
	for (int64_t e = 0; e < out->numel; e++) {
		int64_t off = 0;
		for (uint32_t d = 0; d < x->rank; d++)
			off += (start[d] + idx[d] * step[d]) * xs[d];
		memcpy((uint8_t *)out->data + (uint64_t)e * es,
		       (const uint8_t *)x->data + (uint64_t)off * es, es);
		for (uint32_t d = x->rank; d-- > 0;) {
			if (++idx[d] < out->dims[d])
				break;
			idx[d] = 0;
		}
	}
}

/* Slice(data, starts, ends, axes, steps) of a constant; opset < 10 takes starts, ends and
 * axes as attributes. Clamping as ONNX defines it. */
static edgeml_status fold_Slice(cv_graph *g, uint32_t node, int *done)
{
	const cv_node *n = &g->nodes[node];
	const eml_tensor *x, *t[4] = { NULL, NULL, NULL, NULL };
	static const char *const roles[4] = { "starts", "ends", "axes", "steps" };
	edgeml_status st = const_input(g, node, 0, "data", &x);
	if (st)
		return st;
	int64_t starts[EML_MAX_RANK], ends[EML_MAX_RANK], axes[EML_MAX_RANK],
		steps[EML_MAX_RANK];
	int64_t count = -1;
	int64_t *vals[4] = { starts, ends, axes, steps };
	for (uint32_t k = 0; k < 4; k++) {
		int64_t c;
		if (n->opset < 10) {
			const eml_attr *a = attr(g, node, roles[k]);
			if (!a || k == 3)
				continue;
			if (a->type != EML_ATTR_INTS || a->count > EML_MAX_RANK)
				return bad(g, node, "starts/ends/axes must be short lists of ints");
			c = a->count;
			memcpy(vals[k], a->ints, (size_t)c * sizeof(int64_t));
		} else {
			if (k >= 2 && !input(g, n, k + 1))
				continue;
			st = const_input(g, node, k + 1, roles[k], &t[k]);
			if (st)
				return st;
			c = eml_tensor_numel(t[k]);
			if (!is_int_dtype(t[k]->dtype) || t[k]->rank != 1 || c > EML_MAX_RANK)
				return bad(g, node, "starts/ends/axes/steps must be 1-D integers");
			for (int64_t i = 0; i < c; i++)
				vals[k][i] = get_i(t[k], (uint64_t)i);
		}
		if (k < 2 && count >= 0 && c != count)
			return bad(g, node, "starts and ends differ in length");
		if (k >= 2 && c != count)
			return bad(g, node, "axes/steps differ in length from starts");
		count = c;
		if (k == 0)
			for (int64_t i = 0; i < c; i++) {
				axes[i] = i;
				steps[i] = 1;
			}
	}
	if (count < 0)
		return bad(g, node, "starts and ends are missing");
	int64_t lo[EML_MAX_RANK], step[EML_MAX_RANK], dims[EML_MAX_RANK];
	for (uint32_t d = 0; d < x->rank; d++) {
		lo[d] = 0;
		step[d] = 1;
		dims[d] = x->dims[d];
	}
	uint32_t seen = 0;
	for (int64_t i = 0; i < count; i++) {
		int64_t a = axes[i] < 0 ? axes[i] + x->rank : axes[i];
		if (a < 0 || a >= (int64_t)x->rank || (seen & (1u << a)))
			return bad(g, node, "an axis is out of range or repeated");
		seen |= 1u << a;
		int64_t dim = x->dims[a], s = steps[i], b = starts[i], e = ends[i];
		if (s == 0)
			return bad(g, node, "a step is 0");
		if (s == INT64_MIN)
			s = -INT64_MAX; /* same slice, and -s stays defined */
		b = b < 0 ? (b < -dim ? -dim : b) + dim : b;
		e = e < 0 ? (e < -dim ? -dim - 1 : e) + dim : e;
		if (s > 0) {
			b = b > dim ? dim : b;
			e = e > dim ? dim : e;
			dims[a] = e > b ? (e - b - 1) / s + 1 : 0;
		} else {
			b = b > dim - 1 ? dim - 1 : b;
			e = e > dim - 1 ? dim - 1 : e;
			dims[a] = b > e ? (b - e - 1) / (-s) + 1 : 0;
		}
		lo[a] = b;
		step[a] = s;
	}
	result out;
	st = result_init(g, node, &out, x->dtype, x->rank, dims);
	if (st)
		return st;
	strided_copy(x, lo, step, &out);
	return finish(g, node, &out, done);
}

/* The edgeml dtype of an ONNX element type, BOOL as uint8; 0 if none. */
static uint32_t onnx_dtype(int64_t t)
{
	if (t == ONNX_BOOL)
		return CV_DTYPE_BOOL;
	if (t == EDGEML_DTYPE_FLOAT32 || t == EDGEML_DTYPE_UINT8 || t == EDGEML_DTYPE_INT8 ||
	    t == EDGEML_DTYPE_INT32 || t == EDGEML_DTYPE_INT64)
		return (uint32_t)t;
	return 0;
}

/* Cast(input; to) of a constant; of a run-time tensor already of type `to`, an Identity. */
static edgeml_status fold_Cast(cv_graph *g, uint32_t node, int *done)
{
	cv_node *n = &g->nodes[node];
	const eml_tensor *x = input(g, n, 0);
	int64_t to = attr_i(g, node, "to", 0);
	uint32_t dt = onnx_dtype(to);
	if (!x)
		return bad(g, node, "input 0 is missing");
	if (!dt)
		return eml_error(EDGEML_ERR_UNSUPPORTED,
				 "node '%s' (Cast): target type %lld is not supported", n->name,
				 (long long)to);
	if (!cv_is_constant(g, n->inputs[0])) {
		if (x->dtype == dt && to != ONNX_BOOL) {
			n->op = EML_OP_Identity;
			cv_remove_attr(g, node, "to");
			return EDGEML_OK;
		}
		const eml_tensor *unused;
		return const_input(g, node, 0, "input", &unused);
	}
	result out;
	edgeml_status st = result_init(g, node, &out, dt, x->rank, x->dims);
	for (int64_t k = 0; !st && k < out.numel; k++) {
		if (to == ONNX_BOOL)
			put_i(dt, out.data, (uint64_t)k, get_f(x, (uint64_t)k) != 0.0);
		else if (x->dtype == EDGEML_DTYPE_FLOAT32)
			put_f(dt, out.data, (uint64_t)k, get_f(x, (uint64_t)k));
		else
			put_i(dt, out.data, (uint64_t)k, get_i(x, (uint64_t)k));
	}
	return st ? st : finish(g, node, &out, done);
}

/* A 1-D integer constant read as dims into dims[], its length in *rank. */
static edgeml_status shape_vector(const cv_graph *g, uint32_t node, uint32_t k, const char *role,
				  uint32_t *rank, int64_t *dims)
{
	const eml_tensor *s;
	edgeml_status st = const_input(g, node, k, role, &s);
	if (st)
		return st;
	int64_t c = eml_tensor_numel(s);
	if (!is_int_dtype(s->dtype) || s->rank != 1 || c > EML_MAX_RANK)
		return bad(g, node, "the shape must be a short 1-D integer tensor");
	for (int64_t i = 0; i < c; i++)
		dims[i] = get_i(s, (uint64_t)i);
	*rank = (uint32_t)c;
	return EDGEML_OK;
}

/* ConstantOfShape(shape, value): value (imported from the attribute as input 1) defaults to
 * a float 0. */
static edgeml_status fold_ConstantOfShape(cv_graph *g, uint32_t node, int *done)
{
	uint32_t rank;
	int64_t dims[EML_MAX_RANK];
	edgeml_status st = shape_vector(g, node, 0, "shape", &rank, dims);
	if (st)
		return st;
	const eml_tensor *v = input(g, &g->nodes[node], 1);
	if (v && (!cv_is_constant(g, g->nodes[node].inputs[1]) || eml_tensor_numel(v) != 1))
		return bad(g, node, "value must be a one-element tensor");
	result out;
	st = result_init(g, node, &out, v ? v->dtype : EDGEML_DTYPE_FLOAT32, rank, dims);
	if (st)
		return st;
	uint64_t es = edgeml_dtype_size((edgeml_dtype)out.dtype);
	for (int64_t k = 0; v && k < out.numel; k++)
		memcpy((uint8_t *)out.data + (uint64_t)k * es, v->data, es);
	return finish(g, node, &out, done);
}

/* Range(start, limit, delta) of scalars: max(ceil((limit - start) / delta), 0) elements. */
static edgeml_status fold_Range(cv_graph *g, uint32_t node, int *done)
{
	const eml_tensor *t[3];
	static const char *const roles[3] = { "start", "limit", "delta" };
	for (uint32_t k = 0; k < 3; k++) {
		edgeml_status st = const_input(g, node, k, roles[k], &t[k]);
		if (st)
			return st;
		if (eml_tensor_numel(t[k]) != 1 || t[k]->dtype != t[0]->dtype)
			return bad(g, node, "start, limit and delta must be scalars of one type");
	}
	int fl = t[0]->dtype == EDGEML_DTYPE_FLOAT32;
	double s = get_f(t[0], 0), l = get_f(t[1], 0), d = get_f(t[2], 0);
	if (d == 0)
		return bad(g, node, "delta is 0");
	double c = ceil((l - s) / d);
	int64_t count = c > 0 ? (c > (double)INT32_MAX ? INT32_MAX : (int64_t)c) : 0;
	result out;
	edgeml_status st = result_init(g, node, &out, t[0]->dtype, 1, &count);
	for (int64_t k = 0; !st && k < count; k++) {
		if (fl)
			put_f(out.dtype, out.data, (uint64_t)k, s + (double)k * d);
		else
			put_i(out.dtype, out.data, (uint64_t)k,
			      (int64_t)((uint64_t)get_i(t[0], 0) +
					(uint64_t)k * (uint64_t)get_i(t[2], 0)));
	}
	return st ? st : finish(g, node, &out, done);
}

/* Binary elementwise ops with broadcasting on constants: comparisons give bool, arithmetic
 * keeps the inputs' type (integer Div truncates, as ONNX Runtime does). */
static edgeml_status fold_binary(cv_graph *g, uint32_t node, int *done)
{
	uint32_t op = g->nodes[node].op;
	const eml_tensor *in[2];
	edgeml_status st = const_input(g, node, 0, "A", &in[0]);
	if (!st)
		st = const_input(g, node, 1, "B", &in[1]);
	if (st)
		return st;
	if (in[0]->dtype != in[1]->dtype)
		return bad(g, node, "A and B differ in type");
	int cmp = op == CV_OP_Equal || op == CV_OP_Less || op == CV_OP_Greater;
	int fl = in[0]->dtype == EDGEML_DTYPE_FLOAT32;
	uint32_t rank;
	int64_t dims[EML_MAX_RANK];
	st = broadcast_shape(g, node, in, 2, &rank, dims);
	result out;
	if (!st)
		st = result_init(g, node, &out, cmp ? CV_DTYPE_BOOL : in[0]->dtype, rank, dims);
	if (st)
		return st;
	walker w;
	walker_init(&w, in, 2, &out);
	for (int64_t e = 0; e < out.numel; e++, walker_next(&w)) {
		uint64_t a = (uint64_t)w.off[0], b = (uint64_t)w.off[1];
		if (cmp) {
			double x = get_f(in[0], a), y = get_f(in[1], b);
			int64_t xi = get_i(in[0], a), yi = get_i(in[1], b);
			int r = op == CV_OP_Equal ? (fl ? x == y : xi == yi)
				: op == CV_OP_Less ? (fl ? x < y : xi < yi)
						   : (fl ? x > y : xi > yi);
			put_i(out.dtype, out.data, (uint64_t)e, r);
		} else if (fl) {
			double x = get_f(in[0], a), y = get_f(in[1], b);
			double r = op == EML_OP_Add ? x + y
				   : op == EML_OP_Sub ? x - y
				   : op == EML_OP_Mul ? x * y
						      : x / y;
			put_f(out.dtype, out.data, (uint64_t)e, (float)r);
		} else {
			/* Wrapping arithmetic in unsigned, as the fixed-width types do. */
			int64_t x = get_i(in[0], a), y = get_i(in[1], b), r;
			if (op == EML_OP_Add)
				r = (int64_t)((uint64_t)x + (uint64_t)y);
			else if (op == EML_OP_Sub)
				r = (int64_t)((uint64_t)x - (uint64_t)y);
			else if (op == EML_OP_Mul)
				r = (int64_t)((uint64_t)x * (uint64_t)y);
			else if (y == 0 || (x == INT64_MIN && y == -1)) {
				free(out.data);
				return bad(g, node, "integer division by zero or overflow");
			} else
				r = x / y;
			put_i(out.dtype, out.data, (uint64_t)e, r);
		}
	}
	return finish(g, node, &out, done);
}

/* Not(X) of a bool constant. */
static edgeml_status fold_Not(cv_graph *g, uint32_t node, int *done)
{
	const eml_tensor *x;
	edgeml_status st = const_input(g, node, 0, "X", &x);
	result out;
	if (!st)
		st = result_init(g, node, &out, CV_DTYPE_BOOL, x->rank, x->dims);
	for (int64_t k = 0; !st && k < out.numel; k++)
		put_i(out.dtype, out.data, (uint64_t)k, get_i(x, (uint64_t)k) == 0);
	return st ? st : finish(g, node, &out, done);
}

/* Where(condition, X, Y) of constants, the three broadcast together. */
static edgeml_status fold_Where(cv_graph *g, uint32_t node, int *done)
{
	const eml_tensor *in[3];
	static const char *const roles[3] = { "condition", "X", "Y" };
	for (uint32_t k = 0; k < 3; k++) {
		edgeml_status st = const_input(g, node, k, roles[k], &in[k]);
		if (st)
			return st;
	}
	if (in[1]->dtype != in[2]->dtype)
		return bad(g, node, "X and Y differ in type");
	uint32_t rank;
	int64_t dims[EML_MAX_RANK];
	result out;
	edgeml_status st = broadcast_shape(g, node, in, 3, &rank, dims);
	if (!st)
		st = result_init(g, node, &out, in[1]->dtype, rank, dims);
	if (st)
		return st;
	uint64_t es = edgeml_dtype_size((edgeml_dtype)out.dtype);
	walker w;
	walker_init(&w, in, 3, &out);
	for (int64_t e = 0; e < out.numel; e++, walker_next(&w)) {
		int c = get_i(in[0], (uint64_t)w.off[0]) != 0;
		const eml_tensor *src = c ? in[1] : in[2];
		memcpy((uint8_t *)out.data + (uint64_t)e * es,
		       (const uint8_t *)src->data + (uint64_t)w.off[c ? 1 : 2] * es, es);
	}
	return finish(g, node, &out, done);
}

/* Expand(input, shape) of a constant: numpy broadcast of input's shape with shape. */
static edgeml_status fold_Expand(cv_graph *g, uint32_t node, int *done)
{
	const eml_tensor *x;
	eml_tensor target;
	memset(&target, 0, sizeof(target));
	edgeml_status st = const_input(g, node, 0, "input", &x);
	if (!st)
		st = shape_vector(g, node, 1, "shape", &target.rank, target.dims);
	if (st)
		return st;
	const eml_tensor *in[2] = { x, &target };
	uint32_t rank;
	int64_t dims[EML_MAX_RANK];
	result out;
	st = broadcast_shape(g, node, in, 2, &rank, dims);
	if (!st)
		st = result_init(g, node, &out, x->dtype, rank, dims);
	if (st)
		return st;
	uint64_t es = edgeml_dtype_size((edgeml_dtype)out.dtype);
	walker w;
	walker_init(&w, in, 1, &out);
	for (int64_t e = 0; e < out.numel; e++, walker_next(&w))
		memcpy((uint8_t *)out.data + (uint64_t)e * es,
		       (const uint8_t *)x->data + (uint64_t)w.off[0] * es, es);
	return finish(g, node, &out, done);
}

/* Tile(input, repeats) of a constant. */
static edgeml_status fold_Tile(cv_graph *g, uint32_t node, int *done)
{
	const eml_tensor *x;
	uint32_t nrep;
	int64_t rep[EML_MAX_RANK], dims[EML_MAX_RANK];
	edgeml_status st = const_input(g, node, 0, "input", &x);
	if (!st)
		st = shape_vector(g, node, 1, "repeats", &nrep, rep);
	if (st)
		return st;
	if (nrep != x->rank)
		return bad(g, node, "repeats must have one entry per input dim");
	for (uint32_t d = 0; d < x->rank; d++) {
		if (rep[d] < 0 || (rep[d] && x->dims[d] > INT64_MAX / rep[d]))
			return bad(g, node, "a repeat is negative or too large");
		dims[d] = x->dims[d] * rep[d];
	}
	result out;
	st = result_init(g, node, &out, x->dtype, x->rank, dims);
	if (st)
		return st;
	uint64_t es = edgeml_dtype_size((edgeml_dtype)out.dtype);
	int64_t xs[EML_MAX_RANK], idx[EML_MAX_RANK] = { 0 }, s = 1;
	for (uint32_t d = x->rank; d-- > 0;) {
		xs[d] = s;
		s *= x->dims[d];
	}
	for (int64_t e = 0; e < out.numel; e++) {
		int64_t off = 0;
		for (uint32_t d = 0; d < x->rank; d++)
			off += (idx[d] % x->dims[d]) * xs[d];
		memcpy((uint8_t *)out.data + (uint64_t)e * es,
		       (const uint8_t *)x->data + (uint64_t)off * es, es);
		for (uint32_t d = x->rank; d-- > 0;) {
			if (++idx[d] < dims[d])
				break;
			idx[d] = 0;
		}
	}
	return finish(g, node, &out, done);
}

/* If(cond) with a constant condition: the chosen branch's nodes join the graph, Identities
 * carry its outputs to the If's, and the If goes. The caller re-sorts and re-infers. */
static edgeml_status inline_If(cv_graph *g, uint32_t node, int *done)
{
	const eml_tensor *c;
	edgeml_status st = const_input(g, node, 0, "cond", &c);
	if (st)
		return st;
	if (eml_tensor_numel(c) != 1)
		return bad(g, node, "cond must hold one element");
	const void *branch = g->nodes[node].branches[get_i(c, 0) != 0 ? 0 : 1];
	uint32_t n_out = g->nodes[node].n_outputs;
	uint32_t *outs = calloc(n_out + 1, sizeof(uint32_t));
	if (!outs)
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory");
	st = cv_import_branch(g, branch, node, outs, n_out);
	for (uint32_t k = 0; !st && k < n_out; k++) {
		uint32_t y = g->nodes[node].outputs[k], id;
		if (y == EML_NO_TENSOR)
			continue;
		st = cv_add_node(g, g->tensors[y].t.name, EML_OP_Identity, 1, 1, &id);
		if (st)
			break;
		g->nodes[id].inputs[0] = outs[k];
		g->nodes[id].outputs[0] = y;
		g->nodes[id].opset = g->nodes[node].opset;
	}
	free(outs);
	if (!st) {
		g->nodes[node].dead = 1;
		*done = 1;
	}
	return st;
}

typedef edgeml_status (*fold_fn)(cv_graph *g, uint32_t node, int *done);

static fold_fn converter_fold(uint32_t op)
{
	switch (op) {
	case CV_OP_Shape: return fold_Shape;
	case CV_OP_Size: return fold_Size;
	case CV_OP_Gather: return fold_Gather;
	case CV_OP_Slice: return fold_Slice;
	case CV_OP_Cast: return fold_Cast;
	case CV_OP_ConstantOfShape: return fold_ConstantOfShape;
	case CV_OP_Range: return fold_Range;
	case CV_OP_Equal:
	case CV_OP_Less:
	case CV_OP_Greater: return fold_binary;
	case CV_OP_Not: return fold_Not;
	case CV_OP_Where: return fold_Where;
	case CV_OP_Expand: return fold_Expand;
	case CV_OP_Tile: return fold_Tile;
	case CV_OP_If: return inline_If;
	default: return NULL;
	}
}

/* Whether every present input of node is a constant of an integer type (shape arithmetic,
 * which the runtime's float kernels do not take). */
static int integer_constants(const cv_graph *g, const cv_node *n)
{
	uint32_t present = 0;
	for (uint32_t k = 0; k < n->n_inputs; k++) {
		uint32_t t = n->inputs[k];
		if (t == EML_NO_TENSOR)
			continue;
		if (!cv_is_constant(g, t) || g->tensors[t].t.dtype != EDGEML_DTYPE_INT64)
			return 0;
		present++;
	}
	return present > 0;
}

edgeml_status cv_fold_static(cv_graph *g, uint32_t node, int *done)
{
	const cv_node *n = &g->nodes[node];
	*done = 0;
	if (n->op >= CV_OP_BASE) {
		fold_fn f = converter_fold(n->op);
		if (!f)
			return bad(g, node, "no conversion-time fold (a converter bug)");
		for (uint32_t k = 0; k < n->n_inputs; k++)
			if (n->inputs[k] != EML_NO_TENSOR &&
			    !g->tensors[n->inputs[k]].shape_known)
				return bad(g, node, "an input has no known shape");
		return f(g, node, done);
	}
	switch (n->op) {
	case EML_OP_Add:
	case EML_OP_Sub:
	case EML_OP_Mul:
	case EML_OP_Div:
		if (integer_constants(g, n))
			return fold_binary(g, node, done);
		return EDGEML_OK;
	default: return EDGEML_OK;
	}
}

/* Whether a converter-only op reads an output of node. */
static int feeds_converter_op(const cv_graph *g, uint32_t node)
{
	const cv_node *n = &g->nodes[node];
	for (uint32_t i = 0; i < g->n_nodes; i++) {
		const cv_node *m = &g->nodes[i];
		if (m->dead || m->op < CV_OP_BASE)
			continue;
		for (uint32_t k = 0; k < m->n_inputs; k++)
			for (uint32_t j = 0; j < n->n_outputs; j++)
				if (m->inputs[k] != EML_NO_TENSOR && m->inputs[k] == n->outputs[j])
					return 1;
	}
	return 0;
}

int cv_fold_always(const cv_graph *g, uint32_t node)
{
	const cv_node *n = &g->nodes[node];
	if (integer_constants(g, n))
		return 1;
	/* Float arithmetic between shape computations (Cast to float, Mul by a scale, Cast
	 * back): constants that a conversion-time op will read. */
	if (n->op == EML_OP_DequantizeLinear || n->op == EML_OP_QuantizeLinear)
		return 0;
	for (uint32_t k = 0; k < n->n_inputs; k++)
		if (n->inputs[k] != EML_NO_TENSOR && !cv_is_constant(g, n->inputs[k]))
			return 0;
	return feeds_converter_op(g, node);
}
