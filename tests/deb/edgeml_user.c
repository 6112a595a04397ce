/* edgeml_user.c — a program as a board user writes it, built by tests/deb/test-deb.sh against
 * the installed libedgeml-dev with pkg-config only (no path into this tree).
 * Usage: edgeml_user MODEL.eml IN.npy OUT.bin
 * Fills the model's only input with seeded values, saves them as IN.npy (for `edgeml run`),
 * runs the model and writes output 0's raw bytes to OUT.bin; prints the input and output
 * names and the backend, so that the script can compare against the installed command. */
#include <edgeml.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(const char *what)
{
	fprintf(stderr, "edgeml_user: %s: %s\n", what, edgeml_last_error());
	return 1;
}

static const char *npy_descr(edgeml_dtype dtype)
{
	switch (dtype) {
	case EDGEML_DTYPE_FLOAT32: return "<f4";
	case EDGEML_DTYPE_UINT8: return "|u1";
	case EDGEML_DTYPE_INT8: return "|i1";
	case EDGEML_DTYPE_INT32: return "<i4";
	case EDGEML_DTYPE_INT64: return "<i8";
	}
	return NULL;
}

/* A version 1.0 .npy file: magic, header padded with spaces to a multiple of 64, data. */
static int write_npy(const char *path, const edgeml_tensor_info *info, const void *data)
{
	char shape[256] = "";
	size_t used = 0;
	for (uint32_t i = 0; i < info->rank; i++)
		used += (size_t)snprintf(shape + used, sizeof(shape) - used, "%lld,%s",
					 (long long)info->dims[i], i + 1 < info->rank ? " " : "");
	char header[512];
	int n = snprintf(header, sizeof(header),
			 "{'descr': '%s', 'fortran_order': False, 'shape': (%s), }",
			 npy_descr(info->dtype), shape);
	size_t total = 10 + (size_t)n + 1;
	size_t pad = (64 - total % 64) % 64;
	FILE *f = fopen(path, "wb");
	if (!f)
		return -1;
	uint16_t header_len = (uint16_t)((size_t)n + pad + 1);
	fwrite("\x93NUMPY\x01\x00", 1, 8, f);
	fputc(header_len & 0xff, f);
	fputc(header_len >> 8, f);
	fwrite(header, 1, (size_t)n, f);
	for (size_t i = 0; i < pad; i++)
		fputc(' ', f);
	fputc('\n', f);
	fwrite(data, 1, info->size_bytes, f);
	return fclose(f);
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: edgeml_user MODEL.eml IN.npy OUT.bin\n");
		return 2;
	}
	edgeml_context *ctx;
	edgeml_model *model;
	edgeml_session *session;
	edgeml_tensor *in, *out;
	edgeml_tensor_info in_info, out_info;
	if (edgeml_context_create(&ctx) != EDGEML_OK)
		return fail("context");
	if (edgeml_model_load_file(ctx, argv[1], &model) != EDGEML_OK)
		return fail(argv[1]);
	if (edgeml_model_input_count(model) != 1) {
		fprintf(stderr, "edgeml_user: %s: expected one input\n", argv[1]);
		return 1;
	}
	if (edgeml_session_create(model, NULL, &session) != EDGEML_OK)
		return fail("session");
	if (edgeml_session_input(session, 0, &in) != EDGEML_OK ||
	    edgeml_tensor_info_get(in, &in_info) != EDGEML_OK || !npy_descr(in_info.dtype))
		return fail("input");
	/* Seeded values: small floats, or any byte for the integer types. */
	uint8_t *data = edgeml_tensor_data(in);
	uint32_t state = 12345;
	size_t elem = edgeml_dtype_size(in_info.dtype);
	for (size_t i = 0; i < in_info.size_bytes / elem; i++) {
		state = state * 1664525u + 1013904223u;
		if (in_info.dtype == EDGEML_DTYPE_FLOAT32) {
			float v = (float)(state >> 8) / (float)(1u << 24) * 2.0f - 1.0f;
			memcpy(data + i * elem, &v, sizeof(v));
		} else {
			memset(data + i * elem, 0, elem);
			data[i * elem] = (uint8_t)(state >> 24);
		}
	}
	if (write_npy(argv[2], &in_info, data) != 0) {
		perror(argv[2]);
		return 1;
	}
	if (edgeml_session_run(session) != EDGEML_OK)
		return fail("run");
	if (edgeml_session_output(session, 0, &out) != EDGEML_OK ||
	    edgeml_tensor_info_get(out, &out_info) != EDGEML_OK)
		return fail("output");
	FILE *f = fopen(argv[3], "wb");
	if (!f || fwrite(edgeml_tensor_data(out), 1, out_info.size_bytes, f) != out_info.size_bytes ||
	    fclose(f) != 0) {
		perror(argv[3]);
		return 1;
	}
	printf("input %s\noutput %s\nbackend %s\nlibrary %s\n", in_info.name, out_info.name,
	       edgeml_session_backend_name(session), edgeml_version());
	edgeml_session_destroy(session);
	edgeml_model_free(model);
	edgeml_context_destroy(ctx);
	return 0;
}
