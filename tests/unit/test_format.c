/*
 * test_format.c — the .eml format: writer/loader round trips (aligned, misaligned, file), the
 * public model info API, every prefix of a file, and a table of corruptions that each must
 * fail with the right status and a message naming the field. Setting EML_WRITE_SEEDS=DIR
 * also writes the fuzzer's seed files into DIR.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include <cmocka.h>

#include "convert/eml_write.h"
#include "edgeml.h"
#include "eml_format.h"
#include "model.h"
#include "ops/ops.h"

/* ---- the test graph ---------------------------------------------------------------------- */

enum { T_X, T_MASK, T_B, T_T, T_HI, T_U, T_SHAPE, T_V, T_Y, T_Z, N_T };
enum { N_ADD, N_CLIP, N_RESHAPE, N_IDENT, N_RELU, N_N };

#define F32 EDGEML_DTYPE_FLOAT32
#define NONE EML_NO_TENSOR

static const float b_data[2] = { 1.5f, -2.0f };
static const float hi_data[1] = { 6.0f };
static const int64_t shape_data[2] = { 1, 18 };
static const float x_scale[1] = { 0.25f };
static const int32_t x_zp[1] = { 3 };
static const float b_scales[2] = { 0.125f, 0.5f };
static const int32_t b_zps[2] = { -1, 7 };
static const float m_scale[1] = { 1.0f / 255.0f };
static const int32_t m_zp[1] = { 128 };
static const int64_t attr_ints[3] = { 1, -2, INT64_MAX };
static const float attr_floats[2] = { 0.25f, -1.0f };

static const eml_tensor tensors[N_T] = {
	[T_X] = { .name = "X", .dtype = F32, .rank = 4, .dims = { 1, 2, 3, 3 },
		  .flags = EML_TF_INPUT, .q_count = 1, .q_scales = x_scale, .q_zero_points = x_zp },
	[T_MASK] = { .name = "mask", .dtype = EDGEML_DTYPE_UINT8, .rank = 1, .dims = { 3 },
		     .flags = EML_TF_INPUT, .q_count = 1, .q_scales = m_scale,
		     .q_zero_points = m_zp },
	[T_B] = { .name = "B", .dtype = F32, .rank = 4, .dims = { 1, 2, 1, 1 },
		  .flags = EML_TF_CONSTANT, .data = b_data, .data_size = sizeof(b_data),
		  .q_count = 2, .q_axis = 1, .q_scales = b_scales, .q_zero_points = b_zps },
	[T_T] = { .name = "T", .dtype = F32, .rank = 4, .dims = { 1, 2, 3, 3 } },
	[T_HI] = { .name = "hi", .dtype = F32, .rank = 0, .flags = EML_TF_CONSTANT,
		   .data = hi_data, .data_size = sizeof(hi_data) },
	[T_U] = { .name = "U", .dtype = F32, .rank = 4, .dims = { 1, 2, 3, 3 } },
	[T_SHAPE] = { .name = "shape", .dtype = EDGEML_DTYPE_INT64, .rank = 1, .dims = { 2 },
		      .flags = EML_TF_CONSTANT, .data = shape_data,
		      .data_size = sizeof(shape_data) },
	[T_V] = { .name = "V", .dtype = F32, .rank = 2, .dims = { 1, 18 } },
	[T_Y] = { .name = "Y", .dtype = F32, .rank = 2, .dims = { 1, 18 }, .flags = EML_TF_OUTPUT },
	[T_Z] = { .name = "Z", .dtype = F32, .rank = 4, .dims = { 1, 2, 3, 3 },
		  .flags = EML_TF_OUTPUT },
};

static const uint32_t add_in[] = { T_X, T_B }, add_out[] = { T_T };
static const uint32_t clip_in[] = { T_T, NONE, T_HI }, clip_out[] = { T_U };
static const uint32_t reshape_in[] = { T_U, T_SHAPE }, reshape_out[] = { T_V };
static const uint32_t ident_in[] = { T_V }, ident_out[] = { T_Y };
static const uint32_t relu_in[] = { T_U }, relu_out[] = { T_Z };

static const eml_attr add_attrs[] = {
	{ .name = "activation_max", .type = EML_ATTR_FLOAT, .f = 100.0f },
};
/* Identity ignores attributes: it carries one of every type for the round trip. */
static const eml_attr ident_attrs[] = {
	{ .name = "an_int", .type = EML_ATTR_INT, .i = -7 },
	{ .name = "a_float", .type = EML_ATTR_FLOAT, .f = 0.5f },
	{ .name = "a_string", .type = EML_ATTR_STRING, .count = 5, .s = "hello" },
	{ .name = "empty_string", .type = EML_ATTR_STRING, .count = 0, .s = "" },
	{ .name = "ints", .type = EML_ATTR_INTS, .count = 3, .ints = attr_ints },
	{ .name = "floats", .type = EML_ATTR_FLOATS, .count = 2, .floats = attr_floats },
	{ .name = "no_ints", .type = EML_ATTR_INTS, .count = 0 },
};

#define NODE(nm, o, in, out, at, nat)                                                      \
	{ .name = nm, .op = o, .n_inputs = sizeof(in) / sizeof(in[0]),                     \
	  .n_outputs = sizeof(out) / sizeof(out[0]), .n_attrs = nat, .inputs = in,          \
	  .outputs = out, .attrs = at }

static const eml_node nodes[N_N] = {
	[N_ADD] = NODE("add", EML_OP_Add, add_in, add_out, add_attrs, 1),
	[N_CLIP] = NODE("clip", EML_OP_Clip, clip_in, clip_out, NULL, 0),
	[N_RESHAPE] = NODE("", EML_OP_Reshape, reshape_in, reshape_out, NULL, 0),
	[N_IDENT] = NODE("ident", EML_OP_Identity, ident_in, ident_out, ident_attrs, 7),
	[N_RELU] = NODE("relu", EML_OP_Relu, relu_in, relu_out, NULL, 0),
};

static const uint32_t graph_inputs[] = { T_X, T_MASK };
static const uint32_t graph_outputs[] = { T_Y, T_Z };

static const eml_graph test_graph = {
	.n_tensors = N_T, .n_nodes = N_N, .n_inputs = 2, .n_outputs = 2, .tensors = tensors,
	.nodes = nodes, .inputs = graph_inputs, .outputs = graph_outputs,
};

/* ---- helpers ----------------------------------------------------------------------------- */

/* Writes the test graph to memory. */
static uint8_t *write_test_model(size_t *size)
{
	void *buf = NULL;
	edgeml_status st = eml_write_memory(&test_graph, &buf, size);
	if (st != EDGEML_OK)
		fail_msg("eml_write_memory: %s", edgeml_last_error());
	return buf;
}

/* Asserts a status and that the error message contains want. */
static void expect_error(edgeml_status st, edgeml_status want_st, const char *want)
{
	const char *msg = edgeml_last_error();
	if (st != want_st || !strstr(msg, want))
		fail_msg("got status %d '%s' with message \"%s\"; expected status %d and \"%s\"",
			 st, edgeml_status_string(st), msg, want_st, want);
}

/* Loads size bytes through a 64-byte aligned buffer of exactly that size, so the loader
 * works in place and the sanitizer catches any read past the end. */
static edgeml_status load_exact(const void *data, size_t size, edgeml_model **out)
{
	void *copy = NULL;
	if (posix_memalign(&copy, 64, size ? size : 1) != 0)
		fail_msg("posix_memalign");
	memcpy(copy, data, size);
	edgeml_status st = edgeml_model_load_memory(NULL, copy, size, out);
	if (st == EDGEML_OK)
		edgeml_model_free(*out);
	free(copy);
	return st;
}

/* Compares a loaded tensor with the original field by field. */
static void compare_tensor(const eml_tensor *got, const eml_tensor *want)
{
	assert_string_equal(got->name, want->name);
	assert_int_equal(got->dtype, want->dtype);
	assert_int_equal(got->rank, want->rank);
	for (uint32_t k = 0; k < EML_MAX_RANK; k++)
		assert_int_equal(got->dims[k], k < want->rank ? want->dims[k] : 0);
	assert_int_equal(got->flags, want->flags);
	assert_int_equal(got->data_size, want->data_size);
	if (want->flags & EML_TF_CONSTANT) {
		assert_non_null(got->data);
		assert_int_equal((uintptr_t)got->data % 64, 0);
		assert_memory_equal(got->data, want->data, want->data_size);
	} else {
		assert_null(got->data);
	}
	assert_int_equal(got->q_count, want->q_count);
	assert_int_equal(got->q_axis, want->q_axis);
	for (uint32_t k = 0; k < want->q_count; k++) {
		assert_true(got->q_scales[k] == want->q_scales[k]);
		assert_int_equal(got->q_zero_points[k], want->q_zero_points[k]);
	}
	if (want->q_count == 0) {
		assert_null(got->q_scales);
		assert_null(got->q_zero_points);
	}
}

/* Compares a loaded attribute with the original. */
static void compare_attr(const eml_attr *got, const eml_attr *want)
{
	assert_string_equal(got->name, want->name);
	assert_int_equal(got->type, want->type);
	assert_int_equal(got->count, want->count);
	switch (want->type) {
	case EML_ATTR_INT:
		assert_int_equal(got->i, want->i);
		break;
	case EML_ATTR_FLOAT:
		assert_true(got->f == want->f);
		break;
	case EML_ATTR_STRING:
		assert_string_equal(got->s, want->s);
		break;
	case EML_ATTR_INTS:
		for (uint32_t k = 0; k < want->count; k++)
			assert_int_equal(got->ints[k], want->ints[k]);
		break;
	case EML_ATTR_FLOATS:
		for (uint32_t k = 0; k < want->count; k++)
			assert_true(got->floats[k] == want->floats[k]);
		break;
	default:
		fail_msg("bad attribute type in the test graph");
	}
}

/* Compares every field of a loaded graph with the test graph. */
static void compare_graph(const eml_graph *g)
{
	assert_int_equal(g->n_tensors, N_T);
	assert_int_equal(g->n_nodes, N_N);
	assert_int_equal(g->n_inputs, 2);
	assert_int_equal(g->n_outputs, 2);
	for (uint32_t i = 0; i < N_T; i++)
		compare_tensor(&g->tensors[i], &tensors[i]);
	for (uint32_t i = 0; i < N_N; i++) {
		const eml_node *got = &g->nodes[i], *want = &nodes[i];
		assert_string_equal(got->name, want->name);
		assert_int_equal(got->op, want->op);
		assert_int_equal(got->n_inputs, want->n_inputs);
		assert_int_equal(got->n_outputs, want->n_outputs);
		assert_int_equal(got->n_attrs, want->n_attrs);
		for (uint32_t k = 0; k < want->n_inputs; k++)
			assert_int_equal(got->inputs[k], want->inputs[k]);
		for (uint32_t k = 0; k < want->n_outputs; k++)
			assert_int_equal(got->outputs[k], want->outputs[k]);
		for (uint32_t k = 0; k < want->n_attrs; k++)
			compare_attr(&got->attrs[k], &want->attrs[k]);
	}
	for (uint32_t k = 0; k < 2; k++) {
		assert_int_equal(g->inputs[k], graph_inputs[k]);
		assert_int_equal(g->outputs[k], graph_outputs[k]);
	}
}

/* ---- round trips ------------------------------------------------------------------------- */

/* The header sits at the offsets the spec gives, independently of the C structs. */
static void test_header_layout(void **state)
{
	(void)state;
	size_t size;
	uint8_t *buf = write_test_model(&size);
	assert_memory_equal(buf, "\x89" "EML\r\n\x1a\n", 8);
	uint16_t major, minor;
	uint32_t header_size, checksum, n_sections;
	uint64_t file_size;
	memcpy(&major, buf + 8, 2);
	memcpy(&minor, buf + 10, 2);
	memcpy(&header_size, buf + 12, 4);
	memcpy(&file_size, buf + 16, 8);
	memcpy(&checksum, buf + 24, 4);
	memcpy(&n_sections, buf + 28, 4);
	assert_int_equal(major, 1);
	assert_int_equal(minor, 1);
	assert_int_equal(n_sections, 9);
	assert_int_equal(header_size, 64 + 16 * 9 + 8);
	assert_int_equal(file_size, size);
	assert_int_equal(checksum,
			 (uint32_t)crc32(0, buf + header_size, (uInt)(size - header_size)));
	/* 1.1: the header checksum at 208 covers bytes [0, 216) with itself as zeros. */
	uint32_t header_checksum, ext_reserved;
	memcpy(&header_checksum, buf + 208, 4);
	memcpy(&ext_reserved, buf + 212, 4);
	assert_int_equal(ext_reserved, 0);
	uint8_t head[216];
	memcpy(head, buf, sizeof(head));
	memset(head + 208, 0, 4);
	assert_int_equal(header_checksum, (uint32_t)crc32(0, head, sizeof(head)));
	/* Constant data: the data section (table entry 8) is 64-aligned and holds B first. */
	uint64_t data_off;
	memcpy(&data_off, buf + 64 + 16 * 8, 8);
	assert_int_equal(data_off % 64, 0);
	assert_memory_equal(buf + data_off, b_data, sizeof(b_data));
	/* Writing is deterministic. */
	size_t size2;
	uint8_t *buf2 = write_test_model(&size2);
	assert_int_equal(size, size2);
	assert_memory_equal(buf, buf2, size);
	free(buf);
	free(buf2);
}

static void test_roundtrip_aligned(void **state)
{
	(void)state;
	size_t size;
	uint8_t *buf = write_test_model(&size);
	assert_int_equal((uintptr_t)buf % 64, 0);
	edgeml_model *m = NULL;
	edgeml_status st = edgeml_model_load_memory(NULL, buf, size, &m);
	if (st != EDGEML_OK)
		fail_msg("load: %s", edgeml_last_error());
	/* Aligned memory is used in place: constant data points into the caller's buffer. */
	assert_ptr_equal(m->owner.base, buf);
	const uint8_t *d = m->graph.tensors[T_B].data;
	assert_true(d >= buf && d < buf + size);
	compare_graph(&m->graph);
	edgeml_model_free(m);
	free(buf);
}

static void test_roundtrip_misaligned(void **state)
{
	(void)state;
	size_t size;
	uint8_t *buf = write_test_model(&size);
	uint8_t *raw = malloc(size + 64);
	assert_non_null(raw);
	uint8_t *odd = raw + ((uintptr_t)raw % 64 == 1 ? 2 : 1);
	memcpy(odd, buf, size);
	edgeml_model *m = NULL;
	edgeml_status st = edgeml_model_load_memory(NULL, odd, size, &m);
	if (st != EDGEML_OK)
		fail_msg("load: %s", edgeml_last_error());
	/* The model must not depend on the misaligned source after loading. */
	memset(odd, 0xa5, size);
	free(raw);
	assert_int_equal((uintptr_t)m->owner.base % 64, 0);
	compare_graph(&m->graph);
	edgeml_model_free(m);
	free(buf);
}

static void test_roundtrip_file(void **state)
{
	(void)state;
	char dir[] = "/tmp/test_format.XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[128];
	snprintf(path, sizeof(path), "%s/model.eml", dir);
	assert_int_equal(eml_write_file(&test_graph, path), EDGEML_OK);
	edgeml_model *m = NULL;
	edgeml_status st = edgeml_model_load_file(NULL, path, &m);
	if (st != EDGEML_OK)
		fail_msg("load: %s", edgeml_last_error());
	compare_graph(&m->graph);
	edgeml_model_free(m);

	/* The file holds the same bytes as the memory writer gives. */
	size_t size;
	uint8_t *buf = write_test_model(&size);
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	uint8_t *back = malloc(size + 1);
	assert_int_equal(fread(back, 1, size + 1, f), size);
	fclose(f);
	assert_memory_equal(back, buf, size);
	free(back);
	free(buf);

	st = edgeml_model_load_file(NULL, dir, &m);
	expect_error(st, EDGEML_ERR_IO, "not a regular file");
	assert_null(m);
	char missing[160];
	snprintf(missing, sizeof(missing), "%s/missing.eml", dir);
	expect_error(edgeml_model_load_file(NULL, missing, &m), EDGEML_ERR_IO, "missing.eml");
	/* A truncated file names itself in the message. */
	assert_int_equal(truncate(path, 100), 0);
	expect_error(edgeml_model_load_file(NULL, path, &m), EDGEML_ERR_FORMAT, "model.eml");
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(dir), 0);
}

/* ---- public info API --------------------------------------------------------------------- */

static void test_info_api(void **state)
{
	(void)state;
	size_t size;
	uint8_t *buf = write_test_model(&size);
	edgeml_model *m = NULL;
	if (edgeml_model_load_memory(NULL, buf, size, &m) != EDGEML_OK)
		fail_msg("load: %s", edgeml_last_error());
	assert_int_equal(edgeml_model_input_count(m), 2);
	assert_int_equal(edgeml_model_output_count(m), 2);
	assert_int_equal(edgeml_model_input_count(NULL), 0);

	edgeml_tensor_info info;
	assert_int_equal(edgeml_model_input_info(m, 0, &info), EDGEML_OK);
	assert_string_equal(info.name, "X");
	assert_int_equal(info.dtype, EDGEML_DTYPE_FLOAT32);
	assert_int_equal(info.rank, 4);
	assert_int_equal(info.dims[0], 1);
	assert_int_equal(info.dims[1], 2);
	assert_int_equal(info.dims[3], 3);
	assert_int_equal(info.dims[4], 0);
	assert_int_equal(info.size_bytes, 1 * 2 * 3 * 3 * 4);
	assert_int_equal(info.quant_count, 1);
	assert_true(info.quant_scales[0] == 0.25f);
	assert_int_equal(info.quant_zero_points[0], 3);

	assert_int_equal(edgeml_model_input_info(m, 1, &info), EDGEML_OK);
	assert_string_equal(info.name, "mask");
	assert_int_equal(info.dtype, EDGEML_DTYPE_UINT8);
	assert_int_equal(info.size_bytes, 3);
	assert_int_equal(info.quant_zero_points[0], 128);

	assert_int_equal(edgeml_model_output_info(m, 1, &info), EDGEML_OK);
	assert_string_equal(info.name, "Z");
	assert_int_equal(info.quant_count, 0);
	assert_null(info.quant_scales);
	assert_int_equal(edgeml_model_output_info(m, 0, &info), EDGEML_OK);
	assert_string_equal(info.name, "Y");
	assert_int_equal(info.size_bytes, 18 * 4);

	expect_error(edgeml_model_input_info(m, 2, &info), EDGEML_ERR_INVALID_ARGUMENT,
		     "index 2");
	expect_error(edgeml_model_output_info(m, SIZE_MAX, &info), EDGEML_ERR_INVALID_ARGUMENT,
		     "out of range");
	expect_error(edgeml_model_input_info(NULL, 0, &info), EDGEML_ERR_INVALID_ARGUMENT, "NULL");
	expect_error(edgeml_model_input_info(m, 0, NULL), EDGEML_ERR_INVALID_ARGUMENT, "NULL");

	size_t idx = 99;
	assert_int_equal(edgeml_model_find_input(m, "mask", &idx), EDGEML_OK);
	assert_int_equal(idx, 1);
	assert_int_equal(edgeml_model_find_output(m, "Z", &idx), EDGEML_OK);
	assert_int_equal(idx, 1);
	assert_int_equal(edgeml_model_find_output(m, "Y", &idx), EDGEML_OK);
	assert_int_equal(idx, 0);
	/* A tensor that exists but is not an input is not found among the inputs. */
	expect_error(edgeml_model_find_input(m, "Y", &idx), EDGEML_ERR_NOT_FOUND, "'Y'");
	expect_error(edgeml_model_find_output(m, "nope", &idx), EDGEML_ERR_NOT_FOUND, "nope");
	expect_error(edgeml_model_find_input(m, NULL, &idx), EDGEML_ERR_INVALID_ARGUMENT, "NULL");
	assert_string_equal(edgeml_last_error(), edgeml_last_error());
	/* A successful call clears the last message. */
	assert_int_equal(edgeml_model_find_input(m, "X", &idx), EDGEML_OK);
	assert_string_equal(edgeml_last_error(), "");

	expect_error(edgeml_model_load_memory(NULL, NULL, 10, &m), EDGEML_ERR_INVALID_ARGUMENT,
		     "NULL");
	edgeml_model_free(m);
	edgeml_model_free(NULL);
	free(buf);
}

/* ---- truncation -------------------------------------------------------------------------- */

/* Every proper prefix of a valid file fails cleanly, in place and through the copy path. */
static void test_every_prefix(void **state)
{
	(void)state;
	size_t size;
	uint8_t *buf = write_test_model(&size);
	uint8_t *odd = malloc(size + 1);
	assert_non_null(odd);
	for (size_t len = 0; len < size; len++) {
		edgeml_model *m = NULL;
		edgeml_status st = load_exact(buf, len, &m);
		if (st != EDGEML_ERR_FORMAT)
			fail_msg("prefix of %zu bytes: status %d (%s)", len, st,
				 edgeml_last_error());
		memcpy(odd + 1, buf, len);
		st = edgeml_model_load_memory(NULL, odd + 1, len, &m);
		assert_int_equal(st, EDGEML_ERR_FORMAT);
	}
	edgeml_model *m = NULL;
	assert_int_equal(load_exact(buf, size, &m), EDGEML_OK);
	free(odd);
	free(buf);
}

/* ---- corruptions ------------------------------------------------------------------------- */

/* A writable view of a file's records for the corruption cases. */
struct file {
	uint8_t *buf;
	size_t size;
	struct eml_file_header *h;
	struct eml_file_section *sec;
};

static struct eml_file_tensor *ftensor(struct file *f, uint32_t i)
{
	return (struct eml_file_tensor *)(void *)(f->buf + f->sec[EML_SEC_TENSORS].offset) + i;
}

static struct eml_file_node *fnode(struct file *f, uint32_t i)
{
	return (struct eml_file_node *)(void *)(f->buf + f->sec[EML_SEC_NODES].offset) + i;
}

/* Attribute record i in file order: the add node's first, then the identity node's. */
static struct eml_file_attr *fattr(struct file *f, uint32_t i)
{
	return (struct eml_file_attr *)(void *)(f->buf + f->sec[EML_SEC_ATTRS].offset) + i;
}

static uint32_t *findex(struct file *f, uint32_t i)
{
	return (uint32_t *)(void *)(f->buf + f->sec[EML_SEC_INDICES].offset) + i;
}

static float *ffloat(struct file *f, uint32_t i)
{
	return (float *)(void *)(f->buf + f->sec[EML_SEC_FLOATS].offset) + i;
}

static int32_t *fint32(struct file *f, uint32_t i)
{
	return (int32_t *)(void *)(f->buf + f->sec[EML_SEC_INT32S].offset) + i;
}

/* Recomputes the checksums so that a deeper check is the one that fires. */
static void fix_crc(struct file *f)
{
	eml_seal_checksums(f->buf, f->size);
}

/* The corruptions of the table below, applied by corrupt(). */
enum corruption_id {
	C_MAGIC,
	C_MAJOR,
	C_CHECKSUM,
	C_HEADER_CHECKSUM,
	C_SECTION_TABLE_FLIP,
	C_HEADER_EXT_RESERVED,
	C_HEADER_EXT_MISSING,
	C_FILE_SIZE,
	C_HEADER_SIZE_SMALL,
	C_HEADER_SIZE_BIG,
	C_HEADER_RESERVED,
	C_N_SECTIONS,
	C_N_SECTIONS_HUGE,
	C_SEC_BEYOND,
	C_SEC_WRAP,
	C_SEC_IN_HEADER,
	C_SEC_OVERLAP,
	C_SEC_MISALIGNED,
	C_SEC_PARTIAL,
	C_SEC_EMPTY_OFFSET,
	C_STRINGS_UNTERMINATED,
	C_NAME_OFFSET,
	C_NAME_EMPTY,
	C_DTYPE,
	C_RANK,
	C_NEGATIVE_DIM,
	C_DIM_BEYOND_RANK,
	C_DIMS_OVERFLOW,
	C_EMPTY_DIMS_OVERFLOW,
	C_FLAGS,
	C_CONST_INPUT,
	C_DATA_MISALIGNED,
	C_DATA_SIZE,
	C_DATA_OUTSIDE,
	C_DATA_BEFORE,
	C_DATA_ON_ACTIVATION,
	C_TENSOR_RESERVED,
	C_Q_COUNT,
	C_Q_AXIS,
	C_Q_AXIS_NEGATIVE,
	C_Q_SCALAR,
	C_Q_POOL,
	C_Q_OVERLAP,
	C_Q_SCALE_ZERO,
	C_Q_SCALE_NAN,
	C_Q_ZERO_POINT,
	C_Q_UNUSED,
	C_OP,
	C_OP_ZERO,
	C_NODE_RESERVED,
	C_NODE_NAME,
	C_INPUT_INDEX,
	C_OUTPUT_INDEX,
	C_INPUTS_RANGE,
	C_INPUTS_COUNT,
	C_INPUTS_OVERLAP,
	C_ATTRS_RANGE,
	C_ATTRS_OVERLAP,
	C_ATTR_TYPE,
	C_ATTR_NAME,
	C_ATTR_UNUSED,
	C_ATTR_INT_FLOAT,
	C_ATTR_RESERVED,
	C_ATTR_INTS_POOL,
	C_ATTR_FLOATS_POOL,
	C_ATTR_STRING_NUL,
	C_ATTR_STRING_LONG,
	C_ATTR_STRING_RANGE,
	C_GRAPH_INPUTS,
	C_GRAPH_INPUT_ABSENT,
	C_GRAPH_OUTPUT_INDEX,
	C_GRAPH_IO_OVERLAP,
	C_SWAP_NODES,
	C_SELF_CYCLE,
	C_TWO_PRODUCERS,
	C_NO_PRODUCER,
	C_WRITES_CONSTANT,
	C_OUTPUT_UNFLAGGED,
	C_INPUT_UNLISTED,
	C_INPUT_TWICE,
	C_OUTPUT_IS_INPUT,
	C_SAME_NAME,
	C_SHAPE,
	C_DTYPE_MISMATCH,
	C_INFER_ERROR,
	C_TRAILING_ABSENT,
};

/* Applies corruption id to a fresh copy of the test file. */
static void corrupt(struct file *f, enum corruption_id id)
{
	uint64_t end;
	struct eml_file_node tmp;
	switch (id) {
	case C_MAGIC:
		f->buf[3] = 'X';
		break;
	case C_MAJOR:
		f->h->version_major = 2;
		break;
	case C_CHECKSUM:
		f->buf[f->size - 1] ^= 1;
		break;
	/* Since 1.1 the header and section table are covered too: metadata flips that the
	 * checks of each field pass (a graph input moved, a section grown) are caught. */
	case C_HEADER_CHECKSUM:
		f->h->inputs_first ^= 1;
		break;
	case C_SECTION_TABLE_FLIP:
		f->sec[EML_SEC_DATA].size -= 8;
		break;
	case C_HEADER_EXT_RESERVED:
		f->buf[EML_HEADER_SIZE - 1] = 1;
		break;
	case C_HEADER_EXT_MISSING:
		f->h->header_size = EML_HEADER_SIZE - EML_HEADER_EXT_SIZE;
		break;
	case C_FILE_SIZE:
		f->h->file_size += 64;
		break;
	case C_HEADER_SIZE_SMALL:
		f->h->header_size = 100;
		break;
	case C_HEADER_SIZE_BIG:
		f->h->header_size = (uint32_t)f->size + 8;
		break;
	case C_HEADER_RESERVED:
		f->h->reserved[2] = 1;
		break;
	case C_N_SECTIONS:
		f->h->n_sections = 8;
		break;
	case C_N_SECTIONS_HUGE:
		f->h->n_sections = UINT32_MAX;
		break;
	case C_SEC_BEYOND:
		f->sec[EML_SEC_TENSORS].offset = f->size;
		break;
	case C_SEC_WRAP:
		f->sec[EML_SEC_NODES].size = UINT64_MAX - 7;
		break;
	case C_SEC_IN_HEADER:
		f->sec[EML_SEC_STRINGS].offset = 8;
		break;
	case C_SEC_OVERLAP:
		f->sec[EML_SEC_NODES].offset = f->sec[EML_SEC_TENSORS].offset;
		break;
	case C_SEC_MISALIGNED:
		f->sec[EML_SEC_TENSORS].offset += 4;
		break;
	case C_SEC_PARTIAL:
		f->sec[EML_SEC_TENSORS].size -= 8;
		break;
	case C_SEC_EMPTY_OFFSET:
		f->sec[EML_SEC_INT64S].size = 0;
		break;
	case C_STRINGS_UNTERMINATED:
		f->buf[f->sec[EML_SEC_STRINGS].offset + f->sec[EML_SEC_STRINGS].size - 1] = 'x';
		break;
	case C_NAME_OFFSET:
		ftensor(f, T_T)->name = 0x7fffffff;
		break;
	case C_NAME_EMPTY:
		ftensor(f, T_T)->name = 0;
		break;
	case C_DTYPE:
		ftensor(f, T_T)->dtype = 99;
		break;
	case C_RANK:
		ftensor(f, T_T)->rank = 9;
		break;
	case C_NEGATIVE_DIM:
		ftensor(f, T_T)->dims[2] = -3;
		break;
	case C_DIM_BEYOND_RANK:
		ftensor(f, T_V)->dims[5] = 1;
		break;
	case C_DIMS_OVERFLOW:
		for (int k = 0; k < 4; k++)
			ftensor(f, T_T)->dims[k] = (int64_t)1 << 20;
		break;
	/* An empty tensor whose other dims multiply past int64: ops take such sub-products. */
	case C_EMPTY_DIMS_OVERFLOW:
		ftensor(f, T_T)->dims[0] = 0;
		ftensor(f, T_T)->dims[1] = (int64_t)1 << 40;
		ftensor(f, T_T)->dims[2] = (int64_t)1 << 40;
		break;
	case C_FLAGS:
		ftensor(f, T_T)->flags |= 0x10;
		break;
	case C_CONST_INPUT:
		ftensor(f, T_B)->flags |= EML_TF_INPUT;
		break;
	case C_DATA_MISALIGNED:
		ftensor(f, T_B)->data_offset += 8;
		break;
	case C_DATA_SIZE:
		ftensor(f, T_B)->data_size = 4;
		break;
	case C_DATA_OUTSIDE:
		end = f->sec[EML_SEC_DATA].offset + f->sec[EML_SEC_DATA].size;
		ftensor(f, T_B)->data_offset = ((end + 63) & ~(uint64_t)63) + 64;
		break;
	case C_DATA_BEFORE:
		ftensor(f, T_B)->data_offset = 0;
		break;
	case C_DATA_ON_ACTIVATION:
		ftensor(f, T_T)->data_size = 72;
		break;
	case C_TENSOR_RESERVED:
		ftensor(f, T_T)->reserved[3] = 5;
		break;
	case C_Q_COUNT:
		ftensor(f, T_B)->q_count = 3;
		break;
	case C_Q_AXIS:
		ftensor(f, T_B)->q_axis = 4;
		break;
	case C_Q_AXIS_NEGATIVE:
		ftensor(f, T_X)->q_axis = -1;
		break;
	case C_Q_SCALAR:
		ftensor(f, T_HI)->q_count = 2;
		break;
	case C_Q_POOL:
		ftensor(f, T_B)->q_scales = 1000;
		break;
	case C_Q_OVERLAP:
		ftensor(f, T_Z)->q_count = 1;
		break;
	case C_Q_SCALE_ZERO:
		*ffloat(f, ftensor(f, T_X)->q_scales) = 0.0f;
		break;
	case C_Q_SCALE_NAN:
		*ffloat(f, ftensor(f, T_B)->q_scales + 1) = NAN;
		break;
	case C_Q_ZERO_POINT:
		*fint32(f, ftensor(f, T_MASK)->q_zero_points) = 256;
		break;
	case C_Q_UNUSED:
		ftensor(f, T_Z)->q_axis = 1;
		break;
	case C_OP:
		fnode(f, N_RELU)->op = 9999;
		break;
	case C_OP_ZERO:
		fnode(f, N_RELU)->op = 0;
		break;
	case C_NODE_RESERVED:
		fnode(f, N_CLIP)->reserved[0] = 1;
		break;
	case C_NODE_NAME:
		fnode(f, N_CLIP)->name = 0xffffffff;
		break;
	case C_INPUT_INDEX:
		*findex(f, fnode(f, N_RELU)->inputs_first) = 100;
		break;
	case C_OUTPUT_INDEX:
		*findex(f, fnode(f, N_RELU)->outputs_first) = N_T;
		break;
	case C_INPUTS_RANGE:
		fnode(f, N_RELU)->inputs_first = 0xfffffff0;
		break;
	case C_INPUTS_COUNT:
		fnode(f, N_RELU)->n_inputs = UINT32_MAX;
		break;
	case C_INPUTS_OVERLAP:
		fnode(f, N_RELU)->inputs_first = 0;
		fnode(f, N_RELU)->n_inputs = 3;
		break;
	case C_ATTRS_RANGE:
		fnode(f, N_RELU)->attrs_first = 7;
		fnode(f, N_RELU)->n_attrs = 2;
		break;
	case C_ATTRS_OVERLAP:
		fnode(f, N_RELU)->attrs_first = 1;
		fnode(f, N_RELU)->n_attrs = 1;
		break;
	case C_ATTR_TYPE:
		fattr(f, 1)->type = 9;
		break;
	case C_ATTR_NAME:
		fattr(f, 1)->name = 0;
		break;
	case C_ATTR_UNUSED:
		fattr(f, 1)->count = 2;
		break;
	case C_ATTR_INT_FLOAT:
		fattr(f, 1)->f = 1.0f;
		break;
	case C_ATTR_RESERVED:
		fattr(f, 2)->reserved = 1;
		break;
	case C_ATTR_INTS_POOL:
		fattr(f, 5)->ref = 2;
		break;
	case C_ATTR_FLOATS_POOL:
		fattr(f, 6)->count = 0x7fffffff;
		break;
	case C_ATTR_STRING_NUL:
		fattr(f, 3)->count = 4;
		break;
	case C_ATTR_STRING_LONG:
		fattr(f, 3)->count = 6;
		fattr(f, 3)->ref -= 1;
		break;
	case C_ATTR_STRING_RANGE:
		fattr(f, 3)->ref = 0xfffffff0;
		break;
	case C_GRAPH_INPUTS:
		f->h->n_inputs = 1000;
		break;
	case C_GRAPH_INPUT_ABSENT:
		*findex(f, f->h->inputs_first) = NONE;
		break;
	case C_GRAPH_OUTPUT_INDEX:
		*findex(f, f->h->outputs_first) = 100;
		break;
	case C_GRAPH_IO_OVERLAP:
		f->h->outputs_first = f->h->inputs_first;
		break;
	case C_SWAP_NODES:
		tmp = *fnode(f, N_ADD);
		*fnode(f, N_ADD) = *fnode(f, N_CLIP);
		*fnode(f, N_CLIP) = tmp;
		break;
	case C_SELF_CYCLE:
		*findex(f, fnode(f, N_ADD)->inputs_first) = T_T;
		break;
	case C_TWO_PRODUCERS:
		*findex(f, fnode(f, N_RELU)->outputs_first) = T_U;
		break;
	case C_NO_PRODUCER:
		*findex(f, fnode(f, N_RELU)->outputs_first) = NONE;
		break;
	case C_WRITES_CONSTANT:
		*findex(f, fnode(f, N_RELU)->outputs_first) = T_HI;
		break;
	case C_OUTPUT_UNFLAGGED:
		ftensor(f, T_Y)->flags = 0;
		break;
	case C_INPUT_UNLISTED:
		ftensor(f, T_T)->flags |= EML_TF_INPUT;
		break;
	case C_INPUT_TWICE:
		*findex(f, f->h->inputs_first + 1) = T_X;
		break;
	case C_OUTPUT_IS_INPUT:
		ftensor(f, T_X)->flags |= EML_TF_OUTPUT;
		*findex(f, f->h->outputs_first) = T_X;
		break;
	case C_SAME_NAME:
		ftensor(f, T_T)->name = ftensor(f, T_U)->name;
		break;
	case C_SHAPE:
		ftensor(f, T_Y)->dims[1] = 17;
		break;
	case C_DTYPE_MISMATCH:
		ftensor(f, T_Z)->dtype = EDGEML_DTYPE_INT32;
		break;
	case C_INFER_ERROR:
		fnode(f, N_RELU)->n_inputs = 0;
		break;
	/* QuantizeLinear without its optional zero point: found by the fuzzer reading past the
	 * node's inputs. */
	case C_TRAILING_ABSENT:
		fnode(f, N_ADD)->op = EML_OP_QuantizeLinear;
		break;
	}
}

/* Each corruption edits a fresh copy of the test file; fix_crc runs after it unless
 * keep_crc is set. */
struct corruption {
	const char *name;
	enum corruption_id id;
	edgeml_status status;
	const char *message;
	int keep_crc;
};

static const struct corruption corruptions[] = {
	{ "bad magic", C_MAGIC, EDGEML_ERR_FORMAT, "bad magic", 1 },
	{ "major version", C_MAJOR, EDGEML_ERR_FORMAT, "version 2.1 at offset 0x8", 1 },
	{ "checksum", C_CHECKSUM, EDGEML_ERR_FORMAT, "checksum mismatch", 1 },
	{ "header checksum", C_HEADER_CHECKSUM, EDGEML_ERR_FORMAT,
	  "header checksum mismatch: offset 0xd0", 1 },
	{ "section table flip", C_SECTION_TABLE_FLIP, EDGEML_ERR_FORMAT,
	  "header checksum mismatch", 1 },
	{ "header ext reserved", C_HEADER_EXT_RESERVED, EDGEML_ERR_FORMAT,
	  "header reserved field at offset 0xd4 is not zero", 0 },
	{ "header ext missing", C_HEADER_EXT_MISSING, EDGEML_ERR_FORMAT,
	  "version 1.1 needs at least 216 bytes", 0 },
	{ "file size", C_FILE_SIZE, EDGEML_ERR_FORMAT, "file_size at offset 0x10", 1 },
	{ "header size small", C_HEADER_SIZE_SMALL, EDGEML_ERR_FORMAT, "header_size", 1 },
	{ "header size big", C_HEADER_SIZE_BIG, EDGEML_ERR_FORMAT, "header_size", 1 },
	{ "header reserved", C_HEADER_RESERVED, EDGEML_ERR_FORMAT, "offset 0x38 is not zero", 1 },
	{ "few sections", C_N_SECTIONS, EDGEML_ERR_FORMAT, "n_sections", 1 },
	{ "huge section count", C_N_SECTIONS_HUGE, EDGEML_ERR_FORMAT, "header_size", 1 },
	{ "section beyond file", C_SEC_BEYOND, EDGEML_ERR_FORMAT, "section 1 (tensors)", 0 },
	{ "section size wraps", C_SEC_WRAP, EDGEML_ERR_FORMAT, "not inside the file", 0 },
	{ "section in header", C_SEC_IN_HEADER, EDGEML_ERR_FORMAT, "after the header", 0 },
	{ "sections overlap", C_SEC_OVERLAP, EDGEML_ERR_FORMAT, "overlaps section 1", 0 },
	{ "section misaligned", C_SEC_MISALIGNED, EDGEML_ERR_FORMAT, "not 8-byte aligned", 0 },
	{ "partial record", C_SEC_PARTIAL, EDGEML_ERR_FORMAT, "multiple of its 128-byte", 0 },
	{ "empty section offset", C_SEC_EMPTY_OFFSET, EDGEML_ERR_FORMAT, "(int64 pool)", 0 },
	{ "strings unterminated", C_STRINGS_UNTERMINATED, EDGEML_ERR_FORMAT, "NUL byte", 0 },
	{ "name offset", C_NAME_OFFSET, EDGEML_ERR_FORMAT, "tensor 3 at offset 0x", 0 },
	{ "empty name", C_NAME_EMPTY, EDGEML_ERR_FORMAT, "name is empty", 0 },
	{ "dtype", C_DTYPE, EDGEML_ERR_FORMAT, "tensor 3 ('T') at offset 0x", 0 },
	{ "rank 9", C_RANK, EDGEML_ERR_FORMAT, "rank 9", 0 },
	{ "negative dim", C_NEGATIVE_DIM, EDGEML_ERR_FORMAT, "dims[2] is -3", 0 },
	{ "dim beyond rank", C_DIM_BEYOND_RANK, EDGEML_ERR_FORMAT, "dims[5] beyond rank 2", 0 },
	{ "dims overflow", C_DIMS_OVERFLOW, EDGEML_ERR_FORMAT, "overflows", 0 },
	{ "empty dims overflow", C_EMPTY_DIMS_OVERFLOW, EDGEML_ERR_FORMAT,
	  "dims[2] = 1099511627776", 0 },
	{ "unknown flags", C_FLAGS, EDGEML_ERR_FORMAT, "unknown flags 0x10", 0 },
	{ "constant input", C_CONST_INPUT, EDGEML_ERR_FORMAT, "both a constant and a graph", 0 },
	{ "data misaligned", C_DATA_MISALIGNED, EDGEML_ERR_FORMAT, "not 64-byte aligned", 0 },
	{ "data size", C_DATA_SIZE, EDGEML_ERR_FORMAT, "data size 4 is not the 8 bytes", 0 },
	{ "data outside", C_DATA_OUTSIDE, EDGEML_ERR_FORMAT, "not inside the data section", 0 },
	{ "data in header", C_DATA_BEFORE, EDGEML_ERR_FORMAT, "not inside the data section", 0 },
	{ "data on activation", C_DATA_ON_ACTIVATION, EDGEML_ERR_FORMAT, "not a constant", 0 },
	{ "tensor reserved", C_TENSOR_RESERVED, EDGEML_ERR_FORMAT, "reserved[3]", 0 },
	{ "q count", C_Q_COUNT, EDGEML_ERR_FORMAT, "3 quantization parameters on axis 1", 0 },
	{ "q axis", C_Q_AXIS, EDGEML_ERR_FORMAT, "on axis 4", 0 },
	{ "q axis negative", C_Q_AXIS_NEGATIVE, EDGEML_ERR_FORMAT, "on axis -1", 0 },
	{ "q on scalar", C_Q_SCALAR, EDGEML_ERR_FORMAT, "rank-0", 0 },
	{ "q pool", C_Q_POOL, EDGEML_ERR_FORMAT, "exceed the float pool", 0 },
	{ "q overlap", C_Q_OVERLAP, EDGEML_ERR_FORMAT, "overlap", 0 },
	{ "q scale zero", C_Q_SCALE_ZERO, EDGEML_ERR_FORMAT, "scale 0 is 0", 0 },
	{ "q scale nan", C_Q_SCALE_NAN, EDGEML_ERR_FORMAT, "scale 1 is nan", 0 },
	{ "q zero point", C_Q_ZERO_POINT, EDGEML_ERR_FORMAT, "256, outside the uint8 range", 0 },
	{ "q unused fields", C_Q_UNUSED, EDGEML_ERR_FORMAT, "must be 0 without", 0 },
	{ "unknown op", C_OP, EDGEML_ERR_FORMAT, "op number 9999", 0 },
	{ "op zero", C_OP_ZERO, EDGEML_ERR_FORMAT, "op number 0", 0 },
	{ "node reserved", C_NODE_RESERVED, EDGEML_ERR_FORMAT, "node 1 ('clip')", 0 },
	{ "node name", C_NODE_NAME, EDGEML_ERR_FORMAT, "name offset 0xffffffff", 0 },
	{ "input index", C_INPUT_INDEX, EDGEML_ERR_FORMAT, "inputs[0] is tensor 100", 0 },
	{ "output index", C_OUTPUT_INDEX, EDGEML_ERR_FORMAT, "outputs[0] is tensor 10", 0 },
	{ "inputs range", C_INPUTS_RANGE, EDGEML_ERR_FORMAT, "exceed the index pool", 0 },
	{ "inputs count", C_INPUTS_COUNT, EDGEML_ERR_FORMAT, "index pool", 0 },
	{ "inputs overlap", C_INPUTS_OVERLAP, EDGEML_ERR_FORMAT, "ranges overlap", 0 },
	{ "attrs range", C_ATTRS_RANGE, EDGEML_ERR_FORMAT, "attributes [7, +2)", 0 },
	{ "attrs overlap", C_ATTRS_OVERLAP, EDGEML_ERR_FORMAT, "overlap another node", 0 },
	{ "attr type", C_ATTR_TYPE, EDGEML_ERR_FORMAT, "attribute 1 ('an_int')", 0 },
	{ "attr name", C_ATTR_NAME, EDGEML_ERR_FORMAT, "name is empty", 0 },
	{ "attr unused count", C_ATTR_UNUSED, EDGEML_ERR_FORMAT, "unused by its type", 0 },
	{ "attr int float", C_ATTR_INT_FLOAT, EDGEML_ERR_FORMAT, "unused by its type", 0 },
	{ "attr reserved", C_ATTR_RESERVED, EDGEML_ERR_FORMAT, "reserved", 0 },
	{ "attr ints pool", C_ATTR_INTS_POOL, EDGEML_ERR_FORMAT, "int64 pool", 0 },
	{ "attr floats pool", C_ATTR_FLOATS_POOL, EDGEML_ERR_FORMAT, "float pool", 0 },
	{ "attr string nul", C_ATTR_STRING_NUL, EDGEML_ERR_FORMAT, "followed by a NUL", 0 },
	{ "attr string long", C_ATTR_STRING_LONG, EDGEML_ERR_FORMAT, "followed by a NUL", 0 },
	{ "attr string range", C_ATTR_STRING_RANGE, EDGEML_ERR_FORMAT, "string section", 0 },
	{ "graph inputs", C_GRAPH_INPUTS, EDGEML_ERR_FORMAT, "graph inputs", 0 },
	{ "graph input absent", C_GRAPH_INPUT_ABSENT, EDGEML_ERR_FORMAT, "graph inputs[0]", 0 },
	{ "graph output index", C_GRAPH_OUTPUT_INDEX, EDGEML_ERR_FORMAT,
	  "graph outputs[0] is tensor 100", 0 },
	{ "graph io overlap", C_GRAPH_IO_OVERLAP, EDGEML_ERR_FORMAT, "not flagged", 0 },
	{ "topological order", C_SWAP_NODES, EDGEML_ERR_FORMAT, "topological", 0 },
	{ "self cycle", C_SELF_CYCLE, EDGEML_ERR_FORMAT, "the same node 0", 0 },
	{ "two producers", C_TWO_PRODUCERS, EDGEML_ERR_FORMAT, "'U' is produced twice", 0 },
	{ "no producer", C_NO_PRODUCER, EDGEML_ERR_FORMAT, "'Z' is neither", 0 },
	{ "writes constant", C_WRITES_CONSTANT, EDGEML_ERR_FORMAT, "'hi' is a constant", 0 },
	{ "output unflagged", C_OUTPUT_UNFLAGGED, EDGEML_ERR_FORMAT, "'Y' is not flagged", 0 },
	{ "input unlisted", C_INPUT_UNLISTED, EDGEML_ERR_FORMAT, "'T' is flagged as a graph input",
	  0 },
	{ "input twice", C_INPUT_TWICE, EDGEML_ERR_FORMAT, "listed twice", 0 },
	{ "output is input", C_OUTPUT_IS_INPUT, EDGEML_ERR_FORMAT, "'X' is a graph input", 0 },
	{ "same name", C_SAME_NAME, EDGEML_ERR_FORMAT, "same name 'U'", 0 },
	{ "shape mismatch", C_SHAPE, EDGEML_ERR_SHAPE,
	  "node 3 'ident' (Identity): output 0 'Y' is declared float32[1,17] but the op "
	  "computes float32[1,18]", 0 },
	{ "dtype mismatch", C_DTYPE_MISMATCH, EDGEML_ERR_SHAPE, "declared int32[1,2,3,3]", 0 },
	{ "infer error", C_INFER_ERROR, EDGEML_ERR_FORMAT, "node 'relu' (Relu): ", 0 },
	{ "trailing input absent", C_TRAILING_ABSENT, EDGEML_ERR_SHAPE,
	  "node 'add' (QuantizeLinear): ", 0 },
};

static void test_corruptions(void **state)
{
	(void)state;
	size_t size;
	uint8_t *orig = write_test_model(&size);
	int failures = 0;
	for (size_t c = 0; c < sizeof(corruptions) / sizeof(corruptions[0]); c++) {
		const struct corruption *k = &corruptions[c];
		struct file f;
		if (posix_memalign((void **)&f.buf, 64, size) != 0)
			fail_msg("posix_memalign");
		memcpy(f.buf, orig, size);
		f.size = size;
		f.h = (struct eml_file_header *)(void *)f.buf;
		f.sec = (struct eml_file_section *)(void *)(f.buf + EML_HEADER_FIXED_SIZE);
		corrupt(&f, k->id);
		if (!k->keep_crc)
			fix_crc(&f);
		edgeml_model *m = NULL;
		edgeml_status st = edgeml_model_load_memory(NULL, f.buf, size, &m);
		const char *msg = edgeml_last_error();
		if (st != k->status || !strstr(msg, k->message)) {
			print_error("corruption '%s': got status %d with \"%s\"; expected %d with "
				    "\"%s\"\n",
				    k->name, st, msg, k->status, k->message);
			failures++;
		}
		if (st == EDGEML_OK)
			edgeml_model_free(m);
		assert_null(st == EDGEML_OK ? NULL : m);
		free(f.buf);
	}
	free(orig);
	assert_int_equal(failures, 0);
}

/* A file of a later minor version with a bigger header and an extra section still loads. */
static void test_future_minor_version(void **state)
{
	(void)state;
	size_t size;
	uint8_t *orig = write_test_model(&size);
	const size_t shift = 64;
	uint8_t *buf = NULL;
	if (posix_memalign((void **)&buf, 64, size + shift) != 0)
		fail_msg("posix_memalign");
	memset(buf, 0, size + shift);
	memcpy(buf, orig, EML_HEADER_SIZE);
	memcpy(buf + EML_HEADER_SIZE + shift, orig + EML_HEADER_SIZE, size - EML_HEADER_SIZE);
	struct file f = { buf, size + shift, (struct eml_file_header *)(void *)buf,
			  (struct eml_file_section *)(void *)(buf + EML_HEADER_FIXED_SIZE) };
	f.h->version_minor = 3;
	f.h->header_size = EML_HEADER_SIZE + shift;
	f.h->file_size = size + shift;
	f.h->n_sections = EML_SEC_COUNT + 1;
	for (int s = 0; s < EML_SEC_COUNT; s++)
		if (f.sec[s].size)
			f.sec[s].offset += shift;
	/* The unknown 10th section entry lies in the grown header; it names the data section's
	 * bytes, which an older reader must simply ignore. */
	f.sec[EML_SEC_COUNT] = f.sec[EML_SEC_DATA];
	for (uint32_t i = 0; i < N_T; i++)
		if (ftensor(&f, i)->flags & EML_TF_CONSTANT)
			ftensor(&f, i)->data_offset += shift;
	fix_crc(&f);
	edgeml_model *m = NULL;
	if (edgeml_model_load_memory(NULL, buf, size + shift, &m) != EDGEML_OK)
		fail_msg("load: %s", edgeml_last_error());
	compare_graph(&m->graph);
	edgeml_model_free(m);
	free(buf);
	free(orig);
}

/* A 1.0 file has no header checksum: a 1.1 reader checks only the checksum of the contents,
 * and ignores bytes between the section table and header_size as 1.0 readers did. */
static void test_version_1_0(void **state)
{
	(void)state;
	size_t size;
	uint8_t *buf = write_test_model(&size);
	struct file f = { buf, size, (struct eml_file_header *)(void *)buf,
			  (struct eml_file_section *)(void *)(buf + EML_HEADER_FIXED_SIZE) };
	f.h->version_minor = 0;
	memset(buf + 208, 0xa5, 8); /* no header checksum in 1.0: these bytes mean nothing */
	edgeml_model *m = NULL;
	if (edgeml_model_load_memory(NULL, buf, size, &m) != EDGEML_OK)
		fail_msg("load: %s", edgeml_last_error());
	compare_graph(&m->graph);
	edgeml_model_free(m);
	/* ... but the checksum of the contents still holds. */
	buf[size - 1] ^= 1;
	assert_int_equal(edgeml_model_load_memory(NULL, buf, size, &m), EDGEML_ERR_FORMAT);
	assert_non_null(strstr(edgeml_last_error(), "checksum mismatch"));
	free(buf);
}

/* ---- graph validation and writer on hand-built graphs ------------------------------------ */

static void test_validate_direct(void **state)
{
	(void)state;
	assert_int_equal(eml_graph_validate(&test_graph), EDGEML_OK);
	expect_error(eml_graph_validate(NULL), EDGEML_ERR_INVALID_ARGUMENT, "NULL");

	eml_tensor t[N_T];
	memcpy(t, tensors, sizeof(t));
	eml_graph g = test_graph;
	g.tensors = t;
	t[T_T].name = NULL;
	expect_error(eml_graph_validate(&g), EDGEML_ERR_FORMAT, "tensor 3 has no name");
	t[T_T] = tensors[T_T];
	t[T_HI].data = NULL;
	expect_error(eml_graph_validate(&g), EDGEML_ERR_FORMAT, "constant 'hi'");
	t[T_HI] = tensors[T_HI];
	t[T_V].dims[0] = INT64_MAX;
	t[T_V].dims[1] = 4;
	expect_error(eml_graph_validate(&g), EDGEML_ERR_FORMAT, "'V': byte size overflows");
	t[T_V] = tensors[T_V];

	eml_node n[N_N];
	memcpy(n, nodes, sizeof(n));
	g.nodes = n;
	n[N_RELU].op = 12345;
	expect_error(eml_graph_validate(&g), EDGEML_ERR_FORMAT, "op 12345");
	n[N_RELU] = nodes[N_RELU];
	assert_int_equal(eml_graph_validate(&g), EDGEML_OK);
}

static void test_writer_errors(void **state)
{
	(void)state;
	void *buf;
	size_t size;
	expect_error(eml_write_memory(NULL, &buf, &size), EDGEML_ERR_INVALID_ARGUMENT, "NULL");

	eml_tensor t[N_T];
	memcpy(t, tensors, sizeof(t));
	eml_graph g = test_graph;
	g.tensors = t;
	char long_name[EML_MAX_NAME_LEN + 2];
	memset(long_name, 'a', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	t[T_T].name = long_name;
	expect_error(eml_write_memory(&g, &buf, &size), EDGEML_ERR_INVALID_ARGUMENT,
		     "tensor 3: name of 4097 bytes");
	/* The longest allowed name round-trips. */
	long_name[EML_MAX_NAME_LEN] = '\0';
	assert_int_equal(eml_write_memory(&g, &buf, &size), EDGEML_OK);
	edgeml_model *m = NULL;
	if (edgeml_model_load_memory(NULL, buf, size, &m) != EDGEML_OK)
		fail_msg("load: %s", edgeml_last_error());
	assert_string_equal(m->graph.tensors[T_T].name, long_name);
	edgeml_model_free(m);
	free(buf);
	t[T_T] = tensors[T_T];

	t[T_B].q_scales = NULL;
	expect_error(eml_write_memory(&g, &buf, &size), EDGEML_ERR_INVALID_ARGUMENT,
		     "'B': 2 quantization parameters");
	t[T_B] = tensors[T_B];
	t[T_B].data = NULL;
	expect_error(eml_write_memory(&g, &buf, &size), EDGEML_ERR_INVALID_ARGUMENT,
		     "constant 'B' has a data size but no data");
	expect_error(eml_write_file(&test_graph, "/nonexistent-dir/x.eml"), EDGEML_ERR_IO,
		     "/nonexistent-dir/x.eml");
}

/* ---- fuzzer seeds ------------------------------------------------------------------------ */

/* Writes the fuzz seeds when EML_WRITE_SEEDS names a directory: the test model and a
 * one-node model (`make build/tests/test_format && EML_WRITE_SEEDS=tests/fuzz/seeds/
 * fuzz_model_load build/tests/test_format`). */
static void test_write_seeds(void **state)
{
	(void)state;
	const char *dir = getenv("EML_WRITE_SEEDS");
	if (!dir)
		skip();
	char path[4096];
	snprintf(path, sizeof(path), "%s/graph5.eml", dir);
	assert_int_equal(eml_write_file(&test_graph, path), EDGEML_OK);

	static const eml_tensor t1[] = {
		{ .name = "x", .dtype = F32, .rank = 2, .dims = { 2, 3 }, .flags = EML_TF_INPUT },
		{ .name = "y", .dtype = F32, .rank = 2, .dims = { 2, 3 }, .flags = EML_TF_OUTPUT },
	};
	static const uint32_t in1[] = { 0 }, out1[] = { 1 };
	static const eml_node n1[] = { NODE("relu", EML_OP_Relu, in1, out1, NULL, 0) };
	eml_graph g1 = { .n_tensors = 2, .n_nodes = 1, .n_inputs = 1, .n_outputs = 1,
			 .tensors = t1, .nodes = n1, .inputs = in1, .outputs = out1 };
	assert_int_equal(eml_graph_validate(&g1), EDGEML_OK);
	snprintf(path, sizeof(path), "%s/relu.eml", dir);
	assert_int_equal(eml_write_file(&g1, path), EDGEML_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_layout),
		cmocka_unit_test(test_roundtrip_aligned),
		cmocka_unit_test(test_roundtrip_misaligned),
		cmocka_unit_test(test_roundtrip_file),
		cmocka_unit_test(test_info_api),
		cmocka_unit_test(test_every_prefix),
		cmocka_unit_test(test_corruptions),
		cmocka_unit_test(test_future_minor_version),
		cmocka_unit_test(test_version_1_0),
		cmocka_unit_test(test_validate_direct),
		cmocka_unit_test(test_writer_errors),
		cmocka_unit_test(test_write_seeds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
