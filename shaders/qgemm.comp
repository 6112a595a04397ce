#version 450
// qgemm.comp — QLinearGemm and QLinearMatMul: Y[i, j] = requantize(sum_k (A[i, k] - a_zp)
// (B[k, j] - b_zp[j]) + bias[j]) with the column's multiplier, as ref_qmatmul.c. Strides
// encode transA/transB; QLinearMatMul's broadcast batches read their matrices' offsets from
// a table. Macros: A_T, B_T, Y_T, HAS_BIAS, HAS_BATCH.
#include "common.glsl"

layout(constant_id = 9) const int M = 1;
layout(constant_id = 10) const int N = 1;
layout(constant_id = 11) const int K = 1;
layout(constant_id = 12) const int A_RS = 1; // element strides of rows and columns
layout(constant_id = 13) const int A_CS = 1;
layout(constant_id = 14) const int B_RS = 1;
layout(constant_id = 15) const int B_CS = 1;
layout(constant_id = 16) const int BATCHES = 1;
layout(constant_id = 17) const int A_ZP = 0;
layout(constant_id = 18) const int Y_ZP = 0;
layout(constant_id = 19) const int Y_LO = -128;
layout(constant_id = 20) const int Y_HI = 127;

EML_IN(1, A_T, a);
EML_IN(2, B_T, b);
EML_OUT(3, Y_T, y);
#if HAS_BIAS
EML_IN(4, int, bias);
#endif

// Parameters at OFF0: N multipliers, N zero points of B, then (with HAS_BATCH) per output
// matrix the element offsets of its A and B matrices.
void main()
{
	uint idx = eml_index();
	if (idx >= TOTAL)
		return;
	int j = int(idx % uint(N)), rest = int(idx / uint(N));
	int i = rest % M, batch = rest / M;
#if HAS_BATCH
	int a_at = OFF1 + p_i[OFF0 + 2 * N + 2 * batch] + i * A_RS;
	int b_at = OFF2 + p_i[OFF0 + 2 * N + 2 * batch + 1] + j * B_CS;
#else
	int a_at = OFF1 + i * A_RS, b_at = OFF2 + j * B_CS;
#endif
	int b_zp = p_i[OFF0 + N + j];
#if HAS_BIAS
	int acc = bias[OFF4 + j];
#else
	int acc = 0;
#endif
	for (int kk = 0; kk < K; kk++, a_at += A_CS, b_at += B_RS)
		acc += (int(a[a_at]) - A_ZP) * (int(b[b_at]) - b_zp);
	y[OFF3 + idx] = Y_T(eml_requantize(acc, p_f[OFF0 + j], Y_ZP, Y_LO, Y_HI));
}
