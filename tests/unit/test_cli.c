/*
 * test_cli.c — the edges of the `edgeml run` and `edgeml convert` command lines: options the
 * README promises, values that are wrong (each error names the value), an output that would
 * overwrite the input, and models newer than the converter knows.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "commands.h"
#include "convert/convert.h"
#include "npy.h"
#include "onnx.pb-c.h"

#define RELU_ONNX "/usr/share/libonnx-testdata/data/node/test_relu/model.onnx"

static char dir[64];
static char captured[16384]; /* stderr of the last call() */

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/test_cli.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

/* A path in the test directory. */
static const char *path(const char *name)
{
	static char bufs[8][128];
	static int k;
	char *p = bufs[k++ % 8];
	snprintf(p, 128, "%s/%s", dir, name);
	return p;
}

/* Runs a command with argv given as NULL-terminated strings (copied, since commands may
 * write into their arguments), its stderr captured in `captured`. */
static int call(int (*cmd)(int, char **), ...)
{
	char *argv[32];
	int argc = 0;
	va_list ap;
	va_start(ap, cmd);
	for (const char *a; (a = va_arg(ap, const char *)) != NULL && argc < 31;)
		argv[argc++] = strdup(a);
	va_end(ap);
	argv[argc] = NULL;
	fflush(stderr);
	int saved = dup(2);
	FILE *tmp = tmpfile();
	assert_non_null(tmp);
	dup2(fileno(tmp), 2);
	int rc = cmd(argc, argv);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(tmp);
	size_t n = fread(captured, 1, sizeof(captured) - 1, tmp);
	captured[n] = '\0';
	fclose(tmp);
	for (int i = 0; i < argc; i++)
		free(argv[i]);
	return rc;
}

/* Fails unless the captured stderr holds text. */
static void expect_said(const char *text)
{
	if (!strstr(captured, text))
		fail_msg("stderr does not say '%s':\n%s", text, captured);
}

/* Reads a whole file into a malloc'd buffer. */
static uint8_t *slurp(const char *p, size_t *len)
{
	FILE *f = fopen(p, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	*len = (size_t)ftell(f);
	rewind(f);
	uint8_t *buf = malloc(*len + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, *len, f), *len);
	fclose(f);
	return buf;
}

/* Copies a file. */
static void copy_file(const char *from, const char *to)
{
	size_t len;
	uint8_t *buf = slurp(from, &len);
	FILE *f = fopen(to, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, len, f), len);
	fclose(f);
	free(buf);
}

/* The relu node test as .eml, and an input x [3, 4, 5] for it. */
static void relu_model(void)
{
	assert_int_equal(call(edgeml_cmd_convert, "convert", RELU_ONNX, path("relu.eml"), NULL),
			 0);
	float x[60];
	for (int i = 0; i < 60; i++)
		x[i] = (float)(i - 30) / 4.0f;
	assert_int_equal(eml_npy_write_file(path("x.npy"), EDGEML_DTYPE_FLOAT32, 3,
					    (int64_t[]){ 3, 4, 5 }, x, sizeof(x)),
			 EDGEML_OK);
}

/* `--threads N` (README) runs on N threads with the same result; bad counts are usage errors
 * naming the value. */
static void test_run_threads(void **state)
{
	(void)state;
	relu_model();
	const char *model = path("relu.eml"), *out = path("out");
	char in[128];
	snprintf(in, sizeof(in), "x=%s", path("x.npy"));
	int rc = call(edgeml_cmd_run, "run", model, "--input", in, "--output-dir", out,
		      "--threads", "2", NULL);
	if (rc != 0)
		fail_msg("run --threads 2: %d: %s", rc, captured);
	eml_npy y;
	assert_int_equal(eml_npy_read_file(path("out/y.npy"), &y), EDGEML_OK);
	for (int i = 0; i < 60; i++) {
		float v = (float)(i - 30) / 4.0f;
		assert_true(((float *)y.data)[i] == (v > 0 ? v : 0));
	}
	eml_npy_free(&y);
	static const char *const bad[] = { "0", "-1", "abc", "2x", "", "65", "99999999999999999999" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		rc = call(edgeml_cmd_run, "run", model, "--input", in, "--output-dir", out,
			  "--threads", bad[i], NULL);
		if (rc != 2)
			fail_msg("--threads '%s': exit %d: %s", bad[i], rc, captured);
		char quoted[64];
		snprintf(quoted, sizeof(quoted), "'%s'", bad[i]);
		expect_said(quoted);
	}
}

/* --device names a device: one the backend (cpu) or the machine (auto) does not have fails
 * clearly, naming it, instead of being ignored. */
static void test_run_device(void **state)
{
	(void)state;
	relu_model();
	const char *model = path("relu.eml"), *out = path("out");
	char in[128];
	snprintf(in, sizeof(in), "x=%s", path("x.npy"));
	int rc = call(edgeml_cmd_run, "run", model, "--input", in, "--output-dir", out,
		      "--backend", "cpu", "--device", "99", NULL);
	if (rc != 1)
		fail_msg("--backend cpu --device 99: exit %d: %s", rc, captured);
	expect_said("no cpu device");
	expect_said("'99'");
	rc = call(edgeml_cmd_run, "run", model, "--device", "99", "--input", in, "--output-dir",
		  out, NULL);
	if (rc != 1)
		fail_msg("--device 99: exit %d: %s", rc, captured);
	expect_said("no device matches '99'");
}

/* A camera feeds uint8 pixels in place: a float input is refused before the device is
 * opened, naming the input and what it needs; a file that is not a V4L2 device is named. */
static void test_stream_v4l2_refusals(void **state)
{
	(void)state;
	relu_model();
	const char *model = path("relu.eml");
	int rc = call(edgeml_cmd_stream, "stream", "--v4l2", "/dev/null", "--model", model,
		      "--frames", "1", NULL);
	if (rc != 1)
		fail_msg("float model from a camera: exit %d: %s", rc, captured);
	expect_said("a camera sends uint8");
	expect_said("float32");
}

/* The output may not be the input under any name: same path, another spelling, a symlink or
 * a hard link. The input stays as it was. */
static void test_convert_same_file(void **state)
{
	(void)state;
	const char *a = path("a.onnx");
	copy_file(RELU_ONNX, a);
	size_t len0, len1;
	uint8_t *before = slurp(a, &len0);
	assert_int_equal(symlink(a, path("link.onnx")), 0);
	assert_int_equal(link(a, path("hard.onnx")), 0);
	char other[160];
	snprintf(other, sizeof(other), "%s/./a.onnx", dir);
	const char *outs[] = { a, other, path("link.onnx"), path("hard.onnx") };
	for (size_t i = 0; i < 4; i++) {
		int rc = call(edgeml_cmd_convert, "convert", a, outs[i], NULL);
		if (rc != 2)
			fail_msg("convert a.onnx %s: exit %d: %s", outs[i], rc, captured);
		expect_said("same file");
	}
	uint8_t *after = slurp(a, &len1);
	assert_int_equal(len0, len1);
	assert_memory_equal(before, after, len0);
	free(before);
	free(after);
	/* A different output is fine. */
	assert_int_equal(call(edgeml_cmd_convert, "convert", a, path("a.eml"), NULL), 0);
}

/* --input-shape: a bad value is named, a dim that does not fit in 64 bits is an error (not
 * clamped), and a second shape for the same input is an error (not ignored). */
static void test_convert_input_shape(void **state)
{
	(void)state;
	const char *eml = path("s.eml");
	static const char *const bad[][2] = {
		{ "x=1,a", "'a'" },
		{ "x=3,4,5x", "x=3,4,5x: dim ''" },
		{ "x=3,-4,5", "'-4'" },
		{ "x=3,,5", "''" },
		{ "x=99999999999999999999,4,5", "'99999999999999999999'" },
		{ "=3,4,5", "'=3,4,5'" },
		{ "x3,4,5", "'x3,4,5'" },
		{ "x=1,1,1,1,1,1,1,1,1", "more than 8 dims" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = call(edgeml_cmd_convert, "convert", RELU_ONNX, eml, "--input-shape",
			      bad[i][0], NULL);
		if (rc != 2)
			fail_msg("--input-shape %s: exit %d: %s", bad[i][0], rc, captured);
		expect_said(bad[i][1]);
	}
	int rc = call(edgeml_cmd_convert, "convert", RELU_ONNX, eml, "--input-shape", "x=3,4,5",
		      "--input-shape", "x=1,2,3", NULL);
	if (rc != 2)
		fail_msg("two shapes for x: exit %d: %s", rc, captured);
	expect_said("'x'");
	expect_said("more than once");
	assert_int_equal(call(edgeml_cmd_convert, "convert", RELU_ONNX, eml, "--input-shape",
			      "x=3,4,5", NULL),
			 0);
}

/* Writes the relu model with its default-domain opset changed. */
static void relu_with_opset(const char *out, int64_t opset)
{
	size_t len;
	uint8_t *buf = slurp(RELU_ONNX, &len);
	Onnx__ModelProto *m = onnx__model_proto__unpack(NULL, len, buf);
	assert_non_null(m);
	assert_true(m->n_opset_import >= 1);
	m->opset_import[0]->version = opset;
	size_t n = onnx__model_proto__get_packed_size(m);
	uint8_t *packed = malloc(n);
	assert_non_null(packed);
	onnx__model_proto__pack(m, packed);
	FILE *f = fopen(out, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(packed, 1, n, f), n);
	fclose(f);
	free(packed);
	onnx__model_proto__free_unpacked(m, NULL);
	free(buf);
}

/* A model stamped with an opset newer than the converter knows is refused, as ONNX Runtime
 * refuses one newer than its release supports: the message names both opsets. The newest
 * known one converts. */
static void test_convert_opset_too_new(void **state)
{
	(void)state;
	relu_with_opset(path("op99.onnx"), 99);
	int rc = call(edgeml_cmd_convert, "convert", path("op99.onnx"), path("op99.eml"), NULL);
	if (rc != 3)
		fail_msg("opset 99: exit %d: %s", rc, captured);
	expect_said("opset 99");
	char newest[32];
	snprintf(newest, sizeof(newest), "%d", EML_CONVERT_MAX_OPSET);
	expect_said(newest);
	relu_with_opset(path("opmax.onnx"), EML_CONVERT_MAX_OPSET);
	rc = call(edgeml_cmd_convert, "convert", path("opmax.onnx"), path("opmax.eml"), NULL);
	if (rc != 0)
		fail_msg("opset %d: exit %d: %s", EML_CONVERT_MAX_OPSET, rc, captured);
}

/* The parse-only entry points (fuzz_cli's) answer as the commands would, touching no file:
 * -1 to go on, 0 for --help, 2 for a usage error. */
static void test_parse_only(void **state)
{
	(void)state;
	assert_int_equal(call(edgeml_args_run, "run", "/nonexistent.eml", "--input", "x=/no.npy",
			      "--output-dir", "/nonexistent", "--threads", "4", NULL),
			 -1);
	assert_int_equal(call(edgeml_args_run, "run", "--help", NULL), 0);
	assert_int_equal(call(edgeml_args_run, "run", "m.eml", "--output-dir", "d", "--threads",
			      "0", NULL),
			 2);
	assert_int_equal(call(edgeml_args_convert, "convert", "/no.onnx", "/no.eml", "--constant",
			      "w=/nonexistent.npy", NULL),
			 -1);
	assert_int_equal(call(edgeml_args_convert, "convert", "a", "b", "--constant", "w=1.npy",
			      "--constant", "w=2.npy", NULL),
			 2);
	expect_said("'w'");
	assert_int_equal(call(edgeml_args_stream, "stream", "--device", "/dev/null", "--model",
			      "m.eml", "--frames", "0", NULL),
			 2);
	assert_int_equal(call(edgeml_args_stream, "stream", "--device", "/dev/null", "--model",
			      "m.eml", NULL),
			 -1);
	/* A camera: --v4l2 instead of --device, never both; its own options only with it. */
	assert_int_equal(call(edgeml_args_stream, "stream", "--v4l2", "/dev/video0", "--model",
			      "m.eml", "--pixel-format", "yuyv", "--dump", "f.bin", NULL),
			 -1);
	assert_int_equal(call(edgeml_args_stream, "stream", "--v4l2", "/dev/video0", "--device",
			      "/dev/edgeml", "--model", "m.eml", NULL),
			 2);
	assert_int_equal(call(edgeml_args_stream, "stream", "--v4l2", "/dev/video0", "--model",
			      "m.eml", "--pixel-format", "i420", NULL),
			 2);
	expect_said("'i420'");
	/* nv12 is an image input's format (edgeml convert --image-input) */
	assert_int_equal(call(edgeml_args_stream, "stream", "--v4l2", "/dev/video0", "--model",
			      "m.eml", "--pixel-format", "nv12", NULL),
			 -1);
	/* --image-input and the options that belong to it */
	assert_int_equal(call(edgeml_args_convert, "convert", "a", "b", "--image-input",
			      "input=nv12,1280x720", "--mean", "0.485,0.456,0.406", "--std", "0.25",
			      "--resize", "nearest", "--crop", "0,0,720,720", "--channel-order", "bgr",
			      "--layout", "nhwc", NULL),
			 -1);
	assert_int_equal(call(edgeml_args_convert, "convert", "a", "b", "--std", "0.2", NULL), 2);
	expect_said("belongs to an --image-input");
	assert_int_equal(call(edgeml_args_convert, "convert", "a", "b", "--image-input",
			      "input=nv12,1280", NULL),
			 2);
	expect_said("NAME=FORMAT,WIDTHxHEIGHT");
	assert_int_equal(call(edgeml_args_convert, "convert", "a", "b", "--image-input",
			      "input=nv12,64x48", "--crop", "1,2,3", NULL),
			 2);
	expect_said("X,Y,W,H");
	assert_int_equal(call(edgeml_args_convert, "convert", "a", "b", "--image-input",
			      "x=nv12,64x48", "--image-input", "x=yuyv,64x48", NULL),
			 2);
	expect_said("more than once");
	assert_int_equal(call(edgeml_args_stream, "stream", "--device", "/dev/edgeml", "--model",
			      "m.eml", "--dump", "f.bin", NULL),
			 2);
	expect_said("--v4l2");
	assert_int_equal(call(edgeml_args_stream, "stream", "--v4l2", "/dev/video0", "--model",
			      "m.eml", "--anomaly-every", "5", NULL),
			 2);
	assert_int_equal(call(edgeml_args_stream, "stream", "--v4l2", "/dev/video0", "--model",
			      "m.eml", "--buffers", "33", NULL),
			 2);
	assert_int_equal(call(edgeml_args_report, "report", "a.json", "--metric", "p50", NULL), 2);
	assert_int_equal(call(edgeml_args_report, "report", "a.json", "b.json", NULL), -1);
}

/* The tools' messages (tool_error.h) land where the library's do: edgeml_last_error(). */
static void test_tool_error(void **state)
{
	(void)state;
	assert_int_equal(tool_error(EDGEML_ERR_IO, "cannot read '%s': %d", "x.npy", 5),
			 EDGEML_ERR_IO);
	assert_string_equal(edgeml_last_error(), "cannot read 'x.npy': 5");
	char long_text[1500];
	memset(long_text, 'a', sizeof(long_text) - 1);
	long_text[sizeof(long_text) - 1] = '\0';
	assert_int_equal(edgeml_set_error(EDGEML_ERR_FORMAT, long_text), EDGEML_ERR_FORMAT);
	assert_int_equal(strlen(edgeml_last_error()), 1023);
	assert_int_equal(edgeml_set_error(EDGEML_OK, NULL), EDGEML_OK);
	assert_string_equal(edgeml_last_error(), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_run_threads, setup, teardown),
		cmocka_unit_test_setup_teardown(test_run_device, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stream_v4l2_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_convert_same_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_convert_input_shape, setup, teardown),
		cmocka_unit_test_setup_teardown(test_convert_opset_too_new, setup, teardown),
		cmocka_unit_test(test_parse_only),
		cmocka_unit_test(test_tool_error),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
