/*
 * vk_ops_rnn.c — LSTM and GRU of floats on the GPU (shaders/rnn.comp): one dispatch, one
 * workgroup per (batch item, direction) that runs the whole sequence with the state in
 * shared memory. Constant W, R, B and P become the dispatch's parameters, in the node's
 * layout; given at run time they are bound, as X, initial_h, initial_c, Y, Y_h and Y_c are.
 * What the shader does not take is refused as unsupported, so that the scheduler runs the
 * node on the CPU: sequence_lens given at run time (a length out of range is an error the
 * CPU reports), more than seven tensors to bind, a state larger than the workgroup's shared
 * memory. Activations other than the defaults are refused when the node loads.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "ops/ops.h"
#include "vulkan/vk_ops.h"

/* Tensor slot k of v[n] if present, else EML_NO_TENSOR. */
static uint32_t slot(const uint32_t *v, uint32_t n, uint32_t k)
{
	return k < n ? v[k] : EML_NO_TENSOR;
}

/* Binds tensor t (when present) as the next binding, defining macro name as its number. */
static void bind_opt(eml_vk_dispatch *d, uint32_t t, const char *name)
{
	if (t == EML_NO_TENSOR)
		return;
	char v[8];
	snprintf(v, sizeof(v), "%u", d->n_tensors + 1);
	eml_vk_macro(d, name, v);
	eml_vk_bind(d, t);
}

/* The constant data of input k, NULL when it is absent or given at run time. */
static const float *constant_of(const eml_graph *g, const eml_node *node, uint32_t k)
{
	const eml_tensor *t = eml_vk_input(g, node, k);
	return t && (t->flags & EML_TF_CONSTANT) && t->data ? t->data : NULL;
}

/* Appends input k's n floats to the parameters (setting word at to where they start) when
 * they are constant, else binds the tensor (macro name). */
static edgeml_status put_input(const eml_graph *g, const eml_node *node, eml_vk_dispatch *d,
			       uint32_t k, int64_t n, uint32_t at, const char *name)
{
	uint32_t t = slot(node->inputs, node->n_inputs, k);
	if (t == EML_NO_TENSOR)
		return EDGEML_OK;
	const float *v = constant_of(g, node, k);
	if (!v) {
		bind_opt(d, t, name);
		return EDGEML_OK;
	}
	eml_vk_put_i(d, at, d->n_params, 0);
	return eml_vk_param_f(d, v, (uint32_t)n);
}

edgeml_status eml_vk_build_rnn(const eml_graph *g, const eml_node *node, eml_vk_kernel *k)
{
	int lstm = node->op == EML_OP_LSTM;
	uint32_t gates = lstm ? 4 : 3;
	eml_op_params tmp;
	const eml_op_params *op = NULL;
	edgeml_status st = eml_vk_params(g, node, &tmp, &op);
	if (st != EDGEML_OK)
		return st;
	const eml_rnn_params *p = &op->rnn;
	int64_t H = p->hidden, I = p->input, D = p->dirs, S = p->seq, N = p->batch;
	for (uint32_t i = 0; i < node->n_inputs; i++)
		if (i != 4 && eml_vk_input(g, node, i) &&
		    eml_vk_input(g, node, i)->dtype != EDGEML_DTYPE_FLOAT32)
			return eml_error(EDGEML_ERR_UNSUPPORTED, "%s of non-float tensors has no "
					 "GPU kernel", eml_op_name(node->op));
	const eml_tensor *lt = eml_vk_input(g, node, 4);
	if (lt && (!(lt->flags & EML_TF_CONSTANT) || !lt->data))
		return eml_error(EDGEML_ERR_UNSUPPORTED, "%s's sequence_lens are given at run "
				 "time: the GPU kernel takes them as constants",
				 eml_op_name(node->op));
	/* Bindings: X, the outputs, initial_h / initial_c and whichever of W, R, B, P are
	 * given at run time. */
	uint32_t bound = 1;
	for (uint32_t i = 1; i < node->n_inputs; i++)
		if (i != 4 && slot(node->inputs, node->n_inputs, i) != EML_NO_TENSOR &&
		    ((i == 5 || i == 6) || !constant_of(g, node, i)))
			bound++;
	for (uint32_t i = 0; i < node->n_outputs; i++)
		bound += node->outputs[i] != EML_NO_TENSOR;
	if (bound > EML_VK_MAX_BINDINGS)
		return eml_error(EDGEML_ERR_UNSUPPORTED,
				 "%s needs %u tensors bound (weights given at run time), more than "
				 "the %d a GPU dispatch takes",
				 eml_op_name(node->op), bound, EML_VK_MAX_BINDINGS);
	/* Shared memory: h twice, and c (LSTM) or z and r (GRU). */
	int64_t hmax = (H + 31) / 32 * 32, words = (lstm ? 3 : 4) * hmax;
	if (words * 4 > (int64_t)k->info->shared_memory)
		return eml_error(EDGEML_ERR_UNSUPPORTED,
				 "%s of hidden_size %lld needs %lld bytes of shared memory; the "
				 "device has %u",
				 eml_op_name(node->op), (long long)H, (long long)words * 4,
				 k->info->shared_memory);
	int64_t nw = D * gates * H * I, nr = D * gates * H * H, nb = D * 2 * gates * H;
	int64_t np = D * 3 * H;
	if (nw + nr + nb + np + N > INT32_MAX / 2 || S * N * D * H > INT32_MAX / 2 ||
	    N * S * I > INT32_MAX / 2)
		return eml_error(EDGEML_ERR_UNSUPPORTED, "%s is too large for the GPU kernel",
				 eml_op_name(node->op));
	int32_t *lens = malloc((size_t)N * sizeof(*lens));
	if (!lens)
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory");
	for (int64_t b = 0; b < N; b++) {
		int64_t v = lt ? ((const int32_t *)lt->data)[b] : S;
		if (v < 0 || v > S) {
			free(lens);
			return eml_error(EDGEML_ERR_UNSUPPORTED, "sequence_lens[%lld] = %lld is "
					 "outside [0, %lld]", (long long)b, (long long)v,
					 (long long)S);
		}
		lens[b] = (int32_t)v;
	}
	eml_vk_dispatch *d =
		eml_vk_add_dispatch(k, "rnn.comp", (uint64_t)(D * N) * k->info->local_size);
	char v[24];
	snprintf(v, sizeof(v), "%u", gates);
	eml_vk_macro(d, "GATES", v);
	snprintf(v, sizeof(v), "%lld", (long long)hmax);
	eml_vk_macro(d, "HMAX", v);
	uint32_t bt = slot(node->inputs, node->n_inputs, 3);
	uint32_t pt = lstm ? slot(node->inputs, node->n_inputs, 7) : EML_NO_TENSOR;
	eml_vk_macro(d, "HAS_B", bt != EML_NO_TENSOR ? "1" : "0");
	eml_vk_macro(d, "HAS_P", pt != EML_NO_TENSOR ? "1" : "0");
	bind_opt(d, node->inputs[0], "B_X");
	bind_opt(d, slot(node->inputs, node->n_inputs, 5), "B_H0");
	if (lstm)
		bind_opt(d, slot(node->inputs, node->n_inputs, 6), "B_C0");
	bind_opt(d, slot(node->outputs, node->n_outputs, 0), "B_Y");
	bind_opt(d, slot(node->outputs, node->n_outputs, 1), "B_YH");
	if (lstm)
		bind_opt(d, slot(node->outputs, node->n_outputs, 2), "B_YC");
	EML_VK_SET_I(d, RNN_SEQ, S);
	EML_VK_SET_I(d, RNN_BATCH, N);
	EML_VK_SET_I(d, RNN_INPUT, I);
	EML_VK_SET_I(d, RNN_HIDDEN, H);
	EML_VK_SET_I(d, RNN_DIRS, D);
	EML_VK_SET_I(d, RNN_REVERSE, p->reverse);
	EML_VK_SET_I(d, RNN_LAYOUT, p->layout);
	EML_VK_SET_F(d, RNN_CLIP, p->clip);
	EML_VK_SET_I(d, RNN_INPUT_FORGET, p->input_forget);
	EML_VK_SET_I(d, RNN_LBR, p->linear_before_reset);
	/* The parameters: the lengths, then W, R, B, P where constant, in their own layout. */
	EML_VK_SET_I(d, RNN_LENS_AT, 0);
	st = eml_vk_param_i(d, lens, (uint32_t)N);
	free(lens);
	if (st == EDGEML_OK)
		st = put_input(g, node, d, 1, nw, EML_VKP_RNN_W_AT, "B_W");
	if (st == EDGEML_OK)
		st = put_input(g, node, d, 2, nr, EML_VKP_RNN_R_AT, "B_R");
	if (st == EDGEML_OK)
		st = put_input(g, node, d, 3, nb, EML_VKP_RNN_B_AT, "B_B");
	if (st == EDGEML_OK && lstm)
		st = put_input(g, node, d, 7, np, EML_VKP_RNN_P_AT, "B_P");
	return st;
}
