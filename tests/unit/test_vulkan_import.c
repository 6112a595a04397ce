/* test_vulkan_import.c — edgeml_tensor_import_dmabuf on the Vulkan backend, with memfds
 * standing in for dma-bufs (no exporter here; lavapipe lacks VK_EXT_external_memory_dma_buf,
 * so its host-pointer import is what runs). Imported inputs must give the results of writing
 * the same bytes, read in place (0 bytes copied) or, with EDGEML_VK_IMPORT=copy, copied (the
 * tensor's size per run); later changes to the buffer show in the next run; detach, rings of
 * buffers and a CPU-fallback node reading the import work; misaligned offsets and imports
 * during a run are refused. The validation layer is on and any message fails the suite;
 * without a device the tests are skipped. */
#include <fcntl.h>
#include <math.h>
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

#include "convert/eml_write.h"
#include "edgeml.h"
#include "ops/ops.h"
#include "vulkan/vk_device.h"

#define N 64			    /* elements of each tensor */
#define BYTES (N * sizeof(float)) /* 256 */
#define BUF_BYTES 8192		    /* size of the test memfds */
#define X_AT 128		    /* offset of x in a buffer */
#define Z_AT 1024		    /* offset of z in a buffer */

static const eml_vk_device_info *device; /* the one sessions get; NULL: tests skipped */
static char cache_dir[64];

#define SKIP_WITHOUT_DEVICE()    \
	do {                     \
		if (!device)     \
			skip();  \
	} while (0)

/* The test graph y = Relu(x) + z on the GPU and w = Softmax(x) on the CPU (withheld from the
 * GPU by EDGEML_VK_NO_SHADER, set in main), all float32[1,64], loaded as a model, with a
 * Vulkan session that imports and one that is written. */
typedef struct fixture {
	void *image;
	edgeml_model *model;
	edgeml_session *session, *plain;
	edgeml_tensor *x, *z, *y, *w;
} fixture;

/* A Vulkan session (CPU fallback allowed) on the fixture's model. */
static edgeml_session *vk_session(const fixture *f)
{
	edgeml_session_options o;
	edgeml_session *s = NULL;
	edgeml_session_options_init(&o);
	o.backend = EDGEML_BACKEND_VULKAN;
	o.flags = EDGEML_SESSION_CPU_FALLBACK;
	o.cache_dir = cache_dir;
	if (edgeml_session_create(f->model, &o, &s) != EDGEML_OK)
		fail_msg("session: %s", edgeml_last_error());
	return s;
}

/* Builds, writes and loads the test graph and creates the sessions. */
static int setup(void **state)
{
	if (!device)
		return 0;
	static const int64_t dims[2] = { 1, N };
	static const uint32_t relu_in[1] = { 0 }, relu_out[1] = { 2 };
	static const uint32_t add_in[2] = { 2, 1 }, add_out[1] = { 3 };
	static const uint32_t sm_in[1] = { 0 }, sm_out[1] = { 4 };
	static const uint32_t inputs[2] = { 0, 1 }, outputs[2] = { 3, 4 };
	eml_tensor t[5] = {
		{ .name = "x", .dtype = EDGEML_DTYPE_FLOAT32, .rank = 2, .flags = EML_TF_INPUT },
		{ .name = "z", .dtype = EDGEML_DTYPE_FLOAT32, .rank = 2, .flags = EML_TF_INPUT },
		{ .name = "r", .dtype = EDGEML_DTYPE_FLOAT32, .rank = 2 },
		{ .name = "y", .dtype = EDGEML_DTYPE_FLOAT32, .rank = 2, .flags = EML_TF_OUTPUT },
		{ .name = "w", .dtype = EDGEML_DTYPE_FLOAT32, .rank = 2, .flags = EML_TF_OUTPUT },
	};
	for (int i = 0; i < 5; i++)
		memcpy(t[i].dims, dims, sizeof(dims));
	eml_node nodes[3] = {
		{ .name = "relu", .op = EML_OP_Relu, .n_inputs = 1, .n_outputs = 1,
		  .inputs = relu_in, .outputs = relu_out },
		{ .name = "add", .op = EML_OP_Add, .n_inputs = 2, .n_outputs = 1,
		  .inputs = add_in, .outputs = add_out },
		{ .name = "softmax", .op = EML_OP_Softmax, .n_inputs = 1, .n_outputs = 1,
		  .inputs = sm_in, .outputs = sm_out },
	};
	eml_graph g = { .tensors = t, .n_tensors = 5, .nodes = nodes, .n_nodes = 3,
			.inputs = inputs, .n_inputs = 2, .outputs = outputs, .n_outputs = 2 };
	fixture *f = calloc(1, sizeof(*f));
	size_t size;
	assert_non_null(f);
	assert_int_equal(eml_write_memory(&g, &f->image, &size), EDGEML_OK);
	if (edgeml_model_load_memory(NULL, f->image, size, &f->model) != EDGEML_OK)
		fail_msg("setup: %s", edgeml_last_error());
	f->session = vk_session(f);
	f->plain = vk_session(f);
	assert_int_equal(edgeml_session_input_by_name(f->session, "x", &f->x), EDGEML_OK);
	assert_int_equal(edgeml_session_input_by_name(f->session, "z", &f->z), EDGEML_OK);
	assert_int_equal(edgeml_session_output(f->session, 0, &f->y), EDGEML_OK);
	assert_int_equal(edgeml_session_output(f->session, 1, &f->w), EDGEML_OK);
	*state = f;
	return 0;
}

/* Destroys the sessions (which let go of every import) and the model. */
static int teardown(void **state)
{
	fixture *f = *state;
	if (!f)
		return 0;
	edgeml_session_destroy(f->session);
	edgeml_session_destroy(f->plain);
	edgeml_model_free(f->model);
	free(f->image);
	free(f);
	return 0;
}

/* x_i = (i - 20) * scale. */
static float x_of(int i, float scale)
{
	return (float)(i - 20) * scale;
}

/* z_i = i / 8 + shift (exact in float). */
static float z_of(int i, float shift)
{
	return (float)i / 8 + shift;
}

/* Writes x (scale) at X_AT and z (shift) at Z_AT of memfd fd. */
static void fill(int fd, float scale, float shift)
{
	float x[N], z[N];
	for (int i = 0; i < N; i++) {
		x[i] = x_of(i, scale);
		z[i] = z_of(i, shift);
	}
	assert_int_equal(pwrite(fd, x, BYTES, X_AT), (ssize_t)BYTES);
	assert_int_equal(pwrite(fd, z, BYTES, Z_AT), (ssize_t)BYTES);
}

/* A BUF_BYTES memfd holding x and z (zeros elsewhere), sealed against shrinking as imports
 * require. */
static int make_buffer(float scale, float shift)
{
	int fd = memfd_create("test_vulkan_import", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, BUF_BYTES), 0);
	fill(fd, scale, shift);
	assert_int_equal(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK), 0);
	return fd;
}

/* Imports x and z of the buffer of fd into the session. */
static void import_both(fixture *f, int fd)
{
	if (edgeml_tensor_import_dmabuf(f->x, fd, X_AT, BYTES) != EDGEML_OK ||
	    edgeml_tensor_import_dmabuf(f->z, fd, Z_AT, BYTES) != EDGEML_OK)
		fail_msg("import: %s", edgeml_last_error());
}

/* Runs the session and checks y = Relu(x) + z exactly and w = Softmax(x) (computed here in
 * double) within 1e-5 relative. */
static void run_and_check(fixture *f, float scale, float shift)
{
	if (edgeml_session_run(f->session) != EDGEML_OK)
		fail_msg("run: %s", edgeml_last_error());
	const float *y = edgeml_tensor_data(f->y), *w = edgeml_tensor_data(f->w);
	double max = -INFINITY, sum = 0;
	for (int i = 0; i < N; i++)
		max = fmax(max, x_of(i, scale));
	for (int i = 0; i < N; i++)
		sum += exp(x_of(i, scale) - max);
	for (int i = 0; i < N; i++) {
		float x = x_of(i, scale);
		assert_float_equal(y[i], (x > 0 ? x : 0) + z_of(i, shift), 0);
		double want = exp(x - max) / sum;
		assert_float_equal(w[i], want, 1e-5 * want + 1e-12);
	}
}

/* Bytes the last run of the session copied. */
static uint64_t copied(const fixture *f)
{
	edgeml_session_stats st = { .struct_size = sizeof(st) };
	assert_int_equal(edgeml_session_stats_get(f->session, &st), EDGEML_OK);
	return st.bytes_copied_last_run;
}

/* Imports read in place through the host-pointer import (0 bytes copied), give the outputs
 * of writing the same bytes, and see changes to the buffer in the next run. */
static void test_import_in_place(void **state)
{
	SKIP_WITHOUT_DEVICE();
	fixture *f = *state;
	if (!device->has_host_import && !device->has_dmabuf_import)
		skip();
	int fd = make_buffer(1.5f, 0.25f);
	import_both(f, fd);
	run_and_check(f, 1.5f, 0.25f);
	assert_int_equal(copied(f), 0);

	/* The same bytes written into a session's own buffers give the same outputs. */
	edgeml_tensor *px, *pz, *py, *pw;
	assert_int_equal(edgeml_session_input_by_name(f->plain, "x", &px), EDGEML_OK);
	assert_int_equal(edgeml_session_input_by_name(f->plain, "z", &pz), EDGEML_OK);
	assert_int_equal(edgeml_session_output(f->plain, 0, &py), EDGEML_OK);
	assert_int_equal(edgeml_session_output(f->plain, 1, &pw), EDGEML_OK);
	assert_int_equal(edgeml_tensor_write(px, edgeml_tensor_data(f->x), BYTES), EDGEML_OK);
	assert_int_equal(edgeml_tensor_write(pz, edgeml_tensor_data(f->z), BYTES), EDGEML_OK);
	assert_int_equal(edgeml_session_run(f->plain), EDGEML_OK);
	assert_memory_equal(edgeml_tensor_data(py), edgeml_tensor_data(f->y), BYTES);
	assert_memory_equal(edgeml_tensor_data(pw), edgeml_tensor_data(f->w), BYTES);

	/* A change to the buffer is read by the next run, with no new import. */
	fill(fd, -0.5f, 3.0f);
	run_and_check(f, -0.5f, 3.0f);
	assert_int_equal(copied(f), 0);
	close(fd);
	run_and_check(f, -0.5f, 3.0f); /* the session keeps its own reference */
}

/* EDGEML_VK_IMPORT=copy copies each imported input before each run, counted in the stats;
 * the copy still follows changes to the buffer. */
static void test_import_forced_copy(void **state)
{
	SKIP_WITHOUT_DEVICE();
	fixture *f = *state;
	int fd = make_buffer(2.0f, 1.0f);
	setenv("EDGEML_VK_IMPORT", "copy", 1);
	import_both(f, fd);
	unsetenv("EDGEML_VK_IMPORT");
	run_and_check(f, 2.0f, 1.0f);
	assert_int_equal(copied(f), 2 * BYTES);
	fill(fd, 0.75f, -2.0f);
	run_and_check(f, 0.75f, -2.0f);
	assert_int_equal(copied(f), 2 * BYTES);
	/* x back to the zero-copy way; z stays copied. */
	if (device->has_host_import) {
		assert_int_equal(edgeml_tensor_import_dmabuf(f->x, fd, X_AT, BYTES), EDGEML_OK);
		run_and_check(f, 0.75f, -2.0f);
		assert_int_equal(copied(f), BYTES);
	}
	close(fd);
}

/* Detaching returns an input to its own buffer: writes count as copies again. */
static void test_detach(void **state)
{
	SKIP_WITHOUT_DEVICE();
	fixture *f = *state;
	int fd = make_buffer(1.0f, 0.5f);
	import_both(f, fd);
	run_and_check(f, 1.0f, 0.5f);
	assert_int_equal(edgeml_tensor_import_dmabuf(f->x, -1, 0, 0), EDGEML_OK);
	float x[N];
	for (int i = 0; i < N; i++)
		x[i] = x_of(i, -3.0f);
	assert_int_equal(edgeml_tensor_write(f->x, x, sizeof(x)), EDGEML_OK);
	run_and_check(f, -3.0f, 0.5f);
	assert_int_equal(copied(f), device->has_host_import ? BYTES : 2 * BYTES);
	assert_int_equal(edgeml_tensor_import_dmabuf(f->z, -1, 0, 0), EDGEML_OK);
	close(fd);
}

/* A ring of buffers imported in turn, as a camera pipeline does: each run reads its own. */
static void test_ring(void **state)
{
	SKIP_WITHOUT_DEVICE();
	fixture *f = *state;
	int fds[3];
	for (int k = 0; k < 3; k++)
		fds[k] = make_buffer((float)(k + 1), (float)k);
	for (int frame = 0; frame < 9; frame++) {
		int k = frame % 3;
		import_both(f, fds[k]);
		run_and_check(f, (float)(k + 1), (float)k);
	}
	for (int k = 0; k < 3; k++)
		close(fds[k]);
}

/* Offsets the device cannot bind are refused with a message naming the offset. */
static void test_misaligned(void **state)
{
	SKIP_WITHOUT_DEVICE();
	fixture *f = *state;
	int fd = make_buffer(1.0f, 0.0f);
	assert_int_equal(edgeml_tensor_import_dmabuf(f->x, fd, 100, BYTES),
			 EDGEML_ERR_INVALID_ARGUMENT);
	assert_non_null(strstr(edgeml_last_error(), "offset 100"));
	/* A device alignment beyond the session's own 64 bytes is the backend's to refuse. */
	if (device->min_storage_align > 64 && device->has_host_import) {
		assert_int_equal(edgeml_tensor_import_dmabuf(f->x, fd, 64, BYTES),
				 EDGEML_ERR_INVALID_ARGUMENT);
		assert_non_null(strstr(edgeml_last_error(), "minStorageBufferOffsetAlignment"));
	}
	/* The refused imports left the session as it was. */
	import_both(f, fd);
	run_and_check(f, 1.0f, 0.0f);
	close(fd);
}

/* An import while a run is in flight is refused (the command buffers it would record again
 * are in use); after the wait it works. */
static void test_in_flight(void **state)
{
	SKIP_WITHOUT_DEVICE();
	fixture *f = *state;
	int fd = make_buffer(0.5f, 2.0f);
	assert_int_equal(edgeml_session_submit(f->session), EDGEML_OK);
	assert_int_equal(edgeml_tensor_import_dmabuf(f->x, fd, X_AT, BYTES),
			 EDGEML_ERR_INVALID_ARGUMENT);
	assert_non_null(strstr(edgeml_last_error(), "in flight"));
	assert_int_equal(edgeml_session_wait(f->session), EDGEML_OK);
	import_both(f, fd);
	run_and_check(f, 0.5f, 2.0f);
	close(fd);
}

/* Finds the device sessions get; without one the tests are skipped. */
static void find_device(void)
{
	const eml_vk_instance *vi;
	uint32_t index;
	if (eml_vk_instance_shared(&vi) == EDGEML_OK &&
	    eml_vk_pick_device(vi, NULL, &index) == EDGEML_OK) {
		device = &vi->info[index];
		fprintf(stderr,
			"test_vulkan_import: '%s': dma-buf import %s, host-pointer import %s "
			"(alignment %llu), minStorageBufferOffsetAlignment %u\n",
			device->name, device->has_dmabuf_import ? "yes" : "no",
			device->has_host_import ? "yes" : "no",
			(unsigned long long)device->min_host_align, device->min_storage_align);
	} else {
		fprintf(stderr, "test_vulkan_import: no usable Vulkan (%s): tests skipped\n",
			edgeml_last_error());
	}
}

int main(void)
{
	/* Every Vulkan instance of the suite runs under the validation layer. */
	setenv("EDGEML_VK_VALIDATION", "1", 1);
	unsetenv("EDGEML_VK_IMPORT");
	/* Softmax has a shader: withheld, it is the CPU partition the tests need. */
	setenv("EDGEML_VK_NO_SHADER", "Softmax", 1);
	if (!getenv("XDG_RUNTIME_DIR"))
		setenv("XDG_RUNTIME_DIR", "/tmp", 1);
	snprintf(cache_dir, sizeof(cache_dir), "/tmp/edgeml-test-vkimp-%ld", (long)getpid());
	find_device();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_import_in_place, setup, teardown),
		cmocka_unit_test_setup_teardown(test_import_forced_copy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_detach, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ring, setup, teardown),
		cmocka_unit_test_setup_teardown(test_misaligned, setup, teardown),
		cmocka_unit_test_setup_teardown(test_in_flight, setup, teardown),
	};
	int failed = cmocka_run_group_tests(tests, NULL, NULL);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", cache_dir);
	if (system(cmd) != 0)
		fprintf(stderr, "test_vulkan_import: could not remove %s\n", cache_dir);
	uint64_t messages = eml_vk_validation_messages();
	if (messages)
		fprintf(stderr, "test_vulkan_import: the validation layer reported %llu messages\n",
			(unsigned long long)messages);
	return failed || messages ? 1 : 0;
}
