/*
 * fuzz_npy.c — libFuzzer target for the .npy reader (tools/npy.c) behind `edgeml run --input`
 * and `edgeml convert --constant`: any bytes either parse into an array whose size agrees
 * with its dtype and shape, or fail with a status; no crash, leak or read past the end.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "npy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact-size copy, so that ASan sees a read one byte past the end. */
	uint8_t *buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	eml_npy npy;
	if (eml_npy_parse(buf, size, "fuzz.npy", &npy) == EDGEML_OK) {
		uint64_t n = edgeml_dtype_size(npy.dtype);
		if (n == 0 || npy.rank > EDGEML_MAX_RANK)
			abort();
		for (uint32_t i = 0; i < npy.rank; i++)
			n *= (uint64_t)npy.dims[i];
		if (n != npy.size || (npy.size && !npy.data))
			abort();
		volatile uint8_t sink = 0;
		if (npy.size)
			sink ^= ((uint8_t *)npy.data)[npy.size - 1];
		(void)sink;
		eml_npy_free(&npy);
	}
	free(buf);
	return 0;
}
