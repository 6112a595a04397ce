/*
 * ref_util.h — small helpers of the float and data-movement reference kernels: element
 * access by dtype, the fused activation clamp, and window geometry widened to 3-D.
 */
#ifndef EML_REF_UTIL_H
#define EML_REF_UTIL_H

#include <math.h>
#include <string.h>

#include "cpu/ref/ref.h"
#include "ops/geometry.h"

/* Reads element i of a float32, uint8 or int8 buffer as a float (exact for all three). */
static inline float eml_load_f(uint32_t dtype, const void *p, int64_t i)
{
	switch (dtype) {
	case EDGEML_DTYPE_UINT8: return (float)((const uint8_t *)p)[i];
	case EDGEML_DTYPE_INT8: return (float)((const int8_t *)p)[i];
	default: return ((const float *)p)[i];
	}
}

/* Writes v, a value read by eml_load_f() from the same dtype, to element i. */
static inline void eml_store_f(uint32_t dtype, void *p, int64_t i, float v)
{
	switch (dtype) {
	case EDGEML_DTYPE_UINT8: ((uint8_t *)p)[i] = (uint8_t)v; break;
	case EDGEML_DTYPE_INT8: ((int8_t *)p)[i] = (int8_t)v; break;
	default: ((float *)p)[i] = v; break;
	}
}

/* Clamps v to [lo, hi] (the fused activation range). */
static inline float eml_clampf(float v, float lo, float hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* Rewrites g in place as a 3-D geometry by prepending unit axes, so kernels need one loop
 * nest for 1-D, 2-D and 3-D windows. */
static inline void eml_geom_to_3d(eml_window_geom *g)
{
	uint32_t lead = EML_MAX_SPATIAL - g->n_spatial;
	for (uint32_t i = EML_MAX_SPATIAL; i-- > lead;) {
		uint32_t s = i - lead;
		g->in[i] = g->in[s];
		g->kernel[i] = g->kernel[s];
		g->stride[i] = g->stride[s];
		g->dilation[i] = g->dilation[s];
		g->pad_begin[i] = g->pad_begin[s];
		g->pad_end[i] = g->pad_end[s];
		g->out[i] = g->out[s];
	}
	for (uint32_t i = 0; i < lead; i++) {
		g->in[i] = g->kernel[i] = g->stride[i] = g->dilation[i] = g->out[i] = 1;
		g->pad_begin[i] = g->pad_end[i] = 0;
	}
	g->n_spatial = EML_MAX_SPATIAL;
}

#endif /* EML_REF_UTIL_H */
