/*
 * rnn_params.h — the shape and attributes of LSTM and GRU, decoded once for infer and the
 * kernels.
 */
#ifndef EML_RNN_PARAMS_H
#define EML_RNN_PARAMS_H

#include "graph.h"

/* Largest hidden_size: the reference kernels keep a few state vectors of this size on the
 * stack (they allocate nothing). */
#define EML_RNN_MAX_HIDDEN 1024

typedef struct eml_rnn_params {
	int64_t seq, batch, input, hidden; /* X is [seq, batch, input] (layout 0) */
	uint32_t dirs;			   /* 1, or 2 for bidirectional */
	int reverse;			   /* direction = "reverse" */
	int layout;			   /* 1: batch first ([batch, seq, ...]) */
	float clip;			   /* gate pre-activation bound; +inf when absent */
	int64_t input_forget;		   /* LSTM: couple the input and forget gates */
	int64_t linear_before_reset;	   /* GRU */
} eml_rnn_params;

/* Checks LSTM's (gates = 4) or GRU's (gates = 3) inputs and attributes: X, W, R, B,
 * sequence_lens, initial_h, initial_c (LSTM), P (LSTM). Activations other than the
 * defaults (Sigmoid, Tanh, Tanh) are not supported. */
edgeml_status eml_rnn_params_get(const eml_node *node, const eml_tensor *const *in,
				 uint32_t gates, eml_rnn_params *p);

#endif /* EML_RNN_PARAMS_H */
