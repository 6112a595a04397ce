/*
 * convert.h — the ONNX → edgeml converter behind `edgeml convert`: reads an ONNX model,
 * canonicalises it, infers static shapes, folds constants, QDQ groups, BatchNormalization,
 * activations and Identity, and hands back the eml_graph that eml_write_file() serialises.
 */
#ifndef EML_CONVERT_H
#define EML_CONVERT_H

#include <stddef.h>
#include <stdio.h>

#include "edgeml_convert.h"
#include "graph.h"

/* Largest ONNX file the converter reads (protobuf's own limit is 2 GiB). */
#define EML_CONVERT_MAX_FILE ((size_t)2 << 30)

/* The newest default-domain (ai.onnx) opset the converter knows. Like ONNX Runtime, which
 * refuses models stamped with an opset newer than its release supports, the converter refuses
 * newer ones: a later opset may change an op's meaning without changing its attributes. */
#define EML_CONVERT_MAX_OPSET 23

/* The public option structs (edgeml_convert.h) are the converter's own. */
typedef edgeml_convert_shape eml_convert_shape;
typedef edgeml_convert_image eml_convert_image;

typedef struct eml_convert_options {
	FILE *log; /* where verbose output goes; NULL = quiet */
	const eml_convert_shape *shapes;
	uint32_t n_shapes;
	/* Graph inputs to freeze into constants (--constant): name, dtype, rank, dims, data
	 * and data_size of each are used; the data is copied. */
	const eml_tensor *constants;
	uint32_t n_constants;
	const eml_convert_image *images; /* --image-input */
	uint32_t n_images;
} eml_convert_options;

/* A converted model (edgeml_converted): graph is valid until eml_converted_free(). */
struct edgeml_converted {
	eml_graph graph;
	void *priv; /* builder graph and export arrays */
};
typedef struct edgeml_converted eml_converted;

/* Converts an ONNX model held in memory. options may be NULL. On success *out is a new
 * conversion; on failure *out is NULL and edgeml_last_error() says why. */
edgeml_status eml_convert_buffer(const void *buf, size_t len, const eml_convert_options *options,
				 eml_converted **out);
/* Reads path (at most EML_CONVERT_MAX_FILE bytes) and converts it. */
edgeml_status eml_convert_file(const char *path, const eml_convert_options *options,
			       eml_converted **out);
void eml_converted_free(eml_converted *conv);

/* Reads a tensor for --constant from an ONNX TensorProto (.pb); the name is left NULL. Free
 * the data with free(). (.npy files are read by the tools' npy.c.) */
edgeml_status eml_convert_read_tensor_file(const char *path, eml_tensor *out);
/* The same from a file image in memory; what names it in messages. */
edgeml_status eml_convert_parse_tensor(const void *buf, size_t len, const char *what,
				       eml_tensor *out);

#endif /* EML_CONVERT_H */
