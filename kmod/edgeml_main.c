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
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "edgeml_internal.h"

/* Upper bounds of the parameters below, so that no size computed from them can overflow. */
#define EDGEML_MAX_BUFFER_KB_CAP	(1024U * 1024U)
#define EDGEML_MAX_RING_BUFFERS_CAP	1024U
#define EDGEML_MAX_RINGS_CAP		1024U

unsigned int edgeml_max_buffer_kb = 16384;
module_param_named(max_buffer_kb, edgeml_max_buffer_kb, uint, 0444);
MODULE_PARM_DESC(max_buffer_kb, "Largest dma-buf or ring buffer, KiB (1..1048576, default 16384)");

unsigned int edgeml_max_ring_buffers = 32;
module_param_named(max_ring_buffers, edgeml_max_ring_buffers, uint, 0444);
MODULE_PARM_DESC(max_ring_buffers, "Most buffers per ring (2..1024, default 32)");

unsigned int edgeml_max_rings = 8;
module_param_named(max_rings, edgeml_max_rings, uint, 0444);
MODULE_PARM_DESC(max_rings, "Most rings running at once, system-wide (1..1024, default 8)");

/* EDGEML_IOC_ALLOC: a standalone zeroed dma-buf, returned as a new fd. */
static long edgeml_ioctl_alloc(void __user *uarg)
{
	struct edgeml_alloc arg;
	struct dma_buf *dmabuf;
	int fd;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (arg.flags & ~EDGEML_FD_CLOEXEC || arg.reserved || !arg.size)
		return -EINVAL;
	if (arg.size > (u64)edgeml_max_buffer_kb * 1024)
		return -E2BIG;

	dmabuf = edgeml_buf_create(PAGE_ALIGN((size_t)arg.size));
	if (IS_ERR(dmabuf))
		return PTR_ERR(dmabuf);
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
	struct edgeml_ring *ring = file->private_data;
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case EDGEML_IOC_ALLOC:
		return edgeml_ioctl_alloc(uarg);
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
	return edgeml_ring_poll(file->private_data, file, wait);
}

/* Every open file gets its own (idle) ring. */
static int edgeml_open(struct inode *inode, struct file *file)
{
	struct edgeml_ring *ring;

	ring = kzalloc(sizeof(*ring), GFP_KERNEL);
	if (!ring)
		return -ENOMEM;
	edgeml_ring_init(ring);
	file->private_data = ring;
	return stream_open(inode, file);
}

/* Last close of the file: stop its ring; buffers with fds in user space live on. */
static int edgeml_release(struct inode *inode, struct file *file)
{
	struct edgeml_ring *ring = file->private_data;

	edgeml_ring_stop(ring);
	mutex_destroy(&ring->lock);
	kfree(ring);
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
	    !edgeml_max_rings || edgeml_max_rings > EDGEML_MAX_RINGS_CAP) {
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
