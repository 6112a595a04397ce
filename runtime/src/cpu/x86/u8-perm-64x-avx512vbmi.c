/* u8-perm-64x-avx512vbmi.c — the byte gather of an eml_plane_perm: per 64-byte output chunk,
 * a 128-byte source window as one vpermt2b permutation, or a 256-byte one as two (index bit 7
 * picks which), the fill byte blended in. */
#if defined(__x86_64__)
#include <immintrin.h>

#include "cpu/x86/ukernels.h"

#define TARGET __attribute__((target("avx512f,avx512bw,avx512vbmi")))

/* The mask of the first n (clamped to 0..64) bytes of a vector. */
TARGET static inline __mmask64 first_bytes(size_t n)
{
	return n >= 64 ? ~(__mmask64)0 : ((__mmask64)1 << n) - 1;
}

/* See eml_plane_perm: src holds pp->src_bytes readable bytes, whose values are XORed with
 * flip; dst receives pp->out_bytes. */
void TARGET eml_u8_perm_64x_avx512vbmi(const eml_plane_perm *pp, const uint8_t *src,
				       uint8_t flip, uint8_t fill, uint8_t *dst)
{
	const __m512i f = _mm512_set1_epi8((char)flip), fv = _mm512_set1_epi8((char)fill);
	size_t last = (size_t)-1, regs = pp->window / 64;
	__m512i win[4] = { _mm512_setzero_si512(), win[0], win[0], win[0] };
	for (size_t c = 0; c < pp->chunks; c++) {
		size_t base = pp->base[c];
		if (base != last) {
			/* masked loads: nothing past the source is read */
			size_t avail = pp->src_bytes > base ? pp->src_bytes - base : 0;
			for (size_t r = 0; r < regs; r++)
				win[r] = _mm512_maskz_loadu_epi8(
					first_bytes(avail > 64 * r ? avail - 64 * r : 0),
					src + base + 64 * r);
			last = base;
		}
		__m512i idx = _mm512_loadu_si512(pp->idx[c]);
		__m512i v = _mm512_permutex2var_epi8(win[0], idx, win[1]);
		if (regs == 4)
			v = _mm512_mask_blend_epi8(_mm512_movepi8_mask(idx), v,
						   _mm512_permutex2var_epi8(win[2], idx, win[3]));
		v = _mm512_mask_blend_epi8(pp->keep[c], fv, _mm512_xor_si512(v, f));
		size_t left = pp->out_bytes - 64 * c;
		if (left >= 64)
			_mm512_storeu_si512(dst + 64 * c, v);
		else
			_mm512_mask_storeu_epi8(dst + 64 * c, first_bytes(left), v);
	}
}

#endif
