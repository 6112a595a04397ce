/*
 * ops.h — op identities and shape/dtype inference, shared by the converter (to compute the
 * static shapes it writes) and the loader (to check the shapes a file declares).
 */
#ifndef EML_OPS_H
#define EML_OPS_H

#include "graph.h"

typedef enum eml_op {
	EML_OP_INVALID = 0,
#define EML_OP(num, name) EML_OP_##name = num,
#include "ops/ops.def"
#undef EML_OP
} eml_op;

/* The op's type name ("Conv"), or NULL for an unknown number. */
const char *eml_op_name(uint32_t op);
/* The op number for a type name, or EML_OP_INVALID. */
uint32_t eml_op_from_name(const char *name);

/*
 * Infers a node's outputs. in[k] is the descriptor of input k (NULL when absent); constant
 * inputs carry data (shape inputs of Reshape, pads of Pad, ...). out[k] for each of the
 * node's n_outputs is a copy of the declared descriptor: infer sets dtype, rank and dims.
 * Checks input count, dtypes, ranks, shapes and attributes; an error says which (the caller
 * prefixes the node's name and op). A shape-determining input that is not a constant is
 * EDGEML_ERR_UNSUPPORTED with a message naming the input.
 */
/* Callers pass in/out arrays of at least these many slots, the ones past the node's own
 * inputs/outputs NULL / zeroed: an op that looks at an optional trailing input a file left out
 * then sees it absent instead of reading past the array (quantized ops have up to 9 inputs). */
#define EML_INFER_MIN_IN_SLOTS 16u
#define EML_INFER_MIN_OUT_SLOTS 4u

typedef edgeml_status (*eml_infer_fn)(const eml_node *node, const eml_tensor *const *in,
				      eml_tensor *out);

#define EML_OP(num, name)                                                                  \
	edgeml_status eml_infer_##name(const eml_node *node, const eml_tensor *const *in,  \
				       eml_tensor *out);
#include "ops/ops.def"
#undef EML_OP

/* Dispatches to the op's infer function and prefixes errors with the node's name and op. */
edgeml_status eml_op_infer(const eml_node *node, const eml_tensor *const *in, eml_tensor *out);

#endif /* EML_OPS_H */
