/* infer_rnn.c — outputs of the recurrent ops LSTM and GRU (float32, ONNX opset 7-22
 * semantics: gate orders iofc / zrh, layout 0 and 1, all three directions, clip,
 * sequence_lens, initial states, peepholes; default activations only). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "error.h"
#include "ops/infer_helpers.h"
#include "ops/ops.h"
#include "ops/rnn_params.h"

/* Checks that optional input k, if present, is float32 of shape dims[0..rank). */
static edgeml_status check_shape(const eml_node *node, const eml_tensor *const *in, uint32_t k,
				 const char *what, uint32_t dtmask, uint32_t rank,
				 const int64_t *dims)
{
	const eml_tensor *t = eml_in(node, in, k);
	if (!t)
		return EDGEML_OK;
	edgeml_status st = eml_check_dtype(t, what, dtmask);
	if (st != EDGEML_OK)
		return st;
	int same = t->rank == rank;
	for (uint32_t i = 0; same && i < rank; i++)
		same = t->dims[i] == dims[i];
	if (!same) {
		char want[96] = "";
		for (uint32_t i = 0; i < rank; i++)
			snprintf(want + strlen(want), sizeof(want) - strlen(want), "%s%lld",
				 i ? "," : "", (long long)dims[i]);
		return eml_error(EDGEML_ERR_SHAPE, "%s must have shape [%s]", what, want);
	}
	return EDGEML_OK;
}

edgeml_status eml_rnn_params_get(const eml_node *node, const eml_tensor *const *in,
				 uint32_t gates, eml_rnn_params *p)
{
	uint32_t max_in = gates == 4 ? 8 : 6;
	if (node->n_inputs < 3 || node->n_inputs > max_in || !in[0] || !in[1] || !in[2])
		return eml_error(EDGEML_ERR_FORMAT, "has %u inputs; expects X, W, R and up to %u "
				 "optional ones", node->n_inputs, max_in - 3);
	uint32_t max_out = gates == 4 ? 3 : 2;
	if (node->n_outputs > max_out)
		return eml_error(EDGEML_ERR_FORMAT, "has %u outputs; at most %u", node->n_outputs,
				 max_out);
	const eml_tensor *x = in[0];
	edgeml_status st = eml_check_dtype(x, "input X", EML_DT_FLOAT);
	if (st == EDGEML_OK)
		st = eml_check_rank(x, "input X", 3, 3);
	int64_t layout, hidden;
	const char *dir;
	if (st == EDGEML_OK)
		st = eml_attr_int(node, "layout", 0, &layout);
	if (st == EDGEML_OK)
		st = eml_attr_int(node, "hidden_size", 0, &hidden);
	if (st == EDGEML_OK)
		st = eml_attr_string(node, "direction", "forward", &dir);
	if (st == EDGEML_OK)
		st = eml_attr_float(node, "clip", INFINITY, &p->clip);
	if (st == EDGEML_OK)
		st = eml_attr_int(node, "input_forget", 0, &p->input_forget);
	if (st == EDGEML_OK)
		st = eml_attr_int(node, "linear_before_reset", 0, &p->linear_before_reset);
	if (st != EDGEML_OK)
		return st;
	if (eml_node_attr(node, "activations") || eml_node_attr(node, "activation_alpha") ||
	    eml_node_attr(node, "activation_beta"))
		return eml_error(EDGEML_ERR_UNSUPPORTED, "only the default activations are "
				 "supported");
	if (layout != 0 && layout != 1)
		return eml_error(EDGEML_ERR_FORMAT, "attribute 'layout' = %lld must be 0 or 1",
				 (long long)layout);
	if (p->input_forget != 0 && p->input_forget != 1)
		return eml_error(EDGEML_ERR_FORMAT, "attribute 'input_forget' = %lld must be 0 "
				 "or 1", (long long)p->input_forget);
	if (!(p->clip > 0.0f))
		return eml_error(EDGEML_ERR_FORMAT, "attribute 'clip' = %g must be > 0",
				 (double)p->clip);
	if (strcmp(dir, "forward") == 0 || strcmp(dir, "reverse") == 0) {
		p->dirs = 1;
		p->reverse = dir[0] == 'r';
	} else if (strcmp(dir, "bidirectional") == 0) {
		p->dirs = 2;
		p->reverse = 0;
	} else {
		return eml_error(EDGEML_ERR_FORMAT, "attribute 'direction' = '%s' must be "
				 "forward, reverse or bidirectional", dir);
	}
	p->layout = (int)layout;
	p->seq = x->dims[layout ? 1 : 0];
	p->batch = x->dims[layout ? 0 : 1];
	p->input = x->dims[2];
	const eml_tensor *w = in[1];
	if (w->rank != 3 || w->dims[1] % gates != 0)
		return eml_error(EDGEML_ERR_SHAPE, "input W must be [directions, %u*hidden_size, "
				 "input_size]", gates);
	if (hidden == 0)
		hidden = w->dims[1] / gates;
	if (hidden < 1 || hidden > EML_RNN_MAX_HIDDEN)
		return eml_error(hidden < 1 ? EDGEML_ERR_FORMAT : EDGEML_ERR_UNSUPPORTED,
				 "hidden_size = %lld outside [1, %d]", (long long)hidden,
				 EML_RNN_MAX_HIDDEN);
	p->hidden = hidden;
	int64_t g = gates, d = p->dirs, h = hidden;
	int64_t wd[3] = { d, g * h, p->input }, rd[3] = { d, g * h, h }, bd[2] = { d, 2 * g * h };
	int64_t sd[1] = { p->batch }, pd[2] = { d, 3 * h };
	int64_t hd[3] = { layout ? p->batch : d, layout ? d : p->batch, h };
	st = check_shape(node, in, 1, "input W", EML_DT_FLOAT, 3, wd);
	if (st == EDGEML_OK)
		st = check_shape(node, in, 2, "input R", EML_DT_FLOAT, 3, rd);
	if (st == EDGEML_OK)
		st = check_shape(node, in, 3, "input B", EML_DT_FLOAT, 2, bd);
	if (st == EDGEML_OK)
		st = check_shape(node, in, 4, "input sequence_lens", EML_DT(EDGEML_DTYPE_INT32),
				 1, sd);
	if (st == EDGEML_OK)
		st = check_shape(node, in, 5, "input initial_h", EML_DT_FLOAT, 3, hd);
	if (st == EDGEML_OK && gates == 4)
		st = check_shape(node, in, 6, "input initial_c", EML_DT_FLOAT, 3, hd);
	if (st == EDGEML_OK && gates == 4)
		st = check_shape(node, in, 7, "input P", EML_DT_FLOAT, 2, pd);
	return st;
}

/* Y [seq, dirs, batch, hidden] (layout 1: [batch, seq, dirs, hidden]), then Y_h (and Y_c)
 * [dirs, batch, hidden] (layout 1: [batch, dirs, hidden]); every output is optional. */
static edgeml_status infer_rnn(const eml_node *node, const eml_tensor *const *in,
			       eml_tensor *out, uint32_t gates)
{
	eml_rnn_params p;
	edgeml_status st = eml_rnn_params_get(node, in, gates, &p);
	if (st != EDGEML_OK)
		return st;
	int64_t y[4] = { p.seq, p.dirs, p.batch, p.hidden };
	int64_t hy[3] = { p.dirs, p.batch, p.hidden };
	if (p.layout) {
		y[0] = p.batch;
		y[1] = p.seq;
		y[2] = p.dirs;
		hy[0] = p.batch;
		hy[1] = p.dirs;
	}
	for (uint32_t k = 0; k < node->n_outputs && st == EDGEML_OK; k++)
		if (node->outputs[k] != EML_NO_TENSOR)
			st = k == 0 ? eml_set_output(&out[0], EDGEML_DTYPE_FLOAT32, 4, y)
				    : eml_set_output(&out[k], EDGEML_DTYPE_FLOAT32, 3, hy);
	return st;
}

/* LSTM (X, W, R, B, sequence_lens, initial_h, initial_c, P) -> Y, Y_h, Y_c. */
edgeml_status eml_infer_LSTM(const eml_node *node, const eml_tensor *const *in, eml_tensor *out)
{
	return infer_rnn(node, in, out, 4);
}

/* GRU (X, W, R, B, sequence_lens, initial_h) -> Y, Y_h. */
edgeml_status eml_infer_GRU(const eml_node *node, const eml_tensor *const *in, eml_tensor *out)
{
	return infer_rnn(node, in, out, 3);
}
