/*
 * package_load.c — loading a model from a package: parse, check the signatures against the
 * trust store, hash the payload, check the requirements, then use the model in place or
 * decrypt it into locked memory. The order matters: nothing is decrypted or decoded before
 * the bytes are known to come from a trusted signer (when the device has a trust store).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "context.h"
#include "error.h"
#include "model.h"
#include "package.h"

void eml_model_package_free(struct eml_model_package *package)
{
	free(package);
}

/* The trust directory of a context (which may be NULL). */
static const char *context_trust_dir(const edgeml_context *ctx)
{
	return eml_trust_dir(ctx ? ctx->trust_dir : NULL);
}

edgeml_status eml_trust_allows_bare_model(edgeml_context *ctx)
{
	const char *dir = context_trust_dir(ctx);
	if (eml_trust_active(dir))
		return eml_error(EDGEML_ERR_UNTRUSTED,
				 "this is a bare .eml model, but the trust store %s/trusted.d "
				 "admits only signed packages (edgeml pack, edgeml sign)",
				 dir);
	return EDGEML_OK;
}

/* Frees a decrypted model: zeroes and unlocks it, then unmaps it. */
static void release_locked(void *base, size_t size)
{
	mprotect(base, size, PROT_READ | PROT_WRITE);
	sodium_munlock(base, size);
	munmap(base, size);
}

/* Decrypts the payload with the key of keys.d the manifest names, into anonymous memory that
 * is locked (never swapped) and left out of core dumps; *owner then holds it. */
static edgeml_status decrypt_payload(const eml_package *pkg, const eml_trust *trust,
				     eml_image_owner *owner)
{
	const uint8_t *key = NULL;
	for (uint32_t i = 0; i < trust->n_decrypt && !key; i++) {
		uint8_t id[8];
		eml_stream_key_id(trust->decrypt[i].key, id);
		if (memcmp(id, pkg->enc.key_id, 8) == 0)
			key = trust->decrypt[i].key;
	}
	char want[17];
	eml_key_id_hex(pkg->enc.key_id, want);
	if (!key)
		return eml_error(EDGEML_ERR_UNTRUSTED,
				 "the model is encrypted for key %s, which is not among the %" PRIu32
				 " key(s) in %s/keys.d",
				 want, trust->n_decrypt, trust->dir);
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	if (pkg->model_size > SIZE_MAX - page)
		return eml_error(EDGEML_ERR_NO_MEMORY, "an encrypted model of %" PRIu64
				 " bytes does not fit in memory", pkg->model_size);
	size_t alloc = ((size_t)pkg->model_size + page) / page * page;
	uint8_t *plain = mmap(NULL, alloc, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			      -1, 0);
	if (plain == MAP_FAILED)
		return eml_error(EDGEML_ERR_NO_MEMORY,
				 "cannot map %zu bytes for the decrypted model", alloc);
	if (sodium_mlock(plain, alloc) != 0) {
		struct rlimit rl = { 0, 0 };
		getrlimit(RLIMIT_MEMLOCK, &rl);
		munmap(plain, alloc);
		return eml_error(EDGEML_ERR_NO_MEMORY,
				 "cannot lock %zu bytes for the decrypted model (RLIMIT_MEMLOCK is "
				 "%llu bytes): raise it (ulimit -l, systemd LimitMEMLOCK=) so the "
				 "plaintext never reaches swap",
				 alloc, (unsigned long long)rl.rlim_cur);
	}
	crypto_secretstream_xchacha20poly1305_state state;
	const uint64_t abytes = crypto_secretstream_xchacha20poly1305_ABYTES;
	edgeml_status st = EDGEML_OK;
	if (crypto_secretstream_xchacha20poly1305_init_pull(&state, pkg->enc.header, key) != 0)
		st = eml_error(EDGEML_ERR_FORMAT, "the encryption header in the manifest is invalid");
	const uint8_t *c = pkg->base + pkg->hdr.payload_offset;
	uint64_t chunk = pkg->enc.chunk_size, n_chunks = pkg->model_size / chunk + 1;
	for (uint64_t i = 0; i < n_chunks && st == EDGEML_OK; i++) {
		uint64_t plain_len = i + 1 < n_chunks ? chunk : pkg->model_size % chunk;
		uint64_t in_off = i * (chunk + abytes);
		unsigned long long got = 0;
		unsigned char tag = 0;
		int bad = crypto_secretstream_xchacha20poly1305_pull(
			&state, plain + i * chunk, &got, &tag, c + in_off, plain_len + abytes, NULL,
			0);
		int want_tag = i + 1 < n_chunks ? 0 : crypto_secretstream_xchacha20poly1305_TAG_FINAL;
		if (bad || got != plain_len || tag != want_tag)
			st = eml_error(EDGEML_ERR_UNTRUSTED,
				       "encrypted chunk %" PRIu64 " at payload bytes [0x%" PRIx64
				       ", 0x%" PRIx64 ") fails authentication with key %s: the bytes "
				       "were modified, or the package was made with another key of "
				       "the same id",
				       i, pkg->hdr.payload_offset + in_off,
				       pkg->hdr.payload_offset + in_off + plain_len + abytes, want);
	}
	sodium_memzero(&state, sizeof(state));
	if (st != EDGEML_OK) {
		release_locked(plain, alloc);
		return st;
	}
	mprotect(plain, alloc, PROT_READ);
	*owner = (eml_image_owner){ release_locked, plain, alloc };
	return EDGEML_OK;
}

/* Copies what edgeml_model_package_info() reports. */
static struct eml_model_package *package_meta(const eml_package *pkg, const char *signer)
{
	/* One allocation: the struct, then the self-tests' bytes (the package image they lie
	 * in is released after decryption). */
	size_t bytes = sizeof(struct eml_model_package);
	for (uint32_t i = 0; i < pkg->n_selftests; i++)
		bytes += (size_t)pkg->selftests[i].input_size + pkg->selftests[i].expected_size;
	struct eml_model_package *m = calloc(1, bytes);
	if (!m)
		return NULL;
	uint8_t *data = (uint8_t *)(m + 1);
	for (uint32_t i = 0; i < pkg->n_selftests; i++) {
		eml_pkg_selftest_view *t = &m->selftests[i];
		*t = pkg->selftests[i];
		memcpy(data, t->input, t->input_size);
		t->input = data;
		data += t->input_size;
		memcpy(data, t->expected, t->expected_size);
		t->expected = data;
		data += t->expected_size;
	}
	memcpy(m->name, pkg->name, sizeof(m->name));
	memcpy(m->version, pkg->version, sizeof(m->version));
	memcpy(m->parent, pkg->parent, sizeof(m->parent));
	sodium_bin2hex(m->model_hash, sizeof(m->model_hash), pkg->model_hash, 32);
	memcpy(m->signed_by, signer, 17);
	m->sequence = pkg->sequence;
	m->created = pkg->created;
	m->encrypted = pkg->encrypted;
	m->n_selftests = pkg->n_selftests;
	m->latency_budget_ms = pkg->latency_budget_ms;
	return m;
}

/* Checks a parsed package in order: signatures, payload hash, requirements; then finds the
 * model bytes (in place, or decrypted into *plain). */
static edgeml_status check_package(edgeml_context *ctx, const eml_package *pkg, char signer[17],
				   eml_image_owner *plain)
{
	eml_trust *trust = malloc(sizeof(*trust));
	if (!trust)
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for the trust store");
	edgeml_status st = eml_trust_load(context_trust_dir(ctx), trust);
	if (st == EDGEML_OK)
		st = eml_package_check_signatures(pkg, trust, signer);
	if (st == EDGEML_OK)
		st = eml_package_check_payload(pkg);
	if (st == EDGEML_OK) {
		eml_cpu_info cpu;
		if (!ctx)
			eml_cpu_detect(&cpu);
		st = eml_package_check_requires(pkg, ctx ? ctx->cpu.features : cpu.features);
	}
	if (st == EDGEML_OK && pkg->encrypted)
		st = decrypt_payload(pkg, trust, plain);
	sodium_memzero(trust, sizeof(*trust));
	free(trust);
	return st;
}

edgeml_status eml_package_load(edgeml_context *ctx, eml_image_owner owner, edgeml_model **out)
{
	edgeml_status st = EDGEML_OK;
	eml_package *pkg = malloc(sizeof(*pkg));
	if (!pkg)
		st = eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for a package");
	else if (sodium_init() < 0)
		st = eml_error(EDGEML_ERR_BACKEND, "libsodium failed to initialise");
	char signer[17] = "";
	eml_image_owner plain = { NULL, NULL, 0 };
	if (st == EDGEML_OK)
		st = eml_package_parse(owner.base, owner.size, pkg);
	if (st == EDGEML_OK)
		st = check_package(ctx, pkg, signer, &plain);
	struct eml_model_package *meta = st == EDGEML_OK ? package_meta(pkg, signer) : NULL;
	if (st == EDGEML_OK && !meta)
		st = eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for a package");
	if (st != EDGEML_OK) {
		eml_image_release(&plain);
		eml_image_release(&owner);
		free(pkg);
		return st;
	}
	const char *name = pkg->name;
	const void *model_bytes;
	size_t model_size = (size_t)pkg->model_size;
	if (pkg->encrypted) {
		/* The ciphertext is no longer needed: the model lives in locked memory. */
		eml_image_release(&owner);
		owner = plain;
		model_bytes = plain.base;
	} else {
		model_bytes = pkg->base + pkg->hdr.payload_offset;
	}
	char what[EML_PKG_MAX_NAME + EML_PKG_MAX_VERSION + 32];
	snprintf(what, sizeof(what), "package %s %s: ", name, pkg->version);
	free(pkg);
	st = eml_model_decode(ctx, model_bytes, model_size, owner, out);
	if (st != EDGEML_OK) {
		eml_model_package_free(meta);
		return eml_error_context(st, "%s", what);
	}
	(*out)->package = meta;
	return EDGEML_OK;
}

edgeml_status edgeml_model_package_info(const edgeml_model *model, edgeml_package_info *info)
{
	eml_error_clear();
	if (!model || !info)
		return eml_error(EDGEML_ERR_INVALID_ARGUMENT, "model and info must not be NULL");
	const struct eml_model_package *m = model->package;
	if (!m)
		return eml_error(EDGEML_ERR_NOT_FOUND, "the model was not loaded from a package");
	memset(info, 0, sizeof(*info));
	info->name = m->name;
	info->version = m->version;
	info->parent_version = m->parent;
	info->sequence = m->sequence;
	info->created = m->created;
	info->model_hash = m->model_hash;
	info->signed_by = m->signed_by;
	info->encrypted = m->encrypted;
	info->n_selftests = m->n_selftests;
	return EDGEML_OK;
}
