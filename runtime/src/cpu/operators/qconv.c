/* qconv.c — QLinearConv on the fast path: depthwise convolutions on the depthwise
 * micro-kernel over each channel's phase plane (fast_plane.h), or, for small outputs, on the
 * channels-in-lanes kernel over tiles of 64 channels transposed per run, every other 1-D/2-D
 * convolution as a GEMM per group over tiles of pixels: 1x1 stride-1 convolutions read the
 * input planes directly, others pack each tile of the im2col matrix straight from the
 * image's phase planes (each k row of a tile is a run of bytes of one plane), never
 * materialising the matrix: either read in place from planes interleaved by 4 channels
 * (the columns are then grid positions, scattered into the output afterwards), or, for
 * channel counts that are not a multiple of 4 (a network's first layer, 3 input channels),
 * as tiles of output pixels with K = channels x taps in one run, stored straight into y.
 * Geometries the phase plane does not hold (over 64 taps per axis, strides over 8,
 * dilations over 16: STFT front ends, patch embeddings) build the im2col matrix per image
 * instead, x's zero point in the padding, and run the GEMM on it as on a pointwise
 * convolution's input. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/fast_gemm.h"
#include "cpu/kernels.h"
#include "cpu/operators/operators.h"
#include "cpu/fast_plane.h"
#include "quant/quant.h"
#include "cpu/ref/ref_qparams.h"
#include "cpu/ref/ref_qwindow.h"
#include "error.h"
#include "ops/infer_qcommon.h"
#include "ops/op_params.h"

/* Tiles of one task: a task packs them all, then sweeps the weights once over them, so a
 * block of weights is loaded into L1 once for this many tiles. */
#define TILES_PER_TASK 4
/* Outputs at most this large run by pixel (channels across the vector lanes) where the GEMM
 * in place would compute whole 32-column tiles of the padded grid, a quarter of them wasted
 * on a 7 x 7 output. */
#define PX_MAX_PIXELS 256
/* A pointwise convolution runs by pixel only with at least this many input (k) and output
 * (m) channels (see prepare_gemm). */
#define PX_PW_MIN_K 256
#define PX_PW_MIN_M 512
/* Phase planes larger than this (per channel for depthwise, per image for the GEMM) leave
 * the node to the reference kernel: scratch memory stays bounded. */
#define PLANE_MAX ((size_t)64 << 20)
/* What a depthwise MAC costs in GEMM MACs (for the serial-or-pool choice): with one weight
 * per channel and tap, the depthwise kernels run about this much slower per MAC. */
#define DW_COST 8
/* The widest tile of pixels (a micro-kernel's nr) the pixel-tile packing handles. */
#define PIXEL_NR_MAX 32
/* The most taps a depthwise kernel takes. */
#define DW_TAPS_MAX 64
/* Depthwise outputs at most this large run with channels in lanes: one channel per vector
 * leaves most lanes of a small plane's last vector idle, pays a plane build and scatter per
 * channel and, at stride 2, splits a window row's taps over two phases. Larger planes run as
 * fast one channel per vector, and their tiles would not stay in L2. */
#define DWC_MAX_PIXELS 784
/* Scratch bytes a channels-in-lanes block may take (input tile and output). */
#define DWC_MAX_SCRATCH ((size_t)4 << 20)
/* The largest im2col matrix (bytes, per image) built for a geometry the phase plane does not
 * hold; larger ones leave the node to the reference kernel. */
#define IM2COL_MAX ((size_t)16 << 20)

typedef struct qconv_op {
	eml_fast_op base;
	const eml_cpu_kernels *kt; /* the level's micro-kernels */
	int depthwise;
	eml_window3 c;
	size_t batch, in_ch, out_ch, groups, cg, mg;
	size_t in_plane, out_plane;
	size_t work; /* MACs of one run */
	eml_plane plane; /* the input's phase planes (all but pointwise) */
	size_t kvol;
	uint8_t zx;	    /* x's zero point, a raw byte of x's type */
	uint8_t flip, fill; /* XOR into the kernels' domain; the padding value there */
	/* GEMM path */
	eml_fast_gemm *gemm; /* one per group */
	int pointwise;	     /* 1x1, stride 1, no padding: x rows are the input planes */
	int im2col;	     /* x rows are an im2col matrix ([channel, ky, kx][pixel]) */
	size_t gstride, xstride; /* pointwise, im2col: bytes between groups and k rows */
	size_t im2col_rows;	 /* im2col: rows (taps of a channel) built per task */
	size_t *koff;	     /* per k: offset of its row in the group's planes */
	int in_place;	     /* planes interleaved by 4 channels, read in place (qoff) */
	size_t *qoff;	     /* per k group: offset of its row of 4 channels in the planes */
	size_t cols;	     /* columns of the GEMM: pixels, or grid positions (in place) */
	size_t stage;	     /* neither: offset in the scratch of the tile staging rows */
	size_t tiles, tiles_per_task, tile_groups, m_chunks, m_chunk, tile_bytes;
	size_t *pos;	 /* by pixel: per output pixel, the offset of its grid position */
	size_t px_block; /* by pixel: pixels per kernel call, 0 when not run by pixel */
	/* depthwise path */
	eml_qdw_fn dw;
	size_t *tapoff; /* per tap: offset from a grid position */
	size_t wpad;	/* taps per channel, padded to a multiple of 4 */
	int8_t *taps;	/* int8 domain */
	int32_t *dw_wzp, *dw_bias;
	float *dw_mult;
	float zp, lo, hi;
	size_t dw_run;		/* channels per task */
	size_t dw_plane, dw_grid; /* scratch bytes of one plane and one grid buffer */
	int perm;		  /* small planes: built and scattered by byte gathers */
	eml_plane_perm perm_build, perm_scatter;
	/* channels-in-lanes depthwise path (dwc set): per block of EML_QDWC_LANES channels,
	 * a padded pixel-major tile transposed from the input planes, the kernel into a
	 * pixel-major buffer, transposed back into the output planes */
	eml_qdwc_fn dwc;
	size_t dwc_blocks;
	size_t dwc_ph, dwc_pw, dwc_top, dwc_left; /* the padded plane and its padding */
	size_t dwc_tile, dwc_out; /* bytes of a block's tile and output */
	size_t *dwc_xoff;	  /* per input pixel: its offset in the tile */
	size_t dwc_wblock;	  /* bytes of a block's weights */
	int8_t *dwc_w;		  /* per block: rows x groups x lanes x 4 taps */
	/* per block, in lane order; dwc_wzp NULL when every weight zero point is 0 */
	int32_t *dwc_bias, *dwc_wzp;
	float *dwc_mult;
	int dwc_narrow; /* every multiplier in [0, 0.5] (eml_qdwc_args.narrow) */
	uint8_t *dwc_fit; /* per block: eml_qdwc_args.pairs_fit */
	uint8_t *dwc_wide; /* per block, dwc_nmask bytes: eml_qdwc_args.wide */
	size_t dwc_nmask;
	/* Channels-last blocks between a channels-in-lanes depthwise layer and the 1x1 layer
	 * that alone reads its output (eml_fast_qconv_link): per image, block b of 64 channels
	 * holds pixel p's channels at b * plane * 64 + p * 64, as the depthwise kernel writes
	 * them, so its output is not transposed back into planes. */
	int blocked_out; /* depthwise: y in blocks */
	int blocked_in;	 /* pointwise: x in blocks */
	char linked_name[64]; /* the kernel's name with the link's, for profiles */
	/* 3-D (three_d): one GEMM per output depth slice over the phase planes of every
	 * (channel, input depth slice), plus one plane of the padding value for the depth
	 * padding; koff and qoff then hold a table per (output slice, group), offsets from
	 * the first plane. 1-D and 2-D: in_d = out_d = 1. */
	int three_d;
	eml_window3 c3;		/* the 3-D window (c: each slice's 2-D one) */
	size_t in_d, out_d;
	size_t in_vol, out_vol; /* bytes of one input / output channel: in_d * in_plane */
	size_t k;		/* the GEMM's k: cg * kvol */
} qconv_op;

/* One run's arguments for the task functions. */
typedef struct qconv_run {
	const qconv_op *op;
	const uint8_t *x;
	uint8_t *y;
	const eml_fast_env *env;
	size_t od; /* 3-D: the output depth slice */
} qconv_run;

/* Frees the op and what it owns. */
static void qconv_destroy(eml_fast_op *base)
{
	qconv_op *op = (qconv_op *)base;
	if (op->gemm)
		for (size_t g = 0; g < op->groups; g++)
			eml_fast_gemm_free(&op->gemm[g]);
	free(op->gemm);
	free(op->koff);
	free(op->qoff);
	free(op->pos);
	free(op->tapoff);
	free(op->dw_wzp);
	free(op->taps);
	free(op->dw_bias);
	free(op->dw_mult);
	free(op->dwc_xoff);
	free(op->dwc_w);
	free(op->dwc_bias);
	free(op->dwc_wzp);
	free(op->dwc_mult);
	free(op->dwc_fit);
	free(op->dwc_wide);
	free(op);
}

/* Builds one channel's phase plane of the image being run into the shared buffer. */
static void plane_task(void *arg, uint32_t task, uint32_t thread)
{
	const qconv_run *r = arg;
	const qconv_op *op = r->op;
	(void)thread;
	eml_plane_build(&op->plane, r->x + task * op->in_plane, op->flip, op->fill,
			r->env->shared + task * op->plane.bytes);
}

/* Builds the interleaved planes of 4 channels of the image being run (in_place). */
static void plane4_task(void *arg, uint32_t task, uint32_t thread)
{
	const qconv_run *r = arg;
	const qconv_op *op = r->op;
	/* 3-D: task (quad, slice) interleaves slice `slice` of channels 4 quad.. 4 quad + 3 */
	size_t quad = task / op->in_d, slice = task % op->in_d;
	eml_plane_build4(&op->plane, r->x + (4 * quad * op->in_d + slice) * op->in_plane,
			 op->in_vol, op->flip, op->fill, r->env->scratch[thread],
			 r->env->shared + 4 * task * op->plane.bytes);
}

/* Copies n bytes (a micro-kernel's nr: a constant size in the common cases, so no call). */
static inline void copy_nr(uint8_t *dst, const uint8_t *src, uint32_t n)
{
	if (n == 32)
		memcpy(dst, src, 32);
	else if (n == 8)
		memcpy(dst, src, 8);
	else
		memcpy(dst, src, n);
}

/* Packs the x tile of output pixels [p0, p0 + nr) from one group's phase planes: a tile
 * within one output row is a run of grid positions per k row, read in place; one across rows
 * is first assembled in stage (k rows of 2 * uk->nr bytes), each row as whole-width copies of
 * its runs in order, every run written over the previous one's overhang. */
static void pack_pixels(const qconv_op *op, const eml_fast_gemm *gm, const uint8_t *planes,
			const size_t *koff, size_t p0, uint32_t nr, uint8_t *stage, uint8_t *tile,
			int32_t *xs)
{
	const eml_qgemm_ukernel *uk = gm->uk;
	const eml_plane *pl = &op->plane;
	size_t ox = p0 % pl->ow;
	if (ox + nr <= pl->ow) {
		eml_pack_x_rows(uk, planes + p0 / pl->ow * pl->q + ox, koff, gm->k, tile, xs);
		return;
	}
	/* runs start at column 0 and where a pixel starts an output row; a pixel's grid
	 * position is at least its index, so a run's source never starts before the plane */
	size_t run_j[PIXEL_NR_MAX], run_g[PIXEL_NR_MAX], runs = 0;
	for (size_t j = 0; j < nr; runs++) {
		size_t p = p0 + j, px = p % pl->ow;
		run_j[runs] = j;
		run_g[runs] = p / pl->ow * pl->q + px;
		j += pl->ow - px;
	}
	size_t stride = 2 * (size_t)uk->nr;
	for (size_t kk = 0; kk < gm->k; kk++) {
		const uint8_t *src = planes + koff[kk];
		uint8_t *d = stage + kk * stride;
		for (size_t i = 0; i < runs; i++)
			copy_nr(d + run_j[i], src + run_g[i], uk->nr);
	}
	eml_pack_x(uk, stage, stride, gm->k, nr, 0, tile, xs);
}

/* Writes rows [task * im2col_rows, + im2col_rows) of the im2col matrix of the image being
 * run into the shared buffer: row (channel, ky, kx) holds that tap's input (raw bytes of x's
 * type) at every output pixel, x's zero point where it falls in the padding. */
static void im2col_task(void *arg, uint32_t task, uint32_t thread)
{
	const qconv_run *r = arg;
	const qconv_op *op = r->op;
	const eml_window3 *c = &op->c;
	(void)thread;
	int64_t ih = c->in[1], iw = c->in[2], oh = c->out[1], ow = c->out[2];
	int64_t sh = c->stride[1], sw = c->stride[2], kw = c->k[2];
	size_t rows = op->in_ch * op->kvol, r0 = task * op->im2col_rows;
	size_t r1 = r0 + op->im2col_rows < rows ? r0 + op->im2col_rows : rows;
	uint8_t *dst = r->env->shared + r0 * op->out_plane;
	for (size_t row = r0; row < r1; row++, dst += op->out_plane) {
		size_t ch = row / op->kvol, tap = row % op->kvol;
		const uint8_t *x = r->x + ch * op->in_plane;
		int64_t dy = (int64_t)tap / kw * c->dil[1] - c->pad_begin[1];
		int64_t dx = (int64_t)tap % kw * c->dil[2] - c->pad_begin[2];
		/* the outputs whose tap lands inside the input row: [ox0, ox1) */
		int64_t ox0 = dx >= 0 ? 0 : (-dx + sw - 1) / sw;
		int64_t ox1 = iw - dx > 0 ? (iw - dx + sw - 1) / sw : 0;
		ox0 = ox0 < ow ? ox0 : ow;
		ox1 = ox1 < ow ? ox1 : ow;
		ox1 = ox1 > ox0 ? ox1 : ox0;
		for (int64_t oy = 0; oy < oh; oy++) {
			uint8_t *o = dst + oy * ow;
			int64_t iy = oy * sh + dy;
			if (iy < 0 || iy >= ih) {
				memset(o, op->zx, (size_t)ow);
				continue;
			}
			const uint8_t *src = x + iy * iw + dx;
			/* the padding runs are usually empty: no call for them */
			if (ox0 > 0)
				memset(o, op->zx, (size_t)ox0);
			if (sw == 1)
				memcpy(o + ox0, src + ox0, (size_t)(ox1 - ox0));
			else
				for (int64_t ox = ox0; ox < ox1; ox++)
					o[ox] = src[ox * sw];
			if (ox1 < ow)
				memset(o + ox1, op->zx, (size_t)(ow - ox1));
		}
	}
}

/* A GEMM task: a group of up to tiles_per_task column tiles of one group of the image, for
 * one chunk of output channels. r->x is the image (pointwise) or its planes; the tiles are
 * of pixels (packed) or of grid positions (in place). */
static void gemm_task(void *arg, uint32_t task, uint32_t thread)
{
	const qconv_run *r = arg;
	const qconv_op *op = r->op;
	const eml_qgemm_ukernel *uk = op->gemm[0].uk;
	size_t t = task, mc = t % op->m_chunks;
	t /= op->m_chunks;
	size_t tg = t % op->tile_groups, g = t / op->tile_groups;
	const eml_fast_gemm *gm = &op->gemm[g];
	size_t m0 = mc * op->m_chunk, m1 = m0 + op->m_chunk < op->mg ? m0 + op->m_chunk : op->mg;
	uint8_t *y = r->y + (g * op->mg + m0) * op->out_vol + r->od * op->out_plane;
	/* the group's planes and offsets; 3-D: the slice's tables, from the first plane */
	const uint8_t *planes = r->x + g * op->cg * op->plane.bytes;
	const size_t *koff = op->koff, *qoff = op->qoff;
	if (op->three_d) {
		planes = r->x;
		koff += (r->od * op->groups + g) * op->k;
		qoff += (r->od * op->groups + g) * (op->k / 4 + 1);
	}
	uint8_t *tiles = r->env->scratch[thread];
	int32_t *xsum = (int32_t *)(tiles + op->tiles_per_task * op->tile_bytes);
	uint8_t *out = (uint8_t *)(xsum + op->tiles_per_task * uk->nr);
	size_t first = tg * op->tiles_per_task;
	size_t last = first + op->tiles_per_task;
	last = last < op->tiles ? last : op->tiles;
	for (size_t ti = first; ti < last && !op->in_place; ti++) {
		size_t p0 = ti * uk->nr;
		uint32_t nr = (uint32_t)(op->cols - p0 < uk->nr ? op->cols - p0 : uk->nr);
		uint8_t *tile = tiles + (ti - first) * op->tile_bytes;
		int32_t *xs = gm->wzp ? xsum + (ti - first) * uk->nr : NULL;
		if (op->blocked_in) {
			op->kt->x8_pack_blocked(r->x + p0 * EML_QDWC_LANES, op->in_plane, gm->k,
						nr, uk->nr, gm->flip, tile);
			continue;
		}
		if (op->pointwise || op->im2col)
			eml_pack_x(uk, r->x + g * op->gstride + p0, op->xstride, gm->k, nr,
				   gm->flip, tile, xs);
		else
			pack_pixels(op, gm, planes, koff, p0, nr,
				    r->env->scratch[thread] + op->stage, tile, xs);
	}
	/* packed tiles of pixels go straight to y; in place, grid columns go through a buffer
	 * of the task's tiles side by side, then only the valid ones to y, a row at a time */
	size_t span = (last - first) * uk->nr, p_end = last * uk->nr;
	size_t valid = (p_end < op->cols ? p_end : op->cols) - first * uk->nr;
	for (size_t i = m0; i < m1; i += uk->mr) {
		uint32_t mr = m1 - i < uk->mr ? (uint32_t)(m1 - i) : uk->mr;
		const uint8_t *w = (const uint8_t *)gm->w + (i / uk->mr) * gm->w_block;
		for (size_t ti = first; ti < last; ti++) {
			size_t p0 = ti * uk->nr;
			uint32_t nr = (uint32_t)(op->cols - p0 < uk->nr ? op->cols - p0 : uk->nr);
			const uint8_t *tile = tiles + (ti - first) * op->tile_bytes;
			const int32_t *xs = xsum + (ti - first) * uk->nr;
			if (!op->in_place) {
				eml_fast_gemm_block(gm, mr, nr, i, tile, xs,
						    y + (i - m0) * op->out_vol + p0, op->out_vol);
				continue;
			}
			uint8_t *o = out + (ti - first) * uk->nr;
			uk->igemm(mr, uk->nr, gm->kq, w, planes + 4 * p0, qoff, o, span, &gm->out,
				  (uint32_t)i);
		}
		for (uint32_t rr = 0; rr < mr && op->in_place; rr++)
			eml_plane_scatter(&op->plane, first * uk->nr, valid, out + rr * span,
					  y + (i - m0 + rr) * op->out_vol);
	}
}

/* A by-pixel task: one block of output channels (the kernel's mr) of the image over all its
 * pixels, the block's weights loaded once per few pixels from L2 rather than the planes. */
static void px_task(void *arg, uint32_t task, uint32_t thread)
{
	const qconv_run *r = arg;
	const qconv_op *op = r->op;
	const eml_fast_gemm *gm = &op->gemm[0];
	size_t mr = gm->uk->mr, m0 = (size_t)task * mr, mc = op->mg - m0 < mr ? op->mg - m0 : mr;
	const uint8_t *w = (const uint8_t *)gm->w + task * gm->w_block;
	const size_t *qoff = op->qoff + (op->three_d ? r->od * (op->k / 4 + 1) : 0);
	uint8_t *y = r->y + m0 * op->out_vol + r->od * op->out_plane;
	for (size_t p0 = 0; p0 < op->out_plane; p0 += op->px_block) {
		size_t np = op->out_plane - p0 < op->px_block ? op->out_plane - p0 : op->px_block;
		op->kt->qigemm_px((uint32_t)mc, (uint32_t)np, gm->kq, w, r->x, qoff, op->pos + p0,
				  y + p0, op->out_vol, &gm->out, (uint32_t)m0);
	}
}

/* Runs the depthwise kernel for channel ch of an image from its built plane into out (the
 * output plane when grid and output rows match, else a grid buffer). */
static void dw_channel(const qconv_op *op, size_t ch, const uint8_t *plane, uint8_t *out)
{
	const uint8_t *rows[DW_TAPS_MAX];
	for (size_t t = 0; t < op->kvol; t++)
		rows[t] = plane + op->tapoff[t];
	eml_qdw_args a = {
		.x = rows, .n = op->plane.grid, .taps = (uint32_t)op->kvol,
		.w = op->taps + ch * op->wpad, .wzp = op->dw_wzp[ch], .bias = op->dw_bias[ch],
		.mult = op->dw_mult[ch], .zp = op->zp, .lo = op->lo, .hi = op->hi, .y = out,
	};
	op->dw(&a);
}

/* Builds one channel's plane for the depthwise kernel. */
static void dw_build(const qconv_op *op, const uint8_t *x, uint8_t *dst)
{
	if (op->perm) {
		op->kt->u8_perm(&op->perm_build, x, op->flip, op->fill, dst);
		return;
	}
	eml_plane_build(&op->plane, x, op->flip, op->fill, dst);
}

/* Copies the valid outputs of one channel's grid into its output plane. */
static void dw_scatter(const qconv_op *op, const uint8_t *grid, uint8_t *y)
{
	if (op->perm) {
		op->kt->u8_perm(&op->perm_scatter, grid, 0, 0, y);
		return;
	}
	eml_plane_scatter(&op->plane, 0, op->plane.grid, grid, y);
}

/* Runs channels [c0, c1) (c1 > c0) of all images in order (image n's channel c is n * in_ch
 * + c), software-pipelined so that channel c + 1's plane is built and channel c - 1's grid
 * scattered around channel c's kernel: no load then waits on the stores just before it. */
static void dw_channels(const qconv_run *r, size_t c0, size_t c1, uint32_t thread)
{
	const qconv_op *op = r->op;
	const eml_plane *p = &op->plane;
	uint8_t *plane[2], *grid[2];
	plane[0] = r->env->scratch[thread];
	plane[1] = plane[0] + op->dw_plane;
	grid[0] = plane[1] + op->dw_plane;
	grid[1] = grid[0] + op->dw_grid;
	int direct = p->q == p->ow;
	dw_build(op, r->x + c0 * op->in_plane, plane[0]);
	for (size_t c = c0; c < c1; c++) {
		size_t b = (c - c0) % 2;
		if (c + 1 < c1)
			dw_build(op, r->x + (c + 1) * op->in_plane, plane[b ^ 1]);
		uint8_t *y = r->y + c * op->out_plane;
		dw_channel(op, c % op->in_ch, plane[b], direct ? y : grid[b]);
		if (!direct && c > c0)
			dw_scatter(op, grid[b ^ 1], y - op->out_plane);
	}
	if (!direct)
		dw_scatter(op, grid[(c1 - 1 - c0) % 2], r->y + (c1 - 1) * op->out_plane);
}

/* A depthwise task: a run of dw_run channels. */
static void dw_task(void *arg, uint32_t task, uint32_t thread)
{
	const qconv_run *r = arg;
	const qconv_op *op = r->op;
	size_t c0 = task * op->dw_run, total = op->batch * op->in_ch;
	dw_channels(r, c0, c0 + op->dw_run < total ? c0 + op->dw_run : total, thread);
}

/* Fills the padding of a block's tile with the fill byte: the whole rows above and below the
 * input, the columns left and right of it on the rows in between. */
static void dwc_fill_border(const qconv_op *op, uint8_t *tile)
{
	const size_t lanes = EML_QDWC_LANES, row = op->dwc_pw * lanes;
	size_t ih = (size_t)op->c.in[1], iw = (size_t)op->c.in[2], bottom = op->dwc_top + ih;
	size_t right = op->dwc_pw - op->dwc_left - iw;
	memset(tile, op->fill, op->dwc_top * row);
	memset(tile + bottom * row, op->fill, (op->dwc_ph - bottom) * row);
	for (size_t r = op->dwc_top; r < bottom; r++) {
		memset(tile + r * row, op->fill, op->dwc_left * lanes);
		memset(tile + r * row + (op->dwc_left + iw) * lanes, op->fill, right * lanes);
	}
}

/* A channels-in-lanes depthwise task: one block of channels of one image, from its planes
 * through the tile and the kernel back into its planes; the tasks past batch * dwc_blocks
 * run each image's channels past its last block one channel per vector. */
static void dwc_task(void *arg, uint32_t task, uint32_t thread)
{
	const qconv_run *r = arg;
	const qconv_op *op = r->op;
	const size_t lanes = EML_QDWC_LANES;
	if (task >= op->batch * op->dwc_blocks) {
		size_t n = task - op->batch * op->dwc_blocks;
		dw_channels(r, n * op->in_ch + op->dwc_blocks * lanes, (n + 1) * op->in_ch,
			    thread);
		return;
	}
	size_t n = task / op->dwc_blocks, b = task % op->dwc_blocks, c0 = b * lanes;
	uint8_t *tile = r->env->scratch[thread], *out = tile + op->dwc_tile;
	const eml_window3 *c = &op->c;
	const uint8_t *x = r->x + (n * op->in_ch + c0) * op->in_plane;
	uint8_t *y = r->y + (n * op->in_ch + c0) * op->out_plane;
	if (op->blocked_out)
		out = y;
	dwc_fill_border(op, tile);
	/* planes of 16 pixels or more: a pixel's channels are one vector */
	if (op->in_plane >= 16)
		op->kt->x8_transpose_planes_64(x, op->in_plane, op->in_plane, tile,
					       op->dwc_xoff, op->flip);
	else
		op->kt->x8_transpose_16x16(x, op->in_plane, lanes, op->in_plane, tile,
					   op->dwc_xoff, 0, op->flip);
	eml_qdwc_args a = {
		.x = tile, .pitch = op->dwc_pw * lanes,
		.kh = (uint32_t)c->k[1], .kw = (uint32_t)c->k[2],
		.sh = (uint32_t)c->stride[1], .sw = (uint32_t)c->stride[2],
		.dh = (uint32_t)c->dil[1], .dw = (uint32_t)c->dil[2],
		.oh = (size_t)c->out[1], .ow = (size_t)c->out[2],
		.w = op->dwc_w + b * op->dwc_wblock,
		.bias = op->dwc_bias + c0, .wzp = op->dwc_wzp ? op->dwc_wzp + c0 : NULL,
		.mult = op->dwc_mult + c0, .zp = op->zp, .lo = op->lo, .hi = op->hi,
		.narrow = op->dwc_narrow, .ring = tile + op->dwc_tile + op->dwc_out, .y = out,
		.pairs_fit = op->dwc_fit[b], .wide = op->dwc_wide + b * op->dwc_nmask,
	};
	op->dwc(&a);
	if (op->blocked_out)
		return;
	if (op->out_plane >= 16)
		op->kt->x8_transpose_tile_64(out, op->out_plane, y, op->out_plane);
	else
		op->kt->x8_transpose_16x16(out, lanes, op->out_plane, lanes, y, NULL,
					   op->out_plane, 0);
}

/* Runs the node over the pool. */
static edgeml_status qconv_run_op(const eml_fast_op *base, const eml_kernel_ctx *ctx,
				  const eml_fast_env *env)
{
	const qconv_op *op = (const qconv_op *)base;
	const uint8_t *x = ctx->in_data[0];
	uint8_t *y = ctx->out_data[0];
	eml_threadpool *pool = eml_fast_pool(env, op->depthwise ? op->work * DW_COST : op->work);
	if (op->depthwise) {
		qconv_run r = { op, x, y, env, 0 };
		size_t total = op->batch * op->in_ch;
		if (op->dwc) {
			int tail = op->in_ch % EML_QDWC_LANES != 0;
			eml_threadpool_run(pool, dwc_task, &r,
					   (uint32_t)(op->batch * (op->dwc_blocks + tail)));
			return EDGEML_OK;
		}
		eml_threadpool_run(pool, dw_task, &r,
				   (uint32_t)((total + op->dw_run - 1) / op->dw_run));
		return EDGEML_OK;
	}
	for (size_t n = 0; n < op->batch; n++) {
		qconv_run r = { op, x + n * op->in_ch * op->in_vol, y + n * op->out_ch * op->out_vol,
				env, 0 };
		if (op->in_place)
			eml_threadpool_run(pool, plane4_task, &r,
					   (uint32_t)(op->in_ch / 4 * op->in_d));
		else if (op->im2col)
			eml_threadpool_run(pool, im2col_task, &r,
					   (uint32_t)((op->in_ch * op->kvol + op->im2col_rows - 1) /
						      op->im2col_rows));
		else if (!op->pointwise)
			eml_threadpool_run(pool, plane_task, &r, (uint32_t)(op->in_ch * op->in_d));
		/* 3-D: the depth padding's plane (4 interleaved ones in place) after the last */
		if (op->three_d)
			memset(env->shared + op->in_ch * op->in_d * op->plane.bytes, op->fill,
			       4 * op->plane.bytes);
		if (!op->pointwise)
			r.x = env->shared;
		for (r.od = 0; r.od < op->out_d; r.od++) {
			if (op->px_block) {
				size_t mr = op->gemm[0].uk->mr;
				eml_threadpool_run(pool, px_task, &r,
						   (uint32_t)((op->mg + mr - 1) / mr));
				continue;
			}
			eml_threadpool_run(pool, gemm_task, &r,
					   (uint32_t)(op->groups * op->tile_groups * op->m_chunks));
		}
	}
	return EDGEML_OK;
}

int eml_fast_qconv_link(eml_fast_op *from, eml_fast_op *to)
{
	if (from->run != qconv_run_op || to->run != qconv_run_op)
		return 0;
	qconv_op *f = (qconv_op *)from, *t = (qconv_op *)to;
	/* every channel in a whole block; the level's blocked pack fills its GEMM kernel's tiles
	 * (kc 4, nr a multiple of 8: AVX2's 8, AVX-512's 32) from whole pixels of 16 groups of 4
	 * channels and sums no columns; the level's GEMM or its wide sibling (same tiles) */
	const eml_qgemm_ukernel *uk = t->pointwise ? t->gemm[0].uk : NULL;
	if (!f->depthwise || !f->dwc || f->in_ch % EML_QDWC_LANES != 0 || !uk ||
	    !t->kt->x8_pack_blocked || (uk != t->kt->qgemm && uk != t->kt->qgemm->wide) ||
	    uk->kc != 4 || uk->nr % 8 != 0 ||
	    t->groups != 1 || t->gemm[0].wzp || t->in_ch != f->out_ch ||
	    t->in_plane != f->out_plane || t->batch != f->batch)
		return 0;
	f->blocked_out = 1;
	t->blocked_in = 1;
	snprintf(f->linked_name, sizeof(f->linked_name), "%s (to blocks)", f->base.kernel);
	snprintf(t->linked_name, sizeof(t->linked_name), "%s (from blocks)", t->base.kernel);
	f->base.kernel = f->linked_name;
	t->base.kernel = t->linked_name;
	return 1;
}

/* The node's constant parameters, read once. */
typedef struct qconv_params {
	const float *xs, *ws, *ys;
	int64_t n_ws;
	int32_t x_zp, y_zp, lo, hi;
	const int32_t *bias;
	uint32_t w_zero_point; /* its input slot (ops/op_params.h) */
} qconv_params;

/* Reads the values behind the node's named slots (q); returns 0 when one is unusable (the
 * reference then reports it). */
static int read_params(const eml_kernel_ctx *ctx, const eml_qconv_params *q, qconv_params *p)
{
	int64_t n;
	if (!q->requantize)
		return 0;
	for (uint32_t k = 0; k < ctx->node->n_inputs; k++)
		if (k != q->x && k != q->w && !eml_fast_input_constant(ctx, k))
			return 0;
	if (!(ctx->in[q->w]->flags & EML_TF_CONSTANT) || !ctx->in_data[q->w])
		return 0;
	if (eml_q_scales(ctx, q->x_scale, &p->xs, &n) != EDGEML_OK ||
	    eml_q_scales(ctx, q->w_scale, &p->ws, &p->n_ws) != EDGEML_OK ||
	    eml_q_scales(ctx, q->y_scale, &p->ys, &n) != EDGEML_OK)
		return 0;
	p->x_zp = eml_q_zero_point(ctx, q->x_zero_point, 0);
	p->y_zp = eml_q_zero_point(ctx, q->y_zero_point, 0);
	p->w_zero_point = q->w_zero_point;
	eml_q_activation_range(ctx->out[0]->dtype, q->act_min, q->act_max, p->ys[0], p->y_zp,
			       &p->lo, &p->hi);
	p->bias = q->bias != EML_NO_INPUT && q->bias < ctx->node->n_inputs ? ctx->in_data[q->bias]
									    : NULL;
	return 1;
}

/* The reference's multiplier of output channel m. */
static float channel_mult(const qconv_params *p, size_t m)
{
	return eml_requant_multiplier(p->xs[0], p->ws[p->n_ws == 1 ? 0 : m], p->ys[0]);
}

/* Offsets of every tap from a grid position, into a new array. */
static size_t *tap_offsets(const qconv_op *op)
{
	size_t *off = calloc(op->kvol, sizeof(size_t));
	if (off)
		eml_plane_taps(&op->plane, off);
	return off;
}

/* Whether the channels-in-lanes kernel pays here: small outputs, and a whole block of
 * channels at least (the channels past the last whole block run one per vector: idle lanes
 * would cost what busy ones do). */
static int dwc_pays(const qconv_op *op)
{
	return op->in_ch >= EML_QDWC_LANES && op->out_plane <= DWC_MAX_PIXELS &&
	       (op->c.k[1] - 1) * op->c.dil[1] + 1 <= EML_QDWC_SPAN_MAX;
}

/* Whether the int8-domain pair (a, b) fits the vpmaddubsw bound (eml_w_pairs_fit). */
static int pair_fits(int8_t a, int8_t b)
{
	const int8_t p[2] = { a, b };
	return eml_w_pairs_fit((const uint8_t *)p, 1, 1, 2, 2, 1);
}

/* Splits the pair (d[0], d[1]) where it is past the vpmaddubsw bound: d[0] = a becomes c,
 * with c + d[1] exactly at the bound, and *slot, which the kernel feeds a's input again
 * (qdwc_pad_taps), takes a - c where the pair (mate, a - c) fits (mate: the weight *slot
 * pairs with). Sums are unchanged: a x = c x + (a - c) x. Returns 0 where the pair stays
 * past the bound, 1 where it fits as it is, 2 where it was split. */
static int split_pair(int8_t *d, int8_t mate, int8_t *slot)
{
	if (pair_fits(d[0], d[1]))
		return 1;
	/* both of one sign: c between 0 and a, the residual within [-128, 126] */
	int32_t c = (d[0] > 0 ? 128 : -128) - d[1], r = d[0] - c;
	if (!pair_fits(mate, (int8_t)r))
		return 0;
	d[0] = (int8_t)c;
	*slot = (int8_t)r;
	return 2;
}

/* Splits the pairs past the vpmaddubsw bound of a block's weights (kh window rows of gpr
 * groups, EML_QDWC_LANES lanes of 4 taps) where the last group has free slots that the
 * kernel feeds taps again (qdwc_pad_taps): a last group of 3 taps (kw 3, 7) its first pair
 * into its fourth slot; a last group of 1 tap (kw 5, 9) the previous group's pairs into its
 * slots 1 (paired with the tap) and 2 (paired with slot 3's 0). Returns the number of pairs
 * split. */
static size_t dwc_split(int8_t *wb, size_t kh, size_t kw, size_t gpr)
{
	size_t n = 0;
	for (size_t ky = 0; ky < kh; ky++)
		for (size_t i = 0; i < EML_QDWC_LANES; i++) {
			int8_t *d = wb + ((ky * gpr + gpr - 1) * EML_QDWC_LANES + i) * 4;
			int8_t *e = d - EML_QDWC_LANES * 4; /* the previous group's, where gpr >= 2 */
			if (kw % 4 == 3) {
				n += split_pair(d, d[2], &d[3]) == 2;
			} else if (kw % 4 == 1 && gpr >= 2) {
				n += split_pair(e, d[0], &d[1]) == 2;
				n += split_pair(e + 2, d[3], &d[2]) == 2;
			}
		}
	return n;
}

/* The mask of eml_qdwc_args.wide for a block's weights (groups window rows x groups):
 * bit j of [g * 2 + h] where a lane of vector j of half h (lanes 8 (2 j + h) .. + 7) of
 * group g holds a pair past the vpmaddubsw bound. Returns whether any bit is set. */
static int dwc_wide_mask(const int8_t *wb, size_t groups, uint8_t *mask)
{
	int any = 0;
	memset(mask, 0, groups * 2);
	for (size_t g = 0; g < groups; g++)
		for (size_t i = 0; i < EML_QDWC_LANES; i++) {
			const int8_t *d = wb + (g * EML_QDWC_LANES + i) * 4;
			if (pair_fits(d[0], d[1]) && pair_fits(d[2], d[3]))
				continue;
			size_t v = i / 8;
			mask[g * 2 + v % 2] |= (uint8_t)(1u << (v / 2));
			any = 1;
		}
	return any;
}

/* Prepares the channels-in-lanes path for the whole blocks of channels from the depthwise
 * path's per-channel arrays (which the channels past them keep using): the padded tile's
 * geometry, each input pixel's place in it, and the weights (by window row), biases,
 * multipliers and weight zero points in the kernel's lane order. Leaves op->dwc NULL when its
 * scratch would be too large. */
static edgeml_status prepare_dwc(qconv_op *op, eml_qdwc_fn dwc)
{
	const eml_window3 *c = &op->c;
	const size_t lanes = EML_QDWC_LANES;
	size_t need_h = (size_t)((c->out[1] - 1) * c->stride[1] + (c->k[1] - 1) * c->dil[1] + 1);
	size_t need_w = (size_t)((c->out[2] - 1) * c->stride[2] + (c->k[2] - 1) * c->dil[2] + 1);
	op->dwc_top = (size_t)c->pad_begin[1];
	op->dwc_left = (size_t)c->pad_begin[2];
	op->dwc_ph = op->dwc_top + (size_t)c->in[1];
	op->dwc_pw = op->dwc_left + (size_t)c->in[2];
	op->dwc_ph = op->dwc_ph > need_h ? op->dwc_ph : need_h;
	op->dwc_pw = op->dwc_pw > need_w ? op->dwc_pw : need_w;
	/* the plane's sizes are below 2^21 each (eml_plane_init): no overflow */
	op->dwc_tile = op->dwc_ph * op->dwc_pw * lanes;
	op->dwc_out = op->out_plane * lanes;
	size_t kh = (size_t)c->k[1], kw = (size_t)c->k[2], gpr = (kw + 3) / 4;
	size_t span = (kh - 1) * (size_t)c->dil[1] + 1;
	size_t scratch = op->dwc_tile + op->dwc_out +
			 eml_qdwc_ring_bytes(span, (size_t)c->out[2], kw);
	if (scratch > DWC_MAX_SCRATCH)
		return EDGEML_OK;
	op->dwc_wblock = kh * gpr * lanes * 4;
	op->dwc_blocks = op->in_ch / lanes;
	size_t all = op->dwc_blocks * lanes;
	int any_wzp = 0;
	op->dwc_narrow = 1;
	for (size_t ch = 0; ch < all; ch++) {
		any_wzp |= op->dw_wzp[ch] != 0;
		op->dwc_narrow &= op->dw_mult[ch] >= 0.0f && op->dw_mult[ch] <= 0.5f;
	}
	op->dwc_xoff = calloc(op->in_plane, sizeof(size_t));
	op->dwc_w = calloc(op->dwc_blocks, op->dwc_wblock);
	op->dwc_bias = calloc(all, sizeof(int32_t));
	op->dwc_mult = calloc(all, sizeof(float));
	op->dwc_wzp = any_wzp ? calloc(all, sizeof(int32_t)) : NULL;
	op->dwc_fit = calloc(op->dwc_blocks, 1);
	op->dwc_nmask = kh * gpr * 2;
	op->dwc_wide = calloc(op->dwc_blocks, op->dwc_nmask);
	if (!op->dwc_xoff || !op->dwc_w || !op->dwc_bias || !op->dwc_mult || !op->dwc_fit ||
	    !op->dwc_wide || (any_wzp && !op->dwc_wzp))
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for depthwise weights");
	for (size_t i = 0; i < op->in_plane; i++)
		op->dwc_xoff[i] = ((i / (size_t)c->in[2] + op->dwc_top) * op->dwc_pw +
				   i % (size_t)c->in[2] + op->dwc_left) * lanes;
	/* lane slot i of block b holds channel b * lanes + eml_qdwc_lane(i) */
	for (size_t b = 0; b < op->dwc_blocks; b++)
		for (uint32_t i = 0; i < lanes; i++) {
			size_t ch = b * lanes + eml_qdwc_lane(i), slot = b * lanes + i;
			int8_t *wb = op->dwc_w + b * op->dwc_wblock;
			for (size_t ky = 0; ky < kh; ky++)
				for (size_t kx = 0; kx < kw; kx++)
					wb[((ky * gpr + kx / 4) * lanes + i) * 4 + kx % 4] =
						op->taps[ch * op->wpad + ky * kw + kx];
			op->dwc_bias[slot] = op->dw_bias[ch];
			op->dwc_mult[slot] = op->dw_mult[ch];
			if (op->dwc_wzp)
				op->dwc_wzp[slot] = op->dw_wzp[ch];
		}
	/* each vector of 8 channels by 4 taps on vpmaddubsw where its pairs fit, after the
	 * split where the kernel feeds the free slots (qdwc_pad_taps), else on taps widened to
	 * int16 */
	size_t split = 0, wide = 0;
	for (size_t b = 0; b < op->dwc_blocks; b++) {
		int8_t *wb = op->dwc_w + b * op->dwc_wblock;
		uint8_t *mask = op->dwc_wide + b * op->dwc_nmask;
		if (op->kt->qdwc_pad_taps && dwc_wide_mask(wb, kh * gpr, mask))
			split += dwc_split(wb, kh, kw, gpr);
		int any = dwc_wide_mask(wb, kh * gpr, mask);
		op->dwc_fit[b] = (uint8_t)!any;
		wide += (size_t)any;
	}
	op->dwc = dwc;
	op->base.kernel = op->kt->qdwc_name;
	if (wide && op->kt->qdwc_wide_name)
		op->base.kernel = op->kt->qdwc_wide_name;
	else if (split && op->kt->qdwc_split_name)
		op->base.kernel = op->kt->qdwc_split_name;
	op->base.scratch = scratch > op->base.scratch ? scratch : op->base.scratch;
	return EDGEML_OK;
}

/* Prepares the depthwise path: taps in the int8 domain, their zero point there, the bias
 * with x's zero point folded in (see pack.h), and the tap offsets. */
static edgeml_status prepare_dw(qconv_op *op, const eml_kernel_ctx *ctx, const qconv_params *p,
				eml_qdw_fn dw, uint32_t threads)
{
	const uint8_t *w = ctx->in_data[3];
	int w_signed = ctx->in[3]->dtype == EDGEML_DTYPE_INT8;
	int x_signed = ctx->in[0]->dtype == EDGEML_DTYPE_INT8;
	op->dw = dw;
	op->wpad = (op->kvol + 3) / 4 * 4;
	op->tapoff = tap_offsets(op);
	op->taps = calloc(op->in_ch * op->wpad, 1);
	op->dw_wzp = calloc(op->in_ch, sizeof(int32_t));
	op->dw_bias = calloc(op->in_ch, sizeof(int32_t));
	op->dw_mult = calloc(op->in_ch, sizeof(float));
	if (!op->tapoff || !op->taps || !op->dw_wzp || !op->dw_bias || !op->dw_mult)
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for depthwise weights");
	/* The kernels read uint8 x and int8 w: XOR 0x80 moves the other type there and shifts
	 * its zero point by 128. */
	op->flip = x_signed ? 0x80 : 0;
	op->fill = (uint8_t)p->x_zp ^ op->flip;
	uint32_t zx = (uint32_t)(p->x_zp + (x_signed ? 128 : 0));
	for (size_t ch = 0; ch < op->in_ch; ch++) {
		int32_t zw = eml_q_zero_point(ctx, p->w_zero_point, (int64_t)ch) - (w_signed ? 0 : 128);
		uint32_t sum = 0;
		for (size_t t = 0; t < op->kvol; t++) {
			int8_t v = (int8_t)(w[ch * op->kvol + t] ^ (w_signed ? 0 : 0x80));
			op->taps[ch * op->wpad + t] = v;
			sum += (uint32_t)(int32_t)v;
		}
		uint32_t b = p->bias ? (uint32_t)p->bias[ch] : 0;
		b -= zx * sum;
		b += (uint32_t)op->kvol * zx * (uint32_t)zw;
		op->dw_bias[ch] = (int32_t)b;
		op->dw_wzp[ch] = zw;
		op->dw_mult[ch] = channel_mult(p, ch);
	}
	op->zp = (float)p->y_zp;
	op->lo = (float)p->lo;
	op->hi = (float)p->hi;
	if (op->kt->qdw_pair_limited &&
	    eml_w_pairs_fit((const uint8_t *)op->taps, 1, op->in_ch, op->wpad, op->wpad, 1)) {
		op->dw = op->kt->qdw_pair_limited;
		op->base.kernel = op->kt->qdw_pair_limited_name;
	}
	/* runs of up to 16 channels, at least 4 tasks per thread when there are enough */
	size_t total = op->batch * op->in_ch;
	op->dw_run = total / (EML_FAST_TASKS_PER_THREAD * (size_t)threads);
	op->dw_run = op->dw_run < 1 ? 1 : op->dw_run > 16 ? 16 : op->dw_run;
	/* small planes (DS-CNN's 25x5, MobileNet's 7x7): one byte permutation per 64 bytes */
	op->perm = op->kt->u8_perm && eml_plane_perm_build_init(&op->perm_build, &op->plane) &&
		   eml_plane_perm_scatter_init(&op->perm_scatter, &op->plane);
	op->dw_plane = (op->plane.bytes + 63) / 64 * 64;
	op->dw_grid = (op->plane.grid + 64 + 63) / 64 * 64;
	op->base.scratch = 2 * (op->dw_plane + op->dw_grid);
	const eml_cpu_kernels *kt = op->kt;
	if (kt->qdwc && kt->x8_transpose_planes_64 && kt->x8_transpose_tile_64 &&
	    kt->x8_transpose_16x16 && dwc_pays(op))
		return prepare_dwc(op, kt->qdwc);
	return EDGEML_OK;
}

/* Prepares the GEMM path: packs each group's weights and sizes the task split. */
static edgeml_status prepare_gemm(qconv_op *op, const eml_kernel_ctx *ctx, const qconv_params *p,
				  const eml_qgemm_ukernel *uk, uint32_t threads)
{
	const eml_window3 *c = &op->c;
	/* kvol: taps of the whole window (3-D: kd * kh * kw), kvol2: of one slice's plane */
	size_t kvol2 = (size_t)(c->k[1] * c->k[2]), kvol = op->kvol, k = op->cg * kvol;
	/* weights a pair-limited kernel cannot take exactly run split or go to its wide
	 * sibling (no kernel with a pair limit reads in place, so the k order checked is the
	 * model's) */
	int split;
	if (op->kt->qgemm_alt && k <= op->kt->qgemm_alt_k)
		uk = op->kt->qgemm_alt;
	uk = eml_qgemm_ukernel_split(uk, ctx->in_data[3], ctx->in[3]->dtype == EDGEML_DTYPE_INT8,
				     op->out_ch, k, k, 1, &split);
	op->pointwise = !op->three_d && kvol == 1 && c->stride[1] == 1 && c->stride[2] == 1 &&
			c->pad_begin[1] == 0 && c->pad_begin[2] == 0 && c->out[1] == c->in[1] &&
			c->out[2] == c->in[2];
	/* the level's by-pixel kernel, where it has one, for its own GEMM's cases */
	int px_cand = !split && op->kt->qigemm_px && uk == op->kt->qgemm && op->groups == 1 &&
		      op->out_plane <= PX_MAX_PIXELS && op->cg % 4 == 0 && uk->igemm &&
		      uk->kc == 4;
	for (size_t m = 0; px_cand && m < op->mg; m++)
		px_cand = eml_q_zero_point(ctx, p->w_zero_point, (int64_t)m) ==
			  (ctx->in[3]->dtype == EDGEML_DTYPE_INT8 ? 0 : 128);
	/* A pointwise output whose tiles of the GEMM's nr pixels would be more than a fifth
	 * padding (7 x 7: 64 columns for 49 pixels) runs by pixel, as a 1x1 window in place
	 * over its input interleaved by 4 channels, where k and m are large (ResNet-50's last
	 * stage: k 512 and 2048, m 2048 and 512; MobileNetV2's last 1x1, k 320, m 1280).
	 * Measured slower: where the padding is less (14 x 14: 224 columns for 196), at small k
	 * (MobileNetV2's k 160 expand layers: the by-pixel kernel's fixed cost per call of 8
	 * pixels), and for MobileNet's narrow project layers (m 160-320), whose input a
	 * channels-in-lanes depthwise layer keeps in blocks only for a pointwise GEMM
	 * (eml_fast_qconv_link). */
	size_t padded = (op->out_plane + uk->nr - 1) / uk->nr * uk->nr;
	if (op->pointwise && px_cand && 5 * op->out_plane < 4 * padded &&
	    op->cg >= PX_PW_MIN_K && op->mg >= PX_PW_MIN_M)
		op->pointwise = 0;
	/* A geometry the phase plane does not hold (eml_plane_init's limits, or planes past
	 * PLANE_MAX): the GEMM reads an im2col matrix in the model's k order, if it is small
	 * enough, else the reference runs the node. */
	eml_plane pl;
	memset(&pl, 0, sizeof(pl));
	if (!op->pointwise && (eml_plane_init(&pl, c, PLANE_MAX) != EDGEML_OK ||
			       pl.bytes > PLANE_MAX / (op->in_ch * op->in_d + 4))) {
		if (op->three_d || op->out_plane == 0 ||
		    op->in_ch * kvol > IM2COL_MAX / op->out_plane)
			return EDGEML_ERR_UNSUPPORTED;
		op->im2col = 1;
	}
	/* Channels in fours: k ordered (channel / 4, tap, channel % 4), so that a k group is
	 * 4 channels at one tap, which interleaved planes hold as 4 consecutive bytes. */
	int by4 = !split && !op->pointwise && !op->im2col && uk->igemm && uk->kc == 4 &&
		  op->cg % 4 == 0;
	int by_pixel = by4 && px_cand;
	if (by_pixel)
		uk = op->kt->qgemm_px;
	const uint8_t *w = ctx->in_data[3];
	uint8_t *w4 = by4 ? malloc(op->out_ch * k) : NULL;
	op->gemm = calloc(op->groups, sizeof(*op->gemm));
	int32_t *wzp = calloc(op->mg, sizeof(int32_t));
	float *mult = calloc(op->mg, sizeof(float));
	edgeml_status st = EDGEML_OK;
	if (!op->gemm || !wzp || !mult || (by4 && !w4))
		st = eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for convolution weights");
	for (size_t m = 0; st == EDGEML_OK && by4 && m < op->out_ch; m++)
		for (size_t ci = 0; ci < op->cg; ci++)
			for (size_t t = 0; t < kvol; t++)
				w4[m * k + ((ci / 4) * kvol + t) * 4 + ci % 4] =
					w[m * k + ci * kvol + t];
	for (size_t g = 0; st == EDGEML_OK && g < op->groups; g++) {
		for (size_t i = 0; i < op->mg; i++) {
			wzp[i] = eml_q_zero_point(ctx, p->w_zero_point, (int64_t)(g * op->mg + i));
			mult[i] = channel_mult(p, g * op->mg + i);
		}
		eml_fast_gemm_desc d = {
			.w = (by4 ? w4 : w) + g * op->mg * k,
			.w_signed = ctx->in[3]->dtype == EDGEML_DTYPE_INT8,
			.m = op->mg, .k = k, .row_stride = k, .k_stride = 1,
			.wzp = wzp, .bias = p->bias ? p->bias + g * op->mg : NULL, .mult = mult,
			.x_signed = ctx->in[0]->dtype == EDGEML_DTYPE_INT8, .x_zp = p->x_zp,
			.y_zp = p->y_zp, .lo = p->lo, .hi = p->hi, .key = ctx->node, .key_part = g,
			.split = split,
		};
		st = eml_fast_gemm_init(&op->gemm[g], uk, &d);
	}
	free(wzp);
	free(mult);
	free(w4);
	if (st != EDGEML_OK)
		return st;
	op->cols = op->out_plane;
	op->gstride = op->cg * op->in_plane;
	op->xstride = op->in_plane;
	if (op->im2col) {
		/* at least 4 tasks per thread, of whole rows */
		size_t rows = op->in_ch * kvol;
		op->gstride = op->cg * kvol * op->out_plane;
		op->xstride = op->out_plane;
		op->im2col_rows = rows / (EML_FAST_TASKS_PER_THREAD * (size_t)threads);
		op->im2col_rows = op->im2col_rows < 1 ? 1 : op->im2col_rows;
		op->base.shared = rows * op->out_plane;
	} else if (!op->pointwise) {
		op->plane = pl;
		op->flip = op->gemm[0].flip;
		op->fill = op->zx ^ op->flip;
		/* In place needs no column sums: every row's weight zero point is 0. */
		op->in_place = by4;
		for (size_t g = 0; g < op->groups; g++)
			op->in_place &= op->gemm[g].wzp == NULL;
		/* Packed tiles cost the same whether their columns are grid positions or pixels;
		 * pixels waste no columns on the grid's overhang and need no scatter. */
		op->cols = op->in_place ? pl.grid : op->out_plane;
		if (!op->in_place && uk->nr > PIXEL_NR_MAX)
			return EDGEML_ERR_UNSUPPORTED;
		size_t tables = op->three_d ? op->out_d * op->groups : 1;
		op->koff = calloc(tables * k, sizeof(size_t));
		op->qoff = calloc(tables * (k / 4 + 1), sizeof(size_t));
		size_t *taps = tap_offsets(op);
		if (!op->koff || !op->qoff || !taps) {
			free(taps);
			return eml_error(EDGEML_ERR_NO_MEMORY,
					 "out of memory for convolution offsets");
		}
		for (size_t kk = 0; kk < k; kk++) {
			if (by4)
				op->koff[kk] = ((kk / (4 * kvol)) * 4 + kk % 4) * pl.bytes +
					       taps[kk / 4 % kvol];
			else
				op->koff[kk] = (kk / kvol) * pl.bytes + taps[kk % kvol];
		}
		for (size_t q = 0; by4 && q < k / 4; q++)
			op->qoff[q] = (q / kvol) * 4 * pl.bytes + 4 * taps[q % kvol];
		/* 3-D: per (output slice, group), from the first plane: a (channel, tap) row
		 * reads the plane of its channel's input slice, or the padding plane after the
		 * last one (channel c, slice s is plane c * in_d + s; in place, the 4-channel
		 * group q at slice s is 4-plane q * in_d + s) */
		size_t pad_plane = op->in_ch * op->in_d;
		for (size_t t = 0; op->three_d && t < tables; t++) {
			size_t od = t / op->groups, g = t % op->groups;
			size_t *ko = op->koff + t * k, *qo = op->qoff + t * (k / 4 + 1);
			for (size_t kk = 0; kk < k; kk++) {
				size_t ci = by4 ? (kk / (4 * kvol)) * 4 + kk % 4 : kk / kvol;
				size_t tap = by4 ? kk / 4 % kvol : kk % kvol;
				int64_t id = eml_plane_depth_slice(&op->c3, od, tap / kvol2);
				size_t ch = g * op->cg + ci;
				ko[kk] = (id < 0 ? pad_plane : ch * op->in_d + (size_t)id) * pl.bytes +
					 taps[tap % kvol2];
			}
			for (size_t q = 0; by4 && q < k / 4; q++) {
				size_t tap = q % kvol, quad = (g * op->cg) / 4 + q / kvol;
				int64_t id = eml_plane_depth_slice(&op->c3, od, tap / kvol2);
				qo[q] = (id < 0 ? pad_plane / 4 : quad * op->in_d + (size_t)id) * 4 *
						pl.bytes +
					4 * taps[tap % kvol2];
			}
		}
		free(taps);
		op->base.shared = (op->in_ch * op->in_d + (op->three_d ? 4 : 0)) * pl.bytes;
	}
	op->tiles = op->cols / uk->nr + (op->cols % uk->nr != 0);
	/* Enough tasks for every thread, else whole groups of tiles per task. */
	size_t per_image = op->groups;
	/* a small grid in one piece: its outputs then leave in whole rows */
	op->tiles_per_task = op->tiles <= 2 * TILES_PER_TASK ? op->tiles : TILES_PER_TASK;
	size_t blocks = op->mg / uk->mr + (op->mg % uk->mr != 0);
	/* In place, a task packs nothing: splitting the rows instead of the tiles then costs
	 * nothing and keeps each block of weights over all of the task's tiles. */
	int rows_first = op->in_place && per_image * blocks >= 2 * (size_t)threads;
	while (op->tiles_per_task > 1 && threads > 1 && !rows_first &&
	       per_image * ((op->tiles + op->tiles_per_task - 1) / op->tiles_per_task) <
		       EML_FAST_TASKS_PER_THREAD * (size_t)threads)
		op->tiles_per_task /= 2;
	op->tile_groups = (op->tiles + op->tiles_per_task - 1) / op->tiles_per_task;
	op->m_chunks = 1;
	while (threads > 1 && op->m_chunks < blocks &&
	       per_image * op->tile_groups * op->m_chunks < EML_FAST_TASKS_PER_THREAD * (size_t)threads)
		op->m_chunks++;
	op->m_chunk = (blocks + op->m_chunks - 1) / op->m_chunks * uk->mr;
	op->m_chunks = (op->mg + op->m_chunk - 1) / op->m_chunk;
	op->tile_bytes = eml_fast_gemm_tile_bytes(&op->gemm[0]);
	op->base.kernel = split ? uk->split_name : uk->name;
	op->base.scratch =
		op->tiles_per_task * (op->tile_bytes + uk->nr * 4 + (size_t)uk->mr * uk->nr);
	if (!op->pointwise && !op->im2col && !op->in_place) {
		op->stage = (op->base.scratch + 63) / 64 * 64;
		op->base.scratch = op->stage + k * 2 * uk->nr;
	}
	if (op->in_place && op->base.scratch < 4 * op->plane.bytes)
		op->base.scratch = 4 * op->plane.bytes;
	if (by_pixel && op->in_place) {
		/* pixels split evenly into calls of at most 8: 49 as 7 x 7 */
		size_t calls = (op->out_plane + 7) / 8;
		op->px_block = (op->out_plane + calls - 1) / calls;
		op->pos = calloc(op->out_plane, sizeof(size_t));
		if (!op->pos)
			return eml_error(EDGEML_ERR_NO_MEMORY,
					 "out of memory for convolution offsets");
		for (size_t i = 0; i < op->out_plane; i++)
			op->pos[i] = 4 * ((i / op->plane.ow) * op->plane.q + i % op->plane.ow);
		op->base.scratch = 4 * op->plane.bytes;
	}
	return EDGEML_OK;
}

edgeml_status eml_fast_qconv_prepare(const eml_kernel_ctx *ctx, eml_isa isa, uint32_t threads,
				     eml_fast_op **out)
{
	const eml_tensor *tx = ctx->in[0], *tw = ctx->in[3], *ty = ctx->out[0];
	const eml_cpu_kernels *kt = eml_cpu_kernels_for(isa);
	const eml_qgemm_ukernel *uk = kt->qgemm;
	eml_qdw_fn dw = kt->qdw;
	eml_op_params tmp;
	const eml_op_params *prm;
	qconv_params p;
	int is8 = (tx->dtype == EDGEML_DTYPE_INT8 || tx->dtype == EDGEML_DTYPE_UINT8) &&
		  (tw->dtype == EDGEML_DTYPE_INT8 || tw->dtype == EDGEML_DTYPE_UINT8) &&
		  (ty->dtype == EDGEML_DTYPE_INT8 || ty->dtype == EDGEML_DTYPE_UINT8);
	if (!uk || !is8 || eml_node_params(NULL, ctx->node, ctx->in, &tmp, &prm) != EDGEML_OK ||
	    !read_params(ctx, &prm->qconv, &p))
		return EDGEML_OK;
	const eml_qconv_shape s = prm->qconv.shape;
	qconv_op *op = calloc(1, sizeof(*op));
	if (!op)
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for a convolution");
	op->kt = kt;
	op->base.run = qconv_run_op;
	op->base.destroy = qconv_destroy;
	eml_window3_of(&s.g, &op->c);
	/* 3-D: per output depth slice over the slices' planes, but a 1x1x1 stride-1 one as a
	 * 2-D pointwise one over the flattened volume */
	op->three_d = s.g.n_spatial == 3 && !eml_plane_flatten_pointwise(&op->c);
	op->c3 = op->c;
	op->in_d = (size_t)op->c.in[0];
	op->out_d = (size_t)op->c.out[0];
	if (op->three_d)
		eml_plane_slice_window(&op->c3, &op->c);
	const eml_window3 *c = &op->c;
	op->batch = (size_t)s.batch;
	op->in_ch = (size_t)s.in_ch;
	op->out_ch = (size_t)s.out_ch;
	op->groups = (size_t)s.group;
	op->cg = op->in_ch / op->groups;
	op->mg = op->out_ch / op->groups;
	op->in_plane = (size_t)(c->in[1] * c->in[2]);
	op->out_plane = (size_t)(c->out[1] * c->out[2]);
	op->in_vol = op->in_d * op->in_plane;
	op->out_vol = op->out_d * op->out_plane;
	op->zx = (uint8_t)p.x_zp;
	op->kvol = (size_t)(op->c3.k[0] * c->k[1] * c->k[2]);
	op->k = op->cg * op->kvol;
	op->work = op->batch * op->out_ch * op->out_vol * op->cg * op->kvol;
	op->depthwise = dw && !op->three_d && op->cg == 1 && op->mg == 1 &&
			op->kvol <= DW_TAPS_MAX &&
			eml_plane_init(&op->plane, c, PLANE_MAX) == EDGEML_OK;
	edgeml_status st;
	if (op->depthwise) {
		op->base.kernel = "qs8-dwconv";
		st = prepare_dw(op, ctx, &p, dw, threads);
	} else {
		st = prepare_gemm(op, ctx, &p, uk, threads);
	}
	if (st == EDGEML_ERR_UNSUPPORTED) {
		/* a geometry the fast kernels do not cover: the reference runs the node */
		qconv_destroy(&op->base);
		return EDGEML_OK;
	}
	if (st != EDGEML_OK) {
		qconv_destroy(&op->base);
		return st;
	}
	*out = &op->base;
	return EDGEML_OK;
}
