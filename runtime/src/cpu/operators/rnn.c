/*
 * rnn.c — LSTM and GRU on the fast path. The reference (ref_rnn.c) sums every gate's
 * pre-activation in double, one row at a time: a chain of dependent adds per row. This
 * operator keeps each row's sum and its order (0.0, then (double)x[k] * w[k] for k = 0, 1,
 * ...: a product of two floats is exact in double, so there is nothing to contract) but
 * runs many rows side by side: W and R are transposed once at prepare to [k][rows], the
 * input terms of all time steps are summed before the recurrence starts, and each step sums
 * only H (.) R^T. The gates are the reference's own code (ref/rnn_cell.h). Bit-identical to
 * the reference, so it also runs under EDGEML_SESSION_EXACT_FLOAT. Batch items and
 * directions are independent: one task each.
 *
 * Off EDGEML_SESSION_EXACT_FLOAT the gates' sigmoid and tanh (libm's expf and tanhf one unit
 * at a time in the reference) run over whole gate vectors with the level's kernels
 * (f32_vmath.h); where the level also has an f32_rows kernel, the whole step is in float
 * (rnn_task_f32): the sums one fmaf per term in the same order, 8 lanes a vector instead of
 * 4 in double, the biases folded into the input sums, the gate arithmetic on float vectors.
 * Within the float tolerance of docs/ops.md, not bit-identical.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/kernels.h"
#include "cpu/operators/operators.h"
#include "cpu/ref/rnn_cell.h"
#include "error.h"
#include "ops/ops.h"

typedef struct rnn_op {
	eml_fast_op base;
	eml_rnn_params p;
	uint32_t gates; /* 4: LSTM, 3: GRU */
	eml_f32_rows_f64_fn rows; /* the level's sums in double, or NULL: rows_c */
	eml_f32_rows_fn rows32;	  /* the sums in float (off exact float), or NULL */
	/* the gate activations on vectors, or NULL: the reference's (exact float) */
	eml_f32_vunary_fn vsigmoid, vtanh;
	/* the float path's element-wise steps on the level's binary kernels, or NULL: loops */
	const eml_f32_vbinary_fn (*vbin)[EML_F32_FORMS];
	float *wt;	/* [dirs][input][gates * hidden] */
	float *rt;	/* [dirs][hidden][gates * hidden] */
} rnn_op;

typedef struct rnn_task_run {
	const rnn_op *op;
	const eml_kernel_ctx *ctx;
	const float *x, *b, *h0, *c0, *peep;
	const int32_t *lens;
	float *y, *yh, *yc;
	const eml_fast_env *env;
} rnn_task_run;

static void rnn_destroy(eml_fast_op *base)
{
	rnn_op *op = (rnn_op *)base;
	free(op->wt);
	free(op->rt);
	free(op);
}

/* acc[j] = sum over k of (double)v[k] * wt[k * ld + j], k in order, for j < n; rows in
 * blocks of 8 kept in registers. */
static void rows_c(const float *v, const float *wt, size_t kn, size_t ld, size_t n,
		   double *acc)
{
	size_t j = 0;
	for (; j + 8 <= n; j += 8) {
		double s[8] = { 0.0 };
		for (size_t k = 0; k < kn; k++) {
			double a = v[k];
			const float *w = wt + k * ld + j;
			for (int u = 0; u < 8; u++)
				s[u] += a * w[u];
		}
		memcpy(acc + j, s, sizeof(s));
	}
	for (; j < n; j++) {
		double s = 0.0;
		for (size_t k = 0; k < kn; k++)
			s += (double)v[k] * wt[k * ld + j];
		acc[j] = s;
	}
}

static void proj(const rnn_op *op, const float *v, const float *wt, int64_t kn, int64_t ld,
		 int64_t n, double *acc)
{
	(op->rows ? op->rows : rows_c)(v, wt, (size_t)kn, (size_t)ld, (size_t)n, acc);
}

static int64_t state_at(const eml_rnn_params *p, uint32_t d, int64_t b)
{
	return (p->layout ? b * p->dirs + d : d * p->batch + b) * p->hidden;
}

static float *y_at(const rnn_task_run *r, int64_t t, uint32_t d, int64_t b)
{
	const eml_rnn_params *p = &r->op->p;
	int64_t i = p->layout ? (b * p->seq + t) * p->dirs + d : (t * p->dirs + d) * p->batch + b;
	return r->y + i * p->hidden;
}

/* One LSTM step on gate vectors: xt, hr the pre-activations' sums (hr's o rows are
 * overwritten); g is 5H floats of scratch; h, c in, hn, c out. The reference's arithmetic
 * (ref/rnn_cell.h) but for the activations. */
static void lstm_step_vec(const rnn_op *op, const double *xt, double *hr, const float *wb,
			  const float *pp, float *c, float *hn, float *g)
{
	const eml_rnn_params *p = &op->p;
	int64_t H = p->hidden;
	float *gi = g, *gf = g + H, *gc = g + 2 * H, *go = g + 3 * H, *tc = g + 4 * H;
	for (int64_t j = 0; j < H; j++) {
		double pre[4];
		for (int k = 0; k < 4; k++)
			pre[k] = xt[k * H + j] + hr[k * H + j];
		eml_lstm_bias(p, pre, wb, j);
		if (pp) {
			pre[0] += (double)pp[j] * c[j];
			pre[2] += (double)pp[2 * H + j] * c[j];
		}
		gi[j] = eml_rnn_clip(p, pre[0]);
		gf[j] = eml_rnn_clip(p, pre[2]);
		gc[j] = eml_rnn_clip(p, pre[3]);
		hr[H + j] = pre[1];
	}
	op->vsigmoid((size_t)(p->input_forget ? H : 2 * H), gi, gi);
	if (p->input_forget)
		for (int64_t j = 0; j < H; j++)
			gf[j] = 1.0f - gi[j];
	op->vtanh((size_t)H, gc, gc);
	for (int64_t j = 0; j < H; j++) {
		c[j] = gf[j] * c[j] + gi[j] * gc[j];
		double po = hr[H + j];
		if (pp)
			po += (double)pp[H + j] * c[j];
		go[j] = eml_rnn_clip(p, po);
	}
	op->vsigmoid((size_t)H, go, go);
	op->vtanh((size_t)H, c, tc);
	for (int64_t j = 0; j < H; j++)
		hn[j] = go[j] * tc[j];
}

/* The float path's clip: as eml_rnn_clip on a float (a NaN passes). */
static void clip_f32(const eml_rnn_params *p, float *v, int64_t n)
{
	float cl = p->clip;
	for (int64_t j = 0; j < n; j++)
		v[j] = v[j] < -cl ? -cl : v[j] > cl ? cl : v[j];
}

/* lstm_step_f32 without peepholes on the level's binary kernels (a few calls a step
 * instead of scalar loops: kws_lstm's 49 steps of 64 units spent a third of the node in
 * them). The same float operations on every element: x + xt, then the clip, over all four
 * gates at once (o's clip, after its peephole there, is the same clip: there is none, and
 * clipping twice is clipping once); gf * c + gi * gc as two products and a sum, as the loop
 * without contraction rounds it. Bit-identical to the loops. */
static void lstm_step_vbin(const rnn_op *op, const float *xt, float *pre, float *c, float *hn,
			   float *tc)
{
	const eml_rnn_params *p = &op->p;
	size_t H = (size_t)p->hidden;
	float *gi = pre, *go = pre + H, *gf = pre + 2 * H, *gc = pre + 3 * H;
	eml_f32_vbinary_fn add = op->vbin[EML_F32_ADD][EML_F32_VV];
	eml_f32_vbinary_fn mul = op->vbin[EML_F32_MUL][EML_F32_VV];
	add(4 * H, pre, xt, pre, -p->clip, p->clip);
	op->vsigmoid(H, gi, gi);
	if (p->input_forget)
		for (size_t j = 0; j < H; j++)
			gf[j] = 1.0f - gi[j];
	else
		op->vsigmoid(H, gf, gf);
	op->vtanh(H, gc, gc);
	mul(H, gi, gc, gi, -INFINITY, INFINITY);
	mul(H, gf, c, gf, -INFINITY, INFINITY);
	add(H, gf, gi, c, -INFINITY, INFINITY);
	op->vsigmoid(H, go, go);
	op->vtanh(H, c, tc);
	mul(H, go, tc, hn, -INFINITY, INFINITY);
}

/* One LSTM step in float (off exact float, with the float sums): xt the input sums with
 * both biases, pre the recurrent sums (4H, overwritten by the gates), c in and out, hn out,
 * tc H floats of scratch. The reference's steps on whole gate vectors, each rounded to
 * float. */
static void lstm_step_f32(const rnn_op *op, const float *xt, float *pre, const float *pp,
			  float *c, float *hn, float *tc)
{
	const eml_rnn_params *p = &op->p;
	int64_t H = p->hidden;
	float *gi = pre, *go = pre + H, *gf = pre + 2 * H, *gc = pre + 3 * H;
	if (op->vbin && !pp) {
		lstm_step_vbin(op, xt, pre, c, hn, tc);
		return;
	}
	for (int64_t j = 0; j < 4 * H; j++)
		pre[j] += xt[j];
	if (pp)
		for (int64_t j = 0; j < H; j++) {
			gi[j] += pp[j] * c[j];
			gf[j] += pp[2 * H + j] * c[j];
		}
	clip_f32(p, gi, H);
	clip_f32(p, gf, 2 * H); /* f and c */
	op->vsigmoid((size_t)H, gi, gi);
	if (p->input_forget)
		for (int64_t j = 0; j < H; j++)
			gf[j] = 1.0f - gi[j];
	else
		op->vsigmoid((size_t)H, gf, gf);
	op->vtanh((size_t)H, gc, gc);
	for (int64_t j = 0; j < H; j++)
		c[j] = gf[j] * c[j] + gi[j] * gc[j];
	if (pp)
		for (int64_t j = 0; j < H; j++)
			go[j] += pp[H + j] * c[j];
	clip_f32(p, go, H);
	op->vsigmoid((size_t)H, go, go);
	op->vtanh((size_t)H, c, tc);
	for (int64_t j = 0; j < H; j++)
		hn[j] = go[j] * tc[j];
}

/* One GRU step in float: xt the input sums with the biases folded in (all but the
 * candidate's recurrent bias under linear_before_reset: rbh), rec 3H floats of scratch for
 * the recurrent sums, h the state, hn out, v H floats of scratch. */
static void gru_step_f32(const rnn_op *op, const float *xt, const float *rt, const float *rbh,
			 const float *h, float *rec, float *hn, float *v)
{
	const eml_rnn_params *p = &op->p;
	int64_t H = p->hidden, GH = 3 * H;
	int lbr = p->linear_before_reset != 0;
	float *z = rec, *r = rec + H, *hh = rec + 2 * H;
	op->rows32(h, rt, (size_t)H, (size_t)GH, (size_t)(lbr ? GH : 2 * H), rec);
	for (int64_t j = 0; j < 2 * H; j++)
		rec[j] += xt[j];
	clip_f32(p, rec, 2 * H);
	op->vsigmoid((size_t)(2 * H), rec, rec);
	if (lbr) {
		for (int64_t j = 0; j < H; j++)
			hh[j] = xt[2 * H + j] + r[j] * (hh[j] + (rbh ? rbh[j] : 0.0f));
	} else {
		for (int64_t j = 0; j < H; j++)
			v[j] = r[j] * h[j];
		op->rows32(v, rt + 2 * H, (size_t)H, (size_t)GH, (size_t)H, hh);
		for (int64_t j = 0; j < H; j++)
			hh[j] += xt[2 * H + j];
	}
	clip_f32(p, hh, H);
	op->vtanh((size_t)H, hh, hh);
	for (int64_t j = 0; j < H; j++)
		hn[j] = eml_gru_mix(hh[j], z[j], h[j]);
}

/* The float path's input sums of all steps, xw[t * GH + j], with the biases folded in
 * (Wb + Rb summed in float, but a GRU candidate's Rb under linear_before_reset). */
static void input_sums_f32(const rnn_task_run *r, uint32_t d, int64_t b, int64_t len,
			   float *xw, float *bs)
{
	const rnn_op *op = r->op;
	const eml_rnn_params *p = &op->p;
	int64_t H = p->hidden, I = p->input, GH = op->gates * H;
	const float *wt = op->wt + d * I * GH;
	const float *wb = r->b ? r->b + d * 2 * GH : NULL;
	int skip_rbh = op->gates == 3 && p->linear_before_reset;
	/* the biases each sum adds (bs: GH floats of scratch), summed once */
	for (int64_t j = 0; wb && j < GH; j++)
		bs[j] = skip_rbh && j >= 2 * H ? wb[j] : wb[j] + wb[GH + j];
	for (int64_t t = 0; t < len; t++) {
		int64_t xi = p->layout ? b * p->seq + t : t * p->batch + b;
		float *acc = xw + t * GH;
		op->rows32(r->x + xi * I, wt, (size_t)I, (size_t)GH, (size_t)GH, acc);
		if (!wb)
			continue;
		if (op->vbin)
			op->vbin[EML_F32_ADD][EML_F32_VV]((size_t)GH, acc, bs, acc, -INFINITY,
							  INFINITY);
		else
			for (int64_t j = 0; j < GH; j++)
				acc[j] += bs[j];
	}
}

/* One batch item in one direction, in float (op->rows32 and the vector gates). */
static void rnn_task_f32(const rnn_task_run *r, uint32_t d, int64_t b, uint32_t thread)
{
	const rnn_op *op = r->op;
	const eml_rnn_params *p = &op->p;
	int64_t H = p->hidden, GH = op->gates * H;
	int64_t len = r->lens ? r->lens[b] : p->seq;
	int rev = p->reverse || d == 1;
	float *xw = (float *)r->env->scratch[thread], *pre = xw + p->seq * GH;
	float *h = pre + GH, *hn = h + H, *c = hn + H, *tv = c + H;
	const float *rt = op->rt + d * H * GH;
	const float *pp = r->peep ? r->peep + d * 3 * H : NULL;
	const float *rbh = r->b && op->gates == 3 ? r->b + d * 2 * GH + GH + 2 * H : NULL;
	int64_t so = state_at(p, d, b);
	for (int64_t j = 0; j < H; j++) {
		h[j] = r->h0 ? r->h0[so + j] : 0.0f;
		c[j] = r->c0 ? r->c0[so + j] : 0.0f;
	}
	input_sums_f32(r, d, b, len, xw, tv + H);
	for (int64_t s = 0; s < len; s++) {
		int64_t t = rev ? len - 1 - s : s;
		if (op->gates == 4) {
			op->rows32(h, rt, (size_t)H, (size_t)GH, (size_t)GH, pre);
			lstm_step_f32(op, xw + t * GH, pre, pp, c, hn, tv);
		} else {
			gru_step_f32(op, xw + t * GH, rt, rbh, h, pre, hn, tv);
		}
		memcpy(h, hn, (size_t)H * sizeof(float));
		if (r->y)
			memcpy(y_at(r, t, d, b), h, (size_t)H * sizeof(float));
	}
	if (r->y)
		for (int64_t t = len; t < p->seq; t++)
			memset(y_at(r, t, d, b), 0, (size_t)H * sizeof(float));
	if (r->yh)
		memcpy(r->yh + so, h, (size_t)H * sizeof(float));
	if (r->yc)
		memcpy(r->yc + so, c, (size_t)H * sizeof(float));
}

/* One batch item in one direction. */
static void rnn_task(void *arg, uint32_t task, uint32_t thread)
{
	const rnn_task_run *r = arg;
	const rnn_op *op = r->op;
	const eml_rnn_params *p = &op->p;
	uint32_t d = task % p->dirs, G = op->gates;
	int64_t b = task / p->dirs, H = p->hidden, I = p->input, GH = G * H;
	if (op->rows32) {
		rnn_task_f32(r, d, b, thread);
		return;
	}
	int64_t len = r->lens ? r->lens[b] : p->seq;
	int rev = p->reverse || d == 1;
	double *xw = (double *)r->env->scratch[thread], *hr = xw + p->seq * GH;
	float *h = (float *)(hr + GH), *hn = h + H, *c = hn + H, *z = c + H, *rh = z + H,
	      *v = rh + H, *gv = v + H;
	const float *wt = op->wt + d * I * GH, *rt = op->rt + d * H * GH;
	const float *wb = r->b ? r->b + d * 2 * GH : NULL;
	const float *pp = r->peep ? r->peep + d * 3 * H : NULL;
	int64_t so = state_at(p, d, b);
	for (int64_t j = 0; j < H; j++) {
		h[j] = r->h0 ? r->h0[so + j] : 0.0f;
		c[j] = r->c0 ? r->c0[so + j] : 0.0f;
	}
	for (int64_t t = 0; t < len; t++) {
		int64_t xi = p->layout ? b * p->seq + t : t * p->batch + b;
		proj(op, r->x + xi * I, wt, I, GH, GH, xw + t * GH);
	}
	for (int64_t s = 0; s < len; s++) {
		int64_t t = rev ? len - 1 - s : s;
		const double *xt = xw + t * GH;
		if (G == 4 && op->vsigmoid) {
			proj(op, h, rt, H, GH, GH, hr);
			lstm_step_vec(op, xt, hr, wb, pp, c, hn, gv);
		} else if (G == 4) {
			proj(op, h, rt, H, GH, GH, hr);
			for (int64_t j = 0; j < H; j++) {
				double pre[4];
				for (int g = 0; g < 4; g++)
					pre[g] = xt[g * H + j] + hr[g * H + j];
				hn[j] = eml_lstm_cell(p, pre, wb, pp, j, &c[j]);
			}
		} else {
			/* z and r from rows [0, 2H); without linear_before_reset the candidate's
			 * rows read r (.) h, known only after r */
			int lbr = p->linear_before_reset != 0;
			proj(op, h, rt, H, GH, lbr ? GH : 2 * H, hr);
			if (op->vsigmoid) {
				/* z and rh are adjacent: one call for both */
				for (int64_t j = 0; j < H; j++)
					eml_gru_zr_pre(p, xt[j] + hr[j], xt[H + j] + hr[H + j], wb,
						       j, &z[j], &rh[j]);
				op->vsigmoid((size_t)(2 * H), z, z);
			} else {
				for (int64_t j = 0; j < H; j++)
					eml_gru_zr(p, xt[j] + hr[j], xt[H + j] + hr[H + j], wb, j,
						   &z[j], &rh[j]);
			}
			if (!lbr) {
				for (int64_t k = 0; k < H; k++)
					v[k] = rh[k] * h[k];
				proj(op, v, rt + 2 * H, H, GH, H, hr + 2 * H);
			}
			if (op->vtanh) {
				for (int64_t j = 0; j < H; j++)
					gv[j] = eml_gru_h_pre(p, xt[2 * H + j], hr[2 * H + j], wb, j,
							     rh[j]);
				op->vtanh((size_t)H, gv, gv);
				for (int64_t j = 0; j < H; j++)
					hn[j] = eml_gru_mix(gv[j], z[j], h[j]);
			} else {
				for (int64_t j = 0; j < H; j++)
					hn[j] = eml_gru_h(p, xt[2 * H + j], hr[2 * H + j], wb, j,
							  rh[j], z[j], h[j]);
			}
		}
		memcpy(h, hn, (size_t)H * sizeof(float));
		if (r->y)
			memcpy(y_at(r, t, d, b), h, (size_t)H * sizeof(float));
	}
	if (r->y)
		for (int64_t t = len; t < p->seq; t++)
			memset(y_at(r, t, d, b), 0, (size_t)H * sizeof(float));
	if (r->yh)
		memcpy(r->yh + so, h, (size_t)H * sizeof(float));
	if (r->yc)
		memcpy(r->yc + so, c, (size_t)H * sizeof(float));
}

static const void *opt_in(const eml_kernel_ctx *ctx, uint32_t k)
{
	return k < ctx->node->n_inputs ? ctx->in_data[k] : NULL;
}

static void *opt_out(const eml_kernel_ctx *ctx, uint32_t k)
{
	return k < ctx->node->n_outputs ? ctx->out_data[k] : NULL;
}

static edgeml_status rnn_run_op(const eml_fast_op *base, const eml_kernel_ctx *ctx,
				const eml_fast_env *env)
{
	const rnn_op *op = (const rnn_op *)base;
	const eml_rnn_params *p = &op->p;
	rnn_task_run r = { .op = op, .ctx = ctx, .x = ctx->in_data[0], .b = opt_in(ctx, 3),
			   .lens = opt_in(ctx, 4), .h0 = opt_in(ctx, 5), .y = opt_out(ctx, 0),
			   .yh = opt_out(ctx, 1), .env = env };
	if (op->gates == 4) {
		r.c0 = opt_in(ctx, 6);
		r.peep = opt_in(ctx, 7);
		r.yc = opt_out(ctx, 2);
	}
	for (int64_t b = 0; r.lens && b < p->batch; b++)
		if (r.lens[b] < 0 || r.lens[b] > p->seq)
			return eml_error(EDGEML_ERR_INVALID_ARGUMENT, "sequence_lens[%lld] = %lld "
					 "is outside [0, %lld]", (long long)b,
					 (long long)r.lens[b], (long long)p->seq);
	size_t work = (size_t)(p->seq * p->batch * p->dirs * op->gates * p->hidden *
			       (p->input + p->hidden));
	eml_threadpool_run(eml_fast_pool(env, work), rnn_task, &r,
			   (uint32_t)(p->batch * p->dirs));
	return EDGEML_OK;
}

/* [dirs][rows][k] -> [dirs][k][rows], on a cache line: the sums read runs of 64 floats
 * (a 256-wide LSTM's R is 64 KiB, past L1, streamed from L2 every step), and a vector load
 * that straddles two lines costs both (kws_lstm: 64 -> 57 us a run) */
static float *transposed(const float *m, int64_t dirs, int64_t rows, int64_t k)
{
	size_t bytes = (size_t)(dirs * rows * k) * sizeof(float);
	float *t = aligned_alloc(64, (bytes + 63) / 64 * 64);
	if (!t)
		return NULL;
	for (int64_t d = 0; d < dirs; d++)
		for (int64_t i = 0; i < rows; i++)
			for (int64_t j = 0; j < k; j++)
				t[(d * k + j) * rows + i] = m[(d * rows + i) * k + j];
	return t;
}

edgeml_status eml_fast_rnn_prepare(const eml_kernel_ctx *ctx, eml_isa isa, uint32_t threads,
				   int exact_float, eml_fast_op **out)
{
	(void)threads;
	const eml_node *n = ctx->node;
	uint32_t gates = n->op == EML_OP_LSTM ? 4 : 3;
	eml_op_params tmp;
	const eml_op_params *prm;
	if ((n->op != EML_OP_LSTM && n->op != EML_OP_GRU) || !eml_fast_input_constant(ctx, 1) ||
	    !eml_fast_input_constant(ctx, 2) || n->inputs[1] == EML_NO_TENSOR ||
	    n->inputs[2] == EML_NO_TENSOR ||
	    eml_node_params(NULL, n, ctx->in, &tmp, &prm) != EDGEML_OK)
		return EDGEML_OK; /* the reference runs it, or reports what is wrong */
	eml_rnn_params p = prm->rnn;
	for (uint32_t k = 0; k < n->n_inputs; k++)
		if (n->inputs[k] != EML_NO_TENSOR && k != 4 &&
		    ctx->in[k]->dtype != EDGEML_DTYPE_FLOAT32)
			return EDGEML_OK;
	if (p.seq <= 0 || p.batch <= 0 || p.hidden <= 0 || p.input <= 0 ||
	    (uint64_t)p.batch * p.dirs > UINT32_MAX)
		return EDGEML_OK;
	rnn_op *op = calloc(1, sizeof(*op));
	if (!op)
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for a recurrent layer");
	op->base.run = rnn_run_op;
	op->base.destroy = rnn_destroy;
	const eml_cpu_kernels *kt = eml_cpu_kernels_for(isa);
	op->rows = kt->f32_rows_f64;
	op->base.kernel = op->rows ? kt->f32_rows_f64_name : "f32-rows-f64-c";
	if (!exact_float && kt->f32_vsigmoid && kt->f32_vtanh) {
		op->vsigmoid = kt->f32_vsigmoid;
		op->vtanh = kt->f32_vtanh;
	}
	/* the float path wants the vector gates too */
	if (!exact_float && kt->f32_rows && op->vsigmoid) {
		op->rows32 = kt->f32_rows;
		op->vbin = kt->f32_vbinary;
		op->base.kernel = kt->f32_rows_name;
	}
	op->p = p;
	op->gates = gates;
	op->wt = transposed(ctx->in_data[1], p.dirs, gates * p.hidden, p.input);
	op->rt = transposed(ctx->in_data[2], p.dirs, gates * p.hidden, p.hidden);
	if (!op->wt || !op->rt) {
		rnn_destroy(&op->base);
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for a recurrent layer");
	}
	int64_t GH = gates * p.hidden;
	op->base.scratch = (size_t)((p.seq + 1) * GH) * sizeof(double) +
			   (size_t)(11 * p.hidden) * sizeof(float); /* the float path's fits */
	*out = &op->base;
	return EDGEML_OK;
}
