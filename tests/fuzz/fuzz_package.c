/*
 * fuzz_package.c — libFuzzer target for the .emlpkg reader: any bytes must either load or
 * fail with a status, without crashing, leaking or reading outside the buffer. Each input is
 * loaded twice: once on a device without a trust store, after the target has rewritten the
 * manifest's BLAKE2b-256 entries to match the payload (so mutations reach the model decoder and
 * the decryption, whose key, 32 bytes of 0x42, is in keys.d: tests/fuzz/seeds/fuzz_package
 * has a package encrypted for it); once as given, on a device whose trust store trusts one
 * key and revokes another (the signature checks). A loaded package's self-tests are run.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sodium.h>

#include "edgeml.h"
#include "package.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char no_store[80], store[80];

/* Writes a key file. */
static void write_key(const char *dir, const char *sub, const char *name, const char *kind,
		      const uint8_t *key)
{
	char path[160], hex[65];
	snprintf(path, sizeof(path), "%s/%s", dir, sub);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/%s/%s", dir, sub, name);
	sodium_bin2hex(hex, sizeof(hex), key, 32);
	FILE *f = fopen(path, "w");
	if (!f)
		abort();
	fprintf(f, "%s %s\n", kind, hex);
	fclose(f);
}

/* Removes what write_key() made under dir. */
static void remove_store(const char *dir)
{
	static const char *const files[] = { "keys.d/fuzz.key", "trusted.d/a.pub",
					     "revoked.d/b.pub", "keys.d", "trusted.d", "revoked.d",
					     "" };
	char path[160];
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		remove(path);
	}
}

static void remove_stores(void)
{
	remove_store(no_store);
	remove_store(store);
}

/* Makes the two trust directories under /tmp (removed at exit). */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (sodium_init() < 0)
		abort();
	snprintf(no_store, sizeof(no_store), "/tmp/fuzz-package-XXXXXX");
	snprintf(store, sizeof(store), "/tmp/fuzz-package-XXXXXX");
	if (!mkdtemp(no_store) || !mkdtemp(store))
		abort();
	atexit(remove_stores);
	uint8_t key[32], pk[32], sk[64];
	memset(key, 0x42, sizeof(key));
	write_key(no_store, "keys.d", "fuzz.key", EML_KEY_STREAM, key);
	write_key(store, "keys.d", "fuzz.key", EML_KEY_STREAM, key);
	crypto_sign_keypair(pk, sk);
	write_key(store, "trusted.d", "a.pub", EML_KEY_PUBLIC, pk);
	crypto_sign_keypair(pk, sk);
	write_key(store, "revoked.d", "b.pub", EML_KEY_PUBLIC, pk);
	return 0;
}

/* Rewrites the BLAKE2b-256 entries equal to the manifest's payload hash with the real one. */
static void fix_hashes(uint8_t *buf, size_t size)
{
	eml_package pkg;
	if (eml_package_parse(buf, size, &pkg) != EDGEML_OK)
		return;
	uint8_t h[32];
	crypto_generichash(h, 32, buf + pkg.hdr.payload_offset, pkg.hdr.payload_size, NULL, 0);
	for (uint64_t i = EML_PKG_HEADER_SIZE; i + 32 <= pkg.hdr.payload_offset; i++)
		if (memcmp(buf + i, pkg.payload_hash, 32) == 0)
			memcpy(buf + i, h, 32);
}

/* Loads one image from a 64-byte aligned buffer of exactly its size (so ASan sees any read
 * past the end) and reads what a loaded package reports. */
static void load(const char *trust_dir, const uint8_t *data, size_t size, int fix)
{
	void *buf = NULL;
	if (posix_memalign(&buf, 64, size ? size : 1) != 0)
		return;
	memcpy(buf, data, size);
	if (fix)
		fix_hashes(buf, size);
	edgeml_context *ctx = NULL;
	edgeml_model *model = NULL;
	if (edgeml_context_create(&ctx) == EDGEML_OK &&
	    edgeml_context_set_trust_dir(ctx, trust_dir) == EDGEML_OK &&
	    edgeml_model_load_memory(ctx, buf, size, &model) == EDGEML_OK) {
		edgeml_package_info info;
		volatile size_t sink = 0;
		if (edgeml_model_package_info(model, &info) == EDGEML_OK)
			sink += strlen(info.name) + strlen(info.version) +
				strlen(info.parent_version) + strlen(info.model_hash) +
				strlen(info.signed_by);
		(void)sink;
		uint32_t passed;
		edgeml_model_run_selftests(model, NULL, &passed);
		edgeml_model_free(model);
	}
	edgeml_context_destroy(ctx);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	load(no_store, data, size, 1);
	load(store, data, size, 0);
	return 0;
}
