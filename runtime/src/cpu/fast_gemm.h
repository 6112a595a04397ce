/*
 * fast_gemm.h — a prepared int8 GEMM (packed weights and per-row requantization constants)
 * shared by the fast convolution and matmul ops: y[m][p] = requantize(sum_k (w[m][k] - zw[m])
 * (x[k][p] - zx) + bias[m]), m an output channel, p a pixel or matrix row.
 *
 * Packed weights are shared between the sessions of one model: a process-wide cache keyed by
 * (node, part, micro-kernel) hands the same read-only packing to every session that prepares
 * that node, and frees it when the last of them is destroyed.
 */
#ifndef EML_CPU_FAST_GEMM_H
#define EML_CPU_FAST_GEMM_H

#include "cpu/pack.h"
#include "edgeml.h"

typedef struct eml_fast_gemm {
	const eml_qgemm_ukernel *uk;
	size_t m, k, kq;
	size_t w_block; /* bytes of one packed block of uk->mr rows */
	void *w;	/* packed weights */
	int32_t *bias;	/* per row: folded constant (see pack.h) */
	int32_t *wzp;	/* per row weight zero point in the kernel's domain, NULL if all 0 */
	float *mult;
	eml_qgemm_out out;
	uint8_t flip; /* XOR that moves x into the kernel's domain */
	uint8_t zx;   /* x's zero point as a raw byte of x's own type (the padding value) */
	struct eml_gemm_cache_entry *cached; /* the shared packing this one uses, or NULL */
	/* split weights (eml_fast_gemm_desc.split): w holds Wc; row i's residual entries are
	 * re[rs[i]] .. re[rs[i + 1] - 1], rs readable for uk->mr rows past m; else both NULL */
	uint32_t *rs;
	eml_qgemm_rentry *re;
} eml_fast_gemm;

/* The parameters of one GEMM, in the model's own terms. */
typedef struct eml_fast_gemm_desc {
	const uint8_t *w; /* m x k weights, element (i, j) at w[i * row_stride + j * k_stride] */
	int w_signed;
	size_t m, k, row_stride, k_stride;
	const int32_t *wzp;  /* raw weight zero point per row */
	const int32_t *bias; /* per row, or NULL */
	const float *mult;   /* per row */
	int x_signed;
	int32_t x_zp;
	int32_t y_zp, lo, hi;
	/* Cache key: the graph node the weights belong to (NULL: not shared) and which of its
	 * GEMMs this is (a convolution group). */
	const void *key;
	size_t key_part;
	/* pack W = Wc + R for uk->split (eml_qgemm_ukernel_split said so); the caller runs
	 * uk->split with rs and re */
	int split;
} eml_fast_gemm_desc;

/* Packs the weights and folds the constants, or takes them from the cache when another
 * session of the model already did; EDGEML_ERR_NO_MEMORY when memory runs out. */
edgeml_status eml_fast_gemm_init(eml_fast_gemm *g, const eml_qgemm_ukernel *uk,
				 const eml_fast_gemm_desc *d);

/* How many shared packings the cache holds (for tests). */
size_t eml_fast_gemm_cached(void);

/* Frees what init allocated, or drops g's reference to a shared packing (g itself stays). */
void eml_fast_gemm_free(eml_fast_gemm *g);

/* Bytes of one packed x tile (ceil(k / kc) groups of nr x kc). */
size_t eml_fast_gemm_tile_bytes(const eml_fast_gemm *g);

/* Runs g's kernel (uk->fn, or uk->split over split weights) on rows [m0, m0 + mr) of one
 * packed tile: m0 a multiple of uk->mr, arguments as eml_qgemm_fn's. */
static inline void eml_fast_gemm_block(const eml_fast_gemm *g, uint32_t mr, uint32_t nr,
				       size_t m0, const uint8_t *tile, const int32_t *xsum,
				       uint8_t *y, size_t y_stride)
{
	const uint8_t *w = (const uint8_t *)g->w + (m0 / g->uk->mr) * g->w_block;
	if (g->rs)
		g->uk->split(mr, nr, g->kq, w, tile, xsum, y, y_stride, &g->out, (uint32_t)m0,
			     g->rs + m0, g->re);
	else
		g->uk->fn(mr, nr, g->kq, w, tile, xsum, y, y_stride, &g->out, (uint32_t)m0);
}

/* Computes rows [m0, m1) for a tile of nr columns from k rows of x (raw bytes of x's type)
 * src_stride apart: packs them into tile (tile_bytes) and xsum (nr ints), then stores
 * y[i][j] at y + (i - m0) * y_stride + j. */
void eml_fast_gemm_tile(const eml_fast_gemm *g, const uint8_t *src, size_t src_stride,
			uint32_t nr, size_t m0, size_t m1, uint8_t *tile, int32_t *xsum,
			uint8_t *y, size_t y_stride);

#endif /* EML_CPU_FAST_GEMM_H */
