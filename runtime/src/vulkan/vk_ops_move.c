/* vk_ops_move.c — Vulkan dispatches of the data-movement ops (copies for views the planner
 * could not alias, Transpose, Concat, Slice, Split, QLinearConcat, Gather, Pad), Resize and the pools. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "quant/quant.h"
#include "error.h"
#include "ops/ops.h"
#include "ops/pad_params.h"
#include "ops/slice_params.h"
#include "vulkan/vk_ops.h"

/* The copy shader's element type for a dtype: bits are moved, never interpreted. */
static const char *copy_type(uint32_t dtype)
{
	switch (edgeml_dtype_size((edgeml_dtype)dtype)) {
	case 1:
		return "uint8_t";
	case 4:
		return "uint";
	case 8:
		return "uvec2";
	default:
		return NULL;
	}
}

/* Row-major element strides of dims. */
static void contiguous(uint32_t rank, const int64_t *dims, int64_t *strides)
{
	int64_t s = 1;
	for (uint32_t i = rank; i-- > 0;) {
		strides[i] = s;
		s *= dims[i];
	}
}

/* A strided copy of the box dims: element c goes from src_base + c . src to dst_base + c . dst
 * (copy.comp); with lut (256 words, bytes only), the byte lut[src byte] goes. */
static edgeml_status add_copy_lut(eml_vk_kernel *k, uint32_t src_t, uint32_t dst_t,
				  uint32_t dtype, uint32_t rank, const int64_t *dims,
				  int64_t src_base, const int64_t *src, const int64_t *dst,
				  int64_t dst_base, const int32_t *lut)
{
	const char *t = copy_type(dtype);
	int64_t n = 1;
	for (uint32_t i = 0; i < rank; i++)
		n *= dims[i];
	if (!t)
		return eml_error(EDGEML_ERR_UNSUPPORTED, "%s tensors have no GPU copy",
				 edgeml_dtype_name((edgeml_dtype)dtype));
	eml_vk_dispatch *d = eml_vk_add_dispatch(k, "copy.comp", (uint64_t)n);
	if (!d)
		return eml_error(EDGEML_ERR_UNSUPPORTED, "more than %d copies in one node",
				 EML_VK_MAX_DISPATCH);
	int32_t words[3 + 3 * EML_MAX_RANK];
	words[0] = (int32_t)rank;
	words[1] = (int32_t)dst_base;
	words[2] = (int32_t)src_base;
	for (uint32_t i = 0; i < rank; i++) {
		words[3 + i] = (int32_t)dims[i];
		words[3 + rank + i] = (int32_t)src[i];
		words[3 + 2 * rank + i] = (int32_t)dst[i];
	}
	eml_vk_macro(d, "T", t);
	eml_vk_macro(d, "LUT", lut ? "1" : "0");
	eml_vk_bind(d, src_t);
	eml_vk_bind(d, dst_t);
	edgeml_status st = eml_vk_param_i(d, words, 3 + 3 * rank);
	if (st == EDGEML_OK && lut)
		st = eml_vk_param_i(d, lut, 256);
	return st;
}

/* add_copy_lut without a table. */
static edgeml_status add_copy_from(eml_vk_kernel *k, uint32_t src_t, uint32_t dst_t,
				   uint32_t dtype, uint32_t rank, const int64_t *dims,
				   int64_t src_base, const int64_t *src, const int64_t *dst,
				   int64_t dst_base)
{
	return add_copy_lut(k, src_t, dst_t, dtype, rank, dims, src_base, src, dst, dst_base,
			    NULL);
}

/* add_copy_from from the source's first element. */
static edgeml_status add_copy(eml_vk_kernel *k, uint32_t src_t, uint32_t dst_t, uint32_t dtype,
			      uint32_t rank, const int64_t *dims, const int64_t *src,
			      const int64_t *dst, int64_t dst_base)
{
	return add_copy_from(k, src_t, dst_t, dtype, rank, dims, 0, src, dst, dst_base);
}

/* Concat's inputs a concat.comp dispatch takes: the seven bindings less the output. */
#define CONCAT_SRC 6

/* The inputs of one concat.comp dispatch being gathered: input j (tensor[j]), seen as
 * [outer][len[j]], fills columns [at[j], at[j] + len[j]) of the output seen as [outer][row];
 * with lut, its bytes go through table[j]. */
typedef struct concat_chunk {
	uint32_t n, dtype, out;
	int lut;
	int64_t outer, row;
	uint32_t tensor[CONCAT_SRC];
	int64_t len[CONCAT_SRC], at[CONCAT_SRC];
	int32_t table[CONCAT_SRC][256];
} concat_chunk;

/* Adds the dispatch of the gathered inputs, if any, and starts a new chunk. */
static edgeml_status concat_flush(eml_vk_kernel *k, concat_chunk *c)
{
	const char *t = copy_type(c->dtype);
	int64_t total = 0;
	char nsrc[12], dst[12];
	uint32_t n = c->n;
	if (n == 0)
		return EDGEML_OK;
	c->n = 0;
	if (!t)
		return eml_error(EDGEML_ERR_UNSUPPORTED, "%s tensors have no GPU copy",
				 edgeml_dtype_name((edgeml_dtype)c->dtype));
	eml_vk_dispatch *d = eml_vk_add_dispatch(k, "concat.comp", 1);
	if (!d)
		return eml_error(EDGEML_ERR_UNSUPPORTED, "more than %d inputs in one node",
				 EML_VK_MAX_DISPATCH * CONCAT_SRC);
	snprintf(nsrc, sizeof(nsrc), "%u", n);
	snprintf(dst, sizeof(dst), "%u", n + 1);
	eml_vk_macro(d, "T", t);
	eml_vk_macro(d, "LUT", c->lut ? "1" : "0");
	eml_vk_macro(d, "NSRC", nsrc);
	eml_vk_macro(d, "DST", dst);
	EML_VK_SET_I(d, CONCAT_ROW, c->row);
	for (uint32_t j = 0; j < n; j++) {
		total += c->outer * c->len[j];
		eml_vk_bind(d, c->tensor[j]);
		eml_vk_put_i(d, EML_VKP_CONCAT_LEN0 + j, c->len[j], 0);
		eml_vk_put_i(d, EML_VKP_CONCAT_END0 + j, total, 0);
		eml_vk_put_i(d, EML_VKP_CONCAT_AT0 + j, c->at[j], 0);
	}
	eml_vk_bind(d, c->out);
	d->invocations = (uint64_t)total;
	edgeml_status st = EDGEML_OK;
	for (uint32_t j = 0; j < n && c->lut && st == EDGEML_OK; j++)
		st = eml_vk_param_i(d, c->table[j], 256);
	return st;
}

/* Adds input tensor (dims along the axis: len) to the chunk, flushing a full one; its table
 * is the chunk's next (filled by the caller before, for QLinearConcat). */
static edgeml_status concat_add(eml_vk_kernel *k, concat_chunk *c, uint32_t tensor,
				int64_t len, int64_t at)
{
	c->tensor[c->n] = tensor;
	c->len[c->n] = len;
	c->at[c->n] = at;
	return ++c->n == CONCAT_SRC ? concat_flush(k, c) : EDGEML_OK;
}

/* Starts a chunk for the Concat of y on axis: outer (the elements before the axis) and row
 * (the output's elements per outer index); the GPU's words are 32-bit. */
static edgeml_status concat_start(const eml_tensor *y, uint32_t axis, uint32_t out, int lut,
				  concat_chunk *c)
{
	c->n = 0;
	c->dtype = y->dtype;
	c->out = out;
	c->lut = lut;
	c->outer = 1;
	for (uint32_t i = 0; i < axis; i++)
		c->outer *= y->dims[i];
	c->row = c->outer > 0 ? eml_tensor_numel(y) / c->outer : 0;
	if (eml_tensor_numel(y) > INT32_MAX)
		return eml_error(EDGEML_ERR_UNSUPPORTED, "a Concat output of over 2^31 elements");
	return EDGEML_OK;
}

/* Inputs of Slice (data, starts, ends, axes, steps) and Split (input, split). */
#define SLICE_INPUTS 5

/* The graph tensors of node's inputs, as the shared decoders (slice_params.h) take them. */
static void node_inputs(const eml_graph *g, const eml_node *node, const eml_tensor **in)
{
	for (uint32_t i = 0; i < node->n_inputs && i < SLICE_INPUTS; i++)
		in[i] = eml_vk_input(g, node, i);
}

/* Refuses a node whose inputs after the first (Slice's starts..steps, Pad's pads,
 * constant_value and axes) are given at run time: the GPU dispatches are laid out at session
 * creation from their values. */
static edgeml_status require_constant_params(const eml_graph *g, const eml_node *node)
{
	for (uint32_t i = 1; i < node->n_inputs; i++) {
		const eml_tensor *in = eml_vk_input(g, node, i);
		if (in && (!(in->flags & EML_TF_CONSTANT) || !in->data))
			return eml_error(EDGEML_ERR_UNSUPPORTED,
					 "input %u is not a constant: the GPU dispatch is laid out at "
					 "session creation", i);
	}
	return EDGEML_OK;
}

/* Slice: the box of eml_slice_params (constant starts, ends, axes, steps) as one strided copy;
 * Split: one per output. Parameters given at run time are the CPU's (unsupported here). */
static edgeml_status build_slice(const eml_graph *g, const eml_node *node, eml_vk_kernel *k)
{
	const eml_tensor *in[SLICE_INPUTS] = { 0 };
	const eml_tensor *x = eml_vk_input(g, node, 0);
	int64_t xs[EML_MAX_RANK], start[EML_MAX_RANK], step[EML_MAX_RANK], dims[EML_MAX_RANK];
	int64_t src[EML_MAX_RANK], dst[EML_MAX_RANK];
	if (node->n_inputs > SLICE_INPUTS)
		return eml_error(EDGEML_ERR_UNSUPPORTED, "too many inputs");
	node_inputs(g, node, in);
	eml_op_params tmp;
	const eml_op_params *op = NULL;
	edgeml_status st = require_constant_params(g, node);
	if (st == EDGEML_OK)
		st = eml_vk_params(g, node, &tmp, &op);
	if (st != EDGEML_OK)
		return st;
	contiguous(x->rank, x->dims, xs);
	uint32_t parts = node->op == EML_OP_Slice ? 1 : node->n_outputs;
	for (uint32_t p = 0; p < parts; p++) {
		uint32_t out = node->outputs[p];
		if (out == EML_NO_TENSOR)
			continue;
		if (node->op == EML_OP_Slice) {
			memcpy(start, op->slice.start, sizeof(start));
			memcpy(step, op->slice.step, sizeof(step));
			memcpy(dims, op->slice.dims, sizeof(dims));
		} else {
			const eml_split_params *sp = &op->split;
			for (uint32_t d = 0; d < x->rank; d++) {
				start[d] = d == sp->axis ? sp->at[p] : 0;
				step[d] = 1;
				dims[d] = d == sp->axis ? sp->at[p + 1] - sp->at[p] : x->dims[d];
			}
		}
		int64_t base = 0, n = 1;
		for (uint32_t d = 0; d < x->rank; d++) {
			base += start[d] * xs[d];
			src[d] = step[d] * xs[d];
			n *= dims[d];
		}
		if (n == 0)
			continue;
		contiguous(x->rank, dims, dst);
		st = add_copy_from(k, node->inputs[0], out, x->dtype, x->rank, dims, base, src,
				   dst, 0);
		if (st != EDGEML_OK)
			return st;
	}
	return EDGEML_OK;
}

/* QLinearConcat (Y_scale, Y_zero_point, X1, X1_scale, X1_zero_point, ...): Concat's copies,
 * each through a table of the reference's requantization of every input byte
 * (eml_quantize_f32 of (x - x_zp) * x_scale), computed here: exact by construction. */
static edgeml_status build_qconcat(const eml_graph *g, const eml_node *node, eml_vk_kernel *k)
{
	const eml_tensor *y = &g->tensors[node->outputs[0]];
	const float *ys, *xs;
	int64_t n;
	int32_t yz, xz, lo, hi;
	concat_chunk chunk;
	eml_op_params tmp;
	const eml_op_params *op = NULL;
	edgeml_status st = eml_vk_params(g, node, &tmp, &op);
	const eml_qconcat_params *q = st == EDGEML_OK ? &op->qconcat : NULL;
	if (st == EDGEML_OK)
		st = eml_vk_scales(g, node, q->y_scale, &ys, &n);
	if (st == EDGEML_OK)
		st = eml_vk_zero_point(g, node, q->y_zero_point, 0, &yz);
	if (st != EDGEML_OK)
		return st;
	int64_t axis = q->axis;
	if (y->dtype != EDGEML_DTYPE_UINT8 && y->dtype != EDGEML_DTYPE_INT8)
		return eml_error(EDGEML_ERR_UNSUPPORTED, "QLinearConcat of %s",
				 edgeml_dtype_name((edgeml_dtype)y->dtype));
	eml_q_range(y->dtype, &lo, &hi);
	st = concat_start(y, q->axis, node->outputs[0], 1, &chunk);
	int64_t at = 0, inner = chunk.outer > 0 && y->dims[axis] > 0 ? chunk.row / y->dims[axis] : 0;
	for (uint32_t j = 0; j < q->n_x && st == EDGEML_OK; j++) {
		uint32_t i = q->x0 + 3 * j;
		const eml_tensor *xi = eml_vk_input(g, node, i);
		st = eml_vk_scales(g, node, i + 1, &xs, &n);
		if (st == EDGEML_OK)
			st = eml_vk_zero_point(g, node, i + 2, 0, &xz);
		if (st != EDGEML_OK)
			return st;
		if (!xi || (xi->dtype != EDGEML_DTYPE_UINT8 && xi->dtype != EDGEML_DTYPE_INT8))
			return eml_error(EDGEML_ERR_UNSUPPORTED, "QLinearConcat input %u", i);
		if (eml_tensor_numel(xi) == 0)
			continue;
		for (int b = 0; b < 256; b++) {
			int32_t v = xi->dtype == EDGEML_DTYPE_INT8 ? (int8_t)b : b;
			chunk.table[chunk.n][b] = (uint8_t)eml_q_rescale(v, xs[0], xz, ys[0], yz, lo, hi);
		}
		st = concat_add(k, &chunk, node->inputs[i], xi->dims[axis] * inner, at * inner);
		at += xi->dims[axis];
	}
	return st == EDGEML_OK ? concat_flush(k, &chunk) : st;
}

/* Gather with constant indices (the shape lookups and last-step selects of exported
 * recurrent nets): one strided copy per index, the [outer][inner] box of data's row v into
 * the output's row i. An index outside [-dim, dim) fails session creation, naming it, as the
 * reference fails the run; indices given at run time stay on the CPU, which checks them. */
static edgeml_status build_gather(const eml_graph *g, const eml_node *node, eml_vk_kernel *k)
{
	const eml_tensor *x = eml_vk_input(g, node, 0), *ind = eml_vk_input(g, node, 1);
	eml_op_params tmp;
	const eml_op_params *op;
	edgeml_status st = eml_vk_params(g, node, &tmp, &op);
	if (st != EDGEML_OK)
		return st;
	if (!(ind->flags & EML_TF_CONSTANT) || !ind->data)
		return eml_error(EDGEML_ERR_UNSUPPORTED, "indices are not a constant: the GPU "
				 "copies are laid out at session creation");
	uint32_t a = op->axis.axis;
	int64_t outer = 1, inner = 1, dim = x->dims[a], ni = eml_tensor_numel(ind);
	for (uint32_t d = 0; d < a; d++)
		outer *= x->dims[d];
	for (uint32_t d = a + 1; d < x->rank; d++)
		inner *= x->dims[d];
	if (ni > EML_VK_MAX_DISPATCH)
		return eml_error(EDGEML_ERR_UNSUPPORTED, "%lld indices: more than %d copies in one "
				 "node", (long long)ni, EML_VK_MAX_DISPATCH);
	if (outer * inner == 0)
		return EDGEML_OK;
	int wide = ind->dtype == EDGEML_DTYPE_INT64;
	for (int64_t i = 0; i < ni; i++) {
		int64_t v = wide ? ((const int64_t *)ind->data)[i] : ((const int32_t *)ind->data)[i];
		if (v < -dim || v >= dim)
			return eml_error(EDGEML_ERR_INVALID_ARGUMENT, "indices[%lld] = %lld is "
					 "outside [-%lld, %lld) of axis %u", (long long)i,
					 (long long)v, (long long)dim, (long long)dim, a);
		if (v < 0)
			v += dim;
		const int64_t box[2] = { outer, inner }, src[2] = { dim * inner, 1 },
			      dst[2] = { ni * inner, 1 };
		st = add_copy_from(k, node->inputs[0], node->outputs[0], x->dtype, 2, box,
				   v * inner, src, dst, i * inner);
		if (st != EDGEML_OK)
			return st;
	}
	return EDGEML_OK;
}

edgeml_status eml_vk_build_movement(const eml_graph *g, const eml_node *node, eml_vk_kernel *k)
{
	const eml_tensor *x = eml_vk_input(g, node, 0), *y = &g->tensors[node->outputs[0]];
	int64_t src[EML_MAX_RANK], dst[EML_MAX_RANK];
	if (node->op == EML_OP_Slice || node->op == EML_OP_Split)
		return build_slice(g, node, k);
	if (node->op == EML_OP_Gather)
		return build_gather(g, node, k);
	eml_op_params tmp;
	const eml_op_params *op = NULL;
	if (node->op == EML_OP_Transpose || node->op == EML_OP_Concat) {
		edgeml_status st = eml_vk_params(g, node, &tmp, &op);
		if (st != EDGEML_OK)
			return st;
	}
	if (node->op == EML_OP_Transpose) {
		int64_t xs[EML_MAX_RANK];
		contiguous(x->rank, x->dims, xs);
		contiguous(y->rank, y->dims, dst);
		for (uint32_t i = 0; i < y->rank; i++)
			src[i] = xs[op->transpose.perm[i]];
		return add_copy(k, node->inputs[0], node->outputs[0], y->dtype, y->rank, y->dims,
				src, dst, 0);
	}
	if (node->op == EML_OP_Concat) {
		uint32_t axis = op->axis.axis;
		concat_chunk chunk;
		edgeml_status st = concat_start(y, axis, node->outputs[0], 0, &chunk);
		int64_t at = 0, inner = chunk.outer > 0 && y->dims[axis] > 0
						? chunk.row / y->dims[axis] : 0;
		for (uint32_t i = 0; i < node->n_inputs && st == EDGEML_OK; i++) {
			const eml_tensor *xi = eml_vk_input(g, node, i);
			if (!xi || eml_tensor_numel(xi) == 0)
				continue;
			st = concat_add(k, &chunk, node->inputs[i], xi->dims[axis] * inner,
					at * inner);
			at += xi->dims[axis];
		}
		return st == EDGEML_OK ? concat_flush(k, &chunk) : st;
	}
	if (node->op == EML_OP_QLinearConcat)
		return build_qconcat(g, node, k);
	/* Reshape and the other views the planner could not alias: a flat copy. */
	int64_t n = eml_tensor_numel(y), one = 1;
	return add_copy(k, node->inputs[0], node->outputs[0], y->dtype, 1, &n, &one, &one, 0);
}

/* Pad: every output element from pad.comp, which maps its coordinates to the input's as the
 * reference does or writes the fill value (constant_value's bits, else zero). The pads and
 * the constant value must be constants: the parameters are laid out at session creation. */
edgeml_status eml_vk_build_pad(const eml_graph *g, const eml_node *node, eml_vk_kernel *k)
{
	const eml_tensor *x = eml_vk_input(g, node, 0), *y = &g->tensors[node->outputs[0]];
	eml_op_params tmp;
	const eml_op_params *op;
	edgeml_status st = require_constant_params(g, node);
	if (st == EDGEML_OK)
		st = eml_vk_params(g, node, &tmp, &op);
	if (st != EDGEML_OK)
		return st;
	const char *t = copy_type(x->dtype);
	if (!t)
		return eml_error(EDGEML_ERR_UNSUPPORTED, "%s tensors have no GPU copy",
				 edgeml_dtype_name((edgeml_dtype)x->dtype));
	if (eml_tensor_numel(x) > INT32_MAX)
		return eml_error(EDGEML_ERR_UNSUPPORTED, "input has more than 2^31 elements");
	uint32_t fill[2] = { 0, 0 }, cv = op->pad.constant_value;
	if (cv != EML_NO_INPUT) {
		const eml_tensor *c = eml_vk_input(g, node, cv);
		if (eml_tensor_numel(c) == 1)
			memcpy(fill, c->data, edgeml_dtype_size((edgeml_dtype)x->dtype));
	}
	int64_t n = eml_tensor_numel(y), xs[EML_MAX_RANK];
	if (n == 0)
		return EDGEML_OK;
	contiguous(x->rank, x->dims, xs);
	int32_t words[4 + 4 * EML_MAX_RANK];
	uint32_t r = x->rank;
	words[0] = (int32_t)r;
	words[1] = op->pad.mode;
	memcpy(&words[2], fill, sizeof(fill));
	for (uint32_t i = 0; i < r; i++) {
		words[4 + i] = (int32_t)y->dims[i];
		words[4 + r + i] = (int32_t)x->dims[i];
		words[4 + 2 * r + i] = (int32_t)xs[i];
		words[4 + 3 * r + i] = (int32_t)op->pad.begin[i];
	}
	eml_vk_dispatch *d = eml_vk_add_dispatch(k, "pad.comp", (uint64_t)n);
	if (!d)
		return eml_error(EDGEML_ERR_UNSUPPORTED, "no dispatch left in the node");
	eml_vk_macro(d, "T", t);
	eml_vk_macro(d, "FILL_WORDS", edgeml_dtype_size((edgeml_dtype)x->dtype) == 8 ? "2" : "1");
	eml_vk_bind(d, node->inputs[0]);
	eml_vk_bind(d, node->outputs[0]);
	return eml_vk_param_i(d, words, 4 + 4 * r);
}

/* Resize: the source indices (and linear weights) of every output coordinate of every axis
 * are computed here, so the shader only gathers. Parameters: rank, output dims, input
 * strides, then per axis and output coordinate (lo, hi, weight bits). */
edgeml_status eml_vk_build_resize(const eml_graph *g, const eml_node *node, eml_vk_kernel *k)
{
	const eml_tensor *x = eml_vk_input(g, node, 0), *y = &g->tensors[node->outputs[0]];
	eml_op_params tmp;
	const eml_op_params *op;
	edgeml_status st = eml_vk_params(g, node, &tmp, &op);
	if (st != EDGEML_OK)
		return st;
	const eml_resize_params *p = &op->resize;
	int linear = p->mode == EML_RESIZE_LINEAR;
	size_t esize = edgeml_dtype_size((edgeml_dtype)x->dtype);
	if (linear ? x->dtype != EDGEML_DTYPE_FLOAT32 : !copy_type(x->dtype) || esize == 8)
		return eml_error(EDGEML_ERR_UNSUPPORTED, "Resize of %s has no GPU kernel",
				 edgeml_dtype_name((edgeml_dtype)x->dtype));
	eml_vk_dispatch *d = eml_vk_add_dispatch(k, "resize.comp", (uint64_t)eml_tensor_numel(y));
	int64_t xs[EML_MAX_RANK];
	int32_t head[1 + 2 * EML_MAX_RANK];
	contiguous(x->rank, x->dims, xs);
	head[0] = (int32_t)x->rank;
	for (uint32_t i = 0; i < x->rank; i++) {
		head[1 + i] = (int32_t)y->dims[i];
		head[1 + x->rank + i] = (int32_t)xs[i];
	}
	st = eml_vk_param_i(d, head, 1 + 2 * x->rank);
	for (uint32_t a = 0; a < x->rank && st == EDGEML_OK; a++) {
		for (int64_t o = 0; o < y->dims[a] && st == EDGEML_OK; o++) {
			int64_t lo, hi;
			float w;
			eml_resize_taps(p, a, x->dims[a], o, &lo, &hi, &w);
			int32_t e[3] = { (int32_t)lo, (int32_t)hi, 0 };
			memcpy(&e[2], &w, sizeof(w));
			st = eml_vk_param_i(d, e, 3);
		}
	}
	if (st != EDGEML_OK)
		return st;
	eml_vk_macro(d, "T", linear ? "float" : copy_type(x->dtype));
	eml_vk_macro(d, "LINEAR", linear ? "1" : "0");
	eml_vk_bind(d, node->inputs[0]);
	eml_vk_bind(d, node->outputs[0]);
	return EDGEML_OK;
}

/* The quantized pools' parameters as spec constants: scales, zero points, output range. */
static edgeml_status qpool_spec(const eml_graph *g, const eml_node *node,
				 const eml_pool_params *p, eml_vk_dispatch *d)
{
	float xs, ys;
	int32_t xzp, yzp, lo, hi;
	edgeml_status st = eml_vk_qparam(g, node, p->x_scale, p->x_zero_point, &xs, &xzp);
	if (st == EDGEML_OK)
		st = eml_vk_qparam(g, node, p->y_scale, p->y_zero_point, &ys, &yzp);
	if (st != EDGEML_OK)
		return st;
	eml_q_range(g->tensors[node->outputs[0]].dtype, &lo, &hi);
	EML_VK_FIX_F(d, POOL_X_SCALE, xs);
	EML_VK_FIX_I(d, POOL_X_ZP, xzp);
	EML_VK_FIX_F(d, POOL_Y_SCALE, ys);
	EML_VK_FIX_I(d, POOL_Y_ZP, yzp);
	EML_VK_FIX_I(d, POOL_Y_LO, lo);
	EML_VK_FIX_I(d, POOL_Y_HI, hi);
	return EDGEML_OK;
}

edgeml_status eml_vk_build_pool(const eml_graph *g, const eml_node *node, eml_vk_kernel *k)
{
	const eml_tensor *x = eml_vk_input(g, node, 0), *y = &g->tensors[node->outputs[0]];
	int quant = node->op == EML_OP_QLinearAveragePool ||
		    node->op == EML_OP_QLinearGlobalAveragePool;
	int is_max = node->op == EML_OP_MaxPool;
	if (x->rank < 3 || x->rank > 5)
		return eml_error(EDGEML_ERR_UNSUPPORTED, "pools of rank %u have no GPU kernel",
				 x->rank);
	if (is_max && node->n_outputs > 1 && node->outputs[1] != EML_NO_TENSOR)
		return eml_error(EDGEML_ERR_UNSUPPORTED, "MaxPool's Indices output has no GPU "
				 "kernel");
	if (!quant && !eml_vk_glsl_type(x->dtype))
		return eml_error(EDGEML_ERR_UNSUPPORTED, "pools of %s have no GPU kernel",
				 edgeml_dtype_name((edgeml_dtype)x->dtype));
	if (!quant && !is_max && x->dtype != EDGEML_DTYPE_FLOAT32)
		return eml_error(EDGEML_ERR_UNSUPPORTED, "average pools of %s have no GPU kernel",
				 edgeml_dtype_name((edgeml_dtype)x->dtype));
	eml_op_params tmp;
	const eml_op_params *op;
	edgeml_status st = eml_vk_params(g, node, &tmp, &op);
	if (st != EDGEML_OK)
		return st;
	const eml_window_geom *w = &op->pool.geom;
	eml_vk_dispatch *d = eml_vk_add_dispatch(k, "pool.comp", (uint64_t)eml_tensor_numel(y));
	eml_vk_macro(d, "X_T", eml_vk_glsl_type(x->dtype));
	eml_vk_macro(d, "Y_T", eml_vk_glsl_type(y->dtype));
	eml_vk_macro(d, "MODE", is_max ? "0" : quant ? "2" : "1");
	eml_vk_macro(d, "COUNT_PAD", op->pool.count_include_pad ? "1" : "0");
	eml_vk_bind(d, node->inputs[0]);
	eml_vk_bind(d, node->outputs[0]);
	EML_VK_FIX3_I(d, POOL_IN, w->in, w->n_spatial, 1);
	EML_VK_FIX3_I(d, POOL_K, w->kernel, w->n_spatial, 1);
	EML_VK_FIX3_I(d, POOL_S, w->stride, w->n_spatial, 1);
	EML_VK_FIX3_I(d, POOL_D, w->dilation, w->n_spatial, 1);
	EML_VK_FIX3_I(d, POOL_PB, w->pad_begin, w->n_spatial, 0);
	EML_VK_FIX3_I(d, POOL_PE, w->pad_end, w->n_spatial, 0);
	EML_VK_FIX3_I(d, POOL_OUT, w->out, w->n_spatial, 1);
	float lowest = x->dtype == EDGEML_DTYPE_UINT8 ? 0.0f :
		       x->dtype == EDGEML_DTYPE_INT8 ? -128.0f : -3.402823466e38f;
	EML_VK_FIX_F(d, POOL_LOWEST, lowest);
	return quant ? qpool_spec(g, node, &op->pool, d) : EDGEML_OK;
}
