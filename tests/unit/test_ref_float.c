/* test_ref_float.c — float and data-movement ops: infer and reference kernels against
 * expectations computed independently (ONNX node-test data, hand values, naive double loops). */
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
#define MAX_ATTRS 8

/* One node with its tensors, built up by the helpers below. */
typedef struct op_case {
	eml_node node;
	eml_attr attrs[MAX_ATTRS];
	uint32_t in_idx[MAX_IO], out_idx[2];
	eml_tensor in[MAX_IO], out[2];
	const eml_tensor *inp[MAX_IO];
	const eml_tensor *outp[2];
	const void *in_data[MAX_IO];
	void *out_data[2];
} op_case;

/* Starts a node of op with n_in inputs (all absent until set) and one output. */
static void oc_init(op_case *c, uint32_t op, uint32_t n_in)
{
	memset(c, 0, sizeof(*c));
	c->node.name = "t";
	c->node.op = op;
	c->node.n_inputs = n_in;
	c->node.n_outputs = 1;
	c->node.inputs = c->in_idx;
	c->node.outputs = c->out_idx;
	c->node.attrs = c->attrs;
	for (uint32_t k = 0; k < MAX_IO; k++)
		c->in_idx[k] = EML_NO_TENSOR;
	c->out_idx[0] = 100;
	c->out_idx[1] = EML_NO_TENSOR;
	c->outp[0] = &c->out[0];
	c->outp[1] = &c->out[1];
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
	t->data_size = eml_tensor_bytes(t);
	if (rank == 0)
		t->data_size = edgeml_dtype_size((edgeml_dtype)dtype);
	if (constant) {
		t->flags = EML_TF_CONSTANT;
		t->data = data;
	}
	c->in_idx[k] = k;
	c->inp[k] = t;
	c->in_data[k] = data;
}

/* Adds an INT attribute. */
static void oc_int(op_case *c, const char *name, int64_t v)
{
	eml_attr *a = &c->attrs[c->node.n_attrs++];
	a->name = name;
	a->type = EML_ATTR_INT;
	a->i = v;
}

/* Adds a FLOAT attribute. */
static void oc_float(op_case *c, const char *name, float v)
{
	eml_attr *a = &c->attrs[c->node.n_attrs++];
	a->name = name;
	a->type = EML_ATTR_FLOAT;
	a->f = v;
}

/* Adds an INTS attribute (values must outlive the case). */
static void oc_ints(op_case *c, const char *name, const int64_t *v, uint32_t n)
{
	eml_attr *a = &c->attrs[c->node.n_attrs++];
	a->name = name;
	a->type = EML_ATTR_INTS;
	a->ints = v;
	a->count = n;
}

/* Adds a STRING attribute. */
static void oc_str(op_case *c, const char *name, const char *s)
{
	eml_attr *a = &c->attrs[c->node.n_attrs++];
	a->name = name;
	a->type = EML_ATTR_STRING;
	a->s = s;
	a->count = (uint32_t)strlen(s);
}

/* Runs infer (which must succeed) and checks the output shape against want. */
static void oc_infer_ok(op_case *c, uint32_t rank, const int64_t *want)
{
	edgeml_status st = eml_op_infer(&c->node, c->inp, c->out);
	if (st != EDGEML_OK)
		fail_msg("infer failed: %s", edgeml_last_error());
	assert_int_equal(c->out[0].rank, rank);
	for (uint32_t i = 0; i < rank; i++)
		assert_int_equal(c->out[0].dims[i], want[i]);
}

/* Expects infer to fail with st, and prints nothing on success. */
static void oc_infer_fails(op_case *c, edgeml_status st)
{
	assert_int_equal(eml_op_infer(&c->node, c->inp, c->out), st);
	assert_non_null(strstr(edgeml_last_error(), "node 't'"));
}

/* Runs the kernel into buf (sized for the inferred output). */
static void oc_run(op_case *c, void *buf)
{
	eml_kernel_ctx ctx = { &c->node, c->inp, c->outp, c->in_data, c->out_data };
	c->out_data[0] = buf;
	edgeml_status st = eml_ref_kernel(c->node.op)(&ctx);
	if (st != EDGEML_OK)
		fail_msg("kernel failed: %s", edgeml_last_error());
}

/* Compares n floats with a relative tolerance (absolute near zero). */
static void expect_close(const float *got, const double *want, int64_t n, double tol)
{
	for (int64_t i = 0; i < n; i++) {
		double err = fabs((double)got[i] - want[i]);
		if (err > tol * fmax(1.0, fabs(want[i])))
			fail_msg("element %lld: got %.9g, want %.9g", (long long)i, (double)got[i],
				 want[i]);
	}
}

/* Same for expectations given as floats. */
static void expect_close_f(const float *got, const float *want, int64_t n, double tol)
{
	for (int64_t i = 0; i < n; i++)
		if (fabs((double)got[i] - want[i]) > tol * fmax(1.0, fabs(want[i])))
			fail_msg("element %lld: got %.9g, want %.9g", (long long)i, (double)got[i],
				 (double)want[i]);
}

static uint32_t rng_state = 12345;

/* Deterministic pseudo-random floats in [-1, 1). */
static float rnd(void)
{
	rng_state = rng_state * 1664525u + 1013904223u;
	return (float)(rng_state >> 8) / (float)(1u << 23) - 1.0f;
}

/* Fills n floats with rnd(). */
static float *rnd_array(int64_t n)
{
	float *p = malloc((size_t)n * sizeof(float));
	assert_non_null(p);
	for (int64_t i = 0; i < n; i++)
		p[i] = rnd();
	return p;
}

/* Product of dims. */
static int64_t numel(uint32_t rank, const int64_t *dims)
{
	int64_t n = 1;
	for (uint32_t i = 0; i < rank; i++)
		n *= dims[i];
	return n;
}

/* ---- Conv --------------------------------------------------------------------------- */

/* ONNX test_basic_conv_with_padding / _without_padding: 5x5 ramp, 3x3 ones. */
static void test_conv_onnx(void **state)
{
	(void)state;
	float x[25], w[9], y[25];
	for (int i = 0; i < 25; i++)
		x[i] = (float)i;
	for (int i = 0; i < 9; i++)
		w[i] = 1.0f;
	static const float want_pad[25] = { 12, 21, 27, 33, 24, 33, 54, 63, 72, 51, 63, 99, 108,
					    117, 81, 93, 144, 153, 162, 111, 72, 111, 117, 123,
					    84 };
	static const float want_nopad[9] = { 54, 63, 72, 99, 108, 117, 144, 153, 162 };
	static const int64_t pads[] = { 1, 1, 1, 1 }, ks[] = { 3, 3 };
	int64_t xd[] = { 1, 1, 5, 5 }, wd[] = { 1, 1, 3, 3 };
	op_case c;
	oc_init(&c, EML_OP_Conv, 2);
	oc_in(&c, 0, EDGEML_DTYPE_FLOAT32, 4, xd, x, 0);
	oc_in(&c, 1, EDGEML_DTYPE_FLOAT32, 4, wd, w, 1);
	oc_ints(&c, "kernel_shape", ks, 2);
	oc_ints(&c, "pads", pads, 4);
	oc_infer_ok(&c, 4, (int64_t[]){ 1, 1, 5, 5 });
	oc_run(&c, y);
	expect_close_f(y, want_pad, 25, 0);

	oc_init(&c, EML_OP_Conv, 2);
	oc_in(&c, 0, EDGEML_DTYPE_FLOAT32, 4, xd, x, 0);
	oc_in(&c, 1, EDGEML_DTYPE_FLOAT32, 4, wd, w, 1);
	oc_infer_ok(&c, 4, (int64_t[]){ 1, 1, 3, 3 });
	oc_run(&c, y);
	expect_close_f(y, want_nopad, 9, 0);
}

/* A Conv configuration for the randomized comparison. */
typedef struct conv_cfg {
	uint32_t ns; /* spatial dims */
	int64_t n, c, m, group;
	int64_t in[3], k[3], s[3], d[3], pads[6];
	int bias;
	float lo, hi;
} conv_cfg;

/* Naive Conv in double: each output sums over every (channel, kernel tap) it sees. */
static void conv_naive(const conv_cfg *f, const int64_t *out, const float *x, const float *w,
		       const float *b, double *y)
{
	int64_t cg = f->c / f->group, mg = f->m / f->group;
	int64_t in_sz = numel(f->ns, f->in), out_sz = numel(f->ns, out), k_sz = numel(f->ns, f->k);
	for (int64_t n = 0; n < f->n; n++)
	for (int64_t m = 0; m < f->m; m++)
	for (int64_t o = 0; o < out_sz; o++) {
		int64_t oc[3], rem = o;
		for (uint32_t i = f->ns; i-- > 0;) {
			oc[i] = rem % out[i];
			rem /= out[i];
		}
		double acc = b ? b[m] : 0.0;
		for (int64_t ci = 0; ci < cg; ci++) {
			int64_t chan = (m / mg) * cg + ci;
			for (int64_t t = 0; t < k_sz; t++) {
				int64_t kc[3], r2 = t, pos = 0, inside = 1;
				for (uint32_t i = f->ns; i-- > 0;) {
					kc[i] = r2 % f->k[i];
					r2 /= f->k[i];
				}
				for (uint32_t i = 0; i < f->ns; i++) {
					int64_t p = oc[i] * f->s[i] - f->pads[i] + kc[i] * f->d[i];
					inside &= p >= 0 && p < f->in[i];
					pos = pos * f->in[i] + p;
				}
				if (inside)
					acc += (double)x[(n * f->c + chan) * in_sz + pos] *
					       w[(m * cg + ci) * k_sz + t];
			}
		}
		y[(n * f->m + m) * out_sz + o] = fmin(fmax(acc, f->lo), f->hi);
	}
}

/* Conv on 1-D/2-D/3-D, grouped, depthwise, strided, dilated and padded inputs. */
static void test_conv_random(void **state)
{
	(void)state;
	static const conv_cfg cfgs[] = {
		{ 2, 1, 3, 4, 1, { 7, 6 }, { 3, 3 }, { 1, 1 }, { 1, 1 }, { 1, 1, 1, 1 }, 1,
		  -INFINITY, INFINITY },
		{ 2, 2, 4, 6, 2, { 9, 8 }, { 3, 2 }, { 2, 1 }, { 1, 2 }, { 0, 1, 2, 0 }, 0,
		  -INFINITY, INFINITY },
		{ 2, 1, 5, 5, 5, { 6, 6 }, { 3, 3 }, { 2, 2 }, { 1, 1 }, { 1, 1, 1, 1 }, 1,
		  0.0f, 6.0f },
		{ 1, 2, 3, 2, 1, { 11 }, { 4 }, { 3 }, { 2 }, { 2, 1 }, 1, -0.5f, 0.5f },
		{ 3, 1, 2, 3, 1, { 4, 5, 3 }, { 2, 3, 1 }, { 1, 2, 1 }, { 2, 1, 1 },
		  { 1, 0, 0, 0, 1, 1 }, 1, -INFINITY, INFINITY },
	};
	for (size_t ci = 0; ci < sizeof(cfgs) / sizeof(cfgs[0]); ci++) {
		const conv_cfg *f = &cfgs[ci];
		int64_t xd[5] = { f->n, f->c }, wd[5] = { f->m, f->c / f->group }, yd[5] = { f->n,
											   f->m };
		int64_t out[3], sp[6], dl[3], st[3];
		for (uint32_t i = 0; i < f->ns; i++) {
			xd[2 + i] = f->in[i];
			wd[2 + i] = f->k[i];
			out[i] = (f->in[i] + f->pads[i] + f->pads[f->ns + i] -
				  ((f->k[i] - 1) * f->d[i] + 1)) / f->s[i] + 1;
			yd[2 + i] = out[i];
			sp[i] = f->pads[i];
			sp[f->ns + i] = f->pads[f->ns + i];
			dl[i] = f->d[i];
			st[i] = f->s[i];
		}
		float *x = rnd_array(numel(f->ns + 2, xd)), *w = rnd_array(numel(f->ns + 2, wd));
		float *b = rnd_array(f->m), *y = rnd_array(numel(f->ns + 2, yd));
		double *want = malloc((size_t)numel(f->ns + 2, yd) * sizeof(double));
		int64_t bd[1] = { f->m };
		op_case c;
		oc_init(&c, EML_OP_Conv, f->bias ? 3 : 2);
		oc_in(&c, 0, EDGEML_DTYPE_FLOAT32, f->ns + 2, xd, x, 0);
		oc_in(&c, 1, EDGEML_DTYPE_FLOAT32, f->ns + 2, wd, w, 1);
		if (f->bias)
			oc_in(&c, 2, EDGEML_DTYPE_FLOAT32, 1, bd, b, 1);
		oc_int(&c, "group", f->group);
		oc_ints(&c, "pads", sp, 2 * f->ns);
		oc_ints(&c, "dilations", dl, f->ns);
		oc_ints(&c, "strides", st, f->ns);
		if (f->lo != -INFINITY)
			oc_float(&c, "activation_min", f->lo);
		if (f->hi != INFINITY)
			oc_float(&c, "activation_max", f->hi);
		oc_infer_ok(&c, f->ns + 2, yd);
		oc_run(&c, y);
		conv_naive(f, out, x, w, f->bias ? b : NULL, want);
		expect_close(y, want, numel(f->ns + 2, yd), 1e-5);
		free(x);
		free(w);
		free(b);
		free(y);
		free(want);
	}
}

/* ---- Gemm / MatMul ------------------------------------------------------------------ */

/* Gemm with each transpose and C broadcast form, against a naive double product. */
static void test_gemm(void **state)
{
	(void)state;
	const int64_t m = 3, k = 5, n = 4;
	static const struct {
		int ta, tb;
		uint32_t c_rank;
		int64_t c_dims[2];
		float alpha, beta;
	} cfgs[] = {
		{ 0, 0, 0, { 0 }, 1.0f, 1.0f }, { 1, 0, 1, { 4 }, 0.5f, 2.0f },
		{ 0, 1, 2, { 3, 1 }, 1.0f, -1.0f }, { 1, 1, 2, { 3, 4 }, 2.0f, 0.5f },
		{ 0, 0, 2, { 1, 1 }, 1.0f, 1.0f },
	};
	for (size_t ci = 0; ci < sizeof(cfgs) / sizeof(cfgs[0]); ci++) {
		float *a = rnd_array(m * k), *b = rnd_array(k * n), *cc = rnd_array(m * n), y[12];
		double want[12];
		int64_t ad[2] = { cfgs[ci].ta ? k : m, cfgs[ci].ta ? m : k };
		int64_t bd[2] = { cfgs[ci].tb ? n : k, cfgs[ci].tb ? k : n };
		op_case c;
		oc_init(&c, EML_OP_Gemm, ci == 0 ? 2 : 3);
		oc_in(&c, 0, EDGEML_DTYPE_FLOAT32, 2, ad, a, 0);
		oc_in(&c, 1, EDGEML_DTYPE_FLOAT32, 2, bd, b, 1);
		if (ci)
			oc_in(&c, 2, EDGEML_DTYPE_FLOAT32, cfgs[ci].c_rank, cfgs[ci].c_dims, cc, 1);
		oc_int(&c, "transA", cfgs[ci].ta);
		oc_int(&c, "transB", cfgs[ci].tb);
		oc_float(&c, "alpha", cfgs[ci].alpha);
		oc_float(&c, "beta", cfgs[ci].beta);
		oc_infer_ok(&c, 2, (int64_t[]){ m, n });
		oc_run(&c, y);
		for (int64_t i = 0; i < m; i++) {
			for (int64_t j = 0; j < n; j++) {
				double acc = 0.0;
				for (int64_t p = 0; p < k; p++)
					acc += (double)(cfgs[ci].ta ? a[p * m + i] : a[i * k + p]) *
					       (cfgs[ci].tb ? b[j * k + p] : b[p * n + j]);
				double cv = 0.0;
				if (ci) {
					int64_t r = cfgs[ci].c_rank;
					int64_t ci0 = r == 2 && cfgs[ci].c_dims[0] > 1 ? i : 0;
					int64_t cj = r >= 1 && cfgs[ci].c_dims[r - 1] > 1 ? j : 0;
					int64_t cols = r >= 1 ? cfgs[ci].c_dims[r - 1] : 1;
					cv = cc[ci0 * cols + cj];
				}
				want[i * n + j] = cfgs[ci].alpha * acc + cfgs[ci].beta * cv;
			}
		}
		expect_close(y, want, m * n, 1e-5);
		free(a);
		free(b);
		free(cc);
	}
}

/* MatMul: 1-D promotion on either side and broadcast batch dims. */
static void test_matmul(void **state)
{
	(void)state;
	static const struct {
		uint32_t ra, rb, ry;
		int64_t a[4], b[4], y[4];
	} cfgs[] = {
		{ 1, 2, 1, { 3 }, { 3, 4 }, { 4 } },
		{ 2, 1, 1, { 2, 3 }, { 3 }, { 2 } },
		{ 1, 1, 0, { 5 }, { 5 }, { 0 } },
		{ 4, 3, 4, { 2, 1, 3, 4 }, { 5, 4, 2 }, { 2, 5, 3, 2 } },
	};
	for (size_t ci = 0; ci < sizeof(cfgs) / sizeof(cfgs[0]); ci++) {
		int64_t na = numel(cfgs[ci].ra, cfgs[ci].a), nb = numel(cfgs[ci].rb, cfgs[ci].b);
		int64_t ny = numel(cfgs[ci].ry, cfgs[ci].y);
		float *a = rnd_array(na), *b = rnd_array(nb), *y = rnd_array(ny);
		double *want = calloc((size_t)ny, sizeof(double));
		op_case c;
		oc_init(&c, EML_OP_MatMul, 2);
		oc_in(&c, 0, EDGEML_DTYPE_FLOAT32, cfgs[ci].ra, cfgs[ci].a, a, 0);
		oc_in(&c, 1, EDGEML_DTYPE_FLOAT32, cfgs[ci].rb, cfgs[ci].b, b, 0);
		oc_infer_ok(&c, cfgs[ci].ry, cfgs[ci].y);
		oc_run(&c, y);
		if (ci < 3) {
			/* Vector cases: a plain sum of products. */
			int64_t k = cfgs[ci].a[cfgs[ci].ra - 1];
			int64_t cols = cfgs[ci].rb == 2 ? cfgs[ci].b[1] : 1;
			int64_t rows = cfgs[ci].ra == 2 ? cfgs[ci].a[0] : 1;
			for (int64_t i = 0; i < rows; i++)
				for (int64_t j = 0; j < cols; j++)
					for (int64_t p = 0; p < k; p++)
						want[i * cols + j] += (double)a[i * k + p] *
								      b[p * cols + j];
		} else {
			/* [2,1,3,4] x [5,4,2]: batch (i, j) uses a[i] and b[j]. */
			for (int64_t i = 0; i < 2; i++)
			for (int64_t j = 0; j < 5; j++)
			for (int64_t r = 0; r < 3; r++)
			for (int64_t q = 0; q < 2; q++)
			for (int64_t p = 0; p < 4; p++)
				want[((i * 5 + j) * 3 + r) * 2 + q] +=
					(double)a[(i * 3 + r) * 4 + p] * b[(j * 4 + p) * 2 + q];
		}
		expect_close(y, want, ny, 1e-5);
		free(a);
		free(b);
		free(y);
		free(want);
	}
}

/* ---- element-wise ------------------------------------------------------------------- */

/* Add/Sub/Mul/Div of [2,3,1] and [3,4] broadcast to [2,3,4]; fused clamp on Add. */
static void test_binary_broadcast(void **state)
{
	(void)state;
	static const uint32_t ops[] = { EML_OP_Add, EML_OP_Sub, EML_OP_Mul, EML_OP_Div };
	int64_t ad[] = { 2, 3, 1 }, bd[] = { 3, 4 };
	float *a = rnd_array(6), *b = rnd_array(12), y[24];
	double want[24];
	for (size_t oi = 0; oi < 4; oi++) {
		op_case c;
		oc_init(&c, ops[oi], 2);
		oc_in(&c, 0, EDGEML_DTYPE_FLOAT32, 3, ad, a, 0);
		oc_in(&c, 1, EDGEML_DTYPE_FLOAT32, 2, bd, b, 0);
		if (oi == 0)
			oc_float(&c, "activation_max", 0.25f);
		oc_infer_ok(&c, 3, (int64_t[]){ 2, 3, 4 });
		oc_run(&c, y);
		for (int i = 0; i < 2; i++)
		for (int j = 0; j < 3; j++)
		for (int k = 0; k < 4; k++) {
			double x = a[i * 3 + j], z = b[j * 4 + k], v;
			v = oi == 0 ? fmin(x + z, 0.25) : oi == 1 ? x - z : oi == 2 ? x * z : x / z;
			want[(i * 3 + j) * 4 + k] = v;
		}
		expect_close(y, want, 24, 1e-6);
	}
	free(a);
	free(b);

	/* int32 Add wraps around; int64 Mul with a scalar. */
	int32_t ia[] = { INT32_MAX, -5, 7 }, ib[] = { 1, 2, 3 }, iy[3];
	int64_t d3[] = { 3 };
	op_case c;
	oc_init(&c, EML_OP_Add, 2);
	oc_in(&c, 0, EDGEML_DTYPE_INT32, 1, d3, ia, 0);
	oc_in(&c, 1, EDGEML_DTYPE_INT32, 1, d3, ib, 0);
	oc_infer_ok(&c, 1, d3);
	oc_run(&c, iy);
	assert_int_equal(iy[0], INT32_MIN);
	assert_int_equal(iy[1], -3);
	assert_int_equal(iy[2], 10);
	int64_t la[] = { 3, -4, 1LL << 40 }, lb = -2, ly[3];
	oc_init(&c, EML_OP_Mul, 2);
	oc_in(&c, 0, EDGEML_DTYPE_INT64, 1, d3, la, 0);
	oc_in(&c, 1, EDGEML_DTYPE_INT64, 0, NULL, &lb, 1);
	oc_infer_ok(&c, 1, d3);
	oc_run(&c, ly);
	assert_true(ly[0] == -6 && ly[1] == 8 && ly[2] == -(1LL << 41));

	/* uint8 Add and Sub wrap modulo 256; int8 Mul wraps in two's complement. */
	uint8_t ua[] = { 250, 3, 100 }, ub[] = { 10, 5, 100 }, uy[3];
	oc_init(&c, EML_OP_Add, 2);
	oc_in(&c, 0, EDGEML_DTYPE_UINT8, 1, d3, ua, 0);
	oc_in(&c, 1, EDGEML_DTYPE_UINT8, 1, d3, ub, 0);
	oc_infer_ok(&c, 1, d3);
	oc_run(&c, uy);
	assert_true(uy[0] == 4 && uy[1] == 8 && uy[2] == 200);
	oc_init(&c, EML_OP_Sub, 2);
	oc_in(&c, 0, EDGEML_DTYPE_UINT8, 1, d3, ua, 0);
	oc_in(&c, 1, EDGEML_DTYPE_UINT8, 1, d3, ub, 0);
	oc_infer_ok(&c, 1, d3);
	oc_run(&c, uy);
	assert_true(uy[0] == 240 && uy[1] == 254 && uy[2] == 0);
	int8_t sa[] = { 100, -128, -7 }, sb[] = { 3, -1, 2 }, sy[3];
	oc_init(&c, EML_OP_Mul, 2);
	oc_in(&c, 0, EDGEML_DTYPE_INT8, 1, d3, sa, 0);
	oc_in(&c, 1, EDGEML_DTYPE_INT8, 1, d3, sb, 0);
	oc_infer_ok(&c, 1, d3);
	oc_run(&c, sy);
	assert_true(sy[0] == 44 && sy[1] == -128 && sy[2] == -14);

	/* Integer Div truncates toward zero, MIN / -1 wraps to MIN, a zero divisor fails. */
	oc_init(&c, EML_OP_Div, 2);
	oc_in(&c, 0, EDGEML_DTYPE_INT8, 1, d3, sa, 0);
	oc_in(&c, 1, EDGEML_DTYPE_INT8, 1, d3, sb, 0);
	oc_infer_ok(&c, 1, d3);
	oc_run(&c, sy);
	assert_true(sy[0] == 33 && sy[1] == -128 && sy[2] == -3);
	int32_t da[] = { 7, -7, 1 }, db[] = { 2, 2, 0 }, dy[3];
	oc_init(&c, EML_OP_Div, 2);
	oc_in(&c, 0, EDGEML_DTYPE_INT32, 1, d3, da, 0);
	oc_in(&c, 1, EDGEML_DTYPE_INT32, 1, d3, db, 0);
	oc_infer_ok(&c, 1, d3);
	eml_kernel_ctx ctx = { &c.node, c.inp, c.outp, c.in_data, c.out_data };
	c.out_data[0] = dy;
	assert_int_equal(eml_ref_kernel(EML_OP_Div)(&ctx), EDGEML_ERR_INVALID_ARGUMENT);
	assert_non_null(strstr(edgeml_last_error(), "division by zero"));
	assert_true(dy[0] == 3 && dy[1] == -3);
}

/* Each activation against its formula in double. */
static void test_activations(void **state)
{
	(void)state;
	static const uint32_t ops[] = { EML_OP_Relu, EML_OP_LeakyRelu, EML_OP_Sigmoid,
					EML_OP_HardSigmoid, EML_OP_HardSwish, EML_OP_Tanh };
	float x[16], y[16];
	double want[16];
	for (int i = 0; i < 16; i++)
		x[i] = (float)(i - 8) * 0.9f;
	x[15] = -100.0f;
	int64_t d[] = { 2, 8 };
	for (size_t oi = 0; oi < 6; oi++) {
		op_case c;
		oc_init(&c, ops[oi], 1);
		oc_in(&c, 0, EDGEML_DTYPE_FLOAT32, 2, d, x, 0);
		if (ops[oi] == EML_OP_LeakyRelu)
			oc_float(&c, "alpha", 0.1f);
		oc_infer_ok(&c, 2, d);
		oc_run(&c, y);
		for (int i = 0; i < 16; i++) {
			double v = x[i];
			switch (ops[oi]) {
			case EML_OP_Relu: v = v > 0 ? v : 0; break;
			case EML_OP_LeakyRelu: v = v > 0 ? v : 0.1 * v; break;
			case EML_OP_Sigmoid: v = 1.0 / (1.0 + exp(-v)); break;
			case EML_OP_HardSigmoid: v = fmax(0, fmin(1, 0.2 * v + 0.5)); break;
			case EML_OP_HardSwish: v = v * fmax(0, fmin(1, v / 6 + 0.5)); break;
			default: v = tanh(v); break;
			}
			want[i] = v;
		}
		expect_close(y, want, 16, 1e-6);
	}
}

/* Clip with float bounds, an int8 upper bound only, and an empty (absent) bound. */
static void test_clip(void **state)
{
	(void)state;
	float x[] = { -3, -0.5f, 0, 0.5f, 3 }, lo = -1, hi = 1, y[5];
	static const float want[] = { -1, -0.5f, 0, 0.5f, 1 };
	int64_t d[] = { 5 }, empty[] = { 0 };
	op_case c;
	oc_init(&c, EML_OP_Clip, 3);
	oc_in(&c, 0, EDGEML_DTYPE_FLOAT32, 1, d, x, 0);
	oc_in(&c, 1, EDGEML_DTYPE_FLOAT32, 0, NULL, &lo, 1);
	oc_in(&c, 2, EDGEML_DTYPE_FLOAT32, 0, NULL, &hi, 0);
	oc_infer_ok(&c, 1, d);
	oc_run(&c, y);
	expect_close_f(y, want, 5, 0);

	int8_t qx[] = { -128, -1, 0, 50, 127 }, qhi = 40, qy[5];
	oc_init(&c, EML_OP_Clip, 3);
	oc_in(&c, 0, EDGEML_DTYPE_INT8, 1, d, qx, 0);
	oc_in(&c, 1, EDGEML_DTYPE_INT8, 1, empty, NULL, 1);
	oc_in(&c, 2, EDGEML_DTYPE_INT8, 0, NULL, &qhi, 1);
	oc_infer_ok(&c, 1, d);
	oc_run(&c, qy);
	assert_true(qy[0] == -128 && qy[1] == -1 && qy[3] == 40 && qy[4] == 40);
}

/* Softmax over a middle and a negative axis; BatchNormalization per channel. */
static void test_softmax_batchnorm(void **state)
{
	(void)state;
	int64_t d[] = { 2, 3, 4 };
	float *x = rnd_array(24), y[24];
	double want[24];
	for (int axis = -2; axis <= -1; axis++) {
		op_case c;
		oc_init(&c, EML_OP_Softmax, 1);
		oc_in(&c, 0, EDGEML_DTYPE_FLOAT32, 3, d, x, 0);
		oc_int(&c, "axis", axis);
		oc_infer_ok(&c, 3, d);
		oc_run(&c, y);
		for (int i = 0; i < 2; i++)
		for (int j = 0; j < 3; j++)
		for (int k = 0; k < 4; k++) {
			double sum = 0;
			for (int t = 0; t < (axis == -1 ? 4 : 3); t++)
				sum += exp(axis == -1 ? x[(i * 3 + j) * 4 + t]
						      : x[(i * 3 + t) * 4 + k]);
			want[(i * 3 + j) * 4 + k] = exp(x[(i * 3 + j) * 4 + k]) / sum;
		}
		expect_close(y, want, 24, 1e-6);
	}

	float scale[] = { 1, 2, -1 }, bias[] = { 0, 1, 2 }, mean[] = { 0.1f, -0.2f, 0 };
	float var[] = { 1, 0.5f, 4 };
	int64_t cd[] = { 3 };
	op_case c;
	oc_init(&c, EML_OP_BatchNormalization, 5);
	oc_in(&c, 0, EDGEML_DTYPE_FLOAT32, 3, d, x, 0);
	oc_in(&c, 1, EDGEML_DTYPE_FLOAT32, 1, cd, scale, 1);
	oc_in(&c, 2, EDGEML_DTYPE_FLOAT32, 1, cd, bias, 1);
	oc_in(&c, 3, EDGEML_DTYPE_FLOAT32, 1, cd, mean, 1);
	oc_in(&c, 4, EDGEML_DTYPE_FLOAT32, 1, cd, var, 1);
	oc_float(&c, "epsilon", 0.01f);
	oc_infer_ok(&c, 3, d);
	oc_run(&c, y);
	for (int i = 0; i < 24; i++) {
		int ch = (i / 4) % 3;
		want[i] = (x[i] - mean[ch]) / sqrt(var[ch] + (double)0.01f) * scale[ch] + bias[ch];
	}
	expect_close(y, want, 24, 1e-5);
	free(x);
}

/* ---- pools -------------------------------------------------------------------------- */

/* ONNX test_maxpool_2d_uint8 (5x5 kernel, pads 2), and ceil_mode / count_include_pad
 * values recorded from onnxruntime 1.23. */
static void test_pool_recorded(void **state)
{
	(void)state;
	uint8_t x[25], y[25];
	for (int i = 0; i < 25; i++)
		x[i] = (uint8_t)(i + 1);
	static const uint8_t want[25] = { 13, 14, 15, 15, 15, 18, 19, 20, 20, 20, 23, 24, 25,
					  25, 25, 23, 24, 25, 25, 25, 23, 24, 25, 25, 25 };
	static const int64_t k5[] = { 5, 5 }, p2[] = { 2, 2, 2, 2 };
	int64_t d[] = { 1, 1, 5, 5 };
	op_case c;
	oc_init(&c, EML_OP_MaxPool, 1);
	oc_in(&c, 0, EDGEML_DTYPE_UINT8, 4, d, x, 0);
	oc_ints(&c, "kernel_shape", k5, 2);
	oc_ints(&c, "pads", p2, 4);
	oc_infer_ok(&c, 4, d);
	assert_int_equal(c.out[0].dtype, EDGEML_DTYPE_UINT8);
	oc_run(&c, y);
	assert_memory_equal(y, want, 25);

	float fx[6] = { 0, 1, 2, 3, 4, 5 }, fy[4];
	static const float want_avg[4] = { 1.0f / 3, 2, 4, 2.5f };
	static const int64_t k3[] = { 3 }, s2[] = { 2 }, p1[] = { 1, 1 };
	int64_t d1[] = { 1, 1, 6 };
	oc_init(&c, EML_OP_AveragePool, 1);
	oc_in(&c, 0, EDGEML_DTYPE_FLOAT32, 3, d1, fx, 0);
	oc_ints(&c, "kernel_shape", k3, 1);
	oc_ints(&c, "strides", s2, 1);
	oc_ints(&c, "pads", p1, 2);
	oc_int(&c, "ceil_mode", 1);
	oc_int(&c, "count_include_pad", 1);
	oc_infer_ok(&c, 3, (int64_t[]){ 1, 1, 4 });
	oc_run(&c, fy);
	expect_close_f(fy, want_avg, 4, 1e-6);
}

/* Naive 2-D pool in double: max or average (divisor with or without padding). */
static double pool_naive(const float *x, int64_t h, int64_t w, const int64_t *k,
			 const int64_t *s, const int64_t *dl, const int64_t *p, int64_t oy,
			 int64_t ox, int mode)
{
	double mx = -INFINITY, sum = 0;
	int64_t cnt = 0, cnt_pad = 0;
	for (int64_t a = 0; a < k[0]; a++)
	for (int64_t b = 0; b < k[1]; b++) {
		int64_t iy = oy * s[0] - p[0] + a * dl[0], ix = ox * s[1] - p[1] + b * dl[1];
		if (iy >= -p[0] && iy < h + p[2] && ix >= -p[1] && ix < w + p[3])
			cnt_pad++;
		if (iy < 0 || iy >= h || ix < 0 || ix >= w)
			continue;
		mx = fmax(mx, x[iy * w + ix]);
		sum += x[iy * w + ix];
		cnt++;
	}
	return mode == 0 ? mx : mode == 1 ? sum / cnt : sum / cnt_pad;
}

/* MaxPool (dilated) and AveragePool (both divisor rules) on random data; GlobalAveragePool. */
static void test_pool_random(void **state)
{
	(void)state;
	const int64_t h = 7, w = 8;
	static const int64_t k[] = { 3, 2 }, s[] = { 2, 1 }, dl[] = { 1, 2 }, one[] = { 1, 1 };
	static const int64_t p[] = { 1, 0, 2, 1 };
	int64_t d[] = { 2, 3, h, w };
	float *x = rnd_array(2 * 3 * h * w), y[2 * 3 * 5 * 8];
	for (int mode = 0; mode < 3; mode++) {
		const int64_t *dil = mode == 0 ? dl : one;
		int64_t oh = (h + 3 - ((k[0] - 1) * dil[0] + 1)) / s[0] + 1;
		int64_t ow = (w + 1 - ((k[1] - 1) * dil[1] + 1)) / s[1] + 1;
		op_case c;
		oc_init(&c, mode == 0 ? EML_OP_MaxPool : EML_OP_AveragePool, 1);
		oc_in(&c, 0, EDGEML_DTYPE_FLOAT32, 4, d, x, 0);
		oc_ints(&c, "kernel_shape", k, 2);
		oc_ints(&c, "strides", s, 2);
		oc_ints(&c, "pads", p, 4);
		oc_ints(&c, "dilations", dil, 2);
		if (mode == 2)
			oc_int(&c, "count_include_pad", 1);
		oc_infer_ok(&c, 4, (int64_t[]){ 2, 3, oh, ow });
		oc_run(&c, y);
		double want[2 * 3 * 5 * 8];
		for (int64_t pl = 0; pl < 6; pl++)
			for (int64_t oy = 0; oy < oh; oy++)
				for (int64_t ox = 0; ox < ow; ox++)
					want[(pl * oh + oy) * ow + ox] = pool_naive(
						x + pl * h * w, h, w, k, s, dil, p, oy, ox, mode);
		expect_close(y, want, 6 * oh * ow, 1e-6);
	}
	op_case c;
	oc_init(&c, EML_OP_GlobalAveragePool, 1);
	oc_in(&c, 0, EDGEML_DTYPE_FLOAT32, 4, d, x, 0);
	oc_infer_ok(&c, 4, (int64_t[]){ 2, 3, 1, 1 });
	oc_run(&c, y);
	double want[6] = { 0 };
	for (int64_t i = 0; i < 6 * h * w; i++)
		want[i / (h * w)] += x[i] / (double)(h * w);
	expect_close(y, want, 6, 1e-6);
	free(x);
}

/* ---- data movement ------------------------------------------------------------------ */

/* Concat of int8 on a negative axis; Transpose of int64 with and without perm. */
static void test_concat_transpose(void **state)
{
	(void)state;
	int8_t a[] = { 1, 2, 3, 4 }, b[] = { 5, 6, 7, 8, 9, 10 }, y[10];
	static const int8_t want[] = { 1, 2, 5, 6, 7, 3, 4, 8, 9, 10 };
	int64_t ad[] = { 2, 2 }, bd[] = { 2, 3 };
	op_case c;
	oc_init(&c, EML_OP_Concat, 2);
	oc_in(&c, 0, EDGEML_DTYPE_INT8, 2, ad, a, 0);
	oc_in(&c, 1, EDGEML_DTYPE_INT8, 2, bd, b, 1);
	oc_int(&c, "axis", -1);
	oc_infer_ok(&c, 2, (int64_t[]){ 2, 5 });
	oc_run(&c, y);
	assert_memory_equal(y, want, 10);

	int64_t x[24], ty[24], xd[] = { 2, 3, 4 };
	for (int i = 0; i < 24; i++)
		x[i] = 1000 + i;
	static const int64_t perm[] = { 1, 2, 0 };
	oc_init(&c, EML_OP_Transpose, 1);
	oc_in(&c, 0, EDGEML_DTYPE_INT64, 3, xd, x, 0);
	oc_ints(&c, "perm", perm, 3);
	oc_infer_ok(&c, 3, (int64_t[]){ 3, 4, 2 });
	oc_run(&c, ty);
	for (int i = 0; i < 2; i++)
		for (int j = 0; j < 3; j++)
			for (int k = 0; k < 4; k++)
				assert_int_equal(ty[(j * 4 + k) * 2 + i], x[(i * 3 + j) * 4 + k]);
	oc_init(&c, EML_OP_Transpose, 1);
	oc_in(&c, 0, EDGEML_DTYPE_INT64, 3, xd, x, 0);
	oc_infer_ok(&c, 3, (int64_t[]){ 4, 3, 2 });
	oc_run(&c, ty);
	for (int i = 0; i < 2; i++)
		for (int j = 0; j < 3; j++)
			for (int k = 0; k < 4; k++)
				assert_int_equal(ty[(k * 3 + j) * 2 + i], x[(i * 3 + j) * 4 + k]);
}

/* Reshape (0 and -1), Flatten, Squeeze, Unsqueeze: shapes, and a copy (or nothing when
 * aliased) of uint8 data. */
static void test_reshapes(void **state)
{
	(void)state;
	uint8_t x[24], y[24];
	for (int i = 0; i < 24; i++)
		x[i] = (uint8_t)(200 + i);
	int64_t xd[] = { 2, 1, 3, 4 }, sd[] = { 3 }, ad[] = { 2 };
	static const int64_t shape[] = { 0, -1, 2 }, axes_sq[] = { 1 }, axes_un[] = { 0, -1 };
	op_case c;
	oc_init(&c, EML_OP_Reshape, 2);
	oc_in(&c, 0, EDGEML_DTYPE_UINT8, 4, xd, x, 0);
	oc_in(&c, 1, EDGEML_DTYPE_INT64, 1, sd, shape, 1);
	oc_infer_ok(&c, 3, (int64_t[]){ 2, 6, 2 });
	memset(y, 0, sizeof(y));
	oc_run(&c, y);
	assert_memory_equal(y, x, 24);
	oc_run(&c, x); /* in place: unchanged */
	assert_int_equal(x[23], 223);

	oc_init(&c, EML_OP_Flatten, 1);
	oc_in(&c, 0, EDGEML_DTYPE_UINT8, 4, xd, x, 0);
	oc_int(&c, "axis", -1);
	oc_infer_ok(&c, 2, (int64_t[]){ 6, 4 });
	oc_init(&c, EML_OP_Flatten, 1);
	oc_in(&c, 0, EDGEML_DTYPE_UINT8, 4, xd, x, 0);
	oc_int(&c, "axis", 4);
	oc_infer_ok(&c, 2, (int64_t[]){ 24, 1 });

	oc_init(&c, EML_OP_Squeeze, 2);
	oc_in(&c, 0, EDGEML_DTYPE_UINT8, 4, xd, x, 0);
	oc_in(&c, 1, EDGEML_DTYPE_INT64, 1, (int64_t[]){ 1 }, axes_sq, 1);
	oc_infer_ok(&c, 3, (int64_t[]){ 2, 3, 4 });
	oc_init(&c, EML_OP_Squeeze, 1);
	oc_in(&c, 0, EDGEML_DTYPE_UINT8, 4, (int64_t[]){ 1, 3, 1, 1 }, x, 0);
	oc_infer_ok(&c, 1, (int64_t[]){ 3 });

	oc_init(&c, EML_OP_Unsqueeze, 2);
	oc_in(&c, 0, EDGEML_DTYPE_UINT8, 4, xd, x, 0);
	oc_in(&c, 1, EDGEML_DTYPE_INT64, 1, ad, axes_un, 1);
	oc_infer_ok(&c, 6, (int64_t[]){ 1, 2, 1, 3, 4, 1 });
	memset(y, 0, sizeof(y));
	oc_run(&c, y);
	assert_memory_equal(y, x, 24);
}

/* Pad: constant (with a value), reflect, edge and a negative (cropping) pad on 2-D data. */
static void test_pad(void **state)
{
	(void)state;
	float x[] = { 1, 2, 3, 4, 5, 6 }, y[40], cv = 9;
	int64_t xd[] = { 2, 3 }, pd[] = { 4 };
	static const int64_t pads[] = { 1, 2, 0, 1 }, crop[] = { 0, -1, 1, 0 };
	static const float want_const[] = { 9, 9, 9, 9, 9, 9, 9, 9, 1, 2, 3, 9, 9, 9, 4, 5, 6, 9 };
	static const float want_reflect[] = { 6, 5, 4, 5, 6, 5, 3, 2, 1, 2, 3, 2,
					      6, 5, 4, 5, 6, 5 };
	static const float want_edge[] = { 1, 1, 1, 2, 3, 3, 1, 1, 1, 2, 3, 3, 4, 4, 4, 5, 6, 6 };
	static const float want_crop[] = { 2, 3, 5, 6, 0, 0 };
	static const char *const modes[] = { "constant", "reflect", "edge" };
	const float *wants[] = { want_const, want_reflect, want_edge };
	for (int mi = 0; mi < 3; mi++) {
		op_case c;
		oc_init(&c, EML_OP_Pad, mi == 0 ? 3 : 2);
		oc_in(&c, 0, EDGEML_DTYPE_FLOAT32, 2, xd, x, 0);
		oc_in(&c, 1, EDGEML_DTYPE_INT64, 1, pd, pads, 1);
		if (mi == 0)
			oc_in(&c, 2, EDGEML_DTYPE_FLOAT32, 0, NULL, &cv, 0);
		oc_str(&c, "mode", modes[mi]);
		oc_infer_ok(&c, 2, (int64_t[]){ 3, 6 });
		oc_run(&c, y);
		expect_close_f(y, wants[mi], 18, 0);
	}
	op_case c;
	oc_init(&c, EML_OP_Pad, 2);
	oc_in(&c, 0, EDGEML_DTYPE_FLOAT32, 2, xd, x, 0);
	oc_in(&c, 1, EDGEML_DTYPE_INT64, 1, pd, crop, 1);
	oc_infer_ok(&c, 2, (int64_t[]){ 3, 2 });
	oc_run(&c, y);
	expect_close_f(y, want_crop, 6, 0);
}

/* Resize against the ONNX node tests test_resize_upsample_scales_linear(_align_corners),
 * test_resize_downsample_scales_nearest, test_resize_upsample_sizes_nearest_ceil_half_pixel. */
static void test_resize_onnx(void **state)
{
	(void)state;
	float x4[] = { 1, 2, 3, 4 }, y[64], scales[] = { 1, 1, 2, 2 };
	static const float want_lin[] = { 1, 1.25f, 1.75f, 2, 1.5f, 1.75f, 2.25f, 2.5f, 2.5f,
					  2.75f, 3.25f, 3.5f, 3, 3.25f, 3.75f, 4 };
	static const float want_ac[] = { 1, 1.3333333f, 1.6666666f, 2, 1.6666666f, 2,
					 2.3333333f, 2.6666667f, 2.3333333f, 2.6666667f, 3,
					 3.3333333f, 3, 3.3333333f, 3.6666667f, 4 };
	int64_t d22[] = { 1, 1, 2, 2 }, d4[] = { 4 };
	for (int ac = 0; ac < 2; ac++) {
		op_case c;
		oc_init(&c, EML_OP_Resize, 3);
		oc_in(&c, 0, EDGEML_DTYPE_FLOAT32, 4, d22, x4, 0);
		oc_in(&c, 2, EDGEML_DTYPE_FLOAT32, 1, d4, scales, 1);
		oc_str(&c, "mode", "linear");
		if (ac)
			oc_str(&c, "coordinate_transformation_mode", "align_corners");
		oc_infer_ok(&c, 4, (int64_t[]){ 1, 1, 4, 4 });
		oc_run(&c, y);
		expect_close_f(y, ac ? want_ac : want_lin, 16, 1e-6);
	}

	float x8[] = { 1, 2, 3, 4, 5, 6, 7, 8 }, down[] = { 1, 1, 0.6f, 0.6f };
	int64_t d24[] = { 1, 1, 2, 4 };
	op_case c;
	oc_init(&c, EML_OP_Resize, 3);
	oc_in(&c, 0, EDGEML_DTYPE_FLOAT32, 4, d24, x8, 0);
	oc_in(&c, 2, EDGEML_DTYPE_FLOAT32, 1, d4, down, 1);
	oc_infer_ok(&c, 4, (int64_t[]){ 1, 1, 1, 2 });
	oc_run(&c, y);
	assert_true(y[0] == 1 && y[1] == 3);

	/* Same on int8 data: nearest only moves values. */
	int8_t q8[] = { 1, 2, 3, 4, 5, 6, 7, 8 }, qy[2];
	oc_init(&c, EML_OP_Resize, 3);
	oc_in(&c, 0, EDGEML_DTYPE_INT8, 4, d24, q8, 0);
	oc_in(&c, 2, EDGEML_DTYPE_FLOAT32, 1, d4, down, 1);
	oc_infer_ok(&c, 4, (int64_t[]){ 1, 1, 1, 2 });
	oc_run(&c, qy);
	assert_true(qy[0] == 1 && qy[1] == 3);

	float x16[16];
	for (int i = 0; i < 16; i++)
		x16[i] = (float)(i + 1);
	static const int64_t sizes[] = { 1, 1, 8, 8 };
	static const float row_idx[8] = { 0, 1, 1, 2, 2, 3, 3, 3 };
	int64_t d44[] = { 1, 1, 4, 4 };
	oc_init(&c, EML_OP_Resize, 4);
	oc_in(&c, 0, EDGEML_DTYPE_FLOAT32, 4, d44, x16, 0);
	oc_in(&c, 3, EDGEML_DTYPE_INT64, 1, d4, sizes, 1);
	oc_str(&c, "nearest_mode", "ceil");
	oc_infer_ok(&c, 4, sizes);
	oc_run(&c, y);
	for (int i = 0; i < 8; i++)
		for (int j = 0; j < 8; j++)
			assert_true(y[i * 8 + j] == row_idx[i] * 4 + row_idx[j] + 1);
}

/* ---- infer errors ------------------------------------------------------------------- */

/* Each bad model is rejected with the status a user can act on and the node named. */
static void test_infer_errors(void **state)
{
	(void)state;
	float f[64] = { 0 };
	int64_t d4[] = { 1, 4, 5, 5 }, w4[] = { 6, 3, 3, 3 }, d2[] = { 2, 3 }, d1[] = { 2 };
	static const int64_t shape_bad[] = { 7, -1 }, perm_bad[] = { 0, 0 }, axes_dup[] = { 0, 0 };
	op_case c;

	oc_init(&c, EML_OP_Conv, 2); /* 4 channels, W wants 3 per group */
	oc_in(&c, 0, EDGEML_DTYPE_FLOAT32, 4, d4, f, 0);
	oc_in(&c, 1, EDGEML_DTYPE_FLOAT32, 4, w4, f, 1);
	oc_infer_fails(&c, EDGEML_ERR_SHAPE);
	oc_int(&c, "group", 3);
	oc_infer_fails(&c, EDGEML_ERR_FORMAT);

	oc_init(&c, EML_OP_Add, 2);
	oc_in(&c, 0, EDGEML_DTYPE_FLOAT32, 2, d2, f, 0);
	oc_in(&c, 1, EDGEML_DTYPE_FLOAT32, 1, d1, f, 0);
	oc_infer_fails(&c, EDGEML_ERR_SHAPE);
	oc_init(&c, EML_OP_Add, 2); /* a fused clamp needs float32 */
	oc_in(&c, 0, EDGEML_DTYPE_INT32, 2, d2, f, 0);
	oc_in(&c, 1, EDGEML_DTYPE_INT32, 2, d2, f, 0);
	oc_float(&c, "activation_min", 0.0f);
	oc_infer_fails(&c, EDGEML_ERR_UNSUPPORTED);

	oc_init(&c, EML_OP_Reshape, 2); /* shape not a constant */
	oc_in(&c, 0, EDGEML_DTYPE_FLOAT32, 2, d2, f, 0);
	oc_in(&c, 1, EDGEML_DTYPE_INT64, 1, d1, shape_bad, 0);
	oc_infer_fails(&c, EDGEML_ERR_UNSUPPORTED);
	oc_init(&c, EML_OP_Reshape, 2); /* 6 elements do not divide by 7 */
	oc_in(&c, 0, EDGEML_DTYPE_FLOAT32, 2, d2, f, 0);
	oc_in(&c, 1, EDGEML_DTYPE_INT64, 1, d1, shape_bad, 1);
	oc_infer_fails(&c, EDGEML_ERR_SHAPE);

	oc_init(&c, EML_OP_Transpose, 1);
	oc_in(&c, 0, EDGEML_DTYPE_FLOAT32, 2, d2, f, 0);
	oc_ints(&c, "perm", perm_bad, 2);
	oc_infer_fails(&c, EDGEML_ERR_FORMAT);

	oc_init(&c, EML_OP_Unsqueeze, 2);
	oc_in(&c, 0, EDGEML_DTYPE_FLOAT32, 2, d2, f, 0);
	oc_in(&c, 1, EDGEML_DTYPE_INT64, 1, d1, axes_dup, 1);
	oc_infer_fails(&c, EDGEML_ERR_FORMAT);
	oc_init(&c, EML_OP_Squeeze, 2); /* axis 0 has size 2 */
	oc_in(&c, 0, EDGEML_DTYPE_FLOAT32, 2, d2, f, 0);
	oc_in(&c, 1, EDGEML_DTYPE_INT64, 1, (int64_t[]){ 1 }, axes_dup, 1);
	oc_infer_fails(&c, EDGEML_ERR_SHAPE);

	oc_init(&c, EML_OP_Concat, 2);
	oc_in(&c, 0, EDGEML_DTYPE_FLOAT32, 2, d2, f, 0);
	oc_in(&c, 1, EDGEML_DTYPE_FLOAT32, 2, (int64_t[]){ 3, 3 }, f, 0);
	oc_int(&c, "axis", 1);
	oc_infer_fails(&c, EDGEML_ERR_SHAPE);

	static const int64_t k2[] = { 2, 2 }, pads_big[] = { 0, 3 };
	oc_init(&c, EML_OP_MaxPool, 1);
	oc_in(&c, 0, EDGEML_DTYPE_FLOAT32, 4, d4, f, 0);
	oc_ints(&c, "kernel_shape", k2, 2);
	c.node.n_outputs = 2;
	c.out_idx[1] = 101;
	oc_infer_fails(&c, EDGEML_ERR_UNSUPPORTED);

	oc_init(&c, EML_OP_Pad, 2); /* reflect by the whole axis */
	oc_in(&c, 0, EDGEML_DTYPE_FLOAT32, 1, (int64_t[]){ 3 }, f, 0);
	oc_in(&c, 1, EDGEML_DTYPE_INT64, 1, d1, pads_big, 1);
	oc_str(&c, "mode", "reflect");
	oc_infer_fails(&c, EDGEML_ERR_SHAPE);

	oc_init(&c, EML_OP_Gemm, 2);
	oc_in(&c, 0, EDGEML_DTYPE_FLOAT32, 2, d2, f, 0);
	oc_in(&c, 1, EDGEML_DTYPE_FLOAT32, 2, d2, f, 0);
	oc_infer_fails(&c, EDGEML_ERR_SHAPE);

	oc_init(&c, EML_OP_Resize, 2); /* neither scales nor sizes */
	oc_in(&c, 0, EDGEML_DTYPE_FLOAT32, 2, d2, f, 0);
	oc_infer_fails(&c, EDGEML_ERR_FORMAT);

	oc_init(&c, EML_OP_Softmax, 1);
	oc_in(&c, 0, EDGEML_DTYPE_FLOAT32, 2, d2, f, 0);
	oc_int(&c, "axis", 2);
	oc_infer_fails(&c, EDGEML_ERR_FORMAT);

	oc_init(&c, EML_OP_Add, 2); /* min > max */
	oc_in(&c, 0, EDGEML_DTYPE_FLOAT32, 2, d2, f, 0);
	oc_in(&c, 1, EDGEML_DTYPE_FLOAT32, 2, d2, f, 0);
	oc_float(&c, "activation_min", 1.0f);
	oc_float(&c, "activation_max", 0.0f);
	oc_infer_fails(&c, EDGEML_ERR_FORMAT);

	oc_init(&c, EML_OP_Relu, 1);
	oc_in(&c, 0, EDGEML_DTYPE_FLOAT32, 2, (int64_t[]){ INT64_MAX / 2, 4 }, f, 0);
	oc_infer_fails(&c, EDGEML_ERR_SHAPE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conv_onnx),        cmocka_unit_test(test_conv_random),
		cmocka_unit_test(test_gemm),             cmocka_unit_test(test_matmul),
		cmocka_unit_test(test_binary_broadcast), cmocka_unit_test(test_activations),
		cmocka_unit_test(test_clip),             cmocka_unit_test(test_softmax_batchnorm),
		cmocka_unit_test(test_pool_recorded),    cmocka_unit_test(test_pool_random),
		cmocka_unit_test(test_concat_transpose), cmocka_unit_test(test_reshapes),
		cmocka_unit_test(test_pad),              cmocka_unit_test(test_resize_onnx),
		cmocka_unit_test(test_infer_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
