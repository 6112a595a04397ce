/*
 * infer_qcommon.h — checks shared by the quantized ops' infer functions (input counts and
 * sizes, scale and zero-point shapes; infer_helpers.h has the generic ones) and the shape
 * logic that their reference kernels reuse (convolution geometry, numpy matmul broadcasting).
 */
#ifndef EML_INFER_QCOMMON_H
#define EML_INFER_QCOMMON_H

#include "graph.h"
#include "ops/geometry.h"

/* Checks min_in..max_in inputs (inputs below min_in are required), one output, and that
 * every present input has dims whose element count fits in int64 (names[k] names input k;
 * names may be NULL for variadic ops). */
edgeml_status eml_q_check_inputs(const eml_node *node, const eml_tensor *const *in,
				 uint32_t min_in, uint32_t max_in, const char *const *names);

/* Checks a scale (float32) or zero point (dtype) input k, when present: one element (rank 0
 * or 1), or, when channels > 0, a 1-D vector of channels elements. */
edgeml_status eml_q_check_param(const eml_tensor *const *in, uint32_t k, const char *name,
				uint32_t dtype, int64_t channels);

/* Geometry of a quantized convolution (QLinearConv, ConvInteger) with input x [N, C, ...]
 * and weights w [M, C/group, k...]: checks ranks, channels, group and kernel_shape. */
typedef struct eml_qconv_shape {
	int64_t batch, in_ch, out_ch, group;
	eml_window_geom g;
} eml_qconv_shape;

edgeml_status eml_qconv_shape_of(const eml_node *node, const eml_tensor *x, const eml_tensor *w,
				 eml_qconv_shape *s);

/* numpy.matmul of a [..., M, K] by b [..., K, N], batch dims broadcast; a 1-D a is a row
 * and a 1-D b is a column, their unit dims dropped from the output. */
typedef struct eml_matmul_shape {
	int64_t m, k, n;
	int64_t batches; /* product of the output batch dims */
	uint32_t batch_rank;
	int64_t batch[EML_MAX_RANK];
	/* index of a's (b's) matrix per unit step of each output batch dim, 0 when broadcast */
	int64_t a_step[EML_MAX_RANK];
	int64_t b_step[EML_MAX_RANK];
	uint32_t out_rank;
	int64_t out_dims[EML_MAX_RANK];
} eml_matmul_shape;

edgeml_status eml_matmul_shape_of(const eml_tensor *a, const eml_tensor *b, eml_matmul_shape *s);

/* Where a matmul quantization parameter p (scale or zero point) of operand a (is_b = 0,
 * per-row) or b (is_b = 1, per-column) lives: element (matrix, i) is at
 * matrix * batch_step + i * elem_step. Accepts one element, a 1-D vector of M (N) values,
 * or the operand's shape with its K dim set to 1. */
edgeml_status eml_matmul_param_layout(const eml_tensor *p, const char *name,
				      const eml_tensor *operand, int is_b,
				      const eml_matmul_shape *s, int64_t *batch_step,
				      int64_t *elem_step);

#endif /* EML_INFER_QCOMMON_H */
