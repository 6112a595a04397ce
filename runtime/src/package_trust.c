/*
 * package_trust.c — the device's trust store (docs/fleet.md, "Trust"): which Ed25519 keys
 * may sign the models it runs, which are revoked, and which keys decrypt packages encrypted
 * for it; and the signature check of a package against them.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "context.h"
#include "error.h"
#include "package.h"

#define TRUST_DEFAULT_DIR "/etc/edgeml"

const char *eml_trust_dir(const char *dir)
{
	if (dir && *dir)
		return dir;
	const char *env = getenv("EDGEML_TRUST_DIR");
	return env && *env ? env : TRUST_DEFAULT_DIR;
}

void eml_key_id_hex(const uint8_t *bytes, char out[17])
{
	sodium_bin2hex(out, 17, bytes, 8);
}

void eml_stream_key_id(const uint8_t key[32], uint8_t id[8])
{
	static const uint8_t label[] = "edgeml package key id";
	crypto_generichash(id, 8, key, 32, label, sizeof(label) - 1);
}

edgeml_status eml_key_read(const char *path, const char *kind, uint8_t *key, size_t key_size)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return eml_error(EDGEML_ERR_IO, "cannot open key file '%s': %s", path,
				 strerror(errno));
	char line[512];
	int got = fgets(line, sizeof(line), f) != NULL;
	fclose(f);
	size_t kn = strlen(kind);
	if (!got || strncmp(line, kind, kn) != 0 || line[kn] != ' ')
		return eml_error(EDGEML_ERR_FORMAT, "key file '%s' does not begin with '%s '", path,
				 kind);
	const char *hex = line + kn + 1;
	size_t bin_len = 0;
	const char *end = NULL;
	if (sodium_hex2bin(key, key_size, hex, strlen(hex), NULL, &bin_len, &end) != 0 ||
	    bin_len != key_size || (*end != '\0' && *end != '\n' && *end != ' '))
		return eml_error(EDGEML_ERR_FORMAT,
				 "key file '%s': expected %zu bytes as hex after '%s '", path,
				 key_size, kind);
	return EDGEML_OK;
}

/* Reads every file ending in suffix in dir into keys; a missing directory is empty (and
 * *exists, when not NULL, says which). */
static edgeml_status load_keys(const char *dir, const char *suffix, const char *kind,
			       size_t key_size, eml_trust_key *keys, uint32_t *n, int *exists)
{
	*n = 0;
	if (exists)
		*exists = 0;
	/* Sorted, so that which key a message names does not depend on the directory order. */
	struct dirent **names = NULL;
	int count = scandir(dir, &names, NULL, alphasort);
	if (count < 0) {
		if (errno == ENOENT)
			return EDGEML_OK;
		return eml_error(EDGEML_ERR_IO, "cannot read trust directory '%s': %s", dir,
				 strerror(errno));
	}
	if (exists)
		*exists = 1;
	edgeml_status st = EDGEML_OK;
	size_t sl = strlen(suffix);
	for (int i = 0; i < count; i++) {
		const char *nm = names[i]->d_name;
		size_t len = strlen(nm);
		if (st != EDGEML_OK || nm[0] == '.' || len <= sl || strcmp(nm + len - sl, suffix))
			continue;
		if (*n == EML_TRUST_MAX_KEYS) {
			st = eml_error(EDGEML_ERR_UNSUPPORTED,
				       "trust directory '%s' has more than %u keys", dir,
				       EML_TRUST_MAX_KEYS);
			continue;
		}
		eml_trust_key *k = &keys[*n];
		if ((size_t)snprintf(k->file, sizeof(k->file), "%s/%s", dir, nm) >= sizeof(k->file)) {
			st = eml_error(EDGEML_ERR_INVALID_ARGUMENT, "key path '%s/%s' is too long",
				       dir, nm);
			continue;
		}
		st = eml_key_read(k->file, kind, k->key, key_size);
		if (st == EDGEML_OK)
			(*n)++;
	}
	for (int i = 0; i < count; i++)
		free(names[i]);
	free(names);
	return st;
}

int eml_trust_active(const char *dir)
{
	char sub[EML_TRUST_PATH_MAX + 16];
	struct stat sb;
	snprintf(sub, sizeof(sub), "%s/trusted.d", dir);
	return stat(sub, &sb) == 0 && S_ISDIR(sb.st_mode);
}

edgeml_status eml_trust_load(const char *dir, eml_trust *trust)
{
	memset(trust, 0, sizeof(*trust));
	char sub[EML_TRUST_PATH_MAX];
	if ((size_t)snprintf(trust->dir, sizeof(trust->dir), "%s", dir) >= sizeof(trust->dir) ||
	    strlen(dir) + 16 >= sizeof(sub))
		return eml_error(EDGEML_ERR_INVALID_ARGUMENT, "trust directory '%s' is too long",
				 dir);
	snprintf(sub, sizeof(sub), "%s/trusted.d", dir);
	edgeml_status st = load_keys(sub, ".pub", EML_KEY_PUBLIC, 32, trust->trusted,
				     &trust->n_trusted, &trust->active);
	if (st == EDGEML_OK) {
		snprintf(sub, sizeof(sub), "%s/revoked.d", dir);
		st = load_keys(sub, ".pub", EML_KEY_PUBLIC, 32, trust->revoked, &trust->n_revoked,
			       NULL);
	}
	if (st == EDGEML_OK) {
		snprintf(sub, sizeof(sub), "%s/keys.d", dir);
		st = load_keys(sub, ".key", EML_KEY_STREAM, 32, trust->decrypt, &trust->n_decrypt,
			       NULL);
	}
	return st;
}

void eml_package_signed_digest(const eml_package *pkg, crypto_sign_state *state)
{
	crypto_sign_init(state);
	crypto_sign_update(state, (const unsigned char *)EML_PKG_SIGN_DOMAIN,
			   sizeof(EML_PKG_SIGN_DOMAIN));
	crypto_sign_update(state, pkg->base, pkg->hdr.payload_offset);
}

/* The key in keys equal to key, or NULL. */
static const eml_trust_key *find_key(const eml_trust_key *keys, uint32_t n, const uint8_t *key)
{
	for (uint32_t i = 0; i < n; i++)
		if (sodium_memcmp(keys[i].key, key, 32) == 0)
			return &keys[i];
	return NULL;
}

edgeml_status eml_package_check_signatures(const eml_package *pkg, const eml_trust *trust,
					   char signer[17])
{
	signer[0] = '\0';
	if (!trust->active)
		return EDGEML_OK;
	if (trust->n_trusted == 0)
		return eml_error(EDGEML_ERR_UNTRUSTED,
				 "the trust store %s/trusted.d holds no *.pub key, so no package "
				 "can be trusted",
				 trust->dir);
	if (pkg->n_signatures == 0)
		return eml_error(EDGEML_ERR_UNTRUSTED,
				 "package is unsigned, but this device trusts only packages signed by "
				 "a key in %s/trusted.d",
				 trust->dir);
	/* The first problem worth reporting, in this order: a trusted key whose signature
	 * fails (tampering), a revoked key, a key the device does not know. */
	char msg[768] = "";
	int rank = 0;
	for (uint32_t i = 0; i < pkg->n_signatures; i++) {
		struct eml_pkg_signature s;
		eml_package_signature(pkg, i, &s);
		char id[17];
		eml_key_id_hex(s.public_key, id);
		uint64_t off = pkg->hdr.signatures_offset + (uint64_t)i * EML_PKG_SIG_SIZE;
		const eml_trust_key *revoked = find_key(trust->revoked, trust->n_revoked,
							s.public_key);
		const eml_trust_key *trusted = find_key(trust->trusted, trust->n_trusted,
							s.public_key);
		if (revoked) {
			if (rank < 2) {
				rank = 2;
				snprintf(msg, sizeof(msg),
					 "signature %" PRIu32 " (offset 0x%" PRIx64
					 ") is by key %s, which is revoked (%s)",
					 i, off, id, revoked->file);
			}
			continue;
		}
		if (!trusted) {
			if (rank < 1) {
				rank = 1;
				snprintf(msg, sizeof(msg),
					 "signature %" PRIu32 " (offset 0x%" PRIx64
					 ") is by key %s, which is not in %s/trusted.d",
					 i, off, id, trust->dir);
			}
			continue;
		}
		crypto_sign_state state;
		eml_package_signed_digest(pkg, &state);
		if (crypto_sign_final_verify(&state, s.signature, s.public_key) == 0) {
			memcpy(signer, id, 17);
			return EDGEML_OK;
		}
		rank = 3;
		snprintf(msg, sizeof(msg),
			 "signature %" PRIu32 " (offset 0x%" PRIx64 ") by trusted key %s (%s) does "
			 "not match bytes [0x0, 0x%" PRIx64
			 ") (header and manifest): modified after signing",
			 i, off, id, trusted->file, pkg->hdr.payload_offset);
	}
	return eml_error(EDGEML_ERR_UNTRUSTED, "no trusted signature: %s", msg);
}

edgeml_status edgeml_trust_info_get(const edgeml_context *ctx, edgeml_trust_info *info)
{
	eml_error_clear();
	if (!info)
		return eml_error(EDGEML_ERR_INVALID_ARGUMENT, "edgeml_trust_info_get: info is NULL");
	const char *dir = eml_trust_dir(ctx ? ctx->trust_dir : NULL);
	eml_trust *trust = calloc(1, sizeof(*trust));
	if (!trust)
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for a trust store");
	edgeml_status st = eml_trust_load(dir, trust);
	if (st == EDGEML_OK)
		*info = (edgeml_trust_info){ .dir = dir,
					     .active = trust->active,
					     .n_trusted = trust->n_trusted,
					     .n_revoked = trust->n_revoked,
					     .n_decrypt = trust->n_decrypt };
	/* The decryption keys were read too: they never outlive the call. */
	sodium_memzero(trust, sizeof(*trust));
	free(trust);
	return st;
}
