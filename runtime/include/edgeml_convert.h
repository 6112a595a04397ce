/*
 * edgeml_convert.h — the ONNX → .eml converter (runtime/convert/) as a program calls it:
 * `edgeml convert` and `edgeml bench` are built on it. The converter is a library of its own
 * (it needs protobuf-c, which the runtime does not), linked into the edgeml tool; a device
 * that only runs models needs none of it.
 *
 *   edgeml_convert_file("mobilenet.onnx", "mobilenet.eml");       // defaults, one call
 *
 *   edgeml_convert_shape shape = { "input", 4, { 1, 3, 224, 224 } };
 *   edgeml_convert_options opt = { .shapes = &shape, .n_shapes = 1 };
 *   edgeml_converted *conv;
 *   if (edgeml_convert("model.onnx", &opt, &conv) == EDGEML_OK) {
 *       edgeml_converted_write(conv, "model.eml");
 *       edgeml_converted_free(conv);
 *   }
 *
 * Every call that can fail returns an edgeml_status and edgeml_last_error() says why;
 * EDGEML_ERR_UNSUPPORTED means the model uses an op, attribute or dtype outside edgeml's op
 * set (docs/ops.md), EDGEML_ERR_FORMAT that the ONNX file is malformed.
 */
#ifndef EDGEML_CONVERT_H
#define EDGEML_CONVERT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "edgeml.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A fixed shape for a graph input with symbolic or unknown dims (--input-shape). */
typedef struct edgeml_convert_shape {
	const char *name;
	uint32_t rank;
	int64_t dims[EDGEML_MAX_RANK];
} edgeml_convert_shape;

/* A graph input fed camera frames (--image-input, docs/stream.md): the converter puts an
 * ImagePreprocess node in front of it, and the input becomes the raw uint8 frame. */
typedef struct edgeml_convert_image {
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
} edgeml_convert_image;

/* A graph input frozen into a constant (--constant): the data is copied. */
typedef struct edgeml_convert_constant {
	const char *name;
	edgeml_dtype dtype;
	uint32_t rank;
	int64_t dims[EDGEML_MAX_RANK];
	const void *data;
	size_t data_size; /* element count * edgeml_dtype_size(dtype) */
} edgeml_convert_constant;

typedef struct edgeml_convert_options {
	FILE *log; /* where verbose output goes (the graph before and after); NULL = quiet */
	const edgeml_convert_shape *shapes;
	uint32_t n_shapes;
	const edgeml_convert_constant *constants;
	uint32_t n_constants;
	const edgeml_convert_image *images;
	uint32_t n_images;
} edgeml_convert_options;

/* A converted model, not yet written. */
typedef struct edgeml_converted edgeml_converted;

/* Converts the ONNX model at onnx_path (at most 2 GiB); options may be NULL (defaults).
 * On success *out is a new conversion; on failure *out is NULL. */
edgeml_status edgeml_convert(const char *onnx_path, const edgeml_convert_options *options,
			     edgeml_converted **out);
/* Writes the .eml file (to a temporary file, then renamed over eml_path; mode 0644). */
edgeml_status edgeml_converted_write(const edgeml_converted *conv, const char *eml_path);
/* The converted graph's size, for messages. */
uint32_t edgeml_converted_node_count(const edgeml_converted *conv);
uint32_t edgeml_converted_tensor_count(const edgeml_converted *conv);
void edgeml_converted_free(edgeml_converted *conv);

/* Converts onnx_path with the default options and writes it to eml_path. */
edgeml_status edgeml_convert_file(const char *onnx_path, const char *eml_path);

/* Reads a tensor for --constant from an ONNX TensorProto (.pb, as in the ONNX test data)
 * held in memory; what names it in messages. The name is left NULL; free out->data with
 * free(). EDGEML_ERR_FORMAT: not a TensorProto. (.npy files are the caller's to read.) */
edgeml_status edgeml_convert_parse_tensor(const void *buf, size_t len, const char *what,
					  edgeml_convert_constant *out);

#ifdef __cplusplus
}
#endif

#endif /* EDGEML_CONVERT_H */
