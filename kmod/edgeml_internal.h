/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Declarations shared by the files of the edgeml module; nothing here is exported.
 */
#ifndef _EDGEML_INTERNAL_H
#define _EDGEML_INTERNAL_H

#include <linux/atomic.h>
#include <linux/dma-buf.h>
#include <linux/hrtimer.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "uapi/edgeml_uapi.h"

struct edgeml_quota;
struct edgeml_sensor;
struct edgeml_user_rings;

/* Limits set at load time (module parameters of edgeml_main.c). */
extern unsigned int edgeml_max_buffer_kb;
extern unsigned int edgeml_max_ring_buffers;
extern unsigned int edgeml_max_rings;
extern unsigned int edgeml_max_user_rings;

/* edgeml_main.c: the allocation quota of EDGEML_IOC_ALLOC buffers. */
void edgeml_quota_uncharge(struct edgeml_quota *quota);

/* edgeml_buf.c: page-backed dma-bufs exported by this module. */
struct dma_buf *edgeml_buf_create(size_t size, struct edgeml_quota *quota);
void *edgeml_buf_vmap(struct dma_buf *dmabuf);
void edgeml_buf_vunmap(struct dma_buf *dmabuf);
void edgeml_buf_cpu_written(struct dma_buf *dmabuf);

/* edgeml_synth.c: the deterministic content of the built-in sources. */
int edgeml_synth_payload(const struct edgeml_ring_start *cfg, u64 *bytes);
u32 edgeml_synth_fill(void *dst, u64 seq, const struct edgeml_ring_start *cfg, u32 *flags);

enum edgeml_slot_state {
	EDGEML_SLOT_QUEUED,	/* waiting for the producer */
	EDGEML_SLOT_FILLING,	/* the producer writes it */
	EDGEML_SLOT_DONE,	/* filled, waiting for DEQUEUE */
	EDGEML_SLOT_USER,	/* dequeued, owned by user space until QUEUE */
};

/* One buffer of a ring: the ring's reference to its dma-buf and the frame it last held. */
struct edgeml_slot {
	struct dma_buf *dmabuf;
	void *vaddr;
	struct list_head node;
	enum edgeml_slot_state state;
	struct edgeml_frame frame;
};

/*
 * The ring of one open /dev/edgeml file. @lock serialises start and stop; @qlock guards
 * @running, @epoch, @slots and @nslots as seen by queue, dequeue, poll and the producer, the
 * slots' states and both lists, so those paths never sleep on @lock. @epoch changes on every
 * start and stop: a producer that took a slot in one epoch publishes it only in that epoch.
 */
struct edgeml_ring {
	struct mutex lock;	/* start and stop */
	spinlock_t qlock;	/* the state queue, dequeue, poll and the producer share */
	wait_queue_head_t wait;
	bool running;
	u64 epoch;
	struct edgeml_slot *slots;
	u32 nslots;
	struct list_head queued;
	struct list_head done;
	u64 next_seq;
	atomic_t dropped;
	size_t buf_bytes;
	struct edgeml_ring_start cfg;
	struct hrtimer timer;
	struct work_struct work;
	struct edgeml_sensor *sensor;
	struct edgeml_user_rings *user;
};

/* edgeml_ring.c */
void edgeml_ring_init(struct edgeml_ring *ring);
int edgeml_ring_start(struct edgeml_ring *ring, void __user *uarg);
int edgeml_ring_stop(struct edgeml_ring *ring);
int edgeml_ring_queue(struct edgeml_ring *ring, void __user *uarg);
int edgeml_ring_dequeue(struct edgeml_ring *ring, void __user *uarg, bool nonblock);
__poll_t edgeml_ring_poll(struct edgeml_ring *ring, struct file *file, poll_table *wait);

#endif /* _EDGEML_INTERNAL_H */
