/* cmd_bench.c — `edgeml bench`: latency statistics of a model's runs, an optional per-layer
 * profile (time, MACs, GMAC/s) and a probe of this CPU's peak int8 MAC rate. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "commands.h"
#include "cpu/fast_ops.h"
#include "cpu/isa.h"
#include "cpu/pack.h"
#include "edgeml.h"
#include "model.h"
#include "ops/ops.h"
#include "session.h"

typedef struct bench_args {
	const char *model;
	edgeml_backend_kind backend;
	uint32_t threads;
	long warmup, iterations;
	int json, profile, peak;
} bench_args;

/* Prints the command's usage. */
static void usage(FILE *f)
{
	fprintf(
	    f, "usage: edgeml bench MODEL.eml [--backend cpu|vulkan|auto] [--threads N]\n"
	       "                    [--warmup W] [--iterations I] [--json] [--profile]\n"
	       "       edgeml bench --peak [--json]\n\n"
	       "Runs the model W times unmeasured, then I times measured, on inputs of seeded\n"
	       "random bytes, and prints the median, p90, p99 and min latency, the throughput and\n"
	       "the process's peak RSS.\n\n"
	       "  --backend B      the backend (default auto)\n"
	       "  --threads N      CPU threads (default 1)\n"
	       "  --warmup W       unmeasured runs first (default 5)\n"
	       "  --iterations I   measured runs (default 50)\n"
	       "  --json           one JSON object instead of text (with every latency)\n"
	       "  --profile        add a per-layer table: time, MACs and GMAC/s (cpu backend)\n"
	       "  --peak           measure this CPU core's peak int8 MAC rate with the active\n"
	       "                   ISA's instructions (EDGEML_CPU_ISA selects another level)\n");
}

/* Parses a positive count; returns 0 on success. */
static int parse_count(const char *s, long min, long *out)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || v < min || v > 10000000)
		return 1;
	*out = v;
	return 0;
}

/* Parses argv; returns 0 to go on, -1 after --help, or a usage error's exit code. */
static int parse_args(int argc, char **argv, bench_args *a)
{
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
		long v;
		if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
			usage(stdout);
			return -1;
		} else if (strcmp(arg, "--json") == 0) {
			a->json = 1;
		} else if (strcmp(arg, "--profile") == 0) {
			a->profile = 1;
		} else if (strcmp(arg, "--peak") == 0) {
			a->peak = 1;
		} else if (strcmp(arg, "--backend") == 0 && val) {
			i++;
			if (strcmp(val, "cpu") == 0)
				a->backend = EDGEML_BACKEND_CPU;
			else if (strcmp(val, "vulkan") == 0)
				a->backend = EDGEML_BACKEND_VULKAN;
			else if (strcmp(val, "auto") == 0)
				a->backend = EDGEML_BACKEND_AUTO;
			else {
				fprintf(stderr, "edgeml bench: unknown backend '%s'\n", val);
				return 2;
			}
		} else if ((strcmp(arg, "--threads") == 0 || strcmp(arg, "--warmup") == 0 ||
			    strcmp(arg, "--iterations") == 0) && val) {
			i++;
			long min = strcmp(arg, "--warmup") == 0 ? 0 : 1;
			if (parse_count(val, min, &v)) {
				fprintf(stderr, "edgeml bench: %s wants a count >= %ld, not '%s'\n",
					arg, min, val);
				return 2;
			}
			if (strcmp(arg, "--threads") == 0)
				a->threads =
				    (uint32_t)(v > EML_THREADPOOL_MAX ? EML_THREADPOOL_MAX + 1 : v);
			else if (strcmp(arg, "--warmup") == 0)
				a->warmup = v;
			else
				a->iterations = v;
		} else if (arg[0] == '-') {
			fprintf(stderr, "edgeml bench: unknown option or missing value: '%s'\n",
				arg);
			usage(stderr);
			return 2;
		} else if (a->model) {
			fprintf(stderr, "edgeml bench: more than one model given\n");
			return 2;
		} else {
			a->model = arg;
		}
	}
	if (!a->model && !a->peak) {
		fprintf(stderr, "edgeml bench: no model given\n");
		usage(stderr);
		return 2;
	}
	return 0;
}

/* Monotonic time in seconds. */
static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* Measures the active ISA level's peak int8 MACs per second on one core (0 for none). */
static double measure_peak(void)
{
	eml_qpeak_fn fn = eml_qpeak_for(eml_isa_active());
	if (!fn)
		return 0.0;
	double best = 0.0;
	uint64_t iters = 1u << 20;
	fn(iters); /* warm the core up to its working clock */
	for (int r = 0; r < 5; r++) {
		double t0 = now();
		uint64_t macs = fn(iters);
		double rate = (double)macs / (now() - t0);
		best = rate > best ? rate : best;
	}
	return best;
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

/* qsort order of doubles. */
static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* The q-quantile (0..1) of n sorted values, nearest rank. */
static double quantile(const double *v, long n, double q)
{
	long i = (long)(q * (double)n + 0.999999) - 1;
	return v[i < 0 ? 0 : (i >= n ? n - 1 : i)];
}

/* Multiply-accumulates of a node: convolutions and matrix products, 0 for other ops. */
static double node_macs(const eml_graph *g, const eml_node *node, int *k1x1)
{
	const eml_tensor *out = &g->tensors[node->outputs[0]];
	double n_out = (double)eml_tensor_numel(out);
	uint32_t w_in = 1, a_in = 0;
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
		const eml_tensor *a = &g->tensors[node->inputs[a_in]];
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

/* Prints the per-layer profile (text or a JSON array member) of runs measured runs. */
static void print_profile(const edgeml_model *model, const void *state, long runs, int json)
{
	const eml_graph *g = &model->graph;
	const uint64_t *ns = eml_cpu_profile_ns(state);
	if (!json)
		printf("\n%-32s %-18s %-28s %9s %10s %8s\n", "layer", "op", "kernel", "ms", "MMACs",
		       "GMAC/s");
	else
		printf(",\n  \"layers\": [");
	for (uint32_t i = 0; i < g->n_nodes; i++) {
		const eml_node *node = &g->nodes[i];
		int k1x1;
		double ms = (double)ns[i] / 1e6 / (double)runs, macs = node_macs(g, node, &k1x1);
		double gmacs = ms > 0 ? macs / (ms * 1e6) : 0.0;
		const char *op = eml_op_name(node->op), *name = node->name ? node->name : "";
		if (!json) {
			printf("%-32.32s %-18s %-28s %9.3f %10.2f %8.1f\n", name, op ? op : "?",
			       eml_cpu_node_kernel(state, i), ms, macs / 1e6, gmacs);
			continue;
		}
		printf("%s\n    {\"name\": \"", i ? "," : "");
		for (const char *c = name; *c; c++)
			printf(*c == '"' || *c == '\\' ? "\\%c" : (*c < 32 ? "?" : "%c"), *c);
		printf("\", \"op\": \"%s\", \"kernel\": \"%s\", \"ms\": %.6f, \"macs\": %.0f, "
		       "\"conv1x1\": %s}",
		       op ? op : "?", eml_cpu_node_kernel(state, i), ms, macs,
		       k1x1 ? "true" : "false");
	}
	if (json)
		printf("\n  ]");
}

/* Runs the benchmark proper on an open model; returns the exit code. */
static int bench_model(const bench_args *a, const edgeml_model *model)
{
	edgeml_session_options opt;
	edgeml_session_options_init(&opt);
	opt.backend = a->backend;
	opt.threads = a->threads;
	edgeml_session *s;
	if (edgeml_session_create(model, &opt, &s) != EDGEML_OK) {
		fprintf(stderr, "edgeml bench: %s\n", edgeml_last_error());
		return 1;
	}
	int rc = fill_inputs(model, s);
	double *lat = calloc((size_t)a->iterations, sizeof(double));
	void *state = NULL;
	int profiling = a->profile && eml_session_backend(s, &state) == &eml_cpu_backend;
	if (a->profile && !profiling)
		fprintf(stderr, "edgeml bench: --profile needs the cpu backend; no profile\n");
	for (long i = 0; rc == 0 && i < a->warmup; i++)
		rc = edgeml_session_run(s) != EDGEML_OK;
	if (rc == 0 && profiling && eml_cpu_profile_start(state) != EDGEML_OK)
		rc = 1;
	double total = 0.0;
	for (long i = 0; rc == 0 && lat && i < a->iterations; i++) {
		double t0 = now();
		rc = edgeml_session_run(s) != EDGEML_OK;
		lat[i] = (now() - t0) * 1e3;
		total += lat[i];
	}
	if (rc != 0 || !lat) {
		fprintf(stderr, "edgeml bench: %s\n", lat ? edgeml_last_error() : "out of memory");
		free(lat);
		edgeml_session_destroy(s);
		return 1;
	}
	double *sorted = malloc((size_t)a->iterations * sizeof(double));
	if (!sorted) {
		fprintf(stderr, "edgeml bench: out of memory\n");
		free(lat);
		edgeml_session_destroy(s);
		return 1;
	}
	memcpy(sorted, lat, (size_t)a->iterations * sizeof(double));
	qsort(sorted, (size_t)a->iterations, sizeof(double), cmp_double);
	long n = a->iterations;
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	double median = quantile(sorted, n, 0.5), thr = total > 0 ? 1e3 * (double)n / total : 0;
	const char *isa = eml_isa_name(eml_isa_active());
	if (a->json) {
		printf("{\n  \"model\": \"%s\", \"backend\": \"%s\", \"isa\": \"%s\", "
		       "\"threads\": %u,\n  \"warmup\": %ld, \"iterations\": %ld, "
		       "\"median_ms\": %.6f, \"p90_ms\": %.6f, \"p99_ms\": %.6f, \"min_ms\": %.6f, "
		       "\"throughput_per_s\": %.3f, \"peak_rss_kb\": %ld,\n  \"latencies_ms\": [",
		       a->model, edgeml_session_backend_name(s), isa, a->threads, a->warmup, n,
		       median, quantile(sorted, n, 0.9), quantile(sorted, n, 0.99), sorted[0], thr,
		       ru.ru_maxrss);
		for (long i = 0; i < n; i++)
			printf("%s%.6f", i ? ", " : "", lat[i]);
		printf("]");
		if (profiling)
			print_profile(model, state, n, 1);
		printf("\n}\n");
	} else {
		printf("model:      %s\nbackend:    %s (isa %s, %u thread%s)\n", a->model,
		       edgeml_session_backend_name(s), isa, a->threads,
		       a->threads > 1 ? "s" : "");
		printf("runs:       %ld (after %ld warm-up)\n", n, a->warmup);
		printf("latency:    median %.3f ms, p90 %.3f ms, p99 %.3f ms, min %.3f ms\n",
		       median, quantile(sorted, n, 0.9), quantile(sorted, n, 0.99), sorted[0]);
		printf("throughput: %.1f inferences/s\npeak RSS:   %.1f MiB\n", thr,
		       (double)ru.ru_maxrss / 1024.0);
		if (profiling)
			print_profile(model, state, n, 0);
	}
	free(sorted);
	free(lat);
	edgeml_session_destroy(s);
	return 0;
}

int edgeml_cmd_bench(int argc, char **argv)
{
	bench_args a = { .backend = EDGEML_BACKEND_AUTO, .threads = 1, .warmup = 5,
			 .iterations = 50 };
	int rc = parse_args(argc, argv, &a);
	if (rc != 0)
		return rc < 0 ? 0 : rc;
	if (a.peak) {
		double peak = measure_peak();
		const char *isa = eml_isa_name(eml_isa_active());
		if (a.json)
			printf("{\"isa\": \"%s\", \"peak_gmacs_per_core\": %.3f}\n", isa,
			       peak / 1e9);
		else
			printf("int8 peak (%s, one core): %.1f GMAC/s\n", isa, peak / 1e9);
		if (!a.model)
			return 0;
	}
	edgeml_context *ctx;
	edgeml_model *model;
	if (edgeml_context_create(&ctx) != EDGEML_OK) {
		fprintf(stderr, "edgeml bench: %s\n", edgeml_last_error());
		return 1;
	}
	if (edgeml_model_load_file(ctx, a.model, &model) != EDGEML_OK) {
		fprintf(stderr, "edgeml bench: %s\n", edgeml_last_error());
		edgeml_context_destroy(ctx);
		return 1;
	}
	rc = bench_model(&a, model);
	edgeml_model_free(model);
	edgeml_context_destroy(ctx);
	return rc;
}
