/* convert_to_file.c — ONNX file to .eml file in one call (edgeml_convert.h). */
#include "convert/convert.h"
#include "convert/edgeml_convert.h"
#include "convert/eml_write.h"

edgeml_status edgeml_convert_file(const char *onnx_path, const char *eml_path)
{
	eml_converted *conv;
	edgeml_status st = eml_convert_file(onnx_path, NULL, &conv);
	if (st != EDGEML_OK)
		return st;
	st = eml_write_file(&conv->graph, eml_path);
	eml_converted_free(conv);
	return st;
}
