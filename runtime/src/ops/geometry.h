/*
 * geometry.h — the sliding-window arithmetic of Conv, ConvInteger, QLinearConv and the
 * pools, as ONNX defines it (kernel_shape, strides, dilations, pads, auto_pad, ceil_mode).
 */
#ifndef EML_GEOMETRY_H
#define EML_GEOMETRY_H

#include "graph.h"

#define EML_MAX_SPATIAL 3

typedef struct eml_window_geom {
	uint32_t n_spatial; /* 1..EML_MAX_SPATIAL */
	int64_t in[EML_MAX_SPATIAL];
	int64_t kernel[EML_MAX_SPATIAL];
	int64_t stride[EML_MAX_SPATIAL];
	int64_t dilation[EML_MAX_SPATIAL];
	int64_t pad_begin[EML_MAX_SPATIAL];
	int64_t pad_end[EML_MAX_SPATIAL];
	int64_t out[EML_MAX_SPATIAL];
} eml_window_geom;

/*
 * Computes the window geometry of node for an input with n_spatial spatial dims in_spatial.
 * kernel: the spatial kernel dims (from the weights for convolutions), or NULL to read the
 * kernel_shape attribute (pools). is_pool enables ceil_mode. Validates every attribute
 * (lengths, positivity, pads vs. kernel, output size >= 1) with a message naming it.
 */
edgeml_status eml_window_geometry(const eml_node *node, uint32_t n_spatial,
				  const int64_t *in_spatial, const int64_t *kernel, int is_pool,
				  eml_window_geom *g);

#endif /* EML_GEOMETRY_H */
