/* cpu_topology.c — the cores the CPU backend may use (see cpu_topology.h). */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cpu/cpu_topology.h"
#include "cpu/threadpool.h"
#include "error.h"

void eml_cpu_allowed(cpu_set_t *out)
{
	if (sched_getaffinity(0, sizeof(*out), out) == 0 && CPU_COUNT(out) > 0)
		return;
	CPU_ZERO(out);
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	for (long i = 0; i < (n < 1 ? 1 : n) && i < CPU_SETSIZE; i++)
		CPU_SET((int)i, out);
}

/* Reads a non-negative decimal at *s, advancing it; -1 when there is none or it is huge. */
static long read_number(const char **s)
{
	if (!isdigit((unsigned char)**s))
		return -1;
	errno = 0;
	char *end;
	long v = strtol(*s, &end, 10);
	if (errno || v > INT_MAX)
		return -1;
	*s = end;
	return v;
}

edgeml_status eml_cpu_parse_list(const char *text, cpu_set_t *out)
{
	CPU_ZERO(out);
	const char *s = text;
	while (s && *s) {
		const char *item = s;
		long lo = read_number(&s), hi = lo;
		if (lo >= 0 && *s == '-') {
			s++;
			hi = read_number(&s);
		}
		if (lo < 0 || hi < lo || (*s && *s != ',') || hi >= CPU_SETSIZE) {
			size_t len = strcspn(item, ",");
			return eml_error(EDGEML_ERR_INVALID_ARGUMENT,
					 "core list '%s': '%.*s' is not a core number (0..%d) or a "
					 "range of them like 0-3",
					 text, (int)(len ? len : 1), len ? item : "?", CPU_SETSIZE - 1);
		}
		for (long c = lo; c <= hi; c++)
			CPU_SET((int)c, out);
		if (*s == ',')
			s++;
	}
	if (CPU_COUNT(out) == 0)
		return eml_error(EDGEML_ERR_INVALID_ARGUMENT,
				 "core list '%s' names no core (expected e.g. '0-3,6')",
				 text ? text : "(null)");
	return EDGEML_OK;
}

/* Reads the first line of a small file into buf; 0 on success. */
static int read_line(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	int ok = fgets(buf, (int)size, f) != NULL;
	fclose(f);
	return ok ? 0 : -1;
}

/* Reads the first line of file name in directory dir into buf; 0 on success. */
static int read_in(const char *dir, const char *name, char *buf, size_t size)
{
	char path[PATH_MAX];
	int n = snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (n < 0 || n >= (int)sizeof(path))
		return -1;
	return read_line(path, buf, size);
}

/* Whole cores of a quota of quota per period microseconds, rounded up; 0 for none. */
static uint32_t quota_cores(long long quota, long long period)
{
	if (quota <= 0 || period <= 0)
		return 0;
	long long n = (quota + period - 1) / period;
	return n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
}

/* The quota set in one cgroup directory (v2 cpu.max or v1 cfs files); 0 for none. */
static uint32_t dir_limit(const char *dir, int v2)
{
	char line[128];
	long long quota = 0, period = 0;
	if (v2) {
		if (read_in(dir, "cpu.max", line, sizeof(line)) ||
		    sscanf(line, "%lld %lld", &quota, &period) != 2)
			return 0; /* "max 100000" does not scan: no quota */
		return quota_cores(quota, period);
	}
	if (read_in(dir, "cpu.cfs_quota_us", line, sizeof(line)) ||
	    sscanf(line, "%lld", &quota) != 1)
		return 0;
	if (read_in(dir, "cpu.cfs_period_us", line, sizeof(line)) ||
	    sscanf(line, "%lld", &period) != 1)
		return 0;
	return quota_cores(quota, period);
}

/* The smallest quota of the cgroup at rel under mount and of its ancestors; 0 for none. */
static uint32_t walk_limit(const char *mount, const char *rel, int v2)
{
	char dir[PATH_MAX];
	if (snprintf(dir, sizeof(dir), "%s%s", mount, rel) >= (int)sizeof(dir))
		return 0;
	size_t root = strlen(mount);
	uint32_t best = 0;
	for (;;) {
		uint32_t n = dir_limit(dir, v2);
		if (n && (!best || n < best))
			best = n;
		char *slash = strrchr(dir + root, '/');
		if (!slash)
			break;
		*slash = 0;
	}
	return best;
}

/* Whether a v1 controller list ("cpu,cpuacct") names the cpu controller. */
static int names_cpu(const char *list)
{
	size_t n = strlen(list);
	for (const char *s = list; s < list + n;) {
		size_t len = strcspn(s, ",");
		if (len == 3 && strncmp(s, "cpu", 3) == 0)
			return 1;
		s += len + 1;
	}
	return 0;
}

uint32_t eml_cpu_cgroup_limit(const char *proc_cgroup, const char *fs_root)
{
	FILE *f = fopen(proc_cgroup, "r");
	if (!f)
		return 0;
	char line[PATH_MAX + 64], mount[PATH_MAX];
	uint32_t best = 0;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		/* hierarchy-id:controllers:path; v2 is "0::path" */
		char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!c1 || !c2 || c2[1] != '/')
			continue;
		*c2 = 0;
		const char *controllers = c1 + 1, *rel = c2 + 1;
		uint32_t n = 0;
		if (!*controllers) {
			/* the unified hierarchy: /sys/fs/cgroup, or .../unified on hybrid systems */
			snprintf(mount, sizeof(mount), "%s", fs_root);
			n = walk_limit(mount, strcmp(rel, "/") ? rel : "", 1);
			snprintf(mount, sizeof(mount), "%s/unified", fs_root);
			uint32_t u = walk_limit(mount, strcmp(rel, "/") ? rel : "", 1);
			n = u && (!n || u < n) ? u : n;
		} else if (names_cpu(controllers)) {
			int len = snprintf(mount, sizeof(mount), "%s/%s", fs_root, controllers);
			if (len > 0 && len < (int)sizeof(mount))
				n = walk_limit(mount, strcmp(rel, "/") ? rel : "", 0);
			if (!n) {
				snprintf(mount, sizeof(mount), "%s/cpu", fs_root);
				n = walk_limit(mount, strcmp(rel, "/") ? rel : "", 0);
			}
		}
		if (n && (!best || n < best))
			best = n;
	}
	fclose(f);
	return best;
}

/* A core's speed rank from sysfs (capacity or else maximum clock); 0 when unknown. */
static long core_rank(const char *sysfs_cpu, int cpu, int by_capacity)
{
	char path[PATH_MAX], line[64];
	snprintf(path, sizeof(path), by_capacity ? "%s/cpu%d/cpu_capacity"
						 : "%s/cpu%d/cpufreq/cpuinfo_max_freq",
		 sysfs_cpu, cpu);
	if (read_line(path, line, sizeof(line)))
		return 0;
	long v = strtol(line, NULL, 10);
	return v > 0 ? v : 0;
}

void eml_cpu_keep_big(cpu_set_t *set, const char *sysfs_cpu)
{
	for (int by_capacity = 1; by_capacity >= 0; by_capacity--) {
		long best = 0, worst = LONG_MAX;
		for (int c = 0; c < CPU_SETSIZE; c++) {
			if (!CPU_ISSET(c, set))
				continue;
			long r = core_rank(sysfs_cpu, c, by_capacity);
			best = r > best ? r : best;
			worst = r < worst ? r : worst;
		}
		if (best == 0 || worst == LONG_MAX)
			continue; /* nothing known this way */
		if (best == worst)
			return; /* all alike */
		for (int c = 0; c < CPU_SETSIZE; c++)
			if (CPU_ISSET(c, set) && core_rank(sysfs_cpu, c, by_capacity) < best)
				CPU_CLR(c, set);
		return;
	}
}

uint32_t eml_cpu_default_threads(const cpu_set_t *cores)
{
	uint32_t n = (uint32_t)CPU_COUNT(cores);
	uint32_t quota = eml_cpu_cgroup_limit("/proc/self/cgroup", "/sys/fs/cgroup");
	if (quota && quota < n)
		n = quota;
	if (n > EML_THREADPOOL_MAX)
		n = EML_THREADPOOL_MAX;
	return n ? n : 1;
}
