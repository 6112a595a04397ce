/* fuzz_convert.c — libFuzzer target: arbitrary bytes as an ONNX model through the converter. */
#include <stddef.h>
#include <stdint.h>

#include "convert/convert.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Converts one input; any outcome but a crash, hang, leak or huge allocation is fine. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	eml_converted *conv = NULL;
	if (eml_convert_buffer(data, size, NULL, &conv) == EDGEML_OK)
		eml_converted_free(conv);
	return 0;
}
