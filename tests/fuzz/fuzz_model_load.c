/*
 * fuzz_model_load.c — libFuzzer target for the .eml loader: any bytes must either load or
 * fail with a status, without crashing, leaking or reading outside the buffer. A loaded
 * model's inputs and outputs are queried in full so that every pointer the loader hands out
 * is touched. The target recomputes the header checksum of even-sized inputs, so that
 * mutations reach the checks behind it; odd-sized inputs keep theirs and exercise it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>


#include "edgeml.h"
#include "eml_format.h"
#include "fuzz_eml.h"

/* Reads every byte a tensor info points to, so that bad pointers fault under ASan. */
static unsigned touch_info(const edgeml_tensor_info *info)
{
	unsigned sum = (unsigned)strlen(info->name) + (unsigned)info->size_bytes;
	for (uint32_t k = 0; k < info->quant_count; k++)
		sum += (unsigned)info->quant_zero_points[k] + (info->quant_scales[k] > 0.0f);
	return sum;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* One fuzz input: loaded from a 64-byte aligned buffer of exactly its size (the in-place
 * path, so ASan sees any read past the end), then queried and freed. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	void *buf = NULL;
	if (posix_memalign(&buf, 64, size ? size : 1) != 0)
		return 0;
	memcpy(buf, data, size);
	if (size % 2 == 0)
		fuzz_eml_fix_header(buf, size, 0);
	edgeml_model *model = NULL;
	if (edgeml_model_load_memory(NULL, buf, size, &model) == EDGEML_OK) {
		volatile unsigned sink = 0;
		edgeml_tensor_info info;
		size_t index;
		for (size_t i = 0; i < edgeml_model_input_count(model); i++) {
			if (edgeml_model_input_info(model, i, &info) != EDGEML_OK ||
			    edgeml_model_find_input(model, info.name, &index) != EDGEML_OK ||
			    index != i)
				abort();
			sink += touch_info(&info);
		}
		for (size_t i = 0; i < edgeml_model_output_count(model); i++) {
			if (edgeml_model_output_info(model, i, &info) != EDGEML_OK ||
			    edgeml_model_find_output(model, info.name, &index) != EDGEML_OK ||
			    index != i)
				abort();
			sink += touch_info(&info);
		}
		(void)sink;
		edgeml_model_free(model);
	}
	free(buf);
	return 0;
}
