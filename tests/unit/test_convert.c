/*
 * test_convert.c — the ONNX → eml_graph converter: ONNX node-test files from
 * libonnx-testdata, and small models built here with protobuf-c (QDQ groups, Conv+BN,
 * older-opset forms, bad input), checking ops, attributes, folded constants and errors
 * against values worked out independently in the tests.
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

#include <cmocka.h>

#include "convert/convert.h"
#include "edgeml_convert.h"
#include "onnx.pb-c.h"
#include "ops/ops.h"

#define NODE_DIR "/usr/share/libonnx-testdata/data/node/"

/* ---- a tiny arena so that hand-built protobuf messages are freed in one go ------------ */

typedef struct arena {
	void **ptrs;
	size_t n, cap;
} arena;

static arena A;

/* Allocates zeroed memory owned by the arena. */
static void *talloc(size_t size)
{
	if (A.n == A.cap) {
		A.cap = A.cap ? A.cap * 2 : 256;
		A.ptrs = realloc(A.ptrs, A.cap * sizeof(void *));
		assert_non_null(A.ptrs);
	}
	void *p = calloc(1, size ? size : 1);
	assert_non_null(p);
	A.ptrs[A.n++] = p;
	return p;
}

/* Frees everything the arena holds. */
static void arena_free(void)
{
	for (size_t i = 0; i < A.n; i++)
		free(A.ptrs[i]);
	free(A.ptrs);
	memset(&A, 0, sizeof(A));
}

/* An arena copy of a string. */
static char *tstr(const char *s)
{
	char *p = talloc(strlen(s) + 1);
	strcpy(p, s);
	return p;
}

/* ---- model builder -------------------------------------------------------------------- */

#define MAXN 32

typedef struct builder {
	Onnx__NodeProto *nodes[MAXN];
	Onnx__TensorProto *inits[MAXN];
	Onnx__ValueInfoProto *inputs[MAXN];
	Onnx__ValueInfoProto *outputs[MAXN];
	size_t n_nodes, n_inits, n_inputs, n_outputs;
	int64_t opset;
	int with_ms; /* also import com.microsoft */
} builder;

/* Adds an initializer from raw little-endian bytes. */
static void init_raw(builder *b, const char *name, int dtype, int rank, const int64_t *dims,
		     const void *data, size_t bytes)
{
	Onnx__TensorProto *t = talloc(sizeof(*t));
	onnx__tensor_proto__init(t);
	t->name = tstr(name);
	t->has_data_type = 1;
	t->data_type = dtype;
	t->n_dims = (size_t)rank;
	t->dims = talloc(sizeof(int64_t) * (size_t)(rank + 1));
	if (rank)
		memcpy(t->dims, dims, sizeof(int64_t) * (size_t)rank);
	t->has_raw_data = 1;
	t->raw_data.len = bytes;
	t->raw_data.data = talloc(bytes);
	memcpy(t->raw_data.data, data, bytes);
	b->inits[b->n_inits++] = t;
}

/* Scalar initializers. */
static void init_f32(builder *b, const char *name, float v)
{
	init_raw(b, name, ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 0, NULL, &v, 4);
}

static void init_u8(builder *b, const char *name, uint8_t v)
{
	init_raw(b, name, ONNX__TENSOR_PROTO__DATA_TYPE__UINT8, 0, NULL, &v, 1);
}

static void init_i8(builder *b, const char *name, int8_t v)
{
	init_raw(b, name, ONNX__TENSOR_PROTO__DATA_TYPE__INT8, 0, NULL, &v, 1);
}

/* A ValueInfo; a dim of -1 is symbolic ("N"). */
static Onnx__ValueInfoProto *vinfo(const char *name, int dtype, int rank, const int64_t *dims)
{
	Onnx__ValueInfoProto *v = talloc(sizeof(*v));
	onnx__value_info_proto__init(v);
	v->name = tstr(name);
	Onnx__TypeProto *tp = talloc(sizeof(*tp));
	onnx__type_proto__init(tp);
	Onnx__TypeProto__Tensor *tt = talloc(sizeof(*tt));
	onnx__type_proto__tensor__init(tt);
	tt->has_elem_type = 1;
	tt->elem_type = dtype;
	Onnx__TensorShapeProto *sp = talloc(sizeof(*sp));
	onnx__tensor_shape_proto__init(sp);
	sp->n_dim = (size_t)rank;
	sp->dim = talloc(sizeof(void *) * (size_t)(rank + 1));
	for (int i = 0; i < rank; i++) {
		Onnx__TensorShapeProto__Dimension *d = talloc(sizeof(*d));
		onnx__tensor_shape_proto__dimension__init(d);
		if (dims[i] >= 0) {
			d->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
			d->dim_value = dims[i];
		} else {
			d->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM;
			d->dim_param = tstr("N");
		}
		sp->dim[i] = d;
	}
	tt->shape = sp;
	tp->value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
	tp->tensor_type = tt;
	v->type = tp;
	return v;
}

static void input(builder *b, const char *name, int dtype, int rank, const int64_t *dims)
{
	b->inputs[b->n_inputs++] = vinfo(name, dtype, rank, dims);
}

static void output(builder *b, const char *name)
{
	Onnx__ValueInfoProto *v = talloc(sizeof(*v));
	onnx__value_info_proto__init(v);
	v->name = tstr(name);
	b->outputs[b->n_outputs++] = v;
}

/* Splits "a,b,,c" into an arena array ("" for an absent input). */
static char **names(const char *list, size_t *n)
{
	*n = 0;
	if (!*list)
		return NULL;
	size_t cap = 1;
	for (const char *p = list; *p; p++)
		cap += *p == ',';
	char **v = talloc(sizeof(char *) * cap);
	const char *p = list;
	for (;;) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		v[*n] = talloc(len + 1);
		memcpy(v[*n], p, len);
		(*n)++;
		if (!e)
			break;
		p = e + 1;
	}
	return v;
}

/* Adds a node; attributes are added with the attr_* helpers on the returned node. */
static Onnx__NodeProto *node(builder *b, const char *op, const char *name, const char *in,
			     const char *out)
{
	Onnx__NodeProto *n = talloc(sizeof(*n));
	onnx__node_proto__init(n);
	n->op_type = tstr(op);
	n->name = tstr(name);
	n->input = names(in, &n->n_input);
	n->output = names(out, &n->n_output);
	n->attribute = talloc(sizeof(void *) * 8);
	b->nodes[b->n_nodes++] = n;
	return n;
}

static Onnx__AttributeProto *attr(Onnx__NodeProto *n, const char *name, int type)
{
	Onnx__AttributeProto *a = talloc(sizeof(*a));
	onnx__attribute_proto__init(a);
	a->name = tstr(name);
	a->has_type = 1;
	a->type = type;
	n->attribute[n->n_attribute++] = a;
	return a;
}

static void attr_int(Onnx__NodeProto *n, const char *name, int64_t v)
{
	Onnx__AttributeProto *a = attr(n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT);
	a->has_i = 1;
	a->i = v;
}

static void attr_float(Onnx__NodeProto *n, const char *name, float v)
{
	Onnx__AttributeProto *a = attr(n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT);
	a->has_f = 1;
	a->f = v;
}

static void attr_ints(Onnx__NodeProto *n, const char *name, size_t count, const int64_t *v)
{
	Onnx__AttributeProto *a = attr(n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS);
	a->n_ints = count;
	a->ints = talloc(sizeof(int64_t) * count);
	memcpy(a->ints, v, sizeof(int64_t) * count);
}

static void attr_strings(Onnx__NodeProto *n, const char *name, size_t count,
			 const char *const *v)
{
	Onnx__AttributeProto *a = attr(n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRINGS);
	a->n_strings = count;
	a->strings = talloc(sizeof(*a->strings) * count);
	for (size_t i = 0; i < count; i++) {
		a->strings[i].len = strlen(v[i]);
		a->strings[i].data = (uint8_t *)tstr(v[i]);
	}
}

/* Serialises the model into an arena buffer. */
static uint8_t *build(builder *b, size_t *len)
{
	Onnx__GraphProto g = ONNX__GRAPH_PROTO__INIT;
	Onnx__ModelProto m = ONNX__MODEL_PROTO__INIT;
	Onnx__OperatorSetIdProto ops[2] = { ONNX__OPERATOR_SET_ID_PROTO__INIT,
					    ONNX__OPERATOR_SET_ID_PROTO__INIT };
	Onnx__OperatorSetIdProto *opp[2] = { &ops[0], &ops[1] };
	g.n_node = b->n_nodes;
	g.node = b->nodes;
	g.n_initializer = b->n_inits;
	g.initializer = b->inits;
	g.n_input = b->n_inputs;
	g.input = b->inputs;
	g.n_output = b->n_outputs;
	g.output = b->outputs;
	g.name = tstr("test");
	ops[0].domain = tstr("");
	ops[0].has_version = 1;
	ops[0].version = b->opset ? b->opset : 13;
	ops[1].domain = tstr("com.microsoft");
	ops[1].has_version = 1;
	ops[1].version = 1;
	m.has_ir_version = 1;
	m.ir_version = 8;
	m.n_opset_import = b->with_ms ? 2 : 1;
	m.opset_import = opp;
	m.graph = &g;
	*len = onnx__model_proto__get_packed_size(&m);
	uint8_t *buf = talloc(*len);
	onnx__model_proto__pack(&m, buf);
	return buf;
}

/* Builds and converts; returns the status, *out set on success. */
static edgeml_status convert(builder *b, const eml_convert_options *opt, eml_converted **out)
{
	size_t len;
	uint8_t *buf = build(b, &len);
	return eml_convert_buffer(buf, len, opt, out);
}

/* ---- graph queries -------------------------------------------------------------------- */

/* The index of the only node with op, failing the test when there is not exactly one. */
static const eml_node *only_node(const eml_graph *g, uint32_t op)
{
	const eml_node *found = NULL;
	for (uint32_t i = 0; i < g->n_nodes; i++) {
		if (g->nodes[i].op != op)
			continue;
		assert_null(found);
		found = &g->nodes[i];
	}
	assert_non_null(found);
	return found;
}

/* The tensor with that name. */
static const eml_tensor *tensor_named(const eml_graph *g, const char *name)
{
	for (uint32_t i = 0; i < g->n_tensors; i++)
		if (strcmp(g->tensors[i].name, name) == 0)
			return &g->tensors[i];
	fail_msg("no tensor '%s'", name);
	return NULL;
}

/* Input k of node as a tensor. */
static const eml_tensor *in_tensor(const eml_graph *g, const eml_node *n, uint32_t k)
{
	assert_true(k < n->n_inputs);
	assert_true(n->inputs[k] < g->n_tensors);
	return &g->tensors[n->inputs[k]];
}

/* Float element k of a constant. */
static float f32_at(const eml_tensor *t, size_t k)
{
	float v;
	assert_true(t->flags & EML_TF_CONSTANT);
	assert_true((k + 1) * 4 <= t->data_size);
	memcpy(&v, (const uint8_t *)t->data + k * 4, 4);
	return v;
}

static int64_t i64_at(const eml_tensor *t, size_t k)
{
	int64_t v;
	assert_true(t->flags & EML_TF_CONSTANT);
	assert_true((k + 1) * 8 <= t->data_size);
	memcpy(&v, (const uint8_t *)t->data + k * 8, 8);
	return v;
}

/* Checks that msg contains part. */
static void assert_contains(const char *msg, const char *part)
{
	if (!strstr(msg, part))
		fail_msg("message '%s' does not contain '%s'", msg, part);
}

static int teardown(void **state)
{
	(void)state;
	arena_free();
	return 0;
}

/* ---- ONNX node tests ------------------------------------------------------------------ */

/* Converts a node test's model.onnx. */
static edgeml_status convert_node_test(const char *test, const eml_convert_options *opt,
				       eml_converted **out)
{
	char path[512];
	snprintf(path, sizeof(path), NODE_DIR "%s/model.onnx", test);
	return eml_convert_file(path, opt, out);
}

static void test_node_relu(void **state)
{
	(void)state;
	eml_converted *c;
	assert_int_equal(convert_node_test("test_relu", NULL, &c), EDGEML_OK);
	const eml_graph *g = &c->graph;
	assert_int_equal(g->n_nodes, 1);
	assert_int_equal(g->nodes[0].op, EML_OP_Relu);
	assert_int_equal(g->n_inputs, 1);
	const eml_tensor *x = &g->tensors[g->inputs[0]];
	assert_string_equal(x->name, "x");
	assert_int_equal(x->rank, 3);
	assert_int_equal(x->dims[0], 3);
	assert_int_equal(x->dims[2], 5);
	assert_int_equal(x->flags & EML_TF_INPUT, EML_TF_INPUT);
	const eml_tensor *y = &g->tensors[g->outputs[0]];
	assert_int_equal(y->dtype, EDGEML_DTYPE_FLOAT32);
	assert_int_equal(y->dims[1], 4);
	eml_converted_free(c);
}

static void test_node_conv_strides(void **state)
{
	(void)state;
	eml_converted *c;
	assert_int_equal(convert_node_test("test_conv_with_strides_padding", NULL, &c), EDGEML_OK);
	const eml_graph *g = &c->graph;
	const eml_node *n = only_node(g, EML_OP_Conv);
	const int64_t *v = NULL;
	uint32_t count = 0;
	assert_int_equal(eml_attr_ints(n, "strides", &v, &count), EDGEML_OK);
	assert_int_equal(count, 2);
	assert_int_equal(v[0], 2);
	/* x [1,1,7,5], W [1,1,3,3], pads 1, strides 2 → [1,1,4,3] as ONNX's output_0.pb. */
	const eml_tensor *y = &g->tensors[g->outputs[0]];
	assert_int_equal(y->rank, 4);
	assert_int_equal(y->dims[2], 4);
	assert_int_equal(y->dims[3], 3);
	eml_converted_free(c);
}

static void test_node_qlinearconv(void **state)
{
	(void)state;
	eml_converted *c;
	assert_int_equal(convert_node_test("test_qlinearconv", NULL, &c), EDGEML_OK);
	const eml_graph *g = &c->graph;
	const eml_node *n = only_node(g, EML_OP_QLinearConv);
	assert_int_equal(n->n_inputs, 8);
	/* The node test passes weights and scales as graph inputs: they stay inputs. */
	assert_int_equal(g->n_inputs, 8);
	const eml_tensor *y = &g->tensors[g->outputs[0]];
	assert_int_equal(y->dtype, EDGEML_DTYPE_UINT8);
	assert_int_equal(y->dims[2], 7);
	eml_converted_free(c);
}

static void test_node_softmax_axis0(void **state)
{
	(void)state;
	eml_converted *c;
	/* Opset 13: axis 0 is a real axis, no rewrite. */
	assert_int_equal(convert_node_test("test_softmax_axis_0", NULL, &c), EDGEML_OK);
	const eml_node *n = only_node(&c->graph, EML_OP_Softmax);
	int64_t axis;
	assert_int_equal(eml_attr_int(n, "axis", -1, &axis), EDGEML_OK);
	assert_int_equal(axis, 0);
	assert_int_equal(c->graph.n_nodes, 1);
	eml_converted_free(c);
}

static void test_node_clip(void **state)
{
	(void)state;
	static const char *const tests[] = { "test_clip", "test_clip_default_min",
					     "test_clip_default_max", "test_clip_example",
					     "test_clip_default_inbounds" };
	for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		eml_converted *c;
		assert_int_equal(convert_node_test(tests[i], NULL, &c), EDGEML_OK);
		const eml_node *n = only_node(&c->graph, EML_OP_Clip);
		assert_true(n->n_inputs >= 1 && n->n_inputs <= 3);
		eml_converted_free(c);
	}
}

static void test_node_squeeze(void **state)
{
	(void)state;
	eml_converted *c;
	/* axes is a graph input: shapes must be static, so it needs --constant. */
	assert_int_equal(convert_node_test("test_squeeze", NULL, &c), EDGEML_ERR_UNSUPPORTED);
	assert_null(c);
	assert_contains(edgeml_last_error(), "Squeeze");
	assert_contains(edgeml_last_error(), "--constant axes=");
	eml_tensor axes;
	assert_int_equal(eml_convert_read_tensor_file(
				 NODE_DIR "test_squeeze/test_data_set_0/input_1.pb", &axes),
			 EDGEML_OK);
	axes.name = "axes";
	eml_convert_options opt = { .constants = &axes, .n_constants = 1 };
	assert_int_equal(convert_node_test("test_squeeze", &opt, &c), EDGEML_OK);
	free((void *)axes.data);
	const eml_graph *g = &c->graph;
	assert_int_equal(g->n_inputs, 1);
	const eml_tensor *y = &g->tensors[g->outputs[0]];
	/* x [1,3,4,5] squeezed on axis 0 */
	assert_int_equal(y->rank, 3);
	assert_int_equal(y->dims[0], 3);
	assert_int_equal(y->dims[2], 5);
	eml_converted_free(c);
}

/* The same through the public calls (edgeml_convert.h), as `edgeml convert --constant` makes
 * them: the TensorProto parsed, the model converted, written and loaded. */
static void test_public_convert(void **state)
{
	(void)state;
	FILE *f = fopen(NODE_DIR "test_squeeze/test_data_set_0/input_1.pb", "rb");
	assert_non_null(f);
	uint8_t buf[4096];
	size_t len = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	edgeml_convert_constant axes;
	assert_int_equal(edgeml_convert_parse_tensor(buf, len, "axes.pb", &axes), EDGEML_OK);
	assert_int_equal(axes.dtype, EDGEML_DTYPE_INT64);
	assert_int_equal(axes.rank, 1);
	axes.name = "axes";
	edgeml_convert_options opt = { .constants = &axes, .n_constants = 1 };
	edgeml_converted *conv;
	const char *onnx = NODE_DIR "test_squeeze/model.onnx";
	assert_int_equal(edgeml_convert(onnx, NULL, &conv), EDGEML_ERR_UNSUPPORTED);
	assert_null(conv);
	assert_int_equal(edgeml_convert(onnx, &opt, &conv), EDGEML_OK);
	free((void *)axes.data);
	assert_int_equal(edgeml_converted_node_count(conv), 1);
	assert_true(edgeml_converted_tensor_count(conv) >= 2);
	char path[] = "/tmp/edgeml-convert-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(edgeml_converted_write(conv, path), EDGEML_OK);
	edgeml_converted_free(conv);
	edgeml_model *m;
	assert_int_equal(edgeml_model_load_file(NULL, path, &m), EDGEML_OK);
	assert_int_equal(edgeml_model_input_count(m), 1);
	edgeml_model_free(m);
	unlink(path);
	assert_int_equal(edgeml_convert_parse_tensor("junk", 4, "junk.pb", &axes),
			 EDGEML_ERR_FORMAT);
	assert_non_null(strstr(edgeml_last_error(), "junk.pb"));
}

/* ---- QDQ folding ------------------------------------------------------------------------ */

static void test_qdq_conv_relu_per_channel(void **state)
{
	(void)state;
	builder b = { .opset = 13 };
	int64_t xd[4] = { 1, 2, 5, 5 }, wd[4] = { 3, 2, 3, 3 }, cd[1] = { 3 };
	int8_t w[54];
	for (int i = 0; i < 54; i++)
		w[i] = (int8_t)(i % 7 - 3);
	float ws[3] = { 0.01f, 0.02f, 0.03f };
	int8_t wz[3] = { 0, 0, 0 };
	const float xs = 0.1f;
	float bs[3] = { xs * ws[0], xs * ws[1], xs * ws[2] };
	int32_t bias[3] = { 10, -20, 30 };
	input(&b, "x", ONNX__TENSOR_PROTO__DATA_TYPE__UINT8, 4, xd);
	init_f32(&b, "xs", xs);
	init_u8(&b, "xz", 128);
	init_raw(&b, "w", ONNX__TENSOR_PROTO__DATA_TYPE__INT8, 4, wd, w, sizeof(w));
	init_raw(&b, "ws", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 1, cd, ws, sizeof(ws));
	init_raw(&b, "wz", ONNX__TENSOR_PROTO__DATA_TYPE__INT8, 1, cd, wz, sizeof(wz));
	init_raw(&b, "b", ONNX__TENSOR_PROTO__DATA_TYPE__INT32, 1, cd, bias, sizeof(bias));
	init_raw(&b, "bs", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 1, cd, bs, sizeof(bs));
	init_f32(&b, "ys", 0.05f);
	init_u8(&b, "yz", 3);
	node(&b, "DequantizeLinear", "dqx", "x,xs,xz", "xf");
	attr_int(node(&b, "DequantizeLinear", "dqw", "w,ws,wz", "wf"), "axis", 0);
	attr_int(node(&b, "DequantizeLinear", "dqb", "b,bs", "bf"), "axis", 0);
	int64_t pads[4] = { 1, 1, 1, 1 };
	attr_ints(node(&b, "Conv", "conv1", "xf,wf,bf", "c"), "pads", 4, pads);
	node(&b, "Relu", "relu1", "c", "r");
	node(&b, "QuantizeLinear", "q1", "r,ys,yz", "y");
	output(&b, "y");
	eml_converted *c;
	assert_int_equal(convert(&b, NULL, &c), EDGEML_OK);
	const eml_graph *g = &c->graph;
	assert_int_equal(g->n_nodes, 1);
	const eml_node *n = only_node(g, EML_OP_QLinearConv);
	assert_string_equal(n->name, "conv1");
	assert_int_equal(n->n_inputs, 9);
	assert_string_equal(in_tensor(g, n, 0)->name, "x");
	assert_string_equal(in_tensor(g, n, 3)->name, "w");
	assert_string_equal(in_tensor(g, n, 4)->name, "ws");
	assert_string_equal(in_tensor(g, n, 5)->name, "wz");
	assert_string_equal(in_tensor(g, n, 6)->name, "ys");
	assert_string_equal(in_tensor(g, n, 8)->name, "b");
	float amin;
	assert_int_equal(eml_attr_float(n, "activation_min", -1.0f, &amin), EDGEML_OK);
	assert_true(amin == 0.0f);
	assert_null(eml_node_attr(n, "activation_max"));
	const int64_t *p = NULL;
	uint32_t count = 0;
	assert_int_equal(eml_attr_ints(n, "pads", &p, &count), EDGEML_OK);
	assert_int_equal(count, 4);
	/* The output keeps Q's name, type and shape [1,3,5,5] (pads 1, kernel 3). */
	const eml_tensor *y = &g->tensors[n->outputs[0]];
	assert_string_equal(y->name, "y");
	assert_int_equal(y->dtype, EDGEML_DTYPE_UINT8);
	assert_int_equal(y->dims[1], 3);
	assert_int_equal(y->dims[3], 5);
	/* Quantization parameters for users: from the DQ after x and the Q before y. */
	const eml_tensor *x = tensor_named(g, "x");
	assert_int_equal(x->q_count, 1);
	assert_true(x->q_scales[0] == 0.1f);
	assert_int_equal(x->q_zero_points[0], 128);
	assert_int_equal(y->q_count, 1);
	assert_true(y->q_scales[0] == 0.05f);
	assert_int_equal(y->q_zero_points[0], 3);
	eml_converted_free(c);
}

static void test_qdq_conv_bad_bias_scale_stays_float(void **state)
{
	(void)state;
	builder b = { .opset = 13 };
	int64_t xd[4] = { 1, 1, 3, 3 }, wd[4] = { 1, 1, 1, 1 }, cd[1] = { 1 };
	int8_t w = 2;
	int32_t bias = 5;
	input(&b, "x", ONNX__TENSOR_PROTO__DATA_TYPE__UINT8, 4, xd);
	init_f32(&b, "xs", 0.1f);
	init_u8(&b, "xz", 0);
	init_raw(&b, "w", ONNX__TENSOR_PROTO__DATA_TYPE__INT8, 4, wd, &w, 1);
	init_f32(&b, "ws", 0.5f);
	init_raw(&b, "b", ONNX__TENSOR_PROTO__DATA_TYPE__INT32, 1, cd, &bias, 4);
	init_f32(&b, "bs", 0.3f); /* not 0.1 * 0.5: QLinearConv cannot take this bias */
	init_f32(&b, "ys", 0.2f);
	init_u8(&b, "yz", 0);
	node(&b, "DequantizeLinear", "dqx", "x,xs,xz", "xf");
	node(&b, "DequantizeLinear", "dqw", "w,ws", "wf");
	node(&b, "DequantizeLinear", "dqb", "b,bs", "bf");
	node(&b, "Conv", "conv", "xf,wf,bf", "c");
	node(&b, "QuantizeLinear", "q", "c,ys,yz", "y");
	output(&b, "y");
	eml_converted *c;
	assert_int_equal(convert(&b, NULL, &c), EDGEML_OK);
	const eml_graph *g = &c->graph;
	for (uint32_t i = 0; i < g->n_nodes; i++)
		assert_int_not_equal(g->nodes[i].op, EML_OP_QLinearConv);
	only_node(g, EML_OP_Conv);
	only_node(g, EML_OP_QuantizeLinear);
	eml_converted_free(c);
}

static void test_qdq_matmul(void **state)
{
	(void)state;
	builder b = { .opset = 13 };
	int64_t ad[2] = { 2, 4 }, bd[2] = { 4, 3 };
	int8_t w[12] = { 1, -2, 3, -4, 5, -6, 7, -8, 9, -10, 11, -12 };
	input(&b, "a", ONNX__TENSOR_PROTO__DATA_TYPE__INT8, 2, ad);
	init_f32(&b, "as", 0.25f);
	init_i8(&b, "az", -1);
	init_raw(&b, "w", ONNX__TENSOR_PROTO__DATA_TYPE__INT8, 2, bd, w, sizeof(w));
	init_f32(&b, "ws", 0.125f);
	init_f32(&b, "ys", 0.5f);
	init_i8(&b, "yz", 0);
	node(&b, "DequantizeLinear", "dqa", "a,as,az", "af");
	node(&b, "DequantizeLinear", "dqw", "w,ws", "wf");
	node(&b, "MatMul", "mm", "af,wf", "m");
	node(&b, "QuantizeLinear", "q", "m,ys,yz", "y");
	output(&b, "y");
	eml_converted *c;
	assert_int_equal(convert(&b, NULL, &c), EDGEML_OK);
	const eml_graph *g = &c->graph;
	assert_int_equal(g->n_nodes, 1);
	const eml_node *n = only_node(g, EML_OP_QLinearMatMul);
	assert_int_equal(n->n_inputs, 8);
	assert_string_equal(in_tensor(g, n, 0)->name, "a");
	assert_string_equal(in_tensor(g, n, 3)->name, "w");
	/* The absent weight zero point became an int8 zero constant. */
	const eml_tensor *wz = in_tensor(g, n, 5);
	assert_int_equal(wz->dtype, EDGEML_DTYPE_INT8);
	assert_true(wz->flags & EML_TF_CONSTANT);
	assert_int_equal(((const int8_t *)wz->data)[0], 0);
	const eml_tensor *y = &g->tensors[n->outputs[0]];
	assert_int_equal(y->dtype, EDGEML_DTYPE_INT8);
	assert_int_equal(y->dims[0], 2);
	assert_int_equal(y->dims[1], 3);
	eml_converted_free(c);
}

static void test_qdq_add_concat_maxpool(void **state)
{
	(void)state;
	builder b = { .opset = 13 };
	int64_t xd[4] = { 1, 2, 4, 4 };
	input(&b, "x1", ONNX__TENSOR_PROTO__DATA_TYPE__UINT8, 4, xd);
	input(&b, "x2", ONNX__TENSOR_PROTO__DATA_TYPE__UINT8, 4, xd);
	init_f32(&b, "s", 0.1f);
	init_u8(&b, "z", 10);
	init_f32(&b, "s2", 0.2f);
	node(&b, "DequantizeLinear", "d1", "x1,s,z", "f1");
	node(&b, "DequantizeLinear", "d2", "x2,s,z", "f2");
	node(&b, "Add", "add", "f1,f2", "sum");
	node(&b, "QuantizeLinear", "qa", "sum,s2,z", "qsum");
	/* Concat of x1 and x2 with Y's parameters equal to theirs: plain Concat on uint8. */
	attr_int(node(&b, "Concat", "cat", "f1,f2", "catf"), "axis", 1);
	node(&b, "QuantizeLinear", "qc", "catf,s,z", "qcat");
	/* MaxPool with equal parameters on both sides: MaxPool on uint8. */
	node(&b, "DequantizeLinear", "d3", "qcat,s,z", "f3");
	int64_t k[2] = { 2, 2 };
	attr_ints(node(&b, "MaxPool", "pool", "f3", "pf"), "kernel_shape", 2, k);
	node(&b, "QuantizeLinear", "qp", "pf,s,z", "qpool");
	output(&b, "qsum");
	output(&b, "qpool");
	eml_converted *c;
	assert_int_equal(convert(&b, NULL, &c), EDGEML_OK);
	const eml_graph *g = &c->graph;
	assert_int_equal(g->n_nodes, 3);
	const eml_node *add = only_node(g, EML_OP_QLinearAdd);
	assert_int_equal(add->n_inputs, 8);
	assert_string_equal(in_tensor(g, add, 6)->name, "s2");
	const eml_node *cat = only_node(g, EML_OP_Concat);
	assert_string_equal(in_tensor(g, cat, 0)->name, "x1");
	assert_int_equal(g->tensors[cat->outputs[0]].dtype, EDGEML_DTYPE_UINT8);
	assert_int_equal(g->tensors[cat->outputs[0]].dims[1], 4);
	const eml_node *pool = only_node(g, EML_OP_MaxPool);
	assert_string_equal(in_tensor(g, pool, 0)->name, "qcat");
	assert_string_equal(g->tensors[pool->outputs[0]].name, "qpool");
	eml_converted_free(c);
}

static void test_qdq_sigmoid_lookup(void **state)
{
	(void)state;
	builder b = { .opset = 13 };
	int64_t xd[2] = { 1, 8 };
	input(&b, "x", ONNX__TENSOR_PROTO__DATA_TYPE__UINT8, 2, xd);
	init_f32(&b, "xs", 0.1f);
	init_u8(&b, "xz", 128);
	init_f32(&b, "ys", 1.0f / 256.0f);
	init_u8(&b, "yz", 0);
	node(&b, "DequantizeLinear", "dq", "x,xs,xz", "xf");
	node(&b, "Sigmoid", "sig", "xf", "sf");
	node(&b, "QuantizeLinear", "q", "sf,ys,yz", "y");
	output(&b, "y");
	eml_converted *c;
	assert_int_equal(convert(&b, NULL, &c), EDGEML_OK);
	const eml_graph *g = &c->graph;
	assert_int_equal(g->n_nodes, 1);
	const eml_node *n = only_node(g, EML_OP_QLinearLookup);
	const eml_tensor *table = in_tensor(g, n, 1);
	assert_int_equal(table->dtype, EDGEML_DTYPE_UINT8);
	assert_int_equal(table->data_size, 256);
	const uint8_t *t = table->data;
	/* code 128 is 0.0: sigmoid 0.5 = 128/256; code 0 is -12.8: ~0.0000028*256 rounds
	 * to 0; code 255 is 12.7: 256 * (1 - 3e-6) rounds to 256 and saturates at 255;
	 * code 138 is 1.0: 0.7310586 * 256 = 187.15 → 187. */
	assert_int_equal(t[128], 128);
	assert_int_equal(t[0], 0);
	assert_int_equal(t[255], 255);
	assert_int_equal(t[138], 187);
	for (int i = 1; i < 256; i++)
		assert_true(t[i] >= t[i - 1]);
	eml_converted_free(c);
}

/* A quantized swish, y = x * act(x) over a [1, 256] input of dtype (uint8 or int8): the
 * activation's Q output also a graph output when keep (so that it cannot fold), the
 * activation on Mul's second input unless swap. */
static void swish_graph(builder *b, int dtype, int keep, int swap, const char *act)
{
	int64_t xd[2] = { 1, 256 };
	int u8 = dtype == ONNX__TENSOR_PROTO__DATA_TYPE__UINT8;
	input(b, "x", dtype, 2, xd);
	init_f32(b, "xs", 0.05f);
	init_f32(b, "ss", 1.0f / 256.0f);
	init_f32(b, "ms", 0.03f);
	if (u8) {
		init_u8(b, "xz", 128);
		init_u8(b, "sz", 0);
		init_u8(b, "mz", 10);
	} else {
		init_i8(b, "xz", 3);
		init_i8(b, "sz", -128);
		init_i8(b, "mz", -5);
	}
	node(b, "DequantizeLinear", "dx", "x,xs,xz", "xf");
	node(b, act, "act", "xf", "af");
	node(b, "QuantizeLinear", "qa", "af,ss,sz", "aq");
	node(b, "DequantizeLinear", "da", "aq,ss,sz", "af2");
	node(b, "Mul", "mul", swap ? "af2,xf" : "xf,af2", "mf");
	node(b, "QuantizeLinear", "qm", "mf,ms,mz", "y");
	output(b, "y");
	if (keep)
		output(b, "aq");
}

/* Converts b through the public API and runs it on every input byte 0..255 with the session
 * flags: out["y"]. */
static void run_all_bytes_flags(builder *b, uint8_t out[256], uint32_t flags)
{
	size_t len;
	uint8_t *buf = build(b, &len);
	char onnx[] = "/tmp/edgeml-swish-XXXXXX", eml[] = "/tmp/edgeml-swish-eml-XXXXXX";
	int fd = mkstemp(onnx);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
	close(fd);
	fd = mkstemp(eml);
	assert_true(fd >= 0);
	close(fd);
	edgeml_converted *conv;
	assert_int_equal(edgeml_convert(onnx, NULL, &conv), EDGEML_OK);
	assert_int_equal(edgeml_converted_write(conv, eml), EDGEML_OK);
	edgeml_converted_free(conv);
	edgeml_model *m;
	edgeml_session *s;
	edgeml_tensor *in, *y;
	assert_int_equal(edgeml_model_load_file(NULL, eml, &m), EDGEML_OK);
	edgeml_session_options opt;
	edgeml_session_options_init(&opt);
	opt.backend = EDGEML_BACKEND_CPU;
	opt.flags = flags;
	assert_int_equal(edgeml_session_create(m, &opt, &s), EDGEML_OK);
	assert_int_equal(edgeml_session_input(s, 0, &in), EDGEML_OK);
	uint8_t *x = edgeml_tensor_data(in);
	for (int i = 0; i < 256; i++)
		x[i] = (uint8_t)i;
	assert_int_equal(edgeml_session_run(s), EDGEML_OK);
	assert_int_equal(edgeml_session_output_by_name(s, "y", &y), EDGEML_OK);
	memcpy(out, edgeml_tensor_data(y), 256);
	edgeml_session_destroy(s);
	edgeml_model_free(m);
	unlink(onnx);
	unlink(eml);
}

/* The same with the default session (the fast kernels). */
static void run_all_bytes(builder *b, uint8_t out[256])
{
	run_all_bytes_flags(b, out, 0);
}

/* A quantized swish (x * sigmoid(x), x * hardsigmoid(x), either operand order, both 8-bit
 * types) folds into one QLinearLookup whose every byte is what QLinearLookup then QLinearMul
 * give (the same graph with the activation also an output, which keeps them apart). */
static void test_qdq_swish_lookup(void **state)
{
	(void)state;
	static const char *const acts[2] = { "Sigmoid", "HardSigmoid" };
	for (int v = 0; v < 8; v++) {
		int dtype = v % 2 ? ONNX__TENSOR_PROTO__DATA_TYPE__INT8 :
				    ONNX__TENSOR_PROTO__DATA_TYPE__UINT8;
		int swap = v / 2 % 2;
		const char *act = acts[v / 4];
		builder b = { .opset = 13 };
		swish_graph(&b, dtype, 0, swap, act);
		eml_converted *c;
		assert_int_equal(convert(&b, NULL, &c), EDGEML_OK);
		assert_int_equal(c->graph.n_nodes, 1);
		const eml_node *n = only_node(&c->graph, EML_OP_QLinearLookup);
		assert_string_equal(in_tensor(&c->graph, n, 0)->name, "x");
		eml_converted_free(c);
		builder k = { .opset = 13 };
		swish_graph(&k, dtype, 1, swap, act);
		assert_int_equal(convert(&k, NULL, &c), EDGEML_OK);
		assert_int_equal(c->graph.n_nodes, 2); /* QLinearLookup, QLinearMul */
		only_node(&c->graph, EML_OP_QLinearMul);
		eml_converted_free(c);
		uint8_t fused[256], apart[256];
		run_all_bytes(&b, fused);
		run_all_bytes(&k, apart);
		for (int i = 0; i < 256; i++)
			if (fused[i] != apart[i])
				fail_msg("%s %s swap %d: byte %d: fused %d, apart %d", act,
					 v % 2 ? "int8" : "uint8", swap, i, fused[i], apart[i]);
	}
}

/* DQ → Softmax(axis 1 of 3) → Q folds into QLinearSoftmax with Softmax's axis; an opset-11
 * Softmax (2-D coercion) is left as float. */
static void test_qdq_softmax(void **state)
{
	(void)state;
	for (int old = 0; old < 2; old++) {
		builder b = { .opset = old ? 11 : 13 };
		int64_t xd[3] = { 1, 4, 3 };
		input(&b, "x", ONNX__TENSOR_PROTO__DATA_TYPE__INT8, 3, xd);
		init_f32(&b, "xs", 0.05f);
		init_i8(&b, "xz", 3);
		init_f32(&b, "ys", 1.0f / 255.0f);
		init_i8(&b, "yz", -128);
		node(&b, "DequantizeLinear", "dq", "x,xs,xz", "xf");
		attr_int(node(&b, "Softmax", "sm", "xf", "sf"), "axis", 1);
		node(&b, "QuantizeLinear", "q", "sf,ys,yz", "y");
		output(&b, "y");
		eml_converted *c;
		assert_int_equal(convert(&b, NULL, &c), EDGEML_OK);
		const eml_graph *g = &c->graph;
		if (old) {
			assert_non_null(only_node(g, EML_OP_Softmax));
			eml_converted_free(c);
			continue;
		}
		assert_int_equal(g->n_nodes, 1);
		const eml_node *n = only_node(g, EML_OP_QLinearSoftmax);
		int64_t axis;
		assert_int_equal(eml_attr_int(n, "axis", -1, &axis), EDGEML_OK);
		assert_int_equal(axis, 1);
		assert_int_equal(n->n_inputs, 5);
		assert_int_equal(in_tensor(g, n, 0)->dtype, EDGEML_DTYPE_INT8);
		assert_string_equal(g->tensors[n->outputs[0]].name, "y");
		eml_converted_free(c);
	}
}

/* ---- float rewrites --------------------------------------------------------------------- */

static void test_conv_batchnorm(void **state)
{
	(void)state;
	builder b = { .opset = 13 };
	int64_t xd[4] = { 1, 1, 2, 2 }, wd[4] = { 2, 1, 1, 1 }, cd[1] = { 2 };
	float w[2] = { 2.0f, 3.0f }, bias[2] = { 1.0f, -1.0f };
	float sc[2] = { 0.5f, 2.0f }, bb[2] = { 0.1f, 0.2f }, mean[2] = { 1.0f, 2.0f };
	float var[2] = { 3.0f, 0.25f };
	input(&b, "x", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 4, xd);
	init_raw(&b, "w", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 4, wd, w, sizeof(w));
	init_raw(&b, "b", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 1, cd, bias, sizeof(bias));
	init_raw(&b, "sc", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 1, cd, sc, sizeof(sc));
	init_raw(&b, "bb", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 1, cd, bb, sizeof(bb));
	init_raw(&b, "mean", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 1, cd, mean, sizeof(mean));
	init_raw(&b, "var", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 1, cd, var, sizeof(var));
	node(&b, "Conv", "conv", "x,w,b", "c");
	attr_float(node(&b, "BatchNormalization", "bn", "c,sc,bb,mean,var", "n"), "epsilon", 0.01f);
	node(&b, "Relu", "relu", "n", "y");
	output(&b, "y");
	eml_converted *c;
	assert_int_equal(convert(&b, NULL, &c), EDGEML_OK);
	const eml_graph *g = &c->graph;
	/* Conv + BN + Relu is one Conv with activation_min 0. */
	assert_int_equal(g->n_nodes, 1);
	const eml_node *n = only_node(g, EML_OP_Conv);
	float amin;
	assert_int_equal(eml_attr_float(n, "activation_min", -1.0f, &amin), EDGEML_OK);
	assert_true(amin == 0.0f);
	assert_string_equal(g->tensors[n->outputs[0]].name, "y");
	/* inv = scale / sqrt(var + eps): 0.5/sqrt(3.01), 2/sqrt(0.26) */
	double inv0 = 0.5 / sqrt(3.01), inv1 = 2.0 / sqrt(0.26);
	const eml_tensor *nw = in_tensor(g, n, 1), *nb = in_tensor(g, n, 2);
	assert_float_equal(f32_at(nw, 0), 2.0 * inv0, 1e-5);
	assert_float_equal(f32_at(nw, 1), 3.0 * inv1, 1e-5);
	assert_float_equal(f32_at(nb, 0), (1.0 - 1.0) * inv0 + 0.1, 1e-5);
	assert_float_equal(f32_at(nb, 1), (-1.0 - 2.0) * inv1 + 0.2, 1e-5);
	eml_converted_free(c);
}

/* ---- HardSigmoid(1/6, 1/2) times its input into HardSwish (pass_hswish) --------------- */

enum {
	HS_MUL_XH,       /* Mul(x, h): folded */
	HS_MUL_HX,       /* Mul(h, x): folded */
	HS_ALPHA,        /* alpha 0.2 (the ONNX default): kept */
	HS_BETA,         /* beta 0.6: kept */
	HS_H_OUTPUT,     /* h is also a graph output: kept */
	HS_H_READER,     /* h is also read by a Relu: kept */
	HS_OTHER_FACTOR, /* Mul(h, w), w another input: kept */
	HS_VARIANTS
};

static const int64_t hs_dims[4] = { 1, 3, 9, 13 }; /* 351 values: vector bodies and tails */
#define HS_N (3 * 9 * 13)

/* x -> HardSigmoid -> h; Mul of x and h -> y, in the form variant v says. */
static void hswish_model(builder *b, int v)
{
	input(b, "x", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 4, hs_dims);
	if (v == HS_OTHER_FACTOR)
		input(b, "w", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 4, hs_dims);
	Onnx__NodeProto *h = node(b, "HardSigmoid", "hs", "x", "h");
	attr_float(h, "alpha", v == HS_ALPHA ? 0.2f : 1.0f / 6.0f);
	attr_float(h, "beta", v == HS_BETA ? 0.6f : 0.5f);
	node(b, "Mul", "mul",
	     v == HS_MUL_HX ? "h,x" : v == HS_OTHER_FACTOR ? "h,w" : "x,h", "y");
	output(b, "y");
	if (v == HS_H_OUTPUT)
		output(b, "h");
	if (v == HS_H_READER) {
		node(b, "Relu", "relu", "h", "z");
		output(b, "z");
	}
}

/* The fold fires for Mul(x, h) and Mul(h, x) only: another alpha or beta, a second reader of
 * h (graph output or node), or another factor keep both nodes as they were. */
static void test_hardsigmoid_mul_hardswish(void **state)
{
	(void)state;
	for (int v = 0; v < HS_VARIANTS; v++) {
		builder b = { .opset = 13 };
		hswish_model(&b, v);
		eml_converted *c;
		assert_int_equal(convert(&b, NULL, &c), EDGEML_OK);
		const eml_graph *g = &c->graph;
		if (v == HS_MUL_XH || v == HS_MUL_HX) {
			assert_int_equal(g->n_nodes, 1);
			const eml_node *n = only_node(g, EML_OP_HardSwish);
			assert_int_equal(n->n_inputs, 1);
			assert_int_equal(n->n_attrs, 0);
			assert_string_equal(g->tensors[n->outputs[0]].name, "y");
			assert_string_equal(g->tensors[n->inputs[0]].name, "x");
		} else {
			assert_int_equal(g->n_nodes, v == HS_H_READER ? 3 : 2);
			const eml_node *h = only_node(g, EML_OP_HardSigmoid);
			assert_int_equal(h->n_attrs, 2);
			only_node(g, EML_OP_Mul);
			for (uint32_t k = 0; k < g->n_nodes; k++)
				assert_int_not_equal(g->nodes[k].op, EML_OP_HardSwish);
		}
		eml_converted_free(c);
	}
}

/* Converts b, runs it on the CPU (reference kernels or fast) with x as input "x" and reads
 * output "y" (n floats each). */
static void run_xy(builder *b, int reference, const float *x, size_t nx, float *y, size_t ny)
{
	eml_converted *c;
	if (convert(b, NULL, &c) != EDGEML_OK)
		fail_msg("convert: %s", edgeml_last_error());
	char path[] = "/tmp/edgeml-xy-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(edgeml_converted_write(c, path), EDGEML_OK);
	eml_converted_free(c);
	edgeml_model *m;
	assert_int_equal(edgeml_model_load_file(NULL, path, &m), EDGEML_OK);
	unlink(path);
	edgeml_session_options o;
	edgeml_session_options_init(&o);
	o.backend = EDGEML_BACKEND_CPU;
	o.threads = 1;
	o.flags = reference ? EDGEML_SESSION_REFERENCE_KERNELS : 0;
	edgeml_session *s;
	if (edgeml_session_create(m, &o, &s) != EDGEML_OK)
		fail_msg("session: %s", edgeml_last_error());
	edgeml_tensor *t;
	assert_int_equal(edgeml_session_input_by_name(s, "x", &t), EDGEML_OK);
	assert_int_equal(edgeml_tensor_write(t, x, nx * sizeof(float)), EDGEML_OK);
	assert_int_equal(edgeml_session_run(s), EDGEML_OK);
	assert_int_equal(edgeml_session_output_by_name(s, "y", &t), EDGEML_OK);
	assert_int_equal(edgeml_tensor_read(t, y, ny * sizeof(float)), EDGEML_OK);
	edgeml_session_destroy(s);
	edgeml_model_free(m);
}

/* Converts variant v, writes it, runs it on one thread (reference kernels when reference)
 * with x set to in, and copies y into out. */
static void run_hswish(int v, int reference, const float *in, float *out)
{
	builder b = { .opset = 13 };
	hswish_model(&b, v);
	run_xy(&b, reference, in, HS_N, out, HS_N);
}

/* The folded HardSwish (fast and reference kernels, either Mul order) gives the same bits as
 * the unfused HardSigmoid and Mul on the reference kernels: over [-5, 5] in steps that are not
 * round, the clamp's corners (+-3, 0, -0), infinities and a NaN with a payload. */
static void test_hardswish_fold_bit_identical(void **state)
{
	(void)state;
	static float x[HS_N], want[HS_N], got[HS_N];
	for (int i = 0; i < HS_N; i++)
		x[i] = -5.0f + (float)i * (10.0f / (HS_N - 1)) * 1.0001f;
	const float special[] = { 3.0f, -3.0f, 0.0f, -0.0f, INFINITY, -INFINITY,
				  nextafterf(3.0f, 0.0f), nextafterf(-3.0f, 0.0f), 1e-38f, -1e30f };
	for (size_t i = 0; i < sizeof(special) / sizeof(special[0]); i++)
		x[7 * i + 3] = special[i];
	uint32_t nan_bits = 0x7fc01234u;
	memcpy(&x[HS_N - 2], &nan_bits, 4);
	/* The unfused pair: h is also an output, so the pass leaves it. */
	run_hswish(HS_H_OUTPUT, 1, x, want);
	for (int v = HS_MUL_XH; v <= HS_MUL_HX; v++)
		for (int reference = 0; reference < 2; reference++) {
			memset(got, 0, sizeof(got));
			run_hswish(v, reference, x, got);
			for (int i = 0; i < HS_N; i++) {
				uint32_t a, e;
				memcpy(&a, &got[i], 4);
				memcpy(&e, &want[i], 4);
				if (a != e)
					fail_msg("variant %d reference %d: x[%d] = %a: HardSwish %08x, "
						 "HardSigmoid * x %08x",
						 v, reference, i, (double)x[i], a, e);
			}
		}
}

/* ---- Sigmoid, Swish, HardSwish of a Conv into its activation_fn (pass_activation_fn) ---- */

enum {
	AF_SWISH_CS,	/* Sigmoid(c) -> s, Mul(c, s): fused, Swish */
	AF_SWISH_SC,	/* Mul(s, c): fused, Swish */
	AF_SIGMOID,	/* Sigmoid(c) -> y: fused, Sigmoid */
	AF_HSWISH,	/* HardSigmoid(c, 1/6, 1/2), Mul(c, h): HardSwish, then fused */
	AF_RELU_SWISH,	/* Relu(c) then Swish: activation_min 0 and Swish */
	AF_C_OUTPUT,	/* c is also a graph output: nothing fused */
	AF_S_READER,	/* s is also read by a Relu: nothing fused */
	AF_OTHER_MUL,	/* Mul(s, x2), x2 the input: the Sigmoid fused, the Mul kept */
	AF_HSIG,	/* HardSigmoid(c, 0.3, 0.4) -> y: fused, HardSigmoid with its alpha, beta */
	AF_VARIANTS
};

static const int64_t af_x_dims[4] = { 1, 3, 9, 13 }, af_y_dims[4] = { 1, 5, 9, 13 };
#define AF_NX (3 * 9 * 13)
#define AF_NY (5 * 9 * 13)

/* x -> Conv 3x3 (5 channels, pads 1) -> c -> the activation of variant v -> y. */
static void activation_fn_model(builder *b, int v)
{
	static const int64_t wd[4] = { 5, 3, 3, 3 }, bd[1] = { 5 };
	float w[5 * 27], bias[5];
	for (int i = 0; i < 5 * 27; i++)
		w[i] = (float)((i * 37) % 23 - 11) * 0.0731f;
	for (int i = 0; i < 5; i++)
		bias[i] = (float)(i - 2) * 0.61f;
	input(b, "x", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 4, af_x_dims);
	if (v == AF_OTHER_MUL)
		input(b, "x2", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 4, af_y_dims);
	init_raw(b, "w", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 4, wd, w, sizeof(w));
	init_raw(b, "b", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 1, bd, bias, sizeof(bias));
	attr_ints(node(b, "Conv", "conv", "x,w,b", v == AF_RELU_SWISH ? "r" : "c"), "pads", 4,
		  (int64_t[]){ 1, 1, 1, 1 });
	if (v == AF_RELU_SWISH)
		node(b, "Relu", "relu", "r", "c");
	if (v == AF_HSWISH) {
		Onnx__NodeProto *h = node(b, "HardSigmoid", "hs", "c", "h");
		attr_float(h, "alpha", 1.0f / 6.0f);
		attr_float(h, "beta", 0.5f);
		node(b, "Mul", "mul", "c,h", "y");
	} else if (v == AF_SIGMOID) {
		node(b, "Sigmoid", "sig", "c", "y");
	} else if (v == AF_HSIG) {
		Onnx__NodeProto *h = node(b, "HardSigmoid", "hs", "c", "y");
		attr_float(h, "alpha", 0.3f);
		attr_float(h, "beta", 0.4f);
	} else {
		node(b, "Sigmoid", "sig", "c", "s");
		node(b, "Mul", "mul",
		     v == AF_SWISH_SC ? "s,c" : v == AF_OTHER_MUL ? "s,x2" : "c,s", "y");
	}
	output(b, "y");
	if (v == AF_C_OUTPUT)
		output(b, "c");
	if (v == AF_S_READER) {
		node(b, "Relu", "relu2", "s", "z");
		output(b, "z");
	}
}

/* The pass fires on a Conv's Sigmoid, Swish (either Mul order), HardSwish and HardSigmoid
 * (its alpha and beta carried over), after a Relu too; a second reader of the Conv's or
 * the Sigmoid's output keeps the nodes, another factor of the Mul keeps the Mul. */
static void test_conv_activation_fn(void **state)
{
	(void)state;
	static const int64_t want_fn[AF_VARIANTS] = { 2, 2, 1, 3, 2, 0, 0, 1, 4 };
	static const uint32_t want_nodes[AF_VARIANTS] = { 1, 1, 1, 1, 1, 3, 4, 2, 1 };
	for (int v = 0; v < AF_VARIANTS; v++) {
		builder b = { .opset = 13 };
		activation_fn_model(&b, v);
		eml_converted *c;
		assert_int_equal(convert(&b, NULL, &c), EDGEML_OK);
		const eml_graph *g = &c->graph;
		if (g->n_nodes != want_nodes[v])
			fail_msg("variant %d: %u nodes, want %u", v, g->n_nodes, want_nodes[v]);
		const eml_node *n = only_node(g, EML_OP_Conv);
		int64_t fn;
		assert_int_equal(eml_attr_int(n, "activation_fn", 0, &fn), EDGEML_OK);
		if (fn != want_fn[v])
			fail_msg("variant %d: activation_fn %lld, want %lld", v, (long long)fn,
				 (long long)want_fn[v]);
		float amin = -1.0f;
		assert_int_equal(eml_attr_float(n, "activation_min", -1.0f, &amin), EDGEML_OK);
		assert_true(amin == (v == AF_RELU_SWISH ? 0.0f : -1.0f));
		if (want_nodes[v] == 1)
			assert_string_equal(g->tensors[n->outputs[0]].name, "y");
		float alpha = 0.0f, beta = 0.0f;
		assert_int_equal(eml_attr_float(n, "activation_alpha", -1.0f, &alpha), EDGEML_OK);
		assert_int_equal(eml_attr_float(n, "activation_beta", -1.0f, &beta), EDGEML_OK);
		assert_true(alpha == (v == AF_HSIG ? 0.3f : -1.0f));
		assert_true(beta == (v == AF_HSIG ? 0.4f : -1.0f));
		eml_converted_free(c);
	}
}

/* A fused Conv gives the bits of the unfused nodes: on the reference kernels against the
 * reference's unfused nodes, on the fast kernels against the fast unfused nodes (the same
 * vector sigmoid and HardSwish); the fast one within 1e-6 of the reference. */
static void test_conv_activation_fn_bit_identical(void **state)
{
	(void)state;
	static float x[AF_NX], want[2][AF_NY], got[AF_NY];
	for (int i = 0; i < AF_NX; i++)
		x[i] = -5.0f + (float)i * (10.0f / (AF_NX - 1)) * 1.0001f;
	static const int fused[] = { AF_SWISH_CS, AF_SWISH_SC, AF_SIGMOID, AF_HSWISH, AF_HSIG };
	for (size_t f = 0; f < sizeof(fused) / sizeof(fused[0]); f++) {
		int v = fused[f];
		for (int reference = 0; reference < 2; reference++) {
			/* the same activation, unfused: the graph also outputs c */
			builder b = { .opset = 13 };
			activation_fn_model(&b, v);
			output(&b, "c");
			run_xy(&b, reference, x, AF_NX, want[reference], AF_NY);
			builder b2 = { .opset = 13 };
			activation_fn_model(&b2, v);
			run_xy(&b2, reference, x, AF_NX, got, AF_NY);
			for (int i = 0; i < AF_NY; i++)
				if (memcmp(&got[i], &want[reference][i], 4) != 0)
					fail_msg("variant %d reference %d: y[%d] fused %a, unfused %a",
						 v, reference, i, (double)got[i],
						 (double)want[reference][i]);
		}
		for (int i = 0; i < AF_NY; i++)
			if (!(fabsf(want[0][i] - want[1][i]) <= 1e-6f * (1.0f + fabsf(want[1][i]))))
				fail_msg("variant %d: y[%d] fast %a, reference %a", v, i,
					 (double)want[0][i], (double)want[1][i]);
	}
}

/* Conv -> Mul by a scalar -> Add of a scalar (PP-OCR's affine blocks) is one Conv; a Mul by
 * a vector along the width (not per channel) is not folded. */
static void test_conv_scalar_affine(void **state)
{
	(void)state;
	builder b = { .opset = 13 };
	int64_t xd[4] = { 1, 1, 2, 2 }, wd[4] = { 2, 1, 1, 1 }, cd[1] = { 2 }, sd[1] = { 1 };
	int64_t vd[3] = { 1, 1, 2 };
	float w[2] = { 2.0f, 3.0f }, bias[2] = { 1.0f, -1.0f }, sc[1] = { 0.5f }, sh[1] = { 4.0f };
	float vec[2] = { 1.0f, 2.0f };
	input(&b, "x", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 4, xd);
	init_raw(&b, "w", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 4, wd, w, sizeof(w));
	init_raw(&b, "b", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 1, cd, bias, sizeof(bias));
	init_raw(&b, "s", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 1, sd, sc, sizeof(sc));
	init_raw(&b, "t", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 1, sd, sh, sizeof(sh));
	init_raw(&b, "v", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 3, vd, vec, sizeof(vec));
	node(&b, "Conv", "conv", "x,w,b", "c");
	node(&b, "Mul", "mul", "s,c", "m");
	node(&b, "Add", "add", "m,t", "a");
	node(&b, "Mul", "mulv", "a,v", "y");
	output(&b, "y");
	eml_converted *c;
	assert_int_equal(convert(&b, NULL, &c), EDGEML_OK);
	const eml_graph *g = &c->graph;
	assert_int_equal(g->n_nodes, 2);
	const eml_node *n = only_node(g, EML_OP_Conv);
	const eml_tensor *nw = in_tensor(g, n, 1), *nb = in_tensor(g, n, 2);
	assert_float_equal(f32_at(nw, 0), 1.0, 0);
	assert_float_equal(f32_at(nw, 1), 1.5, 0);
	assert_float_equal(f32_at(nb, 0), 0.5 + 4.0, 0);
	assert_float_equal(f32_at(nb, 1), -0.5 + 4.0, 0);
	assert_string_equal(g->tensors[n->outputs[0]].name, "a");
	eml_converted_free(c);
}

/* ConvTranspose -> Add of a per-channel bias [M, 1, 1] -> BN -> Relu (PP-OCR det's head) is
 * one ConvTranspose with folded weights and bias and activation_min 0. W [C=2, M/group=1,
 * 1, 1] with group 2: output channel m reads W[m]. */
static void test_convtranspose_bias_bn_relu(void **state)
{
	(void)state;
	builder b = { .opset = 13 };
	int64_t xd[4] = { 1, 2, 2, 2 }, wd[4] = { 2, 1, 1, 1 }, cd[1] = { 2 }, ad[3] = { 2, 1, 1 };
	float w[2] = { 2.0f, 3.0f }, add[2] = { 1.0f, -1.0f };
	float sc[2] = { 0.5f, 2.0f }, bb[2] = { 0.1f, 0.2f }, mean[2] = { 1.0f, 2.0f };
	float var[2] = { 3.0f, 0.25f };
	input(&b, "x", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 4, xd);
	init_raw(&b, "w", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 4, wd, w, sizeof(w));
	init_raw(&b, "a", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 3, ad, add, sizeof(add));
	init_raw(&b, "sc", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 1, cd, sc, sizeof(sc));
	init_raw(&b, "bb", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 1, cd, bb, sizeof(bb));
	init_raw(&b, "mean", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 1, cd, mean, sizeof(mean));
	init_raw(&b, "var", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 1, cd, var, sizeof(var));
	attr_int(node(&b, "ConvTranspose", "ct", "x,w", "c"), "group", 2);
	node(&b, "Add", "add", "c,a", "d");
	attr_float(node(&b, "BatchNormalization", "bn", "d,sc,bb,mean,var", "n"), "epsilon", 0.01f);
	node(&b, "Relu", "relu", "n", "y");
	output(&b, "y");
	eml_converted *c;
	assert_int_equal(convert(&b, NULL, &c), EDGEML_OK);
	const eml_graph *g = &c->graph;
	assert_int_equal(g->n_nodes, 1);
	const eml_node *n = only_node(g, EML_OP_ConvTranspose);
	float amin;
	assert_int_equal(eml_attr_float(n, "activation_min", -1.0f, &amin), EDGEML_OK);
	assert_true(amin == 0.0f);
	double inv0 = 0.5 / sqrt(3.01), inv1 = 2.0 / sqrt(0.26);
	const eml_tensor *nw = in_tensor(g, n, 1), *nb = in_tensor(g, n, 2);
	assert_float_equal(f32_at(nw, 0), 2.0 * inv0, 1e-5);
	assert_float_equal(f32_at(nw, 1), 3.0 * inv1, 1e-5);
	assert_float_equal(f32_at(nb, 0), (1.0 - 1.0) * inv0 + 0.1, 1e-5);
	assert_float_equal(f32_at(nb, 1), (-1.0 - 2.0) * inv1 + 0.2, 1e-5);
	eml_converted_free(c);
}

/* Mul by a scalar -> Add of a scalar -> 1x1 Conv (PP-OCR's affine after an activation) is
 * the Conv alone: W' = W * s, b' = b + t * (sum of W's row); a 3x3 padded Conv keeps them. */
static void test_affine_into_pointwise_conv(void **state)
{
	(void)state;
	builder b = { .opset = 13 };
	int64_t xd[4] = { 1, 2, 3, 3 }, wd[4] = { 1, 2, 1, 1 }, cd[1] = { 1 }, sd[1] = { 1 };
	int64_t w3d[4] = { 1, 1, 3, 3 };
	float w[2] = { 2.0f, 3.0f }, bias[1] = { 1.0f }, sc[1] = { 0.5f }, sh[1] = { 4.0f };
	float w3[9] = { 1, 1, 1, 1, 1, 1, 1, 1, 1 };
	input(&b, "x", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 4, xd);
	init_raw(&b, "w", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 4, wd, w, sizeof(w));
	init_raw(&b, "b", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 1, cd, bias, sizeof(bias));
	init_raw(&b, "s", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 1, sd, sc, sizeof(sc));
	init_raw(&b, "t", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 1, sd, sh, sizeof(sh));
	init_raw(&b, "w3", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 4, w3d, w3, sizeof(w3));
	node(&b, "Relu", "relu", "x", "h");
	node(&b, "Mul", "mul", "h,s", "m");
	node(&b, "Add", "add", "t,m", "a");
	node(&b, "Conv", "conv", "a,w,b", "c");
	node(&b, "Relu", "relu2", "c", "h2");
	node(&b, "Mul", "mul2", "h2,s", "m2");
	attr_ints(node(&b, "Conv", "conv3", "m2,w3", "y"), "pads", 4,
		  (const int64_t[]){ 1, 1, 1, 1 });
	output(&b, "y");
	eml_converted *c;
	assert_int_equal(convert(&b, NULL, &c), EDGEML_OK);
	const eml_graph *g = &c->graph;
	/* relu, conv (+ relu2 fused), mul2, conv3 */
	assert_int_equal(g->n_nodes, 4);
	const eml_node *n = &g->nodes[1];
	assert_int_equal(n->op, EML_OP_Conv);
	const eml_tensor *nw = in_tensor(g, n, 1), *nb = in_tensor(g, n, 2);
	assert_float_equal(f32_at(nw, 0), 1.0, 0);
	assert_float_equal(f32_at(nw, 1), 1.5, 0);
	assert_float_equal(f32_at(nb, 0), 1.0 + 4.0 * 5.0, 0);
	assert_int_equal(g->nodes[2].op, EML_OP_Mul);
	eml_converted_free(c);
}

static void test_constant_folding_and_identity(void **state)
{
	(void)state;
	builder b = { .opset = 13 };
	int64_t xd[2] = { 1, 2 }, wd[2] = { 3, 2 };
	float w[6] = { 1, 2, 3, 4, 5, 6 }; /* [3,2]; transposed to [2,3] at conversion */
	input(&b, "x", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 2, xd);
	init_raw(&b, "w", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 2, wd, w, sizeof(w));
	node(&b, "Transpose", "t", "w", "wt");
	node(&b, "Identity", "id", "x", "xi");
	node(&b, "MatMul", "mm", "xi,wt", "m");
	node(&b, "Identity", "id_out", "m", "y");
	output(&b, "y");
	eml_converted *c;
	assert_int_equal(convert(&b, NULL, &c), EDGEML_OK);
	const eml_graph *g = &c->graph;
	assert_int_equal(g->n_nodes, 1);
	const eml_node *n = only_node(g, EML_OP_MatMul);
	assert_string_equal(in_tensor(g, n, 0)->name, "x");
	const eml_tensor *wt = in_tensor(g, n, 1);
	assert_int_equal(wt->dims[0], 2);
	assert_int_equal(wt->dims[1], 3);
	static const float want[6] = { 1, 3, 5, 2, 4, 6 };
	for (int i = 0; i < 6; i++)
		assert_true(f32_at(wt, (size_t)i) == want[i]);
	assert_string_equal(g->tensors[n->outputs[0]].name, "y");
	eml_converted_free(c);
}

static void test_softmax_opset11_rewrite(void **state)
{
	(void)state;
	builder b = { .opset = 11 };
	int64_t xd[3] = { 2, 3, 4 };
	input(&b, "x", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 3, xd);
	node(&b, "Softmax", "sm", "x", "y"); /* default axis 1: over [3,4] flattened */
	output(&b, "y");
	eml_converted *c;
	assert_int_equal(convert(&b, NULL, &c), EDGEML_OK);
	const eml_graph *g = &c->graph;
	assert_int_equal(g->n_nodes, 3);
	assert_int_equal(g->nodes[0].op, EML_OP_Reshape);
	assert_int_equal(g->nodes[1].op, EML_OP_Softmax);
	assert_int_equal(g->nodes[2].op, EML_OP_Reshape);
	const eml_tensor *s1 = in_tensor(g, &g->nodes[0], 1);
	assert_int_equal(i64_at(s1, 0), 2);
	assert_int_equal(i64_at(s1, 1), 12);
	int64_t axis;
	assert_int_equal(eml_attr_int(&g->nodes[1], "axis", 0, &axis), EDGEML_OK);
	assert_int_equal(axis, -1);
	const eml_tensor *s2 = in_tensor(g, &g->nodes[2], 1);
	assert_int_equal(i64_at(s2, 2), 4);
	const eml_tensor *y = &g->tensors[g->nodes[2].outputs[0]];
	assert_string_equal(y->name, "y");
	assert_int_equal(y->rank, 3);
	eml_converted_free(c);
}

static void test_old_opset_attributes(void **state)
{
	(void)state;
	builder b = { .opset = 9 };
	int64_t xd[3] = { 1, 2, 3 };
	input(&b, "x", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 3, xd);
	Onnx__NodeProto *clip = node(&b, "Clip", "clip", "x", "c");
	attr_float(clip, "min", -1.5f);
	attr_float(clip, "max", 2.5f);
	int64_t axes[1] = { 0 };
	attr_ints(node(&b, "Squeeze", "sq", "c", "s"), "axes", 1, axes);
	int64_t pads[4] = { 0, 1, 0, 2 };
	attr_ints(node(&b, "Pad", "pad", "s", "y"), "pads", 4, pads);
	output(&b, "y");
	eml_converted *c;
	assert_int_equal(convert(&b, NULL, &c), EDGEML_OK);
	const eml_graph *g = &c->graph;
	const eml_node *n = only_node(g, EML_OP_Clip);
	assert_int_equal(n->n_inputs, 3);
	assert_null(eml_node_attr(n, "min"));
	assert_true(f32_at(in_tensor(g, n, 1), 0) == -1.5f);
	assert_true(f32_at(in_tensor(g, n, 2), 0) == 2.5f);
	n = only_node(g, EML_OP_Squeeze);
	assert_int_equal(i64_at(in_tensor(g, n, 1), 0), 0);
	n = only_node(g, EML_OP_Pad);
	assert_int_equal(i64_at(in_tensor(g, n, 1), 3), 2);
	/* [2,3] padded by (0,1) before and (0,2) after → [2,6] */
	const eml_tensor *y = &g->tensors[g->outputs[0]];
	assert_int_equal(y->dims[0], 2);
	assert_int_equal(y->dims[1], 6);
	eml_converted_free(c);
}

/* Slice-1's starts/ends/axes, Split-2's split and ReduceMean-1's axes attributes become
 * constant inputs (the canonical forms of docs/ops.md). */
static void test_old_opset_slice_split_reduce(void **state)
{
	(void)state;
	builder b = { .opset = 9 };
	int64_t xd[2] = { 2, 6 }, starts[1] = { 1 }, ends[1] = { -1 }, axes[1] = { 1 };
	int64_t split[2] = { 1, 3 };
	input(&b, "x", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 2, xd);
	Onnx__NodeProto *sl = node(&b, "Slice", "sl", "x", "s");
	attr_ints(sl, "starts", 1, starts);
	attr_ints(sl, "ends", 1, ends);
	attr_ints(sl, "axes", 1, axes);
	Onnx__NodeProto *sp = node(&b, "Split", "sp", "s", "a,bb");
	attr_ints(sp, "split", 2, split);
	attr_int(sp, "axis", 1);
	Onnx__NodeProto *rm = node(&b, "ReduceMean", "rm", "bb", "y");
	attr_ints(rm, "axes", 1, axes);
	attr_int(rm, "keepdims", 0);
	output(&b, "a");
	output(&b, "y");
	eml_converted *c;
	assert_int_equal(convert(&b, NULL, &c), EDGEML_OK);
	const eml_graph *g = &c->graph;
	const eml_node *n = only_node(g, EML_OP_Slice);
	assert_null(eml_node_attr(n, "starts"));
	assert_int_equal(i64_at(in_tensor(g, n, 1), 0), 1);
	assert_int_equal(i64_at(in_tensor(g, n, 2), 0), -1);
	assert_int_equal(i64_at(in_tensor(g, n, 3), 0), 1);
	n = only_node(g, EML_OP_Split);
	assert_null(eml_node_attr(n, "split"));
	assert_int_equal(i64_at(in_tensor(g, n, 1), 1), 3);
	n = only_node(g, EML_OP_ReduceMean);
	assert_int_equal(i64_at(in_tensor(g, n, 1), 0), 1);
	/* x [2,6] → Slice [2,4] → Split [2,1] and [2,3] → ReduceMean over axis 1 → [2] */
	const eml_tensor *a = &g->tensors[g->outputs[0]], *y = &g->tensors[g->outputs[1]];
	assert_int_equal(a->rank, 2);
	assert_int_equal(a->dims[1], 1);
	assert_int_equal(y->rank, 1);
	assert_int_equal(y->dims[0], 2);
	eml_converted_free(c);
}

/* LSTM activations spelled out as the defaults (tf2onnx writes them) are accepted and
 * dropped; any other activation is refused, naming the attribute. */
static void test_lstm_activations(void **state)
{
	(void)state;
	static const char *const dflt[6] = { "Sigmoid", "Tanh", "Tanh", "Sigmoid", "Tanh", "Tanh" };
	static const char *const relu[3] = { "Sigmoid", "Relu", "Tanh" };
	for (int k = 0; k < 2; k++) {
		builder b = { .opset = 14 };
		int64_t xd[3] = { 2, 1, 3 }, wd[3] = { 2, 8, 3 }, rd[3] = { 2, 8, 2 };
		float w[48] = { 0 }, r[32] = { 0 };
		input(&b, "x", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 3, xd);
		init_raw(&b, "w", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 3, wd, w, sizeof(w));
		init_raw(&b, "r", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 3, rd, r, sizeof(r));
		Onnx__NodeProto *n = node(&b, "LSTM", "lstm", "x,w,r", "y");
		attr_int(n, "hidden_size", 2);
		Onnx__AttributeProto *dir = attr(n, "direction",
						 ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING);
		dir->has_s = 1;
		dir->s.len = strlen("bidirectional");
		dir->s.data = (uint8_t *)tstr("bidirectional");
		if (k == 0)
			attr_strings(n, "activations", 6, dflt);
		else
			attr_strings(n, "activations", 3, relu);
		output(&b, "y");
		eml_converted *c;
		if (k == 0) {
			assert_int_equal(convert(&b, NULL, &c), EDGEML_OK);
			const eml_node *l = only_node(&c->graph, EML_OP_LSTM);
			assert_null(eml_node_attr(l, "activations"));
			const eml_tensor *y = &c->graph.tensors[c->graph.outputs[0]];
			assert_int_equal(y->rank, 4);
			assert_int_equal(y->dims[1], 2);
			eml_converted_free(c);
		} else {
			assert_int_equal(convert(&b, NULL, &c), EDGEML_ERR_UNSUPPORTED);
			assert_contains(edgeml_last_error(), "attribute 'activations'");
		}
	}
}

/* ---- errors ------------------------------------------------------------------------------ */

static void test_unsupported_op(void **state)
{
	(void)state;
	builder b = { .opset = 13 };
	int64_t xd[1] = { 4 };
	input(&b, "x", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 1, xd);
	input(&b, "i", ONNX__TENSOR_PROTO__DATA_TYPE__INT64, 1, xd);
	node(&b, "Hardmax", "Hardmax_12", "x", "y");
	output(&b, "y");
	eml_converted *c = (eml_converted *)&b;
	assert_int_equal(convert(&b, NULL, &c), EDGEML_ERR_UNSUPPORTED);
	assert_null(c);
	assert_string_equal(edgeml_last_error(),
			    "node 'Hardmax_12' (Hardmax, opset 13): op not supported");
	builder m = { .opset = 13, .with_ms = 1 };
	input(&m, "x", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 1, xd);
	node(&m, "FusedGemm", "fg", "x", "y")->domain = tstr("com.microsoft");
	output(&m, "y");
	assert_int_equal(convert(&m, NULL, &c), EDGEML_ERR_UNSUPPORTED);
	assert_contains(edgeml_last_error(),
			"node 'fg' (FusedGemm, domain com.microsoft, opset 1)");
}

static void test_cycle(void **state)
{
	(void)state;
	builder b = { .opset = 13 };
	int64_t xd[1] = { 4 };
	input(&b, "x", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 1, xd);
	node(&b, "Add", "a1", "x,t2", "t1");
	node(&b, "Relu", "r2", "t1", "t2");
	node(&b, "Relu", "r3", "t2", "y");
	output(&b, "y");
	eml_converted *c;
	assert_int_equal(convert(&b, NULL, &c), EDGEML_ERR_FORMAT);
	assert_contains(edgeml_last_error(), "cycle");
}

static void test_unordered_nodes_are_sorted(void **state)
{
	(void)state;
	builder b = { .opset = 13 };
	int64_t xd[1] = { 4 };
	input(&b, "x", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 1, xd);
	node(&b, "Sigmoid", "second", "t", "y");
	node(&b, "Relu", "first", "x", "t");
	output(&b, "y");
	eml_converted *c;
	assert_int_equal(convert(&b, NULL, &c), EDGEML_OK);
	assert_int_equal(c->graph.nodes[0].op, EML_OP_Relu);
	assert_int_equal(c->graph.nodes[1].op, EML_OP_Sigmoid);
	eml_converted_free(c);
}

static void test_bad_input_and_shapes(void **state)
{
	(void)state;
	eml_converted *c;
	static const uint8_t junk[] = { 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01 };
	assert_int_equal(eml_convert_buffer(junk, sizeof(junk), NULL, &c), EDGEML_ERR_FORMAT);
	assert_contains(edgeml_last_error(), "protobuf");
	assert_int_equal(eml_convert_buffer("", 0, NULL, &c), EDGEML_ERR_FORMAT);
	assert_contains(edgeml_last_error(), "opset");
	assert_int_equal(eml_convert_file("/nonexistent.onnx", NULL, &c), EDGEML_ERR_IO);

	/* A symbolic non-batch dim needs --input-shape. */
	builder b = { .opset = 13 };
	int64_t xd[3] = { -1, -1, 4 };
	input(&b, "x", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 3, xd);
	node(&b, "Relu", "r", "x", "y");
	output(&b, "y");
	assert_int_equal(convert(&b, NULL, &c), EDGEML_ERR_SHAPE);
	assert_contains(edgeml_last_error(), "graph input 'x': dimension 1");
	assert_contains(edgeml_last_error(), "--input-shape x=");
	eml_convert_shape shape = { .name = "x", .rank = 3, .dims = { 2, 5, 4 } };
	eml_convert_options opt = { .shapes = &shape, .n_shapes = 1 };
	assert_int_equal(convert(&b, &opt, &c), EDGEML_OK);
	const eml_tensor *y = &c->graph.tensors[c->graph.outputs[0]];
	assert_int_equal(y->dims[0], 2);
	assert_int_equal(y->dims[1], 5);
	eml_converted_free(c);

	/* Raw data that does not match the dims is rejected, naming the tensor. */
	builder r = { .opset = 13 };
	int64_t wd[2] = { 1000000, 1000000 };
	float one = 1.0f;
	input(&r, "x", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 2, wd);
	init_raw(&r, "w", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 2, wd, &one, 4);
	node(&r, "Add", "add", "x,w", "y");
	output(&r, "y");
	assert_int_equal(convert(&r, NULL, &c), EDGEML_ERR_FORMAT);
	assert_contains(edgeml_last_error(), "tensor 'w'");

	/* A reader of a tensor nobody produces. */
	builder d = { .opset = 13 };
	int64_t one_d[1] = { 4 };
	input(&d, "x", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 1, one_d);
	node(&d, "Add", "add", "x,ghost", "y");
	output(&d, "y");
	assert_int_equal(convert(&d, NULL, &c), EDGEML_ERR_FORMAT);
	assert_contains(edgeml_last_error(), "'ghost'");
}

static void test_constant_output_dropout_and_plain_q(void **state)
{
	(void)state;
	builder b = { .opset = 13 };
	int64_t xd[1] = { 4 };
	float k[4] = { 1, 2, 3, 4 };
	input(&b, "x", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 1, xd);
	init_raw(&b, "k", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 1, xd, k, sizeof(k));
	init_f32(&b, "s", 0.5f);
	node(&b, "Dropout", "drop", "x", "d");
	node(&b, "QuantizeLinear", "q", "d,s", "y"); /* no zero point: uint8 output */
	output(&b, "y");
	output(&b, "k"); /* a constant output must still be computed by a node */
	eml_converted *c;
	assert_int_equal(convert(&b, NULL, &c), EDGEML_OK);
	const eml_graph *g = &c->graph;
	assert_int_equal(g->n_nodes, 2);
	const eml_node *q = only_node(g, EML_OP_QuantizeLinear);
	assert_string_equal(in_tensor(g, q, 0)->name, "x");
	const eml_tensor *y = &g->tensors[q->outputs[0]];
	assert_int_equal(y->dtype, EDGEML_DTYPE_UINT8);
	assert_int_equal(y->q_count, 1);
	assert_true(y->q_scales[0] == 0.5f);
	const eml_node *id = only_node(g, EML_OP_Identity);
	const eml_tensor *ko = &g->tensors[id->outputs[0]];
	assert_string_equal(ko->name, "k");
	assert_false(ko->flags & EML_TF_CONSTANT);
	assert_true(f32_at(in_tensor(g, id, 0), 3) == 4.0f);
	eml_converted_free(c);
}

/* ---- static-shape folding ------------------------------------------------------------- */

static void init_i64(builder *b, const char *name, int rank, const int64_t *dims,
		     const int64_t *v, size_t count)
{
	init_raw(b, name, ONNX__TENSOR_PROTO__DATA_TYPE__INT64, rank, dims, v,
		 count * sizeof(int64_t));
}

/* The constant a graph output is copied from (an Identity of a folded result). */
static const eml_tensor *folded_output(const eml_graph *g, const char *name)
{
	for (uint32_t i = 0; i < g->n_nodes; i++) {
		const eml_node *n = &g->nodes[i];
		if (n->op == EML_OP_Identity && strcmp(g->tensors[n->outputs[0]].name, name) == 0)
			return in_tensor(g, n, 0);
	}
	fail_msg("no Identity computes output '%s'", name);
	return NULL;
}

static Onnx__GraphProto *graph_of(builder *b, const char *name)
{
	Onnx__GraphProto *gp = talloc(sizeof(*gp));
	onnx__graph_proto__init(gp);
	gp->n_node = b->n_nodes;
	gp->node = b->nodes;
	gp->n_initializer = b->n_inits;
	gp->initializer = b->inits;
	gp->n_output = b->n_outputs;
	gp->output = b->outputs;
	gp->name = tstr(name);
	return gp;
}

static void attr_graph(Onnx__NodeProto *n, const char *name, Onnx__GraphProto *gp)
{
	attr(n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__GRAPH)->g = gp;
}

/* A dynamic-axes export's flatten: Reshape(x, Concat(Unsqueeze(Gather(Shape(x), 0)), -1))
 * folds to a Reshape by a constant once --input-shape fixes x. */
static void test_fold_shape_gather_concat(void **state)
{
	(void)state;
	builder b = { .opset = 13 };
	int64_t xd[3] = { -1, 4, -1 }, one = 1, zero = 0, minus1 = -1;
	input(&b, "x", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 3, xd);
	init_i64(&b, "zero", 0, NULL, &zero, 1);
	init_i64(&b, "axes0", 1, &one, &zero, 1);
	init_i64(&b, "minus1", 1, &one, &minus1, 1);
	node(&b, "Shape", "shape", "x", "s");
	node(&b, "Gather", "gather", "s,zero", "batch");
	node(&b, "Unsqueeze", "unsq", "batch,axes0", "b1");
	attr_int(node(&b, "Concat", "cat", "b1,minus1", "newshape"), "axis", 0);
	node(&b, "Reshape", "reshape", "x,newshape", "r");
	node(&b, "Relu", "relu", "r", "y");
	output(&b, "y");
	eml_converted *c;
	assert_int_equal(convert(&b, NULL, &c), EDGEML_ERR_SHAPE); /* dim 2 is symbolic */
	eml_convert_shape shape = { .name = "x", .rank = 3, .dims = { 3, 4, 5 } };
	eml_convert_options opt = { .shapes = &shape, .n_shapes = 1 };
	assert_int_equal(convert(&b, &opt, &c), EDGEML_OK);
	const eml_graph *g = &c->graph;
	assert_int_equal(g->n_nodes, 2);
	const eml_node *r = only_node(g, EML_OP_Reshape);
	const eml_tensor *s = in_tensor(g, r, 1);
	assert_int_equal(s->dims[0], 2);
	assert_int_equal(i64_at(s, 0), 3);
	assert_int_equal(i64_at(s, 1), -1);
	const eml_tensor *y = &g->tensors[g->outputs[0]];
	assert_int_equal(y->rank, 2);
	assert_int_equal(y->dims[0], 3);
	assert_int_equal(y->dims[1], 20);
	eml_converted_free(c);
}

/* Slice, Cast (to float and back), integer Div and Mul, Size and Range on shapes; the
 * results are graph outputs, so each stays as an Identity of its folded constant. */
static void test_fold_slice_cast_arith_range(void **state)
{
	(void)state;
	builder b = { .opset = 13 };
	int64_t xd[3] = { 2, 6, 9 }, one = 1;
	int64_t start = 1, end = INT64_MAX, two = 2, r0 = 10, r1 = 0, r2 = -3;
	input(&b, "x", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 3, xd);
	init_i64(&b, "start", 1, &one, &start, 1);
	init_i64(&b, "end", 1, &one, &end, 1);
	init_i64(&b, "two", 0, NULL, &two, 1);
	init_i64(&b, "r0", 0, NULL, &r0, 1);
	init_i64(&b, "r1", 0, NULL, &r1, 1);
	init_i64(&b, "r2", 0, NULL, &r2, 1);
	node(&b, "Shape", "shape", "x", "s");
	node(&b, "Slice", "slice", "s,start,end", "hw"); /* [6, 9] */
	attr_int(node(&b, "Cast", "tofloat", "hw", "hwf"), "to", 1);
	attr_int(node(&b, "Cast", "toint", "hwf", "hwi"), "to", 7);
	init_f32(&b, "half_f", 0.5f);
	node(&b, "Mul", "scale", "hwf,half_f", "hws"); /* [3.0, 4.5]: float, between Casts */
	attr_int(node(&b, "Cast", "scaled_int", "hws", "scaled"), "to", 7); /* [3, 4] */
	node(&b, "Div", "half", "hwi,two", "halves"); /* [3, 4]: truncated */
	node(&b, "Mul", "double", "halves,two", "doubled"); /* [6, 8] */
	node(&b, "Size", "size", "x", "numel");	    /* 108 */
	node(&b, "Range", "range", "r0,r1,r2", "seq");	    /* [10, 7, 4, 1] */
	node(&b, "Relu", "relu", "x", "y");
	output(&b, "y");
	output(&b, "doubled");
	output(&b, "numel");
	output(&b, "seq");
	output(&b, "scaled");
	eml_converted *c;
	edgeml_status cst = convert(&b, NULL, &c);
	if (cst)
		fail_msg("%s", edgeml_last_error());
	const eml_graph *g = &c->graph;
	const eml_tensor *sc = folded_output(g, "scaled");
	assert_int_equal(i64_at(sc, 0), 3);
	assert_int_equal(i64_at(sc, 1), 4);
	const eml_tensor *d = folded_output(g, "doubled");
	assert_int_equal(d->dtype, EDGEML_DTYPE_INT64);
	assert_int_equal(d->dims[0], 2);
	assert_int_equal(i64_at(d, 0), 6);
	assert_int_equal(i64_at(d, 1), 8);
	const eml_tensor *n = folded_output(g, "numel");
	assert_int_equal(n->rank, 0);
	assert_int_equal(i64_at(n, 0), 108);
	const eml_tensor *s = folded_output(g, "seq");
	assert_int_equal(s->dims[0], 4);
	assert_int_equal(i64_at(s, 0), 10);
	assert_int_equal(i64_at(s, 3), 1);
	eml_converted_free(c);
}

/* ConstantOfShape, Expand, Tile, Equal, Not and Where on constants; Gather with a negative
 * index along axis 1; Slice with a negative step; errors naming the node. */
static void test_fold_fill_expand_where(void **state)
{
	(void)state;
	builder b = { .opset = 13 };
	int64_t one = 1, two = 2, three = 3, seven = 7, zero = 0;
	int64_t shp[2] = { 1, 3 }, exp_shape[2] = { 2, 1 }, reps[2] = { 1, 2 };
	int64_t cmp[3] = { 0, 5, 0 }, z3[3] = { 0, 0, 0 }, alt[3] = { -1, -2, -3 };
	int64_t idx = -1, st = -1, en = INT64_MIN, stp = -2;
	init_i64(&b, "shp", 1, &two, shp, 2);
	init_i64(&b, "exp_shape", 1, &two, exp_shape, 2);
	init_i64(&b, "reps", 1, &two, reps, 2);
	init_i64(&b, "cmp", 1, &three, cmp, 3);
	init_i64(&b, "z3", 1, &three, z3, 3);
	init_i64(&b, "alt", 1, &three, alt, 3);
	init_i64(&b, "idx", 0, NULL, &idx, 1);
	init_i64(&b, "st", 1, &one, &st, 1);
	init_i64(&b, "en", 1, &one, &en, 1);
	init_i64(&b, "stp", 1, &one, &stp, 1);
	init_i64(&b, "ax0", 1, &one, &zero, 1);
	Onnx__NodeProto *cos = node(&b, "ConstantOfShape", "fill", "shp", "sevens");
	Onnx__AttributeProto *va =
		attr(cos, "value", ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR);
	builder tmp = { 0 };
	init_i64(&tmp, "v", 1, &one, &seven, 1);
	va->t = tmp.inits[0];
	node(&b, "Expand", "expand", "sevens,exp_shape", "grid"); /* [2,3] of 7 */
	node(&b, "Tile", "tile", "grid,reps", "wide");		   /* [2,6] of 7 */
	node(&b, "Equal", "eq", "cmp,z3", "is0");		   /* [1,0,1] */
	node(&b, "Not", "not", "is0", "nz");			   /* [0,1,0] */
	node(&b, "Where", "where", "nz,cmp,alt", "pick");	   /* [-1, 5, -3] */
	attr_int(node(&b, "Gather", "last", "wide,idx", "col"), "axis", 1); /* [7, 7] */
	node(&b, "Slice", "rev", "pick,st,en,ax0,stp", "rev2");	   /* [-3, -1] */
	int64_t huge = INT64_MIN;
	init_i64(&b, "huge", 1, &one, &huge, 1);
	node(&b, "Slice", "jump", "pick,st,en,ax0,huge", "last1"); /* [-3] */
	output(&b, "last1");
	output(&b, "wide");
	output(&b, "pick");
	output(&b, "col");
	output(&b, "rev2");
	eml_converted *c;
	edgeml_status cst = convert(&b, NULL, &c);
	if (cst)
		fail_msg("%s", edgeml_last_error());
	const eml_graph *g = &c->graph;
	const eml_tensor *w = folded_output(g, "wide");
	assert_int_equal(w->dims[0], 2);
	assert_int_equal(w->dims[1], 6);
	assert_int_equal(i64_at(w, 11), 7);
	const eml_tensor *p = folded_output(g, "pick");
	assert_int_equal(i64_at(p, 0), -1);
	assert_int_equal(i64_at(p, 1), 5);
	assert_int_equal(i64_at(p, 2), -3);
	const eml_tensor *col = folded_output(g, "col");
	assert_int_equal(col->rank, 1);
	assert_int_equal(col->dims[0], 2);
	assert_int_equal(i64_at(col, 1), 7);
	const eml_tensor *l1 = folded_output(g, "last1");
	assert_int_equal(l1->dims[0], 1);
	assert_int_equal(i64_at(l1, 0), -3);
	const eml_tensor *r = folded_output(g, "rev2");
	assert_int_equal(r->dims[0], 2);
	assert_int_equal(i64_at(r, 0), -3);
	assert_int_equal(i64_at(r, 1), -1);
	eml_converted_free(c);

	builder e = { .opset = 13 };
	init_i64(&e, "cmp", 1, &three, cmp, 3);
	init_i64(&e, "shp", 1, &two, shp, 2);
	node(&e, "Equal", "eq", "cmp,shp", "bad");
	output(&e, "bad");
	assert_int_equal(convert(&e, NULL, &c), EDGEML_ERR_SHAPE);
	assert_contains(edgeml_last_error(), "node 'eq' (Equal): input shapes do not broadcast");
	builder f = { .opset = 13 };
	init_i64(&f, "cmp", 1, &three, cmp, 3);
	init_i64(&f, "st", 1, &one, &st, 1);
	init_i64(&f, "en", 1, &one, &en, 1);
	init_i64(&f, "ax1", 1, &one, &one, 1);
	node(&f, "Slice", "rev", "cmp,st,en,ax1", "bad");
	output(&f, "bad");
	assert_int_equal(convert(&f, NULL, &c), EDGEML_ERR_SHAPE);
	assert_contains(edgeml_last_error(), "node 'rev' (Slice): an axis is out of range");
}

/* Mod (the divisor's sign, fmod = 1 the dividend's, float fmod), ScatterND (replace, add,
 * a negative index) of constants; a float mask built from a ScatterND through Reshape,
 * Transpose and Sub folds for the Equal that reads it (swin_t's shifted-window mask);
 * Dropout at ratio 0 in training mode, with an unread mask output, passes its input through;
 * an out-of-range ScatterND index is an error naming the node. */
static void test_fold_mod_scatternd_dropout(void **state)
{
	(void)state;
	builder b = { .opset = 17 };
	int64_t three = 3, two = 2, four = 4, xd[1] = { 4 };
	int64_t a[3] = { 7, -7, 5 }, d[3] = { 3, 3, -3 };
	float af[2] = { 7.5f, -7.5f }, df[2] = { 2.0f, 2.0f };
	int64_t data[4] = { 0, 0, 0, 0 }, idx[2] = { 1, -1 }, upd[2] = { 5, 6 };
	int64_t shape22[2] = { 2, 2 }, perm[2] = { 1, 0 }, idx_dims[2] = { 2, 1 };
	float mdata[4] = { 0, 0, 0, 0 }, mupd[2] = { 1.0f, 2.0f }, zero_f = 0.0f;
	uint8_t yes = 1;
	input(&b, "x", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 1, xd);
	init_i64(&b, "a", 1, &three, a, 3);
	init_i64(&b, "d", 1, &three, d, 3);
	init_raw(&b, "af", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 1, &two, af, sizeof(af));
	init_raw(&b, "df", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 1, &two, df, sizeof(df));
	init_i64(&b, "data", 1, &four, data, 4);
	init_i64(&b, "idx", 2, idx_dims, idx, 2);
	init_i64(&b, "upd", 1, &two, upd, 2);
	init_i64(&b, "shape22", 1, &two, shape22, 2);
	init_raw(&b, "mdata", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 1, &four, mdata,
		 sizeof(mdata));
	init_raw(&b, "mupd", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 1, &two, mupd, sizeof(mupd));
	init_raw(&b, "fzero", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 0, NULL, &zero_f, 4);
	init_raw(&b, "train", ONNX__TENSOR_PROTO__DATA_TYPE__BOOL, 0, NULL, &yes, 1);
	node(&b, "Mod", "pymod", "a,d", "pm");			      /* [1, 2, -1] */
	attr_int(node(&b, "Mod", "cmod", "a,d", "cm"), "fmod", 1);   /* [1, -1, 2] */
	attr_int(node(&b, "Mod", "fmodf", "af,df", "fm"), "fmod", 1); /* [1.5, -1.5] */
	node(&b, "ScatterND", "scatter", "data,idx,upd", "sc");       /* [0, 5, 0, 6] */
	Onnx__NodeProto *sa = node(&b, "ScatterND", "scatter_add", "sc,idx,upd", "sa");
	Onnx__AttributeProto *red =
		attr(sa, "reduction", ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING);
	red->has_s = 1;
	red->s.len = 3;
	red->s.data = (uint8_t *)tstr("add"); /* [0, 10, 0, 12] */
	/* the mask: ScatterND -> Reshape -> Transpose -> Sub -> Equal, all constants */
	node(&b, "ScatterND", "mscatter", "mdata,idx,mupd", "m0"); /* [0, 1, 0, 2] */
	node(&b, "Reshape", "mreshape", "m0,shape22", "m1");	   /* [[0, 1], [0, 2]] */
	attr_ints(node(&b, "Transpose", "mtrans", "m1", "m2"), "perm", 2, perm);
	node(&b, "Sub", "msub", "m2,fzero", "m3");  /* [[0, 0], [1, 2]] */
	node(&b, "Equal", "meq", "m3,fzero", "is0");   /* [[1, 1], [0, 0]] */
	init_f32(&b, "fone", 1.0f);
	node(&b, "Where", "mwhere", "is0,fone,fzero", "mask"); /* as float */
	Onnx__NodeProto *dr = node(&b, "Dropout", "drop", "x,fzero,train", "y");
	dr->n_output = 2;
	dr->output = talloc(2 * sizeof(char *));
	dr->output[0] = tstr("y");
	dr->output[1] = tstr("unread_mask");
	node(&b, "Relu", "relu", "y", "r");
	output(&b, "r");
	output(&b, "pm");
	output(&b, "cm");
	output(&b, "fm");
	output(&b, "sa");
	output(&b, "mask");
	eml_converted *c;
	edgeml_status cst = convert(&b, NULL, &c);
	if (cst)
		fail_msg("%s", edgeml_last_error());
	const eml_graph *g = &c->graph;
	const eml_tensor *pm = folded_output(g, "pm"), *cm = folded_output(g, "cm");
	assert_int_equal(i64_at(pm, 0), 1);
	assert_int_equal(i64_at(pm, 1), 2);
	assert_int_equal(i64_at(pm, 2), -1);
	assert_int_equal(i64_at(cm, 0), 1);
	assert_int_equal(i64_at(cm, 1), -1);
	assert_int_equal(i64_at(cm, 2), 2);
	const eml_tensor *fm = folded_output(g, "fm");
	assert_true(f32_at(fm, 0) == 1.5f && f32_at(fm, 1) == -1.5f);
	const eml_tensor *sat = folded_output(g, "sa");
	assert_int_equal(i64_at(sat, 0), 0);
	assert_int_equal(i64_at(sat, 1), 10);
	assert_int_equal(i64_at(sat, 2), 0);
	assert_int_equal(i64_at(sat, 3), 12);
	const eml_tensor *mask = folded_output(g, "mask");
	assert_int_equal(mask->rank, 2);
	assert_true(f32_at(mask, 0) == 1.0f && f32_at(mask, 1) == 1.0f);
	assert_true(f32_at(mask, 2) == 0.0f && f32_at(mask, 3) == 0.0f);
	/* the Dropout is gone: the Relu reads x */
	const eml_node *relu = only_node(g, EML_OP_Relu);
	assert_string_equal(in_tensor(g, relu, 0)->name, "x");
	eml_converted_free(c);

	builder e = { .opset = 13 };
	int64_t bad[2] = { 4, 0 };
	init_i64(&e, "data", 1, &four, data, 4);
	init_i64(&e, "idx", 2, idx_dims, bad, 2);
	init_i64(&e, "upd", 1, &two, upd, 2);
	node(&e, "ScatterND", "oob", "data,idx,upd", "bad");
	output(&e, "bad");
	assert_int_equal(convert(&e, NULL, &c), EDGEML_ERR_SHAPE);
	assert_contains(edgeml_last_error(), "node 'oob' (ScatterND): an index is out of range");
}

/* Einsum as batched matrix products: every placement of the contracted letter in the
 * operands and of the free letters in the output, run on the CPU backend (fast and
 * reference kernels) against the sum the equation names, computed here in double; other
 * equations are refused naming the equation. */
#define ES_B 2
#define ES_N 3
#define ES_K 4
#define ES_M 5
static void test_einsum_batched_matmul(void **state)
{
	(void)state;
	/* letters: b batch, i free of A (ES_N), k contracted (ES_K), j free of B (ES_M) */
	static const char *const eqs[] = { "bik,bkj->bij", "bki,bkj->bij", "bik,bjk->bij",
					   "bki,bjk->bji", "b i k, b j k -> b j i" };
	float a[ES_B * ES_N * ES_K], bm[ES_B * ES_K * ES_M];
	for (int i = 0; i < ES_B * ES_N * ES_K; i++)
		a[i] = (float)((i * 7) % 11) - 5.0f;
	for (int i = 0; i < ES_B * ES_K * ES_M; i++)
		bm[i] = (float)((i * 5) % 13) * 0.25f - 1.5f;
	for (size_t e = 0; e < sizeof(eqs) / sizeof(eqs[0]); e++) {
		const char *eq = eqs[e];
		char la[4] = { 0 }, lb[4] = { 0 }, lo[4] = { 0 };
		int p = 0, n = 0;
		for (const char *c = eq; *c; c++) {
			if (*c == ',' || *c == '>') {
				p++;
				n = 0;
			} else if (*c >= 'a' && *c <= 'z') {
				(p == 0 ? la : p == 1 ? lb : lo)[n++] = *c;
			}
		}
		int64_t dim_of[128] = { 0 };
		dim_of['b'] = ES_B;
		dim_of['i'] = ES_N;
		dim_of['k'] = ES_K;
		dim_of['j'] = ES_M;
		int64_t ad[3], bd[3], od[3];
		for (int q = 0; q < 3; q++) {
			ad[q] = dim_of[(int)la[q]];
			bd[q] = dim_of[(int)lb[q]];
			od[q] = dim_of[(int)lo[q]];
		}
		builder b = { .opset = 13 };
		input(&b, "x", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 3, ad);
		init_raw(&b, "w", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 3, bd, bm, sizeof(bm));
		Onnx__NodeProto *en = node(&b, "Einsum", "es", "x,w", "y");
		Onnx__AttributeProto *at =
			attr(en, "equation", ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING);
		at->has_s = 1;
		at->s.len = strlen(eq);
		at->s.data = (uint8_t *)tstr(eq);
		output(&b, "y");
		eml_converted *c;
		if (convert(&b, NULL, &c) != EDGEML_OK)
			fail_msg("%s: %s", eq, edgeml_last_error());
		assert_non_null(only_node(&c->graph, EML_OP_MatMul));
		eml_converted_free(c);
		for (int reference = 0; reference < 2; reference++) {
			float y[ES_B * ES_N * ES_M];
			run_xy(&b, reference, a, ES_B * ES_N * ES_K, y, ES_B * ES_N * ES_M);
			/* the sum the equation names, over every output index */
			for (int64_t o0 = 0; o0 < od[0]; o0++)
				for (int64_t o1 = 0; o1 < od[1]; o1++)
					for (int64_t o2 = 0; o2 < od[2]; o2++) {
						int64_t val[128] = { 0 };
						val[(int)lo[0]] = o0;
						val[(int)lo[1]] = o1;
						val[(int)lo[2]] = o2;
						double sum = 0;
						for (int64_t k = 0; k < ES_K; k++) {
							val['k'] = k;
							int64_t ai = (val[(int)la[0]] * ad[1] +
								      val[(int)la[1]]) * ad[2] +
								     val[(int)la[2]];
							int64_t bi = (val[(int)lb[0]] * bd[1] +
								      val[(int)lb[1]]) * bd[2] +
								     val[(int)lb[2]];
							sum += (double)a[ai] * (double)bm[bi];
						}
						float got = y[(o0 * od[1] + o1) * od[2] + o2];
						if (fabs(got - sum) > 1e-4)
							fail_msg("%s (reference %d): y[%lld,%lld,%lld] = "
								 "%g, want %g",
								 eq, reference, (long long)o0,
								 (long long)o1, (long long)o2, got, sum);
					}
		}
	}
	static const char *const refused[] = { "bij,bjk->bk", "ii->i", "...ij,...jk->...ik",
					       "bij,bjk->bkj" };
	for (size_t e = 0; e < sizeof(refused) / sizeof(refused[0]); e++) {
		builder b = { .opset = 13 };
		int64_t d3[3] = { 2, 2, 2 };
		input(&b, "x", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 3, d3);
		input(&b, "w", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 3, d3);
		Onnx__NodeProto *en = node(&b, "Einsum", "es", "x,w", "y");
		Onnx__AttributeProto *at =
			attr(en, "equation", ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING);
		at->has_s = 1;
		at->s.len = strlen(refused[e]);
		at->s.data = (uint8_t *)tstr(refused[e]);
		output(&b, "y");
		eml_converted *c;
		assert_int_equal(convert(&b, NULL, &c), EDGEML_ERR_UNSUPPORTED);
		assert_contains(edgeml_last_error(), refused[e]);
	}
}

/* A dilated Conv whose outer taps only ever read padding (dilation 6 on 4 x 5, DeepLab's
 * ASPP on a small map) is cut to its live taps: a 1 x 1 convolution without padding whose
 * outputs are bit-identical to the 1 x 1 convolution written out (fast and reference
 * kernels); dilation 2 with pads (2, 0) on rows only cuts the rows; an ordinary 3 x 3 with
 * pads 1 and one with an infinite weight in a dead tap keep their kernels. */
static void test_dead_taps(void **state)
{
	(void)state;
	enum { C = 2, M = 3, H = 4, W = 5 };
	int64_t xd[4] = { 1, C, H, W }, wd[4] = { M, C, 3, 3 }, w1d[4] = { M, C, 1, 1 };
	float w[M * C * 9], w1[M * C], bias[M] = { 0.5f, -0.25f, 0.0f }, x[C * H * W];
	for (int i = 0; i < M * C * 9; i++)
		w[i] = (float)((i * 7) % 13) * 0.125f - 0.75f;
	for (int i = 0; i < M * C; i++)
		w1[i] = w[i * 9 + 4]; /* the centre tap */
	for (int i = 0; i < C * H * W; i++)
		x[i] = (float)((i * 5) % 17) * 0.2f - 1.6f;
	int64_t m = M, d6[2] = { 6, 6 }, p6[4] = { 6, 6, 6, 6 };
	float want[M * H * W], got[M * H * W];
	{
		builder b = { .opset = 13 };
		input(&b, "x", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 4, xd);
		init_raw(&b, "w1", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 4, w1d, w1, sizeof(w1));
		init_raw(&b, "b", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 1, &m, bias, sizeof(bias));
		node(&b, "Conv", "conv", "x,w1,b", "y");
		output(&b, "y");
		run_xy(&b, 1, x, C * H * W, want, M * H * W);
	}
	for (int reference = 0; reference < 2; reference++) {
		builder b = { .opset = 13 };
		input(&b, "x", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 4, xd);
		init_raw(&b, "w", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 4, wd, w, sizeof(w));
		init_raw(&b, "b", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 1, &m, bias, sizeof(bias));
		Onnx__NodeProto *cv = node(&b, "Conv", "conv", "x,w,b", "y");
		attr_ints(cv, "dilations", 2, d6);
		attr_ints(cv, "pads", 4, p6);
		output(&b, "y");
		eml_converted *c;
		assert_int_equal(convert(&b, NULL, &c), EDGEML_OK);
		const eml_node *n = only_node(&c->graph, EML_OP_Conv);
		const eml_tensor *wt = in_tensor(&c->graph, n, 1);
		assert_int_equal(wt->dims[2], 1);
		assert_int_equal(wt->dims[3], 1);
		eml_converted_free(c);
		run_xy(&b, reference, x, C * H * W, got, M * H * W);
		assert_memory_equal(got, want, sizeof(want));
	}
	/* rows only: dilation 2, pads 2 on rows and 0 on columns, 2 x 5 input */
	{
		int64_t xd2[4] = { 1, C, 2, W }, d2[2] = { 2, 1 }, p2[4] = { 2, 1, 2, 1 };
		builder b = { .opset = 13 };
		input(&b, "x", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 4, xd2);
		init_raw(&b, "w", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 4, wd, w, sizeof(w));
		Onnx__NodeProto *cv = node(&b, "Conv", "conv", "x,w", "y");
		attr_ints(cv, "dilations", 2, d2);
		attr_ints(cv, "pads", 4, p2);
		output(&b, "y");
		float ref[M * 2 * W], fast[M * 2 * W];
		eml_converted *c;
		assert_int_equal(convert(&b, NULL, &c), EDGEML_OK);
		const eml_node *n = only_node(&c->graph, EML_OP_Conv);
		assert_int_equal(in_tensor(&c->graph, n, 1)->dims[2], 1);
		assert_int_equal(in_tensor(&c->graph, n, 1)->dims[3], 3);
		eml_converted_free(c);
		run_xy(&b, 1, x, C * 2 * W, ref, M * 2 * W);
		run_xy(&b, 0, x, C * 2 * W, fast, M * 2 * W);
		/* the same sums as the uncut kernel: row taps 0 and 2 read only padding */
		for (int o = 0; o < M; o++)
			for (int oy = 0; oy < 2; oy++)
				for (int ox = 0; ox < W; ox++) {
					float acc = 0.0f;
					for (int ci = 0; ci < C; ci++)
						for (int kx = 0; kx < 3; kx++) {
							int ix = ox - 1 + kx;
							float v = ix < 0 || ix >= W ? 0.0f :
								  x[(ci * 2 + oy) * W + ix];
							acc = fmaf(v, w[((o * C + ci) * 3 + 1) * 3 + kx],
								   acc);
						}
					assert_true(fabsf(ref[(o * 2 + oy) * W + ox] - acc) < 1e-5f);
				}
		assert_memory_equal(ref, fast, sizeof(ref));
	}
	/* nothing to cut: 3 x 3, pads 1; and an infinite weight in a dead tap */
	for (int k = 0; k < 2; k++) {
		float wk[M * C * 9];
		memcpy(wk, w, sizeof(w));
		if (k == 1)
			wk[0] = INFINITY;
		int64_t p1[4] = { 1, 1, 1, 1 };
		builder b = { .opset = 13 };
		input(&b, "x", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 4, xd);
		init_raw(&b, "w", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 4, wd, wk, sizeof(wk));
		Onnx__NodeProto *cv = node(&b, "Conv", "conv", "x,w", "y");
		attr_ints(cv, "pads", 4, k == 0 ? p1 : p6);
		if (k == 1)
			attr_ints(cv, "dilations", 2, d6);
		output(&b, "y");
		eml_converted *c;
		assert_int_equal(convert(&b, NULL, &c), EDGEML_OK);
		const eml_node *n = only_node(&c->graph, EML_OP_Conv);
		assert_int_equal(in_tensor(&c->graph, n, 1)->dims[2], 3);
		eml_converted_free(c);
	}
}

/* If on a condition computed from shapes: the chosen branch is inlined, the other (which
 * holds an op edgeml lacks) is never imported. A Cast of a run-time tensor to its own type
 * is an Identity. */
static void test_fold_if_constant_condition(void **state)
{
	(void)state;
	builder b = { .opset = 13 };
	int64_t xd[2] = { 2, 3 }, six = 6;
	input(&b, "x", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 2, xd);
	init_i64(&b, "six", 0, NULL, &six, 1);
	node(&b, "Size", "size", "x", "n");
	node(&b, "Equal", "eq", "n,six", "is6");
	Onnx__NodeProto *iff = node(&b, "If", "if", "is6", "picked");
	builder then_b = { 0 }, else_b = { 0 };
	node(&b, "Tanh", "outer", "x", "tx"); /* read only inside the branch */
	attr_int(node(&then_b, "Cast", "same_type", "tx", "xf"), "to", 1);
	/* A nested If reads xf, a tensor of its enclosing branch, not of the outer graph. */
	uint8_t yes = 1;
	init_raw(&then_b, "yes", 9, 0, NULL, &yes, 1);
	Onnx__NodeProto *inner = node(&then_b, "If", "inner", "yes", "t_out");
	builder in_then = { 0 }, in_else = { 0 };
	node(&in_then, "Relu", "then_relu", "xf", "it_out");
	output(&in_then, "it_out");
	node(&in_else, "Hardmax", "inner_hardmax", "xf", "ie_out");
	output(&in_else, "ie_out");
	attr_graph(inner, "then_branch", graph_of(&in_then, "inner_then"));
	attr_graph(inner, "else_branch", graph_of(&in_else, "inner_else"));
	output(&then_b, "t_out");
	node(&else_b, "Hardmax", "else_hardmax", "x", "e_out");
	output(&else_b, "e_out");
	attr_graph(iff, "then_branch", graph_of(&then_b, "then"));
	attr_graph(iff, "else_branch", graph_of(&else_b, "else"));
	node(&b, "Sigmoid", "sig", "picked", "y");
	output(&b, "y");
	eml_converted *c;
	assert_int_equal(convert(&b, NULL, &c), EDGEML_OK);
	const eml_graph *g = &c->graph;
	assert_int_equal(g->n_nodes, 3);
	assert_int_equal(g->nodes[0].op, EML_OP_Tanh);
	assert_int_equal(g->nodes[1].op, EML_OP_Relu);
	assert_string_equal(in_tensor(g, &g->nodes[1], 0)->name, "tx");
	assert_int_equal(g->nodes[2].op, EML_OP_Sigmoid);
	eml_converted_free(c);

	/* With x of 4 elements the else branch is taken, and its Hardmax is reported. */
	int64_t xd4[2] = { 2, 2 };
	b.inputs[0] = vinfo("x", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 2, xd4);
	assert_int_equal(convert(&b, NULL, &c), EDGEML_ERR_UNSUPPORTED);
	assert_contains(edgeml_last_error(),
			"node 'else_hardmax' (Hardmax, opset 13): op not supported");
	assert_contains(edgeml_last_error(), "in a branch of If 'if'");
}

/* What cannot fold names the node and the run-time input. */
static void test_fold_errors(void **state)
{
	(void)state;
	builder b = { .opset = 13 };
	int64_t xd[1] = { 4 }, zero = 0;
	input(&b, "x", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 1, xd);
	init_i64(&b, "zero", 0, NULL, &zero, 1);
	node(&b, "Expand", "embed", "x,shp", "y");
	int64_t four = 4;
	init_i64(&b, "shp", 1, (int64_t[]){ 1 }, &four, 1);
	output(&b, "y");
	eml_converted *c;
	assert_int_equal(convert(&b, NULL, &c), EDGEML_ERR_UNSUPPORTED);
	assert_string_equal(edgeml_last_error(),
			    "node 'embed' (Expand): input 0 'x' (input) is a graph input; edgeml "
			    "has Expand only as a conversion-time fold of constants (not a "
			    "runtime op yet): pass --constant x=FILE.npy to freeze it");
	/* Gather is a runtime op: of activations it stays in the graph. */
	builder r = { .opset = 13 };
	input(&r, "x", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 1, xd);
	init_i64(&r, "zero", 0, NULL, &zero, 1);
	node(&r, "Relu", "relu", "x", "act");
	node(&r, "Gather", "pick", "act,zero", "y");
	output(&r, "y");
	assert_int_equal(convert(&r, NULL, &c), EDGEML_OK);
	assert_int_equal(only_node(&c->graph, EML_OP_Gather)->n_inputs, 2);
	eml_converted_free(c);
	builder e = { .opset = 13 };
	int64_t v4[4] = { 1, 2, 3, 4 };
	init_i64(&e, "v", 1, xd, v4, 4);
	init_i64(&e, "zero", 0, NULL, &zero, 1);
	input(&e, "x", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 1, xd);
	node(&e, "Div", "div0", "v,zero", "q");
	node(&e, "Reshape", "r", "x,q", "y");
	output(&e, "y");
	assert_int_equal(convert(&e, NULL, &c), EDGEML_ERR_SHAPE);
	assert_contains(edgeml_last_error(), "node 'div0' (Div): integer division by zero");
	builder f = { .opset = 13 };
	init_i64(&f, "v", 1, xd, v4, 4);
	input(&f, "x", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 1, xd);
	input(&f, "cond", 9, 0, NULL);
	Onnx__NodeProto *iff = node(&f, "If", "if", "cond", "picked");
	builder tb = { 0 };
	node(&tb, "Relu", "tr", "x", "t_out");
	output(&tb, "t_out");
	attr_graph(iff, "then_branch", graph_of(&tb, "then"));
	attr_graph(iff, "else_branch", graph_of(&tb, "else"));
	output(&f, "picked");
	assert_int_equal(convert(&f, NULL, &c), EDGEML_ERR_UNSUPPORTED);
}

/* DQ → Split → Q on every output with the input's parameters becomes one Split on the 8-bit
 * tensor; with one output quantized differently the group stays float. */
static void test_qdq_split(void **state)
{
	(void)state;
	for (int other = 0; other < 2; other++) {
		builder b = { .opset = 13 };
		int64_t xd[3] = { 1, 6, 4 }, sd[1] = { 3 }, sv[3] = { 1, 2, 3 };
		input(&b, "x", ONNX__TENSOR_PROTO__DATA_TYPE__UINT8, 3, xd);
		init_f32(&b, "s", 0.1f);
		init_u8(&b, "z", 10);
		init_f32(&b, "s2", 0.2f);
		init_i64(&b, "parts", 1, sd, sv, 3);
		node(&b, "DequantizeLinear", "dq", "x,s,z", "xf");
		attr_int(node(&b, "Split", "sp", "xf,parts", "f0,f1,f2"), "axis", 1);
		node(&b, "QuantizeLinear", "q0", "f0,s,z", "y0");
		node(&b, "QuantizeLinear", "q1", other ? "f1,s2,z" : "f1,s,z", "y1");
		node(&b, "QuantizeLinear", "q2", "f2,s,z", "y2");
		output(&b, "y0");
		output(&b, "y1");
		output(&b, "y2");
		eml_converted *c;
		assert_int_equal(convert(&b, NULL, &c), EDGEML_OK);
		const eml_graph *g = &c->graph;
		const eml_node *sp = only_node(g, EML_OP_Split);
		if (other) {
			assert_int_equal(g->n_nodes, 5);
			assert_int_equal(g->tensors[sp->inputs[0]].dtype, EDGEML_DTYPE_FLOAT32);
		} else {
			assert_int_equal(g->n_nodes, 1);
			assert_string_equal(in_tensor(g, sp, 0)->name, "x");
			for (uint32_t k = 0; k < 3; k++) {
				const eml_tensor *t = &g->tensors[sp->outputs[k]];
				assert_int_equal(t->dtype, EDGEML_DTYPE_UINT8);
				assert_int_equal(t->dims[1], (int64_t)k + 1);
			}
			assert_string_equal(g->tensors[sp->outputs[2]].name, "y2");
		}
		eml_converted_free(c);
	}
}

/* A quantized GELU as quantize_static writes a PyTorch one over a [1, 256] input of dtype:
 * x / sqrt(2) → Erf → Q → + 1 → Q → x * · → Q → * 0.5 → Q. With keep, the Div's float
 * output is also a graph output, which keeps the Div and Erf apart in float. */
static void gelu_graph(builder *b, int dtype, int keep)
{
	int64_t xd[2] = { 1, 256 };
	int u8 = dtype == ONNX__TENSOR_PROTO__DATA_TYPE__UINT8;
	input(b, "x", dtype, 2, xd);
	init_f32(b, "xs", 0.05f);
	init_f32(b, "sqrt2", 1.4142135f);
	init_f32(b, "es", 2.0f / 255.0f);
	init_f32(b, "os", u8 ? 1.0f / 255.0f : 1.0f / 127.0f);
	init_f32(b, "as", 2.0f / 255.0f);
	init_f32(b, "ms", 0.04f);
	init_f32(b, "hs", u8 ? 1.0f / 256.0f : 1.0f / 128.0f);
	init_f32(b, "ys", 0.02f);
	if (u8) {
		init_u8(b, "xz", 128);
		init_u8(b, "ez", 128);
		init_u8(b, "one", 255);
		init_u8(b, "oz", 0);
		init_u8(b, "az", 0);
		init_u8(b, "mz", 10);
		init_u8(b, "half", 128);
		init_u8(b, "hz", 0);
		init_u8(b, "yz", 20);
	} else {
		init_i8(b, "xz", 3);
		init_i8(b, "ez", 0);
		init_i8(b, "one", 127);
		init_i8(b, "oz", 0);
		init_i8(b, "az", -128);
		init_i8(b, "mz", -5);
		init_i8(b, "half", 64);
		init_i8(b, "hz", 0);
		init_i8(b, "yz", -100);
	}
	node(b, "DequantizeLinear", "dx", "x,xs,xz", "xf");
	node(b, "Div", "div", "xf,sqrt2", "df");
	node(b, "Erf", "erf", "df", "ef");
	node(b, "QuantizeLinear", "qe", "ef,es,ez", "eq");
	node(b, "DequantizeLinear", "de", "eq,es,ez", "ef2");
	node(b, "DequantizeLinear", "do", "one,os,oz", "of");
	node(b, "Add", "add", "ef2,of", "af");
	node(b, "QuantizeLinear", "qa", "af,as,az", "aq");
	node(b, "DequantizeLinear", "da", "aq,as,az", "af2");
	node(b, "Mul", "mul1", "xf,af2", "mf");
	node(b, "QuantizeLinear", "qm", "mf,ms,mz", "mq");
	node(b, "DequantizeLinear", "dm", "mq,ms,mz", "mf2");
	node(b, "DequantizeLinear", "dh", "half,hs,hz", "hf");
	node(b, "Mul", "mul2", "mf2,hf", "yf");
	node(b, "QuantizeLinear", "qy", "yf,ys,yz", "y");
	output(b, "y");
	if (keep)
		output(b, "df");
}

/* The quantized GELU folds into one QLinearLookup of x (the Div → Erf chain into a table,
 * the constant Add and Mul composed into it, the x * · by the lookup-mul pass) whose bytes,
 * on every input byte of both types, are those of the unfolded graph on the reference
 * kernels (float Div and C's erff, then QLinearAdd, QLinearMul, QLinearMul). */
static void test_qdq_gelu_lookup(void **state)
{
	(void)state;
	for (int v = 0; v < 2; v++) {
		int dtype = v ? ONNX__TENSOR_PROTO__DATA_TYPE__INT8 :
				ONNX__TENSOR_PROTO__DATA_TYPE__UINT8;
		builder b = { .opset = 13 };
		gelu_graph(&b, dtype, 0);
		eml_converted *c;
		assert_int_equal(convert(&b, NULL, &c), EDGEML_OK);
		assert_int_equal(c->graph.n_nodes, 1);
		const eml_node *n = only_node(&c->graph, EML_OP_QLinearLookup);
		assert_string_equal(in_tensor(&c->graph, n, 0)->name, "x");
		eml_converted_free(c);
		builder k = { .opset = 13 };
		gelu_graph(&k, dtype, 1);
		assert_int_equal(convert(&k, NULL, &c), EDGEML_OK);
		assert_non_null(only_node(&c->graph, EML_OP_Erf));
		assert_non_null(only_node(&c->graph, EML_OP_QLinearAdd));
		eml_converted_free(c);
		uint8_t fused[256], apart[256];
		run_all_bytes(&b, fused);
		run_all_bytes_flags(&k, apart, EDGEML_SESSION_REFERENCE_KERNELS);
		int distinct = 0;
		for (int i = 0; i < 256; i++) {
			if (fused[i] != apart[i])
				fail_msg("%s: byte %d: fused %d, apart %d", v ? "int8" : "uint8", i,
					 fused[i], apart[i]);
			distinct += i > 0 && fused[i] != fused[i - 1];
		}
		assert_true(distinct > 20); /* a function of x, not a constant */
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_node_relu, teardown),
		cmocka_unit_test_teardown(test_node_conv_strides, teardown),
		cmocka_unit_test_teardown(test_node_qlinearconv, teardown),
		cmocka_unit_test_teardown(test_node_softmax_axis0, teardown),
		cmocka_unit_test_teardown(test_node_clip, teardown),
		cmocka_unit_test_teardown(test_node_squeeze, teardown),
		cmocka_unit_test(test_public_convert),
		cmocka_unit_test_teardown(test_qdq_conv_relu_per_channel, teardown),
		cmocka_unit_test_teardown(test_qdq_conv_bad_bias_scale_stays_float, teardown),
		cmocka_unit_test_teardown(test_qdq_matmul, teardown),
		cmocka_unit_test_teardown(test_qdq_add_concat_maxpool, teardown),
		cmocka_unit_test_teardown(test_qdq_sigmoid_lookup, teardown),
		cmocka_unit_test_teardown(test_qdq_swish_lookup, teardown),
		cmocka_unit_test_teardown(test_qdq_split, teardown),
		cmocka_unit_test_teardown(test_qdq_gelu_lookup, teardown),
		cmocka_unit_test_teardown(test_qdq_softmax, teardown),
		cmocka_unit_test_teardown(test_conv_batchnorm, teardown),
		cmocka_unit_test_teardown(test_hardsigmoid_mul_hardswish, teardown),
		cmocka_unit_test_teardown(test_hardswish_fold_bit_identical, teardown),
		cmocka_unit_test_teardown(test_conv_activation_fn, teardown),
		cmocka_unit_test_teardown(test_conv_activation_fn_bit_identical, teardown),
		cmocka_unit_test_teardown(test_conv_scalar_affine, teardown),
		cmocka_unit_test_teardown(test_convtranspose_bias_bn_relu, teardown),
		cmocka_unit_test_teardown(test_affine_into_pointwise_conv, teardown),
		cmocka_unit_test_teardown(test_constant_folding_and_identity, teardown),
		cmocka_unit_test_teardown(test_softmax_opset11_rewrite, teardown),
		cmocka_unit_test_teardown(test_old_opset_attributes, teardown),
		cmocka_unit_test_teardown(test_old_opset_slice_split_reduce, teardown),
		cmocka_unit_test_teardown(test_lstm_activations, teardown),
		cmocka_unit_test_teardown(test_unsupported_op, teardown),
		cmocka_unit_test_teardown(test_cycle, teardown),
		cmocka_unit_test_teardown(test_unordered_nodes_are_sorted, teardown),
		cmocka_unit_test_teardown(test_bad_input_and_shapes, teardown),
		cmocka_unit_test_teardown(test_constant_output_dropout_and_plain_q, teardown),
		cmocka_unit_test_teardown(test_fold_shape_gather_concat, teardown),
		cmocka_unit_test_teardown(test_fold_slice_cast_arith_range, teardown),
		cmocka_unit_test_teardown(test_fold_fill_expand_where, teardown),
		cmocka_unit_test_teardown(test_fold_mod_scatternd_dropout, teardown),
		cmocka_unit_test_teardown(test_einsum_batched_matmul, teardown),
		cmocka_unit_test_teardown(test_dead_taps, teardown),
		cmocka_unit_test_teardown(test_fold_if_constant_condition, teardown),
		cmocka_unit_test_teardown(test_fold_errors, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
