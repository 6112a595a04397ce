/*
 * fuzz_patch.c — libFuzzer target for the patch reader (tools/package_delta.c): any bytes
 * must be applied or refused without crashing, leaking, reading outside the buffers or
 * allocating beyond the header's bounds. An input is a 2-byte base length L, L bytes of base,
 * then the patch. For even-sized inputs the target rewrites the patch header's base size and
 * hash to match the base, so that mutations reach the zstd decoder and the transforms.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "package_delta.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	size_t base_size = (size_t)data[0] | (size_t)data[1] << 8;
	if (base_size > size - 2)
		return 0;
	/* Exact-size copies, so ASan sees a read past either end. */
	uint8_t *base = malloc(base_size ? base_size : 1);
	size_t patch_size = size - 2 - base_size;
	uint8_t *patch = malloc(patch_size ? patch_size : 1);
	if (!base || !patch) {
		free(base);
		free(patch);
		return 0;
	}
	memcpy(base, data + 2, base_size);
	memcpy(patch, data + 2 + base_size, patch_size);
	if (size % 2 == 0 && patch_size >= sizeof(struct eml_patch_header)) {
		struct eml_patch_header h;
		memcpy(&h, patch, sizeof(h));
		h.base_size = base_size;
		crypto_generichash(h.base_hash, 32, base, base_size, NULL, 0);
		memcpy(patch, &h, sizeof(h));
	}
	uint8_t *out = NULL;
	size_t out_size = 0;
	if (eml_patch_apply(base, base_size, patch, patch_size, &out, &out_size) == EDGEML_OK) {
		volatile uint8_t sink = out_size ? out[out_size - 1] : 0;
		(void)sink;
	}
	free(out);
	free(base);
	free(patch);
	return 0;
}
