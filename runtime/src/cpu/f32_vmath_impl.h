/*
 * f32_vmath_impl.h — the float math kernels of f32_vmath.h written once over a vector
 * abstraction, which each ISA's kernel file defines before including this (the operations
 * of f32_vmath.c lane for lane):
 *
 *   vm_f, VM_W                  the vector type and its lanes
 *   VM_TARGET                   the target attribute of the level (may be empty)
 *   VM_SET1(c) VM_LOAD(p) VM_STORE(p, v)
 *   VM_ADD VM_SUB VM_MUL VM_DIV (a, b)
 *   VM_FMA(a, b, c)             a * b + c, fused
 *   VM_MAX(c, v) VM_MIN(c, v)   bounds that return v where it is NaN
 *   VM_ROUND(v)                 to the nearest integer, ties to even
 *   VM_SCALE2(p, n)             p * 2^(n >> 1) * 2^(n - (n >> 1)), n integral in [-150, 129]
 *   VM_ABS(v) VM_NABS(v)        |v|, -|v| (sign bit cleared, set)
 *   VM_COPYSIGN(m, v)           m (sign bit clear) with v's sign bit (odd functions run on
 *                               |x|, so that -0 stays -0)
 *   VM_SELECT_LT(a, b, t, f)    t where a < b, else f
 *
 * and then instantiates a kernel with EML_VMATH_KERNEL(name, vm_exp) (or vm_sigmoid,
 * vm_tanh, vm_erf).
 */
#ifndef EML_CPU_F32_VMATH_IMPL_H
#define EML_CPU_F32_VMATH_IMPL_H

#include <string.h>

#include "cpu/f32_vmath.h"

#define VM_FN static inline __attribute__((always_inline)) VM_TARGET vm_f

VM_FN vm_exp(vm_f x)
{
	x = VM_MAX(VM_SET1(EML_VEXP_LO), x);
	x = VM_MIN(VM_SET1(EML_VEXP_HI), x);
	vm_f n = VM_ROUND(VM_MUL(x, VM_SET1(EML_VEXP_LOG2E)));
	vm_f r = VM_FMA(n, VM_SET1(-EML_VEXP_LN2_HI), x);
	r = VM_FMA(n, VM_SET1(-EML_VEXP_LN2_LO), r);
	vm_f p = VM_FMA(VM_SET1(EML_VEXP_C6), r, VM_SET1(EML_VEXP_C5));
	p = VM_FMA(p, r, VM_SET1(EML_VEXP_C4));
	p = VM_FMA(p, r, VM_SET1(EML_VEXP_C3));
	p = VM_FMA(p, r, VM_SET1(EML_VEXP_C2));
	p = VM_FMA(p, r, VM_SET1(1.0f));
	p = VM_FMA(p, r, VM_SET1(1.0f));
	return VM_SCALE2(p, n);
}

VM_FN vm_sigmoid(vm_f x)
{
	vm_f e = vm_exp(VM_NABS(x));
	vm_f s = VM_DIV(e, VM_ADD(VM_SET1(1.0f), e));
	return VM_SELECT_LT(VM_SET1(0.0f), x, VM_SUB(VM_SET1(1.0f), s), s);
}

/* Swish (SiLU): x * sigmoid(x), the product the standalone Sigmoid and Mul compute. */
VM_FN vm_swish(vm_f x)
{
	return VM_MUL(x, vm_sigmoid(x));
}

VM_FN vm_tanh(vm_f x)
{
	vm_f a = VM_ABS(x), t = VM_MUL(x, x);
	vm_f q = VM_FMA(VM_SET1(EML_VTANH_Q4), t, VM_SET1(EML_VTANH_Q3));
	q = VM_FMA(q, t, VM_SET1(EML_VTANH_Q2));
	q = VM_FMA(q, t, VM_SET1(EML_VTANH_Q1));
	q = VM_FMA(q, t, VM_SET1(EML_VTANH_Q0));
	vm_f small = VM_FMA(VM_MUL(a, t), q, a);
	vm_f e = vm_exp(VM_MUL(VM_SET1(-2.0f), a));
	vm_f big = VM_DIV(VM_SUB(VM_SET1(1.0f), e), VM_ADD(VM_SET1(1.0f), e));
	return VM_COPYSIGN(VM_SELECT_LT(a, VM_SET1(EML_VTANH_SMALL), small, big), x);
}

VM_FN vm_erf(vm_f x)
{
	vm_f a = VM_ABS(x), t = VM_MUL(x, x);
	vm_f p = VM_FMA(VM_SET1(EML_VERF_P7), t, VM_SET1(EML_VERF_P6));
	p = VM_FMA(p, t, VM_SET1(EML_VERF_P5));
	p = VM_FMA(p, t, VM_SET1(EML_VERF_P4));
	p = VM_FMA(p, t, VM_SET1(EML_VERF_P3));
	p = VM_FMA(p, t, VM_SET1(EML_VERF_P2));
	p = VM_FMA(p, t, VM_SET1(EML_VERF_P1));
	p = VM_FMA(p, t, VM_SET1(EML_VERF_P0));
	vm_f small = VM_FMA(a, p, a);
	vm_f c = VM_MIN(VM_SET1(EML_VERF_MAX), a);
	vm_f u = VM_SUB(c, VM_SET1(EML_VERF_MID));
	vm_f l = VM_FMA(VM_SET1(EML_VERF_L8), u, VM_SET1(EML_VERF_L7));
	l = VM_FMA(l, u, VM_SET1(EML_VERF_L6));
	l = VM_FMA(l, u, VM_SET1(EML_VERF_L5));
	l = VM_FMA(l, u, VM_SET1(EML_VERF_L4));
	l = VM_FMA(l, u, VM_SET1(EML_VERF_L3));
	l = VM_FMA(l, u, VM_SET1(EML_VERF_L2));
	l = VM_FMA(l, u, VM_SET1(EML_VERF_L1));
	l = VM_FMA(l, u, VM_SET1(EML_VERF_L0));
	vm_f e = vm_exp(VM_SUB(l, VM_MUL(c, c)));
	vm_f big = VM_SUB(VM_SET1(1.0f), e);
	return VM_COPYSIGN(VM_SELECT_LT(a, VM_SET1(1.0f), small, big), x);
}

/* A kernel: pairs of whole vectors, a whole vector, then the tail through a vector-sized
 * buffer (short runs, a fused Conv's rows, take the last two often). */
#define EML_VMATH_KERNEL(name, fn)                                             \
	VM_TARGET void name(size_t n, const float *x, float *y)                \
	{                                                                      \
		size_t i = 0;                                                  \
		for (; i + 2 * VM_W <= n; i += 2 * VM_W) {                     \
			vm_f v0 = fn(VM_LOAD(x + i)), v1 = fn(VM_LOAD(x + i + VM_W)); \
			VM_STORE(y + i, v0);                                   \
			VM_STORE(y + i + VM_W, v1);                            \
		}                                                              \
		for (; i + VM_W <= n; i += VM_W)                               \
			VM_STORE(y + i, fn(VM_LOAD(x + i)));                   \
		for (; i < n; i += VM_W) {                                     \
			size_t m = n - i;                                      \
			float buf[VM_W] = { 0 };                               \
			memcpy(buf, x + i, m * sizeof(float));                 \
			VM_STORE(buf, fn(VM_LOAD(buf)));                       \
			memcpy(y + i, buf, m * sizeof(float));                 \
		}                                                              \
	}

#endif /* EML_CPU_F32_VMATH_IMPL_H */
