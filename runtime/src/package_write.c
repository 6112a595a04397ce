/*
 * package_write.c — the writer of .emlpkg packages (edgeml_pack_*, edgeml_package.h;
 * docs/fleet.md): manifest entries in tag order, the payload at the first 64-byte boundary
 * after them, signatures appended. The reader (package.c) is what it writes for.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "edgeml_package.h"
#include "error.h"
#include "package.h"

uint64_t edgeml_pack_default_sequence(const char *version)
{
	uint32_t major, minor, patch;
	if (eml_semver_parse(version, &major, &minor, &patch))
		return 0;
	return (uint64_t)major << 42 | (uint64_t)minor << 21 | patch;
}

/* A growing byte buffer. */
typedef struct bytes {
	uint8_t *p;
	size_t n, cap;
	int failed;
} bytes;

static void put(bytes *b, const void *data, size_t n)
{
	if (b->failed)
		return;
	if (b->n + n > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap < b->n + n)
			cap *= 2;
		uint8_t *p = realloc(b->p, cap);
		if (!p) {
			b->failed = 1;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	if (n)
		memcpy(b->p + b->n, data, n);
	b->n += n;
}

/* Appends one manifest entry whose value is the concatenation of two byte ranges. */
static void entry2(bytes *b, uint16_t tag, const void *v1, size_t n1, const void *v2, size_t n2)
{
	uint16_t reserved = 0;
	uint32_t len = (uint32_t)(n1 + n2);
	put(b, &tag, 2);
	put(b, &reserved, 2);
	put(b, &len, 4);
	put(b, v1, n1);
	put(b, v2, n2);
}

static void entry(bytes *b, uint16_t tag, const void *v, size_t n)
{
	entry2(b, tag, v, n, NULL, 0);
}

static void entry_u64(bytes *b, uint16_t tag, uint64_t v)
{
	entry(b, tag, &v, 8);
}

/* Encrypts the model as a secretstream of EML_PKG_CHUNK_SIZE chunks into payload. */
static void encrypt_model(const uint8_t key[32], const uint8_t *model, size_t size,
			  struct eml_pkg_encryption *enc, bytes *payload)
{
	memset(enc, 0, sizeof(*enc));
	enc->scheme = EML_PKG_CIPHER_SECRETSTREAM;
	enc->chunk_size = EML_PKG_CHUNK_SIZE;
	eml_stream_key_id(key, enc->key_id);
	crypto_secretstream_xchacha20poly1305_state st;
	crypto_secretstream_xchacha20poly1305_init_push(&st, enc->header, key);
	size_t n_chunks = size / EML_PKG_CHUNK_SIZE + 1;
	uint8_t *c = malloc(EML_PKG_CHUNK_SIZE + crypto_secretstream_xchacha20poly1305_ABYTES);
	if (!c) {
		payload->failed = 1;
		return;
	}
	for (size_t i = 0; i < n_chunks; i++) {
		int last = i + 1 == n_chunks;
		size_t len = last ? size % EML_PKG_CHUNK_SIZE : EML_PKG_CHUNK_SIZE;
		unsigned long long clen = 0;
		crypto_secretstream_xchacha20poly1305_push(
			&st, c, &clen, model + i * EML_PKG_CHUNK_SIZE, len, NULL, 0,
			last ? crypto_secretstream_xchacha20poly1305_TAG_FINAL : 0);
		put(payload, c, (size_t)clen);
	}
	sodium_memzero(&st, sizeof(st));
	free(c);
}

/* Checks the spec's strings the way the reader will. */
static edgeml_status check_spec(const edgeml_pack_spec *spec)
{
	uint32_t a, b, c;
	if (!spec->name || !*spec->name || strlen(spec->name) > EML_PKG_MAX_NAME ||
	    strspn(spec->name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") !=
		    strlen(spec->name))
		return eml_error(EDGEML_ERR_INVALID_ARGUMENT,
				 "package name '%s' must be 1..%u letters, digits, '.', '_' or '-'",
				 spec->name ? spec->name : "", EML_PKG_MAX_NAME);
	if (!spec->version || eml_semver_parse(spec->version, &a, &b, &c))
		return eml_error(EDGEML_ERR_INVALID_ARGUMENT,
				 "version '%s' is not a semantic version (MAJOR.MINOR.PATCH[-PRE])",
				 spec->version ? spec->version : "");
	if (spec->parent && eml_semver_parse(spec->parent, &a, &b, &c))
		return eml_error(EDGEML_ERR_INVALID_ARGUMENT,
				 "parent version '%s' is not a semantic version", spec->parent);
	if (spec->n_requires > EML_PKG_MAX_REQUIRES || spec->n_selftests > EML_PKG_MAX_SELFTESTS)
		return eml_error(EDGEML_ERR_INVALID_ARGUMENT,
				 "at most %u requirements and %u self-tests",
				 EML_PKG_MAX_REQUIRES, EML_PKG_MAX_SELFTESTS);
	for (uint32_t i = 0; i < spec->n_requires; i++) {
		const char *r = spec->requires[i];
		if (!*r || strlen(r) > EML_PKG_MAX_REQUIRE_LEN ||
		    (strncmp(r, "isa=", 4) != 0 && strncmp(r, "backend=", 8) != 0) ||
		    r[strlen(r) - 1] == '=' || r[strlen(r) - 1] == '|' || strstr(r, "||"))
			return eml_error(EDGEML_ERR_INVALID_ARGUMENT,
					 "requirement '%s' must be isa=NAME[|NAME...] or "
					 "backend=cpu|vulkan",
					 r);
	}
	if (!(spec->latency_budget_ms >= 0.0 && spec->latency_budget_ms <= 3.6e6))
		return eml_error(EDGEML_ERR_INVALID_ARGUMENT,
				 "latency budget %g ms must be in (0, 3600000] (0: none)",
				 spec->latency_budget_ms);
	if (spec->latency_budget_ms > 0.0 && spec->n_selftests == 0)
		return eml_error(EDGEML_ERR_INVALID_ARGUMENT,
				 "a latency budget needs at least one self-test to time");
	for (uint32_t i = 0; i < spec->n_selftests; i++) {
		const edgeml_pack_selftest *t = &spec->selftests[i];
		if (t->input_size > UINT32_MAX / 2 || t->expected_size > UINT32_MAX / 2 ||
		    !(t->tolerance >= 0.0f))
			return eml_error(EDGEML_ERR_INVALID_ARGUMENT,
					 "self-test %" PRIu32 " is too big or its tolerance negative",
					 i);
	}
	return EDGEML_OK;
}

edgeml_status edgeml_pack_build(const edgeml_pack_spec *spec, const void *model, size_t model_size,
				uint8_t **out, size_t *out_size)
{
	eml_error_clear();
	if (!spec || (!model && model_size) || !out || !out_size)
		return eml_error(EDGEML_ERR_INVALID_ARGUMENT,
				 "edgeml_pack_build: spec, model, out and out_size must not be NULL");
	*out = NULL;
	*out_size = 0;
	if (sodium_init() < 0)
		return eml_error(EDGEML_ERR_BACKEND, "libsodium failed to initialise");
	edgeml_status st = check_spec(spec);
	if (st != EDGEML_OK)
		return st;
	bytes payload = { 0 };
	struct eml_pkg_encryption enc;
	if (spec->encrypt_key)
		encrypt_model(spec->encrypt_key, model, model_size, &enc, &payload);
	else
		put(&payload, model, model_size);
	uint8_t model_hash[32], payload_hash[32];
	crypto_generichash(model_hash, 32, model, model_size, NULL, 0);
	crypto_generichash(payload_hash, 32, payload.p ? payload.p : (const uint8_t *)"", payload.n,
			   NULL, 0);

	bytes m = { 0 };
	entry(&m, EML_PKG_TAG_NAME, spec->name, strlen(spec->name));
	entry(&m, EML_PKG_TAG_VERSION, spec->version, strlen(spec->version));
	entry_u64(&m, EML_PKG_TAG_SEQUENCE,
		  spec->sequence ? spec->sequence : edgeml_pack_default_sequence(spec->version));
	if (spec->parent)
		entry(&m, EML_PKG_TAG_PARENT, spec->parent, strlen(spec->parent));
	entry_u64(&m, EML_PKG_TAG_CREATED, spec->created);
	entry_u64(&m, EML_PKG_TAG_MODEL_SIZE, model_size);
	entry(&m, EML_PKG_TAG_MODEL_HASH, model_hash, 32);
	entry(&m, EML_PKG_TAG_PAYLOAD_HASH, payload_hash, 32);
	for (uint32_t i = 0; i < spec->n_selftests; i++) {
		const edgeml_pack_selftest *t = &spec->selftests[i];
		uint8_t rec[EML_PKG_SELFTEST_SIZE];
		struct eml_pkg_selftest r = {
			t->input_index, t->output_index, t->tolerance,
			(uint32_t)t->input_size, (uint32_t)t->expected_size, 0,
		};
		memcpy(rec, &r, sizeof(rec));
		/* The record, then input and expected bytes: one entry. */
		uint16_t tag = EML_PKG_TAG_SELFTEST, reserved = 0;
		uint32_t len = (uint32_t)(sizeof(rec) + t->input_size + t->expected_size);
		put(&m, &tag, 2);
		put(&m, &reserved, 2);
		put(&m, &len, 4);
		put(&m, rec, sizeof(rec));
		put(&m, t->input, t->input_size);
		put(&m, t->expected, t->expected_size);
	}
	if (spec->latency_budget_ms > 0.0)
		entry(&m, EML_PKG_TAG_LATENCY_BUDGET, &spec->latency_budget_ms, 8);
	for (uint32_t i = 0; i < spec->n_requires; i++)
		entry(&m, EML_PKG_TAG_REQUIRES, spec->requires[i], strlen(spec->requires[i]));
	if (spec->encrypt_key)
		entry(&m, EML_PKG_TAG_ENCRYPTION, &enc, sizeof(enc));

	struct eml_pkg_header h;
	memset(&h, 0, sizeof(h));
	memcpy(h.magic, EML_PKG_MAGIC, EML_PKG_MAGIC_LEN);
	h.version_major = EML_PKG_VERSION_MAJOR;
	h.version_minor = EML_PKG_VERSION_MINOR;
	h.header_size = EML_PKG_HEADER_SIZE;
	h.manifest_offset = EML_PKG_HEADER_SIZE;
	h.manifest_size = m.n;
	h.payload_offset = (EML_PKG_HEADER_SIZE + m.n + EML_PKG_PAYLOAD_ALIGN - 1) /
			   EML_PKG_PAYLOAD_ALIGN * EML_PKG_PAYLOAD_ALIGN;
	h.payload_size = payload.n;
	h.signatures_offset = h.payload_offset + h.payload_size;

	bytes f = { 0 };
	static const uint8_t zeros[EML_PKG_PAYLOAD_ALIGN];
	put(&f, &h, sizeof(h));
	put(&f, m.p, m.n);
	put(&f, zeros, (size_t)(h.payload_offset - EML_PKG_HEADER_SIZE - m.n));
	put(&f, payload.p, payload.n);
	int failed = m.failed || payload.failed || f.failed;
	free(m.p);
	free(payload.p);
	if (failed) {
		free(f.p);
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory building a package");
	}
	*out = f.p;
	*out_size = f.n;
	return EDGEML_OK;
}

edgeml_status edgeml_pack_sign(uint8_t **image, size_t *size, const uint8_t secret_key[64])
{
	eml_error_clear();
	if (!image || !*image || !size || !secret_key)
		return eml_error(EDGEML_ERR_INVALID_ARGUMENT,
				 "edgeml_pack_sign: image, size and secret_key must not be NULL");
	if (sodium_init() < 0)
		return eml_error(EDGEML_ERR_BACKEND, "libsodium failed to initialise");
	eml_package pkg;
	edgeml_status st = eml_package_parse(*image, *size, &pkg);
	if (st != EDGEML_OK)
		return st;
	struct eml_pkg_signature sig;
	memset(&sig, 0, sizeof(sig));
	memcpy(sig.magic, EML_PKG_SIG_MAGIC, sizeof(EML_PKG_SIG_MAGIC));
	crypto_sign_ed25519_sk_to_pk(sig.public_key, secret_key);
	crypto_sign_state state;
	eml_package_signed_digest(&pkg, &state);
	crypto_sign_final_create(&state, sig.signature, NULL, secret_key);
	for (uint32_t i = 0; i < pkg.n_signatures; i++) {
		struct eml_pkg_signature old;
		eml_package_signature(&pkg, i, &old);
		if (memcmp(old.public_key, sig.public_key, 32) == 0) {
			memcpy(*image + pkg.hdr.signatures_offset + (size_t)i * EML_PKG_SIG_SIZE,
			       &sig, sizeof(sig));
			return EDGEML_OK;
		}
	}
	uint8_t *grown = realloc(*image, *size + sizeof(sig));
	if (!grown)
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory signing a package");
	memcpy(grown + *size, &sig, sizeof(sig));
	*image = grown;
	*size += sizeof(sig);
	return EDGEML_OK;
}
