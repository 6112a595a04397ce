// SPDX-License-Identifier: GPL-2.0
/*
 * Sensor rings: a set of dma-bufs cycling between a producer (the built-in synthetic source,
 * driven by an hrtimer and a work item, or a registered sensor driver) and user space
 * (queue / dequeue / poll). Also the in-kernel API for sensor drivers.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cred.h>
#include <linux/file.h>
#include <linux/fcntl.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/uidgid.h>

#include "edgeml_internal.h"
#include "edgeml_sensor.h"

/* Rings running in the whole system, bounded by edgeml_max_rings. */
static atomic_t edgeml_rings_running = ATOMIC_INIT(0);

/* Rings running per user (effective uid at start), bounded by edgeml_max_user_rings. */
struct edgeml_user_rings {
	struct list_head node;
	kuid_t uid;
	unsigned int running;
};

static DEFINE_MUTEX(edgeml_users_lock);
static LIST_HEAD(edgeml_users);

static DEFINE_MUTEX(edgeml_sensor_lock);
static struct edgeml_sensor *edgeml_sensor_registered;

/* A frame handed in by a sensor driver, on its way into a buffer. */
struct edgeml_push {
	const void *data;
	size_t len;
	u32 flags;
};

/* Writes one frame into @dst; returns payload bytes and sets the frame's flags. */
typedef u32 (*edgeml_fill_fn)(struct edgeml_ring *ring, void *dst, u64 seq, const void *ctx,
			      u32 *flags);

/*
 * Hands the oldest queued buffer to @fill and moves it to the done list. Runs in process
 * context (a work item or a driver's thread); one producer per ring at a time.
 */
static int edgeml_ring_produce(struct edgeml_ring *ring, edgeml_fill_fn fill, const void *ctx,
			       u64 timestamp_ns)
{
	struct edgeml_slot *slot;
	u32 used, flags;
	u64 seq, epoch;

	might_sleep();
	spin_lock(&ring->qlock);
	if (!ring->running) {
		spin_unlock(&ring->qlock);
		return -ESHUTDOWN;
	}
	slot = list_first_entry_or_null(&ring->queued, struct edgeml_slot, node);
	if (!slot) {
		spin_unlock(&ring->qlock);
		atomic_inc(&ring->dropped);
		return -ENOBUFS;
	}
	list_del(&slot->node);
	slot->state = EDGEML_SLOT_FILLING;
	seq = ring->next_seq++;
	epoch = ring->epoch;
	spin_unlock(&ring->qlock);

	/*
	 * Unlocked: RING_STOP may unpublish the ring meanwhile, but it waits for the producer
	 * (edgeml_ring_stop_source()) before it frees the slots, so @slot stays valid here.
	 */
	used = fill(ring, slot->vaddr, seq, ctx, &flags);
	edgeml_buf_cpu_written(slot->dmabuf);

	spin_lock(&ring->qlock);
	if (ring->epoch != epoch) {
		/* Stopped while we filled: the slot is on no list of ours any more. */
		spin_unlock(&ring->qlock);
		return -ESHUTDOWN;
	}
	slot->frame.flags = flags;
	slot->frame.sequence = seq;
	slot->frame.timestamp_ns = timestamp_ns;
	slot->frame.bytes_used = used;
	slot->frame.dropped = atomic_read(&ring->dropped);
	slot->state = EDGEML_SLOT_DONE;
	list_add_tail(&slot->node, &ring->done);
	spin_unlock(&ring->qlock);
	wake_up_interruptible(&ring->wait);
	return 0;
}

/* Fill function of the synthetic sources. */
static u32 edgeml_ring_fill_synth(struct edgeml_ring *ring, void *dst, u64 seq, const void *ctx,
				  u32 *flags)
{
	return edgeml_synth_fill(dst, seq, &ring->cfg, flags);
}

/* The synthetic source's frame, produced in process context on each timer tick. */
static void edgeml_ring_work(struct work_struct *work)
{
	struct edgeml_ring *ring = container_of(work, struct edgeml_ring, work);

	edgeml_ring_produce(ring, edgeml_ring_fill_synth, NULL, ktime_get_ns());
}

/* Timer tick (hard interrupt context): defer the frame to the work item, which may sleep. */
static enum hrtimer_restart edgeml_ring_tick(struct hrtimer *timer)
{
	struct edgeml_ring *ring = container_of(timer, struct edgeml_ring, timer);

	u64 overruns;

	/* Ticks that find the previous frame still in the making, or that came late, are lost. */
	if (!queue_work(system_highpri_wq, &ring->work))
		atomic_inc(&ring->dropped);
	overruns = hrtimer_forward_now(timer, ns_to_ktime(ring->cfg.interval_ns));
	if (overruns > 1)
		atomic_add(min_t(u64, overruns - 1, INT_MAX), &ring->dropped);
	return HRTIMER_RESTART;
}

/**
 * edgeml_ring_init - prepare the ring of a newly opened file
 * @ring: zeroed memory
 */
void edgeml_ring_init(struct edgeml_ring *ring)
{
	mutex_init(&ring->lock);
	spin_lock_init(&ring->qlock);
	init_waitqueue_head(&ring->wait);
	INIT_LIST_HEAD(&ring->queued);
	INIT_LIST_HEAD(&ring->done);
	hrtimer_init(&ring->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	ring->timer.function = edgeml_ring_tick;
	INIT_WORK(&ring->work, edgeml_ring_work);
}

/* Checks every field of a start request; sets the page-rounded buffer size. */
static int edgeml_ring_check(const struct edgeml_ring_start *arg, size_t *buf_bytes)
{
	u64 payload = 0;
	int ret;

	if (arg->flags & ~(EDGEML_FD_CLOEXEC | EDGEML_RING_VIB_F32) || arg->reserved[0] ||
	    arg->reserved[1])
		return -EINVAL;
	if (arg->flags & EDGEML_RING_VIB_F32 && arg->source != EDGEML_SOURCE_VIBRATION)
		return -EINVAL;
	if (arg->num_buffers < 2 || !arg->frame_bytes)
		return -EINVAL;
	if (arg->interval_ns < EDGEML_MIN_INTERVAL_NS || arg->interval_ns > EDGEML_MAX_INTERVAL_NS)
		return -EINVAL;
	switch (arg->source) {
	case EDGEML_SOURCE_IMAGE:
	case EDGEML_SOURCE_VIBRATION:
		ret = edgeml_synth_payload(arg, &payload);
		if (ret)
			return ret;
		break;
	case EDGEML_SOURCE_DRIVER:
		if (arg->anomaly_period || arg->anomaly_offset || arg->anomaly_gain)
			return -EINVAL;
		break;
	default:
		return -EINVAL;
	}
	if (arg->frame_bytes < payload)
		return -EINVAL;
	if (arg->num_buffers > edgeml_max_ring_buffers ||
	    arg->frame_bytes > (u64)edgeml_max_buffer_kb * 1024)
		return -E2BIG;
	*buf_bytes = PAGE_ALIGN((size_t)arg->frame_bytes);
	return 0;
}

/* Drops the ring's references to its buffers and frees the slots; the ring has stopped. */
static void edgeml_ring_free_slots(struct edgeml_slot *slots, u32 n)
{
	u32 i;

	for (i = 0; i < n; i++) {
		if (!slots[i].dmabuf)
			continue;
		if (slots[i].vaddr)
			edgeml_buf_vunmap(slots[i].dmabuf);
		dma_buf_put(slots[i].dmabuf);
	}
	kfree(slots);
}

/* Allocates and maps @n buffers of @bytes each. */
static struct edgeml_slot *edgeml_ring_alloc_slots(u32 n, size_t bytes)
{
	struct edgeml_slot *slots;
	struct dma_buf *dmabuf;
	u32 i;

	slots = kcalloc(n, sizeof(*slots), GFP_KERNEL);
	if (!slots)
		return ERR_PTR(-ENOMEM);
	for (i = 0; i < n; i++) {
		dmabuf = edgeml_buf_create(bytes, NULL);
		if (IS_ERR(dmabuf)) {
			edgeml_ring_free_slots(slots, n);
			return ERR_CAST(dmabuf);
		}
		slots[i].dmabuf = dmabuf;
		slots[i].vaddr = edgeml_buf_vmap(dmabuf);
		if (!slots[i].vaddr) {
			edgeml_ring_free_slots(slots, n);
			return ERR_PTR(-ENOMEM);
		}
		slots[i].frame.index = i;
	}
	return slots;
}

/* Pins the registered sensor driver for a ring, or fails with -ENODEV. */
static struct edgeml_sensor *edgeml_sensor_get(void)
{
	struct edgeml_sensor *sensor;

	mutex_lock(&edgeml_sensor_lock);
	sensor = edgeml_sensor_registered;
	if (sensor && !try_module_get(sensor->owner))
		sensor = NULL;
	mutex_unlock(&edgeml_sensor_lock);
	return sensor ? sensor : ERR_PTR(-ENODEV);
}

/* Counts a ring of the calling user against max_user_rings; -EDQUOT when at the cap. */
static int edgeml_user_charge(struct edgeml_ring *ring)
{
	kuid_t uid = current_euid();
	struct edgeml_user_rings *u;
	int ret = 0;

	mutex_lock(&edgeml_users_lock);
	list_for_each_entry(u, &edgeml_users, node)
		if (uid_eq(u->uid, uid))
			goto found;
	u = kzalloc(sizeof(*u), GFP_KERNEL);
	if (!u) {
		ret = -ENOMEM;
		goto out;
	}
	u->uid = uid;
	list_add(&u->node, &edgeml_users);
found:
	if (u->running >= edgeml_max_user_rings) {
		ret = -EDQUOT;
		goto out;
	}
	u->running++;
	ring->user = u;
out:
	mutex_unlock(&edgeml_users_lock);
	return ret;
}

/* Gives back the ring's count of its user, forgetting users without rings. */
static void edgeml_user_uncharge(struct edgeml_ring *ring)
{
	struct edgeml_user_rings *u = ring->user;

	mutex_lock(&edgeml_users_lock);
	if (!--u->running) {
		list_del(&u->node);
		kfree(u);
	}
	mutex_unlock(&edgeml_users_lock);
	ring->user = NULL;
}

/* Makes the ring visible to queue/dequeue/poll with every buffer queued, in a new epoch. */
static void edgeml_ring_publish(struct edgeml_ring *ring, struct edgeml_slot *slots, u32 n)
{
	u32 i;

	spin_lock(&ring->qlock);
	ring->epoch++;
	ring->slots = slots;
	ring->nslots = n;
	ring->next_seq = 0;
	atomic_set(&ring->dropped, 0);
	INIT_LIST_HEAD(&ring->queued);
	INIT_LIST_HEAD(&ring->done);
	for (i = 0; i < n; i++) {
		slots[i].state = EDGEML_SLOT_QUEUED;
		list_add_tail(&slots[i].node, &ring->queued);
	}
	ring->running = true;
	spin_unlock(&ring->qlock);
}

/*
 * Makes the ring invisible to queue/dequeue/poll and wakes sleepers, who then fail; ends the
 * epoch, so that a frame still being filled is dropped instead of published.
 */
static void edgeml_ring_unpublish(struct edgeml_ring *ring)
{
	spin_lock(&ring->qlock);
	ring->epoch++;
	ring->running = false;
	ring->slots = NULL;
	ring->nslots = 0;
	INIT_LIST_HEAD(&ring->queued);
	INIT_LIST_HEAD(&ring->done);
	spin_unlock(&ring->qlock);
	wake_up_interruptible_all(&ring->wait);
}

/* Starts the ring's producer: the registered driver, or the synthetic source's timer. */
static int edgeml_ring_start_source(struct edgeml_ring *ring)
{
	struct edgeml_sensor_config scfg = {
		.width = ring->cfg.width,
		.height = ring->cfg.height,
		.channels = ring->cfg.channels,
		.frame_bytes = ring->buf_bytes,
		.interval_ns = ring->cfg.interval_ns,
	};

	if (ring->sensor)
		return ring->sensor->start(ring->sensor, ring, &scfg);
	hrtimer_start(&ring->timer, ns_to_ktime(ring->cfg.interval_ns), HRTIMER_MODE_REL);
	return 0;
}

/* Stops the producer; on return it no longer touches any slot. */
static void edgeml_ring_stop_source(struct edgeml_ring *ring)
{
	if (ring->sensor) {
		ring->sensor->stop(ring->sensor, ring);
		return;
	}
	/* The timer first: once it is gone, nothing queues the work again. */
	hrtimer_cancel(&ring->timer);
	cancel_work_sync(&ring->work);
}

/* Unpins the sensor driver, if any. */
static void edgeml_ring_put_sensor(struct edgeml_ring *ring)
{
	if (ring->sensor) {
		module_put(ring->sensor->owner);
		ring->sensor = NULL;
	}
}

/*
 * Reserves one fd per buffer and tells user space their numbers; nothing is installed yet,
 * so a later failure can still give every fd back.
 */
static int edgeml_ring_reserve_fds(const struct edgeml_ring_start *arg, int *fds)
{
	int flags = arg->flags & EDGEML_FD_CLOEXEC ? O_CLOEXEC : 0;
	u32 i;

	for (i = 0; i < arg->num_buffers; i++) {
		fds[i] = get_unused_fd_flags(flags);
		if (fds[i] < 0) {
			int ret = fds[i];

			while (i--)
				put_unused_fd(fds[i]);
			return ret;
		}
	}
	if (copy_to_user(u64_to_user_ptr(arg->fds_ptr), fds, arg->num_buffers * sizeof(*fds))) {
		for (i = 0; i < arg->num_buffers; i++)
			put_unused_fd(fds[i]);
		return -EFAULT;
	}
	return 0;
}

/**
 * edgeml_ring_start - EDGEML_IOC_RING_START: allocate, export and queue the buffers, start
 * @ring: the file's ring
 * @uarg: user pointer to struct edgeml_ring_start
 *
 * Return: 0 or a negative errno as documented in the UAPI header.
 */
int edgeml_ring_start(struct edgeml_ring *ring, void __user *uarg)
{
	struct edgeml_ring_start arg;
	struct edgeml_slot *slots;
	size_t buf_bytes;
	int *fds = NULL;
	u32 i;
	int ret;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	ret = edgeml_ring_check(&arg, &buf_bytes);
	if (ret)
		return ret;

	mutex_lock(&ring->lock);
	if (ring->slots) {
		ret = -EBUSY;
		goto out_unlock;
	}
	if (atomic_inc_return(&edgeml_rings_running) > edgeml_max_rings) {
		ret = -EBUSY;
		goto out_count;
	}
	ret = edgeml_user_charge(ring);
	if (ret)
		goto out_count;
	if (arg.source == EDGEML_SOURCE_DRIVER) {
		ring->sensor = edgeml_sensor_get();
		if (IS_ERR(ring->sensor)) {
			ret = PTR_ERR(ring->sensor);
			ring->sensor = NULL;
			goto out_user;
		}
	}
	fds = kmalloc_array(arg.num_buffers, sizeof(*fds), GFP_KERNEL);
	if (!fds) {
		ret = -ENOMEM;
		goto out_sensor;
	}
	slots = edgeml_ring_alloc_slots(arg.num_buffers, buf_bytes);
	if (IS_ERR(slots)) {
		ret = PTR_ERR(slots);
		goto out_sensor;
	}
	ret = edgeml_ring_reserve_fds(&arg, fds);
	if (ret)
		goto out_slots;

	ring->cfg = arg;
	ring->buf_bytes = buf_bytes;
	edgeml_ring_publish(ring, slots, arg.num_buffers);
	ret = edgeml_ring_start_source(ring);
	if (ret) {
		edgeml_ring_unpublish(ring);
		for (i = 0; i < arg.num_buffers; i++)
			put_unused_fd(fds[i]);
		goto out_slots;
	}
	/* Each fd gets its own reference; the ring keeps the one from creation. */
	for (i = 0; i < arg.num_buffers; i++) {
		get_dma_buf(slots[i].dmabuf);
		fd_install(fds[i], slots[i].dmabuf->file);
	}
	kfree(fds);
	mutex_unlock(&ring->lock);
	return 0;

out_slots:
	edgeml_ring_free_slots(slots, arg.num_buffers);
out_sensor:
	kfree(fds);
	edgeml_ring_put_sensor(ring);
out_user:
	edgeml_user_uncharge(ring);
out_count:
	atomic_dec(&edgeml_rings_running);
out_unlock:
	mutex_unlock(&ring->lock);
	return ret;
}

/**
 * edgeml_ring_stop - EDGEML_IOC_RING_STOP, and the file's release: stop and free the ring
 * @ring: the file's ring
 *
 * Buffers stay alive as long as user space holds their fds.
 *
 * Return: 0, or -EINVAL when the ring is not running.
 */
int edgeml_ring_stop(struct edgeml_ring *ring)
{
	struct edgeml_slot *slots;
	u32 n;

	mutex_lock(&ring->lock);
	slots = ring->slots;
	n = ring->nslots;
	if (!slots) {
		mutex_unlock(&ring->lock);
		return -EINVAL;
	}
	edgeml_ring_unpublish(ring);
	edgeml_ring_stop_source(ring);
	edgeml_ring_put_sensor(ring);
	edgeml_ring_free_slots(slots, n);
	edgeml_user_uncharge(ring);
	atomic_dec(&edgeml_rings_running);
	mutex_unlock(&ring->lock);
	return 0;
}

/**
 * edgeml_ring_queue - EDGEML_IOC_QUEUE: return a dequeued buffer to the producer
 * @ring: the file's ring
 * @uarg: user pointer to struct edgeml_queue
 *
 * Return: 0 or a negative errno as documented in the UAPI header.
 */
int edgeml_ring_queue(struct edgeml_ring *ring, void __user *uarg)
{
	struct edgeml_queue arg;
	struct edgeml_slot *slot;
	int ret = -EINVAL;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (arg.flags)
		return -EINVAL;
	spin_lock(&ring->qlock);
	if (ring->running && arg.index < ring->nslots) {
		slot = &ring->slots[arg.index];
		if (slot->state == EDGEML_SLOT_USER) {
			slot->state = EDGEML_SLOT_QUEUED;
			list_add_tail(&slot->node, &ring->queued);
			ret = 0;
		}
	}
	spin_unlock(&ring->qlock);
	return ret;
}

/* True when a dequeue waiter has something to do: a frame, or a ring that went away. */
static bool edgeml_ring_wakeable(struct edgeml_ring *ring)
{
	bool ret;

	spin_lock(&ring->qlock);
	ret = !ring->running || !list_empty(&ring->done);
	spin_unlock(&ring->qlock);
	return ret;
}

/* Takes the oldest done frame; -EAGAIN when there is none, -EINVAL when the ring is gone. */
static int edgeml_ring_take(struct edgeml_ring *ring, struct edgeml_frame *frame)
{
	struct edgeml_slot *slot;
	int ret = -EAGAIN;

	spin_lock(&ring->qlock);
	if (!ring->running) {
		ret = -EINVAL;
	} else {
		slot = list_first_entry_or_null(&ring->done, struct edgeml_slot, node);
		if (slot) {
			list_del(&slot->node);
			slot->state = EDGEML_SLOT_USER;
			*frame = slot->frame;
			ret = 0;
		}
	}
	spin_unlock(&ring->qlock);
	return ret;
}

/**
 * edgeml_ring_dequeue - EDGEML_IOC_DEQUEUE: wait for and hand out the oldest filled frame
 * @ring: the file's ring
 * @uarg: user pointer to struct edgeml_frame
 * @nonblock: the file is O_NONBLOCK: fail with -EAGAIN instead of waiting
 *
 * Return: 0 or a negative errno as documented in the UAPI header.
 */
int edgeml_ring_dequeue(struct edgeml_ring *ring, void __user *uarg, bool nonblock)
{
	struct edgeml_frame frame;
	int ret;

	if (copy_from_user(&frame, uarg, sizeof(frame)))
		return -EFAULT;
	if (frame.reserved)
		return -EINVAL;
	for (;;) {
		ret = edgeml_ring_take(ring, &frame);
		if (ret != -EAGAIN || nonblock)
			break;
		ret = wait_event_interruptible(ring->wait, edgeml_ring_wakeable(ring));
		if (ret)
			return ret;
	}
	if (ret)
		return ret;
	if (copy_to_user(uarg, &frame, sizeof(frame)))
		return -EFAULT;
	return 0;
}

/**
 * edgeml_ring_poll - poll() of the device file
 * @ring: the file's ring
 * @file: the device file
 * @wait: the poll table
 *
 * Return: EPOLLIN | EPOLLRDNORM when a frame is ready, EPOLLERR when no ring runs, else 0.
 */
__poll_t edgeml_ring_poll(struct edgeml_ring *ring, struct file *file, poll_table *wait)
{
	__poll_t mask = 0;

	poll_wait(file, &ring->wait, wait);
	spin_lock(&ring->qlock);
	if (!ring->running)
		mask = EPOLLERR;
	else if (!list_empty(&ring->done))
		mask = EPOLLIN | EPOLLRDNORM;
	spin_unlock(&ring->qlock);
	return mask;
}

/* Fill function of edgeml_ring_push_frame(): copies the driver's frame. */
static u32 edgeml_ring_fill_copy(struct edgeml_ring *ring, void *dst, u64 seq, const void *ctx,
				 u32 *flags)
{
	const struct edgeml_push *src = ctx;

	memcpy(dst, src->data, src->len);
	*flags = src->flags;
	return src->len;
}

/**
 * edgeml_ring_push_frame - hand one frame from a sensor driver to a ring
 * @ring: the ring given to the driver's start callback
 * @data: the frame's payload
 * @len: payload bytes, at most the config's frame_bytes
 * @timestamp_ns: CLOCK_MONOTONIC capture time (ktime_get_ns() clock)
 * @flags: EDGEML_FRAME_* bits for user space
 *
 * Copies the frame into the oldest queued buffer. Process context only (may sleep); only
 * between the driver's start and stop callbacks.
 *
 * Return: 0; -EINVAL for a bad @len or @flags; -ENOBUFS when user space holds every buffer
 * (the frame is dropped and counted); -ESHUTDOWN when the ring is stopping.
 */
int edgeml_ring_push_frame(struct edgeml_ring *ring, const void *data, size_t len,
			   u64 timestamp_ns, u32 flags)
{
	const struct edgeml_push src = { .data = data, .len = len, .flags = flags };

	if (!len || len > ring->buf_bytes || flags & ~EDGEML_FRAME_ANOMALY)
		return -EINVAL;
	return edgeml_ring_produce(ring, edgeml_ring_fill_copy, &src, timestamp_ns);
}
EXPORT_SYMBOL_GPL(edgeml_ring_push_frame);

/**
 * edgeml_sensor_register - make a sensor driver the source of EDGEML_SOURCE_DRIVER rings
 * @sensor: filled in by the driver; must outlive its registration
 *
 * Return: 0; -EINVAL when a callback is missing; -EBUSY when a driver is registered already.
 */
int edgeml_sensor_register(struct edgeml_sensor *sensor)
{
	int ret = 0;

	if (!sensor->start || !sensor->stop || !sensor->name)
		return -EINVAL;
	mutex_lock(&edgeml_sensor_lock);
	if (edgeml_sensor_registered)
		ret = -EBUSY;
	else
		edgeml_sensor_registered = sensor;
	mutex_unlock(&edgeml_sensor_lock);
	if (!ret)
		pr_info("sensor driver %s registered\n", sensor->name);
	return ret;
}
EXPORT_SYMBOL_GPL(edgeml_sensor_register);

/**
 * edgeml_sensor_unregister - withdraw a sensor driver; running rings keep it until stopped
 * @sensor: as registered
 */
void edgeml_sensor_unregister(struct edgeml_sensor *sensor)
{
	mutex_lock(&edgeml_sensor_lock);
	if (edgeml_sensor_registered == sensor)
		edgeml_sensor_registered = NULL;
	mutex_unlock(&edgeml_sensor_lock);
}
EXPORT_SYMBOL_GPL(edgeml_sensor_unregister);
