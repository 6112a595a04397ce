/* v4l2_capture.h — a V4L2 camera as a stream of dma-bufs: streaming I/O with MMAP buffers,
 * each exported once as a dma-buf (VIDIOC_EXPBUF) so that a model input imports it in place.
 * No conversion: the capture format is set to the model input's format and must come back
 * exactly, else opening fails with a message naming both. */
#ifndef EML_TOOLS_V4L2_CAPTURE_H
#define EML_TOOLS_V4L2_CAPTURE_H

#include <stdint.h>

#define EML_V4L2_MAX_BUFFERS 32

typedef struct eml_v4l2_capture {
	int fd;				    /* the video device */
	uint32_t count;			    /* buffers the driver gave */
	int dmabuf[EML_V4L2_MAX_BUFFERS];   /* each buffer exported as a dma-buf */
	uint32_t width, height, pixelformat, sizeimage;
	int streaming;
} eml_v4l2_capture;

/* One dequeued frame. */
typedef struct eml_v4l2_frame {
	uint32_t index, bytes_used, sequence;
	uint64_t timestamp_ns; /* CLOCK_MONOTONIC, or 0 when the driver uses another clock */
} eml_v4l2_frame;

/* The pixel format of a uint8 frame of `channels` bytes per pixel as V4L2 names it, from a
 * name (yuyv, rgb24, bgr24, grey, nv12: its Y rows are 1 byte a pixel); 0 when the name is
 * unknown. */
uint32_t eml_v4l2_format_from_name(const char *name, uint32_t *bytes_per_pixel);

/* Opens `path`, sets the capture format to width x height of `pixelformat`, packed rows of
 * width * bytes_per_pixel bytes, allocates and queues `buffers` buffers, exports them, starts
 * streaming. Returns 0, or prints why not (naming the device's format and the wanted one when
 * they differ) and returns -1; eml_v4l2_close() is then still to be called. */
int eml_v4l2_open(eml_v4l2_capture *cap, const char *path, uint32_t width, uint32_t height,
		  uint32_t pixelformat, uint32_t bytes_per_pixel, uint32_t buffers);

/* Waits for the next filled buffer; 0 or -1 after printing why. */
int eml_v4l2_dequeue(eml_v4l2_capture *cap, eml_v4l2_frame *frame);

/* Gives a buffer back to the driver; 0 or -1 after printing why. */
int eml_v4l2_queue(eml_v4l2_capture *cap, uint32_t index);

/* Stops streaming, closes the exported dma-bufs and the device. To be called after every
 * eml_v4l2_open(), whether it succeeded or not. */
void eml_v4l2_close(eml_v4l2_capture *cap);

#endif
