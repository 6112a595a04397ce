/* file_io.c — whole-file reads and atomic writes for the tools (file_io.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tool_error.h"
#include "file_io.h"

edgeml_status eml_file_read(const char *path, size_t max, uint8_t **out, size_t *size)
{
	*out = NULL;
	*size = 0;
	FILE *f = fopen(path, "rbe");
	if (!f)
		return tool_error(EDGEML_ERR_IO, "cannot open '%s': %s", path, strerror(errno));
	struct stat sb;
	if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode) || (uint64_t)sb.st_size > max) {
		fclose(f);
		return tool_error(EDGEML_ERR_IO, "'%s' is not a regular file of at most %zu bytes",
				  path, max);
	}
	size_t n = (size_t)sb.st_size;
	uint8_t *p = malloc(n ? n : 1);
	if (!p) {
		fclose(f);
		return tool_error(EDGEML_ERR_NO_MEMORY, "cannot allocate %zu bytes for '%s'", n,
				  path);
	}
	size_t got = fread(p, 1, n, f);
	fclose(f);
	if (got != n) {
		free(p);
		return tool_error(EDGEML_ERR_IO, "cannot read '%s'", path);
	}
	*out = p;
	*size = n;
	return EDGEML_OK;
}

edgeml_status eml_file_write_atomic(const char *path, const void *data, size_t size, unsigned mode)
{
	if (!path)
		return tool_error(EDGEML_ERR_INVALID_ARGUMENT, "output path must not be NULL");
	size_t plen = strlen(path);
	char *tmp = malloc(plen + sizeof(".tmp.XXXXXX"));
	if (!tmp)
		return tool_error(EDGEML_ERR_NO_MEMORY, "cannot allocate a temporary file name");
	memcpy(tmp, path, plen);
	memcpy(tmp + plen, ".tmp.XXXXXX", sizeof(".tmp.XXXXXX"));
	/* mkstemp, not a predictable name: a link planted in a shared directory is not followed. */
	int fd = mkstemp(tmp);
	if (fd < 0) {
		edgeml_status st = tool_error(EDGEML_ERR_IO,
					      "cannot create a temporary file next to '%s': %s", path,
					      strerror(errno));
		free(tmp);
		return st;
	}
	edgeml_status st = EDGEML_OK;
	const uint8_t *p = data;
	size_t left = size;
	while (left > 0) {
		ssize_t w = write(fd, p, left);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			st = tool_error(EDGEML_ERR_IO, "cannot write '%s': %s", tmp,
				        w < 0 ? strerror(errno) : "no progress");
			break;
		}
		p += w;
		left -= (size_t)w;
	}
	/* mkstemp creates the file 0600; the caller says who may read it. */
	if (st == EDGEML_OK && (fchmod(fd, (mode_t)mode) != 0 || fsync(fd) != 0))
		st = tool_error(EDGEML_ERR_IO, "cannot finish '%s': %s", tmp, strerror(errno));
	if (close(fd) != 0 && st == EDGEML_OK)
		st = tool_error(EDGEML_ERR_IO, "cannot close '%s': %s", tmp, strerror(errno));
	if (st == EDGEML_OK && rename(tmp, path) != 0)
		st = tool_error(EDGEML_ERR_IO, "cannot rename '%s' to '%s': %s", tmp, path,
			        strerror(errno));
	if (st != EDGEML_OK)
		unlink(tmp);
	free(tmp);
	return st;
}
