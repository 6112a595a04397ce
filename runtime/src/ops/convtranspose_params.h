/*
 * convtranspose_params.h — ConvTranspose's geometry (strides, dilations, pads, output
 * padding and shape, auto_pad, group), decoded once for infer and the kernels.
 */
#ifndef EML_CONVTRANSPOSE_PARAMS_H
#define EML_CONVTRANSPOSE_PARAMS_H

#include "ops/geometry.h"

/* Limit on every spatial size, kernel dim, stride, dilation and pad (as geometry.c's). */
#define EML_CONVT_MAX_VALUE (1 << 20)

typedef struct eml_convt_geom {
	eml_window_geom w; /* in, kernel, stride, dilation, pad_begin/end, out */
	int64_t group, c_in, m_out; /* channels: C (of X), M (of Y) */
} eml_convt_geom;

/* Reads and checks ConvTranspose's attributes for X in[0] [N, C, spatial...] and W in[1]
 * [C, M/group, kernel...]: out[i] = stride*(in-1) + output_padding + (k-1)*dilation + 1 -
 * pads, or output_shape (in*stride for SAME_*) with the total padding split as ONNX defines
 * (SAME_UPPER puts the odd one at the end; a shape beyond what the input gives pads the
 * end). */
edgeml_status eml_convt_geometry(const eml_node *node, const eml_tensor *const *in,
				 eml_convt_geom *g);

#endif /* EML_CONVTRANSPOSE_PARAMS_H */
