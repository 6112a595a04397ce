/* qs8_matmul.c — the portable QLinearMatMul kernel (eml_qmm_fn, kernels.h): one output at a
 * time over the packed operands, requantized as eml_requantize does. */
#include "cpu/kernels.h"
#include "quant/quant.h"

void eml_qs8_matmul_c(const eml_qmm_args *g)
{
	const size_t nc = EML_QMM_NC(g->n);
	for (size_t i = 0; i < g->m; i++) {
		const int16_t *a = g->a + i * g->a_stride;
		const float *mult = g->mult + i * g->mult_stride;
		uint8_t *y = g->y + i * g->y_stride;
		for (size_t j = 0; j < g->n; j++) {
			const int16_t *b = g->b + j * 2;
			int32_t acc = 0;
			for (size_t p = 0; p < g->kp; p++)
				acc += (int32_t)a[2 * p] * b[p * nc * 2] +
				       (int32_t)a[2 * p + 1] * b[p * nc * 2 + 1];
			float q = eml_round_half_even((float)acc * mult[j]) + g->zc;
			q = !(q >= g->lo) ? g->lo : q > g->hi ? g->hi : q;
			y[j] = (uint8_t)(int32_t)q;
		}
	}
}
