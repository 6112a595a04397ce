/*
 * npy.h — reading and writing NumPy .npy arrays (format versions 1.0, 2.0 and 3.0), for the
 * `edgeml run` command. C order only, and only the element types the runtime has:
 * '<f4', '|u1', '|i1', '<i4', '<i8'. Errors go through edgeml_last_error().
 */
#ifndef EML_NPY_H
#define EML_NPY_H

#include <stddef.h>
#include <stdint.h>

#include "edgeml.h"

typedef struct eml_npy {
	edgeml_dtype dtype;
	uint32_t rank;
	int64_t dims[EDGEML_MAX_RANK];
	size_t size; /* bytes of data */
	void *data;  /* malloc'd (NULL when size is 0) */
} eml_npy;

/* Decodes a whole .npy image; data is copied. name is used in messages. */
edgeml_status eml_npy_parse(const void *buf, size_t len, const char *name, eml_npy *out);
/* Reads a .npy file. */
edgeml_status eml_npy_read_file(const char *path, eml_npy *out);
/* Writes an array as a version 1.0 .npy file; size must equal the shape's byte count. */
edgeml_status eml_npy_write_file(const char *path, edgeml_dtype dtype, uint32_t rank,
				 const int64_t *dims, const void *data, size_t size);
/* Frees the data of an array read by eml_npy_parse() or eml_npy_read_file(). */
void eml_npy_free(eml_npy *npy);

#endif /* EML_NPY_H */
