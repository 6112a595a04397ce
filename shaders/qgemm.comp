#version 450
// qgemm.comp — QLinearGemm and QLinearMatMul: Y[i, j] = requantize(sum_k (A[i, k] - a_zp)
// (B[k, j] - b_zp[j]) + bias[j]) with the column's multiplier, as ref_qmatmul.c. Strides
// encode transA/transB; QLinearMatMul's broadcast batches read their matrices' offsets from
// a table. Macros: A_T, B_T, Y_T, HAS_BIAS, HAS_BATCH, DOT4 (packed dot products over four
// k at a time, B a constant matrix) and A_FLIP (0x80u for uint8 A).
#include "common.glsl"
#if DOT4
#include "dot4.glsl"
#endif

layout(constant_id = QGEMM_M) const int M = 1;
layout(constant_id = QGEMM_N) const int N = 1;
layout(constant_id = QGEMM_K) const int K = 1;
layout(constant_id = QGEMM_A_RS) const int A_RS = 1; // element strides of rows and columns
layout(constant_id = QGEMM_A_CS) const int A_CS = 1;
layout(constant_id = QGEMM_B_RS) const int B_RS = 1;
layout(constant_id = QGEMM_B_CS) const int B_CS = 1;
layout(constant_id = QGEMM_BATCHES) const int BATCHES = 1;
layout(constant_id = QGEMM_A_ZP) const int A_ZP = 0;
layout(constant_id = QGEMM_Y_ZP) const int Y_ZP = 0;
layout(constant_id = QGEMM_Y_LO) const int Y_LO = -128;
layout(constant_id = QGEMM_Y_HI) const int Y_HI = 127;

EML_IN(1, A_T, a);
EML_IN(2, B_T, b);
EML_OUT(3, Y_T, y);
#if HAS_BIAS
EML_IN(4, int, bias);
#endif

#if DOT4
// A's zero point in the signed-byte form the lanes use.
const int AZ = A_ZP - (A_FLIP == 0u ? 0 : 128);
const int K4 = (K + 3) / 4;
// Where the column sums of B follow the multipliers, zero points and batch table.
const int SUMS = OFF0 + 2 * N + (HAS_BATCH != 0 ? 2 * BATCHES : 0);

// The lane of A's k-th element of the row, at element at; past the row's end the packed B
// is 0, so any lane does, and the element is not read.
uint a_lane(int at, int k)
{
	return k < K ? eml_lane(int(a[at]), A_FLIP) : 0u;
}

// Parameters at OFF0: N multipliers, N zero points of B, (with HAS_BATCH) the batch table,
// the sums of B's columns minus their zero points, then each column's centered values as
// signed bytes, four k a word (vk_ops_quant.c). sum (a - AZ) b' = sum a b' - AZ sum b' in
// wrapping int32, bit for bit the reference's sum.
void main()
{
	uint idx = eml_index();
	if (idx >= TOTAL)
		return;
	int j = int(idx % uint(N)), rest = int(idx / uint(N));
	int i = rest % M, batch = rest / M;
#if HAS_BATCH
	int a_at = OFF1 + p_i[OFF0 + 2 * N + 2 * batch] + i * A_RS;
#else
	int a_at = OFF1 + i * A_RS;
#endif
#if HAS_BIAS
	int acc = bias[OFF4 + j];
#else
	int acc = 0;
#endif
	acc -= AZ * p_i[SUMS + j];
	int bq = SUMS + N + j * K4;
	for (int k4 = 0; k4 < K4; k4++, a_at += 4 * A_CS) {
		int kk = 4 * k4;
		uint v = a_lane(a_at, kk) | (a_lane(a_at + A_CS, kk + 1) << 8) |
			 (a_lane(a_at + 2 * A_CS, kk + 2) << 16) |
			 (a_lane(a_at + 3 * A_CS, kk + 3) << 24);
		acc += eml_sdot4(v, uint(p_i[bq + k4]), 0);
	}
	y[OFF3 + idx] = Y_T(eml_requantize(acc, p_f[OFF0 + j], Y_ZP, Y_LO, Y_HI));
}
#else
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
#endif
