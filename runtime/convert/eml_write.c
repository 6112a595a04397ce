/*
 * eml_write.c — serialising an eml_graph to the .eml format (docs/eml-format.md): one pass
 * to size every section, one to fill them, then the checksum. The layout is the one the spec
 * recommends: header, the sections in table order (8-byte aligned), the data section last
 * with each constant 64-byte aligned.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "convert/eml_write.h"
#include "eml_format.h"
#include "error.h"

/* Element counts of every section, then their offsets in the file. */
struct layout {
	uint64_t count[EML_SEC_COUNT]; /* bytes for strings and data, else elements */
	struct eml_file_section sec[EML_SEC_COUNT];
	uint64_t file_size;
};

/* Cursors while filling the sections. */
struct fill {
	uint8_t *buf;
	const struct layout *lay;
	uint64_t strings; /* next free byte of the string section */
	uint32_t indices; /* next free element of each pool */
	uint32_t int64s;
	uint32_t floats;
	uint32_t int32s;
	uint32_t attrs;
	uint64_t data; /* next free absolute offset in the data section */
};

/* Record size (for record sections) or element size (for pools) of each section. */
static const uint32_t unit_size[EML_SEC_COUNT] = {
	1, sizeof(struct eml_file_tensor), sizeof(struct eml_file_node),
	sizeof(struct eml_file_attr), 4, 8, 4, 4, 1,
};

/* Rounds v up to a multiple of the power of two a. */
static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

/* Bytes a name takes in the string section (0 for the empty string, which is offset 0);
 * names longer than the format allows are an error. */
static edgeml_status name_bytes(const char *s, const char *what, uint64_t index, uint64_t *total)
{
	size_t len = s ? strlen(s) : 0;
	if (len > EML_MAX_NAME_LEN)
		return eml_error(EDGEML_ERR_INVALID_ARGUMENT,
				 "%s %" PRIu64 ": name of %zu bytes is longer than the %u the .eml "
				 "format allows",
				 what, index, len, EML_MAX_NAME_LEN);
	*total += len ? len + 1 : 0;
	return EDGEML_OK;
}

/* Sizes every section from the graph; fails when the graph does not fit the format's
 * 32-bit counts or pointers are missing for the counts given. */
static edgeml_status measure(const eml_graph *g, struct layout *lay)
{
	uint64_t *c = lay->count;
	edgeml_status st;
	memset(lay, 0, sizeof(*lay));
	c[EML_SEC_STRINGS] = 1;
	c[EML_SEC_TENSORS] = g->n_tensors;
	c[EML_SEC_NODES] = g->n_nodes;
	c[EML_SEC_INDICES] = (uint64_t)g->n_inputs + g->n_outputs;
	uint64_t data = 0;
	for (uint32_t i = 0; i < g->n_tensors; i++) {
		const eml_tensor *t = &g->tensors[i];
		if ((st = name_bytes(t->name, "tensor", i, &c[EML_SEC_STRINGS])) != EDGEML_OK)
			return st;
		if (t->q_count && (!t->q_scales || !t->q_zero_points))
			return eml_error(EDGEML_ERR_INVALID_ARGUMENT,
					 "tensor '%s': %" PRIu32
					 " quantization parameters but no arrays",
					 t->name ? t->name : "", t->q_count);
		c[EML_SEC_FLOATS] += t->q_count;
		c[EML_SEC_INT32S] += t->q_count;
		if (!(t->flags & EML_TF_CONSTANT))
			continue;
		if (t->data_size && !t->data)
			return eml_error(EDGEML_ERR_INVALID_ARGUMENT,
					 "constant '%s' has a data size but no data",
					 t->name ? t->name : "");
		if (t->data_size > UINT64_MAX / 2 - data)
			return eml_error(EDGEML_ERR_INVALID_ARGUMENT, "constant data is too big");
		data = align_up(data, EML_DATA_ALIGN) + t->data_size;
	}
	c[EML_SEC_DATA] = data;
	for (uint32_t i = 0; i < g->n_nodes; i++) {
		const eml_node *n = &g->nodes[i];
		if ((st = name_bytes(n->name, "node", i, &c[EML_SEC_STRINGS])) != EDGEML_OK)
			return st;
		c[EML_SEC_INDICES] += (uint64_t)n->n_inputs + n->n_outputs;
		c[EML_SEC_ATTRS] += n->n_attrs;
		for (uint32_t k = 0; k < n->n_attrs; k++) {
			const eml_attr *a = &n->attrs[k];
			if ((st = name_bytes(a->name, "attribute", k, &c[EML_SEC_STRINGS])) !=
			    EDGEML_OK)
				return eml_error_context(st, "node '%s': ", n->name ? n->name : "");
			if (a->type == EML_ATTR_STRING)
				c[EML_SEC_STRINGS] += (a->s ? strlen(a->s) : 0) + 1;
			if ((a->type == EML_ATTR_INTS && a->count && !a->ints) ||
			    (a->type == EML_ATTR_FLOATS && a->count && !a->floats))
				return eml_error(EDGEML_ERR_INVALID_ARGUMENT,
						 "node '%s': attribute '%s' has %" PRIu32
						 " values but no array",
						 n->name ? n->name : "", a->name ? a->name : "",
						 a->count);
			if (a->type == EML_ATTR_INTS)
				c[EML_SEC_INT64S] += a->count;
			else if (a->type == EML_ATTR_FLOATS)
				c[EML_SEC_FLOATS] += a->count;
		}
	}
	for (int s = 0; s < EML_SEC_COUNT; s++) {
		uint64_t limit = s == EML_SEC_DATA ? UINT64_MAX / 4 : UINT32_MAX;
		if (c[s] > limit)
			return eml_error(EDGEML_ERR_INVALID_ARGUMENT,
					 "the graph needs %" PRIu64
					 " entries in section %d, more than "
					 "the .eml format's 32-bit references allow",
					 c[s], s);
	}
	uint64_t off = EML_HEADER_SIZE;
	for (int s = 0; s < EML_SEC_COUNT; s++) {
		uint64_t bytes = c[s] * unit_size[s];
		if (bytes == 0)
			continue;
		off = align_up(off, s == EML_SEC_DATA ? EML_DATA_ALIGN : EML_SECTION_ALIGN);
		lay->sec[s].offset = off;
		lay->sec[s].size = bytes;
		off += bytes;
	}
	lay->file_size = off;
	return EDGEML_OK;
}

/* Copies s into the string section and returns its offset (0 for an empty string). */
static uint32_t put_string(struct fill *f, const char *s)
{
	size_t len = s ? strlen(s) : 0;
	if (len == 0)
		return 0;
	uint64_t at = f->strings;
	memcpy(f->buf + f->lay->sec[EML_SEC_STRINGS].offset + at, s, len + 1);
	f->strings += len + 1;
	return (uint32_t)at;
}

/* Copies n tensor indices into the index pool and returns the first element. */
static uint32_t put_indices(struct fill *f, const uint32_t *v, uint32_t n)
{
	uint32_t at = f->indices;
	if (n)
		memcpy(f->buf + f->lay->sec[EML_SEC_INDICES].offset + (uint64_t)at * 4, v,
		       (size_t)n * 4);
	f->indices += n;
	return at;
}

/* Copies n floats into the float pool and returns the first element. */
static uint32_t put_floats(struct fill *f, const float *v, uint32_t n)
{
	uint32_t at = f->floats;
	if (n)
		memcpy(f->buf + f->lay->sec[EML_SEC_FLOATS].offset + (uint64_t)at * 4, v,
		       (size_t)n * 4);
	f->floats += n;
	return at;
}

/* Writes tensor record i, its quantization parameters and (for a constant) its data. */
static void put_tensor(struct fill *f, const eml_tensor *t, uint32_t i)
{
	struct eml_file_tensor r;
	memset(&r, 0, sizeof(r));
	r.name = put_string(f, t->name);
	r.dtype = t->dtype;
	r.rank = t->rank;
	r.flags = t->flags;
	for (uint32_t k = 0; k < t->rank && k < EML_MAX_RANK; k++)
		r.dims[k] = t->dims[k];
	if (t->flags & EML_TF_CONSTANT) {
		f->data = align_up(f->data, EML_DATA_ALIGN);
		r.data_offset = f->data;
		r.data_size = t->data_size;
		if (t->data_size)
			memcpy(f->buf + f->data, t->data, (size_t)t->data_size);
		f->data += t->data_size;
	}
	if (t->q_count) {
		r.q_count = t->q_count;
		r.q_axis = t->q_axis;
		r.q_scales = put_floats(f, t->q_scales, t->q_count);
		r.q_zero_points = f->int32s;
		memcpy(f->buf + f->lay->sec[EML_SEC_INT32S].offset + (uint64_t)f->int32s * 4,
		       t->q_zero_points, (size_t)t->q_count * 4);
		f->int32s += t->q_count;
	}
	memcpy(f->buf + f->lay->sec[EML_SEC_TENSORS].offset + (uint64_t)i * sizeof(r), &r,
	       sizeof(r));
}

/* Writes the next attribute record and its values. */
static void put_attr(struct fill *f, const eml_attr *a)
{
	struct eml_file_attr r;
	memset(&r, 0, sizeof(r));
	r.name = put_string(f, a->name);
	r.type = a->type;
	switch (a->type) {
	case EML_ATTR_INT:
		r.i = a->i;
		break;
	case EML_ATTR_FLOAT:
		r.f = a->f;
		break;
	case EML_ATTR_STRING:
		/* Unlike names, an attribute string is always stored, so that its offset is a
		 * string of exactly count bytes even when empty. */
		r.count = (uint32_t)(a->s ? strlen(a->s) : 0);
		r.ref = (uint32_t)f->strings;
		memcpy(f->buf + f->lay->sec[EML_SEC_STRINGS].offset + f->strings, a->s ? a->s : "",
		       r.count + 1);
		f->strings += r.count + 1;
		break;
	case EML_ATTR_INTS:
		r.count = a->count;
		r.ref = f->int64s;
		if (a->count)
			memcpy(f->buf + f->lay->sec[EML_SEC_INT64S].offset +
				       (uint64_t)f->int64s * 8,
			       a->ints, (size_t)a->count * 8);
		f->int64s += a->count;
		break;
	case EML_ATTR_FLOATS:
		r.count = a->count;
		r.ref = put_floats(f, a->floats, a->count);
		break;
	}
	memcpy(f->buf + f->lay->sec[EML_SEC_ATTRS].offset + (uint64_t)f->attrs * sizeof(r), &r,
	       sizeof(r));
	f->attrs++;
}

/* Writes node record i with its index ranges and attributes. */
static void put_node(struct fill *f, const eml_node *n, uint32_t i)
{
	struct eml_file_node r;
	memset(&r, 0, sizeof(r));
	r.name = put_string(f, n->name);
	r.op = n->op;
	r.n_inputs = n->n_inputs;
	r.inputs_first = put_indices(f, n->inputs, n->n_inputs);
	r.n_outputs = n->n_outputs;
	r.outputs_first = put_indices(f, n->outputs, n->n_outputs);
	r.n_attrs = n->n_attrs;
	r.attrs_first = f->attrs;
	for (uint32_t k = 0; k < n->n_attrs; k++)
		put_attr(f, &n->attrs[k]);
	memcpy(f->buf + f->lay->sec[EML_SEC_NODES].offset + (uint64_t)i * sizeof(r), &r, sizeof(r));
}

edgeml_status eml_write_memory(const eml_graph *graph, void **out, size_t *size)
{
	if (!graph || !out || !size)
		return eml_error(EDGEML_ERR_INVALID_ARGUMENT,
				 "graph, out and size must not be NULL");
	struct layout lay;
	edgeml_status st = measure(graph, &lay);
	if (st != EDGEML_OK)
		return st;
	uint64_t alloc = align_up(lay.file_size, EML_DATA_ALIGN);
	if (alloc > SIZE_MAX)
		return eml_error(EDGEML_ERR_NO_MEMORY,
				 "a model of %" PRIu64 " bytes does not fit "
				 "in memory",
				 lay.file_size);
	uint8_t *buf = aligned_alloc(EML_DATA_ALIGN, (size_t)alloc);
	if (!buf)
		return eml_error(EDGEML_ERR_NO_MEMORY,
				 "cannot allocate %" PRIu64 " bytes for the model", alloc);
	memset(buf, 0, (size_t)alloc);

	struct fill f;
	memset(&f, 0, sizeof(f));
	f.buf = buf;
	f.lay = &lay;
	f.strings = 1;
	f.data = lay.sec[EML_SEC_DATA].offset;
	struct eml_file_header h;
	memset(&h, 0, sizeof(h));
	memcpy(h.magic, EML_MAGIC, EML_MAGIC_LEN);
	h.version_major = EML_VERSION_MAJOR;
	h.version_minor = EML_VERSION_MINOR;
	h.header_size = EML_HEADER_SIZE;
	h.file_size = lay.file_size;
	h.n_sections = EML_SEC_COUNT;
	h.n_inputs = graph->n_inputs;
	h.inputs_first = put_indices(&f, graph->inputs, graph->n_inputs);
	h.n_outputs = graph->n_outputs;
	h.outputs_first = put_indices(&f, graph->outputs, graph->n_outputs);
	for (uint32_t i = 0; i < graph->n_tensors; i++)
		put_tensor(&f, &graph->tensors[i], i);
	for (uint32_t i = 0; i < graph->n_nodes; i++)
		put_node(&f, &graph->nodes[i], i);
	memcpy(buf + EML_HEADER_FIXED_SIZE, lay.sec, sizeof(lay.sec));

	memcpy(buf, &h, sizeof(h));
	eml_seal_checksums(buf, lay.file_size);
	*out = buf;
	*size = (size_t)lay.file_size;
	return EDGEML_OK;
}

/* Writes data to a temporary file beside path (mkstemp: a link planted in a shared directory
 * is not followed), then renames it over path, so a reader never sees half a model. The
 * tools' file_io.c does the same for theirs; the converter, a library, keeps its own. */
static edgeml_status write_atomic(const char *path, const void *data, size_t size, mode_t mode)
{
	size_t plen = strlen(path);
	char *tmp = malloc(plen + sizeof(".tmp.XXXXXX"));
	if (!tmp)
		return eml_error(EDGEML_ERR_NO_MEMORY, "cannot allocate a temporary file name");
	memcpy(tmp, path, plen);
	memcpy(tmp + plen, ".tmp.XXXXXX", sizeof(".tmp.XXXXXX"));
	int fd = mkstemp(tmp);
	if (fd < 0) {
		edgeml_status st = eml_error(EDGEML_ERR_IO,
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
			st = eml_error(EDGEML_ERR_IO, "cannot write '%s': %s", tmp,
				       w < 0 ? strerror(errno) : "no progress");
			break;
		}
		p += w;
		left -= (size_t)w;
	}
	/* mkstemp creates the file 0600; a model is meant to be shared like any data file. */
	if (st == EDGEML_OK && (fchmod(fd, mode) != 0 || fsync(fd) != 0))
		st = eml_error(EDGEML_ERR_IO, "cannot finish '%s': %s", tmp, strerror(errno));
	if (close(fd) != 0 && st == EDGEML_OK)
		st = eml_error(EDGEML_ERR_IO, "cannot close '%s': %s", tmp, strerror(errno));
	if (st == EDGEML_OK && rename(tmp, path) != 0)
		st = eml_error(EDGEML_ERR_IO, "cannot rename '%s' to '%s': %s", tmp, path,
			       strerror(errno));
	if (st != EDGEML_OK)
		unlink(tmp);
	free(tmp);
	return st;
}

edgeml_status eml_write_file(const eml_graph *graph, const char *path)
{
	if (!path)
		return eml_error(EDGEML_ERR_INVALID_ARGUMENT, "output path must not be NULL");
	void *buf;
	size_t size;
	edgeml_status st = eml_write_memory(graph, &buf, &size);
	if (st != EDGEML_OK)
		return st;
	st = write_atomic(path, buf, size, 0644);
	free(buf);
	return st;
}
