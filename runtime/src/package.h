/*
 * package.h — reading .emlpkg packages (package_format.h): the structural parse (no
 * cryptography), the trust store, signature and hash checks, decryption into locked memory.
 * The tools (tools/package_write.c) reuse the parse to sign and inspect packages.
 */
#ifndef EML_PACKAGE_H
#define EML_PACKAGE_H

#include <stddef.h>
#include <stdint.h>

#include <sodium.h>

#include "edgeml.h"
#include "package_format.h"

typedef struct eml_pkg_selftest_view {
	uint32_t input_index;
	uint32_t output_index;
	float tolerance;
	const uint8_t *input; /* into the package image */
	uint32_t input_size;
	const uint8_t *expected;
	uint32_t expected_size;
} eml_pkg_selftest_view;

/* A package whose structure has been checked: every field below is within the image. */
typedef struct eml_package {
	const uint8_t *base;
	uint64_t size;
	struct eml_pkg_header hdr;
	char name[EML_PKG_MAX_NAME + 1];
	char version[EML_PKG_MAX_VERSION + 1];
	char parent[EML_PKG_MAX_VERSION + 1]; /* "" when absent */
	uint64_t sequence;
	uint64_t created;
	uint64_t model_size;
	uint8_t model_hash[32];
	uint8_t payload_hash[32];
	uint32_t n_requires;
	char requires[EML_PKG_MAX_REQUIRES][EML_PKG_MAX_REQUIRE_LEN + 1];
	uint32_t n_selftests;
	eml_pkg_selftest_view selftests[EML_PKG_MAX_SELFTESTS];
	double latency_budget_ms; /* 0 when the manifest states no budget */
	int encrypted;
	struct eml_pkg_encryption enc;
	uint32_t n_signatures; /* records at hdr.signatures_offset */
} eml_package;

/* What a model loaded from a package keeps of it (package_load.c): what
 * edgeml_model_package_info() hands out, and the self-tests, copied. */
struct eml_model_package {
	char name[EML_PKG_MAX_NAME + 1];
	char version[EML_PKG_MAX_VERSION + 1];
	char parent[EML_PKG_MAX_VERSION + 1];
	char model_hash[65];
	char signed_by[17];
	uint64_t sequence;
	uint64_t created;
	int encrypted;
	double latency_budget_ms; /* 0: none */
	uint32_t n_selftests;
	eml_pkg_selftest_view selftests[EML_PKG_MAX_SELFTESTS]; /* bytes follow the struct */
};

/* True when the bytes begin with the package magic. */
int eml_package_sniff(const void *data, size_t size);

/* Checks the header, the manifest and the signature table's bounds; fills pkg, whose
 * pointers point into data. No hash or signature is checked here. */
edgeml_status eml_package_parse(const void *data, size_t size, eml_package *pkg);

/* Signature record i (i < pkg->n_signatures), copied out. */
void eml_package_signature(const eml_package *pkg, uint32_t i, struct eml_pkg_signature *out);

/* Checks that the payload bytes hash to the manifest's payload BLAKE2b-256. */
edgeml_status eml_package_check_payload(const eml_package *pkg);

/* Whether this build's CPU (and Vulkan, for backend=vulkan) meet the package's requirements. */
edgeml_status eml_package_check_requires(const eml_package *pkg, uint32_t cpu_features);

/* Parses a semantic version "MAJOR.MINOR.PATCH[-PRE][+BUILD]"; returns 0 when valid and sets
 * the three numbers (each < 2^21, so that they pack into a default sequence). */
int eml_semver_parse(const char *s, uint32_t *major, uint32_t *minor, uint32_t *patch);

/* ---- trust store (package_trust.c) ---- */

#define EML_TRUST_MAX_KEYS 64u
#define EML_TRUST_PATH_MAX 512u

typedef struct eml_trust_key {
	uint8_t key[32];
	char file[EML_TRUST_PATH_MAX]; /* where it came from, for messages */
} eml_trust_key;

/* Keys found under a trust directory: trusted.d and revoked.d hold Ed25519 public keys
 * (NAME.pub), keys.d the decryption keys (NAME.key) of packages encrypted for this device or
 * fleet. active is set when trusted.d exists: then every model must be a package signed by
 * a trusted key that is not revoked. */
typedef struct eml_trust {
	char dir[EML_TRUST_PATH_MAX];
	int active;
	uint32_t n_trusted, n_revoked, n_decrypt;
	eml_trust_key trusted[EML_TRUST_MAX_KEYS];
	eml_trust_key revoked[EML_TRUST_MAX_KEYS];
	eml_trust_key decrypt[EML_TRUST_MAX_KEYS];
} eml_trust;

/* The trust directory in force: dir when not NULL, else $EDGEML_TRUST_DIR, else /etc/edgeml. */
const char *eml_trust_dir(const char *dir);
/* Whether a trust directory has a trusted.d, which makes its trust store active. */
int eml_trust_active(const char *dir);
/* Reads the keys of a trust directory (a missing directory is an inactive, empty store). */
edgeml_status eml_trust_load(const char *dir, eml_trust *trust);

/* Key files: one line "edgeml-ed25519-public HEX", "edgeml-ed25519-secret HEX" (64 bytes:
 * seed then public key) or "edgeml-secretstream-key HEX". Returns 0 and fills key (of
 * key_size bytes) when the file holds that kind of key. */
#define EML_KEY_PUBLIC "edgeml-ed25519-public"
#define EML_KEY_SECRET "edgeml-ed25519-secret"
#define EML_KEY_STREAM "edgeml-secretstream-key"
edgeml_status eml_key_read(const char *path, const char *kind, uint8_t *key, size_t key_size);

/* The first 8 bytes of a public key as 16 hex digits: how messages name a signing key. */
void eml_key_id_hex(const uint8_t *bytes, char out[17]);
/* BLAKE2b-64 of a 32-byte secretstream key: names it in a manifest without revealing it. */
void eml_stream_key_id(const uint8_t key[32], uint8_t id[8]);

/* Checks the signatures against the trust store (nothing is checked while it is inactive);
 * on success signer (17 bytes) gets the id of the key that verified, or "". */
edgeml_status eml_package_check_signatures(const eml_package *pkg, const eml_trust *trust,
					   char signer[17]);

/* Ed25519ph state over the signed bytes of a package, shared by sign and verify. */
void eml_package_signed_digest(const eml_package *pkg, crypto_sign_state *state);

#endif /* EML_PACKAGE_H */
