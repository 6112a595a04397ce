/* vk_ops_float.c — Vulkan dispatches of the float ops: Conv, Gemm, MatMul, the binary
 * element-wise ops and the activations (with QLinearLookup, the quantized activation). Float
 * results agree with the reference to rounding (sums may run in another order). */
#include <math.h>

#include "error.h"
#include "ops/infer_qcommon.h"
#include "ops/ops.h"
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
	eml_vk_bind(d, node->inputs[0]);
	/* Packed, the weights are in the parameters: X in W's place keeps W off the device. */
	eml_vk_bind(d, node->inputs[pack ? 0 : 1]);
	eml_vk_bind(d, node->outputs[0]);
	if (b)
		eml_vk_bind(d, node->inputs[2]);
	eml_vk_fconv_shape(d, s, mt, s->in_ch / s->group, 0);
	EML_VK_SET_F(d, FCONV_ACT_LO, p->act_min);
	EML_VK_SET_F(d, FCONV_ACT_HI, p->act_max);
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
	edgeml_status st = need_float(all, 3);
	if (st == EDGEML_OK)
		st = eml_vk_params(g, node, &tmp, &prm);
	if (st != EDGEML_OK)
		return st;
	eml_vk_dispatch *d = eml_vk_add_dispatch(k, "binary.comp", (uint64_t)eml_tensor_numel(y));
	st = eml_vk_broadcast_params(a, b, y, d);
	if (st != EDGEML_OK)
		return st;
	const char *op = node->op == EML_OP_Add ? "0" :
			 node->op == EML_OP_Sub ? "1" :
			 node->op == EML_OP_Mul ? "2" : "3";
	eml_vk_macro(d, "OP", op);
	eml_vk_bind(d, node->inputs[0]);
	eml_vk_bind(d, node->inputs[1]);
	eml_vk_bind(d, node->outputs[0]);
	EML_VK_FIX_F(d, BINARY_ACT_LO, prm->eltwise.act_min);
	EML_VK_FIX_F(d, BINARY_ACT_HI, prm->eltwise.act_max);
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
