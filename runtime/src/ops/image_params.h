/*
 * image_params.h — ImagePreprocess (docs/ops.md, "Image preprocessing"): a raw camera frame
 * (NV12, YUYV, RGB24 or BGR24) to a model's image input in one pass — colour conversion,
 * crop, resize, normalisation and quantization. The attributes are decoded once here for
 * infer, the kernels and the public edgeml_model_input_image(); the arithmetic every
 * backend must reproduce bit for bit is in the inline functions below and image_rule.c.
 */
#ifndef EML_IMAGE_PARAMS_H
#define EML_IMAGE_PARAMS_H

#include <stdint.h>

#include "graph.h"

/* Frame formats (the values of edgeml_pixel_format in edgeml.h). */
enum eml_image_format {
	EML_IMAGE_NV12 = 1,  /* Y plane W x H, then interleaved U,V at half resolution */
	EML_IMAGE_YUYV = 2,  /* 4:2:2 packed: Y0 U Y1 V per two pixels */
	EML_IMAGE_RGB24 = 3, /* R G B per pixel */
	EML_IMAGE_BGR24 = 4, /* B G R per pixel */
};

/* Largest frame or output side: keeps every offset and product of the rule in int32. */
#define EML_IMAGE_MAX_SIDE 16384

typedef struct eml_image_params {
	int format;		  /* eml_image_format */
	int32_t width, height;	  /* the frame */
	int32_t crop_x, crop_y;	  /* the region that is resized, inside the frame */
	int32_t crop_w, crop_h;
	int32_t out_w, out_h;	  /* the output image */
	int bilinear;		  /* 1 bilinear, 0 nearest (OpenCV's INTER_LINEAR / NEAREST) */
	int bgr;		  /* output channel 0 is B (else R) */
	int nhwc;		  /* output [1, H, W, 3] (else [1, 3, H, W]) */
	float mean[3], std[3];	  /* per output channel, in [0, 1] units */
	uint32_t out_dtype;	  /* float32, uint8 or int8 */
	float out_scale;	  /* quantized output: its scale and zero point */
	int32_t out_zero_point;
	uint64_t frame_bytes;	  /* the frame's size */
} eml_image_params;

/* The format's name ("nv12"), or NULL. */
const char *eml_image_format_name(int format);

/* Decodes and checks the node's attributes (every bad value is an error naming it). */
edgeml_status eml_image_params_get(const eml_node *node, eml_image_params *p);

/* The frame tensor's shape for a format and size: nv12 [H*3/2, W], yuyv [H, W, 2],
 * rgb24/bgr24 [H, W, 3] (as OpenCV and numpy hold such frames). Returns the rank. */
uint32_t eml_image_frame_dims(int format, int32_t width, int32_t height, int64_t *dims);

/* One output axis of the resize: output index i of an axis of n outputs reads source
 * indices lo and hi (crop-relative, clamped into [0, src)) with integer weights w0 + w1 =
 * 2048 (bilinear; for nearest lo = hi, w0 = 2048, w1 = 0). cols selects the horizontal rule
 * (the weights of a clamped border column become 2048, 0) over the vertical one (OpenCV
 * clamps the rows and keeps the weights). */
typedef struct eml_image_tap {
	int32_t lo, hi;
	int32_t w0, w1;
} eml_image_tap;
void eml_image_axis_tap(const eml_image_params *p, int cols, int32_t src, int32_t n, int32_t i,
			eml_image_tap *tap);

/* The normalised, quantized value of channel c (output order) for an 8-bit intensity v:
 * float32 ((v / 255 - mean[c]) / std[c]), then for a quantized output
 * saturate(round_half_even(f / scale) + zero_point). Float outputs go to *f, quantized ones
 * to *q. */
void eml_image_normalize(const eml_image_params *p, int c, int v, float *f, int32_t *q);

/* BT.601 limited range Y'CbCr to R'G'B', the fixed-point rule of OpenCV's cvtColor
 * (COLOR_YUV2RGB_NV12 / _YUYV): 20 fractional bits, rounded, saturated. */
#define EML_YUV_CY 1220542
#define EML_YUV_CUB 2116026
#define EML_YUV_CUG (-409993)
#define EML_YUV_CVG (-852492)
#define EML_YUV_CVR 1673527
#define EML_YUV_SHIFT 20

static inline int32_t eml_image_sat8(int32_t v)
{
	return v < 0 ? 0 : (v > 255 ? 255 : v);
}

static inline void eml_image_yuv_to_rgb(int32_t y, int32_t u, int32_t v, int32_t rgb[3])
{
	int32_t yy = (y > 16 ? y - 16 : 0) * EML_YUV_CY;
	int32_t uu = u - 128, vv = v - 128, half = 1 << (EML_YUV_SHIFT - 1);
	/* >> of a negative int is arithmetic on every compiler edgeml supports (gcc, clang) */
	rgb[0] = eml_image_sat8((yy + half + EML_YUV_CVR * vv) >> EML_YUV_SHIFT);
	rgb[1] = eml_image_sat8((yy + half + EML_YUV_CVG * vv + EML_YUV_CUG * uu) >> EML_YUV_SHIFT);
	rgb[2] = eml_image_sat8((yy + half + EML_YUV_CUB * uu) >> EML_YUV_SHIFT);
}

/* Pixel (x, y) of the frame as R, G, B. */
static inline void eml_image_pixel(const eml_image_params *p, const uint8_t *f, int32_t x,
				   int32_t y, int32_t rgb[3])
{
	const uint8_t *q;
	switch (p->format) {
	case EML_IMAGE_NV12:
		q = f + (size_t)p->width * (size_t)p->height + (size_t)(y / 2) * (size_t)p->width +
		    (size_t)(x & ~1);
		eml_image_yuv_to_rgb(f[(size_t)y * (size_t)p->width + (size_t)x], q[0], q[1], rgb);
		break;
	case EML_IMAGE_YUYV:
		q = f + (size_t)y * (size_t)p->width * 2 + (size_t)(x & ~1) * 2;
		eml_image_yuv_to_rgb(q[(x & 1) * 2], q[1], q[3], rgb);
		break;
	default:
		q = f + ((size_t)y * (size_t)p->width + (size_t)x) * 3;
		rgb[0] = q[p->format == EML_IMAGE_BGR24 ? 2 : 0];
		rgb[1] = q[1];
		rgb[2] = q[p->format == EML_IMAGE_BGR24 ? 0 : 2];
		break;
	}
}

/* The vertical step of bilinear: rows s0, s1 of horizontal sums (intensity x 2048) weighted
 * w0, w1, as OpenCV's 8-bit INTER_LINEAR does it: ((s0 >> 4) * w0 >> 16) +
 * ((s1 >> 4) * w1 >> 16), rounded off by 2 bits. */
static inline int32_t eml_image_vmix(int32_t s0, int32_t s1, int32_t w0, int32_t w1)
{
	int32_t v = (((s0 >> 4) * w0) >> 16) + (((s1 >> 4) * w1) >> 16);
	return eml_image_sat8((v + 2) >> 2);
}

#endif /* EML_IMAGE_PARAMS_H */
