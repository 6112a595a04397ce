/*
 * package_write.h — making and signing .emlpkg packages (runtime/src/package_format.h), for
 * `edgeml pack` and `edgeml sign` and the tests. Output is deterministic: the same inputs
 * (and creation time) give the same bytes, except that encryption draws a fresh nonce.
 */
#ifndef EML_TOOLS_PACKAGE_WRITE_H
#define EML_TOOLS_PACKAGE_WRITE_H

#include <stddef.h>
#include <stdint.h>

#include "edgeml.h"

typedef struct eml_pack_selftest {
	uint32_t input_index;
	uint32_t output_index;
	float tolerance; /* per element, in the output's units (LSB for integer outputs) */
	const void *input;
	size_t input_size;
	const void *expected;
	size_t expected_size;
} eml_pack_selftest;

typedef struct eml_pack_spec {
	const char *name;
	const char *version; /* semantic version */
	const char *parent;  /* NULL or a semantic version */
	uint64_t sequence;   /* 0: derived from version (major << 42 | minor << 21 | patch) */
	uint64_t created;    /* seconds since 1970 */
	const char *const *requires; /* "isa=avx512vnni|dotprod", "backend=vulkan" */
	uint32_t n_requires;
	const eml_pack_selftest *selftests;
	uint32_t n_selftests;
	double latency_budget_ms; /* 0: none; else the self-tests' run must take at most this */
	const uint8_t *encrypt_key; /* 32-byte secretstream key, or NULL for no encryption */
} eml_pack_spec;

/* Builds an unsigned package of the .eml image model; *out is malloc'd. */
edgeml_status eml_pack_build(const eml_pack_spec *spec, const void *model, size_t model_size,
			     uint8_t **out, size_t *out_size);

/* Signs a package image with an Ed25519 secret key (64 bytes, libsodium's layout), appending
 * a signature record, or replacing the one of the same key; *image is realloc'd. */
edgeml_status eml_pack_sign(uint8_t **image, size_t *size, const uint8_t secret_key[64]);

/* The default sequence of a version, or 0 when version is not a semantic version. */
uint64_t eml_pack_default_sequence(const char *version);


#endif /* EML_TOOLS_PACKAGE_WRITE_H */
