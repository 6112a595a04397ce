/*
 * fast_plane.h — the "phase plane" layout the fast sliding-window kernels (convolution,
 * depthwise convolution, max pooling) read their input from.
 *
 * One channel plane is copied once per run into a padded plane (padding and any ceil_mode
 * overhang filled with one byte, every byte XORed into the kernels' domain) and split into
 * stride_h x stride_w phases: phase (py, px) holds padded rows py, py + sh, ... and columns
 * px, px + sw, ..., rows q apart. Output (oy, ox) then reads tap (ky, kx) at flat position
 * oy * q + ox + tap_offset(ky, kx) of the plane, whatever the stride and dilation: every tap
 * of a run of consecutive outputs is a run of consecutive bytes. Kernels compute a "grid" of
 * oh x q outputs (columns ow.. of each row are discarded), so they never branch on padding.
 */
#ifndef EML_CPU_FAST_PLANE_H
#define EML_CPU_FAST_PLANE_H

#include <stddef.h>
#include <stdint.h>

#include "cpu/ref/ref_qwindow.h"
#include "edgeml.h"

/* Bytes readable past a plane's last grid position plus its largest tap offset: kernels load
 * whole vectors. */
#define EML_PLANE_SLACK 128

typedef struct eml_plane {
	size_t ih, iw;	      /* input plane */
	size_t sh, sw;	      /* strides */
	size_t top, left;     /* padding before */
	size_t rows, q;	      /* rows and row pitch of one phase */
	size_t phase;	      /* bytes of one phase: rows * q */
	size_t bytes;	      /* bytes of the whole plane, slack included */
	size_t oh, ow, grid;  /* outputs; grid = oh * q */
	size_t kh, kw, dh, dw;
} eml_plane;

/* Sizes the plane of a 2-D window (the last two dims of w; the first must be 1). Returns
 * EDGEML_ERR_UNSUPPORTED when the plane would be larger than max_bytes or the geometry is
 * not one the layout covers (it never fails otherwise). */
edgeml_status eml_plane_init(eml_plane *p, const eml_window3 *w, size_t max_bytes);

/* 3-D convolutions (fconv.c, qconv.c) run as one 2-D GEMM per output depth slice, its k
 * rows (channel, kd, ky, kx) reading the phase planes of single input depth slices: w2 is w's
 * 2-D window (the last two dims, the first set to 1), whose plane every slice shares. */
static inline void eml_plane_slice_window(const eml_window3 *w, eml_window3 *w2)
{
	*w2 = *w;
	w2->in[0] = w2->k[0] = w2->stride[0] = w2->dil[0] = w2->out[0] = 1;
	w2->pad_begin[0] = w2->pad_end[0] = 0;
}

/* The input depth slice that tap kd of output depth slice od reads, or -1 where it falls in
 * the depth padding (whose taps then read a plane of the padding value). */
static inline int64_t eml_plane_depth_slice(const eml_window3 *w, size_t od, size_t kd)
{
	int64_t id = (int64_t)od * w->stride[0] + (int64_t)kd * w->dil[0] - w->pad_begin[0];
	return id >= 0 && id < w->in[0] ? id : -1;
}

/* Whether a 3-D window is a pointwise one over the whole volume (1x1x1, stride 1, no
 * padding): it then runs as a 2-D one over the flattened D*H*W plane. Rewrites w so. */
static inline int eml_plane_flatten_pointwise(eml_window3 *w)
{
	for (int i = 0; i < 3; i++)
		if (w->k[i] != 1 || w->stride[i] != 1 || w->pad_begin[i] != 0 ||
		    w->pad_end[i] != 0 || w->out[i] != w->in[i])
			return 0;
	int64_t vol = w->in[0] * w->in[1] * w->in[2];
	w->in[0] = w->in[1] = w->out[0] = w->out[1] = 1;
	w->in[2] = w->out[2] = vol;
	return 1;
}

/* Offset of tap (ky, kx) from a grid position. */
size_t eml_plane_tap(const eml_plane *p, size_t ky, size_t kx);

/* The offsets of all kh * kw taps, row-major, into off; returns their number. */
size_t eml_plane_taps(const eml_plane *p, size_t *off);

/* Copies one channel plane x (ih x iw bytes) into dst (p->bytes), XORing each byte with
 * flip and filling the padding with fill. */
void eml_plane_build(const eml_plane *p, const uint8_t *x, uint8_t flip, uint8_t fill,
		     uint8_t *dst);

/* Builds the planes of 4 consecutive channels (x, x + x_stride, ...) as eml_plane_build does,
 * interleaved into dst (4 * p->bytes): byte c of position i of dst is channel c's byte i, the
 * layout whose 4-byte groups a dot-product GEMM kernel multiplies in place. At stride 1 the
 * rows are interleaved straight from x; otherwise the 4 planes are built in tmp
 * (4 * p->bytes) first, and for a 1x1 window only their phase (0, 0), the one it reads (the
 * other phases of dst are left as they were). */
void eml_plane_build4(const eml_plane *p, const uint8_t *x, size_t x_stride, uint8_t flip,
		      uint8_t fill, uint8_t *tmp, uint8_t *dst);

/* Copies the valid outputs of grid positions [g0, g0 + n) from src (position g0 first) into
 * the output plane y (oh x ow). */
void eml_plane_scatter(const eml_plane *p, size_t g0, size_t n, const uint8_t *src,
		       uint8_t *y);

/* The most 64-byte chunks an eml_plane_perm writes. */
#define EML_PERM_CHUNKS 16

/* A small plane's build, or a small grid's scatter, as a byte gather: output chunk i (64 bytes)
 * takes byte j from position base[i] + idx[i][j] of the source where bit j of keep[i] is set,
 * else the fill byte (window: 128 or 256 bytes from base[i]). On x86 with AVX-512 VBMI it is
 * one (128) or two (256) two-register byte permutations per chunk (eml_u8_perm_64x_avx512vbmi)
 * instead of a loop over rows a few bytes long. */
typedef struct eml_plane_perm {
	size_t chunks;	  /* chunks written, the last one partly */
	size_t out_bytes; /* bytes written */
	size_t src_bytes; /* bytes readable at the source */
	size_t window;	  /* source bytes a chunk reads: 128 or 256 */
	uint32_t base[EML_PERM_CHUNKS];
	uint8_t idx[EML_PERM_CHUNKS][64];
	uint64_t keep[EML_PERM_CHUNKS];
} eml_plane_perm;

/* Plans eml_plane_build of p as a gather (same bytes). Returns 0 when the input plane or the
 * padded plane is too large for one. */
int eml_plane_perm_build_init(eml_plane_perm *pp, const eml_plane *p);

/* Plans eml_plane_scatter(p, 0, p->grid, ...) as a gather. Returns 0 when it does not fit. */
int eml_plane_perm_scatter_init(eml_plane_perm *pp, const eml_plane *p);

/* Sum of the n bytes at x, each XORed with flip first (n < 2^24): QLinearAveragePool's
 * global sums (qavgpool.c). */
uint32_t eml_plane_sum(const uint8_t *x, size_t n, uint8_t flip);

#endif /* EML_CPU_FAST_PLANE_H */
