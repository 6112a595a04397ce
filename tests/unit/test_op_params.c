/* test_op_params.c — typed op parameters (ops/op_params.h): named input slots, decoded
 * attributes and shapes, and clear errors for bad attributes; and a model loaded from .eml
 * carries them on its nodes. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "edgeml.h"
#include "model.h"
#include "ops/infer_helpers.h"
#include "ops/op_params.h"
#include "ops/ops.h"
#include "convert/eml_write.h"

#define MAX_T 16
#include "vk_test_graph.h"

/* Input descriptors of a QLinearConv (x [1, 4, 5, 5] uint8, w [8, 4, 3, 3] int8), with or
 * without the bias; in[] has EML_INFER_MIN_IN_SLOTS slots. */
static void qconv_inputs(eml_tensor *t, const eml_tensor **in, int with_bias)
{
	static const uint32_t dtypes[9] = { EDGEML_DTYPE_UINT8, EDGEML_DTYPE_FLOAT32,
					    EDGEML_DTYPE_UINT8, EDGEML_DTYPE_INT8,
					    EDGEML_DTYPE_FLOAT32, EDGEML_DTYPE_INT8,
					    EDGEML_DTYPE_FLOAT32, EDGEML_DTYPE_UINT8,
					    EDGEML_DTYPE_INT32 };
	memset(t, 0, 9 * sizeof(*t));
	for (uint32_t k = 0; k < 9; k++) {
		t[k].dtype = dtypes[k];
		t[k].rank = 1;
		t[k].dims[0] = 1;
	}
	t[0].rank = t[3].rank = 4;
	memcpy(t[0].dims, (int64_t[]){ 1, 4, 5, 5 }, 4 * sizeof(int64_t));
	memcpy(t[3].dims, (int64_t[]){ 8, 4, 3, 3 }, 4 * sizeof(int64_t));
	t[8].dims[0] = 8;
	for (uint32_t k = 0; k < EML_INFER_MIN_IN_SLOTS; k++)
		in[k] = k < 8 || (k == 8 && with_bias) ? &t[k] : NULL;
}

/* QLinearConv: the slots are named, the geometry and the fused range decoded. */
static void test_qconv_slots(void **state)
{
	(void)state;
	eml_tensor t[9];
	const eml_tensor *in[EML_INFER_MIN_IN_SLOTS];
	eml_attr attrs[] = { ints("pads", 4, (const int64_t[]){ 1, 1, 1, 1 }),
			     float1("activation_min", 0.0f) };
	eml_node n = { .name = "c", .op = EML_OP_QLinearConv, .n_inputs = 8, .n_attrs = 2,
		       .attrs = attrs };
	eml_op_params p;
	int has = 0;
	qconv_inputs(t, in, 0);
	assert_int_equal(eml_op_params_decode(&n, in, &p, &has), EDGEML_OK);
	assert_true(has);
	assert_int_equal(p.qconv.requantize, 1);
	assert_int_equal(p.qconv.x, 0);
	assert_int_equal(p.qconv.x_zero_point, 2);
	assert_int_equal(p.qconv.w, 3);
	assert_int_equal(p.qconv.w_zero_point, 5);
	assert_int_equal(p.qconv.y_zero_point, 7);
	assert_int_equal(p.qconv.bias, EML_NO_INPUT);
	assert_int_equal(p.qconv.shape.out_ch, 8);
	assert_int_equal(p.qconv.shape.g.out[0], 5);
	assert_true(p.qconv.act_min == 0.0f && isinf(p.qconv.act_max));

	n.n_inputs = 9;
	qconv_inputs(t, in, 1);
	assert_int_equal(eml_op_params_decode(&n, in, &p, &has), EDGEML_OK);
	assert_int_equal(p.qconv.bias, 8);
}

/* ConvInteger names the same fields at other slots, and has no scales. */
static void test_conv_integer_slots(void **state)
{
	(void)state;
	eml_tensor t[9];
	const eml_tensor *in[EML_INFER_MIN_IN_SLOTS];
	eml_node n = { .name = "c", .op = EML_OP_ConvInteger, .n_inputs = 3 };
	eml_op_params p;
	int has;
	qconv_inputs(t, in, 0);
	in[1] = &t[3]; /* w */
	in[2] = &t[2]; /* x_zero_point */
	in[3] = NULL;
	assert_int_equal(eml_op_params_decode(&n, in, &p, &has), EDGEML_OK);
	assert_int_equal(p.qconv.requantize, 0);
	assert_int_equal(p.qconv.w, 1);
	assert_int_equal(p.qconv.x_zero_point, 2);
	assert_int_equal(p.qconv.w_zero_point, EML_NO_INPUT);
	assert_int_equal(p.qconv.x_scale, EML_NO_INPUT);
}

/* A bad attribute is an error naming it. */
static void test_bad_attribute(void **state)
{
	(void)state;
	eml_tensor a = { .dtype = EDGEML_DTYPE_FLOAT32, .rank = 2, .dims = { 3, 4 } };
	eml_tensor b = { .dtype = EDGEML_DTYPE_FLOAT32, .rank = 2, .dims = { 4, 5 } };
	const eml_tensor *in[EML_INFER_MIN_IN_SLOTS] = { &a, &b };
	eml_attr attrs[] = { int1("transA", 2) };
	eml_node n = { .name = "g", .op = EML_OP_Gemm, .n_inputs = 2, .n_attrs = 1,
		       .attrs = attrs };
	eml_op_params p;
	int has;
	assert_int_equal(eml_op_params_decode(&n, in, &p, &has), EDGEML_ERR_FORMAT);
	assert_non_null(strstr(edgeml_last_error(), "transA"));
	attrs[0] = int1("transA", 1);
	a.dims[0] = 4;
	a.dims[1] = 3;
	assert_int_equal(eml_op_params_decode(&n, in, &p, &has), EDGEML_OK);
	assert_int_equal(p.gemm.m, 3);
	assert_int_equal(p.gemm.k, 4);
	assert_int_equal(p.gemm.n, 5);
	assert_int_equal(p.gemm.a_row, 1);
	assert_int_equal(p.gemm.a_col, 3);
}

/* A float Conv's activation_fn is decoded; a value outside eml_act_fn is an error naming
 * the attribute and the value, from infer as from the params decoder. */
static void test_conv_activation_fn(void **state)
{
	(void)state;
	eml_tensor x = { .dtype = EDGEML_DTYPE_FLOAT32, .rank = 4, .dims = { 1, 2, 5, 5 } };
	eml_tensor w = { .dtype = EDGEML_DTYPE_FLOAT32, .rank = 4, .dims = { 3, 2, 3, 3 } };
	const eml_tensor *in[EML_INFER_MIN_IN_SLOTS] = { &x, &w };
	eml_attr attrs[] = { int1("activation_fn", 2) };
	static const uint32_t outs[1] = { 0 };
	eml_node n = { .name = "c", .op = EML_OP_Conv, .n_inputs = 2, .n_outputs = 1,
		       .outputs = outs, .n_attrs = 1, .attrs = attrs };
	eml_op_params p;
	int has;
	assert_int_equal(eml_op_params_decode(&n, in, &p, &has), EDGEML_OK);
	assert_int_equal(p.conv.act_fn, EML_ACT_FN_SWISH);
	n.n_attrs = 0;
	assert_int_equal(eml_op_params_decode(&n, in, &p, &has), EDGEML_OK);
	assert_int_equal(p.conv.act_fn, EML_ACT_FN_NONE);
	assert_true(p.conv.act_alpha == 0.2f && p.conv.act_beta == 0.5f);
	eml_attr hs[] = { int1("activation_fn", 4), float1("activation_alpha", 0.25f),
			  float1("activation_beta", 0.125f) };
	n.attrs = hs;
	n.n_attrs = 3;
	assert_int_equal(eml_op_params_decode(&n, in, &p, &has), EDGEML_OK);
	assert_int_equal(p.conv.act_fn, EML_ACT_FN_HARD_SIGMOID);
	assert_true(p.conv.act_alpha == 0.25f && p.conv.act_beta == 0.125f);
	n.attrs = attrs;
	n.n_attrs = 1;
	static const int64_t bad[] = { 5, -1, 1LL << 40 };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		attrs[0] = int1("activation_fn", bad[i]);
		assert_int_equal(eml_op_params_decode(&n, in, &p, &has), EDGEML_ERR_FORMAT);
		assert_non_null(strstr(edgeml_last_error(), "activation_fn"));
		eml_tensor y;
		assert_int_equal(eml_op_infer(&n, in, &y), EDGEML_ERR_FORMAT);
		assert_non_null(strstr(edgeml_last_error(), "activation_fn"));
	}
}

/* Ops without typed params say so; eml_node_params() refuses them. */
static void test_no_params(void **state)
{
	(void)state;
	eml_tensor x = { .dtype = EDGEML_DTYPE_FLOAT32, .rank = 1, .dims = { 3 } };
	const eml_tensor *in[EML_INFER_MIN_IN_SLOTS] = { &x };
	eml_node n = { .name = "r", .op = EML_OP_Relu, .n_inputs = 1 };
	eml_op_params p;
	const eml_op_params *out;
	int has = 1;
	assert_int_equal(eml_op_params_decode(&n, in, &p, &has), EDGEML_OK);
	assert_false(has);
	assert_int_equal(eml_node_params(NULL, &n, in, &p, &out), EDGEML_ERR_UNSUPPORTED);
}

/* A loaded model's nodes carry their params: MaxPool's geometry, none on Relu. */
static void test_loaded_model(void **state)
{
	(void)state;
	builder b;
	memset(&b, 0, sizeof(b));
	uint32_t x = tensor(&b, EDGEML_DTYPE_FLOAT32, 4, (int64_t[]){ 1, 2, 6, 6 }, EML_TF_INPUT,
			    NULL);
	uint32_t p = tensor(&b, EDGEML_DTYPE_FLOAT32, 4, (int64_t[]){ 1, 2, 3, 3 }, 0, NULL);
	uint32_t y = tensor(&b, EDGEML_DTYPE_FLOAT32, 4, (int64_t[]){ 1, 2, 3, 3 },
			    EML_TF_OUTPUT, NULL);
	eml_attr pool[] = { ints("kernel_shape", 2, (const int64_t[]){ 2, 2 }),
			    ints("strides", 2, (const int64_t[]){ 2, 2 }) };
	node(&b, EML_OP_MaxPool, 1, &x, p, 2, pool);
	node(&b, EML_OP_Relu, 1, &p, y, 0, NULL);
	void *image = NULL;
	edgeml_model *m = load(&b, &image);
	const eml_node *nodes = m->graph.nodes;
	assert_non_null(nodes[0].params);
	assert_int_equal(nodes[0].params->pool.geom.kernel[1], 2);
	assert_int_equal(nodes[0].params->pool.geom.out[0], 3);
	assert_null(nodes[1].params);
	edgeml_model_free(m);
	free(image);
}

/* QLinearAdd: named slots, C's zero point absent or at 7, the fused range. */
static void test_qbinary_slots(void **state)
{
	(void)state;
	eml_tensor t[8];
	const eml_tensor *in[EML_INFER_MIN_IN_SLOTS] = { NULL };
	memset(t, 0, sizeof(t));
	for (uint32_t k = 0; k < 8; k++) {
		t[k].dtype = k == 1 || k == 4 || k == 6 ? EDGEML_DTYPE_FLOAT32 : EDGEML_DTYPE_INT8;
		in[k] = &t[k];
	}
	eml_attr attrs[] = { float1("activation_max", 6.0f) };
	eml_node n = { .name = "a", .op = EML_OP_QLinearAdd, .n_inputs = 7, .n_attrs = 1,
		       .attrs = attrs };
	eml_op_params p;
	int has = 0;
	assert_int_equal(eml_op_params_decode(&n, in, &p, &has), EDGEML_OK);
	assert_true(has);
	assert_int_equal(p.qbinary.a, 0);
	assert_int_equal(p.qbinary.a_zero_point, 2);
	assert_int_equal(p.qbinary.b, 3);
	assert_int_equal(p.qbinary.b_scale, 4);
	assert_int_equal(p.qbinary.y_scale, 6);
	assert_int_equal(p.qbinary.y_zero_point, EML_NO_INPUT);
	assert_true(isinf(p.qbinary.act_min) && p.qbinary.act_max == 6.0f);
	n.n_inputs = 8;
	assert_int_equal(eml_op_params_decode(&n, in, &p, &has), EDGEML_OK);
	assert_int_equal(p.qbinary.y_zero_point, 7);
}

/* DequantizeLinear: per-axis parameters step every `inner` elements, per-tensor ones never;
 * a negative axis counts from the end. */
static void test_quantize_inner(void **state)
{
	(void)state;
	eml_tensor x = { .dtype = EDGEML_DTYPE_INT8, .rank = 4, .dims = { 2, 3, 4, 5 } };
	eml_tensor s = { .dtype = EDGEML_DTYPE_FLOAT32, .rank = 1, .dims = { 3 } };
	const eml_tensor *in[EML_INFER_MIN_IN_SLOTS] = { &x, &s };
	eml_attr attrs[] = { int1("axis", -3) };
	eml_node n = { .name = "d", .op = EML_OP_DequantizeLinear, .n_inputs = 2, .n_attrs = 1,
		       .attrs = attrs };
	eml_op_params p;
	int has;
	assert_int_equal(eml_op_params_decode(&n, in, &p, &has), EDGEML_OK);
	assert_int_equal(p.quantize.axis, 1);
	assert_int_equal(p.quantize.inner, 20);
	assert_int_equal(p.quantize.zero_point, EML_NO_INPUT);
	s.dims[0] = 1;
	assert_int_equal(eml_op_params_decode(&n, in, &p, &has), EDGEML_OK);
	assert_int_equal(p.quantize.inner, 120);
}

/* Transpose: no perm reverses the axes; a perm of the wrong length names the attribute. */
static void test_transpose_perm(void **state)
{
	(void)state;
	eml_tensor x = { .dtype = EDGEML_DTYPE_FLOAT32, .rank = 3, .dims = { 2, 3, 4 } };
	const eml_tensor *in[EML_INFER_MIN_IN_SLOTS] = { &x };
	eml_attr attrs[] = { ints("perm", 2, (const int64_t[]){ 1, 0 }) };
	eml_node n = { .name = "t", .op = EML_OP_Transpose, .n_inputs = 1 };
	eml_op_params p;
	int has;
	assert_int_equal(eml_op_params_decode(&n, in, &p, &has), EDGEML_OK);
	assert_int_equal(p.transpose.perm[0], 2);
	assert_int_equal(p.transpose.perm[2], 0);
	n.n_attrs = 1;
	n.attrs = attrs;
	assert_int_equal(eml_op_params_decode(&n, in, &p, &has), EDGEML_ERR_FORMAT);
	assert_non_null(strstr(edgeml_last_error(), "perm"));
}

/* QLinearConcat of six inputs (20 slots, more than EML_INFER_MIN_IN_SLOTS) decodes: its
 * inputs are named by position. */
static void test_qconcat_many_inputs(void **state)
{
	(void)state;
	enum { N_X = 6, N_IN = 2 + 3 * N_X };
	eml_tensor t[N_IN];
	const eml_tensor *in[N_IN];
	memset(t, 0, sizeof(t));
	for (uint32_t k = 0; k < N_IN; k++) {
		t[k].dtype = EDGEML_DTYPE_UINT8;
		t[k].rank = (k - 2) % 3 == 0 && k >= 2 ? 4 : 0;
		in[k] = &t[k];
	}
	eml_attr attrs[] = { int1("axis", -3) };
	eml_node n = { .name = "q", .op = EML_OP_QLinearConcat, .n_inputs = N_IN, .n_attrs = 1,
		       .attrs = attrs };
	eml_op_params tmp;
	const eml_op_params *p;
	assert_int_equal(eml_node_params(NULL, &n, in, &tmp, &p), EDGEML_OK);
	assert_int_equal(p->qconcat.axis, 1);
	assert_int_equal(p->qconcat.y_scale, 0);
	assert_int_equal(p->qconcat.y_zero_point, 1);
	assert_int_equal(p->qconcat.x0, 2);
	assert_int_equal(p->qconcat.n_x, N_X);
}

/* Split: each output's first index and length; more outputs than the params hold fail. */
static void test_split_parts(void **state)
{
	(void)state;
	eml_tensor x = { .dtype = EDGEML_DTYPE_FLOAT32, .rank = 2, .dims = { 2, 9 } };
	const eml_tensor *in[EML_INFER_MIN_IN_SLOTS] = { &x };
	eml_attr attrs[] = { int1("axis", 1) };
	eml_node n = { .name = "s", .op = EML_OP_Split, .n_inputs = 1, .n_outputs = 3,
		       .n_attrs = 1, .attrs = attrs };
	eml_op_params p;
	int has;
	assert_int_equal(eml_op_params_decode(&n, in, &p, &has), EDGEML_OK);
	assert_int_equal(p.split.axis, 1);
	assert_int_equal(p.split.at[2], 6);
	assert_int_equal(p.split.at[3], 9);
	n.n_outputs = EML_SPLIT_MAX_OUT + 1;
	x.dims[1] = EML_SPLIT_MAX_OUT + 1;
	assert_int_equal(eml_op_params_decode(&n, in, &p, &has), EDGEML_ERR_UNSUPPORTED);
	assert_non_null(strstr(edgeml_last_error(), "Split"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_qconv_slots),
		cmocka_unit_test(test_conv_integer_slots),
		cmocka_unit_test(test_bad_attribute),
		cmocka_unit_test(test_conv_activation_fn),
		cmocka_unit_test(test_no_params),
		cmocka_unit_test(test_loaded_model),
		cmocka_unit_test(test_qbinary_slots),
		cmocka_unit_test(test_quantize_inner),
		cmocka_unit_test(test_transpose_perm),
		cmocka_unit_test(test_qconcat_many_inputs),
		cmocka_unit_test(test_split_parts),
	};
	(void)have_device; /* vk_test_graph.h's, for the Vulkan suites */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
