/*
 * node_eval.h — the value of one node, computed on host buffers by its reference kernel
 * (the oracle every backend is tested against), for code that needs it outside a session:
 * the converter's constant folding. The core declares it and the CPU backend's reference
 * kernels implement it (cpu/ref/ref_eval.c), so no one else includes the backend's headers.
 */
#ifndef EML_NODE_EVAL_H
#define EML_NODE_EVAL_H

#include "graph.h"

/* Whether op has a reference kernel to evaluate it with. */
int eml_node_eval_supported(uint32_t op);

/* Runs node's reference kernel: in[k] and in_data[k] per input slot (NULL for an absent
 * input), out[k] and out_data[k] per output (buffers of eml_tensor_bytes() each). Shapes,
 * dtypes and attributes must have been inferred (eml_op_infer). Returns the kernel's status:
 * one that fails here fails the same way at run time. */
edgeml_status eml_node_eval(const eml_node *node, const eml_tensor *const *in,
			    const void *const *in_data, const eml_tensor *const *out,
			    void *const *out_data);

#endif /* EML_NODE_EVAL_H */
