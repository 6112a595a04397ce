/* session.c — sessions (a model prepared on a backend) and their input/output tensors. */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backend.h"
#include "dmabuf.h"
#include "error.h"
#include "latency_record.h"
#include "model.h"
#include "ops/ops.h"
#include "planner.h"
#include "scheduler.h"
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

/* Per node, summed over the runs since edgeml_session_profile_start(). */
typedef struct eml_node_prof {
	double ms;
	double transfer_ms;
	uint64_t transfers;
	uint64_t transfer_bytes;
	int seen; /* the backend timed the node */
} eml_node_prof;

struct edgeml_session {
	const edgeml_model *model;
	const eml_backend *backend; /* the chosen device's */
	eml_schedule sched;	    /* its partitions and the transfers between them */
	edgeml_tensor *inputs;	/* one per graph input, in order */
	edgeml_tensor *outputs; /* one per graph output */
	eml_dmabuf_cache imports;
	uint64_t pending_copy; /* input bytes written by edgeml_tensor_write since the last run */
	edgeml_session_stats stats;
	int in_flight;    /* submitted by edgeml_session_submit, not yet waited for */
	char detail[640]; /* edgeml_session_backend_detail() */
	/* Per-node profile since edgeml_session_profile_start(); NULL when not profiling. */
	eml_node_prof *prof;
	eml_layer_time *prof_buf; /* one run's times, made at start: runs allocate nothing */
	uint64_t prof_runs;
	/* What a latency measurement of this session is of (latency_record.h): its device
	 * (known when AUTO or the options chose it, else the backend's default), threads and
	 * flags as the options gave them. */
	edgeml_device_properties device;
	int device_known;
	uint32_t threads, flags;
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

/* Fills the session's tensors for the graph tensors listed in idx: each lives in the
 * buffer of the partition that takes it as an input first, or makes it. */
static edgeml_status bind_io(edgeml_session *s, const uint32_t *idx, uint32_t n,
			     edgeml_tensor *tensors, int is_input)
{
	const eml_graph *g = &s->model->graph;
	for (uint32_t i = 0; i < n; i++) {
		if (idx[i] >= g->n_tensors)
			return eml_error(EDGEML_ERR_FORMAT,
					 "graph input/output %u: tensor %u out of range", i, idx[i]);
		const eml_tensor *d = &g->tensors[idx[i]];
		uint32_t flag = is_input ? EML_TF_INPUT : EML_TF_OUTPUT;
		uint32_t p = eml_schedule_part_with(&s->sched, idx[i], flag);
		if (p == s->sched.n_parts)
			return eml_error(EDGEML_ERR_FORMAT, "graph %s '%s' has no partition",
					 is_input ? "input" : "output", d->name ? d->name : "");
		tensors[i] = (edgeml_tensor){
			.desc = d,
			.data = s->sched.parts[p].backend->io_data(s->sched.parts[p].state, idx[i]),
			.size = (size_t)eml_tensor_bytes(d),
			.session = s,
			.index = idx[i],
			.is_input = is_input
		};
	}
	return EDGEML_OK;
}

/* Appends to buf (size bytes, holding a string) what fits of fmt. */
static void append(char *buf, size_t size, const char *fmt, ...) EML_PRINTF(3, 4);
static void append(char *buf, size_t size, const char *fmt, ...)
{
	size_t len = strlen(buf);
	va_list ap;
	va_start(ap, fmt);
	if (len < size)
		vsnprintf(buf + len, size - len, fmt, ap);
	va_end(ap);
}

/* The session's one line: the chosen backend's, then its partitions and transfers. */
static void describe_session(edgeml_session *s, const char *why)
{
	const eml_part *main = &s->sched.parts[s->sched.main];
	char line[400] = "";
	if (main->backend->describe)
		main->backend->describe(main->state, line, sizeof(line));
	snprintf(s->detail, sizeof(s->detail), "%s%s%s", s->backend->name, line[0] ? ": " : "",
		 line);
	if (s->sched.n_parts > 1 || main->backend != s->backend) {
		uint64_t bytes = 0;
		uint32_t fell = 0;
		for (uint32_t i = 0; i < s->sched.n_transfers; i++)
			bytes += s->sched.transfers[i].bytes;
		for (uint32_t p = 0; p < s->sched.n_parts; p++)
			if (s->sched.parts[p].backend != s->backend)
				fell += s->sched.parts[p].graph.n_nodes;
		/* The totals must survive a long list (zoo models make 60 partitions): the list
		 * gets what room they leave, and ends in "..." when cut. */
		char tail[120], list[sizeof(s->detail)] = "";
		snprintf(tail, sizeof(tail), "; CPU fallback: %u nodes, %u transfers, %llu bytes "
			 "per run", fell, s->sched.n_transfers, (unsigned long long)bytes);
		append(list, sizeof(list), "; %u partition%s:", s->sched.n_parts,
		       s->sched.n_parts == 1 ? "" : "s");
		for (uint32_t p = 0; p < s->sched.n_parts; p++) {
			const eml_part *part = &s->sched.parts[p];
			append(list, sizeof(list), "%s %s %u node%s", p ? "," : "",
			       part->backend->id, part->graph.n_nodes,
			       part->graph.n_nodes == 1 ? "" : "s");
			if (part->backend == s->backend)
				continue;
			for (uint32_t i = 0; i < part->graph.n_nodes; i++) {
				const char *op = eml_op_name(part->graph.nodes[i].op);
				append(list, sizeof(list), "%s%s", i ? ", " : " (", op ? op : "?");
			}
			append(list, sizeof(list), ")");
		}
		size_t used = strlen(s->detail) + strlen(tail) + (why[0] ? strlen(why) + 3 : 0) + 1;
		size_t room = used < sizeof(s->detail) ? sizeof(s->detail) - used : 0;
		if (strlen(list) > room)
			memcpy(list + (room > 3 ? room - 3 : 0), "...", 4);
		append(s->detail, sizeof(s->detail), "%s%s", list, tail);
	}
	if (why[0])
		append(s->detail, sizeof(s->detail), " (%s)", why);
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
	/* AUTO: where the latency record measured this model on several candidates, the
	 * fastest measured goes first. */
	if (st == EDGEML_OK && opts.backend == EDGEML_BACKEND_AUTO && n_cand > 1 && !cand[0].named)
		eml_latency_order(opts.cache_dir, model->key, opts.threads, opts.flags, cand, n_cand,
				  why, sizeof(why));
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
	uint32_t used = 0;
	for (uint32_t c = 0; st == EDGEML_OK && c < n_cand; c++) {
		char index[16];
		used = c;
		edgeml_session_options dev_opts = opts;
		backend = s->backend = cand[c].backend;
		dev_opts.device = NULL;
		if (cand[c].props.backend_index != UINT32_MAX) {
			snprintf(index, sizeof(index), "%u", cand[c].props.backend_index);
			dev_opts.device = index;
		}
		edgeml_session_options cpu_opts = opts;
		cpu_opts.device = NULL;
		st = eml_schedule_prepare(g, backend, &dev_opts, &cpu_opts, &s->sched);
		if (st != EDGEML_ERR_UNSUPPORTED || c + 1 == n_cand || cand[c].named ||
		    opts.backend != EDGEML_BACKEND_AUTO)
			break;
		snprintf(why, sizeof(why), "auto: %s, %s '%s' failed: %s", cand[c + 1].props.backend,
			 cand[c].props.backend, cand[c].props.name, edgeml_last_error());
		eml_schedule_free(&s->sched);
		st = EDGEML_OK;
	}
	if (st == EDGEML_OK) {
		s->device = cand[used].props;
		s->device_known = s->device.backend_index != UINT32_MAX;
		s->threads = opts.threads;
		s->flags = opts.flags;
	}
	if (st == EDGEML_OK)
		st = bind_io(s, g->inputs, g->n_inputs, s->inputs, 1);
	if (st == EDGEML_OK)
		st = bind_io(s, g->outputs, g->n_outputs, s->outputs, 0);
	if (st == EDGEML_OK) {
		describe_session(s, why);
		/* What a device said it cannot run while the nodes were assigned is no error. */
		eml_error_clear();
	}
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
	eml_schedule_free(&session->sched);
	/* After the backends, which may still hold imports of these buffers. */
	eml_dmabuf_cache_free(&session->imports);
	free(session->prof);
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

/* Adds the last run's node times and transfers to the profile, when one is being taken. */
static void profile_add(edgeml_session *s)
{
	if (!s->prof)
		return;
	for (uint32_t p = 0; p < s->sched.n_parts; p++) {
		const eml_part *part = &s->sched.parts[p];
		uint32_t k = part->backend->layer_times(part->state, s->prof_buf,
							  part->graph.n_nodes);
		for (uint32_t i = 0; i < k; i++) {
			uint32_t node = s->prof_buf[i].node;
			if (node >= part->graph.n_nodes)
				continue;
			s->prof[part->first + node].ms += s->prof_buf[i].ms;
			s->prof[part->first + node].seen = 1;
		}
	}
	for (uint32_t i = 0; i < s->sched.n_transfers; i++) {
		const eml_transfer *x = &s->sched.transfers[i];
		if (!x->done)
			continue;
		eml_node_prof *np = &s->prof[x->node];
		np->seen = 1; /* listed even when its backend does not time it (a view) */
		np->transfer_ms += x->ms;
		np->transfers++;
		np->transfer_bytes += x->bytes;
	}
	s->prof_runs++;
}

edgeml_status edgeml_session_profile_start(edgeml_session *session)
{
	eml_error_clear();
	if (!session)
		return eml_error(EDGEML_ERR_INVALID_ARGUMENT,
				 "edgeml_session_profile_start: session is NULL");
	for (uint32_t p = 0; p < session->sched.n_parts; p++)
		if (!session->sched.parts[p].backend->layer_times)
			return eml_error(EDGEML_ERR_UNSUPPORTED, "the %s backend cannot time nodes",
					 session->sched.parts[p].backend->name);
	size_t n = session->model->graph.n_nodes ? session->model->graph.n_nodes : 1;
	if (!session->prof) {
		session->prof = calloc(n, sizeof(*session->prof));
		session->prof_buf = calloc(n, sizeof(*session->prof_buf));
	}
	if (!session->prof || !session->prof_buf) {
		free(session->prof);
		free(session->prof_buf);
		session->prof = NULL;
		session->prof_buf = NULL;
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for a profile");
	}
	memset(session->prof, 0, n * sizeof(*session->prof));
	session->prof_runs = 0;
	for (uint32_t p = 0; p < session->sched.n_parts; p++) {
		const eml_part *part = &session->sched.parts[p];
		edgeml_status st = part->backend->profile_start ?
					   part->backend->profile_start(part->state) :
					   EDGEML_OK;
		if (st != EDGEML_OK)
			return st;
	}
	return EDGEML_OK;
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
	if (!session->prof)
		return eml_error(EDGEML_ERR_INVALID_ARGUMENT,
				 "edgeml_session_profile: no profile taken: call "
				 "edgeml_session_profile_start first");
	const eml_graph *g = &session->model->graph;
	double runs = session->prof_runs ? (double)session->prof_runs : 1.0;
	size_t n = 0;
	for (uint32_t p = 0; p < session->sched.n_parts; p++) {
		const eml_part *part = &session->sched.parts[p];
		const eml_backend *b = part->backend;
		for (uint32_t j = 0; j < part->graph.n_nodes; j++) {
			uint32_t i = part->first + j;
			const eml_node_prof *np = &session->prof[i];
			if (!np->seen)
				continue;
			if (n < max) {
				const eml_node *node = &g->nodes[i];
				const char *op = eml_op_name(node->op);
				out[n] = (edgeml_node_profile){
					.node = i,
					.name = node->name ? node->name : "",
					.op = op ? op : "?",
					.backend = b->id,
					.kernel = b->node_kernel ? b->node_kernel(part->state, j) :
								   "gpu",
					.ms = np->ms / runs,
					.transfers = (double)np->transfers / runs,
					.transfer_bytes =
						(uint64_t)((double)np->transfer_bytes / runs + 0.5),
					.transfer_ms = np->transfer_ms / runs,
				};
				out[n].macs = eml_node_macs(g, node, &out[n].conv1x1);
			}
			n++;
		}
	}
	if (count)
		*count = n;
	return EDGEML_OK;
}

/* Makes the copies into partition p's inputs (not those of imported graph inputs, which
 * every partition reading them has imported), timing and counting each. */
static void transfer_into(edgeml_session *s, uint32_t p)
{
	for (uint32_t i = 0; i < s->sched.n_transfers; i++) {
		eml_transfer *x = &s->sched.transfers[i];
		if (x->part != p)
			continue;
		x->done = x->input < 0 || !s->inputs[x->input].map;
		if (!x->done)
			continue;
		uint64_t t0 = now_ns();
		if (x->bytes)
			memcpy(x->dst, x->src, (size_t)x->bytes);
		x->ms = (double)(now_ns() - t0) / 1e6;
		s->stats.transfers_last_run++;
		s->stats.bytes_transferred_last_run += x->bytes;
		s->stats.bytes_transferred_total += x->bytes;
	}
}

/* Runs partitions [0, end) in order, each after the copies into it. */
static edgeml_status run_parts(edgeml_session *s, uint32_t end)
{
	for (uint32_t p = 0; p < end; p++) {
		const eml_part *part = &s->sched.parts[p];
		transfer_into(s, p);
		edgeml_status st = part->backend->run(part->state);
		if (st != EDGEML_OK)
			return s->sched.n_parts > 1 ? eml_error_context(st, "%s partition %u: ",
								  part->backend->id, p) :
						st;
	}
	return EDGEML_OK;
}

/* Brackets the partitions' runs with read syncs of every imported input, and counts what the
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
	session->stats.transfers_last_run = session->stats.bytes_transferred_last_run = 0;
	if (st == EDGEML_OK)
		st = run_parts(session, session->sched.n_parts);
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

/* A last partition without an asynchronous half, or inputs imported from dma-bufs (whose
 * syncs bracket the whole run), make submit a whole run and wait a formality. Otherwise
 * every partition but the last runs here, and the last one is submitted. */
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
	const eml_part *last = &session->sched.parts[session->sched.n_parts - 1];
	int async = last->backend->submit && !imported;
	edgeml_status st;
	if (!async) {
		st = edgeml_session_run(session);
	} else {
		session->stats.transfers_last_run = session->stats.bytes_transferred_last_run = 0;
		st = run_parts(session, session->sched.n_parts - 1);
		if (st == EDGEML_OK) {
			transfer_into(session, session->sched.n_parts - 1);
			st = last->backend->submit(last->state);
		}
	}
	session->in_flight = st == EDGEML_OK ? 1 + async : 0;
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
	const eml_part *last = &session->sched.parts[session->sched.n_parts - 1];
	edgeml_status st = last->backend->wait(last->state);
	if (st == EDGEML_OK) {
		session->stats.runs++;
		profile_add(session);
	}
	return st;
}

/* Adds up the memory every partition's backend holds. */
static void memory_of(const edgeml_session *s, eml_backend_memory *mem)
{
	*mem = (eml_backend_memory){ 0 };
	for (uint32_t p = 0; p < s->sched.n_parts; p++) {
		eml_backend_memory m;
		s->sched.parts[p].backend->memory(s->sched.parts[p].state, &m);
		mem->arena_bytes += m.arena_bytes;
		mem->naive_bytes += m.naive_bytes;
		mem->io_bytes += m.io_bytes;
	}
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
	memory_of(session, &mem);
	full.arena_bytes = mem.arena_bytes;
	full.arena_naive_bytes = mem.naive_bytes;
	full.io_bytes = mem.io_bytes;
	full.cpu_parallel_loops = full.cpu_tasks_caller = full.cpu_tasks_workers = 0;
	full.cpu_worker_sleeps = full.cpu_caller_sleeps = full.cpu_caller_wait_ns = 0;
	for (uint32_t p = 0; p < session->sched.n_parts; p++)
		if (session->sched.parts[p].backend->pool_stats)
			session->sched.parts[p].backend->pool_stats(session->sched.parts[p].state,
								    &full);
	memcpy(stats, &full, stats->struct_size < sizeof(full) ? stats->struct_size : sizeof(full));
	return EDGEML_OK;
}

void eml_session_memory(const edgeml_session *session, eml_backend_memory *mem)
{
	memory_of(session, mem);
}

const eml_backend *eml_session_backend(const edgeml_session *session, void **state)
{
	*state = session->sched.parts[session->sched.main].state;
	return session->sched.parts[session->sched.main].backend;
}

uint32_t eml_session_partitions(const edgeml_session *session, uint32_t *transfers)
{
	if (transfers)
		*transfers = session->sched.n_transfers;
	return session->sched.n_parts;
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

/* Binds graph input t, in every partition that takes it as an input, to host (the buffer
 * behind fd at offset), or back to their own buffers with host NULL; *copy gets the bytes
 * each run copies. An import that fails after others succeeded puts those back on their
 * own buffers (*undone set). */
static edgeml_status import_all(edgeml_session *s, uint32_t t, int fd, uint64_t offset,
				const void *host, uint64_t *copy, int *undone)
{
	*copy = 0;
	*undone = 0;
	for (uint32_t p = 0; p < s->sched.n_parts; p++) {
		const eml_part *part = &s->sched.parts[p];
		if (!(part->graph.tensors[t].flags & EML_TF_INPUT))
			continue;
		uint64_t c = 0;
		edgeml_status st = part->backend->import_external_memory(part->state, t, fd,
									 offset, host, &c);
		if (st != EDGEML_OK) {
			for (uint32_t q = 0; host && q < p; q++) {
				const eml_part *back = &s->sched.parts[q];
				if (!(back->graph.tensors[t].flags & EML_TF_INPUT))
					continue;
				back->backend->import_external_memory(back->state, t, -1, 0, NULL,
								      &c);
				*undone = 1;
			}
			return s->sched.n_parts > 1 ? eml_error_context(st, "%s partition %u: ",
								  part->backend->id, p) :
						st;
		}
		*copy += c;
	}
	return EDGEML_OK;
}

/* The memory of tensor t's own buffer: in the partition holding it. */
static void *own_data(const edgeml_session *s, uint32_t t)
{
	const eml_part *part = &s->sched.parts[eml_schedule_part_with(&s->sched, t, EML_TF_INPUT)];
	return part->backend->io_data(part->state, t);
}

/* Returns an imported input to its own buffer and lets go of the imported one. */
static edgeml_status detach(edgeml_tensor *t)
{
	edgeml_session *s = t->session;
	uint64_t copy;
	int undone;
	if (!t->map)
		return EDGEML_OK;
	edgeml_status st = import_all(s, t->index, -1, 0, NULL, &copy, &undone);
	if (st != EDGEML_OK)
		return st;
	eml_dmabuf_release(t->map);
	t->map = NULL;
	t->copy_bytes = 0;
	t->data = own_data(s, t->index);
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
	/* A submitted run may still read the input's memory (in any partition). */
	if (tensor->session->in_flight)
		return eml_error(EDGEML_ERR_INVALID_ARGUMENT,
				 "%s: a run is in flight: call edgeml_session_wait first", what);
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
	int undone;
	st = import_all(s, tensor->index, map->fd, offset, map->base + offset, &copy, &undone);
	if (st != EDGEML_OK) {
		eml_dmabuf_release(map);
		if (undone) {
			/* Some partitions are back on their own buffers: so is the tensor. */
			eml_dmabuf_release(tensor->map);
			tensor->map = NULL;
			tensor->copy_bytes = 0;
			tensor->data = own_data(s, tensor->index);
		}
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

edgeml_status edgeml_session_record_latency(const edgeml_session *session, const char *cache_dir,
					    double median_ms)
{
	eml_error_clear();
	if (!session)
		return eml_error(EDGEML_ERR_INVALID_ARGUMENT,
				 "edgeml_session_record_latency: session is NULL");
	edgeml_device_properties dev = session->device;
	edgeml_status st = EDGEML_OK;
	if (!session->device_known)
		st = eml_backend_default_device(session->backend, &dev);
	eml_latency_key key = { session->model->key, &dev, session->threads, session->flags };
	if (st == EDGEML_OK)
		st = eml_latency_write(cache_dir, &key, median_ms);
	return st;
}

edgeml_status edgeml_model_recorded_latency(const edgeml_model *model,
					    const edgeml_session_options *options, size_t device,
					    double *median_ms)
{
	eml_error_clear();
	if (!model || !median_ms)
		return eml_error(EDGEML_ERR_INVALID_ARGUMENT,
				 "edgeml_model_recorded_latency: model or median_ms is NULL");
	edgeml_session_options opts;
	edgeml_device_properties dev;
	edgeml_status st = read_options(options, &opts);
	if (st == EDGEML_OK)
		st = edgeml_device_info(device, &dev);
	eml_latency_key key = { model->key, &dev, opts.threads, opts.flags };
	if (st == EDGEML_OK)
		st = eml_latency_find(opts.cache_dir, &key, median_ms);
	return st;
}
