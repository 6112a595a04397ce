/* test_npy.c — .npy reading and writing: numpy's own bytes, round trips, malformed files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "npy.h"

/* What np.save(np.arange(6, dtype=np.float32).reshape(2, 3)) writes, built from its parts:
 * version 1.0, header length 118, the dict padded with spaces to 128 bytes, then the data. */
static size_t numpy_f32_2x3(uint8_t *buf)
{
	static const char dict[] = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
	memcpy(buf, "\x93NUMPY\x01\x00\x76\x00", 10);
	memset(buf + 10, ' ', 117);
	memcpy(buf + 10, dict, strlen(dict));
	buf[127] = '\n';
	for (int i = 0; i < 6; i++) {
		float v = (float)i;
		memcpy(buf + 128 + 4 * i, &v, 4);
	}
	return 128 + 24;
}

/* Builds a .npy image of a given version from a header dict and data bytes. */
static size_t make_npy(uint8_t *buf, int major, const char *dict, const void *data, size_t n)
{
	size_t hlen = strlen(dict);
	memcpy(buf, "\x93NUMPY", 6);
	buf[6] = (uint8_t)major;
	buf[7] = 0;
	size_t at = 8;
	buf[at++] = (uint8_t)hlen;
	buf[at++] = (uint8_t)(hlen >> 8);
	if (major > 1) {
		buf[at++] = 0;
		buf[at++] = 0;
	}
	memcpy(buf + at, dict, hlen);
	memcpy(buf + at + hlen, data, n);
	return at + hlen + n;
}

/* A fresh path in a private temporary directory; the directory is removed by teardown. */
static char tmp_dir[64];

/* Creates the temporary directory before the tests. */
static int setup_dir(void **state)
{
	(void)state;
	strcpy(tmp_dir, "/tmp/test_npy.XXXXXX");
	return mkdtemp(tmp_dir) ? 0 : -1;
}

/* Removes it after them (each test removes its files). */
static int teardown_dir(void **state)
{
	(void)state;
	return rmdir(tmp_dir);
}

/* Numpy's bytes decode to the array numpy saved. */
static void test_parse_numpy_bytes(void **state)
{
	(void)state;
	uint8_t buf[256];
	size_t n = numpy_f32_2x3(buf);
	eml_npy a;
	assert_int_equal(eml_npy_parse(buf, n, "x.npy", &a), EDGEML_OK);
	assert_int_equal(a.dtype, EDGEML_DTYPE_FLOAT32);
	assert_int_equal(a.rank, 2);
	assert_int_equal(a.dims[0], 2);
	assert_int_equal(a.dims[1], 3);
	assert_int_equal(a.size, 24);
	const float *f = a.data;
	for (int i = 0; i < 6; i++)
		assert_true(f[i] == (float)i);
	eml_npy_free(&a);
}

/* Versions 2.0 and 3.0 (4-byte header length), 0-d and 1-d shapes, every dtype. */
static void test_parse_versions_and_types(void **state)
{
	(void)state;
	uint8_t buf[256];
	const int8_t i8[2] = { -1, 2 };
	size_t n = make_npy(buf, 2, "{'descr': '|i1', 'fortran_order': False, 'shape': (2,), }\n",
			    i8, 2);
	eml_npy a;
	assert_int_equal(eml_npy_parse(buf, n, "x", &a), EDGEML_OK);
	assert_int_equal(a.dtype, EDGEML_DTYPE_INT8);
	assert_int_equal(a.rank, 1);
	assert_int_equal(((int8_t *)a.data)[0], -1);
	eml_npy_free(&a);

	const int32_t i32[2] = { -1, 2 };
	n = make_npy(buf, 3, "{\"shape\": (2,), \"descr\": \"<i4\", \"fortran_order\": False}", i32,
		     8);
	assert_int_equal(eml_npy_parse(buf, n, "x", &a), EDGEML_OK);
	assert_int_equal(a.dtype, EDGEML_DTYPE_INT32);
	assert_int_equal(((int32_t *)a.data)[1], 2);
	eml_npy_free(&a);

	const int64_t i64 = 7;
	n = make_npy(buf, 1, "{'descr': '<i8', 'fortran_order': False, 'shape': (), }", &i64, 8);
	assert_int_equal(eml_npy_parse(buf, n, "x", &a), EDGEML_OK);
	assert_int_equal(a.dtype, EDGEML_DTYPE_INT64);
	assert_int_equal(a.rank, 0);
	assert_int_equal(*(int64_t *)a.data, 7);
	eml_npy_free(&a);

	n = make_npy(buf, 1, "{'descr': '|u1', 'fortran_order': False, 'shape': (0, 4), }", "", 0);
	assert_int_equal(eml_npy_parse(buf, n, "x", &a), EDGEML_OK);
	assert_int_equal(a.dtype, EDGEML_DTYPE_UINT8);
	assert_int_equal(a.size, 0);
	assert_null(a.data);
}

/* Expects a header dict to be rejected with status st. */
static void expect_bad_dict(const char *dict, size_t data_len, edgeml_status st)
{
	static uint8_t buf[4096];
	static const uint8_t zeros[1024];
	size_t n = make_npy(buf, 1, dict, zeros, data_len);
	eml_npy a;
	edgeml_status got = eml_npy_parse(buf, n, "bad.npy", &a);
	if (got != st)
		fail_msg("dict %s: status %d, want %d (%s)", dict, got, st, edgeml_last_error());
	assert_non_null(strstr(edgeml_last_error(), "bad.npy"));
	assert_null(a.data);
}

/* Malformed or unsupported headers are clean errors naming the file. */
static void test_parse_bad_headers(void **state)
{
	(void)state;
	const edgeml_status F = EDGEML_ERR_FORMAT, U = EDGEML_ERR_UNSUPPORTED;
	expect_bad_dict("{'descr': '<f4', 'fortran_order': True, 'shape': (2,), }", 8, U);
	expect_bad_dict("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", 16, U);
	expect_bad_dict("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", 8, U);
	expect_bad_dict("{'descr': '<U4', 'fortran_order': False, 'shape': (2,), }", 32, U);
	expect_bad_dict("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }", 8, F);
	expect_bad_dict("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }", 4, F);
	expect_bad_dict("{'descr': '<f4', 'fortran_order': False, 'shape': (1,1,1,1,1,1,1,1,1), }",
			4, U);
	expect_bad_dict("{'descr': '<f4', 'fortran_order': False, "
			"'shape': (4611686018427387904, 4611686018427387904), }",
			4, F);
	expect_bad_dict("{'descr': '<f4', 'fortran_order': False, "
			"'shape': (99999999999999999999,), }",
			4, F);
	/* A huge but representable shape with a few bytes of data: no huge allocation. */
	expect_bad_dict("{'descr': '<f4', 'fortran_order': False, 'shape': (1000000000000,), }", 4,
			F);
	expect_bad_dict("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", 4, F);
	expect_bad_dict("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", 12, F);
	expect_bad_dict("{'descr': '<f4', 'shape': (2,), }", 8, F);
	expect_bad_dict("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2,)}",
			8, F);
	expect_bad_dict("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': 1}", 8, F);
	expect_bad_dict("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), } junk", 8, F);
	expect_bad_dict("{'descr': '<f4', 'fortran_order': Maybe, 'shape': (2,), }", 8, F);
	expect_bad_dict("{'descr': '<f4, 'fortran_order': False, 'shape': (2,), }", 8, F);
	expect_bad_dict("{'descr': '<f4', 'fortran_order': False, 'shape': (2 3), }", 24, F);
	expect_bad_dict("{'descr': '<f4', 'fortran_order': False, 'shape': (,), }", 0, F);
	expect_bad_dict("", 0, F);
}

/* A NUL or another control byte inside a quoted string: C string functions would stop at
 * the NUL and take '<f4\0' for '<f4', so the reader refuses such bytes outright. */
static void test_parse_control_bytes(void **state)
{
	(void)state;
	static const char dicts[][80] = {
		"{'descr': '<f4\0', 'fortran_order': False, 'shape': (2,), }",
		"{'descr': '<f4\0x', 'fortran_order': False, 'shape': (2,), }",
		"{'descr\0': '<f4', 'fortran_order': False, 'shape': (2,), }",
		"{'descr': '<\nf4', 'fortran_order': False, 'shape': (2,), }",
	};
	static const size_t lens[] = { 58, 59, 58, 58 };
	static const uint8_t zeros[8];
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		uint8_t buf[256];
		memcpy(buf, "\x93NUMPY\x01\x00", 8);
		buf[8] = (uint8_t)lens[i];
		buf[9] = 0;
		memcpy(buf + 10, dicts[i], lens[i]);
		memcpy(buf + 10 + lens[i], zeros, sizeof(zeros));
		eml_npy a;
		edgeml_status st = eml_npy_parse(buf, 10 + lens[i] + 8, "ctl.npy", &a);
		if (st != EDGEML_ERR_FORMAT)
			fail_msg("dict %zu: status %d (%s)", i, st, edgeml_last_error());
		assert_non_null(strstr(edgeml_last_error(), "control"));
	}
}

/* Bad magic, versions, truncation anywhere: clean errors. */
static void test_parse_bad_preamble(void **state)
{
	(void)state;
	uint8_t buf[256];
	size_t n = numpy_f32_2x3(buf);
	eml_npy a;
	for (size_t cut = 0; cut < n; cut++)
		assert_int_equal(eml_npy_parse(buf, cut, "t.npy", &a), EDGEML_ERR_FORMAT);
	buf[1] = 'X';
	assert_int_equal(eml_npy_parse(buf, n, "t.npy", &a), EDGEML_ERR_FORMAT);
	n = numpy_f32_2x3(buf);
	buf[6] = 4;
	assert_int_equal(eml_npy_parse(buf, n, "t.npy", &a), EDGEML_ERR_UNSUPPORTED);
	buf[6] = 0;
	assert_int_equal(eml_npy_parse(buf, n, "t.npy", &a), EDGEML_ERR_UNSUPPORTED);
	buf[6] = 1;
	buf[7] = 1;
	assert_int_equal(eml_npy_parse(buf, n, "t.npy", &a), EDGEML_ERR_UNSUPPORTED);
	/* Version 2.0 declaring a 4 GiB header. */
	memcpy(buf, "\x93NUMPY\x02\x00\xff\xff\xff\xff{}", 14);
	assert_int_equal(eml_npy_parse(buf, 14, "t.npy", &a), EDGEML_ERR_FORMAT);
	assert_non_null(strstr(edgeml_last_error(), "exceeds"));
}

/* Writing gives numpy's exact bytes; reading it back gives the array; all dtypes round trip. */
static void test_write_read_file(void **state)
{
	(void)state;
	char path[128];
	snprintf(path, sizeof(path), "%s/a.npy", tmp_dir);
	uint8_t want[256], got[256];
	size_t n = numpy_f32_2x3(want);
	const int64_t dims[2] = { 2, 3 };
	assert_int_equal(eml_npy_write_file(path, EDGEML_DTYPE_FLOAT32, 2, dims, want + 128, 24),
			 EDGEML_OK);
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fread(got, 1, sizeof(got), f), n);
	fclose(f);
	assert_memory_equal(got, want, n);

	const edgeml_dtype types[] = { EDGEML_DTYPE_FLOAT32, EDGEML_DTYPE_UINT8, EDGEML_DTYPE_INT8,
				       EDGEML_DTYPE_INT32, EDGEML_DTYPE_INT64 };
	uint8_t data[8 * 2 * 3 * 5];
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 37 + 11);
	for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
		for (uint32_t rank = 0; rank <= 3; rank++) {
			const int64_t d[3] = { 2, 3, 5 };
			size_t size = edgeml_dtype_size(types[t]);
			for (uint32_t i = 0; i < rank; i++)
				size *= (size_t)d[i];
			assert_int_equal(eml_npy_write_file(path, types[t], rank, d, data, size),
					 EDGEML_OK);
			eml_npy a;
			assert_int_equal(eml_npy_read_file(path, &a), EDGEML_OK);
			assert_int_equal(a.dtype, types[t]);
			assert_int_equal(a.rank, rank);
			for (uint32_t i = 0; i < rank; i++)
				assert_int_equal(a.dims[i], d[i]);
			assert_int_equal(a.size, size);
			assert_memory_equal(a.data, data, size);
			eml_npy_free(&a);
		}
	}
	assert_int_equal(eml_npy_write_file(path, EDGEML_DTYPE_FLOAT32, 2, dims, data, 20),
			 EDGEML_ERR_INVALID_ARGUMENT);
	assert_int_equal(eml_npy_write_file(path, (edgeml_dtype)11, 2, dims, data, 24),
			 EDGEML_ERR_UNSUPPORTED);
	unlink(path);
}

/* Missing files, directories and truncated files are clean errors. */
static void test_read_file_errors(void **state)
{
	(void)state;
	char path[128];
	eml_npy a;
	snprintf(path, sizeof(path), "%s/missing.npy", tmp_dir);
	assert_int_equal(eml_npy_read_file(path, &a), EDGEML_ERR_IO);
	assert_non_null(strstr(edgeml_last_error(), "missing.npy"));
	assert_int_equal(eml_npy_read_file(tmp_dir, &a), EDGEML_ERR_IO);

	uint8_t buf[256];
	size_t n = numpy_f32_2x3(buf);
	snprintf(path, sizeof(path), "%s/short.npy", tmp_dir);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, n - 1, f), n - 1);
	fclose(f);
	assert_int_equal(eml_npy_read_file(path, &a), EDGEML_ERR_FORMAT);
	assert_null(a.data);
	f = fopen(path, "wb");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(eml_npy_read_file(path, &a), EDGEML_ERR_FORMAT);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_numpy_bytes),
		cmocka_unit_test(test_parse_versions_and_types),
		cmocka_unit_test(test_parse_bad_headers),
		cmocka_unit_test(test_parse_control_bytes),
		cmocka_unit_test(test_parse_bad_preamble),
		cmocka_unit_test(test_write_read_file),
		cmocka_unit_test(test_read_file_errors),
	};
	return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
