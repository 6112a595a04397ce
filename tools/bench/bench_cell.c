/* bench_cell.c — measuring one (model, backend, device, threads) cell of `edgeml bench`. */
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench/bench_cell.h"
#include "json.h"

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

/* Per-node times of a pass of runs (edgeml_session_profile). */
typedef struct profile {
	edgeml_node_profile *nodes;
	size_t n;
} profile;

/* Runs the profiling pass: runs times, then reads every node's mean time. A backend that
 * cannot time nodes leaves the profile empty. */
static int profile_pass(edgeml_session *s, long runs, profile *p)
{
	edgeml_status st = edgeml_session_profile_start(s);
	if (st == EDGEML_ERR_UNSUPPORTED)
		return 0;
	if (st != EDGEML_OK)
		return 1;
	for (long r = 0; r < runs; r++)
		if (edgeml_session_run(s) != EDGEML_OK)
			return 1;
	size_t n;
	if (edgeml_session_profile(s, NULL, 0, &n) != EDGEML_OK ||
	    !(p->nodes = calloc(n + 1, sizeof(*p->nodes))))
		return 1;
	return edgeml_session_profile(s, p->nodes, n, &p->n) != EDGEML_OK;
}

/* Writes the "layers" member: per node, name, op, what ran it, mean ms, MACs, and the
 * copies into it from another partition. */
static void write_layers(FILE *out, const profile *p)
{
	fprintf(out, ",\n \"layers\": [");
	const char *sep = "";
	for (size_t i = 0; i < p->n; i++) {
		const edgeml_node_profile *node = &p->nodes[i];
		int on_cpu = strcmp(node->backend, "cpu") == 0;
		fprintf(out, "%s\n  {\"name\": ", sep);
		eml_json_write_string(out, node->name);
		fprintf(out, ", \"op\": ");
		eml_json_write_string(out, node->op);
		fprintf(out, ", \"kernel\": ");
		eml_json_write_string(out, node->kernel);
		fprintf(out, ", \"ms\": ");
		eml_json_write_number(out, node->ms);
		fprintf(out, ", \"macs\": %llu, \"conv1x1\": %s, \"on_cpu\": %s, \"backend\": ",
			(unsigned long long)node->macs, node->conv1x1 ? "true" : "false",
			on_cpu ? "true" : "false");
		eml_json_write_string(out, node->backend);
		fprintf(out, ", \"transfers\": ");
		eml_json_write_number(out, node->transfers);
		fprintf(out, ", \"transfer_bytes\": %llu, \"transfer_ms\": ",
			(unsigned long long)node->transfer_bytes);
		eml_json_write_number(out, node->transfer_ms);
		fprintf(out, "}");
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

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
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
	opt.flags = c->flags;
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
	/* The thread pool's counters over the measured runs only (a share, not a time: the
	 * load on the machine barely moves what it means) */
	edgeml_session_stats st0 = { .struct_size = sizeof(st0) }, st1 = st0;
	if (rc == 0)
		rc = edgeml_session_stats_get(s, &st0) != EDGEML_OK;
	for (long i = 0; rc == 0 && i < c->iterations; i++) {
		double t0 = now_ms();
		rc = edgeml_session_run(s) != EDGEML_OK;
		lat[i] = now_ms() - t0;
	}
	if (rc == 0)
		rc = edgeml_session_stats_get(s, &st1) != EDGEML_OK;
	/* The median goes into AUTO's record (the user's cache directory, not this cell's
	 * temporary one); a record that cannot be written is reported, not a failure. */
	const char *record_error = NULL;
	if (rc == 0 && c->record) {
		double *sorted = malloc((size_t)c->iterations * sizeof(double));
		if (sorted) {
			memcpy(sorted, lat, (size_t)c->iterations * sizeof(double));
			qsort(sorted, (size_t)c->iterations, sizeof(double), cmp_double);
			long mid = c->iterations / 2;
			double med = c->iterations % 2 ? sorted[mid] :
							 (sorted[mid - 1] + sorted[mid]) / 2;
			if (edgeml_session_record_latency(s, NULL, med) != EDGEML_OK)
				record_error = edgeml_last_error();
			free(sorted);
		}
	}
	profile p = { 0 };
	if (rc == 0 && c->profile)
		rc = profile_pass(s, c->iterations, &p);
	if (rc == 0) {
		fprintf(out, "{\"ok\": true, \"backend_name\": ");
		eml_json_write_string(out, edgeml_session_backend_name(s));
		fprintf(out, ",\n \"detail\": ");
		eml_json_write_string(out, edgeml_session_backend_detail(s));
		fprintf(out, ",\n \"isa\": \"%s\", \"create_cold_ms\": ",
			edgeml_cpu_kernels(NULL));
		eml_json_write_number(out, cold);
		fprintf(out, ", \"create_warm_ms\": ");
		eml_json_write_number(out, warm);
		fprintf(out, ",\n \"latencies_ms\": [");
		for (long i = 0; i < c->iterations; i++)
			fprintf(out, "%s%.6f", i ? ", " : "", lat[i]);
		fprintf(out, "]");
		if (st1.cpu_parallel_loops > st0.cpu_parallel_loops)
			fprintf(out,
				",\n \"pool\": {\"loops\": %llu, \"caller_tasks\": %llu, "
				"\"worker_tasks\": %llu, \"worker_sleeps\": %llu, "
				"\"caller_sleeps\": %llu, \"caller_wait_ms\": %.3f}",
				(unsigned long long)(st1.cpu_parallel_loops - st0.cpu_parallel_loops),
				(unsigned long long)(st1.cpu_tasks_caller - st0.cpu_tasks_caller),
				(unsigned long long)(st1.cpu_tasks_workers - st0.cpu_tasks_workers),
				(unsigned long long)(st1.cpu_worker_sleeps - st0.cpu_worker_sleeps),
				(unsigned long long)(st1.cpu_caller_sleeps - st0.cpu_caller_sleeps),
				(double)(st1.cpu_caller_wait_ns - st0.cpu_caller_wait_ns) / 1e6);
		if (record_error) {
			fprintf(out, ",\n \"record_error\": ");
			eml_json_write_string(out, record_error);
		}
		if (p.n)
			write_layers(out, &p);
		fprintf(out, "}\n");
	}
	free(p.nodes);
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
