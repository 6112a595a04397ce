// SPDX-License-Identifier: GPL-2.0
/*
 * Page-backed dma-bufs: the memory of both standalone allocations and ring buffers.
 *
 * Each buffer owns its pages; the dma-buf's file reference count is its lifetime, so an fd
 * held by user space keeps the pages after the ring or the device file is gone, and the
 * dma-buf's owner reference keeps this module loaded meanwhile.
 */
#include <linux/dma-mapping.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "edgeml_internal.h"

/*
 * @lock guards @attachments and the kernel mapping (@vaddr, @vmap_users). @quota: the
 * allocation quota this buffer is charged to (EDGEML_IOC_ALLOC), NULL for ring buffers.
 */
struct edgeml_buf {
	struct edgeml_quota *quota;
	struct page **pages;
	pgoff_t nr_pages;
	struct mutex lock;	/* attachments and the kernel mapping */
	struct list_head attachments;
	void *vaddr;
	unsigned int vmap_users;
};

/* An importer's view of the buffer: its own sg_table, mapped for its device while @mapped. */
struct edgeml_attachment {
	struct device *dev;
	struct sg_table sgt;
	struct list_head node;
	bool mapped;
};

/* Builds the importer's sg_table up front so that map/unmap only do the DMA mapping. */
static int edgeml_dmabuf_attach(struct dma_buf *dmabuf, struct dma_buf_attachment *attach)
{
	struct edgeml_buf *buf = dmabuf->priv;
	struct edgeml_attachment *a;
	int ret;

	a = kzalloc(sizeof(*a), GFP_KERNEL);
	if (!a)
		return -ENOMEM;
	ret = sg_alloc_table_from_pages(&a->sgt, buf->pages, buf->nr_pages, 0,
					buf->nr_pages << PAGE_SHIFT, GFP_KERNEL);
	if (ret) {
		kfree(a);
		return ret;
	}
	a->dev = attach->dev;
	attach->priv = a;
	mutex_lock(&buf->lock);
	list_add(&a->node, &buf->attachments);
	mutex_unlock(&buf->lock);
	return 0;
}

/* Undoes edgeml_dmabuf_attach(); the core has already unmapped the attachment. */
static void edgeml_dmabuf_detach(struct dma_buf *dmabuf, struct dma_buf_attachment *attach)
{
	struct edgeml_buf *buf = dmabuf->priv;
	struct edgeml_attachment *a = attach->priv;

	mutex_lock(&buf->lock);
	list_del(&a->node);
	mutex_unlock(&buf->lock);
	sg_free_table(&a->sgt);
	kfree(a);
}

/* Maps the pages for the importer's device, flushing CPU caches as the direction needs. */
static struct sg_table *edgeml_dmabuf_map(struct dma_buf_attachment *attach,
					  enum dma_data_direction dir)
{
	struct edgeml_buf *buf = attach->dmabuf->priv;
	struct edgeml_attachment *a = attach->priv;
	int ret;

	ret = dma_map_sgtable(a->dev, &a->sgt, dir, 0);
	if (ret)
		return ERR_PTR(ret);
	mutex_lock(&buf->lock);
	a->mapped = true;
	mutex_unlock(&buf->lock);
	return &a->sgt;
}

/* Ends the importer's device mapping. */
static void edgeml_dmabuf_unmap(struct dma_buf_attachment *attach, struct sg_table *sgt,
				enum dma_data_direction dir)
{
	struct edgeml_buf *buf = attach->dmabuf->priv;
	struct edgeml_attachment *a = attach->priv;

	mutex_lock(&buf->lock);
	a->mapped = false;
	mutex_unlock(&buf->lock);
	dma_unmap_sgtable(a->dev, sgt, dir, 0);
}

/* Called on the last reference (fds, mappings, ring, importers): frees the pages. */
static void edgeml_dmabuf_release(struct dma_buf *dmabuf)
{
	struct edgeml_buf *buf = dmabuf->priv;
	pgoff_t i;

	WARN_ON(buf->vmap_users || !list_empty(&buf->attachments));
	for (i = 0; i < buf->nr_pages; i++)
		__free_page(buf->pages[i]);
	kvfree(buf->pages);
	if (buf->quota)
		edgeml_quota_uncharge(buf->quota);
	mutex_destroy(&buf->lock);
	kfree(buf);
}

/* Before the CPU reads: drop stale cache lines of the kernel mapping and device mappings. */
static int edgeml_dmabuf_begin_cpu(struct dma_buf *dmabuf, enum dma_data_direction dir)
{
	struct edgeml_buf *buf = dmabuf->priv;
	struct edgeml_attachment *a;

	mutex_lock(&buf->lock);
	if (buf->vaddr)
		invalidate_kernel_vmap_range(buf->vaddr, buf->nr_pages << PAGE_SHIFT);
	list_for_each_entry(a, &buf->attachments, node)
		if (a->mapped)
			dma_sync_sgtable_for_cpu(a->dev, &a->sgt, dir);
	mutex_unlock(&buf->lock);
	return 0;
}

/* After the CPU wrote: push its writes out to where devices and other mappings see them. */
static int edgeml_dmabuf_end_cpu(struct dma_buf *dmabuf, enum dma_data_direction dir)
{
	struct edgeml_buf *buf = dmabuf->priv;
	struct edgeml_attachment *a;

	mutex_lock(&buf->lock);
	if (buf->vaddr)
		flush_kernel_vmap_range(buf->vaddr, buf->nr_pages << PAGE_SHIFT);
	list_for_each_entry(a, &buf->attachments, node)
		if (a->mapped)
			dma_sync_sgtable_for_device(a->dev, &a->sgt, dir);
	mutex_unlock(&buf->lock);
	return 0;
}

/* Maps the pages into user space; private (copy-on-write) mappings make no sense here. */
static int edgeml_dmabuf_mmap(struct dma_buf *dmabuf, struct vm_area_struct *vma)
{
	struct edgeml_buf *buf = dmabuf->priv;

	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	return vm_map_pages(vma, buf->pages, buf->nr_pages);
}

/* Takes a reference on the kernel mapping, creating it on first use. */
static void *edgeml_buf_vmap_get(struct edgeml_buf *buf)
{
	void *vaddr;

	mutex_lock(&buf->lock);
	if (!buf->vaddr)
		buf->vaddr = vmap(buf->pages, buf->nr_pages, VM_MAP, PAGE_KERNEL);
	if (buf->vaddr)
		buf->vmap_users++;
	vaddr = buf->vaddr;
	mutex_unlock(&buf->lock);
	return vaddr;
}

/* Drops a reference on the kernel mapping, removing it with the last one. */
static void edgeml_buf_vmap_put(struct edgeml_buf *buf)
{
	mutex_lock(&buf->lock);
	if (!WARN_ON(!buf->vmap_users) && !--buf->vmap_users) {
		vunmap(buf->vaddr);
		buf->vaddr = NULL;
	}
	mutex_unlock(&buf->lock);
}

/* dma_buf_vmap() for importers; the core counts nested calls, we share with the ring. */
static int edgeml_dmabuf_vmap(struct dma_buf *dmabuf, struct iosys_map *map)
{
	void *vaddr = edgeml_buf_vmap_get(dmabuf->priv);

	if (!vaddr)
		return -ENOMEM;
	iosys_map_set_vaddr(map, vaddr);
	return 0;
}

/* dma_buf_vunmap() for importers. */
static void edgeml_dmabuf_vunmap(struct dma_buf *dmabuf, struct iosys_map *map)
{
	edgeml_buf_vmap_put(dmabuf->priv);
	iosys_map_clear(map);
}

static const struct dma_buf_ops edgeml_dmabuf_ops = {
	.attach = edgeml_dmabuf_attach,
	.detach = edgeml_dmabuf_detach,
	.map_dma_buf = edgeml_dmabuf_map,
	.unmap_dma_buf = edgeml_dmabuf_unmap,
	.release = edgeml_dmabuf_release,
	.begin_cpu_access = edgeml_dmabuf_begin_cpu,
	.end_cpu_access = edgeml_dmabuf_end_cpu,
	.mmap = edgeml_dmabuf_mmap,
	.vmap = edgeml_dmabuf_vmap,
	.vunmap = edgeml_dmabuf_vunmap,
};

/**
 * edgeml_buf_create - allocate zeroed pages and export them as a dma-buf
 * @size: bytes, a nonzero multiple of PAGE_SIZE the caller has checked against the limits
 * @quota: charged by the caller for this buffer, or NULL; on success the buffer's release
 *	uncharges it, on failure the caller still owns the charge
 *
 * Return: the dma-buf holding one reference, or an ERR_PTR.
 */
struct dma_buf *edgeml_buf_create(size_t size, struct edgeml_quota *quota)
{
	DEFINE_DMA_BUF_EXPORT_INFO(exp);
	struct edgeml_buf *buf;
	struct dma_buf *dmabuf;
	pgoff_t i;

	buf = kzalloc(sizeof(*buf), GFP_KERNEL);
	if (!buf)
		return ERR_PTR(-ENOMEM);
	mutex_init(&buf->lock);
	INIT_LIST_HEAD(&buf->attachments);
	buf->nr_pages = size >> PAGE_SHIFT;
	buf->pages = kvmalloc_array(buf->nr_pages, sizeof(*buf->pages), GFP_KERNEL);
	if (!buf->pages) {
		dmabuf = ERR_PTR(-ENOMEM);
		goto err_buf;
	}
	/* Zeroed, so that no stale kernel data ever reaches user space; charged to its cgroup. */
	for (i = 0; i < buf->nr_pages; i++) {
		buf->pages[i] = alloc_page(GFP_HIGHUSER | __GFP_ZERO | __GFP_ACCOUNT);
		if (!buf->pages[i]) {
			dmabuf = ERR_PTR(-ENOMEM);
			goto err_pages;
		}
	}

	exp.ops = &edgeml_dmabuf_ops;
	exp.size = buf->nr_pages << PAGE_SHIFT;
	exp.flags = O_RDWR;
	exp.priv = buf;
	buf->quota = quota;
	dmabuf = dma_buf_export(&exp);
	if (IS_ERR(dmabuf))
		goto err_pages;
	return dmabuf;

err_pages:
	while (i--)
		__free_page(buf->pages[i]);
	kvfree(buf->pages);
err_buf:
	mutex_destroy(&buf->lock);
	kfree(buf);
	return dmabuf;
}

/**
 * edgeml_buf_vmap - kernel mapping of one of our dma-bufs, for the ring's producer
 * @dmabuf: created by edgeml_buf_create()
 *
 * Return: the address, or NULL when vmalloc space is exhausted. Undo with edgeml_buf_vunmap().
 */
void *edgeml_buf_vmap(struct dma_buf *dmabuf)
{
	return edgeml_buf_vmap_get(dmabuf->priv);
}

/**
 * edgeml_buf_vunmap - drop the mapping taken by edgeml_buf_vmap()
 * @dmabuf: created by edgeml_buf_create()
 */
void edgeml_buf_vunmap(struct dma_buf *dmabuf)
{
	edgeml_buf_vmap_put(dmabuf->priv);
}

/**
 * edgeml_buf_cpu_written - make a frame the kernel wrote visible to devices and user mappings
 * @dmabuf: created by edgeml_buf_create()
 */
void edgeml_buf_cpu_written(struct dma_buf *dmabuf)
{
	edgeml_dmabuf_end_cpu(dmabuf, DMA_TO_DEVICE);
}
