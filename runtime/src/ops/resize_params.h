/*
 * resize_params.h — Resize's attributes and output size, decoded once for infer and the kernel.
 */
#ifndef EML_RESIZE_PARAMS_H
#define EML_RESIZE_PARAMS_H

#include <math.h>

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

/* The input coordinate of output coordinate x on an axis of in_len inputs, out_len outputs
 * and the given scale (in float, as onnxruntime). */
static inline float eml_resize_source_coord(const eml_resize_params *p, float x, int64_t in_len,
					    int64_t out_len, float scale)
{
	switch (p->coord) {
	case EML_COORD_PYTORCH_HALF_PIXEL:
		return out_len > 1 ? (x + 0.5f) / scale - 0.5f : 0.0f;
	case EML_COORD_ALIGN_CORNERS:
		/* ONNX takes length_resized as in_len * scale, which differs from the integer
		 * output length when the scale does not divide evenly. */
		return out_len > 1 ? x * (float)(in_len - 1) / ((float)in_len * scale - 1.0f) : 0.0f;
	case EML_COORD_ASYMMETRIC:
		return x / scale;
	case EML_COORD_TF_HALF_PIXEL_FOR_NN:
		return (x + 0.5f) / scale;
	default:
		return (x + 0.5f) / scale - 0.5f;
	}
}

/* The nearest input index of coordinate c, clamped into [0, in_len). */
static inline int64_t eml_resize_nearest_index(const eml_resize_params *p, float c,
					       int64_t in_len)
{
	float r;
	switch (p->nearest) {
	case EML_NEAREST_FLOOR: r = floorf(c); break;
	case EML_NEAREST_CEIL: r = ceilf(c); break;
	case EML_NEAREST_ROUND_PREFER_CEIL: r = floorf(c + 0.5f); break;
	default: r = c == floorf(c) + 0.5f ? floorf(c) : roundf(c); break;
	}
	if (r < 0.0f)
		return 0;
	return r >= (float)in_len ? in_len - 1 : (int64_t)r;
}

/* The taps of output coordinate o on axis a (in_len inputs): the two input indices *lo and
 * *hi and the weight *w of *hi (nearest: both the nearest index, weight 0). Every backend
 * takes its coordinates from here, so they agree to the bit. */
static inline void eml_resize_taps(const eml_resize_params *p, uint32_t a, int64_t in_len,
				   int64_t o, int64_t *lo, int64_t *hi, float *w)
{
	float c = eml_resize_source_coord(p, (float)o, in_len, p->out[a], p->scale[a]);
	if (p->mode == EML_RESIZE_NEAREST) {
		*lo = *hi = eml_resize_nearest_index(p, c, in_len);
		*w = 0.0f;
		return;
	}
	c = fminf(fmaxf(c, 0.0f), (float)(in_len - 1));
	*lo = (int64_t)c;
	*hi = *lo + 1 < in_len ? *lo + 1 : *lo;
	*w = c - (float)*lo;
}

#endif /* EML_RESIZE_PARAMS_H */
