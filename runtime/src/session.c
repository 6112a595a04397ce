/* session.c — sessions (a model prepared on a backend) and their input/output tensors. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backend.h"
#include "dmabuf.h"
#include "error.h"
#include "model.h"
#include "ops/ops.h"
#include "planner.h"
#include "session.h"

struct edgeml_tensor {
	const eml_tensor *desc;
	void *data;
	size_t size;
	edgeml_session *session;
	uint32_t index;	      /* graph tensor number */
	int is_input;
	eml_dmabuf_map *map;  /* the imported buffer this input reads, or NULL */
	uint64_t copy_bytes;  /* what each run copies to use the imported buffer */
};

struct edgeml_session {
	const edgeml_model *model;
	const eml_backend *backend;
	void *state;
	edgeml_tensor *inputs;	/* one per graph input, in order */
	edgeml_tensor *outputs; /* one per graph output */
	eml_dmabuf_cache imports;
	uint64_t pending_copy; /* input bytes written by edgeml_tensor_write since the last run */
	edgeml_session_stats stats;
	int in_flight;    /* submitted by edgeml_session_submit, not yet waited for */
	char detail[512]; /* edgeml_session_backend_detail() */
	/* Per-node profile since edgeml_session_profile_start(); NULL when not profiling. */
	double *prof_ms;     /* summed over prof_runs runs */
	uint8_t *prof_seen;  /* the backend timed the node */
	uint8_t *prof_on_cpu; /* a GPU backend ran the node on the CPU */
	eml_layer_time *prof_buf; /* one run's times, made at start: runs allocate nothing */
	uint64_t prof_runs;
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

/* Fills the session's tensors for the graph tensors listed in idx. */
static edgeml_status bind_io(edgeml_session *s, const uint32_t *idx, uint32_t n,
			     edgeml_tensor *tensors, int is_input)
{
	const eml_graph *g = &s->model->graph;
	for (uint32_t i = 0; i < n; i++) {
		if (idx[i] >= g->n_tensors)
			return eml_error(EDGEML_ERR_FORMAT,
					 "graph input/output %u: tensor %u out of range", i, idx[i]);
		const eml_tensor *d = &g->tensors[idx[i]];
		tensors[i] = (edgeml_tensor){ .desc = d,
					      .data = s->backend->io_data(s->state, idx[i]),
					      .size = (size_t)eml_tensor_bytes(d),
					      .session = s,
					      .index = idx[i],
					      .is_input = is_input };
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
	uint32_t n_cand = 0;
	char why[450] = "";
	/* Candidates are large (their devices' descriptions): on the heap, not the caller's
	 * stack, which may be a small thread's. */
	eml_device_choice *cand = malloc(EML_MAX_DEVICES * sizeof(*cand));
	edgeml_status st = cand ? read_options(options, &opts) :
				  eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for a session");
	if (st == EDGEML_OK)
		st = eml_device_pick(&opts, cand, EML_MAX_DEVICES, &n_cand, why, sizeof(why));
	edgeml_session *s = NULL;
	if (st == EDGEML_OK && !(s = calloc(1, sizeof(*s))))
		st = eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for a session");
	if (st != EDGEML_OK) {
		free(cand);
		return st;
	}

	const eml_graph *g = &model->graph;
	s->model = model;
	s->inputs = calloc(g->n_inputs ? g->n_inputs : 1, sizeof(*s->inputs));
	s->outputs = calloc(g->n_outputs ? g->n_outputs : 1, sizeof(*s->outputs));
	if (!s->inputs || !s->outputs)
		st = eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for a session");
	const eml_backend *backend = cand[0].backend;
	s->backend = backend;
	/* AUTO keeps its promise to run the model: what one device cannot run goes to the next
	 * (unless the caller named the device it wants). */
	for (uint32_t c = 0; st == EDGEML_OK && c < n_cand; c++) {
		char index[16];
		edgeml_session_options dev_opts = opts;
		backend = s->backend = cand[c].backend;
		dev_opts.device = NULL;
		if (cand[c].props.backend_index != UINT32_MAX) {
			snprintf(index, sizeof(index), "%u", cand[c].props.backend_index);
			dev_opts.device = index;
		}
		st = backend->prepare(g, &dev_opts, &s->state);
		if (st != EDGEML_ERR_UNSUPPORTED || c + 1 == n_cand || cand[c].named ||
		    opts.backend != EDGEML_BACKEND_AUTO)
			break;
		snprintf(why, sizeof(why), "auto: %s, %s '%s' failed: %s", cand[c + 1].props.backend,
			 cand[c].props.backend, cand[c].props.name, edgeml_last_error());
		s->state = NULL;
		st = EDGEML_OK;
	}
	if (st == EDGEML_OK) {
		char line[400] = "";
		if (backend->describe)
			backend->describe(s->state, line, sizeof(line));
		snprintf(s->detail, sizeof(s->detail), "%s%s%s", backend->name,
			 line[0] ? ": " : "", line);
		if (why[0]) {
			size_t at = strlen(s->detail);
			snprintf(s->detail + at, sizeof(s->detail) - at, " (%s)", why);
		}
	}
	if (st == EDGEML_OK)
		st = bind_io(s, g->inputs, g->n_inputs, s->inputs, 1);
	if (st == EDGEML_OK)
		st = bind_io(s, g->outputs, g->n_outputs, s->outputs, 0);
	free(cand);
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
	/* After the backend, which may still hold imports of these buffers. */
	eml_dmabuf_cache_free(&session->imports);
	free(session->prof_ms);
	free(session->prof_seen);
	free(session->prof_on_cpu);
	free(session->prof_buf);
	free(session->inputs);
	free(session->outputs);
	free(session);
}

const char *edgeml_session_backend_name(const edgeml_session *session)
{
	return session ? session->backend->name : "";
}

const char *edgeml_session_backend_detail(const edgeml_session *session)
{
	return session ? session->detail : "";
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

/* Nanoseconds of CLOCK_MONOTONIC. */
static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Adds the last run's node times to the profile, when one is being taken. */
static void profile_add(edgeml_session *s)
{
	if (!s->prof_ms)
		return;
	uint32_t n_nodes = s->model->graph.n_nodes;
	uint32_t k = s->backend->layer_times(s->state, s->prof_buf, n_nodes);
	for (uint32_t i = 0; i < k; i++) {
		uint32_t node = s->prof_buf[i].node;
		if (node >= n_nodes)
			continue;
		s->prof_ms[node] += s->prof_buf[i].ms;
		s->prof_seen[node] = 1;
		s->prof_on_cpu[node] = (uint8_t)s->prof_buf[i].on_cpu;
	}
	s->prof_runs++;
}

edgeml_status edgeml_session_profile_start(edgeml_session *session)
{
	eml_error_clear();
	if (!session)
		return eml_error(EDGEML_ERR_INVALID_ARGUMENT,
				 "edgeml_session_profile_start: session is NULL");
	const eml_backend *b = session->backend;
	if (!b->layer_times)
		return eml_error(EDGEML_ERR_UNSUPPORTED, "the %s backend cannot time nodes",
				 b->name);
	size_t n = session->model->graph.n_nodes ? session->model->graph.n_nodes : 1;
	if (!session->prof_ms) {
		session->prof_ms = calloc(n, sizeof(*session->prof_ms));
		session->prof_seen = calloc(n, 1);
		session->prof_on_cpu = calloc(n, 1);
		session->prof_buf = calloc(n, sizeof(*session->prof_buf));
	}
	if (!session->prof_ms || !session->prof_seen || !session->prof_on_cpu ||
	    !session->prof_buf) {
		free(session->prof_ms);
		free(session->prof_seen);
		free(session->prof_on_cpu);
		free(session->prof_buf);
		session->prof_ms = NULL;
		session->prof_seen = session->prof_on_cpu = NULL;
		session->prof_buf = NULL;
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for a profile");
	}
	memset(session->prof_ms, 0, n * sizeof(*session->prof_ms));
	memset(session->prof_seen, 0, n);
	memset(session->prof_on_cpu, 0, n);
	session->prof_runs = 0;
	return b->profile_start ? b->profile_start(session->state) : EDGEML_OK;
}

edgeml_status edgeml_session_profile(const edgeml_session *session, edgeml_node_profile *out,
				     size_t max, size_t *count)
{
	eml_error_clear();
	if (count)
		*count = 0;
	if (!session || (!out && max))
		return eml_error(EDGEML_ERR_INVALID_ARGUMENT,
				 "edgeml_session_profile: session or out is NULL");
	if (!session->prof_ms)
		return eml_error(EDGEML_ERR_INVALID_ARGUMENT,
				 "edgeml_session_profile: no profile taken: call "
				 "edgeml_session_profile_start first");
	const eml_graph *g = &session->model->graph;
	const eml_backend *b = session->backend;
	double runs = session->prof_runs ? (double)session->prof_runs : 1.0;
	size_t n = 0;
	for (uint32_t i = 0; i < g->n_nodes; i++) {
		if (!session->prof_seen[i])
			continue;
		if (n < max) {
			const eml_node *node = &g->nodes[i];
			const char *op = eml_op_name(node->op);
			int on_cpu = session->prof_on_cpu[i];
			const char *kernel = b->node_kernel ? b->node_kernel(session->state, i) :
							      on_cpu ? "cpu-fallback" : "gpu";
			out[n] = (edgeml_node_profile){
				.node = i,
				.name = node->name ? node->name : "",
				.op = op ? op : "?",
				.backend = on_cpu ? "cpu" : b->id,
				.kernel = kernel,
				.ms = session->prof_ms[i] / runs,
			};
			out[n].macs = eml_node_macs(g, node, &out[n].conv1x1);
		}
		n++;
	}
	if (count)
		*count = n;
	return EDGEML_OK;
}

/* Brackets the backend's run with read syncs of every imported input, and counts what the
 * run copied and how long it took (syncs included: they are part of reading in place). */
edgeml_status edgeml_session_run(edgeml_session *session)
{
	eml_error_clear();
	if (!session)
		return eml_error(EDGEML_ERR_INVALID_ARGUMENT,
				 "edgeml_session_run: session is NULL");
	uint32_t n = session->model->graph.n_inputs, started = 0;
	uint64_t copied = session->pending_copy, imported = 0, t0 = now_ns();
	edgeml_status st = EDGEML_OK;
	for (; started < n && st == EDGEML_OK; started++) {
		const edgeml_tensor *t = &session->inputs[started];
		if (!t->map)
			continue;
		st = eml_dmabuf_sync_read(t->map, 1);
		if (st != EDGEML_OK) {
			eml_error_context(st, "input '%s': ", t->desc->name ? t->desc->name : "");
			break;
		}
		copied += t->copy_bytes;
		imported += t->size;
	}
	if (st == EDGEML_OK)
		st = session->backend->run(session->state);
	for (uint32_t i = 0; i < started; i++) {
		if (!session->inputs[i].map)
			continue;
		edgeml_status end = eml_dmabuf_sync_read(session->inputs[i].map, 0);
		if (st == EDGEML_OK)
			st = end;
	}
	if (st != EDGEML_OK)
		return st;
	uint64_t ns = now_ns() - t0;
	edgeml_session_stats *stats = &session->stats;
	stats->runs++;
	stats->bytes_copied_last_run = copied;
	stats->bytes_copied_total += copied;
	stats->bytes_imported_last_run = imported;
	stats->last_run_ns = ns;
	stats->total_run_ns += ns;
	session->pending_copy = 0;
	profile_add(session);
	return EDGEML_OK;
}

/* A backend without an asynchronous half, or inputs imported from dma-bufs (whose syncs
 * bracket the whole run), make submit a whole run and wait a formality. */
edgeml_status edgeml_session_submit(edgeml_session *session)
{
	eml_error_clear();
	if (!session)
		return eml_error(EDGEML_ERR_INVALID_ARGUMENT,
				 "edgeml_session_submit: session is NULL");
	if (session->in_flight)
		return eml_error(EDGEML_ERR_INVALID_ARGUMENT,
				 "a run is already submitted: call edgeml_session_wait first");
	int imported = 0;
	for (uint32_t i = 0; i < session->model->graph.n_inputs; i++)
		imported |= session->inputs[i].map != NULL;
	edgeml_status st = !session->backend->submit || imported ?
				   edgeml_session_run(session) :
				   session->backend->submit(session->state);
	session->in_flight = st == EDGEML_OK ? 1 + !(!session->backend->submit || imported) : 0;
	return st;
}

edgeml_status edgeml_session_wait(edgeml_session *session)
{
	eml_error_clear();
	if (!session)
		return eml_error(EDGEML_ERR_INVALID_ARGUMENT, "edgeml_session_wait: session is NULL");
	if (!session->in_flight)
		return eml_error(EDGEML_ERR_INVALID_ARGUMENT,
				 "no run is submitted: call edgeml_session_submit first");
	int pending = session->in_flight == 2;
	session->in_flight = 0;
	if (!pending)
		return EDGEML_OK;
	edgeml_status st = session->backend->wait(session->state);
	if (st == EDGEML_OK) {
		session->stats.runs++;
		profile_add(session);
	}
	return st;
}

edgeml_status edgeml_session_stats_get(const edgeml_session *session, edgeml_session_stats *stats)
{
	eml_error_clear();
	size_t min = offsetof(edgeml_session_stats, runs) + sizeof(stats->runs);
	if (!session || !stats)
		return eml_error(EDGEML_ERR_INVALID_ARGUMENT,
				 "edgeml_session_stats_get: session or stats is NULL");
	if (stats->struct_size < min)
		return eml_error(EDGEML_ERR_INVALID_ARGUMENT,
				 "edgeml_session_stats_get: struct_size %u is too small; set it to "
				 "sizeof(edgeml_session_stats)",
				 stats->struct_size);
	edgeml_session_stats full = session->stats;
	full.struct_size = stats->struct_size;
	full.buffers_mapped = session->imports.maps_created;
	eml_backend_memory mem;
	session->backend->memory(session->state, &mem);
	full.arena_bytes = mem.arena_bytes;
	full.arena_naive_bytes = mem.naive_bytes;
	full.io_bytes = mem.io_bytes;
	memcpy(stats, &full, stats->struct_size < sizeof(full) ? stats->struct_size : sizeof(full));
	return EDGEML_OK;
}

void eml_session_memory(const edgeml_session *session, eml_backend_memory *mem)
{
	session->backend->memory(session->state, mem);
}

const eml_backend *eml_session_backend(const edgeml_session *session, void **state)
{
	*state = session->state;
	return session->backend;
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

/* Returns an imported input to its own buffer and lets go of the imported one. */
static edgeml_status detach(edgeml_tensor *t)
{
	edgeml_session *s = t->session;
	uint64_t copy;
	if (!t->map)
		return EDGEML_OK;
	edgeml_status st =
		s->backend->import_external_memory(s->state, t->index, -1, 0, NULL, &copy);
	if (st != EDGEML_OK)
		return st;
	eml_dmabuf_release(t->map);
	t->map = NULL;
	t->copy_bytes = 0;
	t->data = s->backend->io_data(s->state, t->index);
	return EDGEML_OK;
}

edgeml_status edgeml_tensor_write(edgeml_tensor *tensor, const void *src, size_t size)
{
	edgeml_status st = check_copy(tensor, src, size, "edgeml_tensor_write");
	if (st == EDGEML_OK && tensor->is_input)
		st = detach(tensor);
	if (st == EDGEML_OK && size)
		memcpy(tensor->data, src, size);
	if (st == EDGEML_OK && tensor->is_input)
		tensor->session->pending_copy += size;
	return st;
}

/* "float32[1,1,256]": a tensor's dtype and dims for messages. */
static const char *describe(const eml_tensor *d, char *buf, size_t cap)
{
	size_t len = 0;
	int w = snprintf(buf, cap, "%s[", edgeml_dtype_name((edgeml_dtype)d->dtype));
	for (uint32_t i = 0; i < d->rank && w > 0; i++) {
		len += (size_t)w;
		if (len >= cap)
			return buf;
		w = snprintf(buf + len, cap - len, "%s%lld", i ? "," : "", (long long)d->dims[i]);
	}
	if (w > 0 && len + (size_t)w < cap)
		snprintf(buf + len + (size_t)w, cap - len - (size_t)w, "]");
	return buf;
}

edgeml_status edgeml_tensor_import_dmabuf(edgeml_tensor *tensor, int fd, uint64_t offset,
					  uint64_t size)
{
	eml_error_clear();
	if (!tensor)
		return eml_error(EDGEML_ERR_INVALID_ARGUMENT,
				 "edgeml_tensor_import_dmabuf: tensor is NULL");
	const char *name = tensor->desc->name ? tensor->desc->name : "";
	char what[160], shape[96];
	snprintf(what, sizeof(what), "import into input '%s'", name);
	if (!tensor->is_input)
		return eml_error(EDGEML_ERR_UNSUPPORTED,
				 "tensor '%s' is a model output: only inputs can be imported",
				 name);
	if (fd == -1 && offset == 0 && size == 0)
		return detach(tensor);
	if (fd < 0)
		return eml_error(EDGEML_ERR_INVALID_ARGUMENT, "%s: fd %d is negative", what, fd);
	/* Backends read their own buffers with aligned vector loads; imports keep that. */
	if (offset % EML_PLAN_ALIGN)
		return eml_error(EDGEML_ERR_INVALID_ARGUMENT,
				 "%s: offset %llu is not a multiple of %u", what,
				 (unsigned long long)offset, EML_PLAN_ALIGN);
	if (size < tensor->size)
		return eml_error(EDGEML_ERR_SHAPE,
				 "%s: the tensor is %s, %zu bytes, but only %llu bytes were given: "
				 "the buffer's format does not match the model's input",
				 what, describe(tensor->desc, shape, sizeof(shape)), tensor->size,
				 (unsigned long long)size);
	edgeml_session *s = tensor->session;
	eml_dmabuf_map *map;
	edgeml_status st = eml_dmabuf_acquire(&s->imports, fd, what, &map);
	if (st != EDGEML_OK)
		return st;
	if (offset > map->size || size > map->size - offset) {
		eml_dmabuf_release(map);
		return eml_error(EDGEML_ERR_INVALID_ARGUMENT,
				 "%s: offset %llu + size %llu is past the end of the %llu-byte "
				 "buffer of fd %d",
				 what, (unsigned long long)offset, (unsigned long long)size,
				 (unsigned long long)map->size, fd);
	}
	uint64_t copy;
	st = s->backend->import_external_memory(s->state, tensor->index, map->fd, offset,
						map->base + offset, &copy);
	if (st != EDGEML_OK) {
		eml_dmabuf_release(map);
		return eml_error_context(st, "%s: %s backend: ", what, s->backend->name);
	}
	eml_dmabuf_release(tensor->map);
	tensor->map = map;
	tensor->data = map->base + offset;
	tensor->copy_bytes = copy;
	return EDGEML_OK;
}

edgeml_status edgeml_tensor_read(const edgeml_tensor *tensor, void *dst, size_t size)
{
	edgeml_status st = check_copy(tensor, dst, size, "edgeml_tensor_read");
	if (st == EDGEML_OK && size)
		memcpy(dst, tensor->data, size);
	return st;
}
