/* test_session.c — sessions end to end: hand-built graphs written to .eml, loaded, run on the
 * CPU backend and compared with values computed here; concurrency; error paths. */
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "commands.h"
#include "npy.h"

#include "convert/eml_write.h"
#include "cpu/fast_ops.h"
#include "cpu/isa.h"
#include "edgeml.h"
#include "model.h"
#include "ops/ops.h"
#include "session.h"

/* A graph under construction, with the arrays eml_graph points to. */
typedef struct builder {
	eml_graph g;
	eml_tensor tensors[16];
	eml_node nodes[8];
	uint32_t io[8][8];
	eml_attr attrs[8];
	uint32_t inputs[4], outputs[4];
} builder;

/* A graph written to .eml and loaded back, with the image it lives in. */
typedef struct loaded {
	void *image;
	edgeml_model *model;
} loaded;

/* Adds a tensor; data is given for constants only. */
static uint32_t tensor(builder *b, const char *name, edgeml_dtype dtype, uint32_t rank,
		       const int64_t *dims, uint32_t flags, const void *data)
{
	uint32_t t = b->g.n_tensors++;
	eml_tensor *d = &b->tensors[t];
	*d = (eml_tensor){
		.name = name, .dtype = dtype, .rank = rank, .flags = flags, .data = data
	};
	if (rank)
		memcpy(d->dims, dims, rank * sizeof(int64_t));
	if (data)
		d->data_size = eml_tensor_bytes(d);
	if (flags & EML_TF_INPUT)
		b->inputs[b->g.n_inputs++] = t;
	if (flags & EML_TF_OUTPUT)
		b->outputs[b->g.n_outputs++] = t;
	return t;
}

/* Adds a node with one output and at most one attribute (attr may be NULL). */
static void node(builder *b, const char *name, uint32_t op, uint32_t n_in, const uint32_t *in,
		 uint32_t out, const eml_attr *attr)
{
	uint32_t i = b->g.n_nodes++;
	memcpy(b->io[i], in, n_in * sizeof(uint32_t));
	b->io[i][n_in] = out;
	if (attr)
		b->attrs[i] = *attr;
	b->nodes[i] = (eml_node){ .name = name,
				  .op = op,
				  .n_inputs = n_in,
				  .n_outputs = 1,
				  .n_attrs = attr ? 1 : 0,
				  .inputs = b->io[i],
				  .outputs = b->io[i] + n_in,
				  .attrs = &b->attrs[i] };
}

/* Points the graph at its arrays. */
static void finish(builder *b)
{
	b->g.tensors = b->tensors;
	b->g.nodes = b->nodes;
	b->g.inputs = b->inputs;
	b->g.outputs = b->outputs;
}

/* Serialises the graph and loads it as a model, as a user would get it. */
static loaded load(builder *b)
{
	loaded l = { 0 };
	size_t size;
	finish(b);
	assert_int_equal(eml_write_memory(&b->g, &l.image, &size), EDGEML_OK);
	edgeml_status st = edgeml_model_load_memory(NULL, l.image, size, &l.model);
	if (st != EDGEML_OK)
		fail_msg("load: %s", edgeml_last_error());
	return l;
}

/* Frees a loaded model and its image. */
static void unload(loaded *l)
{
	edgeml_model_free(l->model);
	free(l->image);
}

/* Creates a session, failing the test with the library's message on error. */
static edgeml_session *session(const edgeml_model *model)
{
	edgeml_session *s;
	edgeml_status st = edgeml_session_create(model, NULL, &s);
	if (st != EDGEML_OK)
		fail_msg("session: %s", edgeml_last_error());
	return s;
}

/* Runs, failing the test with the library's message on error. */
static void run(edgeml_session *s)
{
	if (edgeml_session_run(s) != EDGEML_OK)
		fail_msg("run: %s", edgeml_last_error());
}

static const float relu_add_c[3] = { 1.0f, -2.0f, 0.5f };

/* y = Relu(x) + c, x: [2, 3] float input, c: [3] constant (broadcast over rows). */
static loaded relu_add_model(void)
{
	static builder b;
	memset(&b, 0, sizeof(b));
	uint32_t x =
		tensor(&b, "x", EDGEML_DTYPE_FLOAT32, 2, (int64_t[]){ 2, 3 }, EML_TF_INPUT, NULL);
	uint32_t c = tensor(&b, "c", EDGEML_DTYPE_FLOAT32, 1, (int64_t[]){ 3 }, EML_TF_CONSTANT,
			    relu_add_c);
	uint32_t t = tensor(&b, "t", EDGEML_DTYPE_FLOAT32, 2, (int64_t[]){ 2, 3 }, 0, NULL);
	uint32_t y =
		tensor(&b, "y", EDGEML_DTYPE_FLOAT32, 2, (int64_t[]){ 2, 3 }, EML_TF_OUTPUT, NULL);
	node(&b, "relu", EML_OP_Relu, 1, &x, t, NULL);
	node(&b, "add", EML_OP_Add, 2, (uint32_t[]){ t, c }, y, NULL);
	return load(&b);
}

/* Relu → Add with broadcasting: outputs equal max(x, 0) + c for several inputs. */
static void test_relu_add(void **state)
{
	(void)state;
	loaded l = relu_add_model();
	edgeml_session *s = session(l.model);
	assert_string_equal(edgeml_session_backend_name(s), "cpu-ref");
	edgeml_tensor *in, *out;
	assert_int_equal(edgeml_session_input(s, 0, &in), EDGEML_OK);
	assert_int_equal(edgeml_session_output(s, 0, &out), EDGEML_OK);
	edgeml_tensor_info info;
	assert_int_equal(edgeml_tensor_info_get(in, &info), EDGEML_OK);
	assert_string_equal(info.name, "x");
	assert_int_equal(info.dtype, EDGEML_DTYPE_FLOAT32);
	assert_int_equal(info.rank, 2);
	assert_int_equal(info.dims[0], 2);
	assert_int_equal(info.dims[1], 3);
	assert_int_equal(info.size_bytes, 24);

	const float x1[6] = { -1.0f, 2.0f, -3.0f, 4.0f, -0.5f, 6.0f };
	const float want1[6] = { 1.0f, 0.0f, 0.5f, 5.0f, -2.0f, 6.5f };
	const float x2[6] = { 3.0f, 3.0f, 3.0f, -3.0f, -3.0f, -3.0f };
	const float want2[6] = { 4.0f, 1.0f, 3.5f, 1.0f, -2.0f, 0.5f };
	float got[6];
	assert_int_equal(edgeml_tensor_write(in, x1, sizeof(x1)), EDGEML_OK);
	run(s);
	assert_int_equal(edgeml_tensor_read(out, got, sizeof(got)), EDGEML_OK);
	assert_memory_equal(got, want1, sizeof(want1));
	memcpy(edgeml_tensor_data(in), x2, sizeof(x2));
	run(s);
	assert_memory_equal(edgeml_tensor_data(out), want2, sizeof(want2));
	edgeml_session_destroy(s);
	unload(&l);
}

/* y = Concat(Reshape(Relu(x), [3, 4]), z; axis 1): the Reshape shares Relu's buffer (the
 * plan says so and the arena is one tensor smaller) and the result is still right. */
static void test_reshape_concat(void **state)
{
	(void)state;
	static builder b;
	static const int64_t shape[2] = { 3, 4 };
	memset(&b, 0, sizeof(b));
	uint32_t x =
		tensor(&b, "x", EDGEML_DTYPE_FLOAT32, 2, (int64_t[]){ 2, 6 }, EML_TF_INPUT, NULL);
	uint32_t z =
		tensor(&b, "z", EDGEML_DTYPE_FLOAT32, 2, (int64_t[]){ 3, 2 }, EML_TF_INPUT, NULL);
	uint32_t sh = tensor(&b, "shape", EDGEML_DTYPE_INT64, 1, (int64_t[]){ 2 }, EML_TF_CONSTANT,
			     shape);
	uint32_t a = tensor(&b, "a", EDGEML_DTYPE_FLOAT32, 2, (int64_t[]){ 2, 6 }, 0, NULL);
	uint32_t r = tensor(&b, "r", EDGEML_DTYPE_FLOAT32, 2, (int64_t[]){ 3, 4 }, 0, NULL);
	uint32_t y =
		tensor(&b, "y", EDGEML_DTYPE_FLOAT32, 2, (int64_t[]){ 3, 6 }, EML_TF_OUTPUT, NULL);
	eml_attr axis = { .name = "axis", .type = EML_ATTR_INT, .i = 1 };
	node(&b, "relu", EML_OP_Relu, 1, &x, a, NULL);
	node(&b, "reshape", EML_OP_Reshape, 2, (uint32_t[]){ a, sh }, r, NULL);
	node(&b, "concat", EML_OP_Concat, 2, (uint32_t[]){ r, z }, y, &axis);
	loaded l = load(&b);
	edgeml_session *s = session(l.model);

	eml_backend_memory mem;
	eml_session_memory(s, &mem);
	assert_int_equal(mem.naive_bytes, 128); /* a and r, 48 bytes each, 64-aligned */
	assert_int_equal(mem.arena_bytes, 64);
	assert_int_equal(mem.io_bytes, 64 + 64 + 128);

	float xv[12], zv[6], want[18];
	for (int i = 0; i < 12; i++)
		xv[i] = (float)(i % 3 == 0 ? -i : i);
	for (int i = 0; i < 6; i++)
		zv[i] = 100.0f + (float)i;
	for (int row = 0; row < 3; row++) {
		for (int col = 0; col < 4; col++)
			want[row * 6 + col] = fmaxf(xv[row * 4 + col], 0.0f);
		want[row * 6 + 4] = zv[row * 2];
		want[row * 6 + 5] = zv[row * 2 + 1];
	}
	edgeml_tensor *tx, *tz, *ty;
	assert_int_equal(edgeml_session_input_by_name(s, "z", &tz), EDGEML_OK);
	assert_int_equal(edgeml_session_input_by_name(s, "x", &tx), EDGEML_OK);
	assert_int_equal(edgeml_session_output_by_name(s, "y", &ty), EDGEML_OK);
	assert_int_equal(edgeml_tensor_write(tx, xv, sizeof(xv)), EDGEML_OK);
	assert_int_equal(edgeml_tensor_write(tz, zv, sizeof(zv)), EDGEML_OK);
	run(s);
	assert_memory_equal(edgeml_tensor_data(ty), want, sizeof(want));
	edgeml_session_destroy(s);
	unload(&l);
}

/* An intermediate that is also a graph output keeps its own buffer: y1 = Relu(x) stays
 * valid beside y2 = y1 + y1. */
static void test_output_read_later(void **state)
{
	(void)state;
	static builder b;
	memset(&b, 0, sizeof(b));
	uint32_t x = tensor(&b, "x", EDGEML_DTYPE_FLOAT32, 1, (int64_t[]){ 4 }, EML_TF_INPUT, NULL);
	uint32_t y1 = tensor(&b, "out/relu", EDGEML_DTYPE_FLOAT32, 1, (int64_t[]){ 4 },
			     EML_TF_OUTPUT, NULL);
	uint32_t y2 =
		tensor(&b, "sum", EDGEML_DTYPE_FLOAT32, 1, (int64_t[]){ 4 }, EML_TF_OUTPUT, NULL);
	node(&b, "relu", EML_OP_Relu, 1, &x, y1, NULL);
	node(&b, "add", EML_OP_Add, 2, (uint32_t[]){ y1, y1 }, y2, NULL);
	loaded l = load(&b);
	edgeml_session *s = session(l.model);
	edgeml_tensor *in, *o1, *o2;
	const float xv[4] = { -1.0f, 1.5f, 0.0f, 2.0f };
	const float w1[4] = { 0.0f, 1.5f, 0.0f, 2.0f }, w2[4] = { 0.0f, 3.0f, 0.0f, 4.0f };
	assert_int_equal(edgeml_session_input(s, 0, &in), EDGEML_OK);
	assert_int_equal(edgeml_session_output(s, 0, &o1), EDGEML_OK);
	assert_int_equal(edgeml_session_output_by_name(s, "sum", &o2), EDGEML_OK);
	assert_int_equal(edgeml_tensor_write(in, xv, sizeof(xv)), EDGEML_OK);
	run(s);
	assert_memory_equal(edgeml_tensor_data(o1), w1, sizeof(w1));
	assert_memory_equal(edgeml_tensor_data(o2), w2, sizeof(w2));
	edgeml_session_destroy(s);
	unload(&l);
}

/* y = QuantizeLinear(x, scale, zero_point) with scale and zero point as graph inputs, so a
 * bad scale is only seen at run time: the error then names the node and op. */
static loaded quantize_model(void)
{
	static builder b;
	memset(&b, 0, sizeof(b));
	uint32_t x = tensor(&b, "x", EDGEML_DTYPE_FLOAT32, 1, (int64_t[]){ 4 }, EML_TF_INPUT, NULL);
	uint32_t sc = tensor(&b, "scale", EDGEML_DTYPE_FLOAT32, 0, NULL, EML_TF_INPUT, NULL);
	uint32_t zp = tensor(&b, "zp", EDGEML_DTYPE_UINT8, 0, NULL, EML_TF_INPUT, NULL);
	uint32_t y = tensor(&b, "y", EDGEML_DTYPE_UINT8, 1, (int64_t[]){ 4 }, EML_TF_OUTPUT, NULL);
	node(&b, "quant", EML_OP_QuantizeLinear, 3, (uint32_t[]){ x, sc, zp }, y, NULL);
	return load(&b);
}

/* Quantization rounds half to even and saturates; a zero scale fails the run cleanly. */
static void test_quantize_and_run_error(void **state)
{
	(void)state;
	loaded l = quantize_model();
	edgeml_session *s = session(l.model);
	edgeml_tensor *x, *sc, *zp, *y;
	assert_int_equal(edgeml_session_input_by_name(s, "x", &x), EDGEML_OK);
	assert_int_equal(edgeml_session_input_by_name(s, "scale", &sc), EDGEML_OK);
	assert_int_equal(edgeml_session_input_by_name(s, "zp", &zp), EDGEML_OK);
	assert_int_equal(edgeml_session_output(s, 0, &y), EDGEML_OK);
	const float xv[4] = { 1.25f, -0.25f, 100.0f, -100.0f };
	const float scale = 0.5f, zero = 0.0f;
	const uint8_t z = 128;
	/* 2.5 → 2, -0.5 → -0 (half to even), then + 128 and saturate to [0, 255]. */
	const uint8_t want[4] = { 130, 128, 255, 0 };
	assert_int_equal(edgeml_tensor_write(x, xv, sizeof(xv)), EDGEML_OK);
	assert_int_equal(edgeml_tensor_write(sc, &scale, sizeof(scale)), EDGEML_OK);
	assert_int_equal(edgeml_tensor_write(zp, &z, 1), EDGEML_OK);
	run(s);
	assert_memory_equal(edgeml_tensor_data(y), want, 4);

	assert_int_equal(edgeml_tensor_write(sc, &zero, sizeof(zero)), EDGEML_OK);
	assert_int_equal(edgeml_session_run(s), EDGEML_ERR_INVALID_ARGUMENT);
	assert_non_null(strstr(edgeml_last_error(), "node 'quant' (QuantizeLinear): "));
	edgeml_session_destroy(s);
	unload(&l);
}

#define THREADS 4
#define RUNS	300

typedef struct worker {
	const edgeml_model *model;
	int id;
	int failures;
} worker;

/* One thread: its own session of the shared model, RUNS runs on inputs of its own, each
 * output checked against max(x, 0) + c. */
static void *worker_main(void *arg)
{
	worker *w = arg;
	edgeml_session *s;
	edgeml_tensor *in, *out;
	if (edgeml_session_create(w->model, NULL, &s) != EDGEML_OK) {
		w->failures = RUNS;
		return NULL;
	}
	edgeml_session_input(s, 0, &in);
	edgeml_session_output(s, 0, &out);
	for (int r = 0; r < RUNS; r++) {
		float x[6], want[6];
		for (int i = 0; i < 6; i++) {
			x[i] = (float)((w->id * 7 + r * 3 + i * 5) % 11) - 5.0f;
			want[i] = fmaxf(x[i], 0.0f) + relu_add_c[i % 3];
		}
		edgeml_tensor_write(in, x, sizeof(x));
		if (edgeml_session_run(s) != EDGEML_OK ||
		    memcmp(edgeml_tensor_data(out), want, sizeof(want)) != 0)
			w->failures++;
	}
	edgeml_session_destroy(s);
	return NULL;
}

/* Several sessions of one model run at once on different threads, each getting exactly
 * its own results. */
static void test_concurrent_sessions(void **state)
{
	(void)state;
	loaded l = relu_add_model();
	pthread_t th[THREADS];
	worker w[THREADS];
	for (int i = 0; i < THREADS; i++) {
		w[i] = (worker){ l.model, i, 0 };
		assert_int_equal(pthread_create(&th[i], NULL, worker_main, &w[i]), 0);
	}
	for (int i = 0; i < THREADS; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(w[i].failures, 0);
	}
	unload(&l);
}

/* NULL arguments, bad indices, unknown names, wrong sizes and bad options: clean errors. */
static void test_errors(void **state)
{
	(void)state;
	loaded l = relu_add_model();
	edgeml_session *s;
	edgeml_tensor *t = NULL, *in;
	edgeml_tensor_info info;
	float buf[8] = { 0 };

	assert_int_equal(edgeml_session_create(NULL, NULL, &s), EDGEML_ERR_INVALID_ARGUMENT);
	assert_null(s);
	s = session(l.model);
	assert_int_equal(edgeml_session_create(l.model, NULL, NULL), EDGEML_ERR_INVALID_ARGUMENT);
	assert_int_equal(edgeml_session_run(NULL), EDGEML_ERR_INVALID_ARGUMENT);
	assert_int_equal(edgeml_session_input(NULL, 0, &t), EDGEML_ERR_INVALID_ARGUMENT);
	assert_int_equal(edgeml_session_input(s, 0, NULL), EDGEML_ERR_INVALID_ARGUMENT);
	assert_int_equal(edgeml_session_input(s, 1, &t), EDGEML_ERR_INVALID_ARGUMENT);
	assert_null(t);
	assert_non_null(strstr(edgeml_last_error(), "index 1"));
	assert_int_equal(edgeml_session_output(s, 5, &t), EDGEML_ERR_INVALID_ARGUMENT);
	assert_int_equal(edgeml_session_input_by_name(s, "nope", &t), EDGEML_ERR_NOT_FOUND);
	assert_non_null(strstr(edgeml_last_error(), "'nope'"));
	assert_non_null(strstr(edgeml_last_error(), "'x'"));
	assert_int_equal(edgeml_session_output_by_name(s, "x", &t), EDGEML_ERR_NOT_FOUND);
	assert_int_equal(edgeml_session_output_by_name(s, NULL, &t), EDGEML_ERR_INVALID_ARGUMENT);
	assert_int_equal(edgeml_session_input_by_name(NULL, "x", &t), EDGEML_ERR_INVALID_ARGUMENT);
	assert_string_equal(edgeml_session_backend_name(NULL), "");

	assert_int_equal(edgeml_session_input(s, 0, &in), EDGEML_OK);
	assert_string_equal(edgeml_last_error(), "");
	assert_int_equal(edgeml_tensor_write(in, buf, 20), EDGEML_ERR_INVALID_ARGUMENT);
	assert_non_null(strstr(edgeml_last_error(), "24 bytes"));
	assert_int_equal(edgeml_tensor_write(in, buf, 32), EDGEML_ERR_INVALID_ARGUMENT);
	assert_int_equal(edgeml_tensor_write(in, NULL, 24), EDGEML_ERR_INVALID_ARGUMENT);
	assert_int_equal(edgeml_tensor_write(NULL, buf, 24), EDGEML_ERR_INVALID_ARGUMENT);
	assert_int_equal(edgeml_tensor_read(in, buf, 4), EDGEML_ERR_INVALID_ARGUMENT);
	assert_int_equal(edgeml_tensor_read(in, NULL, 24), EDGEML_ERR_INVALID_ARGUMENT);
	assert_int_equal(edgeml_tensor_info_get(NULL, &info), EDGEML_ERR_INVALID_ARGUMENT);
	assert_int_equal(edgeml_tensor_info_get(in, NULL), EDGEML_ERR_INVALID_ARGUMENT);
	assert_null(edgeml_tensor_data(NULL));
	edgeml_session_destroy(s);
	edgeml_session_destroy(NULL);

	edgeml_session_options opt;
	edgeml_session_options_init(&opt);
	assert_int_equal(opt.struct_size, sizeof(opt));
	assert_int_equal(opt.backend, EDGEML_BACKEND_AUTO);
	opt.backend = EDGEML_BACKEND_CPU;
	assert_int_equal(edgeml_session_create(l.model, &opt, &s), EDGEML_OK);
	edgeml_session_destroy(s);
	/* Vulkan runs the model where there is a device, else says why it cannot. */
	opt.backend = EDGEML_BACKEND_VULKAN;
	if (edgeml_session_create(l.model, &opt, &s) == EDGEML_OK)
		edgeml_session_destroy(s);
	else
		assert_non_null(strstr(edgeml_last_error(), "Vulkan"));
	opt.backend = (edgeml_backend_kind)77;
	assert_int_equal(edgeml_session_create(l.model, &opt, &s), EDGEML_ERR_INVALID_ARGUMENT);
	opt.backend = EDGEML_BACKEND_CPU;
	opt.struct_size = 0;
	assert_int_equal(edgeml_session_create(l.model, &opt, &s), EDGEML_ERR_INVALID_ARGUMENT);
	assert_null(s);
	unload(&l);
}

/* The CPU thread options: the default, one thread, a core list (checked against the cores
 * this process may use, bad ones refused naming the list), the big cores. */
static void test_cpu_thread_options(void **state)
{
	(void)state;
	loaded l = relu_add_model();
	edgeml_session *s = NULL;
	edgeml_session_options opt;
	edgeml_session_options_init(&opt);
	opt.backend = EDGEML_BACKEND_CPU;
	assert_int_equal(opt.threads, 0);
	assert_null(opt.cpu_cores);
	assert_int_equal(edgeml_session_create(l.model, &opt, &s), EDGEML_OK);
	assert_int_equal(edgeml_session_run(s), EDGEML_OK);
	edgeml_session_destroy(s);
	cpu_set_t allowed;
	assert_int_equal(sched_getaffinity(0, sizeof(allowed), &allowed), 0);
	int first = 0;
	while (!CPU_ISSET(first, &allowed))
		first++;
	char list[32];
	snprintf(list, sizeof(list), "%d", first);
	opt.cpu_cores = list;
	opt.threads = 3;
	assert_int_equal(edgeml_session_create(l.model, &opt, &s), EDGEML_OK);
	assert_int_equal(edgeml_session_run(s), EDGEML_OK);
	edgeml_session_destroy(s);
	opt.cpu_cores = "1023";
	if (!CPU_ISSET(1023, &allowed)) {
		assert_int_equal(edgeml_session_create(l.model, &opt, &s),
				 EDGEML_ERR_INVALID_ARGUMENT);
		assert_non_null(strstr(edgeml_last_error(), "'1023'"));
		assert_null(s);
	}
	opt.cpu_cores = "0-x";
	assert_int_equal(edgeml_session_create(l.model, &opt, &s), EDGEML_ERR_INVALID_ARGUMENT);
	assert_non_null(strstr(edgeml_last_error(), "cpu_cores"));
	opt.cpu_cores = NULL;
	opt.threads = 0;
	opt.flags = EDGEML_SESSION_BIG_CORES;
	assert_int_equal(edgeml_session_create(l.model, &opt, &s), EDGEML_OK);
	assert_int_equal(edgeml_session_run(s), EDGEML_OK);
	edgeml_session_destroy(s);
	opt.flags = 0;
	opt.threads = 65;
	assert_int_equal(edgeml_session_create(l.model, &opt, &s), EDGEML_ERR_INVALID_ARGUMENT);
	unload(&l);
}

/* A node whose op has no kernel fails session creation, naming node and op number. The
 * loader rejects unknown ops, so the model is built in memory directly. */
static void test_unsupported_op(void **state)
{
	(void)state;
	static builder b;
	memset(&b, 0, sizeof(b));
	uint32_t x = tensor(&b, "x", EDGEML_DTYPE_FLOAT32, 1, (int64_t[]){ 4 }, EML_TF_INPUT, NULL);
	uint32_t y =
		tensor(&b, "y", EDGEML_DTYPE_FLOAT32, 1, (int64_t[]){ 4 }, EML_TF_OUTPUT, NULL);
	node(&b, "mystery", 250, 1, &x, y, NULL);
	finish(&b);
	struct edgeml_model m = { .graph = b.g };
	edgeml_session *s;
	assert_int_equal(edgeml_session_create(&m, NULL, &s), EDGEML_ERR_UNSUPPORTED);
	assert_null(s);
	assert_non_null(strstr(edgeml_last_error(), "'mystery'"));
	assert_non_null(strstr(edgeml_last_error(), "250"));

	/* A node reading a tensor nothing produces is a broken graph, not a crash. */
	b.nodes[0].op = EML_OP_Relu;
	b.tensors[x].flags = 0;
	m.graph = b.g;
	m.graph.n_inputs = 0;
	assert_int_equal(edgeml_session_create(&m, NULL, &s), EDGEML_ERR_FORMAT);
	assert_non_null(strstr(edgeml_last_error(), "'x'"));
}

/* Shapes whose memory exceeds the session limit fail creation instead of allocating. */
static void test_too_much_memory(void **state)
{
	(void)state;
	static builder b;
	memset(&b, 0, sizeof(b));
	const int64_t big[2] = { 1 << 20, 1 << 20 };
	uint32_t x = tensor(&b, "x", EDGEML_DTYPE_FLOAT32, 2, big, EML_TF_INPUT, NULL);
	uint32_t t = tensor(&b, "t", EDGEML_DTYPE_FLOAT32, 2, big, 0, NULL);
	uint32_t y =
		tensor(&b, "y", EDGEML_DTYPE_FLOAT32, 1, (int64_t[]){ 4 }, EML_TF_OUTPUT, NULL);
	node(&b, "relu", EML_OP_Relu, 1, &x, t, NULL);
	node(&b, "relu2", EML_OP_Relu, 1, &t, y, NULL);
	finish(&b);
	struct edgeml_model m = { .graph = b.g };
	edgeml_session *s;
	assert_int_equal(edgeml_session_create(&m, NULL, &s), EDGEML_ERR_NO_MEMORY);
	b.tensors[x].dims[0] = 4;
	b.tensors[x].dims[1] = 1;
	m.graph = b.g;
	assert_int_equal(edgeml_session_create(&m, NULL, &s), EDGEML_ERR_NO_MEMORY);
	assert_non_null(strstr(edgeml_last_error(), "activations"));
}

/* Runs `edgeml run` with the given arguments (argv[0] is "run"). */
static int run_cmd(int argc, const char **argv)
{
	return edgeml_cmd_run(argc, (char **)argv);
}

/* `edgeml run` end to end: a model file and an input .npy in, the output .npy out with
 * max(x, 0) + c; wrong shapes, types, names and missing inputs are refused. */
static void test_run_command(void **state)
{
	(void)state;
	char dir[] = "/tmp/test_session.XXXXXX";
	assert_non_null(mkdtemp(dir));
	char model[64], xin[64], bad[64], outdir[64], yout[64];
	snprintf(model, sizeof(model), "%s/m.eml", dir);
	snprintf(xin, sizeof(xin), "%s/x.npy", dir);
	snprintf(bad, sizeof(bad), "%s/bad.npy", dir);
	snprintf(outdir, sizeof(outdir), "%s/out", dir);
	snprintf(yout, sizeof(yout), "%s/out/y.npy", dir);
	loaded l = relu_add_model();
	assert_int_equal(eml_write_file(&l.model->graph, model), EDGEML_OK);
	unload(&l);
	const float x[6] = { -1.0f, 2.0f, -3.0f, 4.0f, -0.5f, 6.0f };
	const float want[6] = { 1.0f, 0.0f, 0.5f, 5.0f, -2.0f, 6.5f };
	assert_int_equal(
		eml_npy_write_file(xin, EDGEML_DTYPE_FLOAT32, 2, (int64_t[]){ 2, 3 }, x, sizeof(x)),
		EDGEML_OK);
	char spec[80];
	snprintf(spec, sizeof(spec), "x=%s", xin);
	const char *ok[] = { "run", model, "--input", spec, "--output-dir", outdir };
	assert_int_equal(run_cmd(6, ok), 0);
	eml_npy y;
	assert_int_equal(eml_npy_read_file(yout, &y), EDGEML_OK);
	assert_int_equal(y.dtype, EDGEML_DTYPE_FLOAT32);
	assert_int_equal(y.rank, 2);
	assert_int_equal(y.dims[0], 2);
	assert_int_equal(y.dims[1], 3);
	assert_memory_equal(y.data, want, sizeof(want));
	eml_npy_free(&y);

	/* Same element count, other shape: refused, as is another dtype. */
	assert_int_equal(
		eml_npy_write_file(bad, EDGEML_DTYPE_FLOAT32, 1, (int64_t[]){ 6 }, x, sizeof(x)),
		EDGEML_OK);
	snprintf(spec, sizeof(spec), "x=%s", bad);
	assert_int_equal(run_cmd(6, ok), 1);
	assert_int_equal(
		eml_npy_write_file(bad, EDGEML_DTYPE_INT32, 2, (int64_t[]){ 2, 3 }, x, sizeof(x)),
		EDGEML_OK);
	assert_int_equal(run_cmd(6, ok), 1);
	snprintf(spec, sizeof(spec), "nope=%s", xin);
	assert_int_equal(run_cmd(6, ok), 1);
	const char *missing[] = { "run", model, "--output-dir", outdir };
	assert_int_equal(run_cmd(4, missing), 1);
	const char *no_dir[] = { "run", model };
	assert_int_equal(run_cmd(2, no_dir), 2);
	const char *help[] = { "run", "--help" };
	assert_int_equal(run_cmd(2, help), 0);

	unlink(yout);
	rmdir(outdir);
	unlink(bad);
	unlink(xin);
	unlink(model);
	assert_int_equal(rmdir(dir), 0);
}

/* A device the CPU backend does not have is refused, naming it, rather than ignored; with
 * AUTO a device that does not exist is an error too (test_devices.c names real ones). */
static void test_device_option(void **state)
{
	(void)state;
	loaded l = relu_add_model();
	edgeml_session *s = NULL;
	edgeml_session_options opt;
	edgeml_session_options_init(&opt);
	opt.backend = EDGEML_BACKEND_CPU;
	opt.device = "99";
	assert_int_equal(edgeml_session_create(l.model, &opt, &s), EDGEML_ERR_NOT_FOUND);
	assert_null(s);
	assert_non_null(strstr(edgeml_last_error(), "'99'"));
	assert_non_null(strstr(edgeml_last_error(), "no cpu device"));
	opt.backend = EDGEML_BACKEND_AUTO;
	assert_int_equal(edgeml_session_create(l.model, &opt, &s), EDGEML_ERR_NOT_FOUND);
	assert_null(s);
	assert_non_null(strstr(edgeml_last_error(), "no device matches '99'"));
	/* An empty name is no device. */
	opt.backend = EDGEML_BACKEND_CPU;
	opt.device = "";
	assert_int_equal(edgeml_session_create(l.model, &opt, &s), EDGEML_OK);
	edgeml_session_destroy(s);
	unload(&l);
}

/* EDGEML_SESSION_REFERENCE_KERNELS keeps every node on its reference kernel, with the same
 * result as the fast kernels the default session takes where the CPU has them. */
static void test_reference_kernels(void **state)
{
	(void)state;
	loaded l = relu_add_model();
	edgeml_session_options opt;
	edgeml_session_options_init(&opt);
	opt.backend = EDGEML_BACKEND_CPU;
	float y[2][6];
	const float x[6] = { -1.0f, 2.0f, -3.0f, 4.0f, -0.5f, 6.0f };
	for (int ref = 0; ref < 2; ref++) {
		edgeml_session *s;
		opt.flags = ref ? EDGEML_SESSION_REFERENCE_KERNELS : 0;
		assert_int_equal(edgeml_session_create(l.model, &opt, &s), EDGEML_OK);
		void *cpu;
		assert_ptr_equal(eml_session_backend(s, &cpu), &eml_cpu_backend);
		int fast = 0;
		for (uint32_t i = 0; i < l.model->graph.n_nodes; i++)
			fast |= strcmp(eml_cpu_node_kernel(cpu, i), "reference") != 0 &&
				strcmp(eml_cpu_node_kernel(cpu, i), "view") != 0;
		/* The Add has a fast kernel at every SIMD level. */
		assert_int_equal(fast, !ref && eml_isa_active() != EML_ISA_SCALAR);
		edgeml_tensor *in, *out;
		assert_int_equal(edgeml_session_input(s, 0, &in), EDGEML_OK);
		assert_int_equal(edgeml_tensor_write(in, x, sizeof(x)), EDGEML_OK);
		run(s);
		assert_int_equal(edgeml_session_output(s, 0, &out), EDGEML_OK);
		assert_int_equal(edgeml_tensor_read(out, y[ref], sizeof(y[ref])), EDGEML_OK);
		edgeml_session_destroy(s);
	}
	assert_memory_equal(y[0], y[1], sizeof(y[0]));
	unload(&l);
}

/* A 3x3 Conv of 16 channels (Winograd's smallest) over a 6x6 input: its fast kernel is
 * Winograd by default, within the float tolerance of the reference; with
 * EDGEML_SESSION_EXACT_FLOAT it is the direct kernel, bit-identical to the reference. */
static void test_exact_float(void **state)
{
	(void)state;
	if (eml_isa_active() == EML_ISA_SCALAR)
		skip();
	static float w[16 * 16 * 9], x[16 * 36];
	static float y[3][16 * 16];
	for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++)
		w[i] = (float)((int)(i * 7919 % 201) - 100) / 128.0f;
	for (size_t i = 0; i < sizeof(x) / sizeof(x[0]); i++)
		x[i] = (float)((int)(i * 104729 % 257) - 128) / 32.0f;
	static builder b;
	memset(&b, 0, sizeof(b));
	uint32_t tx = tensor(&b, "x", EDGEML_DTYPE_FLOAT32, 4, (int64_t[]){ 1, 16, 6, 6 },
			     EML_TF_INPUT, NULL);
	uint32_t tw = tensor(&b, "w", EDGEML_DTYPE_FLOAT32, 4, (int64_t[]){ 16, 16, 3, 3 },
			     EML_TF_CONSTANT, w);
	uint32_t ty = tensor(&b, "y", EDGEML_DTYPE_FLOAT32, 4, (int64_t[]){ 1, 16, 4, 4 },
			     EML_TF_OUTPUT, NULL);
	node(&b, "conv", EML_OP_Conv, 2, (uint32_t[]){ tx, tw }, ty, NULL);
	loaded l = load(&b);
	static const uint32_t flags[3] = { EDGEML_SESSION_REFERENCE_KERNELS,
					   EDGEML_SESSION_EXACT_FLOAT, 0 };
	static const char *const kernel[3] = { "reference", "f32-gemm", "f32-winograd-2x2" };
	for (int k = 0; k < 3; k++) {
		edgeml_session_options opt;
		edgeml_session_options_init(&opt);
		opt.backend = EDGEML_BACKEND_CPU;
		opt.flags = flags[k];
		edgeml_session *s;
		assert_int_equal(edgeml_session_create(l.model, &opt, &s), EDGEML_OK);
		void *cpu;
		assert_ptr_equal(eml_session_backend(s, &cpu), &eml_cpu_backend);
		const char *got = eml_cpu_node_kernel(cpu, 0);
		if (strncmp(got, kernel[k], strlen(kernel[k])) != 0)
			fail_msg("flags %u: kernel %s, want %s", flags[k], got, kernel[k]);
		edgeml_tensor *in, *out;
		assert_int_equal(edgeml_session_input(s, 0, &in), EDGEML_OK);
		assert_int_equal(edgeml_tensor_write(in, x, sizeof(x)), EDGEML_OK);
		run(s);
		assert_int_equal(edgeml_session_output(s, 0, &out), EDGEML_OK);
		assert_int_equal(edgeml_tensor_read(out, y[k], sizeof(y[k])), EDGEML_OK);
		edgeml_session_destroy(s);
	}
	assert_memory_equal(y[0], y[1], sizeof(y[0]));
	/* the scale of the sums bounds |y|; 4 (max |x|) * 0.79 (max |w|) * 144 terms */
	double tol = EML_F32_FAST_TOL * 4.0 * (100.0 / 128.0) * 144.0;
	for (size_t i = 0; i < 16 * 16; i++)
		if (!(fabs((double)y[2][i] - (double)y[0][i]) <= tol))
			fail_msg("element %zu: winograd %.9g, reference %.9g", i, (double)y[2][i],
				 (double)y[0][i]);
	unload(&l);
}

/* The context exists and can be destroyed; NULL out is an error. */
static void test_context(void **state)
{
	(void)state;
	edgeml_context *ctx;
	assert_int_equal(edgeml_context_create(&ctx), EDGEML_OK);
	edgeml_context_destroy(ctx);
	edgeml_context_destroy(NULL);
	assert_int_equal(edgeml_context_create(NULL), EDGEML_ERR_INVALID_ARGUMENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_relu_add),
		cmocka_unit_test(test_reshape_concat),
		cmocka_unit_test(test_output_read_later),
		cmocka_unit_test(test_quantize_and_run_error),
		cmocka_unit_test(test_concurrent_sessions),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_cpu_thread_options),
		cmocka_unit_test(test_unsupported_op),
		cmocka_unit_test(test_too_much_memory),
		cmocka_unit_test(test_run_command),
		cmocka_unit_test(test_context),
		cmocka_unit_test(test_device_option),
		cmocka_unit_test(test_reference_kernels),
		cmocka_unit_test(test_exact_float),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
