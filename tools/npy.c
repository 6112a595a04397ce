/* npy.c — NumPy .npy reading and writing (see npy.h and numpy's format.py for the format). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tool_error.h"
#include "npy.h"

/* Array bytes are copied as they are: '<' types are only right on a little-endian host. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "npy.c assumes a little-endian host"
#endif

#define NPY_MAGIC     "\x93NUMPY"
#define NPY_MAGIC_LEN 6
/* NumPy itself refuses headers over 10000 bytes unless told otherwise; ours allows more, but
 * bounds what a hostile file can make us scan. */
#define NPY_HEADER_MAX 65536

static const struct {
	const char *descr;
	edgeml_dtype dtype;
} npy_types[] = {
	{ "<f4", EDGEML_DTYPE_FLOAT32 }, { "|u1", EDGEML_DTYPE_UINT8 },
	{ "|i1", EDGEML_DTYPE_INT8 },	 { "<i4", EDGEML_DTYPE_INT32 },
	{ "<i8", EDGEML_DTYPE_INT64 },
};

#define NPY_TYPES_LEN (sizeof(npy_types) / sizeof(npy_types[0]))

/* A cursor over the header's Python dict literal. */
typedef struct cursor {
	const char *p, *end;
	const char *name; /* file name for messages */
} cursor;

/* Skips spaces (numpy pads the header with them). */
static void skip_space(cursor *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
		c->p++;
}

/* Consumes ch after optional spaces; returns 1 when it was there. */
static int accept(cursor *c, char ch)
{
	skip_space(c);
	if (c->p < c->end && *c->p == ch) {
		c->p++;
		return 1;
	}
	return 0;
}

/* The error for a header that is not the dict numpy writes. */
static edgeml_status bad_header(const cursor *c, const char *what)
{
	return tool_error(EDGEML_ERR_FORMAT, "%s: malformed .npy header: %s", c->name, what);
}

/* Reads a quoted string ('...' or "...") into buf (NUL-terminated). */
static edgeml_status parse_string(cursor *c, char *buf, size_t cap)
{
	skip_space(c);
	if (c->p >= c->end || (*c->p != '\'' && *c->p != '"'))
		return bad_header(c, "expected a quoted string");
	char quote = *c->p++;
	size_t n = 0;
	while (c->p < c->end && *c->p != quote) {
		if (n + 1 >= cap)
			return bad_header(c, "string too long");
		/* A NUL would end the C string early ('<f4\0' read as '<f4'); numpy writes
		 * no control bytes in its strings. */
		if ((unsigned char)*c->p < 0x20 || *c->p == 0x7f)
			return bad_header(c, "control byte in a string");
		buf[n++] = *c->p++;
	}
	if (c->p >= c->end)
		return bad_header(c, "unterminated string");
	c->p++;
	buf[n] = '\0';
	return EDGEML_OK;
}

/* Reads True or False. */
static edgeml_status parse_bool(cursor *c, int *out)
{
	skip_space(c);
	size_t left = (size_t)(c->end - c->p);
	if (left >= 4 && memcmp(c->p, "True", 4) == 0) {
		c->p += 4;
		*out = 1;
	} else if (left >= 5 && memcmp(c->p, "False", 5) == 0) {
		c->p += 5;
		*out = 0;
	} else {
		return bad_header(c, "'fortran_order' must be True or False");
	}
	return EDGEML_OK;
}

/* Reads a shape tuple: (), (n,), (n, m, ...). */
static edgeml_status parse_shape(cursor *c, eml_npy *out)
{
	if (!accept(c, '('))
		return bad_header(c, "'shape' must be a tuple");
	out->rank = 0;
	while (!accept(c, ')')) {
		skip_space(c);
		if (c->p >= c->end || *c->p < '0' || *c->p > '9')
			return bad_header(c, "'shape' must hold non-negative integers");
		int64_t v = 0;
		while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
			int digit = *c->p++ - '0';
			if (v > (INT64_MAX - digit) / 10)
				return bad_header(c, "a dimension of 'shape' overflows 64 bits");
			v = v * 10 + digit;
		}
		if (out->rank == EDGEML_MAX_RANK)
			return tool_error(EDGEML_ERR_UNSUPPORTED,
					  "%s: array has more than %d dimensions", c->name,
					  EDGEML_MAX_RANK);
		out->dims[out->rank++] = v;
		if (!accept(c, ',')) {
			if (!accept(c, ')'))
				return bad_header(c, "expected ',' or ')' in 'shape'");
			break;
		}
	}
	return EDGEML_OK;
}

/* Maps a descr string to a dtype, with a hint for the common wrong ones. */
static edgeml_status parse_descr(const cursor *c, const char *descr, edgeml_dtype *dtype)
{
	for (size_t i = 0; i < NPY_TYPES_LEN; i++) {
		if (strcmp(descr, npy_types[i].descr) == 0) {
			*dtype = npy_types[i].dtype;
			return EDGEML_OK;
		}
	}
	return tool_error(EDGEML_ERR_UNSUPPORTED,
			  "%s: element type '%s' is not supported; save the array as float32 "
			  "('<f4'), uint8, int8, int32 or int64 (little-endian), e.g. "
			  "np.save(path, a.astype(np.float32))",
			  c->name, descr);
}

/* Parses the header dict: keys descr, fortran_order and shape, each exactly once. */
static edgeml_status parse_dict(cursor *c, eml_npy *out)
{
	int have_descr = 0, have_order = 0, have_shape = 0, fortran = 0;
	char key[32], descr[32];
	edgeml_status st;
	if (!accept(c, '{'))
		return bad_header(c, "expected '{'");
	while (!accept(c, '}')) {
		if ((st = parse_string(c, key, sizeof(key))) != EDGEML_OK)
			return st;
		if (!accept(c, ':'))
			return bad_header(c, "expected ':' after a key");
		if (strcmp(key, "descr") == 0 && !have_descr) {
			have_descr = 1;
			if ((st = parse_string(c, descr, sizeof(descr))) != EDGEML_OK)
				return st;
		} else if (strcmp(key, "fortran_order") == 0 && !have_order) {
			have_order = 1;
			if ((st = parse_bool(c, &fortran)) != EDGEML_OK)
				return st;
		} else if (strcmp(key, "shape") == 0 && !have_shape) {
			have_shape = 1;
			if ((st = parse_shape(c, out)) != EDGEML_OK)
				return st;
		} else {
			return bad_header(c, "unknown or repeated key");
		}
		if (!accept(c, ',')) {
			if (!accept(c, '}'))
				return bad_header(c, "expected ',' or '}'");
			break;
		}
	}
	skip_space(c);
	if (c->p != c->end)
		return bad_header(c, "text after the dict");
	if (!have_descr || !have_order || !have_shape)
		return bad_header(c, "'descr', 'fortran_order' and 'shape' are required");
	if (fortran)
		return tool_error(EDGEML_ERR_UNSUPPORTED,
				  "%s: array is in Fortran order; save it in C order "
				  "(np.ascontiguousarray)",
				  c->name);
	return parse_descr(c, descr, &out->dtype);
}

/* Decodes the preamble and header from the first avail bytes of a file; sets *data_off to
 * where the array starts and out's dtype, shape and size. */
static edgeml_status parse_header(const uint8_t *buf, size_t avail, const char *name, eml_npy *out,
				  size_t *data_off)
{
	*out = (eml_npy){ 0 };
	if (avail < NPY_MAGIC_LEN + 2 || memcmp(buf, NPY_MAGIC, NPY_MAGIC_LEN) != 0)
		return tool_error(EDGEML_ERR_FORMAT, "%s: not a .npy file (no \\x93NUMPY magic)",
				  name);
	uint8_t major = buf[6], minor = buf[7];
	size_t len_bytes = major == 1 ? 2 : 4;
	if (major < 1 || major > 3 || minor != 0)
		return tool_error(
			 EDGEML_ERR_UNSUPPORTED,
			 "%s: .npy format version %u.%u is not supported (1.0, 2.0, 3.0 are)", name,
			 major, minor);
	if (avail < 8 + len_bytes)
		return tool_error(EDGEML_ERR_FORMAT, "%s: truncated .npy header", name);
	size_t hlen = (size_t)buf[8] | (size_t)buf[9] << 8;
	if (len_bytes == 4)
		hlen |= (size_t)buf[10] << 16 | (size_t)buf[11] << 24;
	if (hlen > NPY_HEADER_MAX)
		return tool_error(EDGEML_ERR_FORMAT, "%s: .npy header of %zu bytes exceeds %d", name,
				  hlen, NPY_HEADER_MAX);
	size_t start = 8 + len_bytes;
	if (avail - start < hlen)
		return tool_error(EDGEML_ERR_FORMAT,
				  "%s: truncated .npy header (%zu bytes declared, %zu present)",
				  name, hlen, avail - start);
	cursor c = { (const char *)buf + start, (const char *)buf + start + hlen, name };
	edgeml_status st = parse_dict(&c, out);
	if (st != EDGEML_OK)
		return st;
	size_t size = edgeml_dtype_size(out->dtype);
	for (uint32_t i = 0; i < out->rank; i++) {
		uint64_t d = (uint64_t)out->dims[i];
		if (d != 0 && size > SIZE_MAX / d)
			return tool_error(EDGEML_ERR_FORMAT, "%s: array size overflows", name);
		size *= d;
	}
	out->size = size;
	*data_off = start + hlen;
	return EDGEML_OK;
}

/* Checks that exactly the array's bytes follow the header. */
static edgeml_status check_data_len(const char *name, const eml_npy *npy, size_t have)
{
	if (have == npy->size)
		return EDGEML_OK;
	return tool_error(EDGEML_ERR_FORMAT,
			  "%s: the header's shape and type need %zu data bytes but the file has %zu",
			  name, npy->size, have);
}

edgeml_status eml_npy_parse(const void *buf, size_t len, const char *name, eml_npy *out)
{
	size_t off;
	edgeml_status st = parse_header(buf, len, name, out, &off);
	if (st == EDGEML_OK)
		st = check_data_len(name, out, len - off);
	if (st != EDGEML_OK || out->size == 0)
		return st;
	out->data = malloc(out->size);
	if (!out->data)
		return tool_error(EDGEML_ERR_NO_MEMORY, "%s: out of memory for %zu bytes", name,
				  out->size);
	memcpy(out->data, (const uint8_t *)buf + off, out->size);
	return EDGEML_OK;
}

/* Reads the header, then the array straight into its buffer (no copy of the whole file). */
static edgeml_status read_open_file(FILE *f, const char *path, eml_npy *out)
{
	struct stat sb;
	if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode))
		return tool_error(EDGEML_ERR_IO, "%s: not a regular file", path);
	size_t file_size = (size_t)sb.st_size;
	if ((uint64_t)sb.st_size > SIZE_MAX)
		return tool_error(EDGEML_ERR_IO, "%s: file too large", path);
	size_t avail = file_size < 12 + NPY_HEADER_MAX ? file_size : 12 + NPY_HEADER_MAX;
	uint8_t *head = malloc(avail ? avail : 1);
	if (!head)
		return tool_error(EDGEML_ERR_NO_MEMORY, "%s: out of memory", path);
	size_t off = 0;
	edgeml_status st = EDGEML_OK;
	if (fread(head, 1, avail, f) != avail)
		st = tool_error(EDGEML_ERR_IO, "%s: read failed: %s", path, strerror(errno));
	if (st == EDGEML_OK)
		st = parse_header(head, avail, path, out, &off);
	free(head);
	if (st == EDGEML_OK)
		st = check_data_len(path, out, file_size - off);
	if (st != EDGEML_OK || out->size == 0)
		return st;
	out->data = malloc(out->size);
	if (!out->data)
		return tool_error(EDGEML_ERR_NO_MEMORY, "%s: out of memory for %zu bytes", path,
				  out->size);
	if (fseek(f, (long)off, SEEK_SET) != 0 || fread(out->data, 1, out->size, f) != out->size) {
		eml_npy_free(out);
		return tool_error(EDGEML_ERR_IO, "%s: read failed", path);
	}
	return EDGEML_OK;
}

edgeml_status eml_npy_read_file(const char *path, eml_npy *out)
{
	*out = (eml_npy){ 0 };
	FILE *f = fopen(path, "rb");
	if (!f)
		return tool_error(EDGEML_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
	edgeml_status st = read_open_file(f, path, out);
	fclose(f);
	return st;
}

/* The descr string of a dtype, or NULL. */
static const char *descr_of(edgeml_dtype dtype)
{
	for (size_t i = 0; i < NPY_TYPES_LEN; i++)
		if (npy_types[i].dtype == dtype)
			return npy_types[i].descr;
	return NULL;
}

/* Formats the version 1.0 preamble and header, padded with spaces to a multiple of 64 bytes
 * and ended by '\n' as numpy writes it; returns its length. */
static size_t format_header(char *buf, size_t cap, const char *descr, uint32_t rank,
			    const int64_t *dims)
{
	int n = snprintf(buf + 10, cap - 10, "{'descr': '%s', 'fortran_order': False, 'shape': (",
			 descr);
	for (uint32_t i = 0; i < rank; i++)
		n += snprintf(buf + 10 + n, cap - 10 - (size_t)n, "%s%" PRId64, i ? ", " : "",
			      dims[i]);
	n += snprintf(buf + 10 + n, cap - 10 - (size_t)n, "%s), }", rank == 1 ? "," : "");
	size_t total = (10 + (size_t)n + 1 + 63) / 64 * 64;
	memset(buf + 10 + n, ' ', total - 10 - (size_t)n - 1);
	buf[total - 1] = '\n';
	size_t hlen = total - 10;
	memcpy(buf, NPY_MAGIC, NPY_MAGIC_LEN);
	buf[6] = 1;
	buf[7] = 0;
	buf[8] = (char)(hlen & 0xff);
	buf[9] = (char)(hlen >> 8);
	return total;
}

edgeml_status eml_npy_write_file(const char *path, edgeml_dtype dtype, uint32_t rank,
				 const int64_t *dims, const void *data, size_t size)
{
	const char *descr = descr_of(dtype);
	if (!descr)
		return tool_error(EDGEML_ERR_UNSUPPORTED, "%s: cannot write dtype %u to .npy", path,
				  (unsigned)dtype);
	if (rank > EDGEML_MAX_RANK)
		return tool_error(EDGEML_ERR_INVALID_ARGUMENT, "%s: rank %u exceeds %d", path, rank,
				  EDGEML_MAX_RANK);
	uint64_t want = edgeml_dtype_size(dtype);
	for (uint32_t i = 0; i < rank; i++) {
		if (dims[i] < 0 || (dims[i] != 0 && want > UINT64_MAX / (uint64_t)dims[i]))
			return tool_error(EDGEML_ERR_INVALID_ARGUMENT, "%s: bad shape", path);
		want *= (uint64_t)dims[i];
	}
	if (want != size)
		return tool_error(EDGEML_ERR_INVALID_ARGUMENT,
				  "%s: %zu data bytes given, the shape needs %" PRIu64, path, size,
				  want);
	/* 8 dims of at most 20 digits and separators fit easily. */
	char head[512];
	size_t hsize = format_header(head, sizeof(head), descr, rank, dims);
	FILE *f = fopen(path, "wb");
	if (!f)
		return tool_error(EDGEML_ERR_IO, "%s: cannot create: %s", path, strerror(errno));
	int ok = fwrite(head, 1, hsize, f) == hsize &&
		 (size == 0 || fwrite(data, 1, size, f) == size);
	ok &= fclose(f) == 0;
	if (!ok)
		return tool_error(EDGEML_ERR_IO, "%s: write failed: %s", path, strerror(errno));
	return EDGEML_OK;
}

void eml_npy_free(eml_npy *npy)
{
	free(npy->data);
	npy->data = NULL;
}
