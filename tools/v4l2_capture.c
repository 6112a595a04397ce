/* v4l2_capture.c — V4L2 streaming capture whose buffers are exported as dma-bufs. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/videodev2.h>

#include "v4l2_capture.h"

/* ioctl retried on EINTR. */
static int xioctl(int fd, unsigned long req, void *arg)
{
	int rc;
	do
		rc = ioctl(fd, req, arg);
	while (rc != 0 && errno == EINTR);
	return rc;
}

/* A fourcc as text ("YUYV"); non-printable bytes become '?'. */
static const char *fourcc(uint32_t f, char buf[5])
{
	for (int i = 0; i < 4; i++) {
		char ch = (char)((f >> (8 * i)) & 0xff);
		buf[i] = ch >= 32 && ch < 127 ? ch : '?';
	}
	buf[4] = 0;
	return buf;
}

uint32_t eml_v4l2_format_from_name(const char *name, uint32_t *bytes_per_pixel)
{
	static const struct {
		const char *name;
		uint32_t format, bpp;
	} known[] = { { "yuyv", V4L2_PIX_FMT_YUYV, 2 },
		      /* single-planar NV12: rows of the Y plane are width bytes */
		      { "nv12", V4L2_PIX_FMT_NV12, 1 },
		      { "rgb24", V4L2_PIX_FMT_RGB24, 3 },
		      { "bgr24", V4L2_PIX_FMT_BGR24, 3 },
		      { "grey", V4L2_PIX_FMT_GREY, 1 } };
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(name, known[i].name) == 0) {
			*bytes_per_pixel = known[i].bpp;
			return known[i].format;
		}
	return 0;
}

/* Sets the format and checks that the driver took it exactly: no conversion exists yet, so a
 * frame in any other layout could not be imported as the model's input. */
static int set_format(eml_v4l2_capture *cap, const char *path, uint32_t width, uint32_t height,
		      uint32_t pixelformat, uint32_t bpp)
{
	struct v4l2_format fmt = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE };
	fmt.fmt.pix.width = width;
	fmt.fmt.pix.height = height;
	fmt.fmt.pix.pixelformat = pixelformat;
	fmt.fmt.pix.field = V4L2_FIELD_NONE;
	fmt.fmt.pix.bytesperline = width * bpp;
	char want[5], got[5];
	if (xioctl(cap->fd, VIDIOC_S_FMT, &fmt) != 0) {
		fprintf(stderr, "edgeml stream: %s: cannot set the capture format %s %ux%u: %s\n",
			path, fourcc(pixelformat, want), width, height, strerror(errno));
		return -1;
	}
	const struct v4l2_pix_format *p = &fmt.fmt.pix;
	if (p->pixelformat != pixelformat || p->width != width || p->height != height ||
	    p->bytesperline != width * bpp ||
	    (p->field != V4L2_FIELD_NONE && p->field != V4L2_FIELD_ANY)) {
		fprintf(stderr,
			"edgeml stream: %s captures %s %ux%u (%u bytes a row, field %u), but the "
			"model input wants %s %ux%u (%u bytes a row, progressive): frames are "
			"imported as they are, without conversion, so the formats must match\n",
			path, fourcc(p->pixelformat, got), p->width, p->height, p->bytesperline,
			p->field, fourcc(pixelformat, want), width, height, width * bpp);
		return -1;
	}
	cap->width = width;
	cap->height = height;
	cap->pixelformat = pixelformat;
	cap->sizeimage = p->sizeimage;
	return 0;
}

/* Requests MMAP buffers, exports each as a dma-buf and queues it. */
static int setup_buffers(eml_v4l2_capture *cap, const char *path, uint32_t buffers)
{
	struct v4l2_requestbuffers req = { .count = buffers,
					   .type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
					   .memory = V4L2_MEMORY_MMAP };
	if (xioctl(cap->fd, VIDIOC_REQBUFS, &req) != 0) {
		fprintf(stderr, "edgeml stream: %s: cannot allocate %u buffers: %s\n", path, buffers,
			strerror(errno));
		return -1;
	}
	if (req.count < 2 || req.count > EML_V4L2_MAX_BUFFERS) {
		fprintf(stderr, "edgeml stream: %s gave %u buffers; 2 to %u are needed\n", path,
			req.count, EML_V4L2_MAX_BUFFERS);
		cap->count = req.count > EML_V4L2_MAX_BUFFERS ? 0 : req.count;
		return -1;
	}
	cap->count = req.count;
	for (uint32_t i = 0; i < cap->count; i++) {
		struct v4l2_exportbuffer exp = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
						 .index = i,
						 .flags = O_RDONLY | O_CLOEXEC };
		if (xioctl(cap->fd, VIDIOC_EXPBUF, &exp) != 0) {
			fprintf(stderr, "edgeml stream: %s: cannot export buffer %u as a dma-buf "
					"(VIDIOC_EXPBUF): %s\n",
				path, i, strerror(errno));
			return -1;
		}
		cap->dmabuf[i] = exp.fd;
		if (eml_v4l2_queue(cap, i) != 0)
			return -1;
	}
	return 0;
}

int eml_v4l2_open(eml_v4l2_capture *cap, const char *path, uint32_t width, uint32_t height,
		  uint32_t pixelformat, uint32_t bytes_per_pixel, uint32_t buffers)
{
	*cap = (eml_v4l2_capture){ .fd = -1 };
	for (uint32_t i = 0; i < EML_V4L2_MAX_BUFFERS; i++)
		cap->dmabuf[i] = -1;
	cap->fd = open(path, O_RDWR | O_CLOEXEC);
	if (cap->fd < 0) {
		fprintf(stderr, "edgeml stream: cannot open %s: %s\n", path, strerror(errno));
		return -1;
	}
	struct v4l2_capability caps = { 0 };
	if (xioctl(cap->fd, VIDIOC_QUERYCAP, &caps) != 0) {
		fprintf(stderr, "edgeml stream: %s is not a V4L2 device: %s\n", path,
			strerror(errno));
		return -1;
	}
	uint32_t dev_caps = caps.capabilities & V4L2_CAP_DEVICE_CAPS ? caps.device_caps :
								       caps.capabilities;
	if (!(dev_caps & V4L2_CAP_VIDEO_CAPTURE) || !(dev_caps & V4L2_CAP_STREAMING)) {
		fprintf(stderr, "edgeml stream: %s (%.32s) is not a single-planar video capture "
				"device with streaming I/O\n",
			path, (const char *)caps.card);
		return -1;
	}
	if (set_format(cap, path, width, height, pixelformat, bytes_per_pixel) != 0 ||
	    setup_buffers(cap, path, buffers) != 0)
		return -1;
	enum v4l2_buf_type type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	if (xioctl(cap->fd, VIDIOC_STREAMON, &type) != 0) {
		fprintf(stderr, "edgeml stream: %s: cannot start streaming: %s\n", path,
			strerror(errno));
		return -1;
	}
	cap->streaming = 1;
	return 0;
}

int eml_v4l2_dequeue(eml_v4l2_capture *cap, eml_v4l2_frame *frame)
{
	struct v4l2_buffer b = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE, .memory = V4L2_MEMORY_MMAP };
	do {
		if (xioctl(cap->fd, VIDIOC_DQBUF, &b) != 0) {
			fprintf(stderr, "edgeml stream: dequeue a camera buffer: %s\n",
				strerror(errno));
			return -1;
		}
		/* A buffer the driver flags as corrupt is handed straight back. */
		if (b.flags & V4L2_BUF_FLAG_ERROR) {
			if (eml_v4l2_queue(cap, b.index) != 0)
				return -1;
			continue;
		}
		break;
	} while (1);
	if (b.index >= cap->count) {
		fprintf(stderr, "edgeml stream: the camera returned buffer %u of %u\n", b.index,
			cap->count);
		return -1;
	}
	int monotonic = (b.flags & V4L2_BUF_FLAG_TIMESTAMP_MASK) ==
			V4L2_BUF_FLAG_TIMESTAMP_MONOTONIC;
	*frame = (eml_v4l2_frame){
		.index = b.index,
		.bytes_used = b.bytesused,
		.sequence = b.sequence,
		.timestamp_ns = monotonic ? (uint64_t)b.timestamp.tv_sec * 1000000000u +
						    (uint64_t)b.timestamp.tv_usec * 1000u :
					    0,
	};
	return 0;
}

int eml_v4l2_queue(eml_v4l2_capture *cap, uint32_t index)
{
	struct v4l2_buffer b = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
				 .memory = V4L2_MEMORY_MMAP,
				 .index = index };
	if (xioctl(cap->fd, VIDIOC_QBUF, &b) != 0) {
		fprintf(stderr, "edgeml stream: queue camera buffer %u: %s\n", index,
			strerror(errno));
		return -1;
	}
	return 0;
}

void eml_v4l2_close(eml_v4l2_capture *cap)
{
	if (cap->streaming) {
		enum v4l2_buf_type type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
		xioctl(cap->fd, VIDIOC_STREAMOFF, &type);
		cap->streaming = 0;
	}
	for (uint32_t i = 0; i < EML_V4L2_MAX_BUFFERS; i++)
		if (cap->dmabuf[i] >= 0) {
			close(cap->dmabuf[i]);
			cap->dmabuf[i] = -1;
		}
	if (cap->fd >= 0)
		close(cap->fd);
	cap->fd = -1;
}
