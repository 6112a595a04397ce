/*
 * pad_params.h — Pad's mode and per-axis pads, decoded once for infer and the kernels.
 */
#ifndef EML_PAD_PARAMS_H
#define EML_PAD_PARAMS_H

#include "graph.h"

enum eml_pad_mode { EML_PAD_CONSTANT, EML_PAD_REFLECT, EML_PAD_EDGE };

/* Reads Pad's mode attribute and its constant pads (and optional axes) input into
 * begin/end[EML_MAX_RANK] for every axis of in[0], validating them. */
edgeml_status eml_pad_params(const eml_node *node, const eml_tensor *const *in,
			     int64_t *begin, int64_t *end, int *mode);

#endif /* EML_PAD_PARAMS_H */
