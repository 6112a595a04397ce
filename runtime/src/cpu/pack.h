/*
 * pack.h — the packed int8 GEMM the fast convolution and matmul kernels share:
 *   y[m][p] = requantize(sum_k w[m][k] * x[k][p] + corrections)
 * with weights w packed once per session and activations x packed per tile of columns.
 *
 * Both operands are moved into one signedness domain per ISA (XOR 0x80 flips uint8 <-> int8
 * and shifts the zero point by 128): x86 kernels multiply uint8 x by int8 w (vpdpbusd;
 * vpmaddubsw on AVX2 where the weights allow it, docs/cpu-kernels.md), arm
 * kernels int8 by int8 (sdot, smmla). With zx, zw the zero points in that domain,
 *   sum_k (x - zx)(w - zw) = sum_k x w - zw * sum_k x - zx * sum_k w + K zx zw,
 * so a micro-kernel computes the plain dot product and adds a per-row constant and, when a
 * row's zw is not 0, zw times the column sum of x. All of it wraps modulo 2^32, as the
 * reference's int32 accumulator does.
 *
 * Layouts (kc = the k elements one lane multiplies, 4 for dot-product instructions, 8 for
 * smmla and the v8.0 NEON kernel):
 *   weights: blocks of mr rows, each [ceil(K/kc)][mr][kc] (int8, or int16 for the AVX2
 *            vpmaddwd kernel, which widens before multiplying); rows past M and k past K
 *            are 0;
 *   x tile:  [ceil(K/kc)][nr][kc] bytes; k past K is 0 so it adds nothing to either sum.
 * A kernel with kq_align > 1 (AMX's tiles, 16 k groups of 4 bytes = 64 bytes a row) takes
 * both in runs of kq_align groups, the group count rounded up with zeros:
 *   weights: blocks of mr rows, each [ceil(K/(kc kq_align))][mr][kq_align][kc]: a row's
 *            kq_align groups contiguous (the tile's row of 64 k);
 *   x tile:  as above, with ceil(K/(kc kq_align)) kq_align groups, the padding zero.
 */
#ifndef EML_CPU_PACK_H
#define EML_CPU_PACK_H

#include <stddef.h>
#include <stdint.h>

#include "cpu/isa.h"

/* What a micro-kernel needs beyond its operands: per-row constants and the output
 * quantization, as floats so the requantization is the reference's fp32 arithmetic. */
typedef struct eml_qgemm_out {
	const int32_t *bias; /* per row: bias - zx sum_k w + K zx zw */
	const int32_t *wzp;  /* per row zw, or NULL when every row's is 0 */
	const float *mult;   /* per row: x_scale * w_scale / y_scale, as the reference */
	float zp, lo, hi;    /* output zero point and clamp bounds */
	/* every row's multiplier is in [0, 0.5], so acc * mult fits int32 unclamped: kernels may
	 * then round first and clamp in the integer domain (saturating packs, byte min/max) */
	int narrow;
} eml_qgemm_out;

/* Computes rows [m0, m0 + mr) x columns [0, nr) of y (mr <= MR, nr <= NR, the rest of the
 * tile is ignored): w is the row block's packed weights, x the packed tile of kq groups of kc,
 * xsum the tile's column sums (read only when o->wzp), y the output of row m0 column 0 with
 * rows y_stride bytes apart. The result is clamped to [lo, hi], within the 8-bit output
 * type, so its low byte is the int8 or uint8 value either way. */
typedef void (*eml_qgemm_fn)(uint32_t mr, uint32_t nr, size_t kq, const void *w,
			     const uint8_t *x, const int32_t *xsum, uint8_t *y, size_t y_stride,
			     const eml_qgemm_out *o, uint32_t m0);

/* Computes rows [m0, m0 + m) of a single column (a matrix-vector product) from the same
 * packed weights as the GEMM kernel, blocks w_block bytes apart starting at w (the block of
 * row m0): x is the column's kq groups of kc bytes in the kernel's domain, zero past K and
 * readable for kc more bytes, xsum their sum (used only when o->wzp); row m0 + i goes to
 * y[i]. Same arithmetic as the GEMM kernel, so the same bytes. */
typedef void (*eml_qgemv_fn)(size_t m, size_t kq, const void *w, size_t w_block,
			     const uint8_t *x, int32_t xsum, uint8_t *y, const eml_qgemm_out *o,
			     uint32_t m0);

/* The GEMM kernel reading x in place instead of from a packed tile: k group q of the tile's
 * columns is the nr * kc bytes at base + off[q] (column j at j * kc), already in the
 * kernel's domain. Only for rows whose weight zero points are all 0 (o->wzp NULL): there is
 * no column sum. */
typedef void (*eml_qigemm_fn)(uint32_t mr, uint32_t nr, size_t kq, const void *w,
			      const uint8_t *base, const size_t *off, uint8_t *y, size_t y_stride,
			      const eml_qgemm_out *o, uint32_t m0);

/* One nonzero k group of a row's residual (eml_qgemm_split_fn): the x tile's group at byte
 * off (q * nr * kc) times the 4 residual weights w (int8 bytes, k order). */
typedef struct eml_qgemm_rentry {
	uint32_t off;
	int32_t w;
} eml_qgemm_rentry;

/* The pair-limited kernel for weights split as W = Wc + R (eml_w_split): w holds Wc, whose
 * pairs fit, and the sum over R's entries is added exactly in int32 before the epilogue. Row
 * m0 + r's entries are re[rs[r]] .. re[rs[r + 1] - 1] (rs holds mr + 1 bounds; rows past
 * the matrix have none); each entry's pairs fit too. Otherwise as eml_qgemm_fn. */
typedef void (*eml_qgemm_split_fn)(uint32_t mr, uint32_t nr, size_t kq, const void *w,
				   const uint8_t *x, const int32_t *xsum, uint8_t *y,
				   size_t y_stride, const eml_qgemm_out *o, uint32_t m0,
				   const uint32_t *rs, const eml_qgemm_rentry *re);

/* A GEMM micro-kernel and the packing it expects. */
typedef struct eml_qgemm_ukernel {
	const char *name;
	uint32_t mr, nr, kc;
	uint32_t w_bytes;  /* 1: int8 weights, 2: int16 */
	uint32_t x_signed; /* 1: x packed as int8, 0: as uint8 */
	uint32_t kq_align; /* k groups come in runs of this many (see Layouts); 0 = 1 */
	/* 1: exact only when every pair of weights (k 2i, 2i + 1 of a row, in the int8 domain)
	 * has positive parts summing to at most 128 and negative parts to at least -128 (AVX2's
	 * vpmaddubsw, whose int16 pair sums of uint8 x would saturate otherwise); weights that
	 * do not qualify take .wide (see eml_qgemm_ukernel_fit) */
	uint32_t w_pair_limit;
	const struct eml_qgemm_ukernel *wide;
	eml_qgemm_fn fn;
	eml_qgemv_fn gemv;   /* the one-column kernel over the same packing, or NULL */
	eml_qigemm_fn igemm; /* the in-place x form, or NULL */
	/* the same kernel over split weights (eml_qgemm_ukernel_split), or NULL */
	eml_qgemm_split_fn split;
	const char *split_name; /* its name, for profiles */
	/* packs groups whole groups of 4 rows (src_stride apart, XORed with flip) of a full
	 * tile (nr columns) as eml_pack_x does, with the level's vectors; NULL: eml_pack_x's
	 * own loop */
	void (*pack_x4)(const uint8_t *src, size_t src_stride, size_t groups, uint8_t flip,
			uint8_t *dst);
	/* the same for rows at base + off[k] (eml_pack_x_rows), nothing XORed; NULL:
	 * eml_pack_x_rows's own loop */
	void (*pack_x4_rows)(const uint8_t *base, const size_t *off, size_t groups,
			     uint8_t *dst);
} eml_qgemm_ukernel;

/* Whether every pair (k 2i, 2i + 1) of every row of w (laid out as eml_pack_w takes it) keeps
 * vpmaddubsw's int16 sums of uint8 x exact: in the int8 domain, the positive parts of each
 * pair sum to at most 128 and the negative parts to at least -128 (255 x 128 fits). */
int eml_w_pairs_fit(const uint8_t *w, int w_signed, size_t m, size_t k, size_t row_stride,
		    size_t k_stride);

/* The kernel to use for these weights (laid out as eml_pack_w takes them): uk itself, or,
 * when uk has a pair limit the weights exceed, the kernel its .wide names (checked again). */
const eml_qgemm_ukernel *eml_qgemm_ukernel_fit(const eml_qgemm_ukernel *uk, const uint8_t *w,
					       int w_signed, size_t m, size_t k, size_t row_stride,
					       size_t k_stride);

/* Counts the cells (row, k group of 4) of w (laid out as eml_pack_w takes it) that hold a
 * pair past the vpmaddubsw bound of eml_w_pairs_fit. */
size_t eml_w_pair_cells(const uint8_t *w, int w_signed, size_t m, size_t k, size_t row_stride,
			size_t k_stride);

/* Whether an m x k matrix with cells cells past the pair bound runs faster split than on
 * the wide kernel: a cost model of both per tile, fitted on the AVX2 kernels
 * (docs/cpu-kernels.md); the residual's entries cost about 1.8 of the main loop's dot
 * products each, so split pays up to about 27% of the cells at large k and always at k 16. */
int eml_qgemm_split_pays(size_t m, size_t k, size_t cells);

/* Like eml_qgemm_ukernel_fit, but weights past uk's pair limit keep uk in its split form
 * (*split = 1: the caller packs Wc and R, eml_w_split) where eml_qgemm_split_pays; the
 * caller must run uk->split then. */
const eml_qgemm_ukernel *eml_qgemm_ukernel_split(const eml_qgemm_ukernel *uk, const uint8_t *w,
						 int w_signed, size_t m, size_t k,
						 size_t row_stride, size_t k_stride, int *split);

/* Splits w (as eml_pack_w takes it; k groups of 4) into Wc + R: Wc, written to wc as m rows
 * of k int8 in the int8 domain, is w with the first weight of each pair past the bound
 * moved toward 0 just enough that the pair fits; R's nonzero k groups go to re in row order
 * (nr columns of 4 bytes per group of the x tile) with row i's entries at [rs[i], rs[i + 1]).
 * re needs room for eml_w_pair_cells() entries, rs for m + 1. */
void eml_w_split(const uint8_t *w, int w_signed, size_t m, size_t k, size_t row_stride,
		 size_t k_stride, uint32_t nr, int8_t *wc, uint32_t *rs, eml_qgemm_rentry *re);

/* Bytes of the packed weights of an m x k matrix for kernel uk (0 on overflow). */
size_t eml_pack_w_size(const eml_qgemm_ukernel *uk, size_t m, size_t k);

/* Packs w (m rows of k elements, k_stride apart, int8 or uint8 as w_signed says; element
 * (i, j) at w[i * row_stride + j * k_stride]) into dst and writes each row's sum of packed
 * weights in the kernel's domain to wsum. */
void eml_pack_w(const eml_qgemm_ukernel *uk, const uint8_t *w, int w_signed, size_t m, size_t k,
		size_t row_stride, size_t k_stride, void *dst, int32_t *wsum);

/* Packs an x tile from k rows of nr contiguous bytes, src_stride apart (nr <= uk->nr; the
 * tile's other columns get 0), flipping each byte by flip (0 or 0x80). When xsum is not NULL
 * it receives the sum of each column's packed values over the k rows. */
/* The k groups of kq in uk's layout: kq rounded up to uk->kq_align. */
static inline size_t eml_pack_kq(const eml_qgemm_ukernel *uk, size_t kq)
{
	size_t a = uk->kq_align > 1 ? uk->kq_align : 1;
	return (kq + a - 1) / a * a;
}

void eml_pack_x(const eml_qgemm_ukernel *uk, const uint8_t *src, size_t src_stride, size_t k,
		uint32_t nr, uint8_t flip, uint8_t *dst, int32_t *xsum);

/* Packs an x tile of uk->nr columns whose k rows are base + off[0], base + off[1], ...
 * (each readable for uk->nr bytes and already in the kernel's domain; rows past k are 0).
 * When xsum is not NULL it receives each column's sum of packed values. */
void eml_pack_x_rows(const eml_qgemm_ukernel *uk, const uint8_t *base, const size_t *off,
		     size_t k, uint8_t *dst, int32_t *xsum);

/* One channel of a depthwise convolution over n consecutive outputs (see fast_plane.h):
 * x[t] is the input of tap t for output 0, in the uint8 domain, readable 64 bytes past
 * output n; w the taps in the int8 domain, zero past taps up to a multiple of 4; wzp their
 * zero point there; bias the channel's bias with the x zero point folded in; mult its
 * multiplier. y receives exactly n outputs, clamped to [lo, hi] (within the 8-bit output
 * type, whose low byte they are). */
typedef struct eml_qdw_args {
	const uint8_t *const *x;
	size_t n;
	uint32_t taps;
	const int8_t *w;
	int32_t wzp, bias;
	float mult, zp, lo, hi;
	uint8_t *y;
} eml_qdw_args;

typedef void (*eml_qdw_fn)(const eml_qdw_args *a);

/* A depthwise convolution of one block of EML_QDWC_LANES channels with the channels in the
 * vector lanes, for planes too small (or strides too wide) for one channel per vector to pay.
 * x is the block's padded input tile, pixel-major: position (r, c) of the padded plane holds
 * the block's channels at x + r * pitch + c * EML_QDWC_LANES, in the uint8 domain. Output
 * (oy, ox) is the window at (oy * sh, ox * sw) with kh x kw taps dh, dw apart; it goes to
 * y + (oy * ow + ox) * EML_QDWC_LANES. ring is scratch of eml_qdwc_ring_bytes(). The
 * per-channel arrays are in the kernel's lane order (eml_qdwc_lane): w holds, per window row
 * and group of 4 of its taps, EML_QDWC_LANES dwords of those 4 taps (0 past the row's kw);
 * wzp is NULL when every channel's weight zero point is 0. */
#define EML_QDWC_LANES 64
/* The most rows a window may span ((kh - 1) * dh + 1). */
#define EML_QDWC_SPAN_MAX 16
typedef struct eml_qdwc_args {
	const uint8_t *x;
	size_t pitch;
	uint32_t kh, kw, sh, sw, dh, dw;
	size_t oh, ow;
	const int8_t *w;
	const int32_t *bias, *wzp;
	const float *mult;
	float zp, lo, hi;
	int narrow; /* every lane's multiplier is in [0, 0.5] */
	uint8_t *ring;
	uint8_t *y;
	/* every pair of taps (4 g, 4 g + 1), (4 g + 2, 4 g + 3) of every window row of w fits
	 * the vpmaddubsw bound (eml_w_pairs_fit); kernels without the bound ignore it */
	int pairs_fit;
	/* where pairs_fit is 0: per window row and group (ky * gpr + g) and half h of the
	 * lanes, at [(ky * gpr + g) * 2 + h], bit j set where vector j (lanes 8 (2 j + h) ..
	 * + 7) holds a pair past the bound, which the kernel then widens (the others stay on
	 * vpmaddubsw); NULL: every vector widened */
	const uint8_t *wide;
} eml_qdwc_args;

/* Scratch bytes of eml_qdwc_args.ring: per input row the window spans, each output column's
 * row of taps interleaved, a vector per 4 lanes of 4 taps; and room for the weights widened
 * to int16 (kh <= span rows, two columns' worth each) for kernels that widen them. */
static inline size_t eml_qdwc_ring_bytes(size_t span, size_t ow, size_t kw)
{
	return span * (ow + 2) * ((kw + 3) / 4) * 4 * EML_QDWC_LANES;
}

typedef void (*eml_qdwc_fn)(const eml_qdwc_args *a);

/* The channel (0 .. EML_QDWC_LANES - 1) that lane slot i of the kernel's per-channel arrays
 * holds: its byte unpacks leave channel 16 L + 4 j + k in dword 4 L + k of vector j. */
static inline uint32_t eml_qdwc_lane(uint32_t i)
{
	uint32_t j = i / 16, d = i % 16;
	return 16 * (d / 4) + 4 * j + d % 4;
}

/* Max pooling over n consecutive outputs: y[i] = max over t of x[t][i] (uint8 domain,
 * readable 64 bytes past n), XORed with flip on the way out. */
typedef struct eml_maxpool_args {
	const uint8_t *const *x;
	size_t n;
	uint32_t taps;
	uint8_t flip;
	uint8_t *y;
} eml_maxpool_args;

typedef void (*eml_maxpool_fn)(const eml_maxpool_args *a);

/* Elementwise QLinearAdd of n elements of one 8-bit type, with ONNX Runtime's arithmetic as
 * the reference has it: c = clamp(round_half_even(fma(a, ra, fma(b, rb, k))), lo, hi), where
 * ra = sa / sc, rb = sb / sc and k = zc - fma(ra, za, rb zb) (quant.h eml_qadd_constants). */
typedef struct eml_qadd_args {
	size_t n;
	const uint8_t *a, *b;
	uint8_t *c;
	int is_signed;
	float ra, rb, k, lo, hi;
} eml_qadd_args;

typedef void (*eml_qadd_fn)(const eml_qadd_args *a);

/* QuantizeLinear of n floats to one 8-bit type: y = clamp(round_half_even(x / scale) + zp,
 * lo, hi), NaN to lo — the reference's fp32 steps. */
typedef struct eml_qquant_args {
	size_t n;
	const float *x;
	uint8_t *y;
	float scale, zp, lo, hi;
} eml_qquant_args;

typedef void (*eml_qquant_fn)(const eml_qquant_args *a);

/* DequantizeLinear of n bytes of one 8-bit type: y = (float)(x - zp) * scale, the
 * reference's fp32 steps (the conversion exact, one rounding in the multiply). */
typedef struct eml_qdequant_args {
	size_t n;
	const uint8_t *x;
	float *y;
	int is_signed;
	int32_t zp;
	float scale;
} eml_qdequant_args;

typedef void (*eml_qdequant_fn)(const eml_qdequant_args *a);

/* A peak-rate probe: runs iters rounds of the level's multiply-accumulate instructions on
 * registers and returns the int8 MACs done, so a caller timing it gets the core's peak. */
typedef uint64_t (*eml_qpeak_fn)(uint64_t iters);

#endif /* EML_CPU_PACK_H */
