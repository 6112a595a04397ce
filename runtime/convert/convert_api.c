/* convert_api.c — the converter's public calls (edgeml_convert.h) over convert.h. */
#include <stdlib.h>
#include <string.h>

#include "convert/convert.h"
#include "convert/eml_write.h"
#include "edgeml_convert.h"
#include "error.h"

edgeml_status edgeml_convert(const char *onnx_path, const edgeml_convert_options *options,
			     edgeml_converted **out)
{
	eml_error_clear();
	if (!onnx_path || !out)
		return eml_error(EDGEML_ERR_INVALID_ARGUMENT,
				 "edgeml_convert: onnx_path and out must not be NULL");
	*out = NULL;
	if (!options)
		return eml_convert_file(onnx_path, NULL, out);
	eml_convert_options opt = {
		.log = options->log,
		.shapes = options->shapes,
		.n_shapes = options->n_shapes,
		.images = options->images,
		.n_images = options->n_images,
	};
	/* The constants as the IR's tensors (only name, dtype, shape and data are read). */
	eml_tensor *constants = NULL;
	if (options->n_constants) {
		constants = calloc(options->n_constants, sizeof(*constants));
		if (!constants)
			return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for the constants");
		for (uint32_t i = 0; i < options->n_constants; i++) {
			const edgeml_convert_constant *c = &options->constants[i];
			if (c->rank > EML_MAX_RANK) {
				free(constants);
				return eml_error(EDGEML_ERR_INVALID_ARGUMENT,
						 "constant '%s' has rank %u (at most %u)",
						 c->name ? c->name : "", c->rank, EML_MAX_RANK);
			}
			constants[i].name = c->name;
			constants[i].dtype = (uint32_t)c->dtype;
			constants[i].rank = c->rank;
			memcpy(constants[i].dims, c->dims, sizeof(constants[i].dims));
			constants[i].data = c->data;
			constants[i].data_size = c->data_size;
		}
		opt.constants = constants;
		opt.n_constants = options->n_constants;
	}
	edgeml_status st = eml_convert_file(onnx_path, &opt, out);
	free(constants);
	return st;
}

edgeml_status edgeml_converted_write(const edgeml_converted *conv, const char *eml_path)
{
	eml_error_clear();
	if (!conv)
		return eml_error(EDGEML_ERR_INVALID_ARGUMENT,
				 "edgeml_converted_write: conv must not be NULL");
	return eml_write_file(&conv->graph, eml_path);
}

uint32_t edgeml_converted_node_count(const edgeml_converted *conv)
{
	return conv ? conv->graph.n_nodes : 0;
}

uint32_t edgeml_converted_tensor_count(const edgeml_converted *conv)
{
	return conv ? conv->graph.n_tensors : 0;
}

void edgeml_converted_free(edgeml_converted *conv)
{
	eml_converted_free(conv);
}

edgeml_status edgeml_convert_file(const char *onnx_path, const char *eml_path)
{
	edgeml_converted *conv;
	edgeml_status st = edgeml_convert(onnx_path, NULL, &conv);
	if (st != EDGEML_OK)
		return st;
	st = edgeml_converted_write(conv, eml_path);
	edgeml_converted_free(conv);
	return st;
}

edgeml_status edgeml_convert_parse_tensor(const void *buf, size_t len, const char *what,
					  edgeml_convert_constant *out)
{
	eml_error_clear();
	if (!buf || !out)
		return eml_error(EDGEML_ERR_INVALID_ARGUMENT,
				 "edgeml_convert_parse_tensor: buf and out must not be NULL");
	memset(out, 0, sizeof(*out));
	eml_tensor t;
	edgeml_status st = eml_convert_parse_tensor(buf, len, what ? what : "tensor", &t);
	if (st != EDGEML_OK)
		return st;
	out->dtype = (edgeml_dtype)t.dtype;
	out->rank = t.rank;
	memcpy(out->dims, t.dims, sizeof(out->dims));
	out->data = t.data;
	out->data_size = (size_t)t.data_size;
	return EDGEML_OK;
}
