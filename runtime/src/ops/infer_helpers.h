/*
 * infer_helpers.h — checks shared by the infer functions: input/output counts, dtypes, axes,
 * constant shape inputs, output shapes that fit in memory, fused activation bounds.
 * Messages name the input or attribute; eml_op_infer() prefixes the node.
 */
#ifndef EML_INFER_HELPERS_H
#define EML_INFER_HELPERS_H

#include "graph.h"

/* Dtype masks for eml_check_dtype(). */
#define EML_DT(d) (1u << (d))
#define EML_DT_FLOAT EML_DT(EDGEML_DTYPE_FLOAT32)
#define EML_DT_INT8S (EML_DT(EDGEML_DTYPE_UINT8) | EML_DT(EDGEML_DTYPE_INT8))
#define EML_DT_ANY                                                                         \
	(EML_DT_FLOAT | EML_DT_INT8S | EML_DT(EDGEML_DTYPE_INT32) | EML_DT(EDGEML_DTYPE_INT64))

/* Input k of a node, or NULL when it is absent or beyond the node's inputs. */
static inline const eml_tensor *eml_in(const eml_node *node, const eml_tensor *const *in,
				       uint32_t k)
{
	return k < node->n_inputs ? in[k] : NULL;
}

/* Checks that inputs 0..n_required-1 are present, that there are at most max_in inputs, and
 * that exactly the first n_out outputs are present (further absent ones are allowed). */
edgeml_status eml_check_arity(const eml_node *node, const eml_tensor *const *in,
			      uint32_t n_required, uint32_t max_in, uint32_t n_out);

/* Checks that t's dtype is in mask; what names the tensor ("input X"). */
edgeml_status eml_check_dtype(const eml_tensor *t, const char *what, uint32_t mask);

/* Checks that b has a's dtype; names both. */
edgeml_status eml_check_same_dtype(const eml_tensor *a, const char *what_a, const eml_tensor *b,
				   const char *what_b);

/* Checks that t's rank is in [lo, hi]. */
edgeml_status eml_check_rank(const eml_tensor *t, const char *what, uint32_t lo, uint32_t hi);

/* Sets out's dtype and shape after checking dims are >= 0 and the byte size fits int64. */
edgeml_status eml_set_output(eml_tensor *out, uint32_t dtype, uint32_t rank,
			     const int64_t *dims);

/* Maps axis in [-rank, rank-1] to [0, rank-1]; what names the attribute or input. */
edgeml_status eml_norm_axis(int64_t axis, uint32_t rank, const char *what, uint32_t *out);

/* The values of a constant int64 tensor of rank <= 1 (a shape input). A missing constant is
 * EDGEML_ERR_UNSUPPORTED, since edgeml shapes are static. */
edgeml_status eml_const_int64s(const eml_tensor *t, const char *what, const int64_t **vals,
			       uint32_t *count);

/* Reads the fused activation attributes activation_min/activation_max (docs/ops.md):
 * unbounded (-inf / +inf) when absent; min must not exceed max and neither may be NaN. */
edgeml_status eml_fused_activation(const eml_node *node, float *lo, float *hi);

/* The function a float Conv applies to its (clamped) result (INT attribute activation_fn,
 * docs/ops.md): the converter fuses a Sigmoid, a Swish (Sigmoid then Mul by the same
 * tensor: SiLU), a HardSwish or a HardSigmoid that only the Conv feeds. */
typedef enum eml_act_fn {
	EML_ACT_FN_NONE = 0,
	EML_ACT_FN_SIGMOID = 1,
	EML_ACT_FN_SWISH = 2,	     /* x * sigmoid(x) */
	EML_ACT_FN_HARD_SWISH = 3,   /* x * clamp(x / 6 + 1/2, 0, 1) */
	EML_ACT_FN_HARD_SIGMOID = 4, /* clamp(alpha x + beta, 0, 1): activation_alpha, _beta */
	EML_ACT_FN_COUNT
} eml_act_fn;

/* Reads activation_fn (EML_ACT_FN_NONE when absent) and its FLOAT parameters
 * activation_alpha and activation_beta (HardSigmoid's; ONNX's defaults 0.2 and 0.5); a
 * value outside eml_act_fn is an error naming it. */
edgeml_status eml_fused_activation_fn(const eml_node *node, uint32_t *fn, float *alpha,
				      float *beta);

#endif /* EML_INFER_HELPERS_H */
