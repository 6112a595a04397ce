/*
 * fleet_msg.h — the messages of the fleet commands (docs/fleet.md, "Fleet"): OCI references
 * and manifests (`edgeml push/pull`), and the MQTT payloads of `edgeml agent/rollout` (the
 * desired state and the device status). Pure parsing and formatting, no network: the parsers
 * take bytes from a registry or a broker and trust none of them (tests/fuzz/fuzz_fleet.c).
 * Errors are written into a caller's buffer of EML_FLEET_ERR bytes.
 */
#ifndef EML_TOOLS_FLEET_MSG_H
#define EML_TOOLS_FLEET_MSG_H

#include <stddef.h>
#include <stdint.h>

#define EML_FLEET_ERR 512

#define EML_OCI_MANIFEST_TYPE "application/vnd.oci.image.manifest.v1+json"
#define EML_OCI_EMPTY_TYPE "application/vnd.oci.empty.v1+json"
/* sha256 of "{}", the OCI empty descriptor's blob */
#define EML_OCI_EMPTY_DIGEST "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
#define EML_OCI_PACKAGE_TYPE "application/vnd.edgeml.package.v1"
#define EML_OCI_PATCH_TYPE "application/vnd.edgeml.patch.v1"

/* A reference: [http://|https://]HOST[:PORT]/REPOSITORY(:TAG|@sha256:HEX). A tag-less,
 * digest-less reference means :latest. Without a scheme, loopback hosts (localhost,
 * 127.0.0.1, [::1]) use http, every other host https. */
typedef struct eml_oci_ref {
	char base[256];	       /* "http://127.0.0.1:5000" */
	char repository[256];  /* "edgeml/kws" */
	char reference[128];   /* the tag, or the digest "sha256:..." */
	int by_digest;
} eml_oci_ref;

int eml_oci_ref_parse(const char *text, eml_oci_ref *out, char *err);
/* 1 when s is "sha256:" and 64 lower-case hex digits. */
int eml_oci_digest_valid(const char *s);

/* What `edgeml pull` needs from a manifest: its single edgeml layer. */
typedef struct eml_oci_artifact {
	char media_type[64]; /* EML_OCI_PACKAGE_TYPE or EML_OCI_PATCH_TYPE */
	char digest[72];
	uint64_t size;
	char title[128]; /* org.opencontainers.image.title, or "" */
} eml_oci_artifact;

/* Parses an OCI image manifest as pushed by `edgeml push` (or any tool that puts one edgeml
 * package or patch in the layers); refuses sizes above max_size. */
int eml_oci_manifest_parse(const char *json, size_t len, uint64_t max_size, eml_oci_artifact *out,
			   char *err);
/* Writes the manifest of one artifact into a malloc'd string (NUL-terminated). */
char *eml_oci_manifest_make(const eml_oci_artifact *a, const char *name, const char *version);

/* The desired state of a fleet, retained on edgeml/FLEET/desired (docs/fleet.md). Devices whose
 * id hashes to at most threshold want version (digest); the others want the baseline (when
 * there is one). */
typedef struct eml_fleet_desired {
	char name[65];
	char repository[256];
	char rollout[65]; /* the rollout's id; agents echo it in their status */
	char version[65];
	char digest[72];
	char base_version[65]; /* "" when there is no baseline */
	char base_digest[72];
	uint64_t threshold;
	uint32_t stage; /* 1-based; 0 for a rollback */
} eml_fleet_desired;

int eml_fleet_desired_parse(const char *json, size_t len, eml_fleet_desired *out, char *err);
char *eml_fleet_desired_make(const eml_fleet_desired *d);

/* A device's status, retained on edgeml/FLEET/DEVICE/status. */
typedef struct eml_fleet_status {
	char device[65];
	char name[65];
	char version[65]; /* the active version, "" when none */
	char wanted[65];  /* what the desired state asked of this device, "" when nothing */
	char rollout[65];
	char state[16]; /* "ok", "failed", "updating", "idle" */
	char error[256];
	double p50_us, p90_us, p99_us; /* latency of the active model here; 0 when not measured */
	uint64_t anomalies;	       /* runs that failed or gave non-finite outputs */
	uint64_t time;		       /* seconds since 1970 */
} eml_fleet_status;

int eml_fleet_status_parse(const char *json, size_t len, eml_fleet_status *out, char *err);
char *eml_fleet_status_make(const eml_fleet_status *s);

/* Device ids and fleet names: [A-Za-z0-9._-]{1,64} (they are MQTT topic levels). */
int eml_fleet_id_valid(const char *s);
/* The device's place in staged rollouts: the first 8 bytes (little-endian) of the BLAKE2b-64
 * of its id. Deterministic, so a stage's devices do not change between messages. */
uint64_t eml_fleet_device_hash(const char *device);

#endif /* EML_TOOLS_FLEET_MSG_H */
