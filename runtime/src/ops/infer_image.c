/* infer_image.c — ImagePreprocess: its attributes (image_params.h), the resize taps and the
 * normalisation every backend shares, and the output's shape and dtype. */
#include <math.h>
#include <string.h>

#include "error.h"
#include "ops/image_params.h"
#include "ops/infer_helpers.h"
#include "ops/ops.h"
#include "quant/quant.h"

static const char *const format_names[] = { NULL, "nv12", "yuyv", "rgb24", "bgr24" };

const char *eml_image_format_name(int format)
{
	return format >= EML_IMAGE_NV12 && format <= EML_IMAGE_BGR24 ? format_names[format] : NULL;
}

/* Reads string attribute name, which must be one of a (index 0, the default when absent)
 * or b (index 1), into *out. */
static edgeml_status read_pair(const eml_node *node, const char *name, const char *a,
			       const char *b, int *out)
{
	const char *s;
	edgeml_status st = eml_attr_string(node, name, a, &s);
	if (st != EDGEML_OK)
		return st;
	if (strcmp(s, a) != 0 && strcmp(s, b) != 0)
		return eml_error(EDGEML_ERR_UNSUPPORTED, "attribute '%s' = '%s': expected %s or %s",
				 name, s, a, b);
	*out = strcmp(s, b) == 0;
	return EDGEML_OK;
}

/* Reads a required INT attribute in [lo, hi]. */
static edgeml_status read_int(const eml_node *node, const char *name, int64_t lo, int64_t hi,
			      int32_t *out)
{
	int64_t v = INT64_MIN;
	edgeml_status st = eml_attr_int(node, name, INT64_MIN, &v);
	if (st != EDGEML_OK)
		return st;
	if (v == INT64_MIN)
		return eml_error(EDGEML_ERR_FORMAT, "attribute '%s' is missing", name);
	if (v < lo || v > hi)
		return eml_error(EDGEML_ERR_FORMAT, "attribute '%s' = %lld is out of range [%lld, "
				 "%lld]", name, (long long)v, (long long)lo, (long long)hi);
	*out = (int32_t)v;
	return EDGEML_OK;
}

/* Reads mean or std: 1 value (every channel) or 3, finite; std must not be 0. */
static edgeml_status read_norm(const eml_node *node, const char *name, float dflt, float *v)
{
	const float *vals = NULL;
	uint32_t n = 0;
	edgeml_status st = eml_attr_floats(node, name, &vals, &n);
	if (st != EDGEML_OK)
		return st;
	if (vals && n != 1 && n != 3)
		return eml_error(EDGEML_ERR_FORMAT, "attribute '%s' has %u values: give 1 (every "
				 "channel) or 3 (one per output channel)", name, n);
	for (int c = 0; c < 3; c++) {
		v[c] = vals ? vals[n == 3 ? c : 0] : dflt;
		if (!isfinite(v[c]))
			return eml_error(EDGEML_ERR_FORMAT, "attribute '%s'[%d] = %g is not finite",
					 name, c, (double)v[c]);
		if (strcmp(name, "std") == 0 && v[c] == 0.0f)
			return eml_error(EDGEML_ERR_FORMAT, "attribute 'std'[%d] is 0: the "
					 "normalisation divides by it", c);
	}
	return EDGEML_OK;
}

/* The output type and its quantization. */
static edgeml_status read_output(const eml_node *node, eml_image_params *p)
{
	const char *s;
	int64_t zp;
	edgeml_status st = eml_attr_string(node, "output_type", "float32", &s);
	if (st != EDGEML_OK)
		return st;
	if (strcmp(s, "float32") == 0) {
		p->out_dtype = EDGEML_DTYPE_FLOAT32;
		return EDGEML_OK;
	}
	if (strcmp(s, "uint8") != 0 && strcmp(s, "int8") != 0)
		return eml_error(EDGEML_ERR_UNSUPPORTED, "attribute 'output_type' = '%s': expected "
				 "float32, uint8 or int8", s);
	p->out_dtype = s[0] == 'u' ? EDGEML_DTYPE_UINT8 : EDGEML_DTYPE_INT8;
	st = eml_attr_float(node, "output_scale", NAN, &p->out_scale);
	if (st == EDGEML_OK)
		st = eml_attr_int(node, "output_zero_point", 0, &zp);
	if (st != EDGEML_OK)
		return st;
	if (!(p->out_scale > 0.0f) || !isfinite(p->out_scale))
		return eml_error(EDGEML_ERR_FORMAT, "attribute 'output_scale' = %g: a quantized "
				 "output needs a positive, finite scale", (double)p->out_scale);
	int32_t lo, hi;
	eml_q_range(p->out_dtype, &lo, &hi);
	if (zp < lo || zp > hi)
		return eml_error(EDGEML_ERR_FORMAT, "attribute 'output_zero_point' = %lld is "
				 "outside %s's range", (long long)zp, s);
	p->out_zero_point = (int32_t)zp;
	return EDGEML_OK;
}

/* The crop region: absent is the whole frame; else x, y, w, h inside the frame. */
static edgeml_status read_crop(const eml_node *node, eml_image_params *p)
{
	const int64_t *c = NULL;
	uint32_t n = 0;
	edgeml_status st = eml_attr_ints(node, "crop", &c, &n);
	if (st != EDGEML_OK)
		return st;
	if (!c) {
		p->crop_w = p->width;
		p->crop_h = p->height;
		return EDGEML_OK;
	}
	if (n != 4)
		return eml_error(EDGEML_ERR_FORMAT, "attribute 'crop' has %u values, not 4 "
				 "(x, y, width, height)", n);
	if (c[0] < 0 || c[1] < 0 || c[2] < 1 || c[3] < 1 || c[0] > p->width ||
	    c[1] > p->height || c[2] > p->width - c[0] || c[3] > p->height - c[1])
		return eml_error(EDGEML_ERR_FORMAT, "crop %lld,%lld,%lldx%lld is not a non-empty "
				 "region inside the %dx%d frame", (long long)c[0], (long long)c[1],
				 (long long)c[2], (long long)c[3], p->width, p->height);
	p->crop_x = (int32_t)c[0];
	p->crop_y = (int32_t)c[1];
	p->crop_w = (int32_t)c[2];
	p->crop_h = (int32_t)c[3];
	return EDGEML_OK;
}

edgeml_status eml_image_params_get(const eml_node *node, eml_image_params *p)
{
	memset(p, 0, sizeof(*p));
	const char *fmt = NULL;
	edgeml_status st = eml_attr_string(node, "format", NULL, &fmt);
	if (st != EDGEML_OK)
		return st;
	if (!fmt)
		return eml_error(EDGEML_ERR_FORMAT, "attribute 'format' is missing");
	for (int f = EML_IMAGE_NV12; f <= EML_IMAGE_BGR24; f++)
		if (strcmp(fmt, format_names[f]) == 0)
			p->format = f;
	if (!p->format)
		return eml_error(EDGEML_ERR_UNSUPPORTED, "attribute 'format' = '%s': expected "
				 "nv12, yuyv, rgb24 or bgr24", fmt);
	st = read_int(node, "width", 1, EML_IMAGE_MAX_SIDE, &p->width);
	if (st == EDGEML_OK)
		st = read_int(node, "height", 1, EML_IMAGE_MAX_SIDE, &p->height);
	if (st != EDGEML_OK)
		return st;
	if (p->format == EML_IMAGE_NV12 && (p->width % 2 || p->height % 2))
		return eml_error(EDGEML_ERR_FORMAT, "an NV12 frame has an even width and height "
				 "(its chroma is subsampled 2x2), not %dx%d", p->width, p->height);
	if (p->format == EML_IMAGE_YUYV && p->width % 2)
		return eml_error(EDGEML_ERR_FORMAT, "a YUYV frame has an even width (two pixels "
				 "share U and V), not %d", p->width);
	const int64_t *size = NULL;
	uint32_t n = 0;
	st = eml_attr_ints(node, "size", &size, &n);
	if (st != EDGEML_OK)
		return st;
	if (!size || n != 2 || size[0] < 1 || size[1] < 1 || size[0] > EML_IMAGE_MAX_SIDE ||
	    size[1] > EML_IMAGE_MAX_SIDE)
		return eml_error(EDGEML_ERR_FORMAT, "attribute 'size' must be the output's height "
				 "and width, each in [1, %d]", EML_IMAGE_MAX_SIDE);
	p->out_h = (int32_t)size[0];
	p->out_w = (int32_t)size[1];
	int nearest = 0;
	st = read_crop(node, p);
	if (st == EDGEML_OK)
		st = read_pair(node, "resize", "bilinear", "nearest", &nearest);
	if (st == EDGEML_OK)
		st = read_pair(node, "channel_order", "rgb", "bgr", &p->bgr);
	if (st == EDGEML_OK)
		st = read_pair(node, "layout", "nchw", "nhwc", &p->nhwc);
	if (st == EDGEML_OK)
		st = read_norm(node, "mean", 0.0f, p->mean);
	if (st == EDGEML_OK)
		st = read_norm(node, "std", 1.0f, p->std);
	if (st == EDGEML_OK)
		st = read_output(node, p);
	p->bilinear = !nearest;
	int64_t dims[3];
	uint32_t rank = eml_image_frame_dims(p->format, p->width, p->height, dims);
	p->frame_bytes = 1;
	for (uint32_t i = 0; i < rank; i++)
		p->frame_bytes *= (uint64_t)dims[i];
	return st;
}

uint32_t eml_image_frame_dims(int format, int32_t width, int32_t height, int64_t *dims)
{
	if (format == EML_IMAGE_NV12) {
		dims[0] = (int64_t)height * 3 / 2;
		dims[1] = width;
		return 2;
	}
	dims[0] = height;
	dims[1] = width;
	dims[2] = format == EML_IMAGE_YUYV ? 2 : 3;
	return 3;
}

void eml_image_axis_tap(const eml_image_params *p, int cols, int32_t src, int32_t n, int32_t i,
			eml_image_tap *tap)
{
	/* OpenCV's cv::resize: scale = 1 / (n / src) in double; separate statements so that no
	 * compiler contracts them into a fused multiply-add */
	double inv = (double)n / (double)src;
	double scale = 1.0 / inv;
	if (!p->bilinear) {
		double t = (double)i * scale;
		int32_t s = (int32_t)floor(t);
		tap->lo = tap->hi = s < src - 1 ? s : src - 1;
		tap->w0 = 2048;
		tap->w1 = 0;
		return;
	}
	double t = ((double)i + 0.5) * scale;
	float f = (float)(t - 0.5);
	int32_t s = (int32_t)floorf(f);
	f -= (float)s;
	if (cols && s < 0) {
		s = 0;
		f = 0.0f;
	}
	if (cols && s >= src - 1) {
		s = src - 1;
		f = 0.0f;
	}
	float f1 = f * 2048.0f, f0 = (1.0f - f) * 2048.0f;
	tap->w1 = (int32_t)lrintf(f1);
	tap->w0 = (int32_t)lrintf(f0);
	tap->lo = s < 0 ? 0 : (s > src - 1 ? src - 1 : s);
	tap->hi = s + 1 < 0 ? 0 : (s + 1 > src - 1 ? src - 1 : s + 1);
}

void eml_image_normalize(const eml_image_params *p, int c, int v, float *f, int32_t *q)
{
	float x = (float)v / 255.0f;
	x = x - p->mean[c];
	x = x / p->std[c];
	if (p->out_dtype == EDGEML_DTYPE_FLOAT32) {
		*f = x;
		return;
	}
	int32_t lo, hi;
	eml_q_range(p->out_dtype, &lo, &hi);
	*q = eml_quantize_f32(x, p->out_scale, p->out_zero_point, lo, hi);
}

/* ImagePreprocess (X) -> Y: X the uint8 frame of the attributes' format and size, Y the
 * image [1, 3, H, W] (layout nchw) or [1, H, W, 3] (nhwc) of output_type. */
edgeml_status eml_infer_ImagePreprocess(const eml_node *node, const eml_tensor *const *in,
					eml_tensor *out)
{
	eml_image_params p;
	edgeml_status st = eml_check_arity(node, in, 1, 1, 1);
	if (st == EDGEML_OK)
		st = eml_check_dtype(in[0], "input X", EML_DT(EDGEML_DTYPE_UINT8));
	if (st == EDGEML_OK)
		st = eml_image_params_get(node, &p);
	if (st != EDGEML_OK)
		return st;
	int64_t dims[4];
	uint32_t rank = eml_image_frame_dims(p.format, p.width, p.height, dims);
	int same = in[0]->rank == rank;
	for (uint32_t i = 0; same && i < rank; i++)
		same = in[0]->dims[i] == dims[i];
	if (!same)
		return eml_error(EDGEML_ERR_SHAPE, "input X must be the %s %dx%d frame, uint8 "
				 "[%lld, %lld%s], %llu bytes", eml_image_format_name(p.format),
				 p.width, p.height, (long long)dims[0], (long long)dims[1],
				 rank == 3 ? (dims[2] == 2 ? ", 2" : ", 3") : "",
				 (unsigned long long)p.frame_bytes);
	dims[0] = 1;
	dims[p.nhwc ? 3 : 1] = 3;
	dims[p.nhwc ? 1 : 2] = p.out_h;
	dims[p.nhwc ? 2 : 3] = p.out_w;
	return eml_set_output(&out[0], p.out_dtype, 4, dims);
}
