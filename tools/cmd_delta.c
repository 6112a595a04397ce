/* cmd_delta.c — `edgeml diff` and `edgeml patch`: delta updates between packages
 * (package_delta.h, docs/fleet.md "Delta updates"). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "edgeml.h"
#include "edgeml_package.h"
#include "file_io.h"
#include "package_delta.h"
#include "tool_error.h"

#define MAX_PACKAGE_BYTES ((size_t)4 << 30)

int edgeml_cmd_diff(int argc, char **argv)
{
	const char *paths[2] = { NULL, NULL }, *out = NULL;
	int n = 0, level = 19;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			printf("usage: edgeml diff OLD.emlpkg NEW.emlpkg -o PATCH [--level N]\n\n"
			       "Makes a patch that turns OLD into NEW (zstd patch-from with long\n"
			       "distance matching; level 1..22, default 19). Sign NEW before diffing:\n"
			       "the patch rebuilds it byte for byte, signatures included, and a\n"
			       "device checks them before using the result (`edgeml patch`).\n");
			return 0;
		} else if (!strcmp(argv[i], "-o") && i + 1 < argc) {
			out = argv[++i];
		} else if (!strcmp(argv[i], "--level") && i + 1 < argc) {
			level = atoi(argv[++i]);
		} else if (argv[i][0] != '-' && n < 2) {
			paths[n++] = argv[i];
		} else {
			fprintf(stderr, "edgeml diff: unexpected argument '%s'\n", argv[i]);
			return 2;
		}
	}
	if (n != 2 || !out || level < 1 || level > 22) {
		fprintf(stderr, "usage: edgeml diff OLD.emlpkg NEW.emlpkg -o PATCH [--level 1..22]\n");
		return 2;
	}
	uint8_t *old = NULL, *new = NULL, *patch = NULL;
	size_t old_size = 0, new_size = 0, patch_size = 0;
	edgeml_package_manifest pkg;
	edgeml_status st = eml_file_read(paths[0], MAX_PACKAGE_BYTES, &old, &old_size);
	if (st == EDGEML_OK)
		st = eml_file_read(paths[1], MAX_PACKAGE_BYTES, &new, &new_size);
	if (st == EDGEML_OK)
		st = edgeml_package_inspect(old, old_size, &pkg);
	if (st == EDGEML_OK)
		st = edgeml_package_inspect(new, new_size, &pkg);
	if (st == EDGEML_OK)
		st = eml_patch_make(old, old_size, new, new_size, level, &patch, &patch_size);
	if (st == EDGEML_OK)
		st = eml_file_write_atomic(out, patch, patch_size, 0644);
	int rc = 0;
	if (st != EDGEML_OK) {
		fprintf(stderr, "edgeml diff: %s\n", edgeml_last_error());
		rc = 1;
	} else {
		printf("patch %s: %zu bytes for a %zu-byte package (%.1f%% of it)\n", out,
		       patch_size, new_size, 100.0 * (double)patch_size / (double)new_size);
	}
	free(old);
	free(new);
	free(patch);
	return rc;
}

/* Checks a patched package as the device will load it: the whole load path (signatures
 * against the trust store, hashes, requirements, decryption, the model), plus that it is a
 * newer release of the same model. */
static edgeml_status check_result(const uint8_t *old, size_t old_size, const uint8_t *new,
				  size_t new_size, const char *trust_dir, int allow_downgrade)
{
	edgeml_package_manifest a, b;
	edgeml_status st = edgeml_package_inspect(old, old_size, &a);
	if (st == EDGEML_OK)
		st = edgeml_package_inspect(new, new_size, &b);
	if (st != EDGEML_OK)
		return st;
	if (strcmp(a.name, b.name) != 0)
		return tool_error(EDGEML_ERR_INVALID_ARGUMENT,
				  "the patch turns '%s' into '%s', another model", a.name, b.name);
	if (b.sequence <= a.sequence && !allow_downgrade)
		return tool_error(EDGEML_ERR_UNTRUSTED,
				  "the patched package %s (sequence %" PRIu64 ") is not newer than "
				  "%s (sequence %" PRIu64 "): refused as a replay (--allow-downgrade)",
				  b.version, b.sequence, a.version, a.sequence);
	edgeml_context *ctx = NULL;
	edgeml_model *model = NULL;
	void *aligned = aligned_alloc(64, (new_size + 63) / 64 * 64);
	if (!aligned)
		return tool_error(EDGEML_ERR_NO_MEMORY, "out of memory checking the result");
	memcpy(aligned, new, new_size);
	st = edgeml_context_create(&ctx);
	if (st == EDGEML_OK)
		st = edgeml_context_set_trust_dir(ctx, trust_dir);
	if (st == EDGEML_OK)
		st = edgeml_model_load_memory(ctx, aligned, new_size, &model);
	edgeml_model_free(model);
	edgeml_context_destroy(ctx);
	free(aligned);
	return st;
}

int edgeml_cmd_patch(int argc, char **argv)
{
	const char *paths[2] = { NULL, NULL }, *out = NULL, *trust_dir = NULL;
	int n = 0, allow_downgrade = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			printf("usage: edgeml patch OLD.emlpkg PATCH -o NEW.emlpkg [--trust-dir DIR]\n"
			       "                    [--allow-downgrade]\n\n"
			       "Rebuilds the new package from the old one and a patch of `edgeml\n"
			       "diff`, then checks it as the device will load it (signatures against\n"
			       "DIR's trust store, hashes, requirements, the model) and that it is a\n"
			       "newer release of the same model, and only then writes NEW\n"
			       "(atomically). A patch against another base is refused.\n");
			return 0;
		} else if (!strcmp(argv[i], "-o") && i + 1 < argc) {
			out = argv[++i];
		} else if (!strcmp(argv[i], "--trust-dir") && i + 1 < argc) {
			trust_dir = argv[++i];
		} else if (!strcmp(argv[i], "--allow-downgrade")) {
			allow_downgrade = 1;
		} else if (argv[i][0] != '-' && n < 2) {
			paths[n++] = argv[i];
		} else {
			fprintf(stderr, "edgeml patch: unexpected argument '%s'\n", argv[i]);
			return 2;
		}
	}
	if (n != 2 || !out) {
		fprintf(stderr, "usage: edgeml patch OLD.emlpkg PATCH -o NEW.emlpkg\n");
		return 2;
	}
	uint8_t *old = NULL, *patch = NULL, *new = NULL;
	size_t old_size = 0, patch_size = 0, new_size = 0;
	edgeml_status st = eml_file_read(paths[0], MAX_PACKAGE_BYTES, &old, &old_size);
	if (st == EDGEML_OK)
		st = eml_file_read(paths[1], MAX_PACKAGE_BYTES, &patch, &patch_size);
	if (st == EDGEML_OK)
		st = eml_patch_apply(old, old_size, patch, patch_size, &new, &new_size);
	if (st == EDGEML_OK)
		st = check_result(old, old_size, new, new_size, trust_dir, allow_downgrade);
	if (st == EDGEML_OK)
		st = eml_file_write_atomic(out, new, new_size, 0644);
	int rc = 0;
	if (st != EDGEML_OK) {
		fprintf(stderr, "edgeml patch: %s\n", edgeml_last_error());
		rc = 1;
	} else {
		printf("patched %s -> %s (%zu bytes), verified\n", paths[0], out, new_size);
	}
	free(old);
	free(patch);
	free(new);
	return rc;
}
