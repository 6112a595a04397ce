/*
 * ukernels.h — the x86-64 micro-kernels; each is compiled for its ISA with a target attribute
 * and only called after eml_isa_supported() said the CPU has it.
 */
#ifndef EML_CPU_X86_UKERNELS_H
#define EML_CPU_X86_UKERNELS_H

#include "cpu/fast_plane.h"
#include "cpu/pack.h"

extern const eml_qgemm_ukernel eml_qs8_gemm_8x32c4_avx512vnni;
/* AMX (tdpbsud): 32 x 32 tiles, weights and x in runs of 16 k groups (kq_align 16) */
extern const eml_qgemm_ukernel eml_qs8_gemm_32x32c4_amx;
uint64_t eml_qs8_peak_amx(uint64_t iters);
/* The 32-column tile packers eml_qs8_gemm_8x32c4_avx512vnni and the AMX kernel share
 * (eml_qgemm_ukernel.pack_x4, .pack_x4_rows). */
void eml_qs8_pack_x4_32c4_avx512vnni(const uint8_t *src, size_t src_stride, size_t groups,
				     uint8_t flip, uint8_t *dst);
void eml_qs8_pack_x4_rows_32c4_avx512vnni(const uint8_t *base, const size_t *off,
					  size_t groups, uint8_t *dst);
extern const eml_qgemm_ukernel eml_qs8_gemm_4x8c4_avx2;
extern const eml_qgemm_ukernel eml_qs8_gemm_8x8c4_avx2_maddubs;

/* Computes output channels [m0, m0 + mc) (mc <= 32) of np <= 8 output pixels in place from
 * channel-interleaved planes, with the weights of eml_qs8_igemm_px_32x8c4_avx512vnni_pack
 * (the block of m0 at w): pixel r's k group q is the 4 bytes at base + off[q] + pos[r], and
 * channel m0 + i of pixel r goes to y[i * y_stride + r]. Rows' weight zero points must all
 * be 0 (o->wzp NULL); o's arrays must be readable for 32 channels from m0. */
void eml_qs8_igemm_px_32x8c4_avx512vnni(uint32_t mc, uint32_t np, size_t kq, const void *w,
					const uint8_t *base, const size_t *off, const size_t *pos,
					uint8_t *y, size_t y_stride, const eml_qgemm_out *o,
					uint32_t m0);
extern const eml_qgemm_ukernel eml_qs8_igemm_px_32x8c4_avx512vnni_pack;

void eml_qs8_gemv_8c4_avx512vnni(size_t m, size_t kq, const void *w, size_t w_block,
				 const uint8_t *x, int32_t xsum, uint8_t *y,
				 const eml_qgemm_out *o, uint32_t m0);

void eml_qs8_dwconv_64x_avx512vnni(const eml_qdw_args *a);
void eml_qs8_dwconv_16x_avx2(const eml_qdw_args *a);
void eml_qs8_dwconv_32x4_avx2_maddubs(const eml_qdw_args *a);
void eml_qs8_dwconv_64c_avx512vnni(const eml_qdwc_args *a);
void eml_qs8_dwconv_64c_avx2_maddubs(const eml_qdwc_args *a);

/* Transposes a rows x cols byte matrix (element (i, j) at src[i * src_stride + j]) XORed with
 * flip: column j goes to dst + off[j] when off is given, else to dst + j * dst_stride, as
 * rows bytes. */
void eml_x8_transpose_16x16_sse2(const uint8_t *src, size_t src_stride, size_t rows,
				 size_t cols, uint8_t *dst, const size_t *off, size_t dst_stride,
				 uint8_t flip);

/* The same transposes for 64 channels and n >= 16 pixels, a pixel's channels one vector:
 * planes_64 moves pixel i of channel c (src[c * src_stride + i]) XORed with flip to
 * dst[off[i] + c]; tile_64 moves channel c of pixel i (src[i * 64 + c]) to
 * dst[c * dst_stride + i]. */
void eml_x8_transpose_planes_64_avx512bw(const uint8_t *src, size_t src_stride, size_t n,
					 uint8_t *dst, const size_t *off, uint8_t flip);
void eml_x8_transpose_tile_64_avx512bw(const uint8_t *src, size_t n, uint8_t *dst,
				       size_t dst_stride);
void eml_x8_transpose_planes_64_avx2(const uint8_t *src, size_t src_stride, size_t n,
				     uint8_t *dst, const size_t *off, uint8_t flip);
void eml_x8_transpose_tile_64_avx2(const uint8_t *src, size_t n, uint8_t *dst,
				   size_t dst_stride);

/* Packs a GEMM x tile of kc 4 (see pack.h) from channels-last activations in blocks of 64
 * channels: channel c of pixel j at src + (c / 64) * plane * 64 + j * 64 + c % 64, k (a
 * multiple of 64) channels, nr of the tile's tile_nr columns (a multiple of 16) valid, the
 * others 0; each byte XORed with flip. */
void eml_x8_pack_blocked_avx512f(const uint8_t *src, size_t plane, size_t k, uint32_t nr,
				 uint32_t tile_nr, uint8_t flip, uint8_t *dst);
/* The same for tile_nr a multiple of 8 (the AVX2 GEMM's tiles). */
void eml_x8_pack_blocked_avx2(const uint8_t *src, size_t plane, size_t k, uint32_t nr,
			      uint32_t tile_nr, uint8_t flip, uint8_t *dst);

void eml_u8_maxpool_64x_avx512bw(const eml_maxpool_args *a);
void eml_u8_maxpool_32x_avx2(const eml_maxpool_args *a);

void eml_qs8_vadd_16x_avx512f(const eml_qadd_args *a);
void eml_qs8_vadd_8x_avx2(const eml_qadd_args *a);
struct eml_qmul_args; /* kernels.h */
void eml_qs8_vmul_8x_avx2(const struct eml_qmul_args *a);
void eml_u8_lut_32x_avx2(const uint8_t *x, size_t n, const uint8_t *table, uint8_t flip,
			 uint8_t *y);

struct eml_qsoftmax_rows_args; /* kernels.h */
void eml_qs8_softmax_16r_avx512f(const struct eml_qsoftmax_rows_args *a);
void eml_qs8_softmax_8r_avx2(const struct eml_qsoftmax_rows_args *a);

void eml_qs8_vdequantize_16x_avx512f(const eml_qdequant_args *a);
void eml_qs8_vdequantize_8x_avx2(const eml_qdequant_args *a);

void eml_qs8_vquantize_16x_avx512f(const eml_qquant_args *a);
void eml_qs8_vquantize_8x_avx2(const eml_qquant_args *a);

void eml_u8_perm_64x_avx512vbmi(const eml_plane_perm *pp, const uint8_t *src, uint8_t flip,
				uint8_t fill, uint8_t *dst);
struct eml_qmm_args; /* kernels.h */
void eml_qs8_matmul_4x16c2_avx2(const struct eml_qmm_args *g);

uint64_t eml_qs8_peak_avx512vnni(uint64_t iters);
uint64_t eml_qs8_peak_avx2(uint64_t iters);

#endif /* EML_CPU_X86_UKERNELS_H */
