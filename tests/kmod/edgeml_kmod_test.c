// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of the edgeml kernel module, run as a static program inside a QEMU VM by init.sh:
 * loads edgeml.ko itself, exercises dma-bufs, rings, the error table and load/unload cycles,
 * checks the kernel log, and prints "N passed, M failed".
 *
 * Usage: edgeml_kmod_test EDGEML_KO TEST_SENSOR_KO [RACE_ITERS [SEED]]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/klog.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/dma-buf.h>

#include "edgeml_uapi.h"
#include "vm_helpers.h"

#define DEV_PATH "/dev/edgeml"
/* Limits the module is loaded with, small so that the limit checks are cheap to reach. */
#define LIMIT_PARAMS "max_buffer_kb=1024 max_ring_buffers=8 max_rings=2"
#define LIMIT_BUFFER_BYTES (1024ULL * 1024)
#define LIMIT_RING_BUFFERS 8
#define STREAM_FRAMES 1000
#define LOAD_CYCLES 100
/* Race loop iterations per source unless argv[3] says otherwise; longest random stop delay. */
#define RACE_ITERS 200
#define RACE_STOP_SPREAD_US 4000
/*
 * Frame sizes of the race loops: filling one takes a few ms under TCG, a window the random
 * stop often hits, while an iteration stays cheap. The driver's window is only its memcpy.
 */
#define RACE_IMAGE_BYTES (64 * 1024)
#define RACE_DRIVER_BYTES (256 * 1024)

static int passed, failed;
static const char *group = "";

/* Records one check; prints only failures, with the group, line and what was expected. */
#define CHECK(cond, ...)                                                                   \
	do {                                                                               \
		if (cond) {                                                                \
			passed++;                                                          \
		} else {                                                                   \
			failed++;                                                          \
			printf("FAIL %s:%d [%s] ", __FILE__, __LINE__, group);            \
			printf(__VA_ARGS__);                                               \
			printf(" (errno %d %s)\n", errno, strerror(errno));               \
		}                                                                          \
	} while (0)

/* Checks that @expr fails with errno @err; the expression's text names the case. */
#define CHECK_ERR(expr, err)                                                               \
	do {                                                                               \
		errno = 0;                                                                 \
		long r_ = (expr);                                                          \
		CHECK(r_ == -1 && errno == (err), "%s: want errno %s, got %ld", #expr,      \
		      strerrorname_np(err), r_);                                           \
	} while (0)

/* Unloads module @name without waiting; returns 0 or -1 with errno. */
static int unload_module(const char *name)
{
	return syscall(SYS_delete_module, name, O_NONBLOCK);
}

/* Opens the device, flags added to O_RDWR | O_CLOEXEC. */
static int open_dev(int flags)
{
	return open(DEV_PATH, O_RDWR | O_CLOEXEC | flags);
}

/* DMA_BUF_IOCTL_SYNC with @flags. */
static int dmabuf_sync(int fd, uint64_t flags)
{
	struct dma_buf_sync s = { .flags = flags };

	return ioctl(fd, DMA_BUF_IOCTL_SYNC, &s);
}

/* Allocates a dma-buf of @size bytes through @dev; returns its fd or -1. */
static int alloc_buf(int dev, uint64_t size)
{
	struct edgeml_alloc a = { .size = size, .flags = EDGEML_FD_CLOEXEC };

	if (ioctl(dev, EDGEML_IOC_ALLOC, &a))
		return -1;
	return a.fd;
}

/* Expected image byte at offset @i (formula of uapi/edgeml_uapi.h). */
static uint8_t image_byte(const struct edgeml_ring_start *cfg, uint64_t seq, uint64_t i)
{
	uint64_t c = i % cfg->channels, px = i / cfg->channels;
	uint64_t x = px % cfg->width, y = px / cfg->width;

	if (i < 8)
		return (uint8_t)(seq >> (8 * i));
	return (uint8_t)(x + 2 * y + 64 * c + seq);
}

/* One Bhaskara tone, written straight from the UAPI header's formula. */
static int32_t tone(uint64_t u, uint32_t half, uint32_t amp)
{
	int64_t p = u % half, q = p * (half - p);
	int64_t v = (int64_t)amp * 16 * q / (5 * (int64_t)half * half - 4 * q);

	return (u / half) % 2 == 0 ? (int32_t)v : (int32_t)-v;
}

/* Expected vibration sample @n of channel @c of frame @seq. */
static int16_t vib_sample(const struct edgeml_ring_start *cfg, uint64_t seq, uint32_t n,
			  uint32_t c, bool anomaly)
{
	uint64_t u = seq * cfg->width + n + 16ULL * c;
	int32_t v = tone(u, EDGEML_VIB_P1, EDGEML_VIB_A1) + tone(u, EDGEML_VIB_P2, EDGEML_VIB_A2);

	if (anomaly) {
		v *= (int32_t)cfg->anomaly_gain;
		v = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
	}
	return (int16_t)v;
}

/* Compares a delivered frame against the synthetic source's formula; true when equal. */
static bool frame_matches(const struct edgeml_ring_start *cfg, const void *buf,
			  const struct edgeml_frame *f)
{
	bool anomaly = false;
	uint64_t i;

	if (cfg->source == EDGEML_SOURCE_IMAGE) {
		if (f->bytes_used != cfg->width * cfg->height * cfg->channels || f->flags)
			return false;
		for (i = 0; i < f->bytes_used; i++)
			if (((const uint8_t *)buf)[i] != image_byte(cfg, f->sequence, i))
				return false;
		return true;
	}
	if (cfg->anomaly_period)
		anomaly = f->sequence % cfg->anomaly_period == cfg->anomaly_offset;
	if (f->bytes_used != cfg->width * cfg->channels * 2 ||
	    f->flags != (anomaly ? EDGEML_FRAME_ANOMALY : 0u))
		return false;
	for (uint32_t n = 0; n < cfg->width; n++)
		for (uint32_t c = 0; c < cfg->channels; c++)
			if (((const int16_t *)buf)[n * cfg->channels + c] !=
			    vib_sample(cfg, f->sequence, n, c, anomaly))
				return false;
	return true;
}

/* A started ring as the tests see it: device fd, buffer fds and their mappings. */
struct ring {
	int dev;
	struct edgeml_ring_start cfg;
	int fds[LIMIT_RING_BUFFERS];
	void *maps[LIMIT_RING_BUFFERS];
	size_t map_bytes;
};

/* Opens the device, starts a ring with @cfg (fds_ptr filled in) and maps every buffer. */
static int ring_start(struct ring *r, const struct edgeml_ring_start *cfg, int open_flags)
{
	long page = sysconf(_SC_PAGESIZE);

	memset(r, 0, sizeof(*r));
	r->cfg = *cfg;
	r->cfg.fds_ptr = (uintptr_t)r->fds;
	r->dev = open_dev(open_flags);
	if (r->dev < 0)
		return -1;
	if (ioctl(r->dev, EDGEML_IOC_RING_START, &r->cfg)) {
		close(r->dev);
		return -1;
	}
	r->map_bytes = (cfg->frame_bytes + page - 1) / page * page;
	for (uint32_t i = 0; i < cfg->num_buffers; i++) {
		r->maps[i] = mmap(NULL, r->map_bytes, PROT_READ, MAP_SHARED, r->fds[i], 0);
		if (r->maps[i] == MAP_FAILED)
			return -1;
	}
	return 0;
}

/* Unmaps and closes everything of a ring started by ring_start(). */
static void ring_close(struct ring *r)
{
	for (uint32_t i = 0; i < r->cfg.num_buffers; i++) {
		munmap(r->maps[i], r->map_bytes);
		close(r->fds[i]);
	}
	close(r->dev);
}

/* A valid image ring configuration: 64x48 RGB, four buffers. */
static struct edgeml_ring_start image_cfg(uint64_t interval_ns)
{
	struct edgeml_ring_start c = {
		.source = EDGEML_SOURCE_IMAGE, .flags = EDGEML_FD_CLOEXEC, .num_buffers = 4,
		.frame_bytes = 64 * 48 * 3, .interval_ns = interval_ns,
		.width = 64, .height = 48, .channels = 3,
	};
	return c;
}

/* A valid vibration ring configuration: 3 axes x 256 samples, every 7th frame anomalous. */
static struct edgeml_ring_start vibration_cfg(uint64_t interval_ns)
{
	struct edgeml_ring_start c = {
		.source = EDGEML_SOURCE_VIBRATION, .flags = EDGEML_FD_CLOEXEC, .num_buffers = 4,
		.frame_bytes = 256 * 3 * 2, .interval_ns = interval_ns,
		.width = 256, .height = 1, .channels = 3,
		.anomaly_period = 7, .anomaly_offset = 3, .anomaly_gain = 5,
	};
	return c;
}

/* Allocation, mmap, sync and content of standalone dma-bufs. */
static void test_alloc(void)
{
	long page = sysconf(_SC_PAGESIZE);
	int dev = open_dev(0);
	size_t size = 3 * page + 1, mapped = 4 * page;
	uint8_t *a, *a2, *b;
	bool zero = true, same = true;
	int fd;

	group = "alloc";
	CHECK(dev >= 0, "open " DEV_PATH);
	fd = alloc_buf(dev, size);
	CHECK(fd >= 0, "alloc %zu bytes", size);
	CHECK(lseek(fd, 0, SEEK_END) == (off_t)mapped, "dma-buf size rounded to pages");
	CHECK((fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0, "EDGEML_FD_CLOEXEC sets close-on-exec");
	a = mmap(NULL, mapped, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	b = mmap(NULL, mapped, PROT_READ, MAP_SHARED, fd, 0);
	CHECK(a != MAP_FAILED && b != MAP_FAILED, "mmap whole buffer twice");
	if (a == MAP_FAILED || b == MAP_FAILED)
		return;
	CHECK(dmabuf_sync(fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW) == 0, "sync start rw");
	for (size_t i = 0; i < mapped; i++)
		zero &= a[i] == 0;
	CHECK(zero, "new buffer is zero-filled");
	for (size_t i = 0; i < mapped; i++)
		a[i] = (uint8_t)(i * 7 + 1);
	CHECK(dmabuf_sync(fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW) == 0, "sync end rw");
	CHECK(dmabuf_sync(fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ) == 0, "sync start read");
	for (size_t i = 0; i < mapped; i++)
		same &= b[i] == (uint8_t)(i * 7 + 1);
	CHECK(same, "second mapping sees the writes");
	CHECK(dmabuf_sync(fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ) == 0, "sync end read");
	CHECK_ERR(dmabuf_sync(fd, 0x80), EINVAL);
	a2 = mmap(NULL, page, PROT_READ, MAP_SHARED, fd, page);
	CHECK(a2 != MAP_FAILED && a2[0] == (uint8_t)(page * 7 + 1), "mmap at an offset");
	if (a2 != MAP_FAILED)
		munmap(a2, page);
	CHECK(mmap(NULL, 2 * page, PROT_READ, MAP_SHARED, fd, 3 * page) == MAP_FAILED,
	      "mmap past the end fails");
	CHECK(mmap(NULL, page, PROT_READ, MAP_PRIVATE, fd, 0) == MAP_FAILED && errno == EINVAL,
	      "MAP_PRIVATE refused with EINVAL");
	munmap(a, mapped);
	munmap(b, mapped);
	close(fd);
	fd = alloc_buf(dev, LIMIT_BUFFER_BYTES);
	CHECK(fd >= 0, "alloc exactly the limit");
	close(fd);
	close(dev);
}

/* Streams STREAM_FRAMES frames of @cfg and verifies every one of them. */
static void test_stream(const char *name, struct edgeml_ring_start cfg)
{
	struct edgeml_frame f;
	struct ring r;
	uint64_t expect_seq = 0, last_ts = 0, t0, t1, ts_first = 0;
	int bad_seq = 0, bad_ts = 0, bad_content = 0, bad_poll = 0, bad_index = 0, anomalies = 0;
	int i;

	group = name;
	if (ring_start(&r, &cfg, 0)) {
		CHECK(0, "start %s ring", name);
		return;
	}
	t0 = now_ns();
	for (i = 0; i < STREAM_FRAMES; i++) {
		struct pollfd p = { .fd = r.dev, .events = POLLIN };

		if (poll(&p, 1, 5000) != 1 || !(p.revents & POLLIN)) {
			bad_poll++;
			break;
		}
		memset(&f, 0, sizeof(f));
		if (ioctl(r.dev, EDGEML_IOC_DEQUEUE, &f)) {
			CHECK(0, "dequeue frame %d", i);
			break;
		}
		if (f.index >= cfg.num_buffers) {
			bad_index++;
			break;
		}
		if (i == 0)
			ts_first = f.timestamp_ns;
		bad_seq += f.sequence != expect_seq;
		bad_ts += f.timestamp_ns <= last_ts || f.timestamp_ns > now_ns();
		expect_seq = f.sequence + 1;
		last_ts = f.timestamp_ns;
		dmabuf_sync(r.fds[f.index], DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ);
		bad_content += !frame_matches(&r.cfg, r.maps[f.index], &f);
		dmabuf_sync(r.fds[f.index], DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ);
		anomalies += !!(f.flags & EDGEML_FRAME_ANOMALY);
		struct edgeml_queue q = { .index = f.index };

		if (ioctl(r.dev, EDGEML_IOC_QUEUE, &q)) {
			CHECK(0, "queue buffer %u back", f.index);
			break;
		}
	}
	t1 = now_ns();
	CHECK(i == STREAM_FRAMES, "%d of %d frames arrived", i, STREAM_FRAMES);
	CHECK(!bad_poll && !bad_index, "poll ready and index in range");
	CHECK(!bad_seq, "%d sequence gaps", bad_seq);
	CHECK(!bad_ts, "%d timestamps not increasing or in the future", bad_ts);
	CHECK(!bad_content, "%d frames with wrong payload", bad_content);
	if (cfg.anomaly_period) {
		int want = (STREAM_FRAMES + cfg.anomaly_period - 1 - cfg.anomaly_offset) /
			   cfg.anomaly_period;

		CHECK(anomalies == want, "%d anomalous frames, want %d", anomalies, want);
	}
	CHECK(ioctl(r.dev, EDGEML_IOC_RING_STOP) == 0, "stop");
	printf("INFO %s: %d frames in %.2f s wall (%.0f frames/s; %.0f frames/s by timestamps),"
	       " %u dropped, requested %.0f frames/s\n", name, i, (t1 - t0) / 1e9,
	       i / ((t1 - t0) / 1e9), (i - 1) / ((last_ts - ts_first) / 1e9), f.dropped,
	       1e9 / cfg.interval_ns);
	ring_close(&r);
}

/* Starts a ring on @dev with @cfg; returns the ioctl's result (-1 and errno on error). */
static int try_start(int dev, struct edgeml_ring_start cfg)
{
	int fds[64];

	if (!cfg.fds_ptr)
		cfg.fds_ptr = (uintptr_t)fds;
	int ret = ioctl(dev, EDGEML_IOC_RING_START, &cfg);

	if (ret == 0) {
		for (uint32_t i = 0; i < cfg.num_buffers; i++)
			close(fds[i]);
		ioctl(dev, EDGEML_IOC_RING_STOP);
	}
	return ret;
}

/* The table of invalid requests, each with its documented errno. */
static void test_bad_ioctls(void)
{
	struct edgeml_ring_start c = image_cfg(1000000);
	struct edgeml_alloc a = { .size = 4096 };
	struct edgeml_frame f = { 0 };
	struct edgeml_queue q = { 0 };
	int dev = open_dev(0), fds[8], probe;
	struct {
		uint32_t size;
	} small = { 4096 };

	group = "errors";
	CHECK(dev >= 0, "open");
	a.size = 0;
	CHECK_ERR(ioctl(dev, EDGEML_IOC_ALLOC, &a), EINVAL);
	a.size = LIMIT_BUFFER_BYTES + 1;
	CHECK_ERR(ioctl(dev, EDGEML_IOC_ALLOC, &a), E2BIG);
	a.size = UINT64_MAX;
	CHECK_ERR(ioctl(dev, EDGEML_IOC_ALLOC, &a), E2BIG);
	a.size = 4096;
	a.flags = 2;
	CHECK_ERR(ioctl(dev, EDGEML_IOC_ALLOC, &a), EINVAL);
	a.flags = 0;
	a.reserved = 1;
	CHECK_ERR(ioctl(dev, EDGEML_IOC_ALLOC, &a), EINVAL);
	CHECK_ERR(ioctl(dev, EDGEML_IOC_ALLOC, NULL), EFAULT);
	CHECK_ERR(ioctl(dev, _IOWR(EDGEML_IOC_MAGIC, 0x01, small), &small), ENOTTY);
	CHECK_ERR(ioctl(dev, _IOWR(EDGEML_IOC_MAGIC, 0x7f, struct edgeml_alloc), &a), ENOTTY);
	CHECK_ERR(ioctl(dev, DMA_BUF_IOCTL_SYNC, &small), ENOTTY);
	CHECK_ERR(ioctl(-1, EDGEML_IOC_ALLOC, &a), EBADF);
	probe = dup(0);
	close(probe);
	CHECK_ERR(dmabuf_sync(probe, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ), EBADF);

	CHECK_ERR(ioctl(dev, EDGEML_IOC_DEQUEUE, &f), EINVAL);
	CHECK_ERR(ioctl(dev, EDGEML_IOC_QUEUE, &q), EINVAL);
	CHECK_ERR(ioctl(dev, EDGEML_IOC_RING_STOP), EINVAL);

#define BAD_START(field, value, err)                                                      \
	do {                                                                               \
		struct edgeml_ring_start b_ = c;                                          \
		b_.field = value;                                                          \
		errno = 0;                                                                 \
		CHECK(try_start(dev, b_) == -1 && errno == (err),                          \
		      "start with " #field " = " #value ": want %s", strerrorname_np(err));  \
	} while (0)
	BAD_START(num_buffers, 0, EINVAL);
	BAD_START(num_buffers, 1, EINVAL);
	BAD_START(num_buffers, LIMIT_RING_BUFFERS + 1, E2BIG);
	BAD_START(num_buffers, UINT32_MAX, E2BIG);
	BAD_START(frame_bytes, 0, EINVAL);
	BAD_START(frame_bytes, 64 * 48 * 3 - 1, EINVAL);
	BAD_START(frame_bytes, UINT32_MAX, E2BIG);
	BAD_START(interval_ns, 0, EINVAL);
	BAD_START(interval_ns, EDGEML_MIN_INTERVAL_NS - 1, EINVAL);
	BAD_START(interval_ns, EDGEML_MAX_INTERVAL_NS + 1, EINVAL);
	BAD_START(source, 0, EINVAL);
	BAD_START(source, 4, EINVAL);
	BAD_START(flags, 0x10, EINVAL);
	BAD_START(reserved[0], 1, EINVAL);
	BAD_START(reserved[1], 1, EINVAL);
	BAD_START(width, 0, EINVAL);
	BAD_START(height, 0, EINVAL);
	BAD_START(channels, 0, EINVAL);
	BAD_START(channels, EDGEML_MAX_IMAGE_CHANNELS + 1, EINVAL);
	BAD_START(anomaly_period, 4, EINVAL);
	BAD_START(fds_ptr, 8, EFAULT);
	{
		struct edgeml_ring_start b = c;

		b.width = UINT32_MAX;
		b.height = UINT32_MAX;
		b.channels = 4;
		CHECK(try_start(dev, b) == -1 && errno == EINVAL, "image size overflow");
		b = c;
		b.width = 2;
		b.height = 2;
		b.channels = 1;
		b.frame_bytes = 4;
		CHECK(try_start(dev, b) == -1 && errno == EINVAL, "image below 8 bytes");
		b = c;
		b.source = EDGEML_SOURCE_DRIVER;
		CHECK(try_start(dev, b) == -1 && errno == ENODEV, "no sensor driver");
	}
	c = vibration_cfg(1000000);
	BAD_START(height, 2, EINVAL);
	BAD_START(channels, EDGEML_MAX_VIBRATION_CHANNELS + 1, EINVAL);
	BAD_START(anomaly_offset, 7, EINVAL);
	BAD_START(anomaly_gain, 1, EINVAL);
	BAD_START(anomaly_gain, EDGEML_MAX_ANOMALY_GAIN + 1, EINVAL);
	BAD_START(anomaly_period, 0, EINVAL);
	CHECK(try_start(dev, c) == 0, "a good start after all the bad ones");
#undef BAD_START

	/* No fd may leak from the failed starts: the next fd is the lowest free one. */
	probe = dup(0);
	CHECK(probe == dev + 1, "no fd leaked by failed starts (next fd %d)", probe);
	close(probe);

	c = image_cfg(200 * 1000000ULL);
	c.fds_ptr = (uintptr_t)fds;
	CHECK(ioctl(dev, EDGEML_IOC_RING_START, &c) == 0, "start");
	CHECK_ERR(ioctl(dev, EDGEML_IOC_RING_START, &c), EBUSY);
	q.index = 0;
	CHECK_ERR(ioctl(dev, EDGEML_IOC_QUEUE, &q), EINVAL);	/* queued at start: twice */
	q.index = 4;
	CHECK_ERR(ioctl(dev, EDGEML_IOC_QUEUE, &q), EINVAL);
	q.index = UINT32_MAX;
	CHECK_ERR(ioctl(dev, EDGEML_IOC_QUEUE, &q), EINVAL);
	f.reserved = 1;
	CHECK_ERR(ioctl(dev, EDGEML_IOC_DEQUEUE, &f), EINVAL);
	f.reserved = 0;
	CHECK(ioctl(dev, EDGEML_IOC_DEQUEUE, &f) == 0 && f.sequence == 0, "blocking dequeue");
	q.index = f.index;
	q.flags = 1;
	CHECK_ERR(ioctl(dev, EDGEML_IOC_QUEUE, &q), EINVAL);
	q.flags = 0;
	CHECK(ioctl(dev, EDGEML_IOC_QUEUE, &q) == 0, "queue the dequeued buffer");
	CHECK_ERR(ioctl(dev, EDGEML_IOC_QUEUE, &q), EINVAL);
	CHECK_ERR(ioctl(dev, EDGEML_IOC_DEQUEUE, (void *)8), EFAULT);
	CHECK(ioctl(dev, EDGEML_IOC_RING_STOP) == 0, "stop");
	CHECK_ERR(ioctl(dev, EDGEML_IOC_RING_STOP), EINVAL);
	CHECK_ERR(ioctl(dev, EDGEML_IOC_DEQUEUE, &f), EINVAL);
	for (int i = 0; i < 4; i++)
		close(fds[i]);
	close(dev);
}

/* Signal handler that only interrupts a blocking call. */
static void on_alarm(int sig)
{
	(void)sig;
}

/* Stops the ring of the fd passed in @arg after 200 ms, from a second thread. */
static void *stop_later(void *arg)
{
	usleep(200000);
	return (void *)(intptr_t)ioctl(*(int *)arg, EDGEML_IOC_RING_STOP);
}

/* Non-blocking, blocking, interrupted and cancelled waits; poll; the ring count limit. */
static void test_waits(void)
{
	struct edgeml_ring_start c = image_cfg(10 * 1000000000ULL);
	struct sigaction sa = { .sa_handler = on_alarm };
	struct itimerval it = { .it_value = { .tv_usec = 100000 } };
	struct edgeml_frame f = { 0 };
	struct pollfd p;
	struct ring r, r2;
	pthread_t th;
	void *thret;
	int dev;

	group = "waits";
	dev = open_dev(0);
	p = (struct pollfd){ .fd = dev, .events = POLLIN };
	CHECK(poll(&p, 1, 0) == 1 && p.revents & POLLERR, "poll without ring: POLLERR");
	close(dev);

	if (ring_start(&r, &c, O_NONBLOCK)) {
		CHECK(0, "start slow ring, O_NONBLOCK");
		return;
	}
	CHECK_ERR(ioctl(r.dev, EDGEML_IOC_DEQUEUE, &f), EAGAIN);
	p = (struct pollfd){ .fd = r.dev, .events = POLLIN };
	CHECK(poll(&p, 1, 50) == 0, "poll times out before the first frame");
	ring_close(&r);

	if (ring_start(&r, &c, 0)) {
		CHECK(0, "start slow ring, blocking");
		return;
	}
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
	CHECK_ERR(ioctl(r.dev, EDGEML_IOC_DEQUEUE, &f), EINTR);
	pthread_create(&th, NULL, stop_later, &r.dev);
	CHECK_ERR(ioctl(r.dev, EDGEML_IOC_DEQUEUE, &f), EINVAL);	/* stopped while waiting */
	pthread_join(th, &thret);
	CHECK(thret == NULL, "stop from another thread");
	ring_close(&r);

	c = image_cfg(1000000);
	if (ring_start(&r, &c, 0) || ring_start(&r2, &c, 0)) {
		CHECK(0, "two rings of max_rings=2");
		return;
	}
	dev = open_dev(0);
	CHECK(try_start(dev, c) == -1 && errno == EBUSY, "third ring refused with EBUSY");
	ring_close(&r2);
	CHECK(try_start(dev, c) == 0, "a ring again once one is closed");
	close(dev);
	ring_close(&r);
}

/* Buffers outlive the ring and the device file; the ring stops when its file closes. */
static void test_lifetime(void)
{
	struct edgeml_ring_start c = vibration_cfg(1000000);
	struct edgeml_frame f = { 0 };
	struct ring r;
	int fd;
	uint8_t *m;

	group = "lifetime";
	if (ring_start(&r, &c, 0)) {
		CHECK(0, "start");
		return;
	}
	CHECK(ioctl(r.dev, EDGEML_IOC_DEQUEUE, &f) == 0, "dequeue");
	close(r.dev);
	usleep(20000);
	CHECK(frame_matches(&r.cfg, r.maps[f.index], &f), "frame intact after the file closed");
	fd = r.fds[f.index];
	m = mmap(NULL, r.map_bytes, PROT_READ, MAP_SHARED, fd, 0);
	CHECK(m != MAP_FAILED && frame_matches(&r.cfg, m, &f), "new mapping after close");
	if (m != MAP_FAILED)
		munmap(m, r.map_bytes);
	for (uint32_t i = 0; i < c.num_buffers; i++) {
		munmap(r.maps[i], r.map_bytes);
		close(r.fds[i]);
	}
}

/* Expected payload byte @k of frame @seq of the test sensor module. */
static uint8_t sensor_byte(uint64_t seq, uint32_t k)
{
	return (uint8_t)(seq + 3 * k);
}

/*
 * The in-kernel side through edgeml_test_sensor.ko: it imports a dma-buf at load time
 * (attach, map, vmap, CPU access) and feeds EDGEML_SOURCE_DRIVER rings with
 * edgeml_ring_push_frame().
 */
static void test_driver(const char *ko)
{
	struct edgeml_ring_start c = {
		.source = EDGEML_SOURCE_DRIVER, .flags = EDGEML_FD_CLOEXEC, .num_buffers = 4,
		.frame_bytes = 4096, .interval_ns = 1000000, .width = 100, .height = 1,
		.channels = 1,
	};
	int bad_seq = 0, bad_frame = 0, i, dev, fd;
	size_t size = 2 * sysconf(_SC_PAGESIZE);
	struct edgeml_frame f;
	char params[64];
	struct ring r;
	uint8_t *m;

	group = "driver";
	dev = open_dev(0);
	fd = alloc_buf(dev, size);
	m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(m != MAP_FAILED, "map a buffer to import");
	if (m == MAP_FAILED)
		return;
	dmabuf_sync(fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE);
	for (size_t k = 0; k < size; k++)
		m[k] = (uint8_t)(41 + k);
	dmabuf_sync(fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE);
	snprintf(params, sizeof(params), "import_fd=%d import_seed=42", fd);
	CHECK_ERR(load_module(ko, params), EIO);
	snprintf(params, sizeof(params), "import_fd=%d import_seed=41", fd);
	CHECK(load_module(ko, params) == 0, "import check passes in the importer module");
	munmap(m, size);
	close(fd);

	c.width = 5000;
	CHECK(try_start(dev, c) == -1 && errno == EINVAL, "driver refuses a frame too large");
	c.width = 100;
	{
		int probe = dup(0);

		CHECK(probe == dev + 1, "no fd leaked by the refused start (next fd %d)", probe);
		close(probe);
	}
	if (ring_start(&r, &c, 0)) {
		CHECK(0, "start a driver ring");
		return;
	}
	CHECK_ERR(unload_module("edgeml_test_sensor"), EAGAIN);
	for (i = 0; i < 200; i++) {
		memset(&f, 0, sizeof(f));
		if (ioctl(r.dev, EDGEML_IOC_DEQUEUE, &f) || f.index >= c.num_buffers)
			break;
		bad_seq += f.sequence != (uint64_t)i;
		bad_frame += f.bytes_used != c.width ||
			     f.flags != (f.sequence % 3 ? 0u : EDGEML_FRAME_ANOMALY);
		for (uint32_t k = 0; k < c.width; k++)
			bad_frame += ((uint8_t *)r.maps[f.index])[k] != sensor_byte(f.sequence, k);
		struct edgeml_queue q = { .index = f.index };

		ioctl(r.dev, EDGEML_IOC_QUEUE, &q);
	}
	CHECK(i == 200, "%d of 200 driver frames", i);
	CHECK(!bad_seq && !bad_frame, "%d sequence gaps, %d bad frames", bad_seq, bad_frame);
	ring_close(&r);
	CHECK(unload_module("edgeml_test_sensor") == 0, "unload the test sensor");
	CHECK(try_start(dev, c) == -1 && errno == ENODEV, "no driver after its unload");
	close(dev);
}

/* Seeded xorshift64*: the race loops' random stop points, reproducible from the printed seed. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint32_t rnd(void)
{
	return xorshift_next(&rng_state);
}

/* Checks sampled bytes of a frame of the race loops (the whole frame is too slow under TCG). */
static bool race_frame_ok(const struct edgeml_ring_start *cfg, const uint8_t *m,
			  const struct edgeml_frame *f)
{
	uint64_t n = cfg->source == EDGEML_SOURCE_DRIVER ? cfg->width :
						       (uint64_t)cfg->width * cfg->height * cfg->channels;

	if (f->bytes_used != n || f->index >= cfg->num_buffers || f->reserved)
		return false;
	for (uint64_t i = 0; i < n; i += 4093) {
		uint8_t want = cfg->source == EDGEML_SOURCE_DRIVER ?
				       (uint8_t)(f->sequence + 3 * i) : image_byte(cfg, f->sequence, i);

		if (m[i] != want)
			return false;
	}
	return true;
}

/*
 * Start / stop-during-fill / restart / dequeue, @iters times on one file (issue 10, finding 1:
 * a frame the producer finished after RING_STOP landed on the stopped ring's done list, and the
 * next ring handed it out from freed memory, then corrupted its lists). The stop comes at a
 * random moment after a buffer was queued back, so that it often hits a frame being filled; each
 * restarted ring's first frames must be its own: sequence 0 and 1, stamped after the start,
 * with the new ring's payload.
 */
static void test_ring_race(const char *name, struct edgeml_ring_start cfg, int iters,
			   uint32_t stop_spread_us)
{
	int bad_start = 0, bad_deq = 0, ghosts = 0, bad_payload = 0, bad_stop = 0, it;
	long page = sysconf(_SC_PAGESIZE);
	size_t map_bytes = (cfg.frame_bytes + page - 1) / page * page;
	uint64_t t0 = now_ns(), seed = rng_state;
	int fds[LIMIT_RING_BUFFERS], dev = open_dev(0);

	group = name;
	CHECK(dev >= 0, "open");
	cfg.fds_ptr = (uintptr_t)fds;
	for (it = 0; it < iters; it++) {
		uint64_t t_start = now_ns();
		struct edgeml_frame f;
		uint32_t spins = rnd() % 2;

		if (ioctl(dev, EDGEML_IOC_RING_START, &cfg)) {
			bad_start++;
			break;
		}
		for (uint32_t k = 0; k < 2 + spins; k++) {
			struct edgeml_queue q;
			uint8_t *m;

			memset(&f, 0, sizeof(f));
			if (ioctl(dev, EDGEML_IOC_DEQUEUE, &f)) {
				bad_deq++;
				break;
			}
			/* A ghost carries a foreign index, an old sequence number or timestamp. */
			if (f.index >= cfg.num_buffers ||
			    (k < 2 && (f.sequence != k || f.timestamp_ns < t_start))) {
				if (ghosts++ < 5)
					printf("INFO %s: iteration %d frame %u is a ghost: seq %" PRIu64
					       " index %u bytes_used %u dropped %u, stamped %" PRId64
					       " ns before the start\n", name, it, k, (uint64_t)f.sequence,
					       f.index, f.bytes_used, f.dropped,
					       (int64_t)(t_start - f.timestamp_ns));
				if (f.index >= cfg.num_buffers)
					break;
			}
			if (k < 2) {
				m = mmap(NULL, map_bytes, PROT_READ, MAP_SHARED, fds[f.index], 0);
				if (m == MAP_FAILED) {
					bad_payload++;
				} else {
					bad_payload += !race_frame_ok(&cfg, m, &f);
					munmap(m, map_bytes);
				}
			}
			q = (struct edgeml_queue){ .index = f.index };
			if (ioctl(dev, EDGEML_IOC_QUEUE, &q)) {
				bad_deq++;
				break;
			}
		}
		/* The producer now fills the buffer just queued: stop somewhere in that window. */
		usleep(rnd() % stop_spread_us);
		bad_stop += ioctl(dev, EDGEML_IOC_RING_STOP) != 0;
		for (uint32_t i = 0; i < cfg.num_buffers; i++)
			close(fds[i]);
		if (bad_deq || bad_stop || ghosts)
			break;
	}
	CHECK(it == iters && !bad_start, "%d of %d start/stop iterations (seed %#" PRIx64 ")", it,
	      iters, seed);
	CHECK(!bad_deq && !bad_stop, "%d failed dequeue/queue, %d failed stops", bad_deq, bad_stop);
	CHECK(!ghosts, "%d frames of stopped rings handed out after a restart", ghosts);
	CHECK(!bad_payload, "%d restarted rings' first frames with a wrong payload", bad_payload);
	printf("INFO %s: %d start/stop-during-fill/restart/dequeue iterations in %.2f s\n", name,
	       it, (now_ns() - t0) / 1e9);
	close(dev);
}

/* The race loop on a ring fed by edgeml_test_sensor.ko through edgeml_ring_push_frame(). */
static void test_driver_race(const char *ko, int iters)
{
	struct edgeml_ring_start c = {
		.source = EDGEML_SOURCE_DRIVER, .flags = EDGEML_FD_CLOEXEC, .num_buffers = 2,
		.frame_bytes = RACE_DRIVER_BYTES, .interval_ns = EDGEML_MIN_INTERVAL_NS,
		.width = RACE_DRIVER_BYTES, .height = 1, .channels = 1,
	};

	group = "driver-race";
	CHECK(load_module(ko, "") == 0, "load the test sensor");
	test_ring_race("driver-race", c, iters, RACE_STOP_SPREAD_US);
	CHECK(unload_module("edgeml_test_sensor") == 0, "unload the test sensor");
}

/*
 * LOAD_CYCLES loads and unloads with dma-buf fds and mappings held across unload attempts:
 * the module must refuse to unload (EAGAIN) while either is alive, the buffer must stay
 * usable, and the unload must succeed once both are gone.
 */
static void test_cycles(const char *ko)
{
	int bad_load = 0, bad_busy = 0, bad_content = 0, bad_unload = 0, i;
	uint64_t t0 = now_ns();

	group = "cycles";
	for (i = 0; i < LOAD_CYCLES; i++) {
		int dev, fd;
		uint8_t *m;

		if (load_module(ko, LIMIT_PARAMS)) {
			bad_load++;
			break;
		}
		dev = open_dev(0);
		fd = alloc_buf(dev, 8192);
		m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (dev < 0 || fd < 0 || m == MAP_FAILED) {
			bad_load++;
			break;
		}
		memset(m, i, 8192);
		bad_busy += unload_module("edgeml") != -1 || errno != EAGAIN;
		close(dev);
		bad_busy += unload_module("edgeml") != -1 || errno != EAGAIN;
		close(fd);
		bad_busy += unload_module("edgeml") != -1 || errno != EAGAIN;
		bad_content += m[0] != (uint8_t)i || m[8191] != (uint8_t)i;
		munmap(m, 8192);
		bad_unload += unload_module("edgeml") != 0;
	}
	CHECK(i == LOAD_CYCLES && !bad_load, "%d load cycles completed", i);
	CHECK(!bad_busy, "%d unloads not refused with EAGAIN while in use", bad_busy);
	CHECK(!bad_content, "%d buffers changed while held", bad_content);
	CHECK(!bad_unload, "%d unloads failed once idle", bad_unload);
	printf("INFO cycles: %d load/unload cycles in %.2f s\n", i, (now_ns() - t0) / 1e9);
}

/* Starts a small image ring on @dev as the calling user; returns 0 or -1 with errno. */
static int start_small_ring(int dev, int *fds)
{
	struct edgeml_ring_start c = image_cfg(100 * 1000000ULL);

	c.num_buffers = 2;
	c.fds_ptr = (uintptr_t)fds;
	return ioctl(dev, EDGEML_IOC_RING_START, &c);
}

/*
 * Allocation caps (issue 10, finding 4): max_file_allocs per open file (EDQUOT), max_allocs
 * system-wide (ENOSPC), max_user_rings per user (EDQUOT) under max_rings (EBUSY). A buffer
 * counts until it is freed: after its fd and its device file are closed, while a mapping
 * holds it; freeing it gives the quota back.
 */
static void test_quota(const char *ko)
{
	long page = sysconf(_SC_PAGESIZE);
	int a, b, c, fa[4], fb[4], fc[2], rfd[4][2], dev[4], status = -1;
	void *m;
	pid_t pid;

	group = "quota";
	CHECK(load_module(ko, "max_allocs=6 max_file_allocs=4 max_rings=3 max_user_rings=2") == 0,
	      "load with small caps");
	a = open_dev(0);
	b = open_dev(0);
	for (int i = 0; i < 4; i++)
		fa[i] = alloc_buf(a, page);
	CHECK(fa[0] >= 0 && fa[1] >= 0 && fa[2] >= 0 && fa[3] >= 0, "4 buffers on one file");
	CHECK_ERR(alloc_buf(a, page), EDQUOT);
	fb[0] = alloc_buf(b, page);
	fb[1] = alloc_buf(b, page);
	CHECK(fb[0] >= 0 && fb[1] >= 0, "2 more on a second file");
	CHECK_ERR(alloc_buf(b, page), ENOSPC);
	close(fa[0]);
	fb[2] = alloc_buf(b, page);
	CHECK(fb[2] >= 0, "a freed buffer returns its global quota");
	CHECK_ERR(alloc_buf(a, page), ENOSPC);
	m = mmap(NULL, page, PROT_READ, MAP_SHARED, fa[1], 0);
	CHECK(m != MAP_FAILED, "map a buffer");
	close(fa[1]);
	CHECK_ERR(alloc_buf(b, page), ENOSPC);	/* the mapping keeps it alive */
	close(a);
	CHECK_ERR(alloc_buf(b, page), ENOSPC);	/* buffers outlive their device file */
	munmap(m, page);
	fb[3] = alloc_buf(b, page);
	CHECK(fb[3] >= 0, "quota back once the last mapping is gone");
	CHECK_ERR(alloc_buf(b, page), EDQUOT);
	close(fa[2]);
	close(fa[3]);
	c = open_dev(0);
	fc[0] = alloc_buf(c, page);
	fc[1] = alloc_buf(c, page);
	CHECK(fc[0] >= 0 && fc[1] >= 0, "quota of a closed file's buffers back when freed");
	CHECK_ERR(alloc_buf(c, page), ENOSPC);
	for (int i = 0; i < 4; i++)
		close(fb[i]);
	close(b);
	close(fc[0]);
	close(fc[1]);
	close(c);

	for (int i = 0; i < 4; i++)
		dev[i] = open_dev(0);
	CHECK(start_small_ring(dev[0], rfd[0]) == 0 && start_small_ring(dev[1], rfd[1]) == 0,
	      "two rings of one user");
	CHECK_ERR(start_small_ring(dev[2], rfd[2]), EDQUOT);
	pid = fork();
	if (pid == 0) {
		/* Another user has a share of its own, but all users only max_rings in all. */
		int code = setresuid(1000, 1000, 1000) ? 1 : 0;

		if (!code && start_small_ring(dev[2], rfd[2]))
			code |= 2;
		if (!code && (start_small_ring(dev[3], rfd[3]) != -1 || errno != EBUSY))
			code |= 4;
		_exit(code);
	}
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "a second user runs a ring beside the first one's two, not a fourth (status %#x)",
	      status);
	CHECK(ioctl(dev[2], EDGEML_IOC_RING_STOP) == 0, "the second user's ring ran");
	CHECK(ioctl(dev[0], EDGEML_IOC_RING_STOP) == 0, "stop one of the first user's rings");
	for (int i = 0; i < 2; i++)
		close(rfd[0][i]);
	CHECK(start_small_ring(dev[2], rfd[2]) == 0, "a stopped ring gives its user's share back");
	for (int i = 0; i < 4; i++)
		close(dev[i]);
	for (int i = 0; i < 2; i++) {
		close(rfd[1][i]);
		close(rfd[2][i]);
	}
	CHECK(unload_module("edgeml") == 0, "unload once everything is closed");
}

/* Module parameters outside their caps refuse the load. */
static void test_params(const char *ko)
{
	group = "params";
	CHECK_ERR(load_module(ko, "max_rings=0"), EINVAL);
	CHECK_ERR(load_module(ko, "max_ring_buffers=1"), EINVAL);
	CHECK_ERR(load_module(ko, "max_buffer_kb=0"), EINVAL);
	CHECK_ERR(load_module(ko, "max_buffer_kb=1048577"), EINVAL);
	CHECK_ERR(load_module(ko, "max_user_rings=0"), EINVAL);
	CHECK_ERR(load_module(ko, "max_allocs=0"), EINVAL);
	CHECK_ERR(load_module(ko, "max_file_allocs=65537"), EINVAL);
}

/* The kernel log must hold no warning, oops, refcount or sanitizer report. */
static void test_dmesg(void)
{
	static const char *const bad[] = {
		"WARNING:", "BUG:", "Oops", "refcount", "KASAN", "UBSAN", "Call Trace",
		"general protection", "list_add corruption", "list_del corruption", "soft lockup",
		"blocked for more than",
	};
	static char log[1 << 20];
	int n = klogctl(3, log, sizeof(log) - 1), hits = 0;

	group = "dmesg";
	CHECK(n > 0, "read kernel log");
	if (n <= 0)
		return;
	log[n] = 0;
	for (char *line = strtok(log, "\n"); line; line = strtok(NULL, "\n"))
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
			if (strstr(line, bad[i])) {
				printf("DMESG %s\n", line);
				hits++;
				break;
			}
	CHECK(hits == 0, "%d suspicious kernel log lines", hits);
}

/* Runs every group; the exit status is 0 only when all checks passed. */
int main(int argc, char **argv)
{
	struct edgeml_ring_start race_cfg = {
		.source = EDGEML_SOURCE_IMAGE, .flags = EDGEML_FD_CLOEXEC, .num_buffers = 2,
		.frame_bytes = RACE_IMAGE_BYTES, .interval_ns = EDGEML_MIN_INTERVAL_NS,
		.width = 256, .height = RACE_IMAGE_BYTES / 256, .channels = 1,
	};
	int race_iters;

	if (argc < 3) {
		fprintf(stderr, "usage: %s EDGEML_KO TEST_SENSOR_KO [RACE_ITERS [SEED]]\n", argv[0]);
		return 2;
	}
	race_iters = argc > 3 ? atoi(argv[3]) : RACE_ITERS;
	if (argc > 4)
		rng_state = strtoull(argv[4], NULL, 0) | 1;
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_params(argv[1]);
	group = "load";
	CHECK(load_module(argv[1], LIMIT_PARAMS) == 0, "load %s", argv[1]);
	if (failed) {
		printf("%d passed, %d failed\n", passed, failed);
		return 1;
	}
	test_alloc();
	test_stream("image-stream", image_cfg(2000000));
	test_stream("vibration-stream", vibration_cfg(1000000));
	test_bad_ioctls();
	test_waits();
	test_lifetime();
	test_driver(argv[2]);
	test_ring_race("image-race", race_cfg, race_iters, RACE_STOP_SPREAD_US);
	test_driver_race(argv[2], race_iters);
	group = "unload";
	CHECK(unload_module("edgeml") == 0, "unload after the functional tests");
	test_quota(argv[1]);
	test_cycles(argv[1]);
	test_dmesg();
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
