/* vk_ops.c — the op → builder table of the Vulkan backend and the helpers builders share. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quant/quant.h"
#include "error.h"
#include "ops/ops.h"
#include "vulkan/vk_ops.h"

typedef edgeml_status (*build_fn)(const eml_graph *g, const eml_node *node, eml_vk_kernel *k);

/* The builder of an op, NULL when the GPU has no kernel for it. */
static build_fn builder(uint32_t op)
{
	switch (op) {
	case EML_OP_QLinearConv:
		return eml_vk_build_qconv;
	case EML_OP_Conv:
		return eml_vk_build_conv;
	case EML_OP_QLinearMatMul:
	case EML_OP_QLinearGemm:
		return eml_vk_build_qgemm;
	case EML_OP_Gemm:
	case EML_OP_MatMul:
		return eml_vk_build_gemm;
	case EML_OP_QuantizeLinear:
	case EML_OP_DequantizeLinear:
		return eml_vk_build_quantize;
	case EML_OP_QLinearAdd:
	case EML_OP_QLinearMul:
		return eml_vk_build_qbinary;
	case EML_OP_Add:
	case EML_OP_Sub:
	case EML_OP_Mul:
	case EML_OP_Div:
	case EML_OP_Pow:
		return eml_vk_build_binary;
	case EML_OP_MaxPool:
	case EML_OP_AveragePool:
	case EML_OP_GlobalAveragePool:
	case EML_OP_QLinearAveragePool:
	case EML_OP_QLinearGlobalAveragePool:
		return eml_vk_build_pool;
	case EML_OP_Relu:
	case EML_OP_Clip:
	case EML_OP_LeakyRelu:
	case EML_OP_Sigmoid:
	case EML_OP_HardSigmoid:
	case EML_OP_HardSwish:
	case EML_OP_Tanh:
	case EML_OP_Erf:
	case EML_OP_Sqrt:
	case EML_OP_QLinearLookup:
		return eml_vk_build_unary;
	case EML_OP_Reshape:
	case EML_OP_Flatten:
	case EML_OP_Squeeze:
	case EML_OP_Unsqueeze:
	case EML_OP_Identity:
	case EML_OP_Transpose:
	case EML_OP_Concat:
	case EML_OP_Slice:
	case EML_OP_Split:
	case EML_OP_QLinearConcat:
	case EML_OP_Gather:
		return eml_vk_build_movement;
	case EML_OP_Resize:
		return eml_vk_build_resize;
	case EML_OP_Pad:
		return eml_vk_build_pad;
	case EML_OP_ImagePreprocess:
		return eml_vk_build_image;
	case EML_OP_QLinearSoftmax:
		return eml_vk_build_qsoftmax;
	case EML_OP_ReduceMean:
	case EML_OP_ReduceSum:
	case EML_OP_ReduceMax:
		return eml_vk_build_reduce;
	case EML_OP_Softmax:
	case EML_OP_LayerNormalization:
		return eml_vk_build_normalize;
	case EML_OP_ConvTranspose:
		return eml_vk_build_convt;
	case EML_OP_BatchNormalization:
		return eml_vk_build_bnorm;
	case EML_OP_LSTM:
	case EML_OP_GRU:
		return eml_vk_build_rnn;
	default:
		return NULL;
	}
}

edgeml_status eml_vk_build(const eml_graph *g, const eml_node *node,
			   const eml_vk_device_info *info, eml_vk_kernel *k)
{
	memset(k, 0, sizeof(*k));
	k->info = info;
	build_fn fn = builder(node->op);
	if (!fn)
		return eml_error(EDGEML_ERR_UNSUPPORTED, "the Vulkan backend has no shader for %s",
				 eml_op_name(node->op) ? eml_op_name(node->op) : "this op");
	for (uint32_t i = 0; i < node->n_outputs; i++)
		if (node->outputs[i] != EML_NO_TENSOR &&
		    eml_tensor_numel(&g->tensors[node->outputs[i]]) > INT32_MAX)
			return eml_error(EDGEML_ERR_UNSUPPORTED,
					 "output %u has more than 2^31 elements", i);
	edgeml_status st = fn(g, node, k);
	if (st != EDGEML_OK)
		eml_vk_kernel_free(k);
	return st;
}

void eml_vk_kernel_free(eml_vk_kernel *k)
{
	for (uint32_t i = 0; i < k->n; i++)
		free(k->d[i].params);
	memset(k, 0, sizeof(*k));
}

eml_vk_dispatch *eml_vk_add_dispatch(eml_vk_kernel *k, const char *shader, uint64_t invocations)
{
	if (k->n == EML_VK_MAX_DISPATCH)
		return NULL;
	eml_vk_dispatch *d = &k->d[k->n++];
	memset(d, 0, sizeof(*d));
	d->shader = shader;
	d->invocations = invocations;
	return d;
}

void eml_vk_bind(eml_vk_dispatch *d, uint32_t t)
{
	if (d->n_tensors < EML_VK_MAX_BINDINGS)
		d->tensors[d->n_tensors++] = t;
}

void eml_vk_put_i(eml_vk_dispatch *d, uint32_t id, int64_t v, int fixed)
{
	uint32_t i = id - EML_VK_SPEC_BASE;
	if (id < EML_VK_SPEC_BASE || i >= EML_VK_MAX_SPEC)
		return; /* the generated layout keeps ids in range (vk_params.h) */
	d->spec[i] = (uint32_t)(int32_t)v;
	if (fixed)
		d->fixed |= (uint64_t)1 << i;
	else
		d->fixed &= ~((uint64_t)1 << i);
	if (d->n_spec <= i)
		d->n_spec = i + 1;
}

void eml_vk_put_f(eml_vk_dispatch *d, uint32_t id, float v, int fixed)
{
	uint32_t bits;
	memcpy(&bits, &v, sizeof(bits));
	eml_vk_put_i(d, id, (int32_t)bits, fixed);
}

void eml_vk_put3_i(eml_vk_dispatch *d, uint32_t id0, const int64_t *v, uint32_t n_spatial,
		   int64_t lead, int fixed)
{
	uint32_t n_lead = 3 - n_spatial;
	for (uint32_t i = 0; i < 3; i++)
		eml_vk_put_i(d, id0 + i, i < n_lead ? lead : v[i - n_lead], fixed);
}

void eml_vk_macro(eml_vk_dispatch *d, const char *name, const char *value)
{
	size_t len = strlen(d->macros);
	snprintf(d->macros + len, sizeof(d->macros) - len, "#define %s %s\n", name, value);
}

/* Appends n 32-bit words to d's parameters. */
static edgeml_status param_words(eml_vk_dispatch *d, const void *v, uint32_t n)
{
	uint32_t *p = realloc(d->params, ((size_t)d->n_params + n) * sizeof(*p) + 4);
	if (!p)
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for shader parameters");
	memcpy(p + d->n_params, v, (size_t)n * sizeof(*p));
	d->params = p;
	d->n_params += n;
	return EDGEML_OK;
}

edgeml_status eml_vk_param_i(eml_vk_dispatch *d, const int32_t *v, uint32_t n)
{
	return param_words(d, v, n);
}

edgeml_status eml_vk_param_f(eml_vk_dispatch *d, const float *v, uint32_t n)
{
	return param_words(d, v, n);
}

const char *eml_vk_glsl_type(uint32_t dtype)
{
	switch (dtype) {
	case EDGEML_DTYPE_INT8:
		return "int8_t";
	case EDGEML_DTYPE_UINT8:
		return "uint8_t";
	case EDGEML_DTYPE_FLOAT32:
		return "float";
	case EDGEML_DTYPE_INT32:
		return "int";
	default:
		return NULL;
	}
}

const eml_tensor *eml_vk_input(const eml_graph *g, const eml_node *node, uint32_t k)
{
	if (k >= node->n_inputs || node->inputs[k] == EML_NO_TENSOR)
		return NULL;
	return &g->tensors[node->inputs[k]];
}

edgeml_status eml_vk_scales(const eml_graph *g, const eml_node *node, uint32_t k,
			    const float **scales, int64_t *count)
{
	const eml_tensor *t = eml_vk_input(g, node, k);
	if (!t || t->dtype != EDGEML_DTYPE_FLOAT32)
		return eml_error(EDGEML_ERR_FORMAT, "input %u: missing or non-float scale", k);
	if (!(t->flags & EML_TF_CONSTANT) || !t->data)
		return eml_error(EDGEML_ERR_UNSUPPORTED,
				 "input %u (scale '%s') is not a constant: the GPU kernels bake "
				 "scales in at session creation",
				 k, t->name ? t->name : "");
	const float *s = t->data;
	int64_t n = eml_tensor_numel(t);
	for (int64_t i = 0; i < n; i++)
		if (!(s[i] > 0.0f) || !isfinite(s[i]))
			return eml_error(EDGEML_ERR_FORMAT,
					 "input %u (tensor '%s'): scale[%lld] = %g, scales must "
					 "be positive and finite",
					 k, t->name ? t->name : "", (long long)i, (double)s[i]);
	*scales = s;
	*count = n;
	return EDGEML_OK;
}

edgeml_status eml_vk_zero_point(const eml_graph *g, const eml_node *node, uint32_t k, int64_t i,
				int32_t *zp)
{
	const eml_tensor *t = eml_vk_input(g, node, k);
	*zp = 0;
	if (!t)
		return EDGEML_OK;
	if (!(t->flags & EML_TF_CONSTANT) || !t->data)
		return eml_error(EDGEML_ERR_UNSUPPORTED,
				 "input %u (zero point '%s') is not a constant: the GPU kernels "
				 "bake zero points in at session creation",
				 k, t->name ? t->name : "");
	int64_t n = eml_tensor_numel(t);
	if (n == 0 || (n != 1 && i >= n))
		return eml_error(EDGEML_ERR_FORMAT, "input %u: zero point has %lld elements", k,
				 (long long)n);
	*zp = eml_q_load(t->data, t->dtype, n == 1 ? 0 : i);
	return EDGEML_OK;
}

edgeml_status eml_vk_qparam(const eml_graph *g, const eml_node *node, uint32_t k_scale,
			    uint32_t k_zp, float *scale, int32_t *zp)
{
	const float *s;
	int64_t n;
	edgeml_status st = eml_vk_scales(g, node, k_scale, &s, &n);
	if (st != EDGEML_OK)
		return st;
	*scale = s[0];
	return eml_vk_zero_point(g, node, k_zp, 0, zp);
}

edgeml_status eml_vk_params(const eml_graph *g, const eml_node *node, eml_op_params *tmp,
			    const eml_op_params **p)
{
	return eml_node_params(g, node, NULL, tmp, p);
}

/* The volume of s's kernel. */
static int64_t kernel_volume(const eml_qconv_shape *s)
{
	int64_t kvol = 1;
	for (uint32_t i = 0; i < s->g.n_spatial; i++)
		kvol *= s->g.kernel[i];
	return kvol;
}

int64_t eml_vk_fconv_tile(const eml_qconv_shape *s, int pack)
{
	int64_t mg = s->out_ch / s->group;
	return !pack || mg < 4 ? 1 : mg >= 8 ? 8 : 4;
}

edgeml_status eml_vk_fconv_pack(eml_vk_dispatch *d, const float *w, const eml_qconv_shape *s,
				int64_t mt, int w8)
{
	int64_t cg = s->in_ch / s->group, mg = s->out_ch / s->group, mb = (mg + mt - 1) / mt;
	int64_t kvol = kernel_volume(s);
	/* The shader indexes the words as int vec4s past the header. */
	if (cg <= 0 || kvol <= 0 || s->group * mb > INT32_MAX / 16 / cg / kvol / mt)
		return eml_error(EDGEML_ERR_UNSUPPORTED,
				 "%lld x %lld x %lld convolution weights are too many for the GPU "
				 "kernel",
				 (long long)s->out_ch, (long long)cg, (long long)kvol);
	uint32_t n = (uint32_t)(s->group * mb * cg * kvol * mt);
	/* mt is a multiple of 4, so the int8s fill whole words. */
	uint32_t words = w8 ? n / 4 : n;
	uint32_t *p = calloc(words, sizeof(*p));
	if (!p)
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for %u packed weights", n);
	for (int64_t m = 0; m < s->out_ch; m++) {
		int64_t blk = m / mg * mb + m % mg / mt, lane = m % mg % mt;
		for (int64_t c = 0; c < cg; c++)
			for (int64_t k = 0; k < kvol; k++) {
				int64_t at = ((blk * cg + c) * kvol + k) * mt + lane;
				float v = w[(m * cg + c) * kvol + k];
				/* Byte at % 4 of the word, as the shader unpacks it. */
				if (w8)
					p[at / 4] |= (uint32_t)(uint8_t)(int8_t)v << (at % 4 * 8);
				else
					memcpy(&p[at], &v, sizeof(v));
			}
	}
	edgeml_status st = eml_vk_param_i(d, (const int32_t *)p, words);
	free(p);
	return st;
}

/* Whether s is a pointwise convolution (1x1 windows at stride 1, no padding): its output
 * plane is its input plane, so fconv.comp may take it as one row. */
static int pointwise(const eml_qconv_shape *s)
{
	for (uint32_t i = 0; i < s->g.n_spatial; i++)
		if (s->g.kernel[i] != 1 || s->g.stride[i] != 1 || s->g.pad_begin[i] != 0 ||
		    s->g.out[i] != s->g.in[i])
			return 0;
	return 1;
}

void eml_vk_fconv_shape(eml_vk_dispatch *d, const eml_qconv_shape *s, int64_t mt, int64_t chunk,
			int64_t mult_at)
{
	/* A pointwise convolution's plane is one row: tiles of 4 do not straddle the ends of
	 * short rows (DS-CNN's are 5 wide, MobileNetV2's last 7) and more of them read their
	 * inputs as aligned vec4s. */
	eml_qconv_shape flat = *s;
	if (pointwise(s)) {
		int64_t plane = 1;
		for (uint32_t i = 0; i < s->g.n_spatial; i++)
			plane *= s->g.in[i];
		flat.g.n_spatial = 1;
		flat.g.in[0] = flat.g.out[0] = plane;
		flat.g.kernel[0] = flat.g.stride[0] = flat.g.dilation[0] = 1;
		flat.g.pad_begin[0] = flat.g.pad_end[0] = 0;
		s = &flat;
	}
	const eml_window_geom *g = &s->g;
	int64_t mg = s->out_ch / s->group, mb = (mg + mt - 1) / mt;
	eml_vk_macro(d, "MT", mt == 8 ? "8" : mt == 4 ? "4" : "1");
	EML_VK_SET_I(d, FCONV_CIN, s->in_ch);
	EML_VK_SET_I(d, FCONV_COUT, s->out_ch);
	EML_VK_SET_I(d, FCONV_CG, s->in_ch / s->group);
	EML_VK_SET_I(d, FCONV_MG, mg);
	/* The code is specialised on the kernel, strides and dilations only. */
	EML_VK_SET3_I(d, FCONV_IN, g->in, g->n_spatial, 1);
	EML_VK_FIX3_I(d, FCONV_K, g->kernel, g->n_spatial, 1);
	EML_VK_FIX3_I(d, FCONV_S, g->stride, g->n_spatial, 1);
	EML_VK_FIX3_I(d, FCONV_D, g->dilation, g->n_spatial, 1);
	EML_VK_SET3_I(d, FCONV_P, g->pad_begin, g->n_spatial, 0);
	EML_VK_SET3_I(d, FCONV_OUT, g->out, g->n_spatial, 1);
	int64_t plane = 1, rows = 1, out2 = g->out[g->n_spatial - 1];
	for (uint32_t i = 0; i < g->n_spatial; i++) {
		plane *= g->out[i];
		if (i + 1 < g->n_spatial)
			rows *= g->out[i];
	}
	int64_t w4 = (out2 + 3) / 4;
	EML_VK_SET_I(d, FCONV_OUT_PLANE, plane);
	EML_VK_SET_I(d, FCONV_W4, w4);
	EML_VK_SET_I(d, FCONV_MB, mb);
	EML_VK_SET_I(d, FCONV_GROUPS, s->group);
	EML_VK_SET_I(d, FCONV_CHUNK, chunk);
	EML_VK_SET_I(d, FCONV_MULT_AT, mult_at);
	EML_VK_SET_I(d, FCONV_TILES, w4 * rows);
	d->invocations = (uint64_t)(s->batch * s->group * mb * rows * w4);
}
