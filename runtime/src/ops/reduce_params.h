/*
 * reduce_params.h — the reduced axes of ReduceMean/ReduceSum/ReduceMax, decoded once for
 * infer and the kernels.
 */
#ifndef EML_REDUCE_PARAMS_H
#define EML_REDUCE_PARAMS_H

#include "graph.h"

typedef struct eml_reduce_axes {
	uint32_t mask; /* bit d set: axis d of the input is reduced */
	int keepdims;  /* reduced axes stay as 1 */
} eml_reduce_axes;

/* Reads keepdims, noop_with_empty_axes and the optional constant axes input (input 1, the
 * canonical form) for input in[0]: absent or empty axes reduce every axis, or none with
 * noop_with_empty_axes = 1. Axes may be negative; repeated or out-of-range ones are errors. */
edgeml_status eml_reduce_params(const eml_node *node, const eml_tensor *const *in,
				eml_reduce_axes *p);

#endif /* EML_REDUCE_PARAMS_H */
