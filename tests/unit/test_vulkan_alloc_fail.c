/*
 * test_vulkan_alloc_fail.c — failure injection on the Vulkan backend (lavapipe here): every
 * vkAllocateMemory / vkCreateBuffer of session creation fails in turn with
 * VK_ERROR_OUT_OF_DEVICE_MEMORY (the backend's test hook), then every malloc-family call of
 * the library does (link-time wrappers, alloc_fail.h). Each failure must give
 * EDGEML_ERR_NO_MEMORY and leak nothing. Skipped without a Vulkan device.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "convert/convert.h"
#include "convert/eml_write.h"
#include "edgeml.h"
#include "vulkan/vk_memory.h"

#include "alloc_fail.h"

#define FIXTURE "models/fixtures/mobilenet_block.s8.onnx"

static edgeml_model *model;
static void *image;
static size_t image_size;
static char cache_dir[64];
static edgeml_context *ctx;

/* Creates a Vulkan session on the fixture, runs it once, destroys it. */
static edgeml_status session_vulkan(void)
{
	edgeml_session_options opt;
	edgeml_session_options_init(&opt);
	opt.backend = EDGEML_BACKEND_VULKAN;
	opt.cache_dir = cache_dir;
	edgeml_session *s;
	edgeml_status st = edgeml_session_create(model, &opt, &s);
	if (st != EDGEML_OK)
		return st;
	st = edgeml_session_run(s);
	edgeml_session_destroy(s);
	return st;
}

/* A Vulkan session with the fixture's QLinearAdd withheld from the GPU
 * (EDGEML_VK_NO_SHADER): the scheduler makes GPU, CPU and GPU partitions and the copies
 * between them. Runs it once and destroys it. */
static edgeml_status session_partitioned(void)
{
	edgeml_session_options opt;
	edgeml_session_options_init(&opt);
	opt.backend = EDGEML_BACKEND_VULKAN;
	opt.flags = EDGEML_SESSION_CPU_FALLBACK;
	opt.cache_dir = cache_dir;
	edgeml_session *s;
	edgeml_status st = edgeml_session_create(model, &opt, &s);
	if (st != EDGEML_OK)
		return st;
	st = edgeml_session_run(s);
	edgeml_session_stats stats = { .struct_size = sizeof(stats) };
	if (st == EDGEML_OK && edgeml_session_stats_get(s, &stats) == EDGEML_OK &&
	    stats.transfers_last_run == 0)
		fail_msg("the session did not partition: %s", edgeml_session_backend_detail(s));
	edgeml_session_destroy(s);
	return st;
}

/* A new context, model and session each time: the device, its queues, the pipeline cache
 * and the shaders (from the disk cache after the first time) are made afresh. */
static edgeml_status cold_session_vulkan(void)
{
	edgeml_context *c;
	edgeml_status st = edgeml_context_create(&c);
	if (st != EDGEML_OK)
		return st;
	edgeml_model *m;
	st = edgeml_model_load_memory(c, image, image_size, &m);
	if (st == EDGEML_OK) {
		edgeml_session_options opt;
		edgeml_session_options_init(&opt);
		opt.backend = EDGEML_BACKEND_VULKAN;
		opt.cache_dir = cache_dir;
		edgeml_session *s;
		st = edgeml_session_create(m, &opt, &s);
		if (st == EDGEML_OK) {
			st = edgeml_session_run(s);
			edgeml_session_destroy(s);
		}
		edgeml_model_free(m);
	}
	edgeml_context_destroy(c);
	return st;
}

/* Each device allocation and buffer creation fails in turn. */
static void test_device_oom(void **state)
{
	(void)state;
	if (!model)
		skip();
	eml_vk_inject_oom(0);
	assert_int_equal(session_vulkan(), EDGEML_OK);
	uint32_t n = eml_vk_oom_calls();
	assert_true(n > 0);
	uint32_t absorbed = 0;
	for (uint32_t k = 1; k <= n; k++) {
		eml_vk_inject_oom(k);
		edgeml_status st = session_vulkan();
		eml_vk_inject_oom(0);
		/* A block allocation that fails is retried at the size the buffer needs. */
		absorbed += st == EDGEML_OK;
		if (st != EDGEML_OK && st != EDGEML_ERR_NO_MEMORY)
			fail_msg("vulkan call %u of %u out of device memory: status '%s' (%s)", k, n,
				 edgeml_status_string(st), edgeml_last_error());
	}
	print_message("vulkan session: failed each of %u device allocations (%u absorbed)\n",
		      n, absorbed);
}

/* Each malloc-family call of the library fails in turn. */
static void test_host_oom(void **state)
{
	(void)state;
	if (!model)
		skip();
	fail_each("vulkan session", session_vulkan);
}

/* Each malloc-family call of a partitioned session fails in turn. */
static void test_host_oom_partitioned(void **state)
{
	(void)state;
	if (!model)
		skip();
	setenv("EDGEML_VK_NO_SHADER", "QLinearAdd", 1);
	fail_each("partitioned vulkan session", session_partitioned);
	unsetenv("EDGEML_VK_NO_SHADER");
}

/* Each malloc-family call of a cold start fails in turn. */
static void test_host_oom_cold(void **state)
{
	(void)state;
	if (!model)
		skip();
	fail_each("vulkan context and session", cold_session_vulkan);
}

static int setup(void **state)
{
	(void)state;
	if (!getenv("XDG_RUNTIME_DIR"))
		setenv("XDG_RUNTIME_DIR", "/tmp", 1);
	snprintf(cache_dir, sizeof(cache_dir), "/tmp/edgeml-test-vk-oom-%ld", (long)getpid());
	eml_converted *c;
	assert_int_equal(eml_convert_file(FIXTURE, NULL, &c), EDGEML_OK);
	assert_int_equal(eml_write_memory(&c->graph, &image, &image_size), EDGEML_OK);
	eml_converted_free(c);
	/* The context keeps the device (and its pipelines) between sessions: every attempt
	 * after the first is warm. */
	assert_int_equal(edgeml_context_create(&ctx), EDGEML_OK);
	assert_int_equal(edgeml_model_load_memory(ctx, image, image_size, &model), EDGEML_OK);
	if (session_vulkan() != EDGEML_OK) {
		fprintf(stderr, "test_vulkan_alloc_fail: no usable Vulkan (%s): skipped\n",
			edgeml_last_error());
		edgeml_model_free(model);
		model = NULL;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	edgeml_model_free(model);
	edgeml_context_destroy(ctx);
	free(image);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", cache_dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", cache_dir);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_device_oom),
		cmocka_unit_test(test_host_oom),
		cmocka_unit_test(test_host_oom_cold),
		cmocka_unit_test(test_host_oom_partitioned),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
