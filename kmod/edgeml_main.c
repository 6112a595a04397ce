// SPDX-License-Identifier: GPL-2.0
/*
 * edgeml: the /dev/edgeml misc device. It allocates dma-bufs and runs sensor rings whose
 * frames user space hands, without copies, to the edgeml runtime. The UAPI is in
 * uapi/edgeml_uapi.h, the in-kernel API for sensor drivers in edgeml_sensor.h.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kref.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "edgeml_internal.h"

/* Upper bounds of the parameters below, so that no size computed from them can overflow. */
#define EDGEML_MAX_BUFFER_KB_CAP	(1024U * 1024U)
#define EDGEML_MAX_RING_BUFFERS_CAP	1024U
#define EDGEML_MAX_RINGS_CAP		1024U
#define EDGEML_MAX_ALLOCS_CAP		65536U

unsigned int edgeml_max_buffer_kb = 16384;
module_param_named(max_buffer_kb, edgeml_max_buffer_kb, uint, 0444);
MODULE_PARM_DESC(max_buffer_kb, "Largest dma-buf or ring buffer, KiB (1..1048576, default 16384)");

unsigned int edgeml_max_ring_buffers = 32;
module_param_named(max_ring_buffers, edgeml_max_ring_buffers, uint, 0444);
MODULE_PARM_DESC(max_ring_buffers, "Most buffers per ring (2..1024, default 32)");

unsigned int edgeml_max_rings = 8;
module_param_named(max_rings, edgeml_max_rings, uint, 0444);
MODULE_PARM_DESC(max_rings, "Most rings running at once, system-wide (1..1024, default 8)");

unsigned int edgeml_max_user_rings = 4;
module_param_named(max_user_rings, edgeml_max_user_rings, uint, 0444);
MODULE_PARM_DESC(max_user_rings, "Most rings running at once per user (1..1024, default 4)");

static unsigned int edgeml_max_allocs = 256;
module_param_named(max_allocs, edgeml_max_allocs, uint, 0444);
MODULE_PARM_DESC(max_allocs,
		 "Most EDGEML_IOC_ALLOC buffers alive at once, system-wide (1..65536, default 256)");

static unsigned int edgeml_max_file_allocs = 64;
module_param_named(max_file_allocs, edgeml_max_file_allocs, uint, 0444);
MODULE_PARM_DESC(max_file_allocs,
		 "Most EDGEML_IOC_ALLOC buffers alive at once per open file (1..65536, default 64)");

/* EDGEML_IOC_ALLOC buffers alive in the whole system, bounded by edgeml_max_allocs. */
static atomic_t edgeml_allocs_live = ATOMIC_INIT(0);

/*
 * The EDGEML_IOC_ALLOC buffers made through one open file and still alive. A buffer outlives
 * the file that made it, so each live buffer holds a reference, as does the file.
 */
struct edgeml_quota {
	struct kref ref;
	atomic_t live;
};

/* What an open /dev/edgeml file owns. */
struct edgeml_file {
	struct edgeml_ring ring;
	struct edgeml_quota *quota;
};

static void edgeml_quota_free(struct kref *ref)
{
	kfree(container_of(ref, struct edgeml_quota, ref));
}

/* Counts one more buffer against the file's and the global cap, before it is allocated. */
static int edgeml_quota_charge(struct edgeml_quota *quota)
{
	if (!atomic_add_unless(&quota->live, 1, edgeml_max_file_allocs))
		return -EDQUOT;
	if (!atomic_add_unless(&edgeml_allocs_live, 1, edgeml_max_allocs)) {
		atomic_dec(&quota->live);
		return -ENOSPC;
	}
	kref_get(&quota->ref);
	return 0;
}

/**
 * edgeml_quota_uncharge - give back the quota of a buffer: it was freed, or never made
 * @quota: the quota charged for it
 */
void edgeml_quota_uncharge(struct edgeml_quota *quota)
{
	atomic_dec(&edgeml_allocs_live);
	atomic_dec(&quota->live);
	kref_put(&quota->ref, edgeml_quota_free);
}

/* EDGEML_IOC_ALLOC: a standalone zeroed dma-buf, returned as a new fd. */
static long edgeml_ioctl_alloc(struct edgeml_quota *quota, void __user *uarg)
{
	struct edgeml_alloc arg;
	struct dma_buf *dmabuf;
	int fd, ret;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (arg.flags & ~EDGEML_FD_CLOEXEC || arg.reserved || !arg.size)
		return -EINVAL;
	if (arg.size > (u64)edgeml_max_buffer_kb * 1024)
		return -E2BIG;

	ret = edgeml_quota_charge(quota);
	if (ret)
		return ret;
	/* From here on the buffer's release gives the quota back. */
	dmabuf = edgeml_buf_create(PAGE_ALIGN((size_t)arg.size), quota);
	if (IS_ERR(dmabuf)) {
		edgeml_quota_uncharge(quota);
		return PTR_ERR(dmabuf);
	}
	fd = get_unused_fd_flags(arg.flags & EDGEML_FD_CLOEXEC ? O_CLOEXEC : 0);
	if (fd < 0) {
		dma_buf_put(dmabuf);
		return fd;
	}
	/* Tell user space before installing: an installed fd cannot be taken back. */
	arg.fd = fd;
	if (copy_to_user(uarg, &arg, sizeof(arg))) {
		put_unused_fd(fd);
		dma_buf_put(dmabuf);
		return -EFAULT;
	}
	fd_install(fd, dmabuf->file);
	return 0;
}

/* Dispatches the ioctls of uapi/edgeml_uapi.h; a request of the wrong size is unknown too. */
static long edgeml_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct edgeml_file *ef = file->private_data;
	struct edgeml_ring *ring = &ef->ring;
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case EDGEML_IOC_ALLOC:
		return edgeml_ioctl_alloc(ef->quota, uarg);
	case EDGEML_IOC_RING_START:
		return edgeml_ring_start(ring, uarg);
	case EDGEML_IOC_QUEUE:
		return edgeml_ring_queue(ring, uarg);
	case EDGEML_IOC_DEQUEUE:
		return edgeml_ring_dequeue(ring, uarg, file->f_flags & O_NONBLOCK);
	case EDGEML_IOC_RING_STOP:
		return edgeml_ring_stop(ring);
	default:
		return -ENOTTY;
	}
}

/* poll(): readable when the file's ring has a frame ready. */
static __poll_t edgeml_poll(struct file *file, poll_table *wait)
{
	struct edgeml_file *ef = file->private_data;

	return edgeml_ring_poll(&ef->ring, file, wait);
}

/* Every open file gets its own (idle) ring and allocation quota. */
static int edgeml_open(struct inode *inode, struct file *file)
{
	struct edgeml_file *ef;

	ef = kzalloc(sizeof(*ef), GFP_KERNEL);
	if (!ef)
		return -ENOMEM;
	ef->quota = kzalloc(sizeof(*ef->quota), GFP_KERNEL);
	if (!ef->quota) {
		kfree(ef);
		return -ENOMEM;
	}
	kref_init(&ef->quota->ref);
	edgeml_ring_init(&ef->ring);
	file->private_data = ef;
	return stream_open(inode, file);
}

/*
 * Last close of the file: stop its ring; buffers with fds in user space live on, and keep
 * the file's quota charged until they are freed.
 */
static int edgeml_release(struct inode *inode, struct file *file)
{
	struct edgeml_file *ef = file->private_data;

	edgeml_ring_stop(&ef->ring);
	mutex_destroy(&ef->ring.lock);
	kref_put(&ef->quota->ref, edgeml_quota_free);
	kfree(ef);
	return 0;
}

static const struct file_operations edgeml_fops = {
	.owner = THIS_MODULE,
	.open = edgeml_open,
	.release = edgeml_release,
	.unlocked_ioctl = edgeml_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.poll = edgeml_poll,
	.llseek = no_llseek,
};

static struct miscdevice edgeml_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "edgeml",
	.fops = &edgeml_fops,
};

/* Refuses limits outside their caps, then creates /dev/edgeml. */
static int __init edgeml_init(void)
{
	if (!edgeml_max_buffer_kb || edgeml_max_buffer_kb > EDGEML_MAX_BUFFER_KB_CAP ||
	    edgeml_max_ring_buffers < 2 || edgeml_max_ring_buffers > EDGEML_MAX_RING_BUFFERS_CAP ||
	    !edgeml_max_rings || edgeml_max_rings > EDGEML_MAX_RINGS_CAP ||
	    !edgeml_max_user_rings || edgeml_max_user_rings > EDGEML_MAX_RINGS_CAP ||
	    !edgeml_max_allocs || edgeml_max_allocs > EDGEML_MAX_ALLOCS_CAP ||
	    !edgeml_max_file_allocs || edgeml_max_file_allocs > EDGEML_MAX_ALLOCS_CAP) {
		pr_err("module parameter out of range (see modinfo edgeml)\n");
		return -EINVAL;
	}
	return misc_register(&edgeml_misc);
}

/* Open files and live dma-bufs pin the module, so nothing of ours is left to free. */
static void __exit edgeml_exit(void)
{
	misc_deregister(&edgeml_misc);
}

module_init(edgeml_init);
module_exit(edgeml_exit);
MODULE_DESCRIPTION("edgeml: dma-bufs and sensor rings for the edgeml inference runtime");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(DMA_BUF);
