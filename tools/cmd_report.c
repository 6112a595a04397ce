/* cmd_report.c — `edgeml report`: merges the JSON results of `edgeml bench` from several
 * machines (or builds, or ISA levels) into one comparison table, as text or Markdown, and a
 * chart of latency per model per machine and backend drawn by gnuplot (SVG or PNG). */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/bench_proc.h"
#include "commands.h"
#include "json.h"

/* The schema version this reader understands (docs/bench-schema.md). */
#define REPORT_SCHEMA_VERSION 1
#define MAX_RUNS 32

/* One input file. */
typedef struct run {
	const char *path;
	eml_json *doc;
	char label[160];
} run;

/* One row of the table: a configuration measured on one or more of the runs. */
typedef struct row {
	const char *model, *engine, *backend, *device, *crc;
	uint32_t threads;
	uint32_t busy; /* `bench --contention`: busy background threads, 0 for none */
	double value[MAX_RUNS];
	const char *status[MAX_RUNS];
	int crc_differs;
} row;

typedef struct report_args {
	const char *files[MAX_RUNS];
	int n_files;
	int markdown;
	const char *chart, *metric;
} report_args;

/* Prints the command's usage. */
static void usage(FILE *f)
{
	fprintf(f,
		"usage: edgeml report RUN.json... [--markdown] [--chart FILE.svg|FILE.png]\n"
		"                     [--metric median|p90|p99|min|mean]\n\n"
		"Merges the results of `edgeml bench --json` (from several machines, builds or\n"
		"settings) into one table: a row per model, engine, backend, device and thread\n"
		"count, a column per run (named by its --label), and each run's ratio to the\n"
		"first (> 1: slower). --chart draws the latency per model per run and backend with\n"
		"gnuplot (EDGEML_GNUPLOT names another binary).\n");
}

/* Parses argv; returns 0 to go on, -1 after --help, or a usage error's exit code. */
static int parse_args(int argc, char **argv, report_args *a)
{
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
			usage(stdout);
			return -1;
		} else if (strcmp(arg, "--markdown") == 0) {
			a->markdown = 1;
		} else if ((strcmp(arg, "--chart") == 0 || strcmp(arg, "--metric") == 0) &&
			   i + 1 < argc) {
			if (strcmp(arg, "--chart") == 0)
				a->chart = argv[++i];
			else
				a->metric = argv[++i];
		} else if (arg[0] == '-') {
			fprintf(stderr, "edgeml report: unknown option or missing value: '%s'\n",
				arg);
			usage(stderr);
			return 2;
		} else if (a->n_files >= MAX_RUNS) {
			fprintf(stderr, "edgeml report: more than %d files\n", MAX_RUNS);
			return 2;
		} else {
			a->files[a->n_files++] = arg;
		}
	}
	static const char *const metrics[] = { "median", "p90", "p99", "min", "mean" };
	int ok = 0;
	for (size_t i = 0; i < sizeof(metrics) / sizeof(metrics[0]); i++)
		ok |= strcmp(a->metric, metrics[i]) == 0;
	if (!ok) {
		fprintf(stderr, "edgeml report: --metric is median, p90, p99, min or mean\n");
		return 2;
	}
	if (!a->n_files) {
		fprintf(stderr, "edgeml report: no results given\n");
		usage(stderr);
		return 2;
	}
	if (a->chart) {
		const char *dot = strrchr(a->chart, '.');
		if (!dot || (strcmp(dot, ".svg") != 0 && strcmp(dot, ".png") != 0)) {
			fprintf(stderr, "edgeml report: --chart wants a .svg or .png file\n");
			return 2;
		}
	}
	return 0;
}

/* Checks that a result object has what the table needs; returns 0 when it does. */
static int check_result(const run *r, const eml_json *res, size_t index)
{
	static const char *const strings[] = { "model", "engine", "backend", "status" };
	for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++) {
		if (!eml_json_string(eml_json_get(res, strings[i]), NULL)) {
			fprintf(stderr, "edgeml report: %s: results[%zu] has no string '%s'\n",
				r->path, index, strings[i]);
			return 1;
		}
	}
	double t = eml_json_number(eml_json_get(res, "threads"), -1);
	if (t < 1 || t > 1e6 || t != floor(t)) {
		fprintf(stderr, "edgeml report: %s: results[%zu]: 'threads' is not a count\n",
			r->path, index);
		return 1;
	}
	return 0;
}

/* Reads and checks one run file; returns 0 on success. */
static int load_run(run *r)
{
	if (eml_json_read_file(r->path, &r->doc) != EDGEML_OK) {
		fprintf(stderr, "edgeml report: %s\n", edgeml_last_error());
		return 1;
	}
	const char *schema = eml_json_string(eml_json_get(r->doc, "schema"), "");
	double version = eml_json_number(eml_json_get(r->doc, "schema_version"), -1);
	if (strcmp(schema, "edgeml-bench") != 0) {
		fprintf(stderr, "edgeml report: %s is not an `edgeml bench --json` result (no "
				"\"schema\": \"edgeml-bench\")\n", r->path);
		return 1;
	}
	if (version != REPORT_SCHEMA_VERSION) {
		fprintf(stderr, "edgeml report: %s has schema version %g; this edgeml reads "
				"version %d (use the edgeml that wrote it)\n", r->path, version,
			REPORT_SCHEMA_VERSION);
		return 1;
	}
	const eml_json *res = eml_json_get(r->doc, "results");
	if (!res || res->type != EML_JSON_ARRAY) {
		fprintf(stderr, "edgeml report: %s has no \"results\" array\n", r->path);
		return 1;
	}
	size_t i = 0;
	for (const eml_json *x = res->child; x; x = x->next, i++)
		if (check_result(r, x, i))
			return 1;
	snprintf(r->label, sizeof(r->label), "%s",
		 eml_json_string(eml_json_get(r->doc, "label"), r->path));
	return 0;
}

/* Makes labels unique by appending #2, #3 to repeats. */
static void unique_labels(run *runs, int n)
{
	for (int i = 1; i < n; i++) {
		int same = 1;
		for (int j = 0; j < i; j++)
			same += strcmp(runs[i].label, runs[j].label) == 0;
		if (same > 1) {
			char tail[16];
			int t = snprintf(tail, sizeof(tail), "#%d", same);
			size_t len = strlen(runs[i].label), room = sizeof(runs[i].label) - 1;
			if (len + (size_t)t > room)
				len = room - (size_t)t;
			memcpy(runs[i].label + len, tail, (size_t)t + 1);
		}
	}
}

/* Whether two possibly NULL strings are equal. */
static int same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* Adds the results of run k to the rows (a new row per configuration not seen yet). */
static int add_results(const run *r, int k, int n_runs, const char *field, row **rows,
		       size_t *n, size_t *cap)
{
	const eml_json *res = eml_json_get(r->doc, "results");
	for (const eml_json *x = res->child; x; x = x->next) {
		const char *model = eml_json_string(eml_json_get(x, "model"), "");
		const char *engine = eml_json_string(eml_json_get(x, "engine"), "");
		const char *backend = eml_json_string(eml_json_get(x, "backend"), "");
		const char *device = eml_json_string(eml_json_get(x, "device"), NULL);
		const char *crc = eml_json_string(eml_json_get(x, "model_crc32"), NULL);
		uint32_t threads = (uint32_t)eml_json_number(eml_json_get(x, "threads"), 1);
		uint32_t busy = (uint32_t)eml_json_number(eml_json_get(x, "contention"), 0);
		size_t i = 0;
		while (i < *n && !(strcmp((*rows)[i].model, model) == 0 &&
				   strcmp((*rows)[i].engine, engine) == 0 &&
				   strcmp((*rows)[i].backend, backend) == 0 &&
				   same_str((*rows)[i].device, device) && (*rows)[i].threads == threads &&
				   (*rows)[i].busy == busy))
			i++;
		if (i == *n) {
			if (*n == *cap) {
				size_t want = *cap ? *cap * 2 : 64;
				row *p = realloc(*rows, want * sizeof(row));
				if (!p)
					return 1;
				*rows = p;
				*cap = want;
			}
			row *w = &(*rows)[(*n)++];
			*w = (row){ .model = model, .engine = engine, .backend = backend,
				    .device = device, .threads = threads, .busy = busy, .crc = crc };
			for (int j = 0; j < n_runs; j++)
				w->value[j] = NAN;
		}
		row *w = &(*rows)[i];
		w->status[k] = eml_json_string(eml_json_get(x, "status"), "?");
		w->value[k] = eml_json_number(eml_json_get(x, field), NAN);
		if (crc && w->crc && strcmp(crc, w->crc) != 0)
			w->crc_differs = 1;
	}
	return 0;
}

/* Rows ordered by model, then edgeml before peers, engine, backend, device, threads. */
static int row_order(const void *pa, const void *pb)
{
	const row *a = pa, *b = pb;
	int c = strcmp(a->model, b->model);
	if (c == 0)
		c = (strcmp(b->engine, "edgeml") == 0) - (strcmp(a->engine, "edgeml") == 0);
	if (c == 0)
		c = strcmp(a->engine, b->engine);
	if (c == 0)
		c = strcmp(a->backend, b->backend);
	if (c == 0)
		c = strcmp(a->device ? a->device : "", b->device ? b->device : "");
	if (c == 0)
		c = (a->threads > b->threads) - (a->threads < b->threads);
	if (c == 0)
		c = (a->busy > b->busy) - (a->busy < b->busy);
	return c;
}

/* One fingerprint line per run: what each column ran on. */
static void print_machines(const run *runs, int n, int md)
{
	printf(md ? "| run | cpu | cores | isa | kernel | vulkan | edgeml |\n"
		    "|---|---|---|---|---|---|---|\n" :
		    "runs:\n");
	for (int i = 0; i < n; i++) {
		const eml_json *fp = eml_json_get(runs[i].doc, "fingerprint");
		const eml_json *cpu = eml_json_get(fp, "cpu");
		const eml_json *vk = eml_json_get(fp, "vulkan");
		const eml_json *dev = eml_json_get(vk, "devices");
		const eml_json *ed = eml_json_get(fp, "edgeml");
		const char *req = eml_json_string(eml_json_get(cpu, "isa_requested"), "");
		char gpu[600] = "none";
		if (dev && dev->child)
			snprintf(gpu, sizeof(gpu), "%s (%s)",
				 eml_json_string(eml_json_get(dev->child, "name"), "?"),
				 eml_json_string(eml_json_get(dev->child, "driver_info"), "?"));
		char isa[96];
		snprintf(isa, sizeof(isa), "%s%s%s%s",
			 eml_json_string(eml_json_get(cpu, "isa"), "?"), *req ? " (forced " : "",
			 req, *req ? ")" : "");
		const char *fmt = md ? "| %s | %s %s | %.0f | %s | %s | %s | %s %s |\n" :
				       "  %-16s %s %s, %.0f cores, isa %s, kernel %s, vulkan: %s, "
				       "edgeml %s (%s)\n";
		printf(fmt, runs[i].label, eml_json_string(eml_json_get(cpu, "model"), "?"),
		       eml_json_string(eml_json_get(cpu, "arch"), ""),
		       eml_json_number(eml_json_get(cpu, "cores_online"), 0), isa,
		       eml_json_string(eml_json_get(eml_json_get(fp, "kernel"), "release"), "?"),
		       gpu, eml_json_string(eml_json_get(ed, "version"), "?"),
		       eml_json_string(eml_json_get(ed, "build_options"), ""));
	}
	printf("\n");
}

/* A table cell: the value, or the status when the cell did not run. */
static const char *cell_text(const row *w, int k, char *buf, size_t size)
{
	if (!w->status[k])
		snprintf(buf, size, "%s", "");
	else if (strcmp(w->status[k], "ok") != 0)
		snprintf(buf, size, "%s", w->status[k]);
	else if (isnan(w->value[k]))
		snprintf(buf, size, "-");
	else
		snprintf(buf, size, "%.3f", w->value[k]);
	return buf;
}

/* Prints the comparison table, text or Markdown. */
static void print_table(const run *runs, int n_runs, const row *rows, size_t n, int md,
			const char *metric)
{
	char buf[64];
	if (md) {
		printf("| model | engine | backend | device | threads | busy |");
		for (int k = 0; k < n_runs; k++)
			printf(" %s %s ms |", runs[k].label, metric);
		for (int k = 1; k < n_runs; k++)
			printf(" %s / %s |", runs[k].label, runs[0].label);
		printf("\n|---|---|---|---|--:|--:|");
		for (int k = 1; k < 2 * n_runs; k++)
			printf("--:|");
		printf("\n");
	} else {
		printf("%s latency in ms; ratio = run / %s (> 1: slower)\n", metric, runs[0].label);
		printf("%-22s %-6s %-7s %-6s %3s %4s", "model", "engine", "backend", "device", "thr",
		       "busy");
		for (int k = 0; k < n_runs; k++)
			printf(" %14.14s", runs[k].label);
		for (int k = 1; k < n_runs; k++)
			printf(" %9s", "ratio");
		printf("\n");
	}
	for (size_t i = 0; i < n; i++) {
		const row *w = &rows[i];
		const char *dev = w->device ? w->device : "-";
		if (md)
			printf("| %s%s | %s | %s | %s | %u | %u |", w->model,
			       w->crc_differs ? " (*)" : "", w->engine, w->backend, dev, w->threads,
			       w->busy);
		else
			printf("%-22.22s %-6s %-7s %-6.6s %3u %4u", w->model, w->engine, w->backend,
			       dev, w->threads, w->busy);
		for (int k = 0; k < n_runs; k++)
			printf(md ? " %s |" : " %14s", cell_text(w, k, buf, sizeof(buf)));
		for (int k = 1; k < n_runs; k++) {
			double r = w->value[k] / w->value[0];
			if (isnan(r) || !w->status[0] || !w->status[k])
				snprintf(buf, sizeof(buf), "-");
			else
				snprintf(buf, sizeof(buf), "%.2f", r);
			printf(md ? " %s |" : " %9s", buf);
		}
		printf("%s\n", !md && w->crc_differs ? "  (*)" : "");
	}
	for (size_t i = 0; i < n; i++)
		if (rows[i].crc_differs) {
			printf("\n(*) the runs measured different files under this model name "
			       "(model_crc32 differs)\n");
			break;
		}
}

/* Whether two rows are the same configuration (all but the model). */
static int same_config(const row *a, const row *b)
{
	return strcmp(a->engine, b->engine) == 0 && strcmp(a->backend, b->backend) == 0 &&
	       same_str(a->device, b->device) && a->threads == b->threads && a->busy == b->busy;
}

/* The value of configuration cfg on model (at row index first, the model's first row) in
 * run k, NaN when it was not measured there. */
static double chart_value(const row *rows, size_t n, size_t first, const row *cfg, int k)
{
	for (size_t i = first; i < n && strcmp(rows[i].model, rows[first].model) == 0; i++)
		if (same_config(&rows[i], cfg))
			return rows[i].status[k] && strcmp(rows[i].status[k], "ok") == 0 ?
				       rows[i].value[k] : NAN;
	return NAN;
}

/* Writes the chart's data: a line per model, a column per (run, configuration) series. */
static size_t write_chart_data(FILE *d, const run *runs, int n_runs, const row *rows, size_t n,
			       size_t *n_models)
{
	size_t n_series = 0;
	fprintf(d, "model");
	for (int k = 0; k < n_runs; k++)
		for (size_t j = 0; j < n; j++) {
			int first = 1;
			for (size_t m = 0; m < j && first; m++)
				first = !same_config(&rows[m], &rows[j]);
			if (!first)
				continue;
			const row *w = &rows[j];
			int peer = strcmp(w->engine, "edgeml") != 0;
			fprintf(d, "\t%s %s%s%s%s%s %ut%s", runs[k].label, peer ? w->engine : "",
				peer ? "-" : "", w->backend, w->device ? ":" : "",
				w->device ? w->device : "", w->threads, w->busy ? " busy" : "");
			n_series++;
		}
	*n_models = 0;
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && strcmp(rows[i].model, rows[i - 1].model) == 0)
			continue;
		fprintf(d, "\n%s", rows[i].model);
		(*n_models)++;
		for (int k = 0; k < n_runs; k++)
			for (size_t j = 0; j < n; j++) {
				int first = 1;
				for (size_t m = 0; m < j && first; m++)
					first = !same_config(&rows[m], &rows[j]);
				if (!first)
					continue;
				double v = chart_value(rows, n, i, &rows[j], k);
				if (isnan(v) || v <= 0)
					fprintf(d, "\t-");
				else
					fprintf(d, "\t%.6g", v);
			}
	}
	fprintf(d, "\n");
	return n_series;
}

/* Writes the gnuplot script of the chart: a colour per configuration, a fill per run (full
 * for the first, lighter for the others), so a configuration is compared across runs by
 * colour. */
static void write_chart_script(FILE *s, const report_args *a, const char *data,
			       size_t n_series, size_t n_models, int n_runs)
{
	static const char *const colours[] = { "#4477aa", "#ee6677", "#228833", "#ccbb44",
					       "#66ccee", "#aa3377", "#ee7733", "#555555",
					       "#0077bb", "#009988", "#cc3311", "#bbbbbb" };
	size_t n_colours = sizeof(colours) / sizeof(colours[0]);
	size_t per_run = n_series / (size_t)n_runs;
	int png = strcmp(strrchr(a->chart, '.'), ".png") == 0;
	size_t width = 420 + n_models * (n_series * 14 + 40);
	width = width < 900 ? 900 : (width > 4000 ? 4000 : width);
	fprintf(s, "set terminal %s size %zu,640 %s font 'sans,11' background rgb 'white'\n",
		png ? "pngcairo" : "svg", width, png ? "" : "dynamic");
	fprintf(s, "set output '%s'\n", a->chart);
	fprintf(s, "set title \"edgeml bench: %s latency per model (ms, log scale; lower is "
		   "better)\" noenhanced\n", a->metric);
	fprintf(s, "set datafile separator '\\t'\nset datafile missing '-'\n"
		   "set style data histograms\nset style histogram clustered gap 1\n"
		   "set boxwidth 0.9\nset logscale y\nset ylabel '%s latency (ms)'\n"
		   "set grid ytics mytics\nset key outside right top vertical noenhanced\n"
		   "set xtics noenhanced nomirror\n", a->metric);
	fprintf(s, "plot");
	for (size_t i = 0; i < n_series; i++) {
		size_t k = per_run ? i / per_run : 0, cfg = per_run ? i % per_run : i;
		char fill[48];
		snprintf(fill, sizeof(fill), "solid %.2f",
			 k == 0 ? 0.9 : 0.3 + 0.2 * (double)((k - 1) % 3));
		fprintf(s, "%s '%s' using %zu%s title columnheader(%zu) lc rgb '%s' fs %s border "
			   "rgb 'black'", i ? ", \\\n    " : "", i ? "" : data, i + 2,
			i ? "" : ":xtic(1)", i + 2, colours[cfg % n_colours], fill);
	}
	fprintf(s, "\n");
}

/* Draws the chart with gnuplot through a data file and a script in a temporary directory;
 * returns 0 on success. */
static int draw_chart(const report_args *a, const run *runs, int n_runs, const row *rows,
		      size_t n)
{
	const char *tmp = getenv("TMPDIR");
	char dir[PATH_MAX], data[PATH_MAX + 16], script[PATH_MAX + 16], err[PATH_MAX + 16];
	snprintf(dir, sizeof(dir), "%s/edgeml-report-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		fprintf(stderr, "edgeml report: cannot create %s: %s\n", dir, strerror(errno));
		return 1;
	}
	if (snprintf(data, sizeof(data), "%s/data.tsv", dir) >= (int)sizeof(data) ||
	    snprintf(script, sizeof(script), "%s/chart.gp", dir) >= (int)sizeof(script) ||
	    snprintf(err, sizeof(err), "%s/gnuplot.err", dir) >= (int)sizeof(err)) {
		rmdir(dir);
		return 1;
	}
	FILE *d = fopen(data, "w"), *s = fopen(script, "w");
	int rc = !d || !s;
	size_t n_models = 0, n_series = 0;
	if (!rc) {
		n_series = write_chart_data(d, runs, n_runs, rows, n, &n_models);
		write_chart_script(s, a, data, n_series, n_models, n_runs);
	}
	if (d)
		rc |= fclose(d) != 0;
	if (s)
		rc |= fclose(s) != 0;
	if (rc)
		fprintf(stderr, "edgeml report: cannot write in %s: %s\n", dir, strerror(errno));
	if (!rc) {
		const char *gp = getenv("EDGEML_GNUPLOT");
		char *argv[] = { (char *)(gp && *gp ? gp : "gnuplot"), script, NULL };
		eml_proc_result r;
		rc = eml_proc_exec(argv, err, 120, &r) != 0 || r.exit_code != 0;
		if (rc)
			fprintf(stderr, "edgeml report: gnuplot failed (exit %d): %s\n", r.exit_code,
				r.err_line[0] ? r.err_line : "no message (is gnuplot installed?)");
		eml_proc_result_free(&r);
	}
	remove(data);
	remove(script);
	remove(err);
	rmdir(dir);
	return rc;
}

int edgeml_args_report(int argc, char **argv)
{
	report_args a = { .metric = "median" };
	int rc = parse_args(argc, argv, &a);
	return rc < 0 ? 0 : rc == 0 ? -1 : rc;
}

int edgeml_cmd_report(int argc, char **argv)
{
	report_args a = { .metric = "median" };
	int rc = parse_args(argc, argv, &a);
	if (rc != 0)
		return rc < 0 ? 0 : rc;
	run runs[MAX_RUNS];
	memset(runs, 0, sizeof(runs));
	row *rows = NULL;
	size_t n = 0, cap = 0;
	char field[32];
	snprintf(field, sizeof(field), "%s_ms", a.metric);
	for (int k = 0; !rc && k < a.n_files; k++) {
		runs[k].path = a.files[k];
		rc = load_run(&runs[k]);
	}
	if (!rc)
		unique_labels(runs, a.n_files);
	for (int k = 0; !rc && k < a.n_files; k++)
		if (add_results(&runs[k], k, a.n_files, field, &rows, &n, &cap)) {
			fprintf(stderr, "edgeml report: out of memory\n");
			rc = 1;
		}
	if (!rc) {
		qsort(rows, n, sizeof(*rows), row_order);
		print_machines(runs, a.n_files, a.markdown);
		print_table(runs, a.n_files, rows, n, a.markdown, a.metric);
		if (a.chart && n) {
			rc = draw_chart(&a, runs, a.n_files, rows, n);
			if (!rc)
				fprintf(stderr, "edgeml report: chart written to %s\n", a.chart);
		}
	}
	free(rows);
	for (int k = 0; k < a.n_files; k++)
		eml_json_free(runs[k].doc);
	return rc;
}
