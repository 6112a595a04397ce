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

#include "convert/fold_values.h"
#include "error.h"
#include "ops/ops.h"

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

/* ---- the folds, one per op ----------------------------------------------------------- */

/* Shape(data; start, end): needs only data's (fixed) shape. */
static edgeml_status fold_Shape(cv_graph *g, uint32_t node, int *done)
{
	const cv_node *n = &g->nodes[node];
	const eml_tensor *x = fv_input(g, n, 0);
	if (!x)
		return fv_bad(g, node, "input 0 is missing");
	int64_t r = x->rank;
	int64_t start = fv_attr_i(g, node, "start", 0), end = fv_attr_i(g, node, "end", r);
	start = start < 0 ? start + r : start;
	end = end < 0 ? end + r : end;
	start = start < 0 ? 0 : start > r ? r : start;
	end = end < 0 ? 0 : end > r ? r : end;
	int64_t len = end > start ? end - start : 0;
	fv_result out;
	edgeml_status st = fv_result_init(g, node, &out, EDGEML_DTYPE_INT64, 1, &len);
	for (int64_t k = 0; !st && k < len; k++)
		fv_put_i(EDGEML_DTYPE_INT64, out.data, (uint64_t)k, x->dims[start + k]);
	return st ? st : fv_finish(g, node, &out, done);
}

/* Size(data): its element count, an int64 scalar. */
static edgeml_status fold_Size(cv_graph *g, uint32_t node, int *done)
{
	const eml_tensor *x = fv_input(g, &g->nodes[node], 0);
	if (!x)
		return fv_bad(g, node, "input 0 is missing");
	fv_result out;
	edgeml_status st = fv_result_init(g, node, &out, EDGEML_DTYPE_INT64, 0, NULL);
	if (!st)
		fv_put_i(EDGEML_DTYPE_INT64, out.data, 0, eml_tensor_numel(x));
	return st ? st : fv_finish(g, node, &out, done);
}

/* Gather(data, indices; axis) of constants (a runtime op too): any data dtype, negative
 * indices from the end. */
static edgeml_status fold_Gather(cv_graph *g, uint32_t node, int *done)
{
	const eml_tensor *x, *idx;
	edgeml_status st = fv_const_input(g, node, 0, "data", &x);
	if (!st)
		st = fv_const_input(g, node, 1, "indices", &idx);
	if (st)
		return st;
	int64_t axis = fv_attr_i(g, node, "axis", 0);
	if (axis < 0)
		axis += x->rank;
	if (axis < 0 || axis >= (int64_t)x->rank)
		return fv_bad(g, node, "axis is out of range");
	if (!fv_is_int_dtype(idx->dtype))
		return fv_bad(g, node, "indices must be integers");
	if (x->rank - 1 + idx->rank > EML_MAX_RANK)
		return fv_bad(g, node, "result rank exceeds the maximum");
	int64_t dims[EML_MAX_RANK];
	uint32_t r = 0;
	for (int64_t k = 0; k < axis; k++)
		dims[r++] = x->dims[k];
	for (uint32_t k = 0; k < idx->rank; k++)
		dims[r++] = idx->dims[k];
	for (uint32_t k = (uint32_t)axis + 1; k < x->rank; k++)
		dims[r++] = x->dims[k];
	fv_result out;
	st = fv_result_init(g, node, &out, x->dtype, r, dims);
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
			int64_t j = fv_get_i(idx, (uint64_t)i);
			if (j < 0)
				j += n;
			if (j < 0 || j >= n) {
				free(out.data);
				return fv_bad(g, node, "an index is out of range");
			}
			memcpy(o, src + (uint64_t)((a * n + j) * inner) * es, (size_t)inner * es);
			o += inner * es;
		}
	}
	return fv_finish(g, node, &out, done);
}

/* Copies the box start[d] + i*step[d] (i < out dims) of x into out: Slice's core. */
static void strided_copy(const eml_tensor *x, const int64_t *start, const int64_t *step,
			 fv_result *out)
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

/* Slice(data, starts, ends, axes, steps) of a constant (a runtime op too; opset < 10's
 * attributes were made inputs at import). Clamping as ONNX defines it. */
static edgeml_status fold_Slice(cv_graph *g, uint32_t node, int *done)
{
	const cv_node *n = &g->nodes[node];
	const eml_tensor *x, *t[4] = { NULL, NULL, NULL, NULL };
	static const char *const roles[4] = { "starts", "ends", "axes", "steps" };
	edgeml_status st = fv_const_input(g, node, 0, "data", &x);
	if (st)
		return st;
	int64_t starts[EML_MAX_RANK], ends[EML_MAX_RANK], axes[EML_MAX_RANK],
		steps[EML_MAX_RANK];
	int64_t count = -1;
	int64_t *vals[4] = { starts, ends, axes, steps };
	for (uint32_t k = 0; k < 4; k++) {
		int64_t c;
		if (k >= 2 && !fv_input(g, n, k + 1))
			continue;
		st = fv_const_input(g, node, k + 1, roles[k], &t[k]);
		if (st)
			return st;
		c = eml_tensor_numel(t[k]);
		if (!fv_is_int_dtype(t[k]->dtype) || t[k]->rank != 1 || c > EML_MAX_RANK)
			return fv_bad(g, node, "starts/ends/axes/steps must be 1-D integers");
		for (int64_t i = 0; i < c; i++)
			vals[k][i] = fv_get_i(t[k], (uint64_t)i);
		if (k < 2 && count >= 0 && c != count)
			return fv_bad(g, node, "starts and ends differ in length");
		if (k >= 2 && c != count)
			return fv_bad(g, node, "axes/steps differ in length from starts");
		count = c;
		if (k == 0)
			for (int64_t i = 0; i < c; i++) {
				axes[i] = i;
				steps[i] = 1;
			}
	}
	if (count < 0)
		return fv_bad(g, node, "starts and ends are missing");
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
			return fv_bad(g, node, "an axis is out of range or repeated");
		seen |= 1u << a;
		int64_t dim = x->dims[a], s = steps[i], b = starts[i], e = ends[i];
		if (s == 0)
			return fv_bad(g, node, "a step is 0");
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
	fv_result out;
	st = fv_result_init(g, node, &out, x->dtype, x->rank, dims);
	if (st)
		return st;
	strided_copy(x, lo, step, &out);
	return fv_finish(g, node, &out, done);
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
	const eml_tensor *x = fv_input(g, n, 0);
	int64_t to = fv_attr_i(g, node, "to", 0);
	uint32_t dt = onnx_dtype(to);
	if (!x)
		return fv_bad(g, node, "input 0 is missing");
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
		return fv_const_input(g, node, 0, "input", &unused);
	}
	fv_result out;
	edgeml_status st = fv_result_init(g, node, &out, dt, x->rank, x->dims);
	for (int64_t k = 0; !st && k < out.numel; k++) {
		if (to == ONNX_BOOL)
			fv_put_i(dt, out.data, (uint64_t)k, fv_get_f(x, (uint64_t)k) != 0.0);
		else if (x->dtype == EDGEML_DTYPE_FLOAT32)
			fv_put_f(dt, out.data, (uint64_t)k, fv_get_f(x, (uint64_t)k));
		else
			fv_put_i(dt, out.data, (uint64_t)k, fv_get_i(x, (uint64_t)k));
	}
	return st ? st : fv_finish(g, node, &out, done);
}

/* ConstantOfShape(shape, value): value (imported from the attribute as input 1) defaults to
 * a float 0. */
static edgeml_status fold_ConstantOfShape(cv_graph *g, uint32_t node, int *done)
{
	uint32_t rank;
	int64_t dims[EML_MAX_RANK];
	edgeml_status st = fv_shape_vector(g, node, 0, "shape", &rank, dims);
	if (st)
		return st;
	const eml_tensor *v = fv_input(g, &g->nodes[node], 1);
	if (v && (!cv_is_constant(g, g->nodes[node].inputs[1]) || eml_tensor_numel(v) != 1))
		return fv_bad(g, node, "value must be a one-element tensor");
	fv_result out;
	st = fv_result_init(g, node, &out, v ? v->dtype : EDGEML_DTYPE_FLOAT32, rank, dims);
	if (st)
		return st;
	uint64_t es = edgeml_dtype_size((edgeml_dtype)out.dtype);
	for (int64_t k = 0; v && k < out.numel; k++)
		memcpy((uint8_t *)out.data + (uint64_t)k * es, v->data, es);
	return fv_finish(g, node, &out, done);
}

/* Range(start, limit, delta) of scalars: max(ceil((limit - start) / delta), 0) elements. */
static edgeml_status fold_Range(cv_graph *g, uint32_t node, int *done)
{
	const eml_tensor *t[3];
	static const char *const roles[3] = { "start", "limit", "delta" };
	for (uint32_t k = 0; k < 3; k++) {
		edgeml_status st = fv_const_input(g, node, k, roles[k], &t[k]);
		if (st)
			return st;
		if (eml_tensor_numel(t[k]) != 1 || t[k]->dtype != t[0]->dtype)
			return fv_bad(g, node,
				      "start, limit and delta must be scalars of one type");
	}
	int fl = t[0]->dtype == EDGEML_DTYPE_FLOAT32;
	double s = fv_get_f(t[0], 0), l = fv_get_f(t[1], 0), d = fv_get_f(t[2], 0);
	if (d == 0)
		return fv_bad(g, node, "delta is 0");
	double c = ceil((l - s) / d);
	int64_t count = c > 0 ? (c > (double)INT32_MAX ? INT32_MAX : (int64_t)c) : 0;
	fv_result out;
	edgeml_status st = fv_result_init(g, node, &out, t[0]->dtype, 1, &count);
	for (int64_t k = 0; !st && k < count; k++) {
		if (fl)
			fv_put_f(out.dtype, out.data, (uint64_t)k, s + (double)k * d);
		else
			fv_put_i(out.dtype, out.data, (uint64_t)k,
			      (int64_t)((uint64_t)fv_get_i(t[0], 0) +
					(uint64_t)k * (uint64_t)fv_get_i(t[2], 0)));
	}
	return st ? st : fv_finish(g, node, &out, done);
}

/* Binary elementwise ops with broadcasting on constants: comparisons give bool, arithmetic
 * keeps the inputs' type (integer Div truncates, as ONNX Runtime does). */
static edgeml_status fold_binary(cv_graph *g, uint32_t node, int *done)
{
	uint32_t op = g->nodes[node].op;
	const eml_tensor *in[2];
	edgeml_status st = fv_const_input(g, node, 0, "A", &in[0]);
	if (!st)
		st = fv_const_input(g, node, 1, "B", &in[1]);
	if (st)
		return st;
	if (in[0]->dtype != in[1]->dtype)
		return fv_bad(g, node, "A and B differ in type");
	int cmp = op == CV_OP_Equal || op == CV_OP_Less || op == CV_OP_Greater;
	int fl = in[0]->dtype == EDGEML_DTYPE_FLOAT32;
	/* Mod: fmod = 1 is C's remainder (the dividend's sign), 0 the divisor's sign (Python's
	 * %), which ONNX allows for integers only */
	int c_mod = op == CV_OP_Mod && fv_attr_i(g, node, "fmod", 0) != 0;
	if (op == CV_OP_Mod && fl && !c_mod)
		return fv_bad(g, node, "fmod must be 1 for floating-point inputs");
	uint32_t rank;
	int64_t dims[EML_MAX_RANK];
	st = fv_broadcast_shape(g, node, in, 2, &rank, dims);
	fv_result out;
	if (!st)
		st = fv_result_init(g, node, &out, cmp ? CV_DTYPE_BOOL : in[0]->dtype, rank, dims);
	if (st)
		return st;
	fv_walker w;
	fv_walker_init(&w, in, 2, &out);
	for (int64_t e = 0; e < out.numel; e++, fv_walker_next(&w)) {
		uint64_t a = (uint64_t)w.off[0], b = (uint64_t)w.off[1];
		if (cmp) {
			double x = fv_get_f(in[0], a), y = fv_get_f(in[1], b);
			int64_t xi = fv_get_i(in[0], a), yi = fv_get_i(in[1], b);
			int r = op == CV_OP_Equal ? (fl ? x == y : xi == yi)
				: op == CV_OP_Less ? (fl ? x < y : xi < yi)
						   : (fl ? x > y : xi > yi);
			fv_put_i(out.dtype, out.data, (uint64_t)e, r);
		} else if (fl && op == CV_OP_Mod) {
			fv_put_f(out.dtype, out.data, (uint64_t)e,
				 fmodf((float)fv_get_f(in[0], a), (float)fv_get_f(in[1], b)));
		} else if (fl) {
			double x = fv_get_f(in[0], a), y = fv_get_f(in[1], b);
			double r = op == EML_OP_Add ? x + y
				   : op == EML_OP_Sub ? x - y
				   : op == EML_OP_Mul ? x * y
						      : x / y;
			fv_put_f(out.dtype, out.data, (uint64_t)e, (float)r);
		} else {
			/* Wrapping arithmetic in unsigned, as the fixed-width types do. */
			int64_t x = fv_get_i(in[0], a), y = fv_get_i(in[1], b), r;
			if (op == EML_OP_Add)
				r = (int64_t)((uint64_t)x + (uint64_t)y);
			else if (op == EML_OP_Sub)
				r = (int64_t)((uint64_t)x - (uint64_t)y);
			else if (op == EML_OP_Mul)
				r = (int64_t)((uint64_t)x * (uint64_t)y);
			else if (y == 0 || (x == INT64_MIN && y == -1)) {
				free(out.data);
				return fv_bad(g, node, "integer division by zero or overflow");
			} else if (op == CV_OP_Mod) {
				r = x % y;
				if (!c_mod && r != 0 && (r < 0) != (y < 0))
					r += y;
			} else {
				r = x / y;
			}
			fv_put_i(out.dtype, out.data, (uint64_t)e, r);
		}
	}
	return fv_finish(g, node, &out, done);
}

/* ScatterND(data, indices, updates) of constants (an attention mask built by slice
 * assignments): a copy of data with the slices indices name replaced by, or combined with
 * (reduction add, mul, max, min), the updates. */
static edgeml_status fold_ScatterND(cv_graph *g, uint32_t node, int *done)
{
	const eml_tensor *data, *idx, *upd;
	edgeml_status st = fv_const_input(g, node, 0, "data", &data);
	if (!st)
		st = fv_const_input(g, node, 1, "indices", &idx);
	if (!st)
		st = fv_const_input(g, node, 2, "updates", &upd);
	if (st)
		return st;
	const eml_attr *ra = fv_attr(g, node, "reduction");
	const char *red = ra && ra->type == EML_ATTR_STRING ? ra->s : "none";
	int mode = strcmp(red, "none") == 0  ? 0
		   : strcmp(red, "add") == 0 ? 1
		   : strcmp(red, "mul") == 0 ? 2
		   : strcmp(red, "max") == 0 ? 3
		   : strcmp(red, "min") == 0 ? 4
					     : -1;
	if (mode < 0)
		return fv_bad(g, node, "reduction must be none, add, mul, max or min");
	if (!fv_is_int_dtype(idx->dtype) || idx->rank < 1)
		return fv_bad(g, node, "indices must be an integer tensor of rank >= 1");
	uint32_t k = (uint32_t)idx->dims[idx->rank - 1];
	if (idx->dims[idx->rank - 1] < 1 || k > data->rank || upd->dtype != data->dtype ||
	    upd->rank != idx->rank - 1 + data->rank - k)
		return fv_bad(g, node, "indices, updates and data do not fit together");
	for (uint32_t d = 0; d + 1 < idx->rank; d++)
		if (upd->dims[d] != idx->dims[d])
			return fv_bad(g, node, "updates' leading dims differ from indices'");
	int64_t slice = 1;
	for (uint32_t d = k; d < data->rank; d++) {
		if (upd->dims[idx->rank - 1 + d - k] != data->dims[d])
			return fv_bad(g, node, "updates' trailing dims differ from data's");
		slice *= data->dims[d];
	}
	fv_result out;
	st = fv_result_init(g, node, &out, data->dtype, data->rank, data->dims);
	if (st)
		return st;
	uint64_t es = edgeml_dtype_size((edgeml_dtype)out.dtype);
	memcpy(out.data, data->data, (uint64_t)out.numel * es);
	int64_t n_idx = slice ? eml_tensor_numel(upd) / slice : 0;
	int fl = data->dtype == EDGEML_DTYPE_FLOAT32;
	const eml_tensor cur = { .dtype = out.dtype, .data = out.data }; /* the result so far */
	for (int64_t i = 0; i < n_idx; i++) {
		int64_t off = 0;
		for (uint32_t d = 0; d < k; d++) {
			int64_t v = fv_get_i(idx, (uint64_t)(i * k + d)), n = data->dims[d];
			v = v < 0 ? v + n : v;
			if (v < 0 || v >= n) {
				free(out.data);
				return fv_bad(g, node, "an index is out of range");
			}
			off = off * n + v;
		}
		off *= slice;
		for (int64_t j = 0; j < slice; j++) {
			uint64_t o = (uint64_t)(off + j), u = (uint64_t)(i * slice + j);
			if (mode == 0) {
				memcpy((uint8_t *)out.data + o * es, (const uint8_t *)upd->data + u * es,
				       es);
			} else if (fl) {
				double x = fv_get_f(&cur, o), y = fv_get_f(upd, u);
				double r = mode == 1 ? x + y : mode == 2 ? x * y
							   : mode == 3 ? (x > y ? x : y)
								       : (x < y ? x : y);
				fv_put_f(out.dtype, out.data, o, (float)r);
			} else {
				int64_t x = fv_get_i(&cur, o), y = fv_get_i(upd, u);
				int64_t r = mode == 1 ? (int64_t)((uint64_t)x + (uint64_t)y)
					    : mode == 2 ? (int64_t)((uint64_t)x * (uint64_t)y)
					    : mode == 3 ? (x > y ? x : y)
							: (x < y ? x : y);
				fv_put_i(out.dtype, out.data, o, r);
			}
		}
	}
	return fv_finish(g, node, &out, done);
}

/* Not(X) of a bool constant. */
static edgeml_status fold_Not(cv_graph *g, uint32_t node, int *done)
{
	const eml_tensor *x;
	edgeml_status st = fv_const_input(g, node, 0, "X", &x);
	fv_result out;
	if (!st)
		st = fv_result_init(g, node, &out, CV_DTYPE_BOOL, x->rank, x->dims);
	for (int64_t k = 0; !st && k < out.numel; k++)
		fv_put_i(out.dtype, out.data, (uint64_t)k, fv_get_i(x, (uint64_t)k) == 0);
	return st ? st : fv_finish(g, node, &out, done);
}

/* Where(condition, X, Y) of constants, the three broadcast together. */
static edgeml_status fold_Where(cv_graph *g, uint32_t node, int *done)
{
	const eml_tensor *in[3];
	static const char *const roles[3] = { "condition", "X", "Y" };
	for (uint32_t k = 0; k < 3; k++) {
		edgeml_status st = fv_const_input(g, node, k, roles[k], &in[k]);
		if (st)
			return st;
	}
	if (in[1]->dtype != in[2]->dtype)
		return fv_bad(g, node, "X and Y differ in type");
	uint32_t rank;
	int64_t dims[EML_MAX_RANK];
	fv_result out;
	edgeml_status st = fv_broadcast_shape(g, node, in, 3, &rank, dims);
	if (!st)
		st = fv_result_init(g, node, &out, in[1]->dtype, rank, dims);
	if (st)
		return st;
	uint64_t es = edgeml_dtype_size((edgeml_dtype)out.dtype);
	fv_walker w;
	fv_walker_init(&w, in, 3, &out);
	for (int64_t e = 0; e < out.numel; e++, fv_walker_next(&w)) {
		int c = fv_get_i(in[0], (uint64_t)w.off[0]) != 0;
		const eml_tensor *src = c ? in[1] : in[2];
		memcpy((uint8_t *)out.data + (uint64_t)e * es,
		       (const uint8_t *)src->data + (uint64_t)w.off[c ? 1 : 2] * es, es);
	}
	return fv_finish(g, node, &out, done);
}

/* Expand(input, shape) of a constant: numpy broadcast of input's shape with shape. */
static edgeml_status fold_Expand(cv_graph *g, uint32_t node, int *done)
{
	const eml_tensor *x;
	eml_tensor target;
	memset(&target, 0, sizeof(target));
	edgeml_status st = fv_const_input(g, node, 0, "input", &x);
	if (!st)
		st = fv_shape_vector(g, node, 1, "shape", &target.rank, target.dims);
	if (st)
		return st;
	const eml_tensor *in[2] = { x, &target };
	uint32_t rank;
	int64_t dims[EML_MAX_RANK];
	fv_result out;
	st = fv_broadcast_shape(g, node, in, 2, &rank, dims);
	if (!st)
		st = fv_result_init(g, node, &out, x->dtype, rank, dims);
	if (st)
		return st;
	uint64_t es = edgeml_dtype_size((edgeml_dtype)out.dtype);
	fv_walker w;
	fv_walker_init(&w, in, 1, &out);
	for (int64_t e = 0; e < out.numel; e++, fv_walker_next(&w))
		memcpy((uint8_t *)out.data + (uint64_t)e * es,
		       (const uint8_t *)x->data + (uint64_t)w.off[0] * es, es);
	return fv_finish(g, node, &out, done);
}

/* Tile(input, repeats) of a constant. */
static edgeml_status fold_Tile(cv_graph *g, uint32_t node, int *done)
{
	const eml_tensor *x;
	uint32_t nrep;
	int64_t rep[EML_MAX_RANK], dims[EML_MAX_RANK];
	edgeml_status st = fv_const_input(g, node, 0, "input", &x);
	if (!st)
		st = fv_shape_vector(g, node, 1, "repeats", &nrep, rep);
	if (st)
		return st;
	if (nrep != x->rank)
		return fv_bad(g, node, "repeats must have one entry per input dim");
	for (uint32_t d = 0; d < x->rank; d++) {
		if (rep[d] < 0 || (rep[d] && x->dims[d] > INT64_MAX / rep[d]))
			return fv_bad(g, node, "a repeat is negative or too large");
		dims[d] = x->dims[d] * rep[d];
	}
	fv_result out;
	st = fv_result_init(g, node, &out, x->dtype, x->rank, dims);
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
	return fv_finish(g, node, &out, done);
}

/* If(cond) with a constant condition: the chosen branch's nodes join the graph, Identities
 * carry its outputs to the If's, and the If goes. The caller re-sorts and re-infers. */
static edgeml_status inline_If(cv_graph *g, uint32_t node, int *done)
{
	const eml_tensor *c;
	edgeml_status st = fv_const_input(g, node, 0, "cond", &c);
	if (st)
		return st;
	if (eml_tensor_numel(c) != 1)
		return fv_bad(g, node, "cond must hold one element");
	const void *branch = g->nodes[node].branches[fv_get_i(c, 0) != 0 ? 0 : 1];
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
	case CV_OP_Cast: return fold_Cast;
	case CV_OP_ConstantOfShape: return fold_ConstantOfShape;
	case CV_OP_Range: return fold_Range;
	case CV_OP_Equal:
	case CV_OP_Less:
	case CV_OP_Greater:
	case CV_OP_Mod: return fold_binary;
	case CV_OP_ScatterND: return fold_ScatterND;
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
			return fv_bad(g, node, "no conversion-time fold (a converter bug)");
		for (uint32_t k = 0; k < n->n_inputs; k++)
			if (n->inputs[k] != EML_NO_TENSOR &&
			    !g->tensors[n->inputs[k]].shape_known)
				return fv_bad(g, node, "an input has no known shape");
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
	case EML_OP_Slice:
	case EML_OP_Gather:
		/* Runtime ops once their data is computed at run time; their constant forms
		 * (booleans and every dtype included) fold here as before. */
		for (uint32_t k = 0; k < n->n_inputs; k++)
			if (n->inputs[k] != EML_NO_TENSOR && !cv_is_constant(g, n->inputs[k]))
				return EDGEML_OK;
		return n->op == EML_OP_Slice ? fold_Slice(g, node, done)
					     : fold_Gather(g, node, done);
	default: return EDGEML_OK;
	}
}

/* How many runtime ops deep a chain of constants may lead to a converter-only op and still
 * fold at shape time (an attention mask: ScatterND, Reshape, Transpose, Unsqueeze, Sub,
 * Equal). */
#define FEEDS_DEPTH 8

/* Whether a converter-only op reads an output of node, directly or through up to depth
 * runtime ops (which fold in turn once their inputs have: their other inputs may be shape
 * computations later in the order, not folded yet). */
static int feeds_converter_op(const cv_graph *g, uint32_t node, int depth)
{
	const cv_node *n = &g->nodes[node];
	for (uint32_t i = 0; i < g->n_nodes; i++) {
		const cv_node *m = &g->nodes[i];
		if (m->dead)
			continue;
		int reads = 0;
		for (uint32_t k = 0; k < m->n_inputs; k++)
			for (uint32_t j = 0; j < n->n_outputs; j++)
				reads |= m->inputs[k] != EML_NO_TENSOR && m->inputs[k] == n->outputs[j];
		if (!reads)
			continue;
		if (m->op >= CV_OP_BASE)
			return 1;
		if (depth > 0 && m->op != EML_OP_DequantizeLinear &&
		    m->op != EML_OP_QuantizeLinear && feeds_converter_op(g, i, depth - 1))
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
	return feeds_converter_op(g, node, FEEDS_DEPTH);
}
