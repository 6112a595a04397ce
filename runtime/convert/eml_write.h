/*
 * eml_write.h — serialising a graph to the .eml format (docs/eml-format.md). Used by the
 * converter and by tests that build graphs by hand.
 */
#ifndef EML_WRITE_H
#define EML_WRITE_H

#include <stddef.h>

#include "graph.h"

/* Serialises graph into a new malloc'd, 64-byte aligned buffer (free with free()). The graph
 * is written as given; it is not validated here (the loader validates). */
edgeml_status eml_write_memory(const eml_graph *graph, void **out, size_t *size);
/* Serialises graph to path (written to a temporary file, then renamed). */
edgeml_status eml_write_file(const eml_graph *graph, const char *path);

#endif /* EML_WRITE_H */
