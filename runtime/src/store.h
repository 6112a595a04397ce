/*
 * store.h — the on-device model store's state (docs/fleet.md, "The store"), for the store's
 * own code and `edgeml store list|status`. The public calls are edgeml_store_* in edgeml.h.
 */
#ifndef EML_STORE_H
#define EML_STORE_H

#include <stdint.h>

#include "edgeml.h"

#define EML_STORE_MAX_VERSIONS 16 /* versions kept per name; the oldest idle one goes */

typedef enum eml_store_health {
	EML_STORE_NEW = 0,  /* installed, self-tests passed, no health report yet */
	EML_STORE_GOOD = 1, /* the app reported good health while it was active */
	EML_STORE_BAD = 2,  /* the app reported bad health: never rolled back to */
} eml_store_health;

typedef struct eml_store_version {
	char version[65];
	uint64_t sequence;
	char package_hash[65]; /* BLAKE2b-256 of the package file: objects/<hash>.emlpkg */
	char model_hash[65];   /* the manifest's model hash */
	eml_store_health health;
} eml_store_version;

/* names/<name>.state: replaced as a whole by write-temp, fsync, rename, fsync directory. */
typedef struct eml_store_state {
	uint32_t n_versions;
	int32_t active;	  /* index into versions, -1 for none */
	int32_t previous; /* the version active before the last switch, -1 for none */
	uint64_t highest; /* highest sequence ever installed: the replay counter */
	uint64_t generation; /* grows with every switch */
	eml_store_version versions[EML_STORE_MAX_VERSIONS];
} eml_store_state;

/* The store's directory. */
const char *eml_store_dir(const edgeml_store *store);
/* Reads the state of name; EDGEML_ERR_NOT_FOUND when nothing of that name is installed. */
edgeml_status eml_store_read_state(const edgeml_store *store, const char *name, eml_store_state *out);
/* The names installed, sorted, as a malloc'd array of malloc'd strings. */
edgeml_status eml_store_names(const edgeml_store *store, char ***names, uint32_t *count);
const char *eml_store_health_name(eml_store_health health);

#endif /* EML_STORE_H */
