/* fast_fplane.c — building the float phase planes of the fast float window kernels and
 * scattering grid outputs back into output planes (fast_fplane.h). */
#include <math.h>
#include <string.h>

#include "cpu/fast_fplane.h"

#if defined(__x86_64__)
#include <emmintrin.h>
#elif defined(__aarch64__)
#include <arm_neon.h>
#endif

/* dst[i] = src[i * step] for i < n, where avail floats from src are readable; stride 1 by
 * memcpy, stride 2 (MobileNet's downsampling depthwise layers) vectorised. */
static void copy_strided(float *dst, const float *src, size_t n, size_t step, size_t avail)
{
	size_t i = 0;
	if (step == 1 && n > 8) {
		memcpy(dst, src, n * sizeof(float));
		return;
	}
#if defined(__x86_64__)
	for (; step == 2 && i + 4 <= n && 2 * i + 8 <= avail; i += 4) {
		__m128 a = _mm_loadu_ps(src + 2 * i), b = _mm_loadu_ps(src + 2 * i + 4);
		_mm_storeu_ps(dst + i, _mm_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0)));
	}
#elif defined(__aarch64__)
	for (; step == 2 && i + 4 <= n && 2 * i + 8 <= avail; i += 4)
		vst1q_f32(dst + i, vld2q_f32(src + 2 * i).val[0]);
#else
	(void)avail;
#endif
	for (; i < n; i++)
		dst[i] = src[i * step];
}

/* Phase rows at least this long have only their padding filled. */
#define ROW_FILL_MIN 32

/* dst[i] = v for i < n: memset for zeros, the common case. */
static void fill_floats(float *dst, float v, size_t n)
{
	if (v == 0.0f && !signbit(v)) {
		memset(dst, 0, n * sizeof(float));
		return;
	}
	for (size_t i = 0; i < n; i++)
		dst[i] = v;
}

/* Columns [c0, c1) of phase column px: those whose padded column px + c * sw is an input
 * column. */
static void phase_cols(const eml_plane *p, size_t px, size_t *c0, size_t *c1)
{
	size_t a = px >= p->left ? 0 : (p->left - px + p->sw - 1) / p->sw;
	size_t b = p->left + p->iw > px ? (p->left + p->iw - px + p->sw - 1) / p->sw : 0;
	b = b < p->q ? b : p->q;
	*c0 = a < b ? a : b;
	*c1 = b;
}

/* Stride 2 across, long rows: both column phases of phase row py in one pass over each input
 * row (its even columns go to one phase, its odd ones to the other), only the padding
 * filled. Returns 0 (nothing written) where a phase has no input column. */
static int build_pair_s2(const eml_plane *p, const float *x, float fill,
			 eml_f32_split2_fn split2, float *dst, size_t py)
{
	size_t c0[2], c1[2];
	for (size_t px = 0; px < 2; px++) {
		phase_cols(p, px, &c0[px], &c1[px]);
		if (c0[px] >= c1[px])
			return 0;
	}
	/* input column i lands in phase (i + left) % 2, column (i + left) / 2: the even ones in
	 * phase e, the odd ones in the other */
	size_t e = p->left % 2, o = 1 - e;
	float *ph[2] = { dst + (py * 2) * p->phase, dst + (py * 2 + 1) * p->phase };
	for (size_t r = 0; r < p->rows; r++) {
		size_t prow = py + r * p->sh;
		float *d[2] = { ph[0] + r * p->q, ph[1] + r * p->q };
		if (prow < p->top || prow - p->top >= p->ih) {
			fill_floats(d[0], fill, p->q);
			fill_floats(d[1], fill, p->q);
			continue;
		}
		for (size_t px = 0; px < 2; px++) {
			for (size_t c = 0; c < c0[px]; c++)
				d[px][c] = fill;
			for (size_t c = c1[px]; c < p->q; c++)
				d[px][c] = fill;
		}
		const float *row = x + (prow - p->top) * p->iw;
		/* the first input column each phase takes: c0 * 2 + px - left */
		const float *se = row + c0[e] * 2 + e - p->left;
		const float *so = row + c0[o] * 2 + o - p->left;
		float *de = d[e] + c0[e], *dd = d[o] + c0[o];
		size_t ne = c1[e] - c0[e], no = c1[o] - c0[o], m = 0;
		/* se and so are adjacent input columns when both start at the row's start */
		if (so == se + 1 && split2) {
			size_t avail = (size_t)(row + p->iw - se);
			m = ne < no ? ne : no;
			m = m < avail / 2 ? m : avail / 2;
			split2(se, m, de, dd);
		}
#if defined(__x86_64__)
		if (so == se + 1 && !split2) {
			size_t avail = (size_t)(row + p->iw - se);
			for (; m + 4 <= ne && m + 4 <= no && 2 * m + 8 <= avail; m += 4) {
				__m128 a = _mm_loadu_ps(se + 2 * m), b = _mm_loadu_ps(se + 2 * m + 4);
				_mm_storeu_ps(de + m, _mm_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0)));
				_mm_storeu_ps(dd + m, _mm_shuffle_ps(a, b, _MM_SHUFFLE(3, 1, 3, 1)));
			}
		}
#endif
		for (size_t i = m; i < ne; i++)
			de[i] = se[2 * i];
		for (size_t i = m; i < no; i++)
			dd[i] = so[2 * i];
	}
	return 1;
}

/* See fast_fplane.h: the padding is written once per phase, then the rows copied in. */
void eml_fplane_build(const eml_plane *p, const float *x, float fill, eml_f32_split2_fn split2,
		      float *dst)
{
	for (size_t py = 0; py < p->sh; py++) {
		if (p->sw == 2 && p->q >= ROW_FILL_MIN && build_pair_s2(p, x, fill, split2, dst, py))
			continue;
		for (size_t px = 0; px < p->sw; px++) {
			float *ph = dst + (py * p->sw + px) * p->phase;
			/* phase columns c whose padded column px + c * sw is an input column */
			size_t c0 = px >= p->left ? 0 : (p->left - px + p->sw - 1) / p->sw;
			size_t c1 = p->left + p->iw > px ?
					    (p->left + p->iw - px + p->sw - 1) / p->sw : 0;
			c1 = c1 < p->q ? c1 : p->q;
			c0 = c0 < c1 ? c0 : c1;
			/* short rows: one fill for all the padding, a call per run would cost
			 * more than the copy; long rows: only the padding, so that each float
			 * is written once */
			int whole = p->q < ROW_FILL_MIN || c0 >= c1;
			if (whole)
				fill_floats(ph, fill, p->phase);
			for (size_t r = 0; r < p->rows; r++) {
				size_t prow = py + r * p->sh;
				float *d = ph + r * p->q;
				if (prow < p->top || prow - p->top >= p->ih || c0 >= c1) {
					if (!whole)
						fill_floats(d, fill, p->q);
					continue;
				}
				for (size_t c = 0; !whole && c < c0; c++)
					d[c] = fill;
				for (size_t c = c1; !whole && c < p->q; c++)
					d[c] = fill;
				const float *s = x + (prow - p->top) * p->iw + px + c0 * p->sw -
						 p->left;
				copy_strided(d + c0, s, c1 - c0, p->sw,
					     (size_t)(x + p->ih * p->iw - s));
			}
		}
	}
	size_t used = p->phase * p->sh * p->sw;
	fill_floats(dst + used, fill, p->bytes - used);
}

/* See fast_fplane.h: a copy per output row. */
void eml_fplane_scatter(const eml_plane *p, size_t g0, size_t n, const float *src, float *y)
{
	for (size_t g = g0, end = g0 + n; g < end;) {
		size_t oy = g / p->q, ox = g % p->q;
		size_t stop = (oy + 1) * p->q < end ? (oy + 1) * p->q : end;
		if (ox < p->ow) {
			size_t cnt = stop - g < p->ow - ox ? stop - g : p->ow - ox;
			memcpy(y + oy * p->ow + ox, src + (g - g0), cnt * sizeof(float));
		}
		g = stop;
	}
}
