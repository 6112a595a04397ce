/* test_geometry.c — window geometry of convolutions and pools vs hand-computed ONNX sizes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "edgeml.h"
#include "ops/geometry.h"

#define MAX_ATTRS 8

/* A node under construction: attributes only, geometry reads nothing else. */
typedef struct test_node {
	eml_node node;
	eml_attr attrs[MAX_ATTRS];
} test_node;

/* Starts an attribute-less node. */
static void node_init(test_node *t)
{
	memset(t, 0, sizeof(*t));
	t->node.name = "n";
	t->node.attrs = t->attrs;
}

/* Adds an INTS attribute (values must outlive the node). */
static void add_ints(test_node *t, const char *name, const int64_t *v, uint32_t n)
{
	eml_attr *a = &t->attrs[t->node.n_attrs++];
	a->name = name;
	a->type = EML_ATTR_INTS;
	a->ints = v;
	a->count = n;
}

/* Adds an INT attribute. */
static void add_int(test_node *t, const char *name, int64_t v)
{
	eml_attr *a = &t->attrs[t->node.n_attrs++];
	a->name = name;
	a->type = EML_ATTR_INT;
	a->i = v;
}

/* Adds a STRING attribute. */
static void add_str(test_node *t, const char *name, const char *s)
{
	eml_attr *a = &t->attrs[t->node.n_attrs++];
	a->name = name;
	a->type = EML_ATTR_STRING;
	a->s = s;
	a->count = (uint32_t)strlen(s);
}

/* Explicit pads and strides: out = floor((in + pads - k) / s) + 1. */
static void test_explicit_pads(void **state)
{
	(void)state;
	test_node t;
	node_init(&t);
	static const int64_t strides[] = { 2, 1 }, pads[] = { 1, 0, 1, 2 };
	add_ints(&t, "strides", strides, 2);
	add_ints(&t, "pads", pads, 4);
	int64_t in[] = { 5, 6 }, k[] = { 3, 3 };
	eml_window_geom g;
	assert_int_equal(eml_window_geometry(&t.node, 2, in, k, 0, &g), EDGEML_OK);
	assert_int_equal(g.out[0], 3); /* (5 + 2 - 3) / 2 + 1 */
	assert_int_equal(g.out[1], 6); /* (6 + 2 - 3) / 1 + 1 */
	assert_int_equal(g.pad_begin[0], 1);
	assert_int_equal(g.pad_end[0], 1);
	assert_int_equal(g.pad_begin[1], 0);
	assert_int_equal(g.pad_end[1], 2);
	assert_int_equal(g.stride[0], 2);
	assert_int_equal(g.dilation[1], 1);
	assert_int_equal(g.kernel[1], 3);
}

/* SAME_UPPER puts the odd padding element at the end, SAME_LOWER at the beginning. */
static void test_same(void **state)
{
	(void)state;
	static const int64_t strides[] = { 2, 2 };
	int64_t in[] = { 7, 6 }, k[] = { 3, 3 };
	eml_window_geom g;
	test_node t;
	node_init(&t);
	add_ints(&t, "strides", strides, 2);
	add_str(&t, "auto_pad", "SAME_UPPER");
	assert_int_equal(eml_window_geometry(&t.node, 2, in, k, 0, &g), EDGEML_OK);
	assert_int_equal(g.out[0], 4); /* ceil(7 / 2); total pad (4-1)*2 + 3 - 7 = 2 */
	assert_int_equal(g.pad_begin[0], 1);
	assert_int_equal(g.pad_end[0], 1);
	assert_int_equal(g.out[1], 3); /* ceil(6 / 2); total pad 2*2 + 3 - 6 = 1 */
	assert_int_equal(g.pad_begin[1], 0);
	assert_int_equal(g.pad_end[1], 1);

	node_init(&t);
	add_ints(&t, "strides", strides, 2);
	add_str(&t, "auto_pad", "SAME_LOWER");
	assert_int_equal(eml_window_geometry(&t.node, 2, in, k, 0, &g), EDGEML_OK);
	assert_int_equal(g.pad_begin[1], 1);
	assert_int_equal(g.pad_end[1], 0);

	/* A kernel smaller than the stride needs no padding. */
	static const int64_t s3[] = { 3 };
	int64_t in1[] = { 9 }, k1[] = { 1 };
	node_init(&t);
	add_ints(&t, "strides", s3, 1);
	add_str(&t, "auto_pad", "SAME_UPPER");
	assert_int_equal(eml_window_geometry(&t.node, 1, in1, k1, 0, &g), EDGEML_OK);
	assert_int_equal(g.out[0], 3);
	assert_int_equal(g.pad_begin[0] + g.pad_end[0], 0);
}

/* VALID ignores the pads attribute. */
static void test_valid(void **state)
{
	(void)state;
	static const int64_t strides[] = { 2 }, pads[] = { 3, 3 };
	test_node t;
	node_init(&t);
	add_ints(&t, "strides", strides, 1);
	add_ints(&t, "pads", pads, 2);
	add_str(&t, "auto_pad", "VALID");
	int64_t in[] = { 7 }, k[] = { 3 };
	eml_window_geom g;
	assert_int_equal(eml_window_geometry(&t.node, 1, in, k, 0, &g), EDGEML_OK);
	assert_int_equal(g.out[0], 3);
	assert_int_equal(g.pad_begin[0], 0);
	assert_int_equal(g.pad_end[0], 0);
}

/* ceil_mode only for pools, and a window starting in the end padding is dropped
 * (checked against onnxruntime 1.23: MaxPool k=1 s=2 on 2 elements gives 1 output). */
static void test_ceil_mode(void **state)
{
	(void)state;
	static const int64_t ks[] = { 2 }, strides[] = { 2 };
	test_node t;
	node_init(&t);
	add_ints(&t, "kernel_shape", ks, 1);
	add_ints(&t, "strides", strides, 1);
	add_int(&t, "ceil_mode", 1);
	int64_t in[] = { 5 };
	eml_window_geom g;
	assert_int_equal(eml_window_geometry(&t.node, 1, in, NULL, 1, &g), EDGEML_OK);
	assert_int_equal(g.out[0], 3);
	assert_int_equal(eml_window_geometry(&t.node, 1, in, ks, 0, &g), EDGEML_OK);
	assert_int_equal(g.out[0], 2);

	static const int64_t k1[] = { 1 };
	node_init(&t);
	add_ints(&t, "kernel_shape", k1, 1);
	add_ints(&t, "strides", strides, 1);
	add_int(&t, "ceil_mode", 1);
	int64_t in2[] = { 2 };
	assert_int_equal(eml_window_geometry(&t.node, 1, in2, NULL, 1, &g), EDGEML_OK);
	assert_int_equal(g.out[0], 1);

	/* With pads (ORT: AveragePool in 6, k 3, s 2, pads 1/1, ceil gives 4 windows). */
	static const int64_t k3[] = { 3 }, p11[] = { 1, 1 };
	node_init(&t);
	add_ints(&t, "kernel_shape", k3, 1);
	add_ints(&t, "strides", strides, 1);
	add_ints(&t, "pads", p11, 2);
	add_int(&t, "ceil_mode", 1);
	int64_t in3[] = { 6 };
	assert_int_equal(eml_window_geometry(&t.node, 1, in3, NULL, 1, &g), EDGEML_OK);
	assert_int_equal(g.out[0], 4);
}

/* Dilation widens the kernel to (k - 1) * d + 1; 3-D works like 2-D. */
static void test_dilation_3d(void **state)
{
	(void)state;
	static const int64_t dil[] = { 2, 1, 3 };
	test_node t;
	node_init(&t);
	add_ints(&t, "dilations", dil, 3);
	int64_t in[] = { 7, 4, 10 }, k[] = { 3, 2, 3 };
	eml_window_geom g;
	assert_int_equal(eml_window_geometry(&t.node, 3, in, k, 0, &g), EDGEML_OK);
	assert_int_equal(g.n_spatial, 3);
	assert_int_equal(g.out[0], 3); /* 7 - 5 + 1 */
	assert_int_equal(g.out[1], 3); /* 4 - 2 + 1 */
	assert_int_equal(g.out[2], 4); /* 10 - 7 + 1 */
}

/* Expects eml_window_geometry to fail with status st. */
static void expect_error(test_node *t, uint32_t n, const int64_t *in, const int64_t *k,
			 int is_pool, edgeml_status st)
{
	eml_window_geom g;
	assert_int_equal(eml_window_geometry(&t->node, n, in, k, is_pool, &g), st);
	assert_true(strlen(edgeml_last_error()) > 0);
}

/* Every bad attribute and impossible size is an error naming it. */
static void test_errors(void **state)
{
	(void)state;
	int64_t in[] = { 5, 5 }, k[] = { 3, 3 };
	static const int64_t one[] = { 1 }, zero2[] = { 0, 1 }, neg4[] = { 0, -1, 0, 0 };
	static const int64_t big4[] = { 3, 0, 0, 0 }, ks[] = { 3, 3 }, ks_other[] = { 3, 2 };
	static const int64_t huge2[] = { (int64_t)1 << 40, 1 };
	test_node t;

	node_init(&t);
	add_ints(&t, "strides", one, 1);
	expect_error(&t, 2, in, k, 0, EDGEML_ERR_FORMAT);
	assert_non_null(strstr(edgeml_last_error(), "strides"));

	node_init(&t);
	add_ints(&t, "strides", zero2, 2);
	expect_error(&t, 2, in, k, 0, EDGEML_ERR_FORMAT);

	node_init(&t);
	add_ints(&t, "pads", neg4, 4);
	expect_error(&t, 2, in, k, 0, EDGEML_ERR_FORMAT);
	assert_non_null(strstr(edgeml_last_error(), "pads"));

	node_init(&t);
	add_ints(&t, "dilations", huge2, 2);
	expect_error(&t, 2, in, k, 0, EDGEML_ERR_FORMAT);

	/* Pool padding must be smaller than the kernel; a conv may pad more. */
	node_init(&t);
	add_ints(&t, "kernel_shape", ks, 2);
	add_ints(&t, "pads", big4, 4);
	expect_error(&t, 2, in, NULL, 1, EDGEML_ERR_FORMAT);
	eml_window_geom g;
	assert_int_equal(eml_window_geometry(&t.node, 2, in, k, 0, &g), EDGEML_OK);
	assert_int_equal(g.out[0], 6);

	/* Pools need kernel_shape; a conv's attribute must agree with its weights. */
	node_init(&t);
	expect_error(&t, 2, in, NULL, 1, EDGEML_ERR_FORMAT);
	assert_non_null(strstr(edgeml_last_error(), "kernel_shape"));
	node_init(&t);
	add_ints(&t, "kernel_shape", ks_other, 2);
	expect_error(&t, 2, in, k, 0, EDGEML_ERR_SHAPE);

	/* Kernel larger than the padded input. */
	int64_t small[] = { 2, 5 };
	node_init(&t);
	expect_error(&t, 2, small, k, 0, EDGEML_ERR_SHAPE);

	node_init(&t);
	add_str(&t, "auto_pad", "SAME");
	expect_error(&t, 2, in, k, 0, EDGEML_ERR_FORMAT);
	assert_non_null(strstr(edgeml_last_error(), "auto_pad"));

	node_init(&t);
	add_int(&t, "ceil_mode", 2);
	expect_error(&t, 2, in, k, 1, EDGEML_ERR_FORMAT);

	node_init(&t);
	add_int(&t, "strides", 2);
	expect_error(&t, 2, in, k, 0, EDGEML_ERR_FORMAT);

	int64_t in4[] = { 5, 5, 5, 5 }, k4[] = { 1, 1, 1, 1 };
	node_init(&t);
	expect_error(&t, 4, in4, k4, 0, EDGEML_ERR_UNSUPPORTED);
	expect_error(&t, 0, in4, k4, 0, EDGEML_ERR_UNSUPPORTED);

	int64_t in_huge[] = { INT64_MAX, 5 }, k_zero[] = { 0, 3 };
	expect_error(&t, 2, in_huge, k, 0, EDGEML_ERR_SHAPE);
	expect_error(&t, 2, in, k_zero, 0, EDGEML_ERR_SHAPE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_explicit_pads), cmocka_unit_test(test_same),
		cmocka_unit_test(test_valid),         cmocka_unit_test(test_ceil_mode),
		cmocka_unit_test(test_dilation_3d),   cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
