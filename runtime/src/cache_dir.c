/* cache_dir.c — the directory of the library's on-disk caches (cache_dir.h). */
#include "cache_dir.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Creates dir and its parent if missing. */
static int make_dirs(const char *dir)
{
	char parent[4096];
	snprintf(parent, sizeof(parent), "%s", dir);
	char *slash = strrchr(parent, '/');
	if (slash && slash != parent) {
		*slash = 0;
		if (mkdir(parent, 0755) != 0 && errno != EEXIST)
			return -1;
	}
	return mkdir(dir, 0755) == 0 || errno == EEXIST ? 0 : -1;
}

int eml_cache_dir(const char *option, char *out, size_t size)
{
	const char *env = getenv("EDGEML_CACHE_DIR"), *xdg = getenv("XDG_CACHE_HOME");
	const char *home = getenv("HOME");
	int n = 0;
	out[0] = 0;
	if (option && *option)
		n = snprintf(out, size, "%s", option);
	else if (env && *env)
		n = snprintf(out, size, "%s", env);
	else if (xdg && *xdg)
		n = snprintf(out, size, "%s/edgeml", xdg);
	else if (home && *home)
		n = snprintf(out, size, "%s/.cache/edgeml", home);
	/* A path that does not fit is no cache, rather than some other directory. */
	if (n < 0 || (size_t)n >= size || !out[0] || strcmp(out, "off") == 0 ||
	    make_dirs(out) != 0) {
		out[0] = 0;
		return -1;
	}
	return 0;
}
