/*
 * eml_format.h — the on-disk layout of a .eml model file (docs/eml-format.md is the spec).
 * Shared by the loader (runtime/src/model_load.c) and the writer (runtime/convert/eml_write.c).
 *
 * All integers are little-endian and records are naturally aligned, so a reader on a
 * little-endian host reads a record with one memcpy and uses the pools and constant data in
 * place from the mapped file.
 */
#ifndef EML_FORMAT_H
#define EML_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "edgeml uses .eml files in place and needs a little-endian host"
#endif

/* PNG-style magic: a non-ASCII byte, the name, and line endings that text-mode transfers
 * would mangle. */
#define EML_MAGIC "\x89" "EML\r\n\x1a\n"
#define EML_MAGIC_LEN 8

/* A reader rejects another major version and reads any minor version of its major. */
#define EML_VERSION_MAJOR 1
#define EML_VERSION_MINOR 1

/* Alignment of every section offset, and of constant data (absolute file offsets). */
#define EML_SECTION_ALIGN 8u
#define EML_DATA_ALIGN 64u

/* Longest tensor, node or attribute name, in bytes without the NUL: keeps the loader's work
 * linear in the file size however names overlap in the string section. */
#define EML_MAX_NAME_LEN 4096u

/* The sections of version 1.0, in the order of the section table. A later minor version may
 * append sections; readers ignore the ones they do not know. */
enum eml_section {
	EML_SEC_STRINGS = 0, /* NUL-terminated UTF-8; begins and ends with a NUL byte */
	EML_SEC_TENSORS = 1, /* struct eml_file_tensor[] */
	EML_SEC_NODES = 2,   /* struct eml_file_node[] */
	EML_SEC_ATTRS = 3,   /* struct eml_file_attr[] */
	EML_SEC_INDICES = 4, /* uint32_t[]: node inputs/outputs, graph inputs/outputs */
	EML_SEC_INT64S = 5,  /* int64_t[]: INTS attribute values */
	EML_SEC_FLOATS = 6,  /* float[]: FLOATS attribute values, quantization scales */
	EML_SEC_INT32S = 7,  /* int32_t[]: quantization zero points */
	EML_SEC_DATA = 8,    /* constant tensor data, each 64-byte aligned */
	EML_SEC_COUNT = 9,
};

struct eml_file_section {
	uint64_t offset; /* absolute file offset; 0 when size is 0 */
	uint64_t size;   /* bytes */
};

/* The fixed part of the header; the section table follows it at offset 64. */
struct eml_file_header {
	uint8_t magic[EML_MAGIC_LEN];
	uint16_t version_major;
	uint16_t version_minor;
	uint32_t header_size; /* bytes before the first section: >= 64 + 16 * n_sections */
	uint64_t file_size;   /* the whole file */
	uint32_t checksum;    /* zlib crc32 of bytes [header_size, file_size) */
	uint32_t n_sections;  /* entries in the section table, >= EML_SEC_COUNT */
	uint32_t inputs_first; /* graph inputs: a range of the index pool */
	uint32_t n_inputs;
	uint32_t outputs_first; /* graph outputs: a range of the index pool */
	uint32_t n_outputs;
	uint32_t reserved[4]; /* zero */
};

struct eml_file_tensor {
	uint32_t name;  /* string offset; names are unique and non-empty */
	uint32_t dtype; /* edgeml_dtype */
	uint32_t rank;  /* <= 8 */
	uint32_t flags; /* eml_tensor_flags */
	int64_t dims[8]; /* dims[rank..7] are zero */
	uint64_t data_offset; /* constants: absolute file offset, a multiple of 64; else 0 */
	uint64_t data_size;   /* constants: element count * dtype size; else 0 */
	uint32_t q_count;     /* 0 none, 1 per-tensor, else dims[q_axis] */
	int32_t q_axis;       /* in [0, rank) when q_count > 1; 0 when q_count is 0 */
	uint32_t q_scales;    /* first element in the float pool (q_count scales) */
	uint32_t q_zero_points; /* first element in the int32 pool (q_count zero points) */
	uint32_t reserved[4];   /* zero */
};

struct eml_file_node {
	uint32_t name; /* string offset; may be the empty string */
	uint32_t op;   /* op number of runtime/src/ops/ops.def */
	uint32_t inputs_first; /* range of the index pool; EML_NO_TENSOR marks an absent input */
	uint32_t n_inputs;
	uint32_t outputs_first;
	uint32_t n_outputs;
	uint32_t attrs_first; /* range of the attribute records */
	uint32_t n_attrs;
	uint32_t reserved[2]; /* zero */
};

struct eml_file_attr {
	uint32_t name;  /* string offset, non-empty */
	uint32_t type;  /* eml_attr_type */
	uint32_t count; /* INTS/FLOATS: elements; STRING: bytes without the NUL; else 0 */
	uint32_t ref;   /* INTS: first int64; FLOATS: first float; STRING: string offset; else 0 */
	int64_t i;      /* INT only, else 0 */
	float f;        /* FLOAT only, else +0.0 */
	uint32_t reserved; /* zero */
};

/* Since 1.1, right after the section table: the checksum of the header itself, so that
 * together with the header's checksum of the rest every byte of the file is covered. A 1.0
 * reader ignores it (bytes before header_size that it does not know). */
struct eml_file_header_ext {
	uint32_t header_checksum; /* zlib crc32 of bytes [0, header_size), this field as zeros */
	uint32_t reserved;        /* zero */
};

#define EML_HEADER_FIXED_SIZE 64u
#define EML_SECTION_ENTRY_SIZE 16u
#define EML_HEADER_EXT_SIZE 8u
/* Header size a 1.1 writer produces. */
#define EML_HEADER_SIZE                                                                     \
	(EML_HEADER_FIXED_SIZE + EML_SECTION_ENTRY_SIZE * EML_SEC_COUNT + EML_HEADER_EXT_SIZE)

/* The checksum of bytes [header_size, size) (header field checksum). */
uint32_t eml_body_checksum(const uint8_t *image, uint64_t header_size, uint64_t size);
/* The checksum of bytes [0, header_size) with the 4 bytes at ext_offset (the
 * header_checksum field) taken as zeros. */
uint32_t eml_header_checksum(const uint8_t *image, uint64_t ext_offset, uint64_t header_size);
/* Stores both checksums into an image whose header (n_sections, header_size) is in range:
 * the header checksum only for version 1.1 and later. For writers and for tests and fuzzers
 * that edit an image and want a deeper check to fire. */
void eml_seal_checksums(uint8_t *image, uint64_t size);

_Static_assert(sizeof(struct eml_file_header) == EML_HEADER_FIXED_SIZE, "header layout");
_Static_assert(sizeof(struct eml_file_section) == EML_SECTION_ENTRY_SIZE, "section layout");
_Static_assert(sizeof(struct eml_file_header_ext) == EML_HEADER_EXT_SIZE, "header ext layout");
_Static_assert(sizeof(struct eml_file_tensor) == 128, "tensor record layout");
_Static_assert(offsetof(struct eml_file_tensor, data_offset) == 80, "tensor record layout");
_Static_assert(sizeof(struct eml_file_node) == 40, "node record layout");
_Static_assert(sizeof(struct eml_file_attr) == 32, "attribute record layout");
_Static_assert(offsetof(struct eml_file_attr, f) == 24, "attribute record layout");

#endif /* EML_FORMAT_H */
