/*
 * kernels.h — one table of micro-kernels per instruction-set level: isa.c fills it once per
 * level with the kernels of cpu/x86/ or cpu/arm/ (XNNPACK's names) that the CPU can run, and
 * the operators (cpu/operators/) call only through it, never a kernel by name and never
 * under an #if on the architecture. A NULL entry means the level has no such kernel: the
 * operator then takes another path or leaves the node to the reference kernel. Tile sizes
 * are the kernels' own (eml_qgemm_ukernel.mr/nr, eml_f32_gemm_ukernel.mr/nr).
 *
 * Adding a level: its detection in cpu_features.c and isa.c, its kernels in x86/ or arm/,
 * and its table in isa.c (eml_cpu_kernels_for). Adding a kernel kind: a field here, filled
 * in isa.c for the levels that have one.
 */
#ifndef EML_CPU_KERNELS_H
#define EML_CPU_KERNELS_H

#include "cpu/f32_ukernels.h"
#include "cpu/f32_vmath.h"
#include "cpu/fast_plane.h"
#include "cpu/image_ukernels.h"
#include "cpu/isa.h"
#include "cpu/pack.h"

/* The by-pixel in-place int8 GEMM (AVX-512 VNNI): output channels [m0, m0 + mc) of np output
 * pixels from channel-interleaved planes, see x86/ukernels.h. */
typedef void (*eml_qigemm_px_fn)(uint32_t mc, uint32_t np, size_t kq, const void *w,
				 const uint8_t *base, const size_t *off, const size_t *pos,
				 uint8_t *y, size_t y_stride, const eml_qgemm_out *o, uint32_t m0);

/* Byte transposes of the channels-in-lanes depthwise path (see x86/ukernels.h). */
typedef void (*eml_x8_transpose_fn)(const uint8_t *src, size_t src_stride, size_t rows,
				    size_t cols, uint8_t *dst, const size_t *off,
				    size_t dst_stride, uint8_t flip);
typedef void (*eml_x8_transpose_planes_fn)(const uint8_t *src, size_t src_stride, size_t n,
					   uint8_t *dst, const size_t *off, uint8_t flip);
typedef void (*eml_x8_transpose_tile_fn)(const uint8_t *src, size_t n, uint8_t *dst,
					 size_t dst_stride);
/* Packs a GEMM x tile from channels-last blocks of 64 channels (x86/ukernels.h). */
typedef void (*eml_x8_pack_blocked_fn)(const uint8_t *src, size_t plane, size_t k, uint32_t nr,
				       uint32_t tile_nr, uint8_t flip, uint8_t *dst);
/* A byte permutation of a small plane (fast_plane.h's eml_plane_perm). */
typedef void (*eml_u8_perm_fn)(const eml_plane_perm *pp, const uint8_t *src, uint8_t flip,
			       uint8_t fill, uint8_t *dst);

/* QLinearMul of n elements: c[i] = clamp(round_half_even((float)((a[i] - za) *
 * (b[i * b_step] - zb)) * ratio + zc), lo, hi), a multiply and then an add (no fma), as the
 * reference and ONNX Runtime; b_step 0 is one b for all (a broadcast channel), 1 a vector. */
typedef struct eml_qmul_args {
	const uint8_t *a, *b;
	uint8_t *c;
	size_t n, b_step;
	int is_signed;
	int32_t za, zb;
	float ratio, zc, lo, hi;
} eml_qmul_args;
typedef void (*eml_qmul_fn)(const eml_qmul_args *a);
/* A 256-entry byte table: y[i] = table[x[i] ^ flip] for i < n (flip 0x80 for int8 x). */
typedef void (*eml_u8_lut_fn)(const uint8_t *x, size_t n, const uint8_t *table, uint8_t flip,
			      uint8_t *y);

/* QLinearMatMul with a run-time B (cpu/operators/qmatmul.c), one output matrix:
 * y[i][j] = clamp(round_half_even((float)acc * mult[i * mult_stride + j]) + zc, lo, hi),
 * acc the exact int32 sum over k of A[i][k] B[k][j], both less their zero points. a: m rows
 * of 2 kp int16, a_stride apart (0 past k); b: pairs of k rows interleaved by column,
 * b[(p * EML_QMM_NC(n) + j) * 2 + t] = B[2p + t][j] (0 past k and past n); mult:
 * EML_QMM_NC(n) floats a row, mult_stride 0 when every row has the same. */
typedef struct eml_qmm_args {
	const int16_t *a, *b;
	const float *mult;
	uint8_t *y;
	size_t m, n, kp, a_stride, mult_stride, y_stride;
	float zc, lo, hi;
} eml_qmm_args;
typedef void (*eml_qmm_fn)(const eml_qmm_args *g);
/* B's packed row length: n rounded up to the widest kernel's 16 columns. */
#define EML_QMM_NC(n) (((n) + 15) / 16 * 16)
/* The portable kernel (qs8_matmul.c), the entry of levels without their own. */
void eml_qs8_matmul_c(const eml_qmm_args *g);

/* QLinearSoftmax of `rows` (the kernel's eml_cpu_kernels.qsoftmax_rows) contiguous rows of
 * len bytes, x and y rows len apart (cpu/operators/qsoftmax.c): per row, mx = max(x ^ flip),
 * w[j] = e[mx - (x[j] ^ flip)], sum = the fp32 sum of w[0], w[1], ... in that order (each
 * lane sums its own row), y[j] = clamp(((w[j] * y_mult) / sum + 2^23 - 2^23) + yz, lo, hi),
 * the reference's bytes for y_mult <= 2^21. w: rows * len floats of scratch. */
typedef struct eml_qsoftmax_rows_args {
	const uint8_t *x;
	uint8_t *y;
	size_t len;
	const float *e;
	float *w;
	float y_mult, yz, lo, hi;
	uint8_t flip;
} eml_qsoftmax_rows_args;
typedef void (*eml_qsoftmax_rows_fn)(const eml_qsoftmax_rows_args *a);

typedef struct eml_cpu_kernels {
	eml_isa isa;
	/* int8 */
	const eml_qgemm_ukernel *qgemm; /* the GEMM (its .wide where weights exceed its limit) */
	/* the level's other GEMM, for shapes qgemm does worse, or NULL: matmuls of at most 4
	 * rows where qgemm has no one-column form, small matmuls (qgemm.c) and convolutions of
	 * k at most qgemm_alt_k (AMX: the VNNI kernel; a 32 x 32 tile block costs more than its
	 * few k runs save) */
	const eml_qgemm_ukernel *qgemm_alt;
	uint32_t qgemm_alt_k;
	/* the by-pixel in-place GEMM and the packing it reads (both or neither) */
	eml_qigemm_px_fn qigemm_px;
	const eml_qgemm_ukernel *qgemm_px;
	eml_qdw_fn qdw;			 /* depthwise, one channel per vector */
	/* the same for taps whose every pair fits eml_w_pairs_fit (vpmaddubsw), or NULL */
	eml_qdw_fn qdw_pair_limited;
	const char *qdw_pair_limited_name;
	eml_qdwc_fn qdwc;		 /* depthwise, channels in lanes */
	const char *qdwc_name;		 /* its name, for profiles */
	eml_maxpool_fn u8_maxpool;	 /* int8 / uint8 max pooling */
	eml_qadd_fn qadd;		 /* QLinearAdd */
	eml_qquant_fn qquant;		 /* QuantizeLinear */
	eml_qdequant_fn qdequant;	 /* DequantizeLinear */
	eml_qpeak_fn qpeak;		 /* int8 peak probe */
	/* byte movement for the int8 convolutions (all but x8_transpose_16x16 go with qdwc) */
	eml_x8_transpose_fn x8_transpose_16x16;
	eml_x8_transpose_planes_fn x8_transpose_planes_64;
	eml_x8_transpose_tile_fn x8_transpose_tile_64;
	eml_x8_pack_blocked_fn x8_pack_blocked; /* qgemm's tiles from qdwc's blocked output */
	eml_u8_perm_fn u8_perm;			/* small planes' build and scatter */
	/* float */
	const eml_f32_gemm_ukernel *f32_gemm;
	eml_f32_dw_fn f32_dw;
	eml_f32_dwc_fn f32_dwc;
	eml_f32_dwr_fn f32_dwr; /* 3x3 / 5x5 depthwise by output rows, or NULL */
	const char *f32_dwr_name;
	uint32_t f32_dwr_max_stride; /* the largest stride f32_dwr takes (1 or 2) */
	eml_f32_dwd_fn f32_dwd; /* f32_dwr from the unpadded input plane (same strides), or NULL */
	const char *f32_dwd_name;
	/* where fconv takes f32_dwd: strides from f32_dwd_min_stride (to 2), output rows wider
	 * than f32_dwd_ow_min (narrower ones go with channels in lanes where they can) */
	uint32_t f32_dwd_min_stride, f32_dwd_ow_min;
	eml_f32_dwp_fn f32_dwp; /* 3x3 / 5x5 stride-1 depthwise over small flat planes, or NULL */
	const char *f32_dwp_name;
	eml_f32_transpose_fn f32_transpose;
	eml_f32_split2_fn f32_split2; /* stride-2 phase planes' column split, or NULL */
	const eml_f32_vbinary_fn (*f32_vbinary)[EML_F32_FORMS]; /* [op][form] */
	eml_f32_maxpool_fn f32_maxpool;
	eml_f32_maxpool_row_fn f32_maxpool_row; /* or NULL: the phase-plane path */
	eml_f32_peak_fn f32_peak;
	eml_f32_rows_f64_fn f32_rows_f64; /* LSTM / GRU sums in double */
	eml_f32_planesum_fn f32_planesum;  /* plane means' sums in double, or NULL (fpool.c) */
	const char *f32_rows_f64_name;
	/* ImagePreprocess: the NV12/YUYV horizontal pass, the vertical pass, their name */
	eml_image_hpass_fn image_hpass;
	eml_image_vmix_fn image_vmix;
	const char *image_name;
	/* QLinearMul (cpu/operators/qmul.c): NULL on levels without one (the operator's C loop) */
	eml_qmul_fn qmul;
	/* QLinearLookup (cpu/operators/qlookup.c): y[i] = table[x[i] ^ flip] */
	eml_u8_lut_fn u8_lut;
	eml_qsoftmax_rows_fn qsoftmax; /* and the rows it takes at once */
	uint32_t qsoftmax_rows;
	/* float Winograd F(2x2, 3x3) transforms (fwinograd.c), or NULL: the portable loops */
	const eml_f32_wino_ukernel *f32_wino;
	/* float HardSigmoid / HardSwish (fhswish.c), or NULL: a portable loop */
	eml_f32_vhsig_fn f32_vhsig;
	const char *f32_vhsig_name;
	/* float math over arrays (f32_vmath.h): Softmax, Sigmoid, Tanh, Erf, LSTM / GRU gates */
	eml_f32_vunary_fn f32_vexp, f32_vsigmoid, f32_vtanh, f32_verf;
	eml_f32_vunary_fn f32_vswish; /* x * sigmoid(x): a float Conv's fused Swish (ftail.c) */
	const char *f32_vmath_name; /* "f32-vmath-<isa>" */
	/* qdwc feeds the slots past kw of a window row's last group taps again, so that their
	 * weights may carry the residual of a pair split to fit its vpmaddubsw bound (qconv.c):
	 * a group of 3 taps its first in the fourth slot; a group of 1 tap after a group of 4
	 * that group's taps 0, 2, 3 in its slots 1, 2, 3. 0: those slots' inputs are unspecified
	 * and their weights must be 0. The names: for profiles, where a layer took the split and
	 * where some block of 64 channels runs on taps widened to int16. */
	int qdwc_pad_taps;
	const char *qdwc_split_name, *qdwc_wide_name;
	/* QLinearMatMul with a run-time B (qmatmul.c) and its name */
	eml_qmm_fn qmm;
	const char *qmm_name;
	/* LSTM / GRU sums in float off exact float (rnn.c), or NULL: the sums in double */
	eml_f32_rows_fn f32_rows;
	const char *f32_rows_name;
	/* a row of LayerNormalization (flayernorm.c), or NULL: the operator's C loop */
	eml_f32_layernorm_fn f32_layernorm;
	const char *f32_layernorm_name;
	/* a contiguous row of Softmax (fsoftmax.c), or NULL: the operator's C loop */
	eml_f32_softmax_fn f32_softmax;
	const char *f32_softmax_name;
	/* packs whole blocks of f32_pack_a_mr rows of a row-major A for f32_gemm (fgemm.c,
	 * fmatmul.c, where f32_gemm's mr is that), or NULL: the operators' loops */
	eml_f32_pack_a_fn f32_pack_a;
	uint32_t f32_pack_a_mr;
} eml_cpu_kernels;

/* The table of a level, filled on first use (thread-safe); every entry NULL for
 * EML_ISA_SCALAR, a level this build has no kernels for, or one the CPU cannot run. */
const eml_cpu_kernels *eml_cpu_kernels_for(eml_isa isa);

#endif /* EML_CPU_KERNELS_H */
