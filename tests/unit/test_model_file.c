/* test_model_file.c — a loaded model must not depend on its file staying as it was: the file
 * is rewritten in place (same size) or truncated between load and session creation, and the
 * session must still run the model that was validated at load (issue 10, finding 2). */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "convert/convert.h"
#include "convert/eml_write.h"
#include "edgeml.h"
#include "eml_format.h"

#define FIXTURE "models/fixtures/mobilenet_block.s8.onnx"

typedef struct fixture {
	char path[64];
	uint8_t *original; /* the file as written */
	size_t size;
	uint8_t *want; /* the output of a run on a pristine load */
	size_t want_size;
	edgeml_context *ctx;
} fixture;

/* Reads the whole of fd into a new buffer. */
static uint8_t *read_all(const char *path, size_t *size)
{
	int fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	struct stat st;
	assert_int_equal(fstat(fd, &st), 0);
	uint8_t *buf = malloc((size_t)st.st_size);
	assert_non_null(buf);
	assert_int_equal(pread(fd, buf, (size_t)st.st_size, 0), st.st_size);
	close(fd);
	*size = (size_t)st.st_size;
	return buf;
}

/* Fills every input with a fixed pattern, runs once and returns a copy of output 0; NULL
 * (with the status in *st) when creation or the run fails. */
static uint8_t *run_model(const edgeml_model *model, size_t *out_size, edgeml_status *st)
{
	edgeml_session_options opt;
	edgeml_session_options_init(&opt);
	opt.backend = EDGEML_BACKEND_CPU;
	edgeml_session *s;
	*st = edgeml_session_create(model, &opt, &s);
	if (*st != EDGEML_OK)
		return NULL;
	for (size_t i = 0; i < edgeml_model_input_count(model); i++) {
		edgeml_tensor *t;
		edgeml_tensor_info info;
		assert_int_equal(edgeml_session_input(s, i, &t), EDGEML_OK);
		assert_int_equal(edgeml_tensor_info_get(t, &info), EDGEML_OK);
		uint8_t *p = edgeml_tensor_data(t);
		for (size_t k = 0; k < info.size_bytes; k++)
			p[k] = (uint8_t)(k * 7u + 3u);
	}
	*st = edgeml_session_run(s);
	uint8_t *copy = NULL;
	if (*st == EDGEML_OK) {
		edgeml_tensor *out;
		edgeml_tensor_info info;
		assert_int_equal(edgeml_session_output(s, 0, &out), EDGEML_OK);
		assert_int_equal(edgeml_tensor_info_get(out, &info), EDGEML_OK);
		copy = malloc(info.size_bytes);
		assert_non_null(copy);
		memcpy(copy, edgeml_tensor_data(out), info.size_bytes);
		*out_size = info.size_bytes;
	}
	edgeml_session_destroy(s);
	return copy;
}

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	snprintf(f->path, sizeof(f->path), "/tmp/test_model_file.%d.eml", (int)getpid());
	eml_converted *c;
	assert_int_equal(eml_convert_file(FIXTURE, NULL, &c), EDGEML_OK);
	assert_int_equal(eml_write_file(&c->graph, f->path), EDGEML_OK);
	eml_converted_free(c);
	f->original = read_all(f->path, &f->size);
	assert_int_equal(edgeml_context_create(&f->ctx), EDGEML_OK);
	edgeml_model *m;
	assert_int_equal(edgeml_model_load_file(f->ctx, f->path, &m), EDGEML_OK);
	edgeml_status st;
	f->want = run_model(m, &f->want_size, &st);
	assert_int_equal(st, EDGEML_OK);
	edgeml_model_free(m);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	unlink(f->path);
	edgeml_context_destroy(f->ctx);
	free(f->original);
	free(f->want);
	free(f);
	return 0;
}

/* Restores the pristine file before each test. */
static void restore(fixture *f)
{
	int fd = open(f->path, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, f->original, f->size, 0), (ssize_t)f->size);
	close(fd);
}

/* Writes len bytes at off of the model file in place (same inode, so a mapping sees it). */
static void poke(const fixture *f, uint64_t off, const void *bytes, size_t len)
{
	int fd = open(f->path, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, bytes, len, (off_t)off), (ssize_t)len);
	close(fd);
}

/* Section i of the pristine file. */
static struct eml_file_section section(const fixture *f, unsigned i)
{
	struct eml_file_section s;
	memcpy(&s, f->original + EML_HEADER_FIXED_SIZE + (size_t)EML_SECTION_ENTRY_SIZE * i,
	       sizeof(s));
	return s;
}

/* File offset of the int64 values of the first attribute named name. */
static uint64_t attr_ints_offset(const fixture *f, const char *name, uint32_t *count)
{
	struct eml_file_section strs = section(f, EML_SEC_STRINGS);
	struct eml_file_section attrs = section(f, EML_SEC_ATTRS);
	struct eml_file_section ints = section(f, EML_SEC_INT64S);
	for (uint64_t off = 0; off < attrs.size; off += sizeof(struct eml_file_attr)) {
		struct eml_file_attr a;
		memcpy(&a, f->original + attrs.offset + off, sizeof(a));
		if (a.type == EML_ATTR_INTS &&
		    strcmp((const char *)f->original + strs.offset + a.name, name) == 0) {
			*count = a.count;
			return ints.offset + (uint64_t)a.ref * 8u;
		}
	}
	fail_msg("no attribute '%s' in the fixture", name);
	return 0;
}

/* Loads the pristine file, applies change, then creates a session and runs it: the output
 * must be the pristine one. */
static void expect_unaffected(fixture *f, void (*change)(fixture *f))
{
	restore(f);
	edgeml_model *m;
	assert_int_equal(edgeml_model_load_file(f->ctx, f->path, &m), EDGEML_OK);
	change(f);
	size_t size = 0;
	edgeml_status st;
	uint8_t *got = run_model(m, &size, &st);
	assert_int_equal(st, EDGEML_OK);
	assert_int_equal(size, f->want_size);
	assert_memory_equal(got, f->want, size);
	free(got);
	/* A second session after the change sees the same model. */
	got = run_model(m, &size, &st);
	assert_int_equal(st, EDGEML_OK);
	assert_memory_equal(got, f->want, size);
	free(got);
	edgeml_model_free(m);
}

/* The first convolution's pads become 100: validated at load as 1, they must stay 1. */
static void grow_pads(fixture *f)
{
	uint32_t n = 0;
	uint64_t off = attr_ints_offset(f, "pads", &n);
	assert_true(n > 0);
	int64_t big[8];
	for (uint32_t i = 0; i < n && i < 8; i++)
		big[i] = 100;
	poke(f, off, big, (n < 8 ? n : 8) * sizeof(int64_t));
}

/* Every tensor record points its data past the end of the file and every index at a tensor
 * that does not exist. */
static void scramble_records(fixture *f)
{
	struct eml_file_section idx = section(f, EML_SEC_INDICES);
	uint8_t *junk = malloc(idx.size);
	assert_non_null(junk);
	memset(junk, 0xff, idx.size);
	poke(f, idx.offset, junk, idx.size);
	free(junk);
	struct eml_file_section ts = section(f, EML_SEC_TENSORS);
	for (uint64_t off = 0; off < ts.size; off += sizeof(struct eml_file_tensor)) {
		uint64_t far = UINT64_MAX / 2;
		poke(f, ts.offset + off + offsetof(struct eml_file_tensor, data_offset), &far,
		     sizeof(far));
	}
}

/* The weights are overwritten with other values. */
static void overwrite_weights(fixture *f)
{
	struct eml_file_section d = section(f, EML_SEC_DATA);
	uint8_t *junk = malloc(d.size);
	assert_non_null(junk);
	memset(junk, 0x7f, d.size);
	poke(f, d.offset, junk, d.size);
	free(junk);
}

/* The file shrinks to one page: reading the old mapping beyond it would raise SIGBUS. */
static void shrink(fixture *f)
{
	assert_int_equal(truncate(f->path, 4096), 0);
}

/* The file shrinks to nothing and grows back to its size (zeros): the same size, other
 * bytes, as when a file is replaced by truncate-and-write. */
static void zero_fill(fixture *f)
{
	assert_int_equal(truncate(f->path, 0), 0);
	assert_int_equal(truncate(f->path, (off_t)f->size), 0);
}

static void test_pads_rewritten_after_load(void **state)
{
	expect_unaffected(*state, grow_pads);
}

static void test_records_rewritten_after_load(void **state)
{
	expect_unaffected(*state, scramble_records);
}

static void test_weights_rewritten_after_load(void **state)
{
	expect_unaffected(*state, overwrite_weights);
}

static void test_file_shrunk_after_load(void **state)
{
	expect_unaffected(*state, shrink);
}

static void test_file_zeroed_after_load(void **state)
{
	expect_unaffected(*state, zero_fill);
}

/* A memfd sealed against writes and shrinking is the zero-copy way to share a model: it
 * loads through /proc/self/fd and runs like the file. */
static void test_sealed_memfd(void **state)
{
	fixture *f = *state;
	int fd = memfd_create("model", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, f->original, f->size, 0), (ssize_t)f->size);
	assert_int_equal(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW), 0);
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	edgeml_model *m;
	assert_int_equal(edgeml_model_load_file(f->ctx, path, &m), EDGEML_OK);
	close(fd);
	size_t size = 0;
	edgeml_status st;
	uint8_t *got = run_model(m, &size, &st);
	assert_int_equal(st, EDGEML_OK);
	assert_memory_equal(got, f->want, size);
	free(got);
	edgeml_model_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pads_rewritten_after_load),
		cmocka_unit_test(test_records_rewritten_after_load),
		cmocka_unit_test(test_weights_rewritten_after_load),
		cmocka_unit_test(test_file_shrunk_after_load),
		cmocka_unit_test(test_file_zeroed_after_load),
		cmocka_unit_test(test_sealed_memfd),
	};
	/* TEST_FILTER=pattern runs a subset (each case alone shows its failure mode). */
	if (getenv("TEST_FILTER"))
		cmocka_set_test_filter(getenv("TEST_FILTER"));
	return cmocka_run_group_tests(tests, setup, teardown);
}
