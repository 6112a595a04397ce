/*
 * ref_rnn.c — reference LSTM and GRU (float32) as ONNX defines them. Batch items are
 * independent, so each runs on its own through the sequence, one direction after the
 * other, with its state vectors on the stack (at most EML_RNN_MAX_HIDDEN each). Every gate
 * pre-activation is summed in double (input terms, recurrent terms, then the biases) and
 * rounded once.
 */
#include "cpu/ref/ref_util.h"
#include "cpu/ref/rnn_cell.h"
#include "error.h"
#include "ops/rnn_params.h"

/* The layout-dependent pieces of one run. */
typedef struct rnn_run {
	const eml_rnn_params *p;
	const float *x, *w, *r, *b, *h0, *c0, *peep;
	const int32_t *lens;
	float *y, *yh, *yc;
} rnn_run;

/* Dot product of n floats in double. */
static double dot(const float *a, const float *b, int64_t n)
{
	double s = 0.0;
	for (int64_t k = 0; k < n; k++)
		s += (double)a[k] * b[k];
	return s;
}

static const float *x_at(const rnn_run *q, int64_t t, int64_t b)
{
	const eml_rnn_params *p = q->p;
	return q->x + (p->layout ? b * p->seq + t : t * p->batch + b) * p->input;
}

static float *y_at(const rnn_run *q, int64_t t, uint32_t d, int64_t b)
{
	const eml_rnn_params *p = q->p;
	int64_t i = p->layout ? (b * p->seq + t) * p->dirs + d : (t * p->dirs + d) * p->batch + b;
	return q->y + i * p->hidden;
}

/* Offset of the [dirs, batch, hidden] (layout 1: [batch, dirs, hidden]) state of (d, b). */
static int64_t state_at(const eml_rnn_params *p, uint32_t d, int64_t b)
{
	return (p->layout ? b * p->dirs + d : d * p->batch + b) * p->hidden;
}

/* The sequence length of batch item b, checked against the data. */
static edgeml_status seq_len(const rnn_run *q, int64_t b, int64_t *len)
{
	*len = q->p->seq;
	if (!q->lens)
		return EDGEML_OK;
	int64_t v = q->lens[b];
	if (v < 0 || v > q->p->seq)
		return eml_error(EDGEML_ERR_INVALID_ARGUMENT, "sequence_lens[%lld] = %lld is "
				 "outside [0, %lld]", (long long)b, (long long)v,
				 (long long)q->p->seq);
	*len = v;
	return EDGEML_OK;
}

/* Writes zeros to Y for the steps past a batch item's length. */
static void zero_tail(const rnn_run *q, uint32_t d, int64_t b, int64_t len)
{
	if (!q->y)
		return;
	for (int64_t t = len; t < q->p->seq; t++)
		memset(y_at(q, t, d, b), 0, (size_t)q->p->hidden * sizeof(float));
}

/* One direction of one LSTM batch item; gates i, o, f, c. */
static void lstm_dir(const rnn_run *q, uint32_t d, int64_t b, int64_t len, int rev)
{
	const eml_rnn_params *p = q->p;
	int64_t H = p->hidden, I = p->input;
	float h[EML_RNN_MAX_HIDDEN], hn[EML_RNN_MAX_HIDDEN], c[EML_RNN_MAX_HIDDEN];
	int64_t so = state_at(p, d, b);
	for (int64_t j = 0; j < H; j++) {
		h[j] = q->h0 ? q->h0[so + j] : 0.0f;
		c[j] = q->c0 ? q->c0[so + j] : 0.0f;
	}
	const float *w = q->w + d * 4 * H * I, *r = q->r + d * 4 * H * H;
	const float *wb = q->b ? q->b + d * 8 * H : NULL, *pp = q->peep ? q->peep + d * 3 * H : NULL;
	for (int64_t s = 0; s < len; s++) {
		int64_t t = rev ? len - 1 - s : s;
		const float *xt = x_at(q, t, b);
		for (int64_t j = 0; j < H; j++) {
			double pre[4];
			for (int g = 0; g < 4; g++) {
				int64_t row = g * H + j;
				pre[g] = dot(xt, w + row * I, I) + dot(h, r + row * H, H);
			}
			hn[j] = eml_lstm_cell(p, pre, wb, pp, j, &c[j]);
		}
		memcpy(h, hn, (size_t)H * sizeof(float));
		if (q->y)
			memcpy(y_at(q, t, d, b), h, (size_t)H * sizeof(float));
	}
	zero_tail(q, d, b, len);
	if (q->yh)
		memcpy(q->yh + so, h, (size_t)H * sizeof(float));
	if (q->yc)
		memcpy(q->yc + so, c, (size_t)H * sizeof(float));
}

/* One direction of one GRU batch item; gates z, r, h. */
static void gru_dir(const rnn_run *q, uint32_t d, int64_t b, int64_t len, int rev)
{
	const eml_rnn_params *p = q->p;
	int64_t H = p->hidden, I = p->input;
	float h[EML_RNN_MAX_HIDDEN], hn[EML_RNN_MAX_HIDDEN], z[EML_RNN_MAX_HIDDEN],
		rh[EML_RNN_MAX_HIDDEN];
	int64_t so = state_at(p, d, b);
	for (int64_t j = 0; j < H; j++)
		h[j] = q->h0 ? q->h0[so + j] : 0.0f;
	const float *w = q->w + d * 3 * H * I, *r = q->r + d * 3 * H * H;
	const float *wb = q->b ? q->b + d * 6 * H : NULL;
	for (int64_t s = 0; s < len; s++) {
		int64_t t = rev ? len - 1 - s : s;
		const float *xt = x_at(q, t, b);
		/* z and r first: without linear_before_reset the candidate reads r (.) h whole. */
		for (int64_t j = 0; j < H; j++) {
			double pz = dot(xt, w + j * I, I) + dot(h, r + j * H, H);
			double pr = dot(xt, w + (H + j) * I, I) + dot(h, r + (H + j) * H, H);
			eml_gru_zr(p, pz, pr, wb, j, &z[j], &rh[j]);
		}
		for (int64_t j = 0; j < H; j++) {
			int64_t row = 2 * H + j;
			double rec;
			if (p->linear_before_reset) {
				rec = dot(h, r + row * H, H);
			} else {
				rec = 0.0;
				for (int64_t k = 0; k < H; k++)
					rec += (double)(rh[k] * h[k]) * r[row * H + k];
			}
			hn[j] = eml_gru_h(p, dot(xt, w + row * I, I), rec, wb, j, rh[j], z[j], h[j]);
		}
		memcpy(h, hn, (size_t)H * sizeof(float));
		if (q->y)
			memcpy(y_at(q, t, d, b), h, (size_t)H * sizeof(float));
	}
	zero_tail(q, d, b, len);
	if (q->yh)
		memcpy(q->yh + so, h, (size_t)H * sizeof(float));
}

static const void *opt_in(const eml_kernel_ctx *ctx, uint32_t k)
{
	return k < ctx->node->n_inputs ? ctx->in_data[k] : NULL;
}

static void *opt_out(const eml_kernel_ctx *ctx, uint32_t k)
{
	return k < ctx->node->n_outputs ? ctx->out_data[k] : NULL;
}

static edgeml_status run_rnn(const eml_kernel_ctx *ctx, uint32_t gates)
{
	eml_op_params tmp;
	const eml_op_params *prm;
	edgeml_status st = eml_ref_params(ctx, &tmp, &prm);
	if (st != EDGEML_OK)
		return st;
	eml_rnn_params p = prm->rnn;
	rnn_run q = { .p = &p, .x = ctx->in_data[0], .w = ctx->in_data[1],
		      .r = ctx->in_data[2], .b = opt_in(ctx, 3), .lens = opt_in(ctx, 4),
		      .h0 = opt_in(ctx, 5), .y = opt_out(ctx, 0), .yh = opt_out(ctx, 1) };
	if (gates == 4) {
		q.c0 = opt_in(ctx, 6);
		q.peep = opt_in(ctx, 7);
		q.yc = opt_out(ctx, 2);
	}
	for (int64_t b = 0; b < p.batch; b++) {
		int64_t len;
		st = seq_len(&q, b, &len);
		if (st != EDGEML_OK)
			return st;
		for (uint32_t d = 0; d < p.dirs; d++) {
			int rev = p.reverse || d == 1;
			if (gates == 4)
				lstm_dir(&q, d, b, len, rev);
			else
				gru_dir(&q, d, b, len, rev);
		}
	}
	return EDGEML_OK;
}

/* LSTM: Y, Y_h, Y_c. */
edgeml_status eml_ref_LSTM(const eml_kernel_ctx *ctx)
{
	return run_rnn(ctx, 4);
}

/* GRU: Y, Y_h. */
edgeml_status eml_ref_GRU(const eml_kernel_ctx *ctx)
{
	return run_rnn(ctx, 3);
}
