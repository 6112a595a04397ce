/*
 * file_io.h — whole-file reads and atomic writes for the tools: the converter's .eml output,
 * packages, keys and patches all go through these two calls.
 */
#ifndef EML_TOOLS_FILE_IO_H
#define EML_TOOLS_FILE_IO_H

#include <stddef.h>
#include <stdint.h>

#include "edgeml.h"

/* Reads a whole file (at most max bytes) into malloc'd memory. */
edgeml_status eml_file_read(const char *path, size_t max, uint8_t **out, size_t *size);
/* Writes a file atomically: a new temporary beside it (mkstemp, then the mode), fsync,
 * rename. On failure no temporary is left behind and path is untouched. */
edgeml_status eml_file_write_atomic(const char *path, const void *data, size_t size, unsigned mode);

#endif /* EML_TOOLS_FILE_IO_H */
