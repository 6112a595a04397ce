/* fast_fwinograd.c — float 3x3 stride-1 convolutions by Winograd F(2x2, 3x3): each 4x4 input
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
#include "cpu/fast_ops.h"
#include "cpu/ref/ref_qwindow.h"
#include "cpu/ref/ref_util.h"
#include "error.h"

#define WINO_POS 16 /* transformed positions of a 4x4 tile */
#define TILES_PER_TASK 4

typedef struct wino_op {
	eml_fast_op base;
	const eml_f32_gemm_ukernel *uk;
	size_t batch, in_ch, out_ch, ih, iw, oh, ow, top, left;
	size_t th, tw, tiles, tp; /* tile rows and columns; tiles; tiles rounded up to nr */
	size_t pw, ph;		  /* the padded channel copy: 2 * tw + 2 by 2 * th + 2 */
	size_t blocks, tiles_per_task, tile_groups;
	float lo, hi;
	float *u;     /* per position and block of mr rows, [in_ch][mr] */
	float *bias;  /* per output channel */
	size_t *koff; /* per input channel: c * tp */
} wino_op;

typedef struct wino_run {
	const wino_op *op;
	const float *x;
	float *y;
	float *v, *m; /* the transformed inputs [pos][in_ch][tp] and products [pos][out_ch][tp] */
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

/* Transforms one input channel: copies it zero-padded, then V = B^T d B per tile, with
 * B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]. */
static void in_task(void *arg, uint32_t task, uint32_t thread)
{
	const wino_run *r = arg;
	const wino_op *op = r->op;
	size_t c = task, pw = op->pw;
	float *p = (float *)r->env->scratch[thread];
	const float *x = r->x + c * op->ih * op->iw;
	memset(p, 0, op->ph * pw * sizeof(float));
	for (size_t iy = 0; iy < op->ih && iy + op->top < op->ph; iy++) {
		size_t n = op->iw + op->left <= pw ? op->iw : pw - op->left;
		memcpy(p + (iy + op->top) * pw + op->left, x + iy * op->iw, n * sizeof(float));
	}
	float *v = r->v + c * op->tp;
	size_t vs = op->in_ch * op->tp; /* floats between two positions */
	for (size_t ty = 0; ty < op->th; ty++) {
		const float *r0 = p + 2 * ty * pw, *r1 = r0 + pw, *r2 = r1 + pw, *r3 = r2 + pw;
		float *vt = v + ty * op->tw;
		for (size_t tx = 0; tx < op->tw; tx++) {
			const float *a0 = r0 + 2 * tx, *a1 = r1 + 2 * tx, *a2 = r2 + 2 * tx,
				    *a3 = r3 + 2 * tx;
			float t[4][4]; /* B^T d: rows */
			for (int j = 0; j < 4; j++) {
				t[0][j] = a0[j] - a2[j];
				t[1][j] = a1[j] + a2[j];
				t[2][j] = a2[j] - a1[j];
				t[3][j] = a1[j] - a3[j];
			}
			for (int i = 0; i < 4; i++) {
				vt[(i * 4 + 0) * vs + tx] = t[i][0] - t[i][2];
				vt[(i * 4 + 1) * vs + tx] = t[i][1] + t[i][2];
				vt[(i * 4 + 2) * vs + tx] = t[i][2] - t[i][1];
				vt[(i * 4 + 3) * vs + tx] = t[i][1] - t[i][3];
			}
		}
	}
	for (size_t i = 0; i < WINO_POS; i++) /* the columns past the last tile: read, not used */
		memset(v + i * vs + op->tiles, 0, (op->tp - op->tiles) * sizeof(float));
}

/* A GEMM task: one position, up to tiles_per_task column tiles, every block of rows. */
static void gemm_task(void *arg, uint32_t task, uint32_t thread)
{
	const wino_run *r = arg;
	const wino_op *op = r->op;
	const eml_f32_gemm_ukernel *uk = op->uk;
	size_t pos = task / op->tile_groups, tg = task % op->tile_groups;
	size_t first = tg * op->tiles_per_task, last = first + op->tiles_per_task;
	size_t nt = op->tp / uk->nr;
	last = last < nt ? last : nt;
	(void)thread;
	const float *v = r->v + pos * op->in_ch * op->tp;
	float *m = r->m + pos * op->out_ch * op->tp;
	eml_f32_minmax ep = { .lo = -INFINITY, .hi = INFINITY };
	for (size_t b = 0; b < op->blocks; b++) {
		size_t row = b * uk->mr;
		uint32_t mr = (uint32_t)(op->out_ch - row < uk->mr ? op->out_ch - row : uk->mr);
		const float *u = op->u + (pos * op->blocks + b) * op->in_ch * uk->mr;
		for (size_t ti = first; ti < last; ti++)
			uk->fn(mr, uk->nr, op->in_ch, u, v + ti * uk->nr, op->koff,
			       m + row * op->tp + ti * uk->nr, op->tp, &ep);
	}
}

/* Transforms one output channel back: Y = A^T M A per tile, A^T = [1 1 1 0; 0 1 -1 -1],
 * plus the bias, clamped as the reference clamps. */
static void out_task(void *arg, uint32_t task, uint32_t thread)
{
	const wino_run *r = arg;
	const wino_op *op = r->op;
	size_t oc = task, ms = op->out_ch * op->tp;
	const float *m = r->m + oc * op->tp;
	float *y = r->y + oc * op->oh * op->ow;
	float bias = op->bias[oc];
	(void)thread;
	for (size_t ty = 0; ty < op->th; ty++) {
		for (size_t tx = 0; tx < op->tw; tx++) {
			size_t t = ty * op->tw + tx;
			float s[2][4]; /* A^T M: rows */
			for (int j = 0; j < 4; j++) {
				float m0 = m[(0 + j) * ms + t], m1 = m[(4 + j) * ms + t];
				float m2 = m[(8 + j) * ms + t], m3 = m[(12 + j) * ms + t];
				s[0][j] = m0 + m1 + m2;
				s[1][j] = m1 - m2 - m3;
			}
			size_t oy = 2 * ty, ox = 2 * tx;
			for (size_t i = 0; i < 2 && oy + i < op->oh; i++) {
				float o0 = s[i][0] + s[i][1] + s[i][2] + bias;
				float o1 = s[i][1] - s[i][2] - s[i][3] + bias;
				float *yr = y + (oy + i) * op->ow + ox;
				yr[0] = eml_clampf(o0, op->lo, op->hi);
				if (ox + 1 < op->ow)
					yr[1] = eml_clampf(o1, op->lo, op->hi);
			}
		}
	}
}

static edgeml_status wino_run_op(const eml_fast_op *base, const eml_kernel_ctx *ctx,
				 const eml_fast_env *env)
{
	const wino_op *op = (const wino_op *)base;
	const float *x = ctx->in_data[0];
	float *y = ctx->out_data[0];
	size_t work = op->out_ch * op->in_ch * op->tiles * WINO_POS;
	eml_threadpool *pool = eml_fast_pool(env, work);
	float *v = (float *)env->shared;
	float *m = v + WINO_POS * op->in_ch * op->tp;
	for (size_t n = 0; n < op->batch; n++) {
		wino_run r = { op, x + n * op->in_ch * op->ih * op->iw,
			       y + n * op->out_ch * op->oh * op->ow, v, m, env };
		eml_threadpool_run(pool, in_task, &r, (uint32_t)op->in_ch);
		eml_threadpool_run(pool, gemm_task, &r,
				   (uint32_t)(WINO_POS * op->tile_groups));
		eml_threadpool_run(pool, out_task, &r, (uint32_t)op->out_ch);
	}
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
	return eml_f32_gemm_ukernel_for(isa) && groups == 1 && in_ch >= EML_WINO_MIN_CH &&
	       out_ch >= EML_WINO_MIN_CH && c->k[0] == 1 && c->k[1] == 3 && c->k[2] == 3 &&
	       c->stride[1] == 1 && c->stride[2] == 1 && c->dil[1] == 1 &&
	       c->dil[2] == 1 && c->out[0] == 1 && c->out[1] >= 2 && c->out[2] >= 2 &&
	       (size_t)(c->in[1] * c->in[2]) <= EML_WINO_PLANE_MAX;
}

edgeml_status eml_fast_fwinograd_prepare(const eml_kernel_ctx *ctx, const eml_window3 *c,
					 eml_isa isa, uint32_t threads, float lo, float hi,
					 eml_fast_op **out)
{
	const eml_tensor *tx = ctx->in[0], *tw = ctx->in[1];
	const float *w = ctx->in_data[1];
	const float *bias = ctx->node->n_inputs > 2 ? ctx->in_data[2] : NULL;
	const eml_f32_gemm_ukernel *uk = eml_f32_gemm_ukernel_for(isa);
	wino_op *op = calloc(1, sizeof(*op));
	if (!op)
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for a convolution");
	op->base.run = wino_run_op;
	op->base.destroy = wino_destroy;
	op->base.kernel = "f32-winograd-2x2";
	op->uk = uk;
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
	op->th = (op->oh + 1) / 2;
	op->tw = (op->ow + 1) / 2;
	op->tiles = op->th * op->tw;
	op->tp = (op->tiles + uk->nr - 1) / uk->nr * uk->nr;
	op->pw = 2 * op->tw + 2;
	op->ph = 2 * op->th + 2;
	op->blocks = (op->out_ch + uk->mr - 1) / uk->mr;
	op->u = calloc(WINO_POS * op->blocks * uk->mr * op->in_ch, sizeof(float));
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
				op->u[((pos * op->blocks + m / uk->mr) * op->in_ch + ci) * uk->mr +
				      m % uk->mr] = u[pos];
		}
		op->bias[m] = bias ? bias[m] : 0.0f;
	}
	for (size_t ci = 0; ci < op->in_ch; ci++)
		op->koff[ci] = ci * op->tp;
	size_t nt = op->tp / uk->nr;
	op->tiles_per_task = nt < TILES_PER_TASK ? nt : TILES_PER_TASK;
	while (op->tiles_per_task > 1 && threads > 1 &&
	       WINO_POS * ((nt + op->tiles_per_task - 1) / op->tiles_per_task) <
		       EML_FAST_TASKS_PER_THREAD * (size_t)threads)
		op->tiles_per_task /= 2;
	op->tile_groups = (nt + op->tiles_per_task - 1) / op->tiles_per_task;
	op->base.scratch = op->pw * op->ph * sizeof(float);
	op->base.shared = WINO_POS * (op->in_ch + op->out_ch) * op->tp * sizeof(float);
	*out = &op->base;
	return EDGEML_OK;
}
