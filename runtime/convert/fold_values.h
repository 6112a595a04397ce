/*
 * fold_values.h — what the conversion-time folds of fold_shapes.c share: reading and writing
 * elements of any dtype as integers or doubles, a node's constant inputs and attributes,
 * building a result and publishing it as the node's constant output, and walking operands
 * broadcast to a result's shape.
 */
#ifndef EML_FOLD_VALUES_H
#define EML_FOLD_VALUES_H

#include "convert/convert_steps.h"

/* Largest folded result, as in pass_fold_constants.c. */
#define FOLD_MAX_BYTES ((uint64_t)64 << 20)
/* ONNX's BOOL element type; the converter carries booleans as uint8 0/1. */
#define ONNX_BOOL 9
#define CV_DTYPE_BOOL EDGEML_DTYPE_UINT8

/* Whether dt is an integer dtype (uint8 included, so booleans too). */
int fv_is_int_dtype(uint32_t dt);
/* Element k as int64 (floats truncated toward zero, saturated) / as double. */
int64_t fv_get_i(const eml_tensor *t, uint64_t k);
double fv_get_f(const eml_tensor *t, uint64_t k);
/* Store v as element k of an array of dtype, saturating to the dtype's range. */
void fv_put_i(uint32_t dtype, void *data, uint64_t k, int64_t v);
void fv_put_f(uint32_t dtype, void *data, uint64_t k, double v);

/* Input k of node when present, else NULL. */
const eml_tensor *fv_input(const cv_graph *g, const cv_node *n, uint32_t k);
/* Input k, which must be present and a constant for the node to fold: else an error naming
 * the node and the run-time input (suggesting --constant for a graph input). */
edgeml_status fv_const_input(const cv_graph *g, uint32_t node, uint32_t k, const char *role,
			     const eml_tensor **out);
/* A 1-D integer constant input read as dims, its length in *rank (at most EML_MAX_RANK). */
edgeml_status fv_shape_vector(const cv_graph *g, uint32_t node, uint32_t k, const char *role,
			      uint32_t *rank, int64_t *dims);
/* EDGEML_ERR_SHAPE "node 'n' (Op): what". */
edgeml_status fv_bad(const cv_graph *g, uint32_t node, const char *what);
/* An int attribute (dflt when absent or not an int), or any attribute by name (NULL). */
int64_t fv_attr_i(const cv_graph *g, uint32_t node, const char *name, int64_t dflt);
const eml_attr *fv_attr(const cv_graph *g, uint32_t node, const char *name);

/* A folded result being built: descriptor and data. */
typedef struct fv_result {
	uint32_t dtype, rank;
	int64_t dims[EML_MAX_RANK];
	int64_t numel;
	void *data;
} fv_result;

/* Allocates a zeroed result of that dtype and shape, refusing one over FOLD_MAX_BYTES. */
edgeml_status fv_result_init(const cv_graph *g, uint32_t node, fv_result *r, uint32_t dtype,
			     uint32_t rank, const int64_t *dims);
/* Makes output k of node the constant r (taking its data). A graph output gets the data as a
 * new constant that the node, turned into an Identity, copies (graph.h: outputs are
 * computed), and the node's other readers read that constant. */
edgeml_status fv_publish(cv_graph *g, uint32_t node, uint32_t k, fv_result *r);
/* Publishes a node's only output and marks the node folded (unless it became an Identity). */
edgeml_status fv_finish(cv_graph *g, uint32_t node, fv_result *r, int *done);

/* The numpy broadcast of m (at most 3) tensors' shapes. */
edgeml_status fv_broadcast_shape(const cv_graph *g, uint32_t node, const eml_tensor *const *in,
				 uint32_t m, uint32_t *rank, int64_t *dims);
/* Walks a result in row-major order giving each of m (at most 3) inputs' element offsets,
 * the inputs broadcast to the result's shape. */
typedef struct fv_walker {
	uint32_t rank, m;
	int64_t dims[EML_MAX_RANK], idx[EML_MAX_RANK];
	int64_t stride[3][EML_MAX_RANK];
	int64_t off[3];
} fv_walker;
void fv_walker_init(fv_walker *w, const eml_tensor *const *in, uint32_t m, const fv_result *r);
void fv_walker_next(fv_walker *w);

#endif /* EML_FOLD_VALUES_H */
