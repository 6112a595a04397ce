/* f32-winograd-2x2-4x-neon.c — the Winograd F(2x2, 3x3) input and output transforms of 4
 * tiles side by side in one tile row, one tile per lane (vld2q / vst2q split and merge the
 * even and odd columns). The operations and their order are fwinograd.c's portable loops'
 * (no fused multiply-add), so the results are bit-identical. */
#if defined(__aarch64__)
#include <arm_neon.h>

#include "cpu/f32_ukernels.h"

#define RUN 4

/* See eml_f32_wino_in_fn. */
static void wino_in_4x(const float *d, size_t ds, float *v, size_t vs, uint32_t n)
{
	float32x4_t c[4][4]; /* [row][column of the tile], a tile per lane */
	for (int i = 0; i < 4; i++) {
		float32x4x2_t a = vld2q_f32(d + i * ds), b = vld2q_f32(d + i * ds + 2);
		c[i][0] = a.val[0];
		c[i][1] = a.val[1];
		c[i][2] = b.val[0];
		c[i][3] = b.val[1];
	}
	float32x4_t t[4][4]; /* B^T d */
	for (int k = 0; k < 4; k++) {
		t[0][k] = vsubq_f32(c[0][k], c[2][k]);
		t[1][k] = vaddq_f32(c[1][k], c[2][k]);
		t[2][k] = vsubq_f32(c[2][k], c[1][k]);
		t[3][k] = vsubq_f32(c[1][k], c[3][k]);
	}
	for (int i = 0; i < 4; i++) {
		float32x4_t o[4] = {
			vsubq_f32(t[i][0], t[i][2]), vaddq_f32(t[i][1], t[i][2]),
			vsubq_f32(t[i][2], t[i][1]), vsubq_f32(t[i][1], t[i][3]),
		};
		for (int k = 0; k < 4; k++) {
			float *p = v + (size_t)(i * 4 + k) * vs;
			if (n >= RUN) {
				vst1q_f32(p, o[k]);
				continue;
			}
			float tmp[RUN];
			vst1q_f32(tmp, o[k]);
			for (uint32_t j = 0; j < n; j++)
				p[j] = tmp[j];
		}
	}
}

/* eml_clampf on a vector, by compares and selects so that NaN passes. */
static inline float32x4_t clamp(float32x4_t v, float32x4_t lo, float32x4_t hi)
{
	float32x4_t t = vbslq_f32(vcgtq_f32(v, hi), hi, v);
	return vbslq_f32(vcltq_f32(v, lo), lo, t);
}

/* See eml_f32_wino_out_fn. */
static void wino_out_4x(const float *m, size_t ms, float bias, float lo, float hi, float *y,
			size_t ys, uint32_t n)
{
	float32x4_t s[2][4]; /* A^T M */
	for (int k = 0; k < 4; k++) {
		float32x4_t q[4];
		for (int r = 0; r < 4; r++) {
			const float *p = m + (size_t)(4 * r + k) * ms;
			if (n >= RUN) {
				q[r] = vld1q_f32(p);
			} else {
				float tmp[RUN] = { 0 };
				for (uint32_t j = 0; j < n; j++)
					tmp[j] = p[j];
				q[r] = vld1q_f32(tmp);
			}
		}
		s[0][k] = vaddq_f32(vaddq_f32(q[0], q[1]), q[2]);
		s[1][k] = vsubq_f32(vsubq_f32(q[1], q[2]), q[3]);
	}
	float32x4_t vb = vdupq_n_f32(bias), vlo = vdupq_n_f32(lo), vhi = vdupq_n_f32(hi);
	for (int i = 0; i < 2; i++) {
		float32x4x2_t o;
		o.val[0] = clamp(vaddq_f32(vaddq_f32(vaddq_f32(s[i][0], s[i][1]), s[i][2]), vb),
				 vlo, vhi);
		o.val[1] = clamp(vaddq_f32(vsubq_f32(vsubq_f32(s[i][1], s[i][2]), s[i][3]), vb),
				 vlo, vhi);
		float *yr = y + (size_t)i * ys;
		if (n >= RUN) {
			vst2q_f32(yr, o);
			continue;
		}
		float tmp[2 * RUN];
		vst2q_f32(tmp, o);
		for (uint32_t j = 0; j < 2 * n; j++)
			yr[j] = tmp[j];
	}
}

const eml_f32_wino_ukernel eml_f32_winograd_2x2_4x_neon = {
	.name = "f32-winograd-2x2-4x-neon", .run = RUN, .in = wino_in_4x, .out = wino_out_4x,
};

#endif
