/*
 * test_alloc_fail.c — every allocation of model load, session creation and conversion may
 * fail: the k-th one is made to fail, for every k, and the call must return
 * EDGEML_ERR_NO_MEMORY with a message (or succeed, where the failure is absorbed), leak
 * nothing and not crash. The library's and the converter's malloc-family calls are routed
 * here at link time (-Wl,--wrap, see the Makefile), which works under ASan too, whose leak
 * check then covers every failure path; without ASan the live allocations are counted.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "convert/convert.h"
#include "convert/eml_write.h"
#include "edgeml.h"

#define FIXTURE "models/fixtures/mobilenet_block.s8.onnx"
#define NODE_DIR "/usr/share/libonnx-testdata/data/node/"

#include "alloc_fail.h"

/* What a scenario works on: the fixture as ONNX bytes, as a .eml image and file. */
typedef struct fixture {
	void *onnx;
	size_t onnx_size;
	void *image;
	size_t image_size;
	char path[64];
	edgeml_model *model;
} fixture;

static fixture fx;

static edgeml_status load_memory(void)
{
	edgeml_model *m;
	edgeml_status st = edgeml_model_load_memory(NULL, fx.image, fx.image_size, &m);
	if (st == EDGEML_OK)
		edgeml_model_free(m);
	return st;
}

static edgeml_status load_memory_misaligned(void)
{
	/* A misaligned buffer is copied: one more allocation. */
	edgeml_model *m;
	uint8_t *copy = __real_malloc(fx.image_size + 1);
	assert_non_null(copy);
	memcpy(copy + 1, fx.image, fx.image_size);
	edgeml_status st = edgeml_model_load_memory(NULL, copy + 1, fx.image_size, &m);
	if (st == EDGEML_OK)
		edgeml_model_free(m);
	__real_free(copy);
	return st;
}

static edgeml_status load_file(void)
{
	edgeml_context *ctx;
	edgeml_status st = edgeml_context_create(&ctx);
	if (st != EDGEML_OK)
		return st;
	edgeml_model *m;
	st = edgeml_model_load_file(ctx, fx.path, &m);
	if (st == EDGEML_OK)
		edgeml_model_free(m);
	edgeml_context_destroy(ctx);
	return st;
}

/* Creates a CPU session with threads worker threads, runs it once, destroys it. */
static edgeml_status session_cpu(uint32_t threads)
{
	edgeml_session_options opt;
	edgeml_session_options_init(&opt);
	opt.backend = EDGEML_BACKEND_CPU;
	opt.threads = threads;
	edgeml_session *s;
	edgeml_status st = edgeml_session_create(fx.model, &opt, &s);
	if (st != EDGEML_OK)
		return st;
	st = edgeml_session_run(s);
	edgeml_session_destroy(s);
	return st;
}

static edgeml_status session_cpu_1(void)
{
	return session_cpu(1);
}

static edgeml_status session_cpu_2(void)
{
	return session_cpu(2);
}

/* Converts the ONNX bytes and writes the .eml image; a conversion that succeeds although an
 * allocation failed must still give the same image (a failure never silently drops work). */
static edgeml_status convert_onnx(const void *onnx, size_t onnx_size, const void *want,
				  size_t want_size)
{
	eml_converted *c;
	edgeml_status st = eml_convert_buffer(onnx, onnx_size, NULL, &c);
	if (st != EDGEML_OK)
		return st;
	void *image;
	size_t size;
	st = eml_write_memory(&c->graph, &image, &size);
	if (st == EDGEML_OK) {
		if (size != want_size || memcmp(image, want, size) != 0)
			fail_msg("a conversion that survived a failed allocation gave another "
				 "image");
		free(image);
	}
	eml_converted_free(c);
	return st;
}

static edgeml_status convert(void)
{
	return convert_onnx(fx.onnx, fx.onnx_size, fx.image, fx.image_size);
}

/* Converts and writes the .eml file in one go, as `edgeml convert` does: a failure leaves
 * neither the file nor its temporary behind. */
static edgeml_status convert_to_file(void)
{
	char path[80];
	snprintf(path, sizeof(path), "/tmp/test_alloc_fail_out.%d.eml", (int)getpid());
	unlink(path);
	eml_converted *c;
	edgeml_status st = eml_convert_buffer(fx.onnx, fx.onnx_size, NULL, &c);
	if (st != EDGEML_OK)
		return st;
	st = eml_write_file(&c->graph, path);
	eml_converted_free(c);
	if (st != EDGEML_OK && access(path, F_OK) == 0)
		fail_msg("a failed write left '%s' behind", path);
	char cmd[160];
	snprintf(cmd, sizeof(cmd), "ls %s.tmp.* >/dev/null 2>&1", path);
	if (system(cmd) == 0)
		fail_msg("a failed write left a temporary file next to '%s'", path);
	unlink(path);
	return st;
}

/* A CPU session whose input is imported from a sealed memfd (the mapping cache allocates). */
static edgeml_status session_import(void)
{
	edgeml_session_options opt;
	edgeml_session_options_init(&opt);
	opt.backend = EDGEML_BACKEND_CPU;
	edgeml_session *s;
	edgeml_status st = edgeml_session_create(fx.model, &opt, &s);
	if (st != EDGEML_OK)
		return st;
	edgeml_tensor *in;
	edgeml_tensor_info info;
	assert_int_equal(edgeml_session_input(s, 0, &in), EDGEML_OK);
	assert_int_equal(edgeml_tensor_info_get(in, &info), EDGEML_OK);
	int fd = memfd_create("alloc_fail", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)info.size_bytes), 0);
	assert_int_equal(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK), 0);
	st = edgeml_tensor_import_dmabuf(in, fd, 0, info.size_bytes);
	close(fd);
	if (st == EDGEML_OK)
		st = edgeml_session_run(s);
	edgeml_session_destroy(s);
	return st;
}

static void test_convert_to_file(void **state)
{
	(void)state;
	fail_each("convert to a file", convert_to_file);
}

static void test_session_import(void **state)
{
	(void)state;
	fail_each("cpu session with an imported input", session_import);
}

static void test_load_memory(void **state)
{
	(void)state;
	fail_each("load from aligned memory", load_memory);
	fail_each("load from misaligned memory", load_memory_misaligned);
}

static void test_load_file(void **state)
{
	(void)state;
	fail_each("load from a file", load_file);
}

static void test_session_cpu(void **state)
{
	(void)state;
	fail_each("cpu session, 1 thread", session_cpu_1);
	fail_each("cpu session, 2 threads", session_cpu_2);
}

static void test_convert(void **state)
{
	(void)state;
	fail_each("convert", convert);
}

/* Reads an ONNX model, converts it and loads the image: the state of every scenario. */
static void open_model(const char *path)
{
	int fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	off_t size = lseek(fd, 0, SEEK_END);
	assert_true(size > 0);
	fx.onnx_size = (size_t)size;
	fx.onnx = __real_malloc(fx.onnx_size);
	assert_non_null(fx.onnx);
	assert_int_equal(pread(fd, fx.onnx, fx.onnx_size, 0), size);
	close(fd);
	eml_converted *c;
	if (eml_convert_buffer(fx.onnx, fx.onnx_size, NULL, &c) != EDGEML_OK)
		fail_msg("%s: %s", path, edgeml_last_error());
	assert_int_equal(eml_write_memory(&c->graph, &fx.image, &fx.image_size), EDGEML_OK);
	snprintf(fx.path, sizeof(fx.path), "/tmp/test_alloc_fail.%d.eml", (int)getpid());
	assert_int_equal(eml_write_file(&c->graph, fx.path), EDGEML_OK);
	eml_converted_free(c);
	assert_int_equal(edgeml_model_load_memory(NULL, fx.image, fx.image_size, &fx.model),
			 EDGEML_OK);
}

static void close_model(void)
{
	edgeml_model_free(fx.model);
	free(fx.image);
	__real_free(fx.onnx);
	unlink(fx.path);
	memset(&fx, 0, sizeof(fx));
}

/* More models, for the converter's passes and the kernels they reach (float convolution,
 * pooling, batch norm folding, quantized matmul, broadcasting, ...). */
static void test_more_models(void **state)
{
	(void)state;
	static const char *const models[] = {
		"models/fixtures/mobilenet_block.u8.onnx",
		NODE_DIR "test_add_bcast/model.onnx",
		NODE_DIR "test_averagepool_2d_pads/model.onnx",
		NODE_DIR "test_batchnorm_epsilon/model.onnx",
		NODE_DIR "test_concat_2d_axis_0/model.onnx",
		NODE_DIR "test_conv_with_strides_padding/model.onnx",
		NODE_DIR "test_globalaveragepool/model.onnx",
		NODE_DIR "test_matmul_2d/model.onnx",
		NODE_DIR "test_maxpool_2d_pads/model.onnx",
		NODE_DIR "test_softmax_axis_1/model.onnx",
		NODE_DIR "test_transpose_default/model.onnx",
	};
	fixture saved = fx;
	for (size_t i = 0; i < sizeof(models) / sizeof(models[0]); i++) {
		open_model(models[i]);
		print_message("== %s\n", models[i]);
		fail_each("convert", convert);
		fail_each("cpu session, 1 thread", session_cpu_1);
		fail_each("cpu session, 2 threads", session_cpu_2);
		close_model();
	}
	fx = saved;
}

static int setup(void **state)
{
	(void)state;
	open_model(FIXTURE);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	close_model();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_load_memory),
		cmocka_unit_test(test_load_file),
		cmocka_unit_test(test_session_cpu),
		cmocka_unit_test(test_convert),
		cmocka_unit_test(test_convert_to_file),
		cmocka_unit_test(test_session_import),
		cmocka_unit_test(test_more_models),
	};
	if (getenv("TEST_FILTER"))
		cmocka_set_test_filter(getenv("TEST_FILTER"));
	return cmocka_run_group_tests(tests, setup, teardown);
}
