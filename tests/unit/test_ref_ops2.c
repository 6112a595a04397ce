/* test_ref_ops2.c — the ops of issue 13 (reductions, Slice, Split, Gather, Pow, LayerNorm,
 * LSTM/GRU, ConvTranspose): bad attributes and shapes refused by infer with the status a
 * user can act on, run-time errors (Gather indices, sequence_lens) from the kernels, and
 * values against independent expectations (hand values, naive loops written differently).
 * The ONNX node tests (make conformance) check the semantics at large; these cover the rest. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cpu/ref/ref.h"
#include "ops/ops.h"

#define MAX_IO 8
#define MAX_OUT 3
#define MAX_ATTRS 8

/* One node with its tensors, built up by the helpers below. */
typedef struct op_case {
	eml_node node;
	eml_attr attrs[MAX_ATTRS];
	uint32_t in_idx[MAX_IO], out_idx[MAX_OUT];
	eml_tensor in[MAX_IO], out[EML_INFER_MIN_OUT_SLOTS];
	const eml_tensor *inp[EML_INFER_MIN_IN_SLOTS];
	const eml_tensor *outp[MAX_OUT];
	const void *in_data[MAX_IO];
	void *out_data[MAX_OUT];
} op_case;

/* Starts a node of op with n_in inputs (all absent until set) and n_out outputs. */
static void oc_init(op_case *c, uint32_t op, uint32_t n_in, uint32_t n_out)
{
	memset(c, 0, sizeof(*c));
	c->node.name = "t";
	c->node.op = op;
	c->node.n_inputs = n_in;
	c->node.n_outputs = n_out;
	c->node.inputs = c->in_idx;
	c->node.outputs = c->out_idx;
	c->node.attrs = c->attrs;
	for (uint32_t k = 0; k < MAX_IO; k++)
		c->in_idx[k] = EML_NO_TENSOR;
	for (uint32_t k = 0; k < MAX_OUT; k++) {
		c->out_idx[k] = k < n_out ? 100 + k : EML_NO_TENSOR;
		c->outp[k] = &c->out[k];
	}
}

/* Sets input k: dtype, shape (rank dims), data; constant marks it an initializer. */
static void oc_in(op_case *c, uint32_t k, uint32_t dtype, uint32_t rank, const int64_t *dims,
		  const void *data, int constant)
{
	eml_tensor *t = &c->in[k];
	t->name = "in";
	t->dtype = dtype;
	t->rank = rank;
	if (rank)
		memcpy(t->dims, dims, rank * sizeof(int64_t));
	t->data_size = rank ? eml_tensor_bytes(t) : edgeml_dtype_size((edgeml_dtype)dtype);
	if (constant) {
		t->flags = EML_TF_CONSTANT;
		t->data = data;
	}
	c->in_idx[k] = k;
	c->inp[k] = t;
	c->in_data[k] = data;
}

static void oc_int(op_case *c, const char *name, int64_t v)
{
	c->attrs[c->node.n_attrs++] = (eml_attr){ .name = name, .type = EML_ATTR_INT, .i = v };
}

static void oc_float(op_case *c, const char *name, float v)
{
	c->attrs[c->node.n_attrs++] = (eml_attr){ .name = name, .type = EML_ATTR_FLOAT, .f = v };
}

/* Adds an INTS attribute (values must outlive the case). */
static void oc_ints(op_case *c, const char *name, const int64_t *v, uint32_t n)
{
	c->attrs[c->node.n_attrs++] =
		(eml_attr){ .name = name, .type = EML_ATTR_INTS, .ints = v, .count = n };
}

static void oc_str(op_case *c, const char *name, const char *s)
{
	c->attrs[c->node.n_attrs++] = (eml_attr){ .name = name, .type = EML_ATTR_STRING, .s = s,
						  .count = (uint32_t)strlen(s) };
}

/* Runs infer (which must succeed) and checks output k's shape against want. */
static void oc_infer_ok(op_case *c, uint32_t k, uint32_t rank, const int64_t *want)
{
	if (eml_op_infer(&c->node, c->inp, c->out) != EDGEML_OK)
		fail_msg("infer failed: %s", edgeml_last_error());
	assert_int_equal(c->out[k].rank, rank);
	for (uint32_t i = 0; i < rank; i++)
		assert_int_equal(c->out[k].dims[i], want[i]);
}

/* Expects infer to fail with st and a message naming the node and containing what. */
static void oc_infer_fails(op_case *c, edgeml_status st, const char *what)
{
	assert_int_equal(eml_op_infer(&c->node, c->inp, c->out), st);
	assert_non_null(strstr(edgeml_last_error(), "node 't'"));
	if (!strstr(edgeml_last_error(), what))
		fail_msg("message '%s' lacks '%s'", edgeml_last_error(), what);
}

/* Runs the kernel with the given output buffers; returns its status. */
static edgeml_status oc_run(op_case *c, void *y0, void *y1, void *y2)
{
	eml_kernel_ctx ctx = { &c->node, c->inp, c->outp, c->in_data, c->out_data };
	c->out_data[0] = y0;
	c->out_data[1] = y1;
	c->out_data[2] = y2;
	return eml_ref_kernel(c->node.op)(&ctx);
}

static void expect_close(const float *got, const double *want, int64_t n, double tol)
{
	for (int64_t i = 0; i < n; i++)
		if (fabs((double)got[i] - want[i]) > tol * fmax(1.0, fabs(want[i])))
			fail_msg("element %lld: got %.9g, want %.9g", (long long)i, (double)got[i],
				 want[i]);
}

static uint32_t rng_state = 4242;

/* Deterministic pseudo-random floats in [-1, 1). */
static float rnd(void)
{
	rng_state = rng_state * 1664525u + 1013904223u;
	return (float)(rng_state >> 8) / (float)(1u << 23) - 1.0f;
}

static const float zeros[256];

/* ---- reductions --------------------------------------------------------------------- */

/* ReduceMean/Sum/Max over axes {0, -1} of a 3x4x5 tensor against a plain triple loop. */
static void test_reduce(void **state)
{
	(void)state;
	float x[60];
	for (int i = 0; i < 60; i++)
		x[i] = rnd() * 10.0f;
	static const int64_t axes[] = { 0, -1 }, xd[] = { 3, 4, 5 }, ad[] = { 2 };
	static const uint32_t ops[] = { EML_OP_ReduceMean, EML_OP_ReduceSum, EML_OP_ReduceMax };
	for (int o = 0; o < 3; o++) {
		for (int keep = 0; keep < 2; keep++) {
			op_case c;
			oc_init(&c, ops[o], 2, 1);
			oc_in(&c, 0, EDGEML_DTYPE_FLOAT32, 3, xd, x, 0);
			oc_in(&c, 1, EDGEML_DTYPE_INT64, 1, ad, axes, 1);
			oc_int(&c, "keepdims", keep);
			oc_infer_ok(&c, 0, keep ? 3 : 1, keep ? (int64_t[]){ 1, 4, 1 } : (int64_t[]){ 4 });
			float y[4];
			assert_int_equal(oc_run(&c, y, NULL, NULL), EDGEML_OK);
			double want[4];
			for (int j = 0; j < 4; j++) {
				double s = 0.0, m = -INFINITY;
				for (int i = 0; i < 3; i++)
					for (int k = 0; k < 5; k++) {
						s += x[(i * 4 + j) * 5 + k];
						m = fmax(m, x[(i * 4 + j) * 5 + k]);
					}
				want[j] = o == 0 ? s / 15.0 : o == 1 ? s : m;
			}
			expect_close(y, want, 4, 1e-6);
		}
	}
	/* noop_with_empty_axes with empty axes: the identity. */
	op_case c;
	oc_init(&c, EML_OP_ReduceSum, 2, 1);
	oc_in(&c, 0, EDGEML_DTYPE_FLOAT32, 3, xd, x, 0);
	oc_in(&c, 1, EDGEML_DTYPE_INT64, 1, (int64_t[]){ 0 }, axes, 1);
	oc_int(&c, "noop_with_empty_axes", 1);
	oc_infer_ok(&c, 0, 3, xd);
}

/* ---- Slice, Split, Gather ----------------------------------------------------------- */

static void test_slice_split_gather(void **state)
{
	(void)state;
	float x[24];
	for (int i = 0; i < 24; i++)
		x[i] = (float)i;
	static const int64_t xd[] = { 2, 3, 4 }, one[] = { 1 }, two[] = { 2 };
	/* Slice axis -1 from the end backwards by 2: elements 3, 1 of each row. */
	static const int64_t st[] = { -1 }, en[] = { INT64_MIN }, ax[] = { -1 }, sp[] = { -2 };
	op_case c;
	oc_init(&c, EML_OP_Slice, 5, 1);
	oc_in(&c, 0, EDGEML_DTYPE_FLOAT32, 3, xd, x, 0);
	oc_in(&c, 1, EDGEML_DTYPE_INT64, 1, one, st, 1);
	oc_in(&c, 2, EDGEML_DTYPE_INT64, 1, one, en, 1);
	oc_in(&c, 3, EDGEML_DTYPE_INT64, 1, one, ax, 1);
	oc_in(&c, 4, EDGEML_DTYPE_INT64, 1, one, sp, 1);
	oc_infer_ok(&c, 0, 3, (int64_t[]){ 2, 3, 2 });
	float y[24];
	assert_int_equal(oc_run(&c, y, NULL, NULL), EDGEML_OK);
	for (int r = 0; r < 6; r++) {
		assert_true(y[r * 2] == (float)(r * 4 + 3));
		assert_true(y[r * 2 + 1] == (float)(r * 4 + 1));
	}
	/* Slice axis 1 [1, 3) with the last axis whole: runs of 8 contiguous elements. */
	static const int64_t st1[] = { 1 }, en1[] = { 3 };
	oc_init(&c, EML_OP_Slice, 4, 1);
	oc_in(&c, 0, EDGEML_DTYPE_FLOAT32, 3, xd, x, 0);
	oc_in(&c, 1, EDGEML_DTYPE_INT64, 1, one, st1, 1);
	oc_in(&c, 2, EDGEML_DTYPE_INT64, 1, one, en1, 1);
	oc_in(&c, 3, EDGEML_DTYPE_INT64, 1, one, one, 1);
	oc_infer_ok(&c, 0, 3, (int64_t[]){ 2, 2, 4 });
	assert_int_equal(oc_run(&c, y, NULL, NULL), EDGEML_OK);
	for (int n = 0; n < 2; n++)
		for (int i = 0; i < 8; i++)
			assert_true(y[n * 8 + i] == (float)(n * 12 + 4 + i));
	/* Split into 3 by num_outputs on an axis of 4 (opset 18): 2, 2, 0. */
	oc_init(&c, EML_OP_Split, 1, 3);
	oc_in(&c, 0, EDGEML_DTYPE_FLOAT32, 3, xd, x, 0);
	oc_int(&c, "axis", -1);
	oc_int(&c, "num_outputs", 3);
	oc_infer_ok(&c, 2, 3, (int64_t[]){ 2, 3, 0 });
	assert_int_equal(c.out[0].dims[2], 2);
	float a[12], b[12];
	assert_int_equal(oc_run(&c, a, b, y), EDGEML_OK);
	for (int r = 0; r < 6; r++) {
		assert_true(a[r * 2] == (float)(r * 4) && a[r * 2 + 1] == (float)(r * 4 + 1));
		assert_true(b[r * 2] == (float)(r * 4 + 2) && b[r * 2 + 1] == (float)(r * 4 + 3));
	}
	/* Gather on axis 1 with int32 run-time indices {-1, 0}. */
	int32_t idx[2] = { -1, 0 };
	oc_init(&c, EML_OP_Gather, 2, 1);
	oc_in(&c, 0, EDGEML_DTYPE_FLOAT32, 3, xd, x, 0);
	oc_in(&c, 1, EDGEML_DTYPE_INT32, 1, two, idx, 0);
	oc_int(&c, "axis", 1);
	oc_infer_ok(&c, 0, 3, (int64_t[]){ 2, 2, 4 });
	assert_int_equal(oc_run(&c, y, NULL, NULL), EDGEML_OK);
	for (int n = 0; n < 2; n++)
		for (int k = 0; k < 4; k++) {
			assert_true(y[(n * 2) * 4 + k] == x[(n * 3 + 2) * 4 + k]);
			assert_true(y[(n * 2 + 1) * 4 + k] == x[(n * 3) * 4 + k]);
		}
	/* An index computed at run time outside [-3, 3): the run fails, naming it. */
	idx[1] = 3;
	assert_int_equal(oc_run(&c, y, NULL, NULL), EDGEML_ERR_INVALID_ARGUMENT);
	assert_non_null(strstr(edgeml_last_error(), "indices[1] = 3"));
	idx[1] = -4;
	assert_int_equal(oc_run(&c, y, NULL, NULL), EDGEML_ERR_INVALID_ARGUMENT);
}

/* ---- ConvTranspose ------------------------------------------------------------------ */

/* Random grouped, strided, dilated, padded 2-D case against the scatter formulation
 * (every input pixel adds x * w to the outputs its window covers). */
static void test_convtranspose(void **state)
{
	(void)state;
	enum { N = 2, C = 4, G = 2, MG = 3, H = 5, W = 4, KH = 3, KW = 2 };
	static const int64_t xd[] = { N, C, H, W }, wd[] = { C, MG, KH, KW }, bd[] = { G * MG };
	static const int64_t strides[] = { 2, 3 }, dil[] = { 2, 1 }, pads[] = { 1, 0, 2, 1 };
	static const int64_t opad[] = { 1, 0 };
	float x[N * C * H * W], w[C * MG * KH * KW], b[G * MG];
	for (size_t i = 0; i < sizeof(x) / sizeof(x[0]); i++)
		x[i] = rnd();
	for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++)
		w[i] = rnd();
	for (size_t i = 0; i < sizeof(b) / sizeof(b[0]); i++)
		b[i] = rnd();
	op_case c;
	oc_init(&c, EML_OP_ConvTranspose, 3, 1);
	oc_in(&c, 0, EDGEML_DTYPE_FLOAT32, 4, xd, x, 0);
	oc_in(&c, 1, EDGEML_DTYPE_FLOAT32, 4, wd, w, 1);
	oc_in(&c, 2, EDGEML_DTYPE_FLOAT32, 1, bd, b, 1);
	oc_int(&c, "group", G);
	oc_ints(&c, "strides", strides, 2);
	oc_ints(&c, "dilations", dil, 2);
	oc_ints(&c, "pads", pads, 4);
	oc_ints(&c, "output_padding", opad, 2);
	/* out = s*(in-1) + opad + (k-1)*d + 1 - pads: 2*4+1+4+1-3 = 11, 3*3+0+1+1-1 = 10 */
	enum { OH = 11, OW = 10 };
	oc_infer_ok(&c, 0, 4, (int64_t[]){ N, G * MG, OH, OW });
	static float y[N * G * MG * OH * OW];
	static double want[N * G * MG * OH * OW];
	assert_int_equal(oc_run(&c, y, NULL, NULL), EDGEML_OK);
	for (int n = 0; n < N; n++)
		for (int m = 0; m < G * MG; m++)
			for (int i = 0; i < OH * OW; i++)
				want[(n * G * MG + m) * OH * OW + i] = b[m];
	for (int n = 0; n < N; n++)
		for (int ch = 0; ch < C; ch++)
			for (int ih = 0; ih < H; ih++)
				for (int iw = 0; iw < W; iw++)
					for (int mg = 0; mg < MG; mg++)
						for (int kh = 0; kh < KH; kh++)
							for (int kw = 0; kw < KW; kw++) {
								int oh = ih * 2 - 1 + kh * 2;
								int ow = iw * 3 - 0 + kw;
								if (oh < 0 || oh >= OH || ow < 0 || ow >= OW)
									continue;
								int m = (ch / (C / G)) * MG + mg;
								want[((n * G * MG + m) * OH + oh) * OW + ow] +=
									(double)x[((n * C + ch) * H + ih) * W + iw] *
									w[((ch * MG + mg) * KH + kh) * KW + kw];
							}
	expect_close(y, want, N * G * MG * OH * OW, 1e-6);
}

/* ---- LSTM / GRU run-time errors ----------------------------------------------------- */

static void test_rnn_sequence_lens(void **state)
{
	(void)state;
	enum { S = 3, B = 2, I = 2, HS = 2 };
	static const int64_t xd[] = { S, B, I }, wd[] = { 1, 4 * HS, I }, rd[] = { 1, 4 * HS, HS };
	static const int64_t sd[] = { B };
	float x[S * B * I];
	for (int i = 0; i < S * B * I; i++)
		x[i] = rnd();
	int32_t lens[B] = { 2, 4 };
	op_case c;
	oc_init(&c, EML_OP_LSTM, 5, 2);
	oc_in(&c, 0, EDGEML_DTYPE_FLOAT32, 3, xd, x, 0);
	oc_in(&c, 1, EDGEML_DTYPE_FLOAT32, 3, wd, zeros, 1);
	oc_in(&c, 2, EDGEML_DTYPE_FLOAT32, 3, rd, zeros, 1);
	c.in_idx[3] = EML_NO_TENSOR;
	oc_in(&c, 4, EDGEML_DTYPE_INT32, 1, sd, lens, 0);
	oc_int(&c, "hidden_size", HS);
	oc_infer_ok(&c, 0, 4, (int64_t[]){ S, 1, B, HS });
	float y[S * B * HS], yh[B * HS];
	assert_int_equal(oc_run(&c, y, yh, NULL), EDGEML_ERR_INVALID_ARGUMENT);
	assert_non_null(strstr(edgeml_last_error(), "sequence_lens[1] = 4"));
	/* Zero weights: every gate is sigmoid(0) = 0.5 and the cell input tanh(0) = 0, so the
	 * state stays 0; the steps past item 0's length 2 are zeros in Y. */
	lens[1] = 3;
	memset(y, 0x7f, sizeof(y));
	assert_int_equal(oc_run(&c, y, yh, NULL), EDGEML_OK);
	for (int i = 0; i < S * B * HS; i++)
		assert_true(y[i] == 0.0f);
}

/* ---- infer errors ------------------------------------------------------------------- */

/* Each bad node is refused with the status a user can act on, naming what is wrong. */
static void test_infer_errors(void **state)
{
	(void)state;
	float f[64] = { 0 };
	static const int64_t d23[] = { 2, 3 }, d1[] = { 1 }, d2[] = { 2 }, d3[] = { 3 };
	static const int64_t dup[] = { 1, -1 }, big[] = { 2 }, zero[] = { 0 }, i3[] = { 3 };
	static const int64_t sizes_bad[] = { 1, 1 }, m1[] = { -1 };
	op_case c;

	oc_init(&c, EML_OP_ReduceMean, 2, 1); /* axis 1 twice */
	oc_in(&c, 0, EDGEML_DTYPE_FLOAT32, 2, d23, f, 0);
	oc_in(&c, 1, EDGEML_DTYPE_INT64, 1, d2, dup, 1);
	oc_infer_fails(&c, EDGEML_ERR_FORMAT, "twice");
	oc_init(&c, EML_OP_ReduceMax, 2, 1); /* axis 2 of a rank-2 tensor */
	oc_in(&c, 0, EDGEML_DTYPE_FLOAT32, 2, d23, f, 0);
	oc_in(&c, 1, EDGEML_DTYPE_INT64, 1, d1, big, 1);
	oc_infer_fails(&c, EDGEML_ERR_FORMAT, "axes");
	oc_init(&c, EML_OP_ReduceSum, 2, 1); /* axes computed at run time */
	oc_in(&c, 0, EDGEML_DTYPE_FLOAT32, 2, d23, f, 0);
	oc_in(&c, 1, EDGEML_DTYPE_INT64, 1, d1, big, 0);
	oc_infer_fails(&c, EDGEML_ERR_UNSUPPORTED, "constant");
	oc_init(&c, EML_OP_ReduceMean, 1, 1);
	oc_in(&c, 0, EDGEML_DTYPE_FLOAT32, 2, d23, f, 0);
	oc_int(&c, "keepdims", 2);
	oc_infer_fails(&c, EDGEML_ERR_FORMAT, "keepdims");

	oc_init(&c, EML_OP_Slice, 5, 1); /* step 0 */
	oc_in(&c, 0, EDGEML_DTYPE_FLOAT32, 2, d23, f, 0);
	oc_in(&c, 1, EDGEML_DTYPE_INT64, 1, d1, zero, 1);
	oc_in(&c, 2, EDGEML_DTYPE_INT64, 1, d1, i3, 1);
	oc_in(&c, 3, EDGEML_DTYPE_INT64, 1, d1, zero, 1);
	oc_in(&c, 4, EDGEML_DTYPE_INT64, 1, d1, zero, 1);
	oc_infer_fails(&c, EDGEML_ERR_FORMAT, "steps[0] is 0");
	oc_init(&c, EML_OP_Slice, 3, 1); /* ends longer than starts */
	oc_in(&c, 0, EDGEML_DTYPE_FLOAT32, 2, d23, f, 0);
	oc_in(&c, 1, EDGEML_DTYPE_INT64, 1, d1, zero, 1);
	oc_in(&c, 2, EDGEML_DTYPE_INT64, 1, d2, dup, 1);
	oc_infer_fails(&c, EDGEML_ERR_SHAPE, "input ends");

	oc_init(&c, EML_OP_Split, 2, 2); /* 1 + 1 != 3 */
	oc_in(&c, 0, EDGEML_DTYPE_FLOAT32, 2, d23, f, 0);
	oc_in(&c, 1, EDGEML_DTYPE_INT64, 1, d2, sizes_bad, 1);
	oc_int(&c, "axis", 1);
	oc_infer_fails(&c, EDGEML_ERR_SHAPE, "add up");
	oc_init(&c, EML_OP_Split, 1, 2); /* 3 into 2 equal parts */
	oc_in(&c, 0, EDGEML_DTYPE_FLOAT32, 2, d23, f, 0);
	oc_int(&c, "axis", -1);
	oc_infer_fails(&c, EDGEML_ERR_SHAPE, "equal");

	oc_init(&c, EML_OP_Gather, 2, 1); /* a constant index out of range */
	oc_in(&c, 0, EDGEML_DTYPE_FLOAT32, 2, d23, f, 0);
	oc_in(&c, 1, EDGEML_DTYPE_INT64, 1, d1, i3, 1);
	oc_int(&c, "axis", 1);
	oc_infer_fails(&c, EDGEML_ERR_SHAPE, "indices[0] = 3");
	oc_init(&c, EML_OP_Gather, 2, 1); /* float indices */
	oc_in(&c, 0, EDGEML_DTYPE_FLOAT32, 2, d23, f, 0);
	oc_in(&c, 1, EDGEML_DTYPE_FLOAT32, 1, d1, f, 0);
	oc_infer_fails(&c, EDGEML_ERR_UNSUPPORTED, "indices");

	oc_init(&c, EML_OP_Pow, 2, 1); /* [2,3] and [2] do not broadcast */
	oc_in(&c, 0, EDGEML_DTYPE_FLOAT32, 2, d23, f, 0);
	oc_in(&c, 1, EDGEML_DTYPE_FLOAT32, 1, d2, f, 0);
	oc_infer_fails(&c, EDGEML_ERR_SHAPE, "");

	oc_init(&c, EML_OP_LayerNormalization, 2, 1); /* Scale [2] against normalized [3] */
	oc_in(&c, 0, EDGEML_DTYPE_FLOAT32, 2, d23, f, 0);
	oc_in(&c, 1, EDGEML_DTYPE_FLOAT32, 1, d2, f, 1);
	oc_infer_fails(&c, EDGEML_ERR_SHAPE, "Scale");
	oc_init(&c, EML_OP_LayerNormalization, 2, 1);
	oc_in(&c, 0, EDGEML_DTYPE_FLOAT32, 2, d23, f, 0);
	oc_in(&c, 1, EDGEML_DTYPE_FLOAT32, 1, d3, f, 1);
	oc_float(&c, "epsilon", -1.0f);
	oc_infer_fails(&c, EDGEML_ERR_FORMAT, "epsilon");
	oc_init(&c, EML_OP_LayerNormalization, 2, 1);
	oc_in(&c, 0, EDGEML_DTYPE_FLOAT32, 2, d23, f, 0);
	oc_in(&c, 1, EDGEML_DTYPE_FLOAT32, 1, d3, f, 1);
	oc_int(&c, "axis", -3);
	oc_infer_fails(&c, EDGEML_ERR_FORMAT, "axis");

	static const int64_t xd[] = { 4, 1, 2 }, wd[] = { 1, 8, 2 }, rd[] = { 1, 8, 2 };
	static const int64_t wbad[] = { 1, 8, 3 };
	oc_init(&c, EML_OP_LSTM, 3, 1);
	oc_in(&c, 0, EDGEML_DTYPE_FLOAT32, 3, xd, f, 0);
	oc_in(&c, 1, EDGEML_DTYPE_FLOAT32, 3, wd, f, 1);
	oc_in(&c, 2, EDGEML_DTYPE_FLOAT32, 3, rd, f, 1);
	oc_str(&c, "direction", "sideways");
	oc_infer_fails(&c, EDGEML_ERR_FORMAT, "direction");
	oc_init(&c, EML_OP_LSTM, 3, 1);
	oc_in(&c, 0, EDGEML_DTYPE_FLOAT32, 3, xd, f, 0);
	oc_in(&c, 1, EDGEML_DTYPE_FLOAT32, 3, wbad, f, 1);
	oc_in(&c, 2, EDGEML_DTYPE_FLOAT32, 3, rd, f, 1);
	oc_infer_fails(&c, EDGEML_ERR_SHAPE, "input W");
	oc_init(&c, EML_OP_GRU, 3, 1); /* 8 rows are not 3 gates */
	oc_in(&c, 0, EDGEML_DTYPE_FLOAT32, 3, xd, f, 0);
	oc_in(&c, 1, EDGEML_DTYPE_FLOAT32, 3, wd, f, 1);
	oc_in(&c, 2, EDGEML_DTYPE_FLOAT32, 3, rd, f, 1);
	oc_infer_fails(&c, EDGEML_ERR_SHAPE, "input W");
	oc_init(&c, EML_OP_LSTM, 3, 1);
	oc_in(&c, 0, EDGEML_DTYPE_FLOAT32, 3, xd, f, 0);
	oc_in(&c, 1, EDGEML_DTYPE_FLOAT32, 3, wd, f, 1);
	oc_in(&c, 2, EDGEML_DTYPE_FLOAT32, 3, rd, f, 1);
	oc_float(&c, "clip", -1.0f);
	oc_infer_fails(&c, EDGEML_ERR_FORMAT, "clip");

	static const int64_t cx[] = { 1, 4, 3, 3 }, cw[] = { 4, 2, 2, 2 }, cw3[] = { 3, 2, 2, 2 };
	static const int64_t s2[] = { 2, 2 }, op2[] = { 2, 0 }, bigpads[] = { 3, 3, 3, 3 };
	oc_init(&c, EML_OP_ConvTranspose, 2, 1); /* W's dim 0 is not X's channels */
	oc_in(&c, 0, EDGEML_DTYPE_FLOAT32, 4, cx, f, 0);
	oc_in(&c, 1, EDGEML_DTYPE_FLOAT32, 4, cw3, f, 1);
	oc_infer_fails(&c, EDGEML_ERR_SHAPE, "group");
	oc_init(&c, EML_OP_ConvTranspose, 2, 1);
	oc_in(&c, 0, EDGEML_DTYPE_FLOAT32, 4, cx, f, 0);
	oc_in(&c, 1, EDGEML_DTYPE_FLOAT32, 4, cw, f, 1);
	oc_int(&c, "group", 3);
	oc_infer_fails(&c, EDGEML_ERR_SHAPE, "group");
	oc_init(&c, EML_OP_ConvTranspose, 2, 1);
	oc_in(&c, 0, EDGEML_DTYPE_FLOAT32, 4, cx, f, 0);
	oc_in(&c, 1, EDGEML_DTYPE_FLOAT32, 4, cw, f, 1);
	oc_ints(&c, "strides", s2, 2);
	oc_ints(&c, "output_padding", op2, 2);
	oc_infer_fails(&c, EDGEML_ERR_FORMAT, "output_padding");
	oc_init(&c, EML_OP_ConvTranspose, 2, 1);
	oc_in(&c, 0, EDGEML_DTYPE_FLOAT32, 4, cx, f, 0);
	oc_in(&c, 1, EDGEML_DTYPE_FLOAT32, 4, cw, f, 1);
	oc_ints(&c, "pads", bigpads, 4);
	oc_infer_fails(&c, EDGEML_ERR_SHAPE, "no output");
	oc_init(&c, EML_OP_ConvTranspose, 2, 1);
	oc_in(&c, 0, EDGEML_DTYPE_FLOAT32, 4, cx, f, 0);
	oc_in(&c, 1, EDGEML_DTYPE_FLOAT32, 4, cw, f, 1);
	oc_str(&c, "auto_pad", "SAME");
	oc_infer_fails(&c, EDGEML_ERR_FORMAT, "auto_pad");
	oc_init(&c, EML_OP_ConvTranspose, 2, 1);
	oc_in(&c, 0, EDGEML_DTYPE_FLOAT32, 4, cx, f, 0);
	oc_in(&c, 1, EDGEML_DTYPE_FLOAT32, 4, cw, f, 1);
	oc_ints(&c, "strides", m1, 1);
	oc_infer_fails(&c, EDGEML_ERR_FORMAT, "strides");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reduce),		cmocka_unit_test(test_slice_split_gather),
		cmocka_unit_test(test_convtranspose),	cmocka_unit_test(test_rnn_sequence_lens),
		cmocka_unit_test(test_infer_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
