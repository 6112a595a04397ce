/* bench_cell.c — measuring one (model, backend, device, threads) cell of `edgeml bench`. */
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench/bench_cell.h"
#include "cpu/fast_ops.h"
#include "cpu/isa.h"
#include "json.h"
#include "model.h"
#include "ops/ops.h"
#include "session.h"

/* Monotonic time in milliseconds. */
static double now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec * 1e-6;
}

/* Fills every input with seeded random bytes (floats uniform in [0, 1)). */
static int fill_inputs(const edgeml_model *model, edgeml_session *s)
{
	uint32_t seed = 12345;
	for (size_t i = 0; i < edgeml_model_input_count(model); i++) {
		edgeml_tensor *t;
		edgeml_tensor_info info;
		if (edgeml_session_input(s, i, &t) != EDGEML_OK ||
		    edgeml_tensor_info_get(t, &info) != EDGEML_OK)
			return 1;
		uint8_t *d = edgeml_tensor_data(t);
		size_t esize = edgeml_dtype_size(info.dtype);
		for (size_t k = 0; esize && k < info.size_bytes / esize; k++) {
			seed = seed * 1664525u + 1013904223u;
			if (info.dtype == EDGEML_DTYPE_FLOAT32) {
				float f = (float)(seed >> 8) / 16777216.0f;
				memcpy(d + k * esize, &f, sizeof(f));
			} else {
				for (size_t b = 0; b < esize; b++)
					d[k * esize + b] = (uint8_t)(seed >> (8 * (b % 4)));
			}
		}
	}
	return 0;
}

/* Multiply-accumulates of a node: convolutions and matrix products, 0 for other ops. */
static double node_macs(const eml_graph *g, const eml_node *node, int *k1x1)
{
	const eml_tensor *out = &g->tensors[node->outputs[0]];
	double n_out = (double)eml_tensor_numel(out);
	uint32_t w_in = 1;
	*k1x1 = 0;
	switch (node->op) {
	case EML_OP_QLinearConv:
		w_in = 3;
		/* fall through */
	case EML_OP_Conv:
	case EML_OP_ConvInteger: {
		const eml_tensor *w = &g->tensors[node->inputs[w_in]];
		double per = 1.0;
		int one = 1;
		for (uint32_t i = 1; i < w->rank; i++) {
			per *= (double)w->dims[i];
			one &= i < 2 || w->dims[i] == 1;
		}
		*k1x1 = one;
		return n_out * per;
	}
	case EML_OP_QLinearMatMul:
	case EML_OP_QLinearGemm:
	case EML_OP_MatMul:
	case EML_OP_MatMulInteger:
	case EML_OP_Gemm: {
		const eml_tensor *a = &g->tensors[node->inputs[0]];
		int64_t trans_a = 0;
		if (node->op == EML_OP_QLinearGemm || node->op == EML_OP_Gemm)
			(void)eml_attr_int(node, "transA", 0, &trans_a);
		int64_t k = a->rank == 0 ? 1 : a->dims[trans_a ? 0 : a->rank - 1];
		return n_out * (double)k;
	}
	default:
		return 0.0;
	}
}

/* Per-node times summed over a pass of runs: the cpu backend's own counters, or the
 * backend's per-run layer times (GPU timestamps) added up here. */
typedef struct profile {
	const eml_backend *backend;
	void *state;
	double *ms;	/* per node */
	int *on_cpu;	/* per node: ran on the CPU in a GPU session */
	int *seen;	/* per node: the backend reported it */
	eml_layer_time *buf;
	uint32_t n;
} profile;

/* Runs the profiling pass: runs times, adding up every node's time. */
static int profile_pass(edgeml_session *s, uint32_t n_nodes, long runs, profile *p)
{
	p->n = n_nodes;
	p->backend = eml_session_backend(s, &p->state);
	p->ms = calloc(n_nodes + 1, sizeof(double));
	p->on_cpu = calloc(n_nodes + 1, sizeof(int));
	p->seen = calloc(n_nodes + 1, sizeof(int));
	p->buf = calloc(n_nodes + 1, sizeof(eml_layer_time));
	if (!p->ms || !p->on_cpu || !p->seen || !p->buf)
		return 1;
	int cpu = p->backend == &eml_cpu_backend;
	if (!cpu && !p->backend->layer_times)
		return 0;
	if (cpu && eml_cpu_profile_start(p->state) != EDGEML_OK)
		return 1;
	for (long r = 0; r < runs; r++) {
		if (edgeml_session_run(s) != EDGEML_OK)
			return 1;
		uint32_t k = cpu ? 0 : p->backend->layer_times(p->state, p->buf, n_nodes);
		for (uint32_t i = 0; i < k; i++) {
			if (p->buf[i].node >= n_nodes)
				continue;
			p->ms[p->buf[i].node] += p->buf[i].ms;
			p->on_cpu[p->buf[i].node] = p->buf[i].on_cpu;
			p->seen[p->buf[i].node] = 1;
		}
	}
	const uint64_t *ns = cpu ? eml_cpu_profile_ns(p->state) : NULL;
	for (uint32_t i = 0; ns && i < n_nodes; i++) {
		p->ms[i] = (double)ns[i] / 1e6;
		p->on_cpu[i] = p->seen[i] = 1;
	}
	for (uint32_t i = 0; i < n_nodes; i++)
		p->ms[i] /= (double)runs;
	return 0;
}

/* Writes the "layers" member: per node, name, op, what ran it, mean ms, MACs. */
static void write_layers(FILE *out, const eml_graph *g, const profile *p)
{
	fprintf(out, ",\n \"layers\": [");
	int cpu = p->backend == &eml_cpu_backend;
	const char *sep = "";
	for (uint32_t i = 0; i < g->n_nodes; i++) {
		if (!p->seen[i])
			continue;
		const eml_node *node = &g->nodes[i];
		int k1x1;
		double macs = node_macs(g, node, &k1x1);
		const char *op = eml_op_name(node->op);
		fprintf(out, "%s\n  {\"name\": ", sep);
		eml_json_write_string(out, node->name ? node->name : "");
		fprintf(out, ", \"op\": ");
		eml_json_write_string(out, op ? op : "?");
		fprintf(out, ", \"kernel\": ");
		eml_json_write_string(out, cpu ? eml_cpu_node_kernel(p->state, i) :
						 (p->on_cpu[i] ? "cpu-fallback" : "gpu"));
		fprintf(out, ", \"ms\": ");
		eml_json_write_number(out, p->ms[i]);
		fprintf(out, ", \"macs\": %.0f, \"conv1x1\": %s, \"on_cpu\": %s}", macs,
			k1x1 ? "true" : "false", p->on_cpu[i] ? "true" : "false");
		sep = ",";
	}
	fprintf(out, "\n ]");
}

/* Removes one entry of the temporary cache directory (nftw callback). */
static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Creates a session and says how long it took. */
static edgeml_status timed_create(const edgeml_model *model, const edgeml_session_options *opt,
				  edgeml_session **s, double *ms)
{
	double t0 = now_ms();
	edgeml_status st = edgeml_session_create(model, opt, s);
	*ms = now_ms() - t0;
	return st;
}

/* The measurement proper, on a loaded model; nonzero on failure (edgeml_last_error says
 * why). */
static int measure(const eml_bench_cell *c, const edgeml_model *model, const char *cache,
		   FILE *out)
{
	edgeml_session_options opt;
	edgeml_session_options_init(&opt);
	opt.backend = c->backend;
	opt.threads = c->threads;
	opt.device = c->device;
	opt.cache_dir = cache;
	edgeml_session *s;
	double cold, warm;
	if (timed_create(model, &opt, &s, &cold) != EDGEML_OK)
		return 1;
	edgeml_session_destroy(s);
	if (timed_create(model, &opt, &s, &warm) != EDGEML_OK)
		return 1;
	double *lat = calloc((size_t)c->iterations, sizeof(double));
	int rc = !lat || fill_inputs(model, s);
	for (long i = 0; rc == 0 && i < c->warmup; i++)
		rc = edgeml_session_run(s) != EDGEML_OK;
	for (long i = 0; rc == 0 && i < c->iterations; i++) {
		double t0 = now_ms();
		rc = edgeml_session_run(s) != EDGEML_OK;
		lat[i] = now_ms() - t0;
	}
	profile p = { 0 };
	const eml_graph *g = &model->graph;
	if (rc == 0 && c->profile)
		rc = profile_pass(s, g->n_nodes, c->iterations, &p);
	if (rc == 0) {
		fprintf(out, "{\"ok\": true, \"backend_name\": ");
		eml_json_write_string(out, edgeml_session_backend_name(s));
		fprintf(out, ",\n \"detail\": ");
		eml_json_write_string(out, edgeml_session_backend_detail(s));
		fprintf(out, ",\n \"isa\": \"%s\", \"create_cold_ms\": ",
			eml_isa_name(eml_isa_active()));
		eml_json_write_number(out, cold);
		fprintf(out, ", \"create_warm_ms\": ");
		eml_json_write_number(out, warm);
		fprintf(out, ",\n \"latencies_ms\": [");
		for (long i = 0; i < c->iterations; i++)
			fprintf(out, "%s%.6f", i ? ", " : "", lat[i]);
		fprintf(out, "]");
		if (p.backend && p.buf)
			write_layers(out, g, &p);
		fprintf(out, "}\n");
	}
	free(p.ms);
	free(p.on_cpu);
	free(p.seen);
	free(p.buf);
	free(lat);
	edgeml_session_destroy(s);
	return rc;
}

int eml_bench_cell_run(const eml_bench_cell *c, FILE *out)
{
	const char *tmp = getenv("TMPDIR");
	char cache[4096];
	snprintf(cache, sizeof(cache), "%s/edgeml-bench-cache-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	int have_cache = mkdtemp(cache) != NULL;
	edgeml_context *ctx = NULL;
	edgeml_model *model = NULL;
	int rc = edgeml_context_create(&ctx) != EDGEML_OK ||
		 edgeml_model_load_file(ctx, c->model, &model) != EDGEML_OK ||
		 measure(c, model, have_cache ? cache : "off", out) != 0;
	if (rc) {
		fprintf(out, "{\"ok\": false, \"error\": ");
		eml_json_write_string(out, *edgeml_last_error() ? edgeml_last_error() :
								  "out of memory");
		fprintf(out, "}\n");
	}
	edgeml_model_free(model);
	edgeml_context_destroy(ctx);
	if (have_cache)
		nftw(cache, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	return rc;
}
