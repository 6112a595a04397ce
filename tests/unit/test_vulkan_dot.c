/* test_vulkan_dot.c — the int8 convolution and matmul shaders: the packed integer
 * dot-product variants (qconv.comp and qgemm.comp with DOT4) and the float multiply-add one
 * (fconv.comp with QUANT, which convolutions take where dot products are not accelerated;
 * EDGEML_VK_QCONV=int forces qconv.comp): convolutions and matmuls whose reduction is not a
 * multiple of four, with padding, dilation, groups, uint8 activations, uint8 and int8
 * weights, per-channel zero points, weights too far from their zero point for the packed
 * form (the scalar shader then runs), and sums past 2^24 (fconv.comp's chunks) must give the
 * CPU reference's bytes. On a device that reports shaderIntegerDotProduct the suite also
 * checks the packed form was compiled. The Khronos validation layer is on, and any message
 * it prints fails the suite. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "backend.h"
#include "convert/eml_write.h"
#include "edgeml.h"
#include "model.h"
#include "ops/ops.h"
#include "session.h"
#include "vulkan/vk_device.h"
#include "vulkan/vk_ops.h"

#include "vk_test_graph.h"

static int dot_device; /* the device reports integer dot product */

static const float s_x = 0.05f, s_y = 0.11f, s_w[8] = { 0.02f,  0.013f, 0.031f, 0.007f,
						      0.011f, 0.017f, 0.023f, 0.005f };
static const int8_t zp_y = -5, zp_x = 3, zp_w[8] = { 0, 1, -2, 0, 3, -1, 0, 2 };
static const int8_t zp_0 = 0, zp_big = -2;
static const uint8_t zp_u = 131, zp_u128 = 128;
static const int32_t bias8[8] = { 100, -2000, 37, 0, 5, -9, 1234, -77 };

/* n bytes centered on zero spanning [-span, span] (so that w - zp fits a signed byte). */
static void fill_weights(int8_t *w, size_t n, uint32_t seed, int span)
{
	for (size_t i = 0; i < n; i++)
		w[i] = (int8_t)((int)(next_rand(&seed) % (uint32_t)(2 * span + 1)) - span);
}

/* Adds QLinearConv y = conv(x, w) to b: x with zero-point tensor xz, weights w with zero
 * points wz, optional bias, output of type yt and dims od (od[1] output channels). */
static void qconv(builder *b, uint32_t x, uint32_t xz, uint32_t w, uint32_t wz, uint32_t bias,
		  edgeml_dtype yt, uint32_t rank, const int64_t *od, uint32_t n_attr,
		  const eml_attr *attrs)
{
	uint32_t xs = constant(b, EDGEML_DTYPE_FLOAT32, 1, &s_x);
	uint32_t ws = constant(b, EDGEML_DTYPE_FLOAT32, od[1], s_w);
	uint32_t ys = constant(b, EDGEML_DTYPE_FLOAT32, 1, &s_y);
	uint32_t yz = yt == EDGEML_DTYPE_UINT8 ? constant(b, EDGEML_DTYPE_UINT8, 1, &zp_u)
					      : constant(b, EDGEML_DTYPE_INT8, 1, &zp_y);
	uint32_t y = tensor(b, yt, rank, od, EML_TF_OUTPUT, NULL);
	uint32_t in[9] = { x, xs, xz, w, ws, wz, ys, yz, bias };
	node(b, EML_OP_QLinearConv, bias == EML_NO_TENSOR ? 8 : 9, in, y, n_attr, attrs);
}

/* Loads the graph of b, compares Vulkan with the CPU reference, and frees it. */
static void check(builder *b)
{
	void *image;
	edgeml_model *m = load(b, &image);
	compare(m, 0);
	edgeml_model_free(m);
	free(image);
}

/* int8 activations: 3x3 with six input channels (a partial last group of four), pads,
 * stride 2, per-channel weight zero points, bias and fused Relu; and a dilated 3x3 with
 * asymmetric pads whose weights sit too far from their zero point for the packed form. */
static void test_dot_conv_int8(void **state)
{
	(void)state;
	SKIP_WITHOUT_DEVICE();
	static builder b;
	static int8_t w1[8 * 6 * 9], w2[4 * 8 * 9];
	fill_weights(w1, sizeof(w1), 3, 120);
	fill_weights(w2, sizeof(w2), 4, 127);
	w2[5] = 127; /* 127 - (-2) does not fit: the scalar shader runs */
	memset(&b, 0, sizeof(b));
	uint32_t x = tensor(&b, EDGEML_DTYPE_INT8, 4, (int64_t[]){ 2, 6, 9, 7 }, EML_TF_INPUT,
			    NULL);
	uint32_t xz = constant(&b, EDGEML_DTYPE_INT8, 1, &zp_x);
	uint32_t w = tensor(&b, EDGEML_DTYPE_INT8, 4, (int64_t[]){ 8, 6, 3, 3 }, EML_TF_CONSTANT,
			    w1);
	uint32_t wz = constant(&b, EDGEML_DTYPE_INT8, 8, zp_w);
	uint32_t bias = constant(&b, EDGEML_DTYPE_INT32, 8, bias8);
	static const int64_t k3[2] = { 3, 3 }, s2[2] = { 2, 2 }, p1[4] = { 1, 1, 1, 1 };
	static const int64_t d2[2] = { 2, 2 }, pa[4] = { 2, 0, 1, 3 };
	eml_attr a1[] = { ints("kernel_shape", 2, k3), ints("strides", 2, s2),
			  ints("pads", 4, p1), float1("activation_min", 0.0f) };
	qconv(&b, x, xz, w, wz, bias, EDGEML_DTYPE_INT8, 4, (int64_t[]){ 2, 8, 5, 4 }, 4, a1);
	uint32_t x2 = tensor(&b, EDGEML_DTYPE_INT8, 4, (int64_t[]){ 1, 8, 6, 5 }, EML_TF_INPUT,
			     NULL);
	uint32_t w2t = tensor(&b, EDGEML_DTYPE_INT8, 4, (int64_t[]){ 4, 8, 3, 3 },
			      EML_TF_CONSTANT, w2);
	uint32_t wzb = constant(&b, EDGEML_DTYPE_INT8, 1, &zp_big);
	eml_attr a2[] = { ints("dilations", 2, d2), ints("pads", 4, pa) };
	qconv(&b, x2, xz, w2t, wzb, EML_NO_TENSOR, EDGEML_DTYPE_INT8, 4,
	      (int64_t[]){ 1, 4, 5, 4 }, 2, a2);
	check(&b);
}

/* uint8 activations: a grouped 3x3 (eight input channels per group) with int8 weights, a
 * 1x1 with uint8 weights around 128, and a 1-D convolution of five channels. */
static void test_dot_conv_uint8(void **state)
{
	(void)state;
	SKIP_WITHOUT_DEVICE();
	static builder b;
	static int8_t w1[8 * 8 * 9], w3[4 * 5 * 3];
	static uint8_t w2[8 * 16];
	fill_weights(w1, sizeof(w1), 5, 125);
	fill_weights(w3, sizeof(w3), 6, 125);
	uint32_t seed = 8;
	for (size_t i = 0; i < sizeof(w2); i++)
		w2[i] = (uint8_t)(next_rand(&seed) % 256);
	memset(&b, 0, sizeof(b));
	uint32_t x = tensor(&b, EDGEML_DTYPE_UINT8, 4, (int64_t[]){ 1, 16, 7, 6 }, EML_TF_INPUT,
			    NULL);
	uint32_t xz = constant(&b, EDGEML_DTYPE_UINT8, 1, &zp_u);
	uint32_t w = tensor(&b, EDGEML_DTYPE_INT8, 4, (int64_t[]){ 8, 8, 3, 3 }, EML_TF_CONSTANT,
			    w1);
	uint32_t wz = constant(&b, EDGEML_DTYPE_INT8, 1, &zp_0);
	uint32_t bias = constant(&b, EDGEML_DTYPE_INT32, 8, bias8);
	static const int64_t p1[4] = { 1, 1, 1, 1 };
	eml_attr a1[] = { ints("pads", 4, p1), int1("group", 2) };
	qconv(&b, x, xz, w, wz, bias, EDGEML_DTYPE_UINT8, 4, (int64_t[]){ 1, 8, 7, 6 }, 2, a1);
	uint32_t w2t = tensor(&b, EDGEML_DTYPE_UINT8, 4, (int64_t[]){ 8, 16, 1, 1 },
			      EML_TF_CONSTANT, w2);
	uint32_t wz2 = constant(&b, EDGEML_DTYPE_UINT8, 1, &zp_u128);
	qconv(&b, x, xz, w2t, wz2, EML_NO_TENSOR, EDGEML_DTYPE_INT8, 4,
	      (int64_t[]){ 1, 8, 7, 6 }, 0, NULL);
	uint32_t x3 = tensor(&b, EDGEML_DTYPE_UINT8, 3, (int64_t[]){ 2, 5, 11 }, EML_TF_INPUT,
			     NULL);
	uint32_t w3t = tensor(&b, EDGEML_DTYPE_INT8, 3, (int64_t[]){ 4, 5, 3 }, EML_TF_CONSTANT,
			      w3);
	uint32_t wz3 = constant(&b, EDGEML_DTYPE_INT8, 4, zp_w);
	static const int64_t p1d[2] = { 1, 2 }, s1d[1] = { 2 };
	eml_attr a3[] = { ints("pads", 2, p1d), ints("strides", 1, s1d) };
	qconv(&b, x3, xz, w3t, wz3, EML_NO_TENSOR, EDGEML_DTYPE_UINT8, 3,
	      (int64_t[]){ 2, 4, 6 }, 2, a3);
	check(&b);
}

/* The convolutions again on the integer shader (qconv.comp), whichever the device prefers. */
static void test_dot_conv_int_shader(void **state)
{
	setenv("EDGEML_VK_QCONV", "int", 1);
	test_dot_conv_int8(state);
	test_dot_conv_uint8(state);
	unsetenv("EDGEML_VK_QCONV");
}

/* Sums beyond 2^24, where fp32 no longer holds every integer: a constant input of -128 with
 * zero point 127 (x' = -255) under 1100 input channels whose weights are 127 for the first
 * half and -127 for the second, so each output's sum climbs to 550 * 32385 (past 2^24) and
 * comes back to exactly 0; at unit scale the output is that sum. One fp32 sum over all
 * channels would round on the way; fconv.comp's chunks must not. Beside it, a small
 * convolution of a graph input. */
static void test_dot_conv_big_sums(void **state)
{
	(void)state;
	SKIP_WITHOUT_DEVICE();
	static builder b;
	enum { C = 1100, M = 4, W = 6 };
	static int8_t xs[C * W], w[M * C], wsmall[4 * 4];
	static const float one = 1.0f;
	static const int8_t zp_127 = 127;
	for (size_t i = 0; i < sizeof(xs); i++)
		xs[i] = -128;
	for (size_t m = 0; m < M; m++)
		for (size_t c = 0; c < C; c++)
			w[m * C + c] = c < C / 2 ? 127 : -127;
	fill_weights(wsmall, sizeof(wsmall), 13, 100);
	memset(&b, 0, sizeof(b));
	uint32_t x = tensor(&b, EDGEML_DTYPE_INT8, 4, (int64_t[]){ 1, C, 1, W }, EML_TF_CONSTANT,
			    xs);
	uint32_t sc = constant(&b, EDGEML_DTYPE_FLOAT32, 1, &one);
	uint32_t xz = constant(&b, EDGEML_DTYPE_INT8, 1, &zp_127);
	uint32_t wt = tensor(&b, EDGEML_DTYPE_INT8, 4, (int64_t[]){ M, C, 1, 1 }, EML_TF_CONSTANT,
			     w);
	uint32_t z0 = constant(&b, EDGEML_DTYPE_INT8, 1, &zp_0);
	uint32_t y = tensor(&b, EDGEML_DTYPE_INT8, 4, (int64_t[]){ 1, M, 1, W }, EML_TF_OUTPUT,
			    NULL);
	node(&b, EML_OP_QLinearConv, 8, (uint32_t[]){ x, sc, xz, wt, sc, z0, sc, z0 }, y, 0,
	     NULL);
	uint32_t x2 = tensor(&b, EDGEML_DTYPE_INT8, 4, (int64_t[]){ 1, 4, 3, 5 }, EML_TF_INPUT,
			     NULL);
	uint32_t w2 = tensor(&b, EDGEML_DTYPE_INT8, 4, (int64_t[]){ 4, 4, 1, 1 },
			     EML_TF_CONSTANT, wsmall);
	uint32_t xz2 = constant(&b, EDGEML_DTYPE_INT8, 1, &zp_x);
	qconv(&b, x2, xz2, w2, z0, EML_NO_TENSOR, EDGEML_DTYPE_INT8, 4, (int64_t[]){ 1, 4, 3, 5 },
	      0, NULL);
	check(&b);
}

/* QLinearGemm of uint8 A with and without transB (K = 10: a partial last group), per-column
 * zero points, bias and alpha; QLinearMatMul of a batched int8 A by a constant uint8 B. */
static void test_dot_gemm(void **state)
{
	(void)state;
	SKIP_WITHOUT_DEVICE();
	static builder b;
	static int8_t wt[8 * 10], wn[10 * 8];
	static uint8_t wu[10 * 8];
	fill_weights(wt, sizeof(wt), 10, 120);
	fill_weights(wn, sizeof(wn), 11, 120);
	uint32_t seed = 12;
	for (size_t i = 0; i < sizeof(wu); i++)
		wu[i] = (uint8_t)(next_rand(&seed) % 256);
	memset(&b, 0, sizeof(b));
	uint32_t a = tensor(&b, EDGEML_DTYPE_UINT8, 2, (int64_t[]){ 3, 10 }, EML_TF_INPUT, NULL);
	uint32_t as = constant(&b, EDGEML_DTYPE_FLOAT32, 1, &s_x);
	uint32_t az = constant(&b, EDGEML_DTYPE_UINT8, 1, &zp_u);
	uint32_t ws = constant(&b, EDGEML_DTYPE_FLOAT32, 8, s_w);
	uint32_t wz = constant(&b, EDGEML_DTYPE_INT8, 8, zp_w);
	uint32_t bias = constant(&b, EDGEML_DTYPE_INT32, 8, bias8);
	uint32_t ys = constant(&b, EDGEML_DTYPE_FLOAT32, 1, &s_y);
	uint32_t yz = constant(&b, EDGEML_DTYPE_INT8, 1, &zp_y);
	uint32_t w1 = tensor(&b, EDGEML_DTYPE_INT8, 2, (int64_t[]){ 8, 10 }, EML_TF_CONSTANT, wt);
	uint32_t y1 = tensor(&b, EDGEML_DTYPE_INT8, 2, (int64_t[]){ 3, 8 }, EML_TF_OUTPUT, NULL);
	node(&b, EML_OP_QLinearGemm, 9, (uint32_t[]){ a, as, az, w1, ws, wz, bias, ys, yz }, y1,
	     2, (eml_attr[]){ int1("transB", 1), float1("alpha", 0.75f) });
	uint32_t w2 = tensor(&b, EDGEML_DTYPE_INT8, 2, (int64_t[]){ 10, 8 }, EML_TF_CONSTANT, wn);
	uint32_t y2 = tensor(&b, EDGEML_DTYPE_INT8, 2, (int64_t[]){ 3, 8 }, EML_TF_OUTPUT, NULL);
	node(&b, EML_OP_QLinearGemm, 9, (uint32_t[]){ a, as, az, w2, ws, wz, bias, ys, yz }, y2,
	     0, NULL);
	uint32_t p = tensor(&b, EDGEML_DTYPE_INT8, 3, (int64_t[]){ 2, 3, 10 }, EML_TF_INPUT,
			    NULL);
	uint32_t pz = constant(&b, EDGEML_DTYPE_INT8, 1, &zp_x);
	uint32_t q = tensor(&b, EDGEML_DTYPE_UINT8, 2, (int64_t[]){ 10, 8 }, EML_TF_CONSTANT, wu);
	uint32_t qz = constant(&b, EDGEML_DTYPE_UINT8, 1, &zp_u128);
	uint32_t r = tensor(&b, EDGEML_DTYPE_INT8, 3, (int64_t[]){ 2, 3, 8 }, EML_TF_OUTPUT,
			    NULL);
	node(&b, EML_OP_QLinearMatMul, 8, (uint32_t[]){ p, as, pz, q, as, qz, ys, yz }, r, 0,
	     NULL);
	check(&b);
}

/* On a device with integer dot products, the SPIR-V the suite compiled uses them. */
static void test_dot_compiled(void **state)
{
	(void)state;
	SKIP_WITHOUT_DEVICE();
	if (!dot_device)
		skip();
	char cmd[160];
	snprintf(cmd, sizeof(cmd), "grep -qs SPV_KHR_integer_dot_product %s/spirv-*.bin",
		 cache_dir);
	assert_int_equal(system(cmd), 0);
}

/* fconv.comp's packed weights for 5 output channels of 2 input channels by 3 kernel
 * positions in blocks of 4 channels: as int8s, byte lane of word (block, c, k) holds
 * channel 4 * block + lane, a quarter of the words the floats take, the missing channels
 * 6..8 zero and the ends of int8 (-127, 127, -1) kept with their signs. No device needed. */
static void test_dot_pack_int8(void **state)
{
	(void)state;
	eml_qconv_shape s;
	memset(&s, 0, sizeof(s));
	s.batch = 1;
	s.in_ch = 2;
	s.out_ch = 5;
	s.group = 1;
	s.g.n_spatial = 1;
	s.g.kernel[0] = 3;
	float w[5 * 2 * 3];
	for (int i = 0; i < 30; i++)
		w[i] = (float)(i % 3 == 0 ? -127 : i % 3 == 1 ? 127 - i : -1);
	eml_vk_dispatch d8, df;
	memset(&d8, 0, sizeof(d8));
	memset(&df, 0, sizeof(df));
	assert_int_equal(eml_vk_fconv_pack(&d8, w, &s, 4, 1), EDGEML_OK);
	assert_int_equal(eml_vk_fconv_pack(&df, w, &s, 4, 0), EDGEML_OK);
	/* 2 blocks x 2 channels x 3 positions x 4 lanes. */
	assert_int_equal(df.n_params, 48);
	assert_int_equal(d8.n_params, 12);
	/* Word (block 0, c 0, k 0): channels 0..3 at c 0, k 0 are w[0], w[6], w[12], w[18]. */
	assert_int_equal(d8.params[0], 0x81818181u);
	/* (block 0, c 0, k 1): 126, 120, 114, 108. */
	assert_int_equal(d8.params[1], (108u << 24) | (114u << 16) | (120u << 8) | 126u);
	/* (block 1, c 1, k 2): channel 4 at w[29] = -1, lanes 1..3 empty. */
	assert_int_equal(d8.params[11], 0x000000ffu);
	for (uint32_t i = 0; i < 48; i++) {
		float f;
		memcpy(&f, &df.params[i], sizeof(f));
		assert_int_equal((int8_t)(d8.params[i / 4] >> (i % 4 * 8)), (int)f);
	}
	free(d8.params);
	free(df.params);
}

/* Finds out whether the machine has a usable Vulkan device, and whether it has the dot. */
static void find_device(void)
{
	const eml_vk_instance *vi;
	uint32_t index;
	have_device = eml_vk_instance_shared(&vi) == EDGEML_OK &&
		      eml_vk_pick_device(vi, NULL, &index) == EDGEML_OK;
	if (!have_device)
		fprintf(stderr, "test_vulkan_dot: no usable Vulkan (%s): tests skipped\n",
			edgeml_last_error());
	else
		dot_device = vi->info[index].int_dot;
}

int main(void)
{
	setenv("EDGEML_VK_VALIDATION", "1", 1);
	if (!getenv("XDG_RUNTIME_DIR"))
		setenv("XDG_RUNTIME_DIR", "/tmp", 1);
	snprintf(cache_dir, sizeof(cache_dir), "/tmp/edgeml-test-vkdot-%ld", (long)getpid());
	find_device();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dot_conv_int8),
		cmocka_unit_test(test_dot_conv_uint8),
		cmocka_unit_test(test_dot_conv_int_shader),
		cmocka_unit_test(test_dot_conv_big_sums),
		cmocka_unit_test(test_dot_gemm),
		cmocka_unit_test(test_dot_compiled),
		cmocka_unit_test(test_dot_pack_int8),
	};
	int failed = cmocka_run_group_tests(tests, NULL, NULL);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", cache_dir);
	if (system(cmd) != 0)
		fprintf(stderr, "test_vulkan_dot: could not remove %s\n", cache_dir);
	uint64_t messages = eml_vk_validation_messages();
	if (messages)
		fprintf(stderr, "test_vulkan_dot: the validation layer reported %llu messages\n",
			(unsigned long long)messages);
	return failed || messages ? 1 : 0;
}
