/* vk_ops_float.c — Vulkan dispatches of the float ops: Conv, Gemm, MatMul, the binary
 * element-wise ops, the activations (with QLinearLookup, the quantized activation), the
 * reductions, Softmax, LayerNormalization, BatchNormalization and ConvTranspose. Float
 * results agree with the reference to rounding (sums may run in another order). */
#include <math.h>
#include <stdlib.h>

#include "error.h"
#include "ops/infer_qcommon.h"
#include "ops/convtranspose_params.h"
#include "ops/infer_helpers.h"
#include "ops/ops.h"
#include "ops/reduce_params.h"
#include "vulkan/vk_ops.h"

/* Fails unless every listed tensor is float32. */
static edgeml_status need_float(const eml_tensor *const *t, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if (t[i] && t[i]->dtype != EDGEML_DTYPE_FLOAT32)
			return eml_error(EDGEML_ERR_UNSUPPORTED,
					 "%s tensors have no GPU kernel for this op",
					 edgeml_dtype_name((edgeml_dtype)t[i]->dtype));
	return EDGEML_OK;
}

edgeml_status eml_vk_build_conv(const eml_graph *g, const eml_node *node, eml_vk_kernel *k)
{
	const eml_tensor *x = eml_vk_input(g, node, 0), *w = eml_vk_input(g, node, 1);
	const eml_tensor *b = eml_vk_input(g, node, 2), *y = &g->tensors[node->outputs[0]];
	const eml_tensor *all[] = { x, w, b, y };
	eml_op_params tmp;
	const eml_op_params *op;
	edgeml_status st = need_float(all, 4);
	if (st == EDGEML_OK)
		st = eml_vk_params(g, node, &tmp, &op);
	if (st != EDGEML_OK)
		return st;
	const eml_conv_params *p = &op->conv;
	const eml_qconv_shape *s = &p->shape;
	/* Tiles of 4 or 8 output channels of a group read their weights packed as vec4
	 * (constant weights only); depthwise layers and other groups of fewer than 4
	 * channels, or weights given at run time, take 1 channel per tile and the node's
	 * weights. */
	int64_t mt = eml_vk_fconv_tile(s, (w->flags & EML_TF_CONSTANT) && w->data);
	int pack = mt >= 4;
	eml_vk_dispatch *d = eml_vk_add_dispatch(k, "fconv.comp", 0);
	if (pack)
		st = eml_vk_fconv_pack(d, w->data, s, mt, 0);
	if (st != EDGEML_OK)
		return st;
	eml_vk_macro(d, "X_T", "float");
	eml_vk_macro(d, "Y_T", "float");
	eml_vk_macro(d, "QUANT", "0");
	eml_vk_macro(d, "W8", "0");
	eml_vk_macro(d, "HAS_BIAS", b ? "1" : "0");
	static const char *const act_fn[EML_ACT_FN_COUNT] = { "0", "1", "2", "3", "4" };
	eml_vk_macro(d, "ACT_FN", act_fn[p->act_fn]);
	eml_vk_bind(d, node->inputs[0]);
	/* Packed, the weights are in the parameters: X in W's place keeps W off the device. */
	eml_vk_bind(d, node->inputs[pack ? 0 : 1]);
	eml_vk_bind(d, node->outputs[0]);
	if (b)
		eml_vk_bind(d, node->inputs[2]);
	eml_vk_fconv_shape(d, s, mt, s->in_ch / s->group, 0);
	EML_VK_SET_F(d, FCONV_ACT_LO, p->act_min);
	EML_VK_SET_F(d, FCONV_ACT_HI, p->act_max);
	EML_VK_SET_F(d, FCONV_ACT_ALPHA, p->act_alpha);
	EML_VK_SET_F(d, FCONV_ACT_BETA, p->act_beta);
	return EDGEML_OK;
}

edgeml_status eml_vk_build_gemm(const eml_graph *g, const eml_node *node, eml_vk_kernel *k)
{
	int gemm = node->op == EML_OP_Gemm;
	const eml_tensor *a = eml_vk_input(g, node, 0), *b = eml_vk_input(g, node, 1);
	const eml_tensor *c = gemm ? eml_vk_input(g, node, 2) : NULL;
	const eml_tensor *y = &g->tensors[node->outputs[0]];
	const eml_tensor *all[] = { a, b, c, y };
	eml_op_params tmp;
	const eml_op_params *op;
	edgeml_status st = need_float(all, 4);
	if (st == EDGEML_OK)
		st = eml_vk_params(g, node, &tmp, &op);
	if (st != EDGEML_OK)
		return st;
	/* MatMul is a Gemm of untransposed matrices per batch, alpha 1, no C. */
	eml_gemm_params p;
	const eml_matmul_shape *s = gemm ? NULL : &op->matmul.shape;
	if (gemm)
		p = op->gemm;
	else
		p = (eml_gemm_params){ .alpha = 1.0f, .beta = 1.0f, .m = s->m, .n = s->n,
				       .k = s->k, .a_row = s->k, .a_col = 1, .b_row = s->n,
				       .b_col = 1, .act_min = op->matmul.act_min,
				       .act_max = op->matmul.act_max };
	eml_vk_dispatch *d = eml_vk_add_dispatch(k, "gemm.comp", (uint64_t)eml_tensor_numel(y));
	for (int64_t batch = 0; !gemm && batch < s->batches && st == EDGEML_OK; batch++) {
		int64_t ma, mb;
		eml_matmul_batch(s, batch, &ma, &mb);
		int32_t off[2] = { (int32_t)(ma * p.m * p.k), (int32_t)(mb * p.k * p.n) };
		st = eml_vk_param_i(d, off, 2);
	}
	if (st != EDGEML_OK)
		return st;
	eml_vk_macro(d, "HAS_C", c ? "1" : "0");
	eml_vk_macro(d, "HAS_BATCH", gemm ? "0" : "1");
	eml_vk_bind(d, node->inputs[0]);
	eml_vk_bind(d, node->inputs[1]);
	eml_vk_bind(d, node->outputs[0]);
	if (c)
		eml_vk_bind(d, node->inputs[2]);
	EML_VK_FIX_I(d, GEMM_M, p.m);
	EML_VK_FIX_I(d, GEMM_N, p.n);
	EML_VK_FIX_I(d, GEMM_K, p.k);
	EML_VK_FIX_I(d, GEMM_A_RS, p.a_row);
	EML_VK_FIX_I(d, GEMM_A_CS, p.a_col);
	EML_VK_FIX_I(d, GEMM_B_RS, p.b_row);
	EML_VK_FIX_I(d, GEMM_B_CS, p.b_col);
	EML_VK_FIX_I(d, GEMM_C_RS, p.c_stride[0]);
	EML_VK_FIX_I(d, GEMM_C_CS, p.c_stride[1]);
	EML_VK_FIX_F(d, GEMM_ALPHA, p.alpha);
	EML_VK_FIX_F(d, GEMM_BETA, p.beta);
	EML_VK_FIX_F(d, GEMM_ACT_LO, p.act_min);
	EML_VK_FIX_F(d, GEMM_ACT_HI, p.act_max);
	return EDGEML_OK;
}

edgeml_status eml_vk_build_binary(const eml_graph *g, const eml_node *node, eml_vk_kernel *k)
{
	const eml_tensor *a = eml_vk_input(g, node, 0), *b = eml_vk_input(g, node, 1);
	const eml_tensor *y = &g->tensors[node->outputs[0]];
	const eml_tensor *all[] = { a, b, y };
	eml_op_params tmp;
	const eml_op_params *prm;
	float lo = -INFINITY, hi = INFINITY;
	edgeml_status st = need_float(all, 3);
	/* Pow has no params: no fused activation */
	if (st == EDGEML_OK && node->op != EML_OP_Pow) {
		st = eml_vk_params(g, node, &tmp, &prm);
		if (st == EDGEML_OK) {
			lo = prm->eltwise.act_min;
			hi = prm->eltwise.act_max;
		}
	}
	if (st != EDGEML_OK)
		return st;
	eml_vk_dispatch *d = eml_vk_add_dispatch(k, "binary.comp", (uint64_t)eml_tensor_numel(y));
	st = eml_vk_broadcast_params(a, b, y, d);
	if (st != EDGEML_OK)
		return st;
	const char *op = node->op == EML_OP_Add ? "0" :
			 node->op == EML_OP_Sub ? "1" :
			 node->op == EML_OP_Mul ? "2" :
			 node->op == EML_OP_Div ? "3" : "4";
	eml_vk_macro(d, "OP", op);
	eml_vk_bind(d, node->inputs[0]);
	eml_vk_bind(d, node->inputs[1]);
	eml_vk_bind(d, node->outputs[0]);
	EML_VK_FIX_F(d, BINARY_ACT_LO, lo);
	EML_VK_FIX_F(d, BINARY_ACT_HI, hi);
	return EDGEML_OK;
}

/* A constant scalar bound of Clip (input k), or def when absent or empty. */
static edgeml_status clip_bound(const eml_graph *g, const eml_node *node, uint32_t k, float def,
				float *out)
{
	const eml_tensor *t = eml_vk_input(g, node, k);
	*out = def;
	if (!t || eml_tensor_numel(t) == 0)
		return EDGEML_OK;
	if (!(t->flags & EML_TF_CONSTANT) || !t->data)
		return eml_error(EDGEML_ERR_UNSUPPORTED,
				 "Clip bound '%s' is not a constant: the GPU kernel bakes it in",
				 t->name ? t->name : "");
	*out = *(const float *)t->data;
	return EDGEML_OK;
}

edgeml_status eml_vk_build_unary(const eml_graph *g, const eml_node *node, eml_vk_kernel *k)
{
	const eml_tensor *x = eml_vk_input(g, node, 0), *y = &g->tensors[node->outputs[0]];
	uint64_t n = (uint64_t)eml_tensor_numel(y);
	if (node->op == EML_OP_QLinearLookup) {
		const eml_tensor *table = eml_vk_input(g, node, 1);
		const char *xt = eml_vk_glsl_type(x->dtype), *yt = eml_vk_glsl_type(y->dtype);
		if (!xt || !yt || !table || table->dtype != y->dtype)
			return eml_error(EDGEML_ERR_UNSUPPORTED, "QLinearLookup of these types");
		eml_vk_dispatch *d = eml_vk_add_dispatch(k, "lookup.comp", n);
		eml_vk_macro(d, "X_T", xt);
		eml_vk_macro(d, "Y_T", yt);
		eml_vk_macro(d, "X_SIGNED", x->dtype == EDGEML_DTYPE_INT8 ? "1" : "0");
		eml_vk_bind(d, node->inputs[0]);
		eml_vk_bind(d, node->inputs[1]);
		eml_vk_bind(d, node->outputs[0]);
		return EDGEML_OK;
	}
	const eml_tensor *all[] = { x, y };
	edgeml_status st = need_float(all, 2);
	float p0 = 0.0f, p1 = 0.0f;
	eml_op_params tmp;
	const eml_op_params *prm;
	int act;
	switch (node->op) {
	case EML_OP_Relu:
		act = 0;
		break;
	case EML_OP_Clip:
		act = 1;
		if (st == EDGEML_OK)
			st = clip_bound(g, node, 1, -INFINITY, &p0);
		if (st == EDGEML_OK)
			st = clip_bound(g, node, 2, INFINITY, &p1);
		break;
	case EML_OP_LeakyRelu:
		act = 2;
		if (st == EDGEML_OK)
			st = eml_vk_params(g, node, &tmp, &prm);
		if (st == EDGEML_OK)
			p0 = prm->eltwise.alpha;
		break;
	case EML_OP_Sigmoid:
		act = 3;
		break;
	case EML_OP_HardSigmoid:
		act = 4;
		if (st == EDGEML_OK)
			st = eml_vk_params(g, node, &tmp, &prm);
		if (st == EDGEML_OK) {
			p0 = prm->eltwise.alpha;
			p1 = prm->eltwise.beta;
		}
		break;
	case EML_OP_HardSwish:
		act = 5;
		break;
	case EML_OP_Erf:
		act = 7;
		break;
	case EML_OP_Sqrt:
		act = 8;
		break;
	default:
		act = 6;
		break;
	}
	if (st != EDGEML_OK)
		return st;
	eml_vk_dispatch *d = eml_vk_add_dispatch(k, "unary.comp", n);
	char code[2] = { (char)('0' + act), 0 };
	eml_vk_macro(d, "ACT", code);
	eml_vk_bind(d, node->inputs[0]);
	eml_vk_bind(d, node->outputs[0]);
	EML_VK_FIX_F(d, UNARY_P0, p0);
	EML_VK_FIX_F(d, UNARY_P1, p1);
	return EDGEML_OK;
}

/* ReduceMean, ReduceSum, ReduceMax of floats (reduce.comp): the reference's walk of the kept
 * axes (outputs) and the reduced ones (each output's box), innermost first. */
edgeml_status eml_vk_build_reduce(const eml_graph *g, const eml_node *node, eml_vk_kernel *k)
{
	const eml_tensor *x = eml_vk_input(g, node, 0), *y = &g->tensors[node->outputs[0]];
	const eml_tensor *in[2] = { x, eml_vk_input(g, node, 1) };
	const eml_tensor *all[] = { x, y };
	eml_op_params tmp;
	const eml_op_params *op = NULL;
	edgeml_status st = need_float(all, 2);
	if (st == EDGEML_OK && in[1] && (!(in[1]->flags & EML_TF_CONSTANT) || !in[1]->data))
		st = eml_error(EDGEML_ERR_UNSUPPORTED, "axes given at run time");
	if (st == EDGEML_OK)
		st = eml_vk_params(g, node, &tmp, &op);
	if (st != EDGEML_OK)
		return st;
	const eml_reduce_axes p = op->reduce;
	int32_t kd[EML_MAX_RANK], ks[EML_MAX_RANK], rd[EML_MAX_RANK], rs[EML_MAX_RANK];
	int32_t nk = 0, nr = 0;
	int64_t stride = 1, box = 1;
	for (uint32_t d = x->rank; d-- > 0;) {
		if (p.mask & (1u << d)) {
			rd[nr] = (int32_t)x->dims[d];
			rs[nr++] = (int32_t)stride;
			box *= x->dims[d];
		} else {
			kd[nk] = (int32_t)x->dims[d];
			ks[nk++] = (int32_t)stride;
		}
		stride *= x->dims[d];
	}
	eml_vk_dispatch *d = eml_vk_add_dispatch(k, "reduce.comp", (uint64_t)eml_tensor_numel(y));
	eml_vk_macro(d, "MODE", node->op == EML_OP_ReduceMean ? "0" :
				node->op == EML_OP_ReduceSum ? "1" : "2");
	EML_VK_SET_I(d, REDUCE_NK, nk);
	EML_VK_SET_I(d, REDUCE_NR, nr);
	EML_VK_SET_I(d, REDUCE_BOX, box);
	eml_vk_bind(d, node->inputs[0]);
	eml_vk_bind(d, node->outputs[0]);
	st = eml_vk_param_i(d, kd, (uint32_t)nk);
	if (st == EDGEML_OK)
		st = eml_vk_param_i(d, ks, (uint32_t)nk);
	if (st == EDGEML_OK)
		st = eml_vk_param_i(d, rd, (uint32_t)nr);
	if (st == EDGEML_OK)
		st = eml_vk_param_i(d, rs, (uint32_t)nr);
	return st;
}

/* Softmax (softmax.comp, one invocation per row) and LayerNormalization (layernorm.comp,
 * rows of the dims from axis on; Scale and B of the row's size or one element, no Mean or
 * InvStdDev outputs) of floats. */
edgeml_status eml_vk_build_normalize(const eml_graph *g, const eml_node *node,
				     eml_vk_kernel *k)
{
	const eml_tensor *x = eml_vk_input(g, node, 0), *y = &g->tensors[node->outputs[0]];
	const eml_tensor *sc = eml_vk_input(g, node, 1), *b = eml_vk_input(g, node, 2);
	const eml_tensor *all[] = { x, y, sc, b };
	eml_op_params tmp;
	const eml_op_params *op = NULL;
	int ln = node->op == EML_OP_LayerNormalization;
	edgeml_status st = need_float(all, ln ? 4 : 2);
	if (st == EDGEML_OK)
		st = eml_vk_params(g, node, &tmp, &op);
	if (st != EDGEML_OK)
		return st;
	if (!ln) {
		int64_t outer = op->softmax.outer, len = op->softmax.len, inner = op->softmax.inner;
		eml_vk_dispatch *d =
			eml_vk_add_dispatch(k, "softmax.comp", len ? (uint64_t)(outer * inner) : 0);
		eml_vk_bind(d, node->inputs[0]);
		eml_vk_bind(d, node->outputs[0]);
		EML_VK_SET_I(d, SOFTMAX_LEN, len);
		EML_VK_SET_I(d, SOFTMAX_INNER, inner);
		return EDGEML_OK;
	}
	/* the rows of the dims from axis on */
	int64_t outer = op->layernorm.rows, len = op->layernorm.len;
	for (uint32_t i = 1; i < node->n_outputs; i++)
		if (node->outputs[i] != EML_NO_TENSOR)
			return eml_error(EDGEML_ERR_UNSUPPORTED, "LayerNormalization's Mean and "
				 "InvStdDev outputs have no GPU kernel");
	int64_t sl = eml_tensor_numel(sc), bl = b ? eml_tensor_numel(b) : 1;
	if ((sl != len && sl != 1) || (bl != len && bl != 1))
		return eml_error(EDGEML_ERR_UNSUPPORTED, "LayerNormalization's Scale and B must "
				 "hold the normalized elements or one");
	float eps = op->layernorm.epsilon;
	eml_vk_dispatch *d = eml_vk_add_dispatch(k, "layernorm.comp", len ? (uint64_t)outer : 0);
	eml_vk_macro(d, "HAS_B", b ? "1" : "0");
	eml_vk_bind(d, node->inputs[0]);
	eml_vk_bind(d, node->inputs[1]);
	if (b)
		eml_vk_bind(d, node->inputs[2]);
	eml_vk_bind(d, node->outputs[0]);
	EML_VK_SET_I(d, LAYERNORM_LEN, len);
	EML_VK_SET_I(d, LAYERNORM_S_LEN, sl);
	EML_VK_SET_I(d, LAYERNORM_B_LEN, bl);
	EML_VK_SET_F(d, LAYERNORM_EPS, eps);
	return EDGEML_OK;
}

/* ConvTranspose of floats (convt.comp): one invocation per output element, the geometry of
 * eml_convt_geometry (the reference's); kernel, strides and dilations are specialization
 * constants. */
edgeml_status eml_vk_build_convt(const eml_graph *g, const eml_node *node, eml_vk_kernel *k)
{
	const eml_tensor *x = eml_vk_input(g, node, 0), *w = eml_vk_input(g, node, 1);
	const eml_tensor *b = eml_vk_input(g, node, 2), *y = &g->tensors[node->outputs[0]];
	const eml_tensor *all[] = { x, w, b, y };
	const eml_tensor *in[3] = { x, w, b };
	eml_op_params tmp;
	const eml_op_params *p = NULL;
	edgeml_status st = need_float(all, 4);
	if (st == EDGEML_OK)
		st = eml_node_params(g, node, in, &tmp, &p);
	if (st != EDGEML_OK)
		return st;
	const eml_convt_geom cg = p->convt.geom;
	const eml_window_geom *gw = &cg.w;
	int has_act = p->convt.act_min > -INFINITY || p->convt.act_max < INFINITY;
	if (gw->n_spatial < 1 || gw->n_spatial > 3)
		return eml_error(EDGEML_ERR_UNSUPPORTED, "ConvTranspose of %u spatial dims",
				 gw->n_spatial);
	eml_vk_dispatch *d = eml_vk_add_dispatch(k, "convt.comp", (uint64_t)eml_tensor_numel(y));
	eml_vk_macro(d, "HAS_BIAS", b ? "1" : "0");
	eml_vk_macro(d, "HAS_ACT", has_act ? "1" : "0");
	eml_vk_bind(d, node->inputs[0]);
	eml_vk_bind(d, node->inputs[1]);
	if (b)
		eml_vk_bind(d, node->inputs[2]);
	eml_vk_bind(d, node->outputs[0]);
	if (has_act) {
		EML_VK_SET_F(d, CONVT_ACT_LO, p->convt.act_min);
		EML_VK_SET_F(d, CONVT_ACT_HI, p->convt.act_max);
	}
	EML_VK_SET_I(d, CONVT_CG, cg.c_in / cg.group);
	EML_VK_SET_I(d, CONVT_MG, cg.m_out / cg.group);
	EML_VK_SET_I(d, CONVT_M, cg.m_out);
	EML_VK_SET_I(d, CONVT_GROUPS, cg.group);
	EML_VK_SET3_I(d, CONVT_IN, gw->in, gw->n_spatial, 1);
	EML_VK_FIX3_I(d, CONVT_K, gw->kernel, gw->n_spatial, 1);
	EML_VK_FIX3_I(d, CONVT_S, gw->stride, gw->n_spatial, 1);
	EML_VK_FIX3_I(d, CONVT_D, gw->dilation, gw->n_spatial, 1);
	EML_VK_SET3_I(d, CONVT_P, gw->pad_begin, gw->n_spatial, 0);
	EML_VK_SET3_I(d, CONVT_OUT, gw->out, gw->n_spatial, 1);
	return EDGEML_OK;
}

/* BatchNormalization of floats with constant parameters (bnorm.comp): each channel's k and b
 * made here by the reference's expressions, so the shader's x * k + b is its result. */
edgeml_status eml_vk_build_bnorm(const eml_graph *g, const eml_node *node, eml_vk_kernel *k)
{
	const eml_tensor *x = eml_vk_input(g, node, 0), *y = &g->tensors[node->outputs[0]];
	const eml_tensor *p[4];
	const eml_tensor *all[] = { x, y };
	edgeml_status st = need_float(all, 2);
	if (st != EDGEML_OK)
		return st;
	if (x->rank < 2 || node->n_outputs > 1)
		return eml_error(EDGEML_ERR_UNSUPPORTED, "BatchNormalization of rank %u or with "
				 "training outputs", x->rank);
	int64_t c_n = x->dims[1], inner = 1;
	for (uint32_t i = 0; i < 4; i++) {
		p[i] = eml_vk_input(g, node, 1 + i);
		if (!p[i] || p[i]->dtype != EDGEML_DTYPE_FLOAT32 ||
		    !(p[i]->flags & EML_TF_CONSTANT) || !p[i]->data ||
		    eml_tensor_numel(p[i]) != c_n)
			return eml_error(EDGEML_ERR_UNSUPPORTED,
					 "BatchNormalization input %u is not a constant of %lld "
					 "floats", 1 + i, (long long)c_n);
	}
	for (uint32_t i = 2; i < x->rank; i++)
		inner *= x->dims[i];
	eml_op_params tmp;
	const eml_op_params *op = NULL;
	st = eml_vk_params(g, node, &tmp, &op);
	if (st != EDGEML_OK)
		return st;
	float eps = op->batchnorm.epsilon;
	const float *scale = p[0]->data, *bias = p[1]->data, *mean = p[2]->data, *var = p[3]->data;
	float *kb = malloc((size_t)(2 * c_n) * sizeof(*kb) + 1);
	if (!kb)
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for BatchNormalization");
	for (int64_t c = 0; c < c_n; c++) {
		kb[c] = scale[c] / sqrtf(var[c] + eps);
		kb[c_n + c] = bias[c] - mean[c] * kb[c];
	}
	eml_vk_dispatch *d = eml_vk_add_dispatch(k, "bnorm.comp", (uint64_t)eml_tensor_numel(y));
	st = eml_vk_param_f(d, kb, (uint32_t)(2 * c_n));
	free(kb);
	if (st != EDGEML_OK)
		return st;
	eml_vk_bind(d, node->inputs[0]);
	eml_vk_bind(d, node->outputs[0]);
	EML_VK_SET_I(d, BNORM_C, c_n);
	EML_VK_SET_I(d, BNORM_INNER, inner);
	return EDGEML_OK;
}
