/*
 * image_ukernels.h — the horizontal pass of ImagePreprocess (operators/image.c): one frame row
 * converted to RGB at the two source columns of each output column and mixed with their
 * fixed-point weights, into three planes of int32 sums (intensity x 2048), channels in R, G,
 * B order. A micro-kernel does the first n columns, which must all have their 4-byte reads
 * (see eml_image_hpass_args) inside the frame; portable C does the rest.
 */
#ifndef EML_CPU_IMAGE_UKERNELS_H
#define EML_CPU_IMAGE_UKERNELS_H

#include <stddef.h>
#include <stdint.h>

#include "cpu/isa.h"

typedef struct eml_image_hpass_args {
	int format;	     /* eml_image_format: nv12 or yuyv here */
	const uint8_t *row;  /* nv12: the Y row; yuyv: the packed row */
	const uint8_t *uv;   /* nv12: the row's U,V row */
	const int32_t *x0;   /* per output column: its two source columns (frame x) */
	const int32_t *x1;
	const uint32_t *w;   /* per output column: weight 0 | weight 1 << 16 */
	size_t n;	     /* columns to do */
	int32_t *s[3];	     /* R, G, B sums */
} eml_image_hpass_args;

typedef void (*eml_image_hpass_fn)(const eml_image_hpass_args *a);

/* A level's micro-kernel (kernels.h: image_hpass, NV12 and YUYV only; NULL: portable C does
 * every column). nv12 reads 4 bytes from the Y row at x0 and 4 from the U,V row at x0 & ~1;
 * yuyv reads 4 bytes at 2 * (x0 & ~1) and 2 * (x1 & ~1). */

void eml_u8_image_hpass_8x_avx2(const eml_image_hpass_args *a);

/* The vertical pass: v[i] = eml_image_vmix(a[i], b[i], w0, w1) for i < n (image_params.h:
 * OpenCV's 16-bit multiply-high rounding, which SIMD does natively). */
typedef void (*eml_image_vmix_fn)(const int32_t *a, const int32_t *b, size_t n, int32_t w0,
				  int32_t w1, uint8_t *v);

void eml_u8_image_vmix_16x_avx2(const int32_t *a, const int32_t *b, size_t n, int32_t w0,
				int32_t w1, uint8_t *v);
void eml_u8_image_vmix_8x_neon(const int32_t *a, const int32_t *b, size_t n, int32_t w0,
			       int32_t w1, uint8_t *v);

#endif /* EML_CPU_IMAGE_UKERNELS_H */
