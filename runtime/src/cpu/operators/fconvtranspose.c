/* fconvtranspose.c — float ConvTranspose on the f32 GEMM micro-kernel, by output phase.
 *
 * Output o (per spatial dim) takes the taps k with o + pad = i * stride + k * dilation, so
 * which taps it takes depends only on its phase r = (o + pad) mod stride, and tap k reads
 * input i = q + shift(k), q = (o + pad - r) / stride. Each phase is thus a stride-1
 * convolution of X over a box of output points q with its own sub-kernel: one GEMM per
 * (batch, group, phase), rows the output channels (weights packed once per phase), columns
 * the phase's points, K = (input channel, tap) in the reference's order. A column tile of
 * inputs (0 where a tap falls outside X) is gathered per task, and the GEMM's tile is
 * scattered to the phase's positions in Y.
 *
 * Without overlap, stride > (kernel - 1) * dilation along every dim (the 2x2 stride-2
 * upsampling of PP-OCR), each output takes at most one tap per channel, so one GEMM covers
 * every tap: rows (output channel, tap), K the input channels, columns the input pixels read
 * in place, and each tile row is scattered to its tap's outputs (o = i * stride + k *
 * dilation - pad); outputs no tap reaches (output padding) get the bias alone. A fused
 * activation (activation_min/max) clamps every output, as the GEMM's epilogue does.
 *
 * Bit-identical to the reference: each output sums its terms from 0 in (channel, tap)
 * order with one FMA each, then adds its bias. A padding tap of the phase path adds 0 * w,
 * exact for finite weights and a bias that is not -0 (as fconv.c's padding), which prepare
 * checks (else the reference runs the node); the direct path has no padding taps.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/f32_ukernels.h"
#include "cpu/kernels.h"
#include "cpu/operators/operators.h"
#include "cpu/ref/ref_util.h"
#include "error.h"
#include "ops/op_params.h"

/* The largest K (channels per group x taps of a phase) and phase count we take: the
 * gathered column tile (K x nr floats) is per-thread scratch. */
#define CONVT_K_MAX ((size_t)1 << 14)
#define CONVT_PHASES_MAX 64

typedef struct convt_phase {
	int64_t c[3];	      /* o = q * stride + c per dim */
	int64_t q0[3], qn[3]; /* the box of points q: [q0, q0 + qn) per dim */
	size_t npts, panels, panel0; /* panel0: the phase's first panel among all phases' */
	uint32_t ntaps;
	int64_t *shift; /* per tap, 3 dims: i = q + shift */
	float *w;	/* per group, per block of mr rows: [cpg * ntaps][mr] */
} convt_phase;

typedef struct fconvt_op {
	eml_fast_op base;
	const eml_f32_gemm_ukernel *uk;
	eml_window_geom g; /* 3-D */
	size_t batch, groups, cpg, mpg, c_in, m_out, in_plane, out_plane;
	size_t m_blocks, panels;
	uint32_t n_phases;
	convt_phase phase[CONVT_PHASES_MAX];
	float *bias; /* per group, mpg rounded up to mr (0 where absent) */
	size_t *off; /* per k: k * nr */
	/* the direct path (no overlap): rows (m, tap), packed per group and block of mr rows
	 * as [cpg][mr], their biases, and per tap the output offset k * dilation - pad */
	int direct, fill; /* fill: some outputs take no tap */
	int inside;	  /* every tap of every pixel lands inside Y (no pads, no crop) */
	size_t kvol, rows, r_blocks;
	float *dw, *dbias;
	int64_t *tap_e; /* 3 per tap */
	size_t *tap_flat; /* per tap, its offset in the output plane (with inside) */
	size_t *off_x;	  /* per input channel: c * in_plane (X read in place) */
	size_t d_chunk, d_chunks; /* panels per task, tasks per row block */
	const float *bias_in; /* B, for the fill */
	float lo, hi;	      /* the fused activation */
} fconvt_op;

typedef struct fconvt_run {
	const fconvt_op *op;
	const float *x;
	float *y;
	const eml_fast_env *env;
} fconvt_run;

static void fconvt_destroy(eml_fast_op *base)
{
	fconvt_op *op = (fconvt_op *)base;
	for (uint32_t p = 0; p < op->n_phases; p++) {
		free(op->phase[p].shift);
		free(op->phase[p].w);
	}
	free(op->bias);
	free(op->off);
	free(op->dw);
	free(op->dbias);
	free(op->tap_e);
	free(op->tap_flat);
	free(op->off_x);
	free(op);
}

/* Point j of a phase's box as its q per dim. */
static void point_q(const convt_phase *ph, size_t j, int64_t *q)
{
	q[2] = ph->q0[2] + (int64_t)(j % (size_t)ph->qn[2]);
	j /= (size_t)ph->qn[2];
	q[1] = ph->q0[1] + (int64_t)(j % (size_t)ph->qn[1]);
	q[0] = ph->q0[0] + (int64_t)(j / (size_t)ph->qn[1]);
}

/* One task: one panel of nr points of one phase, for one batch item and group: gathers the
 * column tile, then runs every block of mr output channels over it and scatters the tile. */
static void fconvt_task(void *arg, uint32_t task, uint32_t thread)
{
	const fconvt_run *r = arg;
	const fconvt_op *op = r->op;
	const eml_f32_gemm_ukernel *uk = op->uk;
	const eml_window_geom *g = &op->g;
	size_t t = task, pnl = t % op->panels;
	size_t grp = (t / op->panels) % op->groups, n = t / op->panels / op->groups;
	uint32_t p = 0;
	while (p + 1 < op->n_phases && op->phase[p + 1].panel0 <= pnl)
		p++;
	const convt_phase *ph = &op->phase[p];
	size_t j0 = (pnl - ph->panel0) * uk->nr;
	uint32_t nr = (uint32_t)(ph->npts - j0 < uk->nr ? ph->npts - j0 : uk->nr);
	size_t k = op->cpg * ph->ntaps;
	float *cols = (float *)r->env->scratch[thread];
	float *tile = cols + (k ? k : 1) * uk->nr;
	size_t *yoff = (size_t *)(tile + (size_t)uk->mr * uk->nr);
	int64_t *qs = (int64_t *)(yoff + uk->nr); /* 3 per point */
	for (uint32_t j = 0; j < uk->nr; j++) {
		int64_t *q = qs + 3 * j;
		point_q(ph, j0 + (j < nr ? j : 0), q);
		int64_t o0 = q[0] * g->stride[0] + ph->c[0], o1 = q[1] * g->stride[1] + ph->c[1];
		int64_t o2 = q[2] * g->stride[2] + ph->c[2];
		yoff[j] = (size_t)((o0 * g->out[1] + o1) * g->out[2] + o2);
	}
	const float *x = r->x + (n * op->c_in + grp * op->cpg) * op->in_plane;
	float *y = r->y + (n * op->m_out + grp * op->mpg) * op->out_plane;
	for (size_t c = 0; c < op->cpg; c++) {
		const float *xc = x + c * op->in_plane;
		for (uint32_t tp = 0; tp < ph->ntaps; tp++) {
			const int64_t *s = ph->shift + 3 * tp;
			float *dst = cols + (c * ph->ntaps + tp) * uk->nr;
			for (uint32_t j = 0; j < uk->nr; j++) {
				const int64_t *q = qs + 3 * j;
				int64_t i0 = q[0] + s[0], i1 = q[1] + s[1], i2 = q[2] + s[2];
				int in = j < nr && i0 >= 0 && i0 < g->in[0] && i1 >= 0 &&
					 i1 < g->in[1] && i2 >= 0 && i2 < g->in[2];
				dst[j] = in ? xc[(i0 * g->in[1] + i1) * g->in[2] + i2] : 0.0f;
			}
		}
	}
	for (size_t blk = 0; blk < op->m_blocks; blk++) {
		size_t m0 = blk * uk->mr;
		uint32_t mr = (uint32_t)(op->mpg - m0 < uk->mr ? op->mpg - m0 : uk->mr);
		const float *bias = op->bias + grp * op->m_blocks * uk->mr + m0;
		if (k == 0) {
			/* a phase no tap reaches: the bias alone, as the reference's 0 + b */
			for (uint32_t i = 0; i < mr; i++)
				for (uint32_t j = 0; j < nr; j++)
					y[(m0 + i) * op->out_plane + yoff[j]] =
						eml_clampf(bias[i] + 0.0f, op->lo, op->hi);
			continue;
		}
		eml_f32_minmax ep = { .row_bias = bias, .alpha = 1.0f, .lo = op->lo,
				      .hi = op->hi };
		uk->fn(mr, nr, k, ph->w + (grp * op->m_blocks + blk) * k * uk->mr, cols, op->off,
		       tile, uk->nr, &ep);
		for (uint32_t i = 0; i < mr; i++) {
			float *ym = y + (m0 + i) * op->out_plane;
			const float *ti = tile + (size_t)i * uk->nr;
			for (uint32_t j = 0; j < nr; j++)
				ym[yoff[j]] = ti[j];
		}
	}
}

/* One task of the direct path: one block of mr rows (m, tap) of one batch item and group
 * over a run of panels of nr input pixels, read in place (the channels' rows at in_plane
 * apart; a last, partial panel is copied out and padded), each tile scattered to its taps'
 * outputs. Rows outer, pixels inner: the stores stream through a few output rows at a time
 * (output planes a multiple of 4 KiB apart would share L1 sets if every channel's rows were
 * written per panel). */
static void direct_task(void *arg, uint32_t task, uint32_t thread)
{
	const fconvt_run *r = arg;
	const fconvt_op *op = r->op;
	const eml_f32_gemm_ukernel *uk = op->uk;
	const eml_window_geom *g = &op->g;
	size_t chunk = task % op->d_chunks, rest = task / op->d_chunks;
	size_t blk = rest % op->r_blocks, grp = rest / op->r_blocks % op->groups;
	size_t n = rest / op->r_blocks / op->groups;
	size_t p0 = chunk * op->d_chunk, p1 = p0 + op->d_chunk < op->panels ? p0 + op->d_chunk
									: op->panels;
	float *cols = (float *)r->env->scratch[thread];
	float *tile = cols + op->cpg * uk->nr;
	int64_t *is = (int64_t *)(tile + (size_t)uk->mr * uk->nr); /* 3 per pixel */
	size_t *oo = (size_t *)(is + 3 * uk->nr);
	const float *x = r->x + (n * op->c_in + grp * op->cpg) * op->in_plane;
	float *y = r->y + (n * op->m_out + grp * op->mpg) * op->out_plane;
	size_t r0 = blk * uk->mr;
	uint32_t mr = (uint32_t)(op->rows - r0 < uk->mr ? op->rows - r0 : uk->mr);
	const float *a = op->dw + (grp * op->r_blocks + blk) * op->cpg * uk->mr;
	eml_f32_minmax ep = { .row_bias = op->dbias + grp * op->r_blocks * uk->mr + r0,
			      .alpha = 1.0f, .lo = op->lo, .hi = op->hi };
	for (size_t pnl = p0; pnl < p1; pnl++) {
		size_t j0 = pnl * uk->nr;
		uint32_t nr = (uint32_t)(op->in_plane - j0 < uk->nr ? op->in_plane - j0 : uk->nr);
		const float *b = x + j0;
		const size_t *off = op->off_x;
		if (nr < uk->nr) {
			for (size_t c = 0; c < op->cpg; c++) {
				memcpy(cols + c * uk->nr, x + c * op->in_plane + j0, nr * sizeof(float));
				for (uint32_t j = nr; j < uk->nr; j++)
					cols[c * uk->nr + j] = 0.0f;
			}
			b = cols;
			off = op->off;
		}
		/* the pixels' coordinates times the strides, stepped from j0's (no division
		 * per pixel), and with inside their outputs' offsets at tap 0 */
		int64_t i2 = (int64_t)(j0 % (size_t)g->in[2]), i1 = (int64_t)(j0 / (size_t)g->in[2]);
		int64_t i0 = i1 / g->in[1];
		i1 %= g->in[1];
		for (uint32_t j = 0; j < nr; j++) {
			is[3 * j] = i0 * g->stride[0];
			is[3 * j + 1] = i1 * g->stride[1];
			is[3 * j + 2] = i2 * g->stride[2];
			oo[j] = (size_t)((is[3 * j] * g->out[1] + is[3 * j + 1]) * g->out[2] +
					 is[3 * j + 2]);
			if (++i2 == g->in[2]) {
				i2 = 0;
				if (++i1 == g->in[1]) {
					i1 = 0;
					i0++;
				}
			}
		}
		uk->fn(mr, nr, op->cpg, a, b, off, tile, uk->nr, &ep);
		for (uint32_t i = 0; i < mr; i++) {
			size_t row = r0 + i, t = row % op->kvol;
			float *ym = y + (row / op->kvol) * op->out_plane;
			const float *ti = tile + (size_t)i * uk->nr;
			if (op->inside) {
				/* pixel j's output at tap 0, then each tap a fixed offset from it */
				ym += op->tap_flat[t];
				for (uint32_t j = 0; j < nr; j++)
					ym[oo[j]] = ti[j];
				continue;
			}
			const int64_t *e = op->tap_e + 3 * t;
			for (uint32_t j = 0; j < nr; j++) {
				int64_t o0 = is[3 * j] + e[0], o1 = is[3 * j + 1] + e[1];
				int64_t o2 = is[3 * j + 2] + e[2];
				if (o0 >= 0 && o0 < g->out[0] && o1 >= 0 && o1 < g->out[1] &&
				    o2 >= 0 && o2 < g->out[2])
					ym[(o0 * g->out[1] + o1) * g->out[2] + o2] = ti[j];
			}
		}
	}
}

static edgeml_status fconvt_run_op(const eml_fast_op *base, const eml_kernel_ctx *ctx,
				   const eml_fast_env *env)
{
	const fconvt_op *op = (const fconvt_op *)base;
	fconvt_run r = { op, ctx->in_data[0], ctx->out_data[0], env };
	size_t work = op->batch * op->m_out * op->out_plane * op->cpg;
	if (op->fill) {
		/* outputs no tap reaches: 0 + bias, as the reference */
		float *y = r.y;
		for (size_t nm = 0; nm < op->batch * op->m_out; nm++) {
			float b = op->bias_in ? op->bias_in[nm % op->m_out] : 0.0f;
			for (size_t i = 0; i < op->out_plane; i++)
				y[nm * op->out_plane + i] = eml_clampf(b + 0.0f, op->lo, op->hi);
		}
	}
	uint32_t tasks = (uint32_t)(op->direct ? op->batch * op->groups * op->r_blocks * op->d_chunks
					       : op->batch * op->groups * op->panels);
	eml_threadpool_run(eml_fast_pool(env, work), op->direct ? direct_task : fconvt_task, &r,
			   tasks);
	return EDGEML_OK;
}

/* Whether padding taps leave every sum exact (see the file comment). */
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

/* The taps and point range of phase r along dim d: taps k with k * dilation = r mod
 * stride (shift = (r - k * dilation) / stride), points q with 0 <= q * stride + r - pad <
 * out. Returns the tap count; ks gets the taps. */
static uint32_t dim_phase(const eml_window_geom *g, int d, int64_t r, int64_t *ks,
			  int64_t *shift, int64_t *c, int64_t *q0, int64_t *qn)
{
	uint32_t n = 0;
	for (int64_t k = 0; k < g->kernel[d]; k++)
		if ((k * g->dilation[d]) % g->stride[d] == r) {
			ks[n] = k;
			shift[n] = (r - k * g->dilation[d]) / g->stride[d];
			n++;
		}
	int64_t s = g->stride[d];
	*c = r - g->pad_begin[d];
	/* the smallest q with q * s + c >= 0, and the count up to out - 1 */
	int64_t lo = *c >= 0 ? 0 : (-*c + s - 1) / s;
	int64_t hi = g->out[d] - 1 - *c < 0 ? -1 : (g->out[d] - 1 - *c) / s;
	*q0 = lo;
	*qn = hi >= lo ? hi - lo + 1 : 0;
	return n;
}

/* Packs a phase's weights: per group, per block of mr output channels, [cpg * ntaps][mr]
 * with W [C, mpg, kernel...] read at (channel, output channel, tap). */
static edgeml_status pack_phase(fconvt_op *op, convt_phase *ph, const int64_t *kflat,
				const float *w)
{
	const eml_f32_gemm_ukernel *uk = op->uk;
	size_t k = op->cpg * ph->ntaps, kvol = (size_t)(op->g.kernel[0] * op->g.kernel[1] *
							 op->g.kernel[2]);
	ph->w = calloc(op->groups * op->m_blocks * (k ? k : 1) * uk->mr, sizeof(float));
	if (!ph->w)
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for ConvTranspose weights");
	for (size_t grp = 0; grp < op->groups; grp++)
		for (size_t m = 0; m < op->mpg; m++)
			for (size_t c = 0; c < op->cpg; c++)
				for (uint32_t t = 0; t < ph->ntaps; t++) {
					size_t ci = grp * op->cpg + c, kk = c * ph->ntaps + t;
					float *a = ph->w + (grp * op->m_blocks + m / uk->mr) * k *
								   uk->mr;
					a[kk * uk->mr + m % uk->mr] =
						w[(ci * op->mpg + m) * kvol + (size_t)kflat[t]];
				}
	return EDGEML_OK;
}

/* Builds the phases: the product of each dim's phases, taps in kernel order. */
static edgeml_status build_phases(fconvt_op *op, const float *w)
{
	const eml_window_geom *g = &op->g;
	const eml_f32_gemm_ukernel *uk = op->uk;
	size_t nph = (size_t)(g->stride[0] * g->stride[1] * g->stride[2]);
	if (nph > CONVT_PHASES_MAX)
		return EDGEML_ERR_UNSUPPORTED;
	int64_t ks[3][64], sh[3][64];
	op->panels = 0;
	for (size_t idx = 0; idx < nph; idx++) {
		int64_t r[3] = { (int64_t)idx / (g->stride[1] * g->stride[2]),
				 ((int64_t)idx / g->stride[2]) % g->stride[1],
				 (int64_t)idx % g->stride[2] };
		convt_phase *ph = &op->phase[op->n_phases++];
		uint32_t nt[3];
		for (int d = 0; d < 3; d++) {
			if (g->kernel[d] > 64)
				return EDGEML_ERR_UNSUPPORTED;
			nt[d] = dim_phase(g, d, r[d], ks[d], sh[d], &ph->c[d], &ph->q0[d],
					  &ph->qn[d]);
		}
		ph->npts = (size_t)(ph->qn[0] * ph->qn[1] * ph->qn[2]);
		ph->ntaps = nt[0] * nt[1] * nt[2];
		if (op->cpg * ph->ntaps > CONVT_K_MAX)
			return EDGEML_ERR_UNSUPPORTED;
		ph->panels = (ph->npts + uk->nr - 1) / uk->nr;
		ph->panel0 = op->panels;
		op->panels += ph->panels;
		ph->shift = calloc((size_t)ph->ntaps * 3 + 3, sizeof(int64_t));
		int64_t *kflat = calloc((size_t)ph->ntaps + 1, sizeof(int64_t));
		if (!ph->shift || !kflat) {
			free(kflat);
			return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for ConvTranspose");
		}
		uint32_t t = 0;
		for (uint32_t a = 0; a < nt[0]; a++)
			for (uint32_t b = 0; b < nt[1]; b++)
				for (uint32_t c = 0; c < nt[2]; c++, t++) {
					ph->shift[3 * t] = sh[0][a];
					ph->shift[3 * t + 1] = sh[1][b];
					ph->shift[3 * t + 2] = sh[2][c];
					kflat[t] = (ks[0][a] * g->kernel[1] + ks[1][b]) *
							   g->kernel[2] + ks[2][c];
				}
		edgeml_status st = pack_phase(op, ph, kflat, w);
		free(kflat);
		if (st != EDGEML_OK)
			return st;
	}
	return EDGEML_OK;
}

/* Prepares the direct path (no overlap; see the file comment). */
static edgeml_status prepare_direct(fconvt_op *op, const float *w, const float *bias,
				    uint32_t threads)
{
	const eml_f32_gemm_ukernel *uk = op->uk;
	const eml_window_geom *g = &op->g;
	op->direct = 1;
	op->bias_in = bias;
	op->kvol = (size_t)(g->kernel[0] * g->kernel[1] * g->kernel[2]);
	op->rows = op->mpg * op->kvol;
	op->r_blocks = (op->rows + uk->mr - 1) / uk->mr;
	op->panels = (op->in_plane + uk->nr - 1) / uk->nr;
	op->dw = calloc(op->groups * op->r_blocks * op->cpg * uk->mr, sizeof(float));
	op->dbias = calloc(op->groups * op->r_blocks * uk->mr, sizeof(float));
	op->tap_e = calloc(3 * op->kvol, sizeof(int64_t));
	op->tap_flat = calloc(op->kvol, sizeof(size_t));
	op->off = calloc(op->cpg, sizeof(size_t));
	op->off_x = calloc(op->cpg, sizeof(size_t));
	if (!op->dw || !op->dbias || !op->tap_e || !op->tap_flat || !op->off || !op->off_x)
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for ConvTranspose weights");
	/* W is [C, mpg, kernel...]: row m * kvol + t of input channel ci is at ci * rows + row */
	for (size_t grp = 0; grp < op->groups; grp++)
		for (size_t row = 0; row < op->rows; row++) {
			float *a = op->dw + (grp * op->r_blocks + row / uk->mr) * op->cpg * uk->mr;
			for (size_t c = 0; c < op->cpg; c++)
				a[c * uk->mr + row % uk->mr] =
					w[(grp * op->cpg + c) * op->rows + row];
			if (bias)
				op->dbias[grp * op->r_blocks * uk->mr + row] =
					bias[grp * op->mpg + row / op->kvol];
		}
	for (size_t t = 0; t < op->kvol; t++) {
		int64_t k[3] = { (int64_t)t / (g->kernel[1] * g->kernel[2]),
				 ((int64_t)t / g->kernel[2]) % g->kernel[1],
				 (int64_t)t % g->kernel[2] };
		for (int d = 0; d < 3; d++)
			op->tap_e[3 * t + d] = k[d] * g->dilation[d] - g->pad_begin[d];
		op->tap_flat[t] = (size_t)((k[0] * g->dilation[0] * g->out[1] +
					    k[1] * g->dilation[1]) * g->out[2] +
					   k[2] * g->dilation[2]);
	}
	op->inside = 1;
	for (int d = 0; d < 3; d++)
		op->inside &= g->pad_begin[d] == 0 &&
			      (g->in[d] - 1) * g->stride[d] + (g->kernel[d] - 1) * g->dilation[d] <
				      g->out[d];
	for (size_t c = 0; c < op->cpg; c++) {
		op->off[c] = c * uk->nr;
		op->off_x[c] = c * op->in_plane;
	}
	/* enough tasks for every thread: runs of panels */
	size_t units = op->batch * op->groups * op->r_blocks;
	op->d_chunks = 1;
	while (threads > 1 && op->d_chunks < op->panels &&
	       units * op->d_chunks < EML_FAST_TASKS_PER_THREAD * (size_t)threads)
		op->d_chunks++;
	op->d_chunk = (op->panels + op->d_chunks - 1) / op->d_chunks;
	op->d_chunks = (op->panels + op->d_chunk - 1) / op->d_chunk;
	/* every output is reached (once) iff each dim's outputs all are */
	int64_t reached = 1;
	for (int d = 0; d < 3; d++) {
		int64_t cnt = 0;
		for (int64_t o = 0; o < g->out[d]; o++) {
			int64_t v = o + g->pad_begin[d];
			for (int64_t k = 0; k < g->kernel[d]; k++) {
				int64_t q = v - k * g->dilation[d];
				if (q >= 0 && q % g->stride[d] == 0 && q / g->stride[d] < g->in[d])
					cnt++;
			}
		}
		reached *= cnt;
	}
	op->fill = reached < (int64_t)op->out_plane;
	op->base.scratch = (op->cpg * uk->nr + (size_t)uk->mr * uk->nr) * sizeof(float) +
			   3 * uk->nr * sizeof(int64_t) + uk->nr * sizeof(size_t);
	return EDGEML_OK;
}

/* Prepares a float ConvTranspose whose weights and bias are constants. */
edgeml_status eml_fast_fconvtranspose_prepare(const eml_kernel_ctx *ctx, eml_isa isa,
					      uint32_t threads, eml_fast_op **out)
{
	const eml_tensor *tx = ctx->in[0], *tw = ctx->in[1], *ty = ctx->out[0];
	const eml_f32_gemm_ukernel *uk = eml_cpu_kernels_for(isa)->f32_gemm;
	eml_op_params tmp;
	const eml_op_params *prm;
	if (!uk || tx->dtype != EDGEML_DTYPE_FLOAT32 || tw->dtype != EDGEML_DTYPE_FLOAT32 ||
	    ty->dtype != EDGEML_DTYPE_FLOAT32 || !eml_fast_input_constant(ctx, 1) ||
	    !eml_fast_input_constant(ctx, 2) ||
	    eml_node_params(NULL, ctx->node, ctx->in, &tmp, &prm) != EDGEML_OK)
		return EDGEML_OK; /* the reference runs it, or reports what is wrong */
	const eml_convt_params *p = &prm->convt;
	const float *w = ctx->in_data[1];
	const float *bias = p->bias != EML_NO_INPUT ? ctx->in_data[p->bias] : NULL;
	fconvt_op *op = calloc(1, sizeof(*op));
	if (!op)
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for a ConvTranspose");
	op->base.run = fconvt_run_op;
	op->base.destroy = fconvt_destroy;
	op->base.kernel = uk->name;
	op->uk = uk;
	op->lo = p->act_min;
	op->hi = p->act_max;
	op->g = p->geom.w;
	eml_geom_to_3d(&op->g);
	op->batch = (size_t)p->batch;
	op->groups = (size_t)p->geom.group;
	op->c_in = (size_t)p->geom.c_in;
	op->m_out = (size_t)p->geom.m_out;
	op->cpg = op->c_in / op->groups;
	op->mpg = op->m_out / op->groups;
	op->in_plane = (size_t)(op->g.in[0] * op->g.in[1] * op->g.in[2]);
	op->out_plane = (size_t)(op->g.out[0] * op->g.out[1] * op->g.out[2]);
	op->m_blocks = (op->mpg + uk->mr - 1) / uk->mr;
	int overlap = 0;
	for (int d = 0; d < 3; d++)
		overlap |= (op->g.kernel[d] - 1) * op->g.dilation[d] >= op->g.stride[d];
	if (!overlap && op->batch && op->mpg) {
		edgeml_status st = prepare_direct(op, w, bias, threads);
		if (st != EDGEML_OK) {
			fconvt_destroy(&op->base);
			return st;
		}
		*out = &op->base;
		return EDGEML_OK;
	}
	edgeml_status st = EDGEML_ERR_UNSUPPORTED;
	if (op->batch && op->mpg &&
	    padding_exact(w, (size_t)eml_tensor_numel(tw), bias, op->m_out))
		st = build_phases(op, w);
	size_t k_max = 1;
	for (uint32_t i = 0; st == EDGEML_OK && i < op->n_phases; i++)
		if (op->cpg * op->phase[i].ntaps > k_max)
			k_max = op->cpg * op->phase[i].ntaps;
	if (st == EDGEML_OK) {
		op->bias = calloc(op->groups * op->m_blocks * uk->mr, sizeof(float));
		op->off = calloc(k_max, sizeof(size_t));
		if (!op->bias || !op->off)
			st = eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for a ConvTranspose");
	}
	if (st == EDGEML_ERR_UNSUPPORTED) {
		fconvt_destroy(&op->base);
		return EDGEML_OK;
	}
	if (st != EDGEML_OK) {
		fconvt_destroy(&op->base);
		return st;
	}
	for (size_t grp = 0; bias && grp < op->groups; grp++)
		for (size_t m = 0; m < op->mpg; m++)
			op->bias[grp * op->m_blocks * uk->mr + m] = bias[grp * op->mpg + m];
	for (size_t i = 0; i < k_max; i++)
		op->off[i] = i * uk->nr;
	/* columns, the tile, the points' output offsets and q (3 per point) */
	op->base.scratch = (k_max * uk->nr + (size_t)uk->mr * uk->nr) * sizeof(float) +
			   uk->nr * sizeof(size_t) + 3 * uk->nr * sizeof(int64_t);
	*out = &op->base;
	return EDGEML_OK;
}
