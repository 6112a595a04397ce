/*
 * edgeml_package.h — making, signing and inspecting .emlpkg packages (docs/fleet.md): what
 * `edgeml pack`, `keygen`, `sign`, `verify`, `diff` and `patch` are built on, and what a
 * publisher's own release scripts may call. Part of libedgeml, beside edgeml.h. A device
 * needs none of it: it loads a package with edgeml_model_load_file() (edgeml.h says what
 * that checks) or installs it with edgeml_store_install().
 *
 * A package is a .eml model plus a manifest (name, version, release sequence, self-tests,
 * requirements), optionally encrypted for a device key, signed by one or more Ed25519 keys:
 *
 *   edgeml_pack_spec spec = { .name = "kws", .version = "1.4.0", .created = time(NULL) };
 *   edgeml_pack_build(&spec, model, model_size, &pkg, &pkg_size);   // unsigned
 *   edgeml_key_read("release.sec", EDGEML_KEY_SECRET, sk, sizeof(sk));
 *   edgeml_pack_sign(&pkg, &pkg_size, sk);                          // sign (again: rotate)
 *   ... write pkg to kws-1.4.0.emlpkg; free(pkg) ...
 *
 * Every call that can fail returns an edgeml_status, and edgeml_last_error() says why.
 * Buffers handed out (*out, *image) are malloc'd: free them with free().
 */
#ifndef EDGEML_PACKAGE_H
#define EDGEML_PACKAGE_H

#include <stddef.h>
#include <stdint.h>

#include "edgeml.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Limits of the manifest (the format's own: a reader refuses more). */
#define EDGEML_PACKAGE_MAX_NAME 64	   /* letters, digits, '.', '_', '-' */
#define EDGEML_PACKAGE_MAX_VERSION 64	   /* a semantic version's length */
#define EDGEML_PACKAGE_MAX_REQUIRES 16
#define EDGEML_PACKAGE_MAX_REQUIRE_LEN 128
#define EDGEML_PACKAGE_MAX_SELFTESTS 16

/* ---- keys --------------------------------------------------------------------------------- */

/* Key files hold one line "KIND HEX": an Ed25519 public key (NAME.pub, 32 bytes: a device's
 * trusted.d or revoked.d), its secret key (NAME.sec, 64 bytes in libsodium's layout: seed
 * then public key; it signs) or a secretstream key (NAME.key, 32 bytes: encrypts a package
 * for the devices whose keys.d holds it). */
#define EDGEML_KEY_PUBLIC "edgeml-ed25519-public"
#define EDGEML_KEY_SECRET "edgeml-ed25519-secret"
#define EDGEML_KEY_STREAM "edgeml-secretstream-key"

/* Reads a key file of that kind into key (key_size bytes: 32 or 64, above).
 * EDGEML_ERR_IO: the file cannot be opened; EDGEML_ERR_FORMAT: it holds another kind of key
 * or the wrong number of bytes. */
edgeml_status edgeml_key_read(const char *path, const char *kind, uint8_t *key, size_t key_size);

/* How messages and manifests name keys, 16 hex digits and a NUL: a signing key by the first 8
 * bytes of its public key; a secretstream key by its BLAKE2b-64, which does not reveal it. */
void edgeml_key_id(const uint8_t public_key[32], char out[17]);
void edgeml_stream_key_id(const uint8_t key[32], char out[17]);

/* ---- making ------------------------------------------------------------------------------- */

/* One self-test: the device runs input through the model and compares the output with
 * expected (raw tensor bytes, as edgeml_tensor_write() takes them) before it uses the model. */
typedef struct edgeml_pack_selftest {
	uint32_t input_index;  /* the model input fed */
	uint32_t output_index; /* the model output compared */
	float tolerance;       /* per element, in the output's units (LSB for integer outputs) */
	const void *input;
	size_t input_size;
	const void *expected;
	size_t expected_size;
} edgeml_pack_selftest;

typedef struct edgeml_pack_spec {
	const char *name;    /* up to EDGEML_PACKAGE_MAX_NAME letters, digits, '.', '_', '-' */
	const char *version; /* semantic version MAJOR.MINOR.PATCH[-PRE][+BUILD] */
	const char *parent;  /* NULL or the semantic version this one updates */
	uint64_t sequence;   /* release counter; 0: edgeml_pack_default_sequence(version) */
	uint64_t created;    /* seconds since 1970 */
	const char *const *requires; /* "isa=avx512vnni|dotprod", "backend=vulkan" */
	uint32_t n_requires;
	const edgeml_pack_selftest *selftests;
	uint32_t n_selftests;
	double latency_budget_ms; /* 0: none; else the self-tests' run must take at most this */
	const uint8_t *encrypt_key; /* 32-byte secretstream key, or NULL for no encryption */
} edgeml_pack_spec;

/* Builds an unsigned package of the .eml image model into *out (*out_size bytes). The same
 * spec and model give the same bytes, except that encryption draws a fresh nonce.
 * EDGEML_ERR_INVALID_ARGUMENT names the field of spec the reader would refuse. */
edgeml_status edgeml_pack_build(const edgeml_pack_spec *spec, const void *model, size_t model_size,
				uint8_t **out, size_t *out_size);

/* Signs the package image *image (*size bytes) with an Ed25519 secret key (64 bytes,
 * EDGEML_KEY_SECRET), appending a signature record, or replacing the one of the same key;
 * *image is realloc'd. EDGEML_ERR_FORMAT: the image is not a well-formed package. */
edgeml_status edgeml_pack_sign(uint8_t **image, size_t *size, const uint8_t secret_key[64]);

/* The default sequence of a version (MAJOR << 42 | MINOR << 21 | PATCH), or 0 when version
 * is not a semantic version. */
uint64_t edgeml_pack_default_sequence(const char *version);

/* Decodes and validates the bare .eml image that a package is to be made of, so that its
 * inputs and outputs can be matched against the self-tests (edgeml_model_input_info() ...).
 * Unlike edgeml_model_load_memory() it does not consult the device's trust store (a bare
 * .eml is what packing starts from) and takes no package. data is copied. */
edgeml_status edgeml_pack_model_load(const void *data, size_t size, edgeml_model **out);

/* ---- inspecting --------------------------------------------------------------------------- */

typedef struct edgeml_package_selftest {
	uint32_t input_index, output_index;
	uint32_t input_size, expected_size; /* bytes */
	float tolerance;
} edgeml_package_selftest;

/* A package's manifest, as written; nothing in it is verified yet (signatures: below; the
 * hashes and the model: edgeml_model_load_file()). */
typedef struct edgeml_package_manifest {
	char name[EDGEML_PACKAGE_MAX_NAME + 1];
	char version[EDGEML_PACKAGE_MAX_VERSION + 1];
	char parent_version[EDGEML_PACKAGE_MAX_VERSION + 1]; /* "" when absent */
	uint64_t sequence;
	uint64_t created;    /* seconds since 1970 */
	uint64_t model_size; /* bytes of the .eml (before encryption) */
	uint8_t model_hash[32];		  /* BLAKE2b-256 of the .eml */
	int encrypted;
	char encryption_key_id[17];	  /* edgeml_stream_key_id() of the key; "" */
	uint32_t encryption_chunk_size;	  /* secretstream chunk bytes; 0 */
	uint32_t n_requires;
	char requires[EDGEML_PACKAGE_MAX_REQUIRES][EDGEML_PACKAGE_MAX_REQUIRE_LEN + 1];
	uint32_t n_selftests;
	edgeml_package_selftest selftests[EDGEML_PACKAGE_MAX_SELFTESTS];
	double latency_budget_ms; /* 0 when the manifest states none */
	uint32_t n_signatures;
} edgeml_package_manifest;

/* Checks the structure of the package image [data, data + size) (header, manifest, the
 * signature table's bounds; no hash, no signature) and fills manifest.
 * EDGEML_ERR_FORMAT: not a package, or malformed (the message gives the byte offset). */
edgeml_status edgeml_package_inspect(const void *data, size_t size,
				     edgeml_package_manifest *manifest);

/* What a trust store says of a signing key. */
typedef enum edgeml_key_role {
	EDGEML_KEY_UNKNOWN = 0, /* in neither trusted.d nor revoked.d */
	EDGEML_KEY_TRUSTED = 1, /* in trusted.d */
	EDGEML_KEY_REVOKED = 2, /* in revoked.d (whether or not also in trusted.d) */
} edgeml_key_role;

typedef struct edgeml_package_signature {
	uint8_t public_key[32];
	char key_id[17];      /* edgeml_key_id() */
	int valid;            /* 1 when it verifies against its own public key */
	edgeml_key_role role; /* in the trust store of the context given */
} edgeml_package_signature;

/* Signature index (< manifest.n_signatures) of the package image, checked against its own
 * key and looked up in ctx's trust store (edgeml_context_set_trust_dir; ctx NULL: the
 * default). EDGEML_ERR_NOT_FOUND: no such signature; EDGEML_ERR_FORMAT: not a package;
 * EDGEML_ERR_IO: the trust directory cannot be read. */
edgeml_status edgeml_package_signature_get(const edgeml_context *ctx, const void *data,
					   size_t size, uint32_t index,
					   edgeml_package_signature *out);

#ifdef __cplusplus
}
#endif

#endif /* EDGEML_PACKAGE_H */
