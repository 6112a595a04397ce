/*
 * vk_ops.h — how a node becomes compute dispatches: per op, a builder that checks the node
 * can run on the GPU and describes each dispatch (shader, macros, tensors to bind,
 * specialization constants, parameters, invocation count). The backend places the tensors,
 * compiles, binds and records; the builders know nothing of buffers or command buffers.
 *
 * Shader conventions (shaders/common.glsl): binding 0 holds the dispatch's header and then
 * its parameter words; binding 1 + i the tensor tensors[i]. Header word i (1..7) is the element
 * offset of binding i in its buffer, 8 the invocation count, 9.. spec[]; words 64 + i and
 * 128 + i hold the multiplier and shift that divide by word i (eml_udiv). Each shader's value
 * words are declared once, by name, in shaders/vk_params.def, generated into vk_params.h
 * (EML_VKP_SHADER_FIELD) and vk_params.glsl: builders set them with EML_VK_SET_I/F and
 * EML_VK_FIX_I/F, shaders read EML_I(SHADER_FIELD). Only the values a builder fixes are
 * specialization constants (same ids): they are what tells two pipelines apart, so they are
 * kept to what shapes the code (kernel size, stride); the rest are read from the header at
 * run time and let layers share a pipeline.
 */
#ifndef EML_VK_OPS_H
#define EML_VK_OPS_H

#include <stdint.h>

#include "graph.h"
#include "ops/infer_qcommon.h"
#include "ops/op_params.h"
#include "vulkan/vk_device.h"

/* The header's layout (shaders/vk_params.def): EML_VK_SPEC_BASE, the first specialization
 * constant id (and header word) of spec[]; EML_VK_MAX_SPEC of them; EML_VK_HEADER words
 * before the parameters (values, divisors' multipliers, shifts); each shader's fields. */
#include "vk_params.h"

#define EML_VK_MAX_BINDINGS 7 /* tensors per dispatch (binding 0 is the parameters) */
#define EML_VK_MAX_DISPATCH 16
#define EML_VK_MACROS 256

typedef struct eml_vk_dispatch {
	const char *shader; /* file in shaders/ */
	char macros[EML_VK_MACROS];
	uint32_t n_tensors;
	uint32_t tensors[EML_VK_MAX_BINDINGS]; /* graph tensor of binding 1 + i */
	uint32_t n_spec;
	uint32_t spec[EML_VK_MAX_SPEC]; /* ids EML_VK_SPEC_BASE.. (ints or float bits) */
	uint64_t fixed; /* bit i: spec[i] is a specialization constant, else only a header word */
	uint32_t *params;               /* parameter words (malloc'ed), binding 0 */
	uint32_t n_params;
	uint64_t invocations; /* output elements: one invocation each */
} eml_vk_dispatch;

typedef struct eml_vk_kernel {
	const eml_vk_device_info *info; /* the device: builders pick variants by its features */
	uint32_t n;
	eml_vk_dispatch d[EML_VK_MAX_DISPATCH];
} eml_vk_kernel;

/* Describes the dispatches of node (in graph g) on a device with info. A node the GPU cannot
 * run returns EDGEML_ERR_UNSUPPORTED with a message saying why (the backend then fails or,
 * when allowed, runs the node on the CPU). */
edgeml_status eml_vk_build(const eml_graph *g, const eml_node *node,
			   const eml_vk_device_info *info, eml_vk_kernel *k);
/* Frees the parameter words of k's dispatches. */
void eml_vk_kernel_free(eml_vk_kernel *k);

/* ---- for the per-family builders (vk_ops_*.c) ---- */

/* Starts dispatch number k->n of shader, for invocations output elements; NULL when a node
 * needs more dispatches than a kernel holds. */
eml_vk_dispatch *eml_vk_add_dispatch(eml_vk_kernel *k, const char *shader,
				     uint64_t invocations);
/* Binds graph tensor t as the next binding. */
void eml_vk_bind(eml_vk_dispatch *d, uint32_t t);
/* Sets header word id (EML_VKP_*) of d to an int (or a float's bits): a value the shader
 * reads at run time, or (fixed) also a specialization constant its code is specialised on. */
void eml_vk_put_i(eml_vk_dispatch *d, uint32_t id, int64_t v, int fixed);
void eml_vk_put_f(eml_vk_dispatch *d, uint32_t id, float v, int fixed);

/* Sets the named field of the header (shaders/vk_params.def: EML_VK_SET_I(d, QCONV_CIN, v));
 * a field of the other type does not compile. */
#define EML_VK_CHECK_TYPE(field, type)                                                     \
	((void)sizeof(char[EML_VKP_##field##_TYPE == (type) ? 1 : -1]))
#define EML_VK_SET_I(d, field, v)                                                          \
	(EML_VK_CHECK_TYPE(field, EML_VK_INT), eml_vk_put_i((d), EML_VKP_##field, (v), 0))
#define EML_VK_FIX_I(d, field, v)                                                          \
	(EML_VK_CHECK_TYPE(field, EML_VK_INT), eml_vk_put_i((d), EML_VKP_##field, (v), 1))
#define EML_VK_SET_F(d, field, v)                                                          \
	(EML_VK_CHECK_TYPE(field, EML_VK_FLOAT), eml_vk_put_f((d), EML_VKP_##field, (v), 0))
#define EML_VK_FIX_F(d, field, v)                                                          \
	(EML_VK_CHECK_TYPE(field, EML_VK_FLOAT), eml_vk_put_f((d), EML_VKP_##field, (v), 1))

/* Sets the three fields FIELD0..FIELD2 (consecutive in vk_params.def) to the n_spatial
 * values v widened to three spatial dims, as the reference's window loop: leading dims
 * get lead (1 for sizes, 0 for padding). */
void eml_vk_put3_i(eml_vk_dispatch *d, uint32_t id0, const int64_t *v, uint32_t n_spatial,
		   int64_t lead, int fixed);
#define EML_VK_CHECK_3(field)                                                              \
	((void)sizeof(char[EML_VKP_##field##2 == EML_VKP_##field##0 + 2 &&                 \
			   EML_VKP_##field##0_TYPE == EML_VK_INT ? 1 : -1]))
#define EML_VK_SET3_I(d, field, v, n_spatial, lead)                                        \
	(EML_VK_CHECK_3(field), eml_vk_put3_i((d), EML_VKP_##field##0, (v), (n_spatial), (lead), 0))
#define EML_VK_FIX3_I(d, field, v, n_spatial, lead)                                        \
	(EML_VK_CHECK_3(field), eml_vk_put3_i((d), EML_VKP_##field##0, (v), (n_spatial), (lead), 1))

/* Appends "#define name value" to the macros. */
void eml_vk_macro(eml_vk_dispatch *d, const char *name, const char *value);
/* Appends n parameter words (ints or float bits); fails only when out of memory. */
edgeml_status eml_vk_param_i(eml_vk_dispatch *d, const int32_t *v, uint32_t n);
edgeml_status eml_vk_param_f(eml_vk_dispatch *d, const float *v, uint32_t n);
/* The GLSL type of an element type ("int8_t", "uint8_t", "float", "int"), NULL if none. */
const char *eml_vk_glsl_type(uint32_t dtype);

/* Input k of node as a graph tensor descriptor, NULL when absent or out of range. */
const eml_tensor *eml_vk_input(const eml_graph *g, const eml_node *node, uint32_t k);
/* The constant, positive, finite scales of input k (what the GPU kernels bake in). */
edgeml_status eml_vk_scales(const eml_graph *g, const eml_node *node, uint32_t k,
			    const float **scales, int64_t *count);
/* Element i of constant zero-point input k (element 0 when it holds one), 0 when absent. */
edgeml_status eml_vk_zero_point(const eml_graph *g, const eml_node *node, uint32_t k, int64_t i,
				int32_t *zp);
/* The first scale of constant input k_scale and the zero point at k_zp (0 when absent): a
 * per-tensor operand's quantization, as the op's params name the slots. */
edgeml_status eml_vk_qparam(const eml_graph *g, const eml_node *node, uint32_t k_scale,
			    uint32_t k_zp, float *scale, int32_t *zp);
/* Sets *p to the node's typed params (ops/op_params.h; decoded into *tmp for a graph built
 * in memory). */
edgeml_status eml_vk_params(const eml_graph *g, const eml_node *node, eml_op_params *tmp,
			    const eml_op_params **p);

/* fconv.comp (tiled direct convolution with float multiply-adds): the output channels of a
 * tile for s: 8 or 4 when a group has that many and the weights are packed (pack), else 1. */
int64_t eml_vk_fconv_tile(const eml_qconv_shape *s, int pack);
/* Appends the weights w (out_ch x cg x kvol floats, the node's layout) packed for tiles of
 * mt (8 or 4) channels: per group and block of mt channels [input channel][kernel
 * position][mt], zeros past the group's last channel; as floats, or (w8, weights that are
 * integers in [-128, 127]) as int8s, four a word. They must start the parameters (the
 * shader reads the floats as vec4). */
edgeml_status eml_vk_fconv_pack(eml_vk_dispatch *d, const float *w, const eml_qconv_shape *s,
				int64_t mt, int w8);
/* Sets fconv.comp's macro MT and its shape words (FCONV_CIN .. FCONV_TILES: channels,
 * spatial sizes, kernel, strides and dilations as specialization constants, the tile counts
 * for mt channels per tile, chunk and mult_at); sets d's invocation count to its tiles. */
void eml_vk_fconv_shape(eml_vk_dispatch *d, const eml_qconv_shape *s, int64_t mt, int64_t chunk,
			int64_t mult_at);

/* Appends the broadcast layout of y = a op b: rank, y's dims, a's and b's element strides
 * (0 on broadcast axes). */
edgeml_status eml_vk_broadcast_params(const eml_tensor *a, const eml_tensor *b,
				      const eml_tensor *y, eml_vk_dispatch *d);

/* Builders, one per op family; each reports an op it cannot run as unsupported. */
edgeml_status eml_vk_build_qconv(const eml_graph *g, const eml_node *node, eml_vk_kernel *k);
edgeml_status eml_vk_build_conv(const eml_graph *g, const eml_node *node, eml_vk_kernel *k);
edgeml_status eml_vk_build_qgemm(const eml_graph *g, const eml_node *node, eml_vk_kernel *k);
edgeml_status eml_vk_build_gemm(const eml_graph *g, const eml_node *node, eml_vk_kernel *k);
edgeml_status eml_vk_build_quantize(const eml_graph *g, const eml_node *node, eml_vk_kernel *k);
edgeml_status eml_vk_build_qbinary(const eml_graph *g, const eml_node *node, eml_vk_kernel *k);
edgeml_status eml_vk_build_binary(const eml_graph *g, const eml_node *node, eml_vk_kernel *k);
edgeml_status eml_vk_build_pool(const eml_graph *g, const eml_node *node, eml_vk_kernel *k);
edgeml_status eml_vk_build_unary(const eml_graph *g, const eml_node *node, eml_vk_kernel *k);
edgeml_status eml_vk_build_movement(const eml_graph *g, const eml_node *node, eml_vk_kernel *k);
edgeml_status eml_vk_build_pad(const eml_graph *g, const eml_node *node, eml_vk_kernel *k);
edgeml_status eml_vk_build_resize(const eml_graph *g, const eml_node *node, eml_vk_kernel *k);
/* ImagePreprocess (vk_ops_image.c). */
edgeml_status eml_vk_build_image(const eml_graph *g, const eml_node *node, eml_vk_kernel *k);
/* ReduceMean, ReduceSum, ReduceMax of floats (vk_ops_float.c). */
edgeml_status eml_vk_build_reduce(const eml_graph *g, const eml_node *node, eml_vk_kernel *k);
/* Softmax and LayerNormalization of floats (vk_ops_float.c). */
edgeml_status eml_vk_build_normalize(const eml_graph *g, const eml_node *node,
				     eml_vk_kernel *k);
/* ConvTranspose of floats (vk_ops_float.c). */
edgeml_status eml_vk_build_convt(const eml_graph *g, const eml_node *node, eml_vk_kernel *k);
/* BatchNormalization of floats (vk_ops_float.c). */
edgeml_status eml_vk_build_bnorm(const eml_graph *g, const eml_node *node, eml_vk_kernel *k);
/* LSTM and GRU of floats (vk_ops_rnn.c). */
edgeml_status eml_vk_build_rnn(const eml_graph *g, const eml_node *node, eml_vk_kernel *k);
/* QLinearSoftmax (vk_ops_quant.c). */
edgeml_status eml_vk_build_qsoftmax(const eml_graph *g, const eml_node *node, eml_vk_kernel *k);

#endif /* EML_VK_OPS_H */
