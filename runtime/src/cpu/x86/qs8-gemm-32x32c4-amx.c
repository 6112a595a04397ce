/* qs8-gemm-32x32c4-amx.c — int8 GEMM micro-kernel on AMX tiles: 32 rows x 32 columns, int8 w
 * by uint8 x (tdpbsud), fp32 requantization by the AVX-512 epilogue of the 8x32 VNNI kernel.
 *
 * Tiles: C0..C3 the four 16 x 16 int32 quarters of the output block, A0, A1 the two halves of
 * the block's rows (16 rows of 64 k each, weights packed in runs of 16 k groups), B0, B1 the
 * tile's two halves of 16 columns: 16 k groups of 16 columns x 4 bytes, which is the x tile
 * of the VNNI kernel read with a stride of 128 bytes. K is walked 64 at a time; the packing
 * pads both operands with zeros to whole runs (eml_qgemm_ukernel.kq_align), so a partial last
 * run adds 0. Integer sums wrap as the reference's int32 accumulator: bit for bit the same.
 * Also the level's int8 peak probe, on the same tile configuration. */
#if defined(__x86_64__)
#include <immintrin.h>
#include <string.h>

#include "cpu/x86/ukernels.h"

#define TARGET __attribute__((target("avx512f,avx512bw,avx512vnni,amx-tile,amx-int8")))

#include "cpu/x86/qs8-store-32x-avx512.h"

/* LDTILECFG's 64-byte operand (palette 1). */
typedef struct amx_config {
	uint8_t palette, start_row, reserved[14];
	uint16_t colsb[16];
	uint8_t rows[16];
} __attribute__((aligned(64))) amx_config;

/* Tiles 0-3: C, 16 rows of 16 int32; 4, 5: A, 16 rows of 64 bytes; 6, 7: B, 16 rows of 64. */
static const amx_config config = {
	.palette = 1,
	.colsb = { 64, 64, 64, 64, 64, 64, 64, 64 },
	.rows = { 16, 16, 16, 16, 16, 16, 16, 16 },
};

/* Loads this kernel's tile configuration unless the thread holds it already: LDTILECFG costs
 * about 200 cycles, reading the current one back a few; something else in the thread may
 * have loaded another (or released the tiles) since our last call. */
TARGET static inline void configure(void)
{
	amx_config now;
	_tile_storeconfig(&now);
	if (memcmp(&now, &config, sizeof(now)) != 0)
		_tile_loadconfig(&config);
}

/* The kernel's body (inlined into each form): w the block's weights in runs of 16 k groups
 * ([run][32 rows][64 bytes]); x the packed tile in runs of 16 groups of 32 columns x 4 bytes,
 * or, when off is given, group q at base + off[q], copied run by run into a staging tile
 * (a tile load takes rows one stride apart, the in-place groups are not). */
TARGET static inline __attribute__((always_inline)) void
amx_body(uint32_t mr, uint32_t nr, size_t kq, const void *w, const uint8_t *x,
	 const size_t *off, const int32_t *xsum, uint8_t *y, size_t y_stride,
	 const eml_qgemm_out *o, uint32_t m0)
{
	configure();
	const int8_t *wr = w;
	size_t runs = (kq + 15) / 16;
	int two = mr > 16; /* rows 16-31 exist: tiles C2, C3 and A1 */
	uint8_t stage[16 * 128] __attribute__((aligned(64)));
	_tile_zero(0);
	_tile_zero(1);
	if (two) {
		_tile_zero(2);
		_tile_zero(3);
	}
	for (size_t q = 0; q < runs; q++, wr += 32 * 64) {
		const uint8_t *xr = x + q * 16 * 128;
		if (off) {
			size_t n = kq - q * 16 < 16 ? kq - q * 16 : 16;
			for (size_t i = 0; i < n; i++) {
				const uint8_t *src = x + off[q * 16 + i];
				_mm512_store_si512(stage + 128 * i, _mm512_loadu_si512(src));
				_mm512_store_si512(stage + 128 * i + 64, _mm512_loadu_si512(src + 64));
			}
			/* the rows past k meet zero weights; zeroed all the same, so no stale
			 * stack bytes take part in a sum */
			if (n < 16)
				memset(stage + 128 * n, 0, 128 * (16 - n));
			xr = stage;
		}
		_tile_loadd(6, xr, 128);
		_tile_loadd(7, xr + 64, 128);
		_tile_loadd(4, wr, 64);
		_tile_dpbsud(0, 4, 6);
		_tile_dpbsud(1, 4, 7);
		if (two) {
			_tile_loadd(5, wr + 16 * 64, 64);
			_tile_dpbsud(2, 5, 6);
			_tile_dpbsud(3, 5, 7);
		}
	}
	/* row r of the block at acc[r][0..31] */
	int32_t acc[32][32] __attribute__((aligned(64)));
	_tile_stored(0, &acc[0][0], 128);
	_tile_stored(1, &acc[0][16], 128);
	if (two) {
		_tile_stored(2, &acc[16][0], 128);
		_tile_stored(3, &acc[16][16], 128);
	}
	const int32_t *bias = o->bias + m0;
	for (uint32_t r0 = 0; r0 < mr; r0 += 8) {
		__m512i lo[8], hi[8];
		uint32_t n = mr - r0 < 8 ? mr - r0 : 8;
		for (uint32_t r = 0; r < 8; r++) {
			__m512i b = _mm512_set1_epi32(bias[r0 + r]);
			lo[r] = _mm512_add_epi32(_mm512_load_si512(&acc[r0 + r][0]), b);
			hi[r] = _mm512_add_epi32(_mm512_load_si512(&acc[r0 + r][16]), b);
		}
		qs8_store_rows_32(lo, hi, n, nr, xsum, o, m0 + r0, y + r0 * y_stride, y_stride);
	}
}

/* See eml_qgemm_fn. */
TARGET static void gemm_32x32c4(uint32_t mr, uint32_t nr, size_t kq, const void *w,
				const uint8_t *x, const int32_t *xsum, uint8_t *y,
				size_t y_stride, const eml_qgemm_out *o, uint32_t m0)
{
	amx_body(mr, nr, kq, w, x, NULL, xsum, y, y_stride, o, m0);
}

/* See eml_qigemm_fn. */
TARGET static void igemm_32x32c4(uint32_t mr, uint32_t nr, size_t kq, const void *w,
				 const uint8_t *base, const size_t *off, uint8_t *y,
				 size_t y_stride, const eml_qgemm_out *o, uint32_t m0)
{
	amx_body(mr, nr, kq, w, base, off, NULL, y, y_stride, o, m0);
}

/* Runs iters rounds of 4 independent tdpbsud (16 x 16 x 64 MACs each) on tiles that stay
 * loaded, no memory traffic; returns the MACs done (eml_qpeak_fn). */
TARGET uint64_t eml_qs8_peak_amx(uint64_t iters)
{
	static const uint8_t zero[16 * 64] __attribute__((aligned(64)));
	configure();
	_tile_loadd(4, zero, 64);
	_tile_loadd(6, zero, 64);
	_tile_zero(0);
	_tile_zero(1);
	_tile_zero(2);
	_tile_zero(3);
	for (uint64_t i = 0; i < iters; i++) {
		_tile_dpbsud(0, 4, 6);
		_tile_dpbsud(1, 4, 6);
		_tile_dpbsud(2, 4, 6);
		_tile_dpbsud(3, 4, 6);
	}
	return iters * 4 * 16 * 16 * 64;
}

const eml_qgemm_ukernel eml_qs8_gemm_32x32c4_amx = {
	.name = "qs8-gemm-32x32c4-amx",
	.mr = 32,
	.nr = 32,
	.kc = 4,
	.kq_align = 16,
	.w_bytes = 1,
	.x_signed = 0,
	.fn = gemm_32x32c4,
	.igemm = igemm_32x32c4,
	.pack_x4 = eml_qs8_pack_x4_32c4_avx512vnni,
	.pack_x4_rows = eml_qs8_pack_x4_rows_32c4_avx512vnni,
};

#endif
