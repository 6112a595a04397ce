/* test_bench.c — `edgeml bench` and `edgeml report`: the JSON reader on valid and hostile
 * text; a real bench run on a committed fixture validated against docs/bench-schema.json (by
 * a JSON Schema subset validator written here) with its statistics recomputed from the raw
 * latencies; a report of two runs (table and chart); rejected inputs. */
#include <errno.h>
#include <math.h>
#include <regex.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "bench/bench_busy.h"
#include "commands.h"
#include "json.h"

#define FIXTURE "models/fixtures/mobilenet_block.s8.onnx"
#define SCHEMA "docs/bench-schema.json"

/* Parses a literal, failing the test when it does not parse. */
static eml_json *parse_ok(const char *text)
{
	eml_json *v = NULL;
	edgeml_status st = eml_json_parse(text, strlen(text), "test", &v);
	if (st != EDGEML_OK)
		fail_msg("'%s' did not parse: %s", text, edgeml_last_error());
	return v;
}

static void test_json_values(void **state)
{
	(void)state;
	eml_json *v = parse_ok(" {\"a\": [1, -2.5e2, true, false, null], \"s\": \"x\\\"\\n\\u00e9"
			       "\\ud83d\\ude00\", \"o\": {}} ");
	assert_int_equal(v->type, EML_JSON_OBJECT);
	assert_int_equal(v->count, 3);
	const eml_json *a = eml_json_get(v, "a");
	assert_non_null(a);
	assert_int_equal(a->count, 5);
	assert_true(a->child->number == 1.0);
	assert_true(a->child->next->number == -250.0);
	assert_true(eml_json_bool(a->child->next->next, 0));
	assert_false(eml_json_bool(a->child->next->next->next, 1));
	assert_int_equal(a->child->next->next->next->next->type, EML_JSON_NULL);
	/* é is C3 A9 in UTF-8, U+1F600 is F0 9F 98 80 */
	assert_string_equal(eml_json_string(eml_json_get(v, "s"), ""),
			    "x\"\n\xc3\xa9\xf0\x9f\x98\x80");
	assert_int_equal(eml_json_get(v, "o")->count, 0);
	assert_null(eml_json_get(v, "missing"));
	eml_json_free(v);
}

/* Asserts that text is rejected with a message naming line and column. */
static void reject(const char *text, const char *where)
{
	eml_json *v = (eml_json *)1;
	assert_int_equal(eml_json_parse(text, strlen(text), "t", &v), EDGEML_ERR_FORMAT);
	assert_null(v);
	if (!strstr(edgeml_last_error(), where))
		fail_msg("'%s': message '%s' lacks '%s'", text, edgeml_last_error(), where);
}

static void test_json_rejects(void **state)
{
	(void)state;
	reject("[1, 2,]", "column 7");
	reject("{\"a\" 1}", "column 6");
	reject("[01]", "column 3");
	reject("\"abc", "unterminated");
	reject("\"\\ud800\"", "surrogate");
	reject("\"\\u0000\"", "\\u0000");
	reject("\"a\tb\"", "control character");
	reject("[1] [2]", "text after");
	reject("{\n\"a\": tru}", "line 2");
	reject("1e999", "out of range");
	reject("", "end of the text");
	char deep[200];
	memset(deep, '[', 100);
	memset(deep + 100, ']', 100);
	eml_json *v;
	assert_int_equal(eml_json_parse(deep, sizeof(deep), "t", &v), EDGEML_ERR_FORMAT);
	assert_non_null(strstr(edgeml_last_error(), "nested too deeply"));
}

/* ---- a JSON Schema subset: type, const, enum, required, properties, items, minimum,
 * minLength, pattern; enough for docs/bench-schema.json ------------------------------------ */

/* Whether v has the JSON Schema type name t. */
static int has_type(const eml_json *v, const char *t)
{
	if (strcmp(t, "integer") == 0)
		return v->type == EML_JSON_NUMBER && v->number == floor(v->number);
	static const char *const names[] = { "null",   "boolean", "number",
					     "string", "array",	  "object" };
	return strcmp(names[v->type], t) == 0;
}

/* Whether two values are equal (scalars only, which is all the schema compares). */
static int same_value(const eml_json *a, const eml_json *b)
{
	if (a->type != b->type)
		return 0;
	if (a->type == EML_JSON_STRING)
		return strcmp(a->string, b->string) == 0;
	if (a->type == EML_JSON_NUMBER)
		return a->number == b->number;
	return a->type != EML_JSON_BOOL || a->boolean == b->boolean;
}

/* Validates v against schema s; writes the first violation into why (path: reason). */
static int validate(const eml_json *v, const eml_json *s, const char *path, char *why, size_t n)
{
	const eml_json *k;
	if ((k = eml_json_get(s, "type"))) {
		int ok = 0;
		if (k->type == EML_JSON_STRING)
			ok = has_type(v, k->string);
		for (const eml_json *t = k->type == EML_JSON_ARRAY ? k->child : NULL; t; t = t->next)
			ok |= has_type(v, t->string);
		if (!ok)
			return snprintf(why, n, "%s: wrong type", path), 0;
	}
	if ((k = eml_json_get(s, "const")) && !same_value(v, k))
		return snprintf(why, n, "%s: not the constant", path), 0;
	if ((k = eml_json_get(s, "enum"))) {
		int ok = 0;
		for (const eml_json *e = k->child; e; e = e->next)
			ok |= same_value(v, e);
		if (!ok)
			return snprintf(why, n, "%s: not one of the enum", path), 0;
	}
	if ((k = eml_json_get(s, "minimum")) && v->type == EML_JSON_NUMBER &&
	    v->number < k->number)
		return snprintf(why, n, "%s: below the minimum", path), 0;
	if ((k = eml_json_get(s, "minLength")) && v->type == EML_JSON_STRING &&
	    strlen(v->string) < k->number)
		return snprintf(why, n, "%s: too short", path), 0;
	if ((k = eml_json_get(s, "pattern")) && v->type == EML_JSON_STRING) {
		regex_t re;
		assert_int_equal(regcomp(&re, k->string, REG_EXTENDED | REG_NOSUB), 0);
		int miss = regexec(&re, v->string, 0, NULL, 0) != 0;
		regfree(&re);
		if (miss)
			return snprintf(why, n, "%s: does not match %s", path, k->string), 0;
	}
	for (k = eml_json_get(s, "required"); k && v->type == EML_JSON_OBJECT && k->child;
	     k = NULL)
		for (const eml_json *r = k->child; r; r = r->next)
			if (!eml_json_get(v, r->string))
				return snprintf(why, n, "%s: no '%s'", path, r->string), 0;
	char sub[512];
	const eml_json *props = eml_json_get(s, "properties");
	for (const eml_json *m = v->type == EML_JSON_OBJECT ? v->child : NULL; m; m = m->next) {
		const eml_json *ps = eml_json_get(props, m->key);
		snprintf(sub, sizeof(sub), "%s.%s", path, m->key);
		if (ps && !validate(m, ps, sub, why, n))
			return 0;
	}
	const eml_json *items = eml_json_get(s, "items");
	size_t i = 0;
	for (const eml_json *m = v->type == EML_JSON_ARRAY && items ? v->child : NULL; m;
	     m = m->next, i++) {
		snprintf(sub, sizeof(sub), "%s[%zu]", path, i);
		if (!validate(m, items, sub, why, n))
			return 0;
	}
	return 1;
}

/* Runs an edgeml subcommand with stdout sent to the file out; returns its exit code. */
static int run_cmd(int (*cmd)(int, char **), const char *out, int argc, ...)
{
	char *argv[32];
	va_list ap;
	va_start(ap, argc);
	for (int i = 0; i < argc; i++)
		argv[i] = va_arg(ap, char *);
	va_end(ap);
	argv[argc] = NULL;
	fflush(stdout);
	int saved = dup(STDOUT_FILENO);
	FILE *f = fopen(out, "w");
	assert_non_null(f);
	dup2(fileno(f), STDOUT_FILENO);
	int rc = cmd(argc, argv);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	fclose(f);
	return rc;
}

/* Reads a whole text file. */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = 0;
	fclose(f);
	return buf;
}

typedef struct fixture {
	char dir[64], run[96], text[96];
	eml_json *schema, *doc;
} fixture;

/* Benchmarks the committed fixture once (cpu, 1 and 2 threads, with a profile). */
static int setup(void **state)
{
	fixture *fx = calloc(1, sizeof(*fx));
	if (!fx)
		return -1;
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/test_bench-XXXXXX");
	if (!mkdtemp(fx->dir))
		return -1;
	snprintf(fx->run, sizeof(fx->run), "%s/run.json", fx->dir);
	snprintf(fx->text, sizeof(fx->text), "%s/out.txt", fx->dir);
	int rc = run_cmd(edgeml_cmd_bench, fx->text, 13, "bench", FIXTURE, "--backend", "cpu",
			 "--threads", "1,2", "--warmup", "1", "--iterations", "7", "--profile",
			 "--json", fx->run);
	if (rc != 0 || eml_json_read_file(fx->run, &fx->doc) != EDGEML_OK ||
	    eml_json_read_file(SCHEMA, &fx->schema) != EDGEML_OK)
		return -1;
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	fixture *fx = *state;
	if (!fx)
		return 0;
	eml_json_free(fx->doc);
	eml_json_free(fx->schema);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", fx->dir);
	int rc = system(cmd);
	free(fx);
	return rc;
}

/* Fails unless |a - b| <= tol (this cmocka has no assert_double_equal). */
static void assert_near(double a, double b, double tol)
{
	if (!(fabs(a - b) <= tol))
		fail_msg("%.9g is not %.9g (within %.3g)", a, b, tol);
}

/* The nearest-rank quantile, computed independently of cmd_bench.c. */
static double nearest_rank(double *v, size_t n, double q)
{
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			if (v[j] < v[i]) {
				double t = v[i];
				v[i] = v[j];
				v[j] = t;
			}
	size_t rank = (size_t)ceil(q * (double)n);
	return v[rank ? rank - 1 : 0];
}

static void test_bench_output_valid(void **state)
{
	fixture *fx = *state;
	char why[600] = "";
	if (!validate(fx->doc, fx->schema, "$", why, sizeof(why)))
		fail_msg("bench output does not follow the schema: %s", why);
	const eml_json *res = eml_json_get(fx->doc, "results");
	assert_int_equal(res->count, 2);
	uint32_t threads = 1;
	for (const eml_json *r = res->child; r; r = r->next, threads++) {
		assert_string_equal(eml_json_string(eml_json_get(r, "status"), ""), "ok");
		assert_string_equal(eml_json_string(eml_json_get(r, "model"), ""),
				    "mobilenet_block.s8");
		assert_true(eml_json_number(eml_json_get(r, "threads"), 0) == threads);
		const eml_json *lat = eml_json_get(r, "latencies_ms");
		assert_int_equal(lat->count, 7);
		double v[7], sum = 0;
		size_t i = 0;
		for (const eml_json *x = lat->child; x; x = x->next, i++) {
			v[i] = x->number;
			sum += x->number;
		}
		double median = nearest_rank(v, 7, 0.5), p90 = nearest_rank(v, 7, 0.9);
		assert_near(eml_json_number(eml_json_get(r, "median_ms"), -1), median,
				    1e-6);
		assert_near(eml_json_number(eml_json_get(r, "p90_ms"), -1), p90, 1e-6);
		assert_near(eml_json_number(eml_json_get(r, "min_ms"), -1), v[0], 1e-6);
		assert_near(eml_json_number(eml_json_get(r, "throughput_per_s"), -1),
				    7e3 / sum, 1e-3 * 7e3 / sum);
		assert_true(eml_json_number(eml_json_get(r, "peak_rss_kb"), 0) > 0);
		const eml_json *layers = eml_json_get(r, "layers");
		assert_non_null(layers);
		assert_true(layers->count > 0);
	}
	const eml_json *fp = eml_json_get(fx->doc, "fingerprint");
	assert_true(eml_json_number(eml_json_get(eml_json_get(fp, "cpu"), "cores_online"), 0) >= 1);
}

static void test_schema_rejects_bad_documents(void **state)
{
	fixture *fx = *state;
	char why[600] = "";
	eml_json *res = (eml_json *)eml_json_get(fx->doc, "results");
	eml_json *first = res->child;
	eml_json *threads = (eml_json *)eml_json_get(first, "threads");
	threads->number = 0;
	assert_false(validate(fx->doc, fx->schema, "$", why, sizeof(why)));
	assert_non_null(strstr(why, "threads"));
	threads->number = 1;
	eml_json *status = (eml_json *)eml_json_get(first, "status");
	char *keep = status->string;
	status->string = "fine";
	assert_false(validate(fx->doc, fx->schema, "$", why, sizeof(why)));
	assert_non_null(strstr(why, "status"));
	status->string = keep;
	eml_json *version = (eml_json *)eml_json_get(fx->doc, "schema_version");
	version->number = 2;
	assert_false(validate(fx->doc, fx->schema, "$", why, sizeof(why)));
	version->number = 1;
	assert_true(validate(fx->doc, fx->schema, "$", why, sizeof(why)));
}

static void test_report_two_runs(void **state)
{
	fixture *fx = *state;
	char out[128], chart[128];
	snprintf(out, sizeof(out), "%s/report.md", fx->dir);
	snprintf(chart, sizeof(chart), "%s/chart.svg", fx->dir);
	int gnuplot = access("/usr/bin/gnuplot", X_OK) == 0;
	int rc = gnuplot ? run_cmd(edgeml_cmd_report, out, 6, "report", fx->run, fx->run,
				   "--markdown", "--chart", chart) :
			   run_cmd(edgeml_cmd_report, out, 4, "report", fx->run, fx->run,
				   "--markdown");
	assert_int_equal(rc, 0);
	char *text = slurp(out);
	const eml_json *r = eml_json_get(fx->doc, "results")->child;
	char row[256];
	const char *label = eml_json_string(eml_json_get(fx->doc, "label"), "");
	snprintf(row, sizeof(row),
		 "| mobilenet_block.s8 | edgeml | cpu | - | 1 | 0 | %.3f | %.3f | 1.00 |",
		 eml_json_number(eml_json_get(r, "median_ms"), -1),
		 eml_json_number(eml_json_get(r, "median_ms"), -1));
	if (!strstr(text, row))
		fail_msg("report lacks the row '%s':\n%s", row, text);
	snprintf(row, sizeof(row), "| %s#2 / %s |", label, label);
	assert_non_null(strstr(text, row));
	free(text);
	if (gnuplot) {
		char *svg = slurp(chart);
		assert_non_null(strstr(svg, "<svg"));
		assert_non_null(strstr(svg, "mobilenet_block.s8"));
		free(svg);
	}
}

static void test_report_rejects(void **state)
{
	fixture *fx = *state;
	char bad[128], out[128];
	snprintf(bad, sizeof(bad), "%s/bad.json", fx->dir);
	snprintf(out, sizeof(out), "%s/out2.txt", fx->dir);
	FILE *f = fopen(bad, "w");
	assert_non_null(f);
	fputs("{\"schema\": \"edgeml-bench\", \"schema_version\": 2, \"results\": []}", f);
	fclose(f);
	assert_int_not_equal(run_cmd(edgeml_cmd_report, out, 2, "report", bad), 0);
	f = fopen(bad, "w");
	assert_non_null(f);
	fputs("{\"schema\": \"edgeml-bench\", \"schema_version\": 1, \"results\": [{}]}", f);
	fclose(f);
	assert_int_not_equal(run_cmd(edgeml_cmd_report, out, 2, "report", bad), 0);
	assert_int_not_equal(run_cmd(edgeml_cmd_report, out, 4, "report", fx->run, "--chart",
				     "x.jpg"), 0);
	assert_int_not_equal(run_cmd(edgeml_cmd_bench, out, 4, "bench", FIXTURE, "--threads",
				     "0"), 0);
}

/* --threads lists add up, at most 64 thread counts in all: a longer list, or lists repeated
 * past that, is a usage error (it once overflowed the array of thread counts). */
static void test_threads_list_limit(void **state)
{
	fixture *fx = *state;
	char out[128], list[64 * 3];
	snprintf(out, sizeof(out), "%s/out3.txt", fx->dir);
	list[0] = 0;
	for (int i = 0; i < 64; i++)
		strcat(list, i ? ",1" : "1");
	assert_int_equal(run_cmd(edgeml_cmd_bench, out, 6, "bench", FIXTURE, "--threads", list,
				 "--threads", list), 2);
	assert_int_equal(run_cmd(edgeml_cmd_bench, out, 6, "bench", FIXTURE, "--threads", list,
				 "--threads", "2"), 2);
}

/* --device given twice keeps both lists (the second once overwrote the first's text). */
static void test_device_lists_add_up(void **state)
{
	fixture *fx = *state;
	char out[128], json[128];
	snprintf(out, sizeof(out), "%s/out5.txt", fx->dir);
	snprintf(json, sizeof(json), "%s/devices.json", fx->dir);
	run_cmd(edgeml_cmd_bench, out, 12, "bench", FIXTURE, "--backend", "vulkan", "--device",
		"nosuch-a", "--device", "nosuch-b,nosuch-c", "--iterations", "1", "--json", json);
	eml_json *doc = NULL;
	assert_int_equal(eml_json_read_file(json, &doc), EDGEML_OK);
	const eml_json *r = eml_json_get(doc, "results")->child;
	const char *want[] = { "nosuch-a", "nosuch-b", "nosuch-c" };
	for (int i = 0; i < 3; i++, r = r->next) {
		assert_non_null(r);
		assert_string_equal(eml_json_string(eml_json_get(r, "device"), ""), want[i]);
	}
	assert_null(r);
	eml_json_free(doc);
}

/* --contention N: each cell again under N busy threads, right after the free one, with its
 * slowdown against it; the load ends with the cell (no child left behind). */
static void test_bench_contention(void **state)
{
	fixture *fx = *state;
	char out[128], json[128];
	snprintf(out, sizeof(out), "%s/out4.txt", fx->dir);
	snprintf(json, sizeof(json), "%s/busy.json", fx->dir);
	assert_int_equal(run_cmd(edgeml_cmd_bench, out, 12, "bench", FIXTURE, "--threads", "2",
				 "--contention", "1", "--warmup", "1", "--iterations", "5",
				 "--json", json), 0);
	errno = 0;
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
	eml_json *doc = NULL;
	assert_int_equal(eml_json_read_file(json, &doc), EDGEML_OK);
	char why[600] = "";
	if (!validate(doc, fx->schema, "$", why, sizeof(why)))
		fail_msg("bench --contention output does not follow the schema: %s", why);
	assert_true(eml_json_number(eml_json_get(eml_json_get(doc, "settings"), "contention"),
				    -1) == 1);
	const eml_json *res = eml_json_get(doc, "results");
	assert_int_equal(res->count, 2);
	const eml_json *free_run = res->child, *busy = res->child->next;
	assert_true(eml_json_number(eml_json_get(free_run, "contention"), -1) == 0);
	assert_true(eml_json_number(eml_json_get(busy, "contention"), -1) == 1);
	assert_int_equal(eml_json_get(free_run, "contention_slowdown")->type, EML_JSON_NULL);
	double m0 = eml_json_number(eml_json_get(free_run, "median_ms"), NAN);
	double m1 = eml_json_number(eml_json_get(busy, "median_ms"), NAN);
	assert_near(eml_json_number(eml_json_get(busy, "contention_slowdown"), NAN), m1 / m0,
		    1e-5 * m1 / m0);
	eml_json_free(doc);
	char *text = slurp(out);
	assert_non_null(strstr(text, "vs free"));
	free(text);
	/* a report keeps the free and the contended cell apart */
	assert_int_equal(run_cmd(edgeml_cmd_report, out, 3, "report", json, "--markdown"), 0);
	text = slurp(out);
	assert_non_null(strstr(text, "| mobilenet_block.s8 | edgeml | cpu | - | 2 | 0 |"));
	assert_non_null(strstr(text, "| mobilenet_block.s8 | edgeml | cpu | - | 2 | 1 |"));
	free(text);
	const char *bad[] = { "0", "65", "x" };
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(run_cmd(edgeml_cmd_bench, out, 4, "bench", FIXTURE,
					 "--contention", bad[i]), 2);
}

/* The load itself: its threads spin (the child burns CPU time) on cores this process may use,
 * and stopping it reaps the child. */
static void test_busy_load(void **state)
{
	(void)state;
	cpu_set_t allowed;
	assert_int_equal(sched_getaffinity(0, sizeof(allowed), &allowed), 0);
	for (uint32_t i = 0; i < 5; i++)
		assert_true(CPU_ISSET(eml_busy_core(2, i), &allowed));
	pid_t pid = eml_busy_start(2);
	assert_true(pid > 0);
	struct timespec nap = { 0, 300 * 1000 * 1000 };
	nanosleep(&nap, NULL);
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	char stat[1024] = "";
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(stat, sizeof(stat), f));
	fclose(f);
	/* utime is field 14, after the parenthesised command name */
	const char *p = strrchr(stat, ')');
	unsigned long utime = 0;
	assert_true(p && sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu",
				&utime) == 1);
	eml_busy_stop(pid);
	/* 300 ms of two spinning threads on a shared machine: well above 20 ms of CPU time */
	assert_true(utime * 1000 / (unsigned long)sysconf(_SC_CLK_TCK) >= 20);
	errno = 0;
	assert_int_equal(waitpid(pid, NULL, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
}

/* Counts the measurement lines of a latency record (not its comment). */
static int record_lines(const char *path, char *first, size_t size)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	char line[1024];
	int n = 0;
	while (fgets(line, sizeof(line), f))
		if (line[0] != '#' && n++ == 0)
			snprintf(first, size, "%s", line);
	fclose(f);
	return n;
}

/* Each edgeml cell's median goes into AUTO's latency record, but not a contended cell's
 * nor with --no-record. */
static void test_bench_records_latency(void **state)
{
	fixture *fx = *state;
	char out[128], json[128], cache[128], record[160], line[1024] = "";
	snprintf(out, sizeof(out), "%s/out5.txt", fx->dir);
	snprintf(json, sizeof(json), "%s/rec.json", fx->dir);
	snprintf(cache, sizeof(cache), "%s/cache", fx->dir);
	snprintf(record, sizeof(record), "%s/latency.tsv", cache);
	setenv("EDGEML_CACHE_DIR", cache, 1);
	assert_int_equal(run_cmd(edgeml_cmd_bench, out, 10, "bench", FIXTURE, "--threads", "1",
				 "--warmup", "1", "--iterations", "7", "--json", json), 0);
	assert_int_equal(record_lines(record, line, sizeof(line)), 1);
	eml_json *doc = NULL;
	assert_int_equal(eml_json_read_file(json, &doc), EDGEML_OK);
	double median = eml_json_number(eml_json_get(eml_json_get(doc, "results")->child,
						     "median_ms"), NAN);
	eml_json_free(doc);
	char model[64], backend[16];
	unsigned threads, flags;
	double ms;
	assert_int_equal(sscanf(line, "%63s %u %u %lf %*s %15s", model, &threads, &flags, &ms,
				backend), 5);
	assert_int_equal(threads, 1);
	assert_int_equal(flags, 0);
	assert_string_equal(backend, "cpu");
	assert_near(ms, median, 1e-5 * median);
	assert_int_equal(run_cmd(edgeml_cmd_bench, out, 7, "bench", FIXTURE, "--threads", "2",
				 "--iterations", "3", "--no-record"), 0);
	assert_int_equal(record_lines(record, line, sizeof(line)), 1);
	assert_int_equal(run_cmd(edgeml_cmd_bench, out, 8, "bench", FIXTURE, "--threads", "2",
				 "--iterations", "3", "--contention", "1"), 0);
	assert_int_equal(record_lines(record, line, sizeof(line)), 2);
	unsetenv("EDGEML_CACHE_DIR");
}

int main(void)
{
	const struct CMUnitTest json_tests[] = {
		cmocka_unit_test(test_json_values),
		cmocka_unit_test(test_json_rejects),
	};
	const struct CMUnitTest bench_tests[] = {
		cmocka_unit_test(test_bench_output_valid),
		cmocka_unit_test(test_schema_rejects_bad_documents),
		cmocka_unit_test(test_report_two_runs),
		cmocka_unit_test(test_report_rejects),
		cmocka_unit_test(test_threads_list_limit),
		cmocka_unit_test(test_device_lists_add_up),
		cmocka_unit_test(test_bench_contention),
		cmocka_unit_test(test_bench_records_latency),
		cmocka_unit_test(test_busy_load),
	};
	int failed = cmocka_run_group_tests_name("json", json_tests, NULL, NULL);
	return failed | cmocka_run_group_tests_name("bench", bench_tests, setup, teardown);
}
