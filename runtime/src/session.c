/* session.c — sessions (a model prepared on a backend) and their input/output tensors. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "error.h"
#include "model.h"
#include "session.h"

struct edgeml_tensor {
	const eml_tensor *desc;
	void *data;
	size_t size;
};

struct edgeml_session {
	const edgeml_model *model;
	const eml_backend *backend;
	void *state;
	edgeml_tensor *inputs;	/* one per graph input, in order */
	edgeml_tensor *outputs; /* one per graph output */
};

void edgeml_session_options_init(edgeml_session_options *options)
{
	if (!options)
		return;
	*options = (edgeml_session_options){ .struct_size = sizeof(*options),
					     .backend = EDGEML_BACKEND_AUTO };
}

/* Reads the caller's options into a full struct: a caller built against an older header
 * passes a smaller struct_size, and the fields it lacks keep their defaults. */
static edgeml_status read_options(const edgeml_session_options *given, edgeml_session_options *opts)
{
	edgeml_session_options_init(opts);
	if (!given)
		return EDGEML_OK;
	size_t min = offsetof(edgeml_session_options, backend) + sizeof(given->backend);
	if (given->struct_size < min)
		return eml_error(EDGEML_ERR_INVALID_ARGUMENT,
				 "session options: struct_size %u is too small; fill the options "
				 "with edgeml_session_options_init() first",
				 given->struct_size);
	memcpy(opts, given,
	       given->struct_size < sizeof(*opts) ? given->struct_size : sizeof(*opts));
	return EDGEML_OK;
}

/* The backend for a requested kind: AUTO takes the best one built in (only the CPU so far). */
static edgeml_status pick_backend(edgeml_backend_kind kind, const eml_backend **out)
{
	switch (kind) {
	case EDGEML_BACKEND_AUTO:
	case EDGEML_BACKEND_CPU:
		*out = &eml_cpu_backend;
		return EDGEML_OK;
	case EDGEML_BACKEND_VULKAN:
		return eml_error(EDGEML_ERR_UNSUPPORTED,
				 "no Vulkan backend in this build; use EDGEML_BACKEND_CPU or AUTO");
	}
	return eml_error(EDGEML_ERR_INVALID_ARGUMENT, "session options: unknown backend kind %d",
			 (int)kind);
}

/* Fills the session's tensors for the graph tensors listed in idx. */
static edgeml_status bind_io(edgeml_session *s, const uint32_t *idx, uint32_t n,
			     edgeml_tensor *tensors)
{
	const eml_graph *g = &s->model->graph;
	for (uint32_t i = 0; i < n; i++) {
		if (idx[i] >= g->n_tensors)
			return eml_error(EDGEML_ERR_FORMAT,
					 "graph input/output %u: tensor %u out of range", i, idx[i]);
		const eml_tensor *d = &g->tensors[idx[i]];
		tensors[i] = (edgeml_tensor){ d, s->backend->io_data(s->state, idx[i]),
					      (size_t)eml_tensor_bytes(d) };
	}
	return EDGEML_OK;
}

edgeml_status edgeml_session_create(const edgeml_model *model,
				    const edgeml_session_options *options, edgeml_session **out)
{
	eml_error_clear();
	if (!out)
		return eml_error(EDGEML_ERR_INVALID_ARGUMENT, "edgeml_session_create: out is NULL");
	*out = NULL;
	if (!model)
		return eml_error(EDGEML_ERR_INVALID_ARGUMENT,
				 "edgeml_session_create: model is NULL");
	edgeml_session_options opts;
	const eml_backend *backend;
	edgeml_status st = read_options(options, &opts);
	if (st == EDGEML_OK)
		st = pick_backend(opts.backend, &backend);
	if (st != EDGEML_OK)
		return st;

	const eml_graph *g = &model->graph;
	edgeml_session *s = calloc(1, sizeof(*s));
	if (!s)
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for a session");
	s->model = model;
	s->backend = backend;
	s->inputs = calloc(g->n_inputs ? g->n_inputs : 1, sizeof(*s->inputs));
	s->outputs = calloc(g->n_outputs ? g->n_outputs : 1, sizeof(*s->outputs));
	if (!s->inputs || !s->outputs)
		st = eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for a session");
	if (st == EDGEML_OK)
		st = backend->prepare(g, &opts, &s->state);
	if (st == EDGEML_OK)
		st = bind_io(s, g->inputs, g->n_inputs, s->inputs);
	if (st == EDGEML_OK)
		st = bind_io(s, g->outputs, g->n_outputs, s->outputs);
	if (st != EDGEML_OK) {
		edgeml_session_destroy(s);
		return eml_error_context(st, "%s backend: ", backend->name);
	}
	*out = s;
	return EDGEML_OK;
}

void edgeml_session_destroy(edgeml_session *session)
{
	if (!session)
		return;
	if (session->state)
		session->backend->destroy(session->state);
	free(session->inputs);
	free(session->outputs);
	free(session);
}

const char *edgeml_session_backend_name(const edgeml_session *session)
{
	return session ? session->backend->name : "";
}

/* Shared by the four tensor getters: checks arguments and picks tensor index of n. */
static edgeml_status get_tensor(edgeml_session *s, size_t index, edgeml_tensor **out, int output)
{
	const char *what = output ? "output" : "input";
	eml_error_clear();
	if (!out)
		return eml_error(EDGEML_ERR_INVALID_ARGUMENT, "edgeml_session_%s: out is NULL",
				 what);
	*out = NULL;
	if (!s)
		return eml_error(EDGEML_ERR_INVALID_ARGUMENT, "edgeml_session_%s: session is NULL",
				 what);
	uint32_t n = output ? s->model->graph.n_outputs : s->model->graph.n_inputs;
	if (index >= n)
		return eml_error(EDGEML_ERR_INVALID_ARGUMENT,
				 "%s index %zu is out of range: the model has %u %ss", what, index,
				 n, what);
	*out = output ? &s->outputs[index] : &s->inputs[index];
	return EDGEML_OK;
}

/* Finds a graph input/output by name, listing the names there are when it is not found. */
static edgeml_status find_tensor(edgeml_session *s, const char *name, edgeml_tensor **out,
				 int output)
{
	const char *what = output ? "output" : "input";
	eml_error_clear();
	if (!out)
		return eml_error(EDGEML_ERR_INVALID_ARGUMENT,
				 "edgeml_session_%s_by_name: out is NULL", what);
	*out = NULL;
	if (!s || !name)
		return eml_error(EDGEML_ERR_INVALID_ARGUMENT,
				 "edgeml_session_%s_by_name: session or name is NULL", what);
	uint32_t n = output ? s->model->graph.n_outputs : s->model->graph.n_inputs;
	edgeml_tensor *tensors = output ? s->outputs : s->inputs;
	char names[256] = "";
	size_t len = 0;
	for (uint32_t i = 0; i < n; i++) {
		const char *have = tensors[i].desc->name ? tensors[i].desc->name : "";
		if (strcmp(have, name) == 0) {
			*out = &tensors[i];
			return EDGEML_OK;
		}
		if (len < sizeof(names)) {
			int w = snprintf(names + len, sizeof(names) - len, "%s'%s'", i ? ", " : "",
					 have);
			len += w > 0 ? (size_t)w : 0;
		}
	}
	return eml_error(EDGEML_ERR_NOT_FOUND, "the model has no %s named '%s' (its %ss: %s)", what,
			 name, what, n ? names : "none");
}

edgeml_status edgeml_session_input(edgeml_session *session, size_t index, edgeml_tensor **out)
{
	return get_tensor(session, index, out, 0);
}

edgeml_status edgeml_session_output(edgeml_session *session, size_t index, edgeml_tensor **out)
{
	return get_tensor(session, index, out, 1);
}

edgeml_status edgeml_session_input_by_name(edgeml_session *session, const char *name,
					   edgeml_tensor **out)
{
	return find_tensor(session, name, out, 0);
}

edgeml_status edgeml_session_output_by_name(edgeml_session *session, const char *name,
					    edgeml_tensor **out)
{
	return find_tensor(session, name, out, 1);
}

edgeml_status edgeml_session_run(edgeml_session *session)
{
	eml_error_clear();
	if (!session)
		return eml_error(EDGEML_ERR_INVALID_ARGUMENT,
				 "edgeml_session_run: session is NULL");
	return session->backend->run(session->state);
}

void eml_session_memory(const edgeml_session *session, eml_backend_memory *mem)
{
	session->backend->memory(session->state, mem);
}

edgeml_status edgeml_tensor_info_get(const edgeml_tensor *tensor, edgeml_tensor_info *info)
{
	eml_error_clear();
	if (!tensor || !info)
		return eml_error(EDGEML_ERR_INVALID_ARGUMENT,
				 "edgeml_tensor_info_get: tensor or info is NULL");
	const eml_tensor *d = tensor->desc;
	*info = (edgeml_tensor_info){ .name = d->name ? d->name : "",
				      .dtype = (edgeml_dtype)d->dtype,
				      .rank = d->rank,
				      .size_bytes = tensor->size,
				      .quant_count = d->q_count,
				      .quant_axis = d->q_axis,
				      .quant_scales = d->q_scales,
				      .quant_zero_points = d->q_zero_points };
	memcpy(info->dims, d->dims, sizeof(info->dims));
	return EDGEML_OK;
}

void *edgeml_tensor_data(edgeml_tensor *tensor)
{
	return tensor ? tensor->data : NULL;
}

/* Checks a copy's arguments: both pointers given, size equal to the tensor's. */
static edgeml_status check_copy(const edgeml_tensor *tensor, const void *buf, size_t size,
				const char *fn)
{
	eml_error_clear();
	if (!tensor || (!buf && size))
		return eml_error(EDGEML_ERR_INVALID_ARGUMENT, "%s: tensor or buffer is NULL", fn);
	if (size != tensor->size)
		return eml_error(EDGEML_ERR_INVALID_ARGUMENT,
				 "%s: tensor '%s' holds %zu bytes but %zu were given", fn,
				 tensor->desc->name ? tensor->desc->name : "", tensor->size, size);
	return EDGEML_OK;
}

edgeml_status edgeml_tensor_write(edgeml_tensor *tensor, const void *src, size_t size)
{
	edgeml_status st = check_copy(tensor, src, size, "edgeml_tensor_write");
	if (st == EDGEML_OK && size)
		memcpy(tensor->data, src, size);
	return st;
}

edgeml_status edgeml_tensor_read(const edgeml_tensor *tensor, void *dst, size_t size)
{
	edgeml_status st = check_copy(tensor, dst, size, "edgeml_tensor_read");
	if (st == EDGEML_OK && size)
		memcpy(dst, tensor->data, size);
	return st;
}
