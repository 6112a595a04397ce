/*
 * fast_fplane.h — fast_plane.h's phase-plane layout in floats, for the float sliding-window
 * kernels (convolution, depthwise convolution, max pooling): the eml_plane sizes count
 * floats instead of bytes.
 */
#ifndef EML_CPU_FAST_FPLANE_H
#define EML_CPU_FAST_FPLANE_H

#include "cpu/f32_ukernels.h"
#include "cpu/fast_plane.h"

/* Copies one channel plane x (ih x iw floats) into its phase plane dst (p->bytes floats),
 * the padding, overhang and slack filled with fill. split2: the level's column split for
 * stride 2 across (kernels.h f32_split2), or NULL for the portable one; the plane is the
 * same either way. */
void eml_fplane_build(const eml_plane *p, const float *x, float fill, eml_f32_split2_fn split2,
		      float *dst);

/* Copies the valid outputs of grid positions [g0, g0 + n) from src (position g0 first) into
 * the output plane y (oh x ow floats). */
void eml_fplane_scatter(const eml_plane *p, size_t g0, size_t n, const float *src, float *y);

#endif /* EML_CPU_FAST_FPLANE_H */
