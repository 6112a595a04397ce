/*
 * test_package.c — .emlpkg packages: pack and load, determinism, signatures against a trust
 * store (trusted, unknown, revoked, several keys), tampering with every byte, truncation at
 * every length, encryption with the right and the wrong key, requirements.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "add_relu_model.h"
#include "convert/eml_write.h"
#include "edgeml.h"
#include "graph.h"
#include "ops/ops.h"
#include "package.h"
#include "edgeml_package.h"

#define N_ELEMS 64

/* The fixture: a trust directory, keys, and a small model y = relu(x + w). */
typedef struct fixture {
	char dir[64];	  /* trust directory (trusted.d, revoked.d, keys.d) */
	char nowhere[96]; /* a trust directory without trusted.d: no trust store */
	uint8_t pk_a[32], sk_a[64], pk_b[32], sk_b[64];
	uint8_t stream_key[32], other_stream_key[32];
	void *model;
	size_t model_size;
	float w[N_ELEMS];
} fixture;

/* Writes one key file. */
static void write_key(const char *path, const char *kind, const uint8_t *key, size_t n)
{
	char hex[200];
	sodium_bin2hex(hex, sizeof(hex), key, n);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "%s %s\n", kind, hex);
	fclose(f);
}

/* Empties the trust directory's subdirectories. */
static void clear_trust(const fixture *fx)
{
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "rm -rf %s/trusted.d %s/revoked.d %s/keys.d", fx->dir, fx->dir,
		 fx->dir);
	assert_int_equal(system(cmd), 0);
}

/* Puts a key into a subdirectory of the trust directory, creating it. */
static void add_key(const fixture *fx, const char *sub, const char *file, const char *kind,
		    const uint8_t *key, size_t n)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", fx->dir, sub);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/%s/%s", fx->dir, sub, file);
	write_key(path, kind, key, n);
}

static int setup(void **state)
{
	assert_true(sodium_init() >= 0);
	fixture *fx = calloc(1, sizeof(*fx));
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/edgeml-pkg-XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	snprintf(fx->nowhere, sizeof(fx->nowhere), "%s/none", fx->dir);
	crypto_sign_keypair(fx->pk_a, fx->sk_a);
	crypto_sign_keypair(fx->pk_b, fx->sk_b);
	crypto_secretstream_xchacha20poly1305_keygen(fx->stream_key);
	crypto_secretstream_xchacha20poly1305_keygen(fx->other_stream_key);

	for (int i = 0; i < N_ELEMS; i++)
		fx->w[i] = (float)(i % 7) - 3.0f;
	assert_int_equal(add_relu_model(fx->w, N_ELEMS, &fx->model, &fx->model_size), EDGEML_OK);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	fixture *fx = *state;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", fx->dir);
	assert_int_equal(system(cmd), 0);
	free(fx->model);
	free(fx);
	return 0;
}

/* The spec every test starts from. */
static edgeml_pack_spec base_spec(void)
{
	edgeml_pack_spec s = { .name = "adder", .version = "1.2.3", .parent = "1.2.2",
			       .created = 1767225600 };
	return s;
}

/* Packs the fixture's model; encrypted when key is given. */
static uint8_t *pack(const fixture *fx, const edgeml_pack_spec *spec, size_t *size)
{
	uint8_t *out = NULL;
	edgeml_status st = edgeml_pack_build(spec, fx->model, fx->model_size, &out, size);
	if (st != EDGEML_OK)
		fail_msg("pack: %s", edgeml_last_error());
	return out;
}

/* Loads a package image (from an aligned copy) with the given trust directory and frees
 * it again; the status and edgeml_last_error() say how it went. */
static edgeml_status load(const char *trust_dir, const uint8_t *bytes, size_t size)
{
	edgeml_context *ctx;
	assert_int_equal(edgeml_context_create(&ctx), EDGEML_OK);
	assert_int_equal(edgeml_context_set_trust_dir(ctx, trust_dir), EDGEML_OK);
	void *copy = aligned_alloc(64, (size + 64) / 64 * 64);
	memcpy(copy, bytes, size);
	edgeml_model *m = NULL;
	edgeml_status st = edgeml_model_load_memory(ctx, copy, size, &m);
	edgeml_model_free(m);
	free(copy);
	edgeml_context_destroy(ctx);
	return st;
}

/* Loads a package with a trust directory and runs it, checking y = relu(x + w). */
static void load_and_run(const fixture *fx, const char *trust_dir, const uint8_t *bytes,
			 size_t size, edgeml_package_info *info_out)
{
	edgeml_context *ctx;
	assert_int_equal(edgeml_context_create(&ctx), EDGEML_OK);
	assert_int_equal(edgeml_context_set_trust_dir(ctx, trust_dir), EDGEML_OK);
	void *copy = aligned_alloc(64, (size + 63) / 64 * 64);
	memcpy(copy, bytes, size);
	edgeml_model *m = NULL;
	if (edgeml_model_load_memory(ctx, copy, size, &m) != EDGEML_OK)
		fail_msg("load: %s", edgeml_last_error());
	edgeml_session *s;
	assert_int_equal(edgeml_session_create(m, NULL, &s), EDGEML_OK);
	edgeml_tensor *in, *out;
	assert_int_equal(edgeml_session_input(s, 0, &in), EDGEML_OK);
	float *x = edgeml_tensor_data(in);
	for (int i = 0; i < N_ELEMS; i++)
		x[i] = 1.0f;
	assert_int_equal(edgeml_session_run(s), EDGEML_OK);
	assert_int_equal(edgeml_session_output(s, 0, &out), EDGEML_OK);
	const float *y = edgeml_tensor_data(out);
	for (int i = 0; i < N_ELEMS; i++)
		assert_true(y[i] == (fx->w[i] + 1.0f > 0.0f ? fx->w[i] + 1.0f : 0.0f));
	edgeml_package_info info;
	assert_int_equal(edgeml_model_package_info(m, &info), EDGEML_OK);
	if (info_out) {
		/* Strings die with the model: copy what the tests compare. */
		static char name[80], version[80], parent[80], signer[20];
		snprintf(name, sizeof(name), "%s", info.name);
		snprintf(version, sizeof(version), "%s", info.version);
		snprintf(parent, sizeof(parent), "%s", info.parent_version);
		snprintf(signer, sizeof(signer), "%s", info.signed_by);
		*info_out = info;
		info_out->name = name;
		info_out->version = version;
		info_out->parent_version = parent;
		info_out->signed_by = signer;
		info_out->model_hash = NULL;
	}
	edgeml_session_destroy(s);
	edgeml_model_free(m);
	free(copy);
	edgeml_context_destroy(ctx);
}

/* Expects a load to fail with status and a message holding needle (NULL: any message). */
static void expect_refused(const char *trust_dir, const uint8_t *bytes, size_t size,
			   edgeml_status status, const char *needle)
{
	edgeml_status st = load(trust_dir, bytes, size);
	if (st == EDGEML_OK)
		fail_msg("a package that must be refused loaded (%zu bytes)", size);
	if (status != EDGEML_OK && st != status)
		fail_msg("status %d, expected %d: %s", st, status, edgeml_last_error());
	if (needle && !strstr(edgeml_last_error(), needle))
		fail_msg("message lacks '%s': %s", needle, edgeml_last_error());
}

/* Without a trust store a package loads, runs, and reports its manifest. */
static void test_pack_and_load(void **state)
{
	fixture *fx = *state;
	clear_trust(fx);
	edgeml_pack_spec spec = base_spec();
	size_t size;
	uint8_t *pkg = pack(fx, &spec, &size);
	edgeml_package_info info;
	load_and_run(fx, fx->nowhere, pkg, size, &info);
	assert_string_equal(info.name, "adder");
	assert_string_equal(info.version, "1.2.3");
	assert_string_equal(info.parent_version, "1.2.2");
	assert_string_equal(info.signed_by, "");
	assert_true(info.sequence == ((uint64_t)1 << 42 | (uint64_t)2 << 21 | 3));
	assert_true(info.created == 1767225600);
	assert_int_equal(info.encrypted, 0);

	/* A bare .eml still loads without a trust store, and has no package info. */
	edgeml_model *m;
	assert_int_equal(edgeml_model_load_memory(NULL, fx->model, fx->model_size, &m), EDGEML_OK);
	assert_int_equal(edgeml_model_package_info(m, &info), EDGEML_ERR_NOT_FOUND);
	edgeml_model_free(m);
	free(pkg);
}

/* The same inputs give the same bytes; a different creation time changes only its field. */
static void test_deterministic(void **state)
{
	fixture *fx = *state;
	edgeml_pack_spec spec = base_spec();
	size_t a_size, b_size;
	uint8_t *a = pack(fx, &spec, &a_size);
	uint8_t *b = pack(fx, &spec, &b_size);
	assert_int_equal(a_size, b_size);
	assert_memory_equal(a, b, a_size);
	spec.created++;
	free(b);
	b = pack(fx, &spec, &b_size);
	size_t diff = 0;
	for (size_t i = 0; i < a_size; i++)
		diff += a[i] != b[i];
	assert_in_range(diff, 1, 8);
	free(a);
	free(b);
}

/* Signed by a trusted key: loads and names the key; signing again with the same key
 * replaces its signature, another key adds one. */
static void test_signed_trusted(void **state)
{
	fixture *fx = *state;
	clear_trust(fx);
	add_key(fx, "trusted.d", "a.pub", EML_KEY_PUBLIC, fx->pk_a, 32);
	edgeml_pack_spec spec = base_spec();
	size_t size;
	uint8_t *pkg = pack(fx, &spec, &size);
	size_t unsigned_size = size;
	assert_int_equal(edgeml_pack_sign(&pkg, &size, fx->sk_a), EDGEML_OK);
	assert_int_equal(size, unsigned_size + EML_PKG_SIG_SIZE);
	assert_int_equal(edgeml_pack_sign(&pkg, &size, fx->sk_a), EDGEML_OK);
	assert_int_equal(size, unsigned_size + EML_PKG_SIG_SIZE);
	edgeml_package_info info;
	load_and_run(fx, fx->dir, pkg, size, &info);
	char id[17];
	eml_key_id_hex(fx->pk_a, id);
	assert_string_equal(info.signed_by, id);
	assert_int_equal(edgeml_pack_sign(&pkg, &size, fx->sk_b), EDGEML_OK);
	assert_int_equal(size, unsigned_size + 2 * EML_PKG_SIG_SIZE);
	load_and_run(fx, fx->dir, pkg, size, &info);
	assert_string_equal(info.signed_by, id);
	free(pkg);
}

/* With a trust store: unsigned packages, bare models, unknown keys and an empty store are
 * refused, each with its own message. */
static void test_untrusted_refused(void **state)
{
	fixture *fx = *state;
	clear_trust(fx);
	add_key(fx, "trusted.d", "a.pub", EML_KEY_PUBLIC, fx->pk_a, 32);
	edgeml_pack_spec spec = base_spec();
	size_t size;
	uint8_t *pkg = pack(fx, &spec, &size);
	expect_refused(fx->dir, pkg, size, EDGEML_ERR_UNTRUSTED, "unsigned");
	expect_refused(fx->dir, fx->model, fx->model_size, EDGEML_ERR_UNTRUSTED, "bare .eml");
	assert_int_equal(edgeml_pack_sign(&pkg, &size, fx->sk_b), EDGEML_OK);
	char id_b[17];
	eml_key_id_hex(fx->pk_b, id_b);
	expect_refused(fx->dir, pkg, size, EDGEML_ERR_UNTRUSTED, id_b);
	expect_refused(fx->dir, pkg, size, EDGEML_ERR_UNTRUSTED, "not in");

	/* A store whose trusted.d is empty trusts nothing. */
	clear_trust(fx);
	char path[128];
	snprintf(path, sizeof(path), "%s/trusted.d", fx->dir);
	assert_int_equal(mkdir(path, 0755), 0);
	expect_refused(fx->dir, pkg, size, EDGEML_ERR_UNTRUSTED, "no *.pub key");

	/* A key file that is not a key fails every load (fail closed), naming the file. */
	char bad[160];
	snprintf(bad, sizeof(bad), "%s/trusted.d/bad.pub", fx->dir);
	FILE *f = fopen(bad, "w");
	assert_non_null(f);
	fputs("edgeml-ed25519-public 1234\n", f);
	fclose(f);
	expect_refused(fx->dir, pkg, size, EDGEML_ERR_FORMAT, "bad.pub");

	/* The environment variable points at the store when no call does. */
	clear_trust(fx);
	add_key(fx, "trusted.d", "a.pub", EML_KEY_PUBLIC, fx->pk_a, 32);
	setenv("EDGEML_TRUST_DIR", fx->dir, 1);
	edgeml_model *m;
	assert_int_equal(edgeml_model_load_memory(NULL, fx->model, fx->model_size, &m),
			 EDGEML_ERR_UNTRUSTED);
	unsetenv("EDGEML_TRUST_DIR");
	free(pkg);
}

/* Key rotation: a revoked key's signature is refused even while it is also trusted; a
 * package signed by the revoked key and the new one loads, verified by the new one. */
static void test_revoked(void **state)
{
	fixture *fx = *state;
	clear_trust(fx);
	add_key(fx, "trusted.d", "a.pub", EML_KEY_PUBLIC, fx->pk_a, 32);
	add_key(fx, "trusted.d", "b.pub", EML_KEY_PUBLIC, fx->pk_b, 32);
	add_key(fx, "revoked.d", "a.pub", EML_KEY_PUBLIC, fx->pk_a, 32);
	edgeml_pack_spec spec = base_spec();
	size_t size;
	uint8_t *pkg = pack(fx, &spec, &size);
	assert_int_equal(edgeml_pack_sign(&pkg, &size, fx->sk_a), EDGEML_OK);
	expect_refused(fx->dir, pkg, size, EDGEML_ERR_UNTRUSTED, "revoked");
	assert_int_equal(edgeml_pack_sign(&pkg, &size, fx->sk_b), EDGEML_OK);
	edgeml_package_info info;
	load_and_run(fx, fx->dir, pkg, size, &info);
	char id_b[17];
	eml_key_id_hex(fx->pk_b, id_b);
	assert_string_equal(info.signed_by, id_b);
	free(pkg);
	/* The public summary of the store (`edgeml info`): a context's directory, its keys. */
	edgeml_context *ctx;
	edgeml_trust_info t;
	assert_int_equal(edgeml_context_create(&ctx), EDGEML_OK);
	assert_int_equal(edgeml_context_set_trust_dir(ctx, fx->dir), EDGEML_OK);
	assert_int_equal(edgeml_trust_info_get(ctx, &t), EDGEML_OK);
	assert_string_equal(t.dir, fx->dir);
	assert_true(t.active);
	assert_int_equal(t.n_trusted, 2);
	assert_int_equal(t.n_revoked, 1);
	assert_int_equal(edgeml_context_set_trust_dir(ctx, fx->nowhere), EDGEML_OK);
	assert_int_equal(edgeml_trust_info_get(ctx, &t), EDGEML_OK);
	assert_false(t.active);
	assert_int_equal(edgeml_trust_info_get(ctx, NULL), EDGEML_ERR_INVALID_ARGUMENT);
	edgeml_context_destroy(ctx);
}

/* Flipping any bit of any byte of a signed package makes a device with a trust store
 * refuse it; the message names the region. */
static void test_tamper_every_byte(void **state)
{
	fixture *fx = *state;
	clear_trust(fx);
	add_key(fx, "trusted.d", "a.pub", EML_KEY_PUBLIC, fx->pk_a, 32);
	edgeml_pack_spec spec = base_spec();
	static const char *const req[] = { "backend=cpu" };
	spec.requires = req;
	spec.n_requires = 1;
	size_t size;
	uint8_t *pkg = pack(fx, &spec, &size);
	assert_int_equal(edgeml_pack_sign(&pkg, &size, fx->sk_a), EDGEML_OK);
	eml_package parsed;
	assert_int_equal(eml_package_parse(pkg, size, &parsed), EDGEML_OK);
	uint64_t payload = parsed.hdr.payload_offset, sigs = parsed.hdr.signatures_offset;
	char payload_range[64];
	snprintf(payload_range, sizeof(payload_range), "payload bytes [0x%llx, 0x%llx)",
		 (unsigned long long)payload, (unsigned long long)sigs);
	int by_signature = 0, by_hash = 0;
	for (size_t i = 0; i < size; i++) {
		for (int bit = 0; bit < 8; bit += 7) {
			pkg[i] ^= (uint8_t)(1u << bit);
			expect_refused(fx->dir, pkg, size, EDGEML_OK, NULL);
			const char *msg = edgeml_last_error();
			if (i >= payload && i < sigs) {
				if (!strstr(msg, payload_range))
					fail_msg("payload byte %zu: %s", i, msg);
				by_hash++;
			} else if (strstr(msg, "does not match bytes [0x0,")) {
				by_signature++;
			}
			pkg[i] ^= (uint8_t)(1u << bit);
		}
	}
	/* Most manifest bytes parse fine when flipped: the signature catches them. */
	assert_true(by_signature > 50);
	assert_int_equal(by_hash, 2 * (int)(sigs - payload));
	load_and_run(fx, fx->dir, pkg, size, NULL);
	free(pkg);
}

/* Every proper prefix of a signed package is refused, with or without a trust store,
 * except the unsigned prefix without one (which is a whole package). */
static void test_truncation(void **state)
{
	fixture *fx = *state;
	clear_trust(fx);
	add_key(fx, "trusted.d", "a.pub", EML_KEY_PUBLIC, fx->pk_a, 32);
	edgeml_pack_spec spec = base_spec();
	size_t size;
	uint8_t *pkg = pack(fx, &spec, &size);
	size_t unsigned_size = size;
	assert_int_equal(edgeml_pack_sign(&pkg, &size, fx->sk_a), EDGEML_OK);
	for (size_t n = 0; n < size; n++) {
		expect_refused(fx->dir, pkg, n, EDGEML_OK, NULL);
		if (n != unsigned_size)
			expect_refused(fx->nowhere, pkg, n, EDGEML_OK, NULL);
	}
	free(pkg);
}

/* Replaces the manifest's payload BLAKE2b-256 with that of the current payload, so that a
 * modified ciphertext reaches the decryption (as it would with an attacker who rewrote an
 * unsigned package). */
static void fix_payload_hash(uint8_t *pkg, size_t size)
{
	eml_package p;
	assert_int_equal(eml_package_parse(pkg, size, &p), EDGEML_OK);
	uint8_t h[32];
	crypto_generichash(h, 32, pkg + p.hdr.payload_offset, p.hdr.payload_size, NULL, 0);
	uint8_t *at = memmem(pkg, p.hdr.payload_offset, p.payload_hash, 32);
	assert_non_null(at);
	memcpy(at, h, 32);
}

/* Encrypted packages: decrypted with the key of keys.d, refused with another key, and a
 * modified ciphertext fails authentication. */
static void test_encrypted(void **state)
{
	fixture *fx = *state;
	clear_trust(fx);
	add_key(fx, "trusted.d", "a.pub", EML_KEY_PUBLIC, fx->pk_a, 32);
	add_key(fx, "keys.d", "fleet.key", EML_KEY_STREAM, fx->stream_key, 32);
	edgeml_pack_spec spec = base_spec();
	spec.encrypt_key = fx->stream_key;
	size_t size;
	uint8_t *pkg = pack(fx, &spec, &size);
	assert_null(memmem(pkg, size, fx->w, sizeof(fx->w)));
	assert_int_equal(edgeml_pack_sign(&pkg, &size, fx->sk_a), EDGEML_OK);
	edgeml_package_info info;
	load_and_run(fx, fx->dir, pkg, size, &info);
	assert_int_equal(info.encrypted, 1);

	/* Another device key: refused, naming the key the package wants. */
	clear_trust(fx);
	add_key(fx, "trusted.d", "a.pub", EML_KEY_PUBLIC, fx->pk_a, 32);
	add_key(fx, "keys.d", "other.key", EML_KEY_STREAM, fx->other_stream_key, 32);
	uint8_t id[8];
	char hex[17];
	eml_stream_key_id(fx->stream_key, id);
	eml_key_id_hex(id, hex);
	expect_refused(fx->dir, pkg, size, EDGEML_ERR_UNTRUSTED, hex);

	/* A flipped ciphertext byte with a matching hash fails authentication. */
	clear_trust(fx);
	add_key(fx, "keys.d", "fleet.key", EML_KEY_STREAM, fx->stream_key, 32);
	eml_package p;
	assert_int_equal(eml_package_parse(pkg, size, &p), EDGEML_OK);
	size_t unsigned_size = (size_t)p.hdr.signatures_offset;
	pkg[p.hdr.payload_offset + 100] ^= 1;
	fix_payload_hash(pkg, unsigned_size);
	expect_refused(fx->dir, pkg, unsigned_size, EDGEML_ERR_UNTRUSTED, "fails authentication");
	free(pkg);
}

/* A package the device cannot run says which requirement fails. */
static void test_requirements(void **state)
{
	fixture *fx = *state;
	clear_trust(fx);
	edgeml_pack_spec spec = base_spec();
	static const char *const ok[] = { "backend=cpu|vulkan" };
	spec.requires = ok;
	spec.n_requires = 1;
	size_t size;
	uint8_t *pkg = pack(fx, &spec, &size);
	load_and_run(fx, fx->nowhere, pkg, size, NULL);
	free(pkg);
	static const char *const bad[] = { "isa=sse4.1|neon", "isa=quantum" };
	spec.requires = bad;
	spec.n_requires = 2;
	pkg = pack(fx, &spec, &size);
	expect_refused(fx->nowhere, pkg, size, EDGEML_ERR_UNSUPPORTED, "isa=quantum");
	free(pkg);
	static const char *const malformed[] = { "cpu=fast" };
	spec.requires = malformed;
	spec.n_requires = 1;
	uint8_t *none = NULL;
	assert_int_equal(edgeml_pack_build(&spec, fx->model, fx->model_size, &none, &size),
			 EDGEML_ERR_INVALID_ARGUMENT);
	assert_null(none);
}

/* Self-test vectors survive the round trip; names and versions are checked when packing. */
static void test_manifest_fields(void **state)
{
	fixture *fx = *state;
	edgeml_pack_spec spec = base_spec();
	float in[N_ELEMS], out[N_ELEMS];
	for (int i = 0; i < N_ELEMS; i++) {
		in[i] = 1.0f;
		out[i] = fx->w[i] + 1.0f > 0.0f ? fx->w[i] + 1.0f : 0.0f;
	}
	edgeml_pack_selftest t = { 0, 0, 0.5f, in, sizeof(in), out, sizeof(out) };
	spec.selftests = &t;
	spec.n_selftests = 1;
	spec.sequence = 77;
	spec.latency_budget_ms = 2.5;
	size_t size;
	uint8_t *pkg = pack(fx, &spec, &size);
	eml_package p;
	assert_int_equal(eml_package_parse(pkg, size, &p), EDGEML_OK);
	assert_true(p.latency_budget_ms == 2.5);
	assert_int_equal(p.n_selftests, 1);
	assert_true(p.selftests[0].tolerance == 0.5f);
	assert_int_equal(p.selftests[0].input_size, sizeof(in));
	assert_memory_equal(p.selftests[0].input, in, sizeof(in));
	assert_memory_equal(p.selftests[0].expected, out, sizeof(out));
	assert_true(p.sequence == 77);
	free(pkg);

	uint8_t *none = NULL;
	static const char *const bad_names[] = { "", "a b", "../x" };
	for (size_t i = 0; i < 3; i++) {
		spec = base_spec();
		spec.name = bad_names[i];
		assert_int_equal(edgeml_pack_build(&spec, fx->model, fx->model_size, &none, &size),
				 EDGEML_ERR_INVALID_ARGUMENT);
	}
	static const char *const bad_versions[] = { "1", "1.2", "01.2.3", "1.2.3-", "1.2.3+a..b",
						    "v1.2.3" };
	for (size_t i = 0; i < 6; i++) {
		spec = base_spec();
		spec.version = bad_versions[i];
		assert_int_equal(edgeml_pack_build(&spec, fx->model, fx->model_size, &none, &size),
				 EDGEML_ERR_INVALID_ARGUMENT);
	}
	uint32_t a, b, c;
	assert_int_equal(eml_semver_parse("10.20.30-rc.1+build.5", &a, &b, &c), 0);
	assert_true(a == 10 && b == 20 && c == 30);
}

/* Self-tests run on the device: the right expected output passes, one element off by more
 * than the tolerance fails and is named. */
static void test_selftests(void **state)
{
	fixture *fx = *state;
	clear_trust(fx);
	float in[N_ELEMS], out[N_ELEMS];
	static float wrong[N_ELEMS];
	for (int i = 0; i < N_ELEMS; i++) {
		in[i] = (float)i / 8.0f;
		out[i] = fx->w[i] + in[i] > 0.0f ? fx->w[i] + in[i] : 0.0f;
	}
	edgeml_pack_selftest t[2] = {
		{ 0, 0, 0.25f, in, sizeof(in), out, sizeof(out) },
		{ 0, 0, 0.25f, in, sizeof(in), out, sizeof(out) },
	};
	edgeml_pack_spec spec = base_spec();
	spec.selftests = t;
	spec.n_selftests = 2;
	for (int round = 0; round < 2; round++) {
		size_t size;
		uint8_t *pkg = pack(fx, &spec, &size);
		void *copy = aligned_alloc(64, (size + 63) / 64 * 64);
		memcpy(copy, pkg, size);
		edgeml_context *ctx;
		edgeml_model *m;
		assert_int_equal(edgeml_context_create(&ctx), EDGEML_OK);
		assert_int_equal(edgeml_context_set_trust_dir(ctx, fx->nowhere), EDGEML_OK);
		assert_int_equal(edgeml_model_load_memory(ctx, copy, size, &m), EDGEML_OK);
		uint32_t passed = 9;
		edgeml_status st = edgeml_model_run_selftests(m, NULL, &passed);
		if (round == 0) {
			assert_int_equal(st, EDGEML_OK);
			assert_int_equal(passed, 2);
		} else {
			assert_int_equal(st, EDGEML_ERR_SELFTEST);
			assert_int_equal(passed, 1);
			assert_non_null(strstr(edgeml_last_error(), "self-test 1"));
			assert_non_null(strstr(edgeml_last_error(), "element 5"));
		}
		edgeml_model_free(m);
		edgeml_context_destroy(ctx);
		free(copy);
		free(pkg);
		/* Second round: test 1 expects element 5 off by 0.5, twice the tolerance. */
		memcpy(wrong, out, sizeof(out));
		wrong[5] += 0.5f;
		t[1].expected = wrong;
	}
	edgeml_model *bare;
	assert_int_equal(edgeml_model_load_memory(NULL, fx->model, fx->model_size, &bare), EDGEML_OK);
	assert_int_equal(edgeml_model_run_selftests(bare, NULL, NULL), EDGEML_ERR_NOT_FOUND);
	edgeml_model_free(bare);
}

/* A package is checked and used from a private copy: a process that rewrites the file after
 * the load (weights included) changes nothing in the loaded model. */
static void test_file_changed_after_load(void **state)
{
	fixture *fx = *state;
	clear_trust(fx);
	add_key(fx, "trusted.d", "a.pub", EML_KEY_PUBLIC, fx->pk_a, 32);
	edgeml_pack_spec spec = base_spec();
	size_t size;
	uint8_t *pkg = pack(fx, &spec, &size);
	assert_int_equal(edgeml_pack_sign(&pkg, &size, fx->sk_a), EDGEML_OK);
	char path[128];
	snprintf(path, sizeof(path), "%s/adder.emlpkg", fx->dir);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, pkg, size), (ssize_t)size);
	edgeml_context *ctx;
	edgeml_model *m;
	assert_int_equal(edgeml_context_create(&ctx), EDGEML_OK);
	assert_int_equal(edgeml_context_set_trust_dir(ctx, fx->dir), EDGEML_OK);
	if (edgeml_model_load_file(ctx, path, &m) != EDGEML_OK)
		fail_msg("load: %s", edgeml_last_error());
	const uint8_t *w = memmem(pkg, size, fx->w, sizeof(fx->w));
	assert_non_null(w);
	float evil[N_ELEMS];
	for (int i = 0; i < N_ELEMS; i++)
		evil[i] = 1000.0f;
	assert_int_equal(pwrite(fd, evil, sizeof(evil), w - pkg), (ssize_t)sizeof(evil));
	close(fd);
	edgeml_session *s;
	edgeml_tensor *in, *out;
	assert_int_equal(edgeml_session_create(m, NULL, &s), EDGEML_OK);
	assert_int_equal(edgeml_session_input(s, 0, &in), EDGEML_OK);
	memset(edgeml_tensor_data(in), 0, sizeof(evil));
	assert_int_equal(edgeml_session_run(s), EDGEML_OK);
	assert_int_equal(edgeml_session_output(s, 0, &out), EDGEML_OK);
	const float *y = edgeml_tensor_data(out);
	for (int i = 0; i < N_ELEMS; i++)
		assert_true(y[i] == (fx->w[i] > 0.0f ? fx->w[i] : 0.0f));
	edgeml_session_destroy(s);
	edgeml_model_free(m);
	edgeml_context_destroy(ctx);
	free(pkg);
}

/* Rebuilds an unsigned package with one more manifest entry (tag, value) at the end of its
 * manifest; *size gets the new size. */
static uint8_t *add_entry(const uint8_t *pkg, size_t *size, uint16_t tag, const char *value)
{
	eml_package p;
	assert_int_equal(eml_package_parse(pkg, *size, &p), EDGEML_OK);
	uint32_t len = (uint32_t)strlen(value);
	uint64_t manifest = p.hdr.manifest_size + EML_PKG_ENTRY_HEADER + len;
	uint64_t payload = (EML_PKG_HEADER_SIZE + manifest + 63) / 64 * 64;
	size_t n = (size_t)(payload + p.hdr.payload_size);
	uint8_t *out = calloc(1, n);
	struct eml_pkg_header h = p.hdr;
	h.manifest_size = manifest;
	h.payload_offset = payload;
	h.signatures_offset = payload + p.hdr.payload_size;
	memcpy(out, &h, sizeof(h));
	memcpy(out + EML_PKG_HEADER_SIZE, pkg + EML_PKG_HEADER_SIZE, p.hdr.manifest_size);
	uint8_t *e = out + EML_PKG_HEADER_SIZE + p.hdr.manifest_size;
	memcpy(e, &tag, 2);
	memcpy(e + 4, &len, 4);
	memcpy(e + 8, value, len);
	memcpy(out + payload, pkg + p.hdr.payload_offset, p.hdr.payload_size);
	*size = n;
	return out;
}

/* Forward compatibility: an unknown entry is skipped unless it is critical; entries out of
 * order or repeated are refused. */
static void test_manifest_forward_compat(void **state)
{
	fixture *fx = *state;
	clear_trust(fx);
	edgeml_pack_spec spec = base_spec();
	size_t size;
	uint8_t *pkg = pack(fx, &spec, &size);
	static const struct {
		uint16_t tag;
		edgeml_status want;
		const char *needle;
	} cases[] = {
		{ 0x0100, EDGEML_OK, NULL },
		{ 0x8100, EDGEML_ERR_UNSUPPORTED, "critical tag 0x8100" },
		{ EML_PKG_TAG_NAME, EDGEML_ERR_FORMAT, "out of order or repeated" },
		{ EML_PKG_TAG_PAYLOAD_HASH, EDGEML_ERR_FORMAT, "out of order or repeated" },
		{ EML_PKG_TAG_LATENCY_BUDGET, EDGEML_ERR_FORMAT, "latency budget" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = size;
		uint8_t *grown = add_entry(pkg, &n, cases[i].tag, "from the future");
		if (cases[i].want == EDGEML_OK)
			load_and_run(fx, fx->nowhere, grown, n, NULL);
		else
			expect_refused(fx->nowhere, grown, n, cases[i].want, cases[i].needle);
		free(grown);
	}
	free(pkg);
}

/* The public inspection (edgeml_package.h): the manifest as written, each signature's
 * validity and its role in a trust store, the key ids. */
static void test_inspect(void **state)
{
	fixture *fx = *state;
	clear_trust(fx);
	const char *req[] = { "backend=cpu" };
	edgeml_pack_spec spec = base_spec();
	spec.requires = req;
	spec.n_requires = 1;
	spec.encrypt_key = fx->stream_key;
	size_t size;
	uint8_t *pkg = pack(fx, &spec, &size);
	assert_int_equal(edgeml_pack_sign(&pkg, &size, fx->sk_a), EDGEML_OK);
	assert_int_equal(edgeml_pack_sign(&pkg, &size, fx->sk_b), EDGEML_OK);
	edgeml_package_manifest m;
	assert_int_equal(edgeml_package_inspect(pkg, size, &m), EDGEML_OK);
	assert_string_equal(m.name, "adder");
	assert_string_equal(m.version, "1.2.3");
	assert_string_equal(m.parent_version, "1.2.2");
	assert_true(m.sequence == edgeml_pack_default_sequence("1.2.3"));
	assert_true(m.created == 1767225600);
	assert_true(m.model_size == fx->model_size);
	uint8_t hash[32];
	crypto_generichash(hash, 32, fx->model, fx->model_size, NULL, 0);
	assert_memory_equal(m.model_hash, hash, 32);
	assert_true(m.encrypted);
	char id[17];
	edgeml_stream_key_id(fx->stream_key, id);
	assert_string_equal(m.encryption_key_id, id);
	assert_int_equal(m.n_requires, 1);
	assert_string_equal(m.requires[0], "backend=cpu");
	assert_int_equal(m.n_selftests, 0);
	assert_int_equal(m.n_signatures, 2);

	/* a trusted; b trusted and revoked: revoked wins */
	add_key(fx, "trusted.d", "a.pub", EDGEML_KEY_PUBLIC, fx->pk_a, 32);
	add_key(fx, "trusted.d", "b.pub", EDGEML_KEY_PUBLIC, fx->pk_b, 32);
	add_key(fx, "revoked.d", "b.pub", EDGEML_KEY_PUBLIC, fx->pk_b, 32);
	edgeml_context *ctx;
	assert_int_equal(edgeml_context_create(&ctx), EDGEML_OK);
	assert_int_equal(edgeml_context_set_trust_dir(ctx, fx->dir), EDGEML_OK);
	edgeml_package_signature sig;
	assert_int_equal(edgeml_package_signature_get(ctx, pkg, size, 0, &sig), EDGEML_OK);
	assert_true(sig.valid);
	assert_int_equal(sig.role, EDGEML_KEY_TRUSTED);
	assert_memory_equal(sig.public_key, fx->pk_a, 32);
	edgeml_key_id(fx->pk_a, id);
	assert_string_equal(sig.key_id, id);
	assert_int_equal(edgeml_package_signature_get(ctx, pkg, size, 1, &sig), EDGEML_OK);
	assert_true(sig.valid);
	assert_int_equal(sig.role, EDGEML_KEY_REVOKED);
	assert_int_equal(edgeml_package_signature_get(ctx, pkg, size, 2, &sig),
			 EDGEML_ERR_NOT_FOUND);
	/* without a trust store every key is unknown */
	assert_int_equal(edgeml_context_set_trust_dir(ctx, fx->nowhere), EDGEML_OK);
	assert_int_equal(edgeml_package_signature_get(ctx, pkg, size, 0, &sig), EDGEML_OK);
	assert_int_equal(sig.role, EDGEML_KEY_UNKNOWN);
	/* a damaged signature (of the last record) no longer verifies */
	pkg[size - 128 + 40] ^= 1;
	assert_int_equal(edgeml_package_signature_get(ctx, pkg, size, 1, &sig), EDGEML_OK);
	assert_false(sig.valid);
	assert_int_equal(edgeml_package_signature_get(ctx, pkg, size, 0, &sig), EDGEML_OK);
	assert_true(sig.valid);
	edgeml_context_destroy(ctx);
	/* a bare model is no package */
	assert_int_equal(edgeml_package_inspect(fx->model, fx->model_size, &m), EDGEML_ERR_FORMAT);
	free(pkg);
	clear_trust(fx);
}

/* Key files through the public calls, and the bare model packing starts from, which loads
 * whatever the trust store in force says. */
static void test_keys_and_model(void **state)
{
	fixture *fx = *state;
	char path[128];
	snprintf(path, sizeof(path), "%s/a.sec", fx->dir);
	write_key(path, EDGEML_KEY_SECRET, fx->sk_a, 64);
	uint8_t sk[64], pk[32];
	assert_int_equal(edgeml_key_read(path, EDGEML_KEY_SECRET, sk, sizeof(sk)), EDGEML_OK);
	assert_memory_equal(sk, fx->sk_a, 64);
	assert_int_equal(edgeml_key_read(path, EDGEML_KEY_PUBLIC, pk, sizeof(pk)),
			 EDGEML_ERR_FORMAT);
	assert_int_equal(edgeml_key_read(path, EDGEML_KEY_SECRET, pk, sizeof(pk)),
			 EDGEML_ERR_FORMAT);
	snprintf(path, sizeof(path), "%s/none.sec", fx->dir);
	assert_int_equal(edgeml_key_read(path, EDGEML_KEY_SECRET, sk, sizeof(sk)), EDGEML_ERR_IO);
	unlink(path);

	clear_trust(fx);
	add_key(fx, "trusted.d", "a.pub", EDGEML_KEY_PUBLIC, fx->pk_a, 32);
	edgeml_context *ctx;
	assert_int_equal(edgeml_context_create(&ctx), EDGEML_OK);
	assert_int_equal(edgeml_context_set_trust_dir(ctx, fx->dir), EDGEML_OK);
	edgeml_model *m = NULL;
	assert_int_equal(edgeml_model_load_memory(ctx, fx->model, fx->model_size, &m),
			 EDGEML_ERR_UNTRUSTED);
	edgeml_context_destroy(ctx);
	assert_int_equal(edgeml_pack_model_load(fx->model, fx->model_size, &m), EDGEML_OK);
	assert_int_equal(edgeml_model_input_count(m), 1);
	edgeml_model_free(m);
	edgeml_pack_spec spec = base_spec();
	size_t size;
	uint8_t *pkg = pack(fx, &spec, &size);
	assert_int_equal(edgeml_pack_model_load(pkg, size, &m), EDGEML_ERR_FORMAT);
	assert_null(m);
	free(pkg);
	clear_trust(fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pack_and_load),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_signed_trusted),
		cmocka_unit_test(test_untrusted_refused),
		cmocka_unit_test(test_revoked),
		cmocka_unit_test(test_tamper_every_byte),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_encrypted),
		cmocka_unit_test(test_requirements),
		cmocka_unit_test(test_manifest_fields),
		cmocka_unit_test(test_selftests),
		cmocka_unit_test(test_file_changed_after_load),
		cmocka_unit_test(test_manifest_forward_compat),
		cmocka_unit_test(test_inspect),
		cmocka_unit_test(test_keys_and_model),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
