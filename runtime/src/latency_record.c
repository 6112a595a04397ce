/* latency_record.c — AUTO's record of measured latencies (latency_record.h). One line per
 * measurement, tab-separated:
 *   MODEL THREADS FLAGS MEDIAN_MS UNIX_TIME BACKEND DEVICE_NAME DRIVER_VERSION
 * with "-" for an empty field and tabs or control characters in names made spaces. */
#include "latency_record.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cache_dir.h"
#include "error.h"

#define FIELDS 8
/* A longer file is someone else's: the rest of it is not read. */
#define MAX_FILE_BYTES (1u << 20)

/* One parsed line; the strings point into the file's text. */
typedef struct record_line {
	const char *field[FIELDS];
	double ms;
	const char *text; /* the whole line, for rewriting */
	size_t len;
} record_line;

typedef struct record {
	char *text; /* the file, lines cut at their tabs and ends */
	char *copy; /* the file as read, for the lines kept when rewriting */
	record_line *line;
	uint32_t n;
} record;

/* A name as the record writes it: "-" when empty, tabs and control characters as spaces. */
static void clean(char *out, size_t size, const char *in)
{
	size_t i = 0;
	for (; in && in[i] && i + 1 < size; i++)
		out[i] = (unsigned char)in[i] < 0x20 || in[i] == 0x7f ? ' ' : in[i];
	out[i] = 0;
	if (!i)
		snprintf(out, size, "-");
}

/* The record file's path in the cache directory; -1 when caching is off. */
static int record_path(const char *cache_option, char *path, size_t size, const char *name)
{
	char dir[4096];
	if (eml_cache_dir(cache_option, dir, sizeof(dir)) != 0)
		return -1;
	int n = snprintf(path, size, "%s/%s", dir, name);
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

/* Whether s is a decimal number in [lo, hi] (a strict parse: the record is untrusted). */
static int parse_uint(const char *s, uint64_t hi, uint64_t *out)
{
	char *end;
	if (!*s || *s == '-' || *s == '+' || *s == ' ')
		return 0;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end || v > hi)
		return 0;
	*out = v;
	return 1;
}

/* Splits one line into its fields; 0 when it is not a measurement. */
static int parse_line(char *s, record_line *l)
{
	for (int f = 0; f < FIELDS; f++) {
		l->field[f] = s;
		char *tab = strchr(s, '\t');
		if (f + 1 < FIELDS) {
			if (!tab)
				return 0;
			*tab = 0;
			s = tab + 1;
		} else if (tab) {
			return 0;
		}
		if (!*l->field[f])
			return 0;
	}
	uint64_t v;
	char *end;
	l->ms = strtod(l->field[3], &end);
	return l->field[0][0] != '#' && parse_uint(l->field[1], UINT32_MAX, &v) &&
	       parse_uint(l->field[2], UINT32_MAX, &v) && parse_uint(l->field[4], UINT64_MAX, &v) &&
	       !*end && end != l->field[3] && isfinite(l->ms) && l->ms > 0;
}

static void record_free(record *r)
{
	free(r->text);
	free(r->copy);
	free(r->line);
	memset(r, 0, sizeof(*r));
}

/* Reads the record at path; a missing file is an empty record. *bad counts lines skipped. */
static edgeml_status record_read(const char *path, record *r, uint32_t *bad)
{
	memset(r, 0, sizeof(*r));
	*bad = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? EDGEML_OK :
					 eml_error(EDGEML_ERR_IO, "latency record %s: %s", path,
						   strerror(errno));
	r->text = malloc(MAX_FILE_BYTES + 1);
	size_t len = 0;
	ssize_t got = 1;
	while (r->text && len < MAX_FILE_BYTES &&
	       (got = read(fd, r->text + len, MAX_FILE_BYTES - len)) > 0)
		len += (size_t)got;
	int err = got < 0 ? errno : 0;
	close(fd);
	if (!r->text) {
		record_free(r);
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for the latency record");
	}
	if (err) {
		record_free(r);
		return eml_error(EDGEML_ERR_IO, "latency record %s: %s", path, strerror(err));
	}
	r->text[len] = 0;
	r->copy = malloc(len + 1);
	r->line = calloc(EML_LATENCY_MAX_LINES + 1, sizeof(*r->line));
	if (!r->copy || !r->line) {
		record_free(r);
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for the latency record");
	}
	memcpy(r->copy, r->text, len + 1);
	char *s = r->text;
	while (*s) {
		char *nl = strchr(s, '\n');
		if (!nl) /* a last line without its end was cut short: not a measurement */
			break;
		*nl = 0;
		record_line l = { .text = r->copy + (s - r->text), .len = (size_t)(nl - s) };
		if (s[0] == '#' || !s[0]) {
			/* a comment or an empty line */
		} else if (memchr(s, 0, (size_t)(nl - s)) || !parse_line(s, &l)) {
			(*bad)++;
		} else if (r->n < EML_LATENCY_MAX_LINES) {
			r->line[r->n++] = l;
		} else {
			/* more lines than a record keeps: only the first are read */
			(*bad)++;
		}
		s = nl + 1;
	}
	return EDGEML_OK;
}

/* Whether line l measures key. */
static int line_is(const record_line *l, const eml_latency_key *key)
{
	char name[256], version[64], threads[16], flags[16];
	clean(name, sizeof(name), key->device->name);
	clean(version, sizeof(version), key->device->driver_version);
	snprintf(threads, sizeof(threads), "%" PRIu32, key->threads);
	snprintf(flags, sizeof(flags), "%" PRIu32, key->flags);
	return strcmp(l->field[0], key->model) == 0 && strcmp(l->field[1], threads) == 0 &&
	       strcmp(l->field[2], flags) == 0 && strcmp(l->field[5], key->device->backend) == 0 &&
	       strcmp(l->field[6], name) == 0 && strcmp(l->field[7], version) == 0;
}

edgeml_status eml_latency_find(const char *cache_option, const eml_latency_key *key,
			       double *median_ms)
{
	char path[4200];
	record r;
	uint32_t bad;
	if (record_path(cache_option, path, sizeof(path), EML_LATENCY_FILE) != 0)
		return eml_error(EDGEML_ERR_NOT_FOUND, "no latency record: caching is off");
	edgeml_status st = record_read(path, &r, &bad);
	if (st != EDGEML_OK)
		return st;
	st = eml_error(EDGEML_ERR_NOT_FOUND, "no measurement in the latency record %s", path);
	/* The last line of a key is its newest. */
	for (uint32_t i = r.n; i-- > 0;)
		if (line_is(&r.line[i], key)) {
			*median_ms = r.line[i].ms;
			eml_error_clear();
			st = EDGEML_OK;
			break;
		}
	record_free(&r);
	return st;
}

/* Writes all of buf to fd. */
static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Rewrites the record at path with the kept lines of r and then line, through a temporary
 * file renamed over it. */
static edgeml_status rewrite(const char *path, const record *r, const eml_latency_key *key,
			     const char *line)
{
	static const char header[] = "# edgeml latency record v1 (docs/architecture.md): model "
				     "threads flags median_ms unix_time backend device "
				     "driver_version\n";
	char tmp[4300];
	snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path);
	int fd = mkstemp(tmp);
	if (fd < 0)
		return eml_error(EDGEML_ERR_IO, "latency record: cannot create %s: %s", tmp,
				 strerror(errno));
	uint32_t keep = 0;
	for (uint32_t i = 0; i < r->n; i++)
		keep += !line_is(&r->line[i], key);
	/* The oldest lines go first when the record is full. */
	uint32_t skip = keep + 1 > EML_LATENCY_MAX_LINES ? keep + 1 - EML_LATENCY_MAX_LINES : 0;
	int bad = write_all(fd, header, sizeof(header) - 1);
	for (uint32_t i = 0; !bad && i < r->n; i++) {
		if (line_is(&r->line[i], key))
			continue;
		if (skip) {
			skip--;
			continue;
		}
		bad = write_all(fd, r->line[i].text, r->line[i].len) || write_all(fd, "\n", 1);
	}
	if (!bad)
		bad = write_all(fd, line, strlen(line));
	int err = bad ? errno : 0;
	if (!bad && fsync(fd) != 0) {
		bad = 1;
		err = errno;
	}
	if (close(fd) != 0 && !bad) {
		bad = 1;
		err = errno;
	}
	if (!bad && rename(tmp, path) != 0) {
		bad = 1;
		err = errno;
	}
	if (bad) {
		unlink(tmp);
		return eml_error(EDGEML_ERR_IO, "latency record %s not written: %s", path,
				 strerror(err ? err : EIO));
	}
	return EDGEML_OK;
}

edgeml_status eml_latency_write(const char *cache_option, const eml_latency_key *key,
				double median_ms)
{
	if (!isfinite(median_ms) || median_ms <= 0)
		return eml_error(EDGEML_ERR_INVALID_ARGUMENT,
				 "latency record: median %g ms is not a positive number", median_ms);
	char path[4200], lock_path[4200];
	if (record_path(cache_option, path, sizeof(path), EML_LATENCY_FILE) != 0 ||
	    record_path(cache_option, lock_path, sizeof(lock_path), EML_LATENCY_FILE ".lock") != 0)
		return eml_error(EDGEML_ERR_UNSUPPORTED,
				 "no latency record: caching is off or the cache directory "
				 "cannot be made");
	char name[256], version[64], line[640];
	clean(name, sizeof(name), key->device->name);
	clean(version, sizeof(version), key->device->driver_version);
	snprintf(line, sizeof(line), "%s\t%" PRIu32 "\t%" PRIu32 "\t%.6g\t%lld\t%s\t%s\t%s\n",
		 key->model, key->threads, key->flags, median_ms, (long long)time(NULL),
		 key->device->backend, name, version);
	/* Writers (several benches, apps) take turns; readers need no lock (rename). */
	int lock = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (lock < 0)
		return eml_error(EDGEML_ERR_IO, "latency record: cannot open %s: %s", lock_path,
				 strerror(errno));
	while (flock(lock, LOCK_EX) != 0) {
		if (errno != EINTR) {
			int err = errno;
			close(lock);
			return eml_error(EDGEML_ERR_IO, "latency record: cannot lock %s: %s",
					 lock_path, strerror(err));
		}
	}
	record r;
	uint32_t bad;
	edgeml_status st = record_read(path, &r, &bad);
	if (st == EDGEML_OK)
		st = rewrite(path, &r, key, line);
	record_free(&r);
	close(lock); /* releases the lock */
	return st;
}

void eml_latency_order(const char *cache_option, const char *model, uint32_t threads,
		       uint32_t flags, eml_device_choice *cand, uint32_t n, char *why,
		       size_t size)
{
	char path[4200];
	record r;
	uint32_t bad;
	if (n < 2 || !model[0] ||
	    record_path(cache_option, path, sizeof(path), EML_LATENCY_FILE) != 0 ||
	    access(path, F_OK) != 0 || record_read(path, &r, &bad) != EDGEML_OK) {
		eml_error_clear();
		return;
	}
	double ms[EML_MAX_DEVICES];
	uint32_t slot[EML_MAX_DEVICES], measured = 0;
	for (uint32_t c = 0; c < n && c < EML_MAX_DEVICES; c++) {
		eml_latency_key key = { model, &cand[c].props, threads, flags };
		ms[c] = -1;
		for (uint32_t i = r.n; i-- > 0;)
			if (line_is(&r.line[i], &key)) {
				ms[c] = r.line[i].ms;
				slot[measured++] = c;
				break;
			}
	}
	record_free(&r);
	if (measured < 2)
		return;
	/* The measured devices, fastest first (a stable insertion sort of at most a few
	 * dozen), copied on the heap: candidates are large and the stack may be a thread's. */
	uint32_t order[EML_MAX_DEVICES];
	for (uint32_t i = 0; i < measured; i++) {
		uint32_t j = i;
		for (; j > 0 && ms[order[j - 1]] > ms[slot[i]]; j--)
			order[j] = order[j - 1];
		order[j] = slot[i];
	}
	eml_device_choice *sorted = malloc(measured * sizeof(*sorted));
	if (!sorted)
		return;
	for (uint32_t i = 0; i < measured; i++)
		sorted[i] = cand[order[i]];
	int n_why = snprintf(why, size, "auto: measured");
	for (uint32_t i = 0; i < measured; i++) {
		cand[slot[i]] = sorted[i];
		if (n_why >= 0 && (size_t)n_why < size)
			n_why += snprintf(why + n_why, size - (size_t)n_why, "%s %s '%s' %.3g ms",
					  i ? "," : "", sorted[i].props.backend,
					  sorted[i].props.name, ms[order[i]]);
	}
	free(sorted);
	if (n_why >= 0 && (size_t)n_why < size)
		snprintf(why + n_why, size - (size_t)n_why, " (%s%s)", path,
			 bad ? ", unreadable lines skipped" : "");
}
