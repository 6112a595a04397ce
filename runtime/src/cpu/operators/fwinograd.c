/* fwinograd.c — float 3x3 stride-1 convolutions by Winograd F(2x2, 3x3): each 4x4 input
 * tile d becomes V = B^T d B, each 3x3 filter g becomes U = G g G^T (once, at prepare), the 16
 * transformed positions are 16 independent GEMMs M[xi] = U[xi] (out_ch x in_ch) * V[xi]
 * (in_ch x tiles) on the level's f32 GEMM micro-kernel, and Y = A^T M A gives each 2x2
 * output tile, plus the bias, clamped. 2.25x fewer multiplies than the direct path.
 *
 * Not bit-identical to the reference: the float fast-path contract is a tolerance (docs/ops.md,
 * "Float results"). The transforms' coefficients are 0, +-1 and +-1/2 (exact in float), so
 * the rounding error is that of a few extra additions per term on top of the GEMM's sum over
 * in_ch; F(2x2) is chosen over F(4x4), whose coefficients (up to 8, 1/24) amplify the error
 * about ten times more. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/f32_ukernels.h"
#include "cpu/kernels.h"
#include "cpu/operators/ftail.h"
#include "cpu/operators/operators.h"
#include "cpu/ref/ref_qwindow.h"
#include "cpu/ref/ref_util.h"
#include "error.h"

#define WINO_POS 16 /* transformed positions of a 4x4 tile */
#define WINO_RUN 8  /* tiles the portable transforms take side by side */
#define WINO_RUN_MAX 16 /* the most a transform kernel may take */
/* Floats of a task's transformed input block: with the products, it stays in L2. */
#define WINO_BLOCK_FLOATS ((size_t)32768)
/* Output channels whose 16 positions' products a task computes before their output
 * transform (a multiple of the micro-kernel's mr where it is smaller). */
#define WINO_GROUP_ROWS 16

typedef struct wino_op {
	eml_fast_op base;
	const eml_f32_gemm_ukernel *uk;
	const eml_f32_wino_ukernel *wk; /* the transforms */
	size_t batch, in_ch, out_ch, ih, iw, oh, ow, top, left;
	size_t th, tw, tiles; /* tile rows and columns; tiles of an image */
	size_t nb;	      /* tiles of a task's block, a multiple of nr */
	size_t blocks_n;      /* tile blocks of an image */
	size_t mblocks;	      /* blocks of mr output channels */
	size_t m_chunk, m_chunks; /* blocks of mr per task; tasks per tile block */
	size_t group;		  /* blocks of mr whose products a task holds at once */
	float lo, hi;
	eml_f32_tail tail; /* the fused activation function, over the output after the tiles */
	float *u;     /* per position and block of mr rows, [in_ch][mr] */
	float *bias;  /* per output channel */
	size_t *koff; /* per input channel: c * nb */
} wino_op;

typedef struct wino_run {
	const wino_op *op;
	const float *x;
	float *y;
	const eml_fast_env *env;
} wino_run;

static void wino_destroy(eml_fast_op *base)
{
	wino_op *op = (wino_op *)base;
	free(op->u);
	free(op->bias);
	free(op->koff);
	free(op);
}

/* The portable transforms (eml_f32_wino_ukernel, for levels without vector ones): V of n <=
 * WINO_RUN tiles side by side in one tile row, d the first tile's top left corner (rows ds
 * apart, each readable for 2 WINO_RUN + 2 floats), tile j starting 2 j further, with B^T =
 * [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]. Loops over the tiles, for the vectoriser; the
 * vector kernels take these operations in this order. */
static void in_run(const float *d, size_t ds, float *v, size_t vs, uint32_t n)
{
	float c[4][4][WINO_RUN]; /* [row][column][tile] */
	for (int i = 0; i < 4; i++)
		for (int k = 0; k < 4; k++)
			for (int j = 0; j < WINO_RUN; j++)
				c[i][k][j] = d[i * ds + 2 * j + k];
	for (int k = 0; k < 4; k++) { /* B^T d, in place */
		for (int j = 0; j < WINO_RUN; j++) {
			float a0 = c[0][k][j], a1 = c[1][k][j], a2 = c[2][k][j], a3 = c[3][k][j];
			c[0][k][j] = a0 - a2;
			c[1][k][j] = a1 + a2;
			c[2][k][j] = a2 - a1;
			c[3][k][j] = a1 - a3;
		}
	}
	for (int i = 0; i < 4; i++) {
		float *o = v + i * 4 * vs;
		for (uint32_t j = 0; j < n; j++) {
			float t0 = c[i][0][j], t1 = c[i][1][j], t2 = c[i][2][j], t3 = c[i][3][j];
			o[j] = t0 - t2;
			o[vs + j] = t1 + t2;
			o[2 * vs + j] = t2 - t1;
			o[3 * vs + j] = t1 - t3;
		}
	}
}

/* Y = A^T M A for n <= WINO_RUN tiles side by side in one tile row, m their products
 * (positions ms apart), A^T = [1 1 1 0; 0 1 -1 -1]; plus the bias, clamped; both output rows
 * (ys apart) and 2 n columns stored. */
static void out_run(const float *m, size_t ms, float bias, float lo, float hi, float *y,
		    size_t ys, uint32_t n)
{
	float s[2][4][WINO_RUN]; /* A^T M */
	for (int k = 0; k < 4; k++) {
		for (uint32_t j = 0; j < n; j++) {
			float a = m[k * ms + j], b = m[(4 + k) * ms + j];
			float c = m[(8 + k) * ms + j], d = m[(12 + k) * ms + j];
			s[0][k][j] = a + b + c;
			s[1][k][j] = b - c - d;
		}
	}
	for (int i = 0; i < 2; i++) {
		float *yr = y + i * ys;
		for (uint32_t j = 0; j < n; j++) {
			float o0 = s[i][0][j] + s[i][1][j] + s[i][2][j] + bias;
			float o1 = s[i][1][j] - s[i][2][j] - s[i][3][j] + bias;
			yr[2 * j] = eml_clampf(o0, lo, hi);
			yr[2 * j + 1] = eml_clampf(o1, lo, hi);
		}
	}
}

static const eml_f32_wino_ukernel wino_portable = {
	.name = "portable", .run = WINO_RUN, .in = in_run, .out = out_run,
};

/* Transforms the tiles [t0, t0 + cnt) of every input channel into v ([pos][in_ch][nb]), in
 * runs of up to the kernel's run of tiles within a tile row: in place where the rows the
 * kernel reads lie in the image, else from a zero-padded copy. Columns past cnt are zeroed
 * (the GEMM reads them). */
static void in_block(const wino_op *op, const float *x, size_t t0, size_t cnt, float *v)
{
	const eml_f32_wino_ukernel *wk = op->wk;
	size_t vs = op->in_ch * op->nb, plane = op->ih * op->iw, pw = 2 * (size_t)wk->run + 2;
	float pad[4 * (2 * WINO_RUN_MAX + 2)];
	for (size_t c = 0; c < op->in_ch; c++) {
		const float *xc = x + c * plane;
		float *vc = v + c * op->nb;
		for (size_t j = 0; j < cnt;) {
			size_t t = t0 + j, ty = t / op->tw, tx = t % op->tw;
			size_t n = cnt - j < op->tw - tx ? cnt - j : op->tw - tx;
			n = n < wk->run ? n : wk->run;
			/* the run's top left corner in the image: may be -top / -left */
			ptrdiff_t y0 = (ptrdiff_t)(2 * ty) - (ptrdiff_t)op->top;
			ptrdiff_t x0 = (ptrdiff_t)(2 * tx) - (ptrdiff_t)op->left;
			if (y0 >= 0 && x0 >= 0 && (size_t)y0 + 4 <= op->ih &&
			    (size_t)x0 + 2 * n + 2 <= op->iw &&
			    ((size_t)y0 + 3) * op->iw + (size_t)x0 + pw <= plane) {
				wk->in(xc + (size_t)y0 * op->iw + (size_t)x0, op->iw, vc + j, vs,
				       (uint32_t)n);
				j += n;
				continue;
			}
			/* the columns [x0, x0 + pw) of rows y0..y0 + 3, zero outside the image */
			ptrdiff_t c0 = x0 < 0 ? -x0 : 0, c1 = (ptrdiff_t)op->iw - x0;
			c1 = c1 < (ptrdiff_t)pw ? c1 : (ptrdiff_t)pw;
			for (ptrdiff_t i = 0; i < 4; i++) {
				float *pr = pad + i * pw;
				ptrdiff_t yy = y0 + i;
				if (yy < 0 || (size_t)yy >= op->ih || c1 <= c0) {
					memset(pr, 0, pw * sizeof(float));
					continue;
				}
				memset(pr, 0, (size_t)c0 * sizeof(float));
				memcpy(pr + c0, xc + (size_t)yy * op->iw + (size_t)(x0 + c0),
				       (size_t)(c1 - c0) * sizeof(float));
				memset(pr + c1, 0, (pw - (size_t)c1) * sizeof(float));
			}
			wk->in(pad, pw, vc + j, vs, (uint32_t)n);
			j += n;
		}
		for (size_t pos = 0; pos < WINO_POS && cnt < op->nb; pos++)
			memset(vc + pos * vs + cnt, 0, (op->nb - cnt) * sizeof(float));
	}
}

/* Y = A^T M A for the tiles [t0, t0 + cnt) of output channels [m0, m1), plus the bias,
 * clamped as the reference clamps, in runs as in_block; runs past the image's last row or
 * column go through a buffer. m is [pos][m1 - m0][nb]. */
static void out_block(const wino_op *op, const float *m, size_t m0, size_t m1, size_t t0,
		      size_t cnt, float *y)
{
	const eml_f32_wino_ukernel *wk = op->wk;
	size_t ms = (m1 - m0) * op->nb, bw = 2 * (size_t)wk->run;
	float buf[2 * 2 * WINO_RUN_MAX];
	for (size_t oc = m0; oc < m1; oc++) {
		const float *mc = m + (oc - m0) * op->nb;
		float *yc = y + oc * op->oh * op->ow;
		float bias = op->bias[oc];
		for (size_t j = 0; j < cnt;) {
			size_t t = t0 + j, tx = t % op->tw, oy = 2 * (t / op->tw), ox = 2 * tx;
			size_t n = cnt - j < op->tw - tx ? cnt - j : op->tw - tx;
			n = n < wk->run ? n : wk->run;
			if (oy + 2 <= op->oh && ox + 2 * n <= op->ow) {
				wk->out(mc + j, ms, bias, op->lo, op->hi, yc + oy * op->ow + ox,
					op->ow, (uint32_t)n);
				j += n;
				continue;
			}
			wk->out(mc + j, ms, bias, op->lo, op->hi, buf, bw, (uint32_t)n);
			size_t cols = op->ow - ox < 2 * n ? op->ow - ox : 2 * n;
			for (size_t i = 0; i < 2 && oy + i < op->oh; i++)
				memcpy(yc + (oy + i) * op->ow + ox, buf + i * bw, cols * sizeof(float));
			j += n;
		}
	}
}

/* A task: one block of nb tiles of one image, for one chunk of output channels: the input
 * transform of the block, then for each group of WINO_GROUP_ROWS output channels their 16
 * GEMMs and their output transform, so that the products (16 x 16 x nb floats) stay in
 * L1 / near L2 between the two; all in the thread's scratch memory (sized to stay in
 * cache). */
static void block_task(void *arg, uint32_t task, uint32_t thread)
{
	const wino_run *r = arg;
	const wino_op *op = r->op;
	const eml_f32_gemm_ukernel *uk = op->uk;
	size_t mc = task % op->m_chunks, rest = task / op->m_chunks;
	size_t tb = rest % op->blocks_n, n = rest / op->blocks_n;
	size_t t0 = tb * op->nb, cnt = op->tiles - t0 < op->nb ? op->tiles - t0 : op->nb;
	size_t b0 = mc * op->m_chunk;
	size_t b1 = b0 + op->m_chunk < op->mblocks ? b0 + op->m_chunk : op->mblocks;
	float *v = (float *)r->env->scratch[thread];
	float *m = v + WINO_POS * op->in_ch * op->nb;
	float *y = r->y + n * op->out_ch * op->oh * op->ow;
	in_block(op, r->x + n * op->in_ch * op->ih * op->iw, t0, cnt, v);
	eml_f32_minmax ep = { .lo = -INFINITY, .hi = INFINITY };
	size_t ntile = (cnt + uk->nr - 1) / uk->nr;
	for (size_t g0 = b0; g0 < b1; g0 += op->group) {
		size_t g1 = g0 + op->group < b1 ? g0 + op->group : b1;
		size_t m0 = g0 * uk->mr, m1 = g1 * uk->mr < op->out_ch ? g1 * uk->mr : op->out_ch;
		size_t ms = (m1 - m0) * op->nb;
		for (size_t pos = 0; pos < WINO_POS; pos++) {
			const float *vp = v + pos * op->in_ch * op->nb;
			for (size_t b = g0; b < g1; b++) {
				size_t row = b * uk->mr;
				uint32_t mr = (uint32_t)(op->out_ch - row < uk->mr ? op->out_ch - row
										   : uk->mr);
				const float *u = op->u + (pos * op->mblocks + b) * op->in_ch * uk->mr;
				for (size_t ti = 0; ti < ntile; ti++)
					/* the columns past cnt are not read: a narrow last tile
					 * takes fewer vectors */
					uk->fn(mr,
					       (uint32_t)(cnt - ti * uk->nr < uk->nr ? cnt - ti * uk->nr
										    : uk->nr),
					       op->in_ch, u, vp + ti * uk->nr, op->koff,
					       m + pos * ms + (row - m0) * op->nb + ti * uk->nr,
					       op->nb, &ep);
			}
		}
		out_block(op, m, m0, m1, t0, cnt, y);
	}
}

static edgeml_status wino_run_op(const eml_fast_op *base, const eml_kernel_ctx *ctx,
				 const eml_fast_env *env)
{
	const wino_op *op = (const wino_op *)base;
	size_t work = op->batch * op->out_ch * op->in_ch * op->tiles * WINO_POS;
	wino_run r = { op, ctx->in_data[0], ctx->out_data[0], env };
	eml_threadpool_run(eml_fast_pool(env, work), block_task, &r,
			   (uint32_t)(op->batch * op->blocks_n * op->m_chunks));
	eml_f32_tail_run(&op->tail, env, op->batch * op->out_ch * op->oh * op->ow, r.y);
	return EDGEML_OK;
}

/* U = G g G^T for one 3x3 filter, G = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1]. */
static void filter_transform(const float *g, float u[WINO_POS])
{
	float t[4][3]; /* G g */
	for (int j = 0; j < 3; j++) {
		t[0][j] = g[j];
		t[1][j] = 0.5f * (g[j] + g[3 + j] + g[6 + j]);
		t[2][j] = 0.5f * (g[j] - g[3 + j] + g[6 + j]);
		t[3][j] = g[6 + j];
	}
	for (int i = 0; i < 4; i++) {
		u[i * 4 + 0] = t[i][0];
		u[i * 4 + 1] = 0.5f * (t[i][0] + t[i][1] + t[i][2]);
		u[i * 4 + 2] = 0.5f * (t[i][0] - t[i][1] + t[i][2]);
		u[i * 4 + 3] = t[i][2];
	}
}

int eml_fast_fwinograd_applies(const eml_window3 *c, size_t in_ch, size_t out_ch,
			       size_t groups, eml_isa isa)
{
	return eml_cpu_kernels_for(isa)->f32_gemm && groups == 1 && in_ch >= EML_WINO_MIN_CH &&
	       out_ch >= EML_WINO_MIN_CH && c->k[0] == 1 && c->k[1] == 3 && c->k[2] == 3 &&
	       c->stride[1] == 1 && c->stride[2] == 1 && c->dil[1] == 1 &&
	       c->dil[2] == 1 && c->out[0] == 1 && c->out[1] >= 2 && c->out[2] >= 2 &&
	       (size_t)(c->in[1] * c->in[2]) <= EML_WINO_PLANE_MAX;
}

edgeml_status eml_fast_fwinograd_prepare(const eml_kernel_ctx *ctx, const eml_window3 *c,
					 eml_isa isa, uint32_t threads, float lo, float hi,
					 const eml_f32_tail *tail, eml_fast_op **out)
{
	const eml_tensor *tx = ctx->in[0], *tw = ctx->in[1];
	const float *w = ctx->in_data[1];
	const float *bias = ctx->node->n_inputs > 2 ? ctx->in_data[2] : NULL;
	const eml_f32_gemm_ukernel *uk = eml_cpu_kernels_for(isa)->f32_gemm;
	wino_op *op = calloc(1, sizeof(*op));
	if (!op)
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for a convolution");
	op->base.run = wino_run_op;
	op->base.destroy = wino_destroy;
	op->base.kernel = "f32-winograd-2x2";
	op->uk = uk;
	op->wk = eml_cpu_kernels_for(isa)->f32_wino;
	if (!op->wk || op->wk->run > WINO_RUN_MAX)
		op->wk = &wino_portable;
	op->batch = (size_t)tx->dims[0];
	op->in_ch = (size_t)tx->dims[1];
	op->out_ch = (size_t)tw->dims[0];
	op->ih = (size_t)c->in[1];
	op->iw = (size_t)c->in[2];
	op->oh = (size_t)c->out[1];
	op->ow = (size_t)c->out[2];
	op->top = (size_t)c->pad_begin[1];
	op->left = (size_t)c->pad_begin[2];
	op->lo = lo;
	op->hi = hi;
	op->tail = *tail;
	op->th = (op->oh + 1) / 2;
	op->tw = (op->ow + 1) / 2;
	op->tiles = op->th * op->tw;
	/* a block's transformed inputs (16 x in_ch x nb floats) within about 128 KiB */
	size_t fit = WINO_BLOCK_FLOATS / (WINO_POS * op->in_ch) / uk->nr * uk->nr;
	size_t need = (op->tiles + uk->nr - 1) / uk->nr * uk->nr;
	op->nb = fit < uk->nr ? uk->nr : fit < need ? fit : need;
	op->blocks_n = (op->tiles + op->nb - 1) / op->nb;
	op->mblocks = (op->out_ch + uk->mr - 1) / uk->mr;
	op->u = calloc(WINO_POS * op->mblocks * uk->mr * op->in_ch, sizeof(float));
	op->bias = calloc(op->out_ch, sizeof(float));
	op->koff = calloc(op->in_ch, sizeof(size_t));
	if (!op->u || !op->bias || !op->koff) {
		wino_destroy(&op->base);
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for convolution weights");
	}
	for (size_t m = 0; m < op->out_ch; m++) {
		for (size_t ci = 0; ci < op->in_ch; ci++) {
			float u[WINO_POS];
			filter_transform(w + (m * op->in_ch + ci) * 9, u);
			for (size_t pos = 0; pos < WINO_POS; pos++)
				op->u[((pos * op->mblocks + m / uk->mr) * op->in_ch + ci) * uk->mr +
				      m % uk->mr] = u[pos];
		}
		op->bias[m] = bias ? bias[m] : 0.0f;
	}
	for (size_t ci = 0; ci < op->in_ch; ci++)
		op->koff[ci] = ci * op->nb;
	/* enough tasks for every thread: split the output channels (each chunk redoes the
	 * input transform, a small share of its GEMM) */
	op->m_chunks = 1;
	while (threads > 1 && op->m_chunks < op->mblocks &&
	       op->batch * op->blocks_n * op->m_chunks <
		       EML_FAST_TASKS_PER_THREAD * (size_t)threads)
		op->m_chunks++;
	op->m_chunk = (op->mblocks + op->m_chunks - 1) / op->m_chunks;
	op->m_chunks = (op->mblocks + op->m_chunk - 1) / op->m_chunk;
	op->group = WINO_GROUP_ROWS / uk->mr ? WINO_GROUP_ROWS / uk->mr : 1;
	op->base.scratch = WINO_POS * (op->in_ch + op->group * uk->mr) * op->nb * sizeof(float);
	*out = &op->base;
	return EDGEML_OK;
}
