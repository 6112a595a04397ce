/* test_f32_vmath.c — the float math kernels (f32_vmath.h: exp, sigmoid, tanh, erf) and the
 * fast operators built on them (Softmax, LayerNormalization, Sigmoid, Tanh, Erf; LSTM / GRU
 * gates off EDGEML_SESSION_EXACT_FLOAT): each level's kernels bit for bit against the
 * portable ones, their error against double-precision libm over dense sweeps and edge cases
 * (infinities, NaN, -0, subnormal inputs and results, saturation) within the bounds of
 * docs/cpu-kernels.md, and the operators against the reference kernels within the float
 * tolerance on random shapes and axes, 1 and 3 threads, every level this CPU runs. */
#include <float.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cpu/f32_vmath.h"
#include "cpu/fast_ops.h"
#include "cpu/isa.h"
#include "cpu/kernels.h"
#include "cpu/ref/ref.h"
#include "ops/ops.h"

#define MAX_IN 3
#define F32 EDGEML_DTYPE_FLOAT32
#define KCASE_SEED 0x9e3779b97f4a7c15ull

#include "kernel_case.h"

enum { F_EXP, F_SIGMOID, F_TANH, F_ERF, F_COUNT };
static const char *const f_names[F_COUNT] = { "exp", "sigmoid", "tanh", "erf" };
/* The largest error in ULP each kernel may have (docs/cpu-kernels.md, "Float math
 * kernels"): the measured worst case over the sweeps, rounded up. */
static const double f_max_ulp[F_COUNT] = { 1.5, 2.5, 2.0, 1.5 };

static double f_want(int f, float x)
{
	double v = x;
	switch (f) {
	case F_EXP:
		return exp(v);
	case F_SIGMOID:
		return 1.0 / (1.0 + exp(-v));
	case F_TANH:
		return tanh(v);
	default:
		return erf(v);
	}
}

static eml_f32_vunary_fn f_portable(int f)
{
	static const eml_f32_vunary_fn fn[F_COUNT] = { eml_f32_vexp_c, eml_f32_vsigmoid_c,
						       eml_f32_vtanh_c, eml_f32_verf_c };
	return fn[f];
}

static eml_f32_vunary_fn f_level(int f, const eml_cpu_kernels *t)
{
	return f == F_EXP ? t->f32_vexp : f == F_SIGMOID ? t->f32_vsigmoid :
	       f == F_TANH ? t->f32_vtanh : t->f32_verf;
}

/* got's error in units in the last place of want (rounded to float), the subnormal
 * spacing 2^-149 at least. */
static double ulp_err(float got, double want)
{
	int e;
	frexp(want, &e);
	int ue = e - 24 < -149 ? -149 : e - 24;
	return fabs((double)got - want) / ldexp(1.0, ue);
}

static int same_bits(float a, float b)
{
	uint32_t ua, ub;
	memcpy(&ua, &a, 4);
	memcpy(&ub, &b, 4);
	return ua == ub || (isnan(a) && isnan(b));
}

static double worst[F_COUNT];
static float worst_at[F_COUNT];

/* Checks n inputs: the portable kernel within the bound (non-finite and exactly
 * representable results exact, -0 kept), every level bit for bit the same. */
static void check_block(int f, const float *x, size_t n)
{
	float *want = test_malloc(n * sizeof(float)), *got = test_malloc(n * sizeof(float));
	f_portable(f)(n, x, want);
	for (size_t i = 0; i < n; i++) {
		double w = f_want(f, x[i]);
		if (isnan(x[i])) {
			if (!isnan(want[i]))
				fail_msg("%s(NaN) = %g", f_names[f], (double)want[i]);
			continue;
		}
		float wf = (float)w;
		if (!isfinite(wf) || w == 0.0 || fabs(w) == 1.0 || w == 0.5) {
			/* saturated or exact: exactly, sign of zero included */
			if (!same_bits(want[i], wf) && !(w == 0.0 && want[i] == 0.0f &&
							     f != F_TANH && f != F_ERF))
				fail_msg("%s(%.9g) = %.9g, want %.9g", f_names[f], (double)x[i],
					 (double)want[i], w);
			continue;
		}
		double e = ulp_err(want[i], w);
		if (e > worst[f]) {
			worst[f] = e;
			worst_at[f] = x[i];
		}
		if (e > f_max_ulp[f])
			fail_msg("%s(%.9g) = %.9g, want %.17g: %.2f ULP > %.1f", f_names[f],
				 (double)x[i], (double)want[i], w, e, f_max_ulp[f]);
	}
	eml_isa levels[EML_ISA_COUNT];
	uint32_t nl = fast_levels(levels);
	for (uint32_t l = 0; l < nl; l++) {
		const eml_cpu_kernels *t = eml_cpu_kernels_for(levels[l]);
		f_level(f, t)(n, x, got);
		for (size_t i = 0; i < n; i++)
			if (!same_bits(got[i], want[i]))
				fail_msg("%s (%s) of %.9g: %.9g, portable %.9g", f_names[f],
					 t->f32_vmath_name, (double)x[i], (double)got[i],
					 (double)want[i]);
	}
	test_free(want);
	test_free(got);
}

/* The sweeps' density: under qemu-aarch64 (make test-arm) a tenth, since there the point is
 * NEON's agreement with the portable kernels, whose accuracy the x86 run covers. */
#if defined(__aarch64__)
#define SWEEP_STRIDE 1021
#define SWEEP_DENSE ((size_t)1 << 17)
#else
#define SWEEP_STRIDE 127
#define SWEEP_DENSE ((size_t)1 << 20)
#endif

/* Every SWEEP_STRIDE-th float bit pattern (all exponents, both signs, NaNs), dense sweeps
 * of [-20, 20] and [-110, 95], and the edge cases, for each function. */
static void test_vmath_accuracy(void **state)
{
	(void)state;
	enum { B = 4096 };
	float *x = test_malloc(B * sizeof(float));
	static const float edges[] = {
		0.0f, -0.0f, INFINITY, -INFINITY, NAN, -NAN, 1e-45f, -1e-45f, 1e-40f, -1e-40f,
		1.17549435e-38f, 1e-30f, -1e-30f, 1e-8f, -1e-8f, 88.7228394f, 88.7228470f,
		88.8f, 89.0f, 89.5f, 1e10f, -1e10f, FLT_MAX, -FLT_MAX, -87.3365479f,
		-87.34f, -100.0f, -103.278931f, -103.97f, -104.0f, -104.5f, -200.0f,
		0.5625f, -0.5625f, 0.56249994f, -0.56249994f, 1.0f, -1.0f, 0.99999994f,
		-0.99999994f, 3.9f, 3.92f, 4.0f, -4.0f, 4.5f, 9.0f, -9.0f, 9.1f, 16.7f, -16.7f,
		17.4f, -17.4f, 0.34657359f, -0.34657359f, 0.69314718f, 2.5f, 1.75f,
	};
	for (int f = 0; f < F_COUNT; f++) {
		check_block(f, edges, sizeof(edges) / sizeof(edges[0]));
		size_t n = 0;
		for (uint64_t b = 0; b <= UINT32_MAX; b += SWEEP_STRIDE) {
			uint32_t u = (uint32_t)b;
			memcpy(&x[n++], &u, 4);
			if (n == B) {
				check_block(f, x, n);
				n = 0;
			}
		}
		for (int r = 0; r < 2; r++) {
			double lo = r ? -110.0 : -20.0, hi = r ? 95.0 : 20.0;
			size_t steps = SWEEP_DENSE;
			for (size_t i = 0; i <= steps; i++) {
				x[n++] = (float)(lo + (hi - lo) * (double)i / (double)steps);
				if (n == B || i == steps) {
					check_block(f, x, n);
					n = 0;
				}
			}
		}
		printf("%s: worst %.3f ULP at %.9g\n", f_names[f], worst[f], (double)worst_at[f]);
	}
	test_free(x);
}

/* Every length up to 70, in place and not: exactly n outputs written, the same values. */
static void test_vmath_lengths(void **state)
{
	(void)state;
	eml_isa levels[EML_ISA_COUNT];
	uint32_t nl = fast_levels(levels);
	float x[80], want[80], got[80];
	for (size_t n = 0; n <= 70; n++) {
		for (size_t i = 0; i < 80; i++)
			x[i] = (float)((int)(rnd() % 2001) - 1000) / 100.0f;
		for (int f = 0; f < F_COUNT; f++) {
			f_portable(f)(n, x, want);
			for (uint32_t l = 0; l < nl; l++) {
				eml_f32_vunary_fn fn = f_level(f, eml_cpu_kernels_for(levels[l]));
				for (int inplace = 0; inplace < 2; inplace++) {
					for (size_t i = 0; i < 80; i++)
						got[i] = inplace ? x[i] : -7.0f;
					fn(n, inplace ? got : x, got);
					for (size_t i = 0; i < 80; i++) {
						float w = i < n ? want[i] : inplace ? x[i] : -7.0f;
						if (!same_bits(got[i], w))
							fail_msg("%s n %zu%s: [%zu] = %g, want %g",
								 f_names[f], n,
								 inplace ? " in place" : "", i,
								 (double)got[i], (double)w);
					}
				}
			}
		}
	}
}

/* Swish (a float Conv's fused SiLU, ftail.c): each level's x * sigmoid(x) kernel gives the
 * bits of x times the portable sigmoid (what the standalone Sigmoid and Mul compute), as the
 * portable kernel does: every 16 * SWEEP_STRIDE-th bit pattern, a dense sweep of [-20, 20],
 * lengths 0-70 with their tails, in place and not. */
static void test_vswish(void **state)
{
	(void)state;
	eml_isa levels[EML_ISA_COUNT];
	uint32_t nl = fast_levels(levels);
	/* every 16th pattern of the accuracy sweeps: the point is the product's bits */
	size_t n = ((size_t)1 << 32) / (16 * SWEEP_STRIDE) + 1 + SWEEP_DENSE + 71;
	float *x = test_malloc(n * sizeof(float)), *want = test_malloc(n * sizeof(float));
	float *got = test_malloc(n * sizeof(float));
	size_t k = 0;
	for (uint64_t b = 0; b < ((uint64_t)1 << 32); b += 16 * SWEEP_STRIDE, k++) {
		uint32_t u = (uint32_t)b;
		memcpy(&x[k], &u, 4);
	}
	for (size_t i = 0; i < SWEEP_DENSE; i++)
		x[k++] = -20.0f + 40.0f * (float)i / (float)SWEEP_DENSE;
	for (; k < n; k++)
		x[k] = (float)((int)(rnd() % 2001) - 1000) / 50.0f;
	eml_f32_vsigmoid_c(n, x, want);
	for (size_t i = 0; i < n; i++)
		want[i] = x[i] * want[i];
	eml_f32_vunary_fn fns[EML_ISA_COUNT + 1];
	const char *names[EML_ISA_COUNT + 1];
	fns[0] = eml_f32_vswish_c;
	names[0] = "c";
	for (uint32_t l = 0; l < nl; l++) {
		fns[l + 1] = eml_cpu_kernels_for(levels[l])->f32_vswish;
		names[l + 1] = eml_cpu_kernels_for(levels[l])->f32_vmath_name;
	}
	for (uint32_t f = 0; f < nl + 1; f++) {
		fns[f](n, x, got);
		for (size_t i = 0; i < n; i++)
			if (!same_bits(got[i], want[i]))
				fail_msg("swish (%s) of %a: %a, x * sigmoid %a", names[f], (double)x[i],
					 (double)got[i], (double)want[i]);
		/* every length's tail, in place */
		for (size_t len = 0; len <= 70; len++) {
			memcpy(got, x + n - 71, 71 * sizeof(float));
			fns[f](len, got, got);
			for (size_t i = 0; i < 71; i++) {
				float w = i < len ? want[n - 71 + i] : x[n - 71 + i];
				if (!same_bits(got[i], w))
					fail_msg("swish (%s) n %zu in place: [%zu] = %a, want %a",
						 names[f], len, i, (double)got[i], (double)w);
			}
		}
	}
	test_free(x);
	test_free(want);
	test_free(got);
}

/* One node under test with up to 3 inputs and 3 outputs (LayerNormalization's Mean and
 * InvStdDev), its own buffers. */
typedef struct ocase {
	eml_node node;
	eml_attr attrs[4];
	uint32_t in_idx[3], out_idx[3];
	eml_tensor in[3], out[3];
	const eml_tensor *inp[3];
	const void *in_data[3];
	void *owned[3];
} ocase;

static void oc_init(ocase *c, uint32_t op)
{
	memset(c, 0, sizeof(*c));
	c->node.name = "k";
	c->node.op = op;
	c->node.attrs = c->attrs;
	c->node.inputs = c->in_idx;
	c->node.outputs = c->out_idx;
	c->node.n_outputs = 1;
}

/* A random value scaled by sc: mostly in [-sc, sc), specials (zeros, subnormals,
 * infinities, NaN) at rate 1 / special when special is not 0. */
static float rnd_v(float sc, uint32_t special)
{
	if (special && rnd() % special == 0) {
		static const float v[] = { 0.0f, -0.0f, 1e-40f, -1e-40f, INFINITY, -INFINITY, NAN };
		return v[rnd() % (sizeof(v) / sizeof(v[0]))];
	}
	return sc * (float)((int32_t)(rnd() % 65536) - 32768) / 32768.0f;
}

static void oc_in(ocase *c, uint32_t rank, const int64_t *dims, float sc, uint32_t special)
{
	uint32_t k = c->node.n_inputs++;
	eml_tensor *t = &c->in[k];
	t->name = "in";
	t->dtype = F32;
	t->rank = rank;
	memcpy(t->dims, dims, rank * sizeof(int64_t));
	t->flags = k == 0 ? EML_TF_INPUT : EML_TF_CONSTANT;
	size_t n = (size_t)eml_tensor_numel(t);
	float *d = test_malloc(n * sizeof(float) + 4);
	for (size_t i = 0; i < n; i++)
		d[i] = rnd_v(sc, special);
	t->data = k == 0 ? NULL : d;
	t->data_size = n * sizeof(float);
	c->in_idx[k] = k;
	c->inp[k] = t;
	c->in_data[k] = d;
	c->owned[k] = d;
}

static void oc_free(ocase *c)
{
	for (int k = 0; k < 3; k++)
		test_free(c->owned[k]);
}

static uint32_t oc_generation; /* bumped per oc_check: tol_layernorm's cache key */

/* Whether got is within tol of want: tol(o, i, want) absolute where want is finite, the
 * same non-finite value where it is not. */
typedef double (*oc_tol_fn)(const ocase *c, uint32_t o, size_t i, float want);

/* Runs the reference and the fast op of isa on threads threads and checks every output;
 * the op must apply, be named kind, and decline under exact float. Returns whether some
 * output's bits differ from the reference's. */
static int oc_check(ocase *c, eml_isa isa, uint32_t threads, const char *kind, oc_tol_fn tol,
		    const char *what)
{
	oc_generation++;
	if (eml_op_infer(&c->node, c->inp, c->out) != EDGEML_OK)
		fail_msg("%s: infer: %s", what, edgeml_last_error());
	const eml_tensor *outp[3] = { &c->out[0], &c->out[1], &c->out[2] };
	void *want[3] = { NULL }, *got[3] = { NULL };
	size_t n[3] = { 0 };
	for (uint32_t o = 0; o < c->node.n_outputs; o++) {
		n[o] = (size_t)eml_tensor_numel(&c->out[o]);
		want[o] = test_malloc(n[o] * 4 + 4);
		got[o] = test_malloc(n[o] * 4 + 4);
		memset(want[o], 0xa5, n[o] * 4);
	}
	eml_kernel_ctx ref = { &c->node, c->inp, outp, c->in_data, want };
	eml_kernel_ctx fast = { &c->node, c->inp, outp, c->in_data, got };
	assert_int_equal(eml_ref_kernel(c->node.op)(&ref), EDGEML_OK);
	eml_fast_op *op = NULL;
	assert_int_equal(eml_fast_prepare_exact(&ref, isa, threads, 1, &op), EDGEML_OK);
	if (op)
		fail_msg("%s: a fast kernel under exact float", what);
	assert_int_equal(eml_fast_prepare_exact(&ref, isa, threads, 0, &op), EDGEML_OK);
	if (!op)
		fail_msg("%s: no fast kernel at %s", what, eml_isa_name(isa));
	if (strcmp(op->kernel, kind) != 0)
		fail_msg("%s: kernel %s, want %s", what, op->kernel, kind);
	eml_threadpool *pool = NULL;
	if (threads > 1)
		assert_int_equal(eml_threadpool_create(threads, NULL, 0, &pool), EDGEML_OK);
	uint8_t *scratch[4] = { NULL };
	for (uint32_t t = 0; t < threads; t++)
		scratch[t] = test_malloc(op->scratch + 64);
	uint8_t *shared = test_malloc(op->shared + 64);
	eml_fast_env env = { pool, scratch, shared };
	int differs = 0;
	for (int round = 0; round < 2; round++) {
		for (uint32_t o = 0; o < c->node.n_outputs; o++)
			memset(got[o], 0x5a, n[o] * 4);
		assert_int_equal(op->run(op, &fast, &env), EDGEML_OK);
		for (uint32_t o = 0; o < c->node.n_outputs; o++) {
			const float *g = got[o], *w = want[o];
			for (size_t i = 0; i < n[o]; i++) {
				int ok = isfinite(w[i]) ?
						 fabs((double)g[i] - w[i]) <= tol(c, o, i, w[i]) :
						 same_bits(g[i], w[i]) ||
							 (isnan(g[i]) && isnan(w[i]));
				if (!ok)
					fail_msg("%s [%s, %u threads]: output %u [%zu of %zu] = "
						 "%.9g, want %.9g", what, eml_isa_name(isa),
						 threads, o, i, n[o], (double)g[i], (double)w[i]);
			}
			differs |= memcmp(got[o], want[o], n[o] * 4) != 0;
		}
	}
	for (uint32_t t = 0; t < threads; t++)
		test_free(scratch[t]);
	test_free(shared);
	eml_threadpool_destroy(pool);
	eml_fast_destroy(op);
	for (uint32_t o = 0; o < c->node.n_outputs; o++) {
		test_free(want[o]);
		test_free(got[o]);
	}
	return differs;
}

/* Element-wise functions: the kernel's bound plus the reference's own (libm, 1 ULP). */
static int unary_f;
static double tol_unary(const ocase *c, uint32_t o, size_t i, float want)
{
	(void)c;
	(void)o;
	(void)i;
	int e;
	frexp(want, &e);
	return (f_max_ulp[unary_f] + 1.0) * ldexp(1.0, e - 24 < -149 ? -149 : e - 24);
}

/* Softmax: 4 ULP (exp's error, the reciprocal, the reference's own exp). */
static double tol_softmax(const ocase *c, uint32_t o, size_t i, float want)
{
	(void)c;
	(void)o;
	(void)i;
	int e;
	frexp(want, &e);
	return 4.0 * ldexp(1.0, e - 24 < -149 ? -149 : e - 24);
}

/* LayerNormalization: a few float roundings of the terms of y = d * inv * scale + bias,
 * relative to their size (d, inv from the row in double); Mean and InvStdDev to 1e-6. */
static double tol_layernorm(const ocase *c, uint32_t o, size_t i, float want)
{
	static uint32_t gen = UINT32_MAX;
	static int64_t len, row = -1;
	static double mean, inv, smax, bmax;
	if (o > 0)
		return 1e-6 * (1.0 + fabs((double)want));
	const eml_tensor *x = c->inp[0];
	if (gen != oc_generation) {
		gen = oc_generation;
		row = -1;
		int64_t axis = -1;
		for (uint32_t a = 0; a < c->node.n_attrs; a++)
			if (strcmp(c->attrs[a].name, "axis") == 0)
				axis = c->attrs[a].i;
		uint32_t ax = (uint32_t)(axis < 0 ? axis + (int64_t)x->rank : axis);
		len = 1;
		for (uint32_t d = ax; d < x->rank; d++)
			len *= x->dims[d];
		smax = bmax = 0.0;
		for (int64_t k = 0; k < eml_tensor_numel(c->inp[1]); k++)
			smax = fmax(smax, fabs(((const float *)c->in_data[1])[k]));
		if (c->node.n_inputs > 2)
			for (int64_t k = 0; k < eml_tensor_numel(c->inp[2]); k++)
				bmax = fmax(bmax, fabs(((const float *)c->in_data[2])[k]));
	}
	if ((int64_t)i / len != row) {
		row = (int64_t)i / len;
		const float *xr = (const float *)c->in_data[0] + row * len;
		double var = 0.0;
		mean = 0.0;
		for (int64_t k = 0; k < len; k++)
			mean += xr[k];
		mean /= (double)len;
		for (int64_t k = 0; k < len; k++)
			var += (xr[k] - mean) * (xr[k] - mean);
		inv = 1.0 / sqrt(var / (double)len + 1e-5);
	}
	double d = fabs(((const float *)c->in_data[0])[i] - mean);
	return 4.0 * FLT_EPSILON * (d * inv * smax + bmax) + 1e-30;
}

static const char *kernel_of(eml_isa isa)
{
	return eml_cpu_kernels_for(isa)->f32_vmath_name;
}

/* Sigmoid, Tanh, Erf on random shapes (one large enough for the pool), with specials and
 * inputs over the whole range that matters. */
static void test_fvunary(void **state)
{
	(void)state;
	eml_isa levels[EML_ISA_COUNT];
	uint32_t nl = fast_levels(levels);
	if (nl == 0)
		skip();
	static const uint32_t ops[3] = { EML_OP_Sigmoid, EML_OP_Tanh, EML_OP_Erf };
	static const int fs[3] = { F_SIGMOID, F_TANH, F_ERF };
	char what[120];
	for (uint32_t l = 0; l < nl; l++) {
		for (int it = 0; it < 60; it++) {
			int k = it % 3;
			int big = it % 20 == 19;
			int64_t d[3] = { 1 + rnd() % 5, 1 + rnd() % 40, big ? 20000 : 1 + rnd() % 70 };
			uint32_t special = it % 4 == 0 ? 7 : 0;
			float sc = it % 2 ? 12.0f : 120.0f;
			ocase c;
			oc_init(&c, ops[k]);
			oc_in(&c, 3, d, sc, special);
			unary_f = fs[k];
			snprintf(what, sizeof(what), "%s %lldx%lldx%lld scale %g specials 1/%u",
				 f_names[fs[k]], (long long)d[0], (long long)d[1], (long long)d[2],
				 (double)sc, special);
			oc_check(&c, levels[l], 1 + (it % 2) * 2, kernel_of(levels[l]), tol_unary,
				 what);
			oc_free(&c);
		}
	}
}

/* Softmax over every axis of random shapes of rank 1 to 4 (rows contiguous, on the row
 * kernels of AVX2 and AVX-512 at those levels, whole and partial vectors up to 600; and
 * columns across slabs of more than 256), inputs of several ranges, specials, 1 and 3
 * threads, one large enough for the pool. */
static void test_fsoftmax(void **state)
{
	(void)state;
	eml_isa levels[EML_ISA_COUNT];
	uint32_t nl = fast_levels(levels);
	if (nl == 0)
		skip();
	char what[160];
	int differs = 0;
	for (uint32_t l = 0; l < nl; l++) {
		for (int it = 0; it < 150; it++) {
			uint32_t rank = 1 + rnd() % 4;
			int64_t d[4];
			for (uint32_t k = 0; k < rank; k++)
				d[k] = 1 + rnd() % (k + 1 == rank && it % 5 == 0 ? 600 : 12);
			if (it == 149) {
				rank = 3;
				d[0] = 4, d[1] = 128, d[2] = 200;
			}
			int64_t axis = (int64_t)(rnd() % (2 * rank)) - (int64_t)rank;
			uint32_t special = it % 6 == 0 ? 50 : 0;
			float sc = it % 3 == 0 ? 100.0f : it % 3 == 1 ? 5.0f : 0.01f;
			ocase c;
			oc_init(&c, EML_OP_Softmax);
			oc_in(&c, rank, d, sc, special);
			c.attrs[c.node.n_attrs++] = (eml_attr){ .name = "axis",
								.type = EML_ATTR_INT, .i = axis };
			snprintf(what, sizeof(what), "softmax rank %u %lldx%lldx%lldx%lld axis %lld "
				 "scale %g specials 1/%u", rank, (long long)d[0],
				 (long long)(rank > 1 ? d[1] : 0), (long long)(rank > 2 ? d[2] : 0),
				 (long long)(rank > 3 ? d[3] : 0), (long long)axis, (double)sc,
				 special);
			/* contiguous rows (the dims past the axis all 1) on the level's row kernel
			 * where it has one (AVX2, AVX-512) */
			uint32_t ax = (uint32_t)(axis < 0 ? axis + (int64_t)rank : axis);
			int64_t inner = 1;
			for (uint32_t k = ax + 1; k < rank; k++)
				inner *= d[k];
			const char *row = eml_cpu_kernels_for(levels[l])->f32_softmax_name;
			if (avx512_level(levels[l]) || levels[l] == EML_ISA_AVX2)
				assert_non_null(row);
			differs |= oc_check(&c, levels[l], 1 + (it % 2) * 2,
					    inner == 1 && row ? row : kernel_of(levels[l]),
					    tol_softmax, what);
			oc_free(&c);
		}
	}
	assert_true(differs); /* not the reference's code */
}

/* LayerNormalization: random shapes and axes, Scale and B of the normalized dims or
 * broadcasting ones (read in place, or expanded), B absent, Mean and InvStdDev present or
 * not, specials, offsets that make the mean large against the spread, rows of 1 to 300
 * (the row kernels' whole and partial vectors), 1 and 3 threads; on the AVX2 and AVX-512
 * row kernels at those levels. */
static void test_flayernorm(void **state)
{
	(void)state;
	eml_isa levels[EML_ISA_COUNT];
	uint32_t nl = fast_levels(levels);
	if (nl == 0)
		skip();
	char what[160];
	for (uint32_t l = 0; l < nl; l++) {
		for (int it = 0; it < 150; it++) {
			uint32_t rank = 1 + rnd() % 4;
			int64_t d[4];
			for (uint32_t k = 0; k < rank; k++)
				d[k] = 1 + rnd() % (k + 1 == rank && it % 7 == 0 ? 300 : 10);
			if (it == 149) {
				rank = 3;
				d[0] = 8, d[1] = 256, d[2] = 384;
			}
			int64_t axis = (int64_t)(rnd() % (2 * rank)) - (int64_t)rank;
			uint32_t ax = (uint32_t)(axis < 0 ? axis + (int64_t)rank : axis);
			/* Scale and B: the trailing sr dims of the normalized ones, some set to 1 */
			uint32_t nr = rank - ax, sr = nr - rnd() % (nr + 1);
			int64_t sd[4];
			for (uint32_t k = 0; k < sr; k++)
				sd[k] = rnd() % 3 == 0 ? 1 : d[rank - sr + k];
			uint32_t special = it % 6 == 0 ? 100 : 0;
			ocase c;
			oc_init(&c, EML_OP_LayerNormalization);
			oc_in(&c, rank, d, 2.0f, special);
			if (it % 5 == 1) {
				float *x = (float *)c.owned[0];
				for (int64_t k = 0; k < eml_tensor_numel(&c.in[0]); k++)
					x[k] = 1000.0f + x[k] * 0.01f;
			}
			oc_in(&c, sr, sd, 1.5f, 0);
			int bias = rnd() % 3 != 0;
			if (bias)
				oc_in(&c, sr, sd, 1.0f, 0);
			c.attrs[c.node.n_attrs++] = (eml_attr){ .name = "axis",
								.type = EML_ATTR_INT, .i = axis };
			c.node.n_outputs = 1 + rnd() % 3;
			for (uint32_t o = 0; o < c.node.n_outputs; o++)
				c.out_idx[o] = o;
			snprintf(what, sizeof(what), "layernorm rank %u %lldx%lldx%lldx%lld axis %lld "
				 "scale rank %u bias %d outputs %u specials 1/%u", rank,
				 (long long)d[0], (long long)(rank > 1 ? d[1] : 0),
				 (long long)(rank > 2 ? d[2] : 0), (long long)(rank > 3 ? d[3] : 0),
				 (long long)axis, sr, bias, c.node.n_outputs, special);
			/* the level's row kernel where it has one (AVX2, AVX-512), else the C loop */
			const char *kernel = avx512_level(levels[l]) ? "f32-layernorm-avx512f"
					     : levels[l] == EML_ISA_AVX2      ? "f32-layernorm-avx2"
									      : "f32-layernorm-c";
			oc_check(&c, levels[l], 1 + (it % 2) * 2, kernel, tol_layernorm, what);
			oc_free(&c);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vmath_lengths),
		cmocka_unit_test(test_vswish),
		cmocka_unit_test(test_fvunary),
		cmocka_unit_test(test_fsoftmax),
		cmocka_unit_test(test_flayernorm),
		cmocka_unit_test(test_vmath_accuracy),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
