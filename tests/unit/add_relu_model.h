/*
 * add_relu_model.h — the small float model the package and store tests wrap: y = Relu(x + w)
 * over n elements, w a constant, written as a .eml image.
 */
#ifndef EML_TEST_ADD_RELU_MODEL_H
#define EML_TEST_ADD_RELU_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "convert/eml_write.h"
#include "graph.h"
#include "ops/ops.h"

/* Writes the model into *image (malloc'd, *size bytes); w (n floats) must outlive the call. */
static inline edgeml_status add_relu_model(const float *w, uint32_t n, void **image,
					   size_t *size)
{
	eml_tensor tensors[4];
	eml_node nodes[2];
	uint32_t io[2][3], inputs[1] = { 0 }, outputs[1] = { 3 };
	const eml_tensor proto = { .dtype = EDGEML_DTYPE_FLOAT32, .rank = 1, .dims = { n } };
	for (int i = 0; i < 4; i++)
		tensors[i] = proto;
	tensors[0].name = "x";
	tensors[0].flags = EML_TF_INPUT;
	tensors[1].name = "w";
	tensors[1].flags = EML_TF_CONSTANT;
	tensors[1].data = w;
	tensors[1].data_size = n * sizeof(float);
	tensors[2].name = "s";
	tensors[3].name = "y";
	tensors[3].flags = EML_TF_OUTPUT;
	io[0][0] = 0, io[0][1] = 1, io[0][2] = 2;
	io[1][0] = 2, io[1][1] = 3;
	nodes[0] = (eml_node){ .name = "add", .op = EML_OP_Add, .n_inputs = 2, .n_outputs = 1,
			       .inputs = io[0], .outputs = io[0] + 2 };
	nodes[1] = (eml_node){ .name = "relu", .op = EML_OP_Relu, .n_inputs = 1, .n_outputs = 1,
			       .inputs = io[1], .outputs = io[1] + 1 };
	eml_graph g = { .n_tensors = 4, .n_nodes = 2, .n_inputs = 1, .n_outputs = 1,
			.tensors = tensors, .nodes = nodes, .inputs = inputs, .outputs = outputs };
	return eml_write_memory(&g, image, size);
}

#endif /* EML_TEST_ADD_RELU_MODEL_H */
