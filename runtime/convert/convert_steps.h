/*
 * convert_steps.h — the steps of a conversion, in the order convert.c runs them: import,
 * topological sort, inference with constant folding, the rewrite passes, printing, export.
 * Each returns an edgeml_status; passes report how many rewrites they made.
 */
#ifndef EML_CONVERT_STEPS_H
#define EML_CONVERT_STEPS_H

#include <stdio.h>

#include "convert/convert.h"
#include "convert/convert_graph.h"
#include "onnx.pb-c.h"

/* Decodes a TensorProto into a descriptor (dtype, rank, dims) and a malloc'd copy of its
 * data (*data, desc->data_size bytes). what names the tensor in error messages. */
edgeml_status cv_tensor_from_proto(const Onnx__TensorProto *tp, const char *what, eml_tensor *desc,
				   void **data);

/* Fills g from an ONNX model: constants, inputs (with --input-shape / --constant applied),
 * nodes mapped to edgeml ops with older-opset attribute forms rewritten, outputs. */
edgeml_status cv_import_onnx(cv_graph *g, const Onnx__ModelProto *model,
			     const eml_convert_options *opt);

/* Orders the nodes topologically; rejects cycles, dangling inputs, double producers. */
edgeml_status cv_sort_nodes(cv_graph *g);

/* Infers every node's outputs in order, rewriting what needs shapes first (Softmax of an
 * opset < 13 on a non-last axis, absent zero points). With fold set, nodes whose inputs
 * are all constants (except DequantizeLinear when fold == CV_FOLD_KEEP_DQ) are evaluated
 * and replaced by constants; *folded counts them. Shape computations fold whatever the
 * mode (cv_fold_static, cv_fold_always), and an If on a constant condition is replaced by
 * its branch, the graph then re-sorted and inferred from the start. */
enum { CV_FOLD_NONE = 0, CV_FOLD_KEEP_DQ = 1, CV_FOLD_ALL = 2 };
edgeml_status cv_infer(cv_graph *g, int fold, uint32_t *folded);

/* Evaluates node with its reference kernel and makes its outputs constants. Returns
 * EDGEML_OK with *done = 0 when the node cannot or should not be folded. */
edgeml_status cv_fold_node(cv_graph *g, uint32_t node, int *done);

/* Static-shape folding (fold_shapes.c): evaluates a node of a converter-only op
 * (convert_ops.def), or integer arithmetic on constants, at conversion. *done = 1 when the
 * node was replaced by constants (an If by its chosen branch: the caller re-sorts); a Cast
 * of a run-time tensor to its own type becomes an Identity with *done = 0. An error names
 * the node and the run-time input that keeps it from folding. */
edgeml_status cv_fold_static(cv_graph *g, uint32_t node, int *done);
/* Whether a node computes on int64 constants only (shape vectors): folded in every
 * inference, whatever the fold mode. */
int cv_fold_always(const cv_graph *g, uint32_t node);
/* Imports an If branch (an Onnx__GraphProto) of node if_node into g: its initializers and
 * nodes; outputs[k] receives the tensor of the branch's output k (n_outputs of them). */
edgeml_status cv_import_branch(cv_graph *g, const void *branch, uint32_t if_node,
			       uint32_t *outputs, uint32_t n_outputs);

/* Puts an ImagePreprocess node in front of each --image-input (pass_image_input.c); the
 * graph input becomes the uint8 frame. Runs right after the import. */
edgeml_status cv_pass_image_input(cv_graph *g, const eml_convert_image *images, uint32_t n);
/* Folds the QuantizeLinear that reads an ImagePreprocess output into it (quantized output). */
edgeml_status cv_pass_image_quant(cv_graph *g, uint32_t *count);

/* Copies quantization parameters onto graph inputs and outputs from the Q/DQ next to them. */
edgeml_status cv_pass_quant_io(cv_graph *g, uint32_t *count);
/* Folds DQ → op → Q groups into quantized ops. */
edgeml_status cv_pass_qdq(cv_graph *g, uint32_t *count);
/* Folds QLinearMul(x, QLinearLookup(x)) (swish) into one QLinearLookup. */
edgeml_status cv_pass_lookup_mul(cv_graph *g, uint32_t *count);
/* Folds BatchNormalization into a preceding float Conv. */
edgeml_status cv_pass_batchnorm(cv_graph *g, uint32_t *count);
/* Fuses Relu/Clip into a preceding Conv/Gemm/MatMul/Add as activation_min/max. */
edgeml_status cv_pass_activation(cv_graph *g, uint32_t *count);
/* HardSigmoid(1/6, 1/2) of x times x into HardSwish (pass_hswish.c). */
edgeml_status cv_pass_hswish(cv_graph *g, uint32_t *count);
/* Sigmoid, Sigmoid-then-Mul (Swish) or HardSwish of a float Conv's output into the Conv's
 * activation_fn (pass_activation_fn.c); after pass_hswish. */
edgeml_status cv_pass_activation_fn(cv_graph *g, uint32_t *count);
/* Cuts Conv / QLinearConv kernels to the taps that read the input for some output
 * (pass_dead_taps.c). */
edgeml_status cv_pass_dead_taps(cv_graph *g, uint32_t *count);
/* Removes Identity nodes. */
edgeml_status cv_pass_identity(cv_graph *g, uint32_t *count);

/* Constant scalar (or all-equal per-tensor) helpers used by the passes: *ok = 0 when t is
 * absent, not a constant, or not a single value of a suitable type. */
int cv_const_scalar_f32(const cv_graph *g, uint32_t t, float *v);
int cv_const_scalar_i32(const cv_graph *g, uint32_t t, int32_t *v);
/* Element k of a constant of any supported dtype, as double. */
double cv_const_elem(const eml_tensor *t, uint64_t k);
/* Whether node is a Relu, or a Clip with constant (or absent) bounds: its clamp range,
 * -INFINITY / INFINITY for an absent bound. */
int cv_activation_bounds(const cv_graph *g, uint32_t node, float *lo, float *hi);
/* Sets activation_min/max on node to the intersection of its current range and [lo, hi]. */
edgeml_status cv_add_activation(cv_graph *g, uint32_t node, float lo, float hi);

/* Prints the graph, one line per node, under a title. */
void cv_print_graph(FILE *f, const cv_graph *g, const char *title);

/* Builds the eml_graph of the live part of g; *storage holds the arrays (free()). */
edgeml_status cv_export(const cv_graph *g, eml_graph *out, void **storage);

#endif /* EML_CONVERT_STEPS_H */
