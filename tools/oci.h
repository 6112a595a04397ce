/*
 * oci.h — a client of the OCI distribution API (libcurl) for `edgeml push/pull`, the agent and
 * rollout (docs/fleet.md, "Registry"): packages and patches are one-layer OCI artifacts.
 * Every call returns 0, or -1 with a message in err (EML_FLEET_ERR bytes) that names the
 * registry, the request and what went wrong.
 */
#ifndef EML_TOOLS_OCI_H
#define EML_TOOLS_OCI_H

#include <stdint.h>

#include "fleet_msg.h"

typedef struct eml_oci_opts {
	long connect_timeout_s; /* to connect (default 10) */
	long stall_timeout_s;	/* a transfer that moves no byte for this long fails (default 30) */
	const char *userpwd;	/* "USER:PASSWORD" for HTTP basic authentication, or NULL */
	const char *token;	/* a bearer token, or NULL */
} eml_oci_opts;

/* Fills opts from the environment: EDGEML_REGISTRY_USER (USER:PASSWORD),
 * EDGEML_REGISTRY_TOKEN, EDGEML_REGISTRY_TIMEOUT (seconds, both timeouts). */
void eml_oci_opts_from_env(eml_oci_opts *opts);

/* Uploads the file at path (a package or a patch: its magic decides the media type) and
 * tags it ref's tag; digest receives the manifest's digest. */
int eml_oci_push(const eml_oci_ref *ref, const char *path, const eml_oci_opts *opts,
		 char digest[72], char *err);
/* Fetches ref's manifest: its digest (checked against ref's when ref is by digest) and its
 * artifact. */
int eml_oci_resolve(const eml_oci_ref *ref, const eml_oci_opts *opts, uint64_t max_size,
		    char digest[72], eml_oci_artifact *art, char *err);
/* Resolves ref, downloads its artifact into a temporary file beside out_path, checks its size
 * and sha256 digest, and only then renames it to out_path (fsynced). Nothing is written at
 * out_path on any failure. */
int eml_oci_pull(const eml_oci_ref *ref, const char *out_path, const eml_oci_opts *opts,
		 uint64_t max_size, char digest[72], eml_oci_artifact *art, char *err);

#endif /* EML_TOOLS_OCI_H */
