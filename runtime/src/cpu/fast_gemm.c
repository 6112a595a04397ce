/* fast_gemm.c — preparing and running the packed int8 GEMM of the fast conv and matmul ops. */
#include <stdlib.h>
#include <string.h>

#include "cpu/fast_gemm.h"
#include "error.h"

/* Allocates size bytes 64-byte aligned (at least one line). */
static void *alloc64(size_t size)
{
	size_t n = (size + 63) / 64 * 64;
	return aligned_alloc(64, n ? n : 64);
}

edgeml_status eml_fast_gemm_init(eml_fast_gemm *g, const eml_qgemm_ukernel *uk,
				 const eml_fast_gemm_desc *d)
{
	memset(g, 0, sizeof(*g));
	g->uk = uk;
	g->m = d->m;
	g->k = d->k;
	g->kq = d->k / uk->kc + (d->k % uk->kc != 0);
	g->w_block = g->kq * uk->mr * uk->kc * uk->w_bytes;
	size_t wsize = eml_pack_w_size(uk, d->m, d->k), rows = d->m + uk->mr;
	if (!wsize || rows > SIZE_MAX / sizeof(int32_t))
		return eml_error(EDGEML_ERR_NO_MEMORY, "weights of %zu x %zu are too large to pack",
				 d->m, d->k);
	g->w = alloc64(wsize);
	g->bias = calloc(rows, sizeof(int32_t));
	g->wzp = calloc(rows, sizeof(int32_t));
	g->mult = calloc(rows, sizeof(float));
	if (!g->w || !g->bias || !g->wzp || !g->mult) {
		eml_fast_gemm_free(g);
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory packing %zu x %zu weights",
				 d->m, d->k);
	}
	eml_pack_w(uk, d->w, d->w_signed, d->m, d->k, d->row_stride, d->k_stride, g->w, g->bias);
	/* Domains: XOR 0x80 maps int8 v to uint8 v + 128 and uint8 v to int8 v - 128. */
	g->flip = d->x_signed != (int)uk->x_signed ? 0x80 : 0;
	g->zx = (uint8_t)d->x_zp;
	int32_t zx = d->x_zp + (g->flip ? (d->x_signed ? 128 : -128) : 0);
	int any_wzp = 0;
	for (size_t i = 0; i < d->m; i++) {
		int32_t zw = d->wzp[i] - (d->w_signed ? 0 : 128);
		uint32_t c = d->bias ? (uint32_t)d->bias[i] : 0;
		c -= (uint32_t)zx * (uint32_t)g->bias[i];
		c += (uint32_t)d->k * (uint32_t)zx * (uint32_t)zw;
		g->bias[i] = (int32_t)c;
		g->wzp[i] = zw;
		g->mult[i] = d->mult[i];
		any_wzp |= zw != 0;
	}
	if (!any_wzp) {
		free(g->wzp);
		g->wzp = NULL;
	}
	g->out = (eml_qgemm_out){ g->bias, g->wzp, g->mult, (float)d->y_zp, (float)d->lo,
				  (float)d->hi };
	return EDGEML_OK;
}

void eml_fast_gemm_free(eml_fast_gemm *g)
{
	free(g->w);
	free(g->bias);
	free(g->wzp);
	free(g->mult);
	g->w = g->bias = g->wzp = NULL;
	g->mult = NULL;
}

size_t eml_fast_gemm_tile_bytes(const eml_fast_gemm *g)
{
	return g->kq * g->uk->nr * g->uk->kc;
}

void eml_fast_gemm_tile(const eml_fast_gemm *g, const uint8_t *src, size_t src_stride,
			uint32_t nr, size_t m0, size_t m1, uint8_t *tile, int32_t *xsum,
			uint8_t *y, size_t y_stride)
{
	const eml_qgemm_ukernel *uk = g->uk;
	eml_pack_x(uk, src, src_stride, g->k, nr, g->flip, tile, g->wzp ? xsum : NULL);
	for (size_t i = m0; i < m1; i += uk->mr) {
		uint32_t mr = m1 - i < uk->mr ? (uint32_t)(m1 - i) : uk->mr;
		const uint8_t *w = (const uint8_t *)g->w + (i / uk->mr) * g->w_block;
		uk->fn(mr, nr, g->kq, w, tile, xsum, y + (i - m0) * y_stride, y_stride, &g->out,
		       (uint32_t)i);
	}
}
