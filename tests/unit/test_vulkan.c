/* test_vulkan.c — the Vulkan backend on whatever device the machine has (lavapipe in CI):
 * hand-built graphs run on the Vulkan backend and on the CPU reference must give identical
 * quantized outputs (float ones within 1e-5 relative); the caches, the CPU fallback,
 * submit/wait, profiling and the no-loader / no-driver paths. The Khronos validation layer is
 * on for the whole run, and any message it prints fails the suite. Without a Vulkan device
 * the device tests are skipped. */
#include <math.h>
#include <pthread.h>
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

#define MAX_T 48
#include "vk_test_graph.h"

static const float s_x = 0.05f, s_y = 0.11f, s_w4[4] = { 0.02f, 0.013f, 0.031f, 0.007f };
static const int8_t zp_x = 3, zp_y = -5, zp_w4[4] = { 0, 1, -2, 0 };
static const uint8_t zp_u = 128;
static const int32_t bias4[4] = { 100, -2000, 37, 0 };

/* QLinearConv: depthwise 3x3, stride 2, pads 1, per-channel weights, bias, fused Relu; and
 * a grouped 1x1 convolution of uint8 activations with per-tensor weights, no bias. */
static void test_qconv(void **state)
{
	(void)state;
	SKIP_WITHOUT_DEVICE();
	static builder b;
	static int8_t w_dw[4 * 9], w_pw[4 * 2];
	uint32_t seed = 7;
	for (size_t i = 0; i < sizeof(w_dw); i++)
		w_dw[i] = (int8_t)next_rand(&seed);
	for (size_t i = 0; i < sizeof(w_pw); i++)
		w_pw[i] = (int8_t)next_rand(&seed);
	memset(&b, 0, sizeof(b));
	uint32_t x = tensor(&b, EDGEML_DTYPE_INT8, 4, (int64_t[]){ 2, 4, 9, 7 }, EML_TF_INPUT,
			    NULL);
	uint32_t xs = constant(&b, EDGEML_DTYPE_FLOAT32, 1, &s_x);
	uint32_t xz = constant(&b, EDGEML_DTYPE_INT8, 1, &zp_x);
	uint32_t w = tensor(&b, EDGEML_DTYPE_INT8, 4, (int64_t[]){ 4, 1, 3, 3 }, EML_TF_CONSTANT,
			    w_dw);
	uint32_t ws = constant(&b, EDGEML_DTYPE_FLOAT32, 4, s_w4);
	uint32_t wz = constant(&b, EDGEML_DTYPE_INT8, 4, zp_w4);
	uint32_t ys = constant(&b, EDGEML_DTYPE_FLOAT32, 1, &s_y);
	uint32_t yz = constant(&b, EDGEML_DTYPE_INT8, 1, &zp_y);
	uint32_t bias = constant(&b, EDGEML_DTYPE_INT32, 4, bias4);
	uint32_t y = tensor(&b, EDGEML_DTYPE_INT8, 4, (int64_t[]){ 2, 4, 5, 4 }, EML_TF_OUTPUT,
			    NULL);
	static const int64_t k3[2] = { 3, 3 }, s2[2] = { 2, 2 }, p1[4] = { 1, 1, 1, 1 };
	eml_attr a[] = { ints("kernel_shape", 2, k3), ints("strides", 2, s2),
			 ints("pads", 4, p1), int1("group", 4), float1("activation_min", 0.0f) };
	node(&b, EML_OP_QLinearConv, 9, (uint32_t[]){ x, xs, xz, w, ws, wz, ys, yz, bias }, y, 5,
	     a);
	uint32_t u = tensor(&b, EDGEML_DTYPE_UINT8, 4, (int64_t[]){ 1, 4, 3, 5 }, EML_TF_INPUT,
			    NULL);
	uint32_t uz = constant(&b, EDGEML_DTYPE_UINT8, 1, &zp_u);
	uint32_t w2 = tensor(&b, EDGEML_DTYPE_INT8, 4, (int64_t[]){ 4, 2, 1, 1 },
			     EML_TF_CONSTANT, w_pw);
	uint32_t wz0 = constant(&b, EDGEML_DTYPE_INT8, 1, &zp_w4[0]);
	uint32_t y2 = tensor(&b, EDGEML_DTYPE_UINT8, 4, (int64_t[]){ 1, 4, 3, 5 }, EML_TF_OUTPUT,
			     NULL);
	node(&b, EML_OP_QLinearConv, 8, (uint32_t[]){ u, xs, uz, w2, ws, wz0, ys, uz }, y2, 1,
	     (eml_attr[]){ int1("group", 2) });
	void *image;
	edgeml_model *m = load(&b, &image);
	compare(m, 0);
	edgeml_model_free(m);
	free(image);
}

/* A grouped 3x3 convolution on packed dot products whose tiles overhang (3 output channels
 * per group, rows of 7), then a depthwise one (rows of 7 at stride 1): the edges of the
 * shaders' 4x4 and 4-wide tiles; and a 1x1 one of uint8 activations in rows of 8 (read four
 * at a time) with 6 input channels (a partial last word) and 5 output channels. */
static edgeml_model *tile_model(void **image)
{
	static builder b;
	static int8_t w_g[6 * 4 * 9], w_dw[6 * 9], w_pw[5 * 6];
	uint32_t seed = 11;
	for (size_t i = 0; i < sizeof(w_g); i++)
		w_g[i] = (int8_t)(next_rand(&seed) % 64) - 32;
	for (size_t i = 0; i < sizeof(w_dw); i++)
		w_dw[i] = (int8_t)next_rand(&seed);
	for (size_t i = 0; i < sizeof(w_pw); i++)
		w_pw[i] = (int8_t)(next_rand(&seed) % 64) - 32;
	memset(&b, 0, sizeof(b));
	uint32_t x = tensor(&b, EDGEML_DTYPE_INT8, 4, (int64_t[]){ 2, 8, 5, 7 }, EML_TF_INPUT,
			    NULL);
	uint32_t xs = constant(&b, EDGEML_DTYPE_FLOAT32, 1, &s_x);
	uint32_t xz = constant(&b, EDGEML_DTYPE_INT8, 1, &zp_x);
	uint32_t w = tensor(&b, EDGEML_DTYPE_INT8, 4, (int64_t[]){ 6, 4, 3, 3 }, EML_TF_CONSTANT,
			    w_g);
	uint32_t ws = constant(&b, EDGEML_DTYPE_FLOAT32, 1, &s_w4[1]);
	uint32_t wz = constant(&b, EDGEML_DTYPE_INT8, 1, &zp_w4[1]);
	uint32_t ys = constant(&b, EDGEML_DTYPE_FLOAT32, 1, &s_y);
	uint32_t yz = constant(&b, EDGEML_DTYPE_INT8, 1, &zp_y);
	uint32_t y = tensor(&b, EDGEML_DTYPE_INT8, 4, (int64_t[]){ 2, 6, 5, 7 }, 0, NULL);
	static const int64_t k3[2] = { 3, 3 }, p1[4] = { 1, 1, 1, 1 };
	node(&b, EML_OP_QLinearConv, 8, (uint32_t[]){ x, xs, xz, w, ws, wz, ys, yz }, y, 3,
	     (eml_attr[]){ ints("kernel_shape", 2, k3), ints("pads", 4, p1), int1("group", 2) });
	uint32_t w2 = tensor(&b, EDGEML_DTYPE_INT8, 4, (int64_t[]){ 6, 1, 3, 3 },
			     EML_TF_CONSTANT, w_dw);
	uint32_t y2 = tensor(&b, EDGEML_DTYPE_INT8, 4, (int64_t[]){ 2, 6, 5, 7 }, EML_TF_OUTPUT,
			     NULL);
	node(&b, EML_OP_QLinearConv, 8, (uint32_t[]){ y, ys, yz, w2, ws, wz, xs, xz }, y2, 3,
	     (eml_attr[]){ ints("kernel_shape", 2, k3), ints("pads", 4, p1), int1("group", 6) });
	uint32_t u = tensor(&b, EDGEML_DTYPE_UINT8, 4, (int64_t[]){ 1, 6, 3, 8 }, EML_TF_INPUT,
			    NULL);
	uint32_t uz = constant(&b, EDGEML_DTYPE_UINT8, 1, &zp_u);
	uint32_t w3 = tensor(&b, EDGEML_DTYPE_INT8, 4, (int64_t[]){ 5, 6, 1, 1 },
			     EML_TF_CONSTANT, w_pw);
	uint32_t y3 = tensor(&b, EDGEML_DTYPE_UINT8, 4, (int64_t[]){ 1, 5, 3, 8 }, EML_TF_OUTPUT,
			     NULL);
	node(&b, EML_OP_QLinearConv, 8, (uint32_t[]){ u, xs, uz, w3, ws, wz, ys, uz }, y3, 0,
	     NULL);
	return load(&b, image);
}

/* What a thread of test_shared_pipelines does: creates a Vulkan session. */
static void *create_session(void *arg)
{
	edgeml_session_options o;
	edgeml_session_options_init(&o);
	o.backend = EDGEML_BACKEND_VULKAN;
	o.cache_dir = cache_dir;
	void **io = arg;
	edgeml_session *s = NULL;
	if (edgeml_session_create(io[0], &o, &s) != EDGEML_OK)
		s = NULL;
	io[1] = s;
	return NULL;
}

/* The tiles give the reference's bytes; while a context lives, a session made after the
 * last one ended finds every pipeline already made; sessions created on four threads at
 * once share the device and its pipelines and all compute the same bytes. */
static void test_shared_pipelines(void **state)
{
	(void)state;
	SKIP_WITHOUT_DEVICE();
	void *image;
	edgeml_context *ctx;
	edgeml_model *m = tile_model(&image);
	compare(m, 0);
	assert_int_equal(edgeml_context_create(&ctx), EDGEML_OK);
	edgeml_session *s = session(m, EDGEML_BACKEND_VULKAN, 0);
	assert_non_null(strstr(edgeml_session_backend_detail(s), "3 pipelines (3 new, 0 shared)"));
	edgeml_session_destroy(s);
	s = session(m, EDGEML_BACKEND_VULKAN, 0);
	assert_non_null(strstr(edgeml_session_backend_detail(s), "3 pipelines (0 new, 3 shared)"));
	edgeml_session_destroy(s);
	edgeml_context_destroy(ctx);
	s = session(m, EDGEML_BACKEND_VULKAN, 0);
	assert_non_null(strstr(edgeml_session_backend_detail(s), "3 pipelines (3 new, 0 shared)"));
	pthread_t threads[4];
	void *io[4][2];
	for (int i = 0; i < 4; i++) {
		io[i][0] = m;
		assert_int_equal(pthread_create(&threads[i], NULL, create_session, io[i]), 0);
	}
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_join(threads[i], NULL), 0);
	edgeml_session *cpu = session(m, EDGEML_BACKEND_CPU, 0);
	fill_inputs(cpu, 2, 5);
	assert_int_equal(edgeml_session_run(cpu), EDGEML_OK);
	for (int i = 0; i < 4; i++) {
		edgeml_session *t = io[i][1];
		if (!t)
			fail_msg("session on thread %d failed", i);
		assert_non_null(strstr(edgeml_session_backend_detail(t), "(0 new, 3 shared)"));
		fill_inputs(t, 2, 5);
		assert_int_equal(edgeml_session_run(t), EDGEML_OK);
		for (size_t k = 0; k < 2; k++) {
			edgeml_tensor *want, *got;
			edgeml_tensor_info info;
			assert_int_equal(edgeml_session_output(cpu, k, &want), EDGEML_OK);
			assert_int_equal(edgeml_tensor_info_get(want, &info), EDGEML_OK);
			assert_int_equal(edgeml_session_output(t, k, &got), EDGEML_OK);
			assert_memory_equal(edgeml_tensor_data(want), edgeml_tensor_data(got),
					    info.size_bytes);
		}
		edgeml_session_destroy(t);
	}
	edgeml_session_destroy(cpu);
	edgeml_session_destroy(s);
	edgeml_model_free(m);
	free(image);
}

/* Workgroups come in whole subgroups (64 rounded up, within the device's limit), and the
 * shaders give the reference's bytes whatever the workgroup size: those of devices with
 * subgroups of 128 (Adreno) or 24 (odd, to catch any leftover assumption of 64), and 1. */
static void test_workgroup_sizes(void **state)
{
	(void)state;
	assert_int_equal(eml_vk_local_size(8, 1024), 64);
	assert_int_equal(eml_vk_local_size(32, 1024), 64);
	assert_int_equal(eml_vk_local_size(128, 1024), 128);
	assert_int_equal(eml_vk_local_size(48, 1024), 96);
	assert_int_equal(eml_vk_local_size(64, 32), 32);
	assert_int_equal(eml_vk_local_size(0, 1024), 64);
	SKIP_WITHOUT_DEVICE();
	void *image;
	edgeml_model *m = tile_model(&image);
	static const char *const sizes[] = { "128", "24", "1" };
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		assert_int_equal(setenv("EDGEML_VK_LOCAL_SIZE", sizes[i], 1), 0);
		compare(m, 0);
	}
	assert_int_equal(setenv("EDGEML_VK_LOCAL_SIZE", "0", 1), 0);
	edgeml_session_options o;
	edgeml_session_options_init(&o);
	o.backend = EDGEML_BACKEND_VULKAN;
	o.cache_dir = cache_dir;
	edgeml_session *s = NULL;
	assert_int_not_equal(edgeml_session_create(m, &o, &s), EDGEML_OK);
	assert_non_null(strstr(edgeml_last_error(), "EDGEML_VK_LOCAL_SIZE=0"));
	assert_int_equal(unsetenv("EDGEML_VK_LOCAL_SIZE"), 0);
	edgeml_model_free(m);
	free(image);
}

/* QLinearGemm (transB, per-column weights, bias, alpha) and QLinearMatMul with broadcast
 * batches. */
static void test_qgemm(void **state)
{
	(void)state;
	SKIP_WITHOUT_DEVICE();
	static builder b;
	static int8_t wg[4 * 6];
	uint32_t seed = 9;
	for (size_t i = 0; i < sizeof(wg); i++)
		wg[i] = (int8_t)next_rand(&seed);
	memset(&b, 0, sizeof(b));
	uint32_t a = tensor(&b, EDGEML_DTYPE_INT8, 2, (int64_t[]){ 3, 6 }, EML_TF_INPUT, NULL);
	uint32_t as = constant(&b, EDGEML_DTYPE_FLOAT32, 1, &s_x);
	uint32_t az = constant(&b, EDGEML_DTYPE_INT8, 1, &zp_x);
	uint32_t w = tensor(&b, EDGEML_DTYPE_INT8, 2, (int64_t[]){ 4, 6 }, EML_TF_CONSTANT, wg);
	uint32_t ws = constant(&b, EDGEML_DTYPE_FLOAT32, 4, s_w4);
	uint32_t wz = constant(&b, EDGEML_DTYPE_INT8, 4, zp_w4);
	uint32_t bias = constant(&b, EDGEML_DTYPE_INT32, 4, bias4);
	uint32_t ys = constant(&b, EDGEML_DTYPE_FLOAT32, 1, &s_y);
	uint32_t yz = constant(&b, EDGEML_DTYPE_INT8, 1, &zp_y);
	uint32_t y = tensor(&b, EDGEML_DTYPE_INT8, 2, (int64_t[]){ 3, 4 }, EML_TF_OUTPUT, NULL);
	node(&b, EML_OP_QLinearGemm, 9, (uint32_t[]){ a, as, az, w, ws, wz, bias, ys, yz }, y, 2,
	     (eml_attr[]){ int1("transB", 1), float1("alpha", 0.75f) });
	uint32_t p = tensor(&b, EDGEML_DTYPE_UINT8, 3, (int64_t[]){ 2, 3, 5 }, EML_TF_INPUT,
			    NULL);
	uint32_t q = tensor(&b, EDGEML_DTYPE_UINT8, 2, (int64_t[]){ 5, 4 }, EML_TF_INPUT, NULL);
	uint32_t uz = constant(&b, EDGEML_DTYPE_UINT8, 1, &zp_u);
	uint32_t r = tensor(&b, EDGEML_DTYPE_UINT8, 3, (int64_t[]){ 2, 3, 4 }, EML_TF_OUTPUT,
			    NULL);
	node(&b, EML_OP_QLinearMatMul, 8, (uint32_t[]){ p, as, uz, q, as, uz, ys, uz }, r, 0,
	     NULL);
	void *image;
	edgeml_model *m = load(&b, &image);
	compare(m, 0);
	edgeml_model_free(m);
	free(image);
}

/* QuantizeLinear per axis, QLinearAdd with broadcasting (either side), QLinearMul, pools and
 * DequantizeLinear, chained through the activation arena. */
static void test_qchain(void **state)
{
	(void)state;
	SKIP_WITHOUT_DEVICE();
	static builder b;
	static const float s3[3] = { 0.03f, 0.05f, 0.021f };
	static const int8_t z3[3] = { 0, -3, 7 };
	static const float s_b = 0.07f;
	memset(&b, 0, sizeof(b));
	uint32_t x = tensor(&b, EDGEML_DTYPE_FLOAT32, 4, (int64_t[]){ 1, 3, 6, 6 }, EML_TF_INPUT,
			    NULL);
	uint32_t sc = constant(&b, EDGEML_DTYPE_FLOAT32, 3, s3);
	uint32_t zc = constant(&b, EDGEML_DTYPE_INT8, 3, z3);
	uint32_t q = tensor(&b, EDGEML_DTYPE_INT8, 4, (int64_t[]){ 1, 3, 6, 6 }, 0, NULL);
	node(&b, EML_OP_QuantizeLinear, 3, (uint32_t[]){ x, sc, zc }, q, 1,
	     (eml_attr[]){ int1("axis", 1) });
	uint32_t c = tensor(&b, EDGEML_DTYPE_INT8, 4, (int64_t[]){ 1, 3, 1, 1 }, EML_TF_INPUT,
			    NULL);
	uint32_t xs = constant(&b, EDGEML_DTYPE_FLOAT32, 1, &s_x);
	uint32_t xz = constant(&b, EDGEML_DTYPE_INT8, 1, &zp_x);
	uint32_t bs = constant(&b, EDGEML_DTYPE_FLOAT32, 1, &s_b);
	uint32_t ys = constant(&b, EDGEML_DTYPE_FLOAT32, 1, &s_y);
	uint32_t yz = constant(&b, EDGEML_DTYPE_INT8, 1, &zp_y);
	uint32_t sum = tensor(&b, EDGEML_DTYPE_INT8, 4, (int64_t[]){ 1, 3, 6, 6 }, 0, NULL);
	node(&b, EML_OP_QLinearAdd, 8, (uint32_t[]){ q, xs, xz, c, bs, yz, ys, yz }, sum, 1,
	     (eml_attr[]){ float1("activation_max", 1.5f) });
	/* A broadcast over B: ONNX Runtime's swapped order (quant.h eml_qadd_swapped) */
	uint32_t sum2 = tensor(&b, EDGEML_DTYPE_INT8, 4, (int64_t[]){ 1, 3, 6, 6 }, 0, NULL);
	node(&b, EML_OP_QLinearAdd, 8, (uint32_t[]){ c, bs, yz, q, xs, xz, ys, yz }, sum2, 0,
	     NULL);
	uint32_t prod = tensor(&b, EDGEML_DTYPE_INT8, 4, (int64_t[]){ 1, 3, 6, 6 }, 0, NULL);
	node(&b, EML_OP_QLinearMul, 8, (uint32_t[]){ sum, ys, yz, sum2, ys, yz, bs, xz }, prod,
	     0, NULL);
	uint32_t avg = tensor(&b, EDGEML_DTYPE_INT8, 4, (int64_t[]){ 1, 3, 3, 3 }, 0, NULL);
	static const int64_t k3[2] = { 3, 3 }, s2[2] = { 2, 2 }, p1[4] = { 1, 1, 0, 0 };
	node(&b, EML_OP_QLinearAveragePool, 5, (uint32_t[]){ prod, bs, xz, ys, yz }, avg, 4,
	     (eml_attr[]){ ints("kernel_shape", 2, k3), ints("strides", 2, s2),
			   ints("pads", 4, p1), int1("count_include_pad", 1) });
	uint32_t mx = tensor(&b, EDGEML_DTYPE_INT8, 4, (int64_t[]){ 1, 3, 2, 2 }, 0, NULL);
	static const int64_t k2[2] = { 2, 2 }, s1[2] = { 1, 1 };
	node(&b, EML_OP_MaxPool, 1, &avg, mx, 2,
	     (eml_attr[]){ ints("kernel_shape", 2, k2), ints("strides", 2, s1) });
	uint32_t g = tensor(&b, EDGEML_DTYPE_INT8, 4, (int64_t[]){ 1, 3, 1, 1 }, 0, NULL);
	node(&b, EML_OP_QLinearGlobalAveragePool, 5, (uint32_t[]){ mx, ys, yz, bs, xz }, g, 0,
	     NULL);
	uint32_t out = tensor(&b, EDGEML_DTYPE_FLOAT32, 4, (int64_t[]){ 1, 3, 1, 1 },
			      EML_TF_OUTPUT, NULL);
	node(&b, EML_OP_DequantizeLinear, 3, (uint32_t[]){ g, bs, xz }, out, 0, NULL);
	void *image;
	edgeml_model *m = load(&b, &image);
	compare(m, 0);
	edgeml_model_free(m);
	free(image);
}

/* Weights larger than one descriptor may bind (maxStorageBufferRange: 128 MiB on lavapipe
 * and many mobile GPUs; ViT-B/32 has 353 MB) go into several buffers: the quantized chain
 * with the range cut to 1024 bytes (a buffer per dispatch's header and parameters) still
 * agrees with the CPU; a constant larger than the range is refused by name, or runs on the
 * CPU with the fallback. */
static void test_weight_buffers(void **state)
{
	SKIP_WITHOUT_DEVICE();
	assert_int_equal(setenv("EDGEML_VK_MAX_STORAGE_RANGE", "1024", 1), 0);
	test_qchain(state);
	/* and it did split: a model with 4 KiB of weights */
	static builder b0;
	static float w0[1024];
	memset(&b0, 0, sizeof(b0));
	uint32_t x0 = tensor(&b0, EDGEML_DTYPE_FLOAT32, 2, (int64_t[]){ 1, 32 }, EML_TF_INPUT,
			     NULL);
	uint32_t wt0 = tensor(&b0, EDGEML_DTYPE_FLOAT32, 2, (int64_t[]){ 32, 32 },
			      EML_TF_CONSTANT, w0);
	uint32_t y0 = tensor(&b0, EDGEML_DTYPE_FLOAT32, 2, (int64_t[]){ 1, 32 }, EML_TF_OUTPUT,
			     NULL);
	node(&b0, EML_OP_MatMul, 2, (uint32_t[]){ x0, wt0 }, y0, 0, NULL);
	for (int i = 0; i < 1024; i++)
		w0[i] = (float)(i % 7) - 3.0f;
	void *image0;
	edgeml_model *m0 = load(&b0, &image0);
	assert_int_equal(setenv("EDGEML_VK_MAX_STORAGE_RANGE", "4096", 1), 0);
	compare(m0, 0);
	edgeml_session *s0 = session(m0, EDGEML_BACKEND_VULKAN, 0);
	assert_non_null(strstr(edgeml_session_backend_detail(s0), "in 2 buffers"));
	edgeml_session_destroy(s0);
	edgeml_model_free(m0);
	free(image0);
	assert_int_equal(setenv("EDGEML_VK_MAX_STORAGE_RANGE", "1024", 1), 0);
	static builder b;
	static float w[64 * 8];
	memset(&b, 0, sizeof(b));
	uint32_t x = tensor(&b, EDGEML_DTYPE_FLOAT32, 2, (int64_t[]){ 1, 64 }, EML_TF_INPUT, NULL);
	uint32_t wt = tensor(&b, EDGEML_DTYPE_FLOAT32, 2, (int64_t[]){ 64, 8 }, EML_TF_CONSTANT, w);
	uint32_t y = tensor(&b, EDGEML_DTYPE_FLOAT32, 2, (int64_t[]){ 1, 8 }, EML_TF_OUTPUT, NULL);
	node(&b, EML_OP_MatMul, 2, (uint32_t[]){ x, wt }, y, 0, NULL);
	void *image;
	edgeml_model *m = load(&b, &image);
	edgeml_session_options o;
	edgeml_session *s;
	edgeml_session_options_init(&o);
	o.backend = EDGEML_BACKEND_VULKAN;
	o.cache_dir = cache_dir;
	assert_int_equal(edgeml_session_create(m, &o, &s), EDGEML_ERR_UNSUPPORTED);
	assert_non_null(strstr(edgeml_last_error(), "tensor 't1' takes 2048 bytes"));
	assert_non_null(strstr(edgeml_last_error(), "maxStorageBufferRange (1024)"));
	compare(m, EDGEML_SESSION_CPU_FALLBACK);
	edgeml_model_free(m);
	free(image);
	assert_int_equal(unsetenv("EDGEML_VK_MAX_STORAGE_RANGE"), 0);
}

/* The number of activation buffers the session's detail line reports (its main partition's). */
static unsigned activation_buffers(const edgeml_session *s)
{
	const char *at = strstr(edgeml_session_backend_detail(s), "activations ");
	double mib;
	unsigned n = 0;
	if (!at || sscanf(at, "activations %lf MiB in %u buffer", &mib, &n) != 2)
		fail_msg("no activations in the detail line: %s", edgeml_session_backend_detail(s));
	return n;
}

/* Concat of four copies of x (2 KiB) into big (8 KiB), Sigmoid, Add of the two (three 8 KiB
 * tensors live at once), MaxPool back to 2 KiB, Relu. */
static edgeml_model *arena_model(void **image)
{
	static builder b;
	memset(&b, 0, sizeof(b));
	uint32_t x = tensor(&b, EDGEML_DTYPE_FLOAT32, 4, (int64_t[]){ 1, 2, 16, 16 },
			    EML_TF_INPUT, NULL);
	uint32_t big = tensor(&b, EDGEML_DTYPE_FLOAT32, 4, (int64_t[]){ 1, 8, 16, 16 }, 0, NULL);
	node(&b, EML_OP_Concat, 4, (uint32_t[]){ x, x, x, x }, big, 1,
	     (eml_attr[]){ int1("axis", 1) });
	uint32_t sg = tensor(&b, EDGEML_DTYPE_FLOAT32, 4, (int64_t[]){ 1, 8, 16, 16 }, 0, NULL);
	node(&b, EML_OP_Sigmoid, 1, &big, sg, 0, NULL);
	uint32_t sum = tensor(&b, EDGEML_DTYPE_FLOAT32, 4, (int64_t[]){ 1, 8, 16, 16 }, 0, NULL);
	node(&b, EML_OP_Add, 2, (uint32_t[]){ big, sg }, sum, 0, NULL);
	uint32_t mp = tensor(&b, EDGEML_DTYPE_FLOAT32, 4, (int64_t[]){ 1, 8, 8, 8 }, 0, NULL);
	static const int64_t k2[2] = { 2, 2 };
	node(&b, EML_OP_MaxPool, 1, &sum, mp, 2,
	     (eml_attr[]){ ints("kernel_shape", 2, k2), ints("strides", 2, k2) });
	uint32_t y = tensor(&b, EDGEML_DTYPE_FLOAT32, 4, (int64_t[]){ 1, 8, 8, 8 }, EML_TF_OUTPUT,
			    NULL);
	node(&b, EML_OP_Relu, 1, &mp, y, 0, NULL);
	return load(&b, image);
}

/* Activations larger than one descriptor may bind are planned in buffers of at most the
 * range, no tensor straddling two: with the range cut to 16 KiB, arena_model's 24 KiB of
 * live tensors take two buffers, every node on the GPU, and agree with the CPU. Cut to 4 KiB,
 * its 8 KiB tensors fit no buffer: session creation names the node, the tensor and the
 * range; with the CPU fallback the nodes that touch them run on the CPU, the rest on the
 * GPU, the copies between them reported, and the outputs still agree. */
static void test_activation_buffers(void **state)
{
	(void)state;
	SKIP_WITHOUT_DEVICE();
	void *image;
	edgeml_model *m = arena_model(&image);
	edgeml_session *s = session(m, EDGEML_BACKEND_VULKAN, 0);
	assert_int_equal(activation_buffers(s), 1);
	edgeml_session_destroy(s);
	assert_int_equal(setenv("EDGEML_VK_MAX_STORAGE_RANGE", "16384", 1), 0);
	compare(m, 0);
	s = session(m, EDGEML_BACKEND_VULKAN, 0);
	assert_int_equal(activation_buffers(s), 2);
	assert_null(strstr(edgeml_session_backend_detail(s), "partition"));
	edgeml_session_destroy(s);
	assert_int_equal(setenv("EDGEML_VK_MAX_STORAGE_RANGE", "4096", 1), 0);
	edgeml_session_options o;
	edgeml_session_options_init(&o);
	o.backend = EDGEML_BACKEND_VULKAN;
	o.cache_dir = cache_dir;
	assert_int_equal(edgeml_session_create(m, &o, &s), EDGEML_ERR_UNSUPPORTED);
	assert_null(s);
	assert_non_null(strstr(edgeml_last_error(),
			       "node 'Concat' (Concat): tensor 't1' takes 8192 bytes, more than the "
			       "device's maxStorageBufferRange (4096)"));
	assert_non_null(strstr(edgeml_last_error(), "EDGEML_SESSION_CPU_FALLBACK"));
	compare(m, EDGEML_SESSION_CPU_FALLBACK);
	s = session(m, EDGEML_BACKEND_VULKAN, EDGEML_SESSION_CPU_FALLBACK);
	assert_non_null(strstr(edgeml_session_backend_detail(s),
			       "2 partitions: cpu 4 nodes (Concat, Sigmoid, Add, MaxPool), vulkan 1 "
			       "node; CPU fallback: 4 nodes, 1 transfers, 2048 bytes per run"));
	edgeml_session_destroy(s);
	assert_int_equal(unsetenv("EDGEML_VK_MAX_STORAGE_RANGE"), 0);
	edgeml_model_free(m);
	free(image);
}

/* Past the device's real maxStorageBufferRange (128 MiB on lavapipe): three 48 MiB float
 * tensors live at once (144 MiB of arena) run on the GPU in two buffers and agree with the
 * CPU; a 140 MiB tensor (a Concat of five 28 MiB ones) is refused by name without the CPU
 * fallback and, with it, made and reduced on the CPU between GPU nodes. Skipped on devices
 * whose range is above these sizes. */
static void test_real_storage_range(void **state)
{
	(void)state;
	SKIP_WITHOUT_DEVICE();
	const eml_vk_instance *vi;
	uint32_t index;
	assert_int_equal(eml_vk_instance_shared(&vi), EDGEML_OK);
	assert_int_equal(eml_vk_pick_device(vi, NULL, &index), EDGEML_OK);
	if (vi->info[index].max_storage_range >= ((uint64_t)140 << 20)) {
		fprintf(stderr, "test_real_storage_range: maxStorageBufferRange %llu: skipped\n",
			(unsigned long long)vi->info[index].max_storage_range);
		skip();
	}
	static builder b;
	memset(&b, 0, sizeof(b));
	const int64_t d48[4] = { 1, 12, 1024, 1024 };
	uint32_t x = tensor(&b, EDGEML_DTYPE_FLOAT32, 4, d48, EML_TF_INPUT, NULL);
	uint32_t r = tensor(&b, EDGEML_DTYPE_FLOAT32, 4, d48, 0, NULL);
	node(&b, EML_OP_Relu, 1, &x, r, 0, NULL);
	uint32_t sg = tensor(&b, EDGEML_DTYPE_FLOAT32, 4, d48, 0, NULL);
	node(&b, EML_OP_Sigmoid, 1, &x, sg, 0, NULL);
	uint32_t sum = tensor(&b, EDGEML_DTYPE_FLOAT32, 4, d48, 0, NULL);
	node(&b, EML_OP_Add, 2, (uint32_t[]){ r, sg }, sum, 0, NULL);
	uint32_t y = tensor(&b, EDGEML_DTYPE_FLOAT32, 4, d48, EML_TF_OUTPUT, NULL);
	node(&b, EML_OP_Mul, 2, (uint32_t[]){ sum, r }, y, 0, NULL);
	void *image;
	edgeml_model *m = load(&b, &image);
	compare(m, 0);
	edgeml_session *s = session(m, EDGEML_BACKEND_VULKAN, 0);
	assert_int_equal(activation_buffers(s), 2);
	edgeml_session_destroy(s);
	edgeml_model_free(m);
	free(image);

	memset(&b, 0, sizeof(b));
	const int64_t d28[4] = { 1, 7, 1024, 1024 }, d140[4] = { 1, 35, 1024, 1024 },
		      d4[4] = { 1, 1, 1024, 1024 };
	static const int64_t axis1[1] = { 1 };
	x = tensor(&b, EDGEML_DTYPE_FLOAT32, 4, d28, EML_TF_INPUT, NULL);
	sg = tensor(&b, EDGEML_DTYPE_FLOAT32, 4, d28, 0, NULL);
	node(&b, EML_OP_Sigmoid, 1, &x, sg, 0, NULL);
	uint32_t big = tensor(&b, EDGEML_DTYPE_FLOAT32, 4, d140, 0, NULL);
	node(&b, EML_OP_Concat, 5, (uint32_t[]){ sg, sg, sg, sg, sg }, big, 1,
	     (eml_attr[]){ int1("axis", 1) });
	uint32_t ax = constant(&b, EDGEML_DTYPE_INT64, 1, axis1);
	uint32_t mean = tensor(&b, EDGEML_DTYPE_FLOAT32, 4, d4, 0, NULL);
	node(&b, EML_OP_ReduceMean, 2, (uint32_t[]){ big, ax }, mean, 1,
	     (eml_attr[]){ int1("keepdims", 1) });
	y = tensor(&b, EDGEML_DTYPE_FLOAT32, 4, d4, EML_TF_OUTPUT, NULL);
	node(&b, EML_OP_Relu, 1, &mean, y, 0, NULL);
	m = load(&b, &image);
	edgeml_session_options o;
	edgeml_session_options_init(&o);
	o.backend = EDGEML_BACKEND_VULKAN;
	o.cache_dir = cache_dir;
	assert_int_equal(edgeml_session_create(m, &o, &s), EDGEML_ERR_UNSUPPORTED);
	assert_non_null(strstr(edgeml_last_error(),
			       "node 'Concat' (Concat): tensor 't2' takes 146800640 bytes"));
	assert_non_null(strstr(edgeml_last_error(), "maxStorageBufferRange"));
	compare(m, EDGEML_SESSION_CPU_FALLBACK);
	s = session(m, EDGEML_BACKEND_VULKAN, EDGEML_SESSION_CPU_FALLBACK);
	assert_non_null(strstr(edgeml_session_backend_detail(s),
			       "3 partitions: vulkan 1 node, cpu 2 nodes (Concat, ReduceMean), "
			       "vulkan 1 node; CPU fallback: 2 nodes, 2 transfers, 33554432 bytes "
			       "per run"));
	edgeml_session_destroy(s);
	edgeml_model_free(m);
	free(image);
}

/* Quantizing values that fall exactly halfway rounds half to even (x / 0.5 = i - 7.5). */
static void test_ties(void **state)
{
	(void)state;
	SKIP_WITHOUT_DEVICE();
	static builder b;
	static float x[16];
	static const float half = 0.5f;
	static const int8_t zero = 0;
	static const int8_t want[16] = { -8, -6, -6, -4, -4, -2, -2, 0, 0, 2, 2, 4, 4, 6, 6, 8 };
	for (int i = 0; i < 16; i++)
		x[i] = ((float)i - 7.5f) * 0.5f;
	memset(&b, 0, sizeof(b));
	uint32_t xt = constant(&b, EDGEML_DTYPE_FLOAT32, 16, x);
	uint32_t st = constant(&b, EDGEML_DTYPE_FLOAT32, 1, &half);
	uint32_t zt = constant(&b, EDGEML_DTYPE_INT8, 1, &zero);
	uint32_t y = tensor(&b, EDGEML_DTYPE_INT8, 1, (int64_t[]){ 16 }, EML_TF_OUTPUT, NULL);
	node(&b, EML_OP_QuantizeLinear, 3, (uint32_t[]){ xt, st, zt }, y, 0, NULL);
	void *image;
	edgeml_model *m = load(&b, &image);
	edgeml_session *s = session(m, EDGEML_BACKEND_VULKAN, 0);
	edgeml_tensor *out;
	assert_int_equal(edgeml_session_run(s), EDGEML_OK);
	assert_int_equal(edgeml_session_output(s, 0, &out), EDGEML_OK);
	assert_memory_equal(edgeml_tensor_data(out), want, sizeof(want));
	edgeml_session_destroy(s);
	edgeml_model_free(m);
	free(image);
}

/* Float Conv (bias, fused clamp) → Add (broadcast) → Sigmoid → Transpose → Concat, and
 * Gemm. */
static void test_float(void **state)
{
	(void)state;
	SKIP_WITHOUT_DEVICE();
	static builder b;
	static float w[6 * 3 * 3], bias[6], c[6], wg[5 * 12];
	uint32_t seed = 11;
	for (size_t i = 0; i < 54; i++)
		w[i] = (float)(next_rand(&seed) % 200) / 100.0f - 1.0f;
	for (size_t i = 0; i < 6; i++) {
		bias[i] = (float)i * 0.25f - 0.5f;
		c[i] = 1.0f - (float)i * 0.3f;
	}
	for (size_t i = 0; i < 60; i++)
		wg[i] = (float)(next_rand(&seed) % 200) / 100.0f - 1.0f;
	memset(&b, 0, sizeof(b));
	uint32_t x = tensor(&b, EDGEML_DTYPE_FLOAT32, 4, (int64_t[]){ 1, 3, 5, 4 }, EML_TF_INPUT,
			    NULL);
	uint32_t wt = tensor(&b, EDGEML_DTYPE_FLOAT32, 4, (int64_t[]){ 6, 1, 3, 3 },
			     EML_TF_CONSTANT, w);
	uint32_t bt = constant(&b, EDGEML_DTYPE_FLOAT32, 6, bias);
	uint32_t y = tensor(&b, EDGEML_DTYPE_FLOAT32, 4, (int64_t[]){ 1, 6, 5, 4 }, 0, NULL);
	static const int64_t p1[4] = { 1, 1, 1, 1 };
	node(&b, EML_OP_Conv, 3, (uint32_t[]){ x, wt, bt }, y, 3,
	     (eml_attr[]){ ints("pads", 4, p1), int1("group", 3),
			   float1("activation_max", 2.0f) });
	uint32_t ct = tensor(&b, EDGEML_DTYPE_FLOAT32, 3, (int64_t[]){ 6, 1, 1 },
			     EML_TF_CONSTANT, c);
	uint32_t z = tensor(&b, EDGEML_DTYPE_FLOAT32, 4, (int64_t[]){ 1, 6, 5, 4 }, 0, NULL);
	node(&b, EML_OP_Add, 2, (uint32_t[]){ y, ct }, z, 0, NULL);
	uint32_t sg = tensor(&b, EDGEML_DTYPE_FLOAT32, 4, (int64_t[]){ 1, 6, 5, 4 }, 0, NULL);
	node(&b, EML_OP_Sigmoid, 1, &z, sg, 0, NULL);
	uint32_t tr = tensor(&b, EDGEML_DTYPE_FLOAT32, 4, (int64_t[]){ 1, 5, 4, 6 }, 0, NULL);
	static const int64_t perm[4] = { 0, 2, 3, 1 };
	node(&b, EML_OP_Transpose, 1, &sg, tr, 1, (eml_attr[]){ ints("perm", 4, perm) });
	uint32_t cat = tensor(&b, EDGEML_DTYPE_FLOAT32, 4, (int64_t[]){ 1, 5, 4, 12 },
			      EML_TF_OUTPUT, NULL);
	node(&b, EML_OP_Concat, 2, (uint32_t[]){ tr, tr }, cat, 1,
	     (eml_attr[]){ int1("axis", -1) });
	uint32_t gw = tensor(&b, EDGEML_DTYPE_FLOAT32, 2, (int64_t[]){ 12, 5 }, EML_TF_CONSTANT,
			     wg);
	uint32_t gc = constant(&b, EDGEML_DTYPE_FLOAT32, 5, c);
	uint32_t a2 = tensor(&b, EDGEML_DTYPE_FLOAT32, 2, (int64_t[]){ 3, 12 }, EML_TF_INPUT,
			     NULL);
	uint32_t gy = tensor(&b, EDGEML_DTYPE_FLOAT32, 2, (int64_t[]){ 3, 5 }, EML_TF_OUTPUT,
			     NULL);
	node(&b, EML_OP_Gemm, 3, (uint32_t[]){ a2, gw, gc }, gy, 2,
	     (eml_attr[]){ float1("alpha", 0.5f), float1("beta", 2.0f) });
	void *image;
	edgeml_model *m = load(&b, &image);
	compare(m, 0);
	edgeml_model_free(m);
	free(image);
}

/* The tiles of fconv.comp on float Conv: a 1x1 in rows of 8 (read four at a time) from 6 to
 * 5 channels (a block of 4 that overhangs) with bias and clamp; a 3x3 with pads in rows of 7
 * (edge tiles) to 12 channels (blocks of 8, the second overhanging), batch 2; a dilated 1-D
 * one at stride 2 with uneven pads; and a 1x1 whose weights are a graph input (one channel
 * per tile, the node's own weights). Each applies a fused activation function
 * (activation_fn): HardSigmoid after the clamp, Swish, Sigmoid, HardSwish. */
static void test_float_tiles(void **state)
{
	(void)state;
	SKIP_WITHOUT_DEVICE();
	static builder b;
	static float w1[5 * 6], b1[5], w2[12 * 4 * 9], b2[12], w3[4 * 5 * 3];
	uint32_t seed = 5;
	float *all[] = { w1, b1, w2, b2, w3 };
	size_t len[] = { 30, 5, 432, 12, 60 };
	for (size_t a = 0; a < 5; a++)
		for (size_t i = 0; i < len[a]; i++)
			all[a][i] = (float)(next_rand(&seed) % 200) / 100.0f - 1.0f;
	memset(&b, 0, sizeof(b));
	uint32_t x = tensor(&b, EDGEML_DTYPE_FLOAT32, 4, (int64_t[]){ 1, 6, 3, 8 }, EML_TF_INPUT,
			    NULL);
	uint32_t wt1 = tensor(&b, EDGEML_DTYPE_FLOAT32, 4, (int64_t[]){ 5, 6, 1, 1 },
			      EML_TF_CONSTANT, w1);
	uint32_t bt1 = constant(&b, EDGEML_DTYPE_FLOAT32, 5, b1);
	uint32_t y1 = tensor(&b, EDGEML_DTYPE_FLOAT32, 4, (int64_t[]){ 1, 5, 3, 8 },
			     EML_TF_OUTPUT, NULL);
	node(&b, EML_OP_Conv, 3, (uint32_t[]){ x, wt1, bt1 }, y1, 5,
	     (eml_attr[]){ float1("activation_min", -1.5f), float1("activation_max", 3.0f),
			   int1("activation_fn", 4), float1("activation_alpha", 0.3f),
			   float1("activation_beta", 0.45f) });
	uint32_t x2 = tensor(&b, EDGEML_DTYPE_FLOAT32, 4, (int64_t[]){ 2, 4, 5, 7 }, EML_TF_INPUT,
			     NULL);
	uint32_t wt2 = tensor(&b, EDGEML_DTYPE_FLOAT32, 4, (int64_t[]){ 12, 4, 3, 3 },
			      EML_TF_CONSTANT, w2);
	uint32_t bt2 = constant(&b, EDGEML_DTYPE_FLOAT32, 12, b2);
	uint32_t y2 = tensor(&b, EDGEML_DTYPE_FLOAT32, 4, (int64_t[]){ 2, 12, 5, 7 },
			     EML_TF_OUTPUT, NULL);
	static const int64_t p1[4] = { 1, 1, 1, 1 };
	node(&b, EML_OP_Conv, 3, (uint32_t[]){ x2, wt2, bt2 }, y2, 2,
	     (eml_attr[]){ ints("pads", 4, p1), int1("activation_fn", 2) });
	uint32_t x3 = tensor(&b, EDGEML_DTYPE_FLOAT32, 3, (int64_t[]){ 1, 5, 11 }, EML_TF_INPUT,
			     NULL);
	uint32_t wt3 = tensor(&b, EDGEML_DTYPE_FLOAT32, 3, (int64_t[]){ 4, 5, 3 },
			      EML_TF_CONSTANT, w3);
	uint32_t y3 = tensor(&b, EDGEML_DTYPE_FLOAT32, 3, (int64_t[]){ 1, 4, 5 }, EML_TF_OUTPUT,
			     NULL);
	static const int64_t p1d[2] = { 1, 2 }, s1d[1] = { 2 }, d1d[1] = { 2 };
	node(&b, EML_OP_Conv, 2, (uint32_t[]){ x3, wt3 }, y3, 4,
	     (eml_attr[]){ ints("pads", 2, p1d), ints("strides", 1, s1d),
			   ints("dilations", 1, d1d), int1("activation_fn", 1) });
	uint32_t wi = tensor(&b, EDGEML_DTYPE_FLOAT32, 4, (int64_t[]){ 4, 6, 1, 1 }, EML_TF_INPUT,
			     NULL);
	uint32_t y4 = tensor(&b, EDGEML_DTYPE_FLOAT32, 4, (int64_t[]){ 1, 4, 3, 8 },
			     EML_TF_OUTPUT, NULL);
	node(&b, EML_OP_Conv, 2, (uint32_t[]){ x, wi }, y4, 1,
	     (eml_attr[]){ int1("activation_fn", 3) });
	void *image;
	edgeml_model *m = load(&b, &image);
	compare(m, 0);
	edgeml_model_free(m);
	free(image);
}

/* Resize (nearest and linear) and the float pools. */
static void test_resize_pool(void **state)
{
	(void)state;
	SKIP_WITHOUT_DEVICE();
	static builder b;
	static const float scales[4] = { 1.0f, 1.0f, 2.0f, 1.5f };
	memset(&b, 0, sizeof(b));
	uint32_t x = tensor(&b, EDGEML_DTYPE_FLOAT32, 4, (int64_t[]){ 1, 2, 3, 4 }, EML_TF_INPUT,
			    NULL);
	uint32_t sc = constant(&b, EDGEML_DTYPE_FLOAT32, 4, scales);
	uint32_t rn = tensor(&b, EDGEML_DTYPE_FLOAT32, 4, (int64_t[]){ 1, 2, 6, 6 },
			     EML_TF_OUTPUT, NULL);
	node(&b, EML_OP_Resize, 3, (uint32_t[]){ x, EML_NO_TENSOR, sc }, rn, 0, NULL);
	uint32_t rl = tensor(&b, EDGEML_DTYPE_FLOAT32, 4, (int64_t[]){ 1, 2, 6, 6 }, 0, NULL);
	node(&b, EML_OP_Resize, 3, (uint32_t[]){ x, EML_NO_TENSOR, sc }, rl, 1,
	     (eml_attr[]){ { .name = "mode", .type = EML_ATTR_STRING, .count = 6,
			     .s = "linear" } });
	uint32_t ap = tensor(&b, EDGEML_DTYPE_FLOAT32, 4, (int64_t[]){ 1, 2, 3, 3 }, 0, NULL);
	static const int64_t k3[2] = { 3, 3 }, s2[2] = { 2, 2 }, p1[4] = { 1, 1, 1, 1 };
	node(&b, EML_OP_AveragePool, 1, &rl, ap, 3,
	     (eml_attr[]){ ints("kernel_shape", 2, k3), ints("strides", 2, s2),
			   ints("pads", 4, p1) });
	uint32_t mp = tensor(&b, EDGEML_DTYPE_FLOAT32, 4, (int64_t[]){ 1, 2, 3, 3 }, 0, NULL);
	node(&b, EML_OP_MaxPool, 1, &rl, mp, 3,
	     (eml_attr[]){ ints("kernel_shape", 2, k3), ints("strides", 2, s2),
			   ints("pads", 4, p1) });
	uint32_t sum = tensor(&b, EDGEML_DTYPE_FLOAT32, 4, (int64_t[]){ 1, 2, 3, 3 }, 0, NULL);
	node(&b, EML_OP_Sub, 2, (uint32_t[]){ ap, mp }, sum, 0, NULL);
	uint32_t g = tensor(&b, EDGEML_DTYPE_FLOAT32, 4, (int64_t[]){ 1, 2, 1, 1 },
			    EML_TF_OUTPUT, NULL);
	node(&b, EML_OP_GlobalAveragePool, 1, &sum, g, 0, NULL);
	void *image;
	edgeml_model *m = load(&b, &image);
	compare(m, 0);
	edgeml_model_free(m);
	free(image);
}

/* One model of four random QLinearSoftmax nodes (seeded): rank 1 to 4, any axis, int8 or
 * uint8, x scales from tiny to large (e underflowing to 0 along a row), y scales around
 * 1/255 and random, rows of one (ORT's overflow: the reference saturates). */
static edgeml_model *qsoftmax_model(uint32_t seed, void **image)
{
	static builder b;
	static float scales[4][2];
	static uint8_t zps[4][2];
	memset(&b, 0, sizeof(b));
	for (uint32_t n = 0; n < 4; n++) {
		int64_t dims[4];
		uint32_t rank = 1 + next_rand(&seed) % 4;
		for (uint32_t i = 0; i < rank; i++)
			dims[i] = 1 + next_rand(&seed) % (rank == 1 ? 300 : 9);
		int64_t axis = (int64_t)(next_rand(&seed) % rank);
		if (next_rand(&seed) % 2)
			axis -= rank;
		if (n == 3)
			dims[(axis + rank) % rank] = 1;
		static const float xs[] = { 0.0007f, 0.02f, 0.1f, 0.37f, 1.5f };
		static const float ys[] = { 1.0f / 255.0f, 1.0f / 256.0f, 0.0039f, 0.011f };
		float jitter = 1.0f + (float)(next_rand(&seed) % 100) / 1e3f;
		scales[n][0] = xs[next_rand(&seed) % 5] * jitter;
		scales[n][1] = ys[next_rand(&seed) % 4];
		edgeml_dtype dt = next_rand(&seed) % 2 ? EDGEML_DTYPE_INT8 : EDGEML_DTYPE_UINT8;
		zps[n][0] = (uint8_t)next_rand(&seed);
		/* Y's zero point at the bottom of the range, as quantize_static puts it. */
		zps[n][1] = dt == EDGEML_DTYPE_INT8 ? (uint8_t)(int8_t)-128
						    : (uint8_t)(next_rand(&seed) % 8);
		uint32_t x = tensor(&b, dt, rank, dims, EML_TF_INPUT, NULL);
		uint32_t xs_t = constant(&b, EDGEML_DTYPE_FLOAT32, 1, &scales[n][0]);
		uint32_t xz = constant(&b, dt, 1, &zps[n][0]);
		uint32_t ys_t = constant(&b, EDGEML_DTYPE_FLOAT32, 1, &scales[n][1]);
		uint32_t yz = constant(&b, dt, 1, &zps[n][1]);
		uint32_t y = tensor(&b, dt, rank, dims, EML_TF_OUTPUT, NULL);
		node(&b, EML_OP_QLinearSoftmax, 5, (uint32_t[]){ x, xs_t, xz, ys_t, yz }, y, 1,
		     (eml_attr[]){ int1("axis", axis) });
	}
	return load(&b, image);
}

/* QLinearSoftmax (qsoftmax.comp): the reference's bytes, as the fast CPU kernel's, on random
 * shapes, axes, types and parameters; inputs over the whole range and, in the second round
 * of each model, others (compare's seeds). */
static void test_qsoftmax(void **state)
{
	(void)state;
	SKIP_WITHOUT_DEVICE();
	for (uint32_t seed = 1; seed <= 6; seed++) {
		void *image;
		edgeml_model *m = qsoftmax_model(seed, &image);
		edgeml_session *ref =
			session(m, EDGEML_BACKEND_CPU, EDGEML_SESSION_REFERENCE_KERNELS);
		edgeml_session *gpu = session(m, EDGEML_BACKEND_VULKAN, 0);
		fill_inputs(ref, 4, seed);
		fill_inputs(gpu, 4, seed);
		assert_int_equal(edgeml_session_run(ref), EDGEML_OK);
		assert_int_equal(edgeml_session_run(gpu), EDGEML_OK);
		for (size_t i = 0; i < 4; i++) {
			edgeml_tensor *a, *c;
			edgeml_tensor_info info;
			assert_int_equal(edgeml_session_output(ref, i, &a), EDGEML_OK);
			assert_int_equal(edgeml_session_output(gpu, i, &c), EDGEML_OK);
			assert_int_equal(edgeml_tensor_info_get(a, &info), EDGEML_OK);
			assert_memory_equal(edgeml_tensor_data(a), edgeml_tensor_data(c),
					    info.size_bytes);
		}
		edgeml_session_destroy(ref);
		edgeml_session_destroy(gpu);
		compare(m, 0);
		edgeml_model_free(m);
		free(image);
	}
}

/* Slice (random starts, ends and steps, negative ones included, on some axes) and Split into
 * three parts of random sizes, of floats or bytes (copy.comp from a base with strides). */
static void test_slice_split(void **state)
{
	(void)state;
	SKIP_WITHOUT_DEVICE();
	for (uint32_t seed = 1; seed <= 6; seed++) {
		static builder b;
		static int64_t starts[4], ends[4], axes[4], steps[4], split[3];
		uint32_t r = seed;
		uint32_t rank = 1 + next_rand(&r) % 4, n_axes = 0;
		int64_t dims[4], ydims[4], sdims[3][4];
		for (uint32_t d = 0; d < rank; d++)
			dims[d] = 3 + next_rand(&r) % 7;
		memcpy(ydims, dims, sizeof(dims));
		for (uint32_t d = 0; d < rank; d++) {
			if (next_rand(&r) % 3 == 0)
				continue;
			int64_t step = (int64_t)(next_rand(&r) % 3) + 1, s = next_rand(&r) % dims[d];
			if (next_rand(&r) % 2) {
				/* backwards from s to the first element */
				step = -step;
				ends[n_axes] = -dims[d] - 1;
				ydims[d] = (s + 1 + -step - 1) / -step;
			} else {
				int64_t e = s + 1 + next_rand(&r) % (dims[d] - s);
				ends[n_axes] = e;
				ydims[d] = (e - s + step - 1) / step;
			}
			starts[n_axes] = s;
			axes[n_axes] = next_rand(&r) % 2 ? d : (int64_t)d - rank;
			steps[n_axes++] = step;
		}
		uint32_t axis = next_rand(&r) % rank;
		split[0] = next_rand(&r) % dims[axis];
		split[1] = next_rand(&r) % (dims[axis] - split[0] + 1);
		split[2] = dims[axis] - split[0] - split[1];
		edgeml_dtype dt = seed % 2 ? EDGEML_DTYPE_FLOAT32 : EDGEML_DTYPE_UINT8;
		memset(&b, 0, sizeof(b));
		uint32_t x = tensor(&b, dt, rank, dims, EML_TF_INPUT, NULL);
		uint32_t ts = constant(&b, EDGEML_DTYPE_INT64, n_axes, starts);
		uint32_t te = constant(&b, EDGEML_DTYPE_INT64, n_axes, ends);
		uint32_t ta = constant(&b, EDGEML_DTYPE_INT64, n_axes, axes);
		uint32_t tp = constant(&b, EDGEML_DTYPE_INT64, n_axes, steps);
		uint32_t y = tensor(&b, dt, rank, ydims, EML_TF_OUTPUT, NULL);
		node(&b, EML_OP_Slice, 5, (uint32_t[]){ x, ts, te, ta, tp }, y, 0, NULL);
		uint32_t tsp = constant(&b, EDGEML_DTYPE_INT64, 3, split), parts[3];
		for (uint32_t p = 0; p < 3; p++) {
			memcpy(sdims[p], dims, sizeof(dims));
			sdims[p][axis] = split[p];
			parts[p] = tensor(&b, dt, rank, sdims[p], EML_TF_OUTPUT, NULL);
		}
		node(&b, EML_OP_Split, 2, (uint32_t[]){ x, tsp }, parts[0], 1,
		     (eml_attr[]){ int1("axis", axis) });
		b.io[1][3] = parts[1];
		b.io[1][4] = parts[2];
		b.nodes[1].n_outputs = 3;
		void *image;
		edgeml_model *m = load(&b, &image);
		compare(m, 0);
		edgeml_model_free(m);
		free(image);
	}
}

/* QLinearConcat of three int8 or uint8 inputs with their own scales and zero points, one of
 * them Y's, along a random axis (copy.comp through a requantization table). */
static void test_qconcat(void **state)
{
	(void)state;
	SKIP_WITHOUT_DEVICE();
	for (uint32_t seed = 1; seed <= 4; seed++) {
		static builder b;
		static float sc[4];
		static uint8_t zp[4];
		uint32_t r = seed;
		uint32_t rank = 1 + next_rand(&r) % 4, axis = next_rand(&r) % rank;
		int64_t dims[3][4], ydims[4];
		edgeml_dtype yt = seed % 2 ? EDGEML_DTYPE_INT8 : EDGEML_DTYPE_UINT8, xt[3];
		for (uint32_t d = 0; d < rank; d++)
			ydims[d] = 1 + next_rand(&r) % 6;
		ydims[axis] = 0;
		for (uint32_t i = 0; i < 4; i++) {
			sc[i] = 0.01f + (float)(next_rand(&r) % 1000) / 5000.0f;
			zp[i] = (uint8_t)next_rand(&r);
		}
		memset(&b, 0, sizeof(b));
		uint32_t ys = constant(&b, EDGEML_DTYPE_FLOAT32, 1, &sc[0]);
		uint32_t yz = constant(&b, yt, 1, &zp[0]);
		uint32_t in[11] = { ys, yz };
		for (uint32_t i = 0; i < 3; i++) {
			memcpy(dims[i], ydims, sizeof(ydims));
			dims[i][axis] = 1 + next_rand(&r) % 5;
			ydims[axis] += dims[i][axis];
			xt[i] = yt; /* infer takes one type */
			in[2 + 3 * i] = tensor(&b, xt[i], rank, dims[i], EML_TF_INPUT, NULL);
			/* the second input has Y's parameters: its table is the identity */
			in[3 + 3 * i] =
				i == 1 ? ys : constant(&b, EDGEML_DTYPE_FLOAT32, 1, &sc[1 + i]);
			in[4 + 3 * i] = i == 1 ? yz : constant(&b, xt[i], 1, &zp[1 + i]);
		}
		uint32_t y = tensor(&b, yt, rank, ydims, EML_TF_OUTPUT, NULL);
		node(&b, EML_OP_QLinearConcat, 11, in, y, 1, (eml_attr[]){ int1("axis", axis) });
		void *image;
		edgeml_model *m = load(&b, &image);
		compare(m, 0);
		edgeml_model_free(m);
		free(image);
	}
}

/* Gather with constant indices (int64 and int32, negative ones, a scalar index) along a
 * random axis, on float, 8-bit and int64 data: strided copies, must run on the GPU (flags 0).
 * Indices given at run time are the CPU's: without the fallback the session is refused,
 * naming why. */
static void test_gather(void **state)
{
	(void)state;
	SKIP_WITHOUT_DEVICE();
	static const edgeml_dtype types[] = { EDGEML_DTYPE_FLOAT32, EDGEML_DTYPE_UINT8,
					      EDGEML_DTYPE_INT64 };
	for (uint32_t seed = 1; seed <= 9; seed++) {
		static builder b;
		static int64_t i64[5];
		static int32_t i32[5];
		uint32_t r = seed;
		uint32_t rank = 1 + next_rand(&r) % 4, axis = next_rand(&r) % rank;
		uint32_t ni = seed % 4 == 0 ? 1 : 1 + next_rand(&r) % 5;
		int scalar = seed % 4 == 0;
		edgeml_dtype dt = types[seed % 3];
		int64_t dims[4], ydims[5];
		for (uint32_t d = 0; d < rank; d++)
			dims[d] = 1 + next_rand(&r) % 5;
		for (uint32_t i = 0; i < ni; i++) {
			int64_t v = (int64_t)(next_rand(&r) % (2 * dims[axis])) - dims[axis];
			i64[i] = v;
			i32[i] = (int32_t)v;
		}
		uint32_t yr = 0;
		for (uint32_t d = 0; d < rank; d++) {
			if (d == axis && !scalar)
				ydims[yr++] = ni;
			else if (d != axis)
				ydims[yr++] = dims[d];
		}
		memset(&b, 0, sizeof(b));
		uint32_t x = tensor(&b, dt, rank, dims, EML_TF_INPUT, NULL);
		edgeml_dtype it = seed % 2 ? EDGEML_DTYPE_INT64 : EDGEML_DTYPE_INT32;
		uint32_t ti = tensor(&b, it, scalar ? 0 : 1, (int64_t[]){ ni }, EML_TF_CONSTANT,
				     it == EDGEML_DTYPE_INT64 ? (const void *)i64 : (const void *)i32);
		uint32_t y = tensor(&b, dt, yr, ydims, EML_TF_OUTPUT, NULL);
		node(&b, EML_OP_Gather, 2, (uint32_t[]){ x, ti }, y, 1,
		     (eml_attr[]){ int1("axis", (int64_t)axis - (seed % 2 ? 0 : (int64_t)rank)) });
		void *image;
		edgeml_model *m = load(&b, &image);
		compare(m, 0);
		edgeml_model_free(m);
		free(image);
	}
	static builder b;
	memset(&b, 0, sizeof(b));
	uint32_t x = tensor(&b, EDGEML_DTYPE_FLOAT32, 2, (int64_t[]){ 4, 3 }, EML_TF_INPUT, NULL);
	uint32_t ti = tensor(&b, EDGEML_DTYPE_INT64, 1, (int64_t[]){ 2 }, EML_TF_INPUT, NULL);
	uint32_t y = tensor(&b, EDGEML_DTYPE_FLOAT32, 2, (int64_t[]){ 2, 3 }, EML_TF_OUTPUT, NULL);
	node(&b, EML_OP_Gather, 2, (uint32_t[]){ x, ti }, y, 0, NULL);
	void *image;
	edgeml_model *m = load(&b, &image);
	edgeml_session_options o;
	edgeml_session *s = NULL;
	edgeml_session_options_init(&o);
	o.backend = EDGEML_BACKEND_VULKAN;
	o.cache_dir = cache_dir;
	assert_int_not_equal(edgeml_session_create(m, &o, &s), EDGEML_OK);
	assert_non_null(strstr(edgeml_last_error(), "indices are not a constant"));
	edgeml_model_free(m);
	free(image);
}

/* Pad in every mode (constant with and without constant_value, reflect, edge), negative pads
 * that crop, an axes input, on float, 8-bit and int64 data (pad.comp); flags 0, so it must
 * run on the GPU. */
static void test_pad(void **state)
{
	(void)state;
	SKIP_WITHOUT_DEVICE();
	static const char *const modes[] = { "constant", "reflect", "edge" };
	static const edgeml_dtype types[] = { EDGEML_DTYPE_FLOAT32, EDGEML_DTYPE_UINT8,
					      EDGEML_DTYPE_INT8, EDGEML_DTYPE_INT64 };
	for (uint32_t seed = 1; seed <= 12; seed++) {
		static builder b;
		static int64_t pads[8], axes[4], cv64;
		static float cvf;
		static uint8_t cv8;
		uint32_t r = seed;
		uint32_t rank = 1 + next_rand(&r) % 4, mode = seed % 3, n_axes = rank;
		edgeml_dtype dt = types[(seed / 3) % 4];
		int use_axes = rank > 1 && next_rand(&r) % 2;
		int64_t dims[4], ydims[4];
		for (uint32_t d = 0; d < rank; d++)
			ydims[d] = dims[d] = 2 + next_rand(&r) % 5;
		if (use_axes)
			n_axes = 1 + next_rand(&r) % rank;
		for (uint32_t i = 0; i < n_axes; i++) {
			uint32_t a = use_axes ? (i + seed) % rank : i;
			axes[i] = a;
			for (uint32_t side = 0; side < 2; side++) {
				/* reflect: under the axis size; others: up to 3, or -1 (crop) */
				int64_t v = mode == 1 ? (int64_t)(next_rand(&r) % dims[a])
						      : (int64_t)(next_rand(&r) % 5) - 1;
				if (ydims[a] + v < 1)
					v = 0;
				pads[side * n_axes + i] = v;
				ydims[a] += v;
			}
		}
		memset(&b, 0, sizeof(b));
		uint32_t x = tensor(&b, dt, rank, dims, EML_TF_INPUT, NULL);
		uint32_t tp = constant(&b, EDGEML_DTYPE_INT64, 2 * n_axes, pads);
		uint32_t in[4] = { x, tp, EML_NO_TENSOR, EML_NO_TENSOR }, n_in = 2;
		if (mode == 0 && seed % 2) {
			cvf = -2.5f;
			cv8 = 0xa5;
			cv64 = -0x123456789ll;
			const void *v = dt == EDGEML_DTYPE_FLOAT32 ? (const void *)&cvf :
					dt == EDGEML_DTYPE_INT64   ? (const void *)&cv64 :
								     (const void *)&cv8;
			in[2] = constant(&b, dt, 1, v);
			n_in = 3;
		}
		if (use_axes) {
			in[3] = constant(&b, EDGEML_DTYPE_INT64, n_axes, axes);
			n_in = 4;
		}
		uint32_t y = tensor(&b, dt, rank, ydims, EML_TF_OUTPUT, NULL);
		node(&b, EML_OP_Pad, n_in, in, y, 1,
		     (eml_attr[]){ { .name = "mode", .type = EML_ATTR_STRING,
				     .count = (uint32_t)strlen(modes[mode]), .s = modes[mode] } });
		void *image;
		edgeml_model *m = load(&b, &image);
		compare(m, 0);
		edgeml_model_free(m);
		free(image);
	}
}

/* Concats of more inputs than a node has dispatches (DenseNet's dense blocks: up to 32),
 * float and QLinearConcat with four sets of scales and zero points, on a random axis, some
 * inputs empty: concat.comp takes up to six inputs a dispatch. Without the CPU fallback, so
 * the whole node must run on the GPU. */
static void test_wide_concat(void **state)
{
	(void)state;
	SKIP_WITHOUT_DEVICE();
	for (uint32_t seed = 1; seed <= 6; seed++) {
		static builder b;
		static float sc[5];
		static uint8_t zp[5];
		uint32_t r = seed * 7919;
		int quant = seed % 2 == 0;
		uint32_t n = quant ? 17 + next_rand(&r) % 4 : 17 + next_rand(&r) % 12;
		uint32_t rank = 1 + next_rand(&r) % 4, axis = next_rand(&r) % rank;
		int64_t dims[4], ydims[4];
		edgeml_dtype yt = quant ? (seed % 4 ? EDGEML_DTYPE_INT8 : EDGEML_DTYPE_UINT8)
					: EDGEML_DTYPE_FLOAT32;
		for (uint32_t d = 0; d < rank; d++)
			ydims[d] = 1 + next_rand(&r) % 4;
		ydims[axis] = 0;
		for (uint32_t i = 0; i < 5; i++) {
			sc[i] = 0.01f + (float)(next_rand(&r) % 1000) / 5000.0f;
			zp[i] = (uint8_t)next_rand(&r);
		}
		memset(&b, 0, sizeof(b));
		uint32_t in[64], nin = 0, qs[4], qz[4];
		if (quant) {
			in[nin++] = constant(&b, EDGEML_DTYPE_FLOAT32, 1, &sc[0]);
			in[nin++] = constant(&b, yt, 1, &zp[0]);
			for (uint32_t q = 0; q < 4; q++) {
				qs[q] = constant(&b, EDGEML_DTYPE_FLOAT32, 1, &sc[1 + q]);
				qz[q] = constant(&b, yt, 1, &zp[1 + q]);
			}
		}
		for (uint32_t i = 0; i < n; i++) {
			memcpy(dims, ydims, sizeof(dims));
			dims[axis] = next_rand(&r) % 5 == 0 ? 0 : 1 + next_rand(&r) % 3;
			ydims[axis] += dims[axis];
			in[nin++] = tensor(&b, yt, rank, dims, EML_TF_INPUT, NULL);
			if (quant) {
				in[nin++] = qs[i % 4];
				in[nin++] = qz[i % 4];
			}
		}
		uint32_t y = tensor(&b, yt, rank, ydims, EML_TF_OUTPUT, NULL);
		node(&b, quant ? EML_OP_QLinearConcat : EML_OP_Concat, nin, in, y, 1,
		     (eml_attr[]){ int1("axis", axis) });
		void *image;
		edgeml_model *m = load(&b, &image);
		compare(m, 0);
		edgeml_model_free(m);
		free(image);
	}
}

/* ReduceMean, ReduceSum and ReduceMax of one float tensor over random axes (negative ones
 * too), keepdims either way, and the mean of a 64x64 plane per channel (mnasnet's pool). */
static void test_reduce(void **state)
{
	(void)state;
	SKIP_WITHOUT_DEVICE();
	for (uint32_t seed = 1; seed <= 5; seed++) {
		static builder b;
		static int64_t axes[4];
		uint32_t r = seed, n_axes = 0, mask = 0;
		uint32_t rank = 1 + next_rand(&r) % 4;
		int64_t dims[4], ydims[4], keep = next_rand(&r) % 2;
		for (uint32_t d = 0; d < rank; d++)
			dims[d] = 1 + next_rand(&r) % 9;
		if (seed == 5) {
			rank = 4;
			dims[0] = 1;
			dims[1] = 3;
			dims[2] = dims[3] = 64;
		}
		for (uint32_t d = 0; d < rank; d++)
			if (seed == 5 ? d >= 2 : next_rand(&r) % 2) {
				axes[n_axes++] = next_rand(&r) % 2 ? (int64_t)d : (int64_t)d - rank;
				mask |= 1u << d;
			}
		if (!n_axes) {
			axes[n_axes++] = 0;
			mask = 1;
		}
		uint32_t yr = 0;
		for (uint32_t d = 0; d < rank; d++)
			if (!(mask & (1u << d)))
				ydims[yr++] = dims[d];
			else if (keep)
				ydims[yr++] = 1;
		memset(&b, 0, sizeof(b));
		uint32_t x = tensor(&b, EDGEML_DTYPE_FLOAT32, rank, dims, EML_TF_INPUT, NULL);
		uint32_t ta = constant(&b, EDGEML_DTYPE_INT64, n_axes, axes);
		static const uint32_t ops[3] = { EML_OP_ReduceMean, EML_OP_ReduceSum,
						 EML_OP_ReduceMax };
		for (uint32_t i = 0; i < 3; i++) {
			/* a scalar output (every axis reduced, no keepdims) is of rank 0 */
			uint32_t y =
				tensor(&b, EDGEML_DTYPE_FLOAT32, yr, ydims, EML_TF_OUTPUT, NULL);
			node(&b, ops[i], 2, (uint32_t[]){ x, ta }, y, 1,
			     (eml_attr[]){ int1("keepdims", keep) });
		}
		void *image;
		edgeml_model *m = load(&b, &image);
		compare(m, 0);
		edgeml_model_free(m);
		free(image);
	}
}

/* A run that outlives the wait's limit (EDGEML_VK_TIMEOUT_MS=0) is an error, but the session
 * keeps it: the next run waits for it first and computes the right outputs, and destroying
 * the session after another timed-out run waits for it instead of freeing memory the device
 * still uses. */
static void test_run_timeout(void **state)
{
	(void)state;
	SKIP_WITHOUT_DEVICE();
	static builder b;
	static float w[32 * 32 * 9];
	uint32_t seed = 5;
	for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++)
		w[i] = (float)(next_rand(&seed) % 200) / 1000.0f - 0.1f;
	memset(&b, 0, sizeof(b));
	uint32_t x = tensor(&b, EDGEML_DTYPE_FLOAT32, 4, (int64_t[]){ 1, 32, 96, 96 }, EML_TF_INPUT,
			    NULL);
	uint32_t wt = tensor(&b, EDGEML_DTYPE_FLOAT32, 4, (int64_t[]){ 32, 32, 3, 3 },
			     EML_TF_CONSTANT, w);
	uint32_t h = tensor(&b, EDGEML_DTYPE_FLOAT32, 4, (int64_t[]){ 1, 32, 94, 94 }, 0, NULL);
	node(&b, EML_OP_Conv, 2, (uint32_t[]){ x, wt }, h, 0, NULL);
	uint32_t y = tensor(&b, EDGEML_DTYPE_FLOAT32, 4, (int64_t[]){ 1, 32, 92, 92 },
			    EML_TF_OUTPUT, NULL);
	node(&b, EML_OP_Conv, 2, (uint32_t[]){ h, wt }, y, 0, NULL);
	void *image;
	edgeml_model *m = load(&b, &image);
	edgeml_session *gpu = session(m, EDGEML_BACKEND_VULKAN, 0);
	fill_inputs(gpu, 1, 3);
	setenv("EDGEML_VK_TIMEOUT_MS", "0", 1);
	edgeml_status st = edgeml_session_run(gpu);
	unsetenv("EDGEML_VK_TIMEOUT_MS");
	assert_int_equal(st, EDGEML_ERR_BACKEND);
	assert_non_null(strstr(edgeml_last_error(), "did not end"));
	edgeml_session_destroy(gpu);
	compare(m, 0);
	gpu = session(m, EDGEML_BACKEND_VULKAN, 0);
	edgeml_session *cpu = session(m, EDGEML_BACKEND_CPU, 0);
	fill_inputs(gpu, 1, 4);
	fill_inputs(cpu, 1, 4);
	setenv("EDGEML_VK_TIMEOUT_MS", "0", 1);
	st = edgeml_session_run(gpu);
	unsetenv("EDGEML_VK_TIMEOUT_MS");
	assert_int_equal(st, EDGEML_ERR_BACKEND);
	/* The next run waits for the one that timed out, then runs. */
	assert_int_equal(edgeml_session_run(gpu), EDGEML_OK);
	assert_int_equal(edgeml_session_run(cpu), EDGEML_OK);
	edgeml_tensor *a, *c;
	assert_int_equal(edgeml_session_output(cpu, 0, &a), EDGEML_OK);
	assert_int_equal(edgeml_session_output(gpu, 0, &c), EDGEML_OK);
	const float *fa = edgeml_tensor_data(a), *fc = edgeml_tensor_data(c);
	for (size_t i = 0; i < 32 * 92 * 92; i++)
		assert_true(fabsf(fa[i] - fc[i]) <= 1e-4f * (1.0f + fabsf(fa[i])));
	edgeml_session_destroy(cpu);
	edgeml_session_destroy(gpu);
	edgeml_model_free(m);
	free(image);
}

/* Float Softmax over a middle or the last axis, LayerNormalization (Scale and B of the row,
 * or one Scale and no B), Erf and Sqrt (softmax.comp, layernorm.comp, unary.comp), against
 * the reference within the float tolerance. */
static void test_normalize(void **state)
{
	(void)state;
	SKIP_WITHOUT_DEVICE();
	static builder b;
	static float sc[24], bias[24], one = 1.5f;
	uint32_t seed = 9;
	for (int i = 0; i < 24; i++) {
		sc[i] = (float)(next_rand(&seed) % 1000) / 500.0f - 1.0f;
		bias[i] = (float)(next_rand(&seed) % 1000) / 250.0f - 2.0f;
	}
	memset(&b, 0, sizeof(b));
	int64_t dims[3] = { 2, 5, 24 };
	uint32_t x = tensor(&b, EDGEML_DTYPE_FLOAT32, 3, dims, EML_TF_INPUT, NULL);
	uint32_t y0 = tensor(&b, EDGEML_DTYPE_FLOAT32, 3, dims, EML_TF_OUTPUT, NULL);
	node(&b, EML_OP_Softmax, 1, &x, y0, 1, (eml_attr[]){ int1("axis", 1) });
	uint32_t s1 = tensor(&b, EDGEML_DTYPE_FLOAT32, 3, dims, 0, NULL);
	node(&b, EML_OP_Softmax, 1, &x, s1, 0, NULL);
	uint32_t ts = constant(&b, EDGEML_DTYPE_FLOAT32, 24, sc);
	uint32_t tb = constant(&b, EDGEML_DTYPE_FLOAT32, 24, bias);
	uint32_t y1 = tensor(&b, EDGEML_DTYPE_FLOAT32, 3, dims, EML_TF_OUTPUT, NULL);
	node(&b, EML_OP_LayerNormalization, 3, (uint32_t[]){ s1, ts, tb }, y1, 1,
	     (eml_attr[]){ float1("epsilon", 1e-3f) });
	uint32_t t1 = constant(&b, EDGEML_DTYPE_FLOAT32, 1, &one);
	uint32_t n2 = tensor(&b, EDGEML_DTYPE_FLOAT32, 3, dims, 0, NULL);
	node(&b, EML_OP_LayerNormalization, 2, (uint32_t[]){ x, t1 }, n2, 1,
	     (eml_attr[]){ int1("axis", 1) });
	uint32_t e = tensor(&b, EDGEML_DTYPE_FLOAT32, 3, dims, EML_TF_OUTPUT, NULL);
	node(&b, EML_OP_Erf, 1, &n2, e, 0, NULL);
	uint32_t q = tensor(&b, EDGEML_DTYPE_FLOAT32, 3, dims, EML_TF_OUTPUT, NULL);
	node(&b, EML_OP_Sqrt, 1, &y0, q, 0, NULL);
	void *image;
	edgeml_model *m = load(&b, &image);
	compare(m, 0);
	edgeml_model_free(m);
	free(image);
}

/* ConvTranspose (convt.comp): 2-D, two groups, stride 2, pads, output_padding, bias, then a
 * BatchNormalization (bnorm.comp) of its output; and 1-D, stride 3, dilation 2, no bias. The
 * gathered sums run in the reference's order. */
static void test_convtranspose(void **state)
{
	(void)state;
	SKIP_WITHOUT_DEVICE();
	static builder b;
	static float w2[4 * 3 * 9], bias[6], w1[3 * 2 * 4], bn[4][6];
	uint32_t seed = 11;
	for (size_t i = 0; i < 4 * 3 * 9; i++)
		w2[i] = (float)(next_rand(&seed) % 2000) / 1000.0f - 1.0f;
	for (size_t i = 0; i < 6; i++)
		bias[i] = (float)(next_rand(&seed) % 2000) / 1000.0f - 1.0f;
	for (size_t i = 0; i < 3 * 2 * 4; i++)
		w1[i] = (float)(next_rand(&seed) % 2000) / 1000.0f - 1.0f;
	for (size_t i = 0; i < 4 * 6; i++) /* scale, B, mean, var (positive) */
		bn[i / 6][i % 6] =
			(float)(next_rand(&seed) % 2000) / 1000.0f + (i >= 18 ? 0.01f : -1.0f);
	memset(&b, 0, sizeof(b));
	uint32_t x = tensor(&b, EDGEML_DTYPE_FLOAT32, 4, (int64_t[]){ 1, 4, 5, 6 }, EML_TF_INPUT,
			    NULL);
	uint32_t w = tensor(&b, EDGEML_DTYPE_FLOAT32, 4, (int64_t[]){ 4, 3, 3, 3 },
			    EML_TF_CONSTANT, w2);
	uint32_t bt = constant(&b, EDGEML_DTYPE_FLOAT32, 6, bias);
	uint32_t y = tensor(&b, EDGEML_DTYPE_FLOAT32, 4, (int64_t[]){ 1, 6, 10, 12 },
			    EML_TF_OUTPUT, NULL);
	static const int64_t s2[2] = { 2, 2 }, p1[4] = { 1, 1, 1, 1 }, op1[2] = { 1, 1 };
	node(&b, EML_OP_ConvTranspose, 3, (uint32_t[]){ x, w, bt }, y, 4,
	     (eml_attr[]){ ints("strides", 2, s2), ints("pads", 4, p1),
			   ints("output_padding", 2, op1), int1("group", 2) });
	uint32_t bnin[5] = { y };
	for (int i = 0; i < 4; i++)
		bnin[1 + i] = constant(&b, EDGEML_DTYPE_FLOAT32, 6, bn[i]);
	uint32_t ybn = tensor(&b, EDGEML_DTYPE_FLOAT32, 4, (int64_t[]){ 1, 6, 10, 12 },
			      EML_TF_OUTPUT, NULL);
	node(&b, EML_OP_BatchNormalization, 5, bnin, ybn, 1,
	     (eml_attr[]){ float1("epsilon", 1e-3f) });
	uint32_t x1 = tensor(&b, EDGEML_DTYPE_FLOAT32, 3, (int64_t[]){ 2, 3, 7 }, EML_TF_INPUT,
			     NULL);
	uint32_t wt1 = tensor(&b, EDGEML_DTYPE_FLOAT32, 3, (int64_t[]){ 3, 2, 4 },
			      EML_TF_CONSTANT, w1);
	uint32_t y1 = tensor(&b, EDGEML_DTYPE_FLOAT32, 3, (int64_t[]){ 2, 2, 25 }, EML_TF_OUTPUT,
			     NULL);
	static const int64_t s3[1] = { 3 }, d2[1] = { 2 };
	node(&b, EML_OP_ConvTranspose, 2, (uint32_t[]){ x1, wt1 }, y1, 2,
	     (eml_attr[]){ ints("strides", 1, s3), ints("dilations", 1, d2) });
	/* A fused activation (the converter folds Relu/Clip into ConvTranspose): clamped. */
	uint32_t y2 = tensor(&b, EDGEML_DTYPE_FLOAT32, 4, (int64_t[]){ 1, 6, 10, 12 },
			     EML_TF_OUTPUT, NULL);
	node(&b, EML_OP_ConvTranspose, 3, (uint32_t[]){ x, w, bt }, y2, 6,
	     (eml_attr[]){ ints("strides", 2, s2), ints("pads", 4, p1),
			   ints("output_padding", 2, op1), int1("group", 2),
			   float1("activation_min", 0.0f), float1("activation_max", 0.5f) });
	void *image;
	edgeml_model *m = load(&b, &image);
	compare(m, 0);
	edgeml_model_free(m);
	free(image);
}

/* Pow (binary.comp): squares (the reference's x * x), cubes of negative and positive bases,
 * square roots, and exponents of every sign on both signs of base (NaN where powf gives it). */
static void test_pow(void **state)
{
	(void)state;
	SKIP_WITHOUT_DEVICE();
	static builder b;
	static const float two = 2.0f, three = 3.0f, half = 0.5f;
	memset(&b, 0, sizeof(b));
	int64_t dims[2] = { 7, 33 };
	uint32_t x = tensor(&b, EDGEML_DTYPE_FLOAT32, 2, dims, EML_TF_INPUT, NULL);
	uint32_t e = tensor(&b, EDGEML_DTYPE_FLOAT32, 2, (int64_t[]){ 1, 33 }, EML_TF_INPUT, NULL);
	const float *ex[3] = { &two, &three, &half };
	for (int i = 0; i < 3; i++) {
		uint32_t c = constant(&b, EDGEML_DTYPE_FLOAT32, 1, ex[i]);
		uint32_t y = tensor(&b, EDGEML_DTYPE_FLOAT32, 2, dims, EML_TF_OUTPUT, NULL);
		node(&b, EML_OP_Pow, 2, (uint32_t[]){ x, c }, y, 0, NULL);
	}
	uint32_t y = tensor(&b, EDGEML_DTYPE_FLOAT32, 2, dims, EML_TF_OUTPUT, NULL);
	node(&b, EML_OP_Pow, 2, (uint32_t[]){ x, e }, y, 0, NULL);
	void *image;
	edgeml_model *m = load(&b, &image);
	compare(m, 0);
	edgeml_model_free(m);
	free(image);
}

/* One random LSTM (gates 4) or GRU (gates 3) case for test_lstm / test_gru: sizes, direction,
 * layout, clip, input_forget / linear_before_reset, the optional inputs (B, constant
 * sequence_lens with items shorter than the sequence, initial_h and initial_c as graph
 * inputs, P) present or absent, and a random subset of Y, Y_h, Y_c. Returns the model;
 * *desc says what the case is. */
static edgeml_model *rnn_model(uint32_t gates, uint32_t *seed, void **image, char *desc,
			       size_t size)
{
	static builder b;
	static float w[2 * 4 * 72 * 9], r[2 * 4 * 72 * 72], bias[2 * 8 * 72], peep[2 * 3 * 72];
	static int32_t lens[3];
	static const int64_t hs[] = { 1, 5, 17, 64, 70, 72 };
	static const char *dirs[] = { "forward", "reverse", "bidirectional" };
	memset(&b, 0, sizeof(b));
	int64_t S = 1 + next_rand(seed) % 5, N = 1 + next_rand(seed) % 3;
	int64_t I = 1 + next_rand(seed) % 9, H = hs[next_rand(seed) % 6];
	uint32_t dir = next_rand(seed) % 3, D = dir == 2 ? 2 : 1, layout = next_rand(seed) % 2;
	/* bits: B, lens, h0, c0, P, clip, forget/lbr, W R B at run time (then without c0 and
	 * Y_c: seven bindings at most) */
	uint32_t opt = next_rand(seed);
	uint32_t outs = 1 + next_rand(seed) % (gates == 4 ? 7 : 3); /* Y, Y_h, Y_c */
	uint32_t wf = EML_TF_CONSTANT;
	if (opt & 128) {
		opt &= ~8u;
		outs = outs & 3 ? outs & 3 : 1;
		wf = EML_TF_INPUT;
	}
	float scale = 2.0f / sqrtf((float)(I + H));
	for (int64_t i = 0; i < D * gates * H * I; i++)
		w[i] = ((float)(next_rand(seed) % 2001) / 1000.0f - 1.0f) * scale;
	for (int64_t i = 0; i < D * gates * H * H; i++)
		r[i] = ((float)(next_rand(seed) % 2001) / 1000.0f - 1.0f) * scale;
	for (int64_t i = 0; i < D * 2 * gates * H; i++)
		bias[i] = (float)(next_rand(seed) % 2001) / 1000.0f - 1.0f;
	for (int64_t i = 0; i < D * 3 * H; i++)
		peep[i] = (float)(next_rand(seed) % 2001) / 1000.0f - 1.0f;
	for (int64_t i = 0; i < N; i++)
		lens[i] = (int32_t)(i == 0 ? S : next_rand(seed) % (S + 1));
	int64_t xd[3] = { layout ? N : S, layout ? S : N, I };
	int64_t hd[3] = { layout ? N : D, layout ? D : N, H };
	int64_t yd[4] = { S, D, N, H };
	if (layout) {
		yd[0] = N;
		yd[1] = S;
		yd[2] = D;
	}
	uint32_t in[8] = { tensor(&b, EDGEML_DTYPE_FLOAT32, 3, xd, EML_TF_INPUT, NULL) };
	in[1] = tensor(&b, EDGEML_DTYPE_FLOAT32, 3, (int64_t[]){ D, gates * H, I }, wf,
		       wf == EML_TF_CONSTANT ? w : NULL);
	in[2] = tensor(&b, EDGEML_DTYPE_FLOAT32, 3, (int64_t[]){ D, gates * H, H }, wf,
		       wf == EML_TF_CONSTANT ? r : NULL);
	in[3] = opt & 1 ? tensor(&b, EDGEML_DTYPE_FLOAT32, 2, (int64_t[]){ D, 2 * gates * H },
				 wf, wf == EML_TF_CONSTANT ? bias : NULL)
			: EML_NO_TENSOR;
	in[4] = opt & 2 ? constant(&b, EDGEML_DTYPE_INT32, N, lens) : EML_NO_TENSOR;
	in[5] = opt & 4 ? tensor(&b, EDGEML_DTYPE_FLOAT32, 3, hd, EML_TF_INPUT, NULL)
			: EML_NO_TENSOR;
	uint32_t n_in = 6;
	if (gates == 4) {
		in[6] = opt & 8 ? tensor(&b, EDGEML_DTYPE_FLOAT32, 3, hd, EML_TF_INPUT, NULL)
				: EML_NO_TENSOR;
		in[7] = opt & 16 ? tensor(&b, EDGEML_DTYPE_FLOAT32, 2, (int64_t[]){ D, 3 * H },
					  EML_TF_CONSTANT, peep)
				 : EML_NO_TENSOR;
		n_in = 8;
	}
	while (n_in > 3 && in[n_in - 1] == EML_NO_TENSOR)
		n_in--;
	uint32_t out[3], n_out = 0;
	for (uint32_t k = 0; k < gates - 1; k++) {
		out[k] = outs >> k & 1 ? tensor(&b, EDGEML_DTYPE_FLOAT32, k ? 3 : 4, k ? hd : yd,
						EML_TF_OUTPUT, NULL)
				       : EML_NO_TENSOR;
		if (out[k] != EML_NO_TENSOR)
			n_out = k + 1;
	}
	eml_attr at[5];
	uint32_t n_at = 0;
	at[n_at++] = int1("hidden_size", H);
	at[n_at++] = (eml_attr){ .name = "direction", .type = EML_ATTR_STRING,
				 .count = (uint32_t)strlen(dirs[dir]), .s = dirs[dir] };
	if (layout)
		at[n_at++] = int1("layout", 1);
	if (opt & 32)
		at[n_at++] = float1("clip", 1.5f);
	if (opt & 64)
		at[n_at++] = int1(gates == 4 ? "input_forget" : "linear_before_reset", 1);
	node(&b, gates == 4 ? EML_OP_LSTM : EML_OP_GRU, n_in, in, out[0], n_at, at);
	/* node() gives one output; the rest follow it in io[]. */
	memcpy(b.io[0] + n_in, out, n_out * sizeof(uint32_t));
	b.nodes[0].n_outputs = n_out;
	snprintf(desc, size, "%s S=%lld N=%lld I=%lld H=%lld %s layout %u opt %#x outs %#x",
		 gates == 4 ? "LSTM" : "GRU", (long long)S, (long long)N, (long long)I,
		 (long long)H, dirs[dir], layout, opt & 255, outs);
	return load(&b, image);
}

/* rnn.comp against the reference: random LSTMs or GRUs, flag 0 so that they must run on the
 * GPU; then one whose sequence_lens are given at run time, which the GPU declines (and the
 * CPU fallback takes). */
static void rnn_cases(uint32_t gates, uint32_t seed)
{
	for (int i = 0; i < 14; i++) {
		void *image;
		char desc[160];
		edgeml_model *m = rnn_model(gates, &seed, &image, desc, sizeof(desc));
		print_message("%s\n", desc);
		compare(m, 0);
		edgeml_model_free(m);
		free(image);
	}
	static builder b;
	static float w[4 * 3 * 3]; /* W [1, gates * 3, 2] and R [1, gates * 3, 3] */
	memset(&b, 0, sizeof(b));
	uint32_t in[5] = { tensor(&b, EDGEML_DTYPE_FLOAT32, 3, (int64_t[]){ 2, 1, 2 },
				  EML_TF_INPUT, NULL) };
	in[1] = tensor(&b, EDGEML_DTYPE_FLOAT32, 3, (int64_t[]){ 1, gates * 3, 2 },
		       EML_TF_CONSTANT, w);
	in[2] = tensor(&b, EDGEML_DTYPE_FLOAT32, 3, (int64_t[]){ 1, gates * 3, 3 },
		       EML_TF_CONSTANT, w);
	in[3] = EML_NO_TENSOR;
	in[4] = tensor(&b, EDGEML_DTYPE_INT32, 1, (int64_t[]){ 1 }, EML_TF_INPUT, NULL);
	uint32_t y = tensor(&b, EDGEML_DTYPE_FLOAT32, 4, (int64_t[]){ 2, 1, 1, 3 }, EML_TF_OUTPUT,
			    NULL);
	node(&b, gates == 4 ? EML_OP_LSTM : EML_OP_GRU, 5, in, y, 1,
	     (eml_attr[]){ int1("hidden_size", 3) });
	void *image;
	edgeml_model *m = load(&b, &image);
	edgeml_session_options o;
	edgeml_session *s;
	edgeml_session_options_init(&o);
	o.backend = EDGEML_BACKEND_VULKAN;
	o.cache_dir = cache_dir;
	assert_int_equal(edgeml_session_create(m, &o, &s), EDGEML_ERR_UNSUPPORTED);
	assert_non_null(strstr(edgeml_last_error(), "sequence_lens are given at run time"));
	s = session(m, EDGEML_BACKEND_VULKAN, EDGEML_SESSION_CPU_FALLBACK);
	assert_non_null(strstr(edgeml_session_backend_detail(s), gates == 4 ? "cpu 1 node (LSTM)"
									     : "cpu 1 node (GRU)"));
	edgeml_session_destroy(s);
	edgeml_model_free(m);
	free(image);
}

static void test_lstm(void **state)
{
	(void)state;
	SKIP_WITHOUT_DEVICE();
	rnn_cases(4, 5);
}

static void test_gru(void **state)
{
	(void)state;
	SKIP_WITHOUT_DEVICE();
	rnn_cases(3, 8);
}

/* Relu → Softmax → Relu, Softmax withheld from the GPU (EDGEML_VK_NO_SHADER, as an op
 * without a shader). Without the fallback flag the session fails naming the node; with it
 * Softmax runs on the CPU, its shared bytes are reported, and the results still match. */
static edgeml_model *softmax_model(void **image)
{
	static builder b;
	memset(&b, 0, sizeof(b));
	uint32_t x = tensor(&b, EDGEML_DTYPE_FLOAT32, 2, (int64_t[]){ 3, 7 }, EML_TF_INPUT, NULL);
	uint32_t r = tensor(&b, EDGEML_DTYPE_FLOAT32, 2, (int64_t[]){ 3, 7 }, 0, NULL);
	node(&b, EML_OP_Relu, 1, &x, r, 0, NULL);
	uint32_t sm = tensor(&b, EDGEML_DTYPE_FLOAT32, 2, (int64_t[]){ 3, 7 }, 0, NULL);
	node(&b, EML_OP_Softmax, 1, &r, sm, 0, NULL);
	uint32_t y = tensor(&b, EDGEML_DTYPE_FLOAT32, 2, (int64_t[]){ 3, 7 }, EML_TF_OUTPUT,
			    NULL);
	node(&b, EML_OP_Relu, 1, &sm, y, 0, NULL);
	return load(&b, image);
}

static void test_cpu_fallback(void **state)
{
	(void)state;
	SKIP_WITHOUT_DEVICE();
	void *image;
	edgeml_model *m = softmax_model(&image);
	setenv("EDGEML_VK_NO_SHADER", "Softmax", 1);
	edgeml_session_options o;
	edgeml_session *s;
	edgeml_session_options_init(&o);
	o.backend = EDGEML_BACKEND_VULKAN;
	o.cache_dir = cache_dir;
	assert_int_equal(edgeml_session_create(m, &o, &s), EDGEML_ERR_UNSUPPORTED);
	assert_null(s);
	assert_non_null(strstr(edgeml_last_error(), "'Softmax'"));
	assert_non_null(strstr(edgeml_last_error(), "EDGEML_SESSION_CPU_FALLBACK"));
	compare(m, EDGEML_SESSION_CPU_FALLBACK);
	s = session(m, EDGEML_BACKEND_VULKAN, EDGEML_SESSION_CPU_FALLBACK);
	const char *detail = edgeml_session_backend_detail(s);
	/* Softmax reads and writes one 3x7 float tensor: copied to the CPU and back. */
	assert_non_null(strstr(detail, "3 partitions: vulkan 1 node, cpu 1 node (Softmax), "
				       "vulkan 1 node; CPU fallback: 1 nodes, 2 transfers, 168 bytes "
				       "per run"));
	uint32_t transfers;
	assert_int_equal(eml_session_partitions(s, &transfers), 3);
	assert_int_equal(transfers, 2);
	edgeml_session_destroy(s);
	unsetenv("EDGEML_VK_NO_SHADER");
	edgeml_model_free(m);
	free(image);
}

/* submit returns before the work is done, wait finishes it; misuse is an error; per-layer
 * times are there after the wait. */
static void test_submit_wait_profile(void **state)
{
	(void)state;
	SKIP_WITHOUT_DEVICE();
	void *image;
	edgeml_model *m = softmax_model(&image);
	setenv("EDGEML_VK_NO_SHADER", "Softmax", 1);
	edgeml_session *s = session(m, EDGEML_BACKEND_VULKAN, EDGEML_SESSION_CPU_FALLBACK);
	unsetenv("EDGEML_VK_NO_SHADER");
	fill_inputs(s, 1, 5);
	assert_int_equal(edgeml_session_wait(s), EDGEML_ERR_INVALID_ARGUMENT);
	assert_int_equal(edgeml_session_submit(s), EDGEML_OK);
	assert_int_equal(edgeml_session_submit(s), EDGEML_ERR_INVALID_ARGUMENT);
	assert_int_equal(edgeml_session_wait(s), EDGEML_OK);
	assert_int_equal(edgeml_session_profile_start(s), EDGEML_OK);
	assert_int_equal(edgeml_session_submit(s), EDGEML_OK);
	assert_int_equal(edgeml_session_wait(s), EDGEML_OK);
	edgeml_node_profile t[4];
	size_t n;
	assert_int_equal(edgeml_session_profile(s, t, 4, &n), EDGEML_OK);
	assert_int_equal(n, 3);
	assert_int_equal(t[1].node, 1);
	assert_string_equal(t[1].backend, "cpu");
	assert_string_equal(t[0].backend, "vulkan");
	assert_string_equal(t[2].backend, "vulkan");
	/* The Softmax's input came from the GPU, the last Relu's from the CPU. */
	assert_true(t[1].transfers == 1.0 && t[2].transfers == 1.0 && t[0].transfers == 0.0);
	assert_int_equal(t[1].transfer_bytes, 84);
	for (int i = 0; i < 3; i++)
		assert_true(t[i].ms >= 0.0);
	edgeml_session_destroy(s);
	edgeml_model_free(m);
	free(image);
}

/* Counts the files of dir whose names start with prefix; with corrupt set, overwrites the
 * middle of each with garbage first. */
static int cache_files(const char *prefix, int corrupt)
{
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "ls %s 2>/dev/null | grep -c '^%s'", cache_dir, prefix);
	FILE *p = popen(cmd, "r");
	int n = 0;
	assert_non_null(p);
	assert_int_equal(fscanf(p, "%d", &n), 1);
	pclose(p);
	if (corrupt) {
		snprintf(cmd, sizeof(cmd),
			 "for f in %s/%s*; do printf garbage | dd of=$f bs=1 seek=40 conv=notrunc "
			 "status=none; done",
			 cache_dir, prefix);
		assert_int_equal(system(cmd), 0);
	}
	return n;
}

/* The second session takes its SPIR-V from the disk cache; corrupt entries are ignored
 * (recompiled) and the results stay right. */
static void test_cache(void **state)
{
	(void)state;
	SKIP_WITHOUT_DEVICE();
	void *image;
	edgeml_model *m = softmax_model(&image);
	setenv("EDGEML_VK_NO_SHADER", "Softmax", 1);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", cache_dir);
	assert_int_equal(system(cmd), 0);
	edgeml_session *s = session(m, EDGEML_BACKEND_VULKAN, EDGEML_SESSION_CPU_FALLBACK);
	assert_non_null(strstr(edgeml_session_backend_detail(s), "1 shaders compiled, 0 from"));
	edgeml_session_destroy(s);
	assert_int_equal(cache_files("spirv-", 0), 1);
	assert_int_equal(cache_files("pipelines-", 0), 1);
	s = session(m, EDGEML_BACKEND_VULKAN, EDGEML_SESSION_CPU_FALLBACK);
	assert_non_null(strstr(edgeml_session_backend_detail(s), "0 shaders compiled, 1 from"));
	edgeml_session_destroy(s);
	cache_files("spirv-", 1);
	cache_files("pipelines-", 1);
	s = session(m, EDGEML_BACKEND_VULKAN, EDGEML_SESSION_CPU_FALLBACK);
	assert_non_null(strstr(edgeml_session_backend_detail(s), "1 shaders compiled, 0 from"));
	edgeml_session_destroy(s);
	compare(m, EDGEML_SESSION_CPU_FALLBACK);
	edgeml_model_free(m);
	free(image);
	unsetenv("EDGEML_VK_NO_SHADER");
}

/* No loader, or a loader without a driver: an explicit Vulkan session fails with a message
 * that says so; AUTO runs on the CPU. */
static void test_no_vulkan(void **state)
{
	(void)state;
	void *image;
	edgeml_model *m = softmax_model(&image);
	edgeml_session_options o;
	edgeml_session *s;
	edgeml_session_options_init(&o);
	o.backend = EDGEML_BACKEND_VULKAN;
	/* The loader's own complaints about the missing driver are expected here. */
	unsetenv("EDGEML_VK_VALIDATION");
	setenv("EDGEML_VULKAN_LOADER", "/nonexistent/libvulkan.so.1", 1);
	assert_int_equal(edgeml_session_create(m, &o, &s), EDGEML_ERR_UNSUPPORTED);
	assert_non_null(strstr(edgeml_last_error(), "no Vulkan loader"));
	unsetenv("EDGEML_VULKAN_LOADER");
	setenv("VK_ICD_FILENAMES", "/nonexistent/icd.json", 1);
	assert_int_equal(edgeml_session_create(m, &o, &s), EDGEML_ERR_UNSUPPORTED);
	assert_true(strstr(edgeml_last_error(), "no Vulkan driver") ||
		    strstr(edgeml_last_error(), "no Vulkan device"));
	unsetenv("VK_ICD_FILENAMES");
	setenv("EDGEML_VK_VALIDATION", "1", 1);
	o.backend = EDGEML_BACKEND_AUTO;
	assert_int_equal(edgeml_session_create(m, &o, &s), EDGEML_OK);
	assert_non_null(strstr(edgeml_session_backend_detail(s), "(auto: "));
	edgeml_session_destroy(s);
	edgeml_model_free(m);
	free(image);
}

/* On a machine whose only Vulkan device is CPU-type (lavapipe), AUTO picks the CPU backend
 * and says why; any other machine runs the model somewhere. */
static void test_auto(void **state)
{
	(void)state;
	SKIP_WITHOUT_DEVICE();
	void *image;
	edgeml_model *m = softmax_model(&image);
	const eml_vk_instance *vi;
	assert_int_equal(eml_vk_instance_shared(&vi), EDGEML_OK);
	int only_cpu = 1;
	for (uint32_t i = 0; i < vi->n_devices; i++)
		only_cpu &= vi->info[i].type == VK_PHYSICAL_DEVICE_TYPE_CPU;
	edgeml_session *s = session(m, EDGEML_BACKEND_AUTO, 0);
	if (only_cpu) {
		assert_string_equal(edgeml_session_backend_name(s), "cpu-ref");
		assert_non_null(strstr(edgeml_session_backend_detail(s), "CPU-type"));
	}
	edgeml_session_destroy(s);
	edgeml_model_free(m);
	free(image);
}

/* Finds the device the other tests run on; without one they are skipped. */
static void test_find_device(void **state)
{
	(void)state;
	const eml_vk_instance *vi;
	uint32_t index;
	have_device = eml_vk_instance_shared(&vi) == EDGEML_OK &&
		      eml_vk_pick_device(vi, NULL, &index) == EDGEML_OK;
	if (!have_device)
		fprintf(stderr, "test_vulkan: no usable Vulkan (%s): device tests skipped\n",
			edgeml_last_error());
}

int main(void)
{
	/* Every Vulkan instance of the suite runs under the validation layer. */
	setenv("EDGEML_VK_VALIDATION", "1", 1);
	if (!getenv("XDG_RUNTIME_DIR"))
		setenv("XDG_RUNTIME_DIR", "/tmp", 1);
	snprintf(cache_dir, sizeof(cache_dir), "/tmp/edgeml-test-vk-%ld", (long)getpid());

	/* EDGEML_TEST_FILTER=test_cache runs only the tests whose names match. */
	if (getenv("EDGEML_TEST_FILTER"))
		cmocka_set_test_filter(getenv("EDGEML_TEST_FILTER"));
	const struct CMUnitTest tests[] = {
		/* First: it needs a process that has not loaded Vulkan yet. */
		cmocka_unit_test(test_no_vulkan),
		cmocka_unit_test(test_find_device),
		cmocka_unit_test(test_qconv),
		cmocka_unit_test(test_shared_pipelines),
		cmocka_unit_test(test_workgroup_sizes),
		cmocka_unit_test(test_qgemm),
		cmocka_unit_test(test_qchain),
		cmocka_unit_test(test_weight_buffers),
		cmocka_unit_test(test_activation_buffers),
		cmocka_unit_test(test_real_storage_range),
		cmocka_unit_test(test_ties),
		cmocka_unit_test(test_float),
		cmocka_unit_test(test_float_tiles),
		cmocka_unit_test(test_resize_pool),
		cmocka_unit_test(test_qsoftmax),
		cmocka_unit_test(test_slice_split),
		cmocka_unit_test(test_qconcat), cmocka_unit_test(test_wide_concat), cmocka_unit_test(test_pad), cmocka_unit_test(test_gather),
		cmocka_unit_test(test_reduce),
		cmocka_unit_test(test_run_timeout),
		cmocka_unit_test(test_normalize),
		cmocka_unit_test(test_convtranspose),
		cmocka_unit_test(test_pow),
		cmocka_unit_test(test_lstm),
		cmocka_unit_test(test_gru),
		cmocka_unit_test(test_cpu_fallback),
		cmocka_unit_test(test_submit_wait_profile),
		cmocka_unit_test(test_cache),
		cmocka_unit_test(test_auto),
	};
	int failed = cmocka_run_group_tests(tests, NULL, NULL);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", cache_dir);
	if (system(cmd) != 0)
		fprintf(stderr, "test_vulkan: could not remove %s\n", cache_dir);
	uint64_t messages = eml_vk_validation_messages();
	if (messages)
		fprintf(stderr, "test_vulkan: the validation layer reported %llu messages\n",
			(unsigned long long)messages);
	return failed || messages ? 1 : 0;
}
