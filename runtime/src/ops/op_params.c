/* op_params.c — decodes each node's typed parameters (op_params.h) once, with the same checks
 * as its infer function, so kernels never read attributes or input slots by number. */
#include <math.h>
#include <string.h>

#include "error.h"
#include "ops/broadcast.h"
#include "ops/infer_helpers.h"
#include "ops/op_params.h"
#include "ops/ops.h"
#include "ops/pad_params.h"
#include "ops/slice_params.h"

/* Slot k of the node when present, else EML_NO_INPUT. */
static uint32_t slot(const eml_node *node, const eml_tensor *const *in, uint32_t k)
{
	return eml_in(node, in, k) ? k : EML_NO_INPUT;
}

/* Reads a 0/1 transpose flag. */
static edgeml_status read_flag(const eml_node *node, const char *name, int *out)
{
	int64_t v;
	edgeml_status st = eml_attr_int(node, name, 0, &v);
	if (st == EDGEML_OK && v != 0 && v != 1)
		return eml_error(EDGEML_ERR_FORMAT, "attribute '%s' = %lld must be 0 or 1", name,
				 (long long)v);
	*out = (int)v;
	return st;
}

/* Conv: the convolution's shape and the fused activation. */
static edgeml_status decode_conv(const eml_node *node, const eml_tensor *const *in,
				 eml_conv_params *p)
{
	edgeml_status st = eml_qconv_shape_of(node, in[0], in[1], &p->shape);
	if (st == EDGEML_OK)
		st = eml_fused_activation(node, &p->act_min, &p->act_max);
	if (st == EDGEML_OK)
		st = eml_fused_activation_fn(node, &p->act_fn, &p->act_alpha, &p->act_beta);
	return st;
}

/* The slots of one quantized operand, or of the output (no tensor: t NULL). */
typedef struct qslot_out {
	uint32_t *t, *scale, *zero_point;
} qslot_out;

/* The input slots of the two-operand quantized ops, into x, w and y: QLinearConv and
 * QLinearMatMul (x, x_scale, x_zero_point, w, w_scale, w_zero_point, y_scale,
 * y_zero_point) when requantize, else ConvInteger and MatMulInteger (x, w, x_zero_point,
 * w_zero_point; no scales). */
static void qlinear_slots_of(const eml_node *node, const eml_tensor *const *in, int requantize,
			     qslot_out x, qslot_out w, qslot_out y)
{
	*x.t = 0;
	*x.zero_point = slot(node, in, 2);
	*w.t = requantize ? 3 : 1;
	*w.zero_point = slot(node, in, requantize ? 5 : 3);
	*x.scale = requantize ? 1 : EML_NO_INPUT;
	*w.scale = requantize ? 4 : EML_NO_INPUT;
	*y.scale = requantize ? 6 : EML_NO_INPUT;
	*y.zero_point = requantize ? slot(node, in, 7) : EML_NO_INPUT;
}

/* QLinearConv and ConvInteger: their input slots, shape and fused activation. */
static edgeml_status decode_qconv(const eml_node *node, const eml_tensor *const *in,
				  eml_qconv_params *p)
{
	p->requantize = node->op == EML_OP_QLinearConv;
	qlinear_slots_of(node, in, p->requantize,
			 (qslot_out){ &p->x, &p->x_scale, &p->x_zero_point },
			 (qslot_out){ &p->w, &p->w_scale, &p->w_zero_point },
			 (qslot_out){ NULL, &p->y_scale, &p->y_zero_point });
	p->bias = p->requantize ? slot(node, in, 8) : EML_NO_INPUT;
	edgeml_status st = eml_qconv_shape_of(node, in[p->x], in[p->w], &p->shape);
	if (st == EDGEML_OK)
		st = eml_fused_activation(node, &p->act_min, &p->act_max);
	return st;
}

/* Row and column strides of a row-major m x k A (or k x n B), transposed or not. */
static void gemm_strides(int trans_a, int trans_b, int64_t m, int64_t n, int64_t k,
			 int64_t *a_row, int64_t *a_col, int64_t *b_row, int64_t *b_col)
{
	*a_row = trans_a ? 1 : k;
	*a_col = trans_a ? m : 1;
	*b_row = trans_b ? 1 : n;
	*b_col = trans_b ? k : 1;
}

/* Gemm: transposes, alpha, beta, sizes, strides of A, B and C, fused activation. */
static edgeml_status decode_gemm(const eml_node *node, const eml_tensor *const *in,
				 eml_gemm_params *p)
{
	edgeml_status st = read_flag(node, "transA", &p->trans_a);
	if (st == EDGEML_OK)
		st = read_flag(node, "transB", &p->trans_b);
	if (st == EDGEML_OK)
		st = eml_attr_float(node, "alpha", 1.0f, &p->alpha);
	if (st == EDGEML_OK)
		st = eml_attr_float(node, "beta", 1.0f, &p->beta);
	if (st == EDGEML_OK)
		st = eml_fused_activation(node, &p->act_min, &p->act_max);
	if (st != EDGEML_OK)
		return st;
	const eml_tensor *a = in[0], *b = in[1], *c = eml_in(node, in, 2);
	p->m = a->dims[p->trans_a];
	p->k = a->dims[1 - p->trans_a];
	p->n = b->dims[1 - p->trans_b];
	gemm_strides(p->trans_a, p->trans_b, p->m, p->n, p->k, &p->a_row, &p->a_col, &p->b_row,
		     &p->b_col);
	p->has_c = c != NULL;
	p->c_stride[0] = p->c_stride[1] = 0;
	if (c) {
		int64_t dims[2] = { p->m, p->n };
		eml_broadcast_strides(c, 2, dims, p->c_stride);
	}
	return EDGEML_OK;
}

/* MatMul: the numpy matmul shape and the fused activation. */
static edgeml_status decode_matmul(const eml_node *node, const eml_tensor *const *in,
				   eml_matmul_params *p)
{
	edgeml_status st = eml_matmul_shape_of(in[0], in[1], &p->shape);
	if (st == EDGEML_OK)
		st = eml_fused_activation(node, &p->act_min, &p->act_max);
	return st;
}

/* The layout of operand parameter k (absent: all zero). */
static edgeml_status mm_layout(const eml_node *node, const eml_tensor *const *in, uint32_t k,
			       const char *name, uint32_t operand, int is_b,
			       const eml_matmul_shape *s, eml_mm_layout *at)
{
	at->batch_step = at->elem_step = 0;
	if (k == EML_NO_INPUT || !eml_in(node, in, k))
		return EDGEML_OK;
	return eml_matmul_param_layout(in[k], name, in[operand], is_b, s, &at->batch_step,
				       &at->elem_step);
}

/* QLinearMatMul and MatMulInteger: slots, shape, the layouts of the scales and zero
 * points. */
static edgeml_status decode_qmatmul(const eml_node *node, const eml_tensor *const *in,
				    eml_qmatmul_params *p)
{
	p->requantize = node->op == EML_OP_QLinearMatMul;
	qlinear_slots_of(node, in, p->requantize,
			 (qslot_out){ &p->a, &p->a_scale, &p->a_zero_point },
			 (qslot_out){ &p->b, &p->b_scale, &p->b_zero_point },
			 (qslot_out){ NULL, &p->y_scale, &p->y_zero_point });
	const eml_matmul_shape *s = &p->shape;
	edgeml_status st = eml_matmul_shape_of(in[p->a], in[p->b], &p->shape);
	if (st == EDGEML_OK)
		st = eml_fused_activation(node, &p->act_min, &p->act_max);
	if (st == EDGEML_OK)
		st = mm_layout(node, in, p->a_scale, "a_scale", p->a, 0, s, &p->a_scale_at);
	if (st == EDGEML_OK)
		st = mm_layout(node, in, p->a_zero_point, "a_zero_point", p->a, 0, s,
			       &p->a_zero_point_at);
	if (st == EDGEML_OK)
		st = mm_layout(node, in, p->b_scale, "b_scale", p->b, 1, s, &p->b_scale_at);
	if (st == EDGEML_OK)
		st = mm_layout(node, in, p->b_zero_point, "b_zero_point", p->b, 1, s,
			       &p->b_zero_point_at);
	return st;
}

/* QLinearGemm: slots, transposes, alpha, sizes and strides, fused activation. */
static edgeml_status decode_qgemm(const eml_node *node, const eml_tensor *const *in,
				  eml_qgemm_params *p)
{
	p->a = 0;
	p->a_scale = 1;
	p->a_zero_point = slot(node, in, 2);
	p->b = 3;
	p->b_scale = 4;
	p->b_zero_point = slot(node, in, 5);
	p->bias = slot(node, in, 6);
	p->y_scale = 7;
	p->y_zero_point = slot(node, in, 8);
	edgeml_status st = read_flag(node, "transA", &p->trans_a);
	if (st == EDGEML_OK)
		st = read_flag(node, "transB", &p->trans_b);
	if (st == EDGEML_OK)
		st = eml_attr_float(node, "alpha", 1.0f, &p->alpha);
	if (st == EDGEML_OK)
		st = eml_fused_activation(node, &p->act_min, &p->act_max);
	if (st != EDGEML_OK)
		return st;
	p->m = in[0]->dims[p->trans_a];
	p->k = in[0]->dims[1 - p->trans_a];
	p->n = in[3]->dims[1 - p->trans_b];
	gemm_strides(p->trans_a, p->trans_b, p->m, p->n, p->k, &p->a_row, &p->a_col, &p->b_row,
		     &p->b_col);
	return EDGEML_OK;
}

/* The pools: the window geometry (the whole plane for the global ones) and
 * count_include_pad. */
static edgeml_status decode_pool(const eml_node *node, const eml_tensor *const *in,
				 eml_pool_params *p)
{
	const eml_tensor *x = in[0];
	int64_t cip = 0;
	if (x->rank < 3)
		return eml_error(EDGEML_ERR_SHAPE, "input X has rank %u; pools take 3 or more",
				 x->rank);
	if (node->op == EML_OP_GlobalAveragePool || node->op == EML_OP_QLinearGlobalAveragePool) {
		/* One window over the whole plane (none past EML_MAX_SPATIAL dims). */
		eml_window_geom *g = &p->geom;
		g->n_spatial = x->rank - 2 <= EML_MAX_SPATIAL ? x->rank - 2 : 0;
		for (uint32_t i = 0; i < g->n_spatial; i++) {
			g->in[i] = g->kernel[i] = x->dims[2 + i];
			g->stride[i] = g->dilation[i] = g->out[i] = 1;
		}
		p->count_include_pad = 0;
		return EDGEML_OK;
	}
	edgeml_status st = eml_window_geometry(node, x->rank - 2, &x->dims[2], NULL, 1, &p->geom);
	if (st == EDGEML_OK && node->op != EML_OP_MaxPool)
		st = eml_attr_int(node, "count_include_pad", 0, &cip);
	if (st == EDGEML_OK && cip != 0 && cip != 1)
		return eml_error(EDGEML_ERR_FORMAT, "attribute 'count_include_pad' = %lld must be "
				 "0 or 1", (long long)cip);
	p->count_include_pad = (int)cip;
	return st;
}

/* Softmax: the axis and the [outer][len][inner] view. */
static edgeml_status decode_softmax(const eml_node *node, const eml_tensor *const *in,
				    eml_softmax_params *p)
{
	const eml_tensor *x = in[0];
	int64_t axis;
	edgeml_status st = eml_attr_int(node, "axis", -1, &axis);
	if (st == EDGEML_OK)
		st = eml_norm_axis(axis, x->rank, "attribute 'axis'", &p->axis);
	if (st != EDGEML_OK)
		return st;
	p->outer = p->inner = 1;
	p->len = x->dims[p->axis];
	for (uint32_t d = 0; d < x->rank; d++) {
		if (d < p->axis)
			p->outer *= x->dims[d];
		else if (d > p->axis)
			p->inner *= x->dims[d];
	}
	return EDGEML_OK;
}

/* LayerNormalization: axis, epsilon, rows and their length, Scale's and B's strides. */
static edgeml_status decode_layernorm(const eml_node *node, const eml_tensor *const *in,
				      eml_layernorm_params *p)
{
	const eml_tensor *x = in[0], *b = eml_in(node, in, 2);
	int64_t axis;
	edgeml_status st = eml_attr_int(node, "axis", -1, &axis);
	if (st == EDGEML_OK)
		st = eml_norm_axis(axis, x->rank, "attribute 'axis'", &p->axis);
	if (st == EDGEML_OK)
		st = eml_attr_float(node, "epsilon", 1e-5f, &p->epsilon);
	if (st != EDGEML_OK)
		return st;
	if (!in[1] || in[1]->rank > x->rank - p->axis || (b && b->rank > x->rank - p->axis))
		return eml_error(EDGEML_ERR_SHAPE, "Scale and B must broadcast to the "
				 "normalized dims");
	uint32_t nr = x->rank - p->axis;
	p->rows = p->len = 1;
	for (uint32_t d = 0; d < x->rank; d++) {
		if (d < p->axis)
			p->rows *= x->dims[d];
		else
			p->len *= x->dims[d];
	}
	eml_broadcast_strides(in[1], nr, x->dims + p->axis, p->scale_stride);
	p->has_bias = b != NULL;
	if (b)
		eml_broadcast_strides(b, nr, x->dims + p->axis, p->bias_stride);
	return EDGEML_OK;
}

/* The quantized pools' slots (X, X_scale, X_zero_point, Y_scale, Y_zero_point). */
static edgeml_status decode_qpool(const eml_node *node, const eml_tensor *const *in,
				  eml_pool_params *p)
{
	edgeml_status st = decode_pool(node, in, p);
	p->x_scale = 1;
	p->x_zero_point = slot(node, in, 2);
	p->y_scale = 3;
	p->y_zero_point = slot(node, in, 4);
	return st;
}

/* The float pools: no quantization slots. */
static edgeml_status decode_fpool(const eml_node *node, const eml_tensor *const *in,
				  eml_pool_params *p)
{
	p->x_scale = p->x_zero_point = p->y_scale = p->y_zero_point = EML_NO_INPUT;
	return decode_pool(node, in, p);
}

/* Reads integer attribute name (default dflt) as an axis of a rank-dimensional tensor. */
static edgeml_status read_axis(const eml_node *node, const char *name, int64_t dflt,
			       uint32_t rank, uint32_t *out)
{
	int64_t v;
	edgeml_status st = eml_attr_int(node, name, dflt, &v);
	if (st == EDGEML_OK)
		st = eml_norm_axis(v, rank, "attribute 'axis'", out);
	return st;
}

/* QLinearAdd and QLinearMul: slots and the fused activation. */
static edgeml_status decode_qbinary(const eml_node *node, const eml_tensor *const *in,
				    eml_qbinary_params *p)
{
	p->a = 0;
	p->a_scale = 1;
	p->a_zero_point = slot(node, in, 2);
	p->b = 3;
	p->b_scale = 4;
	p->b_zero_point = slot(node, in, 5);
	p->y_scale = 6;
	p->y_zero_point = slot(node, in, 7);
	return eml_fused_activation(node, &p->act_min, &p->act_max);
}

/* QuantizeLinear and DequantizeLinear: slots, the axis of per-axis parameters, inner. */
static edgeml_status decode_quantize(const eml_node *node, const eml_tensor *const *in,
				     eml_quantize_params *p)
{
	const eml_tensor *x = in[0];
	p->x = 0;
	p->scale = 1;
	p->zero_point = slot(node, in, 2);
	p->axis = 0;
	if (eml_tensor_numel(in[1]) == 1) {
		/* ONNX ignores axis for per-tensor parameters (infer checks it only when used) */
		p->inner = eml_tensor_numel(x) > 0 ? eml_tensor_numel(x) : 1;
		return EDGEML_OK;
	}
	edgeml_status st = read_axis(node, "axis", 1, x->rank, &p->axis);
	p->inner = 1;
	for (uint32_t d = p->axis + 1; st == EDGEML_OK && d < x->rank; d++)
		p->inner *= x->dims[d];
	return st;
}

/* QLinearConcat: the axis and slots. */
static edgeml_status decode_qconcat(const eml_node *node, const eml_tensor *const *in,
				    eml_qconcat_params *p)
{
	p->y_scale = 0;
	p->y_zero_point = 1;
	p->x0 = 2;
	p->n_x = (node->n_inputs - 2) / 3;
	return read_axis(node, "axis", 0, in[2]->rank, &p->axis);
}

/* Transpose: perm, or the axes reversed. */
static edgeml_status decode_transpose(const eml_node *node, const eml_tensor *const *in,
				      eml_transpose_params *p)
{
	const int64_t *perm = NULL;
	uint32_t n = 0;
	edgeml_status st = eml_attr_ints(node, "perm", &perm, &n);
	if (st != EDGEML_OK)
		return st;
	p->rank = in[0]->rank;
	if (perm && n != p->rank)
		return eml_error(EDGEML_ERR_FORMAT, "attribute 'perm' has %u values for rank %u", n,
				 p->rank);
	for (uint32_t k = 0; k < p->rank; k++) {
		if (perm && (perm[k] < 0 || perm[k] >= (int64_t)p->rank))
			return eml_error(EDGEML_ERR_FORMAT, "attribute 'perm' is not a permutation");
		p->perm[k] = perm ? (uint32_t)perm[k] : p->rank - 1 - k;
	}
	return EDGEML_OK;
}

/* Pad: mode, pads, the constant value's slot. */
static edgeml_status decode_pad(const eml_node *node, const eml_tensor *const *in,
				eml_pad_op_params *p)
{
	int64_t end[EML_MAX_RANK];
	p->constant_value = slot(node, in, 2);
	return eml_pad_params(node, in, p->begin, end, &p->mode);
}

/* QLinearSoftmax: the axis and slots. */
static edgeml_status decode_qsoftmax(const eml_node *node, const eml_tensor *const *in,
				     eml_qsoftmax_params *p)
{
	p->x = 0;
	p->x_scale = 1;
	p->x_zero_point = slot(node, in, 2);
	p->y_scale = 3;
	p->y_zero_point = slot(node, in, 4);
	return read_axis(node, "axis", -1, in[0]->rank, &p->axis);
}

/* LeakyRelu, HardSigmoid: alpha and beta (ONNX's defaults); Add: the fused activation;
 * Sub, Mul, Div: none. */
static edgeml_status decode_eltwise(const eml_node *node, eml_eltwise_params *p)
{
	p->act_min = -INFINITY;
	p->act_max = INFINITY;
	switch (node->op) {
	case EML_OP_LeakyRelu:
		return eml_attr_float(node, "alpha", 0.01f, &p->alpha);
	case EML_OP_HardSigmoid: {
		edgeml_status st = eml_attr_float(node, "alpha", 0.2f, &p->alpha);
		return st == EDGEML_OK ? eml_attr_float(node, "beta", 0.5f, &p->beta) : st;
	}
	case EML_OP_Add:
		return eml_fused_activation(node, &p->act_min, &p->act_max);
	default:
		return EDGEML_OK;
	}
}

/* Split: each output's part. */
static edgeml_status decode_split(const eml_node *node, const eml_tensor *const *in,
				  eml_split_params *p)
{
	if (node->n_outputs > EML_SPLIT_MAX_OUT)
		return eml_error(EDGEML_ERR_UNSUPPORTED, "Split into %u outputs: at most %u are supported", node->n_outputs,
				 EML_SPLIT_MAX_OUT);
	edgeml_status st = EDGEML_OK;
	p->at[0] = 0;
	for (uint32_t k = 0; k < node->n_outputs && st == EDGEML_OK; k++) {
		int64_t len;
		st = eml_split_part(node, in, k, &p->axis, &p->at[k], &len);
		p->at[k + 1] = p->at[k] + len;
	}
	return st;
}

/* ConvTranspose: its geometry (eml_convt_geometry, as infer), fused activation and B's
 * slot. */
static edgeml_status decode_convt(const eml_node *node, const eml_tensor *const *in,
				  eml_convt_params *p)
{
	edgeml_status st = eml_convt_geometry(node, in, &p->geom);
	if (st == EDGEML_OK)
		st = eml_fused_activation(node, &p->act_min, &p->act_max);
	p->batch = in[0]->dims[0];
	p->bias = slot(node, in, 2);
	return st;
}

edgeml_status eml_op_params_decode(const eml_node *node, const eml_tensor *const *in,
				   eml_op_params *p, int *has)
{
	memset(p, 0, sizeof(*p));
	*has = 1;
	switch (node->op) {
	case EML_OP_Conv:
		return decode_conv(node, in, &p->conv);
	case EML_OP_QLinearConv:
	case EML_OP_ConvInteger:
		return decode_qconv(node, in, &p->qconv);
	case EML_OP_Gemm:
		return decode_gemm(node, in, &p->gemm);
	case EML_OP_MatMul:
		return decode_matmul(node, in, &p->matmul);
	case EML_OP_QLinearMatMul:
	case EML_OP_MatMulInteger:
		return decode_qmatmul(node, in, &p->qmatmul);
	case EML_OP_QLinearGemm:
		return decode_qgemm(node, in, &p->qgemm);
	case EML_OP_MaxPool:
	case EML_OP_AveragePool:
	case EML_OP_GlobalAveragePool:
		return decode_fpool(node, in, &p->pool);
	case EML_OP_QLinearAveragePool:
	case EML_OP_QLinearGlobalAveragePool:
		return decode_qpool(node, in, &p->pool);
	case EML_OP_Resize:
		return eml_resize_params_get(node, in, &p->resize);
	case EML_OP_ConvTranspose:
		return decode_convt(node, in, &p->convt);
	case EML_OP_Softmax:
		return decode_softmax(node, in, &p->softmax);
	case EML_OP_LayerNormalization:
		return decode_layernorm(node, in, &p->layernorm);
	case EML_OP_QLinearAdd:
	case EML_OP_QLinearMul:
		return decode_qbinary(node, in, &p->qbinary);
	case EML_OP_QLinearLookup:
		p->qlookup = (eml_qlookup_params){ .x = 0, .table = 1 };
		return EDGEML_OK;
	case EML_OP_QuantizeLinear:
	case EML_OP_DequantizeLinear:
		return decode_quantize(node, in, &p->quantize);
	case EML_OP_Concat: /* every input has the output's rank */
	case EML_OP_Gather:
		return read_axis(node, "axis", 0, in[0]->rank, &p->axis.axis);
	case EML_OP_QLinearConcat:
		return decode_qconcat(node, in, &p->qconcat);
	case EML_OP_Transpose:
		return decode_transpose(node, in, &p->transpose);
	case EML_OP_Pad:
		return decode_pad(node, in, &p->pad);
	case EML_OP_QLinearSoftmax:
		return decode_qsoftmax(node, in, &p->qsoftmax);
	case EML_OP_BatchNormalization:
		return eml_attr_float(node, "epsilon", 1e-5f, &p->batchnorm.epsilon);
	case EML_OP_LeakyRelu:
	case EML_OP_HardSigmoid:
	case EML_OP_Add:
	case EML_OP_Sub:
	case EML_OP_Mul:
	case EML_OP_Div:
		return decode_eltwise(node, &p->eltwise);
	case EML_OP_ReduceMean:
	case EML_OP_ReduceSum:
	case EML_OP_ReduceMax:
		return eml_reduce_params(node, in, &p->reduce);
	case EML_OP_Slice:
		return eml_slice_params(node, in, p->slice.start, p->slice.step, p->slice.dims);
	case EML_OP_Split:
		return decode_split(node, in, &p->split);
	case EML_OP_LSTM:
		return eml_rnn_params_get(node, in, 4, &p->rnn);
	case EML_OP_GRU:
		return eml_rnn_params_get(node, in, 3, &p->rnn);
	case EML_OP_ImagePreprocess:
		return eml_image_params_get(node, &p->image);
	default:
		*has = 0;
		return EDGEML_OK;
	}
}

void eml_qgemm_io_of(uint32_t op, const eml_op_params *prm, eml_qgemm_io *io)
{
	if (op == EML_OP_QLinearGemm) {
		const eml_qgemm_params *p = &prm->qgemm;
		*io = (eml_qgemm_io){ p->a, p->a_scale, p->a_zero_point, p->b, p->b_scale,
				      p->b_zero_point, p->bias, p->y_scale, p->y_zero_point,
				      p->m, p->n, p->k, 1, p->a_row, p->a_col, p->b_row, p->b_col,
				      p->trans_a, p->trans_b, &p->alpha, p->act_min, p->act_max };
		return;
	}
	const eml_qmatmul_params *p = &prm->qmatmul;
	const eml_matmul_shape *s = &p->shape;
	*io = (eml_qgemm_io){ p->a, p->a_scale, p->a_zero_point, p->b, p->b_scale,
			      p->b_zero_point, EML_NO_INPUT, p->y_scale, p->y_zero_point,
			      s->m, s->n, s->k, s->batches, s->k, 1, s->n, 1,
			      0, 0, NULL, p->act_min, p->act_max };
}

/* Fills in[EML_INFER_MIN_IN_SLOTS] with the descriptors of node's inputs (from g, or from
 * the node's n_inputs descriptors given), NULL past them. The decoders read no slot past
 * the first few: the ops with more inputs (Concat, QLinearConcat) are read by position. */
static void input_slots(const eml_graph *g, const eml_node *node,
			const eml_tensor *const *given, const eml_tensor **in)
{
	for (uint32_t k = 0; k < EML_INFER_MIN_IN_SLOTS; k++) {
		if (k >= node->n_inputs)
			in[k] = NULL;
		else if (given)
			in[k] = given[k];
		else
			in[k] = node->inputs[k] == EML_NO_TENSOR ? NULL : &g->tensors[node->inputs[k]];
	}
}

/* Decodes node's params into *p from in (or g), prefixing errors with the node. */
static edgeml_status decode_node(const eml_graph *g, const eml_node *node,
				 const eml_tensor *const *given, eml_op_params *p, int *has)
{
	const eml_tensor *in[EML_INFER_MIN_IN_SLOTS];
	input_slots(g, node, given, in);
	edgeml_status st = eml_op_params_decode(node, in, p, has);
	if (st != EDGEML_OK)
		return eml_error_context(st, "node '%s' (%s): ", node->name ? node->name : "",
					 eml_op_name(node->op) ? eml_op_name(node->op) : "?");
	return EDGEML_OK;
}

edgeml_status eml_graph_params_decode(const eml_graph *g, eml_node *nodes,
				      eml_op_params *params)
{
	for (uint32_t i = 0; i < g->n_nodes; i++) {
		int has;
		nodes[i].params = NULL;
		edgeml_status st = decode_node(g, &nodes[i], NULL, &params[i], &has);
		if (st != EDGEML_OK)
			return st;
		if (has)
			nodes[i].params = &params[i];
	}
	return EDGEML_OK;
}

edgeml_status eml_node_params(const eml_graph *g, const eml_node *node,
			      const eml_tensor *const *in, eml_op_params *tmp,
			      const eml_op_params **out)
{
	int has;
	*out = node->params;
	if (node->params)
		return EDGEML_OK;
	edgeml_status st = decode_node(g, node, in, tmp, &has);
	if (st != EDGEML_OK)
		return st;
	if (!has)
		return eml_error(EDGEML_ERR_UNSUPPORTED, "node '%s': op %s has no typed parameters",
				 node->name ? node->name : "",
				 eml_op_name(node->op) ? eml_op_name(node->op) : "?");
	*out = tmp;
	return EDGEML_OK;
}
