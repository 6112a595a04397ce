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

/* Every 127th float bit pattern (all exponents, both signs, NaNs), a dense sweep of [-20, 20]
 * and [-110, 95], and the edge cases, for each function. */
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
		for (uint64_t b = 0; b <= UINT32_MAX; b += 127) {
			uint32_t u = (uint32_t)b;
			memcpy(&x[n++], &u, 4);
			if (n == B) {
				check_block(f, x, n);
				n = 0;
			}
		}
		for (int r = 0; r < 2; r++) {
			double lo = r ? -110.0 : -20.0, hi = r ? 95.0 : 20.0;
			size_t steps = (size_t)1 << 20;
			for (size_t i = 0; i <= steps; i++) {
				x[n++] = (float)(lo + (hi - lo) * (double)i / (double)steps);
				if (n == B || i == steps) {
					check_block(f, x, n);
					n = 0;
				}
			}
		}
		print_message("%s: worst %.3f ULP at %.9g\n", f_names[f], worst[f],
			      (double)worst_at[f]);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vmath_lengths),
		cmocka_unit_test(test_vmath_accuracy),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
