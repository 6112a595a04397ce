/* test_f32_kernels.c — the fast float32 kernels (Conv: pointwise, KxK, grouped, depthwise
 * along rows and with channels in lanes; Gemm and MatMul; Add, Sub, Mul, Div; MaxPool, the
 * average pools; ConvTranspose) of every ISA level this CPU runs, through the operator layer that packs
 * for them, against the reference kernels bit for bit: random shapes with ragged tiles, odd
 * channel counts, strides, pads, dilations, groups, fused activation bounds, special values
 * (NaN, infinities, -0, subnormals), on one thread and on a pool. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cpu/f32_ukernels.h"
#include "cpu/fast_ops.h"
#include "cpu/isa.h"
#include "cpu/kernels.h"
#include "cpu/ref/ref.h"
#include "ops/ops.h"

#define MAX_IN 3
#define F32 EDGEML_DTYPE_FLOAT32
#define KCASE_SEED 0x2545f4914f6cdd1dull

#include "kernel_case.h"

/* A random value: mostly in [-2, 2), with specials (zeros of both signs, subnormals,
 * infinities, NaN) at rate 1 / special when special is not 0. */
static float rnd_f(uint32_t special)
{
	if (special && rnd() % special == 0) {
		static const float v[] = { 0.0f, -0.0f, 1e-40f, -1e-40f, INFINITY, -INFINITY, NAN };
		return v[rnd() % (sizeof(v) / sizeof(v[0]))];
	}
	return (float)((int32_t)(rnd() % 65536) - 32768) / 16384.0f;
}

/* Appends a float input of rank dims filled by rnd_f(special), constant unless it is the
 * activation. */
static float *kc_in(kcase *c, uint32_t rank, const int64_t *dims, int constant,
		    uint32_t special)
{
	uint32_t k = c->node.n_inputs++;
	eml_tensor *t = &c->in[k];
	t->name = "in";
	t->dtype = F32;
	t->rank = rank;
	for (uint32_t i = 0; i < rank; i++)
		t->dims[i] = dims[i];
	t->flags = constant ? EML_TF_CONSTANT : EML_TF_INPUT;
	size_t n = (size_t)eml_tensor_numel(t);
	float *d = test_malloc(n * sizeof(float) + 64);
	for (size_t i = 0; i < n; i++)
		d[i] = rnd_f(special);
	t->data = constant ? d : NULL;
	t->data_size = n * sizeof(float);
	c->in_idx[k] = k;
	c->inp[k] = t;
	c->in_data[k] = d;
	c->owned[k] = d;
	return d;
}

/* Appends a constant int64 axes input of n values (ReduceMean's canonical form). */
static void kc_axes(kcase *c, uint32_t n, const int64_t *axes)
{
	uint32_t k = c->node.n_inputs++;
	eml_tensor *t = &c->in[k];
	t->name = "axes";
	t->dtype = EDGEML_DTYPE_INT64;
	t->rank = 1;
	t->dims[0] = n;
	t->flags = EML_TF_CONSTANT;
	int64_t *d = test_malloc(n * sizeof(int64_t) + 8);
	memcpy(d, axes, n * sizeof(int64_t));
	t->data = d;
	t->data_size = n * sizeof(int64_t);
	c->in_idx[k] = k;
	c->inp[k] = t;
	c->in_data[k] = d;
	c->owned[k] = d;
}

/* Adds random fused activation bounds: none, Relu, Relu6, a lower or an upper one. */
static void kc_activation(kcase *c)
{
	switch (rnd() % 5) {
	case 0:
		kc_float(c, "activation_min", 0.0f);
		break;
	case 1:
		kc_float(c, "activation_min", 0.0f);
		kc_float(c, "activation_max", 6.0f);
		break;
	case 2:
		kc_float(c, "activation_min", -0.5f);
		break;
	case 3:
		kc_float(c, "activation_max", 0.25f);
		break;
	default:
		break;
	}
}

/* The kernel the last kc_check_within ran. */
static char kc_last_kernel[64];

/* Prepares the fast op of the case at isa (NULL when none applies). */
static eml_fast_op *kc_prepare(kcase *c, eml_isa isa, uint32_t threads)
{
	if (eml_op_infer(&c->node, c->inp, &c->out) != EDGEML_OK)
		fail_msg("infer: %s", edgeml_last_error());
	const eml_tensor *outp[1] = { &c->out };
	void *out_data[1] = { NULL };
	eml_kernel_ctx ctx = { &c->node, c->inp, outp, c->in_data, out_data };
	eml_fast_op *op = NULL;
	assert_int_equal(eml_fast_prepare_exact(&ctx, isa, threads, c->exact_float, &op),
			 EDGEML_OK);
	return op;
}

/* The largest |got - want| / scale and |got - want| / (want's range) kc_check_within has
 * seen, for the Winograd test's report. */
static double worst_vs_scale, worst_vs_range;

/* Runs the reference and the fast kernel of isa on threads threads and compares the outputs:
 * bit for bit when tol < 0, else within tol (absolute) where the reference is finite and
 * non-finite where it is not; the fast path must apply and be the kernel named kind (a
 * prefix). scale (> 0 with tol) is what tol is relative to, for the worst-case report. */
static void kc_check_within(kcase *c, eml_isa isa, uint32_t threads, const char *kind,
			    const char *what, double tol, double scale)
{
	eml_fast_op *op = kc_prepare(c, isa, threads);
	if (!op)
		fail_msg("%s: no fast kernel at %s", what, eml_isa_name(isa));
	if (strncmp(op->kernel, kind, strlen(kind)) != 0)
		fail_msg("%s: kernel %s at %s, want %s", what, op->kernel, eml_isa_name(isa),
			 kind);
	snprintf(kc_last_kernel, sizeof(kc_last_kernel), "%s", op->kernel);
	size_t n = (size_t)eml_tensor_numel(&c->out);
	uint32_t *want = test_malloc(n * 4 + 4), *got = test_malloc(n * 4 + 4);
	memset(want, 0xa5, n * 4);
	memset(got, 0x5a, n * 4);
	const eml_tensor *outp[1] = { &c->out };
	void *out_want[1] = { want }, *out_got[1] = { got };
	eml_kernel_ctx ref = { &c->node, c->inp, outp, c->in_data, out_want };
	eml_kernel_ctx fast = { &c->node, c->inp, outp, c->in_data, out_got };
	assert_int_equal(eml_ref_kernel(c->node.op)(&ref), EDGEML_OK);
	eml_threadpool *pool = NULL;
	if (threads > 1)
		assert_int_equal(eml_threadpool_create(threads, NULL, 0, &pool), EDGEML_OK);
	uint8_t *scratch[8] = { 0 };
	for (uint32_t t = 0; t < threads; t++)
		scratch[t] = test_malloc(op->scratch + 64);
	uint8_t *shared = test_malloc(op->shared + 64);
	eml_fast_env env = { pool, scratch, shared };
	/* twice: a run must not depend on what an earlier one left in the scratch memory */
	for (int round = 0; round < 2; round++) {
		assert_int_equal(op->run(op, &fast, &env), EDGEML_OK);
		if (tol >= 0) {
			float lo = INFINITY, hi = -INFINITY;
			double worst = 0;
			for (size_t i = 0; i < n; i++) {
				float g, wv;
				memcpy(&g, &got[i], 4);
				memcpy(&wv, &want[i], 4);
				if (!isfinite(wv)) {
					if (isfinite(g))
						fail_msg("%s [%s, %u threads]: element %zu: "
							 "got %g, want %g", what,
							 eml_isa_name(isa), threads, i, (double)g,
							 (double)wv);
					continue;
				}
				lo = wv < lo ? wv : lo;
				hi = wv > hi ? wv : hi;
				double d = fabs((double)g - (double)wv);
				if (!(d <= tol))
					fail_msg("%s [%s, %u threads, %s]: element %zu of %zu: got "
						 "%.9g, want %.9g, |diff| %g > %g",
						 what, eml_isa_name(isa), threads, op->kernel, i, n,
						 (double)g, (double)wv, d, tol);
				worst = d > worst ? d : worst;
			}
			if (worst / scale > worst_vs_scale)
				worst_vs_scale = worst / scale;
			if (hi > lo && worst / ((double)hi - lo) > worst_vs_range)
				worst_vs_range = worst / ((double)hi - lo);
			memset(got, 0x5a, n * 4);
			continue;
		}
		for (size_t i = 0; i < n; i++)
			if (got[i] != want[i])
				fail_msg("%s [%s, %u threads, %s]: element %zu of %zu: got %08x, "
					 "want %08x",
					 what, eml_isa_name(isa), threads, op->kernel, i, n, got[i],
					 want[i]);
		memset(got, 0x5a, n * 4);
	}
	for (uint32_t t = 0; t < threads; t++)
		test_free(scratch[t]);
	test_free(shared);
	eml_threadpool_destroy(pool);
	eml_fast_destroy(op);
	test_free(want);
	test_free(got);
}

/* kc_check_within, bit for bit. */
static void kc_check(kcase *c, eml_isa isa, uint32_t threads, const char *kind,
		     const char *what)
{
	kc_check_within(c, isa, threads, kind, what, -1, 0);
}

/* A convolution's shape. */
typedef struct conv_shape {
	int64_t n, cin, cout, group, h, w, kh, kw, sh, sw, dh, dw, pads[4];
	int one_d, bias, special;
} conv_shape;

/* Builds the Conv of s with random data. */
static void conv_build(kcase *c, const conv_shape *s)
{
	kc_init(c, EML_OP_Conv);
	if (s->one_d) {
		kc_in(c, 3, (int64_t[]){ s->n, s->cin, s->w }, 0, s->special);
		kc_in(c, 3, (int64_t[]){ s->cout, s->cin / s->group, s->kw }, 1, 0);
	} else {
		kc_in(c, 4, (int64_t[]){ s->n, s->cin, s->h, s->w }, 0, s->special);
		kc_in(c, 4, (int64_t[]){ s->cout, s->cin / s->group, s->kh, s->kw }, 1, 0);
	}
	if (s->bias)
		kc_in(c, 1, (int64_t[]){ s->cout }, 1, 0);
	else
		kc_absent(c);
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
		kc_int(c, "group", s->group);
	kc_activation(c);
}

/* Whether s runs on Winograd (fast_ops.h's rule): 3x3, stride 1, dilation 1, one group,
 * enough channels, at least 2x2 outputs. */
static int conv_winograd(const conv_shape *s)
{
	int64_t oh = s->h + s->pads[0] + s->pads[2] - 2, ow = s->w + s->pads[1] + s->pads[3] - 2;
	return !s->one_d && s->kh == 3 && s->kw == 3 && s->sh == 1 && s->sw == 1 && s->dh == 1 &&
	       s->dw == 1 && s->group == 1 && s->cin >= EML_WINO_MIN_CH &&
	       s->cout >= EML_WINO_MIN_CH && oh >= 2 && ow >= 2;
}

/* A random convolution: kind 0 pointwise, 1 KxK, 2 depthwise 3x3/5x5 stride 1/2, 3 grouped
 * (or a channel multiplier), 4 1-D; big ones have enough work to be split over the pool. */
static void conv_random(conv_shape *s, int kind, int big)
{
	memset(s, 0, sizeof(*s));
	s->n = 1 + rnd() % 2;
	s->h = 1 + rnd() % 13;
	s->w = 1 + rnd() % 21;
	s->group = kind == 2 ? 1 + rnd() % 19 : kind == 3 ? 2 + rnd() % 3 : 1;
	s->cin = kind == 2 ? s->group : s->group * (1 + rnd() % 11);
	s->cout = kind == 2 ? s->group : s->group * (1 + rnd() % 21);
	if (kind == 3 && rnd() % 2) {
		s->cin = s->group; /* one input channel per group, several outputs */
		s->cout = s->group * (2 + rnd() % 3);
	}
	if (big) {
		s->h = 30 + rnd() % 9;
		s->w = 30 + rnd() % 9;
		s->cin = kind == 2 ? 40 + rnd() % 9 : s->group * (8 + rnd() % 9);
		s->cout = kind == 2 ? s->cin : s->group * (24 + rnd() % 9);
		s->group = kind == 2 ? s->cin : s->group;
	}
	s->kh = s->kw = kind == 0 ? 1 : rnd() % 2 ? 3 : 5;
	if (kind == 1 && rnd() % 3 == 0)
		s->kw = 1 + rnd() % 4; /* rectangular kernels */
	s->sh = kind == 0 ? 1 : 1 + rnd() % 2;
	s->sw = kind == 0 ? 1 : rnd() % 2 ? s->sh : 1 + rnd() % 3;
	s->dh = s->dw = kind != 0 && kind != 2 && rnd() % 4 == 0 ? 2 : 1;
	for (int i = 0; i < 4 && kind != 0; i++)
		s->pads[i] = rnd() % (uint32_t)((i % 2 ? s->kw : s->kh) / 2 + 1);
	s->one_d = kind == 4;
	if (s->one_d)
		s->h = s->kh = s->sh = s->dh = 1;
	if (s->h + s->pads[0] + s->pads[2] < (s->kh - 1) * s->dh + 1)
		s->h = (s->kh - 1) * s->dh + 1;
	if (s->w + s->pads[1] + s->pads[3] < (s->kw - 1) * s->dw + 1)
		s->w = (s->kw - 1) * s->dw + 1;
	s->bias = rnd() % 4 != 0;
	/* Winograd mixes a tile's inputs: a non-finite one may turn the reference's infinity
	 * (or the bound it clamps to) into NaN, outside the float contract (docs/ops.md) */
	s->special = rnd() % 3 == 0 && !(kind != 0 && conv_winograd(s)) ? 50 : 0;
}

/* Describes s for messages. */
static void conv_what(const conv_shape *s, int kind, char *what, size_t cap)
{
	snprintf(what, cap,
		 "conv kind %d n%lld c%lld->%lld g%lld %lldx%lld k%lldx%lld s%lldx%lld d%lldx%lld "
		 "p%lld,%lld,%lld,%lld%s%s",
		 kind, (long long)s->n, (long long)s->cin, (long long)s->cout,
		 (long long)s->group, (long long)s->h, (long long)s->w, (long long)s->kh,
		 (long long)s->kw, (long long)s->sh, (long long)s->sw, (long long)s->dh,
		 (long long)s->dw, (long long)s->pads[0], (long long)s->pads[1],
		 (long long)s->pads[2], (long long)s->pads[3], s->bias ? " bias" : "",
		 s->special ? " specials" : "");
}

/* The kernel family a convolution of s must run on: one channel in and out per group
 * (whatever its kind) is depthwise, but for a pointwise kernel. */
static const char *conv_kernel(const conv_shape *s, int kind)
{
	if (kind != 0 && conv_winograd(s))
		return "f32-winograd";
	return kind != 0 && s->cin == s->group && s->cout == s->group ? "f32-dwconv" : "f32-gemm";
}

/* The scale of a convolution's sums (2-D, one group): the largest |bias| + sum of |w * x|
 * over its outputs, in double. Every summation order's rounding error is a multiple of the
 * float epsilon times this, so the Winograd tolerance is relative to it. */
static double conv_scale(const kcase *c, const conv_shape *s)
{
	const float *x = c->in_data[0], *w = c->in_data[1];
	const float *b = s->bias ? c->in_data[2] : NULL;
	int64_t oh = (s->h + s->pads[0] + s->pads[2] - (s->kh - 1) * s->dh - 1) / s->sh + 1;
	int64_t ow = (s->w + s->pads[1] + s->pads[3] - (s->kw - 1) * s->dw - 1) / s->sw + 1;
	double worst = 0;
	for (int64_t o = 0; o < s->n * s->cout * oh * ow; o++) {
		int64_t ox = o % ow, oy = o / ow % oh, m = o / (ow * oh) % s->cout;
		int64_t n = o / (ow * oh * s->cout);
		double a = b ? fabs((double)b[m]) : 0;
		for (int64_t t = 0; t < s->cin * s->kh * s->kw; t++) {
			int64_t kx = t % s->kw, ky = t / s->kw % s->kh, ci = t / (s->kw * s->kh);
			int64_t iy = oy * s->sh + ky * s->dh - s->pads[0];
			int64_t ix = ox * s->sw + kx * s->dw - s->pads[1];
			if (iy < 0 || iy >= s->h || ix < 0 || ix >= s->w)
				continue;
			a += fabs((double)w[(m * s->cin + ci) * s->kh * s->kw + ky * s->kw + kx] *
				  (double)x[((n * s->cin + ci) * s->h + iy) * s->w + ix]);
		}
		worst = a > worst ? a : worst;
	}
	return worst;
}

/* Checks the Conv of s: within the float tolerance on Winograd, else bit for bit. */
static void conv_check(kcase *c, const conv_shape *s, int kind, eml_isa isa, uint32_t threads,
		       const char *what)
{
	if (kind != 0 && conv_winograd(s)) {
		double scale = conv_scale(c, s);
		kc_check_within(c, isa, threads, "f32-winograd", what, EML_F32_FAST_TOL * scale,
				scale > 0 ? scale : 1);
		return;
	}
	kc_check(c, isa, threads, conv_kernel(s, kind), what);
}

/* Random convolutions of each kind on every level, 1 and 3 threads. */
static void test_fconv(void **state)
{
	(void)state;
	eml_isa levels[EML_ISA_COUNT];
	uint32_t nl = fast_levels(levels);
	if (nl == 0)
		skip();
	char what[256];
	for (uint32_t l = 0; l < nl; l++) {
		for (int it = 0; it < 150; it++) {
			int kind = it % 5;
			conv_shape s;
			conv_random(&s, kind, 0);
			conv_what(&s, kind, what, sizeof(what));
			kcase c;
			conv_build(&c, &s);
			conv_check(&c, &s, kind, levels[l], 1 + (it % 2) * 2, what);
			kc_free(&c);
		}
	}
}

/* The kernels a test saw, for its coverage check. */
typedef struct kernels_seen {
	char name[24][64];
	uint32_t n;
} kernels_seen;

static void seen_add(kernels_seen *k, const char *name)
{
	for (uint32_t i = 0; i < k->n; i++)
		if (strcmp(k->name[i], name) == 0)
			return;
	if (k->n < 24)
		snprintf(k->name[k->n++], sizeof(k->name[0]), "%s", name);
}

/* Whether a kernel whose name starts with prefix (and ends with suffix) was seen. */
static int seen_has(const kernels_seen *k, const char *prefix, const char *suffix)
{
	for (uint32_t i = 0; i < k->n; i++) {
		size_t n = strlen(k->name[i]), ns = strlen(suffix);
		if (strncmp(k->name[i], prefix, strlen(prefix)) == 0 && n >= ns &&
		    strcmp(k->name[i] + n - ns, suffix) == 0)
			return 1;
	}
	return 0;
}

/* The i-th convolution of the fused-activation test: fixed shapes for the pixel-rows,
 * im2col, flattened, channels-in-lanes, by-rows and Winograd paths, then random ones of
 * every kind, small and big. */
static void activation_fn_shape(size_t i, conv_shape *s, int *kind)
{
	static const conv_shape fixed[] = {
		{ .n = 1, .cin = 40, .cout = 160, .h = 7, .w = 7, .bias = 1 },
		{ .n = 2, .cin = 9, .cout = 61, .h = 7, .w = 7, .bias = 1, .special = 50 },
		{ .n = 1, .cin = 3, .cout = 24, .group = 1, .h = 48, .w = 40, .kh = 16, .kw = 16,
		  .sh = 16, .sw = 16, .dh = 1, .dw = 1, .bias = 1 },
		{ .n = 1, .cin = 4, .cout = 7, .group = 1, .h = 1, .w = 300, .kh = 1, .kw = 100,
		  .sh = 1, .sw = 3, .dh = 1, .dw = 1, .pads = { 0, 40, 0, 9 }, .one_d = 1,
		  .bias = 1 },
		{ .n = 2, .cin = 70, .cout = 70, .group = 70, .h = 7, .w = 7, .kh = 3, .kw = 3,
		  .sh = 1, .sw = 1, .dh = 1, .dw = 1, .pads = { 1, 1, 1, 1 }, .bias = 1 },
		{ .n = 1, .cin = 67, .cout = 67, .group = 67, .h = 14, .w = 14, .kh = 5, .kw = 5,
		  .sh = 2, .sw = 2, .dh = 1, .dw = 1, .pads = { 2, 2, 2, 2 }, .bias = 1,
		  .special = 50 },
		{ .n = 1, .cin = 33, .cout = 33, .group = 33, .h = 12, .w = 12, .kh = 3, .kw = 3,
		  .sh = 1, .sw = 1, .dh = 2, .dw = 2, .pads = { 1, 1, 1, 1 } },
		{ .n = 1, .cin = 20, .cout = 20, .group = 20, .h = 30, .w = 50, .kh = 3, .kw = 3,
		  .sh = 1, .sw = 1, .dh = 1, .dw = 1, .pads = { 1, 1, 1, 1 }, .bias = 1 },
		{ .n = 1, .cin = 19, .cout = 19, .group = 19, .h = 31, .w = 53, .kh = 5, .kw = 5,
		  .sh = 2, .sw = 2, .dh = 1, .dw = 1, .pads = { 2, 1, 2, 2 }, .bias = 1 },
		{ .n = 1, .cin = 18, .cout = 21, .group = 1, .h = 11, .w = 13, .kh = 3, .kw = 3,
		  .sh = 1, .sw = 1, .dh = 1, .dw = 1, .pads = { 1, 1, 1, 1 }, .bias = 1 },
		{ .n = 1, .cin = 24, .cout = 40, .group = 1, .h = 30, .w = 30, .kh = 1, .kw = 1,
		  .sh = 1, .sw = 1, .dh = 1, .dw = 1, .bias = 1 },
	};
	size_t nf = sizeof(fixed) / sizeof(fixed[0]);
	if (i < nf) {
		*s = fixed[i];
		*kind = s->kh == 1 && s->kw == 1 ? 0 : s->group > 1 ? 2 : 1;
		if (s->group == 0)
			s->group = 1;
		if (s->kh == 0)
			s->kh = s->kw = s->sh = s->sw = s->dh = s->dw = 1;
		return;
	}
	*kind = (int)((i - nf) % 5);
	conv_random(s, *kind, (i - nf) / 5 % 3 == 2);
}

/* A float Conv's fused activation function (activation_fn: Sigmoid, Swish, HardSwish,
 * HardSigmoid (beta -0 too, which takes the reference's operations); with
 * and without bounds) on every conv path of every level, 1 and 3 threads: under exact_float
 * bit for bit against the reference (every path but Winograd, which exact_float declines),
 * otherwise within the float tolerance (the vector sigmoid; Winograd). Every path of the
 * level is seen. */
static void test_fconv_activation_fn(void **state)
{
	(void)state;
	eml_isa levels[EML_ISA_COUNT];
	uint32_t nl = fast_levels(levels);
	if (nl == 0)
		skip();
	char what[300];
	for (uint32_t l = 0; l < nl; l++) {
		const eml_cpu_kernels *kt = eml_cpu_kernels_for(levels[l]);
		kernels_seen seen = { .n = 0 };
		for (size_t i = 0; i < 70; i++) {
			conv_shape s;
			int kind;
			activation_fn_shape(i, &s, &kind);
			int64_t fn = 1 + (int64_t)(i % 4);
			conv_what(&s, kind, what, sizeof(what));
			snprintf(what + strlen(what), sizeof(what) - strlen(what), " activation_fn %lld",
				 (long long)fn);
			uint32_t threads = 1 + (uint32_t)(i % 2) * 2;
			for (int exact = 1; exact >= 0; exact--) {
				kcase c;
				conv_build(&c, &s);
				kc_int(&c, "activation_fn", fn);
				if (fn == 4) {
					kc_float(&c, "activation_alpha", 0.3f);
					kc_float(&c, "activation_beta", i % 8 == 3 ? -0.0f : 0.45f);
				}
				c.exact_float = exact;
				/* |w x| <= 4 a term, |bias| <= 2: the bound of every output */
				double bound = 4.0 * (double)(s.cin / s.group * s.kh * s.kw) + 2.0;
				kc_check_within(&c, levels[l], threads, "f32-", what,
						exact ? -1 : 2e-5 * (1.0 + bound), 1.0 + bound);
				seen_add(&seen, kc_last_kernel);
				kc_free(&c);
			}
		}
		assert_true(seen_has(&seen, kt->f32_gemm->name, ""));
		assert_true(seen_has(&seen, kt->f32_gemm->name, "-pr"));
		assert_true(seen_has(&seen, "f32-winograd", ""));
		if (kt->f32_dwc)
			assert_true(seen_has(&seen, "f32-dwconv-c", ""));
		if (kt->f32_dwp)
			assert_true(seen_has(&seen, kt->f32_dwp_name, ""));
		if (kt->f32_dwd)
			assert_true(seen_has(&seen, kt->f32_dwd_name, ""));
		if (kt->f32_dwr && (!kt->f32_dwd || kt->f32_dwd_min_stride > 1))
			assert_true(seen_has(&seen, kt->f32_dwr_name, ""));
	}
}

/* A 3-D convolution's shape: (N, C, D, H, W). */
typedef struct conv3d_shape {
	int64_t n, cin, cout, group, in[3], k[3], s[3], d[3], pads[6];
	int bias, special;
} conv3d_shape;

/* A random 3-D convolution: kind 0 pointwise (1x1x1 stride 1: the flattened volume), 1
 * KxKxK (odd sizes, strides, dilations, pads, groups), 2 depthwise; big ones for the pool. */
static void conv3d_random(conv3d_shape *s, int kind, int big)
{
	memset(s, 0, sizeof(*s));
	s->n = 1 + rnd() % 2;
	s->group = kind == 2 ? 1 + rnd() % 9 : 1 + (rnd() % 3 == 0 ? rnd() % 3 : 0);
	s->cin = kind == 2 ? s->group : s->group * (1 + rnd() % (big ? 17 : 7));
	s->cout = kind == 2 ? s->group : s->group * (1 + rnd() % (big ? 40 : 13));
	for (int i = 0; i < 3; i++) {
		s->in[i] = 1 + rnd() % (i == 0 ? 6 : i == 1 ? 9 : 11) + (big ? 8 : 0);
		s->k[i] = kind == 0 ? 1 : 1 + rnd() % 3;
		s->s[i] = kind == 0 ? 1 : 1 + rnd() % 2;
		s->d[i] = kind == 0 || rnd() % 4 ? 1 : 2;
		s->pads[i] = kind == 0 ? 0 : rnd() % (uint32_t)(s->k[i] / 2 + 1 + (rnd() % 4 == 0));
		s->pads[3 + i] = kind == 0 ? 0 : rnd() % (uint32_t)(s->k[i] / 2 + 1);
		int64_t span = (s->k[i] - 1) * s->d[i] + 1;
		if (s->in[i] + s->pads[i] + s->pads[3 + i] < span)
			s->in[i] = span;
	}
	s->bias = rnd() % 4 != 0;
	s->special = rnd() % 3 == 0 ? 50 : 0;
}

/* Builds the Conv of s with random data. */
static void conv3d_build(kcase *c, const conv3d_shape *s)
{
	kc_init(c, EML_OP_Conv);
	kc_in(c, 5, (int64_t[]){ s->n, s->cin, s->in[0], s->in[1], s->in[2] }, 0, s->special);
	kc_in(c, 5, (int64_t[]){ s->cout, s->cin / s->group, s->k[0], s->k[1], s->k[2] }, 1, 0);
	if (s->bias)
		kc_in(c, 1, (int64_t[]){ s->cout }, 1, 0);
	else
		kc_absent(c);
	kc_ints(c, "strides", 3, s->s);
	kc_ints(c, "pads", 6, s->pads);
	kc_ints(c, "dilations", 3, s->d);
	if (s->group > 1)
		kc_int(c, "group", s->group);
	kc_activation(c);
}

/* Describes s for messages. */
static void conv3d_what(const conv3d_shape *s, int kind, char *what, size_t cap)
{
	snprintf(what, cap,
		 "conv3d kind %d n%lld c%lld->%lld g%lld %lldx%lldx%lld k%lldx%lldx%lld "
		 "s%lldx%lldx%lld d%lldx%lldx%lld p%lld,%lld,%lld,%lld,%lld,%lld%s%s",
		 kind, (long long)s->n, (long long)s->cin, (long long)s->cout,
		 (long long)s->group, (long long)s->in[0], (long long)s->in[1],
		 (long long)s->in[2], (long long)s->k[0], (long long)s->k[1], (long long)s->k[2],
		 (long long)s->s[0], (long long)s->s[1], (long long)s->s[2], (long long)s->d[0],
		 (long long)s->d[1], (long long)s->d[2], (long long)s->pads[0],
		 (long long)s->pads[1], (long long)s->pads[2], (long long)s->pads[3],
		 (long long)s->pads[4], (long long)s->pads[5], s->bias ? " bias" : "",
		 s->special ? " specials" : "");
}

/* 3-D convolutions (a GEMM per output depth slice over the planes of the input slices, a
 * zero plane in the depth padding) on every level, 1 and 3 threads, bit for bit. */
static void test_fconv3d(void **state)
{
	(void)state;
	eml_isa levels[EML_ISA_COUNT];
	uint32_t nl = fast_levels(levels);
	if (nl == 0)
		skip();
	char what[320];
	for (uint32_t l = 0; l < nl; l++) {
		for (int it = 0; it < 90; it++) {
			int kind = it % 3;
			conv3d_shape s;
			conv3d_random(&s, kind, it % 10 == 9);
			conv3d_what(&s, kind, what, sizeof(what));
			kcase c;
			conv3d_build(&c, &s);
			kc_check(&c, levels[l], 1 + (it % 2) * 2, "f32-gemm", what);
			kc_free(&c);
		}
	}
}

/* Convolutions big enough for the pool to split them (tiles, row chunks, channel runs). */
static void test_fconv_large(void **state)
{
	(void)state;
	eml_isa levels[EML_ISA_COUNT];
	uint32_t nl = fast_levels(levels);
	if (nl == 0)
		skip();
	char what[256];
	for (uint32_t l = 0; l < nl; l++) {
		for (int kind = 0; kind < 4; kind++) {
			conv_shape s;
			conv_random(&s, kind, 1);
			conv_what(&s, kind, what, sizeof(what));
			kcase c;
			conv_build(&c, &s);
			conv_check(&c, &s, kind, levels[l], 1, what);
			conv_check(&c, &s, kind, levels[l], 4, what);
			kc_free(&c);
		}
	}
}

/* Pointwise convolutions on small planes (MobileNetV2's 7x7 stage), which run with pixels as
 * GEMM rows and output channels in lanes ("-pr"): whole and partial pixel tiles (49 = 3 * 16
 * + 1, fewer than 16), output channels past the last whole panel and 16-channel transpose
 * block, batches of 2, specials; bit for bit, 1 and 3 threads. */
static void test_fconv_pixrows(void **state)
{
	(void)state;
	eml_isa levels[EML_ISA_COUNT];
	uint32_t nl = fast_levels(levels);
	if (nl == 0)
		skip();
	static const conv_shape fixed[] = {
		{ .n = 1, .cin = 40, .cout = 160, .h = 7, .w = 7, .bias = 1 },
		{ .n = 2, .cin = 9, .cout = 61, .h = 7, .w = 7, .bias = 1, .special = 50 },
		{ .n = 2, .cin = 3, .cout = 56, .h = 1, .w = 49, .one_d = 1, .bias = 1 },
		{ .n = 1, .cin = 17, .cout = 50, .h = 5, .w = 5, .bias = 1, .special = 50 },
		{ .n = 1, .cin = 96, .cout = 20, .h = 3, .w = 3 },
		{ .n = 1, .cin = 5, .cout = 40, .h = 1, .w = 17, .bias = 1 },
	};
	char what[256];
	for (uint32_t l = 0; l < nl; l++) {
		for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]) + 10; i++) {
			conv_shape s;
			if (i < sizeof(fixed) / sizeof(fixed[0])) {
				s = fixed[i];
			} else {
				conv_random(&s, 0, 0);
				s.h = 1 + rnd() % 9;
				s.w = 1 + rnd() % 9;
				s.cin = 1 + rnd() % 70;
				s.cout = 16 + rnd() % 150;
			}
			s.group = 1;
			s.kh = s.kw = s.sh = s.sw = s.dh = s.dw = 1;
			conv_what(&s, 0, what, sizeof(what));
			kcase c;
			conv_build(&c, &s);
			for (uint32_t threads = 1; threads <= 3; threads += 2) {
				eml_fast_op *op = kc_prepare(&c, levels[l], threads);
				if (!op)
					fail_msg("%s: no fast kernel at %s", what, eml_isa_name(levels[l]));
				size_t len = strlen(op->kernel);
				int pr = len > 3 && strcmp(op->kernel + len - 3, "-pr") == 0;
				eml_fast_destroy(op);
				if (i < sizeof(fixed) / sizeof(fixed[0]) && !pr)
					fail_msg("%s: not on the pixel-rows GEMM at %s", what,
						 eml_isa_name(levels[l]));
				kc_check(&c, levels[l], threads, "f32-gemm", what);
			}
			kc_free(&c);
		}
	}
}

/* KxK convolutions whose output plane fits one pixel tile (16 outputs or fewer), which run
 * with pixels as GEMM rows over an im2col matrix ("-pr"): silero_vad's STFT (1-D, k 256,
 * stride 128, 4 outputs) and encoder (k 3, 129 -> 128 channels on 4 outputs, stride 2 to
 * 2 and 1), 2-D ones on 7x7 and 4x4 planes, a batch of 2, specials; bit for bit, 1 and 3
 * threads (3 splits the panels over tasks). They must take "-pr" where the level's GEMM
 * tile is 16 or more columns wide (x86: 24, 32), whose channel-rows tiles would be mostly
 * padding; NEON's 8-column tile wastes less, and pixrows_better() may keep them there. */
static void test_fconv_pixrows_kxk(void **state)
{
	(void)state;
	eml_isa levels[EML_ISA_COUNT];
	uint32_t nl = fast_levels(levels);
	if (nl == 0)
		skip();
	static const conv_shape fixed[] = {
		{ .n = 1, .cin = 1, .cout = 258, .group = 1, .h = 1, .w = 640, .kh = 1, .kw = 256,
		  .sh = 1, .sw = 128, .dh = 1, .dw = 1, .one_d = 1 },
		{ .n = 1, .cin = 129, .cout = 128, .group = 1, .h = 1, .w = 4, .kh = 1, .kw = 3,
		  .sh = 1, .sw = 1, .dh = 1, .dw = 1, .pads = { 0, 1, 0, 1 }, .one_d = 1,
		  .bias = 1 },
		{ .n = 1, .cin = 128, .cout = 64, .group = 1, .h = 1, .w = 4, .kh = 1, .kw = 3,
		  .sh = 1, .sw = 2, .dh = 1, .dw = 1, .pads = { 0, 1, 0, 1 }, .one_d = 1,
		  .bias = 1 },
		{ .n = 2, .cin = 64, .cout = 128, .group = 1, .h = 1, .w = 2, .kh = 1, .kw = 3,
		  .sh = 1, .sw = 2, .dh = 1, .dw = 1, .pads = { 0, 1, 0, 1 }, .one_d = 1,
		  .bias = 1, .special = 50 },
		{ .n = 1, .cin = 7, .cout = 45, .group = 1, .h = 7, .w = 7, .kh = 5, .kw = 5,
		  .sh = 2, .sw = 2, .dh = 1, .dw = 1, .pads = { 1, 2, 2, 1 }, .bias = 1 },
		{ .n = 2, .cin = 5, .cout = 70, .group = 1, .h = 4, .w = 4, .kh = 3, .kw = 3,
		  .sh = 1, .sw = 1, .dh = 1, .dw = 1, .pads = { 1, 1, 1, 1 }, .special = 50 },
	};
	char what[256];
	for (uint32_t l = 0; l < nl; l++) {
		for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
			conv_shape s = fixed[i];
			conv_what(&s, 1, what, sizeof(what));
			kcase c;
			conv_build(&c, &s);
			for (uint32_t threads = 1; threads <= 3; threads += 2) {
				eml_fast_op *op = kc_prepare(&c, levels[l], threads);
				if (!op)
					fail_msg("%s: no fast kernel at %s", what, eml_isa_name(levels[l]));
				size_t len = strlen(op->kernel);
				int pr = len > 3 && strcmp(op->kernel + len - 3, "-pr") == 0;
				eml_fast_destroy(op);
				if (!pr && eml_cpu_kernels_for(levels[l])->f32_gemm->nr >= 16)
					fail_msg("%s: not on the pixel-rows GEMM at %s", what,
						 eml_isa_name(levels[l]));
				kc_check(&c, levels[l], threads, "f32-gemm", what);
			}
			kc_free(&c);
		}
	}
}

/* Stride 2 across on rows long enough (32 or more phase columns) that both column phases of
 * the phase plane are built in one pass over each input row (fast_fplane.c): even and odd
 * widths, left padding 0, 1 and 2, one or two rows down, depthwise and KxK; bit for bit. */
static void test_fconv_stride2_rows(void **state)
{
	(void)state;
	eml_isa levels[EML_ISA_COUNT];
	uint32_t nl = fast_levels(levels);
	if (nl == 0)
		skip();
	char what[256];
	for (uint32_t l = 0; l < nl; l++) {
		for (int it = 0; it < 12; it++) {
			int kind = it % 2 ? 2 : 1;
			conv_shape s;
			conv_random(&s, kind, 0);
			s.w = 64 + rnd() % 70;
			s.h = 3 + rnd() % 6;
			s.sw = 2;
			s.sh = 1 + rnd() % 2;
			s.dh = s.dw = 1;
			s.kh = s.kw = 3;
			s.pads[1] = it % 3;
			s.pads[3] = rnd() % 3;
			s.pads[0] = s.pads[2] = rnd() % 2;
			conv_what(&s, kind, what, sizeof(what));
			kcase c;
			conv_build(&c, &s);
			conv_check(&c, &s, kind, levels[l], 1 + (it % 2) * 2, what);
			kc_free(&c);
		}
	}
}

/* Geometries the phase plane does not hold (a kernel over 64 taps, a stride over 8, a
 * dilation over 16): an STFT front end (1-D, k 256, stride 128), patch embeddings (k 16,
 * stride 16), long 1-D kernels, depthwise and grouped ones, with padding. They run on the
 * GEMM over an im2col matrix, bit for bit. */
static void test_fconv_im2col(void **state)
{
	(void)state;
	eml_isa levels[EML_ISA_COUNT];
	uint32_t nl = fast_levels(levels);
	if (nl == 0)
		skip();
	static const conv_shape fixed[] = {
		{ .n = 1, .cin = 1, .cout = 258, .group = 1, .h = 1, .w = 640, .kh = 1, .kw = 256,
		  .sh = 1, .sw = 128, .dh = 1, .dw = 1, .one_d = 1 },
		{ .n = 2, .cin = 3, .cout = 24, .group = 1, .h = 48, .w = 40, .kh = 16, .kw = 16,
		  .sh = 16, .sw = 16, .dh = 1, .dw = 1, .bias = 1 },
		{ .n = 1, .cin = 4, .cout = 7, .group = 1, .h = 1, .w = 300, .kh = 1, .kw = 100,
		  .sh = 1, .sw = 3, .dh = 1, .dw = 1, .pads = { 0, 40, 0, 9 }, .one_d = 1,
		  .bias = 1 },
		{ .n = 1, .cin = 6, .cout = 6, .group = 6, .h = 1, .w = 200, .kh = 1, .kw = 129,
		  .sh = 1, .sw = 1, .dh = 1, .dw = 1, .pads = { 0, 64, 0, 64 }, .one_d = 1 },
		{ .n = 1, .cin = 4, .cout = 6, .group = 2, .h = 30, .w = 45, .kh = 3, .kw = 3,
		  .sh = 10, .sw = 9, .dh = 1, .dw = 20, .pads = { 1, 2, 2, 1 }, .bias = 1 },
	};
	char what[256];
	for (uint32_t l = 0; l < nl; l++) {
		for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]) + 12; i++) {
			conv_shape s;
			if (i < sizeof(fixed) / sizeof(fixed[0])) {
				s = fixed[i];
			} else {
				/* random: 2-D strides 9-20 or 1-D kernels of 65-160 taps */
				conv_random(&s, rnd() % 2 ? 4 : 1 + rnd() % 3, 0);
				if (s.one_d) {
					s.kw = 65 + rnd() % 96;
					s.w = (s.kw - 1) * s.dw + 1 + rnd() % 200;
				} else {
					s.sh = 9 + rnd() % 12;
					s.w += 20;
					s.h += 10;
				}
				s.special = rnd() % 3 == 0 ? 50 : 0;
			}
			conv_what(&s, 5, what, sizeof(what));
			kcase c;
			conv_build(&c, &s);
			kc_check(&c, levels[l], 1 + (i % 2) * 2, "f32-gemm", what);
			kc_free(&c);
		}
	}
}

/* Winograd convolutions: ResNet-like and ragged shapes (odd sizes, every padding, two
 * images, channel counts off the tiles) on data of adversarial ranges: tiny and huge
 * magnitudes, inputs on a large offset under weights that cancel (outputs far smaller than
 * the terms summed), channels of magnitudes 1e4 and 1e-4 mixed. All within the tolerance. */
static void test_fwinograd(void **state)
{
	(void)state;
	eml_isa levels[EML_ISA_COUNT];
	uint32_t nl = fast_levels(levels);
	if (nl == 0)
		skip();
	static const conv_shape shapes[] = {
		{ .n = 1, .cin = 64, .cout = 64, .h = 14, .w = 14, .pads = { 1, 1, 1, 1 } },
		{ .n = 2, .cin = 17, .cout = 19, .h = 9, .w = 11, .pads = { 0, 1, 1, 0 } },
		{ .n = 1, .cin = 16, .cout = 33, .h = 7, .w = 5, .pads = { 0, 0, 0, 0 } },
		{ .n = 1, .cin = 40, .cout = 16, .h = 30, .w = 33, .pads = { 1, 0, 1, 1 } },
		{ .n = 1, .cin = 256, .cout = 24, .h = 4, .w = 4, .pads = { 1, 1, 1, 1 } },
		/* runs of transform kernels cut by the row ends, the block ends and the padding */
		{ .n = 2, .cin = 24, .cout = 20, .h = 40, .w = 45, .pads = { 1, 2, 0, 1 } },
		{ .n = 1, .cin = 16, .cout = 16, .h = 3, .w = 70, .pads = { 1, 1, 1, 1 } },
	};
	char what[256];
	worst_vs_scale = worst_vs_range = 0;
	for (uint32_t l = 0; l < nl; l++) {
		for (size_t si = 0; si < sizeof(shapes) / sizeof(shapes[0]); si++) {
			for (int mode = 0; mode < 5; mode++) {
				conv_shape s = shapes[si];
				s.group = 1;
				s.kh = s.kw = 3;
				s.sh = s.sw = s.dh = s.dw = 1;
				s.bias = mode != 2;
				kcase c;
				conv_build(&c, &s);
				float *x = c.owned[0], *w = c.owned[1];
				size_t nx = (size_t)(s.n * s.cin * s.h * s.w);
				size_t nw = (size_t)(s.cout * s.cin * 9);
				for (size_t i = 0; mode == 1 && i < nx; i++)
					x[i] *= 1e-15f; /* tiny */
				for (size_t i = 0; mode == 1 && i < nw; i++)
					w[i] *= 1e-15f;
				for (size_t i = 0; mode == 2 && i < nx; i++)
					x[i] = x[i] * 1e15f; /* huge */
				for (size_t i = 0; mode == 3 && i < nx; i++)
					x[i] = 1000.0f + x[i] / 64; /* offset, weights cancel */
				for (size_t i = 0; mode == 3 && i + 1 < nw; i += 2)
					w[i + 1] = -w[i];
				for (size_t i = 0; mode == 4 && i < nx; i++)
					x[i] *= (i / (size_t)(s.h * s.w)) % 2 ? 1e4f : 1e-4f;
				snprintf(what, sizeof(what), "winograd shape %zu mode %d", si,
					 mode);
				double scale = conv_scale(&c, &s);
				for (uint32_t threads = 1; threads <= 3; threads += 2)
					kc_check_within(&c, levels[l], threads, "f32-winograd-2x2",
							what, EML_F32_FAST_TOL * scale, scale);
				kc_free(&c);
			}
		}
	}
	printf("winograd: worst |diff| %.3g of the scale, %.3g of the output range\n",
	       worst_vs_scale, worst_vs_range);
}

/* Depthwise convolutions of narrow planes, which run with channels in lanes: channel counts
 * around the 64 of a task (ragged last group, partial 16 x 16 blocks), two images, strides,
 * pads, specials; a wider plane stays on the per-channel kernel. */
/* The kernel a depthwise convolution of shape s takes at isa: where the level has them, a
 * 3x3 / 5x5 window (equal strides, no dilation) over a plane of at most 64 outputs at
 * stride 1 whose rows keep their width runs flattened (f32_dwp), one wider than the level's
 * f32_dwd_ow_min at its strides by rows from the input (f32_dwd); else up to 16 outputs wide
 * with channels
 * in lanes, wider by rows from a phase plane (f32_dwr) or per channel over its grid. */
static const char *dw_kernel_name(const conv_shape *s, eml_isa isa)
{
	const eml_cpu_kernels *kt = eml_cpu_kernels_for(isa);
	int64_t ow = (s->w + s->pads[1] + s->pads[3] - ((s->kw - 1) * s->dw + 1)) / s->sw + 1;
	int64_t oh = (s->h + s->pads[0] + s->pads[2] - ((s->kh - 1) * s->dh + 1)) / s->sh + 1;
	int window = s->kh == s->kw && (s->kw == 3 || s->kw == 5) && s->sh == s->sw &&
		     s->dh == 1 && s->dw == 1;
	if (window && kt->f32_dwp && s->sh == 1 && ow == s->w && oh * ow <= 64)
		return kt->f32_dwp_name;
	if (window && kt->f32_dwd && s->sh <= 2 && s->sh >= kt->f32_dwd_min_stride &&
	    (ow > kt->f32_dwd_ow_min || ow > 16))
		return kt->f32_dwd_name;
	if (ow <= 16)
		return "f32-dwconv-c";
	if (window && kt->f32_dwr && (uint32_t)s->sh <= kt->f32_dwr_max_stride)
		return kt->f32_dwr_name;
	return "f32-dwconv";
}

/* The flattened small-plane depthwise (f32_dwp) where the level has one: 3x3 and 5x5 at
 * stride 1 over planes of 1-64 outputs whose rows keep their width (7x7, 8x8, 1x64, 64x1,
 * 2x30, 5x9, ...; the padding split either way, including none before), 1-150 channels, two
 * images, specials, 1 and 3 threads, bit for bit. */
static void test_fdwconv_flat(void **state)
{
	(void)state;
	eml_isa levels[EML_ISA_COUNT];
	uint32_t nl = fast_levels(levels), tested = 0;
	if (nl == 0)
		skip();
	static const int64_t hw[][2] = { { 7, 7 }, { 8, 8 }, { 1, 64 }, { 64, 1 }, { 2, 30 },
					 { 5, 9 }, { 3, 3 }, { 1, 1 }, { 4, 16 }, { 6, 10 },
					 { 9, 7 }, { 2, 2 } };
	char what[256];
	for (uint32_t l = 0; l < nl; l++) {
		if (!eml_cpu_kernels_for(levels[l])->f32_dwp)
			continue;
		tested++;
		for (int it = 0; it < 96; it++) {
			conv_shape s = { 0 };
			s.kh = s.kw = it % 2 ? 5 : 3;
			s.sh = s.sw = s.dh = s.dw = 1;
			s.h = hw[it / 2 % 12][0];
			s.w = hw[it / 2 % 12][1];
			s.n = 1 + it % 5 / 4;
			s.cin = s.cout = s.group = 1 + rnd() % 150;
			s.bias = rnd() % 4 != 0;
			s.special = it % 3 == 0;
			/* rows keep their width: k - 1 columns of padding, split at random */
			s.pads[1] = rnd() % (uint32_t)s.kw;
			s.pads[3] = s.kw - 1 - s.pads[1];
			s.pads[0] = rnd() % (uint32_t)s.kh;
			s.pads[2] = rnd() % (uint32_t)s.kh;
			if (s.h + s.pads[0] + s.pads[2] < s.kh)
				s.pads[2] = s.kh - s.h - s.pads[0];
			conv_what(&s, 2, what, sizeof(what));
			kcase c;
			conv_build(&c, &s);
			const char *kn = dw_kernel_name(&s, levels[l]);
			int64_t oh = s.h + s.pads[0] + s.pads[2] - s.kh + 1;
			if (oh * s.w <= 64)
				assert_string_equal(kn, eml_cpu_kernels_for(levels[l])->f32_dwp_name);
			kc_check(&c, levels[l], 1 + (it % 4 / 2) * 2, kn, what);
			kc_free(&c);
		}
	}
#if defined(__x86_64__)
	if (eml_cpu_kernels_for(EML_ISA_AVX512VNNI)->f32_dwp && nl > 0 &&
	    avx512_level(levels[nl - 1]))
		assert_true(tested > 0);
#endif
}

static void test_fdwconv_lanes(void **state)
{
	(void)state;
	eml_isa levels[EML_ISA_COUNT];
	uint32_t nl = fast_levels(levels);
	if (nl == 0)
		skip();
	char what[256];
	for (uint32_t l = 0; l < nl; l++) {
		for (int it = 0; it < 60; it++) {
			conv_shape s;
			conv_random(&s, 2, 0);
			/* outputs at most 16 wide with a vector transpose, else 8 */
			s.w = 1 + rnd() % (eml_cpu_kernels_for(levels[l])->f32_transpose ? 16 : 8);
			s.cin = s.cout = s.group = 1 + rnd() % 150;
			s.n = 1 + it % 2;
			if (s.w + s.pads[1] + s.pads[3] < (s.kw - 1) * s.dw + 1)
				s.pads[1] = s.pads[3] = s.kw / 2;
			conv_what(&s, 2, what, sizeof(what));
			kcase c;
			conv_build(&c, &s);
			kc_check(&c, levels[l], 1 + (it % 2) * 2, dw_kernel_name(&s, levels[l]),
				 what);
			kc_free(&c);
		}
		conv_shape s = { .n = 1, .cin = 8, .cout = 8, .group = 8, .h = 5, .w = 17, .kh = 3,
				 .kw = 3, .sh = 1, .sw = 1, .dh = 1, .dw = 1,
				 .pads = { 1, 1, 1, 1 }, .bias = 1 };
		kcase c;
		conv_build(&c, &s);
		eml_fast_op *op = kc_prepare(&c, levels[l], 1);
		assert_non_null(op);
		assert_true(strncmp(op->kernel, "f32-dwconv", 10) == 0);
		assert_true(strcmp(op->kernel, "f32-dwconv-c") != 0);
		eml_fast_destroy(op);
		kc_free(&c);
	}
}

/* 3x3 and 5x5 depthwise convolutions, stride 1 and 2, on planes too wide for channels in
 * lanes, which run by output rows where the level has f32_dwr for the stride (strips of 64
 * columns on AVX-512, 24 or 16 on AVX2, the last strip ragged) straight into the output
 * plane: output widths around every strip boundary, random heights, asymmetric and zero
 * pads, an overhang column, two images, specials; each level, 1 and 3 threads, bit for bit,
 * and on the rows kernel where the level has one for the stride. */
static void test_fdwconv_rows(void **state)
{
	(void)state;
	eml_isa levels[EML_ISA_COUNT];
	uint32_t nl = fast_levels(levels);
	if (nl == 0)
		skip();
	static const int64_t widths[] = { 17, 23, 24, 25, 31, 32, 33, 40, 47, 48, 49,
					  63, 64, 65, 79, 80, 96, 112, 113, 130 };
	size_t nw = sizeof(widths) / sizeof(widths[0]);
	char what[256];
	for (uint32_t l = 0; l < nl; l++) {
		for (size_t it = 0; it < 4 * nw + 40; it++) {
			conv_shape s;
			conv_random(&s, 2, 0);
			s.kh = s.kw = it % 2 ? 5 : 3;
			s.sh = s.sw = it % 4 < 2 ? 1 : 2;
			s.dh = s.dw = 1;
			s.n = 1 + it % 3 / 2;
			for (int i = 0; i < 4; i++)
				s.pads[i] = rnd() % (uint32_t)(s.kw / 2 + 1);
			/* an output width from the list (each window and stride), then random ones;
			 * with stride 2 one input column more or less than the windows cover */
			int64_t ow = it < 4 * nw ? widths[it / 4] : 17 + rnd() % 120;
			int64_t oh = 1 + rnd() % 9;
			s.w = (ow - 1) * s.sw + s.kw - s.pads[1] - s.pads[3] + (s.sw == 2 ? rnd() % 2 : 0);
			s.h = (oh - 1) * s.sh + s.kh - s.pads[0] - s.pads[2];
			if (s.h < 1) {
				s.pads[0] = s.pads[2] = 0;
				s.h = (oh - 1) * s.sh + s.kh;
			}
			conv_what(&s, 2, what, sizeof(what));
			kcase c;
			conv_build(&c, &s);
			kc_check(&c, levels[l], 1 + (it % 8 / 4) * 2, dw_kernel_name(&s, levels[l]),
				 what);
			kc_free(&c);
		}
	}
}

/* The stride-2 column split (f32_split2) of each level against the portable loop: lengths
 * 0-80 (whole vectors and every tail), unaligned source and destinations; nothing written
 * past n. */
static void test_split2(void **state)
{
	(void)state;
	eml_isa levels[EML_ISA_COUNT];
	uint32_t nl = fast_levels(levels), tested = 0;
	if (nl == 0)
		skip();
	float src[200], even[100], odd[100];
	for (int i = 0; i < 200; i++)
		src[i] = (float)i * 0.5f - 17.0f;
	for (uint32_t l = 0; l < nl; l++) {
		eml_f32_split2_fn fn = eml_cpu_kernels_for(levels[l])->f32_split2;
		if (!fn)
			continue;
		tested++;
		for (size_t n = 0; n <= 80; n++) {
			for (size_t off = 0; off < 3; off++) {
				for (int i = 0; i < 100; i++)
					even[i] = odd[i] = -1.0f;
				fn(src + off, n, even + off, odd + 1);
				for (size_t i = 0; i < 90; i++) {
					float we = i >= off && i - off < n ? src[off + 2 * (i - off)] : -1.0f;
					float wo = i >= 1 && i - 1 < n ? src[off + 2 * (i - 1) + 1] : -1.0f;
					if (even[i] != we || odd[i] != wo)
						fail_msg("%s: n %zu off %zu: element %zu: even %g odd %g, "
							 "want %g %g", eml_isa_name(levels[l]), n, off, i,
							 (double)even[i], (double)odd[i], (double)we,
							 (double)wo);
				}
			}
		}
	}
#if defined(__x86_64__)
	assert_true(tested > 0);
#endif
}

/* Builds a random Gemm (A m x k, or k x m when transposed; B constant; C absent, a scalar,
 * [N] or [1, N]) or MatMul (A of rank 1 to 3, B constant 2-D). */
static void gemm_build(kcase *c, int is_gemm, int64_t m, int64_t k, int64_t n, char *what,
		       size_t cap)
{
	kc_init(c, is_gemm ? EML_OP_Gemm : EML_OP_MatMul);
	uint32_t special = rnd() % 3 == 0 ? 40 : 0;
	int64_t ta = 0, tb = 0, c_kind = 0, a_rank = 2;
	float alpha = 1.0f, beta = 1.0f;
	if (is_gemm) {
		ta = rnd() % 3 == 0;
		tb = rnd() % 2;
		c_kind = rnd() % 4;
		alpha = rnd() % 3 == 0 ? -0.75f : 1.0f;
		beta = rnd() % 3 == 0 ? 0.5f : 1.0f;
		kc_in(c, 2, ta ? (int64_t[]){ k, m } : (int64_t[]){ m, k }, 0, special);
		kc_in(c, 2, tb ? (int64_t[]){ n, k } : (int64_t[]){ k, n }, 1, 0);
		if (c_kind == 1)
			kc_in(c, 1, (int64_t[]){ 1 }, 1, 0);
		else if (c_kind == 2)
			kc_in(c, 1, (int64_t[]){ n }, 1, 0);
		else if (c_kind == 3)
			kc_in(c, 2, (int64_t[]){ 1, n }, 1, 0);
		kc_int(c, "transA", ta);
		kc_int(c, "transB", tb);
		if (alpha != 1.0f)
			kc_float(c, "alpha", alpha);
		if (beta != 1.0f)
			kc_float(c, "beta", beta);
	} else {
		a_rank = m == 1 && rnd() % 2 ? 1 : 2 + rnd() % 2;
		if (a_rank == 1)
			kc_in(c, 1, (int64_t[]){ k }, 0, special);
		else if (a_rank == 2)
			kc_in(c, 2, (int64_t[]){ m, k }, 0, special);
		else
			kc_in(c, 3, (int64_t[]){ 2, m, k }, 0, special);
		kc_in(c, 2, (int64_t[]){ k, n }, 1, 0);
	}
	kc_activation(c);
	snprintf(what, cap, "%s m%lld k%lld n%lld tA%lld tB%lld C%lld alpha %g beta %g rank %lld%s",
		 is_gemm ? "gemm" : "matmul", (long long)m, (long long)k, (long long)n,
		 (long long)ta, (long long)tb, (long long)c_kind, (double)alpha, (double)beta,
		 (long long)a_rank, special ? " specials" : "");
}

/* Random Gemm and MatMul shapes (single rows, ragged tiles, enough work for the pool) on
 * every level, 1 and 3 threads. */
static void test_fgemm(void **state)
{
	(void)state;
	eml_isa levels[EML_ISA_COUNT];
	uint32_t nl = fast_levels(levels);
	if (nl == 0)
		skip();
	char what[256];
	for (uint32_t l = 0; l < nl; l++) {
		for (int it = 0; it < 120; it++) {
			int64_t m = it % 4 == 0 ? 1 : 1 + rnd() % 30;
			int64_t k = 1 + rnd() % 70, n = 1 + rnd() % 80;
			if (it % 10 == 9) {
				m = 64 + rnd() % 9;
				k = 128 + rnd() % 9;
				n = 128 + rnd() % 9;
			}
			kcase c;
			gemm_build(&c, it % 2, m, k, n, what, sizeof(what));
			kc_check(&c, levels[l], 1 + (it % 2) * 2, "f32-gemm", what);
			kc_free(&c);
		}
	}
}

/* Builds a random MatMul whose B is not one constant 2-D matrix (fmatmul.c): a run-time B
 * (attention's Q K^T and P V), or a constant one of rank 3; A and B of rank 1 to 4 with
 * batch dims that broadcast (1 on either side, or missing). */
static void matmul_batch_build(kcase *c, int64_t m, int64_t k, int64_t n, char *what,
			       size_t cap)
{
	kc_init(c, EML_OP_MatMul);
	uint32_t special = rnd() % 3 == 0 ? 40 : 0;
	int b_const = rnd() % 4 == 0;
	uint32_t a_rank = rnd() % 6 == 0 ? 1 : 2 + rnd() % 3;
	uint32_t b_rank = b_const ? 3 : (rnd() % 6 == 0 ? 1 : 2 + rnd() % 3);
	int64_t batch[2] = { 1 + rnd() % 3, 1 + rnd() % 4 };
	int64_t ad[4], bd[4];
	for (uint32_t i = 0; i + 2 < a_rank; i++)
		ad[i] = rnd() % 3 == 0 ? 1 : batch[i + 4 - a_rank];
	for (uint32_t i = 0; i + 2 < b_rank; i++)
		bd[i] = rnd() % 3 == 0 ? 1 : batch[i + 4 - b_rank];
	if (a_rank == 1) {
		m = 1;
		ad[0] = k;
	} else {
		ad[a_rank - 2] = m;
		ad[a_rank - 1] = k;
	}
	if (b_rank == 1) {
		n = 1;
		bd[0] = k;
	} else {
		bd[b_rank - 2] = k;
		bd[b_rank - 1] = n;
	}
	kc_in(c, a_rank, ad, 0, special);
	kc_in(c, b_rank, bd, b_const, rnd() % 3 == 0 ? 40 : 0);
	kc_activation(c);
	snprintf(what, cap, "matmul m%lld k%lld n%lld A rank %u B rank %u%s%s", (long long)m,
		 (long long)k, (long long)n, a_rank, b_rank, b_const ? " B constant" : "",
		 special ? " specials" : "");
}

/* Random batched MatMuls with a run-time B on every level, 1 and 3 threads, bit for bit
 * against the reference (also what EDGEML_SESSION_EXACT_FLOAT runs). */
static void test_fmatmul(void **state)
{
	(void)state;
	eml_isa levels[EML_ISA_COUNT];
	uint32_t nl = fast_levels(levels);
	if (nl == 0)
		skip();
	char what[256];
	for (uint32_t l = 0; l < nl; l++) {
		for (int it = 0; it < 150; it++) {
			int64_t m = it % 5 == 0 ? 1 : 1 + rnd() % 40;
			int64_t k = 1 + rnd() % 70, n = 1 + rnd() % 80;
			if (it % 10 == 9) {
				m = 64 + rnd() % 9;
				k = 64 + rnd() % 9;
				n = 96 + rnd() % 40;
			}
			kcase c;
			matmul_batch_build(&c, m, k, n, what, sizeof(what));
			kc_check(&c, levels[l], 1 + (it % 2) * 2, "f32-gemm", what);
			kc_free(&c);
		}
	}
}

/* One LSTM or GRU under test: up to 8 inputs and 3 outputs, its own buffers. */
typedef struct rnn_case {
	eml_node node;
	eml_attr attrs[8];
	uint32_t in_idx[8], out_idx[3];
	eml_tensor in[8], out[3];
	const eml_tensor *inp[8];
	const void *in_data[8];
	void *owned[8];
} rnn_case;

/* Input k of shape dims, float (scaled by sc) or, for sequence_lens, int32 in [0, seq]. */
static void rnn_in(rnn_case *c, uint32_t k, uint32_t rank, const int64_t *dims, float sc,
		   int64_t seq)
{
	eml_tensor *t = &c->in[k];
	t->name = "in";
	t->dtype = k == 4 ? EDGEML_DTYPE_INT32 : F32;
	t->rank = rank;
	for (uint32_t i = 0; i < rank; i++)
		t->dims[i] = dims[i];
	t->flags = k == 0 || k == 4 ? EML_TF_INPUT : EML_TF_CONSTANT;
	size_t n = (size_t)eml_tensor_numel(t);
	void *d = test_malloc(n * 4 + 64);
	for (size_t i = 0; i < n; i++) {
		if (k == 4)
			((int32_t *)d)[i] = (int32_t)(rnd() % (uint32_t)(seq + 1));
		else
			((float *)d)[i] = rnd_f(0) * sc;
	}
	t->data = t->flags == EML_TF_CONSTANT ? d : NULL;
	t->data_size = n * 4;
	c->in_idx[k] = k;
	c->inp[k] = t;
	c->in_data[k] = d;
	c->owned[k] = d;
}

/* Random LSTMs and GRUs (directions, layouts, optional inputs present or absent, clip,
 * input_forget, linear_before_reset, ragged hidden sizes) on 1 and 3 threads: under
 * EDGEML_SESSION_EXACT_FLOAT every output bit for bit against the reference; without it (the
 * gates on the vector math kernels, the sums in float where the level has f32_rows) within
 * 1e-5 (1 + |want|), and not all bits equal. */
static void test_frnn(void **state)
{
	(void)state;
	int rnn_vec_differs = 0;
	eml_isa levels[EML_ISA_COUNT];
	uint32_t nl = fast_levels(levels);
	if (nl == 0)
		skip();
	static const char *const dirs[3] = { "forward", "reverse", "bidirectional" };
	for (uint32_t l = 0; l < nl; l++) {
		for (int it = 0; it < 120; it++) {
			rnn_case c;
			memset(&c, 0, sizeof(c));
			int lstm = it % 2 == 0;
			uint32_t gates = lstm ? 4 : 3, dsel = rnd() % 3, nd = dsel == 2 ? 2 : 1;
			int layout = rnd() % 3 == 0;
			int64_t seq = 1 + rnd() % 10, batch = 1 + rnd() % 3, isz = 1 + rnd() % 40;
			int64_t hid = 1 + rnd() % (it % 10 == 9 ? 80 : 24);
			c.node.name = "k";
			c.node.op = lstm ? EML_OP_LSTM : EML_OP_GRU;
			c.node.attrs = c.attrs;
			c.node.inputs = c.in_idx;
			c.node.outputs = c.out_idx;
			c.attrs[c.node.n_attrs++] = (eml_attr){ .name = "hidden_size",
								.type = EML_ATTR_INT, .i = hid };
			c.attrs[c.node.n_attrs++] = (eml_attr){
				.name = "direction", .type = EML_ATTR_STRING,
				.count = (uint32_t)strlen(dirs[dsel]), .s = dirs[dsel]
			};
			c.attrs[c.node.n_attrs++] = (eml_attr){ .name = "layout",
								.type = EML_ATTR_INT, .i = layout };
			if (rnd() % 4 == 0)
				c.attrs[c.node.n_attrs++] = (eml_attr){ .name = "clip",
									.type = EML_ATTR_FLOAT,
									.f = 0.75f };
			if (lstm && rnd() % 4 == 0)
				c.attrs[c.node.n_attrs++] = (eml_attr){ .name = "input_forget",
									.type = EML_ATTR_INT,
									.i = 1 };
			if (!lstm && rnd() % 2 == 0)
				c.attrs[c.node.n_attrs++] = (eml_attr){
					.name = "linear_before_reset", .type = EML_ATTR_INT, .i = 1
				};
			int64_t xd[3] = { layout ? batch : seq, layout ? seq : batch, isz };
			int64_t wd[3] = { nd, gates * hid, isz }, rd[3] = { nd, gates * hid, hid };
			int64_t bd[2] = { nd, 2 * gates * hid }, sd[1] = { batch };
			int64_t hd[3] = { layout ? batch : nd, layout ? nd : batch, hid };
			int64_t pd[2] = { nd, 3 * hid };
			rnn_in(&c, 0, 3, xd, 1.0f, seq);
			rnn_in(&c, 1, 3, wd, 0.25f, seq);
			rnn_in(&c, 2, 3, rd, 0.25f, seq);
			uint32_t n_in = 3 + rnd() % (gates == 4 ? 6 : 4);
			for (uint32_t k = 3; k < n_in; k++) {
				if (rnd() % 3 == 0) {
					c.in_idx[k] = EML_NO_TENSOR;
					continue;
				}
				const int64_t *dd = k == 3 ? bd : k == 4 ? sd : k == 7 ? pd : hd;
				rnn_in(&c, k, k == 3 || k == 7 ? 2 : k == 4 ? 1 : 3, dd, 0.5f, seq);
			}
			c.node.n_inputs = n_in;
			c.node.n_outputs = rnd() % 4 == 0 ? 1 : gates - 1;
			for (uint32_t o = 0; o < c.node.n_outputs; o++)
				c.out_idx[o] = o;
			char what[200];
			snprintf(what, sizeof(what), "%s %s layout %d seq %lld batch %lld input %lld "
				 "hidden %lld, %u inputs, %u outputs", lstm ? "LSTM" : "GRU",
				 dirs[dsel], layout, (long long)seq, (long long)batch,
				 (long long)isz, (long long)hid, n_in, c.node.n_outputs);
			if (eml_op_infer(&c.node, c.inp, c.out) != EDGEML_OK)
				fail_msg("%s: infer: %s", what, edgeml_last_error());
			uint32_t threads = 1 + (it % 3 == 1) * 2;
			const eml_tensor *outp[3] = { &c.out[0], &c.out[1], &c.out[2] };
			void *want[3] = { NULL }, *got[3] = { NULL };
			size_t nb[3] = { 0 };
			for (uint32_t o = 0; o < c.node.n_outputs; o++) {
				nb[o] = (size_t)eml_tensor_numel(&c.out[o]) * 4;
				want[o] = test_malloc(nb[o] + 4);
				got[o] = test_malloc(nb[o] + 4);
				memset(want[o], 0xa5, nb[o]);
			}
			eml_kernel_ctx ref = { &c.node, c.inp, outp, c.in_data, want };
			eml_kernel_ctx fast = { &c.node, c.inp, outp, c.in_data, got };
			assert_int_equal(eml_ref_kernel(c.node.op)(&ref), EDGEML_OK);
			for (int exact = 1; exact >= 0; exact--) {
				eml_fast_op *op = NULL;
				assert_int_equal(eml_fast_prepare_exact(&ref, levels[l], threads, exact, &op),
						 EDGEML_OK);
				if (!op)
					fail_msg("%s: no fast kernel", what);
				const eml_cpu_kernels *kt = eml_cpu_kernels_for(levels[l]);
				if (!exact && kt->f32_rows) /* the float sums */
					assert_string_equal(op->kernel, kt->f32_rows_name);
				else if (kt->f32_rows)
					assert_true(strcmp(op->kernel, kt->f32_rows_name) != 0);
				eml_threadpool *pool = NULL;
				if (threads > 1)
					assert_int_equal(eml_threadpool_create(threads, NULL, 0, &pool),
							 EDGEML_OK);
				uint8_t *scratch[3] = { NULL };
				for (uint32_t t = 0; t < threads; t++)
					scratch[t] = test_malloc(op->scratch + 64);
				eml_fast_env env = { pool, scratch, NULL };
				for (int round = 0; round < 2; round++) {
					for (uint32_t o = 0; o < c.node.n_outputs; o++)
						memset(got[o], 0x5a, nb[o]);
					assert_int_equal(op->run(op, &fast, &env), EDGEML_OK);
					for (uint32_t o = 0; o < c.node.n_outputs; o++) {
						if (exact) {
							if (memcmp(got[o], want[o], nb[o]) != 0)
								fail_msg("%s [%s, %u threads]: output %u "
									 "differs", what,
									 eml_isa_name(levels[l]), threads, o);
							continue;
						}
						const float *g = got[o], *w = want[o];
						for (size_t i = 0; i < nb[o] / 4; i++)
							if (!(fabs((double)g[i] - w[i]) <=
							      1e-5 * (1.0 + fabs((double)w[i]))))
								fail_msg("%s [%s, %u threads, vector gates]: "
									 "output %u [%zu] = %.9g, want %.9g",
									 what, eml_isa_name(levels[l]),
									 threads, o, i, (double)g[i],
									 (double)w[i]);
						rnn_vec_differs |= memcmp(got[o], want[o], nb[o]) != 0;
					}
				}
				for (uint32_t t = 0; t < threads; t++)
					test_free(scratch[t]);
				eml_threadpool_destroy(pool);
				eml_fast_destroy(op);
			}
			for (uint32_t o = 0; o < c.node.n_outputs; o++) {
				test_free(want[o]);
				test_free(got[o]);
			}
			for (uint32_t k = 0; k < 8; k++)
				test_free(c.owned[k]);
		}
	}
	assert_true(rnn_vec_differs); /* the vector gates did run */
}

/* The A packing of the f32 GEMM (f32_pack_a) of every level that has one, byte for byte
 * against the scalar loop: k around the 8-column steps (0 to 100), row strides past k,
 * specials; nothing written past the block. Where the level has one, its rows are its
 * f32_gemm's mr (so fgemm.c and fmatmul.c take it). */
static void test_pack_a(void **state)
{
	(void)state;
	eml_isa levels[EML_ISA_COUNT];
	uint32_t nl = fast_levels(levels);
	int ran = 0;
	for (uint32_t l = 0; l < nl; l++) {
		const eml_cpu_kernels *kt = eml_cpu_kernels_for(levels[l]);
		if (avx512_level(levels[l]) || levels[l] == EML_ISA_AVX2)
			assert_non_null(kt->f32_pack_a);
		if (!kt->f32_pack_a)
			continue;
		assert_int_equal(kt->f32_pack_a_mr, kt->f32_gemm->mr);
		ran = 1;
		size_t mr = kt->f32_pack_a_mr;
		for (int it = 0; it < 200; it++) {
			size_t k = rnd() % 101, si = k + rnd() % 9;
			float *a = test_malloc((mr * si + 1) * sizeof(float));
			float *got = test_malloc((mr * k + 16) * sizeof(float));
			float *want = test_malloc((mr * k + 1) * sizeof(float));
			for (size_t i = 0; i < mr * si; i++)
				a[i] = rnd_f(it % 4 == 0 ? 50 : 0);
			for (size_t i = 0; i < mr * k + 16; i++)
				got[i] = 7.0f;
			for (size_t p = 0; p < k; p++)
				for (size_t i = 0; i < mr; i++)
					want[p * mr + i] = a[i * si + p];
			kt->f32_pack_a(a, si, k, got);
			if (memcmp(got, want, mr * k * sizeof(float)) != 0)
				fail_msg("f32_pack_a [%s] mr %zu k %zu si %zu differs",
					 eml_isa_name(levels[l]), mr, k, si);
			for (size_t i = mr * k; i < mr * k + 16; i++)
				assert_true(got[i] == 7.0f);
			test_free(a);
			test_free(got);
			test_free(want);
		}
	}
	if (!ran)
		skip();
}

/* The recurrent float sums (f32_rows) of every level that has them, bit for bit against a
 * scalar fmaf loop in k order (any NaN for a NaN): ragged row counts around the 64- and
 * 8-row blocks, 256-295 rows (a 64-unit LSTM's 256), k from 0,
 * strides past n, special values (infinities, NaN, -0, subnormals) among the terms; nothing
 * written past n. */
static void test_rows_ukernel(void **state)
{
	(void)state;
	eml_isa levels[EML_ISA_COUNT];
	uint32_t nl = fast_levels(levels);
	int ran = 0;
	for (uint32_t l = 0; l < nl; l++) {
		eml_f32_rows_fn fn = eml_cpu_kernels_for(levels[l])->f32_rows;
		if (!fn)
			continue;
		ran = 1;
		for (int it = 0; it < 300; it++) {
			size_t n = it % 10 == 0 ? 256 + rnd() % 40 : 1 + rnd() % 150;
			size_t kn = rnd() % 80, ld = n + rnd() % 5;
			float *v = test_malloc((kn + 1) * sizeof(float));
			float *wt = test_malloc((kn * ld + 1) * sizeof(float));
			float *got = test_malloc((n + 8) * sizeof(float));
			uint32_t special = it % 4 == 0 ? 50 : 0;
			for (size_t k = 0; k < kn; k++)
				v[k] = rnd_f(special);
			for (size_t i = 0; i < kn * ld; i++)
				wt[i] = rnd_f(special);
			for (size_t j = 0; j < n + 8; j++)
				got[j] = 7.0f;
			fn(v, wt, kn, ld, n, got);
			for (size_t j = 0; j < n; j++) {
				float want = 0.0f;
				for (size_t k = 0; k < kn; k++)
					want = fmaf(v[k], wt[k * ld + j], want);
				if (isnan(want) ? !isnan(got[j]) :
						  memcmp(&got[j], &want, sizeof(float)) != 0)
					fail_msg("f32_rows [%s] n %zu k %zu: row %zu = %.9g, want %.9g",
						 eml_isa_name(levels[l]), n, kn, j, (double)got[j],
						 (double)want);
			}
			for (size_t j = n; j < n + 8; j++)
				assert_true(got[j] == 7.0f);
			test_free(v);
			test_free(wt);
			test_free(got);
		}
	}
	if (!ran)
		skip();
}

/* Random Transposes (rank 1 to 5 with axes of size 1, perm given or absent, elements of 1,
 * 2, 4 and 8 bytes) on 1 and 3 threads, byte for byte against the reference. */
static void test_transpose(void **state)
{
	(void)state;
	static const uint32_t types[] = { EDGEML_DTYPE_FLOAT32, EDGEML_DTYPE_INT8,
					  EDGEML_DTYPE_INT64, EDGEML_DTYPE_UINT8 };
	eml_isa levels[EML_ISA_COUNT];
	if (fast_levels(levels) == 0)
		skip();
	for (int it = 0; it < 400; it++) {
		kcase c;
		kc_init(&c, EML_OP_Transpose);
		uint32_t rank = 1 + rnd() % 5;
		int64_t dims[5], perm[5];
		int big = it % 20 == 19;
		for (uint32_t i = 0; i < rank; i++) {
			dims[i] = rnd() % 4 == 0 ? 1 : 1 + rnd() % (big ? 40 : 7);
			perm[i] = i;
		}
		for (uint32_t i = rank; i-- > 1;) {
			uint32_t j = rnd() % (i + 1);
			int64_t t = perm[i];
			perm[i] = perm[j];
			perm[j] = t;
		}
		kc_in(&c, rank, dims, 0, 0);
		uint32_t dt = types[it % 4];
		size_t n = (size_t)eml_tensor_numel(&c.in[0]);
		size_t es = edgeml_dtype_size((edgeml_dtype)dt);
		if (es != 4) {
			/* the same tensor with other elements: random bytes */
			test_free(c.owned[0]);
			uint8_t *d = test_malloc(n * es + 64);
			for (size_t i = 0; i < n * es; i++)
				d[i] = (uint8_t)rnd();
			c.owned[0] = d;
			c.in_data[0] = d;
			c.in[0].data_size = n * es;
		}
		c.in[0].dtype = dt;
		if (rnd() % 5)
			kc_ints(&c, "perm", rank, perm);
		eml_fast_op *op = kc_prepare(&c, levels[0], 1);
		if (!op)
			fail_msg("transpose it %d: no fast operator", it);
		assert_string_equal(op->kernel, "transpose");
		uint32_t threads = 1 + (it % 2) * 2;
		uint8_t *want = test_malloc(n * es + 1), *got = test_malloc(n * es + 1);
		memset(want, 0xa5, n * es + 1);
		memset(got, 0x5a, n * es + 1);
		const eml_tensor *outp[1] = { &c.out };
		void *out_want[1] = { want }, *out_got[1] = { got };
		eml_kernel_ctx ref = { &c.node, c.inp, outp, c.in_data, out_want };
		eml_kernel_ctx fast = { &c.node, c.inp, outp, c.in_data, out_got };
		assert_int_equal(eml_ref_kernel(c.node.op)(&ref), EDGEML_OK);
		eml_threadpool *pool = NULL;
		if (threads > 1)
			assert_int_equal(eml_threadpool_create(threads, NULL, 0, &pool), EDGEML_OK);
		uint8_t *scratch[3] = { NULL, NULL, NULL };
		eml_fast_env env = { pool, scratch, NULL };
		assert_int_equal(op->run(op, &fast, &env), EDGEML_OK);
		for (size_t i = 0; i < n * es; i++)
			if (got[i] != want[i])
				fail_msg("transpose it %d rank %u dtype %u: byte %zu of %zu: got %02x, "
					 "want %02x", it, rank, dt, i, n * es, got[i], want[i]);
		assert_int_equal(got[n * es], 0x5a); /* nothing stored past the end */
		eml_threadpool_destroy(pool);
		eml_fast_destroy(op);
		test_free(want);
		test_free(got);
		kc_free(&c);
	}
}

/* What the fast path leaves to the reference: padding taps would change the sum when a
 * weight is not finite (0 * inf) or a bias is -0; a Gemm C that is not one row; B not a
 * constant; the scalar level. The same node without the
 * offending value does run fast, so each case fails alone. */
static void test_fallback(void **state)
{
	(void)state;
	eml_isa levels[EML_ISA_COUNT];
	uint32_t nl = fast_levels(levels);
	if (nl == 0)
		skip();
	conv_shape s = { .n = 1, .cin = 3, .cout = 5, .group = 1, .h = 6, .w = 7, .kh = 3,
			 .kw = 3, .sh = 1, .sw = 1, .dh = 1, .dw = 1, .pads = { 1, 1, 1, 1 },
			 .bias = 1 };
	kcase c;
	conv_build(&c, &s);
	eml_fast_op *op = kc_prepare(&c, levels[0], 1);
	assert_non_null(op);
	eml_fast_destroy(op);
	assert_null(kc_prepare(&c, EML_ISA_SCALAR, 1));
	float *w = (float *)c.in_data[1], *b = (float *)c.in_data[2];
	float keep = w[7];
	w[7] = INFINITY;
	assert_null(kc_prepare(&c, levels[0], 1));
	w[7] = keep;
	b[2] = -0.0f;
	assert_null(kc_prepare(&c, levels[0], 1));
	kc_free(&c);

	kc_init(&c, EML_OP_Gemm);
	kc_in(&c, 2, (int64_t[]){ 3, 4 }, 0, 0);
	kc_in(&c, 2, (int64_t[]){ 4, 5 }, 1, 0);
	kc_in(&c, 2, (int64_t[]){ 3, 5 }, 1, 0);
	assert_null(kc_prepare(&c, levels[0], 1)); /* C differs per row */
	c.in[2].dims[0] = 1;
	c.in[2].data_size = 5 * sizeof(float);
	op = kc_prepare(&c, levels[0], 1);
	assert_non_null(op);
	eml_fast_destroy(op);
	c.in[1].flags = EML_TF_INPUT; /* B supplied at run time */
	assert_null(kc_prepare(&c, levels[0], 1));
	kc_free(&c);
}

/* The micro-kernels straight: every tile size mr x nr (ragged rows and columns) with row
 * and column biases, alpha, and bounds, against a scalar fmaf loop; stores stay in the tile. */
static void test_gemm_ukernel(void **state)
{
	(void)state;
	eml_isa levels[EML_ISA_COUNT];
	uint32_t nl = fast_levels(levels);
	if (nl == 0)
		skip();
	enum { K = 37, MRX = 8, NRX = 32, CS = NRX + 3 };
	for (uint32_t l = 0; l < nl; l++) {
		const eml_f32_gemm_ukernel *uk = eml_cpu_kernels_for(levels[l])->f32_gemm;
		assert_non_null(uk);
		assert_true(uk->mr <= MRX && uk->nr <= NRX);
		float a[K * MRX], b[K * NRX], rb[MRX], cb[NRX], c[MRX * CS];
		size_t off[K];
		for (size_t i = 0; i < K; i++)
			off[i] = i * uk->nr;
		for (uint32_t mr = 1; mr <= uk->mr; mr++) {
			for (uint32_t nr = 1; nr <= uk->nr; nr++) {
				for (size_t i = 0; i < K * MRX; i++)
					a[i] = rnd_f(0);
				for (size_t i = 0; i < K * NRX; i++)
					b[i] = rnd_f(0);
				for (size_t i = 0; i < MRX; i++)
					rb[i] = rnd_f(0);
				for (size_t i = 0; i < NRX; i++)
					cb[i] = rnd_f(0);
				for (size_t i = 0; i < MRX * CS; i++)
					c[i] = -7.0f;
				int use_row = (mr + nr) % 2, use_col = (mr + nr) % 3 == 0;
				eml_f32_minmax p = {
					.row_bias = use_row ? rb : NULL,
					.col_bias = use_col ? cb : NULL,
					.alpha = 1.5f, .scale = nr % 2, .lo = -3.0f, .hi = 2.5f,
				};
				uk->fn(mr, nr, K, a, b, off, c, CS, &p);
				for (uint32_t i = 0; i < MRX; i++) {
					for (uint32_t j = 0; j < CS; j++) {
						float want = -7.0f;
						if (i < mr && j < nr) {
							float acc = 0.0f;
							for (size_t kk = 0; kk < K; kk++)
								acc = fmaf(a[kk * uk->mr + i],
									   b[off[kk] + j], acc);
							if (p.scale)
								acc = acc * p.alpha;
							if (use_row)
								acc = acc + rb[i];
							if (use_col)
								acc = acc + cb[j];
							want = acc < p.lo ? p.lo
							       : acc > p.hi ? p.hi
									    : acc;
						}
						if (memcmp(&c[i * CS + j], &want, 4) != 0)
							fail_msg("%s mr %u nr %u: c[%u][%u] = %g, "
								 "want %g",
								 uk->name, mr, nr, i, j,
								 (double)c[i * CS + j], (double)want);
					}
				}
			}
		}
	}
}

/* Builds a random binary op of out_rank dims: each operand takes the output's shape with
 * some dims set to 1 (all of them: a scalar) and maybe fewer leading dims, so same shapes,
 * per-channel, scalar and crossed ((C, 1) with (1, W)) broadcasts all come up. */
static void binary_build(kcase *c, uint32_t op, uint32_t rank, const int64_t *dims,
			 uint32_t special, char *what, size_t cap)
{
	static const char *names[] = { "add", "sub", "mul", "div" };
	int64_t od[2][6];
	uint32_t orank[2];
	kc_init(c, op);
	for (int k = 0; k < 2; k++) {
		uint32_t form = rnd() % 4; /* 0, 1: full; 2: some dims 1; 3: scalar */
		orank[k] = form < 3 && rnd() % 4 == 0 && rank > 1 ? rank - 1 - rnd() % (rank - 1) :
								    rank;
		for (uint32_t d = 0; d < orank[k]; d++) {
			int64_t full = dims[rank - orank[k] + d];
			od[k][d] = form == 3 || (form == 2 && rnd() % 2) ? 1 : full;
		}
		kc_in(c, orank[k], od[k], 0, special);
	}
	if (op == EML_OP_Add)
		kc_activation(c);
	int n = snprintf(what, cap, "%s out", names[op == EML_OP_Add ? 0 : op == EML_OP_Sub ? 1 :
						 op == EML_OP_Mul ? 2 : 3]);
	for (uint32_t d = 0; d < rank; d++)
		n += snprintf(what + n, cap - (size_t)n, " %lld", (long long)dims[d]);
	for (int k = 0; k < 2; k++) {
		n += snprintf(what + n, cap - (size_t)n, k ? ", b" : ", a");
		for (uint32_t d = 0; d < orank[k]; d++)
			n += snprintf(what + n, cap - (size_t)n, " %lld", (long long)od[k][d]);
	}
}

/* Random Add, Sub, Mul and Div with broadcasting and special values on every level, 1 and 3
 * threads, and outputs large enough for the pool to split (rows, and one long row). */
static void test_fbinary(void **state)
{
	(void)state;
	static const uint32_t ops[] = { EML_OP_Add, EML_OP_Sub, EML_OP_Mul, EML_OP_Div };
	eml_isa levels[EML_ISA_COUNT];
	uint32_t nl = fast_levels(levels);
	if (nl == 0)
		skip();
	char what[256];
	for (uint32_t l = 0; l < nl; l++) {
		for (int it = 0; it < 400; it++) {
			uint32_t rank = 1 + rnd() % 4;
			int64_t dims[4];
			for (uint32_t d = 0; d < rank; d++)
				dims[d] = rnd() % 5 == 0 ? 1 : 1 + rnd() % 40;
			kcase c;
			binary_build(&c, ops[it % 4], rank, dims, rnd() % 2 ? 8 : 0, what,
				     sizeof(what));
			kc_check(&c, levels[l], 1 + (it % 2) * 2, "f32-vbinary", what);
			kc_free(&c);
		}
		for (int it = 0; it < 8; it++) {
			int64_t big[2][4] = { { 2, 9, 240, 250 }, { 1, 1, 1, 1100000 } };
			kcase c;
			binary_build(&c, ops[it % 4], 4, big[it / 4], 8, what, sizeof(what));
			kc_check(&c, levels[l], 1, "f32-vbinary", what);
			kc_check(&c, levels[l], 3, "f32-vbinary", what);
			kc_free(&c);
		}
	}
}

/* A pool's shape. */
typedef struct pool_shape {
	int64_t n, c, h, w, kh, kw, sh, sw, dh, dw, pads[4], ceil;
	int one_d;
} pool_shape;

/* Builds a MaxPool of s with random data, specials at rate 1 / special. */
static void maxpool_build(kcase *c, const pool_shape *s, uint32_t special)
{
	kc_init(c, EML_OP_MaxPool);
	if (s->one_d) {
		kc_in(c, 3, (int64_t[]){ s->n, s->c, s->w }, 0, special);
		kc_ints(c, "kernel_shape", 1, (int64_t[]){ s->kw });
		kc_ints(c, "strides", 1, (int64_t[]){ s->sw });
		kc_ints(c, "pads", 2, (int64_t[]){ s->pads[1], s->pads[3] });
		kc_ints(c, "dilations", 1, (int64_t[]){ s->dw });
	} else {
		kc_in(c, 4, (int64_t[]){ s->n, s->c, s->h, s->w }, 0, special);
		kc_ints(c, "kernel_shape", 2, (int64_t[]){ s->kh, s->kw });
		kc_ints(c, "strides", 2, (int64_t[]){ s->sh, s->sw });
		kc_ints(c, "pads", 4, s->pads);
		kc_ints(c, "dilations", 2, (int64_t[]){ s->dh, s->dw });
	}
	if (s->ceil)
		kc_int(c, "ceil_mode", 1);
}

/* A random max pool geometry: kernels 1 to 4, strides 1 to 3, dilation 1 or 2, pads up to
 * half the kernel, ceil_mode, 1-D. */
static void pool_random(pool_shape *s)
{
	memset(s, 0, sizeof(*s));
	s->n = 1 + rnd() % 2;
	s->c = 1 + rnd() % 6;
	s->one_d = rnd() % 5 == 0;
	s->h = s->one_d ? 1 : 1 + rnd() % 20;
	s->w = 1 + rnd() % 24;
	s->kh = s->one_d ? 1 : 1 + rnd() % 4;
	s->kw = 1 + rnd() % 4;
	s->sh = s->one_d ? 1 : 1 + rnd() % 3;
	s->sw = 1 + rnd() % 3;
	s->dh = !s->one_d && rnd() % 4 == 0 ? 2 : 1;
	s->dw = rnd() % 4 == 0 ? 2 : 1;
	for (int i = 0; i < 4; i++)
		s->pads[i] = rnd() % (uint32_t)((i % 2 ? s->kw : s->kh) / 2 + 1);
	if (s->one_d)
		s->pads[0] = s->pads[2] = 0;
	s->ceil = rnd() % 3 == 0;
	if (s->h + s->pads[0] + s->pads[2] < (s->kh - 1) * s->dh + 1)
		s->h = (s->kh - 1) * s->dh + 1;
	if (s->w + s->pads[1] + s->pads[3] < (s->kw - 1) * s->dw + 1)
		s->w = (s->kw - 1) * s->dw + 1;
}

/* Random float max pools on every level, 1 and 3 threads, with many special values (a
 * window of -inf only, NaN, zeros of both signs in either order), and one large enough for
 * the pool (ResNet's 3x3 stride 2). */
static void test_fmaxpool(void **state)
{
	(void)state;
	eml_isa levels[EML_ISA_COUNT];
	uint32_t nl = fast_levels(levels);
	if (nl == 0)
		skip();
	char what[200];
	for (uint32_t l = 0; l < nl; l++) {
		for (int it = 0; it < 300; it++) {
			pool_shape s;
			pool_random(&s);
			uint32_t special = it % 3 == 0 ? 0 : it % 3 == 1 ? 10 : 2;
			snprintf(what, sizeof(what),
				 "maxpool n%lld c%lld %lldx%lld k%lldx%lld s%lldx%lld d%lldx%lld "
				 "p%lld,%lld,%lld,%lld ceil %lld%s specials 1/%u",
				 (long long)s.n, (long long)s.c, (long long)s.h, (long long)s.w,
				 (long long)s.kh, (long long)s.kw, (long long)s.sh, (long long)s.sw,
				 (long long)s.dh, (long long)s.dw, (long long)s.pads[0],
				 (long long)s.pads[1], (long long)s.pads[2], (long long)s.pads[3],
				 (long long)s.ceil, s.one_d ? " 1-D" : "", special);
			kcase c;
			maxpool_build(&c, &s, special);
			kc_check(&c, levels[l], 1 + (it % 2) * 2, "f32-maxpool", what);
			kc_free(&c);
		}
		/* rows wide enough for the row kernel's whole vectors (stride 1 and 2, windows
		 * up to 8 wide, left padding and ceil_mode overhangs at both ends); at the
		 * AVX-512 level these must run on it */
		for (int it = 0; it < 60; it++) {
			pool_shape s;
			pool_random(&s);
			s.w = 17 + rnd() % 140;
			s.kw = 1 + rnd() % 8;
			s.sw = 1 + rnd() % 2;
			s.dw = 1;
			s.pads[1] = rnd() % (uint32_t)(s.kw / 2 + 1);
			s.pads[3] = rnd() % (uint32_t)(s.kw / 2 + 1);
			if (s.one_d)
				s.pads[0] = s.pads[2] = 0;
			const char *want = avx512_level(levels[l]) ? "f32-maxpool-rows"
									  : "f32-maxpool";
			snprintf(what, sizeof(what),
				 "maxpool rows n%lld c%lld %lldx%lld k%lldx%lld s%lldx%lld d%lld "
				 "p%lld,%lld,%lld,%lld ceil %lld%s",
				 (long long)s.n, (long long)s.c, (long long)s.h, (long long)s.w,
				 (long long)s.kh, (long long)s.kw, (long long)s.sh, (long long)s.sw,
				 (long long)s.dh, (long long)s.pads[0], (long long)s.pads[1],
				 (long long)s.pads[2], (long long)s.pads[3], (long long)s.ceil,
				 s.one_d ? " 1-D" : "");
			kcase c;
			maxpool_build(&c, &s, it % 2 ? 2 : 10);
			kc_check(&c, levels[l], 1 + (it % 2) * 2, want, what);
			kc_free(&c);
		}
		pool_shape big = { .n = 1, .c = 33, .h = 128, .w = 127, .kh = 3, .kw = 3, .sh = 2,
				   .sw = 2, .dh = 1, .dw = 1, .pads = { 1, 1, 1, 1 } };
		kcase c;
		maxpool_build(&c, &big, 20);
		kc_check(&c, levels[l], 1, "f32-maxpool", "maxpool 33x128x127 3x3 s2 p1");
		kc_check(&c, levels[l], 4, "f32-maxpool", "maxpool 33x128x127 3x3 s2 p1");
		kc_free(&c);
	}
}

/* Random 3-D float max pools (kernels 1 to 3 on each axis, strides 1 to 3, dilations,
 * pads, ceil_mode; wide rows now and then) on every level, 1 and 3 threads, with special
 * values: over the slices' phase planes, or on AVX-512 row by row from the input where
 * the columns allow (both must be seen there). */
static void test_fmaxpool3d(void **state)
{
	(void)state;
	eml_isa levels[EML_ISA_COUNT];
	uint32_t nl = fast_levels(levels);
	if (nl == 0)
		skip();
	char what[240];
	for (uint32_t l = 0; l < nl; l++) {
		int rows = 0, planes = 0;
		for (int it = 0; it < 150; it++) {
			int64_t dims[5], k[3], s[3], d[3], p[6];
			dims[0] = 1 + rnd() % 2;
			dims[1] = 1 + rnd() % 5;
			for (int a = 0; a < 3; a++) {
				dims[2 + a] = 1 + rnd() % (a == 0 ? 6 : a == 1 ? 12
							    : rnd() % 3 ? 14 : 80);
				k[a] = 1 + rnd() % 3;
				s[a] = 1 + rnd() % 3;
				d[a] = rnd() % 4 ? 1 : 2;
				p[a] = rnd() % (uint32_t)(k[a] / 2 + 1);
				p[a + 3] = rnd() % (uint32_t)(k[a] / 2 + 1);
				if (dims[2 + a] + p[a] + p[a + 3] < (k[a] - 1) * d[a] + 1)
					dims[2 + a] = (k[a] - 1) * d[a] + 1;
			}
			int ceil = rnd() % 3 == 0;
			uint32_t special = it % 3 == 0 ? 0 : it % 3 == 1 ? 10 : 2;
			kcase c;
			kc_init(&c, EML_OP_MaxPool);
			kc_in(&c, 5, dims, 0, special);
			kc_ints(&c, "kernel_shape", 3, k);
			kc_ints(&c, "strides", 3, s);
			kc_ints(&c, "dilations", 3, d);
			kc_ints(&c, "pads", 6, p);
			if (ceil)
				kc_int(&c, "ceil_mode", 1);
			snprintf(what, sizeof(what),
				 "maxpool3d n%lld c%lld %lldx%lldx%lld k%lldx%lldx%lld "
				 "s%lldx%lldx%lld d%lldx%lldx%lld p%lld,%lld,%lld,%lld,%lld,%lld "
				 "ceil %d specials 1/%u",
				 (long long)dims[0], (long long)dims[1], (long long)dims[2],
				 (long long)dims[3], (long long)dims[4], (long long)k[0],
				 (long long)k[1], (long long)k[2], (long long)s[0], (long long)s[1],
				 (long long)s[2], (long long)d[0], (long long)d[1], (long long)d[2],
				 (long long)p[0], (long long)p[1], (long long)p[2], (long long)p[3],
				 (long long)p[4], (long long)p[5], ceil, special);
			eml_fast_op *op = kc_prepare(&c, levels[l], 1);
			if (op) {
				rows += strcmp(op->kernel, "f32-maxpool-rows") == 0;
				planes += strcmp(op->kernel, "f32-maxpool") == 0;
				eml_fast_destroy(op);
			}
			kc_check(&c, levels[l], 1 + (it % 2) * 2, "f32-maxpool", what);
			kc_free(&c);
		}
		assert_true(planes > 0);
		if (avx512_level(levels[l]))
			assert_true(rows > 0);
	}
}

/* GlobalAveragePool (rank 3 to 5), the AveragePool whole-plane window and AveragePool
 * windows inside the input (random kernel and strides, with count_include_pad or not) on
 * every level, 1 and 3 threads, with special values and with magnitudes whose sums depend
 * on the order of the additions; a padded AveragePool stays on the reference. */
static void test_favgpool(void **state)
{
	(void)state;
	eml_isa levels[EML_ISA_COUNT];
	uint32_t nl = fast_levels(levels);
	if (nl == 0)
		skip();
	char what[160];
	for (uint32_t l = 0; l < nl; l++) {
		for (int it = 0; it < 120; it++) {
			int64_t d[5] = { 1 + rnd() % 2, 1 + rnd() % 40, 1 + rnd() % 30,
					 1 + rnd() % 9, 1 + rnd() % 3 };
			int global = it % 2;
			uint32_t rank = global ? 3 + rnd() % 3 : 3 + rnd() % 2;
			uint32_t special = it % 3 == 0 ? 6 : 0;
			kcase c;
			kc_init(&c, global ? EML_OP_GlobalAveragePool : EML_OP_AveragePool);
			kc_in(&c, rank, d, 0, special);
			if (!global)
				kc_ints(&c, "kernel_shape", rank - 2, &d[2]);
			snprintf(what, sizeof(what), "%s rank %u %lldx%lldx%lldx%lldx%lld",
				 global ? "global" : "window", rank, (long long)d[0],
				 (long long)d[1], (long long)d[2], (long long)d[3],
				 (long long)d[4]);
			kc_check(&c, levels[l], 1 + (it % 4 == 1) * 2, "f32-avgpool", what);
			kc_free(&c);
		}
		kcase c;
		kc_init(&c, EML_OP_GlobalAveragePool);
		kc_in(&c, 4, (int64_t[]){ 2, 300, 64, 60 }, 0, 0);
		kc_check(&c, levels[l], 3, "f32-avgpool", "globalaveragepool 2x300x64x60");
		kc_free(&c);
		/* a pair +2^60, -2^60 a few elements apart at a random place of each plane,
		 * small values around it: the double sum drops what comes before the pair and
		 * the pair's own neighbours or not depending on where each stands, so only each
		 * plane's own order of additions gives the reference's bits (37 planes: groups
		 * of 16 and 8 and the rest; 143 elements: blocks of 8 and a tail) */
		for (int it = 0; it < 4; it++) {
			kc_init(&c, EML_OP_GlobalAveragePool);
			size_t np = (size_t)(1 + it % 2) * 37, n = 143;
			float *xs = kc_in(&c, 4, (int64_t[]){ 1 + it % 2, 37, 13, 11 }, 0, 0);
			for (size_t q = 0; q < np; q++) {
				size_t at = rnd() % (n - 8), gap = 1 + rnd() % 6;
				xs[q * n + at] = ldexpf(1.0f, 60);
				xs[q * n + at + gap] = -ldexpf(1.0f, 60);
			}
			kc_check(&c, levels[l], 1 + (uint32_t)(it % 2) * 2, "f32-avgpool",
				 "globalaveragepool, cancelling +-2^60");
			kc_free(&c);
		}
		for (int it = 0; it < 120; it++) {
			uint32_t rank = 3 + it % 2, ns = rank - 2;
			int64_t d[4] = { 1 + rnd() % 2, 1 + rnd() % 20, 1 + rnd() % 30,
					 1 + rnd() % 30 };
			int64_t k[2], st[2];
			for (uint32_t i = 0; i < ns; i++) {
				k[i] = 1 + rnd() % (d[2 + i] < 4 ? d[2 + i] : 4);
				st[i] = 1 + rnd() % 3;
			}
			kc_init(&c, EML_OP_AveragePool);
			kc_in(&c, rank, d, 0, it % 3 == 0 ? 6 : 0);
			kc_ints(&c, "kernel_shape", ns, k);
			kc_ints(&c, "strides", ns, st);
			if (it % 2)
				kc_int(&c, "count_include_pad", 1);
			snprintf(what, sizeof(what),
				 "averagepool rank %u %lldx%lldx%lldx%lld k %lld %lld s %lld %lld",
				 rank, (long long)d[0], (long long)d[1], (long long)d[2],
				 (long long)d[3], (long long)k[0], (long long)k[ns - 1],
				 (long long)st[0], (long long)st[ns - 1]);
			kc_check(&c, levels[l], 1 + (it % 4 == 1) * 2, "f32-avgpool", what);
			kc_free(&c);
		}
		kc_init(&c, EML_OP_AveragePool);
		kc_in(&c, 4, (int64_t[]){ 1, 3, 6, 5 }, 0, 0);
		kc_ints(&c, "kernel_shape", 2, (int64_t[]){ 3, 3 });
		kc_ints(&c, "pads", 4, (int64_t[]){ 1, 1, 1, 1 });
		assert_null(kc_prepare(&c, levels[l], 1));
		kc_free(&c);
		/* ReduceMean over every axis past the first two (rank 3-5, axes given negative
		 * or not, kept or dropped) runs as the planes' means, bit for bit; over other
		 * axes it stays with the reference */
		for (int it = 0; it < 60; it++) {
			uint32_t rank = 3 + it % 3;
			int64_t d[5] = { 1 + rnd() % 2, 1 + rnd() % 40, 1 + rnd() % 12,
					 1 + rnd() % 9, 1 + rnd() % 4 };
			int64_t axes[3];
			for (uint32_t i = 2; i < rank; i++)
				axes[i - 2] = it % 2 ? (int64_t)i - (int64_t)rank : (int64_t)i;
			kc_init(&c, EML_OP_ReduceMean);
			kc_in(&c, rank, d, 0, it % 3 == 0 ? 6 : 0);
			kc_axes(&c, rank - 2, axes);
			kc_int(&c, "keepdims", it % 4 < 2);
			snprintf(what, sizeof(what), "reducemean rank %u %lldx%lldx%lldx%lldx%lld", rank,
				 (long long)d[0], (long long)d[1], (long long)d[2], (long long)d[3],
				 (long long)d[4]);
			kc_check(&c, levels[l], 1 + (it % 4 == 1) * 2, "f32-avgpool", what);
			kc_free(&c);
		}
		static const int64_t other[][3] = { { 1, 2, 3 }, { 3, 0, 0 }, { 1, 0, 0 },
						    { 0, 2, 3 } };
		static const uint32_t n_other[] = { 3, 1, 1, 3 };
		for (int i = 0; i < 4; i++) {
			kc_init(&c, EML_OP_ReduceMean);
			kc_in(&c, 4, (int64_t[]){ 2, 3, 4, 5 }, 0, 0);
			kc_axes(&c, n_other[i], other[i]);
			assert_null(kc_prepare(&c, levels[l], 1));
			kc_free(&c);
		}
	}
}

/* A ConvTranspose's shape: 1-D to 3-D (dims of 1 are leading unit axes for lower ranks). */
typedef struct convt_shape {
	uint32_t ns;
	int64_t n, cin, cout, group, in[3], k[3], s[3], d[3], pads[6], opad[3], oshape[3];
	int bias, use_oshape;
	const char *auto_pad;
} convt_shape;

/* Builds the ConvTranspose of s with random data: specials (NaN, infinities, -0,
 * subnormals) in X only when special, since non-finite weights leave the node to the
 * reference (0 * inf in a padding tap). */
static void convt_build(kcase *c, const convt_shape *s, uint32_t special)
{
	uint32_t rank = 2 + s->ns;
	int64_t xd[5] = { s->n, s->cin }, wd[5] = { s->cin, s->cout / s->group };
	for (uint32_t i = 0; i < s->ns; i++) {
		xd[2 + i] = s->in[i];
		wd[2 + i] = s->k[i];
	}
	kc_init(c, EML_OP_ConvTranspose);
	kc_in(c, rank, xd, 0, special);
	kc_in(c, rank, wd, 1, 0);
	if (s->bias)
		kc_in(c, 1, (int64_t[]){ s->cout }, 1, 0);
	else
		kc_absent(c);
	kc_ints(c, "strides", s->ns, s->s);
	kc_ints(c, "dilations", s->ns, s->d);
	if (s->use_oshape) {
		kc_ints(c, "output_shape", s->ns, s->oshape);
	} else if (s->auto_pad) {
		c->attrs[c->node.n_attrs++] = (eml_attr){ .name = "auto_pad",
							  .type = EML_ATTR_STRING,
							  .count = (uint32_t)strlen(s->auto_pad),
							  .s = s->auto_pad };
	} else {
		kc_ints(c, "pads", 2 * s->ns, s->pads);
		kc_ints(c, "output_padding", s->ns, s->opad);
	}
	if (s->group > 1)
		kc_int(c, "group", s->group);
	kc_activation(c);
}

/* A random ConvTranspose: strides 1-3, kernels 1-4, dilations 1-2, pads, output padding
 * or shape, auto_pad, groups (depthwise among them), batch 1-2; convt_build adds a random
 * fused activation. */
static void convt_random(convt_shape *s, int big)
{
	static const char *const pads[] = { "SAME_UPPER", "SAME_LOWER", "VALID" };
	memset(s, 0, sizeof(*s));
	s->ns = 1 + rnd() % 3;
	if (s->ns == 3 && rnd() % 2)
		s->ns = 2;
	s->n = 1 + rnd() % 2;
	s->group = rnd() % 3 == 0 ? 1 + rnd() % 6 : 1;
	int dw = s->group > 1 && rnd() % 2;
	s->cin = s->group * (dw ? 1 : 1 + rnd() % (big ? 24 : 9));
	s->cout = s->group * (dw ? 1 : 1 + rnd() % (big ? 24 : 9));
	for (uint32_t i = 0; i < s->ns; i++) {
		s->in[i] = 1 + rnd() % (s->ns == 3 ? 5 : big ? 40 : 11);
		s->k[i] = 1 + rnd() % 4;
		s->s[i] = 1 + rnd() % 3;
		s->d[i] = rnd() % 4 == 0 ? 2 : 1;
		int64_t full = s->s[i] * (s->in[i] - 1) + (s->k[i] - 1) * s->d[i] + 1;
		int64_t pmax = full > 1 ? (full - 1) / 2 : 0;
		s->pads[i] = pmax ? rnd() % (uint32_t)(pmax + 1) : 0;
		s->pads[s->ns + i] = pmax ? rnd() % (uint32_t)(pmax + 1) : 0;
		int64_t olim = s->s[i] > s->d[i] ? s->s[i] : s->d[i];
		s->opad[i] = rnd() % 3 == 0 ? rnd() % (uint32_t)olim : 0;
		s->oshape[i] = 1 + rnd() % (uint32_t)(full + 2);
	}
	s->bias = rnd() % 4 != 0;
	switch (rnd() % 6) {
	case 0:
		s->use_oshape = 1;
		break;
	case 1:
		s->auto_pad = pads[rnd() % 3];
		break;
	default:
		break;
	}
}

/* Describes s for messages. */
static void convt_what(const convt_shape *s, char *what, size_t cap)
{
	int n = snprintf(what, cap, "convtranspose %uD n%lld c%lld->%lld g%lld", s->ns,
			 (long long)s->n, (long long)s->cin, (long long)s->cout,
			 (long long)s->group);
	for (uint32_t i = 0; i < s->ns && n > 0 && (size_t)n < cap; i++)
		n += snprintf(what + n, cap - (size_t)n,
			      " [in %lld k %lld s %lld d %lld p %lld,%lld op %lld os %lld]",
			      (long long)s->in[i], (long long)s->k[i], (long long)s->s[i],
			      (long long)s->d[i], (long long)s->pads[i],
			      (long long)s->pads[s->ns + i], (long long)s->opad[i],
			      (long long)s->oshape[i]);
	if (n > 0 && (size_t)n < cap)
		snprintf(what + n, cap - (size_t)n, "%s%s%s%s", s->bias ? " bias" : "",
			 s->use_oshape ? " output_shape" : "", s->auto_pad ? " " : "",
			 s->auto_pad ? s->auto_pad : "");
}

/* ConvTranspose by output phase on the GEMM kernel, bit for bit against the reference;
 * shapes infer refuses (pads leaving no output) are skipped. Non-finite weights and a -0
 * bias decline (the reference runs). */
static void test_fconvtranspose(void **state)
{
	(void)state;
	eml_isa levels[EML_ISA_COUNT];
	uint32_t nl = fast_levels(levels);
	if (nl == 0)
		skip();
	char what[512];
	for (uint32_t l = 0; l < nl; l++) {
		int ran = 0;
		for (int it = 0; it < 300; it++) {
			convt_shape s;
			convt_random(&s, it % 10 == 9);
			convt_what(&s, what, sizeof(what));
			kcase c;
			convt_build(&c, &s, it % 3 == 0 ? 40 : 0);
			if (eml_op_infer(&c.node, c.inp, &c.out) != EDGEML_OK) {
				kc_free(&c);
				continue;
			}
			kc_check(&c, levels[l], 1 + (it % 2) * 2, "f32-gemm", what);
			kc_free(&c);
			ran++;
		}
		assert_true(ran > 200);
		/* PP-OCR's upsampling: 2x2 stride 2 */
		kcase c;
		convt_shape s = { .ns = 2, .n = 1, .cin = 24, .cout = 24, .group = 1,
				  .in = { 40, 40 }, .k = { 2, 2 }, .s = { 2, 2 }, .d = { 1, 1 },
				  .bias = 1 };
		convt_build(&c, &s, 0);
		kc_check(&c, levels[l], 3, "f32-gemm", "convtranspose 24->24 40x40 k2 s2");
		kc_free(&c);
		/* with overlap (3x3 stride 2), an infinite weight or a -0 bias leaves the node
		 * to the reference; without, they run */
		convt_build(&c, &s, 0);
		((float *)c.owned[1])[7] = INFINITY;
		((float *)c.owned[2])[3] = -0.0f;
		kc_check(&c, levels[l], 1, "f32-gemm", "convtranspose k2 s2, inf weight, -0 bias");
		kc_free(&c);
		s.k[0] = s.k[1] = 3;
		convt_build(&c, &s, 0);
		((float *)c.owned[1])[7] = INFINITY;
		assert_null(kc_prepare(&c, levels[l], 1));
		kc_free(&c);
		convt_build(&c, &s, 0);
		((float *)c.owned[2])[3] = -0.0f;
		assert_null(kc_prepare(&c, levels[l], 1));
		kc_free(&c);
	}
}

/* Every level with fast kernels has each float micro-kernel; scalar has none. */
static void test_ukernel_table(void **state)
{
	(void)state;
	eml_isa levels[EML_ISA_COUNT];
	uint32_t nl = fast_levels(levels);
	assert_null(eml_cpu_kernels_for(EML_ISA_SCALAR)->f32_gemm);
	assert_null(eml_cpu_kernels_for(EML_ISA_SCALAR)->f32_dw);
	assert_null(eml_cpu_kernels_for(EML_ISA_SCALAR)->f32_dwc);
	assert_null(eml_cpu_kernels_for(EML_ISA_SCALAR)->f32_maxpool);
	assert_null(eml_cpu_kernels_for(EML_ISA_SCALAR)->f32_vbinary);
	for (uint32_t l = 0; l < nl; l++) {
		assert_non_null(eml_cpu_kernels_for(levels[l])->f32_gemm);
		assert_non_null(eml_cpu_kernels_for(levels[l])->f32_dw);
		assert_non_null(eml_cpu_kernels_for(levels[l])->f32_dwc);
		assert_non_null(eml_cpu_kernels_for(levels[l])->f32_maxpool);
		assert_non_null(eml_cpu_kernels_for(levels[l])->f32_wino);
		for (int op = 0; op < EML_F32_OPS; op++)
			for (int form = 0; form < EML_F32_FORMS; form++)
				assert_non_null(eml_cpu_kernels_for(levels[l])->f32_vbinary[op][form]);
	}
}

/* The scalar transforms of one tile, fwinograd.c's operations in its order. */
static void wino_in_ref(const float *d, size_t ds, float v[16])
{
	float t[4][4];
	for (int k = 0; k < 4; k++) {
		float a0 = d[k], a1 = d[ds + k], a2 = d[2 * ds + k], a3 = d[3 * ds + k];
		t[0][k] = a0 - a2;
		t[1][k] = a1 + a2;
		t[2][k] = a2 - a1;
		t[3][k] = a1 - a3;
	}
	for (int i = 0; i < 4; i++) {
		v[i * 4 + 0] = t[i][0] - t[i][2];
		v[i * 4 + 1] = t[i][1] + t[i][2];
		v[i * 4 + 2] = t[i][2] - t[i][1];
		v[i * 4 + 3] = t[i][1] - t[i][3];
	}
}

static void wino_out_ref(const float m[16], float bias, float lo, float hi, float y[2][2])
{
	float s[2][4];
	for (int k = 0; k < 4; k++) {
		s[0][k] = m[k] + m[4 + k] + m[8 + k];
		s[1][k] = m[4 + k] - m[8 + k] - m[12 + k];
	}
	for (int i = 0; i < 2; i++) {
		float o0 = s[i][0] + s[i][1] + s[i][2] + bias;
		float o1 = s[i][1] - s[i][2] - s[i][3] + bias;
		y[i][0] = o0 < lo ? lo : o0 > hi ? hi : o0;
		y[i][1] = o1 < lo ? lo : o1 > hi ? hi : o1;
	}
}

/* Whether a and b are the same float bits, or both NaN. */
static int same_float(float a, float b)
{
	return (isnan(a) && isnan(b)) || memcmp(&a, &b, sizeof(a)) == 0;
}

/* Each level's Winograd transform kernels against the scalar transforms, bit for bit (NaN
 * for NaN): every run length up to the kernel's, special values, bounds, and nothing stored
 * outside the n tiles' floats. */
static void test_wino_ukernel(void **state)
{
	(void)state;
	eml_isa levels[EML_ISA_COUNT];
	uint32_t nl = fast_levels(levels);
	if (nl == 0)
		skip();
	enum { RUNX = 16, DS = 2 * RUNX + 5, VS = RUNX + 3, YS = 2 * RUNX + 3 };
	for (uint32_t l = 0; l < nl; l++) {
		const eml_f32_wino_ukernel *wk = eml_cpu_kernels_for(levels[l])->f32_wino;
		if (!wk)
			continue;
		assert_true(wk->run >= 1 && wk->run <= RUNX);
		for (int it = 0; it < 400; it++) {
			uint32_t n = 1 + (uint32_t)it % wk->run;
			uint32_t special = it % 3 == 0 ? 20 : 0;
			float d[4 * DS], v[16 * VS], m[16 * VS], y[2 * YS];
			for (size_t i = 0; i < 4 * DS; i++)
				d[i] = rnd_f(special);
			for (size_t i = 0; i < 16 * VS; i++) {
				v[i] = -7.0f;
				m[i] = rnd_f(special);
			}
			for (size_t i = 0; i < 2 * YS; i++)
				y[i] = -7.0f;
			float bias = rnd_f(special);
			float lo = it % 4 == 0 ? -INFINITY : it % 4 == 1 ? 0.0f : -1.5f;
			float hi = it % 4 == 0 ? INFINITY : it % 4 == 1 ? 6.0f : 2.0f;
			wk->in(d, DS, v, VS, n);
			wk->out(m, VS, bias, lo, hi, y, YS, n);
			for (uint32_t j = 0; j < VS; j++) {
				float want[16], mt[16], yt[2][2];
				if (j < n) {
					wino_in_ref(d + 2 * j, DS, want);
					for (int pos = 0; pos < 16; pos++)
						mt[pos] = m[pos * VS + j];
					wino_out_ref(mt, bias, lo, hi, yt);
				}
				for (int pos = 0; pos < 16; pos++) {
					float w = j < n ? want[pos] : -7.0f;
					if (!same_float(v[pos * VS + j], w))
						fail_msg("%s in: n %u tile %u pos %d: %a, want %a",
							 wk->name, n, j, pos, v[pos * VS + j], w);
				}
				for (int i = 0; i < 2; i++) {
					for (int k = 0; k < 2 && 2 * j + (uint32_t)k < YS; k++) {
						float got = y[i * YS + 2 * j + (uint32_t)k];
						float w = j < n ? yt[i][k] : -7.0f;
						if (!same_float(got, w))
							fail_msg("%s out: n %u tile %u (%d, %d): %a, "
								 "want %a",
								 wk->name, n, j, i, k, got, w);
					}
				}
			}
		}
	}
}

/* HardSigmoid (random alpha and beta, or the defaults) and HardSwish on the fast path,
 * bit for bit against the reference with special values, on one thread and a pool, sizes
 * from one element to several chunks; a beta of -0 (where libms' fmaxf(0, -0) differ) stays
 * on the reference. */
static void test_fhswish(void **state)
{
	(void)state;
	eml_isa levels[EML_ISA_COUNT];
	uint32_t nl = fast_levels(levels);
	if (nl == 0)
		skip();
	char what[128];
	for (uint32_t l = 0; l < nl; l++) {
		for (int it = 0; it < 200; it++) {
			int swish = it % 2;
			int64_t dims[4] = { 1 + rnd() % 3, 1 + rnd() % 17, 1 + rnd() % 23,
					    it % 20 == 0 ? 3000 : 1 + rnd() % 29 };
			kcase c;
			kc_init(&c, swish ? EML_OP_HardSwish : EML_OP_HardSigmoid);
			kc_in(&c, 4, dims, 0, it % 3 == 0 ? 6 : 0);
			if (!swish && it % 4 != 1) {
				kc_float(&c, "alpha", rnd_f(0));
				kc_float(&c, "beta", it % 8 == 0 ? 0.0f : rnd_f(0));
			}
			snprintf(what, sizeof(what), "%s %lld %lld %lld %lld",
				 swish ? "HardSwish" : "HardSigmoid", (long long)dims[0],
				 (long long)dims[1], (long long)dims[2], (long long)dims[3]);
			kc_check(&c, levels[l], 1 + (it % 2) * 2, "f32-vhswish", what);
			kc_free(&c);
		}
		kcase c;
		kc_init(&c, EML_OP_HardSigmoid);
		kc_in(&c, 1, (int64_t[]){ 64 }, 0, 0);
		kc_float(&c, "beta", -0.0f);
		eml_fast_op *op = kc_prepare(&c, levels[l], 1);
		assert_null(op);
		kc_free(&c);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ukernel_table), cmocka_unit_test(test_gemm_ukernel),
		cmocka_unit_test(test_fconv),	      cmocka_unit_test(test_fconv_large),
		cmocka_unit_test(test_fconv_im2col),   cmocka_unit_test(test_fconv3d),
		cmocka_unit_test(test_fconv_pixrows),
		cmocka_unit_test(test_fconv_activation_fn),
		cmocka_unit_test(test_fconv_pixrows_kxk),
		cmocka_unit_test(test_pack_a),
		cmocka_unit_test(test_fconv_stride2_rows),
		cmocka_unit_test(test_fwinograd),     cmocka_unit_test(test_wino_ukernel),
		cmocka_unit_test(test_fhswish),
		cmocka_unit_test(test_fgemm),	      cmocka_unit_test(test_fmatmul),
		cmocka_unit_test(test_frnn),
		cmocka_unit_test(test_rows_ukernel),
		cmocka_unit_test(test_transpose),
		cmocka_unit_test(test_fallback),
		cmocka_unit_test(test_fbinary),	      cmocka_unit_test(test_fmaxpool),
		cmocka_unit_test(test_fmaxpool3d),
		cmocka_unit_test(test_favgpool),     cmocka_unit_test(test_fdwconv_lanes),
		cmocka_unit_test(test_fdwconv_flat),
		cmocka_unit_test(test_fdwconv_rows), cmocka_unit_test(test_split2),
		cmocka_unit_test(test_fconvtranspose),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
