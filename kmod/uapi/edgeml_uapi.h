/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * edgeml kernel module UAPI: dma-buf allocation and sensor rings on /dev/edgeml.
 *
 * Shared by the module (kmod/) and user space (the edgeml runtime, tests/kmod/).
 * docs/kmod.md describes the lifetimes and the synthetic frame contents in full.
 */
#ifndef _UAPI_EDGEML_H
#define _UAPI_EDGEML_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define EDGEML_IOC_MAGIC	0xED

/* Flags for &edgeml_alloc.flags and &edgeml_ring_start.flags. */
#define EDGEML_FD_CLOEXEC	0x1U	/* returned dma-buf fds get O_CLOEXEC */
/* &edgeml_ring_start.flags, vibration only: float32 samples (see below) instead of int16. */
#define EDGEML_RING_VIB_F32	0x2U

/* Values for &edgeml_ring_start.source. */
#define EDGEML_SOURCE_IMAGE	1	/* synthetic uint8 image gradient */
#define EDGEML_SOURCE_VIBRATION	2	/* synthetic int16 vibration signal */
#define EDGEML_SOURCE_DRIVER	3	/* frames pushed by a registered in-kernel sensor driver */

/* Bits of &edgeml_frame.flags. */
#define EDGEML_FRAME_ANOMALY	0x1U	/* an anomaly was injected into this frame */

/* Shortest frame interval a ring accepts: 20 kHz keeps the producer from starving the CPU. */
#define EDGEML_MIN_INTERVAL_NS	50000ULL
/* Longest frame interval: one minute. */
#define EDGEML_MAX_INTERVAL_NS	60000000000ULL
#define EDGEML_MAX_IMAGE_CHANNELS	4
#define EDGEML_MAX_VIBRATION_CHANNELS	8
#define EDGEML_MAX_ANOMALY_GAIN		16

/*
 * Synthetic image (uint8, height x width x channels, interleaved): the byte of pixel (y, x),
 * channel c is (x + 2 * y + 64 * c + sequence) mod 256, except that bytes 0..7 hold the
 * sequence number, little-endian. Payload: width * height * channels bytes, at least 8.
 *
 * Synthetic vibration signal (int16 in CPU byte order, channels interleaved), payload
 * width * channels * 2 bytes.
 * For sample n of the frame and channel c, u = sequence * width + n + 16 * c (unsigned
 * 64-bit arithmetic) and
 *   tone(u, P, A) = s * (A * 16 * q / (5 * P * P - 4 * q)), q = p * (P - p), p = u mod P,
 *                   s = +1 when u / P is even, else -1
 *                   (Bhaskara's integer sine of period 2P and amplitude A; / truncates)
 *   x = tone(u, EDGEML_VIB_P1, EDGEML_VIB_A1) + tone(u, EDGEML_VIB_P2, EDGEML_VIB_A2)
 *   anomalous frames: x = x * anomaly_gain, saturated to [-32768, 32767]
 * With %EDGEML_RING_VIB_F32 each sample is instead the float32 x / 32768 (exact: every int16
 * scaled by 2^-15 is a float32), payload width * channels * 4 bytes: the format a model with
 * a float input consumes in place.
 */
#define EDGEML_VIB_P1	32	/* half period, samples: 64-sample fundamental */
#define EDGEML_VIB_A1	6000
#define EDGEML_VIB_P2	5	/* half period, samples: 10-sample harmonic */
#define EDGEML_VIB_A2	1500

/**
 * struct edgeml_alloc - argument of %EDGEML_IOC_ALLOC
 * @size: in: bytes, 1 to the module's max_buffer_kb * 1024; rounded up to whole pages
 * @flags: in: 0 or %EDGEML_FD_CLOEXEC
 * @fd: out: the new dma-buf, zero-filled, mappable with mmap(MAP_SHARED)
 * @reserved: in: must be zero
 */
struct edgeml_alloc {
	__u64 size;
	__u32 flags;
	__s32 fd;
	__u64 reserved;
};

/**
 * struct edgeml_ring_start - argument of %EDGEML_IOC_RING_START
 * @source: in: %EDGEML_SOURCE_IMAGE, %EDGEML_SOURCE_VIBRATION or %EDGEML_SOURCE_DRIVER
 * @flags: in: %EDGEML_FD_CLOEXEC, and %EDGEML_RING_VIB_F32 for a vibration source
 * @num_buffers: in: 2 to the module's max_ring_buffers
 * @frame_bytes: in: size of each buffer, at least the payload of one frame and at most
 *	max_buffer_kb * 1024; rounded up to whole pages
 * @interval_ns: in: frame period, %EDGEML_MIN_INTERVAL_NS to %EDGEML_MAX_INTERVAL_NS
 *	(frame rate = 1e9 / interval_ns)
 * @width: in: image: pixels per row; vibration: samples per channel per frame
 * @height: in: image: rows; vibration: must be 1
 * @channels: in: image: 1 to %EDGEML_MAX_IMAGE_CHANNELS interleaved (HWC);
 *	vibration: 1 to %EDGEML_MAX_VIBRATION_CHANNELS interleaved
 * @anomaly_period: in: vibration only: frames whose sequence % anomaly_period equals
 *	@anomaly_offset are anomalous; 0 for none (then @anomaly_offset, @anomaly_gain are 0)
 * @anomaly_offset: in: less than @anomaly_period
 * @anomaly_gain: in: 2 to %EDGEML_MAX_ANOMALY_GAIN, amplitude factor of anomalous frames
 * @fds_ptr: in: user pointer to an array of @num_buffers __s32; out there: the dma-buf fd
 *	of each buffer index (undefined content when the ioctl fails)
 * @reserved: in: must be zero
 *
 * For %EDGEML_SOURCE_DRIVER, @width, @height, @channels and @interval_ns are handed to the
 * registered driver, which validates them; the anomaly fields must be zero.
 */
struct edgeml_ring_start {
	__u32 source;
	__u32 flags;
	__u32 num_buffers;
	__u32 frame_bytes;
	__u64 interval_ns;
	__u32 width;
	__u32 height;
	__u32 channels;
	__u32 anomaly_period;
	__u32 anomaly_offset;
	__u32 anomaly_gain;
	__u64 fds_ptr;
	__u64 reserved[2];
};

/**
 * struct edgeml_queue - argument of %EDGEML_IOC_QUEUE
 * @index: in: buffer index, as in the fds array of %EDGEML_IOC_RING_START
 * @flags: in: must be zero
 */
struct edgeml_queue {
	__u32 index;
	__u32 flags;
};

/**
 * struct edgeml_frame - argument of %EDGEML_IOC_DEQUEUE
 * @index: out: buffer index holding the frame
 * @flags: out: %EDGEML_FRAME_ANOMALY or 0
 * @sequence: out: 0 for the first frame of the ring, then +1 per delivered frame
 * @timestamp_ns: out: CLOCK_MONOTONIC time the frame was captured
 * @bytes_used: out: payload bytes at the start of the buffer
 * @dropped: out: frames the ring dropped so far because no buffer was queued (saturates)
 * @reserved: in: must be zero; out: zero
 */
struct edgeml_frame {
	__u32 index;
	__u32 flags;
	__u64 sequence;
	__u64 timestamp_ns;
	__u32 bytes_used;
	__u32 dropped;
	__u64 reserved;
};

/**
 * DOC: ioctls of /dev/edgeml
 *
 * A wrong argument size gives a different request number, hence -ENOTTY, as does any
 * unknown request.
 *
 * %EDGEML_IOC_ALLOC: allocate a standalone dma-buf.
 * Errors: -EINVAL (size 0, unknown flags, reserved nonzero), -E2BIG (above max_buffer_kb),
 * -EDQUOT (this open file has max_file_allocs buffers alive), -ENOSPC (max_allocs buffers
 * alive system-wide; a buffer counts until its last fd, mapping or importer is gone, also
 * after the file that made it is closed), -ENOMEM, -EMFILE, -EFAULT. mmap() of any
 * dma-buf of this module needs MAP_SHARED (else -EINVAL) and must lie within the buffer.
 *
 * %EDGEML_IOC_RING_START: start this open file's ring (one per open file). Allocates the
 * buffers, writes one dma-buf fd per buffer to @fds_ptr, queues every buffer, starts the
 * source. Errors: -EINVAL (any field out of range, unknown source or flags, reserved
 * nonzero, @frame_bytes below the payload), -E2BIG (above max_buffer_kb or
 * max_ring_buffers), -EBUSY (this file's ring already runs, or max_rings rings run),
 * -EDQUOT (the caller's effective uid runs max_user_rings rings), -ENODEV
 * (%EDGEML_SOURCE_DRIVER with no driver registered), the driver's own error from its start
 * callback, -ENOMEM, -EMFILE, -EFAULT.
 *
 * %EDGEML_IOC_QUEUE: give a buffer back to the ring for filling.
 * Errors: -EINVAL (no ring running, index out of range, flags nonzero, buffer already
 * queued or not yet dequeued), -EFAULT.
 *
 * %EDGEML_IOC_DEQUEUE: take the oldest filled frame. Blocks unless the file is O_NONBLOCK;
 * poll() reports EPOLLIN when a frame is ready (EPOLLERR when no ring runs).
 * Errors: -EINVAL (no ring running, or it was stopped while waiting; reserved nonzero),
 * -EAGAIN (O_NONBLOCK and no frame ready), -EINTR / restart (signal), -EFAULT.
 *
 * %EDGEML_IOC_RING_STOP: stop the source and drop the ring's references to its buffers;
 * dma-buf fds still held by user space stay valid. Errors: -EINVAL (no ring running).
 */
#define EDGEML_IOC_ALLOC	_IOWR(EDGEML_IOC_MAGIC, 0x01, struct edgeml_alloc)
#define EDGEML_IOC_RING_START	_IOWR(EDGEML_IOC_MAGIC, 0x02, struct edgeml_ring_start)
#define EDGEML_IOC_QUEUE	_IOW(EDGEML_IOC_MAGIC, 0x03, struct edgeml_queue)
#define EDGEML_IOC_DEQUEUE	_IOWR(EDGEML_IOC_MAGIC, 0x04, struct edgeml_frame)
#define EDGEML_IOC_RING_STOP	_IO(EDGEML_IOC_MAGIC, 0x05)

#endif /* _UAPI_EDGEML_H */
