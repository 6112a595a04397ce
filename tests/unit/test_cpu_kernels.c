/* test_cpu_kernels.c — the fast CPU kernels (every micro-kernel of every ISA level this CPU
 * runs, through the operator layer that packs for it) against the reference kernels, byte
 * for byte, over random shapes: ragged tiles, odd channel counts, every 8-bit type mix, zero
 * points at the extremes, saturating multipliers and fused activations; run on one thread
 * and on a pool. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cpu/fast_gemm.h"
#include "cpu/fast_ops.h"
#include "cpu/fast_plane.h"
#include "cpu/isa.h"
#include "cpu/kernels.h"
#include "cpu/ref/ref.h"
#include "ops/ops.h"

#define MAX_IN 14 /* QLinearConcat of 4 inputs */
#define U8 EDGEML_DTYPE_UINT8
#define I8 EDGEML_DTYPE_INT8
#define I32 EDGEML_DTYPE_INT32
#define F32 EDGEML_DTYPE_FLOAT32
#define KCASE_SEED 0x9e3779b97f4a7c15ull

#include "kernel_case.h"

/* A random integer in [lo, hi]. */
static int32_t rnd_in(int32_t lo, int32_t hi)
{
	return lo + (int32_t)(rnd() % (uint32_t)(hi - lo + 1));
}

/* A zero point of dtype: often at an extreme of the range, else anywhere in it. */
static int32_t rnd_zp(uint32_t dtype)
{
	int32_t lo = dtype == U8 ? 0 : -128, hi = dtype == U8 ? 255 : 127;
	switch (rnd() % 4) {
	case 0:
		return lo;
	case 1:
		return hi;
	default:
		return rnd_in(lo, hi);
	}
}

/* Appends input k of dtype and dims (rank 0 for n == 0), filled with random bytes (or
 * values from fill when given), constant unless it is the activation. */
static void *kc_in(kcase *c, uint32_t dtype, uint32_t rank, const int64_t *dims, int constant)
{
	uint32_t k = c->node.n_inputs++;
	eml_tensor *t = &c->in[k];
	t->name = "in";
	t->dtype = dtype;
	t->rank = rank;
	for (uint32_t i = 0; i < rank; i++)
		t->dims[i] = dims[i];
	t->flags = constant ? EML_TF_CONSTANT : EML_TF_INPUT;
	size_t bytes = (size_t)eml_tensor_bytes(t);
	uint8_t *d = test_malloc(bytes + 64);
	for (size_t i = 0; i < bytes; i++)
		d[i] = (uint8_t)rnd();
	t->data = constant ? d : NULL;
	t->data_size = bytes;
	c->in_idx[k] = k;
	c->inp[k] = t;
	c->in_data[k] = d;
	c->owned[k] = d;
	return d;
}

/* Appends a scalar input of dtype with value v (a float for F32). */
static void kc_scalar(kcase *c, uint32_t dtype, double v)
{
	void *d = kc_in(c, dtype, 0, NULL, 1);
	if (dtype == F32)
		*(float *)d = (float)v;
	else if (dtype == U8)
		*(uint8_t *)d = (uint8_t)v;
	else
		*(int8_t *)d = (int8_t)v;
}

/* The kernel name of the last fast op kc_check ran (a static string of the kernel's). */
static const char *last_kernel;

/* Runs the reference and the fast kernel of isa on threads threads and compares the outputs
 * byte for byte; the fast path must apply. what describes the case for messages. */
static void kc_check(kcase *c, eml_isa isa, uint32_t threads, const char *what)
{
	if (eml_op_infer(&c->node, c->inp, &c->out) != EDGEML_OK)
		fail_msg("%s: infer: %s", what, edgeml_last_error());
	size_t bytes = (size_t)eml_tensor_bytes(&c->out);
	uint8_t *want = test_malloc(bytes + 1), *got = test_malloc(bytes + 1);
	memset(want, 0xa5, bytes);
	memset(got, 0x5a, bytes);
	const eml_tensor *outp[1] = { &c->out };
	void *out_want[1] = { want }, *out_got[1] = { got };
	eml_kernel_ctx ref = { &c->node, c->inp, outp, c->in_data, out_want };
	eml_kernel_ctx fast = { &c->node, c->inp, outp, c->in_data, out_got };
	assert_int_equal(eml_ref_kernel(c->node.op)(&ref), EDGEML_OK);
	eml_fast_op *op = NULL;
	assert_int_equal(eml_fast_prepare(&fast, isa, threads, &op), EDGEML_OK);
	if (!op)
		fail_msg("%s: no fast kernel at %s", what, eml_isa_name(isa));
	eml_threadpool *pool = NULL;
	if (threads > 1)
		assert_int_equal(eml_threadpool_create(threads, NULL, 0, &pool), EDGEML_OK);
	uint8_t *scratch[8] = { 0 };
	for (uint32_t t = 0; t < threads; t++)
		scratch[t] = test_malloc(op->scratch + 64);
	uint8_t *shared = test_malloc(op->shared + 64);
	eml_fast_env env = { pool, scratch, shared };
	assert_int_equal(op->run(op, &fast, &env), EDGEML_OK);
	last_kernel = op->kernel;
	for (size_t i = 0; i < bytes; i++)
		if (got[i] != want[i])
			fail_msg("%s [%s, %u threads, %s]: byte %zu of %zu: got %d, want %d", what,
				 eml_isa_name(isa), threads, op->kernel, i, bytes, got[i], want[i]);
	for (uint32_t t = 0; t < threads; t++)
		test_free(scratch[t]);
	test_free(shared);
	eml_threadpool_destroy(pool);
	eml_fast_destroy(op);
	test_free(want);
	test_free(got);
}

/* Random dtypes for x, w, y. */
static void rnd_types(uint32_t *x, uint32_t *w, uint32_t *y)
{
	*x = rnd() % 2 ? U8 : I8;
	*w = rnd() % 3 ? I8 : U8;
	*y = rnd() % 2 ? U8 : I8;
}

/* A multiplier scale: mostly in range, sometimes saturating most outputs. */
static double rnd_y_scale(double x_scale, double w_scale, int64_t k)
{
	double typical = x_scale * w_scale * 40.0 * (double)(k < 4 ? 4 : k);
	return rnd() % 5 == 0 ? typical / 500.0 : typical * (0.05 + (rnd() % 100) / 100.0);
}

/* Builds a random QLinearConv: kind 0 pointwise, 1 KxK, 2 depthwise, 3 grouped, 4 KxK over
 * channels in fours with weight zero points 0 (what the in-place GEMM path takes); big ones
 * have enough work to be split over the pool. */
static void conv_case(kcase *c, int kind, int big, char *what, size_t cap)
{
	uint32_t xt, wt, yt;
	rnd_types(&xt, &wt, &yt);
	int by4 = kind == 4;
	if (by4) {
		kind = rnd() % 2 ? 1 : 3;
		wt = I8;
	}
	int64_t n = 1 + rnd() % 2, h = 1 + rnd() % 13, w = 1 + rnd() % 21;
	int64_t group = kind == 2 ? 1 + rnd() % 19 : kind == 3 ? 2 + rnd() % 2 : 1;
	int64_t cin = kind == 2 ? group : group * (by4 ? 4 * (1 + rnd() % 4) : 1 + rnd() % 11);
	/* in fours: many output channels, several blocks of weights over each tile */
	int64_t cout = kind == 2 ? group : group * (by4 ? 40 + rnd() % 90 : 1 + rnd() % 21);
	if (big) {
		h = (kind == 2 ? 80 : 40) + rnd() % 9;
		w = (kind == 2 ? 80 : 40) + rnd() % 9;
		group = kind == 2 ? 100 + rnd() % 9 : group;
		cin = kind == 2 ? group : group * (by4 ? 16 : 16 + rnd() % 5);
		cout = kind == 2 ? group : group * (24 + rnd() % 9);
	}
	int64_t k = kind == 0 ? 1 : (rnd() % 2 ? 3 : 5), s = kind == 0 ? 1 : 1 + rnd() % 2;
	int64_t d = kind == 1 && rnd() % 4 == 0 ? 2 : 1;
	int64_t p[4];
	for (int i = 0; i < 4; i++)
		p[i] = kind == 0 ? 0 : rnd() % (uint32_t)(k / 2 + 1);
	int64_t span = (k - 1) * d + 1;
	if (h + p[0] + p[2] < span)
		h = span;
	if (w + p[1] + p[3] < span)
		w = span;
	kc_init(c, EML_OP_QLinearConv);
	int per_ch = rnd() % 2;
	double xs = 0.01 + (rnd() % 100) / 1000.0, ws = 0.002 + (rnd() % 100) / 10000.0;
	kc_in(c, xt, 4, (int64_t[]){ n, cin, h, w }, 0);
	kc_scalar(c, F32, xs);
	kc_scalar(c, xt, rnd_zp(xt));
	kc_in(c, wt, 4, (int64_t[]){ cout, cin / group, k, k }, 1);
	if (per_ch) {
		float *sc = kc_in(c, F32, 1, (int64_t[]){ cout }, 1);
		uint8_t *zp = kc_in(c, wt, 1, (int64_t[]){ cout }, 1);
		for (int64_t m = 0; m < cout; m++) {
			sc[m] = (float)(ws * (0.5 + (rnd() % 100) / 100.0));
			zp[m] = by4 || (wt == I8 && rnd() % 3) ? 0 : (uint8_t)rnd_zp(wt);
		}
	} else {
		kc_scalar(c, F32, ws);
		kc_scalar(c, wt, by4 || (wt == I8 && rnd() % 2) ? 0 : rnd_zp(wt));
	}
	kc_scalar(c, F32, rnd_y_scale(xs, ws, cin / group * k * k));
	kc_scalar(c, yt, rnd_zp(yt));
	if (rnd() % 4) {
		int32_t *b = kc_in(c, I32, 1, (int64_t[]){ cout }, 1);
		for (int64_t m = 0; m < cout; m++)
			b[m] = rnd_in(-20000, 20000);
	} else {
		kc_absent(c);
	}
	kc_ints(c, "strides", 2, (int64_t[]){ s, rnd() % 2 ? s : 1 + (s % 2) });
	kc_ints(c, "pads", 4, p);
	kc_ints(c, "dilations", 2, (int64_t[]){ d, d });
	if (group > 1)
		c->attrs[c->node.n_attrs++] = (eml_attr){ .name = "group", .type = EML_ATTR_INT,
							  .i = group };
	if (rnd() % 3 == 0)
		kc_float(c, "activation_min", 0.0f);
	if (rnd() % 4 == 0)
		kc_float(c, "activation_max", 6.0f);
	snprintf(what, cap,
		 "conv kind %d x%s w%s y%s n%lld c%lld->%lld %lldx%lld k%lld s%lld d%lld g%lld",
		 kind, xt == U8 ? "u8" : "i8", wt == U8 ? "u8" : "i8", yt == U8 ? "u8" : "i8",
		 (long long)n, (long long)cin, (long long)cout, (long long)h, (long long)w,
		 (long long)k, (long long)s, (long long)d, (long long)group);
}

/* Random convolutions of each kind on every level, 1 and 3 threads. */
static void test_qconv(void **state)
{
	(void)state;
	eml_isa levels[EML_ISA_COUNT];
	uint32_t nl = fast_levels(levels);
	if (nl == 0)
		skip();
	char what[200];
	for (int i = 0; i < 200; i++) {
		kcase c;
		conv_case(&c, i % 5, 0, what, sizeof(what));
		for (uint32_t l = 0; l < nl; l++)
			kc_check(&c, levels[l], 1 + 2 * (i % 2), what);
		kc_free(&c);
	}
}

/* Builds a random 3-D QLinearConv (N, C, D, H, W): kind 0 pointwise 1x1x1 (the flattened
 * volume), 1 KxKxK with any weight zero points (tiles packed from the slices' planes), 2
 * channels in fours with weight zero points 0 (the in-place GEMM), 3 grouped or depthwise,
 * 4 small planes over channels in fours (the by-pixel kernel where a level has one); odd
 * sizes, strides, dilations and pads on every axis, the depth padding included. */
static void conv3d_case(kcase *c, int kind, char *what, size_t cap)
{
	uint32_t xt, wt, yt;
	rnd_types(&xt, &wt, &yt);
	int by4 = kind == 2 || kind == 4;
	if (by4)
		wt = I8;
	int64_t n = 1 + rnd() % 2, group = kind == 3 ? 1 + rnd() % 6 : 1;
	int64_t cin = kind == 3 ? group * (rnd() % 2 ? 1 : 1 + rnd() % 4)
		      : by4	? 4 * (1 + rnd() % 4)
				: 1 + rnd() % 7;
	int64_t cout = kind == 3 ? group * (1 + rnd() % 3) : by4 ? 20 + rnd() % 60 : 1 + rnd() % 19;
	int64_t in[3], k[3], st[3], dl[3], p[6];
	for (int i = 0; i < 3; i++) {
		in[i] = 1 + rnd() % (i == 0 ? 6 : kind == 4 ? 8 : 12);
		k[i] = kind == 0 ? 1 : 1 + rnd() % 3;
		st[i] = kind == 0 ? 1 : 1 + rnd() % 2;
		dl[i] = kind == 0 || rnd() % 4 ? 1 : 2;
		p[i] = kind == 0 ? 0 : rnd() % (uint32_t)(k[i] / 2 + 1 + (rnd() % 4 == 0));
		p[3 + i] = kind == 0 ? 0 : rnd() % (uint32_t)(k[i] / 2 + 1);
		int64_t span = (k[i] - 1) * dl[i] + 1;
		if (in[i] + p[i] + p[3 + i] < span)
			in[i] = span;
	}
	kc_init(c, EML_OP_QLinearConv);
	int per_ch = rnd() % 2;
	double xs = 0.01 + (rnd() % 100) / 1000.0, ws = 0.002 + (rnd() % 100) / 10000.0;
	kc_in(c, xt, 5, (int64_t[]){ n, cin, in[0], in[1], in[2] }, 0);
	kc_scalar(c, F32, xs);
	kc_scalar(c, xt, rnd_zp(xt));
	kc_in(c, wt, 5, (int64_t[]){ cout, cin / group, k[0], k[1], k[2] }, 1);
	if (per_ch) {
		float *sc = kc_in(c, F32, 1, (int64_t[]){ cout }, 1);
		uint8_t *zp = kc_in(c, wt, 1, (int64_t[]){ cout }, 1);
		for (int64_t m = 0; m < cout; m++) {
			sc[m] = (float)(ws * (0.5 + (rnd() % 100) / 100.0));
			zp[m] = by4 || (wt == I8 && rnd() % 3) ? 0 : (uint8_t)rnd_zp(wt);
		}
	} else {
		kc_scalar(c, F32, ws);
		kc_scalar(c, wt, by4 || (wt == I8 && rnd() % 2) ? 0 : rnd_zp(wt));
	}
	kc_scalar(c, F32, rnd_y_scale(xs, ws, cin / group * k[0] * k[1] * k[2]));
	kc_scalar(c, yt, rnd_zp(yt));
	if (rnd() % 4) {
		int32_t *b = kc_in(c, I32, 1, (int64_t[]){ cout }, 1);
		for (int64_t m = 0; m < cout; m++)
			b[m] = rnd_in(-20000, 20000);
	} else {
		kc_absent(c);
	}
	kc_ints(c, "strides", 3, st);
	kc_ints(c, "pads", 6, p);
	kc_ints(c, "dilations", 3, dl);
	if (group > 1)
		c->attrs[c->node.n_attrs++] = (eml_attr){ .name = "group", .type = EML_ATTR_INT,
							  .i = group };
	if (rnd() % 3 == 0)
		kc_float(c, "activation_min", 0.0f);
	snprintf(what, cap,
		 "conv3d kind %d x%s w%s y%s n%lld c%lld->%lld g%lld %lldx%lldx%lld k%lldx%lldx%lld "
		 "s%lldx%lldx%lld d%lldx%lldx%lld p%lld,%lld,%lld,%lld,%lld,%lld",
		 kind, xt == U8 ? "u8" : "i8", wt == U8 ? "u8" : "i8", yt == U8 ? "u8" : "i8",
		 (long long)n, (long long)cin, (long long)cout, (long long)group, (long long)in[0],
		 (long long)in[1], (long long)in[2], (long long)k[0], (long long)k[1],
		 (long long)k[2], (long long)st[0], (long long)st[1], (long long)st[2],
		 (long long)dl[0], (long long)dl[1], (long long)dl[2], (long long)p[0],
		 (long long)p[1], (long long)p[2], (long long)p[3], (long long)p[4],
		 (long long)p[5]);
}

/* Random 3-D convolutions of each kind on every level, 1 and 3 threads, byte for byte. */
static void test_qconv3d(void **state)
{
	(void)state;
	eml_isa levels[EML_ISA_COUNT];
	uint32_t nl = fast_levels(levels);
	if (nl == 0)
		skip();
	char what[320];
	int by_pixel = 0;
	for (int i = 0; i < 150; i++) {
		kcase c;
		conv3d_case(&c, i % 5, what, sizeof(what));
		for (uint32_t l = 0; l < nl; l++) {
			kc_check(&c, levels[l], 1 + 2 * (i % 2), what);
			by_pixel += strcmp(last_kernel, "qs8-igemm-px-32x8c4-avx512vnni") == 0;
		}
		kc_free(&c);
	}
	/* the by-pixel kernel took its share where this CPU has it */
	for (uint32_t l = 0; l < nl; l++)
		if (levels[l] == EML_ISA_AVX512VNNI)
			assert_true(by_pixel > 0);
}

/* A 1x1 convolution large enough for full tiles in both dimensions and many k groups. */
static void test_qconv_large(void **state)
{
	(void)state;
	eml_isa levels[EML_ISA_COUNT];
	uint32_t nl = fast_levels(levels);
	if (nl == 0)
		skip();
	kcase c;
	kc_init(&c, EML_OP_QLinearConv);
	kc_in(&c, U8, 4, (int64_t[]){ 1, 67, 9, 15 }, 0);
	kc_scalar(&c, F32, 0.02);
	kc_scalar(&c, U8, 255);
	kc_in(&c, I8, 4, (int64_t[]){ 45, 67, 1, 1 }, 1);
	kc_scalar(&c, F32, 0.01);
	kc_scalar(&c, I8, -128);
	kc_scalar(&c, F32, 0.3);
	kc_scalar(&c, U8, 0);
	kc_absent(&c);
	for (uint32_t l = 0; l < nl; l++) {
		kc_check(&c, levels[l], 1, "large pointwise");
		kc_check(&c, levels[l], 4, "large pointwise");
	}
	kc_free(&c);
	char what[200];
	for (int kind = 0; kind < 5; kind++) {
		conv_case(&c, kind, 1, what, sizeof(what));
		for (uint32_t l = 0; l < nl; l++)
			kc_check(&c, levels[l], 2 + kind % 2, what);
		kc_free(&c);
	}
}

/* Rewrites the weights of a conv case (input 3, rows of k) so that every pair (k 2i, 2i + 1)
 * stays within the vpmaddubsw bound of the AVX2 kernel (positive and negative parts each at
 * most 128 in the int8 domain), often exactly at it; with over set, one pair of a random row
 * goes just past it. x is set to the domain's extremes in a third of the cases. */
static void pair_limit_weights(kcase *c, int over)
{
	static const int8_t edge[][2] = { { 127, 1 },	 { 1, 127 },  { -128, 0 }, { 0, -128 },
					  { -64, -64 },	 { 64, 64 },  { 127, -128 }, { -128, 127 },
					  { -100, -28 }, { 100, 28 }, { 0, 0 },	     { 63, -64 } };
	uint8_t *w = c->owned[3];
	size_t n = (size_t)eml_tensor_numel(&c->in[3]), rows = (size_t)c->in[3].dims[0];
	size_t k = n / rows;
	uint8_t off = c->in[3].dtype == U8 ? 0x80 : 0;
	for (size_t i = 0; i < rows; i++) {
		for (size_t j = 0; j < k; j += 2) {
			int8_t a, b;
			if (rnd() % 3 == 0) {
				size_t e = rnd() % (sizeof(edge) / sizeof(edge[0]));
				a = edge[e][0];
				b = edge[e][1];
			} else {
				a = (int8_t)rnd_in(-64, 63); /* reduce_range */
				b = (int8_t)rnd_in(-64, 63);
			}
			w[i * k + j] = (uint8_t)a ^ off;
			if (j + 1 < k)
				w[i * k + j + 1] = (uint8_t)b ^ off;
		}
	}
	if (over && k >= 2) {
		size_t i = rnd() % rows, j = rnd() % (k / 2) * 2;
		int8_t a = rnd() % 2 ? 127 : -128, b = a > 0 ? 2 : -1;
		w[i * k + j] = (uint8_t)a ^ off;
		w[i * k + j + 1] = (uint8_t)b ^ off;
	}
	if (rnd() % 3 == 0) {
		uint8_t *x = c->owned[0];
		size_t nx = (size_t)eml_tensor_numel(&c->in[0]);
		uint8_t hi = c->in[0].dtype == U8 ? 0xff : 0x7f;
		for (size_t i = 0; i < nx; i++)
			x[i] = rnd() % 8 ? hi : (uint8_t)(hi ^ 0xff);
	}
}

/* Convolutions whose weights fit the AVX2 vpmaddubsw kernel's pair bound (7-bit weights, as
 * ONNX Runtime's reduce_range quantizer makes, and pairs exactly at the bound), and ones
 * with a single pair past it, which must take the split form (or, where that one cell is
 * too large a share, the vpmaddwd kernel): bytes equal either way. */
static void test_qconv_pair_limit(void **state)
{
	(void)state;
	eml_isa levels[EML_ISA_COUNT];
	uint32_t nl = fast_levels(levels);
	if (nl == 0)
		skip();
	char what[200];
	for (int i = 0; i < 120; i++) {
		kcase c;
		static const int kinds[] = { 0, 1, 3, 2 };
		int over = i % 5 == 3;
		conv_case(&c, kinds[i % 4], i % 10 == 0, what, sizeof(what));
		pair_limit_weights(&c, over);
		for (uint32_t l = 0; l < nl; l++) {
			kc_check(&c, levels[l], 1 + (i % 2), what);
#if defined(__x86_64__)
			size_t k = (size_t)eml_tensor_numel(&c.in[3]) / (size_t)c.in[3].dims[0];
			int gemm = strncmp(last_kernel, "qs8-gemm", 8) == 0;
			/* one pair past the bound: split where that pays */
			size_t rows = (size_t)c.in[3].dims[0];
			if (levels[l] == EML_ISA_AVX2 && gemm)
				assert_string_equal(last_kernel,
						    !over || k < 2 ? "qs8-gemm-8x8c4-avx2-maddubs" :
						    eml_qgemm_split_pays(rows, k, 1) ?
								     "qs8-gemm-8x8c4-avx2-maddubs-split" :
								     "qs8-gemm-4x8c4-avx2");
			/* depthwise (also a grouped case of one channel per group) */
			if (levels[l] == EML_ISA_AVX2 && !gemm)
				assert_string_equal(last_kernel, over && k >= 2 ?
									 "qs8-dwconv" :
									 "qs8-dwconv-32x4-avx2-maddubs");
#endif
		}
		kc_free(&c);
	}
}

/* A pair of int8-domain weights: past the vpmaddubsw bound (both of one sign, the parts
 * over 128; the extremes often), or within it (often exactly at it, else anywhere in the
 * full range). */
static void split_pair(int past, int8_t *a, int8_t *b)
{
	static const int8_t over[][2] = { { 127, 127 }, { -128, -128 }, { 127, 2 }, { 2, 127 },
					  { -128, -1 }, { -1, -128 }, { 65, 64 }, { -65, -64 },
					  { -127, -127 }, { 100, 100 } };
	static const int8_t at[][2] = { { 127, 1 }, { 1, 127 }, { -128, 0 }, { 0, -128 },
					{ 64, 64 }, { -64, -64 }, { 127, -128 }, { -127, -1 } };
	int32_t x, y;
	if (past && rnd() % 2) {
		size_t e = rnd() % (sizeof(over) / sizeof(over[0]));
		x = over[e][0];
		y = over[e][1];
	} else if (past) {
		int32_t sg = rnd() % 2 ? 1 : -1, top = sg > 0 ? 127 : 128;
		x = rnd_in(2, top);
		y = rnd_in(129 - x > 1 ? 129 - x : 1, top);
		x *= sg;
		y *= sg;
	} else if (rnd() % 4 == 0) {
		size_t e = rnd() % (sizeof(at) / sizeof(at[0]));
		x = at[e][0];
		y = at[e][1];
	} else {
		/* full range for x, y anywhere that keeps the pair within the bound */
		x = rnd_in(-128, 127);
		y = x > 0 ? rnd_in(-128, 128 - x) : rnd_in(-128 - x, 127);
	}
	if (rnd() % 2) {
		*a = (int8_t)x;
		*b = (int8_t)y;
	} else {
		*a = (int8_t)y;
		*b = (int8_t)x;
	}
}

/* Full-range weights with a share of their pairs past the vpmaddubsw bound, which AVX2 runs
 * split (W = Wc + R: the clipped pairs on vpmaddubsw, the residual added from a sparse
 * list) when few enough cells of 4 k hold one, else on the vpmaddwd kernel: pointwise, KxK,
 * strided and grouped convolutions, ragged tiles, both weight types and zero points, x at
 * 0 and 255, the residual's pairs at and past the bound; byte for byte against the
 * reference. Also the split itself: Wc + R = W and both fit. */
static void test_qconv_split(void **state)
{
	(void)state;
	for (int i = 0; i < 200; i++) {
		size_t m = 1 + rnd() % 20, k = 1 + rnd() % 40, nr = 8;
		uint8_t w[20 * 40];
		int w_signed = rnd() % 2;
		for (size_t e = 0; e < m * k; e += 2) {
			int8_t a, b;
			split_pair(rnd() % 3 == 0, &a, &b);
			w[e] = (uint8_t)a ^ (w_signed ? 0 : 0x80);
			if (e + 1 < m * k)
				w[e + 1] = (uint8_t)b ^ (w_signed ? 0 : 0x80);
		}
		size_t cells = eml_w_pair_cells(w, w_signed, m, k, k, 1);
		int8_t wc[20 * 40];
		uint32_t rs[21];
		eml_qgemm_rentry re[20 * 10 + 1];
		eml_w_split(w, w_signed, m, k, k, 1, (uint32_t)nr, wc, rs, re);
		assert_int_equal(rs[m], cells);
		assert_true(eml_w_pairs_fit((const uint8_t *)wc, 1, m, k, k, 1));
		int16_t sum[20 * 40];
		for (size_t e = 0; e < m * k; e++)
			sum[e] = wc[e];
		for (size_t r = 0; r < m; r++)
			for (uint32_t e = rs[r]; e < rs[r + 1]; e++) {
				int8_t v[4];
				memcpy(v, &re[e].w, 4);
				assert_true(eml_w_pairs_fit((const uint8_t *)v, 1, 1, 4, 4, 1));
				assert_true(re[e].off % (4 * nr) == 0);
				size_t q = re[e].off / (4 * nr);
				for (size_t j = 0; j < 4; j++) {
					assert_true(q * 4 + j < k || v[j] == 0);
					if (q * 4 + j < k)
						sum[r * k + q * 4 + j] += v[j];
				}
			}
		for (size_t e = 0; e < m * k; e++)
			assert_int_equal(sum[e], (int8_t)(w[e] ^ (w_signed ? 0 : 0x80)));
	}
	eml_isa levels[EML_ISA_COUNT];
	uint32_t nl = fast_levels(levels);
	if (nl == 0)
		skip();
	char what[240];
#if defined(__x86_64__)
	int took[3] = { 0, 0, 0 }; /* which AVX2 form each case took */
#endif
	for (int i = 0; i < 160; i++) {
		kcase c;
		static const int kinds[] = { 0, 1, 3, 0, 1 };
		static const int share[] = { 0, 5, 30, 80, 200, 400, 1000 }; /* per mille */
		int past = share[i % 7];
		conv_case(&c, kinds[i % 5], i % 16 == 5, what, sizeof(what));
		uint8_t *w = c.owned[3];
		size_t rows = (size_t)c.in[3].dims[0];
		size_t k = (size_t)eml_tensor_numel(&c.in[3]) / rows;
		uint8_t off = c.in[3].dtype == U8 ? 0x80 : 0;
		size_t over = 0, all = rows * ((k + 3) / 4);
		for (size_t r = 0; r < rows; r++) {
			for (size_t j = 0; j < k; j += 4) {
				int cell = 0;
				for (size_t p = j; p < j + 4 && p < k; p += 2) {
					int8_t a, b;
					int x = p + 1 < k && (int)(rnd() % 1000) < past;
					split_pair(x, &a, &b);
					w[r * k + p] = (uint8_t)a ^ off;
					if (p + 1 < k)
						w[r * k + p + 1] = (uint8_t)b ^ off;
					cell |= x;
				}
				over += (size_t)cell;
			}
		}
		if (rnd() % 3 == 0) {
			uint8_t *x = c.owned[0];
			size_t nx = (size_t)eml_tensor_numel(&c.in[0]);
			uint8_t hi = c.in[0].dtype == U8 ? 0xff : 0x7f;
			for (size_t e = 0; e < nx; e++)
				x[e] = rnd() % 8 ? hi : (uint8_t)(hi ^ 0xff);
		}
		char desc[300];
		snprintf(desc, sizeof(desc), "%s, %zu of %zu cells past the bound", what, over, all);
		for (uint32_t l = 0; l < nl; l++) {
			kc_check(&c, levels[l], 1 + 2 * (i % 2), desc);
#if defined(__x86_64__)
			/* a grouped case of one channel per group is depthwise */
			if (levels[l] != EML_ISA_AVX2 || strncmp(last_kernel, "qs8-gemm", 8) != 0)
				continue;
			const char *want = over == 0 ? "qs8-gemm-8x8c4-avx2-maddubs" :
					   eml_qgemm_split_pays(rows, k, over) ?
							 "qs8-gemm-8x8c4-avx2-maddubs-split" :
							 "qs8-gemm-4x8c4-avx2";
			if (strcmp(last_kernel, want) != 0)
				fail_msg("%s: took %s, not %s", desc, last_kernel, want);
			took[over == 0 ? 0 : strcmp(want, "qs8-gemm-4x8c4-avx2") ? 1 : 2]++;
#endif
		}
		kc_free(&c);
	}
#if defined(__x86_64__)
	/* every form ran, where AVX2 did */
	for (uint32_t l = 0; l < nl; l++)
		if (levels[l] == EML_ISA_AVX2)
			assert_true(took[0] > 0 && took[1] > 20 && took[2] > 0);
#endif
}

/* ResNet's small late-stage 3x3 convolutions (7 x 7 outputs, channels in fours, weight zero
 * points 0), which AVX-512 VNNI runs by pixel: every output count per call (49 as 7 x 7, 9 as
 * 8 + 1 wide...), a partial block of 32 channels, stride 1 and 2, 1 and 2 threads. */
static void test_qconv_by_pixel(void **state)
{
	(void)state;
	eml_isa levels[EML_ISA_COUNT];
	uint32_t nl = fast_levels(levels);
	if (nl == 0)
		skip();
	static const int64_t geo[][4] = {
		/* h = w, stride, cin, cout */
		{ 7, 1, 64, 72 }, { 14, 2, 32, 40 }, { 3, 1, 8, 32 }, { 16, 1, 12, 33 },
	};
	for (size_t g = 0; g < sizeof(geo) / sizeof(geo[0]); g++) {
		int64_t hw = geo[g][0], s = geo[g][1], cin = geo[g][2], cout = geo[g][3];
		kcase c;
		kc_init(&c, EML_OP_QLinearConv);
		kc_in(&c, g % 2 ? I8 : U8, 4, (int64_t[]){ 1, cin, hw, hw }, 0);
		kc_scalar(&c, F32, 0.05);
		kc_scalar(&c, g % 2 ? I8 : U8, g % 2 ? -3 : 121);
		kc_in(&c, I8, 4, (int64_t[]){ cout, cin, 3, 3 }, 1);
		float *sc = kc_in(&c, F32, 1, (int64_t[]){ cout }, 1);
		for (int64_t m = 0; m < cout; m++)
			sc[m] = (float)(0.002 + (m % 7) * 0.0005);
		kc_scalar(&c, I8, 0);
		kc_scalar(&c, F32, rnd_y_scale(0.05, 0.003, cin * 9));
		kc_scalar(&c, U8, 7);
		int32_t *b = kc_in(&c, I32, 1, (int64_t[]){ cout }, 1);
		for (int64_t m = 0; m < cout; m++)
			b[m] = rnd_in(-20000, 20000);
		kc_ints(&c, "strides", 2, (int64_t[]){ s, s });
		kc_ints(&c, "pads", 4, (int64_t[]){ 1, 1, 1, 1 });
		for (uint32_t l = 0; l < nl; l++) {
			for (uint32_t t = 1; t <= 2; t++) {
				kc_check(&c, levels[l], t, "by-pixel conv");
				if (levels[l] == EML_ISA_AVX512VNNI)
					assert_true(strcmp(last_kernel,
							   "qs8-igemm-px-32x8c4-avx512vnni") == 0);
			}
		}
		kc_free(&c);
	}
}

/* Pointwise convolutions with small outputs and many channels (ResNet-50's last stage, 7 x 7),
 * which AVX-512 VNNI runs by pixel over the input interleaved by 4 channels instead of on
 * 32-pixel tiles that would be a quarter padding: outputs of 7 x 7 (calls of 7 pixels), 5 x 5,
 * 3 x 3 and 1 x 9, a partial block of 32 channels, both 8-bit types, 1 and 2 threads, byte for
 * byte against the reference; and the shapes that stay on the GEMM (14 x 14 and small k or m). */
/* A 1x1 QLinearConv case: per-channel weight scales, 8-bit types alternating with g. */
static void pointwise_qconv(kcase *c, size_t g, int64_t h, int64_t w, int64_t cin, int64_t cout)
{
	kc_init(c, EML_OP_QLinearConv);
	kc_in(c, g % 2 ? I8 : U8, 4, (int64_t[]){ 1, cin, h, w }, 0);
	kc_scalar(c, F32, 0.05);
	kc_scalar(c, g % 2 ? I8 : U8, g % 2 ? -3 : 121);
	kc_in(c, I8, 4, (int64_t[]){ cout, cin, 1, 1 }, 1);
	float *sc = kc_in(c, F32, 1, (int64_t[]){ cout }, 1);
	for (int64_t m = 0; m < cout; m++)
		sc[m] = (float)(0.002 + (m % 7) * 0.0005);
	kc_scalar(c, I8, 0);
	kc_scalar(c, F32, rnd_y_scale(0.05, 0.003, cin));
	kc_scalar(c, g % 3 ? U8 : I8, 7);
	int32_t *b = kc_in(c, I32, 1, (int64_t[]){ cout }, 1);
	for (int64_t m = 0; m < cout; m++)
		b[m] = rnd_in(-20000, 20000);
}

static void test_qconv_pointwise_px(void **state)
{
	(void)state;
	eml_isa levels[EML_ISA_COUNT];
	uint32_t nl = fast_levels(levels);
	if (nl == 0)
		skip();
	static const int64_t geo[][5] = {
		/* h, w, cin, cout, by pixel on AVX-512 */
		{ 7, 7, 512, 520, 1 }, { 5, 5, 1024, 512, 1 }, { 3, 3, 516, 600, 1 },
		{ 1, 9, 512, 512, 1 }, { 7, 7, 320, 1280, 1 }, { 14, 14, 512, 512, 0 },
		{ 7, 7, 160, 960, 0 }, { 7, 7, 960, 320, 0 },
	};
	for (size_t g = 0; g < sizeof(geo) / sizeof(geo[0]); g++) {
		int64_t h = geo[g][0], w = geo[g][1], cin = geo[g][2], cout = geo[g][3];
		kcase c;
		pointwise_qconv(&c, g, h, w, cin, cout);
		for (uint32_t l = 0; l < nl; l++) {
			for (uint32_t t = 1; t <= 2; t++) {
				kc_check(&c, levels[l], t, "pointwise by pixel");
				if (levels[l] == EML_ISA_AVX512VNNI)
					assert_int_equal(strcmp(last_kernel,
								"qs8-igemm-px-32x8c4-avx512vnni") ==
								 0,
							 (int)geo[g][4]);
			}
		}
		kc_free(&c);
	}
}

/* Strided 1x1 convolutions over channels in fours (ResNet's downsampling shortcuts): the
 * in-place path builds only the phase a 1x1 window reads (eml_plane_build4), whole tiles of
 * the grid reading past it into phases left unbuilt; small outputs run by pixel, larger ones
 * on the in-place GEMM. Strides 2 and 3, with and without padding, outputs from 3 x 3 to
 * 29 x 29, byte for byte against the reference. */
static void test_qconv_by4_1x1(void **state)
{
	(void)state;
	eml_isa levels[EML_ISA_COUNT];
	uint32_t nl = fast_levels(levels);
	if (nl == 0)
		skip();
	static const int64_t geo[][6] = {
		/* h, w, stride, pad, cin, cout */
		{ 56, 56, 2, 0, 16, 40 }, { 28, 28, 2, 0, 32, 72 }, { 14, 14, 2, 0, 64, 33 },
		{ 57, 57, 2, 1, 8, 20 },  { 9, 9, 3, 0, 12, 32 },   { 30, 17, 2, 0, 4, 9 },
		{ 58, 41, 3, 1, 8, 17 },
	};
	for (size_t g = 0; g < sizeof(geo) / sizeof(geo[0]); g++) {
		int64_t h = geo[g][0], w = geo[g][1], s = geo[g][2], pad = geo[g][3];
		int64_t cin = geo[g][4], cout = geo[g][5];
		kcase c;
		pointwise_qconv(&c, g, h, w, cin, cout);
		kc_ints(&c, "strides", 2, (int64_t[]){ s, s });
		kc_ints(&c, "pads", 4, (int64_t[]){ pad, pad, pad, pad });
		int64_t oh = (h + 2 * pad - 1) / s + 1, ow = (w + 2 * pad - 1) / s + 1;
		for (uint32_t l = 0; l < nl; l++) {
			for (uint32_t t = 1; t <= 2; t++) {
				kc_check(&c, levels[l], t, "strided 1x1 conv in fours");
				if (levels[l] == EML_ISA_AVX512VNNI)
					assert_string_equal(last_kernel,
							    oh * ow <= 256 ?
								    "qs8-igemm-px-32x8c4-avx512vnni" :
								    "qs8-gemm-8x32c4-avx512vnni");
			}
		}
		kc_free(&c);
	}
}

/* Rewrites a depthwise case's k x k weights (input 3) so that every pair of taps (kx 2i,
 * 2i + 1) of each window row, as the channels-in-lanes kernels group them, stays within the
 * vpmaddubsw bound, often exactly at it; with over set, one pair of one channel goes just
 * past it (the AVX2 kernel must then widen). */
static void dw_row_pair_weights(kcase *c, int64_t k, int over)
{
	static const int8_t edge[][2] = { { 127, 1 }, { -128, 0 }, { -64, -64 }, { 64, 64 },
					  { 127, -128 }, { -100, -28 }, { 63, -64 } };
	uint8_t *w = c->owned[3];
	size_t ch = (size_t)c->in[3].dims[0], kk = (size_t)k;
	uint8_t off = c->in[3].dtype == U8 ? 0x80 : 0;
	for (size_t i = 0; i < ch * kk; i++) {
		uint8_t *row = w + i * kk;
		for (size_t j = 0; j < kk; j += 2) {
			int8_t a = (int8_t)rnd_in(-64, 63), b = (int8_t)rnd_in(-64, 63);
			if (rnd() % 3 == 0) {
				size_t e = rnd() % (sizeof(edge) / sizeof(edge[0]));
				a = edge[e][0];
				b = edge[e][1];
			}
			row[j] = (uint8_t)a ^ off;
			if (j + 1 < kk)
				row[j + 1] = (uint8_t)b ^ off;
		}
	}
	if (over) {
		uint8_t *row = w + (rnd() % (ch * kk)) * kk;
		row[0] = (uint8_t)127 ^ off;
		row[1] = (uint8_t)2 ^ off;
	}
}

/* Depthwise convolutions that AVX-512 VNNI runs with channels in lanes (small outputs, 64
 * channels or more): whole blocks of 64 and channels past them (58, 10, MobileNet's 144 - 128)
 * on the per-channel kernel in the same run, planes under 16 pixels, strides 1 and 2, 3x3 and
 * 5x5, dilation, uneven paddings, weight zero points (per channel, at the extremes), both
 * 8-bit types, fused bounds (a uint8 one mid-range), batch 2, 1 and 3 threads. */
static void test_qconv_dw_lanes(void **state)
{
	(void)state;
	eml_isa levels[EML_ISA_COUNT];
	uint32_t nl = fast_levels(levels);
	if (nl == 0)
		skip();
	static const int64_t geo[][10] = {
		/* c, h, w, k, stride, dilation, pads (top, left, bottom, right) */
		{ 64, 7, 7, 3, 1, 1, 1, 1, 1, 1 },    { 192, 14, 14, 3, 2, 1, 0, 0, 1, 1 },
		{ 250, 9, 11, 5, 1, 1, 2, 2, 2, 2 },  { 522, 3, 3, 3, 1, 1, 1, 1, 1, 1 },
		{ 128, 15, 13, 3, 2, 1, 1, 0, 2, 1 }, { 64, 12, 10, 3, 1, 2, 2, 2, 2, 2 },
		{ 250, 6, 20, 5, 2, 1, 0, 2, 1, 0 },  { 64, 1, 1, 3, 1, 1, 1, 1, 1, 1 },
		{ 144, 56, 56, 3, 2, 1, 1, 1, 1, 1 },
	};
	char what[200];
	for (size_t gi = 0; gi < 2 * sizeof(geo) / sizeof(geo[0]); gi++) {
		const int64_t *g = geo[gi % (sizeof(geo) / sizeof(geo[0]))];
		int64_t ch = g[0], k = g[3], s = g[4], d = g[5];
		uint32_t xt, wt, yt;
		rnd_types(&xt, &wt, &yt);
		int per_ch = gi % 2 == 0, wzp = gi % 3 != 0;
		/* a uint8 output bounded mid-range: the unsigned clamp below 255 */
		int mid = gi % 5 == 3;
		if (mid)
			yt = U8;
		kcase c;
		kc_init(&c, EML_OP_QLinearConv);
		kc_in(&c, xt, 4, (int64_t[]){ 1 + (int64_t)(gi % 4 == 1), ch, g[1], g[2] }, 0);
		kc_scalar(&c, F32, 0.03);
		kc_scalar(&c, xt, rnd_zp(xt));
		kc_in(&c, wt, 4, (int64_t[]){ ch, 1, k, k }, 1);
		if (per_ch) {
			float *sc = kc_in(&c, F32, 1, (int64_t[]){ ch }, 1);
			uint8_t *zp = kc_in(&c, wt, 1, (int64_t[]){ ch }, 1);
			for (int64_t m = 0; m < ch; m++) {
				sc[m] = (float)(0.004 * (0.5 + (rnd() % 100) / 100.0));
				zp[m] = wzp ? (uint8_t)rnd_zp(wt) : wt == U8 ? 128 : 0;
			}
		} else {
			kc_scalar(&c, F32, 0.004);
			kc_scalar(&c, wt, wzp ? rnd_zp(wt) : wt == U8 ? 128 : 0);
		}
		double ysc = rnd_y_scale(0.03, 0.004, k * k);
		kc_scalar(&c, F32, ysc);
		kc_scalar(&c, yt, mid ? 10 : rnd_zp(yt));
		int32_t *b = kc_in(&c, I32, 1, (int64_t[]){ ch }, 1);
		for (int64_t m = 0; m < ch; m++)
			b[m] = rnd_in(-20000, 20000);
		kc_ints(&c, "strides", 2, (int64_t[]){ s, s });
		kc_ints(&c, "pads", 4, (int64_t[]){ g[6], g[7], g[8], g[9] });
		kc_ints(&c, "dilations", 2, (int64_t[]){ d, d });
		c.attrs[c.node.n_attrs++] = (eml_attr){ .name = "group", .type = EML_ATTR_INT,
							.i = ch };
		if (gi % 2 == 1)
			kc_float(&c, "activation_min", 0.0f);
		if (gi % 4 == 2 || mid)
			kc_float(&c, "activation_max", mid ? (float)(170 * ysc) : 6.0f);
		/* a third 7-bit weights (pairs at the vpmaddubsw bound), a ninth of those with one
		 * pair past it */
		int fit = gi % 3 == 1, over = fit && gi % 9 == 4;
		if (fit)
			dw_row_pair_weights(&c, k, over);
		snprintf(what, sizeof(what),
			 "dw lanes%s x%s w%s y%s c%lld %lldx%lld k%lld s%lld d%lld",
			 fit ? over ? " over" : " fit" : "",
			 xt == U8 ? "u8" : "i8", wt == U8 ? "u8" : "i8", yt == U8 ? "u8" : "i8",
			 (long long)ch, (long long)g[1], (long long)g[2], (long long)k,
			 (long long)s, (long long)d);
		for (uint32_t l = 0; l < nl; l++) {
			for (uint32_t t = 1; t <= 3; t += 2) {
				kc_check(&c, levels[l], t, what);
				if (levels[l] == EML_ISA_AVX512VNNI || levels[l] == EML_ISA_AVX512AMX)
					assert_true(strcmp(last_kernel,
							   "qs8-dwconv-64c-avx512vnni") == 0);
				/* pairs that fit: vpmaddubsw; one pair past the bound: split
				 * (its residual fits beside any tap); full range: any form */
				if (levels[l] == EML_ISA_AVX2)
					assert_string_equal(
						last_kernel,
						!fit ? strncmp(last_kernel, "qs8-dwconv-64c-avx2-", 20) ?
							       "qs8-dwconv-64c-avx2-*" :
							       last_kernel :
						over ? "qs8-dwconv-64c-avx2-maddubs-split" :
						       "qs8-dwconv-64c-avx2-maddubs");
			}
		}
		kc_free(&c);
	}
}

/* Whether the int8-domain pair (a, b) is within the vpmaddubsw bound. */
static int pair_fits_test(int8_t a, int8_t b)
{
	int8_t p[2] = { a, b };
	return eml_w_pairs_fit((const uint8_t *)p, 1, 1, 2, 2, 1);
}

/* Whether the residual of a pair (a, b) past the vpmaddubsw bound, split to fit it (a's
 * share past c = +-128 - b: both of one sign), fits beside mate. */
static int dw_residual_fits(int8_t a, int8_t b, int8_t mate)
{
	int32_t r = a + b - (a > 0 ? 128 : -128);
	return pair_fits_test(mate, (int8_t)r);
}

/* A depthwise row of k full-range taps (int8 domain) for test_qconv_dw_split: the pairs
 * the AVX2 channels-in-lanes kernel can split (a last group of 3 taps: its first pair; a
 * last group of 1 tap after a group of 4: that group's pairs) past the bound with a
 * quarter's chance, the first one's residual fitting beside the tap it goes with (the last
 * group's third or first), or, with stuck set, the first past the bound with a residual
 * that cannot fit there (the kernel must then widen the block). Returns whether a pair is
 * past the bound. */
static int dw_split_row(int8_t *t, int64_t k, int stuck)
{
	int64_t last = (k + 3) / 4 * 4 - 4; /* the last group's first tap */
	int64_t first = k % 4 == 3 ? last : k % 4 == 1 && k >= 5 ? last - 4 : k;
	int64_t mate = k % 4 == 3 ? last + 2 : last;
	int past = 0;
	for (int64_t j = 0; j < k; j += 2) {
		int8_t a, b;
		int x = j >= first && j < last + (k % 4 == 3) && j + 1 < k && rnd() % 4 == 0;
		split_pair(x, &a, &b);
		t[j] = a;
		if (j + 1 < k)
			t[j + 1] = b;
		past |= x;
	}
	if (first >= k)
		return past;
	if (stuck) {
		/* the extremes: residual 126 beside 3..127, or -128 beside -1..-128 */
		int neg = rnd() % 2;
		t[first] = t[first + 1] = neg ? -128 : 127;
		t[mate] = (int8_t)(neg ? rnd_in(-128, -1) : rnd_in(3, 127));
		return 1;
	}
	int8_t m;
	do
		m = rnd() % 4 == 0 ? 0 : (int8_t)rnd_in(-128, 127);
	while (!pair_fits_test(t[first], t[first + 1]) &&
	       !dw_residual_fits(t[first], t[first + 1], m));
	t[mate] = m;
	return past;
}

/* Depthwise convolutions on the channels-in-lanes path with full-range weights (ONNX
 * Runtime's default quantizer, the zoo's *.u8 models), whose window rows' pairs may be past
 * the vpmaddubsw bound: AVX2 splits them (W = Wc + R, the residual in a slot of the last
 * group that the kernel feeds the pair's tap again), so each block of 64 channels stays on
 * vpmaddubsw where the residuals fit, and widens a block where one does not: 3x3, 5x5, 7x7
 * windows, stride, dilation, channels past the blocks, weight zero points, both
 * 8-bit types, x at its extremes; byte for byte against the reference, and the form each
 * took. */
static void test_qconv_dw_split(void **state)
{
	(void)state;
	eml_isa levels[EML_ISA_COUNT];
	uint32_t nl = fast_levels(levels);
	if (nl == 0)
		skip();
	static const int64_t geo[][10] = {
		/* c, h, w, k, stride, dilation, pads (top, left, bottom, right) */
		{ 64, 7, 7, 3, 1, 1, 1, 1, 1, 1 },    { 144, 14, 14, 3, 2, 1, 0, 0, 1, 1 },
		{ 128, 9, 11, 5, 1, 1, 2, 2, 2, 2 },  { 72, 10, 10, 5, 2, 1, 2, 1, 2, 1 },
		{ 64, 12, 12, 7, 1, 1, 3, 3, 3, 3 },  { 64, 12, 10, 3, 1, 2, 2, 2, 2, 2 },
		{ 128, 8, 8, 5, 1, 2, 4, 4, 4, 4 },   { 96, 28, 28, 3, 2, 1, 1, 1, 1, 1 },
		{ 200, 7, 7, 5, 1, 1, 2, 2, 2, 2 },
	};
	const size_t ng = sizeof(geo) / sizeof(geo[0]);
	char what[200];
	int took[3] = { 0, 0, 0 };
	for (size_t gi = 0; gi < 4 * ng; gi++) {
		const int64_t *g = geo[gi % ng];
		int64_t ch = g[0], k = g[3], s = g[4], d = g[5];
		uint32_t xt, wt, yt;
		rnd_types(&xt, &wt, &yt);
		int per_ch = gi % 2 == 0, wzp = gi % 3 == 2, stuck = gi % 4 == 3;
		kcase c;
		kc_init(&c, EML_OP_QLinearConv);
		kc_in(&c, xt, 4, (int64_t[]){ 1 + (int64_t)(gi % 5 == 1), ch, g[1], g[2] }, 0);
		kc_scalar(&c, F32, 0.03);
		kc_scalar(&c, xt, rnd_zp(xt));
		uint8_t *w = kc_in(&c, wt, 4, (int64_t[]){ ch, 1, k, k }, 1);
		if (per_ch) {
			float *sc = kc_in(&c, F32, 1, (int64_t[]){ ch }, 1);
			uint8_t *zp = kc_in(&c, wt, 1, (int64_t[]){ ch }, 1);
			for (int64_t m = 0; m < ch; m++) {
				sc[m] = (float)(0.004 * (0.5 + (rnd() % 100) / 100.0));
				zp[m] = wzp ? (uint8_t)rnd_zp(wt) : wt == U8 ? 128 : 0;
			}
		} else {
			kc_scalar(&c, F32, 0.004);
			kc_scalar(&c, wt, wzp ? rnd_zp(wt) : wt == U8 ? 128 : 0);
		}
		double ysc = rnd_y_scale(0.03, 0.004, k * k) * 3.0;
		kc_scalar(&c, F32, ysc);
		kc_scalar(&c, yt, rnd_zp(yt));
		int32_t *b = kc_in(&c, I32, 1, (int64_t[]){ ch }, 1);
		for (int64_t m = 0; m < ch; m++)
			b[m] = rnd_in(-20000, 20000);
		kc_ints(&c, "strides", 2, (int64_t[]){ s, s });
		kc_ints(&c, "pads", 4, (int64_t[]){ g[6], g[7], g[8], g[9] });
		kc_ints(&c, "dilations", 2, (int64_t[]){ d, d });
		c.attrs[c.node.n_attrs++] = (eml_attr){ .name = "group", .type = EML_ATTR_INT,
							.i = ch };
		if (gi % 2 == 1)
			kc_float(&c, "activation_min", 0.0f);
		/* full-range weights, the splittable pairs often past the bound; where stuck,
		 * one row of a channel in a whole block with a residual that cannot fit */
		int64_t whole = ch / 64 * 64, stuck_ch = stuck ? (int64_t)(rnd() % whole) : -1;
		int past = 0;
		uint8_t off = wt == U8 ? 0x80 : 0;
		for (int64_t m = 0; m < ch; m++)
			for (int64_t ky = 0; ky < k; ky++) {
				int8_t t[16];
				int p = dw_split_row(t, k, m == stuck_ch && ky == k - 1);
				past |= p && m < whole;
				for (int64_t kx = 0; kx < k; kx++)
					w[(m * k + ky) * k + kx] = (uint8_t)t[kx] ^ off;
			}
		if (rnd() % 3 == 0) {
			uint8_t *x = c.owned[0];
			size_t nx = (size_t)eml_tensor_numel(&c.in[0]);
			uint8_t hi = xt == U8 ? 0xff : 0x7f;
			for (size_t e = 0; e < nx; e++)
				x[e] = rnd() % 8 ? hi : (uint8_t)(hi ^ 0xff);
		}
		const char *want = stuck ? "qs8-dwconv-64c-avx2-wide" :
				   past	 ? "qs8-dwconv-64c-avx2-maddubs-split" :
					   "qs8-dwconv-64c-avx2-maddubs";
		snprintf(what, sizeof(what), "dw split%s x%s w%s y%s c%lld %lldx%lld k%lld s%lld d%lld",
			 stuck ? " stuck" : "", xt == U8 ? "u8" : "i8", wt == U8 ? "u8" : "i8",
			 yt == U8 ? "u8" : "i8", (long long)ch, (long long)g[1], (long long)g[2],
			 (long long)k, (long long)s, (long long)d);
		for (uint32_t l = 0; l < nl; l++) {
			for (uint32_t th = 1; th <= 3; th += 2) {
				kc_check(&c, levels[l], th, what);
				if (levels[l] != EML_ISA_AVX2)
					continue;
				if (strcmp(last_kernel, want) != 0)
					fail_msg("%s: took %s, not %s", what, last_kernel, want);
				took[stuck ? 2 : past ? 1 : 0]++;
			}
		}
		kc_free(&c);
	}
	/* the split and the widening ran, where AVX2 did */
	for (uint32_t l = 0; l < nl; l++)
		if (levels[l] == EML_ISA_AVX2)
			assert_true(took[1] > 20 && took[2] > 0);
}

/* Builds a depthwise QLinearConv of ch channels over n x h x w (3x3, stride s, pads 1) with
 * weights in wt, output in yt, per-channel scales, weight zero points 0 in wt's domain. */
static void dw_chain_case(kcase *c, uint32_t xt, uint32_t wt, uint32_t yt, int64_t n,
			  int64_t ch, int64_t h, int64_t w, int64_t s)
{
	kc_init(c, EML_OP_QLinearConv);
	kc_in(c, xt, 4, (int64_t[]){ n, ch, h, w }, 0);
	kc_scalar(c, F32, 0.03);
	kc_scalar(c, xt, rnd_zp(xt));
	kc_in(c, wt, 4, (int64_t[]){ ch, 1, 3, 3 }, 1);
	float *sc = kc_in(c, F32, 1, (int64_t[]){ ch }, 1);
	uint8_t *zp = kc_in(c, wt, 1, (int64_t[]){ ch }, 1);
	for (int64_t m = 0; m < ch; m++) {
		sc[m] = (float)(0.004 * (0.5 + (rnd() % 100) / 100.0));
		zp[m] = wt == U8 ? 128 : 0;
	}
	kc_scalar(c, F32, rnd_y_scale(0.03, 0.004, 9));
	kc_scalar(c, yt, rnd_zp(yt));
	int32_t *b = kc_in(c, I32, 1, (int64_t[]){ ch }, 1);
	for (int64_t m = 0; m < ch; m++)
		b[m] = rnd_in(-20000, 20000);
	kc_ints(c, "strides", 2, (int64_t[]){ s, s });
	kc_ints(c, "pads", 4, (int64_t[]){ 1, 1, 1, 1 });
	kc_ints(c, "dilations", 2, (int64_t[]){ 1, 1 });
	kc_int(c, "group", ch);
	kc_float(c, "activation_min", 0.0f);
	kc_float(c, "activation_max", 6.0f);
}

/* Builds a 1x1 QLinearConv of cin -> cout channels reading x (type xt, dims) with weights
 * in wt (weight zero point wzp in wt's domain: only 0 lets its input stay in blocks). */
static void pw_chain_case(kcase *c, uint32_t xt, const int64_t *dims, uint32_t wt, int wzp,
			  uint32_t yt, int64_t cout)
{
	int64_t cin = dims[1];
	kc_init(c, EML_OP_QLinearConv);
	kc_in(c, xt, 4, dims, 0);
	kc_scalar(c, F32, 0.02);
	kc_scalar(c, xt, rnd_zp(xt));
	kc_in(c, wt, 4, (int64_t[]){ cout, cin, 1, 1 }, 1);
	kc_scalar(c, F32, 0.003);
	kc_scalar(c, wt, wzp + (wt == U8 ? 128 : 0));
	kc_scalar(c, F32, rnd_y_scale(0.02, 0.003, cin));
	kc_scalar(c, yt, rnd_zp(yt));
	int32_t *b = kc_in(c, I32, 1, (int64_t[]){ cout }, 1);
	for (int64_t m = 0; m < cout; m++)
		b[m] = rnd_in(-20000, 20000);
	kc_ints(c, "strides", 2, (int64_t[]){ 1, 1 });
	kc_ints(c, "pads", 4, (int64_t[]){ 0, 0, 0, 0 });
	kc_ints(c, "dilations", 2, (int64_t[]){ 1, 1 });
}

/* Prepares the fast op of a case whose output goes to y, into op; fails when none applies. */
static eml_fast_op *chain_prepare(kcase *c, eml_kernel_ctx *ctx, const eml_tensor **outp,
				  void **outd, eml_isa isa, uint32_t threads, const char *what)
{
	*ctx = (eml_kernel_ctx){ &c->node, c->inp, outp, c->in_data, outd };
	eml_fast_op *op = NULL;
	assert_int_equal(eml_fast_prepare(ctx, isa, threads, &op), EDGEML_OK);
	if (!op)
		fail_msg("%s: no fast kernel at %s", what, eml_isa_name(isa));
	return op;
}

/* Runs expand (1x1) -> depthwise -> project (1x1) on the reference and on the fast ops of isa
 * linked as the CPU backend links them, and compares the project's output byte for byte (the
 * depthwise output too where it stays in planes); whether the link took is checked against
 * want_link. */
static void chain_check(kcase *e, kcase *dw, kcase *pw, eml_isa isa, uint32_t threads,
			int want_link, const char *what)
{
	kcase *cs[3] = { e, dw, pw };
	uint8_t *want[3], *got[3];
	size_t bytes[3];
	eml_fast_op *op[3];
	eml_kernel_ctx ctx[3];
	const eml_tensor *outp[3][1];
	void *outd[3][1];
	size_t scratch = 0, shared = 0;
	for (int i = 0; i < 3; i++) {
		if (eml_op_infer(&cs[i]->node, cs[i]->inp, &cs[i]->out) != EDGEML_OK)
			fail_msg("%s: infer %d: %s", what, i, edgeml_last_error());
		bytes[i] = (size_t)eml_tensor_bytes(&cs[i]->out);
		want[i] = test_malloc(bytes[i] + 1);
		got[i] = test_malloc(bytes[i] + 1);
		memset(got[i], 0x5a, bytes[i]);
		outp[i][0] = &cs[i]->out;
		/* the reference first, each layer on the one before */
		const void *x = cs[i]->in_data[0];
		if (i > 0)
			cs[i]->in_data[0] = want[i - 1];
		outd[i][0] = want[i];
		eml_kernel_ctx ref = { &cs[i]->node, cs[i]->inp, outp[i], cs[i]->in_data,
				       outd[i] };
		assert_int_equal(eml_ref_kernel(cs[i]->node.op)(&ref), EDGEML_OK);
		if (i > 0)
			cs[i]->in_data[0] = got[i - 1];
		else
			cs[i]->in_data[0] = x;
		outd[i][0] = got[i];
		op[i] = chain_prepare(cs[i], &ctx[i], outp[i], outd[i], isa, threads, what);
		scratch = op[i]->scratch > scratch ? op[i]->scratch : scratch;
		shared = op[i]->shared > shared ? op[i]->shared : shared;
	}
	/* the expand's output is no depthwise's to keep in blocks: only the project's input */
	assert_int_equal(eml_fast_qconv_link(op[0], op[1]), 0);
	assert_int_equal(eml_fast_qconv_link(op[1], op[2]), want_link);
	eml_threadpool *pool = NULL;
	if (threads > 1)
		assert_int_equal(eml_threadpool_create(threads, NULL, 0, &pool), EDGEML_OK);
	uint8_t *sc[8] = { 0 };
	for (uint32_t t = 0; t < threads; t++)
		sc[t] = test_malloc(scratch + 64);
	uint8_t *sh = test_malloc(shared + 64);
	eml_fast_env env = { pool, sc, sh };
	for (int i = 0; i < 3; i++) {
		assert_int_equal(op[i]->run(op[i], &ctx[i], &env), EDGEML_OK);
		if (i == 1 && want_link)
			continue;
		for (size_t j = 0; j < bytes[i]; j++)
			if (got[i][j] != want[i][j])
				fail_msg("%s [%s, %u threads, layer %d, %s]: byte %zu of %zu: "
					 "got %d, want %d",
					 what, eml_isa_name(isa), threads, i, op[i]->kernel, j,
					 bytes[i], got[i][j], want[i][j]);
	}
	for (uint32_t t = 0; t < threads; t++)
		test_free(sc[t]);
	test_free(sh);
	eml_threadpool_destroy(pool);
	for (int i = 0; i < 3; i++) {
		eml_fast_destroy(op[i]);
		test_free(want[i]);
		test_free(got[i]);
	}
}

/* MobileNet's inverted residual chains, expand 1x1 -> depthwise -> project 1x1, where the
 * depthwise runs with channels in lanes and the project reads its output channels-last in
 * blocks: ragged pixel counts (tiles of 32 cut short, planes under 16 pixels), strides 1 and
 * 2, both 8-bit types on each edge, batch 2, ragged project channel counts, 1 and 3 threads;
 * and the chains that must stay in planes: channels past the last whole block (144), a
 * project with a weight zero point (column sums), the levels without the blocked pack (NEON). */
static void test_qconv_dw_chain(void **state)
{
	(void)state;
	eml_isa levels[EML_ISA_COUNT];
	uint32_t nl = fast_levels(levels);
	if (nl == 0)
		skip();
	static const int64_t geo[][6] = {
		/* expand in, depthwise channels, h, w, stride, project out */
		{ 24, 192, 14, 14, 2, 64 }, { 32, 192, 28, 28, 1, 32 }, { 16, 384, 14, 14, 1, 97 },
		{ 96, 576, 7, 7, 1, 160 },  { 8, 64, 3, 5, 1, 17 },     { 40, 128, 9, 13, 2, 24 },
		{ 24, 144, 14, 14, 1, 24 }, { 16, 64, 11, 7, 1, 40 },
	};
	char what[200];
	for (size_t gi = 0; gi < 2 * sizeof(geo) / sizeof(geo[0]); gi++) {
		const int64_t *g = geo[gi % (sizeof(geo) / sizeof(geo[0]))];
		int64_t n = 1 + (int64_t)(gi % 5 == 2);
		uint32_t t0 = rnd() % 2 ? U8 : I8, t1 = gi % 2 ? U8 : I8, t2 = rnd() % 2 ? U8 : I8;
		uint32_t t3 = rnd() % 2 ? U8 : I8, wt = gi % 3 ? I8 : U8;
		int wzp = gi == 9 ? 3 : 0;
		kcase e, dw, pw;
		/* the expand: inputs n x cin x h x w, weights of the same type mix */
		pw_chain_case(&e, t0, (int64_t[]){ n, g[0], g[2], g[3] }, wt, 0, t1, g[1]);
		assert_int_equal(eml_op_infer(&e.node, e.inp, &e.out), EDGEML_OK);
		dw_chain_case(&dw, t1, wt, t2, n, g[1], g[2], g[3], g[4]);
		assert_int_equal(eml_op_infer(&dw.node, dw.inp, &dw.out), EDGEML_OK);
		pw_chain_case(&pw, t2, dw.out.dims, wt, wzp, t3, g[5]);
		snprintf(what, sizeof(what), "chain %lld -> %lld -> %lld %lldx%lld s%lld n%lld "
			 "x%s dw%s pw%s y%s w%s wzp %d",
			 (long long)g[0], (long long)g[1], (long long)g[5], (long long)g[2],
			 (long long)g[3], (long long)g[4], (long long)n, t0 == U8 ? "u8" : "i8",
			 t1 == U8 ? "u8" : "i8", t2 == U8 ? "u8" : "i8", t3 == U8 ? "u8" : "i8",
			 wt == U8 ? "u8" : "i8", wzp);
		for (uint32_t l = 0; l < nl; l++) {
			int link = (levels[l] == EML_ISA_AVX512AMX ||
				    levels[l] == EML_ISA_AVX512VNNI || levels[l] == EML_ISA_AVX2) &&
				   g[1] % 64 == 0 && !wzp;
			for (uint32_t t = 1; t <= 3; t += 2)
				chain_check(&e, &dw, &pw, levels[l], t, link, what);
		}
		kc_free(&e);
		kc_free(&dw);
		kc_free(&pw);
	}
}

/* First layers: few input channels (1, 2, 3, 5), which run as tiles of output pixels with all
 * channels and taps in one K: 3x3, 5x5 and 7x7 windows, strides 1 and 2, uneven pads,
 * dilation, outputs narrower than a tile (a tile then spans several output rows) and wider,
 * zero points at the extremes (x's is the padding value) and weight zero points (the column
 * sums), both 8-bit types, fused bounds, batch 2, 1 and 3 threads. */
static void test_qconv_first_layer(void **state)
{
	(void)state;
	eml_isa levels[EML_ISA_COUNT];
	uint32_t nl = fast_levels(levels);
	if (nl == 0)
		skip();
	static const int64_t geo[][11] = {
		/* c, h, w, k, stride, dilation, pads (top, left, bottom, right), cout */
		{ 3, 40, 46, 7, 2, 1, 3, 3, 3, 3, 64 }, { 3, 33, 37, 3, 2, 1, 0, 0, 1, 1, 32 },
		{ 1, 19, 5, 3, 1, 1, 1, 1, 1, 1, 16 },	{ 2, 23, 29, 5, 1, 1, 2, 1, 0, 2, 9 },
		{ 5, 17, 70, 3, 1, 2, 2, 2, 2, 2, 24 }, { 3, 9, 3, 7, 2, 1, 3, 3, 3, 3, 8 },
		{ 1, 50, 11, 5, 2, 1, 2, 2, 2, 2, 40 }, { 2, 12, 67, 7, 1, 1, 0, 3, 3, 0, 33 },
	};
	const size_t ng = sizeof(geo) / sizeof(geo[0]);
	char what[200];
	for (size_t gi = 0; gi < 2 * ng; gi++) {
		const int64_t *g = geo[gi % ng];
		int64_t ch = g[0], k = g[3], s = g[4], d = g[5], cout = g[10];
		uint32_t xt, wt, yt;
		rnd_types(&xt, &wt, &yt);
		int per_ch = gi % 2 == 0, wzp = gi % 3 == 1;
		/* x's zero point at an extreme: the padding contributes the most it can */
		int32_t xzp = gi % 4 == 0 ? (xt == U8 ? 255 : -128)
			      : gi % 4 == 1 ? (xt == U8 ? 0 : 127) : rnd_zp(xt);
		kcase c;
		kc_init(&c, EML_OP_QLinearConv);
		kc_in(&c, xt, 4, (int64_t[]){ 1 + (int64_t)(gi % 3 == 2), ch, g[1], g[2] }, 0);
		kc_scalar(&c, F32, 0.03);
		kc_scalar(&c, xt, xzp);
		kc_in(&c, wt, 4, (int64_t[]){ cout, ch, k, k }, 1);
		if (per_ch) {
			float *sc = kc_in(&c, F32, 1, (int64_t[]){ cout }, 1);
			uint8_t *zp = kc_in(&c, wt, 1, (int64_t[]){ cout }, 1);
			for (int64_t m = 0; m < cout; m++) {
				sc[m] = (float)(0.004 * (0.5 + (rnd() % 100) / 100.0));
				zp[m] = wzp ? (uint8_t)rnd_zp(wt) : wt == U8 ? 128 : 0;
			}
		} else {
			kc_scalar(&c, F32, 0.004);
			kc_scalar(&c, wt, wzp ? rnd_zp(wt) : wt == U8 ? 128 : 0);
		}
		kc_scalar(&c, F32, rnd_y_scale(0.03, 0.004, ch * k * k));
		kc_scalar(&c, yt, rnd_zp(yt));
		if (gi % 5 != 4) {
			int32_t *b = kc_in(&c, I32, 1, (int64_t[]){ cout }, 1);
			for (int64_t m = 0; m < cout; m++)
				b[m] = rnd_in(-20000, 20000);
		} else {
			kc_absent(&c);
		}
		kc_ints(&c, "strides", 2, (int64_t[]){ s, s });
		kc_ints(&c, "pads", 4, (int64_t[]){ g[6], g[7], g[8], g[9] });
		kc_ints(&c, "dilations", 2, (int64_t[]){ d, d });
		if (gi % 2 == 1)
			kc_float(&c, "activation_min", 0.0f);
		if (gi % 4 == 2)
			kc_float(&c, "activation_max", 6.0f);
		snprintf(what, sizeof(what),
			 "first layer x%s(%d) w%s y%s c%lld->%lld %lldx%lld k%lld s%lld d%lld",
			 xt == U8 ? "u8" : "i8", xzp, wt == U8 ? "u8" : "i8",
			 yt == U8 ? "u8" : "i8", (long long)ch, (long long)cout, (long long)g[1],
			 (long long)g[2], (long long)k, (long long)s, (long long)d);
		for (uint32_t l = 0; l < nl; l++)
			for (uint32_t t = 1; t <= 3; t += 2)
				kc_check(&c, levels[l], t, what);
		kc_free(&c);
	}
}

/* A convolution the phase plane does not hold: 1-D (one_d) or 2-D. */
typedef struct big_shape {
	int64_t n, cin, cout, group, h, w, kh, kw, sh, sw, dh, dw, pads[4];
	int one_d;
} big_shape;

/* Builds a QLinearConv of shape s: random types (x and w as given when not 0), per-channel
 * or per-tensor weights with zero points anywhere (the column sums) or 0, x's zero point
 * often at an extreme (the padding value), a bias or none, fused bounds sometimes; with
 * pair_limit, weights at and (over) past the AVX2 vpmaddubsw bound (pair_limit_weights). */
static void big_conv_case(kcase *c, const big_shape *s, uint32_t xt, uint32_t wt, int pair_limit,
			  int over, char *what, size_t cap)
{
	uint32_t yt, rx, rw;
	rnd_types(&rx, &rw, &yt);
	xt = xt ? xt : rx;
	wt = wt ? wt : rw;
	int64_t cg = s->cin / s->group, kvol = s->kh * s->kw;
	int per_ch = rnd() % 2, wzp = rnd() % 3 == 0;
	int32_t xzp = rnd() % 3 == 0 ? (xt == U8 ? 255 : -128) : rnd_zp(xt);
	double xs = 0.02, ws = 0.004;
	kc_init(c, EML_OP_QLinearConv);
	if (s->one_d)
		kc_in(c, xt, 3, (int64_t[]){ s->n, s->cin, s->w }, 0);
	else
		kc_in(c, xt, 4, (int64_t[]){ s->n, s->cin, s->h, s->w }, 0);
	kc_scalar(c, F32, xs);
	kc_scalar(c, xt, xzp);
	if (s->one_d)
		kc_in(c, wt, 3, (int64_t[]){ s->cout, cg, s->kw }, 1);
	else
		kc_in(c, wt, 4, (int64_t[]){ s->cout, cg, s->kh, s->kw }, 1);
	int32_t wz0 = wt == U8 ? 128 : 0;
	if (per_ch) {
		float *sc = kc_in(c, F32, 1, (int64_t[]){ s->cout }, 1);
		uint8_t *zp = kc_in(c, wt, 1, (int64_t[]){ s->cout }, 1);
		for (int64_t m = 0; m < s->cout; m++) {
			sc[m] = (float)(ws * (0.5 + (rnd() % 100) / 100.0));
			zp[m] = (uint8_t)(wzp ? rnd_zp(wt) : wz0);
		}
	} else {
		kc_scalar(c, F32, ws);
		kc_scalar(c, wt, wzp ? rnd_zp(wt) : wz0);
	}
	kc_scalar(c, F32, rnd_y_scale(xs, ws, cg * kvol));
	kc_scalar(c, yt, rnd_zp(yt));
	if (rnd() % 4) {
		int32_t *b = kc_in(c, I32, 1, (int64_t[]){ s->cout }, 1);
		for (int64_t m = 0; m < s->cout; m++)
			b[m] = rnd_in(-20000, 20000);
	} else {
		kc_absent(c);
	}
	if (s->one_d) {
		kc_ints(c, "strides", 1, (int64_t[]){ s->sw });
		kc_ints(c, "pads", 2, (int64_t[]){ s->pads[1], s->pads[3] });
		kc_ints(c, "dilations", 1, (int64_t[]){ s->dw });
	} else {
		kc_ints(c, "strides", 2, (int64_t[]){ s->sh, s->sw });
		kc_ints(c, "pads", 4, s->pads);
		kc_ints(c, "dilations", 2, (int64_t[]){ s->dh, s->dw });
	}
	if (s->group > 1)
		c->attrs[c->node.n_attrs++] = (eml_attr){ .name = "group", .type = EML_ATTR_INT,
							  .i = s->group };
	if (rnd() % 3 == 0)
		kc_float(c, "activation_min", 0.0f);
	if (pair_limit)
		pair_limit_weights(c, over);
	snprintf(what, cap,
		 "big conv x%s(%d) w%s%s y%s n%lld c%lld->%lld g%lld %lldx%lld k%lldx%lld "
		 "s%lldx%lld d%lldx%lld p%lld,%lld,%lld,%lld%s",
		 xt == U8 ? "u8" : "i8", xzp, wt == U8 ? "u8" : "i8", per_ch ? " per-ch" : "",
		 yt == U8 ? "u8" : "i8", (long long)s->n, (long long)s->cin, (long long)s->cout,
		 (long long)s->group, (long long)s->h, (long long)s->w, (long long)s->kh,
		 (long long)s->kw, (long long)s->sh, (long long)s->sw, (long long)s->dh,
		 (long long)s->dw, (long long)s->pads[0], (long long)s->pads[1],
		 (long long)s->pads[2], (long long)s->pads[3],
		 pair_limit ? (over ? " pairs over" : " pairs fit") : "");
}

/* Geometries the phase plane does not hold (kernels over 64 taps per axis, strides over 8,
 * dilations over 16): an STFT front end (1-D, 258 filters of 256 taps, stride 128), patch
 * embeddings (16x16, stride 16), 1-D kernels of 65-300 taps, strides 9-128, dilation 20,
 * depthwise and grouped, padding (x's zero point), two images; both 8-bit types, per-channel
 * weights and weight zero points, full-range weights and ones at (and just past) the AVX2
 * vpmaddubsw pair bound; every level, 1 and 3 threads. They run on the GEMM over an im2col
 * matrix (not the reference), byte for byte. */
static void test_qconv_im2col(void **state)
{
	(void)state;
	eml_isa levels[EML_ISA_COUNT];
	uint32_t nl = fast_levels(levels);
	if (nl == 0)
		skip();
	static const big_shape fixed[] = {
		/* STFT: k 256, stride 128, 258 filters */
		{ .n = 1, .cin = 1, .cout = 258, .group = 1, .h = 1, .w = 1152, .kh = 1, .kw = 256,
		  .sh = 1, .sw = 128, .dh = 1, .dw = 1, .one_d = 1 },
		{ .n = 1, .cin = 1, .cout = 258, .group = 1, .h = 1, .w = 640, .kh = 1, .kw = 256,
		  .sh = 1, .sw = 128, .dh = 1, .dw = 1, .pads = { 0, 64, 0, 64 }, .one_d = 1 },
		/* patch embedding: 16x16 / 16 */
		{ .n = 2, .cin = 3, .cout = 24, .group = 1, .h = 48, .w = 40, .kh = 16, .kw = 16,
		  .sh = 16, .sw = 16, .dh = 1, .dw = 1 },
		{ .n = 1, .cin = 4, .cout = 7, .group = 1, .h = 1, .w = 300, .kh = 1, .kw = 100,
		  .sh = 1, .sw = 3, .dh = 1, .dw = 1, .pads = { 0, 40, 0, 9 }, .one_d = 1 },
		{ .n = 1, .cin = 2, .cout = 16, .group = 1, .h = 1, .w = 700, .kh = 1, .kw = 300,
		  .sh = 1, .sw = 128, .dh = 1, .dw = 1, .pads = { 0, 10, 0, 0 }, .one_d = 1 },
		/* depthwise 1-D, 129 taps */
		{ .n = 1, .cin = 6, .cout = 6, .group = 6, .h = 1, .w = 200, .kh = 1, .kw = 129,
		  .sh = 1, .sw = 1, .dh = 1, .dw = 1, .pads = { 0, 64, 0, 64 }, .one_d = 1 },
		/* depthwise 3x3 at stride 9, and with channel multiplier 2 */
		{ .n = 2, .cin = 5, .cout = 5, .group = 5, .h = 40, .w = 37, .kh = 3, .kw = 3,
		  .sh = 9, .sw = 9, .dh = 1, .dw = 1, .pads = { 1, 1, 1, 1 } },
		{ .n = 1, .cin = 3, .cout = 6, .group = 3, .h = 1, .w = 500, .kh = 1, .kw = 65,
		  .sh = 1, .sw = 12, .dh = 1, .dw = 1, .pads = { 0, 3, 0, 30 }, .one_d = 1 },
		/* grouped, dilation 20 */
		{ .n = 1, .cin = 4, .cout = 6, .group = 2, .h = 30, .w = 45, .kh = 3, .kw = 3,
		  .sh = 10, .sw = 9, .dh = 1, .dw = 20, .pads = { 1, 2, 2, 1 } },
		{ .n = 1, .cin = 8, .cout = 12, .group = 1, .h = 50, .w = 50, .kh = 3, .kw = 3,
		  .sh = 1, .sw = 1, .dh = 20, .dw = 20, .pads = { 20, 20, 20, 20 } },
		/* 2-D: 70 taps across, stride 128 across */
		{ .n = 1, .cin = 3, .cout = 20, .group = 1, .h = 9, .w = 90, .kh = 2, .kw = 70,
		  .sh = 2, .sw = 3, .dh = 1, .dw = 1, .pads = { 0, 5, 1, 5 } },
		{ .n = 1, .cin = 2, .cout = 9, .group = 1, .h = 12, .w = 400, .kh = 3, .kw = 5,
		  .sh = 2, .sw = 128, .dh = 1, .dw = 1, .pads = { 1, 2, 1, 2 } },
	};
	const size_t nf = sizeof(fixed) / sizeof(fixed[0]);
	char what[300];
	for (size_t i = 0; i < 2 * nf + 16; i++) {
		big_shape s;
		if (i < 2 * nf) {
			s = fixed[i % nf];
		} else {
			/* random: 1-D kernels of 65-300 taps or 2-D strides 9-128 */
			memset(&s, 0, sizeof(s));
			s.n = 1 + rnd() % 2;
			s.group = rnd() % 3 == 0 ? 1 + rnd() % 4 : 1;
			s.cin = s.group * (1 + rnd() % 4);
			s.cout = s.group * (rnd() % 4 == 0 ? s.cin / s.group : 1 + rnd() % 40);
			s.dh = s.dw = rnd() % 5 == 0 ? 20 : 1;
			s.one_d = rnd() % 2;
			if (s.one_d) {
				s.h = s.kh = s.sh = 1;
				s.kw = 65 + rnd() % 236;
				s.sw = 1 + rnd() % 128;
				s.dw = 1;
				s.pads[1] = rnd() % 40;
				s.pads[3] = rnd() % 40;
				s.w = (s.kw - 1) + 1 + rnd() % 400;
			} else {
				s.kh = 1 + rnd() % 5;
				s.kw = 1 + rnd() % 5;
				s.sh = 9 + rnd() % 8;
				s.sw = rnd() % 2 ? 9 + rnd() % 120 : 1 + rnd() % 3;
				for (int j = 0; j < 4; j++)
					s.pads[j] = rnd() % 3;
				s.h = (s.kh - 1) * s.dh + 1 + rnd() % 40;
				s.w = (s.kw - 1) * s.dw + 1 + rnd() % 200;
			}
		}
		/* each fixed shape once with u8 x and w, once with s8 */
		uint32_t xt = i < 2 * nf ? (i < nf ? U8 : I8) : 0;
		uint32_t wt = i < 2 * nf ? (i < nf ? U8 : I8) : 0;
		int pair_limit = i % 3 == 1, over = i % 6 == 4;
		kcase c;
		big_conv_case(&c, &s, xt, wt, pair_limit, over, what, sizeof(what));
		for (uint32_t l = 0; l < nl; l++) {
			kc_check(&c, levels[l], 1 + (i % 2) * 2, what);
			/* the GEMM over the im2col matrix, not a depthwise kernel */
			if (strncmp(last_kernel, "qs8-gemm", 8) != 0)
				fail_msg("%s: kernel %s at %s", what, last_kernel,
					 eml_isa_name(levels[l]));
#if defined(__x86_64__)
			size_t k = (size_t)eml_tensor_numel(&c.in[3]) / (size_t)c.in[3].dims[0];
			size_t rows = (size_t)c.in[3].dims[0];
			/* on AVX2, exact: vpmaddubsw where the pairs fit, split or vpmaddwd
			 * (the same choice as any GEMM of these weights) where one does not */
			if (levels[l] == EML_ISA_AVX2 && pair_limit)
				assert_string_equal(last_kernel,
						    !over || k < 2 ? "qs8-gemm-8x8c4-avx2-maddubs" :
						    eml_qgemm_split_pays(rows, k, 1) ?
								     "qs8-gemm-8x8c4-avx2-maddubs-split" :
								     "qs8-gemm-4x8c4-avx2");
#endif
		}
		kc_free(&c);
	}
}

/* Random QLinearGemm (transB either way, bias or not) and QLinearMatMul. */
static void test_qgemm(void **state)
{
	(void)state;
	eml_isa levels[EML_ISA_COUNT];
	uint32_t nl = fast_levels(levels);
	if (nl == 0)
		skip();
	char what[160];
	for (int i = 0; i < 60; i++) {
		uint32_t xt, wt, yt;
		rnd_types(&xt, &wt, &yt);
		/* a third with at most 4 rows: the matrix-vector kernels; one in ten over 2^20
		 * multiply-adds: the AMX level's tiles */
		int big = i % 10 == 9;
		int64_t m = big ? 64 + rnd() % 30 : i % 3 ? 1 + rnd() % 37 : 1 + rnd() % 4;
		int64_t k = big ? 300 + rnd() % 200 : 1 + rnd() % 70;
		int64_t n = big ? 64 + rnd() % 40 : 1 + rnd() % 45;
		int gemm = i % 2, trans_b = gemm && rnd() % 2, per_col = rnd() % 2;
		double xs = 0.05, ws = 0.01 + (rnd() % 10) / 1000.0;
		kcase c;
		kc_init(&c, gemm ? EML_OP_QLinearGemm : EML_OP_QLinearMatMul);
		kc_in(&c, xt, 2, (int64_t[]){ m, k }, 0);
		kc_scalar(&c, F32, xs);
		kc_scalar(&c, xt, rnd_zp(xt));
		uint8_t *wb = kc_in(&c, wt, 2, trans_b ? (int64_t[]){ n, k } : (int64_t[]){ k, n }, 1);
		/* a quarter with 7-bit weights: the AVX2 vpmaddubsw kernel takes those */
		for (int64_t e = 0; i % 4 == 0 && e < n * k; e++)
			wb[e] = (uint8_t)rnd_in(-64, 63) ^ (wt == U8 ? 0x80 : 0);
		if (per_col) {
			float *sc = kc_in(&c, F32, 1, (int64_t[]){ n }, 1);
			uint8_t *zp = kc_in(&c, wt, 1, (int64_t[]){ n }, 1);
			for (int64_t j = 0; j < n; j++) {
				sc[j] = (float)(ws * (0.5 + (rnd() % 100) / 100.0));
				zp[j] = (uint8_t)rnd_zp(wt);
			}
		} else {
			kc_scalar(&c, F32, ws);
			kc_scalar(&c, wt, rnd_zp(wt));
		}
		if (gemm) {
			if (rnd() % 3) {
				int32_t *b = kc_in(&c, I32, 1, (int64_t[]){ n }, 1);
				for (int64_t j = 0; j < n; j++)
					b[j] = rnd_in(-5000, 5000);
			} else {
				kc_absent(&c);
			}
		}
		kc_scalar(&c, F32, rnd_y_scale(xs, ws, k));
		kc_scalar(&c, yt, rnd_zp(yt));
		if (trans_b)
			c.attrs[c.node.n_attrs++] = (eml_attr){ .name = "transB",
								.type = EML_ATTR_INT, .i = 1 };
		if (gemm && rnd() % 2)
			kc_float(&c, "alpha", 0.75f);
		snprintf(what, sizeof(what), "%s %lldx%lldx%lld transB %d per-column %d",
			 gemm ? "QLinearGemm" : "QLinearMatMul", (long long)m, (long long)k,
			 (long long)n, trans_b, per_col);
		for (uint32_t l = 0; l < nl; l++) {
			kc_check(&c, levels[l], 1 + (i % 3), what);
			/* on tiles, a few rows (the VNNI kernel's matrix-vector form) and small
			 * matmuls take the VNNI kernel */
			if (levels[l] == EML_ISA_AVX512AMX)
				assert_string_equal(last_kernel,
						    big ? "qs8-gemm-32x32c4-amx"
							: "qs8-gemm-8x32c4-avx512vnni");
		}
		kc_free(&c);
	}
}

/* Random QLinearAdd of both types, lengths off the vector width. */
static void test_qadd(void **state)
{
	(void)state;
	eml_isa levels[EML_ISA_COUNT];
	uint32_t nl = fast_levels(levels);
	if (nl == 0)
		skip();
	for (int i = 0; i < 40; i++) {
		uint32_t t = i % 2 ? U8 : I8;
		/* 2 elements at least: the fast add leaves a single one to the reference */
		int64_t len = 2 + rnd() % (i < 30 ? 200 : 40000) + (i >= 36 ? 1100000 : 0);
		kcase c;
		kc_init(&c, EML_OP_QLinearAdd);
		kc_in(&c, t, 2, (int64_t[]){ 1, len }, 0);
		kc_scalar(&c, F32, 0.01 + (rnd() % 100) / 1000.0);
		kc_scalar(&c, t, rnd_zp(t));
		kc_in(&c, t, 2, (int64_t[]){ 1, len }, 0);
		kc_scalar(&c, F32, 0.01 + (rnd() % 100) / 1000.0);
		kc_scalar(&c, t, rnd_zp(t));
		kc_scalar(&c, F32, rnd() % 4 ? 0.05 + (rnd() % 100) / 1000.0 : 0.002);
		kc_scalar(&c, t, rnd_zp(t));
		if (rnd() % 3 == 0)
			kc_float(&c, "activation_min", 0.0f);
		for (uint32_t l = 0; l < nl; l++)
			kc_check(&c, levels[l], 1 + (i % 2), "QLinearAdd");
		kc_free(&c);
	}
}

/* Random QLinearAdd with a constant single-element operand on either side (a transformer's
 * 1 + erf(x)), of shape [] or [1], on either side, both 8-bit types:
 * the table path. Large cases on the pool. */
static void test_qadd_scalar(void **state)
{
	(void)state;
	eml_isa levels[EML_ISA_COUNT];
	uint32_t nl = fast_levels(levels);
	if (nl == 0)
		skip();
	for (int i = 0; i < 80; i++) {
		uint32_t tx = rnd() % 2 ? U8 : I8, tc = tx;
		int64_t len = 2 + rnd() % (i < 60 ? 200 : 40000) + (i >= 76 ? 1100000 : 0);
		int scalar_a = rnd() % 2;
		uint32_t rank = rnd() % 2; /* the scalar: shape [] or [1] */
		kcase c;
		kc_init(&c, EML_OP_QLinearAdd);
		for (int side = 0; side < 2; side++) {
			int scalar = side == 0 ? scalar_a : !scalar_a;
			if (scalar)
				kc_in(&c, tx, rank, (int64_t[]){ 1 }, 1);
			else
				kc_in(&c, tx, 3, (int64_t[]){ 1, 2, len }, 0);
			kc_scalar(&c, F32, 0.01 + (rnd() % 100) / 1000.0);
			kc_scalar(&c, tx, rnd_zp(tx));
		}
		kc_scalar(&c, F32, rnd() % 4 ? 0.05 + (rnd() % 100) / 1000.0 : 0.002);
		kc_scalar(&c, tc, rnd_zp(tc));
		if (rnd() % 3 == 0)
			kc_float(&c, "activation_min", 0.0f);
		for (uint32_t l = 0; l < nl; l++) {
			kc_check(&c, levels[l], 1 + (i % 2), "QLinearAdd, one operand a scalar");
			assert_string_equal(last_kernel, "qs8-vadd-lut");
		}
		kc_free(&c);
	}
}

/* Random QuantizeLinear of floats (with ties, out-of-range values, infinities and NaN) to
 * both 8-bit types. */
static void test_quantize(void **state)
{
	(void)state;
	eml_isa levels[EML_ISA_COUNT];
	uint32_t nl = fast_levels(levels);
	if (nl == 0)
		skip();
	static const float special[] = { 0.5f, 1.5f, -0.5f, -2.5f, 1e9f, -1e9f, 1.0f / 0.0f,
					 -1.0f / 0.0f, 0.0f / 0.0f };
	for (int i = 0; i < 30; i++) {
		uint32_t t = i % 2 ? U8 : I8;
		int64_t len = 1 + rnd() % (i < 20 ? 100 : 30000) + (i >= 27 ? 1100000 : 0);
		kcase c;
		kc_init(&c, EML_OP_QuantizeLinear);
		float *x = kc_in(&c, F32, 2, (int64_t[]){ 1, len }, 0);
		float scale = i % 3 ? 0.05f : 1.0f;
		for (int64_t j = 0; j < len; j++)
			x[j] = rnd() % 8 ? (float)rnd_in(-400, 400) * 0.0125f * (float)(i % 5 + 1) :
					   special[rnd() % 9];
		kc_scalar(&c, F32, scale);
		kc_scalar(&c, t, rnd_zp(t));
		for (uint32_t l = 0; l < nl; l++)
			kc_check(&c, levels[l], 1 + (i % 2), "QuantizeLinear");
		kc_free(&c);
	}
}

/* Random int8/uint8 MaxPool, 1-D and 2-D: kernels 1..5, strides 1..3, dilations, pads,
 * ceil_mode windows overhanging the input. */
/* Random 3-D geometry of a pool: kernels 1 to 3 (k[0] up to kd_max), strides 1 to 3,
 * dilations 1 or 2, pads below the kernel on every axis (a window may lie in the padding
 * along one axis), ceil_mode at times; wide rows now and then. */
static void pool3d_random(int64_t *dims, int64_t *k, int64_t *s, int64_t *d, int64_t *p,
			  int *ceil)
{
	dims[0] = 1 + rnd() % 2;
	dims[1] = 1 + rnd() % 6;
	for (int a = 0; a < 3; a++) {
		dims[2 + a] = 1 + rnd() % (a == 0 ? 6 : a == 1 ? 12 : rnd() % 3 ? 14 : 80);
		k[a] = 1 + rnd() % 3;
		s[a] = 1 + rnd() % 3;
		d[a] = rnd() % 4 ? 1 : 2;
		p[a] = rnd() % (uint32_t)k[a];
		p[a + 3] = rnd() % (uint32_t)k[a];
		if (dims[2 + a] + p[a] + p[a + 3] < (k[a] - 1) * d[a] + 1)
			dims[2 + a] = (k[a] - 1) * d[a] + 1;
	}
	*ceil = rnd() % 3 == 0;
}

/* 3-D int8 max pools (the planes of every depth slice, a plane of the minimum in the depth
 * padding) on every level, 1 and 2 threads, byte for byte. */
static void test_maxpool3d(void **state)
{
	(void)state;
	eml_isa levels[EML_ISA_COUNT];
	uint32_t nl = fast_levels(levels);
	if (nl == 0)
		skip();
	char what[200];
	for (int i = 0; i < 120; i++) {
		uint32_t t = i % 2 ? U8 : I8;
		int64_t dims[5], k[3], s[3], d[3], p[6];
		int ceil;
		pool3d_random(dims, k, s, d, p, &ceil);
		kcase c;
		kc_init(&c, EML_OP_MaxPool);
		kc_in(&c, t, 5, dims, 0);
		kc_ints(&c, "kernel_shape", 3, k);
		kc_ints(&c, "strides", 3, s);
		kc_ints(&c, "dilations", 3, d);
		kc_ints(&c, "pads", 6, p);
		if (ceil)
			kc_int(&c, "ceil_mode", 1);
		snprintf(what, sizeof(what),
			 "MaxPool3d %s n%lld c%lld %lldx%lldx%lld k%lldx%lldx%lld s%lldx%lldx%lld "
			 "d%lldx%lldx%lld p%lld,%lld,%lld,%lld,%lld,%lld ceil %d",
			 t == U8 ? "u8" : "i8", (long long)dims[0], (long long)dims[1],
			 (long long)dims[2], (long long)dims[3], (long long)dims[4], (long long)k[0],
			 (long long)k[1], (long long)k[2], (long long)s[0], (long long)s[1],
			 (long long)s[2], (long long)d[0], (long long)d[1], (long long)d[2],
			 (long long)p[0], (long long)p[1], (long long)p[2], (long long)p[3],
			 (long long)p[4], (long long)p[5], ceil);
		for (uint32_t l = 0; l < nl; l++)
			kc_check(&c, levels[l], 1 + (i % 2), what);
		kc_free(&c);
	}
}

static void test_maxpool(void **state)
{
	(void)state;
	eml_isa levels[EML_ISA_COUNT];
	uint32_t nl = fast_levels(levels);
	if (nl == 0)
		skip();
	char what[160];
	for (int i = 0; i < 120; i++) {
		uint32_t t = i % 2 ? U8 : I8;
		int two_d = i % 3 != 0, big = i % 20 == 0;
		int64_t n = 1 + rnd() % 2, ch = 1 + rnd() % (big ? 40 : 6);
		int64_t h = two_d ? 1 + rnd() % (big ? 120 : 17) : 1;
		int64_t w = 1 + rnd() % (big ? 120 : 40);
		int64_t k[2] = { two_d ? 1 + rnd() % 5 : 1, 1 + rnd() % 5 };
		int64_t s[2] = { 1 + rnd() % 3, 1 + rnd() % 3 };
		int64_t d[2] = { rnd() % 4 ? 1 : 2, rnd() % 4 ? 1 : 2 }, p[4];
		for (int a = 0; a < 2; a++) {
			if (!two_d && a == 0)
				k[0] = s[0] = d[0] = 1;
			p[a] = rnd() % (uint32_t)k[a];
			p[a + 2] = rnd() % (uint32_t)k[a];
		}
		if (h + p[0] + p[2] < (k[0] - 1) * d[0] + 1)
			h = (k[0] - 1) * d[0] + 1;
		if (w + p[1] + p[3] < (k[1] - 1) * d[1] + 1)
			w = (k[1] - 1) * d[1] + 1;
		kcase c;
		kc_init(&c, EML_OP_MaxPool);
		if (two_d) {
			kc_in(&c, t, 4, (int64_t[]){ n, ch, h, w }, 0);
			kc_ints(&c, "kernel_shape", 2, k);
			kc_ints(&c, "strides", 2, s);
			kc_ints(&c, "dilations", 2, d);
			kc_ints(&c, "pads", 4, p);
		} else {
			kc_in(&c, t, 3, (int64_t[]){ n, ch, w }, 0);
			kc_ints(&c, "kernel_shape", 1, &k[1]);
			kc_ints(&c, "strides", 1, &s[1]);
			kc_ints(&c, "dilations", 1, &d[1]);
			kc_ints(&c, "pads", 2, (int64_t[]){ p[1], p[3] });
		}
		if (rnd() % 3 == 0)
			kc_int(&c, "ceil_mode", 1);
		snprintf(what, sizeof(what),
			 "MaxPool %s n%lld c%lld %lldx%lld k%lldx%lld s%lldx%lld",
			 t == U8 ? "u8" : "i8", (long long)n, (long long)ch, (long long)h,
			 (long long)w, (long long)k[0], (long long)k[1], (long long)s[0],
			 (long long)s[1]);
		for (uint32_t l = 0; l < nl; l++)
			kc_check(&c, levels[l], 1 + (i % 2), what);
		kc_free(&c);
	}
}

/* Random QLinearAveragePool (1-D and 2-D, count_include_pad either way, ceil_mode, strides,
 * pads) and QLinearGlobalAveragePool, both 8-bit types in and out. */
static void test_qavgpool(void **state)
{
	(void)state;
	eml_isa levels[EML_ISA_COUNT];
	uint32_t nl = fast_levels(levels);
	if (nl == 0)
		skip();
	char what[160];
	for (int i = 0; i < 100; i++) {
		uint32_t xt = rnd() % 2 ? U8 : I8, yt = rnd() % 2 ? U8 : I8;
		int global = i % 4 == 0, two_d = i % 3 != 0;
		int64_t n = 1 + rnd() % 2, ch = 1 + rnd() % 9;
		int64_t h = two_d ? 1 + rnd() % 30 : 1, w = 1 + rnd() % 40;
		int64_t k[2] = { two_d ? 1 + rnd() % 5 : 1, 1 + rnd() % 6 };
		int64_t s[2] = { two_d ? 1 + rnd() % 3 : 1, 1 + rnd() % 3 }, p[4];
		for (int a = 0; a < 2; a++) {
			p[a] = rnd() % (uint32_t)k[a];
			p[a + 2] = rnd() % (uint32_t)k[a];
		}
		if (!two_d)
			p[0] = p[2] = 0;
		if (h + p[0] + p[2] < k[0])
			h = k[0];
		if (w + p[1] + p[3] < k[1])
			w = k[1];
		if (!global && i % 5 == 1) {
			/* one window over exactly the whole input (DS-CNN's final pool) */
			k[0] = h;
			k[1] = w;
			p[0] = p[1] = p[2] = p[3] = 0;
		}
		kcase c;
		kc_init(&c, global ? EML_OP_QLinearGlobalAveragePool : EML_OP_QLinearAveragePool);
		if (two_d)
			kc_in(&c, xt, 4, (int64_t[]){ n, ch, h, w }, 0);
		else
			kc_in(&c, xt, 3, (int64_t[]){ n, ch, w }, 0);
		kc_scalar(&c, F32, 0.02 + (rnd() % 100) / 1000.0);
		kc_scalar(&c, xt, rnd_zp(xt));
		kc_scalar(&c, F32, rnd() % 4 ? 0.02 + (rnd() % 100) / 2000.0 : 0.001);
		kc_scalar(&c, yt, rnd_zp(yt));
		if (!global) {
			uint32_t d = two_d ? 2 : 1;
			kc_ints(&c, "kernel_shape", d, two_d ? k : &k[1]);
			kc_ints(&c, "strides", d, two_d ? s : &s[1]);
			kc_ints(&c, "pads", 2 * d, two_d ? p : (int64_t[]){ p[1], p[3] });
			if (rnd() % 2)
				kc_int(&c, "count_include_pad", 1);
			if (rnd() % 3 == 0)
				kc_int(&c, "ceil_mode", 1);
		}
		snprintf(what, sizeof(what),
			 "%s x%s y%s n%lld c%lld %lldx%lld k%lldx%lld s%lldx%lld", global ? "QLinearGlobalAveragePool" : "QLinearAveragePool",
			 xt == U8 ? "u8" : "i8", yt == U8 ? "u8" : "i8", (long long)n,
			 (long long)ch,
			 (long long)h, (long long)w, (long long)k[0], (long long)k[1],
			 (long long)s[0], (long long)s[1]);
		for (uint32_t l = 0; l < nl; l++)
			kc_check(&c, levels[l], 1 + (i % 2), what);
		kc_free(&c);
	}
}

/* Random DequantizeLinear of int8/uint8 with per-tensor parameters, scales of every size (the
 * levels' qs8-vdequantize kernels against the reference). */
static void test_dequantize(void **state)
{
	(void)state;
	eml_isa levels[EML_ISA_COUNT];
	uint32_t nl = fast_levels(levels);
	if (nl == 0)
		skip();
	char what[120];
	for (int i = 0; i < 40; i++) {
		uint32_t xt = rnd() % 2 ? U8 : I8;
		/* lengths below and around the vector widths first */
		int64_t n = i < 10 ? 1 + 3 * (int64_t)i : 1 + (int64_t)(rnd() % 40000);
		double scale = i % 5 == 0 ? 3.7e-9 :
			       i % 5 == 1 ? 1234.5 :
					    0.001 + rnd() % 1000 / 997.0;
		kcase c;
		kc_init(&c, EML_OP_DequantizeLinear);
		kc_in(&c, xt, 1, (int64_t[]){ n }, 0);
		kc_scalar(&c, F32, scale);
		kc_scalar(&c, xt, rnd_zp(xt));
		snprintf(what, sizeof(what), "DequantizeLinear x%s n%lld scale %g",
			 xt == U8 ? "u8" : "i8", (long long)n, scale);
		for (uint32_t l = 0; l < nl; l++)
			kc_check(&c, levels[l], 1 + (i % 2), what);
		kc_free(&c);
	}
}

/* Adds a STRING attribute. */
static void kc_string(kcase *c, const char *name, const char *v)
{
	c->attrs[c->node.n_attrs++] = (eml_attr){ .name = name, .type = EML_ATTR_STRING,
						  .count = (uint32_t)strlen(v), .s = v };
}

/* Random nearest Resize (float32, int8, uint8; 1-D and 2-D; scales or sizes) under every
 * coordinate transformation and nearest mode. */
static void test_resize(void **state)
{
	(void)state;
	static const char *const coords[] = { "half_pixel", "pytorch_half_pixel",
					      "align_corners", "asymmetric",
					      "tf_half_pixel_for_nn" };
	static const char *const modes[] = { "round_prefer_floor", "round_prefer_ceil", "floor",
					     "ceil" };
	static const double scales[] = { 2.0, 0.5, 1.5, 3.0, 0.75, 1.0, 2.6 };
	eml_isa levels[EML_ISA_COUNT];
	uint32_t nl = fast_levels(levels);
	if (nl == 0)
		skip();
	char what[200];
	for (int i = 0; i < 60; i++) {
		uint32_t xt = i % 3 == 0 ? F32 : i % 3 == 1 ? U8 : I8;
		uint32_t rank = rnd() % 2 ? 4 : 3;
		/* N, C, then the resized axes (at least 2 long: no scale here empties them) */
		int64_t dims[4] = { 1 + rnd() % 2, 1 + rnd() % 5, 2 + rnd() % 13, 2 + rnd() % 17 };
		const char *coord = coords[rnd() % 5], *mode = modes[rnd() % 4];
		int by_sizes = rnd() % 3 == 0;
		kcase c;
		kc_init(&c, EML_OP_Resize);
		kc_in(&c, xt, rank, dims, 0);
		kc_absent(&c);
		double sh = scales[rnd() % 7], sw = scales[rnd() % 7];
		if (by_sizes) {
			kc_absent(&c);
			int64_t *sz = kc_in(&c, EDGEML_DTYPE_INT64, 1, (int64_t[]){ rank }, 1);
			for (uint32_t a = 0; a < rank; a++)
				sz[a] = a < 2 ? dims[a] : 1 + rnd() % 30;
		} else {
			float *sc = kc_in(&c, F32, 1, (int64_t[]){ rank }, 1);
			for (uint32_t a = 0; a < rank; a++)
				sc[a] = a < 2 ? 1.0f : (float)(a == 3 ? sw : sh);
		}
		kc_string(&c, "coordinate_transformation_mode", coord);
		kc_string(&c, "nearest_mode", mode);
		snprintf(what, sizeof(what), "Resize %s rank %u %lldx%lld %s %s %s",
			 xt == F32 ? "f32" : xt == U8 ? "u8" : "i8", rank, (long long)dims[2],
			 (long long)dims[3], by_sizes ? "sizes" : "scales", coord, mode);
		for (uint32_t l = 0; l < nl; l++)
			kc_check(&c, levels[l], 1 + (i % 2), what);
		kc_free(&c);
	}
}

/* Two ops prepared for one node (two sessions of a model) share one packing of its weights,
 * which outlives the first op and goes with the last; both still match the reference. */
static void test_shared_weights(void **state)
{
	(void)state;
	eml_isa levels[EML_ISA_COUNT];
	uint32_t nl = fast_levels(levels);
	if (nl == 0)
		skip();
	char what[200];
	kcase c;
	conv_case(&c, 3, 0, what, sizeof(what));
	assert_int_equal(eml_op_infer(&c.node, c.inp, &c.out), EDGEML_OK);
	const eml_tensor *outp[1] = { &c.out };
	void *out_data[1] = { NULL };
	eml_kernel_ctx ctx = { &c.node, c.inp, outp, c.in_data, out_data };
	size_t before = eml_fast_gemm_cached();
	eml_fast_op *a = NULL, *b = NULL;
	assert_int_equal(eml_fast_prepare(&ctx, levels[0], 1, &a), EDGEML_OK);
	assert_non_null(a);
	size_t groups = eml_fast_gemm_cached() - before;
	assert_true(groups >= 2); /* one packing per group */
	assert_int_equal(eml_fast_prepare(&ctx, levels[0], 2, &b), EDGEML_OK);
	assert_non_null(b);
	assert_int_equal(eml_fast_gemm_cached(), before + groups);
	eml_fast_destroy(a);
	assert_int_equal(eml_fast_gemm_cached(), before + groups);
	kc_check(&c, levels[0], 2, what); /* a third user while b holds the packing */
	eml_fast_destroy(b);
	assert_int_equal(eml_fast_gemm_cached(), before);
	kc_free(&c);
}

/* A node whose parameters are graph inputs keeps its reference kernel. */
static void test_fallback(void **state)
{
	(void)state;
	eml_isa levels[EML_ISA_COUNT];
	uint32_t nl = fast_levels(levels);
	if (nl == 0)
		skip();
	char what[200];
	kcase c;
	conv_case(&c, 0, 0, what, sizeof(what));
	c.in[1].flags = EML_TF_INPUT; /* x_scale supplied at run time */
	const eml_tensor *outp[1] = { &c.out };
	void *out_data[1] = { NULL };
	eml_kernel_ctx ctx = { &c.node, c.inp, outp, c.in_data, out_data };
	assert_int_equal(eml_op_infer(&c.node, c.inp, &c.out), EDGEML_OK);
	eml_fast_op *op = (eml_fast_op *)&c;
	assert_int_equal(eml_fast_prepare(&ctx, levels[0], 1, &op), EDGEML_OK);
	assert_null(op);
	assert_int_equal(eml_fast_prepare(&ctx, EML_ISA_SCALAR, 1, &op), EDGEML_OK);
	assert_null(op);
	kc_free(&c);
}

#if defined(__x86_64__)
#include "cpu/x86/ukernels.h"

/* Runs the GEMM of d on uk into y (m rows of nr bytes), one tile of nr columns of x (k rows
 * of nr bytes). */
static void gemm_once(const eml_qgemm_ukernel *uk, const eml_fast_gemm_desc *d,
		      const uint8_t *x, uint32_t nr, uint8_t *y)
{
	eml_fast_gemm g;
	assert_int_equal(eml_fast_gemm_init(&g, uk, d), EDGEML_OK);
	uint8_t *tile = test_malloc(eml_fast_gemm_tile_bytes(&g));
	int32_t xsum[32];
	/* a dirty buffer: the padding of a last run of k groups meets zero weights either way */
	memset(tile, 0xa5, eml_fast_gemm_tile_bytes(&g));
	eml_fast_gemm_tile(&g, x, nr, nr, 0, d->m, tile, xsum, y, nr);
	test_free(tile);
	eml_fast_gemm_free(&g);
}

/* The AMX GEMM gives the VNNI kernel's bytes (which the qconv tests hold to the reference)
 * for every row count, column count and k around its 32 x 32 blocks and runs of 64 k, with
 * and without weight zero points, narrow and wide multipliers, both output types, and sums
 * that wrap past int32 (k 70,000 at the extremes). */
static void test_qgemm_amx(void **state)
{
	(void)state;
	if (!eml_isa_supported(EML_ISA_AVX512AMX))
		skip();
	static const size_t ms[] = { 1, 5, 16, 17, 31, 32, 33, 70 };
	static const size_t ks[] = { 1, 3, 4, 60, 64, 65, 129, 256, 300, 70000 };
	static const uint32_t nrs[] = { 1, 7, 16, 17, 31, 32 };
	int cases = 0;
	for (size_t mi = 0; mi < sizeof(ms) / sizeof(ms[0]); mi++)
		for (size_t ki = 0; ki < sizeof(ks) / sizeof(ks[0]); ki++) {
			size_t m = ms[mi], k = ks[ki];
			int wrap = k == 70000;
			uint32_t nr = nrs[(mi + ki) % (sizeof(nrs) / sizeof(nrs[0]))];
			if (wrap && m > 33)
				continue;
			uint8_t *w = test_malloc(m * k), *x = test_malloc(k * nr);
			uint8_t *want = test_malloc(m * nr), *got = test_malloc(m * nr);
			int32_t *wzp = test_calloc(m, sizeof(int32_t)), *bias = test_malloc(m * 4);
			float *mult = test_malloc(m * sizeof(float));
			int variant = (int)((mi * 7 + ki) % 4);
			int w_signed = variant & 1, x_signed = (variant >> 1) & 1;
			for (size_t i = 0; i < m * k; i++)
				w[i] = wrap ? (w_signed ? 0x80 : 0) : (uint8_t)rnd();
			for (size_t i = 0; i < k * nr; i++)
				x[i] = wrap ? (x_signed ? 0x7f : 0xff) : (uint8_t)rnd();
			for (size_t i = 0; i < m; i++) {
				/* rows with zero points away from the domain's 0 in every other case */
				int32_t zero = w_signed ? 0 : 128;
				wzp[i] = variant % 3 == 0 && !wrap ? rnd_in(zero - 20, zero + 20) : zero;
				bias[i] = rnd_in(-30000, 30000);
				/* narrow (all in [0, 0.5]) or not: the epilogue's two forms */
				mult[i] = (float)((rnd() % 1000) / 1000.0 *
						  (variant == 2 ? 2.0 : 0.5) / (double)k * 40);
			}
			eml_fast_gemm_desc d = {
				.w = w, .w_signed = w_signed, .m = m, .k = k, .row_stride = k,
				.k_stride = 1, .wzp = wzp, .bias = bias, .mult = mult,
				.x_signed = x_signed, .x_zp = rnd_zp(x_signed ? I8 : U8),
				.y_zp = variant == 1 ? -3 : 7,
				.lo = variant == 1 ? -128 : 0, .hi = variant == 1 ? 127 : 255,
			};
			if (wrap)
				for (size_t i = 0; i < m; i++)
					mult[i] = 1e-7f;
			gemm_once(&eml_qs8_gemm_8x32c4_avx512vnni, &d, x, nr, want);
			gemm_once(&eml_qs8_gemm_32x32c4_amx, &d, x, nr, got);
			for (size_t i = 0; i < m * nr; i++)
				if (got[i] != want[i])
					fail_msg("AMX GEMM m %zu k %zu nr %u variant %d: byte %zu "
						 "(row %zu) %u, VNNI %u",
						 m, k, nr, variant, i, i / nr, got[i], want[i]);
			cases++;
			test_free(w);
			test_free(x);
			test_free(want);
			test_free(got);
			test_free(wzp);
			test_free(bias);
			test_free(mult);
		}
	assert_true(cases > 60);
}

/* At the AMX level a convolution of k at most qgemm_alt_k runs on the VNNI kernel, a larger
 * one on tiles; both byte for byte against the reference. */
static void test_qconv_amx_small_k(void **state)
{
	(void)state;
	if (!eml_isa_supported(EML_ISA_AVX512AMX))
		skip();
	const eml_cpu_kernels *kt = eml_cpu_kernels_for(EML_ISA_AVX512AMX);
	static const int64_t cins[] = { 3, 16, 32, 33, 64 };
	for (size_t i = 0; i < sizeof(cins) / sizeof(cins[0]); i++) {
		kcase c;
		uint32_t xt = i % 2 ? U8 : I8;
		pw_chain_case(&c, xt, (int64_t[]){ 1, cins[i], 9, 11 }, I8, 0, U8, 40);
		kc_check(&c, EML_ISA_AVX512AMX, 1, "pointwise at the AMX level");
		assert_string_equal(last_kernel, (size_t)cins[i] <= kt->qgemm_alt_k ?
							 kt->qgemm_alt->name :
							 "qs8-gemm-32x32c4-amx");
		kc_free(&c);
	}
}

/* Small planes built and scattered by the AVX-512 VBMI byte gathers match the row-by-row
 * code byte for byte, over random geometries (strides, dilations, padding, overhang). */
static void test_plane_perm(void **state)
{
	(void)state;
	if (!__builtin_cpu_supports("avx512vbmi") || !eml_isa_supported(EML_ISA_AVX512VNNI))
		skip();
	static uint8_t x[256], want[EML_PERM_CHUNKS * 64 + 64], got[EML_PERM_CHUNKS * 64 + 64];
	int planned = 0;
	for (int i = 0; i < 2000; i++) {
		eml_window3 w = { .in = { 1, 1 + rnd() % 16, 1 + rnd() % 16 }, .k = { 1, 1, 1 },
				  .stride = { 1, 1, 1 }, .dil = { 1, 1, 1 }, .out = { 1, 1, 1 } };
		for (int d = 1; d < 3; d++) {
			w.k[d] = 1 + rnd() % 5;
			w.stride[d] = 1 + rnd() % 2;
			w.dil[d] = 1 + (rnd() % 4 == 0);
			w.pad_begin[d] = rnd() % 3;
			w.pad_end[d] = rnd() % 3;
			int64_t span = (w.k[d] - 1) * w.dil[d] + 1;
			int64_t ext = w.in[d] + w.pad_begin[d] + w.pad_end[d];
			if (ext < span)
				w.in[d] += span - ext, ext = span;
			/* sometimes one more (ceil_mode) output overhanging the padding */
			w.out[d] = (ext - span) / w.stride[d] + 1 + (rnd() % 4 == 0);
		}
		eml_plane p;
		eml_plane_perm build, scatter;
		if (eml_plane_init(&p, &w, EML_PERM_CHUNKS * 64) != EDGEML_OK ||
		    !eml_plane_perm_build_init(&build, &p))
			continue;
		planned++;
		uint8_t flip = rnd() % 2 ? 0x80 : 0, fill = (uint8_t)rnd();
		for (size_t j = 0; j < sizeof(x); j++)
			x[j] = (uint8_t)rnd();
		memset(want, 0x5a, sizeof(want));
		memset(got, 0x5a, sizeof(got));
		eml_plane_build(&p, x, flip, fill, want);
		eml_u8_perm_64x_avx512vbmi(&build, x, flip, fill, got);
		assert_memory_equal(want, got, p.bytes);
		assert_int_equal(got[p.bytes], 0x5a);
		if (!eml_plane_perm_scatter_init(&scatter, &p) || p.grid > sizeof(x))
			continue;
		memset(want, 0x5a, sizeof(want));
		memset(got, 0x5a, sizeof(got));
		eml_plane_scatter(&p, 0, p.grid, x, want);
		eml_u8_perm_64x_avx512vbmi(&scatter, x, 0, 0, got);
		assert_memory_equal(want, got, p.oh * p.ow + 1);
	}
	assert_true(planned > 500);
}
#endif

/* Random QLinearSoftmax: ranks 1 to 4, any axis, both 8-bit types, inputs over the whole
 * range or a narrow one (rows longer than their distances take the per-row table), rows of
 * one, x scales whose exponentials underflow, and one layer large enough for the pool. */
static void test_qsoftmax(void **state)
{
	(void)state;
	eml_isa levels[EML_ISA_COUNT];
	uint32_t nl = fast_levels(levels);
	if (nl == 0)
		skip();
	static const double xs[] = { 0.0007, 0.02, 0.1, 0.37, 1.5 };
	char what[160];
	for (int i = 0; i < 60; i++) {
		uint32_t xt = rnd() % 2 ? U8 : I8;
		uint32_t rank = 1 + rnd() % 4;
		int64_t dims[4];
		for (uint32_t a = 0; a < rank; a++)
			dims[a] = 1 + rnd() % (rank == 1 ? 700 : rank == 2 ? 300 : 12);
		if (i == 0) {
			rank = 2;
			dims[0] = 1100;
			dims[1] = 1000;
		}
		int64_t axis = (int64_t)(rnd() % rank);
		if (i % 7 == 3)
			dims[axis] = 1;
		kcase c;
		kc_init(&c, EML_OP_QLinearSoftmax);
		uint8_t *x = kc_in(&c, xt, rank, dims, 0);
		uint32_t spread = i % 3 == 0 ? 1 + rnd() % 40 : 256;
		for (size_t k = 0; k < (size_t)eml_tensor_bytes(c.inp[0]); k++)
			x[k] = (uint8_t)(x[k] % spread + (i % 2 ? 200 : 0));
		double x_scale = xs[rnd() % 5] * (1.0 + (rnd() % 100) / 1000.0);
		double y_scale = i % 4 == 0 ? 1.0 / 255.0 : i % 4 == 1 ? 1.0 / 256.0 :
				 0.002 + (rnd() % 100) / 5000.0;
		if (i % 10 == 9) /* 1 / Y_scale past the inline rounding's 2^21 bound, or near it */
			y_scale = i % 20 == 9 ? 1e-7 : 1.0 / 2097152.0;
		kc_scalar(&c, F32, x_scale);
		kc_scalar(&c, xt, rnd_zp(xt));
		kc_scalar(&c, F32, y_scale);
		kc_scalar(&c, xt, rnd_zp(xt));
		kc_int(&c, "axis", rnd() % 2 ? axis : axis - (int64_t)rank);
		snprintf(what, sizeof(what), "QLinearSoftmax x%s rank %u axis %lld len %lld "
			 "spread %u xs %g ys %g", xt == U8 ? "u8" : "i8", rank, (long long)axis,
			 (long long)dims[axis], spread, x_scale, y_scale);
		for (uint32_t l = 0; l < nl; l++)
			kc_check(&c, levels[l], 1 + 2 * (i % 2), what);
		kc_free(&c);
	}
	/* Ties: rows of equal values, whose quotients y_mult / len are exact halves for these
	 * lengths (0.5, 42.5, 8.5, ...), so that a rounding other than half to even shows. */
	static const double tie_ys[] = { 1.0, 0.5, 1.0 / 128.0, 1.0 / 255.0, 1.0 / 3.0 };
	static const int64_t tie_len[] = { 2, 4, 6, 10, 30, 102, 170, 256 };
	for (size_t s = 0; s < sizeof(tie_ys) / sizeof(tie_ys[0]); s++)
		for (size_t j = 0; j < sizeof(tie_len) / sizeof(tie_len[0]); j++) {
			uint32_t xt = (s + j) % 2 ? U8 : I8;
			kcase c;
			kc_init(&c, EML_OP_QLinearSoftmax);
			uint8_t *x = kc_in(&c, xt, 2, (int64_t[]){ 3, tie_len[j] }, 0);
			for (int64_t k = 0; k < 3 * tie_len[j]; k++)
				x[k] = (uint8_t)(17 * (k / tie_len[j]));
			kc_scalar(&c, F32, 0.1);
			kc_scalar(&c, xt, rnd_zp(xt));
			kc_scalar(&c, F32, tie_ys[s]);
			kc_scalar(&c, xt, xt == U8 ? 0 : -128);
			kc_int(&c, "axis", 1);
			snprintf(what, sizeof(what), "QLinearSoftmax ties len %lld ys %g",
				 (long long)tie_len[j], tie_ys[s]);
			for (uint32_t l = 0; l < nl; l++)
				kc_check(&c, levels[l], 1, what);
			kc_free(&c);
		}
}

/* QLinearSoftmax over the last axis of [rows, len] with rows enough for the levels' rows
 * kernels (16 rows at a time with AVX-512, 8 with AVX2, each lane summing one row in order)
 * and a remainder of single rows: lengths around the vector widths and up to the kernels'
 * 256, random and tied rows, both 8-bit types, output scales with ties (y_mult / len exact
 * halves) and ordinary ones. */
static void test_qsoftmax_rows(void **state)
{
	(void)state;
	eml_isa levels[EML_ISA_COUNT];
	uint32_t nl = fast_levels(levels);
	if (nl == 0)
		skip();
	static const int64_t lens[] = { 1, 2, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100,
					170, 255, 256 };
	static const double ys[] = { 1.0 / 255.0, 1.0 / 256.0, 0.5, 0.0123 };
	char what[160];
	for (size_t j = 0; j < sizeof(lens) / sizeof(lens[0]); j++)
		for (int v = 0; v < 8; v++) {
			uint32_t xt = v % 2 ? I8 : U8;
			int64_t rows = v < 4 ? 16 * (1 + rnd() % 4) + rnd() % 16 : 8 + rnd() % 8;
			kcase c;
			kc_init(&c, EML_OP_QLinearSoftmax);
			uint8_t *x = kc_in(&c, xt, 2, (int64_t[]){ rows, lens[j] }, 0);
			uint32_t spread = v / 2 % 2 ? 256 : 1 + rnd() % 30;
			for (int64_t k = 0; k < rows * lens[j]; k++)
				x[k] = v == 6 ? (uint8_t)(17 * (k / lens[j])) : /* tied rows */
					       (uint8_t)(x[k] % spread + (v % 3) * 60);
			double x_scale = 0.01 + (rnd() % 1000) / 2000.0;
			double y_scale = ys[rnd() % 4];
			kc_scalar(&c, F32, x_scale);
			kc_scalar(&c, xt, rnd_zp(xt));
			kc_scalar(&c, F32, y_scale);
			kc_scalar(&c, xt, rnd() % 2 ? rnd_zp(xt) : xt == U8 ? 0 : -128);
			kc_int(&c, "axis", rnd() % 2 ? 1 : -1);
			snprintf(what, sizeof(what),
				 "QLinearSoftmax rows x%s %lld x %lld spread %u xs %g ys %g",
				 xt == U8 ? "u8" : "i8", (long long)rows, (long long)lens[j], spread,
				 x_scale, y_scale);
			for (uint32_t l = 0; l < nl; l++)
				kc_check(&c, levels[l], 1 + (v % 3 == 2), what);
			kc_free(&c);
		}
}

/* The active level is one the CPU supports and has a name. */
static void test_isa_choice(void **state)
{
	(void)state;
	eml_isa isa = eml_isa_active();
	assert_true(eml_isa_supported(isa));
	assert_non_null(eml_isa_name(isa));
	assert_true(eml_isa_supported(EML_ISA_SCALAR));
	assert_null(eml_isa_name(EML_ISA_COUNT));
}

/* Random QLinearMul of both types: one shape, and one operand broadcast (size-1 dims, lower
 * rank) as squeeze-excite and spatial gates do, on either side; large cases on the pool. */
static void test_qmul(void **state)
{
	(void)state;
	eml_isa levels[EML_ISA_COUNT];
	uint32_t nl = fast_levels(levels);
	if (nl == 0)
		skip();
	for (int i = 0; i < 300; i++) {
		uint32_t t = i % 2 ? U8 : I8;
		uint32_t rank = 1 + rnd() % 4;
		int64_t dc[4], da[4], db[4];
		int big = i >= 290;
		for (uint32_t d = 0; d < rank; d++)
			dc[d] = big ? (d == 0 ? 1 : 8 + rnd() % 60) : 1 + rnd() % 9;
		dc[rank - 1] = big ? 300 + rnd() % 400 : 2 + rnd() % (i % 3 ? 20 : 70);
		/* which operand runs full along the last dim; the other is full or broadcast */
		int full_a = rnd() % 2;
		for (uint32_t d = 0; d < rank; d++) {
			int kind = rnd() % 3; /* 0 both full, 1 a broadcast, 2 b broadcast */
			if (d == rank - 1 && kind != 0)
				kind = full_a ? 2 : 1;
			da[d] = kind == 1 ? 1 : dc[d];
			db[d] = kind == 2 ? 1 : dc[d];
		}
		/* sometimes B has a lower rank (leading dims dropped: they were 1 or broadcast) */
		uint32_t rb = rank;
		while (rb > 1 && db[rank - rb] == 1 && rnd() % 2)
			rb--;
		kcase c;
		kc_init(&c, EML_OP_QLinearMul);
		kc_in(&c, t, rank, da, 0);
		kc_scalar(&c, F32, 0.01 + (rnd() % 100) / 1000.0);
		kc_scalar(&c, t, rnd_zp(t));
		kc_in(&c, t, rb, db + (rank - rb), rnd() % 3 == 0);
		kc_scalar(&c, F32, 0.01 + (rnd() % 100) / 1000.0);
		kc_scalar(&c, t, rnd_zp(t));
		/* an output scale that saturates many products, or keeps most in range */
		kc_scalar(&c, F32, rnd() % 4 ? 0.5 + (rnd() % 100) / 50.0 : 0.002);
		if (rnd() % 5)
			kc_scalar(&c, t, rnd_zp(t));
		if (rnd() % 3 == 0)
			kc_float(&c, "activation_min", 0.0f);
		char what[160];
		snprintf(what, sizeof(what), "QLinearMul %s rank %u a %lldx%lldx%lldx%lld b rank %u",
			 t == U8 ? "u8" : "i8", rank, (long long)da[0],
			 (long long)(rank > 1 ? da[1] : 0), (long long)(rank > 2 ? da[2] : 0),
			 (long long)(rank > 3 ? da[3] : 0), rb);
		for (uint32_t l = 0; l < nl; l++)
			kc_check(&c, levels[l], 1 + 2 * (i % 2), what);
		kc_free(&c);
	}
}

/* Random QLinearConcat: 1-4 inputs along any axis (negative too), each with Y's parameters
 * (a copy) or other ones (a table); large cases on the pool. */
static void test_qconcat(void **state)
{
	(void)state;
	eml_isa levels[EML_ISA_COUNT];
	uint32_t nl = fast_levels(levels);
	if (nl == 0)
		skip();
	for (int i = 0; i < 200; i++) {
		uint32_t ty = i % 2 ? U8 : I8, rank = 1 + rnd() % 4, n_in = 1 + rnd() % 4;
		int big = i >= 194;
		int64_t dims[4];
		for (uint32_t d = 0; d < rank; d++)
			dims[d] = big ? 4 + rnd() % 60 : 1 + rnd() % 7;
		if (big)
			dims[rank - 1] = 400 + rnd() % 300;
		int64_t axis = rnd() % rank;
		double ys = 0.01 + (rnd() % 100) / 1000.0;
		int32_t yz = rnd_zp(ty);
		kcase c;
		kc_init(&c, EML_OP_QLinearConcat);
		kc_scalar(&c, F32, ys);
		kc_scalar(&c, ty, yz);
		for (uint32_t j = 0; j < n_in; j++) {
			int64_t dx[4];
			memcpy(dx, dims, sizeof(dx));
			dx[axis] = 1 + rnd() % (big ? 40 : 6);
			int same = rnd() % 2;
			kc_in(&c, ty, rank, dx, rnd() % 5 == 0);
			kc_scalar(&c, F32, same ? ys : 0.005 + (rnd() % 100) / 500.0);
			kc_scalar(&c, ty, same ? yz : rnd_zp(ty));
		}
		kc_int(&c, "axis", rnd() % 2 ? axis : axis - (int64_t)rank);
		char what[96];
		snprintf(what, sizeof(what), "QLinearConcat %s rank %u axis %lld, %u inputs",
			 ty == U8 ? "u8" : "i8", rank, (long long)axis, n_in);
		for (uint32_t l = 0; l < nl; l++)
			kc_check(&c, levels[l], 1 + 2 * (i % 2), what);
		kc_free(&c);
	}
}

/* Random QLinearLookup: both index types, random tables, lengths off the vector width;
 * large cases on the pool. */
static void test_qlookup(void **state)
{
	(void)state;
	eml_isa levels[EML_ISA_COUNT];
	uint32_t nl = fast_levels(levels);
	if (nl == 0)
		skip();
	for (int i = 0; i < 60; i++) {
		uint32_t tx = i % 2 ? U8 : I8, ty = rnd() % 2 ? U8 : I8;
		int64_t len = 1 + rnd() % (i < 40 ? 100 : 50000) + (i >= 56 ? 1100000 : 0);
		kcase c;
		kc_init(&c, EML_OP_QLinearLookup);
		kc_in(&c, tx, 3, (int64_t[]){ 1, 1 + rnd() % 3, len }, 0);
		kc_in(&c, ty, 1, (int64_t[]){ 256 }, 1);
		for (uint32_t l = 0; l < nl; l++)
			if (eml_cpu_kernels_for(levels[l])->u8_lut) /* else the reference runs */
				kc_check(&c, levels[l], 1 + 2 * (i % 2), "QLinearLookup");
		kc_free(&c);
	}
}

/* A matmul operand's scale and zero point: scalars, or (per) vectors of count values around
 * scale. */
static void per_vector(kcase *c, int per, int64_t count, double scale, uint32_t t)
{
	if (!per) {
		kc_scalar(c, F32, scale);
		kc_scalar(c, t, rnd_zp(t));
		return;
	}
	float *sc = kc_in(c, F32, 1, (int64_t[]){ count }, 1);
	uint8_t *zp = kc_in(c, t, 1, (int64_t[]){ count }, 1);
	for (int64_t i = 0; i < count; i++) {
		sc[i] = (float)(scale * (0.5 + (rnd() % 100) / 100.0));
		zp[i] = (uint8_t)rnd_zp(t);
	}
}

/* Random QLinearMatMul with a run-time B (attention's Q K^T, P V): ranks 2-4 with broadcast
 * batch dims, each operand uint8 or int8, per-tensor parameters; 1 and 3 threads. */
static void test_qmatmul_runtime_b(void **state)
{
	(void)state;
	eml_isa levels[EML_ISA_COUNT];
	uint32_t nl = fast_levels(levels);
	if (nl == 0)
		skip();
	for (int i = 0; i < 240; i++) {
		uint32_t ta = rnd() % 2 ? U8 : I8, tb = rnd() % 2 ? U8 : I8, ty = rnd() % 2 ? U8 : I8;
		uint32_t rank = 2 + rnd() % 3;
		int64_t m = 1 + rnd() % 40, k = 1 + rnd() % 70, n = 1 + rnd() % 40;
		int64_t da[4], db[4];
		for (uint32_t d = 0; d + 2 < rank; d++) {
			int64_t b = 1 + rnd() % 4;
			int kind = rnd() % 3; /* both, a broadcast, b broadcast */
			da[d] = kind == 1 ? 1 : b;
			db[d] = kind == 2 ? 1 : b;
		}
		da[rank - 2] = m;
		da[rank - 1] = k;
		db[rank - 2] = k;
		db[rank - 1] = n;
		double as = 0.01 + (rnd() % 100) / 1000.0, bs = 0.01 + (rnd() % 100) / 1000.0;
		/* a quarter with per-row A and per-column B parameters (1-D vectors) */
		int per = rnd() % 4 == 0;
		kcase c;
		kc_init(&c, EML_OP_QLinearMatMul);
		kc_in(&c, ta, rank, da, 0);
		per_vector(&c, per, m, as, ta);
		kc_in(&c, tb, rank, db, 0);
		per_vector(&c, per, n, bs, tb);
		kc_scalar(&c, F32, rnd_y_scale(as, bs, k));
		kc_scalar(&c, ty, rnd_zp(ty));
		char what[120];
		snprintf(what, sizeof(what), "QLinearMatMul run-time B rank %u m%lld k%lld n%lld%s",
			 rank, (long long)m, (long long)k, (long long)n, per ? " per row/col" : "");
		for (uint32_t l = 0; l < nl; l++) {
			kc_check(&c, levels[l], 1 + 2 * (i % 2), what);
			assert_string_equal(last_kernel, eml_cpu_kernels_for(levels[l])->qmm_name);
		}
		kc_free(&c);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_isa_choice),  cmocka_unit_test(test_qconv),
		cmocka_unit_test(test_qconv_large), cmocka_unit_test(test_qgemm),
		cmocka_unit_test(test_qconv_pair_limit),
		cmocka_unit_test(test_qconv_split),
		cmocka_unit_test(test_qconv_by_pixel),
		cmocka_unit_test(test_qconv_by4_1x1),
		cmocka_unit_test(test_qconv_pointwise_px),
		cmocka_unit_test(test_qconv_dw_lanes),
		cmocka_unit_test(test_qconv_dw_split),
		cmocka_unit_test(test_qconv_dw_chain),
		cmocka_unit_test(test_qconv_first_layer),
		cmocka_unit_test(test_qconv_im2col),
		cmocka_unit_test(test_qconv3d),
		cmocka_unit_test(test_dequantize), cmocka_unit_test(test_resize),
		cmocka_unit_test(test_qadd),	    cmocka_unit_test(test_quantize),
		cmocka_unit_test(test_qmul),	    cmocka_unit_test(test_qconcat),
		cmocka_unit_test(test_qlookup),	    cmocka_unit_test(test_qmatmul_runtime_b),
		cmocka_unit_test(test_maxpool),	    cmocka_unit_test(test_qavgpool),
		cmocka_unit_test(test_maxpool3d),
		cmocka_unit_test(test_shared_weights),
		cmocka_unit_test(test_fallback),
		cmocka_unit_test(test_qsoftmax),
		cmocka_unit_test(test_qsoftmax_rows),
		cmocka_unit_test(test_qadd_scalar),
#if defined(__x86_64__)
		cmocka_unit_test(test_plane_perm),
		cmocka_unit_test(test_qgemm_amx),
		cmocka_unit_test(test_qconv_amx_small_k),
#endif
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
