/*
 * rnn_cell.h — the gate arithmetic of LSTM and GRU that the reference kernels (ref_rnn.c)
 * and the fast operator (operators/rnn.c) share, so both round the same way: each gate's
 * pre-activation arrives as the double sum of its input terms plus its recurrent terms, gets
 * its biases (summed in double first), is rounded once, clipped and activated.
 */
#ifndef EML_RNN_CELL_H
#define EML_RNN_CELL_H

#include <math.h>

#include "ops/rnn_params.h"

static inline float eml_rnn_sigmoid(float v)
{
	return 1.0f / (1.0f + expf(-v));
}

static inline float eml_rnn_clip(const eml_rnn_params *p, double v)
{
	float f = (float)v;
	return f < -p->clip ? -p->clip : f > p->clip ? p->clip : f;
}

/* Adds unit j's biases (Wb + Rb, summed in double first) to its four pre-activations. */
static inline void eml_lstm_bias(const eml_rnn_params *p, double pre[4], const float *wb,
				 int64_t j)
{
	int64_t H = p->hidden;
	if (wb)
		for (int g = 0; g < 4; g++)
			pre[g] += (double)wb[g * H + j] + wb[4 * H + g * H + j];
}

/* One LSTM unit j (gates i, o, f, c): pre[g] holds dot(x, W row) + dot(h, R row) of row
 * g * H + j; wb (8H biases) and pp (3H peepholes) may be NULL. Updates *c, returns h. */
static inline float eml_lstm_cell(const eml_rnn_params *p, double pre[4], const float *wb,
				  const float *pp, int64_t j, float *c)
{
	int64_t H = p->hidden;
	eml_lstm_bias(p, pre, wb, j);
	if (pp) {
		pre[0] += (double)pp[j] * *c;
		pre[2] += (double)pp[2 * H + j] * *c;
	}
	float ig = eml_rnn_sigmoid(eml_rnn_clip(p, pre[0]));
	float fg = p->input_forget ? 1.0f - ig : eml_rnn_sigmoid(eml_rnn_clip(p, pre[2]));
	float cg = tanhf(eml_rnn_clip(p, pre[3]));
	*c = fg * *c + ig * cg;
	if (pp)
		pre[1] += (double)pp[H + j] * *c;
	float og = eml_rnn_sigmoid(eml_rnn_clip(p, pre[1]));
	return og * tanhf(*c);
}

/* GRU's update and reset gates' pre-activations of unit j, biased, rounded and clipped. */
static inline void eml_gru_zr_pre(const eml_rnn_params *p, double pz, double pr,
				  const float *wb, int64_t j, float *z, float *r)
{
	int64_t H = p->hidden;
	if (wb) {
		pz += (double)wb[j] + wb[3 * H + j];
		pr += (double)wb[H + j] + wb[4 * H + j];
	}
	*z = eml_rnn_clip(p, pz);
	*r = eml_rnn_clip(p, pr);
}

/* GRU's update and reset gates of unit j: pz, pr the dot sums of rows j and H + j. */
static inline void eml_gru_zr(const eml_rnn_params *p, double pz, double pr, const float *wb,
			      int64_t j, float *z, float *r)
{
	eml_gru_zr_pre(p, pz, pr, wb, j, z, r);
	*z = eml_rnn_sigmoid(*z);
	*r = eml_rnn_sigmoid(*r);
}

/* GRU's new state of unit j: xw = dot(x, W row 2H + j); rec = dot(h, R row) with
 * linear_before_reset, else dot(r (.) h, R row); rh the reset gate, z the update gate.
 * eml_gru_h_pre is the candidate's pre-activation, rounded and clipped. */
static inline float eml_gru_h_pre(const eml_rnn_params *p, double xw, double rec,
				  const float *wb, int64_t j, float rh)
{
	int64_t H = p->hidden, row = 2 * H + j;
	double wx = xw + (wb ? wb[row] : 0.0f);
	double rbh = wb ? wb[3 * H + row] : 0.0f, ph;
	if (p->linear_before_reset)
		ph = wx + (double)rh * (rec + rbh);
	else
		ph = wx + rec + rbh;
	return eml_rnn_clip(p, ph);
}

/* GRU's new state of unit j from its candidate hh, z and the old state h. */
static inline float eml_gru_mix(float hh, float z, float h)
{
	return (1.0f - z) * hh + z * h;
}

static inline float eml_gru_h(const eml_rnn_params *p, double xw, double rec, const float *wb,
			      int64_t j, float rh, float z, float h)
{
	return eml_gru_mix(tanhf(eml_gru_h_pre(p, xw, rec, wb, j, rh)), z, h);
}

#endif /* EML_RNN_CELL_H */
