/*
 * ref_qwindow.h — a sliding-window geometry widened to three spatial dims (missing leading
 * dims of size 1), so one loop nest serves 1-D, 2-D and 3-D convolutions and pools.
 */
#ifndef EML_REF_QWINDOW_H
#define EML_REF_QWINDOW_H

#include "ops/geometry.h"

typedef struct eml_window3 {
	int64_t in[3], k[3], stride[3], dil[3], pad_begin[3], pad_end[3], out[3];
} eml_window3;

/* Widens g (1 to 3 spatial dims) to three. */
static inline void eml_window3_of(const eml_window_geom *g, eml_window3 *w)
{
	uint32_t lead = 3 - g->n_spatial;
	for (uint32_t i = 0; i < 3; i++) {
		int real = i >= lead;
		w->in[i] = real ? g->in[i - lead] : 1;
		w->k[i] = real ? g->kernel[i - lead] : 1;
		w->stride[i] = real ? g->stride[i - lead] : 1;
		w->dil[i] = real ? g->dilation[i - lead] : 1;
		w->pad_begin[i] = real ? g->pad_begin[i - lead] : 0;
		w->pad_end[i] = real ? g->pad_end[i - lead] : 0;
		w->out[i] = real ? g->out[i - lead] : 1;
	}
}

/* The coordinates c[3] of row-major index i in a 3-D box of dims d[3]. */
static inline void eml_window3_coords(int64_t i, const int64_t *d, int64_t *c)
{
	c[2] = i % d[2];
	c[1] = (i / d[2]) % d[1];
	c[0] = i / (d[1] * d[2]);
}

#endif /* EML_REF_QWINDOW_H */
