/*
 * store.h — the on-device model store's internals (docs/fleet.md, "The store"). Its state
 * types and the public calls are edgeml_store_* in edgeml.h.
 */
#ifndef EML_STORE_H
#define EML_STORE_H

#include <stdint.h>

#include "edgeml.h"

/* Reads the state of name (names/<name>.state: replaced as a whole by write-temp, fsync,
 * rename, fsync directory); EDGEML_ERR_NOT_FOUND when nothing of that name is installed. */
edgeml_status eml_store_read_state(const edgeml_store *store, const char *name, edgeml_store_state *out);
/* The names installed, sorted, as a malloc'd array of malloc'd strings. */
edgeml_status eml_store_names(const edgeml_store *store, char ***names, uint32_t *count);

#endif /* EML_STORE_H */
