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
#include "ops/infer_qcommon.h"
#include "ops/resize_params.h"

/* An input slot the op does not have or the node leaves out. */
#define EML_NO_INPUT UINT32_MAX

/* Conv (X, W, B): float32. */
typedef struct eml_conv_params {
	eml_qconv_shape shape; /* batch, channels, group, window geometry */
	float act_min, act_max; /* fused activation; -inf / +inf when none */
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
} eml_pool_params;

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

typedef union eml_op_params {
	eml_conv_params conv;
	eml_qconv_params qconv;
	eml_gemm_params gemm;
	eml_matmul_params matmul;
	eml_qmatmul_params qmatmul;
	eml_qgemm_params qgemm;
	eml_pool_params pool;
	eml_resize_params resize;
	eml_softmax_params softmax;
	eml_layernorm_params layernorm;
} eml_op_params;

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
