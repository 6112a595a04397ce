/*
 * test_no_alloc.c — a run allocates nothing. Real quantized networks (the fixtures of
 * models/fixtures/) are converted, loaded and prepared; then every malloc-family call made by
 * any thread during further runs is counted through glibc's __libc_* entry points. Also checks
 * that one and two threads give identical outputs.
 */
#include <stdarg.h>
#include <setjmp.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "convert/convert.h"
#include "convert/eml_write.h"
#include "edgeml.h"
#include "graph.h"
#include "null_backend.h"

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

static atomic_long allocations;
static atomic_int counting;

#ifndef UNDER_ASAN
/* The sanitizers own malloc; elsewhere these wrappers count calls while counting is on. */
extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t n);
extern void *__libc_memalign(size_t align, size_t n);

static void count(void)
{
	if (atomic_load(&counting))
		atomic_fetch_add(&allocations, 1);
}

void *malloc(size_t n)
{
	count();
	return __libc_malloc(n);
}

void *calloc(size_t n, size_t size)
{
	count();
	return __libc_calloc(n, size);
}

void *realloc(void *p, size_t n)
{
	count();
	return __libc_realloc(p, n);
}

void *aligned_alloc(size_t align, size_t n)
{
	count();
	return __libc_memalign(align, n);
}

int posix_memalign(void **out, size_t align, size_t n)
{
	count();
	void *p = __libc_memalign(align, n);
	if (!p)
		return 12; /* ENOMEM */
	*out = p;
	return 0;
}
#endif

/* Converts an ONNX fixture and loads it from memory; *image must be freed after the model. */
static edgeml_model *load_fixture(const char *path, void **image)
{
	eml_converted *conv = NULL;
	size_t size = 0;
	assert_int_equal(eml_convert_file(path, NULL, &conv), EDGEML_OK);
	assert_int_equal(eml_write_memory(&conv->graph, image, &size), EDGEML_OK);
	eml_converted_free(conv);
	edgeml_model *model = NULL;
	assert_int_equal(edgeml_model_load_memory(NULL, *image, size, &model), EDGEML_OK);
	return model;
}

/* Fills every input with a deterministic byte pattern that is valid for any dtype. */
static void fill_inputs(edgeml_session *s, size_t n_inputs)
{
	for (size_t i = 0; i < n_inputs; i++) {
		edgeml_tensor *t;
		edgeml_tensor_info info;
		assert_int_equal(edgeml_session_input(s, i, &t), EDGEML_OK);
		assert_int_equal(edgeml_tensor_info_get(t, &info), EDGEML_OK);
		if (info.dtype == EDGEML_DTYPE_FLOAT32) {
			float *f = edgeml_tensor_data(t);
			for (size_t k = 0; k < info.size_bytes / 4; k++)
				f[k] = (float)((int)(k * 37 % 201) - 100) / 50.0f;
		} else {
			uint8_t *b = edgeml_tensor_data(t);
			for (size_t k = 0; k < info.size_bytes; k++)
				b[k] = (uint8_t)(k * 37 + 11);
		}
	}
}

/* Whether the model under test has layers big enough to run as parallel loops (the small
 * fixtures' layers all run on the calling thread). */
static int expect_parallel;

/* Runs the fixture with the given thread count; returns a malloc'd copy of output 0. */
static void *run_fixture(edgeml_model *model, uint32_t threads, size_t *out_size)
{
	edgeml_session_options opt;
	edgeml_session_options_init(&opt);
	opt.backend = EDGEML_BACKEND_CPU;
	opt.threads = threads;
	edgeml_session *s = NULL;
	assert_int_equal(edgeml_session_create(model, &opt, &s), EDGEML_OK);
	fill_inputs(s, edgeml_model_input_count(model));
	assert_int_equal(edgeml_session_run(s), EDGEML_OK);

	atomic_store(&allocations, 0);
	atomic_store(&counting, 1);
	for (int r = 0; r < 20; r++)
		assert_int_equal(edgeml_session_run(s), EDGEML_OK);
	atomic_store(&counting, 0);
	assert_int_equal(atomic_load(&allocations), 0);

	/* The pool's counters: none without a pool; with one, every loop (of at least two
	 * tasks) counted with all its tasks, run by the caller or a worker. */
	edgeml_session_stats st = { .struct_size = sizeof(st) };
	assert_int_equal(edgeml_session_stats_get(s, &st), EDGEML_OK);
	if (threads == 1) {
		assert_int_equal(st.cpu_parallel_loops, 0);
		assert_int_equal(st.cpu_tasks_caller + st.cpu_tasks_workers, 0);
		assert_int_equal(st.cpu_caller_wait_ns, 0);
	} else if (threads > 1 && expect_parallel) {
		assert_true(st.cpu_parallel_loops >= 21);
		assert_true(st.cpu_tasks_caller + st.cpu_tasks_workers >= 2 * st.cpu_parallel_loops);
		assert_true(st.cpu_tasks_caller > 0);
	}

	edgeml_tensor *t;
	edgeml_tensor_info info;
	assert_int_equal(edgeml_session_output(s, 0, &t), EDGEML_OK);
	assert_int_equal(edgeml_tensor_info_get(t, &info), EDGEML_OK);
	void *copy = malloc(info.size_bytes);
	assert_non_null(copy);
	memcpy(copy, edgeml_tensor_data(t), info.size_bytes);
	*out_size = info.size_bytes;
	edgeml_session_destroy(s);
	return copy;
}

/* One, two, five threads (more than cores here) and the default: no allocation in a run,
 * identical outputs. */
static void check_fixture(const char *path)
{
	void *image = NULL;
	edgeml_model *model = load_fixture(path, &image);
	size_t n1, n;
	void *one = run_fixture(model, 1, &n1);
	const uint32_t others[] = { 2, 5, 0 };
	for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
		void *out = run_fixture(model, others[i], &n);
		assert_int_equal(n, n1);
		assert_memory_equal(one, out, n1);
		free(out);
	}
	free(one);
	edgeml_model_free(model);
	free(image);
}

static void test_uint8_block(void **state)
{
	(void)state;
	check_fixture("models/fixtures/mobilenet_block.u8.onnx");
}

static void test_int8_block(void **state)
{
	(void)state;
	check_fixture("models/fixtures/mobilenet_block.s8.onnx");
}

/* A whole MobileNetV2 int8 (`make models`; skipped without it): its depthwise layers hand
 * their outputs to the 1x1 layers after them channels-last, linked at session creation. */
static void test_mobilenetv2_int8(void **state)
{
	(void)state;
	const char *path = "build/models/mobilenetv2.int8.onnx";
	FILE *f = fopen(path, "rb");
	if (!f)
		skip();
	fclose(f);
	expect_parallel = 1;
	check_fixture(path);
	expect_parallel = 0;
}

/* A session partitioned across the toy null device and the CPU (y = Relu(Sigmoid(x + x)):
 * the Sigmoid on the CPU), profiled: its runs, transfers and profile sums allocate nothing. */
static void test_partitioned(void **state)
{
	(void)state;
	static const uint32_t add_io[3] = { 0, 0, 1 }, sig_io[2] = { 1, 2 }, relu_io[2] = { 2, 3 };
	static const uint32_t in[1] = { 0 }, out[1] = { 3 };
	eml_tensor t[4];
	for (int i = 0; i < 4; i++)
		t[i] = (eml_tensor){ .name = (const char *[]){ "x", "a", "b", "y" }[i],
				     .dtype = EDGEML_DTYPE_FLOAT32, .rank = 2, .dims = { 4, 64 } };
	t[0].flags = EML_TF_INPUT;
	t[3].flags = EML_TF_OUTPUT;
	const eml_node n[3] = {
		{ .name = "add", .op = EML_OP_Add, .n_inputs = 2, .n_outputs = 1,
		  .inputs = add_io, .outputs = add_io + 2 },
		{ .name = "sigmoid", .op = EML_OP_Sigmoid, .n_inputs = 1, .n_outputs = 1,
		  .inputs = sig_io, .outputs = sig_io + 1 },
		{ .name = "relu", .op = EML_OP_Relu, .n_inputs = 1, .n_outputs = 1,
		  .inputs = relu_io, .outputs = relu_io + 1 },
	};
	eml_graph g = { .n_tensors = 4, .n_nodes = 3, .n_inputs = 1, .n_outputs = 1,
			.tensors = t, .nodes = n, .inputs = in, .outputs = out };
	void *image = NULL;
	size_t size = 0;
	edgeml_model *model = NULL;
	assert_int_equal(eml_write_memory(&g, &image, &size), EDGEML_OK);
	assert_int_equal(edgeml_model_load_memory(NULL, image, size, &model), EDGEML_OK);
	assert_int_equal(eml_backend_register(&null_backend), EDGEML_OK);
	edgeml_session_options opt;
	edgeml_session_options_init(&opt);
	opt.device = "null:0";
	opt.flags = EDGEML_SESSION_CPU_FALLBACK;
	opt.threads = 2;
	edgeml_session *s = NULL;
	assert_int_equal(edgeml_session_create(model, &opt, &s), EDGEML_OK);
	fill_inputs(s, 1);
	assert_int_equal(edgeml_session_profile_start(s), EDGEML_OK);
	assert_int_equal(edgeml_session_run(s), EDGEML_OK);
	atomic_store(&allocations, 0);
	atomic_store(&counting, 1);
	for (int r = 0; r < 20; r++)
		assert_int_equal(edgeml_session_run(s), EDGEML_OK);
	assert_int_equal(edgeml_session_submit(s), EDGEML_OK);
	assert_int_equal(edgeml_session_wait(s), EDGEML_OK);
	atomic_store(&counting, 0);
	assert_int_equal(atomic_load(&allocations), 0);

	edgeml_session_stats st = { .struct_size = sizeof(st) };
	assert_int_equal(edgeml_session_stats_get(s, &st), EDGEML_OK);
	assert_int_equal(st.transfers_last_run, 2);
	edgeml_session_destroy(s);
	eml_backend_unregister(&null_backend);
	edgeml_model_free(model);
	free(image);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uint8_block),
		cmocka_unit_test(test_int8_block),
		cmocka_unit_test(test_mobilenetv2_int8),
		cmocka_unit_test(test_partitioned),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
