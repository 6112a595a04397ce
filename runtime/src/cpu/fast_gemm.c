/* fast_gemm.c — preparing and running the packed int8 GEMM of the fast conv and matmul ops,
 * and the cache that shares packed weights between sessions. */
#include <pthread.h>
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

/* A shared packing: the prepared GEMM every user copies, and how many users hold it. */
typedef struct eml_gemm_cache_entry {
	struct eml_gemm_cache_entry *next;
	const void *key;
	size_t part;
	const eml_qgemm_ukernel *uk;
	eml_fast_gemm gemm;
	size_t refs;
} eml_gemm_cache_entry;

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static eml_gemm_cache_entry *cache_head;

/* Packs the weights and folds the constants into g (no cache). */
static edgeml_status gemm_pack(eml_fast_gemm *g, const eml_qgemm_ukernel *uk,
			       const eml_fast_gemm_desc *d);

/* Frees g's own arrays. */
static void gemm_release(eml_fast_gemm *g)
{
	free(g->w);
	free(g->bias);
	free(g->wzp);
	free(g->mult);
	free(g->rs);
	free(g->re);
	g->w = g->bias = g->wzp = NULL;
	g->mult = NULL;
	g->rs = NULL;
	g->re = NULL;
}

edgeml_status eml_fast_gemm_init(eml_fast_gemm *g, const eml_qgemm_ukernel *uk,
				 const eml_fast_gemm_desc *d)
{
	if (!d->key)
		return gemm_pack(g, uk, d);
	/* Packing under the lock keeps two sessions prepared at once from packing twice; it
	 * is prepare-time work only. */
	pthread_mutex_lock(&cache_lock);
	eml_gemm_cache_entry *e = cache_head;
	while (e && (e->key != d->key || e->part != d->key_part || e->uk != uk))
		e = e->next;
	edgeml_status st = EDGEML_OK;
	if (!e) {
		e = calloc(1, sizeof(*e));
		st = e ? gemm_pack(&e->gemm, uk, d) :
			 eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for a weight cache entry");
		if (st == EDGEML_OK) {
			*e = (eml_gemm_cache_entry){ cache_head, d->key, d->key_part, uk, e->gemm,
						     0 };
			cache_head = e;
		} else {
			free(e);
		}
	}
	if (st == EDGEML_OK) {
		e->refs++;
		*g = e->gemm;
		g->cached = e;
	}
	pthread_mutex_unlock(&cache_lock);
	return st;
}

size_t eml_fast_gemm_cached(void)
{
	size_t n = 0;
	pthread_mutex_lock(&cache_lock);
	for (const eml_gemm_cache_entry *e = cache_head; e; e = e->next)
		n++;
	pthread_mutex_unlock(&cache_lock);
	return n;
}

/* Packs Wc into g->w and R into g->rs, g->re (eml_w_split), and each row's sum of W (Wc's
 * plus R's) into g->bias, as eml_pack_w does for unsplit weights. */
static edgeml_status pack_split(eml_fast_gemm *g, const eml_qgemm_ukernel *uk,
				const eml_fast_gemm_desc *d)
{
	size_t cells = eml_w_pair_cells(d->w, d->w_signed, d->m, d->k, d->row_stride,
					d->k_stride);
	int8_t *wc = d->k && d->m <= SIZE_MAX / d->k ? malloc(d->m * d->k) : NULL;
	g->rs = calloc(d->m + uk->mr + 1, sizeof(uint32_t));
	g->re = calloc(cells ? cells : 1, sizeof(eml_qgemm_rentry));
	if (!wc || !g->rs || !g->re || cells > UINT32_MAX) {
		free(wc);
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory splitting %zu x %zu weights",
				 d->m, d->k);
	}
	eml_w_split(d->w, d->w_signed, d->m, d->k, d->row_stride, d->k_stride, uk->nr, wc, g->rs,
		    g->re);
	for (size_t i = d->m + 1; i <= d->m + uk->mr; i++)
		g->rs[i] = g->rs[d->m];
	eml_pack_w(uk, (const uint8_t *)wc, 1, d->m, d->k, d->k, 1, g->w, g->bias);
	free(wc);
	for (size_t i = 0; i < d->m; i++) {
		uint32_t sum = (uint32_t)g->bias[i];
		for (uint32_t e = g->rs[i]; e < g->rs[i + 1]; e++) {
			int8_t r[4];
			memcpy(r, &g->re[e].w, 4);
			for (int c = 0; c < 4; c++)
				sum += (uint32_t)(int32_t)r[c];
		}
		g->bias[i] = (int32_t)sum;
	}
	return EDGEML_OK;
}

static edgeml_status gemm_pack(eml_fast_gemm *g, const eml_qgemm_ukernel *uk,
			       const eml_fast_gemm_desc *d)
{
	memset(g, 0, sizeof(*g));
	g->uk = uk;
	g->m = d->m;
	g->k = d->k;
	g->kq = d->k / uk->kc + (d->k % uk->kc != 0);
	g->w_block = eml_pack_kq(uk, g->kq) * uk->mr * uk->kc * uk->w_bytes;
	size_t wsize = eml_pack_w_size(uk, d->m, d->k), rows = d->m + uk->mr;
	if (!wsize || rows > SIZE_MAX / sizeof(int32_t))
		return eml_error(EDGEML_ERR_NO_MEMORY, "weights of %zu x %zu are too large to pack",
				 d->m, d->k);
	g->w = alloc64(wsize);
	g->bias = calloc(rows, sizeof(int32_t));
	g->wzp = calloc(rows, sizeof(int32_t));
	g->mult = calloc(rows, sizeof(float));
	if (!g->w || !g->bias || !g->wzp || !g->mult) {
		gemm_release(g);
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory packing %zu x %zu weights",
				 d->m, d->k);
	}
	if (d->split) {
		edgeml_status st = pack_split(g, uk, d);
		if (st != EDGEML_OK) {
			gemm_release(g);
			return st;
		}
	} else {
		eml_pack_w(uk, d->w, d->w_signed, d->m, d->k, d->row_stride, d->k_stride, g->w,
			   g->bias);
	}
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
				  (float)d->hi, 1 };
	for (size_t i = 0; i < d->m; i++)
		g->out.narrow &= g->mult[i] >= 0.0f && g->mult[i] <= 0.5f;
	return EDGEML_OK;
}

void eml_fast_gemm_free(eml_fast_gemm *g)
{
	eml_gemm_cache_entry *e = g->cached;
	if (!e) {
		gemm_release(g);
		return;
	}
	pthread_mutex_lock(&cache_lock);
	if (--e->refs == 0) {
		eml_gemm_cache_entry **at = &cache_head;
		while (*at != e)
			at = &(*at)->next;
		*at = e->next;
		gemm_release(&e->gemm);
		free(e);
	}
	pthread_mutex_unlock(&cache_lock);
	memset(g, 0, sizeof(*g));
}

size_t eml_fast_gemm_tile_bytes(const eml_fast_gemm *g)
{
	return eml_pack_kq(g->uk, g->kq) * g->uk->nr * g->uk->kc;
}

void eml_fast_gemm_tile(const eml_fast_gemm *g, const uint8_t *src, size_t src_stride,
			uint32_t nr, size_t m0, size_t m1, uint8_t *tile, int32_t *xsum,
			uint8_t *y, size_t y_stride)
{
	const eml_qgemm_ukernel *uk = g->uk;
	eml_pack_x(uk, src, src_stride, g->k, nr, g->flip, tile, g->wzp ? xsum : NULL);
	for (size_t i = m0; i < m1; i += uk->mr) {
		uint32_t mr = m1 - i < uk->mr ? (uint32_t)(m1 - i) : uk->mr;
		eml_fast_gemm_block(g, mr, nr, i, tile, xsum, y + (i - m0) * y_stride, y_stride);
	}
}
