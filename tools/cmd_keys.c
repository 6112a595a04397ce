/* cmd_keys.c — `edgeml keygen`, `edgeml sign` and `edgeml verify`: the keys and signatures
 * of packages (docs/fleet.md, "Trust"). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <sodium.h>

#include "commands.h"
#include "edgeml.h"
#include "edgeml_package.h"
#include "file_io.h"

#define MAX_PACKAGE_BYTES ((size_t)4 << 30)

/* Writes "KIND HEX\n" to path, refusing to replace an existing file. */
static int write_key(const char *path, const char *kind, const uint8_t *key, size_t n,
		     unsigned mode)
{
	struct stat sb;
	if (stat(path, &sb) == 0) {
		fprintf(stderr, "edgeml keygen: '%s' exists; not replacing a key\n", path);
		return 1;
	}
	char line[300];
	size_t kl = strlen(kind);
	memcpy(line, kind, kl);
	line[kl] = ' ';
	sodium_bin2hex(line + kl + 1, sizeof(line) - kl - 2, key, n);
	size_t len = strlen(line);
	line[len++] = '\n';
	edgeml_status st = eml_file_write_atomic(path, line, len, mode);
	sodium_memzero(line, sizeof(line));
	if (st != EDGEML_OK) {
		fprintf(stderr, "edgeml keygen: %s\n", edgeml_last_error());
		return 1;
	}
	return 0;
}

int edgeml_cmd_keygen(int argc, char **argv)
{
	int encryption = 0;
	const char *name = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			printf("usage: edgeml keygen [--encryption] NAME\n\n"
			       "Makes an Ed25519 signing key pair: NAME.sec (secret, mode 0600; keep\n"
			       "it off devices) and NAME.pub (install it in a device's\n"
			       "/etc/edgeml/trusted.d). With --encryption, makes instead a\n"
			       "secretstream key NAME.key (mode 0600) for `edgeml pack --encrypt`;\n"
			       "install it in the devices' /etc/edgeml/keys.d.\n");
			return 0;
		} else if (!strcmp(argv[i], "--encryption")) {
			encryption = 1;
		} else if (argv[i][0] != '-' && !name) {
			name = argv[i];
		} else {
			fprintf(stderr, "edgeml keygen: unexpected argument '%s'\n", argv[i]);
			return 2;
		}
	}
	if (!name || strlen(name) > 4000) {
		fprintf(stderr, "usage: edgeml keygen [--encryption] NAME\n");
		return 2;
	}
	if (sodium_init() < 0)
		return 1;
	char path[4100];
	if (encryption) {
		uint8_t key[crypto_secretstream_xchacha20poly1305_KEYBYTES];
		crypto_secretstream_xchacha20poly1305_keygen(key);
		char hex[17];
		edgeml_stream_key_id(key, hex);
		snprintf(path, sizeof(path), "%s.key", name);
		int rc = write_key(path, EDGEML_KEY_STREAM, key, sizeof(key), 0600);
		sodium_memzero(key, sizeof(key));
		if (!rc)
			printf("encryption key %s written to %s\n", hex, path);
		return rc;
	}
	uint8_t pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
	crypto_sign_keypair(pk, sk);
	snprintf(path, sizeof(path), "%s.sec", name);
	int rc = write_key(path, EDGEML_KEY_SECRET, sk, sizeof(sk), 0600);
	sodium_memzero(sk, sizeof(sk));
	snprintf(path, sizeof(path), "%s.pub", name);
	if (!rc)
		rc = write_key(path, EDGEML_KEY_PUBLIC, pk, sizeof(pk), 0644);
	if (!rc) {
		char id[17];
		edgeml_key_id(pk, id);
		printf("signing key %s: %s.sec (secret), %s.pub (public)\n", id, name, name);
	}
	return rc;
}

int edgeml_cmd_sign(int argc, char **argv)
{
	const char *pkg_path = NULL, *key_path = NULL, *out = NULL;
	for (int i = 1; i < argc; i++) {
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			printf("usage: edgeml sign PACKAGE.emlpkg --key NAME.sec [-o OUT.emlpkg]\n\n"
			       "Appends an Ed25519 signature over the package's header and manifest\n"
			       "(which hold the BLAKE2b-256 of the model). Signing again with the same\n"
			       "key replaces its signature; another key adds one (key rotation: sign\n"
			       "with the old and the new key while devices trust either). Without\n"
			       "-o the package is replaced in place (atomically).\n");
			return 0;
		} else if (!strcmp(argv[i], "--key") && val) {
			key_path = argv[++i];
		} else if (!strcmp(argv[i], "-o") && val) {
			out = argv[++i];
		} else if (argv[i][0] != '-' && !pkg_path) {
			pkg_path = argv[i];
		} else {
			fprintf(stderr, "edgeml sign: unexpected argument '%s'\n", argv[i]);
			return 2;
		}
	}
	if (!pkg_path || !key_path) {
		fprintf(stderr, "usage: edgeml sign PACKAGE.emlpkg --key NAME.sec [-o OUT]\n");
		return 2;
	}
	if (sodium_init() < 0)
		return 1;
	uint8_t sk[crypto_sign_SECRETKEYBYTES], *pkg = NULL;
	size_t size = 0;
	edgeml_status st = edgeml_key_read(key_path, EDGEML_KEY_SECRET, sk, sizeof(sk));
	if (st == EDGEML_OK)
		st = eml_file_read(pkg_path, MAX_PACKAGE_BYTES, &pkg, &size);
	if (st == EDGEML_OK)
		st = edgeml_pack_sign(&pkg, &size, sk);
	if (st == EDGEML_OK)
		st = eml_file_write_atomic(out ? out : pkg_path, pkg, size, 0644);
	char id[17];
	edgeml_key_id(sk + 32, id);
	sodium_memzero(sk, sizeof(sk));
	free(pkg);
	if (st != EDGEML_OK) {
		fprintf(stderr, "edgeml sign: %s\n", edgeml_last_error());
		return 1;
	}
	printf("signed %s with key %s\n", out ? out : pkg_path, id);
	return 0;
}

/* Prints the manifest and the signatures of a package; returns 1 when a signature does not
 * verify against its own key, or on a failure (said on stderr). */
static int print_package(const edgeml_context *ctx, const char *path, const uint8_t *bytes,
			 size_t size, const edgeml_package_manifest *pkg)
{
	char hex[65];
	printf("package %s %s (sequence %" PRIu64 ")\n", pkg->name, pkg->version, pkg->sequence);
	if (pkg->parent_version[0])
		printf("  parent version: %s\n", pkg->parent_version);
	time_t t = (time_t)pkg->created;
	struct tm tm;
	char when[64] = "?";
	if (gmtime_r(&t, &tm))
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	printf("  created: %s (%" PRIu64 ")\n", when, pkg->created);
	sodium_bin2hex(hex, sizeof(hex), pkg->model_hash, 32);
	printf("  model: %" PRIu64 " bytes, blake2b-256 %s\n", pkg->model_size, hex);
	if (pkg->encrypted)
		printf("  encrypted for key %s (secretstream, %" PRIu32 "-byte chunks)\n",
		       pkg->encryption_key_id, pkg->encryption_chunk_size);
	for (uint32_t i = 0; i < pkg->n_requires; i++)
		printf("  requires %s\n", pkg->requires[i]);
	for (uint32_t i = 0; i < pkg->n_selftests; i++)
		printf("  self-test %" PRIu32 ": input %" PRIu32 " (%" PRIu32
		       " bytes) -> output %" PRIu32 " within %g\n",
		       i, pkg->selftests[i].input_index, pkg->selftests[i].input_size,
		       pkg->selftests[i].output_index, (double)pkg->selftests[i].tolerance);
	if (pkg->latency_budget_ms > 0.0)
		printf("  self-test latency budget %g ms\n", pkg->latency_budget_ms);
	int bad = 0;
	for (uint32_t i = 0; i < pkg->n_signatures; i++) {
		edgeml_package_signature s;
		if (edgeml_package_signature_get(ctx, bytes, size, i, &s) != EDGEML_OK) {
			fprintf(stderr, "edgeml verify: %s: %s\n", path, edgeml_last_error());
			return 1;
		}
		printf("  signature %" PRIu32 ": key %s, %s, %s\n", i, s.key_id,
		       s.valid ? "valid" : "INVALID",
		       s.role == EDGEML_KEY_REVOKED   ? "REVOKED"
		       : s.role == EDGEML_KEY_TRUSTED ? "trusted"
						      : "not in the trust store");
		bad |= !s.valid;
	}
	if (pkg->n_signatures == 0)
		printf("  unsigned\n");
	return bad;
}

int edgeml_cmd_verify(int argc, char **argv)
{
	const char *pkg_path = NULL, *trust_dir = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			printf("usage: edgeml verify PACKAGE.emlpkg [--trust-dir DIR]\n\n"
			       "Loads the package as a device would (signatures against DIR's\n"
			       "trusted.d and revoked.d, the payload's hash, requirements, the\n"
			       "decryption with a key of DIR/keys.d, the model itself), runs its\n"
			       "self-tests on the CPU, and prints its manifest. DIR defaults to $EDGEML_TRUST_DIR, else /etc/edgeml. Exits\n"
			       "1 when the package would be refused.\n");
			return 0;
		} else if (!strcmp(argv[i], "--trust-dir") && i + 1 < argc) {
			trust_dir = argv[++i];
		} else if (argv[i][0] != '-' && !pkg_path) {
			pkg_path = argv[i];
		} else {
			fprintf(stderr, "edgeml verify: unexpected argument '%s'\n", argv[i]);
			return 2;
		}
	}
	if (!pkg_path) {
		fprintf(stderr, "usage: edgeml verify PACKAGE.emlpkg [--trust-dir DIR]\n");
		return 2;
	}
	if (sodium_init() < 0)
		return 1;
	uint8_t *bytes = NULL;
	size_t size = 0;
	edgeml_package_manifest pkg;
	edgeml_trust_info trust;
	edgeml_context *ctx = NULL;
	edgeml_model *model = NULL;
	edgeml_status st = edgeml_context_create(&ctx);
	if (st == EDGEML_OK)
		st = edgeml_context_set_trust_dir(ctx, trust_dir);
	if (st == EDGEML_OK)
		st = eml_file_read(pkg_path, MAX_PACKAGE_BYTES, &bytes, &size);
	if (st == EDGEML_OK)
		st = edgeml_trust_info_get(ctx, &trust);
	if (st == EDGEML_OK)
		st = edgeml_package_inspect(bytes, size, &pkg);
	int rc = 0;
	if (st != EDGEML_OK) {
		fprintf(stderr, "edgeml verify: %s: %s\n", pkg_path, edgeml_last_error());
		rc = 1;
	} else {
		rc = print_package(ctx, pkg_path, bytes, size, &pkg);
	}
	fflush(stdout);
	if (!rc && edgeml_model_load_file(ctx, pkg_path, &model) != EDGEML_OK) {
		fprintf(stderr, "edgeml verify: REFUSED: %s\n", edgeml_last_error());
		rc = 1;
	} else if (!rc) {
		edgeml_package_info info;
		edgeml_model_package_info(model, &info);
		uint32_t passed = 0;
		if (edgeml_model_run_selftests(model, NULL, &passed) != EDGEML_OK) {
			fprintf(stderr, "edgeml verify: REFUSED: %s\n", edgeml_last_error());
			rc = 1;
		} else if (info.n_selftests) {
			printf("self-tests: %" PRIu32 " of %" PRIu32 " passed on this device\n",
			       passed, info.n_selftests);
		}
	}
	if (!rc && model) {
		edgeml_package_info info;
		edgeml_model_package_info(model, &info);
		if (trust.active)
			printf("verified: signed by trusted key %s (trust store %s)\n",
			       info.signed_by, trust.dir);
		else
			printf("verified: hashes and model only; no trust store at %s/trusted.d, "
			       "so no signature was required\n",
			       trust.dir);
	}
	edgeml_model_free(model);
	edgeml_context_destroy(ctx);
	free(bytes);
	return rc;
}
