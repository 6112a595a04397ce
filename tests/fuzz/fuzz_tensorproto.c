/*
 * fuzz_tensorproto.c — libFuzzer target for the tensor reader behind `edgeml convert
 * --constant NAME=FILE`: an ONNX TensorProto (.pb) or a .npy image. Any bytes give a tensor
 * whose data size agrees with its dtype and dims, or a status; no crash, leak or huge
 * allocation from dims alone.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "convert/convert.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	eml_tensor t;
	if (eml_convert_parse_tensor(buf, size, "fuzz.pb", &t) == EDGEML_OK) {
		int empty = 0;
		for (uint32_t i = 0; i < t.rank && i < EML_MAX_RANK; i++)
			empty |= t.dims[i] == 0;
		if (!t.data || t.rank > EML_MAX_RANK ||
		    (empty ? t.data_size != 0 : eml_tensor_bytes(&t) != t.data_size))
			abort();
		volatile uint8_t sink = 0;
		if (t.data_size)
			sink ^= ((const uint8_t *)t.data)[t.data_size - 1];
		(void)sink;
		free((void *)t.data);
	}
	free(buf);
	return 0;
}
