/* cmd_bench.c — `edgeml bench`: latency, throughput, memory and session-creation time of
 * models over a matrix of backends, devices and thread counts, optionally beside a peer
 * runtime (ONNX Runtime, ncnn), with a fingerprint of the machine, as text or as a versioned
 * JSON document (docs/bench-schema.md) that `edgeml report` merges across machines. */
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "bench/bench_busy.h"
#include "bench/bench_cell.h"
#include "bench/bench_proc.h"
#include "commands.h"
#include "edgeml.h"
#include "edgeml_convert.h"
#include "fingerprint.h"
#include "json.h"

#define BENCH_SCHEMA_VERSION 1
#define MAX_LIST 64
/* Peers `--compare` knows, by the name of their harness in the peer directory. */
static const char *const peer_names[] = { "ort", "ncnn" };
#define N_PEERS (sizeof(peer_names) / sizeof(peer_names[0]))

typedef struct bench_args {
	const char *models[MAX_LIST];
	uint32_t n_models;
	int backend_cpu, backend_vulkan, backend_auto;
	const char *devices[MAX_LIST];
	char device_buf[1024];
	size_t device_used; /* bytes of device_buf the --device lists so far hold */
	uint32_t n_devices;
	uint32_t threads[MAX_LIST];
	uint32_t n_threads;
	uint32_t contention; /* busy background threads of the contended cells; 0: none */
	long warmup, iterations, rounds;
	double timeout_s;
	const char *json, *label, *python, *peer_dir;
	int profile, peak, cpu_fallback, workers_compete, no_record, peers[N_PEERS];
	int argc;
	char **argv;
} bench_args;

/* A model of the matrix: the .eml edgeml runs, the .onnx a peer runs. */
typedef struct model_ref {
	const char *arg;
	char name[256];
	char eml[PATH_MAX], onnx[PATH_MAX];
	uint64_t bytes;
	uint32_t crc32;
	char error[512]; /* why it cannot run ("" when it can) */
} model_ref;

/* One row of the results: an engine on one model, backend, device and thread count. */
typedef struct cell {
	const model_ref *model;
	const char *engine, *backend;
	const char *device;
	uint32_t threads;
	uint32_t contention; /* busy background threads while it ran */
	const char *status;
	char error[512];
	char backend_name[64], isa[32], engine_version[64], detail[512];
	double cold, warm;
	long rss_kb;
	double *lat;
	size_t n_lat;
	eml_json *layers;
	double median, p90, p99, min, max, mean, thr, ratio;
	double slowdown; /* contended cells: median / the same cell's median without the load */
	/* CPU thread pool over the measured runs of every round (edgeml_session_stats) */
	double pool_loops, pool_caller_tasks, pool_worker_tasks, pool_worker_sleeps,
		pool_caller_sleeps, pool_caller_wait_ms;
} cell;

/* Prints the command's usage. */
static void usage(FILE *f)
{
	fprintf(f,
		"usage: edgeml bench MODEL... [--backend cpu|vulkan|auto|all[,...]] [--device D,...|all]\n"
		"                  [--threads N,...] [--warmup W] [--iterations I] [--rounds R]\n"
		"                  [--compare ort|ncnn[,...]] [--contention N] [--json FILE|-]\n"
		"                  [--label NAME]\n"
		"                  [--profile] [--cpu-fallback] [--workers-compete] [--no-record]\n"
		"                  [--timeout S]\n"
		"                  [--python PY]\n"
		"                  [--peer-dir DIR]\n"
		"       edgeml bench --peak [--json -]\n\n"
		"Measures every (model, backend, device, threads) cell, each in a process of its\n"
		"own: session creation cold (empty shader cache) and warm, then W unmeasured and I\n"
		"measured runs on seeded random inputs: median, p90, p99, min latency, throughput,\n"
		"peak RSS. MODEL is a .eml, or a .onnx that is converted first.\n\n"
		"  --backend B      cpu, vulkan, auto, or all (cpu and vulkan when a device is\n"
		"                   usable); a comma-separated list (default cpu)\n"
		"  --device D       Vulkan devices: index, DRM node or part of the name; all\n"
		"  --threads LIST   CPU thread counts (default 1)\n"
		"  --contention N   also run every cell with N busy background threads (a child\n"
		"                   of the bench, each spinning pinned to one of the last N cores)\n"
		"                   and report its latency beside the free one's ('vs free')\n"
		"  --warmup W       unmeasured runs first (default 5)\n"
		"  --iterations I   measured runs per round (default 50)\n"
		"  --rounds R       rounds per cell, alternating with the peers (default 1)\n"
		"  --compare P      run a peer on the same .onnx, interleaved with the cpu cells:\n"
		"                   ort (onnxruntime), ncnn (ncnn + pnnx); Python harnesses in\n"
		"                   tools/bench/, skipped with a note where not installed\n"
		"  --json FILE      write the results (schema: docs/bench-schema.md); - = stdout\n"
		"  --label NAME     names this machine in reports (default the hostname)\n"
		"  --profile        add per-layer times (cpu: host clock; vulkan: GPU timestamps)\n"
		"                   and the copies between partitions\n"
		"  --cpu-fallback   nodes the device cannot run run on the CPU (partitions)\n"
		"  --workers-compete CPU worker threads keep the caller's priority instead of\n"
		"                   SCHED_IDLE (EDGEML_SESSION_WORKERS_COMPETE, docs/threads.md)\n"
		"  --no-record      do not write the medians into AUTO's latency record (by\n"
		"                   default each edgeml cell without contention writes its\n"
		"                   median there; sessions under AUTO then try the fastest\n"
		"                   measured device first: docs/architecture.md)\n"
		"  --timeout S      give up a cell after S seconds (default 600)\n"
		"  --python PY      the peers' Python (default $EDGEML_PYTHON, else venv/bin/python or\n"
		"                   build/venv/bin/python in this program's directory or a parent,\n"
		"                   else python3)\n"
		"  --peer-dir DIR   where ort_peer.py is (default tools/bench found from this program up)\n"
		"  --peak           measure this CPU core's peak int8 and float MAC rates with\n"
		"                   the active ISA's instructions (EDGEML_CPU_ISA selects another\n"
		"                   level)\n");
}

/* Parses a count in [min, 10^7]; returns 0 on success. */
static int parse_count(const char *s, long min, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno || v < min || v > 10000000)
		return 1;
	*out = v;
	return 0;
}

/* Copies a comma-separated list into buf and splits it there into items (at most
 * MAX_LIST), leaving argv as it is. */
static int split_list(const char *s, char *buf, size_t size, const char **items, uint32_t *n)
{
	if (snprintf(buf, size, "%s", s) >= (int)size)
		return 1;
	char *save;
	for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (*n >= MAX_LIST)
			return 1;
		items[(*n)++] = tok;
	}
	return *n == 0;
}

/* Parses --backend's list. */
static int parse_backends(const char *s, bench_args *a)
{
	const char *items[MAX_LIST];
	char buf[1024];
	uint32_t n = 0;
	if (split_list(s, buf, sizeof(buf), items, &n))
		return 1;
	for (uint32_t i = 0; i < n; i++) {
		if (strcmp(items[i], "cpu") == 0)
			a->backend_cpu = 1;
		else if (strcmp(items[i], "vulkan") == 0)
			a->backend_vulkan = 1;
		else if (strcmp(items[i], "auto") == 0)
			a->backend_auto = 1;
		else if (strcmp(items[i], "all") == 0)
			a->backend_cpu = a->backend_vulkan = 2;
		else
			return 1;
	}
	return 0;
}

/* Parses --threads's list. */
static int parse_threads(const char *s, bench_args *a)
{
	const char *items[MAX_LIST];
	char buf[1024];
	uint32_t n = 0;
	long v;
	if (split_list(s, buf, sizeof(buf), items, &n))
		return 1;
	for (uint32_t i = 0; i < n; i++) {
		if (parse_count(items[i], 1, &v) || v > EDGEML_MAX_THREADS)
			return 1;
		if (a->n_threads >= MAX_LIST) {
			fprintf(stderr, "edgeml bench: more than %d thread counts in --threads\n",
				MAX_LIST);
			return 1;
		}
		a->threads[a->n_threads++] = (uint32_t)v;
	}
	return 0;
}

/* Parses --compare's list. */
static int parse_peers(const char *s, bench_args *a)
{
	const char *items[MAX_LIST];
	char buf[1024];
	uint32_t n = 0;
	if (split_list(s, buf, sizeof(buf), items, &n))
		return 1;
	for (uint32_t i = 0; i < n; i++) {
		size_t k = 0;
		while (k < N_PEERS && strcmp(items[i], peer_names[k]) != 0)
			k++;
		if (k == N_PEERS)
			return 1;
		a->peers[k] = 1;
	}
	return 0;
}

/* Handles an option with a value; returns 0, or 2 for a bad value. */
static int parse_valued(const char *arg, const char *val, bench_args *a)
{
	long v;
	int bad = 0;
	if (strcmp(arg, "--backend") == 0)
		bad = parse_backends(val, a);
	else if (strcmp(arg, "--device") == 0) {
		/* each list after the ones before it: the items point into the buffer */
		char *buf = a->device_buf + a->device_used;
		bad = split_list(val, buf, sizeof(a->device_buf) - a->device_used, a->devices,
				 &a->n_devices);
		if (!bad)
			a->device_used += strlen(val) + 1;
	}
	else if (strcmp(arg, "--threads") == 0)
		bad = parse_threads(val, a);
	else if (strcmp(arg, "--compare") == 0)
		bad = parse_peers(val, a);
	else if (strcmp(arg, "--contention") == 0) {
		bad = parse_count(val, 1, &v) || v > EDGEML_MAX_THREADS;
		a->contention = bad ? 0 : (uint32_t)v;
	}
	else if (strcmp(arg, "--warmup") == 0)
		bad = parse_count(val, 0, &a->warmup);
	else if (strcmp(arg, "--iterations") == 0)
		bad = parse_count(val, 1, &a->iterations);
	else if (strcmp(arg, "--rounds") == 0)
		bad = parse_count(val, 1, &a->rounds);
	else if (strcmp(arg, "--timeout") == 0) {
		bad = parse_count(val, 1, &v);
		a->timeout_s = (double)v;
	} else if (strcmp(arg, "--json") == 0)
		a->json = val;
	else if (strcmp(arg, "--label") == 0)
		a->label = val;
	else if (strcmp(arg, "--python") == 0)
		a->python = val;
	else
		a->peer_dir = val;
	if (bad)
		fprintf(stderr, "edgeml bench: bad value for %s: '%s' (see --help)\n", arg, val);
	return bad ? 2 : 0;
}

/* Parses argv; returns 0 to go on, -1 after --help, or a usage error's exit code. */
static int parse_args(int argc, char **argv, bench_args *a)
{
	static const char *const valued[] = { "--backend",  "--device",	  "--threads",
					      "--compare",  "--contention", "--warmup",
					      "--iterations", "--rounds",   "--timeout",
					      "--json",	    "--label",	    "--python",
					      "--peer-dir" };
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		size_t k = 0;
		while (k < sizeof(valued) / sizeof(valued[0]) && strcmp(arg, valued[k]) != 0)
			k++;
		if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
			usage(stdout);
			return -1;
		} else if (strcmp(arg, "--profile") == 0) {
			a->profile = 1;
		} else if (strcmp(arg, "--cpu-fallback") == 0) {
			a->cpu_fallback = 1;
		} else if (strcmp(arg, "--workers-compete") == 0) {
			a->workers_compete = 1;
		} else if (strcmp(arg, "--no-record") == 0) {
			a->no_record = 1;
		} else if (strcmp(arg, "--peak") == 0) {
			a->peak = 1;
		} else if (k < sizeof(valued) / sizeof(valued[0])) {
			if (i + 1 >= argc) {
				fprintf(stderr, "edgeml bench: %s needs a value\n", arg);
				return 2;
			}
			int rc = parse_valued(arg, argv[++i], a);
			if (rc)
				return rc;
		} else if (arg[0] == '-') {
			fprintf(stderr, "edgeml bench: unknown option '%s'\n", arg);
			usage(stderr);
			return 2;
		} else if (a->n_models >= MAX_LIST) {
			fprintf(stderr, "edgeml bench: more than %d models\n", MAX_LIST);
			return 2;
		} else {
			a->models[a->n_models++] = arg;
		}
	}
	if (!a->n_models && !a->peak) {
		fprintf(stderr, "edgeml bench: no model given\n");
		usage(stderr);
		return 2;
	}
	if (!a->backend_cpu && !a->backend_vulkan && !a->backend_auto)
		a->backend_cpu = 1;
	if (!a->n_threads)
		a->threads[a->n_threads++] = 1;
	return 0;
}

/* The directory of this program, "" when unknown. */
static void exe_dir(char *buf, size_t size)
{
	ssize_t n = readlink("/proc/self/exe", buf, size - 1);
	buf[n > 0 ? n : 0] = 0;
	char *slash = strrchr(buf, '/');
	if (slash)
		*slash = 0;
	else
		buf[0] = 0;
}

/* Fills in the defaults of --python and --peer-dir (into the caller's buffers): the first
 * of this program's directory and its parents (a build directory may be nested, build/x/)
 * that holds venv/bin/python, build/venv/bin/python or tools/bench/ort_peer.py. */
static void find_peer_tools(bench_args *a, char *py, char *dir, size_t size)
{
	char exe[PATH_MAX], up[PATH_MAX + 16], probe[PATH_MAX + 64];
	exe_dir(exe, sizeof(exe));
	const char *env = getenv("EDGEML_PYTHON");
	if (!a->python && env && *env)
		a->python = env;
	env = getenv("EDGEML_PEER_DIR");
	if (!a->peer_dir && env && *env)
		a->peer_dir = env;
	snprintf(up, sizeof(up), "%s", exe);
	for (int level = 0; exe[0] && level < 4 && (!a->python || !a->peer_dir); level++) {
		static const char *const venvs[] = { "venv/bin/python", "build/venv/bin/python" };
		for (size_t i = 0; !a->python && i < sizeof(venvs) / sizeof(venvs[0]); i++) {
			int n = snprintf(py, size, "%s/%s", up, venvs[i]);
			if (n > 0 && (size_t)n < size && access(py, X_OK) == 0)
				a->python = py;
		}
		if (!a->peer_dir) {
			snprintf(probe, sizeof(probe), "%s/tools/bench/ort_peer.py", up);
			int n = snprintf(dir, size, "%s/tools/bench", up);
			if (n > 0 && (size_t)n < size && access(probe, R_OK) == 0)
				a->peer_dir = dir;
		}
		size_t len = strlen(up);
		if (len + 3 >= sizeof(up))
			break;
		memcpy(up + len, "/..", 4);
	}
	if (!a->python)
		a->python = "python3";
	if (!a->peer_dir) {
		snprintf(dir, size, "%s/../tools/bench", exe);
		a->peer_dir = dir;
	}
}

/* Child process body: converts an .onnx model to .eml, writing an error message to out. */
static int convert_child(void *arg, FILE *out)
{
	model_ref *m = arg;
	int rc = edgeml_convert_file(m->onnx, m->eml) != EDGEML_OK;
	if (rc)
		fprintf(out, "%s", edgeml_last_error());
	return rc;
}

/* Size and CRC-32 of a file, so reports can tell whether two machines ran the same model. */
static int file_crc(const char *path, uint64_t *bytes, uint32_t *crc)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return 1;
	unsigned char buf[65536];
	uLong c = crc32(0L, Z_NULL, 0);
	size_t n;
	*bytes = 0;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		c = crc32(c, buf, (uInt)n);
		*bytes += n;
	}
	int err = ferror(f);
	fclose(f);
	*crc = (uint32_t)c;
	return err;
}

/* Records why a model cannot run; long messages are cut. */
static void model_fail(model_ref *m, const char *fmt, ...) EML_PRINTF(2, 3);
static void model_fail(model_ref *m, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(m->error, sizeof(m->error), fmt, ap);
	va_end(ap);
}

/* Whether s ends with suffix. */
static int ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* Resolves a model argument: converts a .onnx into work, finds the .onnx beside a .eml. */
static void prepare_model(model_ref *m, const char *work, double timeout_s)
{
	const char *base = strrchr(m->arg, '/');
	base = base ? base + 1 : m->arg;
	snprintf(m->name, sizeof(m->name), "%s", base);
	int onnx = ends_with(m->name, ".onnx");
	char *dot = strrchr(m->name, '.');
	if (dot && dot != m->name && (onnx || strcmp(dot, ".eml") == 0))
		*dot = 0;
	if (!onnx) {
		snprintf(m->eml, sizeof(m->eml), "%s", m->arg);
		size_t n = strlen(m->arg);
		if (ends_with(m->arg, ".eml") && n - 4 + 6 < sizeof(m->onnx))
			snprintf(m->onnx, sizeof(m->onnx), "%.*s.onnx", (int)(n - 4), m->arg);
		if (access(m->onnx, R_OK) != 0)
			m->onnx[0] = 0;
	} else {
		snprintf(m->onnx, sizeof(m->onnx), "%s", m->arg);
		eml_proc_result r = { 0 };
		if (snprintf(m->eml, sizeof(m->eml), "%s/%s.eml", work, m->name) >=
		    (int)sizeof(m->eml))
			model_fail(m, "%s", "the model's name is too long");
		else if (eml_proc_fork(convert_child, m, timeout_s, &r) != 0)
			model_fail(m, "cannot start the conversion");
		else if (r.exit_code != 0)
			model_fail(m, "converting %s: %s", m->arg,
				   r.out ? r.out : "the converter crashed");
		eml_proc_result_free(&r);
	}
	if (!m->error[0] && file_crc(m->eml, &m->bytes, &m->crc32))
		model_fail(m, "cannot read %s: %s", m->eml, strerror(errno));
}

/* qsort order of doubles. */
static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* The q-quantile (0..1) of n sorted values, nearest rank. */
static double quantile(const double *v, size_t n, double q)
{
	long i = (long)ceil(q * (double)n - 1e-9) - 1;
	return v[i < 0 ? 0 : ((size_t)i >= n ? n - 1 : (size_t)i)];
}

/* Computes a cell's statistics from its latencies. */
static void cell_stats(cell *c)
{
	c->median = c->p90 = c->p99 = c->min = c->max = c->mean = c->thr = NAN;
	if (!c->n_lat)
		return;
	double *s = malloc(c->n_lat * sizeof(double)), sum = 0;
	if (!s)
		return;
	memcpy(s, c->lat, c->n_lat * sizeof(double));
	qsort(s, c->n_lat, sizeof(double), cmp_double);
	for (size_t i = 0; i < c->n_lat; i++)
		sum += s[i];
	c->median = quantile(s, c->n_lat, 0.5);
	c->p90 = quantile(s, c->n_lat, 0.9);
	c->p99 = quantile(s, c->n_lat, 0.99);
	c->min = s[0];
	c->max = s[c->n_lat - 1];
	c->mean = sum / (double)c->n_lat;
	c->thr = sum > 0 ? 1e3 * (double)c->n_lat / sum : NAN;
	free(s);
}

/* Fork body of an edgeml cell. */
static int edgeml_child(void *arg, FILE *out)
{
	return eml_bench_cell_run(arg, out);
}

/* Copies a string member of a result object into buf when present. */
static void take_str(const eml_json *o, const char *key, char *buf, size_t size)
{
	const char *s = eml_json_string(eml_json_get(o, key), NULL);
	if (s)
		snprintf(buf, size, "%s", s);
}

/* Records a failure of a round (the first one wins); long messages are cut. */
static void cell_fail(cell *c, const char *status, const char *fmt, ...) EML_PRINTF(3, 4);
static void cell_fail(cell *c, const char *status, const char *fmt, ...)
{
	if (strcmp(c->status, "ok") != 0)
		return;
	c->status = status;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->error, sizeof(c->error), fmt, ap);
	va_end(ap);
}

/* Takes one round's output (the object a cell or peer prints) into the cell. */
static void cell_take(cell *c, const eml_proc_result *r, int round)
{
	char why[600];
	eml_json *o = NULL;
	if (r->timed_out) {
		cell_fail(c, "failed", "%s", "timed out (see --timeout)");
		return;
	}
	if (r->signal) {
		snprintf(why, sizeof(why), "the process died of signal %d (%s)", r->signal,
			 strsignal(r->signal));
		cell_fail(c, "failed", "%s", why);
		return;
	}
	if (!r->out || eml_json_parse(r->out, r->len, "the cell's output", &o) != EDGEML_OK) {
		snprintf(why, sizeof(why), "no result (exit %d)%s%s", r->exit_code,
			 r->err_line[0] ? ": " : "", r->err_line);
		cell_fail(c, "failed", "%s", why);
		return;
	}
	const char *skipped = eml_json_string(eml_json_get(o, "skipped"), NULL);
	if (skipped || !eml_json_bool(eml_json_get(o, "ok"), 0)) {
		cell_fail(c, skipped ? "skipped" : "failed", "%s",
			  skipped ? skipped : eml_json_string(eml_json_get(o, "error"), "?"));
		eml_json_free(o);
		return;
	}
	take_str(o, "backend_name", c->backend_name, sizeof(c->backend_name));
	take_str(o, "detail", c->detail, sizeof(c->detail));
	take_str(o, "isa", c->isa, sizeof(c->isa));
	const char *record_error = eml_json_string(eml_json_get(o, "record_error"), NULL);
	static int record_warned;
	if (record_error && !record_warned++)
		fprintf(stderr, "edgeml bench: the latency record was not written: %s\n",
			record_error);
	take_str(o, "engine_version", c->engine_version, sizeof(c->engine_version));
	if (round == 0) {
		c->cold = eml_json_number(eml_json_get(o, "create_cold_ms"), NAN);
		c->warm = eml_json_number(eml_json_get(o, "create_warm_ms"), NAN);
	}
	/* A peer's own figure leaves out the converters it ran as children (wait4 adds them). */
	double own = eml_json_number(eml_json_get(o, "peak_rss_kb"), -1);
	long rss = own >= 0 && own < 1e15 ? (long)own : r->maxrss_kb;
	c->rss_kb = rss > c->rss_kb ? rss : c->rss_kb;
	const eml_json *lat = eml_json_get(o, "latencies_ms");
	size_t n = lat && lat->type == EML_JSON_ARRAY ? lat->count : 0;
	double *p = n ? realloc(c->lat, (c->n_lat + n) * sizeof(double)) : c->lat;
	if (!p || !n) {
		cell_fail(c, "failed", "%s", n ? "out of memory" : "no latencies in the output");
		eml_json_free(o);
		return;
	}
	c->lat = p;
	const eml_json *pool = eml_json_get(o, "pool");
	if (pool) {
		c->pool_loops += eml_json_number(eml_json_get(pool, "loops"), 0);
		c->pool_caller_tasks += eml_json_number(eml_json_get(pool, "caller_tasks"), 0);
		c->pool_worker_tasks += eml_json_number(eml_json_get(pool, "worker_tasks"), 0);
		c->pool_worker_sleeps += eml_json_number(eml_json_get(pool, "worker_sleeps"), 0);
		c->pool_caller_sleeps += eml_json_number(eml_json_get(pool, "caller_sleeps"), 0);
		c->pool_caller_wait_ms += eml_json_number(eml_json_get(pool, "caller_wait_ms"), 0);
	}
	for (const eml_json *v = lat->child; v; v = v->next)
		c->lat[c->n_lat++] = eml_json_number(v, NAN);
	eml_json *prev = NULL;
	for (eml_json *m = o->child; m; prev = m, m = m->next) {
		if (strcmp(m->key, "layers") != 0)
			continue;
		if (prev)
			prev->next = m->next;
		else
			o->child = m->next;
		m->next = NULL;
		eml_json_free(c->layers);
		c->layers = m;
		break;
	}
	eml_json_free(o);
}

/* Runs one round of a cell. */
static void cell_round(cell *c, const bench_args *a, const char *work, int round)
{
	eml_proc_result r;
	int started;
	pid_t busy = -1;
	if (c->contention && (busy = eml_busy_start(c->contention)) < 0) {
		cell_fail(c, "failed", "cannot start %u busy threads: %s", c->contention,
			  strerror(errno));
		return;
	}
	if (strcmp(c->engine, "edgeml") == 0) {
		edgeml_backend_kind kind = strcmp(c->backend, "cpu") == 0 ? EDGEML_BACKEND_CPU :
					   strcmp(c->backend, "vulkan") == 0 ? EDGEML_BACKEND_VULKAN :
									       EDGEML_BACKEND_AUTO;
		eml_bench_cell bc = { .model = c->model->eml, .backend = kind,
				      .device = c->device, .threads = c->threads,
				      .warmup = a->warmup, .iterations = a->iterations,
				      .profile = a->profile,
				      .flags = (a->cpu_fallback ? EDGEML_SESSION_CPU_FALLBACK : 0) |
					       (a->workers_compete ? EDGEML_SESSION_WORKERS_COMPETE : 0),
				      .record = !a->no_record && !c->contention };
		started = eml_proc_fork(edgeml_child, &bc, a->timeout_s, &r) == 0;
	} else {
		char script[PATH_MAX + 32], thr[16], warm[24], iters[24], err[PATH_MAX];
		snprintf(script, sizeof(script), "%s/%s_peer.py", a->peer_dir, c->engine);
		if (access(script, R_OK) != 0) {
			eml_busy_stop(busy);
			cell_fail(c, "skipped", "peer harness %s not found (see --peer-dir)",
				  script);
			return;
		}
		snprintf(thr, sizeof(thr), "%u", c->threads);
		snprintf(warm, sizeof(warm), "%ld", a->warmup);
		snprintf(iters, sizeof(iters), "%ld", a->iterations);
		if (snprintf(err, sizeof(err), "%s/peer-stderr.txt", work) >= (int)sizeof(err)) {
			eml_busy_stop(busy);
			return;
		}
		char *argv[] = { (char *)a->python, script,   (char *)c->model->onnx,
				 "--threads",	    thr,      "--warmup",
				 warm,		    "--iterations", iters,
				 "--work",	    (char *)work, NULL };
		started = eml_proc_exec(argv, err, a->timeout_s, &r) == 0;
	}
	int saved = errno;
	eml_busy_stop(busy);
	errno = saved;
	if (!started) {
		cell_fail(c, "failed", "cannot start a process: %s", strerror(errno));
		return;
	}
	cell_take(c, &r, round);
	eml_proc_result_free(&r);
}

/* Text of a number for the table, "-" for none. */
static const char *fmt_num(char *buf, size_t size, double v, int decimals)
{
	if (isnan(v))
		snprintf(buf, size, "-");
	else
		snprintf(buf, size, "%.*f", decimals, v);
	return buf;
}

/* The share of the parallel loops' tasks the pool's workers ran (the rest the calling
 * thread did); NaN without a pool. */
static double worker_share(const cell *c)
{
	double all = c->pool_caller_tasks + c->pool_worker_tasks;
	return all > 0 ? c->pool_worker_tasks / all : NAN;
}

/* A share as a percentage for the table. */
static const char *fmt_pct(char *buf, size_t size, double v)
{
	snprintf(buf, size, "%.0f%%", 100.0 * v);
	return buf;
}

/* Prints the table's header. */
static void print_header(void)
{
	printf("%-22s %-6s %-7s %-6s %3s %4s %9s %9s %9s %9s %9s %8s %9s %9s %6s %7s %7s\n",
	       "model", "engine", "backend", "device", "thr", "busy", "median ms", "p90 ms",
	       "p99 ms", "min ms", "inf/s", "RSS MiB", "cold ms", "warm ms", "ratio", "vs free",
	       "workers");
}

/* Prints a cell's row (and its per-layer table with --profile). */
static void print_row(const cell *c)
{
	char b[11][32];
	printf("%-22.22s %-6s %-7s %-6.6s %3u %4u ", c->model->name, c->engine, c->backend,
	       c->device ? c->device : "-", c->threads, c->contention);
	if (strcmp(c->status, "ok") != 0) {
		printf("%s: %s\n", c->status, c->error);
		return;
	}
	double share = worker_share(c);
	printf("%9s %9s %9s %9s %9s %8s %9s %9s %6s %7s %7s\n", fmt_num(b[0], 32, c->median, 3),
	       fmt_num(b[1], 32, c->p90, 3), fmt_num(b[2], 32, c->p99, 3),
	       fmt_num(b[3], 32, c->min, 3), fmt_num(b[4], 32, c->thr, 1),
	       fmt_num(b[5], 32, (double)c->rss_kb / 1024.0, 1), fmt_num(b[6], 32, c->cold, 1),
	       fmt_num(b[7], 32, c->warm, 1), isnan(c->ratio) ? "" : fmt_num(b[8], 32, c->ratio, 2),
	       isnan(c->slowdown) ? "" : fmt_num(b[9], 32, c->slowdown, 2),
	       isnan(share) ? "" : fmt_pct(b[10], 32, share));
	if (!c->layers)
		return;
	printf("    %-32s %-18s %-28s %9s %10s %8s\n", "layer", "op", "kernel", "ms", "MMACs",
	       "GMAC/s");
	for (const eml_json *l = c->layers->child; l; l = l->next) {
		double ms = eml_json_number(eml_json_get(l, "ms"), 0);
		double macs = eml_json_number(eml_json_get(l, "macs"), 0);
		printf("    %-32.32s %-18s %-28s %9.3f %10.2f %8.1f\n",
		       eml_json_string(eml_json_get(l, "name"), ""),
		       eml_json_string(eml_json_get(l, "op"), "?"),
		       eml_json_string(eml_json_get(l, "kernel"), "?"), ms, macs / 1e6,
		       ms > 0 ? macs / (ms * 1e6) : 0.0);
		double xfers = eml_json_number(eml_json_get(l, "transfers"), 0);
		if (xfers > 0)
			printf("    %-32s %-18s %-28s %9.3f %10s (%.0f bytes into %s)\n", "",
			       "transfer", "copy",
			       eml_json_number(eml_json_get(l, "transfer_ms"), 0), "",
			       eml_json_number(eml_json_get(l, "transfer_bytes"), 0),
			       eml_json_string(eml_json_get(l, "backend"), "?"));
	}
}

/* Writes a number member, null for none. */
static void num_member(FILE *f, const char *key, double v)
{
	fprintf(f, ", \"%s\": ", key);
	eml_json_write_number(f, v);
}

/* Writes a string member (null for NULL). */
static void str_member(FILE *f, const char *sep, const char *key, const char *v)
{
	fprintf(f, "%s\"%s\": ", sep, key);
	if (v)
		eml_json_write_string(f, v);
	else
		fputs("null", f);
}

/* Writes one result object. */
static void write_result(FILE *f, const cell *c, const bench_args *a)
{
	int ok = strcmp(c->status, "ok") == 0;
	str_member(f, "    {", "model", c->model->name);
	str_member(f, ", ", "model_file", c->model->arg);
	fprintf(f, ", \"model_bytes\": %llu, \"model_crc32\": \"%08x\",\n     ",
		(unsigned long long)c->model->bytes, c->model->crc32);
	str_member(f, "", "engine", c->engine);
	const char *version = strcmp(c->engine, "edgeml") == 0 ? edgeml_version() :
				  (c->engine_version[0] ? c->engine_version : NULL);
	str_member(f, ", ", "engine_version", version);
	str_member(f, ", ", "backend", c->backend);
	str_member(f, ", ", "device", c->device);
	fprintf(f, ", \"threads\": %u, \"contention\": %u,\n     ", c->threads, c->contention);
	str_member(f, "", "status", c->status);
	str_member(f, ", ", "error", c->error);
	str_member(f, ", ", "backend_name", c->backend_name[0] ? c->backend_name : NULL);
	str_member(f, ", ", "isa", c->isa[0] ? c->isa : NULL);
	str_member(f, ",\n     ", "backend_detail", c->detail[0] ? c->detail : NULL);
	fprintf(f, ",\n     \"warmup\": %ld, \"iterations\": %ld, \"rounds\": %ld, \"runs\": %zu",
		a->warmup, a->iterations, a->rounds, c->n_lat);
	num_member(f, "median_ms", ok ? c->median : NAN);
	num_member(f, "p90_ms", ok ? c->p90 : NAN);
	num_member(f, "p99_ms", ok ? c->p99 : NAN);
	num_member(f, "min_ms", ok ? c->min : NAN);
	fputs("\n    ", f);
	num_member(f, "max_ms", ok ? c->max : NAN);
	num_member(f, "mean_ms", ok ? c->mean : NAN);
	num_member(f, "throughput_per_s", ok ? c->thr : NAN);
	num_member(f, "peak_rss_kb", ok ? (double)c->rss_kb : NAN);
	fprintf(f, ",\n     \"session_create_ms\": {\"cold\": ");
	eml_json_write_number(f, ok ? c->cold : NAN);
	fprintf(f, ", \"warm\": ");
	eml_json_write_number(f, ok ? c->warm : NAN);
	fprintf(f, "}");
	num_member(f, "edgeml_ratio", c->ratio);
	num_member(f, "contention_slowdown", c->slowdown);
	if (ok && c->pool_loops > 0) {
		fprintf(f, ",\n     \"pool\": {\"loops\": %.0f, \"caller_tasks\": %.0f, "
			   "\"worker_tasks\": %.0f, \"worker_sleeps\": %.0f, \"caller_sleeps\": %.0f",
			c->pool_loops, c->pool_caller_tasks, c->pool_worker_tasks,
			c->pool_worker_sleeps, c->pool_caller_sleeps);
		num_member(f, "caller_wait_ms_per_run",
			   c->n_lat ? c->pool_caller_wait_ms / (double)c->n_lat : NAN);
		num_member(f, "worker_share", worker_share(c));
		fprintf(f, "}");
	}
	fprintf(f, ",\n     \"latencies_ms\": [");
	for (size_t i = 0; ok && i < c->n_lat; i++)
		fprintf(f, "%s%.6f", i ? ", " : "", c->lat[i]);
	fprintf(f, "]");
	if (c->layers && ok) {
		fprintf(f, ",\n     \"layers\": ");
		eml_json_write(f, c->layers);
	}
	fprintf(f, "}");
}

/* Writes the whole document: settings, fingerprint, results. */
static void write_document(FILE *f, const bench_args *a, const eml_json *fp, double peak,
			   const cell *cells, size_t n)
{
	char when[32];
	time_t t = time(NULL);
	struct tm tm;
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
	fprintf(f, "{\n  \"schema\": \"edgeml-bench\", \"schema_version\": %d,\n",
		BENCH_SCHEMA_VERSION);
	str_member(f, "  ", "label",
		   a->label ? a->label : eml_json_string(eml_json_get(fp, "hostname"), "?"));
	str_member(f, ", ", "created_utc", when);
	fprintf(f, ",\n  \"command\": [");
	for (int i = 0; i < a->argc; i++) {
		fprintf(f, "%s", i ? ", " : "");
		eml_json_write_string(f, a->argv[i]);
	}
	fprintf(f, "],\n  \"settings\": {\"warmup\": %ld, \"iterations\": %ld, \"rounds\": %ld, "
		   "\"profile\": %s, \"cpu_fallback\": %s, \"workers_compete\": %s, "
		   "\"contention\": %u, \"compare\": [",
		a->warmup, a->iterations, a->rounds, a->profile ? "true" : "false",
		a->cpu_fallback ? "true" : "false", a->workers_compete ? "true" : "false",
		a->contention);
	const char *sep = "";
	for (size_t k = 0; k < N_PEERS; k++) {
		if (!a->peers[k])
			continue;
		fprintf(f, "%s\"%s\"", sep, peer_names[k]);
		sep = ", ";
	}
	fprintf(f, "]},\n  \"cpu_peak_gmacs_per_core\": ");
	eml_json_write_number(f, a->peak ? peak / 1e9 : NAN);
	fprintf(f, ",\n  \"fingerprint\": ");
	eml_json_write(f, fp);
	fprintf(f, ",\n  \"results\": [");
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "%s\n", i ? "," : "");
		write_result(f, &cells[i], a);
	}
	fprintf(f, "\n  ]\n}\n");
}

/* Fork body: probes the machine and prints its fingerprint, so that the Vulkan driver is
 * never loaded into the process that forks the cells. */
static int fingerprint_child(void *arg, FILE *out)
{
	(void)arg;
	eml_fingerprint *fp = malloc(sizeof(*fp));
	if (!fp)
		return 1;
	eml_fingerprint_probe(fp);
	eml_fingerprint_write_json(out, fp, "");
	free(fp);
	return 0;
}

/* Removes one entry of the work directory (nftw callback). */
static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* The Vulkan devices to run on: --device's list, every usable one for "all", or the
 * backend's default (NULL). */
static uint32_t vulkan_devices(const bench_args *a, const eml_json *fp, const char **out,
			       char (*names)[16])
{
	int all = a->n_devices == 1 && strcmp(a->devices[0], "all") == 0;
	if (!all && a->n_devices) {
		memcpy(out, a->devices, a->n_devices * sizeof(*out));
		return a->n_devices;
	}
	if (!all) {
		out[0] = NULL;
		return 1;
	}
	const eml_json *devs = eml_json_get(eml_json_get(fp, "vulkan"), "devices");
	uint32_t n = 0;
	for (const eml_json *d = devs ? devs->child : NULL; d && n < MAX_LIST; d = d->next) {
		if (!eml_json_bool(eml_json_get(d, "usable"), 0))
			continue;
		snprintf(names[n], 16, "%.0f", eml_json_number(eml_json_get(d, "index"), 0));
		out[n] = names[n];
		n++;
	}
	return n;
}

/* Whether the fingerprint lists a Vulkan device the backend can use. */
static int vulkan_usable(const eml_json *fp)
{
	const eml_json *devs = eml_json_get(eml_json_get(fp, "vulkan"), "devices");
	for (const eml_json *d = devs ? devs->child : NULL; d; d = d->next)
		if (eml_json_bool(eml_json_get(d, "usable"), 0))
			return 1;
	return 0;
}

/* Shows "[done/total] what" on a terminal's stderr. */
static void progress(int on, size_t done, size_t total, const cell *c)
{
	if (!on)
		return;
	if (!c) {
		fprintf(stderr, "\r\033[K");
		return;
	}
	fprintf(stderr, "\r\033[K[%zu/%zu] %s %s %s%s%s %u thread%s%s", done + 1, total,
		c->model->name, c->engine, c->backend, c->device ? " device " : "",
		c->device ? c->device : "", c->threads, c->threads > 1 ? "s" : "",
		c->contention ? ", beside busy threads" : "");
	fflush(stderr);
}

/* Builds the matrix: per model, backend, device and thread count an edgeml cell, each cpu
 * cell followed by its peers' cells (a group, run interleaved). Returns NULL when out of
 * memory. */
static cell *build_cells(const bench_args *a, const eml_json *fp, const model_ref *models,
			 size_t *count)
{
	static const char *devs[MAX_LIST];
	static char dev_names[MAX_LIST][16];
	uint32_t n_devs = vulkan_devices(a, fp, devs, dev_names);
	int vulkan = a->backend_vulkan == 1 || (a->backend_vulkan == 2 && vulkan_usable(fp));
	if (a->backend_vulkan == 2 && !vulkan)
		fprintf(stderr, "edgeml bench: no usable Vulkan device, vulkan left out (%s)\n",
			eml_json_string(eml_json_get(eml_json_get(fp, "vulkan"), "error"), ""));
	const char *backends[3];
	int nb = 0;
	if (a->backend_cpu)
		backends[nb++] = "cpu";
	if (vulkan)
		backends[nb++] = "vulkan";
	if (a->backend_auto)
		backends[nb++] = "auto";
	size_t per_cpu = 1;
	for (size_t k = 0; k < N_PEERS; k++)
		per_cpu += (size_t)a->peers[k];
	size_t cap = (size_t)a->n_models * a->n_threads * (per_cpu + n_devs + 1) *
		     (a->contention ? 2 : 1);
	cell *cells = calloc(cap ? cap : 1, sizeof(*cells));
	size_t n = 0;
	for (uint32_t m = 0; cells && m < a->n_models; m++)
		for (int b = 0; b < nb; b++) {
			int gpu = strcmp(backends[b], "vulkan") == 0;
			int cpu = strcmp(backends[b], "cpu") == 0;
			for (uint32_t d = 0; d < (gpu ? n_devs : 1); d++)
				for (uint32_t t = 0; t < a->n_threads; t++)
					for (int busy = 0; busy <= (a->contention > 0); busy++) {
						uint32_t load = busy ? a->contention : 0;
						cells[n++] = (cell){ .model = &models[m],
								     .engine = "edgeml",
								     .backend = backends[b],
								     .device = gpu ? devs[d] : NULL,
								     .threads = a->threads[t],
								     .contention = load };
						for (size_t k = 0; cpu && k < N_PEERS; k++)
							if (a->peers[k])
								cells[n++] = (cell){
									.model = &models[m],
									.engine = peer_names[k],
									.backend = "cpu",
									.threads = a->threads[t],
									.contention = load
								};
					}
		}
	*count = n;
	return cells;
}

/* The cell that measured the same as cells[i] without the background load (the group just
 * before a contended one), NULL when cells[i] is not contended. */
static const cell *uncontended(const cell *cells, size_t i)
{
	const cell *c = &cells[i];
	for (size_t j = i; c->contention && j-- > 0;) {
		const cell *f = &cells[j];
		if (!f->contention && f->model == c->model && f->threads == c->threads &&
		    strcmp(f->engine, c->engine) == 0 && strcmp(f->backend, c->backend) == 0 &&
		    (f->device == c->device ||
		     (f->device && c->device && strcmp(f->device, c->device) == 0)))
			return f;
	}
	return NULL;
}

/* Runs the cells group by group, rounds alternating within a group, and prints each
 * group's rows as it finishes. */
static void run_cells(const bench_args *a, const char *work, cell *cells, size_t n, int text)
{
	int tty = isatty(STDERR_FILENO);
	size_t total = n * (size_t)a->rounds, done = 0;
	if (text)
		print_header();
	for (size_t g = 0; g < n;) {
		size_t end = g + 1;
		while (end < n && strcmp(cells[end].engine, "edgeml") != 0)
			end++;
		for (size_t i = g; i < end; i++) {
			cells[i].status = "ok";
			cells[i].ratio = cells[i].slowdown = NAN;
			cells[i].cold = cells[i].warm = NAN;
			if (cells[i].model->error[0])
				cell_fail(&cells[i], "failed", "%s", cells[i].model->error);
			else if (i > g && !cells[i].model->onnx[0])
				cell_fail(&cells[i], "skipped", "%s",
					  "no .onnx for the peer: give the .onnx model to bench");
		}
		for (long r = 0; r < a->rounds; r++)
			for (size_t i = g; i < end; i++, done++) {
				if (strcmp(cells[i].status, "ok") != 0)
					continue;
				progress(tty, done, total, &cells[i]);
				cell_round(&cells[i], a, work, (int)r);
			}
		progress(tty, 0, 0, NULL);
		for (size_t i = g; i < end; i++) {
			cell_stats(&cells[i]);
			if (i > g && strcmp(cells[g].status, "ok") == 0 &&
			    strcmp(cells[i].status, "ok") == 0)
				cells[i].ratio = cells[g].median / cells[i].median;
			const cell *free_cell = uncontended(cells, i);
			if (free_cell && strcmp(free_cell->status, "ok") == 0 &&
			    strcmp(cells[i].status, "ok") == 0)
				cells[i].slowdown = cells[i].median / free_cell->median;
			if (text)
				print_row(&cells[i]);
		}
		fflush(stdout);
		g = end;
	}
}

/* Writes the JSON document to a->json ("-": stdout) through a temporary file; 0 on success. */
static int save_json(const bench_args *a, const eml_json *fp, double peak, const cell *cells,
		     size_t n)
{
	if (strcmp(a->json, "-") == 0) {
		write_document(stdout, a, fp, peak, cells, n);
		return fflush(stdout) != 0;
	}
	char path[PATH_MAX + 8];
	snprintf(path, sizeof(path), "%s.tmp", a->json);
	FILE *f = fopen(path, "w");
	if (f) {
		write_document(f, a, fp, peak, cells, n);
		if (fclose(f) == 0 && rename(path, a->json) == 0)
			return 0;
	}
	fprintf(stderr, "edgeml bench: cannot write %s: %s\n", a->json, strerror(errno));
	return 1;
}

/* Prints the peak MAC rates alone, int8 and float (`edgeml bench --peak`). */
static int peak_only(const bench_args *a)
{
	double peak = edgeml_cpu_peak_macs(EDGEML_DTYPE_INT8);
	double fpeak = edgeml_cpu_peak_macs(EDGEML_DTYPE_FLOAT32);
	const char *isa = edgeml_cpu_kernels(NULL);
	if (a->json && strcmp(a->json, "-") == 0) {
		printf("{\"isa\": \"%s\", \"peak_gmacs_per_core\": %.3f, "
		       "\"f32_peak_gmacs_per_core\": %.3f}\n",
		       isa, peak / 1e9, fpeak / 1e9);
	} else {
		printf("int8 peak (%s, one core): %.1f GMAC/s\n", isa, peak / 1e9);
		printf("f32 peak (%s, one core): %.1f GMAC/s\n", isa, fpeak / 1e9);
	}
	return 0;
}

/* Runs the whole benchmark once the arguments are known. */
static int bench(bench_args *a)
{
	if (!a->n_models)
		return peak_only(a);
	char py[PATH_MAX], peer_dir[PATH_MAX];
	find_peer_tools(a, py, peer_dir, sizeof(py));
	const char *tmp = getenv("TMPDIR");
	char work[PATH_MAX];
	snprintf(work, sizeof(work), "%s/edgeml-bench-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(work)) {
		fprintf(stderr, "edgeml bench: cannot create a directory %s: %s\n", work,
			strerror(errno));
		return 1;
	}
	eml_proc_result r;
	eml_json *fp = NULL;
	if (eml_proc_fork(fingerprint_child, NULL, a->timeout_s, &r) != 0 || !r.out ||
	    eml_json_parse(r.out, r.len, "the fingerprint", &fp) != EDGEML_OK)
		fprintf(stderr, "edgeml bench: probing this machine failed; no fingerprint\n");
	eml_proc_result_free(&r);
	int text = !(a->json && strcmp(a->json, "-") == 0);
	double peak = a->peak ? edgeml_cpu_peak_macs(EDGEML_DTYPE_INT8) : 0.0;
	if (a->peak && text) {
		printf("int8 peak (%s, one core): %.1f GMAC/s\n", edgeml_cpu_kernels(NULL),
		       peak / 1e9);
		printf("f32 peak (%s, one core): %.1f GMAC/s\n", edgeml_cpu_kernels(NULL),
		       edgeml_cpu_peak_macs(EDGEML_DTYPE_FLOAT32) / 1e9);
	}
	model_ref *models = calloc(a->n_models, sizeof(*models));
	size_t n = 0;
	cell *cells = NULL;
	int rc = !fp || !models;
	for (uint32_t i = 0; !rc && i < a->n_models; i++) {
		models[i].arg = a->models[i];
		if (isatty(STDERR_FILENO))
			fprintf(stderr, "\r\033[Kpreparing %s", a->models[i]);
		prepare_model(&models[i], work, a->timeout_s);
		progress(isatty(STDERR_FILENO), 0, 0, NULL);
	}
	if (!rc)
		cells = build_cells(a, fp, models, &n);
	rc |= !cells;
	if (!rc)
		run_cells(a, work, cells, n, text);
	for (size_t i = 0; i < n; i++)
		rc |= strcmp(cells[i].status, "failed") == 0;
	if (cells && a->json)
		rc |= save_json(a, fp, peak, cells, n);
	for (size_t i = 0; i < n; i++) {
		free(cells[i].lat);
		eml_json_free(cells[i].layers);
	}
	if (!fp || !models || !cells)
		fprintf(stderr, "edgeml bench: out of memory\n");
	free(cells);
	free(models);
	eml_json_free(fp);
	nftw(work, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	return rc;
}

int edgeml_args_bench(int argc, char **argv)
{
	bench_args a = { .warmup = 5, .iterations = 50, .rounds = 1, .timeout_s = 600,
			 .argc = argc, .argv = argv };
	int rc = parse_args(argc, argv, &a);
	return rc < 0 ? 0 : rc == 0 ? -1 : rc;
}

int edgeml_cmd_bench(int argc, char **argv)
{
	bench_args a = { .warmup = 5, .iterations = 50, .rounds = 1, .timeout_s = 600,
			 .argc = argc, .argv = argv };
	int rc = parse_args(argc, argv, &a);
	if (rc != 0)
		return rc < 0 ? 0 : rc;
	return bench(&a);
}
