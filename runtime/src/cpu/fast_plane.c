/* fast_plane.c — building the padded, phase-split input planes of the fast window kernels
 * and scattering grid outputs back into output planes. */
#include <stdint.h>
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

size_t eml_plane_taps(const eml_plane *p, size_t *off)
{
	for (size_t ky = 0; ky < p->kh; ky++)
		for (size_t kx = 0; kx < p->kw; kx++)
			off[ky * p->kw + kx] = eml_plane_tap(p, ky, kx);
	return p->kh * p->kw;
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

/* Fills n bytes (usually a few: padding columns) with one vector store when n <= 16; the
 * store may run up to 15 bytes past d + n, where only later rows or the slack lie. */
static inline void fill_run(uint8_t *d, uint8_t v, size_t n)
{
	if (n == 0)
		return;
#if defined(__x86_64__)
	if (n <= 16) {
		_mm_storeu_si128((__m128i *)d, _mm_set1_epi8((char)v));
		return;
	}
#elif defined(__aarch64__)
	if (n <= 16) {
		vst1q_u8(d, vdupq_n_u8(v));
		return;
	}
#endif
	memset(d, v, n);
}

/* First index i >= 0 with i * step + off >= lim (off < step): a ceiling division. */
static inline size_t first_at(size_t lim, size_t off, size_t step)
{
	return lim > off ? (lim - off + step - 1) / step : 0;
}

/* Copies up to rows rows of n <= 64 bytes (stride 1) at src, step apart, each between c0 <= 16
 * and q - c0 - n <= 16 bytes of padding, to dst rows q apart with 16-byte vectors, as long as
 * the vector reads stay before x_end; returns how many rows it did. Like fill_run, the stores
 * run up to 15 bytes past a row. */
static size_t copy_rows_short(uint8_t *dst, const uint8_t *src, const uint8_t *x_end, size_t rows,
			      size_t q, size_t step, size_t c0, size_t n, uint8_t flip,
			      uint8_t fill)
{
	size_t r = 0;
#if defined(__x86_64__) || defined(__aarch64__)
	size_t chunks = (n + 15) / 16, c1 = c0 + n;
	for (; r < rows && (size_t)(x_end - src) >= 16 * chunks; r++, dst += q, src += step) {
#if defined(__x86_64__)
		const __m128i fv = _mm_set1_epi8((char)fill), f = _mm_set1_epi8((char)flip);
		_mm_storeu_si128((__m128i *)dst, fv);
		for (size_t i = 0; i < chunks; i++) {
			__m128i v = _mm_loadu_si128((const __m128i *)(src + 16 * i));
			_mm_storeu_si128((__m128i *)(dst + c0 + 16 * i), _mm_xor_si128(v, f));
		}
		_mm_storeu_si128((__m128i *)(dst + c1), fv);
#else
		const uint8x16_t fv = vdupq_n_u8(fill), f = vdupq_n_u8(flip);
		vst1q_u8(dst, fv);
		for (size_t i = 0; i < chunks; i++)
			vst1q_u8(dst + c0 + 16 * i, veorq_u8(vld1q_u8(src + 16 * i), f));
		vst1q_u8(dst + c1, fv);
#endif
	}
#else
	(void)dst, (void)src, (void)x_end, (void)rows, (void)q, (void)step, (void)c0, (void)n,
		(void)flip, (void)fill;
#endif
	return r;
}

/* Builds one phase (py, px) of the plane at ph: the padding rows above and below in one fill
 * each, every input row in between as left padding, a strided copy, right padding. Every
 * store runs forward only (into later rows, phases or the slack, all written afterwards), so
 * the vector stores' overruns are harmless. */
static void build_phase(const eml_plane *p, const uint8_t *x, const uint8_t *x_end, size_t py,
			size_t px, uint8_t flip, uint8_t fill, uint8_t *ph)
{
	/* columns c with left <= c * sw + px < left + iw, rows r likewise */
	size_t c1 = first_at(p->left + p->iw, px, p->sw);
	c1 = c1 < p->q ? c1 : p->q;
	size_t c0 = first_at(p->left, px, p->sw);
	c0 = c0 < c1 ? c0 : c1;
	size_t r1 = first_at(p->top + p->ih, py, p->sh);
	r1 = r1 < p->rows ? r1 : p->rows;
	size_t r0 = first_at(p->top, py, p->sh);
	r0 = r0 < r1 && c0 < c1 ? r0 : r1;
	memset(ph, fill, r0 * p->q);
	size_t r = r0, n = c1 - c0, right = p->q - c1, step = p->sh * p->iw;
	uint8_t *d = ph + r0 * p->q;
	const uint8_t *s = x + (r0 * p->sh + py - p->top) * p->iw + c0 * p->sw + px - p->left;
	if (p->sw == 1 && c0 <= 16 && right <= 16 && n <= 64)
		r += copy_rows_short(d, s, x_end, r1 - r0, p->q, step, c0, n, flip, fill);
	for (d += (r - r0) * p->q, s += (r - r0) * step; r < r1; r++, d += p->q, s += step) {
		fill_run(d, fill, c0);
		copy_strided(d + c0, s, n, p->sw, flip, (size_t)(x_end - s));
		fill_run(d + c1, fill, right);
	}
	memset(ph + r1 * p->q, fill, (p->rows - r1) * p->q);
}

void eml_plane_build(const eml_plane *p, const uint8_t *x, uint8_t flip, uint8_t fill,
		     uint8_t *dst)
{
	const uint8_t *x_end = x + p->ih * p->iw;
	for (size_t py = 0; py < p->sh; py++)
		for (size_t px = 0; px < p->sw; px++)
			build_phase(p, x, x_end, py, px, flip, fill,
				    dst + (py * p->sw + px) * p->phase);
	size_t body = p->phase * p->sh * p->sw;
	memset(dst + body, fill, p->bytes - body);
}

/* Interleaves 16 bytes of each of a, b, c, d (XORed with f) into 64 bytes at dst. */
#if defined(__x86_64__)
static inline void interleave16(const uint8_t *a, const uint8_t *b, const uint8_t *c,
				const uint8_t *d, __m128i f, uint8_t *dst)
{
	__m128i va = _mm_xor_si128(_mm_loadu_si128((const __m128i *)a), f);
	__m128i vb = _mm_xor_si128(_mm_loadu_si128((const __m128i *)b), f);
	__m128i vc = _mm_xor_si128(_mm_loadu_si128((const __m128i *)c), f);
	__m128i vd = _mm_xor_si128(_mm_loadu_si128((const __m128i *)d), f);
	__m128i ab_lo = _mm_unpacklo_epi8(va, vb), ab_hi = _mm_unpackhi_epi8(va, vb);
	__m128i cd_lo = _mm_unpacklo_epi8(vc, vd), cd_hi = _mm_unpackhi_epi8(vc, vd);
	__m128i *o = (__m128i *)dst;
	_mm_storeu_si128(o + 0, _mm_unpacklo_epi16(ab_lo, cd_lo));
	_mm_storeu_si128(o + 1, _mm_unpackhi_epi16(ab_lo, cd_lo));
	_mm_storeu_si128(o + 2, _mm_unpacklo_epi16(ab_hi, cd_hi));
	_mm_storeu_si128(o + 3, _mm_unpackhi_epi16(ab_hi, cd_hi));
}
#endif

/* Stride 1 (one phase): each row of the 4 channels interleaved straight from the input rows
 * into dst, padding filled in place, no plane built first. Rows of at least 16 bytes run in
 * blocks of 16, the last block overlapping the one before (same bytes); shorter ones byte by
 * byte. Never reads outside the input rows nor writes outside dst's rows and slack. */
static void build4_s1(const eml_plane *p, const uint8_t *x, size_t x_stride, uint8_t flip,
		      uint8_t fill, uint8_t *dst)
{
	size_t c1 = p->left + p->iw < p->q ? p->left + p->iw : p->q;
	size_t c0 = p->left < c1 ? p->left : c1;
	size_t r1 = p->top + p->ih < p->rows ? p->top + p->ih : p->rows;
	size_t r0 = p->top < r1 && c0 < c1 ? p->top : r1;
	size_t n = c1 - c0, q4 = 4 * p->q;
	memset(dst, fill, r0 * q4);
	for (size_t r = r0; r < r1; r++) {
		uint8_t *d = dst + r * q4;
		const uint8_t *a = x + (r - p->top) * p->iw + c0 - p->left;
		const uint8_t *b = a + x_stride, *c = b + x_stride, *e = c + x_stride;
		memset(d, fill, 4 * c0);
		size_t i = 0;
#if defined(__x86_64__)
		const __m128i f = _mm_set1_epi8((char)flip);
		if (n >= 16) {
			for (; i + 16 <= n; i += 16)
				interleave16(a + i, b + i, c + i, e + i, f, d + 4 * (c0 + i));
			if (i < n) {
				i = n - 16;
				interleave16(a + i, b + i, c + i, e + i, f, d + 4 * (c0 + i));
				i = n;
			}
		}
#elif defined(__aarch64__)
		const uint8x16_t f = vdupq_n_u8(flip);
		if (n >= 16) {
			for (size_t j = 0; j < n; j += 16) {
				i = j + 16 <= n ? j : n - 16;
				uint8x16x4_t v = { { veorq_u8(vld1q_u8(a + i), f),
						     veorq_u8(vld1q_u8(b + i), f),
						     veorq_u8(vld1q_u8(c + i), f),
						     veorq_u8(vld1q_u8(e + i), f) } };
				vst4q_u8(d + 4 * (c0 + i), v);
			}
			i = n;
		}
#endif
		for (; i < n; i++) {
			uint8_t *o = d + 4 * (c0 + i);
			o[0] = a[i] ^ flip;
			o[1] = b[i] ^ flip;
			o[2] = c[i] ^ flip;
			o[3] = e[i] ^ flip;
		}
		memset(d + 4 * c1, fill, 4 * (p->q - c1));
	}
	memset(dst + r1 * q4, fill, (p->rows - r1) * q4);
	memset(dst + p->phase * 4, fill, 4 * (p->bytes - p->phase));
}

void eml_plane_build4(const eml_plane *p, const uint8_t *x, size_t x_stride, uint8_t flip,
		      uint8_t fill, uint8_t *tmp, uint8_t *dst)
{
	if (p->sh == 1 && p->sw == 1) {
		build4_s1(p, x, x_stride, flip, fill, dst);
		return;
	}
	size_t n = p->bytes, i = 0;
	const uint8_t *a = tmp, *b = tmp + n, *c = tmp + 2 * n, *d = tmp + 3 * n;
	if (p->kh == 1 && p->kw == 1) {
		/* a 1x1 window reads phase (0, 0) alone: the other phases are left as they are
		 * (whole tiles of grid positions may read them, for columns never stored) */
		n = p->phase;
		for (int ch = 0; ch < 4; ch++) {
			const uint8_t *xc = x + (size_t)ch * x_stride;
			build_phase(p, xc, xc + p->ih * p->iw, 0, 0, flip, fill,
				    tmp + (size_t)ch * p->bytes);
		}
	} else {
		for (int ch = 0; ch < 4; ch++)
			eml_plane_build(p, x + (size_t)ch * x_stride, flip, fill,
					tmp + (size_t)ch * n);
	}
#if defined(__x86_64__)
	const __m128i zero = _mm_setzero_si128();
	for (; i + 16 <= n; i += 16)
		interleave16(a + i, b + i, c + i, d + i, zero, dst + 4 * i);
#endif
	for (; i < n; i++) {
		dst[4 * i] = a[i];
		dst[4 * i + 1] = b[i];
		dst[4 * i + 2] = c[i];
		dst[4 * i + 3] = d[i];
	}
}

/* Copies n bytes with a few vector moves instead of a call (output rows are short): never
 * past d + n. */
static inline void copy_run(uint8_t *d, const uint8_t *s, size_t n)
{
	uint64_t a, b;
	uint32_t u, v;
	if (n >= 16) {
		size_t i = 0;
		for (; i + 16 <= n; i += 16)
			memcpy(d + i, s + i, 16);
		if (i < n)
			memcpy(d + n - 16, s + n - 16, 16);
	} else if (n >= 8) {
		memcpy(&a, s, 8);
		memcpy(&b, s + n - 8, 8);
		memcpy(d, &a, 8);
		memcpy(d + n - 8, &b, 8);
	} else if (n >= 4) {
		memcpy(&u, s, 4);
		memcpy(&v, s + n - 4, 4);
		memcpy(d, &u, 4);
		memcpy(d + n - 4, &v, 4);
	} else {
		for (size_t i = 0; i < n; i++)
			d[i] = s[i];
	}
}

void eml_plane_scatter(const eml_plane *p, size_t g0, size_t n, const uint8_t *src,
		       uint8_t *y)
{
	size_t oy = g0 / p->q, ox = g0 % p->q, j = 0;
	if (g0 == 0 && n == p->grid) {
		/* The whole grid, row by row: a short row is one 16-byte move when the source has
		 * 16 bytes left and the move ends inside the plane, its overrun landing in later
		 * rows, which this loop writes afterwards. */
		size_t end = p->oh * p->ow;
		for (; oy < p->oh; oy++, j += p->q) {
			uint8_t *d = y + oy * p->ow;
			if (p->ow <= 16 && j + 16 <= n && oy * p->ow + 16 <= end)
				memcpy(d, src + j, 16);
			else
				copy_run(d, src + j, p->ow);
		}
		return;
	}
	while (j < n) {
		size_t seg = p->q - ox < n - j ? p->q - ox : n - j;
		if (ox < p->ow && oy < p->oh) {
			size_t valid = p->ow - ox < seg ? p->ow - ox : seg;
			copy_run(y + oy * p->ow + ox, src + j, valid);
		}
		j += seg;
		ox = 0;
		oy++;
	}
}

/* Sets chunk c's window base to its lowest source position when the plan's window (128 or
 * 256 bytes) then holds all of the chunk's bytes (src[i] for the chunk's bytes i whose keep bit
 * is set, in plan order); rebases the chunk's indexes. Returns 0 when it does not fit. */
static int perm_rebase(eml_plane_perm *pp, size_t c, const uint16_t *src)
{
	size_t lo = SIZE_MAX, hi = 0;
	for (size_t j = 0; j < 64; j++)
		if (pp->keep[c] >> j & 1) {
			lo = src[j] < lo ? src[j] : lo;
			hi = src[j] > hi ? src[j] : hi;
		}
	if (lo == SIZE_MAX)
		return 1;
	if (hi - lo >= pp->window)
		return 0;
	pp->base[c] = (uint32_t)lo;
	for (size_t j = 0; j < 64; j++)
		if (pp->keep[c] >> j & 1)
			pp->idx[c][j] = (uint8_t)(src[j] - lo);
	return 1;
}

/* Fills in the plan's windows from each output byte's source position (0xffff: fill): the
 * narrow window (one permutation) when every chunk fits it, else the wide one. */
static int perm_plan(eml_plane_perm *pp, const uint16_t *src, size_t out_bytes,
		     size_t src_bytes)
{
	memset(pp, 0, sizeof(*pp));
	pp->chunks = (out_bytes + 63) / 64;
	pp->out_bytes = out_bytes;
	pp->src_bytes = src_bytes;
	for (size_t i = 0; i < out_bytes; i++)
		if (src[i] != 0xffff)
			pp->keep[i / 64] |= (uint64_t)1 << (i % 64);
	for (pp->window = 128; pp->window <= 256; pp->window *= 2) {
		size_t c = 0;
		while (c < pp->chunks && perm_rebase(pp, c, src + 64 * c))
			c++;
		if (c == pp->chunks)
			return 1;
	}
	return 0;
}

int eml_plane_perm_build_init(eml_plane_perm *pp, const eml_plane *p)
{
	size_t n = p->ih * p->iw;
	if (n > 255 || p->bytes > EML_PERM_CHUNKS * 64)
		return 0;
	/* Building a plane of position tags (fill 0xff, never a position) tells where each
	 * byte comes from, with the very code the plan replaces. */
	uint8_t tags[255], out[EML_PERM_CHUNKS * 64 + 64];
	uint16_t src[EML_PERM_CHUNKS * 64];
	for (size_t i = 0; i < n; i++)
		tags[i] = (uint8_t)i;
	eml_plane_build(p, tags, 0, 0xff, out);
	for (size_t i = 0; i < EML_PERM_CHUNKS * 64; i++)
		src[i] = i < p->bytes && out[i] != 0xff ? out[i] : 0xffff;
	return perm_plan(pp, src, p->bytes, n);
}

int eml_plane_perm_scatter_init(eml_plane_perm *pp, const eml_plane *p)
{
	size_t n = p->oh * p->ow;
	if (n == 0 || n > EML_PERM_CHUNKS * 64 || p->grid > 0xfffe)
		return 0;
	uint16_t src[EML_PERM_CHUNKS * 64];
	for (size_t i = 0; i < EML_PERM_CHUNKS * 64; i++)
		src[i] = i < n ? (uint16_t)(i / p->ow * p->q + i % p->ow) : 0xffff;
	return perm_plan(pp, src, n, p->grid);
}

/* Sum of the n bytes at x, each XORed with flip first (n < 2^24). */
uint32_t eml_plane_sum(const uint8_t *x, size_t n, uint8_t flip)
{
	uint32_t sum = 0;
	size_t i = 0;
#if defined(__x86_64__)
	const __m128i f = _mm_set1_epi8((char)flip), zero = _mm_setzero_si128();
	__m128i acc = zero;
	for (; i + 16 <= n; i += 16) {
		__m128i v = _mm_xor_si128(_mm_loadu_si128((const __m128i *)(x + i)), f);
		acc = _mm_add_epi64(acc, _mm_sad_epu8(v, zero));
	}
	sum = (uint32_t)_mm_cvtsi128_si32(acc) +
	      (uint32_t)_mm_cvtsi128_si32(_mm_srli_si128(acc, 8));
#elif defined(__aarch64__)
	const uint8x16_t f = vdupq_n_u8(flip);
	uint32x4_t acc = vdupq_n_u32(0);
	for (; i + 16 <= n; i += 16)
		acc = vpadalq_u16(acc, vpaddlq_u8(veorq_u8(vld1q_u8(x + i), f)));
	sum = vaddvq_u32(acc);
#endif
	for (; i < n; i++)
		sum += (uint8_t)(x[i] ^ flip);
	return sum;
}
