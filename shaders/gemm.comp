#version 450
// gemm.comp — float Gemm (alpha * A'B' + beta * C, C broadcast, fused clamp) and MatMul
// (numpy batches, each matrix's offsets from a table), as ref_matmul.c. Macros: HAS_C,
// HAS_BATCH.
#include "common.glsl"

layout(constant_id = GEMM_M) const int M = 1;
layout(constant_id = GEMM_N) const int N = 1;
layout(constant_id = GEMM_K) const int K = 1;
layout(constant_id = GEMM_A_RS) const int A_RS = 1;
layout(constant_id = GEMM_A_CS) const int A_CS = 1;
layout(constant_id = GEMM_B_RS) const int B_RS = 1;
layout(constant_id = GEMM_B_CS) const int B_CS = 1;
layout(constant_id = GEMM_C_RS) const int C_RS = 0;
layout(constant_id = GEMM_C_CS) const int C_CS = 0;
layout(constant_id = GEMM_ALPHA) const float ALPHA = 1.0;
layout(constant_id = GEMM_BETA) const float BETA = 1.0;
layout(constant_id = GEMM_ACT_LO) const float ACT_LO = -3.402823466e38;
layout(constant_id = GEMM_ACT_HI) const float ACT_HI = 3.402823466e38;

EML_IN(1, float, a);
EML_IN(2, float, b);
EML_OUT(3, float, y);
#if HAS_C
EML_IN(4, float, c);
#endif

void main()
{
	uint idx = eml_index();
	if (idx >= TOTAL)
		return;
	int j = int(idx % uint(N)), rest = int(idx / uint(N));
	int i = rest % M, batch = rest / M;
#if HAS_BATCH
	int a_at = OFF1 + p_i[OFF0 + 2 * batch] + i * A_RS;
	int b_at = OFF2 + p_i[OFF0 + 2 * batch + 1] + j * B_CS;
#else
	int a_at = OFF1 + i * A_RS, b_at = OFF2 + j * B_CS;
#endif
	float acc = 0.0;
	for (int kk = 0; kk < K; kk++, a_at += A_CS, b_at += B_RS)
		acc += a[a_at] * b[b_at];
	float v = ALPHA * acc;
#if HAS_C
	v += BETA * c[OFF4 + i * C_RS + j * C_CS];
#endif
	y[OFF3 + idx] = min(max(v, ACT_LO), ACT_HI);
}
