/* fast_plane.c — building the padded, phase-split input planes of the fast window kernels
 * and scattering grid outputs back into output planes. */
#include <string.h>

#include "cpu/fast_plane.h"
#include "error.h"

#if defined(__x86_64__)
#include <emmintrin.h>
#elif defined(__aarch64__)
#include <arm_neon.h>
#endif

edgeml_status eml_plane_init(eml_plane *p, const eml_window3 *w, size_t max_bytes)
{
	memset(p, 0, sizeof(*p));
	if (w->in[0] != 1 || w->k[0] != 1 || w->out[0] != 1)
		return EDGEML_ERR_UNSUPPORTED;
	for (int i = 1; i < 3; i++)
		if (w->in[i] < 1 || w->in[i] > (1 << 20) || w->k[i] < 1 || w->k[i] > 64 ||
		    w->stride[i] < 1 || w->stride[i] > 8 || w->dil[i] < 1 || w->dil[i] > 16 ||
		    w->pad_begin[i] < 0 || w->pad_begin[i] > 64 || w->out[i] < 1 ||
		    w->out[i] > (1 << 20))
			return EDGEML_ERR_UNSUPPORTED;
	p->ih = (size_t)w->in[1];
	p->iw = (size_t)w->in[2];
	p->sh = (size_t)w->stride[1];
	p->sw = (size_t)w->stride[2];
	p->top = (size_t)w->pad_begin[1];
	p->left = (size_t)w->pad_begin[2];
	p->kh = (size_t)w->k[1];
	p->kw = (size_t)w->k[2];
	p->dh = (size_t)w->dil[1];
	p->dw = (size_t)w->dil[2];
	p->oh = (size_t)w->out[1];
	p->ow = (size_t)w->out[2];
	/* Padded extent: the input with its padding, or further when ceil_mode windows overhang
	 * it. Every size is below 2^21 * 2^7 here, so none of this overflows. */
	size_t ph = p->top + p->ih + (size_t)(w->pad_end[1] > 0 ? w->pad_end[1] : 0);
	size_t pw = p->left + p->iw + (size_t)(w->pad_end[2] > 0 ? w->pad_end[2] : 0);
	size_t need_h = (p->oh - 1) * p->sh + (p->kh - 1) * p->dh + 1;
	size_t need_w = (p->ow - 1) * p->sw + (p->kw - 1) * p->dw + 1;
	ph = ph > need_h ? ph : need_h;
	pw = pw > need_w ? pw : need_w;
	p->rows = (ph + p->sh - 1) / p->sh;
	p->q = (pw + p->sw - 1) / p->sw;
	p->phase = p->rows * p->q;
	p->grid = p->oh * p->q;
	size_t phases = p->sh * p->sw;
	if (p->phase > max_bytes / phases)
		return EDGEML_ERR_UNSUPPORTED;
	p->bytes = p->phase * phases + p->q + EML_PLANE_SLACK;
	return p->bytes > max_bytes ? EDGEML_ERR_UNSUPPORTED : EDGEML_OK;
}

size_t eml_plane_tap(const eml_plane *p, size_t ky, size_t kx)
{
	size_t a = ky * p->dh, b = kx * p->dw;
	return ((a % p->sh) * p->sw + b % p->sw) * p->phase + (a / p->sh) * p->q + b / p->sw;
}

/* dst[i] = src[i * step] ^ flip for i < n, where avail bytes from src are readable: stride
 * 1 and 2 vectorised (the common cases). May write up to 15 bytes past dst[n - 1]. */
static void copy_strided(uint8_t *dst, const uint8_t *src, size_t n, size_t step, uint8_t flip,
			 size_t avail)
{
	size_t i = 0;
#if defined(__x86_64__)
	const __m128i f = _mm_set1_epi8((char)flip), lo = _mm_set1_epi16(0xff);
	if (step == 1) {
		for (; i < n && i + 16 <= avail; i += 16)
			_mm_storeu_si128((__m128i *)(dst + i),
					 _mm_xor_si128(_mm_loadu_si128((const __m128i *)(src + i)),
						       f));
	} else if (step == 2) {
		for (; i < n && 2 * i + 32 <= avail; i += 16) {
			__m128i a = _mm_loadu_si128((const __m128i *)(src + 2 * i));
			__m128i b = _mm_loadu_si128((const __m128i *)(src + 2 * i + 16));
			__m128i e = _mm_packus_epi16(_mm_and_si128(a, lo), _mm_and_si128(b, lo));
			_mm_storeu_si128((__m128i *)(dst + i), _mm_xor_si128(e, f));
		}
	}
#elif defined(__aarch64__)
	const uint8x16_t f = vdupq_n_u8(flip);
	if (step == 1) {
		for (; i < n && i + 16 <= avail; i += 16)
			vst1q_u8(dst + i, veorq_u8(vld1q_u8(src + i), f));
	} else if (step == 2) {
		for (; i < n && 2 * i + 32 <= avail; i += 16)
			vst1q_u8(dst + i, veorq_u8(vld2q_u8(src + 2 * i).val[0], f));
	}
#else
	(void)avail;
#endif
	for (; i < n; i++)
		dst[i] = src[i * step] ^ flip;
}

/* Fills n bytes (usually a few: padding columns) without a call. */
static inline void fill_bytes(uint8_t *d, uint8_t v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		d[i] = v;
}

void eml_plane_build(const eml_plane *p, const uint8_t *x, uint8_t flip, uint8_t fill,
		     uint8_t *dst)
{
	const uint8_t *x_end = x + p->ih * p->iw;
	for (size_t py = 0; py < p->sh; py++) {
		for (size_t px = 0; px < p->sw; px++) {
			uint8_t *ph = dst + (py * p->sw + px) * p->phase;
			/* columns c with 0 <= c * sw + px - left < iw */
			size_t c0 = p->left > px ? (p->left - px + p->sw - 1) / p->sw : 0;
			size_t right = p->left + p->iw;
			size_t end = right > px ? (right - px + p->sw - 1) / p->sw : 0;
			size_t c1 = end < p->q ? end : p->q;
			c0 = c0 < c1 ? c0 : c1;
			/* rows in order: a copy's overrun lands where a later row or the slack
			 * fill rewrites it */
			for (size_t r = 0; r < p->rows; r++) {
				uint8_t *d = ph + r * p->q;
				size_t pr = r * p->sh + py;
				if (pr < p->top || pr - p->top >= p->ih || c0 == c1) {
					memset(d, fill, p->q);
					continue;
				}
				const uint8_t *s =
					x + (pr - p->top) * p->iw + c0 * p->sw + px - p->left;
				fill_bytes(d, fill, c0);
				copy_strided(d + c0, s, c1 - c0, p->sw, flip, (size_t)(x_end - s));
				fill_bytes(d + c1, fill, p->q - c1);
			}
		}
	}
	size_t body = p->phase * p->sh * p->sw;
	memset(dst + body, fill, p->bytes - body);
}

void eml_plane_scatter(const eml_plane *p, size_t g0, size_t n, const uint8_t *src,
		       uint8_t *y)
{
	size_t oy = g0 / p->q, ox = g0 % p->q;
	for (size_t j = 0; j < n;) {
		size_t seg = p->q - ox < n - j ? p->q - ox : n - j;
		if (ox < p->ow && oy < p->oh) {
			size_t valid = p->ow - ox < seg ? p->ow - ox : seg;
			memcpy(y + oy * p->ow + ox, src + j, valid);
		}
		j += seg;
		ox = 0;
		oy++;
	}
}
