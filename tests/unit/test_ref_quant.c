/* test_ref_quant.c — the quantized ops (infer + reference kernels) against ONNX's recorded
 * node-test data, against naive double-precision computations over random shapes and
 * parameters, and on malformed nodes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "cpu/ref/ref.h"
#include "edgeml.h"
#include "ops/ops.h"
#include "quant/quant.h"

#define MAX_IN 16
#define MAX_ATTRS 10
#define U8 EDGEML_DTYPE_UINT8
#define I8 EDGEML_DTYPE_INT8
#define I32 EDGEML_DTYPE_INT32
#define F32 EDGEML_DTYPE_FLOAT32

/* One node under test: its input descriptors and buffers, attributes and output. */
typedef struct qcase {
	eml_node node;
	eml_attr attrs[MAX_ATTRS];
	uint32_t in_idx[MAX_IN], out_idx[1];
	eml_tensor in[MAX_IN];
	const eml_tensor *inp[MAX_IN];
	const void *in_data[MAX_IN];
	eml_tensor out;
	void *out_data;
} qcase;

/* Starts a node of op with no inputs or attributes and one output. */
static void qc_init(qcase *c, uint32_t op)
{
	memset(c, 0, sizeof(*c));
	c->node.name = "q";
	c->node.op = op;
	c->node.attrs = c->attrs;
	c->node.inputs = c->in_idx;
	c->node.outputs = c->out_idx;
	c->node.n_outputs = 1;
	c->out.name = "y";
}

/* Appends an input of dtype and shape over data; NULL data makes it an absent input. */
static void qc_in(qcase *c, uint32_t dtype, uint32_t rank, const int64_t *dims, const void *data)
{
	uint32_t k = c->node.n_inputs++;
	assert_true(k < MAX_IN);
	c->in_idx[k] = data ? k + 1 : EML_NO_TENSOR;
	if (!data)
		return;
	eml_tensor *t = &c->in[k];
	t->name = "in";
	t->dtype = dtype;
	t->rank = rank;
	for (uint32_t i = 0; i < rank; i++)
		t->dims[i] = dims[i];
	t->flags = EML_TF_INPUT;
	c->inp[k] = t;
	c->in_data[k] = data;
}

#define NDIMS(...) ((uint32_t)(sizeof((int64_t[]){ __VA_ARGS__ }) / sizeof(int64_t)))
/* Appends an input with the given dims; QSCALAR appends a rank-0 one. */
#define QIN(c, dt, data, ...) qc_in(c, dt, NDIMS(__VA_ARGS__), (int64_t[]){ __VA_ARGS__ }, data)
#define QSCALAR(c, dt, data) qc_in(c, dt, 0, NULL, data)

/* Adds an attribute slot named name of type type. */
static eml_attr *qc_attr(qcase *c, const char *name, uint32_t type)
{
	assert_true(c->node.n_attrs < MAX_ATTRS);
	eml_attr *a = &c->attrs[c->node.n_attrs++];
	a->name = name;
	a->type = type;
	return a;
}

/* Adds an INT attribute. */
static void qc_int(qcase *c, const char *name, int64_t v)
{
	qc_attr(c, name, EML_ATTR_INT)->i = v;
}

/* Adds a FLOAT attribute. */
static void qc_float(qcase *c, const char *name, float v)
{
	qc_attr(c, name, EML_ATTR_FLOAT)->f = v;
}

/* Adds an INTS attribute; v must outlive the case. */
static void qc_ints(qcase *c, const char *name, const int64_t *v, uint32_t n)
{
	eml_attr *a = qc_attr(c, name, EML_ATTR_INTS);
	a->ints = v;
	a->count = n;
}

/* Adds a STRING attribute. */
static void qc_str(qcase *c, const char *name, const char *s)
{
	eml_attr *a = qc_attr(c, name, EML_ATTR_STRING);
	a->s = s;
	a->count = (uint32_t)strlen(s);
}

/* Runs infer only. */
static edgeml_status qc_infer(qcase *c)
{
	return eml_op_infer(&c->node, c->inp, &c->out);
}

/* Runs infer, then the reference kernel into a fresh output buffer (freed by qc_free). */
static edgeml_status qc_run(qcase *c)
{
	edgeml_status st = qc_infer(c);
	if (st != EDGEML_OK) {
		print_message("infer: %s\n", edgeml_last_error());
		return st;
	}
	uint64_t bytes = eml_tensor_bytes(&c->out);
	c->out_data = test_calloc(1, (size_t)bytes + 1);
	const eml_tensor *outp[1] = { &c->out };
	void *out_data[1] = { c->out_data };
	eml_kernel_ctx ctx = { .node = &c->node, .in = c->inp, .out = outp,
			       .in_data = c->in_data, .out_data = out_data };
	return eml_ref_kernel(c->node.op)(&ctx);
}

/* Releases the output buffer. */
static void qc_free(qcase *c)
{
	test_free(c->out_data);
	c->out_data = NULL;
}

/* Checks the output's dtype and dims. */
static void expect_shape(const qcase *c, uint32_t dtype, uint32_t rank, const int64_t *dims)
{
	assert_int_equal(c->out.dtype, dtype);
	assert_int_equal(c->out.rank, rank);
	for (uint32_t i = 0; i < rank; i++)
		assert_int_equal(c->out.dims[i], dims[i]);
}

/* ---- independent arithmetic for the expectations ------------------------------------- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

/* xorshift64*: reproducible pseudo-random numbers. */
static uint32_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 2685821657736338717ull) >> 32);
}

/* A uniform integer in [lo, hi]. */
static int rint_in(int lo, int hi)
{
	return lo + (int)(rnd() % (uint32_t)(hi - lo + 1));
}

/* A uniform float in [lo, hi]. */
static float rfloat(float lo, float hi)
{
	return lo + (hi - lo) * (float)(rnd() >> 8) / (float)(1u << 24);
}

/* Smallest and largest value of an 8-bit dtype. */
static int tmin(uint32_t dt)
{
	return dt == U8 ? 0 : -128;
}

static int tmax(uint32_t dt)
{
	return dt == U8 ? 255 : 127;
}

/* A random 8-bit dtype. */
static uint32_t rdtype(void)
{
	return rint_in(0, 1) ? U8 : I8;
}

/* Element i of a uint8/int8/int32 buffer. */
static int64_t qget(const void *p, uint32_t dt, int64_t i)
{
	if (dt == U8)
		return ((const uint8_t *)p)[i];
	if (dt == I8)
		return ((const int8_t *)p)[i];
	return ((const int32_t *)p)[i];
}

/* Stores v in element i of a uint8/int8/int32 buffer. */
static void qset(void *p, uint32_t dt, int64_t i, int64_t v)
{
	if (dt == U8)
		((uint8_t *)p)[i] = (uint8_t)v;
	else if (dt == I8)
		((int8_t *)p)[i] = (int8_t)v;
	else
		((int32_t *)p)[i] = (int32_t)v;
}

/* Fills n elements with random values of the 8-bit type. */
static void fill(void *p, uint32_t dt, int64_t n)
{
	for (int64_t i = 0; i < n; i++)
		qset(p, dt, i, rint_in(tmin(dt), tmax(dt)));
}

/* A zero point, often at the type's extremes or its middle. */
static int rzp(uint32_t dt)
{
	switch (rint_in(0, 4)) {
	case 0: return tmin(dt);
	case 1: return tmax(dt);
	case 2: return dt == U8 ? 128 : 0;
	default: return rint_in(tmin(dt), tmax(dt));
	}
}

/* ONNX quantization in double: saturate(round_half_even(real / scale) + zp). */
static int64_t quant_d(double real, double scale, int64_t zp, int64_t lo, int64_t hi)
{
	double q = nearbyint(real / scale) + (double)zp;
	return q < (double)lo ? lo : (q > (double)hi ? hi : (int64_t)q);
}

/* Asserts every quantized output is within tol of the expectation. */
static void expect_close(const void *got, uint32_t dt, const int64_t *want, int64_t n, int64_t tol)
{
	for (int64_t i = 0; i < n; i++) {
		int64_t g = qget(got, dt, i), d = g > want[i] ? g - want[i] : want[i] - g;
		if (d > tol) {
			print_message("element %lld: got %lld, expected %lld (tolerance %lld)\n",
				      (long long)i, (long long)g, (long long)want[i],
				      (long long)tol);
			fail();
		}
	}
}

/* Output range of a quantized result after a fused [amin, amax] clamp. */
static void act_range(uint32_t dt, float amin, float amax, float ys, int zp, int64_t *lo,
		      int64_t *hi)
{
	*lo = quant_d(amin, ys, zp, tmin(dt), tmax(dt));
	*hi = quant_d(amax, ys, zp, tmin(dt), tmax(dt));
}

/* An output scale putting max_abs near the edge of the type's range, times factor (< 1
 * saturates some outputs). */
static float pick_scale(double max_abs, double factor)
{
	return max_abs > 0 ? (float)(max_abs / 127.0 * factor) : 0.01f;
}

/* ---- (a) ONNX node tests: recorded inputs and outputs ---------------------------------- */

/* onnx test_qlinearconv: 1x1x7x7 uint8 input, 1x1 kernel, per-channel (1) weight params. */
static void test_onnx_qlinearconv(void **state)
{
	static const uint8_t x[49] = {
		255, 174, 162, 25, 203, 168, 58, 15, 59, 237, 95, 129, 0, 64, 56, 242, 153,
		221, 168, 12, 166, 232, 178, 186, 195, 237, 162, 237, 188, 39, 124, 77, 80, 102,
		43, 127, 230, 21, 83, 41, 40, 134, 255, 154, 92, 141, 42, 148, 247 };
	static const int64_t y[49] = {
		0, 81, 93, 230, 52, 87, 197, 240, 196, 18, 160, 126, 255, 191, 199, 13, 102,
		34, 87, 243, 89, 23, 77, 69, 60, 18, 93, 18, 67, 216, 131, 178, 175, 153, 212,
		128, 25, 234, 172, 214, 215, 121, 0, 101, 163, 114, 213, 107, 8 };
	static const float xs = 0.003692046971991658f, ws = 0.0017279457533732057f;
	static const float ys = 0.001626812620088458f;
	static const uint8_t xz = 132, w = 0, wz = 255, yz = 123;
	qcase c;
	(void)state;
	qc_init(&c, EML_OP_QLinearConv);
	QIN(&c, U8, x, 1, 1, 7, 7);
	QSCALAR(&c, F32, &xs);
	QSCALAR(&c, U8, &xz);
	QIN(&c, U8, &w, 1, 1, 1, 1);
	QIN(&c, F32, &ws, 1);
	QIN(&c, U8, &wz, 1);
	QSCALAR(&c, F32, &ys);
	QSCALAR(&c, U8, &yz);
	assert_int_equal(qc_run(&c), EDGEML_OK);
	expect_shape(&c, U8, 4, (int64_t[]){ 1, 1, 7, 7 });
	expect_close(c.out_data, U8, y, 49, 0);
	qc_free(&c);
}

static const uint8_t mm_a[8] = { 208, 236, 0, 238, 3, 214, 255, 29 };
static const uint8_t mm_b[12] = { 152, 51, 244, 60, 26, 255, 0, 127, 246, 127, 254, 247 };
static const int64_t mm_y[6] = { 168, 115, 255, 1, 66, 151 };
static const float mm_as = 0.006599999964237213f, mm_bs = 0.0070500001311302185f;
static const float mm_ys = 0.010700000450015068f;
static const uint8_t mm_az = 113, mm_bz = 114, mm_yz = 118;

/* Appends QLinearMatMul's parameters in ONNX's test layout ([1] vectors) around a and b. */
static void onnx_qlinearmatmul(qcase *c, const void *a, const int64_t *ad, uint32_t ar,
			       const void *b, const int64_t *bd, uint32_t br)
{
	qc_init(c, EML_OP_QLinearMatMul);
	qc_in(c, U8, ar, ad, a);
	QIN(c, F32, &mm_as, 1);
	QIN(c, U8, &mm_az, 1);
	qc_in(c, U8, br, bd, b);
	QIN(c, F32, &mm_bs, 1);
	QIN(c, U8, &mm_bz, 1);
	QIN(c, F32, &mm_ys, 1);
	QIN(c, U8, &mm_yz, 1);
}

/* onnx test_qlinearmatmul_2D and _3D (the 3-D one repeats the 2-D data in two batches). */
static void test_onnx_qlinearmatmul(void **state)
{
	uint8_t a3[16], b3[24];
	int64_t y3[12];
	qcase c;
	(void)state;
	onnx_qlinearmatmul(&c, mm_a, (int64_t[]){ 2, 4 }, 2, mm_b, (int64_t[]){ 4, 3 }, 2);
	assert_int_equal(qc_run(&c), EDGEML_OK);
	expect_shape(&c, U8, 2, (int64_t[]){ 2, 3 });
	expect_close(c.out_data, U8, mm_y, 6, 0);
	qc_free(&c);

	for (int i = 0; i < 2; i++) {
		memcpy(a3 + 8 * i, mm_a, 8);
		memcpy(b3 + 12 * i, mm_b, 12);
		memcpy(y3 + 6 * i, mm_y, sizeof(mm_y));
	}
	onnx_qlinearmatmul(&c, a3, (int64_t[]){ 2, 2, 4 }, 3, b3, (int64_t[]){ 2, 4, 3 }, 3);
	assert_int_equal(qc_run(&c), EDGEML_OK);
	expect_shape(&c, U8, 3, (int64_t[]){ 2, 2, 3 });
	expect_close(c.out_data, U8, y3, 12, 0);
	qc_free(&c);
}

/* onnx test_basic_convinteger / test_convinteger_with_padding. */
static void test_onnx_convinteger(void **state)
{
	static const uint8_t x[9] = { 2, 3, 4, 5, 6, 7, 8, 9, 10 }, w[4] = { 1, 1, 1, 1 };
	static const uint8_t xz = 1;
	static const int64_t y[4] = { 12, 16, 24, 28 };
	static const int64_t yp[16] = { 1, 3, 5, 3, 5, 12, 16, 9, 11, 24, 28, 15, 7, 15, 17, 9 };
	static const int64_t pads[4] = { 1, 1, 1, 1 };
	qcase c;
	(void)state;
	for (int padded = 0; padded < 2; padded++) {
		qc_init(&c, EML_OP_ConvInteger);
		QIN(&c, U8, x, 1, 1, 3, 3);
		QIN(&c, U8, w, 1, 1, 2, 2);
		QSCALAR(&c, U8, &xz);
		if (padded)
			qc_ints(&c, "pads", pads, 4);
		assert_int_equal(qc_run(&c), EDGEML_OK);
		int64_t side = padded ? 4 : 2;
		expect_shape(&c, I32, 4, (int64_t[]){ 1, 1, side, side });
		expect_close(c.out_data, I32, padded ? yp : y, side * side, 0);
		qc_free(&c);
	}
}

/* onnx test_matmulinteger. */
static void test_onnx_matmulinteger(void **state)
{
	static const uint8_t a[12] = { 11, 7, 3, 10, 6, 2, 9, 5, 1, 8, 4, 0 };
	static const uint8_t b[6] = { 1, 4, 2, 5, 3, 6 }, az = 12, bz = 0;
	static const int64_t y[8] = { -38, -83, -44, -98, -50, -113, -56, -128 };
	qcase c;
	(void)state;
	qc_init(&c, EML_OP_MatMulInteger);
	QIN(&c, U8, a, 4, 3);
	QIN(&c, U8, b, 3, 2);
	QIN(&c, U8, &az, 1);
	QIN(&c, U8, &bz, 1);
	assert_int_equal(qc_run(&c), EDGEML_OK);
	expect_shape(&c, I32, 2, (int64_t[]){ 4, 2 });
	expect_close(c.out_data, I32, y, 8, 0);
	qc_free(&c);
}

static const float qdq_axis_x[18] = { -162, 10, -100, 232, -20, -50, -76, 0, 0,
				      252, 32, -44, 245, -485, -960, -270, -375, -470 };
static const uint8_t qdq_axis_q[18] = { 3, 89, 34, 200, 74, 59, 5, 24, 24,
					87, 32, 13, 245, 99, 4, 142, 121, 102 };
static const float qdq_axis_s[3] = { 2, 4, 5 };
static const uint8_t qdq_axis_z[3] = { 84, 24, 196 };

/* onnx test_quantizelinear and test_quantizelinear_axis. */
static void test_onnx_quantizelinear(void **state)
{
	static const float x[6] = { 0, 2, 3, 1000, -254, -1000 }, s = 2;
	static const uint8_t z = 128;
	static const int64_t y[6] = { 128, 129, 130, 255, 1, 0 };
	int64_t ya[18];
	qcase c;
	(void)state;
	qc_init(&c, EML_OP_QuantizeLinear);
	QIN(&c, F32, x, 6);
	QSCALAR(&c, F32, &s);
	QSCALAR(&c, U8, &z);
	assert_int_equal(qc_run(&c), EDGEML_OK);
	expect_shape(&c, U8, 1, (int64_t[]){ 6 });
	expect_close(c.out_data, U8, y, 6, 0);
	qc_free(&c);

	for (int i = 0; i < 18; i++)
		ya[i] = qdq_axis_q[i];
	qc_init(&c, EML_OP_QuantizeLinear);
	QIN(&c, F32, qdq_axis_x, 1, 3, 3, 2);
	QIN(&c, F32, qdq_axis_s, 3);
	QIN(&c, U8, qdq_axis_z, 3);
	assert_int_equal(qc_run(&c), EDGEML_OK);
	expect_shape(&c, U8, 4, (int64_t[]){ 1, 3, 3, 2 });
	expect_close(c.out_data, U8, ya, 18, 0);
	qc_free(&c);
}

/* onnx test_dequantizelinear and test_dequantizelinear_axis (results are exact). */
static void test_onnx_dequantizelinear(void **state)
{
	static const uint8_t x[4] = { 0, 3, 128, 255 }, z = 128;
	static const float s = 2, y[4] = { -256, -250, 0, 254 };
	qcase c;
	(void)state;
	qc_init(&c, EML_OP_DequantizeLinear);
	QIN(&c, U8, x, 4);
	QSCALAR(&c, F32, &s);
	QSCALAR(&c, U8, &z);
	assert_int_equal(qc_run(&c), EDGEML_OK);
	expect_shape(&c, F32, 1, (int64_t[]){ 4 });
	assert_memory_equal(c.out_data, y, sizeof(y));
	qc_free(&c);

	qc_init(&c, EML_OP_DequantizeLinear);
	QIN(&c, U8, qdq_axis_q, 1, 3, 3, 2);
	QIN(&c, F32, qdq_axis_s, 3);
	QIN(&c, U8, qdq_axis_z, 3);
	assert_int_equal(qc_run(&c), EDGEML_OK);
	assert_memory_equal(c.out_data, qdq_axis_x, sizeof(qdq_axis_x));
	qc_free(&c);
}

/* Ties round to even, and a missing zero point means uint8 with zero point 0. */
static void test_quantize_ties_and_default(void **state)
{
	static const float x[8] = { 0.5f, 1.5f, 2.5f, -0.5f, -1.5f, -2.5f, 300.0f, -3.0f };
	static const float s = 1.0f;
	static const int8_t z = 0;
	static const int64_t y8[8] = { 0, 2, 2, 0, -2, -2, 127, -3 };
	static const int64_t yu[8] = { 0, 2, 2, 0, 0, 0, 255, 0 };
	qcase c;
	(void)state;
	qc_init(&c, EML_OP_QuantizeLinear);
	QIN(&c, F32, x, 8);
	QSCALAR(&c, F32, &s);
	QSCALAR(&c, I8, &z);
	assert_int_equal(qc_run(&c), EDGEML_OK);
	expect_close(c.out_data, I8, y8, 8, 0);
	qc_free(&c);

	qc_init(&c, EML_OP_QuantizeLinear);
	QIN(&c, F32, x, 8);
	QSCALAR(&c, F32, &s);
	assert_int_equal(qc_run(&c), EDGEML_OK);
	expect_shape(&c, U8, 1, (int64_t[]){ 8 });
	expect_close(c.out_data, U8, yu, 8, 0);
	qc_free(&c);
}

/* ---- (b) random cases against naive double-precision computations -------------------- */

#define CONV_MAX 16384

/* A random convolution: shapes, attributes and the output geometry computed here, by the
 * ONNX formulas, independently of the runtime's geometry code. */
typedef struct conv_case {
	int nsp, n, c, m, group;
	int64_t in[3], k[3], stride[3], dil[3], pb[3], pe[3], out[3];
	int64_t strides_attr[3], dil_attr[3], pads_attr[6], kshape_attr[3];
	const char *auto_pad;
} conv_case;

/* Draws a convolution (depthwise about one time in four). */
static void conv_draw(conv_case *cc)
{
	static const char *const modes[] = { "NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID" };
	cc->nsp = rint_in(1, 3);
	cc->n = rint_in(1, 2);
	if (rint_in(0, 3) == 0) {
		cc->group = cc->c = rint_in(1, 5);
		cc->m = cc->c * rint_in(1, 2);
	} else {
		cc->group = rint_in(1, 3);
		cc->c = cc->group * rint_in(1, 3);
		cc->m = cc->group * rint_in(1, 3);
	}
	cc->auto_pad = modes[rint_in(0, 3)];
	for (int i = 0; i < cc->nsp; i++) {
		cc->k[i] = rint_in(1, 3);
		cc->stride[i] = rint_in(1, 2);
		cc->dil[i] = rint_in(1, 2);
		int64_t eff = (cc->k[i] - 1) * cc->dil[i] + 1;
		cc->in[i] = rint_in(1, cc->nsp == 3 ? 5 : 8);
		cc->pb[i] = cc->pe[i] = 0;
		if (strcmp(cc->auto_pad, "NOTSET") == 0) {
			cc->pb[i] = rint_in(0, 2);
			cc->pe[i] = rint_in(0, 2);
		}
		if (strncmp(cc->auto_pad, "SAME", 4) == 0) {
			cc->out[i] = (cc->in[i] + cc->stride[i] - 1) / cc->stride[i];
			int64_t total = (cc->out[i] - 1) * cc->stride[i] + eff - cc->in[i];
			total = total > 0 ? total : 0;
			int64_t small = total / 2;
			cc->pb[i] = cc->auto_pad[5] == 'U' ? small : total - small;
			cc->pe[i] = total - cc->pb[i];
		} else {
			if (cc->in[i] + cc->pb[i] + cc->pe[i] < eff)
				cc->in[i] = eff;
			cc->out[i] = (cc->in[i] + cc->pb[i] + cc->pe[i] - eff) / cc->stride[i] + 1;
		}
		cc->strides_attr[i] = cc->stride[i];
		cc->dil_attr[i] = cc->dil[i];
		cc->kshape_attr[i] = cc->k[i];
		cc->pads_attr[i] = cc->pb[i];
		cc->pads_attr[cc->nsp + i] = cc->pe[i];
	}
}

/* Adds the convolution's attributes to a node (kernel_shape only sometimes). */
static void conv_attrs(qcase *q, const conv_case *cc)
{
	qc_ints(q, "strides", cc->strides_attr, (uint32_t)cc->nsp);
	qc_ints(q, "dilations", cc->dil_attr, (uint32_t)cc->nsp);
	qc_int(q, "group", cc->group);
	if (rint_in(0, 1))
		qc_ints(q, "kernel_shape", cc->kshape_attr, (uint32_t)cc->nsp);
	if (strcmp(cc->auto_pad, "NOTSET") == 0)
		qc_ints(q, "pads", cc->pads_attr, 2 * (uint32_t)cc->nsp);
	else
		qc_str(q, "auto_pad", cc->auto_pad);
}

/* Appends the dims [a, b, spatial...] of a convolution operand to q as an input. */
static void conv_in(qcase *q, uint32_t dt, const void *data, int64_t a, int64_t b,
		    const int64_t *sp, int nsp)
{
	int64_t dims[5] = { a, b };
	for (int i = 0; i < nsp; i++)
		dims[2 + i] = sp[i];
	qc_in(q, dt, 2 + (uint32_t)nsp, dims, data);
}

/* Product of the first n values. */
static int64_t prod(const int64_t *v, int n)
{
	int64_t p = 1;
	for (int i = 0; i < n; i++)
		p *= v[i];
	return p;
}

/* The integer sum of (x - xz)(w - wz[m]) of one output element, walking the window directly
 * with flat NCHW indices. */
static int64_t conv_sum(const conv_case *cc, const void *x, uint32_t xdt, int xz, const void *w,
			uint32_t wdt, int wz, int64_t n, int64_t m, const int64_t *o)
{
	int64_t cg = cc->c / cc->group, sum = 0;
	int64_t kvol = prod(cc->k, cc->nsp), ivol = prod(cc->in, cc->nsp);
	for (int64_t ci = 0; ci < cg; ci++) {
		int64_t chan = (m / (cc->m / cc->group)) * cg + ci;
		for (int64_t kp = 0; kp < kvol; kp++) {
			int64_t rem = kp, xi = 0, ok = 1;
			int64_t kidx[3];
			for (int d = cc->nsp - 1; d >= 0; d--) {
				kidx[d] = rem % cc->k[d];
				rem /= cc->k[d];
			}
			for (int d = 0; d < cc->nsp; d++) {
				int64_t p = o[d] * cc->stride[d] + kidx[d] * cc->dil[d] - cc->pb[d];
				if (p < 0 || p >= cc->in[d])
					ok = 0;
				xi = xi * cc->in[d] + p;
			}
			if (!ok)
				continue;
			int64_t xv = qget(x, xdt, (n * cc->c + chan) * ivol + xi) - xz;
			int64_t wv = qget(w, wdt, (m * cg + ci) * kvol + kp) - wz;
			sum += xv * wv;
		}
	}
	return sum;
}

/* Output position o (spatial coordinates) of flat spatial index p. */
static void unflatten(int64_t p, const int64_t *dims, int nsp, int64_t *o)
{
	for (int d = nsp - 1; d >= 0; d--) {
		o[d] = p % dims[d];
		p /= dims[d];
	}
}

/* QLinearConv over random shapes, groups, strides, dilations, pads, auto_pad, dtypes,
 * per-tensor or per-channel weights, optional bias and fused activation, within 1 LSB of
 * dequantize -> double convolution -> quantize. */
static void test_random_qlinearconv(void **state)
{
	static uint8_t x[CONV_MAX], w[CONV_MAX];
	static float ws[16];
	static uint8_t wz[16];
	static int32_t bias[16];
	static double real[CONV_MAX];
	static int64_t want[CONV_MAX];
	(void)state;
	for (int iter = 0; iter < 300; iter++) {
		conv_case cc;
		conv_draw(&cc);
		uint32_t xdt = rdtype(), wdt = rdtype(), ydt = rdtype();
		int64_t ivol = prod(cc.in, cc.nsp), ovol = prod(cc.out, cc.nsp);
		int64_t kvol = prod(cc.k, cc.nsp), cg = cc.c / cc.group;
		int64_t nx = cc.n * cc.c * ivol, nw = cc.m * cg * kvol, ny = cc.n * cc.m * ovol;
		assert_true(nx <= CONV_MAX && nw <= CONV_MAX && ny <= CONV_MAX && cc.m <= 16);
		fill(x, xdt, nx);
		fill(w, wdt, nw);
		float xs = rfloat(0.001f, 0.05f);
		uint8_t xz_b, yz_b;
		int xz = rzp(xdt), per_ch = rint_in(0, 1), has_bias = rint_in(0, 1);
		qset(&xz_b, xdt, 0, xz);
		for (int m = 0; m < cc.m; m++) {
			ws[m] = rfloat(0.001f, 0.05f);
			qset(wz, wdt, m, per_ch || m == 0 ? rzp(wdt) : qget(wz, wdt, 0));
			bias[m] = rint_in(-20000, 20000);
		}
		if (!per_ch)
			for (int m = 1; m < cc.m; m++)
				ws[m] = ws[0];
		double max_abs = 0;
		for (int64_t i = 0; i < ny; i++) {
			int64_t o[3], m = (i / ovol) % cc.m, n = i / (ovol * cc.m);
			unflatten(i % ovol, cc.out, cc.nsp, o);
			int64_t sum = conv_sum(&cc, x, xdt, xz, w, wdt, (int)qget(wz, wdt, m), n, m,
					       o) + (has_bias ? bias[m] : 0);
			real[i] = (double)sum * xs * ws[m];
			max_abs = fmax(max_abs, fabs(real[i]));
		}
		static const double factors[] = { 0.3, 1.0, 1.7 };
		float ys = pick_scale(max_abs, factors[rint_in(0, 2)]);
		int yz = rzp(ydt);
		qset(&yz_b, ydt, 0, yz);
		float amin = -INFINITY, amax = INFINITY;
		int act = rint_in(0, 2) == 0;
		if (act) {
			amin = rint_in(0, 1) ? 0.0f : (float)(-max_abs * 0.4);
			amax = (float)(max_abs * 0.6);
		}
		int64_t lo, hi;
		act_range(ydt, amin, amax, ys, yz, &lo, &hi);
		for (int64_t i = 0; i < ny; i++)
			want[i] = quant_d(real[i], ys, yz, lo, hi);

		qcase q;
		qc_init(&q, EML_OP_QLinearConv);
		conv_in(&q, xdt, x, cc.n, cc.c, cc.in, cc.nsp);
		QSCALAR(&q, F32, &xs);
		QSCALAR(&q, xdt, &xz_b);
		conv_in(&q, wdt, w, cc.m, cg, cc.k, cc.nsp);
		if (per_ch) {
			QIN(&q, F32, ws, cc.m);
			QIN(&q, wdt, wz, cc.m);
		} else {
			QSCALAR(&q, F32, ws);
			QIN(&q, wdt, wz, 1);
		}
		QSCALAR(&q, F32, &ys);
		QSCALAR(&q, ydt, &yz_b);
		if (has_bias)
			QIN(&q, I32, bias, cc.m);
		conv_attrs(&q, &cc);
		if (act) {
			qc_float(&q, "activation_min", amin);
			qc_float(&q, "activation_max", amax);
		}
		assert_int_equal(qc_run(&q), EDGEML_OK);
		int64_t dims[5] = { cc.n, cc.m };
		memcpy(dims + 2, cc.out, (size_t)cc.nsp * sizeof(int64_t));
		expect_shape(&q, ydt, 2 + (uint32_t)cc.nsp, dims);
		expect_close(q.out_data, ydt, want, ny, 1);
		qc_free(&q);
	}
}

/* ConvInteger over random convolutions, with and without zero points: exact int32 sums. */
static void test_random_convinteger(void **state)
{
	static uint8_t x[CONV_MAX], w[CONV_MAX], wz[16];
	static int64_t want[CONV_MAX];
	(void)state;
	for (int iter = 0; iter < 200; iter++) {
		conv_case cc;
		conv_draw(&cc);
		uint32_t xdt = rdtype(), wdt = rdtype();
		int64_t ivol = prod(cc.in, cc.nsp), ovol = prod(cc.out, cc.nsp);
		int64_t kvol = prod(cc.k, cc.nsp), cg = cc.c / cc.group;
		int64_t nx = cc.n * cc.c * ivol, nw = cc.m * cg * kvol, ny = cc.n * cc.m * ovol;
		fill(x, xdt, nx);
		fill(w, wdt, nw);
		int zps = rint_in(0, 2), per_ch = rint_in(0, 1);
		uint8_t xz_b;
		int xz = zps ? rzp(xdt) : 0;
		qset(&xz_b, xdt, 0, xz);
		for (int m = 0; m < cc.m; m++) {
			int wzv = per_ch || m == 0 ? rzp(wdt) : (int)qget(wz, wdt, 0);
			qset(wz, wdt, m, zps == 2 ? wzv : 0);
		}
		for (int64_t i = 0; i < ny; i++) {
			int64_t o[3], m = (i / ovol) % cc.m, n = i / (ovol * cc.m);
			unflatten(i % ovol, cc.out, cc.nsp, o);
			want[i] = conv_sum(&cc, x, xdt, xz, w, wdt, (int)qget(wz, wdt, m), n, m, o);
		}
		qcase q;
		qc_init(&q, EML_OP_ConvInteger);
		conv_in(&q, xdt, x, cc.n, cc.c, cc.in, cc.nsp);
		conv_in(&q, wdt, w, cc.m, cg, cc.k, cc.nsp);
		if (zps >= 1)
			QSCALAR(&q, xdt, &xz_b);
		if (zps == 2) {
			if (per_ch)
				QIN(&q, wdt, wz, cc.m);
			else
				QSCALAR(&q, wdt, wz);
		}
		conv_attrs(&q, &cc);
		assert_int_equal(qc_run(&q), EDGEML_OK);
		expect_close(q.out_data, I32, want, ny, 0);
		qc_free(&q);
	}
}

/* A random numpy.matmul problem: a [..., M, K] (or [K]) by b [..., K, N] (or [K]), batch dims
 * broadcast, with the expected output shape. */
typedef struct mm_case {
	int64_t m, k, n;
	uint32_t ar, br, yr, abr, bbr, ybr; /* ranks and batch ranks */
	int64_t ad[6], bd[6], yd[6];
	int64_t batches;
} mm_case;

/* Draws a matmul problem: vectors sometimes, up to two batch dims, some of them 1. */
static void mm_draw(mm_case *mc)
{
	int a_vec = rint_in(0, 5) == 0, b_vec = rint_in(0, 5) == 0;
	int nb = rint_in(0, 2), abr = a_vec ? 0 : rint_in(0, nb), bbr = b_vec ? 0 : rint_in(0, nb);
	int64_t bdims[2] = { rint_in(1, 3), rint_in(1, 3) };
	mc->m = rint_in(1, 6);
	mc->k = rint_in(1, 9);
	mc->n = rint_in(1, 6);
	mc->ar = mc->br = mc->yr = 0;
	for (int i = nb - abr; i < nb; i++)
		mc->ad[mc->ar++] = rint_in(0, 3) ? bdims[i] : 1;
	for (int i = nb - bbr; i < nb; i++)
		mc->bd[mc->br++] = rint_in(0, 3) ? bdims[i] : 1;
	int ybr = abr > bbr ? abr : bbr;
	mc->abr = (uint32_t)abr;
	mc->bbr = (uint32_t)bbr;
	mc->ybr = (uint32_t)ybr;
	mc->batches = 1;
	for (int i = 0; i < ybr; i++) {
		int64_t da = i < ybr - abr ? 1 : mc->ad[i - (ybr - abr)];
		int64_t db = i < ybr - bbr ? 1 : mc->bd[i - (ybr - bbr)];
		mc->yd[mc->yr++] = da > db ? da : db;
		mc->batches *= mc->yd[i];
	}
	if (!a_vec) {
		mc->ad[mc->ar++] = mc->m;
		mc->yd[mc->yr++] = mc->m;
	}
	mc->ad[mc->ar++] = mc->k;
	mc->bd[mc->br++] = mc->k;
	if (!b_vec) {
		mc->bd[mc->br++] = mc->n;
		mc->yd[mc->yr++] = mc->n;
	}
	if (a_vec)
		mc->m = 1;
	if (b_vec)
		mc->n = 1;
}

/* Index of the matrix of an operand with batch dims od[0..obr) that output batch number
 * batch reads, broadcasting size-1 and missing dims. */
static int64_t mm_matrix(const mm_case *mc, int64_t batch, const int64_t *od, uint32_t obr)
{
	int64_t coords[6], idx = 0;
	for (uint32_t i = mc->ybr; i-- > 0;) {
		coords[i] = batch % mc->yd[i];
		batch /= mc->yd[i];
	}
	for (uint32_t i = 0; i < obr; i++)
		idx = idx * od[i] + (od[i] == 1 ? 0 : coords[mc->ybr - obr + i]);
	return idx;
}

/* A per-row (a) or per-column (b) parameter layout: 0 one value, 1 a 1-D vector, 2 the
 * operand's shape with K set to 1. Returns the element of (matrix, i). */
static int64_t mm_param_index(int layout, int64_t matrix, int64_t i, int64_t count)
{
	return layout == 0 ? 0 : (layout == 1 ? i : matrix * count + i);
}

/* Appends a matmul parameter in layout over data: count values per matrix of the operand. */
static void mm_param_in(qcase *q, uint32_t dt, const void *data, int layout, const int64_t *od,
			uint32_t orank, int is_b, int64_t count)
{
	int64_t dims[6];
	if (layout == 0) {
		QIN(q, dt, data, 1);
		return;
	}
	if (layout == 1) {
		QIN(q, dt, data, count);
		return;
	}
	memcpy(dims, od, orank * sizeof(int64_t));
	dims[is_b ? orank - 2 : orank - 1] = 1;
	qc_in(q, dt, orank, dims, data);
}

/* Number of matrices of an operand with batch dims od[0..obr). */
static int64_t mm_count(const int64_t *od, uint32_t obr)
{
	return prod(od, (int)obr);
}

#define MM_MAX 4096

/* QLinearMatMul and MatMulInteger over random broadcast shapes, dtypes and parameter layouts
 * (per-tensor, per-row a, per-column b): within 1 LSB of the double computation, exact for
 * the int32 results. */
static void test_random_matmul(void **state)
{
	static uint8_t a[MM_MAX], b[MM_MAX], az[64], bz[64];
	static float as[64], bs[64];
	static double real[MM_MAX];
	static int64_t want[MM_MAX], isum[MM_MAX];
	(void)state;
	for (int iter = 0; iter < 400; iter++) {
		int integer = iter % 2;
		mm_case mc;
		mm_draw(&mc);
		uint32_t adt = rdtype(), bdt = rdtype(), ydt = rdtype();
		int64_t na = mm_count(mc.ad, mc.abr), nb = mm_count(mc.bd, mc.bbr);
		int64_t ny = mc.batches * mc.m * mc.n;
		assert_true(na * mc.m * mc.k <= MM_MAX && nb * mc.k * mc.n <= MM_MAX);
		assert_true(ny <= MM_MAX);
		fill(a, adt, na * mc.m * mc.k);
		fill(b, bdt, nb * mc.k * mc.n);
		/* Layouts other than per-tensor need a matrix operand. */
		int al = mc.ar > 1 ? rint_in(0, 2) : 0, bl = mc.br > 1 ? rint_in(0, 2) : 0;
		int zps = integer ? rint_in(0, 2) : 2;
		for (int i = 0; i < 64; i++) {
			qset(az, adt, i, rzp(adt));
			qset(bz, bdt, i, rzp(bdt));
			as[i] = rfloat(0.002f, 0.03f);
			bs[i] = rfloat(0.002f, 0.03f);
		}
		double max_abs = 0;
		for (int64_t bt = 0; bt < mc.batches; bt++) {
			int64_t ma = mm_matrix(&mc, bt, mc.ad, mc.abr);
			int64_t mb = mm_matrix(&mc, bt, mc.bd, mc.bbr);
			for (int64_t i = 0; i < mc.m; i++) {
				int64_t ai = mm_param_index(al, ma, i, mc.m);
				int64_t za = zps >= 1 ? qget(az, adt, ai) : 0;
				for (int64_t j = 0; j < mc.n; j++) {
					int64_t bi = mm_param_index(bl, mb, j, mc.n);
					int64_t zb = zps == 2 ? qget(bz, bdt, bi) : 0, s = 0;
					for (int64_t kk = 0; kk < mc.k; kk++) {
						int64_t ia = (ma * mc.m + i) * mc.k + kk;
						int64_t ib = (mb * mc.k + kk) * mc.n + j;
						s += (qget(a, adt, ia) - za) *
						     (qget(b, bdt, ib) - zb);
					}
					int64_t o = (bt * mc.m + i) * mc.n + j;
					isum[o] = s;
					real[o] = (double)s * as[ai] * bs[bi];
					max_abs = fmax(max_abs, fabs(real[o]));
				}
			}
		}
		qcase q;
		if (integer) {
			qc_init(&q, EML_OP_MatMulInteger);
			qc_in(&q, adt, mc.ar, mc.ad, a);
			qc_in(&q, bdt, mc.br, mc.bd, b);
			if (zps >= 1)
				mm_param_in(&q, adt, az, al, mc.ad, mc.ar, 0, mc.m);
			if (zps == 2)
				mm_param_in(&q, bdt, bz, bl, mc.bd, mc.br, 1, mc.n);
			assert_int_equal(qc_run(&q), EDGEML_OK);
			expect_shape(&q, I32, mc.yr, mc.yd);
			expect_close(q.out_data, I32, isum, ny, 0);
			qc_free(&q);
			continue;
		}
		float ys = pick_scale(max_abs, rint_in(0, 1) ? 1.0 : 0.4);
		uint8_t yz_b;
		int yz = rzp(ydt), act = rint_in(0, 2) == 0;
		qset(&yz_b, ydt, 0, yz);
		float amin = act ? 0.0f : -INFINITY, amax = act ? (float)max_abs / 2 : INFINITY;
		int64_t lo, hi;
		act_range(ydt, amin, amax, ys, yz, &lo, &hi);
		for (int64_t o = 0; o < ny; o++)
			want[o] = quant_d(real[o], ys, yz, lo, hi);
		qc_init(&q, EML_OP_QLinearMatMul);
		qc_in(&q, adt, mc.ar, mc.ad, a);
		mm_param_in(&q, F32, as, al, mc.ad, mc.ar, 0, mc.m);
		mm_param_in(&q, adt, az, al, mc.ad, mc.ar, 0, mc.m);
		qc_in(&q, bdt, mc.br, mc.bd, b);
		mm_param_in(&q, F32, bs, bl, mc.bd, mc.br, 1, mc.n);
		mm_param_in(&q, bdt, bz, bl, mc.bd, mc.br, 1, mc.n);
		QSCALAR(&q, F32, &ys);
		QSCALAR(&q, ydt, &yz_b);
		if (act) {
			qc_float(&q, "activation_min", amin);
			qc_float(&q, "activation_max", amax);
		}
		assert_int_equal(qc_run(&q), EDGEML_OK);
		expect_shape(&q, ydt, mc.yr, mc.yd);
		expect_close(q.out_data, ydt, want, ny, 1);
		qc_free(&q);
	}
}

/* QLinearGemm over random sizes, transposes, alpha, per-column B parameters, bias and fused
 * activation: within 1 LSB of the double computation. */
static void test_random_qlineargemm(void **state)
{
	static uint8_t a[256], b[256], bz[16];
	static float bs[16];
	static int32_t bias[16];
	static double real[256];
	static int64_t want[256];
	static const float alphas[] = { 1.0f, 0.5f, 2.0f, -1.0f };
	(void)state;
	for (int iter = 0; iter < 300; iter++) {
		int64_t m = rint_in(1, 7), k = rint_in(1, 9), n = rint_in(1, 7);
		int ta = rint_in(0, 1), tb = rint_in(0, 1), per_col = rint_in(0, 1);
		int has_bias = rint_in(0, 1), act = rint_in(0, 2) == 0;
		float alpha = alphas[rint_in(0, 3)], as = rfloat(0.002f, 0.03f);
		uint32_t adt = rdtype(), bdt = rdtype(), ydt = rdtype();
		uint8_t az_b, yz_b;
		int az = rzp(adt);
		qset(&az_b, adt, 0, az);
		fill(a, adt, m * k);
		fill(b, bdt, k * n);
		for (int j = 0; j < n; j++) {
			bs[j] = per_col || j == 0 ? rfloat(0.002f, 0.03f) : bs[0];
			qset(bz, bdt, j, per_col || j == 0 ? rzp(bdt) : qget(bz, bdt, 0));
			bias[j] = rint_in(-3000, 3000);
		}
		double max_abs = 0;
		for (int64_t i = 0; i < m; i++) {
			for (int64_t j = 0; j < n; j++) {
				int64_t s = has_bias ? bias[j] : 0;
				for (int64_t kk = 0; kk < k; kk++) {
					int64_t av = qget(a, adt, ta ? kk * m + i : i * k + kk);
					int64_t bv = qget(b, bdt, tb ? j * k + kk : kk * n + j);
					s += (av - az) * (bv - qget(bz, bdt, j));
				}
				real[i * n + j] = (double)alpha * (double)s * as * bs[j];
				max_abs = fmax(max_abs, fabs(real[i * n + j]));
			}
		}
		float ys = pick_scale(max_abs, rint_in(0, 1) ? 1.0 : 0.4);
		int yz = rzp(ydt);
		qset(&yz_b, ydt, 0, yz);
		float amin = act ? (float)-max_abs / 3 : -INFINITY;
		float amax = act ? (float)max_abs / 2 : INFINITY;
		int64_t lo, hi;
		act_range(ydt, amin, amax, ys, yz, &lo, &hi);
		for (int64_t i = 0; i < m * n; i++)
			want[i] = quant_d(real[i], ys, yz, lo, hi);
		qcase q;
		qc_init(&q, EML_OP_QLinearGemm);
		if (ta)
			QIN(&q, adt, a, k, m);
		else
			QIN(&q, adt, a, m, k);
		QSCALAR(&q, F32, &as);
		QSCALAR(&q, adt, &az_b);
		if (tb)
			QIN(&q, bdt, b, n, k);
		else
			QIN(&q, bdt, b, k, n);
		if (per_col) {
			QIN(&q, F32, bs, n);
			QIN(&q, bdt, bz, n);
		} else {
			QSCALAR(&q, F32, bs);
			QSCALAR(&q, bdt, bz);
		}
		if (has_bias)
			QIN(&q, I32, bias, n);
		else
			qc_in(&q, 0, 0, NULL, NULL);
		QSCALAR(&q, F32, &ys);
		QSCALAR(&q, ydt, &yz_b);
		qc_int(&q, "transA", ta);
		qc_int(&q, "transB", tb);
		qc_float(&q, "alpha", alpha);
		if (act) {
			qc_float(&q, "activation_min", amin);
			qc_float(&q, "activation_max", amax);
		}
		assert_int_equal(qc_run(&q), EDGEML_OK);
		expect_shape(&q, ydt, 2, (int64_t[]){ m, n });
		expect_close(q.out_data, ydt, want, m * n, 1);
		qc_free(&q);
	}
}

/* QuantizeLinear and DequantizeLinear, per-tensor and per-axis (negative axes too), float32
 * and int32 input: within 1 LSB of the double computation; dequantization is exact here. */
static void test_random_quantize_dequantize(void **state)
{
	static float x[1024], s[8], yf[1024];
	static int32_t xi[1024];
	static uint8_t z[8], q[1024];
	static int64_t want[1024];
	(void)state;
	for (int iter = 0; iter < 200; iter++) {
		uint32_t rank = (uint32_t)rint_in(1, 4), dt = rdtype();
		int64_t dims[4], n = 1;
		for (uint32_t d = 0; d < rank; d++) {
			dims[d] = rint_in(1, 5);
			n *= dims[d];
		}
		assert_true(n <= 1024);
		int per_axis = rint_in(0, 1), int_in = rint_in(0, 4) == 0;
		int64_t axis = rint_in(0, (int)rank - 1), inner = 1;
		for (uint32_t d = (uint32_t)axis + 1; d < rank; d++)
			inner *= dims[d];
		int64_t channels = per_axis ? dims[axis] : 1;
		for (int c = 0; c < 8; c++) {
			s[c] = rfloat(0.01f, 2.0f);
			qset(z, dt, c, rzp(dt));
		}
		for (int64_t i = 0; i < n; i++) {
			int64_t c = per_axis ? (i / inner) % channels : 0;
			xi[i] = rint_in(-400, 400);
			x[i] = int_in ? (float)xi[i] : rfloat(-300.0f, 300.0f);
			want[i] = quant_d(x[i], s[c], qget(z, dt, c), tmin(dt), tmax(dt));
		}
		qcase c;
		qc_init(&c, EML_OP_QuantizeLinear);
		qc_in(&c, int_in ? I32 : F32, rank, dims, int_in ? (const void *)xi : x);
		if (per_axis) {
			QIN(&c, F32, s, channels);
			QIN(&c, dt, z, channels);
			qc_int(&c, "axis", rint_in(0, 1) ? axis : axis - (int64_t)rank);
		} else {
			QSCALAR(&c, F32, s);
			QSCALAR(&c, dt, z);
		}
		assert_int_equal(qc_run(&c), EDGEML_OK);
		expect_shape(&c, dt, rank, dims);
		expect_close(c.out_data, dt, want, n, 1);
		memcpy(q, c.out_data, (size_t)n);
		qc_free(&c);

		qc_init(&c, EML_OP_DequantizeLinear);
		qc_in(&c, dt, rank, dims, q);
		if (per_axis) {
			QIN(&c, F32, s, channels);
			QIN(&c, dt, z, channels);
			qc_int(&c, "axis", axis);
		} else {
			QSCALAR(&c, F32, s);
			QSCALAR(&c, dt, z);
		}
		assert_int_equal(qc_run(&c), EDGEML_OK);
		expect_shape(&c, F32, rank, dims);
		for (int64_t i = 0; i < n; i++) {
			int64_t ch = per_axis ? (i / inner) % channels : 0;
			yf[i] = (float)((double)(qget(q, dt, i) - qget(z, dt, ch)) * s[ch]);
		}
		assert_memory_equal(c.out_data, yf, (size_t)n * sizeof(float));
		qc_free(&c);
	}
}

/* Random broadcast shapes: a and b of rank <= 4, dims 1 where they broadcast. */
static void bcast_draw(uint32_t *ar, int64_t *ad, uint32_t *br, int64_t *bd, uint32_t *yr,
		       int64_t *yd)
{
	*yr = (uint32_t)rint_in(0, 4);
	for (uint32_t i = 0; i < *yr; i++)
		yd[i] = rint_in(1, 4);
	/* One operand has the full rank, the other any rank up to it. */
	*ar = (uint32_t)rint_in(0, (int)*yr);
	*br = *yr;
	if (rint_in(0, 1)) {
		*br = *ar;
		*ar = *yr;
	}
	for (uint32_t i = 0; i < *ar; i++)
		ad[i] = rint_in(0, 2) ? yd[*yr - *ar + i] : 1;
	for (uint32_t i = 0; i < *br; i++)
		bd[i] = rint_in(0, 2) ? yd[*yr - *br + i] : 1;
	for (uint32_t i = 0; i < *yr; i++) {
		int64_t da = i < *yr - *ar ? 1 : ad[i - (*yr - *ar)];
		int64_t db = i < *yr - *br ? 1 : bd[i - (*yr - *br)];
		yd[i] = da > db ? da : db;
	}
}

/* Flat index into an operand of rank r, dims od, of output element o of shape (yr, yd). */
static int64_t bcast_index(int64_t o, uint32_t yr, const int64_t *yd, uint32_t r,
			   const int64_t *od)
{
	int64_t coords[8], idx = 0;
	for (uint32_t i = yr; i-- > 0;) {
		coords[i] = o % yd[i];
		o /= yd[i];
	}
	for (uint32_t i = 0; i < r; i++)
		idx = idx * od[i] + (od[i] == 1 ? 0 : coords[yr - r + i]);
	return idx;
}

/* QLinearAdd and QLinearMul over random broadcast shapes and parameters (fused activation on
 * Add): within 1 LSB of dequantize -> double op -> quantize. */
static void test_random_qlinear_add_mul(void **state)
{
	static uint8_t a[256], b[256];
	static int64_t want[256];
	(void)state;
	for (int iter = 0; iter < 400; iter++) {
		int is_mul = iter % 2, act = !is_mul && rint_in(0, 2) == 0;
		uint32_t ar, br, yr, dt = rdtype();
		int64_t ad[4], bd[4], yd[4];
		bcast_draw(&ar, ad, &br, bd, &yr, yd);
		int64_t na = prod(ad, (int)ar), nb = prod(bd, (int)br), ny = prod(yd, (int)yr);
		fill(a, dt, na);
		fill(b, dt, nb);
		float as = rfloat(0.01f, 0.1f), bs = rfloat(0.01f, 0.1f);
		int az = rzp(dt), bz = rzp(dt), cz = rzp(dt);
		float cs = is_mul ? as * bs * rfloat(20.0f, 80.0f) : rfloat(0.02f, 0.2f);
		uint8_t azb, bzb, czb;
		qset(&azb, dt, 0, az);
		qset(&bzb, dt, 0, bz);
		qset(&czb, dt, 0, cz);
		float amin = act ? 0.0f : -INFINITY, amax = act ? 3.0f : INFINITY;
		int64_t lo, hi;
		act_range(dt, amin, amax, cs, cz, &lo, &hi);
		for (int64_t o = 0; o < ny; o++) {
			double fa = (double)(qget(a, dt, bcast_index(o, yr, yd, ar, ad)) - az) * as;
			double fb = (double)(qget(b, dt, bcast_index(o, yr, yd, br, bd)) - bz) * bs;
			want[o] = quant_d(is_mul ? fa * fb : fa + fb, cs, cz, lo, hi);
		}
		qcase q;
		qc_init(&q, is_mul ? EML_OP_QLinearMul : EML_OP_QLinearAdd);
		qc_in(&q, dt, ar, ad, a);
		QSCALAR(&q, F32, &as);
		QSCALAR(&q, dt, &azb);
		qc_in(&q, dt, br, bd, b);
		QSCALAR(&q, F32, &bs);
		QSCALAR(&q, dt, &bzb);
		QSCALAR(&q, F32, &cs);
		QSCALAR(&q, dt, &czb);
		if (act) {
			qc_float(&q, "activation_min", amin);
			qc_float(&q, "activation_max", amax);
		}
		assert_int_equal(qc_run(&q), EDGEML_OK);
		expect_shape(&q, dt, yr, yd);
		expect_close(q.out_data, dt, want, ny, 1);
		qc_free(&q);
	}
}

/* QLinearAdd and QLinearMul whose exact result lies within float noise of a rounding tie,
 * where only ONNX Runtime's own arithmetic (MLAS, docs/ops.md) gives its answer: each expected
 * value is what onnxruntime 1.23's com.microsoft op returns on x86 (AVX-512 box, 1 thread).
 * Scales are the fp32 values of the models or random draws they came from, as hex. Layouts:
 * both operands one element (ORT's swapped QLinearAdd order: A is its "scalar input 0"), both
 * of 2 (same shape), A one element and B 2, A 2 and B one element. For each QLinearAdd case
 * `old` is what the arithmetic before December 2026 gave (k = zc - (ra za + rb zb) without the
 * fma ORT's compiler makes of it, a single element folded into k without fma, no swap), so
 * that the case shows the difference. */
enum { ONE_ONE, SAME2, ONE_TWO, TWO_ONE };

static void test_qlinear_ort_exact(void **state)
{
	static const struct {
		uint32_t op, dt, layout;
		int32_t a, za, b, zb, zc, want, old;
		float sa, sb, sc;
	} cases[] = {
		/* regnet_y_400mf.s8 se/Mul: exact -118.50000..., quantize(fa*fb) gives -119 */
		{ EML_OP_QLinearMul, EDGEML_DTYPE_INT8, ONE_ONE, -103, -128, -45, -128, -128, -118,
		  -119, 0x1.4dffacp-6f, 0x1.a9af2p-9f, 0x1.d9db48p-7f },
		{ EML_OP_QLinearMul, EDGEML_DTYPE_UINT8, ONE_ONE, 161, 93, 204, 90, 146, 194, 0,
		  0x1.2129bp-4f, 0x1.4836ep-6f, 0x1.ceeffp-3f },
		{ EML_OP_QLinearMul, EDGEML_DTYPE_UINT8, ONE_ONE, 230, 187, 207, 247, 26, 16, 0,
		  0x1.7bce1ap-6f, 0x1.c68588p-6f, 0x1.dcea0ap-4f },
		/* issue 13's QLinearAdd: exact 55.500004, ORT 56 */
		{ EML_OP_QLinearAdd, EDGEML_DTYPE_UINT8, ONE_ONE, 111, 129, 186, 128, 0, 56, 56,
		  0x1.843f2ap-5f, 0x1.7c6ebp-5f, 0x1.0fa69cp-5f },
		/* mnasnet0_5.u8 (zoo-extra) layers.9.1/Add: fma(A, ra, fma(B, rb, k)) is 93.499985
		 * with k's two products rounded apart, 93.5 with ORT's fma */
		{ EML_OP_QLinearAdd, EDGEML_DTYPE_UINT8, SAME2, 128, 130, 90, 120, 116, 94, 93,
		  0x1.36b1dcp-5f, 0x1.46a1dcp-5f, 0x1.cf2082p-5f },
		{ EML_OP_QLinearAdd, EDGEML_DTYPE_UINT8, SAME2, 2, 88, 185, 200, 227, 70, 71,
		  0x1.08cb42p-5f, 0x1.d90352p-6f, 0x1.505b32p-6f },
		/* the swapped order is needed here: the unswapped one gives 158 */
		{ EML_OP_QLinearAdd, EDGEML_DTYPE_UINT8, ONE_TWO, 249, 17, 163, 212, 147, 159, 158,
		  0x1.9cb2a4p-7f, 0x1.f8f2b8p-6f, 0x1.f6d622p-4f },
		{ EML_OP_QLinearAdd, EDGEML_DTYPE_UINT8, TWO_ONE, 167, 252, 250, 82, 33, 143, 144,
		  0x1.a3513ep-6f, 0x1.ce8f98p-5f, 0x1.0efdfap-4f },
		/* ... and must not be taken here: it gives -65 */
		{ EML_OP_QLinearAdd, EDGEML_DTYPE_INT8, SAME2, 46, 94, -119, -122, -28, -66, -65,
		  0x1.8516eep-6f, 0x1.e7d8a8p-7f, 0x1.de8556p-6f },
		{ EML_OP_QLinearAdd, EDGEML_DTYPE_INT8, ONE_TWO, -8, -100, -121, 106, -37, -59, -60,
		  0x1.55341p-6f, 0x1.46adeep-6f, 0x1.db2c22p-4f },
		{ EML_OP_QLinearAdd, EDGEML_DTYPE_INT8, TWO_ONE, -102, 118, 20, 55, 118, 39, 40,
		  0x1.ecdffep-6f, 0x1.2a606cp-4f, 0x1.de5c4ep-4f },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint32_t dt = cases[i].dt, lay = cases[i].layout;
		int32_t a[2], b[2], za, zb, zc; /* room for qset's widest type */
		for (int k = 0; k < 2; k++) {
			qset(a, dt, k, cases[i].a);
			qset(b, dt, k, cases[i].b);
		}
		qset(&za, dt, 0, cases[i].za);
		qset(&zb, dt, 0, cases[i].zb);
		qset(&zc, dt, 0, cases[i].zc);
		int64_t na = lay == SAME2 || lay == TWO_ONE ? 2 : 1;
		int64_t nb = lay == SAME2 || lay == ONE_TWO ? 2 : 1;
		int64_t want[2] = { cases[i].want, cases[i].want };
		qcase q;
		qc_init(&q, cases[i].op);
		qc_in(&q, dt, 1, &na, a);
		QSCALAR(&q, F32, &cases[i].sa);
		QSCALAR(&q, dt, &za);
		qc_in(&q, dt, 1, &nb, b);
		QSCALAR(&q, F32, &cases[i].sb);
		QSCALAR(&q, dt, &zb);
		QSCALAR(&q, F32, &cases[i].sc);
		QSCALAR(&q, dt, &zc);
		assert_int_equal(qc_run(&q), EDGEML_OK);
		expect_close(q.out_data, dt, want, na > nb ? na : nb, 0);
		qc_free(&q);
		if (cases[i].op != EML_OP_QLinearAdd)
			continue;
		/* the old arithmetic gives `old`, ORT's `want`: the case tells them apart */
		float ra = cases[i].sa / cases[i].sc, rb = cases[i].sb / cases[i].sc;
		float k = (float)cases[i].zc - (ra * (float)cases[i].za + rb * (float)cases[i].zb);
		float fa = (float)cases[i].a, fb = (float)cases[i].b, v;
		if (lay == ONE_ONE || lay == ONE_TWO)
			v = fmaf(fb, rb, k + fa * ra);
		else if (lay == TWO_ONE)
			v = fmaf(fa, ra, k + fb * rb);
		else
			v = fmaf(fa, ra, fmaf(fb, rb, k));
		assert_int_equal((int32_t)eml_round_half_even(v), cases[i].old);
	}
}

/* QLinearSoftmax: ONNX Runtime's com.microsoft QLinearSoftmax bit for bit (docs/ops.md). The
 * expected rows are what onnxruntime 1.23 returns for DequantizeLinear -> Softmax ->
 * QuantizeLinear with graph optimisations on (fused into QLinearSoftmax), with
 * transformer_tiny's parameters; the float-simulated result differs in 2 to 4 places per row
 * (Y_scale 1/255 enters as floor(1 / Y_scale) = 254). */
static void test_qlinear_softmax_ort(void **state)
{
	static const struct {
		uint32_t dt, rank, axis;
		int64_t dims[3];
		int32_t xz, yz;
		int32_t x[16], want[16];
	} cases[] = {
		{ EDGEML_DTYPE_UINT8, 2, 1, { 1, 16 }, 137, 0,
		  { 105, 178, 152, 168, 245, 131, 182, 150, 146, 225, 123, 149, 118, 123, 143, 208 },
		  { 7, 18, 13, 15, 42, 10, 19, 12, 12, 33, 9, 12, 8, 9, 11, 26 } },
		{ EDGEML_DTYPE_INT8, 2, 1, { 1, 16 }, 9, -128,
		  { 93, -18, 26, 118, 108, -8, 104, 105, 47, 34, 125, 120, 80, 39, 11, 118 },
		  { -110, -124, -120, -103, -106, -123, -107, -107, -118, -120, -100, -102, -113,
		    -119, -122, -103 } },
		/* axis 1 of [1, 5, 3]: strided rows */
		{ EDGEML_DTYPE_UINT8, 3, 1, { 1, 5, 3 }, 137, 0,
		  { 112, 169, 192, 107, 121, 205, 98, 192, 245, 194, 186, 150, 249, 103, 129 },
		  { 22, 56, 49, 20, 30, 58, 18, 75, 98, 63, 70, 28, 131, 23, 21 } },
	};
	const float xs = 0x1.ad8fc2p-7f, ys = 0x1.010102p-8f;
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint32_t dt = cases[i].dt;
		uint8_t x[16];
		int32_t xz, yz; /* room for qset's widest type */
		int64_t want[16], n = prod(cases[i].dims, (int)cases[i].rank);
		for (int64_t k = 0; k < n; k++) {
			qset(x, dt, k, cases[i].x[k]);
			want[k] = cases[i].want[k];
		}
		qset(&xz, dt, 0, cases[i].xz);
		qset(&yz, dt, 0, cases[i].yz);
		qcase q;
		qc_init(&q, EML_OP_QLinearSoftmax);
		qc_in(&q, dt, cases[i].rank, cases[i].dims, x);
		QSCALAR(&q, F32, &xs);
		QSCALAR(&q, dt, &xz);
		QSCALAR(&q, F32, &ys);
		QSCALAR(&q, dt, &yz);
		qc_int(&q, "axis", cases[i].axis);
		assert_int_equal(qc_run(&q), EDGEML_OK);
		expect_shape(&q, dt, cases[i].rank, cases[i].dims);
		expect_close(q.out_data, dt, want, n, 0);
		qc_free(&q);
	}
}

/* QLinearAveragePool and QLinearGlobalAveragePool: ONNX Runtime's arithmetic bit for bit
 * (docs/ops.md). Expected values: onnxruntime 1.23 on x86, DequantizeLinear -> pool ->
 * QuantizeLinear with graph optimisations on (fused into its QLinear kernels). Equal input
 * and output scales make exact ties, which ORT rounds after adding the zero point (pool) or
 * with its own multiplier (global). */
static void test_qlinear_pool_ort(void **state)
{
	static const struct {
		uint32_t op, dt;
		int64_t dims[4], k, s, pad;
		float xs, ys;
		int32_t xz, yz;
		int32_t x[16], want[16];
	} cases[] = {
		/* densenet121's transition pool: 2x2, stride 2, xs == ys */
		{ EML_OP_QLinearAveragePool, EDGEML_DTYPE_UINT8, { 1, 1, 2, 8 }, 2, 2, 0,
		  0x1.2fec56p-5f, 0x1.2fec56p-5f, 71, 71,
		  { 207, 21, 45, 60, 46, 205, 222, 149, 10, 24, 85, 110, 159, 122, 67, 40 },
		  { 66, 75, 133, 120 } },
		/* 3x3, pads 1, count_include_pad 0: a float sum of dequantized values */
		{ EML_OP_QLinearAveragePool, EDGEML_DTYPE_INT8, { 1, 1, 4, 4 }, 3, 1, 1,
		  0x1.5cfaacp-6f, 0x1.21ff2ep-6f, -5, 3,
		  { 49, 60, -120, -99, -13, -28, 99, 4, -21, -18, 42, 22, -84, 60, 65, 116 },
		  { 29, 18, -8, -26, 15, 16, 4, -1, -12, 23, 57, 79, -10, 18, 67, 83 } },
		{ EML_OP_QLinearGlobalAveragePool, EDGEML_DTYPE_UINT8, { 1, 2, 1, 6 }, 0, 0, 0,
		  0x1.a4fad8p-5f, 0x1.a4fad8p-5f, 253, 239,
		  { 73, 255, 48, 235, 83, 245, 3, 252, 80, 186, 85, 166 }, { 143, 115 } },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint32_t dt = cases[i].dt;
		uint8_t x[16];
		int32_t xz, yz; /* room for qset's widest type */
		int64_t n = prod(cases[i].dims, 4), want[16], out[4];
		/* attribute values the case points to until it runs */
		int64_t k2[2] = { cases[i].k, cases[i].k }, s2[2] = { cases[i].s, cases[i].s };
		int64_t p4[4] = { cases[i].pad, cases[i].pad, cases[i].pad, cases[i].pad };
		for (int64_t k = 0; k < n; k++)
			qset(x, dt, k, cases[i].x[k]);
		qset(&xz, dt, 0, cases[i].xz);
		qset(&yz, dt, 0, cases[i].yz);
		qcase q;
		qc_init(&q, cases[i].op);
		qc_in(&q, dt, 4, cases[i].dims, x);
		QSCALAR(&q, F32, &cases[i].xs);
		QSCALAR(&q, dt, &xz);
		QSCALAR(&q, F32, &cases[i].ys);
		QSCALAR(&q, dt, &yz);
		out[0] = cases[i].dims[0];
		out[1] = cases[i].dims[1];
		if (cases[i].op == EML_OP_QLinearAveragePool) {
			qc_ints(&q, "kernel_shape", k2, 2);
			qc_ints(&q, "strides", s2, 2);
			qc_ints(&q, "pads", p4, 4);
			for (int d = 2; d < 4; d++)
				out[d] = (cases[i].dims[d] + 2 * cases[i].pad - cases[i].k) /
						 cases[i].s + 1;
		} else {
			out[2] = out[3] = 1;
		}
		int64_t m = prod(out, 4);
		for (int64_t k = 0; k < m; k++)
			want[k] = cases[i].want[k];
		assert_int_equal(qc_run(&q), EDGEML_OK);
		expect_shape(&q, dt, 4, out);
		expect_close(q.out_data, dt, want, m, 0);
		qc_free(&q);
	}
}

/* QLinearAveragePool over random 1-D to 3-D windows (strides, dilations, pads, auto_pad,
 * ceil_mode, count_include_pad) and QLinearGlobalAveragePool: within 1 LSB of the average of
 * dequantized values. Output sizes and divisors are computed here from the ONNX definition. */
static void test_random_qlinear_pools(void **state)
{
	static uint8_t x[4096];
	static int64_t want[16384];
	(void)state;
	for (int iter = 0; iter < 300; iter++) {
		int global = iter % 4 == 0, nsp = rint_in(1, 3), ceil_mode = rint_in(0, 1);
		int include_pad = rint_in(0, 1), mode = rint_in(0, 3);
		static const char *const modes[] = { "NOTSET", "SAME_UPPER", "SAME_LOWER",
						     "VALID" };
		uint32_t xdt = rdtype(), ydt = rdtype();
		int64_t n = rint_in(1, 2), c = rint_in(1, 3), in[3], k[3], st[3], dl[3];
		int64_t pb[3], pe[3], out[3], pads_attr[6];
		for (int i = 0; i < nsp; i++) {
			in[i] = rint_in(1, nsp == 3 ? 5 : 8);
			k[i] = rint_in(1, 3);
			st[i] = rint_in(1, 2);
			dl[i] = mode == 0 ? rint_in(1, 2) : 1;
			int64_t eff = (k[i] - 1) * dl[i] + 1;
			pb[i] = pe[i] = 0;
			if (mode == 0) {
				pb[i] = rint_in(0, (int)k[i] - 1);
				pe[i] = rint_in(0, (int)k[i] - 1);
			}
			if (mode == 1 || mode == 2) {
				out[i] = (in[i] + st[i] - 1) / st[i];
				int64_t total = (out[i] - 1) * st[i] + eff - in[i];
				total = total > 0 ? total : 0;
				pb[i] = mode == 1 ? total / 2 : total - total / 2;
				pe[i] = total - pb[i];
			} else {
				if (in[i] + pb[i] + pe[i] < eff)
					in[i] = eff;
				int64_t span = in[i] + pb[i] + pe[i] - eff;
				out[i] = span / st[i] + 1;
				/* ceil_mode: one more window unless it starts in the end pad */
				int more = span % st[i] != 0 && out[i] * st[i] < in[i] + pb[i];
				out[i] += ceil_mode && more;
			}
			if (global)
				out[i] = 1;
			pads_attr[i] = pb[i];
			pads_attr[nsp + i] = pe[i];
		}
		int64_t ivol = prod(in, nsp), ovol = prod(out, nsp), kvol = prod(k, nsp);
		assert_true(n * c * ivol <= 4096 && n * c * ovol <= 16384);
		fill(x, xdt, n * c * ivol);
		float xs = rfloat(0.01f, 0.1f), ys = xs * rfloat(0.5f, 2.0f);
		int xz = rzp(xdt), yz = rzp(ydt);
		uint8_t xzb, yzb;
		qset(&xzb, xdt, 0, xz);
		qset(&yzb, ydt, 0, yz);
		for (int64_t pl = 0; pl < n * c; pl++) {
			for (int64_t p = 0; p < ovol; p++) {
				int64_t o[3], sum = 0, cnt = 0;
				unflatten(p, out, nsp, o);
				for (int64_t kp = 0; kp < (global ? ivol : kvol); kp++) {
					int64_t kd[3], xi = 0, inside = 1, padded = 1;
					unflatten(kp, global ? in : k, nsp, kd);
					for (int d = 0; d < nsp; d++) {
						int64_t pos = global ? kd[d] :
							o[d] * st[d] - pb[d] + kd[d] * dl[d];
						inside &= pos >= 0 && pos < in[d];
						padded &= pos >= -pb[d] && pos < in[d] + pe[d];
						xi = xi * in[d] + pos;
					}
					if (inside)
						sum += qget(x, xdt, pl * ivol + xi) - xz;
					cnt += include_pad && !global ? padded : inside;
				}
				/* A dilated window may miss every input element: average 0. */
				double avg = cnt ? (double)sum * xs / (double)cnt : 0.0;
				want[pl * ovol + p] = quant_d(avg, ys, yz, tmin(ydt), tmax(ydt));
			}
		}
		qcase q;
		qc_init(&q, global ? EML_OP_QLinearGlobalAveragePool : EML_OP_QLinearAveragePool);
		conv_in(&q, xdt, x, n, c, in, nsp);
		QSCALAR(&q, F32, &xs);
		QSCALAR(&q, xdt, &xzb);
		QSCALAR(&q, F32, &ys);
		QSCALAR(&q, ydt, &yzb);
		if (!global) {
			qc_ints(&q, "kernel_shape", k, (uint32_t)nsp);
			qc_ints(&q, "strides", st, (uint32_t)nsp);
			qc_ints(&q, "dilations", dl, (uint32_t)nsp);
			qc_int(&q, "ceil_mode", ceil_mode);
			qc_int(&q, "count_include_pad", include_pad);
			if (mode == 0)
				qc_ints(&q, "pads", pads_attr, 2 * (uint32_t)nsp);
			else
				qc_str(&q, "auto_pad", modes[mode]);
		}
		assert_int_equal(qc_run(&q), EDGEML_OK);
		int64_t dims[5] = { n, c };
		memcpy(dims + 2, out, (size_t)nsp * sizeof(int64_t));
		expect_shape(&q, ydt, 2 + (uint32_t)nsp, dims);
		expect_close(q.out_data, ydt, want, n * c * ovol, 1);
		qc_free(&q);
	}
}

/* QLinearConcat of 1 to 3 inputs with their own parameters, on a random (also negative)
 * axis: within 1 LSB of requantizing each value in double. */
static void test_random_qlinearconcat(void **state)
{
	static uint8_t x[3][256];
	static int64_t want[1024];
	(void)state;
	for (int iter = 0; iter < 200; iter++) {
		uint32_t rank = (uint32_t)rint_in(1, 4), dt = rdtype();
		int inputs = rint_in(1, 3), axis = rint_in(0, (int)rank - 1);
		int64_t dims[3][4], yd[4];
		float xs[3], ys = rfloat(0.01f, 0.1f);
		uint8_t xzb[3], yzb;
		int xz[3], yz = rzp(dt);
		qset(&yzb, dt, 0, yz);
		for (uint32_t d = 0; d < rank; d++)
			yd[d] = rint_in(1, 4);
		yd[axis] = 0;
		for (int j = 0; j < inputs; j++) {
			memcpy(dims[j], yd, sizeof(yd));
			dims[j][axis] = rint_in(1, 3);
			yd[axis] += dims[j][axis];
			fill(x[j], dt, prod(dims[j], (int)rank));
			xs[j] = rfloat(0.01f, 0.1f);
			xz[j] = rzp(dt);
			qset(xzb, dt, j, xz[j]);
		}
		int64_t outer = prod(yd, axis), ny = prod(yd, (int)rank), o = 0;
		for (int64_t r = 0; r < outer; r++) {
			for (int j = 0; j < inputs; j++) {
				int64_t slab = prod(dims[j], (int)rank) / outer;
				for (int64_t i = 0; i < slab; i++, o++)
					want[o] = quant_d((double)(qget(x[j], dt, r * slab + i) -
								   xz[j]) * xs[j], ys, yz,
							  tmin(dt), tmax(dt));
			}
		}
		qcase q;
		qc_init(&q, EML_OP_QLinearConcat);
		QSCALAR(&q, F32, &ys);
		QSCALAR(&q, dt, &yzb);
		for (int j = 0; j < inputs; j++) {
			qc_in(&q, dt, rank, dims[j], x[j]);
			QSCALAR(&q, F32, &xs[j]);
			QSCALAR(&q, dt, &xzb[j]);
		}
		qc_int(&q, "axis", rint_in(0, 1) ? axis : axis - (int)rank);
		assert_int_equal(qc_run(&q), EDGEML_OK);
		expect_shape(&q, dt, rank, yd);
		expect_close(q.out_data, dt, want, ny, 1);
		qc_free(&q);
	}
}

/* QLinearLookup: every uint8 and int8 value maps to its table entry (int8 X offset by 128). */
static void test_qlinearlookup(void **state)
{
	static uint8_t x[256], table[256];
	static int64_t want[256];
	(void)state;
	for (int xu = 0; xu < 2; xu++) {
		uint32_t xdt = xu ? U8 : I8, tdt = rdtype();
		fill(table, tdt, 256);
		for (int i = 0; i < 256; i++) {
			int v = xu ? i : i - 128;
			qset(x, xdt, i, v);
			want[i] = qget(table, tdt, xu ? v : v + 128);
		}
		qcase q;
		qc_init(&q, EML_OP_QLinearLookup);
		QIN(&q, xdt, x, 4, 64);
		QIN(&q, tdt, table, 256);
		assert_int_equal(qc_run(&q), EDGEML_OK);
		expect_shape(&q, tdt, 2, (int64_t[]){ 4, 64 });
		expect_close(q.out_data, tdt, want, 256, 0);
		qc_free(&q);
	}
}

/* ---- (c) malformed nodes and parameters ----------------------------------------------- */

static const uint8_t e_x[64], e_w[64], e_u8 = 0;
static const int8_t e_i8 = 0;
static const float e_s1 = 0.5f, e_s3[3] = { 1, 1, 1 }, e_s4[4] = { 1, 1, 1, 1 };

/* A QLinearConv of x [1, 4, 3, 3] and w [wm, wc, 1, 1] with the given weight scale
 * count (0 = scalar) and x zero point type. */
static void bad_qconv(qcase *q, int64_t wm, int64_t wc, int ws_count, uint32_t xz_dt)
{
	qc_init(q, EML_OP_QLinearConv);
	QIN(q, U8, e_x, 1, 4, 3, 3);
	QSCALAR(q, F32, &e_s1);
	QSCALAR(q, xz_dt, xz_dt == U8 ? (const void *)&e_u8 : &e_i8);
	QIN(q, I8, e_w, wm, wc, 1, 1);
	if (ws_count)
		QIN(q, F32, ws_count == 3 ? e_s3 : e_s4, ws_count);
	else
		QSCALAR(q, F32, &e_s1);
	QSCALAR(q, I8, &e_i8);
	QSCALAR(q, F32, &e_s1);
	QSCALAR(q, U8, &e_u8);
}

/* Expects infer to fail with status and print nothing else. */
static void expect_infer_error(qcase *q, edgeml_status status)
{
	edgeml_status st = qc_infer(q);
	if (st != status)
		print_message("got status %d (%s)\n", st, edgeml_last_error());
	assert_int_equal(st, status);
	assert_true(strstr(edgeml_last_error(), "node 'q'") != NULL);
}

/* Channel counts, groups, zero-point types, scale lengths and attributes that do not fit. */
static void test_infer_errors(void **state)
{
	qcase q;
	(void)state;
	bad_qconv(&q, 4, 4, 4, U8);
	assert_int_equal(qc_infer(&q), EDGEML_OK);
	expect_shape(&q, U8, 4, (int64_t[]){ 1, 4, 3, 3 });

	bad_qconv(&q, 4, 3, 0, U8); /* weights expect 3 input channels, x has 4 */
	expect_infer_error(&q, EDGEML_ERR_SHAPE);
	bad_qconv(&q, 4, 2, 0, U8); /* 4 channels in 3 groups */
	qc_int(&q, "group", 3);
	expect_infer_error(&q, EDGEML_ERR_SHAPE);
	bad_qconv(&q, 3, 2, 0, U8); /* 3 output channels in 2 groups */
	qc_int(&q, "group", 2);
	expect_infer_error(&q, EDGEML_ERR_SHAPE);
	bad_qconv(&q, 4, 4, 0, I8); /* x is uint8, its zero point int8 */
	expect_infer_error(&q, EDGEML_ERR_SHAPE);
	bad_qconv(&q, 4, 4, 3, U8); /* 3 weight scales for 4 output channels */
	expect_infer_error(&q, EDGEML_ERR_SHAPE);
	bad_qconv(&q, 4, 4, 0, U8); /* bias of 3 for 4 channels */
	QIN(&q, I32, e_w, 3);
	expect_infer_error(&q, EDGEML_ERR_SHAPE);
	bad_qconv(&q, 4, 4, 0, U8);
	qc_float(&q, "activation_min", 2.0f);
	qc_float(&q, "activation_max", 1.0f);
	expect_infer_error(&q, EDGEML_ERR_FORMAT);
	bad_qconv(&q, 4, 4, 0, U8);
	q.node.n_inputs = 7;
	expect_infer_error(&q, EDGEML_ERR_FORMAT);

	/* QLinearMatMul: inner dims differ; a per-row scale of the wrong length. */
	qc_init(&q, EML_OP_QLinearMatMul);
	QIN(&q, U8, e_x, 2, 4);
	QSCALAR(&q, F32, &e_s1);
	QSCALAR(&q, U8, &e_u8);
	QIN(&q, U8, e_w, 3, 3);
	QSCALAR(&q, F32, &e_s1);
	QSCALAR(&q, U8, &e_u8);
	QSCALAR(&q, F32, &e_s1);
	QSCALAR(&q, U8, &e_u8);
	expect_infer_error(&q, EDGEML_ERR_SHAPE);
	q.in[3].dims[0] = 4;
	assert_int_equal(qc_infer(&q), EDGEML_OK);
	q.in[1].rank = 1;
	q.in[1].dims[0] = 3;
	expect_infer_error(&q, EDGEML_ERR_SHAPE);

	/* QuantizeLinear: axis out of range; blocked quantization; per-axis length. */
	qc_init(&q, EML_OP_QuantizeLinear);
	QIN(&q, F32, e_x, 2, 3);
	QIN(&q, F32, e_s3, 3);
	qc_int(&q, "axis", 2);
	expect_infer_error(&q, EDGEML_ERR_FORMAT);
	q.attrs[0].i = 0;
	expect_infer_error(&q, EDGEML_ERR_SHAPE);
	q.attrs[0].i = -1;
	assert_int_equal(qc_infer(&q), EDGEML_OK);
	qc_int(&q, "block_size", 2);
	expect_infer_error(&q, EDGEML_ERR_UNSUPPORTED);

	/* DequantizeLinear of float input. */
	qc_init(&q, EML_OP_DequantizeLinear);
	QIN(&q, F32, e_x, 4);
	QSCALAR(&q, F32, &e_s1);
	expect_infer_error(&q, EDGEML_ERR_UNSUPPORTED);

	/* QLinearAdd: shapes that do not broadcast; B of another type than A. */
	qc_init(&q, EML_OP_QLinearAdd);
	QIN(&q, U8, e_x, 2, 3);
	QSCALAR(&q, F32, &e_s1);
	QSCALAR(&q, U8, &e_u8);
	QIN(&q, U8, e_w, 2, 2);
	QSCALAR(&q, F32, &e_s1);
	QSCALAR(&q, U8, &e_u8);
	QSCALAR(&q, F32, &e_s1);
	QSCALAR(&q, U8, &e_u8);
	expect_infer_error(&q, EDGEML_ERR_SHAPE);
	q.in[3].dims[1] = 1;
	assert_int_equal(qc_infer(&q), EDGEML_OK);
	q.in[3].dtype = I8;
	expect_infer_error(&q, EDGEML_ERR_SHAPE);

	/* QLinearAveragePool: pads as large as the kernel; no kernel_shape. */
	qc_init(&q, EML_OP_QLinearAveragePool);
	QIN(&q, U8, e_x, 1, 1, 4, 4);
	QSCALAR(&q, F32, &e_s1);
	QSCALAR(&q, U8, &e_u8);
	QSCALAR(&q, F32, &e_s1);
	QSCALAR(&q, U8, &e_u8);
	expect_infer_error(&q, EDGEML_ERR_FORMAT);
	static const int64_t k2[2] = { 2, 2 }, pads2[4] = { 2, 0, 0, 0 };
	qc_ints(&q, "kernel_shape", k2, 2);
	assert_int_equal(qc_infer(&q), EDGEML_OK);
	qc_ints(&q, "pads", pads2, 4);
	expect_infer_error(&q, EDGEML_ERR_FORMAT);

	/* QLinearConcat: dims off the axis differ; a triple cut short. */
	qc_init(&q, EML_OP_QLinearConcat);
	QSCALAR(&q, F32, &e_s1);
	QSCALAR(&q, U8, &e_u8);
	QIN(&q, U8, e_x, 2, 3);
	QSCALAR(&q, F32, &e_s1);
	QSCALAR(&q, U8, &e_u8);
	QIN(&q, U8, e_w, 3, 3);
	QSCALAR(&q, F32, &e_s1);
	QSCALAR(&q, U8, &e_u8);
	qc_int(&q, "axis", 1);
	expect_infer_error(&q, EDGEML_ERR_SHAPE);
	q.attrs[0].i = 0;
	assert_int_equal(qc_infer(&q), EDGEML_OK);
	expect_shape(&q, U8, 2, (int64_t[]){ 5, 3 });
	q.node.n_inputs = 7;
	expect_infer_error(&q, EDGEML_ERR_FORMAT);

	/* QLinearLookup: a table of 255 entries. */
	qc_init(&q, EML_OP_QLinearLookup);
	QIN(&q, U8, e_x, 8);
	QIN(&q, U8, e_w, 255);
	expect_infer_error(&q, EDGEML_ERR_SHAPE);

	/* QLinearGemm: transA that is not 0/1; wrong bias length. */
	static const uint8_t gz = 0;
	qc_init(&q, EML_OP_QLinearGemm);
	QIN(&q, U8, e_x, 2, 3);
	QSCALAR(&q, F32, &e_s1);
	QSCALAR(&q, U8, &gz);
	QIN(&q, I8, e_w, 3, 4);
	QSCALAR(&q, F32, &e_s1);
	QSCALAR(&q, I8, &e_i8);
	QIN(&q, I32, e_w, 3);
	QSCALAR(&q, F32, &e_s1);
	QSCALAR(&q, U8, &gz);
	expect_infer_error(&q, EDGEML_ERR_SHAPE);
	q.in[6].dims[0] = 4;
	assert_int_equal(qc_infer(&q), EDGEML_OK);
	qc_int(&q, "transA", 2);
	expect_infer_error(&q, EDGEML_ERR_FORMAT);
}

/* Scales are run-time data: zero, negative, NaN or infinite ones fail the kernel clearly. */
static void test_bad_scales_at_run_time(void **state)
{
	static const float bad[4] = { 0.0f, -1.0f, NAN, INFINITY };
	static const float x[4] = { 1, 2, 3, 4 };
	(void)state;
	for (int i = 0; i < 4; i++) {
		qcase q;
		qc_init(&q, EML_OP_QuantizeLinear);
		QIN(&q, F32, x, 4);
		QSCALAR(&q, F32, &bad[i]);
		assert_int_equal(qc_run(&q), EDGEML_ERR_INVALID_ARGUMENT);
		assert_true(strstr(edgeml_last_error(), "scale") != NULL);
		qc_free(&q);

		qc_init(&q, EML_OP_QLinearConv);
		bad_qconv(&q, 4, 4, 0, U8);
		q.in_data[6] = &bad[i];
		q.in[6].flags = EML_TF_CONSTANT;
		assert_int_equal(qc_run(&q), EDGEML_ERR_FORMAT);
		qc_free(&q);
	}
}

/* Large accumulations wrap like an int32 accumulator instead of overflowing (ONNX allows
 * 32-bit overflow in accumulation only); a 1 x 70000 by 70000 x 1 product of 255s does. */
static void test_matmulinteger_wraps(void **state)
{
	static uint8_t a[70000];
	(void)state;
	memset(a, 255, sizeof(a));
	qcase q;
	qc_init(&q, EML_OP_MatMulInteger);
	QIN(&q, U8, a, 1, 70000);
	QIN(&q, U8, a, 70000, 1);
	assert_int_equal(qc_run(&q), EDGEML_OK);
	int64_t exact = 255LL * 255 * 70000;
	int64_t wrapped = (int64_t)(int32_t)(uint32_t)(uint64_t)exact;
	expect_close(q.out_data, I32, &wrapped, 1, 0);
	qc_free(&q);
}

/* Equal as bits (-0.0 and 0.0 differ; so would two NaNs of other payloads). */
static int same_bits(float a, float b)
{
	return memcmp(&a, &b, sizeof(a)) == 0;
}

/* quant.h's rules, which every backend calls: the order of operations that matches ONNX
 * Runtime (where the zero point is added, before or after rounding), saturation, 64-bit
 * dequantization; then on random values against the order docs/ops.md spells out. */
static void test_quant_rules(void **state)
{
	(void)state;
	/* QLinearMul and the windowed average add the zero point before rounding half to
	 * even, the global average and QLinearSoftmax after (11.5 -> 12, but 0 + 11). */
	assert_int_equal(eml_qmul_requantize(1, 0.5f, 11.0f, 0, 255), 12);
	assert_int_equal(eml_qmul_requantize(5, 0.5f, 0.0f, 0, 255), 2);
	assert_int_equal(eml_qmul_requantize(-1000, 1.0f, 0.0f, -128, 127), -128);
	assert_int_equal(eml_qavg_window(1.0f, 2, 1.0f, 11, 0, 255), 12);
	assert_int_equal(eml_qavg_window(5.0f, 0, 1.0f, 11, 0, 255), 11);
	assert_int_equal(eml_qavg_global(1.0f, 1.0f, 11, 0, 255, 1, 2), 11);
	assert_int_equal(eml_qsoftmax_quantize(1.0f, 1.0f, 2.0f, 11, 0, 255), 11);
	assert_true(eml_qsoftmax_y_mult(1.0f / 255.0f) == 254.0f);
	assert_int_equal(eml_q_rescale(3, 0.5f, 0, 1.0f, 11, 0, 255), 13);
	assert_int_equal(eml_q_rescale(-128, 1.0f, 0, 0.5f, 0, -128, 127), -128);
	assert_int_equal(eml_q_saturate(NAN, -128, 127), -128);
	assert_int_equal(eml_q_saturate(1e10f, -128, 127), 127);
	assert_int_equal(eml_q_saturate(-0.0f, 0, 255), 0);
	/* an int32 value minus its zero point leaves the int32 range: no wrap-around */
	assert_true(eml_dequantize(INT32_MIN, 1, 1.0f) < 0.0f);
	assert_true(eml_dequantize(INT32_MAX, -1, 1.0f) > 0.0f);
	eml_qadd_consts c = eml_qadd_constants(0.5f, 2, 0.25f, 4, 0.125f, 10);
	assert_true(c.ra == 4.0f && c.rb == 2.0f && c.k == -6.0f);

	rng_state = 0x51a7e5;
	for (int i = 0; i < 20000; i++) {
		float sa = ldexpf(rfloat(0.5f, 1.0f), rint_in(-14, 2));
		float sb = ldexpf(rfloat(0.5f, 1.0f), rint_in(-14, 2));
		float sy = ldexpf(rfloat(0.5f, 1.0f), rint_in(-14, 2));
		int32_t za = rint_in(-128, 255), zb = rint_in(-128, 255), zy = rint_in(-128, 255);
		c = eml_qadd_constants(sa, za, sb, zb, sy, zy);
		float ra = sa / sy, rb = sb / sy;
		assert_true(same_bits(c.ra, ra) && same_bits(c.rb, rb));
		/* ORT's compiler contracts ra * za + rb * zb: one fma, rb * zb rounded first */
		assert_true(same_bits(c.k, (float)zy - fmaf(ra, (float)za, rb * (float)zb)));
		assert_true(same_bits(c.ks, (float)zy - fmaf(rb, (float)zb, ra * (float)za)));
		float m = sa * sb;
		assert_true(same_bits(eml_requant_multiplier(sa, sb, sy), m / sy));
		float alpha = rfloat(0.1f, 4.0f), am = alpha * sa;
		am = am * sb;
		assert_true(same_bits(eml_requant_multiplier_alpha(alpha, sa, sb, sy), am / sy));
		int32_t prod = rint_in(-65536, 65536);
		float v = (float)prod * (m / sy);
		float r = nearbyintf(v + (float)zy);
		int32_t want = r < 0.0f ? 0 : r > 255.0f ? 255 : (int32_t)r;
		assert_int_equal(eml_qmul_requantize(prod, m / sy, (float)zy, 0, 255), want);
		int32_t q = rint_in(-128, 255);
		float real = (float)(q - za) * sa;
		r = nearbyintf(real / sy) + (float)zy;
		want = r < -128.0f ? -128 : r > 127.0f ? 127 : (int32_t)r;
		assert_int_equal(eml_q_rescale(q, sa, za, sy, zy, -128, 127), want);
		int64_t count = rint_in(1, 4096), acc = rint_in(-255 * 4096, 255 * 4096);
		float gs = sa / (sy * (float)count);
		r = nearbyintf((float)acc * gs) + (float)zy;
		want = r < 0.0f ? 0 : r > 255.0f ? 255 : (int32_t)r;
		assert_int_equal(eml_qavg_global(sa, sy, zy, 0, 255, acc, count), want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_onnx_qlinearconv),
		cmocka_unit_test(test_onnx_qlinearmatmul),
		cmocka_unit_test(test_onnx_convinteger),
		cmocka_unit_test(test_onnx_matmulinteger),
		cmocka_unit_test(test_onnx_quantizelinear),
		cmocka_unit_test(test_onnx_dequantizelinear),
		cmocka_unit_test(test_quantize_ties_and_default),
		cmocka_unit_test(test_random_qlinearconv),
		cmocka_unit_test(test_random_convinteger),
		cmocka_unit_test(test_random_matmul),
		cmocka_unit_test(test_random_qlineargemm),
		cmocka_unit_test(test_random_quantize_dequantize),
		cmocka_unit_test(test_random_qlinear_add_mul),
		cmocka_unit_test(test_qlinear_ort_exact),
		cmocka_unit_test(test_qlinear_softmax_ort),
		cmocka_unit_test(test_qlinear_pool_ort),
		cmocka_unit_test(test_random_qlinear_pools),
		cmocka_unit_test(test_random_qlinearconcat),
		cmocka_unit_test(test_qlinearlookup),
		cmocka_unit_test(test_infer_errors),
		cmocka_unit_test(test_bad_scales_at_run_time),
		cmocka_unit_test(test_matmulinteger_wraps),
		cmocka_unit_test(test_quant_rules),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
