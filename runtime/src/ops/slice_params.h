/*
 * slice_params.h — Slice's box (first element, step and length per axis), decoded once for
 * infer and the kernels.
 */
#ifndef EML_SLICE_PARAMS_H
#define EML_SLICE_PARAMS_H

#include "graph.h"

/* Reads Slice's constant starts, ends, axes and steps (inputs 1-4, the canonical form) for
 * data in[0] and clamps them as ONNX defines: start[d] is the first element taken on axis d,
 * step[d] the stride (negative runs backwards), dims[d] the output length. Axes not named
 * are taken whole. */
edgeml_status eml_slice_params(const eml_node *node, const eml_tensor *const *in,
			       int64_t *start, int64_t *step, int64_t *dims);

/* Split's part k of data in[0]: the axis (attribute, default 0), the first index on it and
 * the length. Sizes come from the constant split input (input 1, the canonical form), or
 * else are equal: ceil(dim / outputs) with a shorter last part when num_outputs is given,
 * exact division otherwise, as ONNX defines them. */
edgeml_status eml_split_part(const eml_node *node, const eml_tensor *const *in, uint32_t k,
			     uint32_t *axis, int64_t *first, int64_t *len);

#endif /* EML_SLICE_PARAMS_H */
