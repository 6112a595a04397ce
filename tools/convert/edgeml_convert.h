/*
 * edgeml_convert.h — the converter as the tools' command files see it: an ONNX file in, a
 * .eml file out, without the internal IR (convert.h and eml_write.h are for the converter
 * itself and its tests).
 */
#ifndef EML_TOOLS_EDGEML_CONVERT_H
#define EML_TOOLS_EDGEML_CONVERT_H

#include "edgeml.h"

/* Converts the ONNX model at onnx_path with the default options and writes it to eml_path;
 * on failure edgeml_last_error() says why. */
edgeml_status edgeml_convert_file(const char *onnx_path, const char *eml_path);

#endif /* EML_TOOLS_EDGEML_CONVERT_H */
