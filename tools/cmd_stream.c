/* cmd_stream.c — `edgeml stream`: runs a model on every frame of a /dev/edgeml sensor ring or
 * of a V4L2 camera, importing each frame's dma-buf into the model input (no copy), and reports
 * latency from
 * capture to result, dropped frames, bytes copied and, for an autoencoder on the vibration
 * source, the anomalies found against those the source injected. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <linux/dma-buf.h>

#include "../kmod/uapi/edgeml_uapi.h"
#include "commands.h"
#include "edgeml.h"
#include "npy.h"
#include "v4l2_capture.h"

/* Most frames one invocation streams: bounds the latency record (8 bytes a frame). */
#define STREAM_MAX_FRAMES 10000000ull

/* The record sent upstream per anomaly, instead of the raw frames: what a gateway needs to
 * act on it. Its size is the numerator of the reported bandwidth ratio. */
typedef struct anomaly_event {
	uint64_t sequence;
	uint64_t timestamp_ns;
	float error;
	uint32_t flags;
} anomaly_event;

typedef struct stream_args {
	const char *device, *model;
	const char *v4l2, *pixel_format, *dump; /* camera, its format name, last-frame file */
	const char *replay;    /* frames from a .npy file, through a sealed memfd (no kernel) */
	const char *candidate; /* shadow mode: a second model run on the same frames */
	int image; /* source: image (uint8) or vibration (float32) */
	uint64_t frames;
	double rate;
	uint32_t buffers, anomaly_every, anomaly_gain, channels;
	double threshold; /* < 0: no anomaly detection */
	int verify, json, quiet;
} stream_args;

/* What the loop measured. */
typedef struct stream_result {
	uint64_t frames, dropped, bytes_copied, raw_bytes, verify_failures, buffers_mapped;
	uint64_t injected, flagged, true_pos;
	uint64_t *latency_ns;
	double max_clean_error, min_anomaly_error;
	double run_ns_total;
	/* shadow mode: both models' run times per frame, argmax agreement of output 0, the
	 * largest difference of integer outputs (LSB) and of float outputs */
	uint64_t *run_ns, *cand_ns;
	uint64_t agree;
	double max_lsb, max_abs;
	int any_int, any_float;
} stream_result;

/* Prints the command's usage. */
static void usage(FILE *f)
{
	fprintf(f,
		"usage: edgeml stream --device /dev/edgeml --model M.eml [options]\n"
		"       edgeml stream --v4l2 /dev/videoN --model M.eml [--pixel-format F] [options]\n"
		"       edgeml stream --replay FRAMES.npy --model M.eml [options]\n\n"
		"Starts a sensor ring on the device, or captures from a V4L2 camera, and runs the\n"
		"model on every frame in place: each frame's dma-buf is imported into the model\n"
		"input (0 bytes copied), so the model's input must be the frame's format: float32\n"
		"with width*channels elements for the vibration source (samples x / 32768,\n"
		"channels interleaved), uint8 [1,H,W,C] or [1,1,H,W] for the image source (HWC\n"
		"interleaved) and for a camera (H x W pixels of C bytes: 1 grey, 2 yuyv, 3 rgb24 or\n"
		"bgr24; the camera is set to that format and must deliver it exactly), or an image\n"
		"input (`edgeml convert --image-input`: the camera is set to its frame format, nv12,\n"
		"yuyv, rgb24 or bgr24, and the model converts, resizes and normalises in one pass).\n"
		"A model whose output has its input's shape (an autoencoder) is scored by its\n"
		"reconstruction error (mean squared); above --threshold the frame is an anomaly.\n\n"
		"  --source image|vibration  synthetic source (default vibration)\n"
		"  --replay FRAMES.npy   frames from a file instead (whole frames of the input's\n"
		"                        dtype, e.g. [N,...input dims]; cycled), imported from a\n"
		"                        sealed memfd, as fast as the models run\n"
		"  --candidate M         shadow mode: also run model or package M on every frame\n"
		"                        and report its agreement with --model (argmax of output\n"
		"                        0, max difference: LSB for integer outputs) and both\n"
		"                        models' run time p50/p99; outputs must match in shape\n"
		"                        and dtype\n"
		"  --pixel-format F      camera format: yuyv, rgb24, bgr24, grey (default by the\n"
		"                        input's bytes per pixel: 1 grey, 2 yuyv, 3 rgb24)\n"
		"  --dump FILE           write the last camera frame's bytes to FILE\n"
		"  --frames N            frames to process (default 1000)\n"
		"  --rate HZ             frame rate asked of the source (default 100)\n"
		"  --buffers N           ring buffers (default 4)\n"
		"  --channels N          vibration channels (default 1)\n"
		"  --anomaly-every K     inject an anomaly into every K-th frame (default none)\n"
		"  --anomaly-gain G      amplitude factor of injected anomalies, 2..16 (default 4)\n"
		"  --threshold X         reconstruction error above which a frame is an anomaly\n"
		"                        (build/models/<model>.threshold holds the calibrated one)\n"
		"  --verify              check every frame against the source's formula (not for a\n"
		"                        camera) and the model's result against a run on a copy\n"
		"  --quiet               print anomalies and the summary only, not every frame\n"
		"  --json                print JSON lines instead of text\n\n"
		"exit status: 0 done (and, with --verify, every check passed), 1 failed, 2 bad "
		"arguments\n");
}

/* Parses an unsigned option value in [lo, hi]; returns 0 or prints why not and returns -1. */
static int parse_u64(const char *opt, const char *text, uint64_t lo, uint64_t hi, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(text, &end, 10);
	if (errno || end == text || *end || text[0] == '-' || v < lo || v > hi) {
		fprintf(stderr, "edgeml stream: %s wants a whole number from %llu to %llu, not '%s'\n",
			opt, (unsigned long long)lo, (unsigned long long)hi, text);
		return -1;
	}
	*out = v;
	return 0;
}

/* Parses a positive finite number; returns 0 or prints why not and returns -1. */
static int parse_pos(const char *opt, const char *text, double *out)
{
	char *end;
	double v = strtod(text, &end);
	if (end == text || *end || !isfinite(v) || v <= 0) {
		fprintf(stderr, "edgeml stream: %s wants a positive number, not '%s'\n", opt, text);
		return -1;
	}
	*out = v;
	return 0;
}

/* Parses one option with a value at argv[*i]; returns 0, or 2 for a usage error. */
static int parse_value(char **argv, int *i, stream_args *a)
{
	const char *o = argv[*i], *v = argv[++*i];
	uint64_t n;
	int bad = 0;
	if (strcmp(o, "--device") == 0)
		a->device = v;
	else if (strcmp(o, "--v4l2") == 0)
		a->v4l2 = v;
	else if (strcmp(o, "--pixel-format") == 0)
		a->pixel_format = v;
	else if (strcmp(o, "--dump") == 0)
		a->dump = v;
	else if (strcmp(o, "--replay") == 0)
		a->replay = v;
	else if (strcmp(o, "--candidate") == 0)
		a->candidate = v;
	else if (strcmp(o, "--model") == 0)
		a->model = v;
	else if (strcmp(o, "--source") == 0 && (!strcmp(v, "image") || !strcmp(v, "vibration")))
		a->image = strcmp(v, "image") == 0;
	else if (strcmp(o, "--frames") == 0)
		bad = parse_u64(o, v, 1, STREAM_MAX_FRAMES, &a->frames);
	else if (strcmp(o, "--rate") == 0)
		bad = parse_pos(o, v, &a->rate);
	else if (strcmp(o, "--threshold") == 0)
		bad = parse_pos(o, v, &a->threshold);
	else if (strcmp(o, "--buffers") == 0 && !(bad = parse_u64(o, v, 2, 1024, &n)))
		a->buffers = (uint32_t)n;
	else if (strcmp(o, "--channels") == 0 &&
		 !(bad = parse_u64(o, v, 1, EDGEML_MAX_VIBRATION_CHANNELS, &n)))
		a->channels = (uint32_t)n;
	else if (strcmp(o, "--anomaly-every") == 0 && !(bad = parse_u64(o, v, 1, UINT32_MAX, &n)))
		a->anomaly_every = (uint32_t)n;
	else if (strcmp(o, "--anomaly-gain") == 0 &&
		 !(bad = parse_u64(o, v, 2, EDGEML_MAX_ANOMALY_GAIN, &n)))
		a->anomaly_gain = (uint32_t)n;
	else if (!bad) {
		fprintf(stderr, "edgeml stream: unknown option or value: '%s %s'\n", o, v);
		return 2;
	}
	return bad ? 2 : 0;
}

/* Parses argv; returns 0 to go on, -1 after printing --help, or a usage error's exit code. */
static int parse_args(int argc, char **argv, stream_args *a)
{
	*a = (stream_args){ .frames = 1000, .rate = 100, .buffers = 4, .anomaly_gain = 4,
			    .channels = 1, .threshold = -1 };
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		int rc = 0;
		if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
			usage(stdout);
			return -1;
		} else if (strcmp(arg, "--verify") == 0) {
			a->verify = 1;
		} else if (strcmp(arg, "--json") == 0) {
			a->json = 1;
		} else if (strcmp(arg, "--quiet") == 0) {
			a->quiet = 1;
		} else if (arg[0] == '-' && i + 1 < argc) {
			rc = parse_value(argv, &i, a);
		} else {
			fprintf(stderr, "edgeml stream: unexpected argument '%s'\n", arg);
			rc = 2;
		}
		if (rc) {
			usage(stderr);
			return rc;
		}
	}
	int sources = !!a->device + !!a->v4l2 + !!a->replay;
	if (sources > 1) {
		fprintf(stderr, "edgeml stream: --device, --v4l2 and --replay each name the frame "
				"source; give exactly one, not %d\n",
			sources);
		return 2;
	}
	if (sources != 1 || !a->model) {
		fprintf(stderr, "edgeml stream: --model and one of --device, --v4l2 or --replay "
				"are required\n");
		usage(stderr);
		return 2;
	}
	uint32_t bpp;
	if (a->pixel_format && !eml_v4l2_format_from_name(a->pixel_format, &bpp)) {
		fprintf(stderr, "edgeml stream: --pixel-format wants yuyv, rgb24, bgr24, grey or nv12, "
				"not '%s'\n",
			a->pixel_format);
		return 2;
	}
	if (!a->v4l2 && (a->pixel_format || a->dump)) {
		fprintf(stderr, "edgeml stream: --pixel-format and --dump are for --v4l2\n");
		return 2;
	}
	if ((a->v4l2 || a->replay) && (a->anomaly_every || a->channels != 1 || a->image)) {
		fprintf(stderr, "edgeml stream: --source, --anomaly-every and --channels are for "
				"--device\n");
		return 2;
	}
	if (a->v4l2 && a->buffers > EML_V4L2_MAX_BUFFERS) {
		fprintf(stderr, "edgeml stream: a camera takes at most %u buffers\n",
			EML_V4L2_MAX_BUFFERS);
		return 2;
	}
	if (a->image && (a->anomaly_every || a->channels != 1)) {
		fprintf(stderr, "edgeml stream: --anomaly-every and --channels are for the "
				"vibration source\n");
		return 2;
	}
	return 0;
}

/* Sets the ring geometry from the model input, which must be the source's frame format;
 * returns 0, or prints what does not match and returns -1. */
static int ring_config(const stream_args *a, const edgeml_tensor_info *in,
		       struct edgeml_ring_start *cfg)
{
	uint64_t elems = 1;
	for (uint32_t i = 0; i < in->rank; i++)
		elems *= (uint64_t)in->dims[i];
	*cfg = (struct edgeml_ring_start){ .flags = EDGEML_FD_CLOEXEC,
					   .num_buffers = a->buffers,
					   .frame_bytes = (uint32_t)in->size_bytes,
					   .height = 1 };
	double ns = 1e9 / a->rate;
	cfg->interval_ns = ns < EDGEML_MIN_INTERVAL_NS ? EDGEML_MIN_INTERVAL_NS :
			   ns > EDGEML_MAX_INTERVAL_NS ? EDGEML_MAX_INTERVAL_NS : (uint64_t)ns;
	if (a->image) {
		int nhwc = in->rank == 4 && in->dims[3] >= 1 && in->dims[3] <= 4;
		int gray = in->rank == 4 && in->dims[1] == 1;
		if (in->dtype != EDGEML_DTYPE_UINT8 || in->dims[0] != 1 || (!nhwc && !gray)) {
			fprintf(stderr, "edgeml stream: the image source sends uint8 HWC frames, "
					"but input '%s' is %s of rank %u: it needs uint8 [1,H,W,C] "
					"(C <= 4) or [1,1,H,W]\n",
				in->name, edgeml_dtype_name(in->dtype), in->rank);
			return -1;
		}
		cfg->source = EDGEML_SOURCE_IMAGE;
		cfg->height = (uint32_t)in->dims[nhwc ? 1 : 2];
		cfg->width = (uint32_t)in->dims[nhwc ? 2 : 3];
		cfg->channels = nhwc ? (uint32_t)in->dims[3] : 1;
		return 0;
	}
	int interleaved = a->channels == 1 || (in->rank && in->dims[in->rank - 1] == a->channels);
	if (in->dtype != EDGEML_DTYPE_FLOAT32 || elems % a->channels || !interleaved ||
	    elems / a->channels > UINT32_MAX) {
		fprintf(stderr, "edgeml stream: the vibration source sends float32 frames of "
				"samples x %u interleaved channels, but input '%s' is %s with %llu "
				"elements%s\n",
			a->channels, in->name, edgeml_dtype_name(in->dtype),
			(unsigned long long)elems,
			interleaved ? "" : " and its last dimension is not the channel count");
		return -1;
	}
	cfg->source = EDGEML_SOURCE_VIBRATION;
	cfg->flags |= EDGEML_RING_VIB_F32;
	cfg->width = (uint32_t)(elems / a->channels);
	cfg->channels = a->channels;
	if (a->anomaly_every) {
		cfg->anomaly_period = a->anomaly_every;
		cfg->anomaly_offset = a->anomaly_every - 1;
		cfg->anomaly_gain = a->anomaly_gain;
	}
	return 0;
}

/* The camera format from the model input, which must be a uint8 picture; returns 0, or
 * prints what does not match and returns -1. */
static int camera_config(const stream_args *a, const edgeml_tensor_info *in, uint32_t *width,
			 uint32_t *height, uint32_t *pixelformat, uint32_t *bpp)
{
	int nhwc = in->rank == 4 && in->dims[3] >= 1 && in->dims[3] <= 3;
	int gray = in->rank == 4 && in->dims[1] == 1;
	if (in->dtype != EDGEML_DTYPE_UINT8 || in->dims[0] != 1 || (!nhwc && !gray)) {
		fprintf(stderr, "edgeml stream: a camera sends uint8 frames of packed pixels, but "
				"input '%s' is %s of rank %u: it needs uint8 [1,H,W,C] (C = 1 grey, "
				"2 yuyv, 3 rgb24/bgr24) or [1,1,H,W] (grey)\n",
			in->name, edgeml_dtype_name(in->dtype), in->rank);
		return -1;
	}
	if (a->pixel_format && strcmp(a->pixel_format, "nv12") == 0) {
		fprintf(stderr, "edgeml stream: --pixel-format nv12 is for image inputs "
				"(edgeml convert --image-input): input '%s' reads packed pixels\n",
			in->name);
		return -1;
	}
	uint32_t channels = nhwc ? (uint32_t)in->dims[3] : 1;
	*height = (uint32_t)in->dims[nhwc ? 1 : 2];
	*width = (uint32_t)in->dims[nhwc ? 2 : 3];
	const char *name = a->pixel_format ? a->pixel_format :
			   channels == 1   ? "grey" :
			   channels == 2   ? "yuyv" :
					     "rgb24";
	*pixelformat = eml_v4l2_format_from_name(name, bpp);
	if (*bpp != channels) {
		fprintf(stderr, "edgeml stream: --pixel-format %s has %u bytes a pixel, but input "
				"'%s' [1,%u,%u,%u] has %u\n",
			name, *bpp, in->name, *height, *width, channels, channels);
		return -1;
	}
	return 0;
}

/* The camera format of an image input (edgeml_model_input_image): its frame format and size,
 * which the model's ImagePreprocess reads in place; returns 0, or -1 after saying why. */
static int camera_image_config(const stream_args *a, const edgeml_image_input_info *im,
			       uint32_t *width, uint32_t *height, uint32_t *pixelformat,
			       uint32_t *bpp)
{
	if (a->pixel_format && strcmp(a->pixel_format, im->format_name) != 0) {
		fprintf(stderr, "edgeml stream: --pixel-format %s, but the model's image input "
				"takes %s frames (edgeml info %s)\n",
			a->pixel_format, im->format_name, a->model);
		return -1;
	}
	*width = im->width;
	*height = im->height;
	*pixelformat = eml_v4l2_format_from_name(im->format_name, bpp);
	if (!*pixelformat) {
		fprintf(stderr, "edgeml stream: the model's image input takes %s frames, which "
				"V4L2 capture here does not name\n", im->format_name);
		return -1;
	}
	return 0;
}

/* Bhaskara's integer sine of the kernel module (formula in kmod/uapi/edgeml_uapi.h). */
static int32_t tone(uint64_t u, uint32_t half, int32_t amp)
{
	uint32_t p = (uint32_t)(u % half), q = p * (half - p);
	int32_t v = (int32_t)((uint32_t)amp * 16 * q / (5 * half * half - 4 * q));
	return (u / half) % 2 == 0 ? v : -v;
}

/* Whether a frame's bytes are the source's formula for its sequence number. */
static int frame_is_expected(const struct edgeml_ring_start *cfg, const struct edgeml_frame *f,
			     const void *data)
{
	if (cfg->source == EDGEML_SOURCE_IMAGE) {
		const uint8_t *p = data;
		for (uint32_t i = 8; i < f->bytes_used; i++) {
			uint32_t c = i % cfg->channels, px = i / cfg->channels;
			uint32_t x = px % cfg->width, y = px / cfg->width;
			if (p[i] != (uint8_t)(x + 2 * y + 64 * c + f->sequence))
				return 0;
		}
		uint64_t seq;
		memcpy(&seq, p, sizeof(seq));
		return seq == f->sequence;
	}
	int anomaly = f->flags & EDGEML_FRAME_ANOMALY;
	const float *s = data;
	for (uint32_t n = 0; n < cfg->width; n++)
		for (uint32_t c = 0; c < cfg->channels; c++) {
			uint64_t u = f->sequence * cfg->width + n + 16ull * c;
			int32_t v = tone(u, EDGEML_VIB_P1, EDGEML_VIB_A1) +
				    tone(u, EDGEML_VIB_P2, EDGEML_VIB_A2);
			if (anomaly)
				v = v * (int32_t)cfg->anomaly_gain;
			v = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
			float want = (float)v / 32768.0f;
			if (memcmp(&s[n * cfg->channels + c], &want, sizeof(want)) != 0)
				return 0;
		}
	return 1;
}

/* Mean squared difference of two float arrays: the autoencoder's reconstruction error. */
static double mse(const float *a, const float *b, size_t n)
{
	double sum = 0;
	for (size_t i = 0; i < n; i++) {
		double d = (double)a[i] - (double)b[i];
		sum += d * d;
	}
	return n ? sum / (double)n : 0;
}

/* Nanoseconds of CLOCK_MONOTONIC, the clock of the frames' timestamps. */
static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Begins or ends this tool's own read of a frame (its reconstruction error and checks). */
static int sync_read(int fd, int start)
{
	struct dma_buf_sync s = { (start ? DMA_BUF_SYNC_START : DMA_BUF_SYNC_END) |
				  DMA_BUF_SYNC_READ };
	return ioctl(fd, DMA_BUF_IOCTL_SYNC, &s);
}

/* Everything the loop works with. */
typedef struct stream_ctx {
	const stream_args *args;
	struct edgeml_ring_start cfg;
	int dev;
	eml_v4l2_capture cam; /* with --v4l2 */
	uint32_t cam_width, cam_height, cam_format, cam_bpp;
	int cam_open;
	uint64_t cam_first_sequence;
	int fds[1024];
	edgeml_session *session, *check; /* check: the --verify session, fed by copies */
	edgeml_tensor *in, *out, *check_in, *check_out;
	int autoencoder;
	size_t out_elems;
	size_t in_bytes;
	/* --replay: the frames in a sealed memfd, each at a 64-byte aligned offset */
	int replay_fd;
	uint64_t replay_frames, replay_stride, frame_offset;
	/* --candidate */
	edgeml_model *cand_model;
	edgeml_session *cand;
	edgeml_tensor *cand_in;
	size_t n_outputs;
} stream_ctx;

/* Element i of a tensor of dtype, as a double. */
static double element(const void *p, edgeml_dtype dtype, size_t i)
{
	switch (dtype) {
	case EDGEML_DTYPE_FLOAT32: return ((const float *)p)[i];
	case EDGEML_DTYPE_UINT8: return ((const uint8_t *)p)[i];
	case EDGEML_DTYPE_INT8: return ((const int8_t *)p)[i];
	case EDGEML_DTYPE_INT32: return ((const int32_t *)p)[i];
	case EDGEML_DTYPE_INT64: return (double)((const int64_t *)p)[i];
	}
	return 0.0;
}

/* Index of the first largest element. */
static size_t argmax(const void *p, edgeml_dtype dtype, size_t n)
{
	size_t best = 0;
	for (size_t i = 1; i < n; i++)
		if (element(p, dtype, i) > element(p, dtype, best))
			best = i;
	return best;
}

/* Shadow mode: runs the candidate on the frame the active model just ran on (the same
 * buffer, imported again) and compares every output; returns 0 or -1. */
static int shadow(stream_ctx *c, int fd, const struct edgeml_frame *f, stream_result *r)
{
	edgeml_session_stats st = { .struct_size = sizeof(st) };
	if (edgeml_tensor_import_dmabuf(c->cand_in, fd, c->frame_offset, f->bytes_used) !=
		    EDGEML_OK ||
	    edgeml_session_run(c->cand) != EDGEML_OK ||
	    edgeml_session_stats_get(c->cand, &st) != EDGEML_OK) {
		fprintf(stderr, "edgeml stream: candidate %s, frame %llu: %s\n", c->args->candidate,
			(unsigned long long)f->sequence, edgeml_last_error());
		return -1;
	}
	r->cand_ns[r->frames] = st.last_run_ns;
	for (size_t o = 0; o < c->n_outputs; o++) {
		edgeml_tensor *ta, *tc;
		edgeml_tensor_info ia;
		if (edgeml_session_output(c->session, o, &ta) != EDGEML_OK ||
		    edgeml_session_output(c->cand, o, &tc) != EDGEML_OK ||
		    edgeml_tensor_info_get(ta, &ia) != EDGEML_OK) {
			fprintf(stderr, "edgeml stream: %s\n", edgeml_last_error());
			return -1;
		}
		const void *pa = edgeml_tensor_data(ta), *pc = edgeml_tensor_data(tc);
		size_t n = ia.size_bytes / edgeml_dtype_size(ia.dtype);
		int is_float = ia.dtype == EDGEML_DTYPE_FLOAT32;
		double worst = 0;
		for (size_t i = 0; i < n; i++) {
			double d = fabs(element(pa, ia.dtype, i) - element(pc, ia.dtype, i));
			if (d > worst || isnan(d))
				worst = isnan(d) ? HUGE_VAL : d;
		}
		if (is_float) {
			r->any_float = 1;
			r->max_abs = worst > r->max_abs ? worst : r->max_abs;
		} else {
			r->any_int = 1;
			r->max_lsb = worst > r->max_lsb ? worst : r->max_lsb;
		}
		if (o == 0 && n && argmax(pa, ia.dtype, n) == argmax(pc, ia.dtype, n))
			r->agree++;
	}
	return 0;
}

/* Runs --verify's second opinion: the same frame copied into a second session must give
 * bit-identical outputs. Returns 1 when it does. */
static int same_as_copy(stream_ctx *c, const void *frame, size_t bytes)
{
	edgeml_tensor_info oi;
	if (edgeml_tensor_write(c->check_in, frame, bytes) != EDGEML_OK ||
	    edgeml_session_run(c->check) != EDGEML_OK ||
	    edgeml_tensor_info_get(c->out, &oi) != EDGEML_OK)
		return 0;
	return memcmp(edgeml_tensor_data(c->out), edgeml_tensor_data(c->check_out),
		      oi.size_bytes) == 0;
}

/* Prints one frame's line. */
static void print_frame(const stream_ctx *c, const struct edgeml_frame *f, uint64_t lat,
			double err, int flagged, uint64_t copied)
{
	int injected = (f->flags & EDGEML_FRAME_ANOMALY) != 0;
	if (c->args->quiet && !flagged && !injected)
		return;
	if (c->args->json)
		printf("{\"frame\":%llu,\"buffer\":%u,\"latency_us\":%.1f,\"error\":%.6g,"
		       "\"anomaly\":%d,\"injected\":%d,\"dropped\":%u,\"bytes_copied\":%llu}\n",
		       (unsigned long long)f->sequence, f->index, lat / 1e3,
		       c->autoencoder ? err : 0.0, flagged, injected, f->dropped,
		       (unsigned long long)copied);
	else
		printf("frame %6llu  buffer %2u  latency %8.1f us  %s%-9.3g %s%s dropped %u  "
		       "copied %llu B\n",
		       (unsigned long long)f->sequence, f->index, lat / 1e3,
		       c->autoencoder ? "error " : "", c->autoencoder ? err : 0.0,
		       flagged ? "ANOMALY " : "", injected ? "(injected) " : "", f->dropped,
		       (unsigned long long)copied);
}

/* Writes a frame's bytes to a file (--dump, for checking the camera's picture); 0 or -1. */
static int dump_frame(const char *path, const void *frame, size_t bytes)
{
	FILE *f = fopen(path, "wb");
	int ok = f && fwrite(frame, 1, bytes, f) == bytes;
	if (f && fclose(f) != 0)
		ok = 0;
	if (!ok)
		fprintf(stderr, "edgeml stream: cannot write %s: %s\n", path, strerror(errno));
	return ok ? 0 : -1;
}

/* Processes one dequeued frame: import, run, score, check; returns 0 or -1 on error. */
static int process(stream_ctx *c, const struct edgeml_frame *f, stream_result *r)
{
	const stream_args *a = c->args;
	int fd = a->v4l2 ? c->cam.dmabuf[f->index] : a->replay ? c->replay_fd : c->fds[f->index];
	edgeml_session_stats st = { .struct_size = sizeof(st) };
	if (edgeml_tensor_import_dmabuf(c->in, fd, c->frame_offset, f->bytes_used) != EDGEML_OK ||
	    edgeml_session_run(c->session) != EDGEML_OK ||
	    edgeml_session_stats_get(c->session, &st) != EDGEML_OK) {
		fprintf(stderr, "edgeml stream: frame %llu: %s\n",
			(unsigned long long)f->sequence, edgeml_last_error());
		return -1;
	}
	if (c->cand && shadow(c, fd, f, r) != 0)
		return -1;
	if (r->run_ns)
		r->run_ns[r->frames] = st.last_run_ns;
	double err = 0;
	int flagged = 0, injected = (f->flags & EDGEML_FRAME_ANOMALY) != 0;
	/* A memfd needs (and takes) no dma-buf sync. */
	if (!a->replay && sync_read(fd, 1) != 0) {
		fprintf(stderr, "edgeml stream: dma-buf sync: %s\n", strerror(errno));
		return -1;
	}
	const void *frame = edgeml_tensor_data(c->in);
	if (c->autoencoder) {
		err = mse(edgeml_tensor_data(c->out), frame, c->out_elems);
		flagged = a->threshold > 0 && err > a->threshold;
	}
	/* A camera may stamp a frame with its nominal capture time, a little ahead (vivid). */
	uint64_t done = now_ns(), lat = done > f->timestamp_ns ? done - f->timestamp_ns : 0;
	if (a->verify && ((!a->v4l2 && !a->replay && !frame_is_expected(&c->cfg, f, frame)) ||
			  !same_as_copy(c, frame, f->bytes_used))) {
		fprintf(stderr, "edgeml stream: --verify: frame %llu (buffer %u) differs from "
				"the source's formula or from the result on a copy\n",
			(unsigned long long)f->sequence, f->index);
		r->verify_failures++;
	}
	if (a->dump && r->frames + 1 == a->frames && dump_frame(a->dump, frame, f->bytes_used))
		r->verify_failures++;
	if (!a->replay)
		sync_read(fd, 0);
	r->latency_ns[r->frames++] = lat;
	r->dropped = f->dropped;
	r->bytes_copied += st.bytes_copied_last_run;
	r->buffers_mapped = st.buffers_mapped;
	r->raw_bytes += f->bytes_used;
	r->run_ns_total += (double)st.last_run_ns;
	r->injected += injected;
	r->flagged += flagged;
	r->true_pos += flagged && injected;
	if (injected && err < r->min_anomaly_error)
		r->min_anomaly_error = err;
	if (!injected && err > r->max_clean_error)
		r->max_clean_error = err;
	print_frame(c, f, lat, err, flagged, st.bytes_copied_last_run);
	return 0;
}

/* The camera's loop: dequeue, process, requeue. The frame's sequence numbers tell the frames
 * the driver dropped because no buffer was free. */
static int camera_loop(stream_ctx *c, stream_result *r)
{
	while (r->frames < c->args->frames) {
		eml_v4l2_frame vf;
		if (eml_v4l2_dequeue(&c->cam, &vf) != 0)
			return -1;
		if (r->frames == 0)
			c->cam_first_sequence = vf.sequence;
		uint64_t seen = vf.sequence - c->cam_first_sequence;
		struct edgeml_frame f = {
			.index = vf.index,
			.sequence = vf.sequence,
			.bytes_used = vf.bytes_used,
			.timestamp_ns = vf.timestamp_ns ? vf.timestamp_ns : now_ns(),
			.dropped = seen > r->frames ? (uint32_t)(seen - r->frames) : 0,
		};
		int rc = process(c, &f, r);
		if (eml_v4l2_queue(&c->cam, vf.index) != 0)
			rc = -1;
		if (rc)
			return rc;
	}
	return 0;
}

/* Dequeues, processes and requeues frames until enough were seen; returns 0 or -1. */
static int stream_loop(stream_ctx *c, stream_result *r)
{
	if (c->args->v4l2)
		return camera_loop(c, r);
	if (c->args->replay) {
		for (uint64_t k = 0; r->frames < c->args->frames; k++) {
			struct edgeml_frame f = { .sequence = k,
						  .bytes_used = (uint32_t)c->in_bytes,
						  .timestamp_ns = now_ns() };
			c->frame_offset = (k % c->replay_frames) * c->replay_stride;
			if (process(c, &f, r) != 0)
				return -1;
		}
		return 0;
	}
	while (r->frames < c->args->frames) {
		struct edgeml_frame f = { 0 };
		if (ioctl(c->dev, EDGEML_IOC_DEQUEUE, &f) != 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "edgeml stream: dequeue: %s\n", strerror(errno));
			return -1;
		}
		if (f.index >= c->cfg.num_buffers) {
			fprintf(stderr, "edgeml stream: the device returned buffer %u of %u\n",
				f.index, c->cfg.num_buffers);
			return -1;
		}
		int rc = process(c, &f, r);
		struct edgeml_queue q = { .index = f.index };
		if (ioctl(c->dev, EDGEML_IOC_QUEUE, &q) != 0 && rc == 0) {
			fprintf(stderr, "edgeml stream: queue buffer %u: %s\n", f.index,
				strerror(errno));
			rc = -1;
		}
		if (rc)
			return rc;
	}
	return 0;
}

/* Orders latencies for the percentiles. */
static int cmp_u64(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
	return a < b ? -1 : a > b;
}

/* Median and p99 of n run times, in microseconds (sorts them). */
static void percentiles(uint64_t *ns, uint64_t n, double *p50, double *p99)
{
	qsort(ns, n, sizeof(uint64_t), cmp_u64);
	*p50 = ns[n / 2] / 1e3;
	*p99 = ns[(n * 99 - 1) / 100] / 1e3;
}

/* Shadow mode's report: agreement and both models' run times. */
static void print_shadow(const stream_ctx *c, stream_result *r)
{
	double a50, a99, c50, c99;
	percentiles(r->run_ns, r->frames, &a50, &a99);
	percentiles(r->cand_ns, r->frames, &c50, &c99);
	double pct = 100.0 * (double)r->agree / (double)r->frames;
	if (c->args->json) {
		printf("{\"shadow\":true,\"frames\":%llu,\"argmax_agree\":%llu,"
		       "\"argmax_agree_pct\":%.2f,",
		       (unsigned long long)r->frames, (unsigned long long)r->agree, pct);
		if (r->any_int)
			printf("\"max_diff_lsb\":%.0f,", r->max_lsb);
		if (r->any_float)
			printf("\"max_abs_diff\":%.9g,", isinf(r->max_abs) ? -1.0 : r->max_abs);
		printf("\"active_run_p50_us\":%.1f,\"active_run_p99_us\":%.1f,"
		       "\"candidate_run_p50_us\":%.1f,\"candidate_run_p99_us\":%.1f}\n",
		       a50, a99, c50, c99);
		return;
	}
	printf("shadow: candidate %s vs active %s on the same %llu frames: argmax of output 0 "
	       "agrees on %llu (%.2f%%)",
	       c->args->candidate, c->args->model, (unsigned long long)r->frames,
	       (unsigned long long)r->agree, pct);
	if (r->any_int)
		printf(", max |diff| %.0f LSB (integer outputs)", r->max_lsb);
	if (r->any_float)
		printf(", max |diff| %.9g (float outputs)", r->max_abs);
	printf("\nshadow: model run p50/p99: active %.1f/%.1f us, candidate %.1f/%.1f us\n", a50,
	       a99, c50, c99);
}

/* Prints the summary: latency percentiles, drops, copies, detection and bandwidth. */
static void print_summary(const stream_ctx *c, stream_result *r, double wall_s)
{
	if (c->cand)
		print_shadow(c, r);
	qsort(r->latency_ns, r->frames, sizeof(uint64_t), cmp_u64);
	double med = r->latency_ns[r->frames / 2] / 1e3;
	double p99 = r->latency_ns[(r->frames * 99 - 1) / 100] / 1e3;
	double run_us = r->run_ns_total / (double)r->frames / 1e3;
	uint64_t up = r->flagged * sizeof(anomaly_event);
	double precision = r->flagged ? (double)r->true_pos / (double)r->flagged : 1.0;
	double recall = r->injected ? (double)r->true_pos / (double)r->injected : 1.0;
	double ratio = up ? (double)r->raw_bytes / (double)up : 0;
	if (c->args->json) {
		printf("{\"summary\":true,\"frames\":%llu,\"wall_s\":%.3f,\"latency_median_us\":%.1f,"
		       "\"latency_p99_us\":%.1f,\"run_mean_us\":%.1f,\"dropped\":%llu,"
		       "\"bytes_copied_total\":%llu,\"buffers_mapped\":%llu,\"verify_failures\":%llu,"
		       "\"anomalies_injected\":%llu,\"anomalies_found\":%llu,\"true_positives\":%llu,"
		       "\"precision\":%.4f,\"recall\":%.4f,\"max_clean_error\":%.6g,"
		       "\"min_anomaly_error\":%.6g,\"raw_bytes\":%llu,\"upstream_bytes\":%llu,"
		       "\"bandwidth_ratio\":%.1f}\n",
		       (unsigned long long)r->frames, wall_s, med, p99, run_us,
		       (unsigned long long)r->dropped, (unsigned long long)r->bytes_copied,
		       (unsigned long long)r->buffers_mapped, (unsigned long long)r->verify_failures, (unsigned long long)r->injected,
		       (unsigned long long)r->flagged, (unsigned long long)r->true_pos, precision,
		       recall, r->max_clean_error, r->injected ? r->min_anomaly_error : 0,
		       (unsigned long long)r->raw_bytes, (unsigned long long)up, ratio);
		return;
	}
	printf("\n%llu frames in %.2f s (%.0f/s), %llu dropped by the ring; latency capture to "
	       "result: median %.1f us, p99 %.1f us; model run %.1f us mean\n"
	       "bytes copied: %llu in total (frames imported in place)%s\n",
	       (unsigned long long)r->frames, wall_s, (double)r->frames / wall_s,
	       (unsigned long long)r->dropped, med, p99, run_us,
	       (unsigned long long)r->bytes_copied,
	       c->args->verify ? (r->verify_failures ? "; VERIFY FAILED" : "; verified") : "");
	if (!c->autoencoder)
		return;
	printf("anomalies: %llu found, %llu injected, %llu true positives: precision %.3f, "
	       "recall %.3f (clean error max %.3g, anomaly error min %.3g, threshold %.3g)\n"
	       "upstream: %llu bytes of %zu-byte anomaly events instead of %llu raw bytes "
	       "(%.0fx less)\n",
	       (unsigned long long)r->flagged, (unsigned long long)r->injected,
	       (unsigned long long)r->true_pos, precision, recall, r->max_clean_error,
	       r->injected ? r->min_anomaly_error : 0, c->args->threshold,
	       (unsigned long long)up, sizeof(anomaly_event), (unsigned long long)r->raw_bytes,
	       ratio);
}

/* "int8[1,10]" into buf. */
static const char *describe(const edgeml_tensor_info *t, char *buf, size_t size)
{
	int n = snprintf(buf, size, "%s[", edgeml_dtype_name(t->dtype));
	for (uint32_t i = 0; i < t->rank && n > 0 && (size_t)n < size; i++)
		n += snprintf(buf + n, size - (size_t)n, "%s%lld", i ? "," : "",
			      (long long)t->dims[i]);
	if (n > 0 && (size_t)n < size)
		snprintf(buf + n, size - (size_t)n, "]");
	return buf;
}

/* Whether two tensors have the same dtype and shape. */
static int same_shape(const edgeml_tensor_info *x, const edgeml_tensor_info *y)
{
	if (x->dtype != y->dtype || x->rank != y->rank || x->size_bytes != y->size_bytes)
		return 0;
	for (uint32_t i = 0; i < x->rank; i++)
		if (x->dims[i] != y->dims[i])
			return 0;
	return 1;
}

/* Opens --candidate and checks that it takes the active model's input and gives outputs of
 * the same count, dtypes and shapes; returns 0, or -1 after saying what differs. */
static int open_candidate(stream_ctx *c, edgeml_context *ctx, const edgeml_model *active,
			  const edgeml_tensor_info *in)
{
	const char *cand = c->args->candidate;
	edgeml_tensor_info ci, ai, co;
	char d1[160], d2[160];
	if (edgeml_model_load_file(ctx, cand, &c->cand_model) != EDGEML_OK ||
	    edgeml_session_create(c->cand_model, NULL, &c->cand) != EDGEML_OK ||
	    edgeml_session_input(c->cand, 0, &c->cand_in) != EDGEML_OK ||
	    edgeml_tensor_info_get(c->cand_in, &ci) != EDGEML_OK) {
		fprintf(stderr, "edgeml stream: --candidate %s: %s\n", cand, edgeml_last_error());
		return -1;
	}
	if (edgeml_model_input_count(c->cand_model) != 1 || !same_shape(in, &ci)) {
		fprintf(stderr, "edgeml stream: --candidate %s takes %zu input(s), the first %s; "
				"it must take the active model's one input %s\n",
			cand, edgeml_model_input_count(c->cand_model), describe(&ci, d1, sizeof(d1)),
			describe(in, d2, sizeof(d2)));
		return -1;
	}
	c->n_outputs = edgeml_model_output_count(active);
	if (edgeml_model_output_count(c->cand_model) != c->n_outputs) {
		fprintf(stderr, "edgeml stream: --candidate %s has %zu outputs, the active model "
				"%zu: shadow mode compares outputs of the same count, shape and dtype\n",
			cand, edgeml_model_output_count(c->cand_model), c->n_outputs);
		return -1;
	}
	for (size_t o = 0; o < c->n_outputs; o++) {
		edgeml_tensor *ta, *tc;
		if (edgeml_session_output(c->session, o, &ta) != EDGEML_OK ||
		    edgeml_session_output(c->cand, o, &tc) != EDGEML_OK ||
		    edgeml_tensor_info_get(ta, &ai) != EDGEML_OK ||
		    edgeml_tensor_info_get(tc, &co) != EDGEML_OK) {
			fprintf(stderr, "edgeml stream: --candidate %s: %s\n", cand,
				edgeml_last_error());
			return -1;
		}
		if (!same_shape(&ai, &co)) {
			fprintf(stderr, "edgeml stream: --candidate %s: output %zu '%s' is %s, but "
					"the active model's '%s' is %s: shadow mode compares outputs "
					"of the same shape and dtype\n",
				cand, o, co.name, describe(&co, d1, sizeof(d1)), ai.name,
				describe(&ai, d2, sizeof(d2)));
			return -1;
		}
	}
	return 0;
}

/* Opens the model and the session(s) and checks the model against the source. */
static int open_model(stream_ctx *c, edgeml_context *ctx, edgeml_model **model)
{
	const stream_args *a = c->args;
	edgeml_tensor_info in, out;
	if (edgeml_model_load_file(ctx, a->model, model) != EDGEML_OK ||
	    edgeml_session_create(*model, NULL, &c->session) != EDGEML_OK ||
	    edgeml_session_input(c->session, 0, &c->in) != EDGEML_OK ||
	    edgeml_session_output(c->session, 0, &c->out) != EDGEML_OK ||
	    (a->verify && (edgeml_session_create(*model, NULL, &c->check) != EDGEML_OK ||
			   edgeml_session_input(c->check, 0, &c->check_in) != EDGEML_OK ||
			   edgeml_session_output(c->check, 0, &c->check_out) != EDGEML_OK))) {
		fprintf(stderr, "edgeml stream: %s: %s\n", a->model, edgeml_last_error());
		return -1;
	}
	edgeml_tensor_info_get(c->in, &in);
	edgeml_tensor_info_get(c->out, &out);
	if (edgeml_model_input_count(*model) != 1) {
		fprintf(stderr, "edgeml stream: %s has %zu inputs; a sensor feeds one\n", a->model,
			edgeml_model_input_count(*model));
		return -1;
	}
	c->autoencoder = in.dtype == EDGEML_DTYPE_FLOAT32 && out.dtype == in.dtype &&
			 out.size_bytes == in.size_bytes;
	c->out_elems = out.size_bytes / sizeof(float);
	if (a->threshold > 0 && !c->autoencoder) {
		fprintf(stderr, "edgeml stream: --threshold needs a model whose float32 output "
				"has its input's shape (an autoencoder)\n");
		return -1;
	}
	c->in_bytes = in.size_bytes;
	if (a->candidate && open_candidate(c, ctx, *model, &in) != 0)
		return -1;
	if (a->replay)
		return 0;
	edgeml_image_input_info im;
	if (a->v4l2 && edgeml_model_input_image(*model, 0, &im) == EDGEML_OK)
		return camera_image_config(a, &im, &c->cam_width, &c->cam_height, &c->cam_format,
					   &c->cam_bpp);
	if (a->v4l2)
		return camera_config(a, &in, &c->cam_width, &c->cam_height, &c->cam_format,
				     &c->cam_bpp);
	return ring_config(a, &in, &c->cfg);
}

/* --replay: reads the frames and copies them into a memfd sealed against shrinking, each at
 * a 64-byte aligned offset (what edgeml_tensor_import_dmabuf asks); returns 0 or -1. */
static int open_replay(stream_ctx *c)
{
	const char *path = c->args->replay;
	edgeml_tensor_info in;
	eml_npy npy = { 0 };
	char d[160];
	edgeml_tensor_info_get(c->in, &in);
	if (eml_npy_read_file(path, &npy) != EDGEML_OK) {
		fprintf(stderr, "edgeml stream: --replay %s: %s\n", path, edgeml_last_error());
		return -1;
	}
	if (npy.dtype != in.dtype || npy.size == 0 || npy.size % in.size_bytes) {
		fprintf(stderr, "edgeml stream: --replay %s holds %zu bytes of %s: not whole "
				"frames of input '%s' %s (%zu bytes)\n",
			path, npy.size, edgeml_dtype_name(npy.dtype), in.name,
			describe(&in, d, sizeof(d)), in.size_bytes);
		eml_npy_free(&npy);
		return -1;
	}
	c->replay_frames = npy.size / in.size_bytes;
	c->replay_stride = (in.size_bytes + 63) / 64 * 64;
	c->replay_fd = memfd_create("edgeml-replay", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	int ok = c->replay_fd >= 0 &&
		 ftruncate(c->replay_fd, (off_t)(c->replay_frames * c->replay_stride)) == 0;
	for (uint64_t k = 0; ok && k < c->replay_frames; k++)
		ok = pwrite(c->replay_fd, (const uint8_t *)npy.data + k * in.size_bytes,
			    in.size_bytes, (off_t)(k * c->replay_stride)) == (ssize_t)in.size_bytes;
	if (ok)
		ok = fcntl(c->replay_fd, F_ADD_SEALS, F_SEAL_SHRINK) == 0;
	if (!ok)
		fprintf(stderr, "edgeml stream: --replay %s: memfd: %s\n", path, strerror(errno));
	eml_npy_free(&npy);
	return ok ? 0 : -1;
}

/* Opens the device and starts the ring; returns 0 or -1. */
static int start_ring(stream_ctx *c)
{
	if (c->args->replay)
		return open_replay(c);
	if (c->args->v4l2) {
		c->cam_open = 1;
		return eml_v4l2_open(&c->cam, c->args->v4l2, c->cam_width, c->cam_height,
				     c->cam_format, c->cam_bpp, c->args->buffers);
	}
	c->dev = open(c->args->device, O_RDWR | O_CLOEXEC);
	if (c->dev < 0) {
		fprintf(stderr, "edgeml stream: cannot open %s: %s\n", c->args->device,
			strerror(errno));
		return -1;
	}
	c->cfg.fds_ptr = (uintptr_t)c->fds;
	if (ioctl(c->dev, EDGEML_IOC_RING_START, &c->cfg) != 0) {
		fprintf(stderr, "edgeml stream: starting a %u-buffer ring of %u-byte frames on %s: "
				"%s\n",
			c->cfg.num_buffers, c->cfg.frame_bytes, c->args->device, strerror(errno));
		return -1;
	}
	return 0;
}

int edgeml_args_stream(int argc, char **argv)
{
	stream_args a;
	int rc = parse_args(argc, argv, &a);
	return rc < 0 ? 0 : rc == 0 ? -1 : rc;
}

int edgeml_cmd_stream(int argc, char **argv)
{
	stream_args a;
	int rc = parse_args(argc, argv, &a);
	if (rc)
		return rc < 0 ? 0 : rc;
	stream_ctx c = { .args = &a, .dev = -1, .replay_fd = -1 };
	stream_result r = { .min_anomaly_error = HUGE_VAL };
	edgeml_context *ctx = NULL;
	edgeml_model *model = NULL;
	uint32_t started = 0;
	rc = 1;
	r.latency_ns = malloc(a.frames * sizeof(uint64_t));
	if (a.candidate) {
		r.run_ns = malloc(a.frames * sizeof(uint64_t));
		r.cand_ns = malloc(a.frames * sizeof(uint64_t));
	}
	if (!r.latency_ns || (a.candidate && (!r.run_ns || !r.cand_ns))) {
		fprintf(stderr, "edgeml stream: out of memory for %llu frames\n",
			(unsigned long long)a.frames);
	} else if (edgeml_context_create(&ctx) != EDGEML_OK) {
		fprintf(stderr, "edgeml stream: %s\n", edgeml_last_error());
	} else if (open_model(&c, ctx, &model) == 0 && start_ring(&c) == 0) {
		started = a.v4l2 ? 0 : c.cfg.num_buffers;
		uint64_t t0 = now_ns();
		if (stream_loop(&c, &r) == 0) {
			print_summary(&c, &r, (double)(now_ns() - t0) / 1e9);
			rc = r.verify_failures ? 1 : 0;
		}
	}
	/* The session holds its own duplicates of the imported fds: close ours. */
	for (uint32_t i = 0; i < started; i++)
		close(c.fds[i]);
	if (c.dev >= 0)
		close(c.dev);
	if (c.cam_open)
		eml_v4l2_close(&c.cam);
	if (c.replay_fd >= 0)
		close(c.replay_fd);
	edgeml_session_destroy(c.cand);
	edgeml_model_free(c.cand_model);
	edgeml_session_destroy(c.check);
	edgeml_session_destroy(c.session);
	edgeml_model_free(model);
	edgeml_context_destroy(ctx);
	free(r.latency_ns);
	free(r.run_ns);
	free(r.cand_ns);
	return rc;
}
