#version 450
// qadd.comp — QLinearAdd with ONNX Runtime's arithmetic, as ref_qeltwise.c: with ratios
// RA = sa/sc, RB = sb/sc and K = zc - fma(RA, za, RB*zb) (computed on the host),
// C = round_half_even(fma(A, RA, fma(B, RB, K))); with SWAPPED (ORT hands MLAS B first: A a
// single element over runs of C, quant.h eml_qadd_swapped) K = zc - fma(RB, zb, RA*za) and
// C = round_half_even(fma(B, RB, fma(A, RA, K))); over numpy broadcasting, clamped to the
// fused activation. Macros: A_T, B_T, Y_T, SCALAR_A, SCALAR_B, SWAPPED.
#include "common.glsl"
#include "fma.glsl"

// Header words: every QLinearAdd of the same element types shares the pipeline.
#define RA EML_F(QADD_RA)
#define RB EML_F(QADD_RB)
#define K EML_F(QADD_K)
#define Y_LO EML_I(QADD_Y_LO)
#define Y_HI EML_I(QADD_Y_HI)

EML_IN(1, A_T, a);
EML_IN(2, B_T, b);
EML_OUT(3, Y_T, y);

#include "broadcast.glsl"

void main()
{
	uint idx = eml_index();
	if (idx >= TOTAL)
		return;
	ivec2 off = eml_broadcast(int(idx));
#if SCALAR_A
	float fa = float(a[OFF1]);
#else
	float fa = float(a[OFF1 + off.x]);
#endif
#if SCALAR_B
	float fb = float(b[OFF2]);
#else
	float fb = float(b[OFF2 + off.y]);
#endif
	precise float v = K;
#if SWAPPED
	v = eml_fma(fa, RA, v);
	v = eml_fma(fb, RB, v);
#else
	v = eml_fma(fb, RB, v);
	v = eml_fma(fa, RA, v);
#endif
	y[OFF3 + idx] = Y_T(eml_saturate(v, 0, Y_LO, Y_HI));
}
