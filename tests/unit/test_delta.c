/*
 * test_delta.c — package patches (tools/package_delta.c): both methods round-trip and the
 * smaller one is chosen; a patch against another base, any flipped byte and any
 * truncation are refused with a message, never a wrong result.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "package_delta.h"

#define SIZE (64u << 10)

/* Deterministic pseudo-random bytes. */
static void fill(uint8_t *p, size_t n, uint32_t seed)
{
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1664525u + 1013904223u;
		p[i] = (uint8_t)(seed >> 24);
	}
}

/* Makes a patch from base to target, applies it, checks the result and returns the method. */
static uint32_t round_trip(const uint8_t *base, size_t base_size, const uint8_t *target,
			   size_t target_size, size_t *patch_size)
{
	uint8_t *patch, *out;
	size_t out_size;
	assert_int_equal(eml_patch_make(base, base_size, target, target_size, 19, &patch,
					patch_size),
			 EDGEML_OK);
	assert_int_equal(eml_patch_apply(base, base_size, patch, *patch_size, &out, &out_size),
			 EDGEML_OK);
	assert_int_equal(out_size, target_size);
	assert_memory_equal(out, target, target_size);
	struct eml_patch_header h;
	memcpy(&h, patch, sizeof(h));
	free(patch);
	free(out);
	return h.method;
}

/* A few changed bytes, then a block moved: patch-from; many small steps: difference. */
static void test_methods(void **state)
{
	(void)state;
	uint8_t *base = malloc(SIZE), *target = malloc(SIZE + 100);
	fill(base, SIZE, 1);
	memcpy(target, base, SIZE);
	for (size_t i = 0; i < 16; i++)
		target[i * 4000] ^= 0x55;
	memmove(target + 100, target, SIZE);
	size_t patch_size;
	assert_int_equal(round_trip(base, SIZE, target, SIZE + 100, &patch_size), EML_PATCH_FROM);
	assert_true(patch_size < 2000);

	memcpy(target, base, SIZE);
	uint8_t noise[SIZE];
	fill(noise, SIZE, 2);
	for (size_t i = 0; i < SIZE; i++)
		target[i] = (uint8_t)(target[i] + (noise[i] < 40 ? 1 : noise[i] > 215 ? -1 : 0));
	assert_int_equal(round_trip(base, SIZE, target, SIZE, &patch_size), EML_PATCH_DIFFERENCE);
	assert_true(patch_size < SIZE / 3);

	/* Unrelated bytes still round-trip (the patch is then about the target's size). */
	fill(target, SIZE, 3);
	round_trip(base, SIZE, target, SIZE, &patch_size);
	/* A target shorter than the base. */
	round_trip(base, SIZE, base + 10, SIZE / 2, &patch_size);
	free(base);
	free(target);
}

/* Against another base, with a flipped byte anywhere, or cut short: refused. */
static void test_refused(void **state)
{
	(void)state;
	uint8_t *base = malloc(SIZE), *target = malloc(SIZE), *other = malloc(SIZE);
	fill(base, SIZE, 4);
	memcpy(target, base, SIZE);
	for (size_t i = 0; i < SIZE; i += 97)
		target[i]++;
	memcpy(other, base, SIZE);
	other[SIZE / 2] ^= 1;
	uint8_t *patch, *out;
	size_t patch_size, out_size;
	assert_int_equal(eml_patch_make(base, SIZE, target, SIZE, 3, &patch, &patch_size),
			 EDGEML_OK);
	assert_int_equal(eml_patch_apply(other, SIZE, patch, patch_size, &out, &out_size),
			 EDGEML_ERR_INVALID_ARGUMENT);
	assert_non_null(strstr(edgeml_last_error(), "wrong base"));
	assert_null(out);
	int accepted = 0;
	for (size_t i = 0; i < patch_size; i++) {
		patch[i] ^= 0x10;
		edgeml_status st = eml_patch_apply(base, SIZE, patch, patch_size, &out, &out_size);
		/* A flip that changes nothing decoded (the minor version, which readers
		 * accept any of; bits zstd ignores) may pass, but never with another result. */
		if (st == EDGEML_OK) {
			assert_memory_equal(out, target, SIZE);
			free(out);
			accepted++;
		} else {
			assert_true(strlen(edgeml_last_error()) > 10);
		}
		patch[i] ^= 0x10;
	}
	assert_in_range(accepted, 0, 4);
	for (size_t n = 0; n < patch_size; n++)
		assert_int_not_equal(eml_patch_apply(base, SIZE, patch, n, &out, &out_size),
				     EDGEML_OK);
	free(patch);
	free(base);
	free(target);
	free(other);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_methods),
		cmocka_unit_test(test_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
