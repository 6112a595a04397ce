/*
 * convert.h — the ONNX → edgeml converter behind `edgeml convert`: reads an ONNX model,
 * canonicalises it, infers static shapes, folds constants, QDQ groups, BatchNormalization,
 * activations and Identity, and hands back the eml_graph that eml_write_file() serialises.
 */
#ifndef EML_CONVERT_H
#define EML_CONVERT_H

#include <stddef.h>
#include <stdio.h>

#include "graph.h"

/* Largest ONNX file the converter reads (protobuf's own limit is 2 GiB). */
#define EML_CONVERT_MAX_FILE ((size_t)2 << 30)

/* The newest default-domain (ai.onnx) opset the converter knows. Like ONNX Runtime, which
 * refuses models stamped with an opset newer than its release supports, the converter refuses
 * newer ones: a later opset may change an op's meaning without changing its attributes. */
#define EML_CONVERT_MAX_OPSET 23

/* A fixed shape for a graph input with symbolic or unknown dims (--input-shape). */
typedef struct eml_convert_shape {
	const char *name;
	uint32_t rank;
	int64_t dims[EML_MAX_RANK];
} eml_convert_shape;

/* A graph input fed camera frames (--image-input, docs/stream.md): the converter puts an
 * ImagePreprocess node in front of it, and the input becomes the raw uint8 frame. */
typedef struct eml_convert_image {
	const char *name;	   /* the graph input: float32 [1,3,H,W] or [1,H,W,3] */
	const char *format;	   /* nv12, yuyv, rgb24 or bgr24 */
	int64_t width, height;	   /* the frame */
	int has_crop;
	int64_t crop[4];	   /* x, y, width, height */
	const char *resize;	   /* bilinear (NULL) or nearest */
	const char *channel_order; /* rgb (NULL) or bgr */
	const char *layout;	   /* nchw or nhwc; NULL: from the input's shape */
	uint32_t n_mean, n_std;	   /* 0 (defaults 0 and 1), 1 or 3 */
	float mean[3], std[3];
} eml_convert_image;

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

/* A converted model: graph is valid until eml_converted_free(). */
typedef struct eml_converted {
	eml_graph graph;
	void *priv; /* builder graph and export arrays */
} eml_converted;

/* Converts an ONNX model held in memory. options may be NULL. On success *out is a new
 * conversion; on failure *out is NULL and edgeml_last_error() says why. */
edgeml_status eml_convert_buffer(const void *buf, size_t len, const eml_convert_options *options,
				 eml_converted **out);
/* Reads path (at most EML_CONVERT_MAX_FILE bytes) and converts it. */
edgeml_status eml_convert_file(const char *path, const eml_convert_options *options,
			       eml_converted **out);
void eml_converted_free(eml_converted *conv);

/* Reads a tensor for --constant from a .npy file or an ONNX TensorProto (.pb); the name is
 * left NULL. Free the data with free(). */
edgeml_status eml_convert_read_tensor_file(const char *path, eml_tensor *out);
/* The same from a file image in memory; what names it in messages. */
edgeml_status eml_convert_parse_tensor(const void *buf, size_t len, const char *what,
				       eml_tensor *out);

#endif /* EML_CONVERT_H */
