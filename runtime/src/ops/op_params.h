/*
 * op_params.h — typed op parameters: per node, one struct that names its inputs and holds
 * its attributes and shapes, decoded once (at model load, eml_graph_params_decode()) and
 * shared by every backend: the reference kernels, the fast CPU kernels and the Vulkan
 * builders read `p->qconv.x_zero_point`, not input slot 2, and never parse attributes.
 *
 * Quantization parameters (scales, zero points) are node inputs that may be graph inputs,
 * supplied at run time: the structs name their input slots (EML_NO_INPUT when the op has
 * none or the node leaves it out), and quant/quant.h holds the arithmetic on their values.
 *
 * Adding params to an op: a struct here and its member in eml_op_params, a case in
 * eml_op_params_decode() (op_params.c) that calls the same checks infer does, then read
 * eml_node_params() in the kernels (docs/architecture.md).
 */
#ifndef EML_OP_PARAMS_H
#define EML_OP_PARAMS_H

#include "graph.h"
#include "ops/convtranspose_params.h"
#include "ops/infer_qcommon.h"
#include "ops/resize_params.h"
#include "ops/image_params.h"
#include "ops/reduce_params.h"
#include "ops/rnn_params.h"

/* An input slot the op does not have or the node leaves out. */
#define EML_NO_INPUT UINT32_MAX

/* Conv (X, W, B): float32. */
typedef struct eml_conv_params {
	eml_qconv_shape shape; /* batch, channels, group, window geometry */
	float act_min, act_max; /* fused activation; -inf / +inf when none */
	uint32_t act_fn;	/* eml_act_fn, applied after the clamp */
	float act_alpha, act_beta; /* its parameters (HardSigmoid) */
} eml_conv_params;

/* QLinearConv (requantize = 1) and ConvInteger (requantize = 0: int32 y). */
typedef struct eml_qconv_params {
	eml_qconv_shape shape;
	float act_min, act_max;
	int requantize;
	/* input slots */
	uint32_t x, x_scale, x_zero_point;
	uint32_t w, w_scale, w_zero_point;
	uint32_t y_scale, y_zero_point, bias;
} eml_qconv_params;

/* Gemm (A, B, C): float32, Y = alpha A' B' + beta C, 2-D. */
typedef struct eml_gemm_params {
	int trans_a, trans_b;
	float alpha, beta;
	int64_t m, n, k;
	/* Element (i, p) of A' is at i * a_row + p * a_col; (p, j) of B' at p * b_row +
	 * j * b_col; (i, j) of C at i * c_stride[0] + j * c_stride[1] (0 on broadcast axes). */
	int64_t a_row, a_col, b_row, b_col;
	int has_c;
	int64_t c_stride[2];
	float act_min, act_max;
} eml_gemm_params;

/* MatMul (A, B): float32, numpy semantics. */
typedef struct eml_matmul_params {
	eml_matmul_shape shape;
	float act_min, act_max;
} eml_matmul_params;

/* The matrices of a (*ma) and b (*mb) that output matrix t of s multiplies (numpy
 * broadcasting over the batch dims). */
static inline void eml_matmul_batch(const eml_matmul_shape *s, int64_t t, int64_t *ma,
				    int64_t *mb)
{
	int64_t rest = t;
	*ma = *mb = 0;
	for (uint32_t d = s->batch_rank; d-- > 0;) {
		int64_t coord = rest % s->batch[d];
		rest /= s->batch[d];
		*ma += coord * s->a_step[d];
		*mb += coord * s->b_step[d];
	}
}

/* Where a matmul operand's scale or zero point of (matrix, row or column i) lives:
 * element matrix * batch_step + i * elem_step (eml_matmul_param_layout()). */
typedef struct eml_mm_layout {
	int64_t batch_step, elem_step;
} eml_mm_layout;

/* QLinearMatMul (requantize = 1) and MatMulInteger (requantize = 0: int32 y). */
typedef struct eml_qmatmul_params {
	eml_matmul_shape shape;
	float act_min, act_max;
	int requantize;
	uint32_t a, a_scale, a_zero_point;
	uint32_t b, b_scale, b_zero_point;
	uint32_t y_scale, y_zero_point;
	eml_mm_layout a_scale_at, a_zero_point_at, b_scale_at, b_zero_point_at;
} eml_qmatmul_params;

/* QLinearGemm (docs/ops.md): 2-D A and B, transA/transB, alpha, int32 bias C [N]. */
typedef struct eml_qgemm_params {
	int trans_a, trans_b;
	float alpha;
	int64_t m, n, k;
	int64_t a_row, a_col, b_row, b_col; /* as in eml_gemm_params */
	float act_min, act_max;
	uint32_t a, a_scale, a_zero_point;
	uint32_t b, b_scale, b_zero_point;
	uint32_t bias, y_scale, y_zero_point;
} eml_qgemm_params;

/* MaxPool, AveragePool, GlobalAveragePool (a window over the whole plane) and the
 * quantized average pools' geometry. */
typedef struct eml_pool_params {
	/* 1..3 spatial dims, as the node has them; global pools of more: n_spatial 0 */
	eml_window_geom geom;
	int count_include_pad;
	/* the quantized pools' input slots (X, X_scale, X_zero_point, Y_scale, Y_zero_point);
	 * EML_NO_INPUT for the float ones */
	uint32_t x_scale, x_zero_point, y_scale, y_zero_point;
} eml_pool_params;

/* ConvTranspose (X, W, B): float32; the geometry as infer computes it (n_spatial dims). */
typedef struct eml_convt_params {
	eml_convt_geom geom;
	int64_t batch;
	uint32_t bias; /* slot of B, or EML_NO_INPUT */
	float act_min, act_max; /* fused activation; -inf / +inf when none */
} eml_convt_params;

/* Float Softmax (opset 13, one axis) and LayerNormalization: the input viewed as [outer][len]
 * [inner] (Softmax over len; LayerNormalization: inner 1, rows = outer, over the len elements
 * of the dims [axis, rank)). */
typedef struct eml_softmax_params {
	uint32_t axis;
	int64_t outer, len, inner;
} eml_softmax_params;

typedef struct eml_layernorm_params {
	uint32_t axis;
	float epsilon;
	int64_t rows, len;
	int has_bias;
	/* Scale's and B's strides over the normalized dims (0 on broadcast ones) */
	int64_t scale_stride[EML_MAX_RANK], bias_stride[EML_MAX_RANK];
} eml_layernorm_params;

/* QLinearAdd, QLinearMul (A, A_scale, A_zero_point, B, B_scale, B_zero_point, C_scale,
 * C_zero_point): per-tensor scales and zero points, C's fused activation. */
typedef struct eml_qbinary_params {
	float act_min, act_max;
	uint32_t a, a_scale, a_zero_point;
	uint32_t b, b_scale, b_zero_point;
	uint32_t y_scale, y_zero_point;
} eml_qbinary_params;

/* QLinearLookup (X, table). */
typedef struct eml_qlookup_params {
	uint32_t x, table;
} eml_qlookup_params;

/* QuantizeLinear, DequantizeLinear (x, scale, zero_point). Element i of x uses parameter
 * (i / inner) % (number of scales): inner is the size of the axes after `axis` for per-axis
 * parameters, x's size (at least 1) for per-tensor ones. */
typedef struct eml_quantize_params {
	uint32_t x, scale, zero_point;
	uint32_t axis; /* in [0, rank) */
	int64_t inner;
} eml_quantize_params;

/* Concat, Gather: the axis, in [0, rank) of the output (Concat) or of the data (Gather). */
typedef struct eml_axis_params {
	uint32_t axis;
} eml_axis_params;

/* QLinearConcat (Y_scale, Y_zero_point, then (X, X_scale, X_zero_point) per input): input
 * k's tensor is slot x0 + 3k, its scale the next, its zero point the one after. */
typedef struct eml_qconcat_params {
	uint32_t axis; /* in [0, rank) of Y */
	uint32_t y_scale, y_zero_point;
	uint32_t x0, n_x;
} eml_qconcat_params;

/* Transpose: output axis k is input axis perm[k] (reversed when the node has no perm). */
typedef struct eml_transpose_params {
	uint32_t rank;
	uint32_t perm[EML_MAX_RANK];
} eml_transpose_params;

/* Pad (data, pads, constant_value, axes): the mode and the leading pads of every axis of
 * data (the trailing ones follow from the output's dims). */
typedef struct eml_pad_op_params {
	int mode; /* enum eml_pad_mode */
	int64_t begin[EML_MAX_RANK];
	uint32_t constant_value; /* slot, EML_NO_INPUT when absent */
} eml_pad_op_params;

/* QLinearSoftmax (X, X_scale, X_zero_point, Y_scale, Y_zero_point). */
typedef struct eml_qsoftmax_params {
	uint32_t axis; /* in [0, rank) */
	uint32_t x, x_scale, x_zero_point, y_scale, y_zero_point;
} eml_qsoftmax_params;

/* BatchNormalization (inference). */
typedef struct eml_batchnorm_params {
	float epsilon;
} eml_batchnorm_params;

/* LeakyRelu (alpha), HardSigmoid (alpha, beta) and the float binary ops' fused activation
 * (Add: act_min, act_max; the others unbounded). */
typedef struct eml_eltwise_params {
	float alpha, beta;
	float act_min, act_max;
} eml_eltwise_params;

/* Slice: first element, step and output length per axis of data. Split: output k is
 * [at[k], at[k + 1]) on axis (the parts follow one another). */
typedef struct eml_slice_op_params {
	int64_t start[EML_MAX_RANK], step[EML_MAX_RANK], dims[EML_MAX_RANK];
} eml_slice_op_params;
#define EML_SPLIT_MAX_OUT 30u /* a Split of more outputs does not load (and the union
				* stays the size of its largest other member) */
typedef struct eml_split_params {
	uint32_t axis;
	int64_t at[EML_SPLIT_MAX_OUT + 1];
} eml_split_params;

typedef union eml_op_params {
	eml_conv_params conv;
	eml_qconv_params qconv;
	eml_gemm_params gemm;
	eml_matmul_params matmul;
	eml_qmatmul_params qmatmul;
	eml_qgemm_params qgemm;
	eml_pool_params pool;
	eml_resize_params resize;
	eml_convt_params convt;
	eml_softmax_params softmax;
	eml_layernorm_params layernorm;
	eml_qbinary_params qbinary;	/* QLinearAdd, QLinearMul */
	eml_qlookup_params qlookup;
	eml_quantize_params quantize;	/* QuantizeLinear, DequantizeLinear */
	eml_axis_params axis;		/* Concat, Gather */
	eml_qconcat_params qconcat;
	eml_transpose_params transpose;
	eml_pad_op_params pad;
	eml_qsoftmax_params qsoftmax;
	eml_batchnorm_params batchnorm;
	eml_eltwise_params eltwise;	/* LeakyRelu, HardSigmoid, Add, Sub, Mul, Div */
	eml_reduce_axes reduce;		/* ReduceMean, ReduceSum, ReduceMax */
	eml_slice_op_params slice;
	eml_split_params split;
	eml_rnn_params rnn;		/* LSTM, GRU */
	eml_image_params image;		/* ImagePreprocess */
} eml_op_params;

/* QLinearGemm's and QLinearMatMul's params in one form, for kernels that run both on one
 * GEMM (eml_qgemm_io_of()): slots (bias EML_NO_INPUT for QLinearMatMul), sizes, strides of
 * A and B within a matrix (a QLinearMatMul's are row-major, its batches eml_matmul_batch()'s). */
typedef struct eml_qgemm_io {
	uint32_t a, a_scale, a_zero_point, b, b_scale, b_zero_point, bias, y_scale, y_zero_point;
	int64_t m, n, k, batches, a_row, a_col, b_row, b_col;
	int trans_a, trans_b;
	const float *alpha; /* QLinearGemm's (the multiplier's first factor); NULL: none */
	float act_min, act_max;
} eml_qgemm_io;

/* Fills *io from the params p of a QLinearGemm or QLinearMatMul node of op `op`. */
void eml_qgemm_io_of(uint32_t op, const eml_op_params *p, eml_qgemm_io *io);

/*
 * Decodes node's params from its input descriptors in[] (as eml_op_infer() takes them, at
 * least EML_INFER_MIN_IN_SLOTS slots). *has is 0 for an op without typed params. Errors name
 * the attribute or input; the caller prefixes the node.
 */
edgeml_status eml_op_params_decode(const eml_node *node, const eml_tensor *const *in,
				   eml_op_params *p, int *has);

/* Decodes the params of every node of g (validated) into params[g->n_nodes] and points
 * each node that has some at its entry (the loader's step; nodes are the model's own). */
edgeml_status eml_graph_params_decode(const eml_graph *g, eml_node *nodes,
				      eml_op_params *params);

/*
 * Sets *out to the params of node: those decoded at load, else (a graph built in memory,
 * the converter's folding) decoded now into *tmp from the node's n_inputs descriptors in[]
 * or, with in NULL, from g's tensors. Fails when the op has none or they do not decode.
 */
edgeml_status eml_node_params(const eml_graph *g, const eml_node *node,
			      const eml_tensor *const *in, eml_op_params *tmp,
			      const eml_op_params **out);

#endif /* EML_OP_PARAMS_H */
