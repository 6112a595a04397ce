// SPDX-License-Identifier: GPL-2.0
/*
 * Ioctl fuzzer of the edgeml module, run inside the test VM after the functional tests.
 *
 * FUZZ_THREADS threads issue seeded random sequences of open, dup, close, ALLOC, RING_START,
 * RING_STOP, QUEUE, DEQUEUE, poll, mmap with page touches, munmap, DMA_BUF_IOCTL_SYNC,
 * read/write, malformed ioctls and loads/unloads of the test sensor driver over a table of fds
 * shared by all threads (so one thread closes or reuses what another is using), for a bounded
 * time; one thread runs as a second, unprivileged user with the fds root opened (per-user
 * ring accounting; its own opens and module loads are refused). A watchdog thread interrupts
 * calls blocked too long. Oracles: every errno must be one
 * the UAPI documents for that call; a dequeued frame must be well formed; no call may hang;
 * afterwards, with everything closed, the module must unload (no leaked reference), reload
 * with its whole allocation quota free, and the kernel log must hold no warning, oops,
 * list corruption or lockup.
 *
 * Usage: edgeml_kmod_fuzz EDGEML_KO TEST_SENSOR_KO SECONDS [SEED]
 * Prints "FUZZ ..." lines and ends with "FUZZ PASS ..." or "FUZZ FAIL ..."; exit status 0
 * only on PASS.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/klog.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <linux/dma-buf.h>

#include "edgeml_uapi.h"
#include "vm_helpers.h"

#define DEV_PATH "/dev/edgeml"
#define FUZZ_THREADS 4
/* The last worker runs as this user (its own credentials; Linux's are per thread). */
#define FUZZ_OTHER_UID 1000
#define MAX_DEVS 8
#define MAX_BUFS 48
#define MAX_MAPS 6
/* Small limits, so that every cap is reached often and the VM's 512 MiB suffice. */
#define FUZZ_MAX_BUFFER_KB 256
#define FUZZ_MAX_RING_BUFFERS 6
#define FUZZ_MAX_ALLOCS 24
#define FUZZ_PARAMS "max_buffer_kb=256 max_ring_buffers=6 max_rings=4 max_user_rings=3 " \
		    "max_allocs=24 max_file_allocs=8"
/* A call blocked longer than this is interrupted by the watchdog; 20x longer is a hang. */
#define BLOCK_NS (100 * 1000000ULL)
#define HANG_NS (20 * BLOCK_NS)

enum op {
	OP_OPEN, OP_DUP, OP_CLOSE_DEV, OP_ALLOC, OP_START, OP_STOP, OP_QUEUE, OP_DEQUEUE,
	OP_POLL, OP_MMAP, OP_MUNMAP, OP_SYNC, OP_CLOSE_BUF, OP_BAD_IOCTL, OP_READ_WRITE,
	OP_SENSOR, OP_COUNT
};

static const char *const op_names[OP_COUNT] = {
	"open", "dup", "close-dev", "alloc", "ring-start", "ring-stop", "queue", "dequeue",
	"poll", "mmap", "munmap", "sync", "close-buf", "bad-ioctl", "read-write", "sensor",
};

/* Relative weights of the operations. */
static const unsigned int op_weight[OP_COUNT] = {
	6, 2, 4, 10, 10, 6, 12, 12, 5, 8, 4, 5, 6, 4, 2, 1,
};

/*
 * The module files stay open for the whole run: a file opened meanwhile could take the number
 * of a dma-buf fd another thread still has in hand, and a mapping of it fault past its end.
 */
static const char *edgeml_ko;
static int sensor_ko_fd;
static long page_size;
static atomic_bool stop_flag;
static atomic_uint_fast64_t op_calls[OP_COUNT], op_ok[OP_COUNT];
static atomic_int failures;
static atomic_uint_fast64_t other_user_starts;

/* The fds the threads share; -1 marks a free entry. */
static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;
static int devs[MAX_DEVS], bufs[MAX_BUFS];
static pthread_mutex_t sensor_lock = PTHREAD_MUTEX_INITIALIZER;

/* What a worker does now, for the watchdog: the time its current call began, or 0. */
struct worker {
	pthread_t thread;
	int id;
	uint64_t rng;
	_Atomic uint64_t call_start;
	struct {
		void *addr;
		size_t len;
	} maps[MAX_MAPS];
};

static struct worker workers[FUZZ_THREADS];

static bool other_user(const struct worker *w)
{
	return w->id == FUZZ_THREADS - 1;
}

/* xorshift64*, one state per thread: a seed gives the same per-thread call sequences. */
static uint32_t rnd(struct worker *w)
{
	return xorshift_next(&w->rng);
}

static uint32_t rnd_below(struct worker *w, uint32_t n)
{
	return n ? rnd(w) % n : 0;
}

/* Records an oracle failure; prints the first few. */
static void fail(struct worker *w, const char *what, long ret, int err)
{
	if (atomic_fetch_add(&failures, 1) < 20)
		printf("FUZZ FAILURE thread %d: %s returned %ld, errno %d (%s)\n", w->id, what, ret,
		       err, strerror(err));
}

/* Checks that a failed call's errno is among the @n allowed ones. */
static void check_errno(struct worker *w, enum op op, long ret, int err, const int *allowed,
			size_t n)
{
	atomic_fetch_add(&op_calls[op], 1);
	if (ret >= 0) {
		atomic_fetch_add(&op_ok[op], 1);
		return;
	}
	for (size_t i = 0; i < n; i++)
		if (err == allowed[i])
			return;
	fail(w, op_names[op], ret, err);
}

#define CHECK_ERRNO(w, op, ret, ...)                                                       \
	do {                                                                               \
		static const int allowed_[] = { __VA_ARGS__ };                             \
		check_errno(w, op, ret, errno, allowed_, sizeof(allowed_) / sizeof(int));   \
	} while (0)

/* Picks a random used entry of @table; -1 when none. */
static int table_pick(struct worker *w, const int *table, int n)
{
	int start = rnd_below(w, n), fd = -1;

	pthread_mutex_lock(&table_lock);
	for (int i = 0; i < n && fd < 0; i++)
		fd = table[(start + i) % n];
	pthread_mutex_unlock(&table_lock);
	return fd;
}

/* Removes a random used entry of @table and returns its fd; -1 when none. */
static int table_take(struct worker *w, int *table, int n)
{
	int start = rnd_below(w, n), fd = -1;

	pthread_mutex_lock(&table_lock);
	for (int i = 0; i < n && fd < 0; i++) {
		int k = (start + i) % n;

		fd = table[k];
		table[k] = -1;
	}
	pthread_mutex_unlock(&table_lock);
	return fd;
}

/* Adds @fd to @table; when it is full, a random entry is evicted and closed. */
static void table_put(struct worker *w, int *table, int n, int fd)
{
	int evict = -1;

	pthread_mutex_lock(&table_lock);
	for (int i = 0; i < n; i++)
		if (table[i] < 0) {
			table[i] = fd;
			fd = -1;
			break;
		}
	if (fd >= 0) {
		int k = rnd_below(w, n);

		evict = table[k];
		table[k] = fd;
	}
	pthread_mutex_unlock(&table_lock);
	if (evict >= 0)
		close(evict);
}

/* A device fd, or now and then a wrong one: invalid, a dma-buf. */
static int pick_dev(struct worker *w)
{
	switch (rnd_below(w, 20)) {
	case 0:
		return -1;
	case 1:
		return table_pick(w, bufs, MAX_BUFS);
	default:
		return table_pick(w, devs, MAX_DEVS);
	}
}

/* A user pointer for an argument: usually @good, sometimes NULL, unmapped or misaligned. */
static void *pick_ptr(struct worker *w, void *good)
{
	switch (rnd_below(w, 24)) {
	case 0:
		return NULL;
	case 1:
		return (void *)8;
	case 2:
		return (void *)(uintptr_t)0xffffffffffff0000ULL;
	default:
		return good;
	}
}

static uint64_t pick_size(struct worker *w)
{
	static const uint64_t fixed[] = {
		0, 1, 4095, 4096, 4097, 3 * 4096 + 1, FUZZ_MAX_BUFFER_KB * 1024ULL,
		FUZZ_MAX_BUFFER_KB * 1024ULL + 1, UINT32_MAX, UINT64_MAX, 1ULL << 63,
	};

	if (rnd_below(w, 3))
		return 1 + rnd_below(w, 64 * 1024);
	return fixed[rnd_below(w, sizeof(fixed) / sizeof(fixed[0]))];
}

static void do_alloc(struct worker *w)
{
	struct edgeml_alloc a = { .size = pick_size(w) };
	int dev = pick_dev(w);
	long ret;

	a.flags = rnd_below(w, 8) ? EDGEML_FD_CLOEXEC * rnd_below(w, 2) : rnd(w);
	a.reserved = rnd_below(w, 16) ? 0 : rnd(w) | 1;
	ret = ioctl(dev, EDGEML_IOC_ALLOC, pick_ptr(w, &a));
	CHECK_ERRNO(w, OP_ALLOC, ret, EINVAL, E2BIG, EDQUOT, ENOSPC, ENOMEM, EMFILE, EFAULT,
		    EBADF, ENOTTY);
	if (ret == 0) {
		if (a.fd < 0)
			fail(w, "alloc gave a negative fd", a.fd, 0);
		else
			table_put(w, bufs, MAX_BUFS, a.fd);
	}
}

/* A ring configuration, valid more often than not, each field now and then broken. */
static void pick_start(struct worker *w, struct edgeml_ring_start *c)
{
	uint32_t payload;

	memset(c, 0, sizeof(*c));
	c->source = rnd_below(w, 10) ? 1 + rnd_below(w, 3) : rnd_below(w, 6);
	c->flags = rnd_below(w, 10) ? EDGEML_FD_CLOEXEC : rnd_below(w, 8);
	c->num_buffers = rnd_below(w, 10) ? 2 + rnd_below(w, 4) : rnd_below(w, 10);
	c->interval_ns = rnd_below(w, 10) ? EDGEML_MIN_INTERVAL_NS + rnd_below(w, 2000000) :
					    rnd(w);
	c->width = 8 + rnd_below(w, 256);
	c->height = c->source == EDGEML_SOURCE_IMAGE ? 1 + rnd_below(w, 16) : 1;
	c->channels = 1 + rnd_below(w, c->source == EDGEML_SOURCE_IMAGE ? 4 : 3);
	if (c->source == EDGEML_SOURCE_VIBRATION && rnd_below(w, 2)) {
		c->anomaly_period = 1 + rnd_below(w, 8);
		c->anomaly_offset = rnd_below(w, c->anomaly_period);
		c->anomaly_gain = 2 + rnd_below(w, 15);
	}
	if (c->source == EDGEML_SOURCE_VIBRATION && !rnd_below(w, 4))
		c->flags |= EDGEML_RING_VIB_F32;
	payload = c->width * c->height * c->channels *
		  (c->source == EDGEML_SOURCE_VIBRATION ? 4 : 1);
	c->frame_bytes = rnd_below(w, 8) ? payload + rnd_below(w, 8192) : (uint32_t)pick_size(w);
	switch (rnd_below(w, 30)) {
	case 0:
		c->reserved[rnd_below(w, 2)] = rnd(w) | 1;
		break;
	case 1:
		c->anomaly_gain = rnd(w);
		break;
	case 2:
		c->width = rnd(w);
		c->height = rnd(w);
		break;
	case 3:
		c->channels = rnd_below(w, 12);
		break;
	}
}

static void do_start(struct worker *w)
{
	int fds[16], dev = pick_dev(w);
	struct edgeml_ring_start c;
	long ret;

	pick_start(w, &c);
	c.fds_ptr = (uintptr_t)pick_ptr(w, fds);
	/* Too many buffers for the array would let the kernel write past it: keep it valid. */
	if (c.num_buffers > 16 && c.fds_ptr == (uintptr_t)fds)
		c.fds_ptr = 8;
	ret = ioctl(dev, EDGEML_IOC_RING_START, pick_ptr(w, &c));
	/* The test sensor's own refusals: EBUSY (one ring at a time), EINVAL, ENOMEM. */
	CHECK_ERRNO(w, OP_START, ret, EINVAL, E2BIG, EBUSY, EDQUOT, ENODEV, ENOMEM, EMFILE,
		    EFAULT, EBADF, ENOTTY);
	if (ret)
		return;
	if (other_user(w))
		atomic_fetch_add(&other_user_starts, 1);
	for (uint32_t i = 0; i < c.num_buffers; i++)
		table_put(w, bufs, MAX_BUFS, fds[i]);
}

static void do_queue(struct worker *w, int dev, uint32_t index)
{
	struct edgeml_queue q = { .index = index, .flags = rnd_below(w, 20) ? 0 : rnd(w) };
	long ret = ioctl(dev, EDGEML_IOC_QUEUE, pick_ptr(w, &q));

	CHECK_ERRNO(w, OP_QUEUE, ret, EINVAL, EFAULT, EBADF, ENOTTY);
}

static void do_dequeue(struct worker *w)
{
	struct edgeml_frame f = { .reserved = rnd_below(w, 20) ? 0 : 1 };
	int dev = pick_dev(w);
	long ret;

	w->call_start = now_ns();
	ret = ioctl(dev, EDGEML_IOC_DEQUEUE, pick_ptr(w, &f));
	w->call_start = 0;
	CHECK_ERRNO(w, OP_DEQUEUE, ret, EINVAL, EAGAIN, EINTR, EFAULT, EBADF, ENOTTY);
	if (ret)
		return;
	if (f.index >= FUZZ_MAX_RING_BUFFERS || f.reserved || f.flags & ~EDGEML_FRAME_ANOMALY ||
	    !f.bytes_used || f.bytes_used > FUZZ_MAX_BUFFER_KB * 1024)
		fail(w, "dequeue gave a malformed frame", f.index, 0);
	if (rnd_below(w, 4))
		do_queue(w, dev, f.index);
}

static void do_poll(struct worker *w)
{
	struct pollfd p[3];
	int n = 1 + rnd_below(w, 3);
	long ret;

	for (int i = 0; i < n; i++) {
		p[i].fd = rnd_below(w, 3) ? table_pick(w, devs, MAX_DEVS) :
					    table_pick(w, bufs, MAX_BUFS);
		p[i].events = rnd_below(w, 4) ? POLLIN : rnd(w);
	}
	w->call_start = now_ns();
	ret = poll(p, n, rnd_below(w, 10));
	w->call_start = 0;
	CHECK_ERRNO(w, OP_POLL, ret, EINTR);
}

/* Maps part of a dma-buf and touches every page of the mapping. */
static void do_mmap(struct worker *w)
{
	int fd = table_pick(w, bufs, MAX_BUFS), slot = rnd_below(w, MAX_MAPS);
	size_t len = page_size * (1 + rnd_below(w, FUZZ_MAX_BUFFER_KB * 1024 / page_size + 1));
	off_t off = page_size * rnd_below(w, rnd_below(w, 4) ? 1 : 4);
	int prot = rnd_below(w, 2) ? PROT_READ : PROT_READ | PROT_WRITE;
	int flags = rnd_below(w, 10) ? MAP_SHARED : MAP_PRIVATE;
	volatile uint8_t *m;
	long ret;

	if (rnd_below(w, 2))
		len = page_size * (1 + rnd_below(w, 4));
	m = mmap(NULL, len, prot, flags, fd, off);
	ret = m == MAP_FAILED ? -1 : 0;
	CHECK_ERRNO(w, OP_MMAP, ret, EINVAL, EBADF, EACCES, ENODEV, ENOMEM);
	if (ret)
		return;
	for (size_t i = 0; i < len; i += page_size) {
		uint8_t v = m[i];

		if (prot & PROT_WRITE)
			m[i] = v + 1;
	}
	if (w->maps[slot].addr)
		munmap(w->maps[slot].addr, w->maps[slot].len);
	w->maps[slot].addr = (void *)m;
	w->maps[slot].len = len;
}

static void do_munmap(struct worker *w)
{
	int slot = rnd_below(w, MAX_MAPS);

	atomic_fetch_add(&op_calls[OP_MUNMAP], 1);
	if (!w->maps[slot].addr)
		return;
	if (munmap(w->maps[slot].addr, w->maps[slot].len))
		fail(w, "munmap", -1, errno);
	else
		atomic_fetch_add(&op_ok[OP_MUNMAP], 1);
	w->maps[slot].addr = NULL;
}

static void do_sync(struct worker *w)
{
	static const uint64_t flags[] = {
		DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ,
		DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW, DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW,
		DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE, 0, 0x80,
	};
	struct dma_buf_sync s = { .flags = flags[rnd_below(w, sizeof(flags) / sizeof(flags[0]))] };
	int fd = rnd_below(w, 10) ? table_pick(w, bufs, MAX_BUFS) : pick_dev(w);
	long ret = ioctl(fd, DMA_BUF_IOCTL_SYNC, pick_ptr(w, &s));

	CHECK_ERRNO(w, OP_SYNC, ret, EINVAL, EFAULT, EBADF, ENOTTY);
}

/* A request of our magic that is none of the five real ones (wrong size, number or dir). */
static void do_bad_ioctl(struct worker *w)
{
	static const unsigned long real[] = {
		EDGEML_IOC_ALLOC, EDGEML_IOC_RING_START, EDGEML_IOC_QUEUE, EDGEML_IOC_DEQUEUE,
		EDGEML_IOC_RING_STOP,
	};
	uint8_t junk[128];
	unsigned long cmd;
	bool is_real;
	long ret;

	do {
		cmd = _IOC(rnd_below(w, 4), rnd_below(w, 8) ? EDGEML_IOC_MAGIC : rnd_below(w, 256),
			   rnd_below(w, 8), rnd_below(w, 80));
		is_real = false;
		for (size_t i = 0; i < sizeof(real) / sizeof(real[0]); i++)
			is_real |= cmd == real[i];
	} while (is_real);
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = rnd(w);
	ret = ioctl(pick_dev(w), cmd, pick_ptr(w, junk));
	/* A random request can hit the dma-buf's or a tty's own ioctls on the wrong fds. */
	CHECK_ERRNO(w, OP_BAD_IOCTL, ret, ENOTTY, EBADF, EINVAL, EFAULT, EPERM, EIO);
}

static void do_read_write(struct worker *w)
{
	char b[16] = { 0 };
	int dev = table_pick(w, devs, MAX_DEVS);
	long ret = rnd_below(w, 2) ? read(dev, b, sizeof(b)) : write(dev, b, sizeof(b));

	CHECK_ERRNO(w, OP_READ_WRITE, ret, EINVAL, EBADF);
}

/* Loads or unloads the test sensor driver; unloading is refused while a ring uses it. */
static void do_sensor(struct worker *w)
{
	long ret;

	pthread_mutex_lock(&sensor_lock);
	if (rnd_below(w, 2)) {
		ret = syscall(SYS_finit_module, sensor_ko_fd, "", 0);
		if (other_user(w))
			CHECK_ERRNO(w, OP_SENSOR, ret, EPERM);
		else
			CHECK_ERRNO(w, OP_SENSOR, ret, EEXIST);
	} else {
		ret = syscall(SYS_delete_module, "edgeml_test_sensor", O_NONBLOCK);
		if (other_user(w))
			CHECK_ERRNO(w, OP_SENSOR, ret, EPERM);
		else
			CHECK_ERRNO(w, OP_SENSOR, ret, EAGAIN, ENOENT);
	}
	pthread_mutex_unlock(&sensor_lock);
}

static void run_op(struct worker *w, enum op op)
{
	int fd;
	long ret;

	switch (op) {
	case OP_OPEN:
		fd = open(DEV_PATH, O_RDWR | O_CLOEXEC | (rnd_below(w, 3) ? 0 : O_NONBLOCK));
		if (other_user(w))
			CHECK_ERRNO(w, op, fd, EACCES);	/* the node is root's, mode 0600 */
		else
			CHECK_ERRNO(w, op, fd, EMFILE, ENOMEM);
		if (fd >= 0)
			table_put(w, devs, MAX_DEVS, fd);
		break;
	case OP_DUP:
		fd = fcntl(table_pick(w, devs, MAX_DEVS), F_DUPFD_CLOEXEC, 0);
		CHECK_ERRNO(w, op, fd, EBADF, EMFILE);
		if (fd >= 0)
			table_put(w, devs, MAX_DEVS, fd);
		break;
	case OP_CLOSE_DEV:
		fd = table_take(w, devs, MAX_DEVS);
		if (fd >= 0) {
			w->call_start = now_ns();
			ret = close(fd);
			w->call_start = 0;
			CHECK_ERRNO(w, op, ret, EBADF, EINTR);
		}
		break;
	case OP_ALLOC:
		do_alloc(w);
		break;
	case OP_START:
		do_start(w);
		break;
	case OP_STOP:
		w->call_start = now_ns();
		ret = ioctl(pick_dev(w), EDGEML_IOC_RING_STOP);
		w->call_start = 0;
		CHECK_ERRNO(w, op, ret, EINVAL, EBADF, ENOTTY);
		break;
	case OP_QUEUE:
		do_queue(w, pick_dev(w), rnd_below(w, 10) ? rnd_below(w, 8) : rnd(w));
		break;
	case OP_DEQUEUE:
		do_dequeue(w);
		break;
	case OP_POLL:
		do_poll(w);
		break;
	case OP_MMAP:
		do_mmap(w);
		break;
	case OP_MUNMAP:
		do_munmap(w);
		break;
	case OP_SYNC:
		do_sync(w);
		break;
	case OP_CLOSE_BUF:
		fd = table_take(w, bufs, MAX_BUFS);
		if (fd >= 0) {
			ret = close(fd);
			CHECK_ERRNO(w, op, ret, EBADF);
		}
		break;
	case OP_BAD_IOCTL:
		do_bad_ioctl(w);
		break;
	case OP_READ_WRITE:
		do_read_write(w);
		break;
	case OP_SENSOR:
		do_sensor(w);
		break;
	default:
		break;
	}
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	unsigned int total = 0;

	/* The raw syscall changes this thread only; glibc's setresuid() would change them all. */
	if (other_user(w) && syscall(SYS_setresuid, FUZZ_OTHER_UID, FUZZ_OTHER_UID, FUZZ_OTHER_UID))
		fail(w, "setresuid", -1, errno);

	for (int i = 0; i < OP_COUNT; i++)
		total += op_weight[i];
	while (!atomic_load(&stop_flag)) {
		unsigned int r = rnd_below(w, total);
		int op = 0;

		while (r >= op_weight[op])
			r -= op_weight[op++];
		run_op(w, op);
	}
	for (int i = 0; i < MAX_MAPS; i++)
		if (w->maps[i].addr)
			munmap(w->maps[i].addr, w->maps[i].len);
	return NULL;
}

static void on_signal(int sig)
{
	(void)sig;
}

/*
 * Interrupts calls blocked past BLOCK_NS (a dequeue nobody feeds is legitimate) and fails
 * the run when one stays blocked past HANG_NS despite the signals.
 */
static void *watchdog_main(void *arg)
{
	bool *hung = arg;

	while (!*hung) {
		bool busy = false;

		for (int i = 0; i < FUZZ_THREADS; i++) {
			uint64_t s = workers[i].call_start, t = now_ns();

			if (!s || s > t)
				continue;
			busy = true;
			if (t - s > HANG_NS && !*hung) {
				printf("FUZZ FAILURE thread %d blocked in a call for %.1f s\n", i,
				       (t - s) / 1e9);
				*hung = true;
				atomic_fetch_add(&failures, 1);
			}
			if (t - s > BLOCK_NS)
				pthread_kill(workers[i].thread, SIGUSR1);
		}
		if (atomic_load(&stop_flag) && !busy)
			break;
		usleep(20000);
	}
	return NULL;
}

/* The kernel log must be free of warnings, oopses, list corruption and lockups. */
static int check_dmesg(void)
{
	static const char *const bad[] = {
		"WARNING:", "BUG:", "Oops", "refcount", "KASAN", "UBSAN", "Call Trace",
		"general protection", "list_add corruption", "list_del corruption", "soft lockup",
		"blocked for more than",
	};
	static char log[1 << 20];
	int n = klogctl(3, log, sizeof(log) - 1), hits = 0;

	if (n <= 0) {
		printf("FUZZ FAILURE cannot read the kernel log\n");
		return 1;
	}
	log[n] = 0;
	for (char *line = strtok(log, "\n"); line; line = strtok(NULL, "\n"))
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
			if (strstr(line, bad[i])) {
				printf("FUZZ DMESG %s\n", line);
				hits++;
				break;
			}
	return hits;
}

/* With the module reloaded, its whole allocation quota must be free again. */
static int check_quota(void)
{
	int dev[FUZZ_MAX_ALLOCS / 8], fds[FUZZ_MAX_ALLOCS], n = 0, bad = 0;

	if (load_module(edgeml_ko, FUZZ_PARAMS)) {
		printf("FUZZ FAILURE reload: %s\n", strerror(errno));
		return 1;
	}
	for (int d = 0; d < FUZZ_MAX_ALLOCS / 8; d++) {
		dev[d] = open(DEV_PATH, O_RDWR | O_CLOEXEC);
		for (int i = 0; i < 8; i++) {
			struct edgeml_alloc a = { .size = 4096, .flags = EDGEML_FD_CLOEXEC };

			if (ioctl(dev[d], EDGEML_IOC_ALLOC, &a) == 0)
				fds[n++] = a.fd;
		}
	}
	if (n != FUZZ_MAX_ALLOCS) {
		printf("FUZZ FAILURE only %d of %d buffers allocatable after the run\n", n,
		       FUZZ_MAX_ALLOCS);
		bad++;
	}
	while (n)
		close(fds[--n]);
	for (int d = 0; d < FUZZ_MAX_ALLOCS / 8; d++)
		close(dev[d]);
	if (syscall(SYS_delete_module, "edgeml", O_NONBLOCK)) {
		printf("FUZZ FAILURE unload after the quota check: %s\n", strerror(errno));
		bad++;
	}
	return bad;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	uint64_t seed, t0, execs = 0, oks = 0;
	pthread_t watchdog;
	bool hung = false;
	double seconds;
	int bad;

	if (argc < 4) {
		fprintf(stderr, "usage: %s EDGEML_KO TEST_SENSOR_KO SECONDS [SEED]\n", argv[0]);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	edgeml_ko = argv[1];
	sensor_ko_fd = open(argv[2], O_RDONLY | O_CLOEXEC);
	seconds = atof(argv[3]);
	seed = argc > 4 ? strtoull(argv[4], NULL, 0) : (uint64_t)time(NULL);
	page_size = sysconf(_SC_PAGESIZE);
	sigaction(SIGUSR1, &sa, NULL);	/* no SA_RESTART: blocked calls return EINTR */
	signal(SIGPIPE, SIG_IGN);
	for (int i = 0; i < MAX_DEVS; i++)
		devs[i] = -1;
	for (int i = 0; i < MAX_BUFS; i++)
		bufs[i] = -1;
	printf("FUZZ seed %#" PRIx64 ", %d threads, %.0f s\n", seed, FUZZ_THREADS, seconds);
	if (load_module(edgeml_ko, FUZZ_PARAMS) || syscall(SYS_finit_module, sensor_ko_fd, "", 0)) {
		printf("FUZZ FAIL cannot load the modules: %s\n", strerror(errno));
		return 1;
	}

	t0 = now_ns();
	for (int i = 0; i < FUZZ_THREADS; i++) {
		workers[i].id = i;
		workers[i].rng = (seed + 1) * 0x9e3779b97f4a7c15ULL * (i + 1) | 1;
		pthread_create(&workers[i].thread, NULL, worker_main, &workers[i]);
	}
	pthread_create(&watchdog, NULL, watchdog_main, &hung);
	while (now_ns() - t0 < seconds * 1e9 && !hung)
		usleep(100000);
	atomic_store(&stop_flag, true);
	if (hung) {
		/* A thread stuck in the kernel cannot be joined; report what we have. */
		printf("FUZZ FAIL a call hung in the kernel\n");
		check_dmesg();
		return 1;
	}
	for (int i = 0; i < FUZZ_THREADS; i++)
		pthread_join(workers[i].thread, NULL);
	pthread_join(watchdog, NULL);

	for (int i = 0; i < MAX_DEVS; i++)
		if (devs[i] >= 0)
			close(devs[i]);
	for (int i = 0; i < MAX_BUFS; i++)
		if (bufs[i] >= 0)
			close(bufs[i]);
	for (int i = 0; i < OP_COUNT; i++) {
		printf("FUZZ op %-10s %10" PRIu64 " calls %10" PRIu64 " succeeded\n", op_names[i],
		       (uint64_t)op_calls[i], (uint64_t)op_ok[i]);
		execs += op_calls[i];
		oks += op_ok[i];
	}
	printf("FUZZ rings started by the second user (uid %d): %" PRIu64 "\n", FUZZ_OTHER_UID,
	       (uint64_t)other_user_starts);
	bad = atomic_load(&failures);
	if (syscall(SYS_delete_module, "edgeml_test_sensor", O_NONBLOCK) && errno != ENOENT) {
		printf("FUZZ FAILURE the test sensor does not unload with everything closed: %s\n",
		       strerror(errno));
		bad++;
	}
	if (syscall(SYS_delete_module, "edgeml", O_NONBLOCK)) {
		printf("FUZZ FAILURE the module does not unload with everything closed: %s"
		       " (a leaked reference)\n", strerror(errno));
		bad++;
	} else {
		bad += check_quota();
	}
	bad += check_dmesg();
	printf("FUZZ %s %" PRIu64 " calls (%" PRIu64 " succeeded) in %.1f s, seed %#" PRIx64
	       ", %d failures\n", bad ? "FAIL" : "PASS", execs, oks, (now_ns() - t0) / 1e9, seed,
	       bad);
	return bad ? 1 : 0;
}
