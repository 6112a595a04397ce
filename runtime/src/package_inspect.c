/*
 * package_inspect.c — the public face of the package reader and the keys for the packaging
 * tools (edgeml_package.h): a package's manifest and signatures as written, key files, and
 * the bare model that packing starts from. The checks a device makes are package_load.c's.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "context.h"
#include "edgeml_package.h"
#include "eml_format.h"
#include "error.h"
#include "model.h"
#include "package.h"

/* The public limits are the format's. */
_Static_assert(EDGEML_PACKAGE_MAX_NAME == EML_PKG_MAX_NAME, "name limit");
_Static_assert(EDGEML_PACKAGE_MAX_VERSION == EML_PKG_MAX_VERSION, "version limit");
_Static_assert(EDGEML_PACKAGE_MAX_REQUIRES == EML_PKG_MAX_REQUIRES, "requires limit");
_Static_assert(EDGEML_PACKAGE_MAX_REQUIRE_LEN == EML_PKG_MAX_REQUIRE_LEN, "require length");
_Static_assert(EDGEML_PACKAGE_MAX_SELFTESTS == EML_PKG_MAX_SELFTESTS, "self-test limit");

edgeml_status edgeml_key_read(const char *path, const char *kind, uint8_t *key, size_t key_size)
{
	eml_error_clear();
	if (!path || !kind || !key)
		return eml_error(EDGEML_ERR_INVALID_ARGUMENT,
				 "edgeml_key_read: path, kind and key must not be NULL");
	return eml_key_read(path, kind, key, key_size);
}

void edgeml_key_id(const uint8_t public_key[32], char out[17])
{
	eml_key_id_hex(public_key, out);
}

void edgeml_stream_key_id(const uint8_t key[32], char out[17])
{
	uint8_t id[8];
	eml_stream_key_id(key, id);
	eml_key_id_hex(id, out);
}

static void release_free(void *base, size_t size)
{
	(void)size;
	free(base);
}

edgeml_status edgeml_pack_model_load(const void *data, size_t size, edgeml_model **out)
{
	eml_error_clear();
	if (!data || !out)
		return eml_error(EDGEML_ERR_INVALID_ARGUMENT,
				 "edgeml_pack_model_load: data and out must not be NULL");
	*out = NULL;
	if (size > SIZE_MAX - EML_DATA_ALIGN)
		return eml_error(EDGEML_ERR_NO_MEMORY, "model of %zu bytes is too big to copy", size);
	size_t rounded = (size + EML_DATA_ALIGN - 1) / EML_DATA_ALIGN * EML_DATA_ALIGN;
	void *copy = aligned_alloc(EML_DATA_ALIGN, rounded ? rounded : EML_DATA_ALIGN);
	if (!copy)
		return eml_error(EDGEML_ERR_NO_MEMORY,
				 "cannot allocate %zu bytes for a copy of the model", size);
	memcpy(copy, data, size);
	eml_image_owner owner = { release_free, copy, size };
	return eml_model_decode(NULL, copy, size, owner, out);
}

edgeml_status edgeml_package_inspect(const void *data, size_t size,
				     edgeml_package_manifest *manifest)
{
	eml_error_clear();
	if (!data || !manifest)
		return eml_error(EDGEML_ERR_INVALID_ARGUMENT,
				 "edgeml_package_inspect: data and manifest must not be NULL");
	eml_package pkg;
	edgeml_status st = eml_package_parse(data, size, &pkg);
	if (st != EDGEML_OK)
		return st;
	edgeml_package_manifest *m = manifest;
	memset(m, 0, sizeof(*m));
	memcpy(m->name, pkg.name, sizeof(m->name));
	memcpy(m->version, pkg.version, sizeof(m->version));
	memcpy(m->parent_version, pkg.parent, sizeof(m->parent_version));
	m->sequence = pkg.sequence;
	m->created = pkg.created;
	m->model_size = pkg.model_size;
	memcpy(m->model_hash, pkg.model_hash, sizeof(m->model_hash));
	m->encrypted = pkg.encrypted;
	if (pkg.encrypted) {
		eml_key_id_hex(pkg.enc.key_id, m->encryption_key_id);
		m->encryption_chunk_size = pkg.enc.chunk_size;
	}
	m->n_requires = pkg.n_requires;
	memcpy(m->requires, pkg.requires, sizeof(m->requires));
	m->n_selftests = pkg.n_selftests;
	for (uint32_t i = 0; i < pkg.n_selftests; i++)
		m->selftests[i] = (edgeml_package_selftest){
			.input_index = pkg.selftests[i].input_index,
			.output_index = pkg.selftests[i].output_index,
			.input_size = pkg.selftests[i].input_size,
			.expected_size = pkg.selftests[i].expected_size,
			.tolerance = pkg.selftests[i].tolerance,
		};
	m->latency_budget_ms = pkg.latency_budget_ms;
	m->n_signatures = pkg.n_signatures;
	return EDGEML_OK;
}

static int has_key(const eml_trust_key *keys, uint32_t n, const uint8_t *key)
{
	for (uint32_t k = 0; k < n; k++)
		if (!memcmp(keys[k].key, key, 32))
			return 1;
	return 0;
}

edgeml_status edgeml_package_signature_get(const edgeml_context *ctx, const void *data,
					   size_t size, uint32_t index,
					   edgeml_package_signature *out)
{
	eml_error_clear();
	if (!data || !out)
		return eml_error(EDGEML_ERR_INVALID_ARGUMENT,
				 "edgeml_package_signature_get: data and out must not be NULL");
	if (sodium_init() < 0)
		return eml_error(EDGEML_ERR_BACKEND, "libsodium failed to initialise");
	eml_package pkg;
	edgeml_status st = eml_package_parse(data, size, &pkg);
	if (st != EDGEML_OK)
		return st;
	if (index >= pkg.n_signatures)
		return eml_error(EDGEML_ERR_NOT_FOUND, "the package has %u signatures, not %u",
				 pkg.n_signatures, index + 1);
	eml_trust *trust = calloc(1, sizeof(*trust));
	if (!trust)
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for a trust store");
	st = eml_trust_load(eml_trust_dir(ctx ? ctx->trust_dir : NULL), trust);
	if (st == EDGEML_OK) {
		struct eml_pkg_signature s;
		eml_package_signature(&pkg, index, &s);
		crypto_sign_state state;
		eml_package_signed_digest(&pkg, &state);
		memset(out, 0, sizeof(*out));
		memcpy(out->public_key, s.public_key, 32);
		eml_key_id_hex(s.public_key, out->key_id);
		out->valid = crypto_sign_final_verify(&state, s.signature, s.public_key) == 0;
		out->role = has_key(trust->revoked, trust->n_revoked, s.public_key)   ? EDGEML_KEY_REVOKED
			    : has_key(trust->trusted, trust->n_trusted, s.public_key) ? EDGEML_KEY_TRUSTED
										      : EDGEML_KEY_UNKNOWN;
	}
	/* The decryption keys were read too: they never outlive the call. */
	sodium_memzero(trust, sizeof(*trust));
	free(trust);
	return st;
}
