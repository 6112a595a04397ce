/*
 * resize_params.h — Resize's attributes and output size, decoded once for infer and the kernel.
 */
#ifndef EML_RESIZE_PARAMS_H
#define EML_RESIZE_PARAMS_H

#include "graph.h"

enum eml_resize_mode { EML_RESIZE_NEAREST, EML_RESIZE_LINEAR };

/* coordinate_transformation_mode values. */
enum eml_resize_coord {
	EML_COORD_HALF_PIXEL,
	EML_COORD_PYTORCH_HALF_PIXEL,
	EML_COORD_ALIGN_CORNERS,
	EML_COORD_ASYMMETRIC,
	EML_COORD_TF_HALF_PIXEL_FOR_NN,
};

/* nearest_mode values. */
enum eml_resize_nearest {
	EML_NEAREST_ROUND_PREFER_FLOOR,
	EML_NEAREST_ROUND_PREFER_CEIL,
	EML_NEAREST_FLOOR,
	EML_NEAREST_CEIL,
};

typedef struct eml_resize_params {
	int mode;    /* eml_resize_mode */
	int coord;   /* eml_resize_coord */
	int nearest; /* eml_resize_nearest */
	uint32_t rank;
	int64_t out[EML_MAX_RANK];  /* output dims */
	float scale[EML_MAX_RANK]; /* output / input per axis, as ONNX Runtime computes it */
} eml_resize_params;

/* Decodes Resize (X, roi, scales, sizes) of node: attributes, the constant scales or sizes
 * (exactly one given), the optional axes attribute, and the output dims. */
edgeml_status eml_resize_params_get(const eml_node *node, const eml_tensor *const *in,
				    eml_resize_params *p);

#endif /* EML_RESIZE_PARAMS_H */
