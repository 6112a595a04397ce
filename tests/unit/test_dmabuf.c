/* test_dmabuf.c — edgeml_tensor_import_dmabuf and the session statistics on the host, where
 * no dma-buf exporter exists: memfds stand in for dma-bufs (the import maps them the same
 * way and skips the sync ioctls, which only dma-bufs have). Checks that runs read the imported
 * memory in place, that mappings are cached per buffer, the copy accounting, and that every
 * bad argument is refused with a message. */
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

#include "convert/eml_write.h"
#include "edgeml.h"
#include "ops/ops.h"

#define N 64			    /* elements of each tensor */
#define BYTES (N * sizeof(float)) /* 256 */
#define BUF_BYTES 8192		    /* size of the test memfds */

/* The test graph y = Relu(x) + z (x, z, y float32[1,64]) loaded as a model, with a session. */
typedef struct fixture {
	void *image;
	edgeml_model *model;
	edgeml_session *session;
	edgeml_tensor *x, *z, *y;
} fixture;

/* Builds, writes and loads the test graph and creates a CPU session on it. */
static int setup(void **state)
{
	static const int64_t dims[2] = { 1, N };
	static const uint32_t relu_in[1] = { 0 }, relu_out[1] = { 2 };
	static const uint32_t add_in[2] = { 2, 1 }, add_out[1] = { 3 };
	static const uint32_t inputs[2] = { 0, 1 }, outputs[1] = { 3 };
	eml_tensor t[4] = {
		{ .name = "x", .dtype = EDGEML_DTYPE_FLOAT32, .rank = 2, .flags = EML_TF_INPUT },
		{ .name = "z", .dtype = EDGEML_DTYPE_FLOAT32, .rank = 2, .flags = EML_TF_INPUT },
		{ .name = "r", .dtype = EDGEML_DTYPE_FLOAT32, .rank = 2 },
		{ .name = "y", .dtype = EDGEML_DTYPE_FLOAT32, .rank = 2, .flags = EML_TF_OUTPUT },
	};
	for (int i = 0; i < 4; i++)
		memcpy(t[i].dims, dims, sizeof(dims));
	eml_node nodes[2] = {
		{ .name = "relu", .op = EML_OP_Relu, .n_inputs = 1, .n_outputs = 1,
		  .inputs = relu_in, .outputs = relu_out },
		{ .name = "add", .op = EML_OP_Add, .n_inputs = 2, .n_outputs = 1,
		  .inputs = add_in, .outputs = add_out },
	};
	eml_graph g = { .tensors = t, .n_tensors = 4, .nodes = nodes, .n_nodes = 2,
			.inputs = inputs, .n_inputs = 2, .outputs = outputs, .n_outputs = 1 };
	fixture *f = calloc(1, sizeof(*f));
	size_t size;
	assert_non_null(f);
	assert_int_equal(eml_write_memory(&g, &f->image, &size), EDGEML_OK);
	if (edgeml_model_load_memory(NULL, f->image, size, &f->model) != EDGEML_OK ||
	    edgeml_session_create(f->model, NULL, &f->session) != EDGEML_OK)
		fail_msg("setup: %s", edgeml_last_error());
	assert_int_equal(edgeml_session_input_by_name(f->session, "x", &f->x), EDGEML_OK);
	assert_int_equal(edgeml_session_input_by_name(f->session, "z", &f->z), EDGEML_OK);
	assert_int_equal(edgeml_session_output(f->session, 0, &f->y), EDGEML_OK);
	*state = f;
	return 0;
}

/* Destroys the session (which unmaps every import) and the model. */
static int teardown(void **state)
{
	fixture *f = *state;
	edgeml_session_destroy(f->session);
	edgeml_model_free(f->model);
	free(f->image);
	free(f);
	return 0;
}

/* A BUF_BYTES memfd holding the N floats x_i = (i - 20) * scale at offset, zeros elsewhere,
 * sealed against shrinking as imports require. */
static int make_buffer(uint64_t offset, float scale)
{
	int fd = memfd_create("test_dmabuf", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	float v[N];
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, BUF_BYTES), 0);
	for (int i = 0; i < N; i++)
		v[i] = (float)(i - 20) * scale;
	assert_int_equal(pwrite(fd, v, BYTES, (off_t)offset), (ssize_t)BYTES);
	assert_int_equal(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK), 0);
	return fd;
}

/* Writes z_i = i / 8 (exact in float) through edgeml_tensor_write. */
static void write_z(fixture *f)
{
	float z[N];
	for (int i = 0; i < N; i++)
		z[i] = (float)i / 8;
	assert_int_equal(edgeml_tensor_write(f->z, z, sizeof(z)), EDGEML_OK);
}

/* Runs and checks y_i = max((i - 20) * scale, 0) + i / 8, computed here. */
static void run_and_check(fixture *f, float scale)
{
	if (edgeml_session_run(f->session) != EDGEML_OK)
		fail_msg("run: %s", edgeml_last_error());
	const float *y = edgeml_tensor_data(f->y);
	for (int i = 0; i < N; i++) {
		float x = (float)(i - 20) * scale;
		assert_float_equal(y[i], (x > 0 ? x : 0) + (float)i / 8, 0);
	}
}

/* The session's statistics, failing the test on error. */
static edgeml_session_stats stats_of(fixture *f)
{
	edgeml_session_stats st = { .struct_size = sizeof(st) };
	assert_int_equal(edgeml_session_stats_get(f->session, &st), EDGEML_OK);
	return st;
}

/* An import is read in place: no bytes copied for x, the mapping is the tensor's memory,
 * and a change to the buffer after the import shows in the next run. */
static void test_import_in_place(void **state)
{
	fixture *f = *state;
	int fd = make_buffer(128, 1.5f);
	void *own = edgeml_tensor_data(f->x);

	assert_int_equal(edgeml_tensor_import_dmabuf(f->x, fd, 128, BYTES), EDGEML_OK);
	assert_ptr_not_equal(edgeml_tensor_data(f->x), own);
	assert_float_equal(((const float *)edgeml_tensor_data(f->x))[0], -30.0f, 0);
	write_z(f);
	run_and_check(f, 1.5f);
	edgeml_session_stats st = stats_of(f);
	assert_int_equal(st.runs, 1);
	assert_int_equal(st.bytes_copied_last_run, BYTES); /* z only */
	assert_int_equal(st.bytes_imported_last_run, BYTES);
	assert_int_equal(st.buffers_mapped, 1);

	/* New content, no re-import: the run must see it, so nothing was copied at import. */
	float v[N];
	for (int i = 0; i < N; i++)
		v[i] = (float)(i - 20) * -2.0f;
	assert_int_equal(pwrite(fd, v, sizeof(v), 128), (ssize_t)sizeof(v));
	run_and_check(f, -2.0f);
	st = stats_of(f);
	assert_int_equal(st.runs, 2);
	assert_int_equal(st.bytes_copied_last_run, 0);
	assert_int_equal(st.bytes_copied_total, BYTES);
	close(fd);
}

/* Importing the same buffer again, through any fd, reuses the mapping; the caller may close
 * its fd after the import. */
static void test_import_cached(void **state)
{
	fixture *f = *state;
	int fd = make_buffer(0, 0.25f);
	int other = dup(fd);

	write_z(f);
	for (int i = 0; i < 1000; i++)
		assert_int_equal(edgeml_tensor_import_dmabuf(f->x, i % 2 ? fd : other, 0, BUF_BYTES),
				 EDGEML_OK);
	close(fd);
	close(other);
	run_and_check(f, 0.25f);
	edgeml_session_stats st = stats_of(f);
	assert_int_equal(st.buffers_mapped, 1);
	assert_int_equal(st.bytes_copied_last_run, BYTES);
}

/* Many distinct buffers: beyond the cache the unbound ones are unmapped, and the tensor
 * keeps reading the buffer it was last bound to. */
static void test_import_many_buffers(void **state)
{
	fixture *f = *state;
	write_z(f);
	for (int i = 0; i < 70; i++) {
		int fd = make_buffer(64, (float)i);
		assert_int_equal(edgeml_tensor_import_dmabuf(f->x, fd, 64, BYTES), EDGEML_OK);
		close(fd);
	}
	run_and_check(f, 69.0f);
	assert_int_equal(stats_of(f).buffers_mapped, 70);
}

/* edgeml_tensor_write and an import of fd -1 return the input to its own buffer; the write
 * counts as a copy. */
static void test_detach(void **state)
{
	fixture *f = *state;
	int fd = make_buffer(0, 1.0f);
	void *own = edgeml_tensor_data(f->x);
	float x[N];

	write_z(f);
	assert_int_equal(edgeml_tensor_import_dmabuf(f->x, fd, 0, BYTES), EDGEML_OK);
	for (int i = 0; i < N; i++)
		x[i] = (float)(i - 20) * 3.0f;
	assert_int_equal(edgeml_tensor_write(f->x, x, sizeof(x)), EDGEML_OK);
	assert_ptr_equal(edgeml_tensor_data(f->x), own);
	run_and_check(f, 3.0f);
	assert_int_equal(stats_of(f).bytes_copied_last_run, 2 * BYTES);
	assert_int_equal(stats_of(f).bytes_imported_last_run, 0);

	assert_int_equal(edgeml_tensor_import_dmabuf(f->x, fd, 0, BYTES), EDGEML_OK);
	run_and_check(f, 1.0f);
	assert_int_equal(edgeml_tensor_import_dmabuf(f->x, -1, 0, 0), EDGEML_OK);
	assert_ptr_equal(edgeml_tensor_data(f->x), own);
	run_and_check(f, 3.0f); /* the own buffer still holds the written x */
	assert_int_equal(stats_of(f).bytes_copied_last_run, 0);
	close(fd);
}

/* Expects the import to fail with status and a message naming what mentions. */
static void expect_refused(edgeml_tensor *t, int fd, uint64_t offset, uint64_t size,
			   edgeml_status status, const char *mentions)
{
	assert_int_equal(edgeml_tensor_import_dmabuf(t, fd, offset, size), status);
	if (!strstr(edgeml_last_error(), mentions))
		fail_msg("message '%s' lacks '%s'", edgeml_last_error(), mentions);
}

/* Every bad argument is an error naming the problem; the tensor stays usable afterwards. */
static void test_validation(void **state)
{
	fixture *f = *state;
	int fd = make_buffer(0, 1.0f), pipes[2];

	write_z(f);
	expect_refused(f->y, fd, 0, BYTES, EDGEML_ERR_UNSUPPORTED, "only inputs");
	expect_refused(f->x, -5, 0, BYTES, EDGEML_ERR_INVALID_ARGUMENT, "negative");
	expect_refused(f->x, fd, 100, BYTES, EDGEML_ERR_INVALID_ARGUMENT, "multiple of 64");
	expect_refused(f->x, fd, 0, BYTES - 1, EDGEML_ERR_SHAPE, "float32[1,64], 256 bytes");
	expect_refused(f->x, fd, BUF_BYTES - 128, BYTES, EDGEML_ERR_INVALID_ARGUMENT,
		       "past the end of the 8192-byte buffer");
	expect_refused(f->x, fd, UINT64_MAX - 63, BYTES, EDGEML_ERR_INVALID_ARGUMENT,
		       "past the end");
	expect_refused(f->x, fd, 0, UINT64_MAX, EDGEML_ERR_INVALID_ARGUMENT, "past the end");
	assert_int_equal(pipe(pipes), 0);
	expect_refused(f->x, pipes[0], 0, BYTES, EDGEML_ERR_INVALID_ARGUMENT,
		       "neither a dma-buf nor a memfd");
	close(pipes[0]);
	close(pipes[1]);
	expect_refused(f->x, pipes[0], 0, BYTES, EDGEML_ERR_INVALID_ARGUMENT, "not an open file");
	int empty = memfd_create("empty", MFD_CLOEXEC);
	expect_refused(f->x, empty, 0, BYTES, EDGEML_ERR_INVALID_ARGUMENT, "empty buffer");
	close(empty);
	assert_int_equal(edgeml_tensor_import_dmabuf(NULL, fd, 0, BYTES),
			 EDGEML_ERR_INVALID_ARGUMENT);
	assert_int_equal(stats_of(f).buffers_mapped, 1); /* only the past-the-end ones mapped */

	/* A file that changed size while imported must be detached before it is imported. */
	assert_int_equal(edgeml_tensor_import_dmabuf(f->x, fd, 0, BYTES), EDGEML_OK);
	assert_int_equal(ftruncate(fd, 2 * BUF_BYTES), 0);
	expect_refused(f->x, fd, 0, BYTES, EDGEML_ERR_INVALID_ARGUMENT, "changed size");
	run_and_check(f, 1.0f); /* still bound to the old mapping, whose pages still exist */
	assert_int_equal(edgeml_tensor_import_dmabuf(f->x, -1, 0, 0), EDGEML_OK);
	assert_int_equal(edgeml_tensor_import_dmabuf(f->x, fd, BUF_BYTES, BYTES), EDGEML_OK);
	assert_int_equal(stats_of(f).buffers_mapped, 2);
	close(fd);
}

/* A peer that shrinks an imported memfd must not crash a run (SIGBUS reading the mapping):
 * a memfd not sealed against shrinking is refused, and a sealed one cannot shrink. */
static void test_import_shrink(void **state)
{
	fixture *f = *state;
	int fd = memfd_create("unsealed", MFD_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, BUF_BYTES), 0);
	edgeml_status st = edgeml_tensor_import_dmabuf(f->x, fd, 0, BYTES);
	if (st == EDGEML_OK) {
		assert_int_equal(ftruncate(fd, 0), 0); /* the peer shrinks it */
		write_z(f);
		st = edgeml_session_run(f->session); /* SIGBUS before the fix */
		fail_msg("an unsealed memfd was imported (run: %d)", st);
	}
	assert_int_equal(st, EDGEML_ERR_INVALID_ARGUMENT);
	assert_non_null(strstr(edgeml_last_error(), "F_SEAL_SHRINK"));
	close(fd);

	fd = make_buffer(0, 2.0f);
	assert_int_equal(edgeml_tensor_import_dmabuf(f->x, fd, 0, BYTES), EDGEML_OK);
	assert_int_not_equal(ftruncate(fd, 0), 0);
	write_z(f);
	run_and_check(f, 2.0f);
	close(fd);

	/* A regular file cannot be sealed: refused the same way. */
	char path[] = "/tmp/test_dmabuf.XXXXXX";
	fd = mkstemp(path);
	assert_true(fd >= 0);
	unlink(path);
	assert_int_equal(ftruncate(fd, BUF_BYTES), 0);
	expect_refused(f->x, fd, 0, BYTES, EDGEML_ERR_INVALID_ARGUMENT, "F_SEAL_SHRINK");
	close(fd);
}

/* The statistics honour struct_size: a caller with an older, smaller struct gets the fields
 * it has and nothing is written past them. */
static void test_stats_struct_size(void **state)
{
	fixture *f = *state;
	edgeml_session_stats st;

	write_z(f);
	run_and_check(f, 0.0f);
	memset(&st, 0xab, sizeof(st));
	st.struct_size = offsetof(edgeml_session_stats, bytes_copied_total);
	assert_int_equal(edgeml_session_stats_get(f->session, &st), EDGEML_OK);
	assert_int_equal(st.runs, 1);
	assert_int_equal(st.bytes_copied_last_run, BYTES); /* z written, x left as zeros */
	assert_int_equal(st.bytes_copied_total, 0xababababababababull);
	st.struct_size = 4;
	assert_int_equal(edgeml_session_stats_get(f->session, &st), EDGEML_ERR_INVALID_ARGUMENT);
	assert_int_equal(edgeml_session_stats_get(NULL, &st), EDGEML_ERR_INVALID_ARGUMENT);
	st = stats_of(f);
	assert_true(st.last_run_ns > 0 && st.total_run_ns >= st.last_run_ns);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_import_in_place, setup, teardown),
		cmocka_unit_test_setup_teardown(test_import_cached, setup, teardown),
		cmocka_unit_test_setup_teardown(test_import_many_buffers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_detach, setup, teardown),
		cmocka_unit_test_setup_teardown(test_validation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stats_struct_size, setup, teardown),
		cmocka_unit_test_setup_teardown(test_import_shrink, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
