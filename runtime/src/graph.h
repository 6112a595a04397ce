/*
 * graph.h — the in-memory graph (IR) shared by the loader, the converter and the backends.
 *
 * The loader decodes a .eml file into these structs (strings, arrays and tensor data point
 * into the mapped file); the converter builds them from ONNX and hands them to the writer.
 * A valid graph: nodes are in topological order; every node input is a constant, a graph
 * input, or an output of an earlier node; every non-constant, non-input tensor is produced
 * by exactly one node; shapes and dtypes are static and agree with eml_op_infer().
 */
#ifndef EML_GRAPH_H
#define EML_GRAPH_H

#include <stddef.h>
#include <stdint.h>

#include "edgeml.h"

#define EML_MAX_RANK EDGEML_MAX_RANK
/* An absent optional node input/output. */
#define EML_NO_TENSOR UINT32_MAX

enum eml_tensor_flags {
	EML_TF_CONSTANT = 1u << 0, /* data is in the model (initializer) */
	EML_TF_INPUT = 1u << 1,    /* graph input, supplied at run time */
	EML_TF_OUTPUT = 1u << 2,   /* graph output */
};

typedef struct eml_tensor {
	const char *name;
	uint32_t dtype; /* edgeml_dtype */
	uint32_t rank;
	int64_t dims[EML_MAX_RANK];
	uint32_t flags;     /* eml_tensor_flags */
	const void *data;   /* constants only; NULL otherwise */
	uint64_t data_size; /* bytes at data; equals element count * dtype size */
	/* Optional quantization parameters, informational (the ops take theirs as inputs);
	 * set by the converter on graph inputs/outputs so users can (de)quantize. */
	uint32_t q_count; /* 0 none, 1 per-tensor, else per-axis channel count */
	int32_t q_axis;
	const float *q_scales;
	const int32_t *q_zero_points;
} eml_tensor;

enum eml_attr_type {
	EML_ATTR_INT = 1,
	EML_ATTR_FLOAT = 2,
	EML_ATTR_STRING = 3,
	EML_ATTR_INTS = 4,
	EML_ATTR_FLOATS = 5,
};

typedef struct eml_attr {
	const char *name;
	uint32_t type;  /* eml_attr_type */
	uint32_t count; /* elements of ints/floats; bytes of s (without the NUL) */
	int64_t i;
	float f;
	const int64_t *ints;
	const float *floats;
	const char *s; /* NUL-terminated */
} eml_attr;

typedef struct eml_node {
	const char *name;
	uint32_t op; /* eml_op */
	uint32_t n_inputs;
	uint32_t n_outputs;
	uint32_t n_attrs;
	const uint32_t *inputs; /* tensor indices, EML_NO_TENSOR for an absent optional input */
	const uint32_t *outputs;
	const eml_attr *attrs;
	/* The op's typed parameters (ops/op_params.h), decoded by the loader; NULL in graphs
	 * built in memory (eml_node_params() then decodes them on the spot). */
	const union eml_op_params *params;
} eml_node;

typedef struct eml_graph {
	uint32_t n_tensors;
	uint32_t n_nodes;
	uint32_t n_inputs;
	uint32_t n_outputs;
	const eml_tensor *tensors;
	const eml_node *nodes;
	const uint32_t *inputs; /* tensor indices of graph inputs, in order */
	const uint32_t *outputs;
} eml_graph;

/* Element count of a tensor (product of dims; 1 for rank 0). */
int64_t eml_tensor_numel(const eml_tensor *t);
/* Byte size of a tensor, or 0 on overflow / unknown dtype. */
uint64_t eml_tensor_bytes(const eml_tensor *t);

/* Multiply-accumulates of one run of node (convolutions and matrix products; 0 for other
 * ops); *conv1x1 says whether it is a convolution with a 1x1 kernel (graph_cost.c). */
uint64_t eml_node_macs(const eml_graph *g, const eml_node *node, int *conv1x1);

/* Attribute lookup by name; NULL when absent. */
const eml_attr *eml_node_attr(const eml_node *node, const char *name);
/* Typed lookups with a default for an absent attribute. A present attribute of the wrong
 * type is an error (EDGEML_ERR_FORMAT, message names node and attribute). */
edgeml_status eml_attr_int(const eml_node *node, const char *name, int64_t dflt, int64_t *out);
edgeml_status eml_attr_float(const eml_node *node, const char *name, float dflt, float *out);
/* *out/count stay as given when absent. */
edgeml_status eml_attr_ints(const eml_node *node, const char *name, const int64_t **out,
			    uint32_t *count);
edgeml_status eml_attr_floats(const eml_node *node, const char *name, const float **out,
			      uint32_t *count);
edgeml_status eml_attr_string(const eml_node *node, const char *name, const char *dflt,
			      const char **out);

/* Checks graph structure (indices in range, topological order, single producer, no dangling
 * input) and, through eml_op_infer(), that every node's declared output dtypes and shapes are
 * what its op computes. Used by the loader on every model and by the converter's tests. */
edgeml_status eml_graph_validate(const eml_graph *graph);

#endif /* EML_GRAPH_H */
