// SPDX-License-Identifier: GPL-2.0
/*
 * Test-only module for the kmod VM test. It plays the two in-kernel roles edgeml serves:
 * - a sensor driver: registers with edgeml and pushes a counter pattern into rings started
 *   with EDGEML_SOURCE_DRIVER (edgeml_ring_push_frame());
 * - a dma-buf importer: with import_fd=, checks attach, map_dma_buf, vmap and CPU access of
 *   that buffer of the loading process during module init, failing the load with -EIO when
 *   the content is not import_seed + i at byte i.
 * Payload of pushed frame s: byte k is (s + 3 * k) mod 256; every third frame is flagged an
 * anomaly.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/dma-buf.h>
#include <linux/dma-mapping.h>
#include <linux/iosys-map.h>
#include <linux/ktime.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "edgeml_sensor.h"
#include "uapi/edgeml_uapi.h"

static int import_fd = -1;
module_param(import_fd, int, 0444);
MODULE_PARM_DESC(import_fd, "dma-buf fd of the loading process to check as an importer");

static uint import_seed;
module_param(import_seed, uint, 0444);
MODULE_PARM_DESC(import_seed, "expected content: byte i is (import_seed + i) mod 256");

/* The one ring this sensor feeds, and its frame under construction. */
static struct {
	struct edgeml_ring *ring;
	u32 len;
	u64 interval_ns;
	u64 pushed;
	u8 *frame;
	struct delayed_work work;
} ts;

/* Only a struct device for dma_buf_attach(); nothing opens it. */
static struct miscdevice ts_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "edgeml-test-sensor",
};

/*
 * Pushes one frame and re-arms. Intervals below a jiffy push back to back, so that the ring
 * race tests find a push in flight at almost any moment; a push refused for want of buffers
 * is retried a jiffy later.
 */
static void ts_work(struct work_struct *work)
{
	unsigned long delay = nsecs_to_jiffies(ts.interval_ns);
	u32 k;

	for (k = 0; k < ts.len; k++)
		ts.frame[k] = (u8)(ts.pushed + 3 * k);
	if (!edgeml_ring_push_frame(ts.ring, ts.frame, ts.len, ktime_get_ns(),
				    ts.pushed % 3 ? 0 : EDGEML_FRAME_ANOMALY))
		ts.pushed++;
	else
		delay = max(1UL, delay);
	schedule_delayed_work(&ts.work, delay);
}

/* Sensor start: frames of @cfg->width bytes, one ring at a time. */
static int ts_start(struct edgeml_sensor *sensor, struct edgeml_ring *ring,
		    const struct edgeml_sensor_config *cfg)
{
	if (ts.ring)
		return -EBUSY;
	if (!cfg->width || cfg->width > cfg->frame_bytes || cfg->height != 1 || cfg->channels != 1)
		return -EINVAL;
	ts.frame = kmalloc(cfg->width, GFP_KERNEL);
	if (!ts.frame)
		return -ENOMEM;
	ts.ring = ring;
	ts.len = cfg->width;
	ts.interval_ns = cfg->interval_ns;
	ts.pushed = 0;
	schedule_delayed_work(&ts.work, 0);
	return 0;
}

/* Sensor stop: no push runs or follows once the work is cancelled. */
static void ts_stop(struct edgeml_sensor *sensor, struct edgeml_ring *ring)
{
	cancel_delayed_work_sync(&ts.work);
	kfree(ts.frame);
	ts.frame = NULL;
	ts.ring = NULL;
}

static struct edgeml_sensor ts_sensor = {
	.name = "edgeml-test-sensor",
	.owner = THIS_MODULE,
	.start = ts_start,
	.stop = ts_stop,
};

/* Checks the importer side of one dma-buf: device mapping, kernel mapping, content. */
static int ts_import_check(struct device *dev)
{
	struct dma_buf_attachment *att;
	struct scatterlist *sg;
	struct iosys_map map;
	struct dma_buf *dmabuf;
	struct sg_table *sgt;
	size_t total = 0, i;
	const u8 *p;
	int ret, n;

	dmabuf = dma_buf_get(import_fd);
	if (IS_ERR(dmabuf))
		return PTR_ERR(dmabuf);
	att = dma_buf_attach(dmabuf, dev);
	if (IS_ERR(att)) {
		ret = PTR_ERR(att);
		goto out_put;
	}
	sgt = dma_buf_map_attachment_unlocked(att, DMA_BIDIRECTIONAL);
	if (IS_ERR(sgt)) {
		ret = PTR_ERR(sgt);
		goto out_detach;
	}
	for_each_sgtable_sg(sgt, sg, n)
		total += sg->length;
	dma_buf_unmap_attachment_unlocked(att, sgt, DMA_BIDIRECTIONAL);
	if (total != dmabuf->size) {
		pr_err("sg_table covers %zu of %zu bytes\n", total, dmabuf->size);
		ret = -EIO;
		goto out_detach;
	}
	ret = dma_buf_begin_cpu_access(dmabuf, DMA_FROM_DEVICE);
	if (ret)
		goto out_detach;
	ret = dma_buf_vmap(dmabuf, &map);
	if (!ret) {
		p = map.vaddr;
		for (i = 0; i < dmabuf->size && !ret; i++)
			if (p[i] != (u8)(import_seed + i))
				ret = -EIO;
		dma_buf_vunmap(dmabuf, &map);
	}
	dma_buf_end_cpu_access(dmabuf, DMA_FROM_DEVICE);
	pr_info("import check of %zu bytes: %s\n", dmabuf->size, ret ? "mismatch" : "ok");
out_detach:
	dma_buf_detach(dmabuf, att);
out_put:
	dma_buf_put(dmabuf);
	return ret;
}

/* Registers the device and the sensor, after the optional import check. */
static int __init ts_init(void)
{
	int ret;

	INIT_DELAYED_WORK(&ts.work, ts_work);
	ret = misc_register(&ts_misc);
	if (ret)
		return ret;
	ret = dma_coerce_mask_and_coherent(ts_misc.this_device, DMA_BIT_MASK(64));
	if (!ret && import_fd >= 0)
		ret = ts_import_check(ts_misc.this_device);
	if (!ret)
		ret = edgeml_sensor_register(&ts_sensor);
	if (ret)
		misc_deregister(&ts_misc);
	return ret;
}

/* A running ring pins this module, so no ring is left to stop here. */
static void __exit ts_exit(void)
{
	edgeml_sensor_unregister(&ts_sensor);
	misc_deregister(&ts_misc);
}

module_init(ts_init);
module_exit(ts_exit);
MODULE_DESCRIPTION("edgeml test sensor driver and dma-buf importer (tests only)");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(DMA_BUF);
