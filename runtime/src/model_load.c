/*
 * model_load.c — loading a .eml file (docs/eml-format.md): map or adopt the bytes, check
 * every field against the file before using it, decode into the graph IR, then validate the
 * graph. Nothing in the file is trusted: every count, offset and size is range-checked with
 * overflow-safe arithmetic, and the work and memory spent stay linear in the file size.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "eml_format.h"
#include "error.h"
#include "model.h"
#include "ops/op_params.h"
#include "ops/ops.h"
#include "package.h"

/* Decoded graph arrays may take at most this many times the file size (plus a constant), so
 * a hostile file cannot make the loader allocate far more than it is big. */
#define DECODE_SIZE_FACTOR 4u
#define DECODE_SIZE_SLACK 4096u

/* The image being decoded with its checked header and section table. */
struct reader {
	const uint8_t *base;
	uint64_t size;
	struct eml_file_header hdr;
	struct eml_file_section sec[EML_SEC_COUNT];
	uint32_t n_tensors;
	uint32_t n_nodes;
	uint32_t n_attrs;
	uint64_t n_indices; /* elements of each pool */
	uint64_t n_int64s;
	uint64_t n_floats;
	uint64_t n_int32s;
	const uint32_t *indices;
	const int64_t *int64s;
	const float *floats;
	const int32_t *int32s;
};

/* Section names for messages, in table order. */
static const char *const section_names[EML_SEC_COUNT] = {
	"strings", "tensors", "nodes", "attributes", "index pool",
	"int64 pool", "float pool", "int32 pool", "data",
};

/* Record size (for record sections) or element size (for pools) of each known section. */
static const uint32_t section_unit[EML_SEC_COUNT] = {
	1, sizeof(struct eml_file_tensor), sizeof(struct eml_file_node),
	sizeof(struct eml_file_attr), 4, 8, 4, 4, 1,
};

/* Writes "kind index ('name') at offset 0x..." describing a record for messages; name is the
 * record's name once it has been checked, else NULL. */
static void rec_where(char *buf, size_t n, const char *kind, uint32_t index, const char *name,
		      uint64_t off)
{
	if (name)
		snprintf(buf, n, "%s %" PRIu32 " ('%s') at offset 0x%" PRIx64, kind, index, name,
			 off);
	else
		snprintf(buf, n, "%s %" PRIu32 " at offset 0x%" PRIx64, kind, index, off);
}

/* Reports a format error in a record (see rec_where()). */
static edgeml_status EML_PRINTF(5, 6) rec_error(const char *kind, uint32_t index, const char *name,
						uint64_t off, const char *fmt, ...)
{
	char where[256 + EML_MAX_NAME_LEN];
	char what[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	rec_where(where, sizeof(where), kind, index, name, off);
	return eml_error(EDGEML_ERR_FORMAT, "%s: %s", where, what);
}

/* True when [first, first + count) lies inside a pool of n elements. */
static int range_ok(uint64_t first, uint64_t count, uint64_t n)
{
	return first <= n && count <= n - first;
}

/* The string at offset off of the string section, or NULL when off is outside the section
 * or the string is longer than max_len bytes; *len gets its length. */
static const char *string_at(const struct reader *r, uint64_t off, uint64_t max_len, uint64_t *len)
{
	const struct eml_file_section *s = &r->sec[EML_SEC_STRINGS];
	if (off >= s->size)
		return NULL;
	const char *p = (const char *)r->base + s->offset + off;
	uint64_t avail = s->size - off;
	const char *nul = memchr(p, 0, avail < max_len + 1 ? avail : max_len + 1);
	if (!nul)
		return NULL;
	*len = (uint64_t)(nul - p);
	return p;
}

/* Checks and returns a record's name; kind/index/off describe the record for messages. */
static edgeml_status read_name(const struct reader *r, uint32_t off, int allow_empty,
			       const char *kind, uint32_t index, uint64_t rec_off, const char **out)
{
	uint64_t len;
	if (off >= r->sec[EML_SEC_STRINGS].size)
		return rec_error(kind, index, NULL, rec_off,
				 "name offset 0x%" PRIx32 " is outside the string section (%" PRIu64
				 " bytes)",
				 off, r->sec[EML_SEC_STRINGS].size);
	const char *s = string_at(r, off, EML_MAX_NAME_LEN, &len);
	if (!s)
		return rec_error(kind, index, NULL, rec_off,
				 "name at string offset 0x%" PRIx32 " is longer than %u bytes", off,
				 EML_MAX_NAME_LEN);
	if (len == 0 && !allow_empty)
		return rec_error(kind, index, NULL, rec_off, "name is empty");
	*out = s;
	return EDGEML_OK;
}

/* Checks the fixed header: magic, version, sizes, then the checksum of everything after it
 * and (since 1.1) the checksum of the header and section table. */
static edgeml_status check_header(struct reader *r)
{
	struct eml_file_header *h = &r->hdr;
	if (r->size < EML_HEADER_FIXED_SIZE)
		return eml_error(EDGEML_ERR_FORMAT,
				 "file is %" PRIu64 " bytes, shorter than the %u-byte .eml header",
				 r->size, EML_HEADER_FIXED_SIZE);
	memcpy(h, r->base, sizeof(*h));
	if (memcmp(h->magic, EML_MAGIC, EML_MAGIC_LEN) != 0)
		return eml_error(EDGEML_ERR_FORMAT,
				 "not a .eml model file: bad magic bytes at offset 0x0");
	if (h->version_major != EML_VERSION_MAJOR)
		return eml_error(EDGEML_ERR_FORMAT,
				 "file format version %u.%u at offset 0x8 is not supported: this "
				 "runtime reads version %u.x",
				 h->version_major, h->version_minor, EML_VERSION_MAJOR);
	if (h->file_size != r->size)
		return eml_error(EDGEML_ERR_FORMAT,
				 "header file_size at offset 0x10 is %" PRIu64
				 " bytes but the file is %" PRIu64 " bytes (truncated or padded?)",
				 h->file_size, r->size);
	if (h->n_sections < EML_SEC_COUNT)
		return eml_error(EDGEML_ERR_FORMAT,
				 "header n_sections at offset 0x1c is %" PRIu32
				 ", fewer than the %u "
				 "sections of version %u.0",
				 h->n_sections, EML_SEC_COUNT, EML_VERSION_MAJOR);
	uint64_t min_header =
		EML_HEADER_FIXED_SIZE + (uint64_t)EML_SECTION_ENTRY_SIZE * h->n_sections;
	if (h->header_size < min_header || h->header_size % EML_SECTION_ALIGN != 0 ||
	    h->header_size > r->size)
		return eml_error(
			EDGEML_ERR_FORMAT,
			"header_size at offset 0xc is %" PRIu32 ": it must be a multiple of "
			"%u, at least %" PRIu64 " (for %" PRIu32
			" sections) and at most the file size %" PRIu64,
			h->header_size, EML_SECTION_ALIGN, min_header, h->n_sections, r->size);
	for (unsigned i = 0; i < 4; i++)
		if (h->reserved[i] != 0)
			return eml_error(
				EDGEML_ERR_FORMAT,
				"header reserved field at offset 0x%x is not zero",
				(unsigned)(offsetof(struct eml_file_header, reserved) + 4 * i));
	uint32_t crc = eml_body_checksum(r->base, h->header_size, r->size);
	if (crc != h->checksum)
		return eml_error(EDGEML_ERR_FORMAT,
				 "checksum mismatch: header at offset 0x18 says 0x%08" PRIx32
				 " but the contents give 0x%08" PRIx32 " (file corrupted)",
				 h->checksum, crc);
	if (h->version_minor < 1)
		return EDGEML_OK; /* 1.0 files have no header checksum */
	struct eml_file_header_ext ext;
	if (h->header_size < min_header + EML_HEADER_EXT_SIZE)
		return eml_error(EDGEML_ERR_FORMAT,
				 "header_size at offset 0xc is %" PRIu32
				 ": version %u.%u needs at least %" PRIu64
				 " bytes for the header checksum after the section table",
				 h->header_size, h->version_major, h->version_minor,
				 min_header + EML_HEADER_EXT_SIZE);
	memcpy(&ext, r->base + min_header, sizeof(ext));
	if (ext.reserved != 0)
		return eml_error(EDGEML_ERR_FORMAT,
				 "header reserved field at offset 0x%" PRIx64 " is not zero",
				 min_header + 4);
	crc = eml_header_checksum(r->base, min_header, h->header_size);
	if (crc != ext.header_checksum)
		return eml_error(EDGEML_ERR_FORMAT,
				 "header checksum mismatch: offset 0x%" PRIx64 " says 0x%08" PRIx32
				 " but the header and section table give 0x%08" PRIx32
				 " (file corrupted)",
				 min_header, ext.header_checksum, crc);
	return EDGEML_OK;
}

/* Checks the section table: every section inside the file after the header, aligned, whole
 * records, and the known sections pairwise disjoint. Sets the counts and pool pointers. */
static edgeml_status check_sections(struct reader *r)
{
	for (uint32_t i = 0; i < r->hdr.n_sections; i++) {
		uint64_t entry = EML_HEADER_FIXED_SIZE + (uint64_t)EML_SECTION_ENTRY_SIZE * i;
		struct eml_file_section s;
		memcpy(&s, r->base + entry, sizeof(s));
		const char *name = i < EML_SEC_COUNT ? section_names[i] : "unknown";
		if (s.size == 0 && s.offset != 0)
			return eml_error(EDGEML_ERR_FORMAT,
					 "section %" PRIu32 " (%s) at offset 0x%" PRIx64
					 ": empty but its offset is 0x%" PRIx64 ", not 0",
					 i, name, entry, s.offset);
		if (s.size != 0 && (s.offset < r->hdr.header_size || s.offset > r->size ||
				    s.size > r->size - s.offset))
			return eml_error(EDGEML_ERR_FORMAT,
					 "section %" PRIu32 " (%s) at offset 0x%" PRIx64
					 ": bytes [0x%" PRIx64 ", +0x%" PRIx64
					 ") are not inside the file after the header (0x%" PRIx32
					 "..0x%" PRIx64 ")",
					 i, name, entry, s.offset, s.size, r->hdr.header_size,
					 r->size);
		if (s.offset % EML_SECTION_ALIGN != 0)
			return eml_error(EDGEML_ERR_FORMAT,
					 "section %" PRIu32 " (%s) at offset 0x%" PRIx64
					 ": offset 0x%" PRIx64 " is not %u-byte aligned",
					 i, name, entry, s.offset, EML_SECTION_ALIGN);
		if (i >= EML_SEC_COUNT)
			continue;
		if (s.size % section_unit[i] != 0)
			return eml_error(EDGEML_ERR_FORMAT,
					 "section %" PRIu32 " (%s) at offset 0x%" PRIx64
					 ": size %" PRIu64 " is not a multiple of its %" PRIu32
					 "-byte records",
					 i, name, entry, s.size, section_unit[i]);
		for (uint32_t j = 0; j < i; j++) {
			const struct eml_file_section *o = &r->sec[j];
			if (s.size && o->size && s.offset < o->offset + o->size &&
			    o->offset < s.offset + s.size)
				return eml_error(EDGEML_ERR_FORMAT,
						 "section %" PRIu32 " (%s) at offset 0x%" PRIx64
						 " overlaps section %" PRIu32 " (%s)",
						 i, name, entry, j, section_names[j]);
		}
		r->sec[i] = s;
	}
	const struct eml_file_section *str = &r->sec[EML_SEC_STRINGS];
	if (str->size == 0 || r->base[str->offset] != 0 ||
	    r->base[str->offset + str->size - 1] != 0)
		return eml_error(EDGEML_ERR_FORMAT,
				 "string section at offset 0x%" PRIx64
				 " must begin and end with a NUL byte",
				 str->offset);
	uint64_t nt = r->sec[EML_SEC_TENSORS].size / sizeof(struct eml_file_tensor);
	uint64_t nn = r->sec[EML_SEC_NODES].size / sizeof(struct eml_file_node);
	uint64_t na = r->sec[EML_SEC_ATTRS].size / sizeof(struct eml_file_attr);
	if (nt >= EML_NO_TENSOR || nn > UINT32_MAX || na > UINT32_MAX)
		return eml_error(EDGEML_ERR_FORMAT,
				 "too many records: %" PRIu64 " tensors, %" PRIu64
				 " nodes, %" PRIu64 " attributes (at most %" PRIu32 " each)",
				 nt, nn, na, UINT32_MAX - 1);
	r->n_tensors = (uint32_t)nt;
	r->n_nodes = (uint32_t)nn;
	r->n_attrs = (uint32_t)na;
	r->n_indices = r->sec[EML_SEC_INDICES].size / 4;
	r->n_int64s = r->sec[EML_SEC_INT64S].size / 8;
	r->n_floats = r->sec[EML_SEC_FLOATS].size / 4;
	r->n_int32s = r->sec[EML_SEC_INT32S].size / 4;
	/* Sections are 8-byte aligned in a 64-byte aligned image: pools are used in place. */
	r->indices = (const uint32_t *)(const void *)(r->base + r->sec[EML_SEC_INDICES].offset);
	r->int64s = (const int64_t *)(const void *)(r->base + r->sec[EML_SEC_INT64S].offset);
	r->floats = (const float *)(const void *)(r->base + r->sec[EML_SEC_FLOATS].offset);
	r->int32s = (const int32_t *)(const void *)(r->base + r->sec[EML_SEC_INT32S].offset);
	return EDGEML_OK;
}

/* Checks a list of tensor indices from the pool; absent_ok allows EML_NO_TENSOR (optional
 * node inputs/outputs). where describes the record for messages. */
static edgeml_status check_index_list(const struct reader *r, const char *where, const char *what,
				      uint32_t first, uint32_t count, int absent_ok)
{
	if (!range_ok(first, count, r->n_indices))
		return eml_error(EDGEML_ERR_FORMAT,
				 "%s: %s [%" PRIu32 ", +%" PRIu32
				 ") exceed the index pool (%" PRIu64 " entries)",
				 where, what, first, count, r->n_indices);
	for (uint32_t k = 0; k < count; k++) {
		uint32_t t = r->indices[first + k];
		if (t == EML_NO_TENSOR && absent_ok)
			continue;
		if (t >= r->n_tensors)
			return eml_error(EDGEML_ERR_FORMAT,
					 "%s: %s[%" PRIu32 "] is tensor %" PRIu32
					 ", but there are %" PRIu32 " tensors",
					 where, what, k, t, r->n_tensors);
	}
	return EDGEML_OK;
}

/* Checks a tensor's quantization parameters and points t at them. *q_used accumulates the
 * pool elements referenced, bounded by the pool sizes so overlapping ranges cannot multiply
 * the work. */
static edgeml_status decode_quant(const struct reader *r, uint32_t i, uint64_t off,
				  const struct eml_file_tensor *f, eml_tensor *t, uint64_t *q_used)
{
	if (f->q_count == 0) {
		if (f->q_axis != 0 || f->q_scales != 0 || f->q_zero_points != 0)
			return rec_error("tensor", i, t->name, off,
					 "q_axis, q_scales and q_zero_points must be 0 without "
					 "quantization parameters");
		return EDGEML_OK;
	}
	if (f->rank == 0 ? (f->q_axis != 0 || f->q_count != 1)
			 : (f->q_axis < 0 || (uint32_t)f->q_axis >= f->rank ||
			    (f->q_count != 1 && (int64_t)f->q_count != f->dims[f->q_axis])))
		return rec_error("tensor", i, t->name, off,
				 "%" PRIu32 " quantization parameters on axis %" PRId32
				 " do not fit a rank-%" PRIu32
				 " tensor (need 1, or dims[axis] with 0 <= axis < rank)",
				 f->q_count, f->q_axis, f->rank);
	if (!range_ok(f->q_scales, f->q_count, r->n_floats) ||
	    !range_ok(f->q_zero_points, f->q_count, r->n_int32s))
		return rec_error("tensor", i, t->name, off,
				 "quantization scales [%" PRIu32 ", +%" PRIu32
				 ") or zero points [%" PRIu32 ", +%" PRIu32
				 ") exceed the float pool (%" PRIu64 ") or int32 pool (%" PRIu64
				 ")",
				 f->q_scales, f->q_count, f->q_zero_points, f->q_count, r->n_floats,
				 r->n_int32s);
	*q_used += f->q_count;
	if (*q_used > r->n_floats || *q_used > r->n_int32s)
		return rec_error("tensor", i, t->name, off,
				 "quantization parameters of all tensors together exceed the pools "
				 "(ranges overlap)");
	const float *sc = r->floats + f->q_scales;
	const int32_t *zp = r->int32s + f->q_zero_points;
	int32_t lo = INT32_MIN, hi = INT32_MAX;
	if (f->dtype == EDGEML_DTYPE_UINT8) {
		lo = 0;
		hi = 255;
	} else if (f->dtype == EDGEML_DTYPE_INT8) {
		lo = -128;
		hi = 127;
	}
	for (uint32_t k = 0; k < f->q_count; k++) {
		if (!isfinite(sc[k]) || !(sc[k] > 0.0f))
			return rec_error("tensor", i, t->name, off,
					 "quantization scale %" PRIu32
					 " is %g; it must be finite and > 0",
					 k, (double)sc[k]);
		if (zp[k] < lo || zp[k] > hi)
			return rec_error("tensor", i, t->name, off,
					 "zero point %" PRIu32 " is %" PRId32
					 ", outside the %s range",
					 k, zp[k], edgeml_dtype_name((edgeml_dtype)f->dtype));
	}
	t->q_count = f->q_count;
	t->q_axis = f->q_axis;
	t->q_scales = sc;
	t->q_zero_points = zp;
	return EDGEML_OK;
}

/* Decodes and checks tensor record i. */
static edgeml_status decode_tensor(const struct reader *r, uint32_t i, eml_tensor *t,
				   uint64_t *q_used)
{
	uint64_t off =
		r->sec[EML_SEC_TENSORS].offset + (uint64_t)i * sizeof(struct eml_file_tensor);
	struct eml_file_tensor f;
	memcpy(&f, r->base + off, sizeof(f));
	edgeml_status st = read_name(r, f.name, 0, "tensor", i, off, &t->name);
	if (st != EDGEML_OK)
		return st;
	size_t esize = edgeml_dtype_size((edgeml_dtype)f.dtype);
	if (esize == 0)
		return rec_error("tensor", i, t->name, off, "dtype %" PRIu32 " is not a known type",
				 f.dtype);
	if (f.rank > EML_MAX_RANK)
		return rec_error("tensor", i, t->name, off, "rank %" PRIu32 " is more than %u",
				 f.rank, EML_MAX_RANK);
	/* The size bound counts zero dims as 1, so that no product of a subset of the dims (as
	 * ops compute for strides and batches) can overflow, even in an empty tensor. */
	uint64_t bound = esize;
	int empty = 0;
	for (uint32_t k = 0; k < EML_MAX_RANK; k++) {
		if (k >= f.rank) {
			if (f.dims[k] != 0)
				return rec_error("tensor", i, t->name, off,
						 "dims[%" PRIu32 "] beyond rank %" PRIu32
						 " is not 0",
						 k, f.rank);
			continue;
		}
		if (f.dims[k] < 0)
			return rec_error("tensor", i, t->name, off,
					 "dims[%" PRIu32 "] is %" PRId64 ", negative", k,
					 f.dims[k]);
		empty |= f.dims[k] == 0;
		if (f.dims[k] != 0 && bound > (uint64_t)INT64_MAX / (uint64_t)f.dims[k])
			return rec_error("tensor", i, t->name, off,
					 "byte size of the shape overflows (dims[%" PRIu32
					 "] = %" PRId64 ")",
					 k, f.dims[k]);
		if (f.dims[k] != 0)
			bound *= (uint64_t)f.dims[k];
	}
	uint64_t bytes = empty ? 0 : bound;
	if (bytes > SIZE_MAX)
		return rec_error("tensor", i, t->name, off,
				 "%" PRIu64 " bytes do not fit this machine's address space",
				 bytes);
	if (f.flags & ~(uint32_t)(EML_TF_CONSTANT | EML_TF_INPUT | EML_TF_OUTPUT))
		return rec_error("tensor", i, t->name, off, "unknown flags 0x%" PRIx32, f.flags);
	if ((f.flags & EML_TF_CONSTANT) && (f.flags & EML_TF_INPUT))
		return rec_error("tensor", i, t->name, off,
				 "flags 0x%" PRIx32 " make it both a constant and a graph input",
				 f.flags);
	for (unsigned k = 0; k < 4; k++)
		if (f.reserved[k] != 0)
			return rec_error("tensor", i, t->name, off, "reserved[%u] is not zero", k);
	t->dtype = f.dtype;
	t->rank = f.rank;
	memcpy(t->dims, f.dims, sizeof(t->dims));
	t->flags = f.flags;
	if (f.flags & EML_TF_CONSTANT) {
		const struct eml_file_section *d = &r->sec[EML_SEC_DATA];
		if (f.data_offset % EML_DATA_ALIGN != 0)
			return rec_error("tensor", i, t->name, off,
					 "data offset 0x%" PRIx64 " is not %u-byte aligned",
					 f.data_offset, EML_DATA_ALIGN);
		if (f.data_size != bytes)
			return rec_error("tensor", i, t->name, off,
					 "data size %" PRIu64 " is not the %" PRIu64
					 " bytes of its dtype and shape",
					 f.data_size, bytes);
		if (f.data_offset < d->offset || f.data_offset - d->offset > d->size ||
		    f.data_size > d->size - (f.data_offset - d->offset))
			return rec_error("tensor", i, t->name, off,
					 "data [0x%" PRIx64 ", +0x%" PRIx64
					 ") is not inside the data section [0x%" PRIx64
					 ", +0x%" PRIx64 ")",
					 f.data_offset, f.data_size, d->offset, d->size);
		t->data = r->base + f.data_offset;
		t->data_size = f.data_size;
	} else if (f.data_offset != 0 || f.data_size != 0) {
		return rec_error(
			"tensor", i, t->name, off,
			"data offset and size must be 0 for a tensor that is not a constant");
	}
	return decode_quant(r, i, off, &f, t, q_used);
}

/* Decodes and checks attribute record i. *used accumulates pool elements and string bytes
 * referenced, bounded by the pools so that overlapping ranges cannot multiply the work. */
static edgeml_status decode_attr(const struct reader *r, uint32_t i, eml_attr *a, uint64_t used[3])
{
	uint64_t off = r->sec[EML_SEC_ATTRS].offset + (uint64_t)i * sizeof(struct eml_file_attr);
	struct eml_file_attr f;
	memcpy(&f, r->base + off, sizeof(f));
	edgeml_status st = read_name(r, f.name, 0, "attribute", i, off, &a->name);
	if (st != EDGEML_OK)
		return st;
	if (f.reserved != 0)
		return rec_error("attribute", i, a->name, off, "reserved field is not zero");
	uint32_t fbits;
	memcpy(&fbits, &f.f, sizeof(fbits));
	int uses_pool =
		f.type == EML_ATTR_INTS || f.type == EML_ATTR_FLOATS || f.type == EML_ATTR_STRING;
	if (f.type < EML_ATTR_INT || f.type > EML_ATTR_FLOATS)
		return rec_error("attribute", i, a->name, off, "type %" PRIu32 " is not known",
				 f.type);
	if ((f.type != EML_ATTR_INT && f.i != 0) || (f.type != EML_ATTR_FLOAT && fbits != 0) ||
	    (!uses_pool && (f.count != 0 || f.ref != 0)))
		return rec_error("attribute", i, a->name, off,
				 "fields unused by its type %" PRIu32 " are not zero", f.type);
	a->type = f.type;
	a->count = f.count;
	a->i = f.i;
	a->f = f.f;
	if (f.type == EML_ATTR_INTS) {
		used[0] += f.count;
		if (!range_ok(f.ref, f.count, r->n_int64s) || used[0] > r->n_int64s)
			return rec_error("attribute", i, a->name, off,
					 "ints [%" PRIu32 ", +%" PRIu32
					 ") exceed the int64 pool (%" PRIu64
					 " entries) or overlap other attributes",
					 f.ref, f.count, r->n_int64s);
		a->ints = r->int64s + f.ref;
	} else if (f.type == EML_ATTR_FLOATS) {
		used[1] += f.count;
		if (!range_ok(f.ref, f.count, r->n_floats) || used[1] > r->n_floats)
			return rec_error("attribute", i, a->name, off,
					 "floats [%" PRIu32 ", +%" PRIu32
					 ") exceed the float pool (%" PRIu64
					 " entries) or overlap other attributes",
					 f.ref, f.count, r->n_floats);
		a->floats = r->floats + f.ref;
	} else if (f.type == EML_ATTR_STRING) {
		const struct eml_file_section *s = &r->sec[EML_SEC_STRINGS];
		used[2] += f.count;
		if ((uint64_t)f.ref + f.count >= s->size || used[2] > s->size)
			return rec_error("attribute", i, a->name, off,
					 "string [0x%" PRIx32 ", +%" PRIu32
					 "] exceeds the string section (%" PRIu64
					 " bytes) or overlaps other attributes",
					 f.ref, f.count, s->size);
		const char *p = (const char *)r->base + s->offset + f.ref;
		if (p[f.count] != 0 || memchr(p, 0, f.count) != NULL)
			return rec_error("attribute", i, a->name, off,
					 "string at offset 0x%" PRIx32 " is not %" PRIu32
					 " bytes followed by a NUL",
					 f.ref, f.count);
		a->s = p;
	}
	return EDGEML_OK;
}

/* Decodes and checks node record i; *used accumulates index-pool and attribute references. */
static edgeml_status decode_node(const struct reader *r, uint32_t i, eml_node *n,
				 const eml_attr *attrs, uint64_t used[2])
{
	uint64_t off = r->sec[EML_SEC_NODES].offset + (uint64_t)i * sizeof(struct eml_file_node);
	struct eml_file_node f;
	memcpy(&f, r->base + off, sizeof(f));
	edgeml_status st = read_name(r, f.name, 1, "node", i, off, &n->name);
	if (st != EDGEML_OK)
		return st;
	if (f.reserved[0] != 0 || f.reserved[1] != 0)
		return rec_error("node", i, n->name, off, "reserved fields are not zero");
	if (!eml_op_name(f.op))
		return rec_error("node", i, n->name, off,
				 "op number %" PRIu32 " is not known to this runtime (file version "
				 "%u.%u)",
				 f.op, r->hdr.version_major, r->hdr.version_minor);
	used[0] += (uint64_t)f.n_inputs + f.n_outputs;
	if (used[0] > r->n_indices)
		return rec_error(
			"node", i, n->name, off,
			"inputs and outputs of all nodes together exceed the index pool (%" PRIu64
			" entries; ranges overlap)",
			r->n_indices);
	char where[256 + EML_MAX_NAME_LEN];
	rec_where(where, sizeof(where), "node", i, n->name, off);
	st = check_index_list(r, where, "inputs", f.inputs_first, f.n_inputs, 1);
	if (st == EDGEML_OK)
		st = check_index_list(r, where, "outputs", f.outputs_first, f.n_outputs, 1);
	if (st != EDGEML_OK)
		return st;
	used[1] += f.n_attrs;
	if (!range_ok(f.attrs_first, f.n_attrs, r->n_attrs) || used[1] > r->n_attrs)
		return rec_error("node", i, n->name, off,
				 "attributes [%" PRIu32 ", +%" PRIu32 ") exceed the %" PRIu32
				 " attribute records or overlap another node's",
				 f.attrs_first, f.n_attrs, r->n_attrs);
	n->op = f.op;
	n->n_inputs = f.n_inputs;
	n->n_outputs = f.n_outputs;
	n->n_attrs = f.n_attrs;
	n->inputs = r->indices + f.inputs_first;
	n->outputs = r->indices + f.outputs_first;
	n->attrs = attrs + f.attrs_first;
	return EDGEML_OK;
}

/* Decodes every record into one allocation and fills model->graph. */
static edgeml_status decode(const struct reader *r, edgeml_model *model)
{
	uint64_t need = (uint64_t)r->n_tensors * sizeof(eml_tensor) +
			(uint64_t)r->n_nodes * sizeof(eml_node) +
			(uint64_t)r->n_attrs * sizeof(eml_attr);
	if (need > DECODE_SIZE_FACTOR * r->size + DECODE_SIZE_SLACK || need > SIZE_MAX)
		return eml_error(EDGEML_ERR_NO_MEMORY,
				 "decoding needs %" PRIu64 " bytes, more than %ux the file size",
				 need, DECODE_SIZE_FACTOR);
	void *mem = calloc(1, need ? (size_t)need : 1);
	if (!mem)
		return eml_error(EDGEML_ERR_NO_MEMORY,
				 "cannot allocate %" PRIu64 " bytes for the decoded graph", need);
	model->storage = mem;
	eml_tensor *tensors = mem;
	eml_node *nodes = (eml_node *)(tensors + r->n_tensors);
	eml_attr *attrs = (eml_attr *)(nodes + r->n_nodes);

	edgeml_status st;
	uint64_t q_used = 0, attr_used[3] = { 0, 0, 0 }, node_used[2] = { 0, 0 };
	for (uint32_t i = 0; i < r->n_tensors; i++)
		if ((st = decode_tensor(r, i, &tensors[i], &q_used)) != EDGEML_OK)
			return st;
	for (uint32_t i = 0; i < r->n_attrs; i++)
		if ((st = decode_attr(r, i, &attrs[i], attr_used)) != EDGEML_OK)
			return st;
	node_used[0] = (uint64_t)r->hdr.n_inputs + r->hdr.n_outputs;
	if ((st = check_index_list(r, "header at offset 0x20", "graph inputs", r->hdr.inputs_first,
				   r->hdr.n_inputs, 0)) != EDGEML_OK ||
	    (st = check_index_list(r, "header at offset 0x28", "graph outputs",
				   r->hdr.outputs_first, r->hdr.n_outputs, 0)) != EDGEML_OK)
		return st;
	for (uint32_t i = 0; i < r->n_nodes; i++)
		if ((st = decode_node(r, i, &nodes[i], attrs, node_used)) != EDGEML_OK)
			return st;

	eml_graph *g = &model->graph;
	g->n_tensors = r->n_tensors;
	g->n_nodes = r->n_nodes;
	g->n_inputs = r->hdr.n_inputs;
	g->n_outputs = r->hdr.n_outputs;
	g->tensors = tensors;
	g->nodes = nodes;
	g->inputs = r->indices + r->hdr.inputs_first;
	g->outputs = r->indices + r->hdr.outputs_first;
	return EDGEML_OK;
}

/* Decodes the nodes' typed parameters once, for every backend (ops/op_params.h). */
static edgeml_status decode_params(edgeml_model *model)
{
	eml_graph *g = &model->graph;
	model->params = calloc(g->n_nodes ? g->n_nodes : 1, sizeof(*model->params));
	if (!model->params)
		return eml_error(EDGEML_ERR_NO_MEMORY, "cannot allocate the parameters of %u nodes",
				 g->n_nodes);
	/* The nodes are the model's own (decode()'s allocation). */
	return eml_graph_params_decode(g, (eml_node *)g->nodes, model->params);
}

void eml_image_release(eml_image_owner *owner)
{
	if (owner->release)
		owner->release(owner->base, owner->size);
	owner->release = NULL;
}

/* Releases of the images the loader makes itself. */
static void release_munmap(void *base, size_t size)
{
	munmap(base, size);
}

static void release_free(void *base, size_t size)
{
	(void)size;
	free(base);
}

edgeml_status eml_model_decode(edgeml_context *ctx, const void *image, size_t size,
			       eml_image_owner owner, edgeml_model **out)
{
	edgeml_model *model = calloc(1, sizeof(*model));
	if (!model) {
		eml_image_release(&owner);
		return eml_error(EDGEML_ERR_NO_MEMORY, "cannot allocate a model");
	}
	model->ctx = ctx;
	model->owner = owner;

	struct reader r;
	memset(&r, 0, sizeof(r));
	r.base = image;
	r.size = size;
	edgeml_status st = check_header(&r);
	if (st == EDGEML_OK) {
		snprintf(model->key, sizeof(model->key), "%" PRIu64 "-%08" PRIx32, r.hdr.file_size,
			 r.hdr.checksum);
		st = check_sections(&r);
	}
	if (st == EDGEML_OK)
		st = decode(&r, model);
	if (st == EDGEML_OK)
		st = eml_graph_validate(&model->graph);
	if (st == EDGEML_OK)
		st = decode_params(model);
	if (st != EDGEML_OK) {
		edgeml_model_free(model);
		return st;
	}
	*out = model;
	return EDGEML_OK;
}

/* True when fd is a memfd sealed against writes and shrinking: its bytes can then never
 * change under a mapping, so the loader may use them in place. */
static int sealed_for_reading(int fd)
{
	const int need = F_SEAL_WRITE | F_SEAL_SHRINK;
	int seals = fcntl(fd, F_GET_SEALS);
	return seals >= 0 && (seals & need) == need;
}

/* Reads size bytes of fd into a new anonymous mapping (page-aligned, and returned to the
 * system whole when the model is freed, which a heap block of this size might not be). A file
 * that shrinks meanwhile gives a short read and an error. */
static edgeml_status read_image(int fd, const char *path, size_t size, void **out)
{
	uint8_t *image =
		mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (image == MAP_FAILED)
		return eml_error(EDGEML_ERR_NO_MEMORY,
				 "cannot allocate %zu bytes for model '%s': %s", size, path,
				 strerror(errno));
	/* Huge pages where the system allows them: a 2 MiB fault instead of 512 small ones. */
	madvise(image, size, MADV_HUGEPAGE);
	size_t done = 0;
	while (done < size) {
		size_t chunk = size - done > (1u << 30) ? (1u << 30) : size - done;
		ssize_t got = pread(fd, image + done, chunk, (off_t)done);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			int e = got < 0 ? errno : 0;
			munmap(image, size);
			if (got < 0)
				return eml_error(EDGEML_ERR_IO, "cannot read model '%s': %s", path,
						 strerror(e));
			return eml_error(EDGEML_ERR_IO,
					 "model '%s' shrank from %zu to %zu bytes while it was read",
					 path, size, done);
		}
		done += (size_t)got;
	}
	/* Read-only from here on, like the file mapping it replaces. */
	mprotect(image, size, PROT_READ);
	*out = image;
	return EDGEML_OK;
}

/* Loads the bytes owner holds (64-byte aligned): a package, or a bare .eml when the trust
 * store allows one. */
static edgeml_status load_owned(edgeml_context *ctx, eml_image_owner owner, edgeml_model **out)
{
	if (eml_package_sniff(owner.base, owner.size))
		return eml_package_load(ctx, owner, out);
	edgeml_status st = eml_trust_allows_bare_model(ctx);
	if (st != EDGEML_OK) {
		eml_image_release(&owner);
		return st;
	}
	return eml_model_decode(ctx, owner.base, owner.size, owner, out);
}

/* A file is read into private memory before it is checked, so that what was validated is what
 * sessions use: a mapping of a file that another process rewrites or truncates would change
 * under the model (or raise SIGBUS). Only a memfd sealed against writes and shrinking is
 * mapped and used in place. */
edgeml_status edgeml_model_load_file(edgeml_context *ctx, const char *path, edgeml_model **out)
{
	eml_error_clear();
	if (!path || !out)
		return eml_error(EDGEML_ERR_INVALID_ARGUMENT,
				 "model path and out must not be NULL");
	*out = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return eml_error(EDGEML_ERR_IO, "cannot open model '%s': %s", path,
				 strerror(errno));
	struct stat sb;
	if (fstat(fd, &sb) != 0) {
		int e = errno;
		close(fd);
		return eml_error(EDGEML_ERR_IO, "cannot stat model '%s': %s", path, strerror(e));
	}
	if (!S_ISREG(sb.st_mode)) {
		close(fd);
		return eml_error(EDGEML_ERR_IO, "model '%s' is not a regular file", path);
	}
	if (sb.st_size < (off_t)EML_HEADER_FIXED_SIZE ||
	    (uint64_t)sb.st_size > SIZE_MAX - EML_DATA_ALIGN) {
		close(fd);
		return eml_error(EDGEML_ERR_FORMAT,
				 "model '%s' is %lld bytes: too small or too big to be a .eml file",
				 path, (long long)sb.st_size);
	}
	size_t size = (size_t)sb.st_size;
	void *image;
	edgeml_status st = EDGEML_OK;
	if (sealed_for_reading(fd)) {
		image = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (image == MAP_FAILED)
			st = eml_error(EDGEML_ERR_IO, "cannot map model '%s': %s", path,
				       strerror(errno));
	} else {
		st = read_image(fd, path, size, &image);
	}
	close(fd);
	if (st != EDGEML_OK)
		return st;
	eml_image_owner owner = { release_munmap, image, size };
	st = load_owned(ctx, owner, out);
	if (st != EDGEML_OK)
		return eml_error_context(st, "model '%s': ", path);
	return EDGEML_OK;
}

edgeml_status edgeml_model_load_memory(edgeml_context *ctx, const void *data, size_t size,
				       edgeml_model **out)
{
	eml_error_clear();
	if (!data || !out)
		return eml_error(EDGEML_ERR_INVALID_ARGUMENT,
				 "model data and out must not be NULL");
	*out = NULL;
	if ((uintptr_t)data % EML_DATA_ALIGN == 0) {
		eml_image_owner borrowed = { NULL, (void *)(uintptr_t)data, size };
		return load_owned(ctx, borrowed, out);
	}
	if (size > SIZE_MAX - EML_DATA_ALIGN)
		return eml_error(EDGEML_ERR_NO_MEMORY, "model of %zu bytes is too big to copy",
				 size);
	size_t rounded = (size + EML_DATA_ALIGN - 1) / EML_DATA_ALIGN * EML_DATA_ALIGN;
	void *copy = aligned_alloc(EML_DATA_ALIGN, rounded ? rounded : EML_DATA_ALIGN);
	if (!copy)
		return eml_error(EDGEML_ERR_NO_MEMORY,
				 "cannot allocate %zu bytes for an aligned copy of the model",
				 size);
	memcpy(copy, data, size);
	eml_image_owner owner = { release_free, copy, size };
	return load_owned(ctx, owner, out);
}

void edgeml_model_free(edgeml_model *model)
{
	if (!model)
		return;
	eml_image_release(&model->owner);
	eml_model_package_free(model->package);
	free(model->storage);
	free(model->params);
	free(model);
}
