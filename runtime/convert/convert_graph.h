/*
 * convert_graph.h — the converter's mutable graph: the ONNX importer fills it, the passes
 * rewrite it, and convert_export.c turns it into the eml_graph of runtime/src/graph.h.
 *
 * Tensors and nodes live in growable arrays and refer to each other by index (arrays move
 * when they grow, so never keep a pointer across an insertion). Each tensor embeds its
 * eml_tensor descriptor so that inference and the reference kernels read it directly; the
 * builder owns every string and buffer those descriptors point to.
 */
#ifndef EML_CONVERT_GRAPH_H
#define EML_CONVERT_GRAPH_H

#include <stdint.h>

#include "graph.h"

/* Hard limits on what one model may declare, so hostile files cannot make us allocate
 * without bound; real models stay far below them. */
#define CV_MAX_TENSORS (1u << 22)
#define CV_MAX_NODES (1u << 21)
#define CV_MAX_NODE_IO 4096u
#define CV_MAX_ATTR_ELEMS (1u << 20)

typedef struct cv_tensor {
	eml_tensor t;	   /* name, data and q_* arrays are owned by the builder */
	int shape_known;   /* dtype and dims are set (by the importer or inference) */
	uint32_t producer; /* index of the producing node, UINT32_MAX if none */
} cv_tensor;

typedef struct cv_node {
	char *name;
	uint32_t op;   /* eml_op */
	int64_t opset; /* opset version of the node's domain in the source model */
	uint32_t n_inputs;
	uint32_t n_outputs;
	uint32_t n_attrs;
	uint32_t *inputs; /* EML_NO_TENSOR for an absent optional input */
	uint32_t *outputs;
	eml_attr *attrs; /* names, strings and arrays owned by the builder */
	int dead;	 /* removed by a pass; dropped when the graph is compacted */
	/* If: the then/else GraphProtos (Onnx__GraphProto *), owned by the ModelProto being
	 * converted and valid only during the conversion; the chosen one is inlined once the
	 * condition is a constant (fold_shapes.c). */
	const void *branches[2];
} cv_node;

typedef struct cv_name_slot {
	uint32_t hash;
	uint32_t tensor; /* UINT32_MAX for an empty slot */
} cv_name_slot;

typedef struct cv_graph {
	cv_tensor *tensors;
	uint32_t n_tensors, cap_tensors;
	cv_node *nodes;
	uint32_t n_nodes, cap_nodes;
	uint32_t *inputs;
	uint32_t n_inputs;
	uint32_t *outputs;
	uint32_t n_outputs;
	cv_name_slot *names; /* open-addressing index name → tensor */
	uint32_t cap_names;
	uint32_t n_unique; /* counter for generated names */
	int64_t opset_onnx, opset_ms; /* the model's opsets, for importing If branches later */
} cv_graph;

/* Ops that exist only in the converter (convert_ops.def), numbered apart from eml_op. */
#define CV_OP_BASE 0x10000u
enum {
	CV_OP_BEFORE_FIRST = CV_OP_BASE - 1,
#define CV_OP(name) CV_OP_##name,
#include "convert/convert_ops.def"
#undef CV_OP
	CV_OP_END
};
/* The type name of a runtime or converter op ("?" if unknown), and its number from an ONNX
 * op type (EML_OP_INVALID if neither knows it). */
const char *cv_op_name(uint32_t op);
uint32_t cv_converter_op_from_name(const char *name);

void cv_graph_init(cv_graph *g);
void cv_graph_free(cv_graph *g);

/* The tensor with that name, or UINT32_MAX. */
uint32_t cv_find_tensor(const cv_graph *g, const char *name);
/* Adds a tensor with no shape yet; the name must be new. */
edgeml_status cv_add_tensor(cv_graph *g, const char *name, uint32_t *index);
/* The tensor with that name, added if it does not exist yet. */
edgeml_status cv_get_or_add_tensor(cv_graph *g, const char *name, uint32_t *index);
/* Adds a tensor with a fresh name derived from base ("base/edgeml_3"). */
edgeml_status cv_add_unique_tensor(cv_graph *g, const char *base, uint32_t *index);
/* Adds a constant tensor named after base, copying size bytes of data. */
edgeml_status cv_add_constant(cv_graph *g, const char *base, uint32_t dtype, uint32_t rank,
			      const int64_t *dims, const void *data, uint64_t size,
			      uint32_t *index);
/* Makes tensor index a constant, taking ownership of data (malloc'd, size bytes). */
void cv_set_constant(cv_graph *g, uint32_t index, void *data, uint64_t size);
/* Sets owned copies of quantization parameters on a tensor. */
edgeml_status cv_set_quant(cv_graph *g, uint32_t index, uint32_t count, int32_t axis,
			   const float *scales, const int32_t *zero_points);

/* Appends a node (or inserts it before node `at`); name is copied, arrays are allocated
 * with every input/output EML_NO_TENSOR and no attributes. */
edgeml_status cv_add_node(cv_graph *g, const char *name, uint32_t op, uint32_t n_inputs,
			  uint32_t n_outputs, uint32_t *index);
edgeml_status cv_insert_node(cv_graph *g, uint32_t at, const char *name, uint32_t op,
			     uint32_t n_inputs, uint32_t n_outputs, uint32_t *index);
/* Changes a node's input count, new inputs absent. */
edgeml_status cv_resize_inputs(cv_graph *g, uint32_t node, uint32_t n_inputs);

/* Attribute setters: replace an attribute of that name or add it. */
edgeml_status cv_set_attr_int(cv_graph *g, uint32_t node, const char *name, int64_t v);
edgeml_status cv_set_attr_float(cv_graph *g, uint32_t node, const char *name, float v);
edgeml_status cv_set_attr_string(cv_graph *g, uint32_t node, const char *name, const char *s,
				 uint32_t len);
edgeml_status cv_set_attr_ints(cv_graph *g, uint32_t node, const char *name, const int64_t *v,
			       uint32_t count);
edgeml_status cv_set_attr_floats(cv_graph *g, uint32_t node, const char *name, const float *v,
				 uint32_t count);
/* Removes an attribute if present. */
void cv_remove_attr(cv_graph *g, uint32_t node, const char *name);
/* Copies every attribute of node src onto node dst. */
edgeml_status cv_copy_attrs(cv_graph *g, uint32_t dst, uint32_t src);

/* A read-only eml_node view of a node (valid until the node changes). */
void cv_node_view(const cv_graph *g, uint32_t node, eml_node *view);

/* Number of live node inputs reading tensor t, plus one if t is a graph output. */
uint32_t cv_use_count(const cv_graph *g, uint32_t t);
/* The only live node reading t (t not a graph output), or UINT32_MAX. */
uint32_t cv_single_consumer(const cv_graph *g, uint32_t t);
/* Makes every live node input reading `from` read `to` instead. */
void cv_replace_uses(cv_graph *g, uint32_t from, uint32_t to);
/* Whether t is a constant / graph output. */
int cv_is_constant(const cv_graph *g, uint32_t t);
int cv_is_output(const cv_graph *g, uint32_t t);
/* Recomputes every tensor's producer from the live nodes. */
void cv_update_producers(cv_graph *g);
/* Marks dead every node none of whose outputs is used; returns how many. */
uint32_t cv_remove_unused_nodes(cv_graph *g);
/* Drops dead nodes from the array, keeping the order of the others. */
void cv_compact_nodes(cv_graph *g);

/* "name" of a tensor/node for messages, never NULL. */
const char *cv_tensor_name(const cv_graph *g, uint32_t t);

#endif /* EML_CONVERT_GRAPH_H */
