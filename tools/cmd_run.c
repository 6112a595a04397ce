/* cmd_run.c — `edgeml run`: runs a .eml model once on .npy inputs and writes .npy outputs. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "commands.h"
#include "edgeml.h"
#include "npy.h"

typedef struct run_args {
	const char *model;
	const char *output_dir;
	int verbose;
	int n_inputs;
	char **inputs; /* "NAME=FILE" strings from argv */
	edgeml_session_options opts;
} run_args;

/* Prints the command's usage. */
static void usage(FILE *f)
{
	fprintf(f,
		"usage: edgeml run MODEL.eml --input NAME=FILE.npy [--input ...] --output-dir DIR\n"
		"                  [--backend auto|cpu|vulkan] [--device DEV] [--threads N]\n"
		"                  [--cpu-fallback] [--reference-kernels] [--verbose] [--help]\n\n"
		"Runs the model once. Every model input must be given as a .npy file of exactly\n"
		"the input's element type and shape (C order). Each output is written as\n"
		"DIR/<output name>.npy ('/' in names becomes '_'); DIR is created if missing.\n\n"
		"  --input NAME=FILE   the value of model input NAME\n"
		"  --output-dir DIR    where the outputs go\n"
		"  --backend KIND      auto (default: a GPU when there is one), cpu or vulkan\n"
		"  --device DEV        the device: its number in `edgeml info` (with --backend,\n"
		"                      its number among that backend's), BACKEND:N, a DRM node\n"
		"                      or part of its name\n"
		"  --threads N         CPU threads, 1 to %d (default 1)\n"
		"  --cpu-fallback      run ops the backend lacks on the CPU instead of failing\n"
		"  --reference-kernels run every CPU node on its reference kernel (the oracle)\n"
		"  --verbose           print the backend, memory plan and run time\n",
		EDGEML_MAX_THREADS);
}

/* Parses --threads: a whole number in 1..EDGEML_MAX_THREADS; returns 0 or prints why not. */
static int parse_threads(const char *text, uint32_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(text, &end, 10);
	if (errno || end == text || *end || text[0] == '-' || v < 1 || v > EDGEML_MAX_THREADS) {
		fprintf(stderr, "edgeml run: --threads wants a whole number from 1 to %d, not '%s'\n",
			EDGEML_MAX_THREADS, text);
		return -1;
	}
	*out = (uint32_t)v;
	return 0;
}

/* Parses argv; returns 0 to go on, -1 after printing --help, or a usage error's exit code.
 * a->inputs has room for argc entries. */
static int parse_args(int argc, char **argv, run_args *a)
{
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		int has_value = i + 1 < argc;
		if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
			usage(stdout);
			return -1;
		} else if (strcmp(arg, "--verbose") == 0 || strcmp(arg, "-v") == 0) {
			a->verbose = 1;
		} else if (strcmp(arg, "--input") == 0 && has_value) {
			a->inputs[a->n_inputs++] = argv[++i];
		} else if (strcmp(arg, "--output-dir") == 0 && has_value) {
			a->output_dir = argv[++i];
		} else if (strcmp(arg, "--backend") == 0 && has_value) {
			const char *k = argv[++i];
			if (strcmp(k, "auto") == 0) {
				a->opts.backend = EDGEML_BACKEND_AUTO;
			} else if (strcmp(k, "cpu") == 0) {
				a->opts.backend = EDGEML_BACKEND_CPU;
			} else if (strcmp(k, "vulkan") == 0) {
				a->opts.backend = EDGEML_BACKEND_VULKAN;
			} else {
				fprintf(stderr, "edgeml run: --backend must be auto, cpu or vulkan\n");
				return 2;
			}
		} else if (strcmp(arg, "--device") == 0 && has_value) {
			a->opts.device = argv[++i];
		} else if (strcmp(arg, "--threads") == 0 && has_value) {
			if (parse_threads(argv[++i], &a->opts.threads) != 0)
				return 2;
		} else if (strcmp(arg, "--cpu-fallback") == 0) {
			a->opts.flags |= EDGEML_SESSION_CPU_FALLBACK;
		} else if (strcmp(arg, "--reference-kernels") == 0) {
			a->opts.flags |= EDGEML_SESSION_REFERENCE_KERNELS;
		} else if (arg[0] == '-') {
			fprintf(stderr, "edgeml run: unknown option or missing value: '%s'\n", arg);
			usage(stderr);
			return 2;
		} else if (a->model) {
			fprintf(stderr, "edgeml run: more than one model given ('%s', '%s')\n",
				a->model, arg);
			return 2;
		} else {
			a->model = arg;
		}
	}
	if (!a->model || !a->output_dir) {
		fprintf(stderr, "edgeml run: %s\n",
			!a->model ? "no model given" : "no --output-dir given");
		usage(stderr);
		return 2;
	}
	return 0;
}

int edgeml_args_run(int argc, char **argv)
{
	run_args a = { 0 };
	edgeml_session_options_init(&a.opts);
	a.inputs = calloc((size_t)argc + 1, sizeof(char *));
	if (!a.inputs)
		return 1;
	int rc = parse_args(argc, argv, &a);
	free(a.inputs);
	return rc < 0 ? 0 : rc == 0 ? -1 : rc;
}

/* Formats a shape as "(1, 3, 224, 224)" for messages. */
static const char *shape_str(char *buf, size_t cap, uint32_t rank, const int64_t *dims)
{
	size_t n = (size_t)snprintf(buf, cap, "(");
	for (uint32_t i = 0; i < rank && n < cap; i++)
		n += (size_t)snprintf(buf + n, cap - n, "%s%lld", i ? ", " : "",
				      (long long)dims[i]);
	if (n < cap)
		snprintf(buf + n, cap - n, ")");
	return buf;
}

/* Loads a .npy file into the session's input name: the file's element type and shape must
 * be the input's exactly. given[] marks the inputs set so far. */
static int load_input_file(const edgeml_model *model, edgeml_session *s, const char *name,
			   const char *path, char *given)
{
	size_t index;
	edgeml_tensor *t;
	edgeml_tensor_info info;
	if (edgeml_model_find_input(model, name, &index) != EDGEML_OK ||
	    edgeml_session_input(s, index, &t) != EDGEML_OK ||
	    edgeml_tensor_info_get(t, &info) != EDGEML_OK) {
		fprintf(stderr, "edgeml run: %s\n", edgeml_last_error());
		return 1;
	}
	if (given[index]) {
		fprintf(stderr, "edgeml run: input '%s' is given twice\n", name);
		return 2;
	}
	given[index] = 1;
	eml_npy npy;
	if (eml_npy_read_file(path, &npy) != EDGEML_OK) {
		fprintf(stderr, "edgeml run: input '%s': %s\n", name, edgeml_last_error());
		return 1;
	}
	int rc = 0;
	char want[160], got[160];
	int same_shape = npy.rank == info.rank &&
			 memcmp(npy.dims, info.dims, info.rank * sizeof(int64_t)) == 0;
	if (npy.dtype != info.dtype || !same_shape) {
		fprintf(stderr, "edgeml run: input '%s': %s holds %s %s, the model wants %s %s\n",
			name, path, edgeml_dtype_name(npy.dtype),
			shape_str(got, sizeof(got), npy.rank, npy.dims),
			edgeml_dtype_name(info.dtype),
			shape_str(want, sizeof(want), info.rank, info.dims));
		rc = 1;
	} else if (edgeml_tensor_write(t, npy.data, npy.size) != EDGEML_OK) {
		fprintf(stderr, "edgeml run: input '%s': %s\n", name, edgeml_last_error());
		rc = 1;
	}
	eml_npy_free(&npy);
	return rc;
}

/* Loads one --input NAME=FILE.npy. */
static int load_input(const edgeml_model *model, edgeml_session *s, const char *spec, char *given)
{
	const char *eq = strchr(spec, '=');
	if (!eq) {
		fprintf(stderr, "edgeml run: --input '%s' must be NAME=FILE.npy\n", spec);
		return 2;
	}
	char *name = strndup(spec, (size_t)(eq - spec));
	if (!name) {
		fprintf(stderr, "edgeml run: out of memory\n");
		return 1;
	}
	int rc = load_input_file(model, s, name, eq + 1, given);
	free(name);
	return rc;
}

/* Names every input no --input gave; returns 0 when all are given. */
static int check_all_given(const edgeml_model *model, const char *given)
{
	int missing = 0;
	for (size_t i = 0; i < edgeml_model_input_count(model); i++) {
		edgeml_tensor_info info;
		if (given[i] || edgeml_model_input_info(model, i, &info) != EDGEML_OK)
			continue;
		fprintf(stderr, "edgeml run: model input '%s' is not given (--input %s=FILE.npy)\n",
			info.name, info.name);
		missing = 1;
	}
	return missing;
}

/* Writes every output to DIR/<name>.npy, with '/' in names made '_' so a name cannot
 * escape DIR. */
static int write_outputs(edgeml_session *s, size_t n, const char *dir, int verbose)
{
	if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
		fprintf(stderr, "edgeml run: cannot create '%s': %s\n", dir, strerror(errno));
		return 1;
	}
	for (size_t i = 0; i < n; i++) {
		edgeml_tensor *t;
		edgeml_tensor_info info;
		if (edgeml_session_output(s, i, &t) != EDGEML_OK ||
		    edgeml_tensor_info_get(t, &info) != EDGEML_OK) {
			fprintf(stderr, "edgeml run: %s\n", edgeml_last_error());
			return 1;
		}
		size_t len = strlen(dir) + strlen(info.name) + 8;
		char *path = malloc(len);
		if (!path) {
			fprintf(stderr, "edgeml run: out of memory\n");
			return 1;
		}
		int at = snprintf(path, len, "%s/", dir);
		for (const char *c = info.name; *c; c++)
			path[at++] = *c == '/' ? '_' : *c;
		snprintf(path + at, len - (size_t)at, ".npy");
		edgeml_status st = eml_npy_write_file(path, info.dtype, info.rank, info.dims,
						      edgeml_tensor_data(t), info.size_bytes);
		if (st == EDGEML_OK && verbose) {
			char shape[160];
			printf("output '%s': %s %s -> %s\n", info.name,
			       edgeml_dtype_name(info.dtype),
			       shape_str(shape, sizeof(shape), info.rank, info.dims), path);
		}
		free(path);
		if (st != EDGEML_OK) {
			fprintf(stderr, "edgeml run: output '%s': %s\n", info.name,
				edgeml_last_error());
			return 1;
		}
	}
	return 0;
}

/* Seconds on a monotonic clock. */
static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Prints the backend and the memory plan. */
static void print_plan(const edgeml_session *s)
{
	edgeml_session_stats mem = { .struct_size = sizeof(mem) };
	edgeml_session_stats_get(s, &mem);
	printf("backend: %s\n", edgeml_session_backend_detail(s));
	printf("arena: %llu bytes (a buffer per tensor: %llu bytes",
	       (unsigned long long)mem.arena_bytes, (unsigned long long)mem.arena_naive_bytes);
	if (mem.arena_naive_bytes)
		printf(", %.1f%% saved", 100.0 * (double)(mem.arena_naive_bytes - mem.arena_bytes) /
						 (double)mem.arena_naive_bytes);
	printf("); inputs and outputs: %llu bytes\n", (unsigned long long)mem.io_bytes);
}

/* Loads inputs, runs, writes outputs: the part of the command with a session. */
static int run_session(const run_args *a, const edgeml_model *model, edgeml_session *s)
{
	size_t n_in = edgeml_model_input_count(model);
	char *given = calloc(n_in ? n_in : 1, 1);
	if (!given) {
		fprintf(stderr, "edgeml run: out of memory\n");
		return 1;
	}
	int rc = 0;
	for (int i = 0; i < a->n_inputs && rc == 0; i++)
		rc = load_input(model, s, a->inputs[i], given);
	if (rc == 0)
		rc = check_all_given(model, given);
	free(given);
	if (rc != 0)
		return rc;
	if (a->verbose)
		print_plan(s);
	double t0 = now_s();
	if (edgeml_session_run(s) != EDGEML_OK) {
		fprintf(stderr, "edgeml run: %s\n", edgeml_last_error());
		return 1;
	}
	if (a->verbose)
		printf("run: %.3f ms\n", (now_s() - t0) * 1e3);
	return write_outputs(s, edgeml_model_output_count(model), a->output_dir, a->verbose);
}

int edgeml_cmd_run(int argc, char **argv)
{
	run_args a = { 0 };
	edgeml_session_options_init(&a.opts);
	a.inputs = calloc((size_t)argc, sizeof(char *));
	if (!a.inputs) {
		fprintf(stderr, "edgeml run: out of memory\n");
		return 1;
	}
	int rc = parse_args(argc, argv, &a);
	if (rc != 0) {
		free(a.inputs);
		return rc < 0 ? 0 : rc;
	}
	edgeml_context *ctx = NULL;
	edgeml_model *model = NULL;
	edgeml_session *s = NULL;
	if (edgeml_context_create(&ctx) != EDGEML_OK ||
	    edgeml_model_load_file(ctx, a.model, &model) != EDGEML_OK ||
	    edgeml_session_create(model, &a.opts, &s) != EDGEML_OK) {
		fprintf(stderr, "edgeml run: %s\n", edgeml_last_error());
		rc = 1;
	} else {
		rc = run_session(&a, model, s);
	}
	edgeml_session_destroy(s);
	edgeml_model_free(model);
	edgeml_context_destroy(ctx);
	free(a.inputs);
	return rc;
}
