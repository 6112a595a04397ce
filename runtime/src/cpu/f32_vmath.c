/* f32_vmath.c — the portable float math kernels (f32_vmath.h): one element at a time, the
 * vector kernels' operations lane for lane (fmaf where they fuse), so all agree bit for bit. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "cpu/f32_vmath.h"

/* 2^e for e in [-126, 127], from its bits. */
static float pow2i(int32_t e)
{
	uint32_t b = (uint32_t)(e + 127) << 23;
	float f;
	memcpy(&f, &b, sizeof(f));
	return f;
}

static float exp1(float x)
{
	if (isnan(x))
		return x;
	x = x < EML_VEXP_LO ? EML_VEXP_LO : x;
	x = x > EML_VEXP_HI ? EML_VEXP_HI : x;
	float n = nearbyintf(x * EML_VEXP_LOG2E);
	float r = fmaf(n, -EML_VEXP_LN2_HI, x);
	r = fmaf(n, -EML_VEXP_LN2_LO, r);
	float p = fmaf(EML_VEXP_C6, r, EML_VEXP_C5);
	p = fmaf(p, r, EML_VEXP_C4);
	p = fmaf(p, r, EML_VEXP_C3);
	p = fmaf(p, r, EML_VEXP_C2);
	p = fmaf(p, r, 1.0f);
	p = fmaf(p, r, 1.0f);
	int32_t ni = (int32_t)n, n1 = ni >> 1;
	return p * pow2i(n1) * pow2i(ni - n1);
}

static float sigmoid1(float x)
{
	float e = exp1(-fabsf(x));
	float s = e / (1.0f + e);
	return x > 0.0f ? 1.0f - s : s;
}

static float tanh1(float x)
{
	float a = fabsf(x);
	if (a < EML_VTANH_SMALL) {
		float t = x * x;
		float q = fmaf(EML_VTANH_Q4, t, EML_VTANH_Q3);
		q = fmaf(q, t, EML_VTANH_Q2);
		q = fmaf(q, t, EML_VTANH_Q1);
		q = fmaf(q, t, EML_VTANH_Q0);
		return copysignf(fmaf(a * t, q, a), x);
	}
	float e = exp1(-2.0f * a);
	return copysignf((1.0f - e) / (1.0f + e), x);
}

static float erf1(float x)
{
	float a = fabsf(x);
	if (a < 1.0f) {
		float t = x * x;
		float p = fmaf(EML_VERF_P7, t, EML_VERF_P6);
		p = fmaf(p, t, EML_VERF_P5);
		p = fmaf(p, t, EML_VERF_P4);
		p = fmaf(p, t, EML_VERF_P3);
		p = fmaf(p, t, EML_VERF_P2);
		p = fmaf(p, t, EML_VERF_P1);
		p = fmaf(p, t, EML_VERF_P0);
		return copysignf(fmaf(a, p, a), x);
	}
	a = a > EML_VERF_MAX ? EML_VERF_MAX : a;
	float u = a - EML_VERF_MID;
	float l = fmaf(EML_VERF_L8, u, EML_VERF_L7);
	l = fmaf(l, u, EML_VERF_L6);
	l = fmaf(l, u, EML_VERF_L5);
	l = fmaf(l, u, EML_VERF_L4);
	l = fmaf(l, u, EML_VERF_L3);
	l = fmaf(l, u, EML_VERF_L2);
	l = fmaf(l, u, EML_VERF_L1);
	l = fmaf(l, u, EML_VERF_L0);
	return copysignf(1.0f - exp1(l - a * a), x);
}

void eml_f32_vexp_c(size_t n, const float *x, float *y)
{
	for (size_t i = 0; i < n; i++)
		y[i] = exp1(x[i]);
}

void eml_f32_vsigmoid_c(size_t n, const float *x, float *y)
{
	for (size_t i = 0; i < n; i++)
		y[i] = sigmoid1(x[i]);
}

void eml_f32_vswish_c(size_t n, const float *x, float *y)
{
	for (size_t i = 0; i < n; i++) {
		float v = x[i];
		y[i] = v * sigmoid1(v);
	}
}

void eml_f32_vtanh_c(size_t n, const float *x, float *y)
{
	for (size_t i = 0; i < n; i++)
		y[i] = tanh1(x[i]);
}

void eml_f32_verf_c(size_t n, const float *x, float *y)
{
	for (size_t i = 0; i < n; i++)
		y[i] = erf1(x[i]);
}
