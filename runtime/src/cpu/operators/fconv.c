/* fconv.c — float Conv on the fast path (NCHW, 1-D and 2-D): depthwise convolutions on
 * the depthwise micro-kernel over each channel's zero-padded phase plane (fast_plane.h's
 * layout, in floats), or, for narrow planes, over 64 channels' planes interleaved so that
 * vectors run across channels instead of along short rows; every other convolution as a
 * GEMM per group with output channels as rows and pixels as columns. 1x1 stride-1
 * convolutions read the input planes in place, or, on small planes (7x7, 1x1) where pixel
 * tiles would be mostly padding, take pixels as rows and output channels in lanes;
 * others read each k row of a tile as a run of one channel's phase plane (the tap's offset
 * plus the tile's grid position), so the im2col matrix is never built — but for geometries
 * the phase plane does not hold (over 64 taps, strides over 8: STFT front ends, patch
 * embeddings), which read an im2col matrix built per image. The K order is the
 * reference's (channel, ky, kx); a padding tap adds 0 * w, which leaves the sum exact as
 * long as every weight is finite and no bias is -0 (checked at prepare). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/f32_ukernels.h"
#include "cpu/kernels.h"
#include "cpu/operators/ftail.h"
#include "cpu/operators/operators.h"
#include "ops/op_params.h"
#include "cpu/fast_fplane.h"
#include "cpu/ref/ref_qwindow.h"
#include "cpu/ref/ref_util.h"
#include "error.h"
#include "ops/infer_helpers.h"

/* Pixels a pixel-rows task takes (a multiple of every micro-kernel's mr, and of the 16 x 16
 * transpose that moves them back into channel planes). */
#define PR_PIX 16
/* The most a task takes at once (several PR_PIX blocks, the weights read once for all). */
#define PR_PIX_MAX 64
/* Column tiles of one GEMM task: each block of packed weights sweeps them all. */
#define TILES_PER_TASK 4
/* Planes larger than this (floats, per image) leave the node to the reference kernel:
 * scratch memory stays bounded. */
#define PLANE_MAX ((size_t)16 << 20)
/* The most taps the depthwise path takes. */
#define DW_TAPS_MAX 64
/* What a depthwise MAC costs in GEMM MACs, for the serial-or-pool choice. */
#define DW_COST 8
/* Depthwise layers whose output rows are at most this wide run with channels in lanes: rows
 * this short fill few lanes of a vector along a row and cost a call each to copy. Measured
 * on MobileNetV2 and DS-CNN: with a vector transpose to interleave the planes, the 14x14
 * and 7x7 layers gain and the 28x28 ones lose; with the portable loop, only the 7x7 and
 * DS-CNN's 25x5 gain. DWC_CH channels a task... */
#define DWC_OW_MAX 16
/* ... unless the level has the depthwise kernel that reads the input plane in place
 * (f32_dwd) and the rows are wider than its f32_dwd_ow_min. */
#define DWC_OW_MAX_PORTABLE 8
#define DWC_CH 64
/* ... when the interleaved plane of DWC_CH channels stays this small (floats). */
#define DWC_PLANE_MAX ((size_t)1 << 18)
/* The largest im2col matrix (floats, per image) built for a geometry the phase plane does
 * not hold; larger ones leave the node to the reference kernel. */
#define IM2COL_MAX ((size_t)4 << 20)

typedef struct fconv_op {
	eml_fast_op base;
	const eml_f32_gemm_ukernel *uk;
	eml_f32_dw_fn dw;
	int depthwise, pointwise;
	int im2col;	/* the GEMM reads an im2col matrix ([k][out_plane] per group) */
	int direct;	/* the GEMM reads its columns in place and writes y: pointwise, im2col */
	size_t gstride;	/* floats between two groups' GEMM inputs */
	eml_window3 win; /* the geometry, for im2col */
	size_t batch, in_ch, out_ch, groups, cg, mg, kvol, k;
	size_t in_plane, out_plane, work;
	float lo, hi;
	eml_f32_tail tail; /* the fused activation function, on each run of outputs written */
	eml_plane plane; /* sizes in floats */
	size_t ps;	 /* floats between two channels' planes */
	float *w;	 /* GEMM: per group and block of mr rows, [k][mr]; depthwise: [ch][kvol] */
	float *bias;	 /* GEMM: per group, blocks * mr (0 past mg); depthwise: per channel */
	size_t blocks;	 /* row blocks per group */
	size_t *koff;	 /* per k: its row's offset from the group's first input */
	size_t *toff;	 /* per k: k * nr, the rows of a packed tail tile */
	size_t cols, tiles, tiles_per_task, tile_groups, m_chunks, m_chunk;
	size_t dw_run, dw_grid; /* depthwise: channels per task; floats of a grid buffer */
	eml_f32_dwc_fn dwc;	/* depthwise with channels in lanes, or NULL */
	eml_f32_dwr_fn dwr;	/* stride-1 depthwise by output rows, or NULL */
	eml_f32_dwd_fn dwd;	/* the same from the unpadded input plane (no plane), or NULL */
	eml_f32_dwp_fn dwp;	/* small planes, stride 1, flattened (no plane), or NULL */
	ptrdiff_t dwp_off[25];	/* dwp: per tap, its offset in the flattened plane */
	uint16_t dwp_mask[25 * 4]; /* dwp: per tap and vector of outputs, the lanes it reads */
	eml_f32_transpose_fn tr;
	eml_f32_split2_fn split2; /* the phase planes' stride-2 column split, or NULL */
	size_t dwc_groups;	/* of DWC_CH channels */
	size_t dwc_span;	/* plane positions the kernel reads */
	size_t *pix_pos;	/* per input pixel: its plane position (dwc_span: not read) */
	size_t *out_pos;	/* per output: its grid position */
	/* pointwise with pixels as rows (PR_PIX pixels a task, lanes across output channels),
	 * where that tiles the layer with less waste: w holds panels of nr output channels
	 * ([k][nr] each), bias one float per channel of them */
	int pixrows;
	size_t panels;
	size_t pr_pix;	  /* pixels a pixel-rows task takes: a multiple of PR_PIX */
	size_t pr_ld;	  /* floats between two k rows of the GEMM's A: in_plane, or out_plane
			   * over an im2col matrix (small planes of a KxK convolution) */
	size_t pr_chunks; /* tasks a pixel tile's panels are split into */
	/* 3-D (three_d): one GEMM per output depth slice over the phase planes of every
	 * (channel, input depth slice), plus one zero plane for the depth padding; koff then
	 * holds a table per (output slice, group), offsets from the first plane. 1-D and 2-D:
	 * in_d = out_d = 1. */
	int three_d;
	size_t in_d, out_d;
	size_t in_vol, out_vol; /* floats of one input / output channel: in_d * in_plane */
	char kname[48];
} fconv_op;

/* One run's arguments for the task functions. */
typedef struct fconv_run {
	const fconv_op *op;
	const float *x;
	float *y;
	const eml_fast_env *env;
	size_t od; /* 3-D: the output depth slice */
} fconv_run;

/* Frees the op and what it owns. */
static void fconv_destroy(eml_fast_op *base)
{
	fconv_op *op = (fconv_op *)base;
	free(op->w);
	free(op->bias);
	free(op->koff);
	free(op->toff);
	free(op->pix_pos);
	free(op->out_pos);
	free(op);
}

/* Builds one input channel's phase plane of the image being run into the shared buffer. */
static void plane_task(void *arg, uint32_t task, uint32_t thread)
{
	const fconv_run *r = arg;
	const fconv_op *op = r->op;
	(void)thread;
	eml_fplane_build(&op->plane, r->x + task * op->in_plane, 0.0f, op->split2,
			 (float *)r->env->shared + task * op->ps);
}

/* A GEMM task: up to tiles_per_task column tiles of one group of the image, for one chunk
 * of row blocks. r->x is the image (pointwise) or its planes. */
static void gemm_task(void *arg, uint32_t task, uint32_t thread)
{
	const fconv_run *r = arg;
	const fconv_op *op = r->op;
	const eml_f32_gemm_ukernel *uk = op->uk;
	size_t t = task, mc = t % op->m_chunks;
	t /= op->m_chunks;
	size_t tg = t % op->tile_groups, g = t / op->tile_groups;
	size_t b0 = mc * op->m_chunk, b1 = b0 + op->m_chunk < op->blocks ? b0 + op->m_chunk
									    : op->blocks;
	size_t first = tg * op->tiles_per_task, last = first + op->tiles_per_task;
	last = last < op->tiles ? last : op->tiles;
	const float *base = r->x + g * op->gstride;
	const size_t *koff = op->koff;
	if (op->three_d)
		koff += (r->od * op->groups + g) * op->k;
	float *y = r->y + g * op->mg * op->out_vol + r->od * op->out_plane;
	float *out = (float *)r->env->scratch[thread];
	size_t span = (last - first) * uk->nr;
	float *tail = out + (size_t)uk->mr * span;
	size_t p_last = (last - 1) * uk->nr;
	uint32_t nr_last = (uint32_t)(op->cols - p_last < uk->nr ? op->cols - p_last : uk->nr);
	/* a ragged last tile read in place would run past the image: it is copied, padded */
	int packed_tail = op->direct && nr_last < uk->nr;
	for (size_t kk = 0; packed_tail && kk < op->k; kk++) {
		memcpy(tail + kk * uk->nr, base + op->koff[kk] + p_last, nr_last * sizeof(float));
		memset(tail + kk * uk->nr + nr_last, 0, (uk->nr - nr_last) * sizeof(float));
	}
	for (size_t b = b0; b < b1; b++) {
		size_t row = b * uk->mr;
		uint32_t mr = (uint32_t)(op->mg - row < uk->mr ? op->mg - row : uk->mr);
		const float *w = op->w + (g * op->blocks + b) * op->k * uk->mr;
		eml_f32_minmax ep = {
			.row_bias = op->bias + (g * op->blocks + b) * uk->mr,
			.lo = op->lo, .hi = op->hi,
		};
		for (size_t ti = first; ti < last; ti++) {
			size_t p0 = ti * uk->nr;
			if (!op->direct) {
				/* only the columns scattered: a narrow last tile is cheaper */
				uint32_t nc = (uint32_t)(op->cols - p0 < uk->nr ? op->cols - p0
										: uk->nr);
				uk->fn(mr, nc, op->k, w, base + p0, koff,
				       out + (ti - first) * uk->nr, span, &ep);
				continue;
			}
			float *yt = y + row * op->out_plane + p0;
			if (ti == last - 1 && packed_tail)
				uk->fn(mr, nr_last, op->k, w, tail, op->toff, yt, op->out_plane,
				       &ep);
			else
				uk->fn(mr, uk->nr, op->k, w, base + p0, op->koff, yt,
				       op->out_plane, &ep);
		}
		size_t p_end = last * uk->nr < op->cols ? last * uk->nr : op->cols;
		size_t p_first = first * uk->nr;
		for (uint32_t i = 0; i < mr && op->direct; i++)
			eml_f32_tail_apply(&op->tail, p_end - p_first,
					   y + (row + i) * op->out_plane + p_first);
		for (uint32_t i = 0; i < mr && !op->direct; i++) {
			/* grid columns past the row's outputs too: the scatter drops them */
			eml_f32_tail_apply(&op->tail, p_end - p_first, out + i * span);
			eml_fplane_scatter(&op->plane, p_first, p_end - p_first, out + i * span,
					   y + (row + i) * op->out_vol);
		}
	}
}

/* A pixel-rows task: PR_PIX pixels of one image of a pointwise convolution as GEMM rows
 * (packed [k][mr] per block of mr pixels from the channel planes, zero past the last
 * pixel) against every panel of nr output channels, into a [PR_PIX][panels * nr] tile in
 * the scratch, then moved back into the output planes. Each output is the same sum in the
 * same order as the channel-rows GEMM; the bias comes as the column bias. */
static void pixrows_task(void *arg, uint32_t task, uint32_t thread)
{
	const fconv_run *r = arg;
	const fconv_op *op = r->op;
	const eml_f32_gemm_ukernel *uk = op->uk;
	size_t pc = task % op->pr_chunks;
	task /= (uint32_t)op->pr_chunks;
	size_t tiles = (op->out_plane + op->pr_pix - 1) / op->pr_pix, n = task / tiles;
	size_t p0 = task % tiles * op->pr_pix;
	size_t np = op->out_plane - p0 < op->pr_pix ? op->out_plane - p0 : op->pr_pix;
	size_t mr = uk->mr, ldc = op->panels * uk->nr, ld = op->pr_ld;
	/* this task's panels, [j0, j1), and their channels, [cs, ce) */
	size_t per = (op->panels + op->pr_chunks - 1) / op->pr_chunks, j0 = pc * per;
	size_t j1 = j0 + per < op->panels ? j0 + per : op->panels;
	size_t cs = j0 * uk->nr, ce = j1 * uk->nr < op->out_ch ? j1 * uk->nr : op->out_ch;
	const float *x = r->x + n * op->in_ch * op->in_plane + p0;
	float *y = r->y + n * op->out_ch * op->out_plane + p0;
	float *a = (float *)r->env->scratch[thread], *c = a + op->pr_pix * op->k;
	for (size_t i0 = 0; i0 < np; i0 += mr) {
		size_t m = np - i0 < mr ? np - i0 : mr;
		float *ab = a + i0 * op->k;
		if (m == 8 && mr == 8) {
			for (size_t kk = 0; kk < op->k; kk++)
				memcpy(ab + kk * 8, x + kk * ld + i0, 8 * sizeof(float));
		} else if (m == 4 && mr == 4) {
			for (size_t kk = 0; kk < op->k; kk++)
				memcpy(ab + kk * 4, x + kk * ld + i0, 4 * sizeof(float));
		} else {
			for (size_t kk = 0; kk < op->k; kk++)
				for (size_t i = 0; i < mr; i++)
					ab[kk * mr + i] = i < m ? x[kk * ld + i0 + i] : 0.0f;
		}
	}
	/* each panel of weights once per task, for all of its row blocks (from L1 / L2 after
	 * the first): large layers' weights stream from L3 once per task, not once per block */
	for (size_t j = j0; j < j1; j++) {
		size_t c0 = j * uk->nr;
		uint32_t nc = (uint32_t)(op->out_ch - c0 < uk->nr ? op->out_ch - c0 : uk->nr);
		eml_f32_minmax ep = { .col_bias = op->bias + c0, .lo = op->lo, .hi = op->hi };
		for (size_t i0 = 0; i0 < np; i0 += mr) {
			size_t m = np - i0 < mr ? np - i0 : mr;
			uk->fn((uint32_t)m, nc, op->k, a + i0 * op->k, op->w + j * op->k * uk->nr,
			       op->toff, c + i0 * ldc + c0, ldc, &ep);
		}
	}
	for (size_t i = 0; i < np && op->tail.fn; i++)
		eml_f32_tail_apply(&op->tail, ce - cs, c + i * ldc + cs);
	size_t off[16];
	for (size_t j = 0; j < 16; j++)
		off[j] = j * op->out_plane;
	for (size_t q0 = 0; q0 < np; q0 += PR_PIX) {
		size_t nq = np - q0 < PR_PIX ? np - q0 : PR_PIX;
		const float *cq = c + q0 * ldc;
		float *yq = y + q0;
		size_t c16 = nq == PR_PIX && op->tr && cs % 16 == 0 ? cs + (ce - cs) / 16 * 16 : cs;
		for (size_t c0 = cs; c0 < c16; c0 += 16)
			op->tr(cq + c0, ldc, yq + c0 * op->out_plane, off);
		for (size_t ch = c16; ch < ce; ch++)
			for (size_t i = 0; i < nq; i++)
				yq[ch * op->out_plane + i] = cq[i * ldc + ch];
	}
}

/* Writes input channel `task`'s kvol rows of the im2col matrix of the image being run into
 * the shared buffer: row (channel, ky, kx) holds that tap's input at every output, 0 where
 * it falls in the padding. */
static void im2col_task(void *arg, uint32_t task, uint32_t thread)
{
	const fconv_run *r = arg;
	const fconv_op *op = r->op;
	const eml_window3 *c = &op->win;
	(void)thread;
	const float *x = r->x + task * op->in_plane;
	int64_t ih = c->in[1], iw = c->in[2], oh = c->out[1], ow = c->out[2];
	int64_t sh = c->stride[1], sw = c->stride[2];
	float *dst = (float *)r->env->shared + task * op->kvol * op->out_plane;
	for (int64_t ky = 0; ky < c->k[1]; ky++) {
		for (int64_t kx = 0; kx < c->k[2]; kx++, dst += op->out_plane) {
			int64_t dy = ky * c->dil[1] - c->pad_begin[1];
			int64_t dx = kx * c->dil[2] - c->pad_begin[2];
			/* the outputs whose tap lands inside the row: [ox0, ox1) */
			int64_t ox0 = dx >= 0 ? 0 : (-dx + sw - 1) / sw;
			int64_t ox1 = iw - dx > 0 ? (iw - dx + sw - 1) / sw : 0;
			ox0 = ox0 < ow ? ox0 : ow;
			ox1 = ox1 < ow ? ox1 : ow;
			ox1 = ox1 > ox0 ? ox1 : ox0;
			for (int64_t oy = 0; oy < oh; oy++) {
				float *row = dst + oy * ow;
				int64_t iy = oy * sh + dy;
				if (iy < 0 || iy >= ih) {
					memset(row, 0, (size_t)ow * sizeof(float));
					continue;
				}
				const float *src = x + iy * iw + dx;
				memset(row, 0, (size_t)ox0 * sizeof(float));
				if (sw == 1)
					memcpy(row + ox0, src + ox0, (size_t)(ox1 - ox0) * sizeof(float));
				else
					for (int64_t ox = ox0; ox < ox1; ox++)
						row[ox] = src[ox * sw];
				memset(row + ox1, 0, (size_t)(ow - ox1) * sizeof(float));
			}
		}
	}
}

/* A depthwise task: a run of channels (of all images, in order), each built into a plane,
 * convolved over its grid and scattered into its output plane. */
static void dw_task(void *arg, uint32_t task, uint32_t thread)
{
	const fconv_run *r = arg;
	const fconv_op *op = r->op;
	const eml_plane *p = &op->plane;
	size_t c0 = task * op->dw_run, total = op->batch * op->in_ch;
	size_t c1 = c0 + op->dw_run < total ? c0 + op->dw_run : total;
	for (size_t c = c0, cnt; c < c1 && op->dwp; c += cnt) {
		/* a run of channels of one image a call */
		size_t ch = c % op->in_ch;
		cnt = c1 - c < op->in_ch - ch ? c1 - c : op->in_ch - ch;
		eml_f32_dwp_args pa = {
			.x = r->x + c * op->in_plane, .in_plane = op->in_plane, .n = op->out_plane,
			.channels = cnt, .k = (uint32_t)p->kh, .off = op->dwp_off,
			.mask = op->dwp_mask, .w = op->w + ch * op->kvol, .bias = op->bias + ch,
			.lo = op->lo, .hi = op->hi, .y = r->y + c * op->out_plane,
		};
		op->dwp(&pa);
		eml_f32_tail_apply(&op->tail, cnt * op->out_plane, pa.y);
	}
	if (op->dwp)
		return;
	for (size_t c = c0; c < c1 && op->dwd; c++) {
		size_t ch = c % op->in_ch;
		eml_f32_dwr_args ra = {
			.x = r->x + c * op->in_plane, .oh = p->oh, .ow = p->ow,
			.k = (uint32_t)p->kh, .s = (uint32_t)p->sh, .w = op->w + ch * op->kvol,
			.bias = op->bias[ch], .lo = op->lo, .hi = op->hi,
			.y = r->y + c * op->out_plane, .ih = p->ih, .iw = p->iw, .top = p->top,
			.left = p->left,
		};
		op->dwd(&ra);
		eml_f32_tail_apply(&op->tail, op->out_plane, ra.y);
	}
	if (op->dwd)
		return;
	float *plane = (float *)r->env->scratch[thread], *grid = plane + op->ps;
	const float *rows[DW_TAPS_MAX];
	for (size_t t = 0; t < op->kvol; t++)
		rows[t] = plane + op->koff[t];
	int direct = p->q == p->ow;
	for (size_t c = c0; c < c1; c++) {
		size_t ch = c % op->in_ch;
		float *y = r->y + c * op->out_plane;
		eml_fplane_build(p, r->x + c * op->in_plane, 0.0f, op->split2, plane);
		if (op->dwr) {
			eml_f32_dwr_args ra = {
				.x = plane, .phase = p->phase, .q = p->q, .oh = p->oh,
				.ow = p->ow, .k = (uint32_t)p->kh, .s = (uint32_t)p->sh,
				.w = op->w + ch * op->kvol,
				.bias = op->bias[ch], .lo = op->lo, .hi = op->hi, .y = y,
			};
			op->dwr(&ra);
			eml_f32_tail_apply(&op->tail, op->out_plane, y);
			continue;
		}
		eml_f32_dw_args a = {
			.x = rows, .n = p->grid, .taps = (uint32_t)op->kvol,
			.w = op->w + ch * op->kvol, .bias = op->bias[ch], .lo = op->lo,
			.hi = op->hi, .y = direct ? y : grid,
		};
		op->dw(&a);
		if (!direct)
			eml_fplane_scatter(p, 0, p->grid, grid, y);
		eml_f32_tail_apply(&op->tail, op->out_plane, y);
	}
}

/* The portable 16 x 16 transpose (see eml_f32_transpose_fn), where a level has no vector
 * one. */
static void transpose_16x16(const float *src, size_t stride, float *dst, const size_t *off)
{
	for (size_t i = 0; i < 16; i++)
		for (size_t j = 0; j < 16; j++)
			dst[off[j] + i] = src[i * stride + j];
}

/* Copies cnt (<= DWC_CH) channel planes x, in_plane floats apart, into DWC_CH interleaved
 * zero-padded phase planes dst (position p, channel c at dst[p * DWC_CH + c]): 16 x 16
 * blocks by the transpose kernel, the ragged edges one by one. Lanes past cnt stay zero;
 * pixels the kernel does not read land in the spare position dwc_span. */
static void build_planes_il(const fconv_op *op, const float *x, size_t cnt, float *dst)
{
	size_t n = op->in_plane, c16 = cnt / 16 * 16, n16 = n / 16 * 16;
	size_t off[16];
	memset(dst, 0, (op->dwc_span + 1) * DWC_CH * sizeof(float));
	for (size_t p = 0; p < n16; p += 16) {
		for (size_t j = 0; j < 16; j++)
			off[j] = op->pix_pos[p + j] * DWC_CH;
		for (size_t c = 0; c < c16; c += 16)
			op->tr(x + c * n + p, n, dst + c, off);
	}
	for (size_t p = 0; p < n; p++)
		for (size_t c = p < n16 ? c16 : 0; c < cnt; c++)
			dst[op->pix_pos[p] * DWC_CH + c] = x[c * n + p];
}

/* Copies cnt channels of the interleaved outputs src (output i, channel c at
 * src[i * DWC_CH + c]) into their output planes y, out_plane floats apart. */
static void scatter_il(const fconv_op *op, const float *src, size_t cnt, float *y)
{
	size_t n = op->out_plane, c16 = cnt / 16 * 16, n16 = n / 16 * 16;
	size_t off[16];
	for (size_t j = 0; j < 16; j++)
		off[j] = j * n;
	for (size_t i = 0; i < n16; i += 16)
		for (size_t c = 0; c < c16; c += 16)
			op->tr(src + i * DWC_CH + c, DWC_CH, y + c * n + i, off);
	for (size_t i = 0; i < n; i++)
		for (size_t c = i < n16 ? c16 : 0; c < cnt; c++)
			y[c * n + i] = src[i * DWC_CH + c];
}

/* A channels-in-lanes depthwise task: DWC_CH channels of one image, interleaved,
 * convolved at every output and moved back into their output planes. */
static void dwc_task(void *arg, uint32_t task, uint32_t thread)
{
	const fconv_run *r = arg;
	const fconv_op *op = r->op;
	size_t gc = task % op->dwc_groups, n = task / op->dwc_groups, c0 = gc * DWC_CH;
	size_t cnt = op->in_ch - c0 < DWC_CH ? op->in_ch - c0 : DWC_CH;
	float *planes = (float *)r->env->scratch[thread];
	float *out = planes + (op->dwc_span + 1) * DWC_CH;
	build_planes_il(op, r->x + (n * op->in_ch + c0) * op->in_plane, cnt, planes);
	eml_f32_dwc_args a = {
		.x = planes, .n = op->out_plane, .ch = DWC_CH, .pos = op->out_pos, .off = op->koff,
		.taps = (uint32_t)op->kvol, .w = op->w + gc * op->kvol * DWC_CH,
		.bias = op->bias + gc * DWC_CH, .lo = op->lo, .hi = op->hi, .y = out,
	};
	op->dwc(&a);
	eml_f32_tail_apply(&op->tail, op->out_plane * DWC_CH, out);
	scatter_il(op, out, cnt, r->y + (n * op->in_ch + c0) * op->out_plane);
}

/* Runs the node over the pool. */
static edgeml_status fconv_run_op(const eml_fast_op *base, const eml_kernel_ctx *ctx,
				  const eml_fast_env *env)
{
	const fconv_op *op = (const fconv_op *)base;
	const float *x = ctx->in_data[0];
	float *y = ctx->out_data[0];
	eml_threadpool *pool = eml_fast_pool(env, op->depthwise ? op->work * DW_COST : op->work);
	if (op->dwc) {
		fconv_run r = { op, x, y, env, 0 };
		eml_threadpool_run(pool, dwc_task, &r, (uint32_t)(op->batch * op->dwc_groups));
		return EDGEML_OK;
	}
	if (op->pixrows && op->im2col) {
		/* per image: its im2col matrix, then its pixel tiles over that */
		size_t tiles = (op->out_plane + op->pr_pix - 1) / op->pr_pix;
		for (size_t n = 0; n < op->batch; n++) {
			fconv_run r = { op, x + n * op->in_ch * op->in_plane,
					y + n * op->out_ch * op->out_plane, env, 0 };
			eml_threadpool_run(pool, im2col_task, &r, (uint32_t)op->in_ch);
			r.x = (const float *)env->shared;
			eml_threadpool_run(pool, pixrows_task, &r,
					   (uint32_t)(tiles * op->pr_chunks));
		}
		return EDGEML_OK;
	}
	if (op->pixrows) {
		fconv_run r = { op, x, y, env, 0 };
		size_t tiles = (op->out_plane + op->pr_pix - 1) / op->pr_pix;
		eml_threadpool_run(pool, pixrows_task, &r,
				   (uint32_t)(op->batch * tiles * op->pr_chunks));
		return EDGEML_OK;
	}
	if (op->depthwise) {
		fconv_run r = { op, x, y, env, 0 };
		size_t total = op->batch * op->in_ch;
		eml_threadpool_run(pool, dw_task, &r,
				   (uint32_t)((total + op->dw_run - 1) / op->dw_run));
		return EDGEML_OK;
	}
	for (size_t n = 0; n < op->batch; n++) {
		fconv_run r = { op, x + n * op->in_ch * op->in_vol, y + n * op->out_ch * op->out_vol,
				env, 0 };
		if (!op->pointwise) {
			/* 3-D: the planes of every (channel, depth slice), then the zero plane */
			eml_threadpool_run(pool, op->im2col ? im2col_task : plane_task, &r,
					   (uint32_t)(op->in_ch * op->in_d));
			if (op->three_d)
				memset((float *)env->shared + op->in_ch * op->in_d * op->ps, 0,
				       op->ps * sizeof(float));
			r.x = (const float *)env->shared;
		}
		for (r.od = 0; r.od < op->out_d; r.od++)
			eml_threadpool_run(pool, gemm_task, &r,
					   (uint32_t)(op->groups * op->tile_groups * op->m_chunks));
	}
	return EDGEML_OK;
}

/* Whether padding taps (0 * w, added where the reference skips them) leave every sum
 * exact: weights finite (0 * inf is NaN) and no bias -0 (-0 + +0 is +0, the reference may
 * add -0 to a sum that underflowed to -0). */
static int padding_exact(const float *w, size_t nw, const float *bias, size_t nb)
{
	for (size_t i = 0; i < nw; i++)
		if (!isfinite(w[i]))
			return 0;
	for (size_t i = 0; bias && i < nb; i++)
		if (bias[i] == 0.0f && signbit(bias[i]))
			return 0;
	return 1;
}

/* Prepares the depthwise path: weights and biases per channel, the tap offsets. */
static edgeml_status prepare_dw(fconv_op *op, const float *w, const float *bias,
				uint32_t threads)
{
	op->w = malloc(op->in_ch * op->kvol * sizeof(float));
	op->bias = calloc(op->in_ch, sizeof(float));
	op->koff = calloc(op->kvol, sizeof(size_t));
	if (!op->w || !op->bias || !op->koff)
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for depthwise weights");
	memcpy(op->w, w, op->in_ch * op->kvol * sizeof(float));
	if (bias)
		memcpy(op->bias, bias, op->in_ch * sizeof(float));
	for (size_t ky = 0; ky < op->plane.kh; ky++)
		for (size_t kx = 0; kx < op->plane.kw; kx++)
			op->koff[ky * op->plane.kw + kx] = eml_plane_tap(&op->plane, ky, kx);
	size_t total = op->batch * op->in_ch;
	op->dw_run = total / (EML_FAST_TASKS_PER_THREAD * (size_t)threads);
	op->dw_run = op->dw_run < 1 ? 1 : op->dw_run > 16 ? 16 : op->dw_run;
	op->dw_grid = (op->plane.grid + 64 + 15) / 16 * 16;
	/* the flat kernel's taps: offsets in the flattened plane (iw == ow), and per vector of
	 * 16 outputs the lanes whose tap is inside the plane */
	const eml_plane *p = &op->plane;
	for (size_t ky = 0; op->dwp && ky < p->kh; ky++) {
		for (size_t kx = 0; kx < p->kw; kx++) {
			size_t t = ky * p->kw + kx;
			op->dwp_off[t] = ((ptrdiff_t)ky - (ptrdiff_t)p->top) * (ptrdiff_t)p->iw +
					 (ptrdiff_t)kx - (ptrdiff_t)p->left;
			for (size_t i = 0; i < 64; i++) {
				ptrdiff_t iy = (ptrdiff_t)(i / p->ow + ky) - (ptrdiff_t)p->top;
				ptrdiff_t ix = (ptrdiff_t)(i % p->ow + kx) - (ptrdiff_t)p->left;
				if (i < op->out_plane && iy >= 0 && iy < (ptrdiff_t)p->ih && ix >= 0 &&
				    ix < (ptrdiff_t)p->iw)
					op->dwp_mask[t * 4 + i / 16] |= (uint16_t)(1u << (i % 16));
			}
		}
	}
	/* the direct and flat kernels read the input and write the output in place: no plane,
	 * no grid */
	op->base.scratch = op->dwd || op->dwp ? 0 : (op->ps + op->dw_grid) * sizeof(float);
	return EDGEML_OK;
}

/* Prepares the channels-in-lanes depthwise path: weights [group][tap][DWC_CH] and biases
 * [group][DWC_CH], zero past the last channel; the tap offsets in positions. */
static edgeml_status prepare_dwc(fconv_op *op, const float *w, const float *bias)
{
	op->dwc_groups = (op->in_ch + DWC_CH - 1) / DWC_CH;
	op->w = calloc(op->dwc_groups * op->kvol * DWC_CH, sizeof(float));
	op->bias = calloc(op->dwc_groups * DWC_CH, sizeof(float));
	op->koff = calloc(op->kvol, sizeof(size_t));
	if (!op->w || !op->bias || !op->koff)
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for depthwise weights");
	for (size_t c = 0; c < op->in_ch; c++) {
		size_t gc = c / DWC_CH, lane = c % DWC_CH;
		for (size_t t = 0; t < op->kvol; t++)
			op->w[(gc * op->kvol + t) * DWC_CH + lane] = w[c * op->kvol + t];
		op->bias[c] = bias ? bias[c] : 0.0f;
	}
	size_t far = 0;
	for (size_t ky = 0; ky < op->plane.kh; ky++) {
		for (size_t kx = 0; kx < op->plane.kw; kx++) {
			size_t t = ky * op->plane.kw + kx;
			op->koff[t] = eml_plane_tap(&op->plane, ky, kx);
			far = op->koff[t] > far ? op->koff[t] : far;
		}
	}
	const eml_plane *p = &op->plane;
	op->dwc_span = p->grid + far;
	op->pix_pos = calloc(op->in_plane, sizeof(size_t));
	op->out_pos = calloc(op->out_plane, sizeof(size_t));
	if (!op->pix_pos || !op->out_pos)
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for depthwise tables");
	for (size_t iy = 0; iy < p->ih; iy++) {
		for (size_t ix = 0; ix < p->iw; ix++) {
			size_t prow = iy + p->top, pcol = ix + p->left;
			size_t pos = ((prow % p->sh) * p->sw + pcol % p->sw) * p->phase +
				     prow / p->sh * p->q + pcol / p->sw;
			/* rows and columns past the phase's grid are never read */
			int kept = prow / p->sh < p->rows && pcol / p->sw < p->q &&
				   pos < op->dwc_span;
			op->pix_pos[iy * p->iw + ix] = kept ? pos : op->dwc_span;
		}
	}
	for (size_t oy = 0; oy < p->oh; oy++)
		for (size_t ox = 0; ox < p->ow; ox++)
			op->out_pos[oy * p->ow + ox] = oy * p->q + ox;
	op->base.scratch = (op->dwc_span + 1 + op->out_plane) * DWC_CH * sizeof(float);
	return EDGEML_OK;
}

/* Whether a pointwise convolution tiles better with pixels as rows and output channels in
 * lanes: the padded tile area of each orientation (a block with a single row costs little
 * on every micro-kernel: counted as a quarter), with an eighth added to the pixel-rows one
 * for its packing and moving back. A KxK convolution whose output plane fits one pixel
 * tile (silero_vad's 1-D encoder and STFT: 4, 2 and 1 outputs) takes it too where an
 * im2col matrix can be built (`im2col_ok`): its pixel rows are read from that. */
static int pixrows_better(const fconv_op *op, int im2col_ok)
{
	const eml_f32_gemm_ukernel *uk = op->uk;
	size_t mr = uk->mr, nr = uk->nr, pix = op->out_plane, ch = op->out_ch;
	if (!(op->pointwise || (im2col_ok && pix <= PR_PIX)) || op->groups != 1 ||
	    PR_PIX % mr != 0 || pix == 0)
		return 0;
	size_t chan_rows = (ch + mr - 1) / mr * mr * ((pix + nr - 1) / nr * nr) * 4;
	size_t rows = pix / mr * mr * 4 + (pix % mr == 1 ? 1 : pix % mr ? mr * 4 : 0);
	size_t pix_rows = rows * ((ch + nr - 1) / nr * nr);
	return pix_rows + pix_rows / 8 < chan_rows;
}

/* Prepares the pixel-rows path: the weights transposed into panels of nr output channels,
 * [k][nr] each (0 past out_ch), and the bias per channel. */
static edgeml_status prepare_pixrows(fconv_op *op, const float *w, const float *bias,
				     uint32_t threads)
{
	const eml_f32_gemm_ukernel *uk = op->uk;
	size_t k = op->k, nr = uk->nr;
	op->panels = (op->out_ch + nr - 1) / nr;
	op->w = calloc(op->panels * k * nr, sizeof(float));
	op->bias = calloc(op->panels * nr, sizeof(float));
	op->toff = calloc(k, sizeof(size_t));
	if (!op->w || !op->bias || !op->toff)
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for convolution weights");
	for (size_t m = 0; m < op->out_ch; m++) {
		float *dst = op->w + m / nr * k * nr + m % nr;
		for (size_t kk = 0; kk < k; kk++)
			dst[kk * nr] = w[m * k + kk];
		op->bias[m] = bias ? bias[m] : 0.0f;
	}
	for (size_t kk = 0; kk < k; kk++)
		op->toff[kk] = kk * nr;
	op->pr_ld = op->im2col ? op->out_plane : op->in_plane;
	/* pixels a task: up to PR_PIX_MAX where that leaves enough tasks for the threads
	 * (fewer passes over the weights) */
	op->pr_pix = PR_PIX;
	while (op->pr_pix < PR_PIX_MAX && op->pr_pix < op->out_plane &&
	       (threads == 1 ||
		op->batch * ((op->out_plane + 2 * op->pr_pix - 1) / (2 * op->pr_pix)) >=
			EML_FAST_TASKS_PER_THREAD * (size_t)threads))
		op->pr_pix *= 2;
	/* an image of one pixel tile splits its panels for the other threads */
	size_t tasks = op->batch * ((op->out_plane + op->pr_pix - 1) / op->pr_pix);
	op->pr_chunks = 1;
	while (op->im2col && threads > 1 && op->pr_chunks < op->panels &&
	       tasks * op->pr_chunks < EML_FAST_TASKS_PER_THREAD * (size_t)threads)
		op->pr_chunks++;
	op->base.scratch = (op->pr_pix * k + op->pr_pix * op->panels * nr) * sizeof(float);
	if (op->im2col)
		op->base.shared = op->in_ch * op->kvol * op->out_plane * sizeof(float);
	return EDGEML_OK;
}

/* Prepares the GEMM path: packs each group's weights in blocks of mr rows, pads the bias
 * and sizes the task split. */
static edgeml_status prepare_gemm(fconv_op *op, const float *w, const float *bias,
				  uint32_t threads)
{
	const eml_f32_gemm_ukernel *uk = op->uk;
	size_t k = op->k, mr = uk->mr;
	op->blocks = (op->mg + mr - 1) / mr;
	size_t rows = op->groups * op->blocks * mr;
	op->w = calloc(rows * k, sizeof(float));
	op->bias = calloc(rows, sizeof(float));
	op->koff = calloc(op->three_d ? op->out_d * op->groups * k : k, sizeof(size_t));
	op->toff = calloc(k, sizeof(size_t));
	size_t *taps = calloc(op->kvol, sizeof(size_t));
	if (!op->w || !op->bias || !op->koff || !op->toff || !taps) {
		free(taps);
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for convolution weights");
	}
	for (size_t g = 0; g < op->groups; g++) {
		for (size_t m = 0; m < op->mg; m++) {
			size_t b = g * op->blocks + m / mr;
			float *dst = op->w + b * k * mr + m % mr;
			const float *src = w + (g * op->mg + m) * k;
			for (size_t kk = 0; kk < k; kk++)
				dst[kk * mr] = src[kk];
			op->bias[b * mr + m % mr] = bias ? bias[g * op->mg + m] : 0.0f;
		}
	}
	for (size_t ky = 0; !op->pointwise && !op->im2col && ky < op->plane.kh; ky++)
		for (size_t kx = 0; kx < op->plane.kw; kx++)
			taps[ky * op->plane.kw + kx] = eml_plane_tap(&op->plane, ky, kx);
	for (size_t kk = 0; kk < k; kk++) {
		op->koff[kk] = op->pointwise ? kk * op->in_plane
			       : op->im2col  ? kk * op->out_plane
					     : (kk / op->kvol) * op->ps + taps[kk % op->kvol];
		op->toff[kk] = kk * uk->nr;
	}
	/* 3-D: row (channel, kd, ky, kx) of output slice od reads the plane of (channel,
	 * input slice) or, in the depth padding, the zero plane after the last one */
	size_t kvol2 = op->plane.kh * op->plane.kw;
	for (size_t od = 0; op->three_d && od < op->out_d; od++) {
		for (size_t g = 0; g < op->groups; g++) {
			size_t *t = op->koff + (od * op->groups + g) * k;
			for (size_t kk = 0; kk < k; kk++) {
				size_t ch = g * op->cg + kk / op->kvol, tap = kk % op->kvol;
				int64_t id = eml_plane_depth_slice(&op->win, od, tap / kvol2);
				size_t pl = id < 0 ? op->in_ch * op->in_d : ch * op->in_d + (size_t)id;
				t[kk] = pl * op->ps + taps[tap % kvol2];
			}
		}
	}
	free(taps);
	op->direct = op->pointwise || op->im2col;
	op->gstride = op->three_d ? 0
		      : op->cg * (op->pointwise ? op->in_plane
				  : op->im2col  ? op->kvol * op->out_plane
						: op->ps);
	op->cols = op->direct ? op->out_plane : op->plane.grid;
	op->tiles = (op->cols + uk->nr - 1) / uk->nr;
	/* enough tasks for every thread: fewer tiles per task, then chunks of row blocks */
	op->tiles_per_task = op->tiles < TILES_PER_TASK ? op->tiles : TILES_PER_TASK;
	while (op->tiles_per_task > 1 && threads > 1 &&
	       op->groups * ((op->tiles + op->tiles_per_task - 1) / op->tiles_per_task) <
		       EML_FAST_TASKS_PER_THREAD * (size_t)threads)
		op->tiles_per_task /= 2;
	op->tile_groups = (op->tiles + op->tiles_per_task - 1) / op->tiles_per_task;
	op->m_chunks = 1;
	while (threads > 1 && op->m_chunks < op->blocks &&
	       op->groups * op->tile_groups * op->m_chunks < EML_FAST_TASKS_PER_THREAD * (size_t)threads)
		op->m_chunks++;
	op->m_chunk = (op->blocks + op->m_chunks - 1) / op->m_chunks;
	op->m_chunks = (op->blocks + op->m_chunk - 1) / op->m_chunk;
	op->base.scratch = (mr * op->tiles_per_task * uk->nr + k * uk->nr) * sizeof(float);
	if (op->im2col)
		op->base.shared = op->in_ch * op->kvol * op->out_plane * sizeof(float);
	else if (!op->pointwise)
		op->base.shared = (op->in_ch * op->in_d + op->three_d) * op->ps * sizeof(float);
	return EDGEML_OK;
}

/* Prepares a float Conv whose weights and bias are constants, 1-D to 3-D (3-D: the GEMM
 * over planes, per output depth slice; a 1x1x1 stride-1 one as a 2-D pointwise one over
 * the flattened volume). */
edgeml_status eml_fast_fconv_prepare(const eml_kernel_ctx *ctx, eml_isa isa, uint32_t threads,
				     int exact_float, eml_fast_op **out)
{
	const eml_tensor *tx = ctx->in[0], *tw = ctx->in[1], *ty = ctx->out[0];
	const eml_tensor *tb = ctx->node->n_inputs > 2 ? ctx->in[2] : NULL;
	const eml_f32_gemm_ukernel *uk = eml_cpu_kernels_for(isa)->f32_gemm;
	eml_op_params tmp;
	const eml_op_params *prm;
	if (!uk || tx->dtype != EDGEML_DTYPE_FLOAT32 || tw->dtype != EDGEML_DTYPE_FLOAT32 ||
	    ty->dtype != EDGEML_DTYPE_FLOAT32 || (tb && tb->dtype != EDGEML_DTYPE_FLOAT32) ||
	    tx->rank < 3 || tx->rank > 5 || !eml_fast_input_constant(ctx, 1) ||
	    !eml_fast_input_constant(ctx, 2))
		return EDGEML_OK;
	if (eml_node_params(NULL, ctx->node, ctx->in, &tmp, &prm) != EDGEML_OK)
		return EDGEML_OK; /* the reference reports what is wrong */
	int64_t group = prm->conv.shape.group;
	float lo = prm->conv.act_min, hi = prm->conv.act_max;
	eml_window_geom g = prm->conv.shape.g;
	fconv_op *op = calloc(1, sizeof(*op));
	if (!op)
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for a convolution");
	op->base.run = fconv_run_op;
	op->base.destroy = fconv_destroy;
	op->uk = uk;
	eml_window3 c;
	eml_window3_of(&g, &c);
	op->three_d = g.n_spatial == 3 && !eml_plane_flatten_pointwise(&c);
	op->in_d = (size_t)c.in[0];
	op->out_d = (size_t)c.out[0];
	op->win = c;
	if (op->three_d)
		eml_plane_slice_window(&op->win, &c); /* c: the 2-D window of each slice */
	op->batch = (size_t)tx->dims[0];
	op->in_ch = (size_t)tx->dims[1];
	op->out_ch = (size_t)tw->dims[0];
	op->groups = (size_t)group;
	op->cg = op->in_ch / op->groups;
	op->mg = op->out_ch / op->groups;
	op->in_plane = (size_t)(c.in[1] * c.in[2]);
	op->out_plane = (size_t)(c.out[1] * c.out[2]);
	op->in_vol = op->in_d * op->in_plane;
	op->out_vol = op->out_d * op->out_plane;
	op->kvol = (size_t)(op->win.k[0] * c.k[1] * c.k[2]);
	op->k = op->cg * op->kvol;
	op->work = op->batch * op->out_ch * op->out_vol * op->k;
	op->lo = lo;
	op->hi = hi;
	eml_f32_tail_init(&op->tail, prm->conv.act_fn, prm->conv.act_alpha, prm->conv.act_beta, isa,
			  exact_float);
	op->pointwise = !op->three_d && op->kvol == 1 && c.stride[1] == 1 && c.stride[2] == 1 &&
			c.pad_begin[1] == 0 && c.pad_begin[2] == 0 && c.out[1] == c.in[1] &&
			c.out[2] == c.in[2];
	/* finite weights only: an infinite one would spread NaN over the whole tile */
	if (!exact_float && !op->three_d &&
	    eml_fast_fwinograd_applies(&c, op->in_ch, op->out_ch, op->groups, isa) &&
	    padding_exact(ctx->in_data[1], op->out_ch * op->k, NULL, 0)) {
		eml_f32_tail tail = op->tail;
		fconv_destroy(&op->base);
		return eml_fast_fwinograd_prepare(ctx, &c, isa, threads, lo, hi, &tail, out);
	}
	const float *w = ctx->in_data[1], *bias = tb ? ctx->in_data[2] : NULL;
	edgeml_status st = EDGEML_ERR_UNSUPPORTED;
	if (!op->pointwise && padding_exact(w, op->out_ch * op->k, bias, op->out_ch) &&
	    eml_plane_init(&op->plane, &c, PLANE_MAX) == EDGEML_OK &&
	    op->plane.bytes <= PLANE_MAX / (op->in_ch * op->in_d + 1))
		st = EDGEML_OK;
	op->ps = (op->plane.bytes + 15) / 16 * 16;
	/* a geometry the phase plane does not hold: the GEMM over an im2col matrix */
	int im2col_ok = !op->pointwise && !op->three_d && op->out_plane > 0 &&
			padding_exact(w, op->out_ch * op->k, bias, op->out_ch) &&
			op->in_ch * op->kvol <= IM2COL_MAX / op->out_plane;
	op->im2col = st == EDGEML_ERR_UNSUPPORTED && im2col_ok;
	op->dw = eml_cpu_kernels_for(isa)->f32_dw;
	op->split2 = eml_cpu_kernels_for(isa)->f32_split2;
	op->depthwise = st == EDGEML_OK && !op->three_d && op->dw && op->cg == 1 && op->mg == 1 &&
			op->kvol <= DW_TAPS_MAX;
	eml_f32_dwc_fn dwc = eml_cpu_kernels_for(isa)->f32_dwc;
	eml_f32_transpose_fn tr = eml_cpu_kernels_for(isa)->f32_transpose;
	const eml_cpu_kernels *kt = eml_cpu_kernels_for(isa);
	const eml_plane *p = &op->plane;
	/* 3x3 or 5x5, stride 1 or 2 both ways, no dilation: by output rows, straight into the
	 * output; where the level reads the input plane itself (f32_dwd), no plane is built
	 * and rows over its f32_dwd_ow_min wide at its strides go that way rather than with
	 * channels in lanes (and its f32_dwr is not used) */
	int window = op->depthwise && p->sh == p->sw && p->dh == 1 && p->dw == 1 &&
		     p->kh == p->kw && (p->kh == 3 || p->kh == 5);
	int dwc_ok = op->depthwise && dwc &&
		     op->plane.ow <= (tr ? DWC_OW_MAX : DWC_OW_MAX_PORTABLE) &&
		     op->plane.bytes <= DWC_PLANE_MAX / DWC_CH;
	if (window && kt->f32_dwd && p->sh <= 2 && p->sh >= kt->f32_dwd_min_stride &&
	    (p->ow > kt->f32_dwd_ow_min || !dwc_ok))
		op->dwd = kt->f32_dwd;
	/* a small plane at stride 1 whose rows keep their width: flattened, taps as offsets */
	if (window && kt->f32_dwp && p->sh == 1 && p->iw == p->ow && op->out_plane <= 64) {
		op->dwp = kt->f32_dwp;
		op->dwd = NULL;
	}
	if (dwc_ok && !op->dwd && !op->dwp) {
		op->base.kernel = "f32-dwconv-c";
		op->dwc = dwc;
		op->tr = tr ? tr : transpose_16x16;
		st = prepare_dwc(op, w, bias);
	} else if (op->depthwise) {
		if (!op->dwd && window && kt->f32_dwr && p->sh <= kt->f32_dwr_max_stride)
			op->dwr = kt->f32_dwr;
		if (op->dwd || op->dwp)
			op->dwr = NULL;
		op->base.kernel = op->dwp   ? kt->f32_dwp_name
				  : op->dwd ? kt->f32_dwd_name
				  : op->dwr ? kt->f32_dwr_name
					    : "f32-dwconv";
		st = prepare_dw(op, w, bias, threads);
	} else if (!op->depthwise && !op->three_d && pixrows_better(op, im2col_ok)) {
		snprintf(op->kname, sizeof(op->kname), "%s-pr", uk->name);
		op->base.kernel = op->kname;
		op->pixrows = 1;
		op->im2col = !op->pointwise;
		op->tr = tr;
		st = prepare_pixrows(op, w, bias, threads);
	} else if (st == EDGEML_OK || op->pointwise || op->im2col) {
		op->base.kernel = uk->name;
		st = prepare_gemm(op, w, bias, threads);
	}
	if (st == EDGEML_ERR_UNSUPPORTED) {
		/* a geometry the fast kernels do not cover: the reference runs the node */
		fconv_destroy(&op->base);
		return EDGEML_OK;
	}
	if (st != EDGEML_OK) {
		fconv_destroy(&op->base);
		return st;
	}
	*out = &op->base;
	return EDGEML_OK;
}
