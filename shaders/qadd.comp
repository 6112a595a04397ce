#version 450
// qadd.comp — QLinearAdd with ONNX Runtime's arithmetic, as ref_qeltwise.c: with ratios
// RA = sa/sc, RB = sb/sc and K = zc - (RA*za + RB*zb) (computed on the host),
// C = round_half_even(fma(A, RA, fma(B, RB, K))), a single-element operand folded into K
// first without fma; over numpy broadcasting, clamped to the fused activation.
// Macros: A_T, B_T, Y_T, SCALAR_A, SCALAR_B.
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
	precise float v = K;
#if SCALAR_A
	v = v + float(a[OFF1]) * RA;
#endif
#if SCALAR_B
	v = v + float(b[OFF2]) * RB;
#else
	v = eml_fma(float(b[OFF2 + off.y]), RB, v);
#endif
#if !SCALAR_A
	v = eml_fma(float(a[OFF1 + off.x]), RA, v);
#endif
	y[OFF3 + idx] = Y_T(eml_saturate(v, 0, Y_LO, Y_HI));
}
