/* cpu_backend.c — the CPU backend: runs each node with its reference kernel over one planned
 * activation arena. Everything a run needs is built by prepare; a run only calls kernels. */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "backend.h"
#include "cpu/cpu_device.h"
#include "cpu/cpu_topology.h"
#include "cpu/fast_ops.h"
#include "cpu/ref/ref.h"
#include "error.h"
#include "ops/ops.h"
#include "planner.h"

/* The most memory (arena plus input/output buffers) one session may take: a bound on what a
 * hostile model's shapes can make us allocate, far above what an edge model needs. */
#define CPU_MEMORY_MAX ((uint64_t)1 << 30)

/* One node, ready to run: its kernel and the context handed to it. */
typedef struct cpu_step {
	eml_ref_fn fn;
	eml_kernel_ctx ctx;
	int skip; /* a view whose output already shares its input's memory */
	eml_fast_op *fast; /* the node's fast kernel, or NULL to run fn */
} cpu_step;

typedef struct cpu_state {
	const eml_graph *graph;
	eml_arena_plan plan;
	uint8_t *arena;
	void **data;  /* per tensor: its memory, NULL for tensors nothing reads or writes */
	void **owned; /* per tensor: a buffer of its own (graph inputs and outputs) or NULL */
	cpu_step *steps;
	/* Node input/output descriptors and pointers, for all nodes (steps point into them). */
	const eml_tensor **descs;
	const void **in_data;
	void **out_data;
	eml_backend_memory mem;
	int exact_float; /* EDGEML_SESSION_EXACT_FLOAT: no Winograd */
	uint32_t pool_flags; /* EML_POOL_WORKERS_COMPETE from EDGEML_SESSION_WORKERS_COMPETE */
	/* The fast path: its thread pool and per-thread scratch (cpu_fast_prepare). */
	eml_threadpool *pool;
	uint8_t **scratch;
	uint8_t *shared;
	uint32_t threads;
	eml_fast_env env;
	uint64_t *profile_ns; /* per node, summed over runs, when profiling is on */
} cpu_state;

/* Name of a node for messages. */
static const char *node_name(const eml_node *node)
{
	return node->name ? node->name : "";
}

/* Name of a tensor for messages. */
static const char *tensor_name(const eml_tensor *t)
{
	return t->name ? t->name : "";
}

/* Buffers from this size up are placed on 2 MiB boundaries and asked for huge pages. */
#define HUGE_BUFFER ((size_t)1 << 20)
#define HUGE_PAGE ((size_t)2 << 20)

/* Allocates size bytes, 64-byte aligned and zeroed (at least one alignment unit, so a
 * buffer of an empty tensor is still a valid pointer). A large one (the arena, the shared
 * and scratch buffers of big layers) is 2 MiB-aligned with MADV_HUGEPAGE before it is first
 * touched, where the system grants huge pages to those who ask (THP "madvise", as Debian's
 * default): with 4 KiB pages, which physical pages back the activations varies from one
 * process to the next, and so do the cache sets the planes of a layer share; runs of the
 * same model measured 2.2 or 3.4 ms (yolo_tiny) depending on the process. */
static void *alloc_buffer(uint64_t size)
{
	size_t n = (size_t)eml_plan_round_up(size ? size : 1);
	int huge = n >= HUGE_BUFFER;
	if (huge)
		n = (n + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE;
	void *p = aligned_alloc(huge ? HUGE_PAGE : EML_PLAN_ALIGN, n);
	if (p && huge)
		madvise(p, n, MADV_HUGEPAGE); /* advice: without huge pages it still works */
	if (p)
		memset(p, 0, n);
	return p;
}

/* Frees the state and everything it owns. */
static void cpu_destroy(void *opaque)
{
	cpu_state *s = opaque;
	if (!s)
		return;
	if (s->owned)
		for (uint32_t t = 0; t < s->graph->n_tensors; t++)
			free(s->owned[t]);
	free(s->owned);
	if (s->steps)
		for (uint32_t i = 0; i < s->graph->n_nodes; i++)
			eml_fast_destroy(s->steps[i].fast);
	eml_threadpool_destroy(s->pool);
	if (s->scratch)
		for (uint32_t t = 0; t < s->threads; t++)
			free(s->scratch[t]);
	free(s->scratch);
	free(s->shared);
	free(s->profile_ns);
	free(s->data);
	free(s->arena);
	free(s->steps);
	free(s->descs);
	free(s->in_data);
	free(s->out_data);
	eml_plan_free(&s->plan);
	free(s);
}

/* Looks up every node's kernel: a node without one fails the session before any memory is
 * planned, naming the node and op. */
static edgeml_status find_kernels(cpu_state *s)
{
	const eml_graph *g = s->graph;
	for (uint32_t i = 0; i < g->n_nodes; i++) {
		const eml_node *node = &g->nodes[i];
		s->steps[i].fn = eml_ref_kernel(node->op);
		if (!s->steps[i].fn) {
			const char *op = eml_op_name(node->op);
			if (op)
				return eml_error(EDGEML_ERR_UNSUPPORTED,
						 "node '%s': no kernel for op %s", node_name(node),
						 op);
			return eml_error(EDGEML_ERR_UNSUPPORTED, "node '%s': unknown op number %u",
					 node_name(node), node->op);
		}
	}
	return EDGEML_OK;
}

/* Sums the input/output buffers' sizes and checks them and the arena against the limit. */
static edgeml_status check_memory(cpu_state *s)
{
	uint64_t io;
	edgeml_status st = eml_plan_io_bytes(s->graph, s->plan.arena_size, CPU_MEMORY_MAX, &io);
	s->mem = (eml_backend_memory){ s->plan.arena_size, s->plan.naive_size, io };
	return st;
}

/* Gives every tensor its memory: constants their data in the model, graph inputs and
 * outputs a buffer each, intermediates their place in the arena. */
static edgeml_status bind_tensors(cpu_state *s)
{
	const eml_graph *g = s->graph;
	s->arena = alloc_buffer(s->plan.arena_size);
	if (!s->arena)
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for a %llu-byte arena",
				 (unsigned long long)s->plan.arena_size);
	for (uint32_t t = 0; t < g->n_tensors; t++) {
		const eml_tensor *d = &g->tensors[t];
		if (d->flags & (EML_TF_INPUT | EML_TF_OUTPUT)) {
			s->owned[t] = alloc_buffer(eml_tensor_bytes(d));
			if (!s->owned[t])
				return eml_error(EDGEML_ERR_NO_MEMORY,
						 "out of memory for tensor '%s'", tensor_name(d));
			s->data[t] = s->owned[t];
		} else if (d->flags & EML_TF_CONSTANT) {
			/* Kernels take inputs as const: the model's data is never written. */
			s->data[t] = (void *)(uintptr_t)d->data;
		} else if (s->plan.offsets[t] != EML_PLAN_NONE) {
			s->data[t] = s->arena + s->plan.offsets[t];
		}
	}
	return EDGEML_OK;
}

/* Builds each node's kernel context; a node reading a tensor with no memory (not produced,
 * not a constant or input) means the graph is broken. */
static edgeml_status build_steps(cpu_state *s)
{
	const eml_graph *g = s->graph;
	size_t at = 0;
	for (uint32_t i = 0; i < g->n_nodes; i++) {
		const eml_node *node = &g->nodes[i];
		cpu_step *step = &s->steps[i];
		step->skip = s->plan.node_is_view[i];
		step->ctx = (eml_kernel_ctx){ node, s->descs + at, s->descs + at + node->n_inputs,
					      s->in_data + at, s->out_data + at + node->n_inputs };
		for (uint32_t k = 0; k < node->n_inputs + node->n_outputs; k++) {
			int is_out = k >= node->n_inputs;
			uint32_t t = is_out ? node->outputs[k - node->n_inputs] : node->inputs[k];
			if (t == EML_NO_TENSOR)
				continue;
			const eml_tensor *d = &g->tensors[t];
			if (!s->data[t] && eml_tensor_bytes(d) != 0)
				return eml_error(EDGEML_ERR_FORMAT,
						 "node '%s': tensor '%s' is neither produced by an "
						 "earlier node nor a constant or graph input",
						 node_name(node), tensor_name(d));
			s->descs[at + k] = d;
			if (is_out)
				s->out_data[at + k] = s->data[t];
			else
				s->in_data[at + k] = s->data[t];
		}
		at += (size_t)node->n_inputs + node->n_outputs;
	}
	return EDGEML_OK;
}

/* Allocates the per-tensor and per-node arrays (slots: all nodes' inputs and outputs). */
static edgeml_status alloc_arrays(cpu_state *s)
{
	const eml_graph *g = s->graph;
	uint64_t slots = 0;
	for (uint32_t i = 0; i < g->n_nodes; i++)
		slots += (uint64_t)g->nodes[i].n_inputs + g->nodes[i].n_outputs;
	if (slots > SIZE_MAX / sizeof(void *))
		return eml_error(EDGEML_ERR_NO_MEMORY, "graph has too many node inputs");
	size_t nt = g->n_tensors ? g->n_tensors : 1, nn = g->n_nodes ? g->n_nodes : 1;
	size_t ns = slots ? (size_t)slots : 1;
	s->data = calloc(nt, sizeof(*s->data));
	s->owned = calloc(nt, sizeof(*s->owned));
	s->steps = calloc(nn, sizeof(*s->steps));
	s->descs = calloc(ns, sizeof(*s->descs));
	s->in_data = calloc(ns, sizeof(*s->in_data));
	s->out_data = calloc(ns, sizeof(*s->out_data));
	if (!s->data || !s->owned || !s->steps || !s->descs || !s->in_data || !s->out_data)
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory preparing %u nodes",
				 g->n_nodes);
	return EDGEML_OK;
}

/* Lets each fast op whose output only one fast op reads, as that op's input 0, keep the
 * tensor in a layout of their own (eml_fast_qconv_link): only for tensors that are no graph
 * output and that no other node, view or reference kernel, reads. */
static edgeml_status link_fast_ops(cpu_state *s)
{
	const eml_graph *g = s->graph;
	uint32_t *readers = calloc(g->n_tensors ? g->n_tensors : 1, sizeof(uint32_t));
	uint32_t *reader = calloc(g->n_tensors ? g->n_tensors : 1, sizeof(uint32_t));
	if (!readers || !reader) {
		free(readers);
		free(reader);
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory linking %u nodes",
				 g->n_nodes);
	}
	for (uint32_t i = 0; i < g->n_nodes; i++)
		for (uint32_t k = 0; k < g->nodes[i].n_inputs; k++) {
			uint32_t t = g->nodes[i].inputs[k];
			if (t == EML_NO_TENSOR)
				continue;
			readers[t]++;
			reader[t] = k == 0 ? i : UINT32_MAX;
		}
	for (uint32_t i = 0; i < g->n_nodes; i++) {
		const eml_node *node = &g->nodes[i];
		if (!s->steps[i].fast || node->n_outputs != 1)
			continue;
		uint32_t t = node->outputs[0];
		if (t == EML_NO_TENSOR || g->tensors[t].flags || readers[t] != 1 ||
		    reader[t] == UINT32_MAX || !s->steps[reader[t]].fast)
			continue;
		eml_fast_qconv_link(s->steps[i].fast, s->steps[reader[t]].fast);
	}
	free(readers);
	free(reader);
	return EDGEML_OK;
}

/* Prepares the fast kernels of the ISA level (EML_ISA_SCALAR keeps every node on its
 * reference kernel), then the thread pool (its workers on cores, when not NULL) and the
 * scratch memory they share. */
static edgeml_status cpu_fast_prepare(cpu_state *s, eml_isa isa, uint32_t threads,
				      const cpu_set_t *cores)
{
	size_t scratch = 0, shared = 0;
	for (uint32_t i = 0; i < s->graph->n_nodes; i++) {
		cpu_step *step = &s->steps[i];
		if (step->skip)
			continue;
		edgeml_status st = eml_fast_prepare_exact(&step->ctx, isa, threads, s->exact_float,
							  &step->fast);
		if (st != EDGEML_OK)
			return eml_error_context(st, "node '%s': ", node_name(step->ctx.node));
		if (step->fast && step->fast->scratch > scratch)
			scratch = step->fast->scratch;
		if (step->fast && step->fast->shared > shared)
			shared = step->fast->shared;
	}
	edgeml_status lst = link_fast_ops(s);
	if (lst != EDGEML_OK)
		return lst;
	s->threads = threads;
	s->scratch = calloc(threads, sizeof(*s->scratch));
	if (!s->scratch)
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for %u threads", threads);
	for (uint32_t t = 0; scratch && t < threads; t++) {
		s->scratch[t] = alloc_buffer(scratch);
		if (!s->scratch[t])
			return eml_error(EDGEML_ERR_NO_MEMORY,
					 "out of memory for %zu bytes of scratch per thread",
					 scratch);
	}
	if (shared && !(s->shared = alloc_buffer(shared)))
		return eml_error(EDGEML_ERR_NO_MEMORY,
				 "out of memory for %zu bytes of shared scratch", shared);
	if (threads > 1) {
		edgeml_status st = eml_threadpool_create(threads, cores, s->pool_flags, &s->pool);
		if (st != EDGEML_OK)
			return st;
	}
	s->env = (eml_fast_env){ s->pool, s->scratch, s->shared };
	return EDGEML_OK;
}

/* Runs the preparation steps in order. */
static edgeml_status prepare_state(cpu_state *s, eml_isa isa, uint32_t threads,
				   const cpu_set_t *cores)
{
	edgeml_status st = alloc_arrays(s);
	if (st == EDGEML_OK)
		st = find_kernels(s);
	if (st == EDGEML_OK)
		st = eml_plan_graph(s->graph, 0, &s->plan);
	if (st == EDGEML_OK)
		st = check_memory(s);
	if (st == EDGEML_OK)
		st = bind_tensors(s);
	if (st == EDGEML_OK)
		st = build_steps(s);
	if (st == EDGEML_OK)
		st = cpu_fast_prepare(s, isa, threads, cores);
	return st;
}

/* The cores of the options (cpu_cores, EDGEML_SESSION_BIG_CORES) among those the process may
 * use, into cores; *pin says whether the workers are to be held to them. */
static edgeml_status pick_cores(const edgeml_session_options *options, cpu_set_t *cores, int *pin)
{
	eml_cpu_allowed(cores);
	*pin = 0;
	if (options && options->cpu_cores) {
		cpu_set_t want;
		edgeml_status st = eml_cpu_parse_list(options->cpu_cores, &want);
		if (st != EDGEML_OK)
			return eml_error_context(st, "session options: cpu_cores: ");
		CPU_AND(cores, cores, &want);
		if (CPU_COUNT(cores) == 0)
			return eml_error(EDGEML_ERR_INVALID_ARGUMENT,
					 "session options: cpu_cores '%s' names no core this process "
					 "may run on (see taskset -p)",
					 options->cpu_cores);
		*pin = 1;
	}
	if (options && (options->flags & EDGEML_SESSION_BIG_CORES)) {
		eml_cpu_keep_big(cores, "/sys/devices/system/cpu");
		*pin = 1;
	}
	return EDGEML_OK;
}

/* Prepares the graph for options->threads threads (0 means one per core the process may use;
 * the fast kernels split their work over them, the reference kernels run on the caller); the
 * CPU has no devices to choose from. */
static edgeml_status cpu_prepare(const eml_graph *graph, const edgeml_session_options *options,
				 void **state)
{
	cpu_set_t cores;
	int pin;
	edgeml_status cst = pick_cores(options, &cores, &pin);
	if (cst != EDGEML_OK)
		return cst;
	uint32_t threads = options && options->threads ? options->threads
						       : eml_cpu_default_threads(&cores);
	if (threads > EML_THREADPOOL_MAX)
		return eml_error(EDGEML_ERR_INVALID_ARGUMENT,
				 "session options: %u threads requested, at most %d are supported",
				 threads, EML_THREADPOOL_MAX);
	cpu_state *s = calloc(1, sizeof(*s));
	if (!s)
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for the cpu backend");
	s->graph = graph;
	/* EDGEML_CPU_ISA=scalar does the same for the whole process. */
	int reference = options && (options->flags & EDGEML_SESSION_REFERENCE_KERNELS);
	s->exact_float = options && (options->flags & EDGEML_SESSION_EXACT_FLOAT);
	s->pool_flags = options && (options->flags & EDGEML_SESSION_WORKERS_COMPETE) ?
				EML_POOL_WORKERS_COMPETE : 0;
	edgeml_status st = prepare_state(s, reference ? EML_ISA_SCALAR : eml_isa_active(), threads,
					   pin ? &cores : NULL);
	if (st != EDGEML_OK) {
		cpu_destroy(s);
		return st;
	}
	*state = s;
	return EDGEML_OK;
}

/* Whether the CPU can run node: it has a reference kernel for the op (the fast kernels are
 * chosen at prepare, falling back to it). */
static int cpu_supports_node(const eml_graph *graph, uint32_t node,
			     const edgeml_session_options *options)
{
	(void)options;
	return eml_ref_kernel(graph->nodes[node].op) != NULL;
}

/* Refreshes graph outputs that are constants (the user may have written to their buffers),
 * then runs every node in order. */
static edgeml_status cpu_run(void *opaque)
{
	cpu_state *s = opaque;
	const eml_graph *g = s->graph;
	for (uint32_t i = 0; i < g->n_outputs; i++) {
		const eml_tensor *d = &g->tensors[g->outputs[i]];
		if ((d->flags & EML_TF_CONSTANT) && d->data)
			memcpy(s->data[g->outputs[i]], d->data, eml_tensor_bytes(d));
	}
	for (uint32_t i = 0; i < g->n_nodes; i++) {
		const cpu_step *step = &s->steps[i];
		if (step->skip)
			continue;
		struct timespec t0, t1;
		if (s->profile_ns)
			clock_gettime(CLOCK_MONOTONIC, &t0);
		edgeml_status st = step->fast ? step->fast->run(step->fast, &step->ctx, &s->env) :
						step->fn(&step->ctx);
		if (s->profile_ns) {
			clock_gettime(CLOCK_MONOTONIC, &t1);
			s->profile_ns[i] = (uint64_t)((t1.tv_sec - t0.tv_sec) * 1000000000LL +
						       (t1.tv_nsec - t0.tv_nsec));
		}
		if (st != EDGEML_OK) {
			const char *op = eml_op_name(step->ctx.node->op);
			return eml_error_context(st, "node '%s' (%s): ", node_name(step->ctx.node),
						 op ? op : "?");
		}
	}
	return EDGEML_OK;
}

edgeml_status eml_cpu_profile_start(void *opaque)
{
	cpu_state *s = opaque;
	if (!s->profile_ns)
		s->profile_ns = calloc(s->graph->n_nodes ? s->graph->n_nodes : 1, sizeof(uint64_t));
	if (!s->profile_ns)
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for a profile");
	memset(s->profile_ns, 0, (s->graph->n_nodes ? s->graph->n_nodes : 1) * sizeof(uint64_t));
	return EDGEML_OK;
}

const uint64_t *eml_cpu_profile_ns(const void *opaque)
{
	return ((const cpu_state *)opaque)->profile_ns;
}

const char *eml_cpu_node_kernel(const void *opaque, uint32_t node)
{
	const cpu_state *s = opaque;
	if (node >= s->graph->n_nodes || s->steps[node].skip)
		return "view";
	return s->steps[node].fast ? s->steps[node].fast->kernel : "reference";
}

/* Every node's time in the last run (kernel "view" for the skipped ones, at 0 ms). */
static uint32_t cpu_layer_times(const void *opaque, eml_layer_time *out, uint32_t max)
{
	const cpu_state *s = opaque;
	uint32_t n = 0;
	for (uint32_t i = 0; s->profile_ns && i < s->graph->n_nodes && n < max; i++)
		out[n++] = (eml_layer_time){ i, (double)s->profile_ns[i] / 1e6 };
	return n;
}

/* Memory of a graph input or output. */
static void *cpu_io_data(void *opaque, uint32_t tensor)
{
	cpu_state *s = opaque;
	return tensor < s->graph->n_tensors ? s->owned[tensor] : NULL;
}

/* Points every reader of graph input tensor at host, external memory the session mapped (or
 * back at the tensor's own buffer when host is NULL): kernels then read it in place, no copy. */
static edgeml_status cpu_import_external_memory(void *opaque, uint32_t tensor, int fd,
						uint64_t offset, const void *host,
						uint64_t *copy_bytes)
{
	cpu_state *s = opaque;
	const eml_graph *g = s->graph;
	(void)fd;
	(void)offset;
	if (tensor >= g->n_tensors || !(g->tensors[tensor].flags & EML_TF_INPUT) ||
	    !s->owned[tensor])
		return eml_error(EDGEML_ERR_INVALID_ARGUMENT,
				 "tensor %u is not a graph input: only inputs can be imported",
				 tensor);
	/* A graph output's buffer is written by a run; imported memory is read-only. */
	if (g->tensors[tensor].flags & EML_TF_OUTPUT)
		return eml_error(EDGEML_ERR_UNSUPPORTED,
				 "input '%s' is also a graph output and cannot be imported",
				 tensor_name(&g->tensors[tensor]));
	void *mem = host ? (void *)(uintptr_t)host : s->owned[tensor];
	s->data[tensor] = mem;
	size_t at = 0;
	for (uint32_t i = 0; i < g->n_nodes; i++) {
		const eml_node *node = &g->nodes[i];
		for (uint32_t k = 0; k < node->n_inputs; k++)
			if (node->inputs[k] == tensor)
				s->in_data[at + k] = mem;
		at += (size_t)node->n_inputs + node->n_outputs;
	}
	*copy_bytes = 0;
	return EDGEML_OK;
}

/* Reports the memory the prepared graph holds. */
static void cpu_memory(const void *opaque, eml_backend_memory *mem)
{
	const cpu_state *s = opaque;
	*mem = s->mem;
}

/* Adds up what the session's thread pool did. */
static void cpu_pool_stats(const void *opaque, edgeml_session_stats *out)
{
	const cpu_state *s = opaque;
	eml_threadpool_stats st;
	eml_threadpool_stats_get(s->pool, &st);
	out->cpu_parallel_loops += st.loops;
	out->cpu_tasks_caller += st.caller_tasks;
	out->cpu_tasks_workers += st.worker_tasks;
	out->cpu_worker_sleeps += st.worker_sleeps;
	out->cpu_caller_sleeps += st.caller_sleeps;
	out->cpu_caller_wait_ns += st.caller_wait_ns;
}

const eml_backend eml_cpu_backend = {
	.id = "cpu",
	.name = "cpu-ref",
	.kind = EDGEML_BACKEND_CPU,
	.devices = eml_cpu_devices,
	.supports_node = cpu_supports_node,
	.prepare = cpu_prepare,
	.run = cpu_run,
	.io_data = cpu_io_data,
	.import_external_memory = cpu_import_external_memory,
	.memory = cpu_memory,
	.pool_stats = cpu_pool_stats,
	.destroy = cpu_destroy,
	.layer_times = cpu_layer_times,
	.profile_start = eml_cpu_profile_start,
	.node_kernel = eml_cpu_node_kernel,
};
