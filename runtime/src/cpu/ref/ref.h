/*
 * ref.h — the reference CPU kernels: portable C11, one per op, the oracle every fast kernel
 * is tested against. They follow ONNX semantics exactly (NCHW layout, as ONNX defines the
 * ops), allocate nothing and keep no state between runs.
 */
#ifndef EML_REF_H
#define EML_REF_H

#include "graph.h"
#include "ops/op_params.h"

typedef struct eml_kernel_ctx {
	const eml_node *node;
	const eml_tensor *const *in;  /* n_inputs descriptors, NULL for an absent input */
	const eml_tensor *const *out; /* n_outputs descriptors */
	const void *const *in_data;   /* n_inputs buffers, NULL for an absent input */
	void *const *out_data;        /* n_outputs buffers */
} eml_kernel_ctx;

/* Runs the node. Shapes, dtypes and attributes were checked by eml_op_infer() before; a
 * kernel re-checks only what depends on run-time data (e.g. zero points given as inputs). */
typedef edgeml_status (*eml_ref_fn)(const eml_kernel_ctx *ctx);

#define EML_OP(num, name) edgeml_status eml_ref_##name(const eml_kernel_ctx *ctx);
#include "ops/ops.def"
#undef EML_OP

/* Sets *p to the node's typed params (ops/op_params.h): decoded at load, or now into *tmp
 * for a graph built in memory. */
static inline edgeml_status eml_ref_params(const eml_kernel_ctx *ctx, eml_op_params *tmp,
					   const eml_op_params **p)
{
	return eml_node_params(NULL, ctx->node, ctx->in, tmp, p);
}

/* Applies the fused activation function fn (eml_act_fn; HardSigmoid with alpha, beta) to n
 * floats in place, with the float operations of the standalone ops' reference kernels
 * (Swish: x * Sigmoid(x)). */
void eml_ref_activation_fn(uint32_t fn, float alpha, float beta, size_t n, float *y);

/* The reference kernel of an op, or NULL for an unknown op. */
eml_ref_fn eml_ref_kernel(uint32_t op);

#endif /* EML_REF_H */
