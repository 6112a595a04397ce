/* fast_qconv.c — QLinearConv on the fast path: depthwise convolutions on the depthwise
 * micro-kernel over a zero-point-padded copy of each channel, every other 1-D/2-D
 * convolution as a GEMM per group over tiles of pixels (1x1 stride-1 convolutions read the
 * input planes directly; others gather a tile of the im2col matrix, never all of it). */
#include <stdlib.h>
#include <string.h>

#include "cpu/fast_gemm.h"
#include "cpu/fast_ops.h"
#include "cpu/ref/quant.h"
#include "cpu/ref/ref_qparams.h"
#include "cpu/ref/ref_qwindow.h"
#include "error.h"
#include "ops/infer_qcommon.h"

/* Tiles of one task: a task packs them all, then sweeps the weights once over them, so a
 * block of weights is loaded into L1 once for this many tiles. */
#define TILES_PER_TASK 4
/* Padded planes larger than this take the GEMM path (scratch memory stays small). */
#define DW_PLANE_MAX ((size_t)16 << 20)

typedef struct qconv_op {
	eml_fast_op base;
	int depthwise;
	eml_window3 c;
	size_t batch, in_ch, out_ch, groups, cg, mg;
	size_t in_plane, out_plane;
	size_t work; /* MACs of one run */
	/* GEMM path */
	eml_fast_gemm *gemm; /* one per group */
	int pointwise;	     /* 1x1, stride 1, no padding: x rows are the input planes */
	size_t tiles, tiles_per_task, tile_groups, m_chunks, m_chunk;
	size_t staging, tile_bytes;
	/* depthwise path */
	eml_qdw_fn dw;
	int32_t *taps, *dw_bias;
	float *dw_mult;
	float zp, lo, hi;
	uint8_t flip, zx;
	size_t pad_w, pad_h;
} qconv_op;

/* One run's arguments for the task functions. */
typedef struct qconv_run {
	const qconv_op *op;
	const uint8_t *x;
	uint8_t *y;
	const eml_fast_env *env;
} qconv_run;

/* Frees the op and what it owns. */
static void qconv_destroy(eml_fast_op *base)
{
	qconv_op *op = (qconv_op *)base;
	if (op->gemm)
		for (size_t g = 0; g < op->groups; g++)
			eml_fast_gemm_free(&op->gemm[g]);
	free(op->gemm);
	free(op->taps);
	free(op->dw_bias);
	free(op->dw_mult);
	free(op);
}

/* Gathers the im2col rows of one input channel group for pixels [p0, p0 + nr) into dst
 * (K rows of stride bytes); positions in the padding get the zero point. */
static void im2col_tile(const qconv_op *op, const uint8_t *x, size_t p0, uint32_t nr,
			uint8_t *dst, size_t stride)
{
	const eml_window3 *c = &op->c;
	const int64_t ih = c->in[1], iw = c->in[2], ow = c->out[2];
	size_t k = 0;
	for (size_t ci = 0; ci < op->cg; ci++) {
		const uint8_t *plane = x + ci * op->in_plane;
		for (int64_t ky = 0; ky < c->k[1]; ky++) {
			for (int64_t kx = 0; kx < c->k[2]; kx++, k++) {
				uint8_t *d = dst + k * stride;
				for (uint32_t j = 0; j < nr;) {
					int64_t p = (int64_t)(p0 + j), oy = p / ow, ox = p % ow;
					uint32_t seg =
					    (uint32_t)(ow - ox < nr - j ? ow - ox : nr - j);
					int64_t iy = oy * c->stride[1] - c->pad_begin[1] +
						     ky * c->dil[1];
					if (iy < 0 || iy >= ih) {
						memset(d + j, op->zx, seg);
						j += seg;
						continue;
					}
					const uint8_t *row = plane + iy * iw;
					int64_t ix = ox * c->stride[2] - c->pad_begin[2] +
						     kx * c->dil[2];
					for (uint32_t t = 0; t < seg; t++, ix += c->stride[2])
						d[j + t] = ix >= 0 && ix < iw ? row[ix] : op->zx;
					j += seg;
				}
			}
		}
	}
}

/* A GEMM task: a group of up to TILES_PER_TASK pixel tiles of one image and group, for one
 * chunk of output channels. */
static void gemm_task(void *arg, uint32_t task, uint32_t thread)
{
	const qconv_run *r = arg;
	const qconv_op *op = r->op;
	const eml_qgemm_ukernel *uk = op->gemm[0].uk;
	size_t t = task, mc = t % op->m_chunks;
	t /= op->m_chunks;
	size_t tg = t % op->tile_groups;
	t /= op->tile_groups;
	size_t g = t % op->groups, n = t / op->groups;
	const eml_fast_gemm *gm = &op->gemm[g];
	size_t m0 = mc * op->m_chunk, m1 = m0 + op->m_chunk < op->mg ? m0 + op->m_chunk : op->mg;
	const uint8_t *x = r->x + (n * op->in_ch + g * op->cg) * op->in_plane;
	uint8_t *y = r->y + (n * op->out_ch + g * op->mg + m0) * op->out_plane;
	uint8_t *stage = r->env->scratch[thread];
	uint8_t *tiles = stage + op->staging;
	int32_t *xsum = (int32_t *)(tiles + op->tiles_per_task * op->tile_bytes);
	size_t first = tg * op->tiles_per_task;
	size_t last = first + op->tiles_per_task;
	last = last < op->tiles ? last : op->tiles;
	for (size_t ti = first; ti < last; ti++) {
		size_t p0 = ti * uk->nr;
		uint32_t nr = (uint32_t)(op->out_plane - p0 < uk->nr ? op->out_plane - p0 : uk->nr);
		uint8_t *tile = tiles + (ti - first) * op->tile_bytes;
		int32_t *xs = xsum + (ti - first) * uk->nr;
		const uint8_t *src = x + p0;
		size_t stride = op->in_plane;
		if (!op->pointwise) {
			im2col_tile(op, x, p0, nr, stage, uk->nr);
			src = stage;
			stride = uk->nr;
		}
		eml_pack_x(uk, src, stride, gm->k, nr, gm->flip, tile, gm->wzp ? xs : NULL);
	}
	for (size_t i = m0; i < m1; i += uk->mr) {
		uint32_t mr = m1 - i < uk->mr ? (uint32_t)(m1 - i) : uk->mr;
		const uint8_t *w = (const uint8_t *)gm->w + (i / uk->mr) * gm->w_block;
		for (size_t ti = first; ti < last; ti++) {
			size_t p0 = ti * uk->nr;
			uint32_t nr = (uint32_t)(op->out_plane - p0 < uk->nr ? op->out_plane - p0 :
									       uk->nr);
			uk->fn(mr, nr, gm->kq, w, tiles + (ti - first) * op->tile_bytes,
			       xsum + (ti - first) * uk->nr, y + (i - m0) * op->out_plane + p0,
			       op->out_plane, &gm->out, (uint32_t)i);
		}
	}
}

/* A depthwise task: one channel of one image. */
static void dw_task(void *arg, uint32_t task, uint32_t thread)
{
	const qconv_run *r = arg;
	const qconv_op *op = r->op;
	const eml_window3 *c = &op->c;
	size_t ch = task % op->in_ch, n = task / op->in_ch;
	const uint8_t *x = r->x + (n * op->in_ch + ch) * op->in_plane;
	uint8_t *pad = r->env->scratch[thread];
	size_t ih = (size_t)c->in[1], iw = (size_t)c->in[2];
	size_t top = (size_t)c->pad_begin[1], left = (size_t)c->pad_begin[2];
	memset(pad, op->zx ^ op->flip, op->pad_h * op->pad_w);
	const uint64_t flip8 = op->flip * 0x0101010101010101ull;
	for (size_t iy = 0; iy < ih; iy++) {
		uint8_t *d = pad + (iy + top) * op->pad_w + left;
		const uint8_t *s = x + iy * iw;
		size_t ix = 0;
		/* eight bytes at a time: this copy is a large part of a depthwise layer's work */
		for (; ix + 8 <= iw; ix += 8) {
			uint64_t v;
			memcpy(&v, s + ix, 8);
			v ^= flip8;
			memcpy(d + ix, &v, 8);
		}
		for (; ix < iw; ix++)
			d[ix] = s[ix] ^ op->flip;
	}
	size_t kvol = (size_t)(c->k[1] * c->k[2]);
	eml_qdw_args a = {
		.x = pad, .x_stride = op->pad_w,
		.oh = (uint32_t)c->out[1], .ow = (uint32_t)c->out[2],
		.kh = (uint32_t)c->k[1], .kw = (uint32_t)c->k[2],
		.sh = (uint32_t)c->stride[1], .sw = (uint32_t)c->stride[2],
		.taps = op->taps + ch * kvol, .bias = op->dw_bias[ch], .mult = op->dw_mult[ch],
		.zp = op->zp, .lo = op->lo, .hi = op->hi,
		.y = r->y + (n * op->out_ch + ch) * op->out_plane,
	};
	op->dw(&a);
}

/* Runs the node over the pool. */
static edgeml_status qconv_run_op(const eml_fast_op *base, const eml_kernel_ctx *ctx,
				  const eml_fast_env *env)
{
	const qconv_op *op = (const qconv_op *)base;
	qconv_run r = { op, ctx->in_data[0], ctx->out_data[0], env };
	eml_threadpool *pool = eml_fast_pool(env, op->work);
	if (op->depthwise)
		eml_threadpool_run(pool, dw_task, &r, (uint32_t)(op->batch * op->in_ch));
	else
		eml_threadpool_run(pool, gemm_task, &r,
				   (uint32_t)(op->batch * op->groups * op->tile_groups *
					      op->m_chunks));
	return EDGEML_OK;
}

/* The node's constant parameters, read once. */
typedef struct qconv_params {
	const float *xs, *ws, *ys;
	int64_t n_ws;
	int32_t x_zp, y_zp, lo, hi;
	const int32_t *bias;
} qconv_params;

/* Reads the parameters; returns 0 when one is unusable (the reference then reports it). */
static int read_params(const eml_kernel_ctx *ctx, qconv_params *p)
{
	int64_t n;
	for (uint32_t k = 1; k < ctx->node->n_inputs; k++)
		if (k != 3 && !eml_fast_input_constant(ctx, k))
			return 0;
	if (!(ctx->in[3]->flags & EML_TF_CONSTANT) || !ctx->in_data[3])
		return 0;
	if (eml_q_scales(ctx, 1, &p->xs, &n) != EDGEML_OK ||
	    eml_q_scales(ctx, 4, &p->ws, &p->n_ws) != EDGEML_OK ||
	    eml_q_scales(ctx, 6, &p->ys, &n) != EDGEML_OK)
		return 0;
	p->x_zp = eml_q_zero_point(ctx, 2, 0);
	p->y_zp = eml_q_zero_point(ctx, 7, 0);
	eml_q_output_range(ctx, ctx->out[0]->dtype, p->ys[0], p->y_zp, &p->lo, &p->hi);
	p->bias = ctx->node->n_inputs > 8 ? ctx->in_data[8] : NULL;
	return 1;
}

/* The reference's multiplier of output channel m. */
static float channel_mult(const qconv_params *p, size_t m)
{
	return p->xs[0] * p->ws[p->n_ws == 1 ? 0 : m] / p->ys[0];
}

/* Prepares the depthwise path: taps minus zero point, folded bias, padded-plane size. */
static edgeml_status prepare_dw(qconv_op *op, const eml_kernel_ctx *ctx, const qconv_params *p,
				eml_qdw_fn dw)
{
	const eml_window3 *c = &op->c;
	const uint8_t *w = ctx->in_data[3];
	int w_signed = ctx->in[3]->dtype == EDGEML_DTYPE_INT8;
	int x_signed = ctx->in[0]->dtype == EDGEML_DTYPE_INT8;
	size_t kvol = (size_t)(c->k[1] * c->k[2]);
	op->dw = dw;
	op->taps = calloc(op->in_ch * kvol, sizeof(int32_t));
	op->dw_bias = calloc(op->in_ch, sizeof(int32_t));
	op->dw_mult = calloc(op->in_ch, sizeof(float));
	if (!op->taps || !op->dw_bias || !op->dw_mult)
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for depthwise weights");
	/* The kernels read uint8: int8 x moves there by XOR 0x80, its zero point by +128. */
	op->flip = x_signed ? 0x80 : 0;
	op->zx = (uint8_t)p->x_zp;
	int32_t zx = p->x_zp + (x_signed ? 128 : 0);
	for (size_t ch = 0; ch < op->in_ch; ch++) {
		int32_t zw = eml_q_zero_point(ctx, 5, (int64_t)ch);
		uint32_t sum = 0;
		for (size_t t = 0; t < kvol; t++) {
			uint8_t b = w[ch * kvol + t];
			int32_t v = (w_signed ? (int8_t)b : b) - zw;
			op->taps[ch * kvol + t] = v;
			sum += (uint32_t)v;
		}
		uint32_t b0 = p->bias ? (uint32_t)p->bias[ch] : 0;
		op->dw_bias[ch] = (int32_t)(b0 - (uint32_t)zx * sum);
		op->dw_mult[ch] = channel_mult(p, ch);
	}
	op->zp = (float)p->y_zp;
	op->lo = (float)p->lo;
	op->hi = (float)p->hi;
	op->base.scratch = op->pad_h * op->pad_w + 64;
	return EDGEML_OK;
}

/* Prepares the GEMM path: packs each group's weights and sizes the task split. */
static edgeml_status prepare_gemm(qconv_op *op, const eml_kernel_ctx *ctx, const qconv_params *p,
				  const eml_qgemm_ukernel *uk, uint32_t threads)
{
	const eml_window3 *c = &op->c;
	size_t kvol = (size_t)(c->k[1] * c->k[2]), k = op->cg * kvol;
	op->gemm = calloc(op->groups, sizeof(*op->gemm));
	int32_t *wzp = calloc(op->mg, sizeof(int32_t));
	float *mult = calloc(op->mg, sizeof(float));
	edgeml_status st = EDGEML_OK;
	if (!op->gemm || !wzp || !mult)
		st = eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for convolution weights");
	for (size_t g = 0; st == EDGEML_OK && g < op->groups; g++) {
		for (size_t i = 0; i < op->mg; i++) {
			wzp[i] = eml_q_zero_point(ctx, 5, (int64_t)(g * op->mg + i));
			mult[i] = channel_mult(p, g * op->mg + i);
		}
		eml_fast_gemm_desc d = {
			.w = (const uint8_t *)ctx->in_data[3] + g * op->mg * k,
			.w_signed = ctx->in[3]->dtype == EDGEML_DTYPE_INT8,
			.m = op->mg, .k = k, .row_stride = k, .k_stride = 1,
			.wzp = wzp, .bias = p->bias ? p->bias + g * op->mg : NULL, .mult = mult,
			.x_signed = ctx->in[0]->dtype == EDGEML_DTYPE_INT8, .x_zp = p->x_zp,
			.y_zp = p->y_zp, .lo = p->lo, .hi = p->hi,
		};
		st = eml_fast_gemm_init(&op->gemm[g], uk, &d);
	}
	free(wzp);
	free(mult);
	if (st != EDGEML_OK)
		return st;
	op->pointwise = kvol == 1 && c->stride[1] == 1 && c->stride[2] == 1 &&
			c->pad_begin[1] == 0 && c->pad_begin[2] == 0 && c->out[1] == c->in[1] &&
			c->out[2] == c->in[2];
	op->tiles = op->out_plane / uk->nr + (op->out_plane % uk->nr != 0);
	/* Enough tasks for every thread, else whole groups of tiles per task. */
	size_t per_image = op->batch * op->groups;
	op->tiles_per_task = TILES_PER_TASK;
	while (op->tiles_per_task > 1 &&
	       per_image * ((op->tiles + op->tiles_per_task - 1) / op->tiles_per_task) <
		       2 * (size_t)threads)
		op->tiles_per_task /= 2;
	op->tile_groups = (op->tiles + op->tiles_per_task - 1) / op->tiles_per_task;
	size_t blocks = op->mg / uk->mr + (op->mg % uk->mr != 0);
	op->m_chunks = 1;
	while (threads > 1 && op->m_chunks < blocks &&
	       per_image * op->tile_groups * op->m_chunks < 2 * (size_t)threads)
		op->m_chunks++;
	op->m_chunk = (blocks + op->m_chunks - 1) / op->m_chunks * uk->mr;
	op->m_chunks = (op->mg + op->m_chunk - 1) / op->m_chunk;
	op->tile_bytes = eml_fast_gemm_tile_bytes(&op->gemm[0]);
	op->staging = op->pointwise ? 0 : (k * uk->nr + 63) / 64 * 64;
	op->base.kernel = uk->name;
	op->base.scratch = op->staging + op->tiles_per_task * (op->tile_bytes + uk->nr * 4);
	return EDGEML_OK;
}

edgeml_status eml_fast_qconv_prepare(const eml_kernel_ctx *ctx, eml_isa isa, uint32_t threads,
				     eml_fast_op **out)
{
	const eml_tensor *tx = ctx->in[0], *tw = ctx->in[3], *ty = ctx->out[0];
	const eml_qgemm_ukernel *uk = eml_qgemm_ukernel_for(isa);
	eml_qdw_fn dw = eml_qdw_ukernel_for(isa);
	eml_qconv_shape s;
	qconv_params p;
	int is8 = (tx->dtype == EDGEML_DTYPE_INT8 || tx->dtype == EDGEML_DTYPE_UINT8) &&
		  (tw->dtype == EDGEML_DTYPE_INT8 || tw->dtype == EDGEML_DTYPE_UINT8) &&
		  (ty->dtype == EDGEML_DTYPE_INT8 || ty->dtype == EDGEML_DTYPE_UINT8);
	if (!uk || !is8 || eml_qconv_shape_of(ctx->node, tx, tw, &s) != EDGEML_OK ||
	    s.g.n_spatial > 2 || !read_params(ctx, &p))
		return EDGEML_OK;
	qconv_op *op = calloc(1, sizeof(*op));
	if (!op)
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for a convolution");
	op->base.run = qconv_run_op;
	op->base.destroy = qconv_destroy;
	eml_window3_of(&s.g, &op->c);
	const eml_window3 *c = &op->c;
	op->batch = (size_t)s.batch;
	op->in_ch = (size_t)s.in_ch;
	op->out_ch = (size_t)s.out_ch;
	op->groups = (size_t)s.group;
	op->cg = op->in_ch / op->groups;
	op->mg = op->out_ch / op->groups;
	op->in_plane = (size_t)(c->in[1] * c->in[2]);
	op->out_plane = (size_t)(c->out[1] * c->out[2]);
	op->pad_h = (size_t)(c->in[1] + c->pad_begin[1] + c->pad_end[1]);
	op->pad_w = (size_t)(c->in[2] + c->pad_begin[2] + c->pad_end[2]);
	op->zx = (uint8_t)p.x_zp;
	op->work = op->batch * op->out_ch * op->out_plane * op->cg * (size_t)(c->k[1] * c->k[2]);
	op->depthwise = dw && op->cg == 1 && op->mg == 1 && c->dil[1] == 1 && c->dil[2] == 1 &&
			c->stride[1] <= 2 && c->stride[2] <= 2 && op->pad_w <= DW_PLANE_MAX &&
			op->pad_h <= DW_PLANE_MAX / op->pad_w;
	edgeml_status st;
	if (op->depthwise) {
		op->base.kernel = "qs8-dwconv";
		st = prepare_dw(op, ctx, &p, dw);
	} else {
		st = prepare_gemm(op, ctx, &p, uk, threads);
	}
	if (st != EDGEML_OK) {
		qconv_destroy(&op->base);
		return st;
	}
	*out = &op->base;
	return EDGEML_OK;
}
