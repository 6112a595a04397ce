/* vk_ops_quant.c — Vulkan dispatches of the quantized ops: QLinearConv, QLinearMatMul,
 * QLinearGemm, QuantizeLinear, DequantizeLinear, QLinearAdd, QLinearMul and QLinearSoftmax.
 * Scales and zero points must be constants: the multipliers are computed here once, in fp32
 * exactly as the reference kernels compute them, so the shaders' results are bit-identical.
 * On devices with integer dot products the convolutions' and matmuls' constant weights are
 * repacked here, four reduction elements a word, for the packed dot-product shader variants;
 * where those are not accelerated, convolutions' weights are centered for fconv.comp (int8s
 * four a word, or floats when they do not fit). */
#include <stdlib.h>
#include <string.h>

#include "quant/quant.h"
#include "error.h"
#include "ops/broadcast.h"
#include "ops/infer_helpers.h"
#include "ops/infer_qcommon.h"
#include "ops/ops.h"
#include "vulkan/vk_ops.h"

/* Sets the element-type macro name of d for dtype; unsupported for other types. */
static edgeml_status type_macro(eml_vk_dispatch *d, const char *name, uint32_t dtype)
{
	const char *t = eml_vk_glsl_type(dtype);
	if (!t)
		return eml_error(EDGEML_ERR_UNSUPPORTED, "element type %s has no shader type",
				 edgeml_dtype_name((edgeml_dtype)dtype));
	eml_vk_macro(d, name, t);
	return EDGEML_OK;
}

/* Whether dtype is uint8 or int8. */
static int is_q8(uint32_t dtype)
{
	return dtype == EDGEML_DTYPE_UINT8 || dtype == EDGEML_DTYPE_INT8;
}

/* Constant weights repacked for the packed dot-product shaders (DOT4): per channel the sum
 * of its centered weights w - w_zp, then the centered weights as signed bytes, for each of
 * `outer` positions ceil(inner / 4) words of four consecutive inner elements (zero-padded). */
typedef struct dot4_weights {
	int32_t *words; /* NULL: the scalar shader runs */
	uint32_t n;
} dot4_weights;

/* Builds dot4_weights of constant input k_w (zero points at input k_wzp) of node, whose
 * element (m, o, i) is at m * m_step + o * o_step + i * i_step; leaves words NULL when the
 * device has no integer dot product, the inputs are not 8-bit, the weights are not constant
 * or a centered weight does not fit a signed byte. */
static edgeml_status dot4_pack(const eml_graph *g, const eml_node *node, const eml_vk_kernel *k,
			       uint32_t k_x, uint32_t k_w, uint32_t k_wzp, int64_t channels,
			       int64_t m_step, int64_t outer, int64_t o_step, int64_t inner,
			       int64_t i_step, dot4_weights *out)
{
	const eml_tensor *x = eml_vk_input(g, node, k_x), *w = eml_vk_input(g, node, k_w);
	out->words = NULL;
	out->n = 0;
	if (!k->info || !k->info->int_dot || !x || !w || !is_q8(x->dtype) || !is_q8(w->dtype) ||
	    !(w->flags & EML_TF_CONSTANT) || !w->data || inner < 4)
		return EDGEML_OK;
	int64_t groups = (inner + 3) / 4, numel = eml_tensor_numel(w);
	/* Every index stays below numel; the words must fit the shaders' int indices. */
	if (channels <= 0 || outer <= 0 || numel <= 0 ||
	    (channels - 1) * m_step + (outer - 1) * o_step + (inner - 1) * i_step >= numel ||
	    channels > INT32_MAX / 8 / outer / groups)
		return EDGEML_OK;
	uint32_t n = (uint32_t)(channels + channels * outer * groups);
	int32_t *words = calloc(n, sizeof(*words));
	if (!words)
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for %u packed weight words", n);
	edgeml_status st = EDGEML_OK;
	int fits = 1;
	for (int64_t m = 0; m < channels && fits && st == EDGEML_OK; m++) {
		int32_t zp, sum = 0;
		st = eml_vk_zero_point(g, node, k_wzp, m, &zp);
		uint32_t *row = (uint32_t *)words + channels + m * outer * groups;
		for (int64_t o = 0; o < outer && fits && st == EDGEML_OK; o++)
			for (int64_t i = 0; i < inner; i++) {
				int32_t v = eml_q_load(w->data, w->dtype,
						       m * m_step + o * o_step + i * i_step) - zp;
				if (v < -128 || v > 127) {
					fits = 0;
					break;
				}
				sum += v;
				row[o * groups + i / 4] |= ((uint32_t)v & 0xffu) << (8 * (i % 4));
			}
		words[m] = sum;
	}
	if (st != EDGEML_OK || !fits) {
		free(words);
		return st;
	}
	out->words = words;
	out->n = n;
	return EDGEML_OK;
}

/* Sets the DOT4 macros of d (flip: the name of the input's lane flip macro) and appends the
 * packed weights when pw holds them. */
static edgeml_status dot4_params(eml_vk_dispatch *d, const dot4_weights *pw, const char *flip,
				 uint32_t x_dtype)
{
	eml_vk_macro(d, "DOT4", pw->words ? "1" : "0");
	eml_vk_macro(d, flip, x_dtype == EDGEML_DTYPE_UINT8 ? "0x80u" : "0u");
	return pw->words ? eml_vk_param_i(d, pw->words, pw->n) : EDGEML_OK;
}

/* Per-channel requantization parameters: multipliers x_scale * w_scale[m] / y_scale (or
 * with alpha first, as QLinearGemm's reference orders it), then weight zero points. */
static edgeml_status channel_params(const eml_graph *g, const eml_node *node, eml_vk_dispatch *d,
				    uint32_t k_xs, uint32_t k_ws, uint32_t k_wzp, uint32_t k_ys,
				    int64_t channels, const float *alpha)
{
	const float *xs, *ws, *ys;
	int64_t n_xs, n_ws, n_ys;
	edgeml_status st = eml_vk_scales(g, node, k_xs, &xs, &n_xs);
	if (st == EDGEML_OK)
		st = eml_vk_scales(g, node, k_ws, &ws, &n_ws);
	if (st == EDGEML_OK)
		st = eml_vk_scales(g, node, k_ys, &ys, &n_ys);
	if (st != EDGEML_OK)
		return st;
	if (n_xs != 1 || n_ys != 1 || (n_ws != 1 && n_ws != channels))
		return eml_error(EDGEML_ERR_UNSUPPORTED,
				 "the GPU kernel takes per-tensor input/output scales and "
				 "per-tensor or per-channel weight scales");
	const eml_tensor *wzp = eml_vk_input(g, node, k_wzp);
	if (wzp && eml_tensor_numel(wzp) != 1 && eml_tensor_numel(wzp) != channels)
		return eml_error(EDGEML_ERR_UNSUPPORTED,
				 "the GPU kernel takes a per-tensor or per-channel weight zero "
				 "point");
	float *mult = malloc((size_t)channels * sizeof(*mult));
	int32_t *zp = malloc((size_t)channels * sizeof(*zp));
	if (mult)
		eml_requant_multipliers(xs[0], ws, n_ws, ys[0], alpha, channels, mult);
	for (int64_t m = 0; mult && zp && m < channels && st == EDGEML_OK; m++)
		st = eml_vk_zero_point(g, node, k_wzp, m, &zp[m]);
	if (st == EDGEML_OK && (!mult || !zp))
		st = eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for %lld channels",
			       (long long)channels);
	if (st == EDGEML_OK)
		st = eml_vk_param_f(d, mult, (uint32_t)channels);
	if (st == EDGEML_OK)
		st = eml_vk_param_i(d, zp, (uint32_t)channels);
	free(mult);
	free(zp);
	return st;
}

/* The output's zero point and quantized fused-activation range (output scale at slot
 * k_ys, zero point at k_yzp, activation [act_min, act_max]). */
static edgeml_status output_range(const eml_graph *g, const eml_node *node, uint32_t k_ys,
				  uint32_t k_yzp, float act_min, float act_max, int32_t *zp,
				  int32_t *lo, int32_t *hi)
{
	const float *ys;
	int64_t n;
	edgeml_status st = eml_vk_scales(g, node, k_ys, &ys, &n);
	if (st == EDGEML_OK)
		st = eml_vk_zero_point(g, node, k_yzp, 0, zp);
	if (st == EDGEML_OK)
		eml_q_activation_range(g->tensors[node->outputs[0]].dtype, act_min, act_max, ys[0],
				       *zp, lo, hi);
	return st;
}

/* QLinearConv on fconv.comp (float multiply-adds on centered values, exact; see the
 * shader) where the device's integer dot products are not accelerated: lavapipe emulates
 * each packed dot product with about twenty instructions, a multiply-add takes one. Taken
 * for constant weights and groups of 4 or more output channels (depthwise layers keep the
 * plain loop), unless EDGEML_VK_QCONV=int asks for the integer shader; *taken is 0, and
 * nothing added, when the node does not qualify. */
static edgeml_status qconv_float(const eml_graph *g, const eml_node *node, eml_vk_kernel *k,
				 const eml_qconv_params *p, int *taken)
{
	const eml_qconv_shape *s = &p->shape;
	const eml_tensor *x = eml_vk_input(g, node, p->x), *w = eml_vk_input(g, node, p->w);
	const eml_tensor *b = eml_vk_input(g, node, p->bias), *y = &g->tensors[node->outputs[0]];
	int64_t cg = s->in_ch / s->group, numel = eml_tensor_numel(w);
	int64_t kvol = s->out_ch > 0 && cg > 0 ? numel / s->out_ch / cg : 0;
	int64_t mt = eml_vk_fconv_tile(s, (w->flags & EML_TF_CONSTANT) && w->data);
	const char *force = getenv("EDGEML_VK_QCONV");
	*taken = 0;
	if ((force && strcmp(force, "int") == 0) || !k->info ||
	    (k->info->int_dot && k->info->int_dot_accel) || mt < 4 || kvol <= 0 ||
	    !is_q8(x->dtype) || !is_q8(w->dtype) || !is_q8(y->dtype))
		return EDGEML_OK;
	float *wf = malloc((size_t)numel * sizeof(*wf));
	if (!wf)
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for %lld weights",
				 (long long)numel);
	edgeml_status st = EDGEML_OK;
	int32_t zp = 0, maxw = 0;
	int64_t per = cg * kvol;
	for (int64_t m = 0; m < s->out_ch && st == EDGEML_OK; m++) {
		st = eml_vk_zero_point(g, node, p->w_zero_point, m, &zp);
		for (int64_t i = m * per; i < (m + 1) * per; i++) {
			int32_t v = eml_q_load(w->data, w->dtype, i) - zp;
			wf[i] = (float)v;
			maxw = v > maxw ? v : -v > maxw ? -v : maxw;
		}
	}
	/* |x - x_zp| <= 255: chunk channels of kvol products stay within 2^24, where fp32
	 * holds every integer. */
	int64_t bound = 255 * (int64_t)maxw * kvol;
	int64_t chunk = bound ? ((int64_t)1 << 24) / bound : cg;
	if (st != EDGEML_OK || chunk < 1) {
		free(wf);
		return st;
	}
	/* Centred weights within int8 go up as int8s, a quarter of the bytes to upload and
	 * hold; wider ones (a zero point far from the weights) as floats. */
	int w8 = maxw <= 127;
	eml_vk_dispatch *d = eml_vk_add_dispatch(k, "fconv.comp", 0);
	st = eml_vk_fconv_pack(d, wf, s, mt, w8);
	free(wf);
	uint32_t mult_at = d->n_params;
	if (st == EDGEML_OK)
		st = type_macro(d, "X_T", x->dtype);
	if (st == EDGEML_OK)
		st = type_macro(d, "Y_T", y->dtype);
	if (st == EDGEML_OK)
		st = channel_params(g, node, d, p->x_scale, p->w_scale, p->w_zero_point, p->y_scale,
				    s->out_ch, NULL);
	int32_t xzp, yzp, lo, hi;
	if (st == EDGEML_OK)
		st = eml_vk_zero_point(g, node, p->x_zero_point, 0, &xzp);
	if (st == EDGEML_OK)
		st = output_range(g, node, p->y_scale, p->y_zero_point, p->act_min, p->act_max,
				  &yzp, &lo, &hi);
	if (st != EDGEML_OK)
		return st;
	eml_vk_macro(d, "QUANT", "1");
	eml_vk_macro(d, "W8", w8 ? "1" : "0");
	eml_vk_macro(d, "X_SIGNED", x->dtype == EDGEML_DTYPE_INT8 ? "1" : "0");
	eml_vk_macro(d, "HAS_BIAS", b ? "1" : "0");
	eml_vk_bind(d, node->inputs[p->x]);
	/* The weights are in the parameters: X in W's place keeps W off the device. */
	eml_vk_bind(d, node->inputs[p->x]);
	eml_vk_bind(d, node->outputs[0]);
	if (b)
		eml_vk_bind(d, node->inputs[p->bias]);
	eml_vk_fconv_shape(d, s, mt, chunk < cg ? chunk : cg, mult_at);
	EML_VK_SET_I(d, FCONV_X_ZP, xzp);
	EML_VK_SET_I(d, FCONV_Y_ZP, yzp);
	EML_VK_SET_I(d, FCONV_Y_LO, lo);
	EML_VK_SET_I(d, FCONV_Y_HI, hi);
	*taken = 1;
	return EDGEML_OK;
}

edgeml_status eml_vk_build_qconv(const eml_graph *g, const eml_node *node, eml_vk_kernel *k)
{
	eml_op_params tmp;
	const eml_op_params *op;
	edgeml_status st = eml_vk_params(g, node, &tmp, &op);
	if (st != EDGEML_OK)
		return st;
	const eml_qconv_params *p = &op->qconv;
	const eml_qconv_shape *s = &p->shape;
	const eml_tensor *x = eml_vk_input(g, node, p->x), *w = eml_vk_input(g, node, p->w);
	const eml_tensor *b = eml_vk_input(g, node, p->bias), *y = &g->tensors[node->outputs[0]];
	int taken = 0;
	st = qconv_float(g, node, k, p, &taken);
	if (st != EDGEML_OK || taken)
		return st;
	int64_t cg = s->in_ch / s->group, mg = s->out_ch / s->group;
	int64_t kvol = s->out_ch > 0 && cg > 0 ? eml_tensor_numel(w) / s->out_ch / cg : 0;
	/* Grouped by four input channels per kernel position: depthwise layers keep the scalar
	 * loop, which wastes no lanes. */
	dot4_weights pw;
	st = dot4_pack(g, node, k, p->x, p->w, p->w_zero_point, s->out_ch, cg * kvol, kvol, 1,
		       cg, kvol, &pw);
	if (st != EDGEML_OK)
		return st;
	eml_vk_dispatch *d = eml_vk_add_dispatch(k, "qconv.comp", (uint64_t)eml_tensor_numel(y));
	st = type_macro(d, "X_T", x->dtype);
	if (st == EDGEML_OK)
		st = type_macro(d, "W_T", w->dtype);
	if (st == EDGEML_OK)
		st = type_macro(d, "Y_T", y->dtype);
	if (st == EDGEML_OK)
		st = channel_params(g, node, d, p->x_scale, p->w_scale, p->w_zero_point, p->y_scale,
				    s->out_ch, NULL);
	if (st == EDGEML_OK)
		st = dot4_params(d, &pw, "X_FLIP", x->dtype);
	int dot4 = pw.words != NULL;
	free(pw.words);
	if (st != EDGEML_OK)
		return st;
	eml_vk_macro(d, "HAS_BIAS", b ? "1" : "0");
	eml_vk_bind(d, node->inputs[p->x]);
	/* The packed variant reads its weights from the parameters: binding X in W's place
	 * keeps the original weights off the device. */
	eml_vk_bind(d, node->inputs[dot4 ? p->x : p->w]);
	eml_vk_bind(d, node->outputs[0]);
	if (b)
		eml_vk_bind(d, node->inputs[p->bias]);
	/* The shader is specialised on the kernel, strides and dilations (and the plain loop
	 * on the channels per group): the rest are header words. */
	const eml_window_geom *gm = &s->g;
	EML_VK_SET_I(d, QCONV_CIN, s->in_ch);
	EML_VK_SET_I(d, QCONV_COUT, s->out_ch);
	if (dot4)
		EML_VK_SET_I(d, QCONV_CG, cg);
	else
		EML_VK_FIX_I(d, QCONV_CG, cg);
	EML_VK_SET_I(d, QCONV_MG, mg);
	EML_VK_SET3_I(d, QCONV_IN, gm->in, gm->n_spatial, 1);
	EML_VK_FIX3_I(d, QCONV_K, gm->kernel, gm->n_spatial, 1);
	EML_VK_FIX3_I(d, QCONV_S, gm->stride, gm->n_spatial, 1);
	EML_VK_FIX3_I(d, QCONV_D, gm->dilation, gm->n_spatial, 1);
	EML_VK_SET3_I(d, QCONV_P, gm->pad_begin, gm->n_spatial, 0);
	EML_VK_SET3_I(d, QCONV_OUT, gm->out, gm->n_spatial, 1);
	int64_t plane = 1;
	for (uint32_t i = 0; i < gm->n_spatial; i++)
		plane *= gm->out[i];
	int32_t xzp, yzp, lo, hi;
	st = eml_vk_zero_point(g, node, p->x_zero_point, 0, &xzp);
	if (st == EDGEML_OK)
		st = output_range(g, node, p->y_scale, p->y_zero_point, p->act_min, p->act_max,
				  &yzp, &lo, &hi);
	if (st != EDGEML_OK)
		return st;
	EML_VK_SET_I(d, QCONV_X_ZP, xzp);
	EML_VK_SET_I(d, QCONV_Y_ZP, yzp);
	EML_VK_SET_I(d, QCONV_Y_LO, lo);
	EML_VK_SET_I(d, QCONV_Y_HI, hi);
	/* The tiles of the packed variant (4 channels of a group by 4 outputs of a row) and of
	 * the plain one (4 outputs of a row), qconv.comp. */
	int64_t out2 = gm->out[gm->n_spatial - 1], w4 = (out2 + 3) / 4, mb = (mg + 3) / 4;
	EML_VK_SET_I(d, QCONV_OUT_PLANE, plane);
	EML_VK_SET_I(d, QCONV_W4, w4);
	EML_VK_SET_I(d, QCONV_MB, mb);
	EML_VK_SET_I(d, QCONV_GROUPS, s->group);
	if (out2 > 0 && s->out_ch > 0)
		d->invocations = d->invocations / (uint64_t)s->out_ch / (uint64_t)out2 *
				 (uint64_t)(w4 * (dot4 ? s->group * mb : s->out_ch));
	return EDGEML_OK;
}

/* QLinearMatMul's batch table: for every output matrix, the index of a's and b's matrix. */
static edgeml_status batch_table(eml_vk_dispatch *d, const eml_matmul_shape *s)
{
	int32_t *tab = malloc((size_t)s->batches * 2 * sizeof(*tab));
	if (!tab)
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for %lld batches",
				 (long long)s->batches);
	for (int64_t batch = 0; batch < s->batches; batch++) {
		int64_t ma, mb;
		eml_matmul_batch(s, batch, &ma, &mb);
		tab[2 * batch] = (int32_t)(ma * s->m * s->k);
		tab[2 * batch + 1] = (int32_t)(mb * s->k * s->n);
	}
	edgeml_status st = eml_vk_param_i(d, tab, (uint32_t)(s->batches * 2));
	free(tab);
	return st;
}

edgeml_status eml_vk_build_qgemm(const eml_graph *g, const eml_node *node, eml_vk_kernel *k)
{
	int gemm = node->op == EML_OP_QLinearGemm;
	eml_op_params tmp;
	const eml_op_params *op;
	edgeml_status st = eml_vk_params(g, node, &tmp, &op);
	if (st != EDGEML_OK)
		return st;
	eml_qgemm_io io;
	eml_qgemm_io_of(node->op, op, &io);
	if (!gemm) {
		const eml_tensor *azp = eml_vk_input(g, node, io.a_zero_point);
		if (!op->qmatmul.requantize ||
		    eml_tensor_numel(eml_vk_input(g, node, io.a_scale)) != 1 ||
		    (azp && eml_tensor_numel(azp) != 1))
			return eml_error(EDGEML_ERR_UNSUPPORTED,
					 "the GPU kernel takes per-tensor parameters for A");
	}
	const eml_tensor *a = eml_vk_input(g, node, io.a), *b = eml_vk_input(g, node, io.b);
	const eml_tensor *y = &g->tensors[node->outputs[0]];
	const eml_tensor *bias = eml_vk_input(g, node, io.bias);
	/* The packed B is one matrix: only when every batch reads the same one. */
	dot4_weights pw = { NULL, 0 };
	if (gemm || b->rank == 2)
		st = dot4_pack(g, node, k, io.a, io.b, io.b_zero_point, io.n, io.trans_b ? io.k : 1,
			       1, 0, io.k, io.trans_b ? 1 : io.n, &pw);
	if (st != EDGEML_OK)
		return st;
	eml_vk_dispatch *d = eml_vk_add_dispatch(k, "qgemm.comp", (uint64_t)eml_tensor_numel(y));
	st = type_macro(d, "A_T", a->dtype);
	if (st == EDGEML_OK)
		st = type_macro(d, "B_T", b->dtype);
	if (st == EDGEML_OK)
		st = type_macro(d, "Y_T", y->dtype);
	if (st == EDGEML_OK)
		st = channel_params(g, node, d, io.a_scale, io.b_scale, io.b_zero_point, io.y_scale,
				    io.n, io.alpha);
	if (st == EDGEML_OK && !gemm)
		st = batch_table(d, &op->qmatmul.shape);
	if (st == EDGEML_OK)
		st = dot4_params(d, &pw, "A_FLIP", a->dtype);
	int dot4 = pw.words != NULL;
	free(pw.words);
	int32_t azp, yzp, lo, hi;
	if (st == EDGEML_OK)
		st = eml_vk_zero_point(g, node, io.a_zero_point, 0, &azp);
	if (st == EDGEML_OK)
		st = output_range(g, node, io.y_scale, io.y_zero_point, io.act_min, io.act_max,
				  &yzp, &lo, &hi);
	if (st != EDGEML_OK)
		return st;
	eml_vk_macro(d, "HAS_BIAS", bias ? "1" : "0");
	eml_vk_macro(d, "HAS_BATCH", gemm ? "0" : "1");
	eml_vk_bind(d, node->inputs[io.a]);
	/* As in QLinearConv: the packed B is in the parameters, A stands in for B. */
	eml_vk_bind(d, node->inputs[dot4 ? io.a : io.b]);
	eml_vk_bind(d, node->outputs[0]);
	if (bias)
		eml_vk_bind(d, node->inputs[io.bias]);
	EML_VK_FIX_I(d, QGEMM_M, io.m);
	EML_VK_FIX_I(d, QGEMM_N, io.n);
	EML_VK_FIX_I(d, QGEMM_K, io.k);
	EML_VK_FIX_I(d, QGEMM_A_RS, io.a_row);
	EML_VK_FIX_I(d, QGEMM_A_CS, io.a_col);
	EML_VK_FIX_I(d, QGEMM_B_RS, io.b_row);
	EML_VK_FIX_I(d, QGEMM_B_CS, io.b_col);
	EML_VK_FIX_I(d, QGEMM_BATCHES, io.batches);
	EML_VK_FIX_I(d, QGEMM_A_ZP, azp);
	EML_VK_FIX_I(d, QGEMM_Y_ZP, yzp);
	EML_VK_FIX_I(d, QGEMM_Y_LO, lo);
	EML_VK_FIX_I(d, QGEMM_Y_HI, hi);
	return EDGEML_OK;
}

edgeml_status eml_vk_build_quantize(const eml_graph *g, const eml_node *node, eml_vk_kernel *k)
{
	int quant = node->op == EML_OP_QuantizeLinear;
	const float *scales;
	int64_t n_params;
	eml_op_params tmp;
	const eml_op_params *prm;
	edgeml_status st = eml_vk_params(g, node, &tmp, &prm);
	if (st != EDGEML_OK)
		return st;
	const eml_quantize_params *p = &prm->quantize;
	const eml_tensor *x = eml_vk_input(g, node, p->x), *y = &g->tensors[node->outputs[0]];
	st = eml_vk_scales(g, node, p->scale, &scales, &n_params);
	if (st != EDGEML_OK)
		return st;
	if (quant ? !is_q8(y->dtype) : x->dtype == EDGEML_DTYPE_FLOAT32)
		return eml_error(EDGEML_ERR_UNSUPPORTED, "%s to %s has no GPU kernel",
				 edgeml_dtype_name((edgeml_dtype)x->dtype),
				 edgeml_dtype_name((edgeml_dtype)y->dtype));
	eml_vk_dispatch *d = eml_vk_add_dispatch(k, "quantize.comp", (uint64_t)eml_tensor_numel(y));
	int32_t *zps = malloc((size_t)n_params * sizeof(*zps));
	if (!zps)
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for %lld parameters",
				 (long long)n_params);
	int any_zp = 0;
	for (int64_t i = 0; i < n_params && st == EDGEML_OK; i++) {
		st = eml_vk_zero_point(g, node, p->zero_point, i, &zps[i]);
		any_zp |= zps[i] != 0;
	}
	/* The reference subtracts an int32 zero point in 64 bits; 32 suffice only without one. */
	if (st == EDGEML_OK && !quant && x->dtype == EDGEML_DTYPE_INT32 && any_zp)
		st = eml_error(EDGEML_ERR_UNSUPPORTED,
			       "int32 DequantizeLinear with a zero point has no GPU kernel");
	if (st == EDGEML_OK)
		st = eml_vk_param_f(d, scales, (uint32_t)n_params);
	if (st == EDGEML_OK)
		st = eml_vk_param_i(d, zps, (uint32_t)n_params);
	free(zps);
	if (st == EDGEML_OK)
		st = type_macro(d, "X_T", x->dtype);
	if (st == EDGEML_OK)
		st = type_macro(d, "Y_T", y->dtype);
	if (st != EDGEML_OK)
		return st;
	int32_t lo, hi;
	eml_q_range(y->dtype, &lo, &hi);
	eml_vk_macro(d, "QUANTIZE", quant ? "1" : "0");
	eml_vk_bind(d, node->inputs[p->x]);
	eml_vk_bind(d, node->outputs[0]);
	EML_VK_FIX_I(d, QUANTIZE_INNER, p->inner);
	EML_VK_FIX_I(d, QUANTIZE_NP, n_params);
	EML_VK_FIX_I(d, QUANTIZE_Y_LO, lo);
	EML_VK_FIX_I(d, QUANTIZE_Y_HI, hi);
	return EDGEML_OK;
}

/* Broadcast layout of a binary op as parameters: rank, output dims, a's and b's strides. */
edgeml_status eml_vk_broadcast_params(const eml_tensor *a, const eml_tensor *b,
				      const eml_tensor *y, eml_vk_dispatch *d)
{
	int64_t sa[EML_MAX_RANK], sb[EML_MAX_RANK];
	int32_t words[1 + 3 * EML_MAX_RANK];
	uint32_t r = y->rank;
	eml_broadcast_strides(a, r, y->dims, sa);
	eml_broadcast_strides(b, r, y->dims, sb);
	words[0] = (int32_t)r;
	for (uint32_t i = 0; i < r; i++) {
		words[1 + i] = (int32_t)y->dims[i];
		words[1 + r + i] = (int32_t)sa[i];
		words[1 + 2 * r + i] = (int32_t)sb[i];
	}
	return eml_vk_param_i(d, words, 1 + 3 * r);
}

edgeml_status eml_vk_build_qbinary(const eml_graph *g, const eml_node *node, eml_vk_kernel *k)
{
	int add = node->op == EML_OP_QLinearAdd;
	float sa, sb, sy;
	int32_t za, zb, zy, lo, hi;
	eml_op_params tmp;
	const eml_op_params *prm;
	edgeml_status st = eml_vk_params(g, node, &tmp, &prm);
	if (st != EDGEML_OK)
		return st;
	const eml_qbinary_params *p = &prm->qbinary;
	const eml_tensor *a = eml_vk_input(g, node, p->a), *b = eml_vk_input(g, node, p->b);
	const eml_tensor *y = &g->tensors[node->outputs[0]];
	st = eml_vk_qparam(g, node, p->a_scale, p->a_zero_point, &sa, &za);
	if (st == EDGEML_OK)
		st = eml_vk_qparam(g, node, p->b_scale, p->b_zero_point, &sb, &zb);
	if (st == EDGEML_OK)
		st = eml_vk_qparam(g, node, p->y_scale, p->y_zero_point, &sy, &zy);
	if (st != EDGEML_OK)
		return st;
	eml_q_activation_range(y->dtype, p->act_min, p->act_max, sy, zy, &lo, &hi);
	eml_vk_dispatch *d = eml_vk_add_dispatch(k, add ? "qadd.comp" : "qmul.comp",
						 (uint64_t)eml_tensor_numel(y));
	st = type_macro(d, "A_T", a->dtype);
	if (st == EDGEML_OK)
		st = type_macro(d, "B_T", b->dtype);
	if (st == EDGEML_OK)
		st = type_macro(d, "Y_T", y->dtype);
	if (st == EDGEML_OK)
		st = eml_vk_broadcast_params(a, b, y, d);
	if (st != EDGEML_OK)
		return st;
	eml_vk_bind(d, node->inputs[p->a]);
	eml_vk_bind(d, node->inputs[p->b]);
	eml_vk_bind(d, node->outputs[0]);
	if (add) {
		/* The reference's constants. */
		eml_qadd_consts c = eml_qadd_constants(sa, za, sb, zb, sy, zy);
		int swapped = eml_qadd_swapped(a->dims, a->rank, b->dims, b->rank, y->dims, y->rank);
		eml_vk_macro(d, "SCALAR_A", eml_tensor_numel(a) == 1 ? "1" : "0");
		eml_vk_macro(d, "SCALAR_B", eml_tensor_numel(b) == 1 ? "1" : "0");
		eml_vk_macro(d, "SWAPPED", swapped ? "1" : "0");
		EML_VK_SET_F(d, QADD_RA, c.ra);
		EML_VK_SET_F(d, QADD_RB, c.rb);
		EML_VK_SET_F(d, QADD_K, swapped ? c.ks : c.k);
		EML_VK_SET_I(d, QADD_Y_LO, lo);
		EML_VK_SET_I(d, QADD_Y_HI, hi);
		return EDGEML_OK;
	}
	EML_VK_FIX_F(d, QMUL_RATIO, eml_requant_multiplier(sa, sb, sy));
	EML_VK_FIX_I(d, QMUL_A_ZP, za);
	EML_VK_FIX_I(d, QMUL_B_ZP, zb);
	EML_VK_FIX_I(d, QMUL_Y_ZP, zy);
	EML_VK_FIX_I(d, QMUL_Y_LO, lo);
	EML_VK_FIX_I(d, QMUL_Y_HI, hi);
	return EDGEML_OK;
}

/* QLinearSoftmax (qsoftmax.comp): one invocation per row, the reference's exponential table
 * (eml_qsoftmax_table) as the parameters, so that the shader computes its floats exactly. */
edgeml_status eml_vk_build_qsoftmax(const eml_graph *g, const eml_node *node, eml_vk_kernel *k)
{
	const eml_tensor *x = eml_vk_input(g, node, 0);
	const float *sx, *sy;
	int64_t n;
	int32_t zy, lo, hi;
	eml_op_params tmp;
	const eml_op_params *op = NULL;
	edgeml_status st = eml_vk_params(g, node, &tmp, &op);
	const eml_qsoftmax_params *q = st == EDGEML_OK ? &op->qsoftmax : NULL;
	if (st == EDGEML_OK)
		st = eml_vk_scales(g, node, q->x_scale, &sx, &n);
	if (st == EDGEML_OK)
		st = eml_vk_scales(g, node, q->y_scale, &sy, &n);
	if (st == EDGEML_OK)
		st = eml_vk_zero_point(g, node, q->y_zero_point, 0, &zy);
	if (st != EDGEML_OK)
		return st;
	uint32_t a = q->axis;
	if (!is_q8(x->dtype))
		return eml_error(EDGEML_ERR_UNSUPPORTED, "QLinearSoftmax of %s",
				 edgeml_dtype_name((edgeml_dtype)x->dtype));
	int64_t outer = 1, inner = 1, len = x->dims[a];
	for (uint32_t i = 0; i < a; i++)
		outer *= x->dims[i];
	for (uint32_t i = a + 1; i < x->rank; i++)
		inner *= x->dims[i];
	/* An empty tensor: no dispatch (the backend skips a node with no invocations). */
	uint64_t rows = len ? (uint64_t)(outer * inner) : 0;
	float e[256];
	if (len)
		eml_qsoftmax_table(sx[0], len, e);
	eml_q_range(x->dtype, &lo, &hi);
	eml_vk_dispatch *d = eml_vk_add_dispatch(k, "qsoftmax.comp", rows);
	st = type_macro(d, "T", x->dtype);
	if (st == EDGEML_OK && len)
		st = eml_vk_param_f(d, e, 256);
	if (st != EDGEML_OK)
		return st;
	eml_vk_bind(d, node->inputs[0]);
	eml_vk_bind(d, node->outputs[0]);
	EML_VK_SET_I(d, QSOFTMAX_LEN, len);
	EML_VK_SET_I(d, QSOFTMAX_INNER, inner);
	EML_VK_SET_F(d, QSOFTMAX_Y_MULT, eml_qsoftmax_y_mult(sy[0]));
	EML_VK_SET_I(d, QSOFTMAX_Y_ZP, zy);
	EML_VK_SET_I(d, QSOFTMAX_Y_LO, lo);
	EML_VK_SET_I(d, QSOFTMAX_Y_HI, hi);
	return EDGEML_OK;
}
