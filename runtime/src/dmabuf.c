/* dmabuf.c — mapping external buffers for in-place reads, cached per buffer, and the
 * DMA_BUF_IOCTL_SYNC brackets around CPU access. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <linux/dma-buf.h>
#include <linux/magic.h>

#include "dmabuf.h"
#include "error.h"

/* Size of the buffer behind fd: a dma-buf reports it through lseek(SEEK_END) (its file
 * position means nothing), a regular file or memfd through fstat, whose file position the
 * caller may be using. */
static edgeml_status buffer_size(int fd, const struct stat *st, int is_dmabuf, const char *what,
				 uint64_t *size)
{
	if (is_dmabuf) {
		off_t end = lseek(fd, 0, SEEK_END);
		if (end < 0)
			return eml_error(EDGEML_ERR_IO, "%s: cannot size dma-buf fd %d: %s", what, fd,
					 strerror(errno));
		*size = (uint64_t)end;
	} else {
		*size = (uint64_t)st->st_size;
	}
	if (*size == 0)
		return eml_error(EDGEML_ERR_INVALID_ARGUMENT, "%s: fd %d is an empty buffer", what,
				 fd);
	if (*size > SIZE_MAX)
		return eml_error(EDGEML_ERR_NO_MEMORY,
				 "%s: fd %d holds %llu bytes, more than this process can map", what,
				 fd, (unsigned long long)*size);
	return EDGEML_OK;
}

/* Unmaps a slot and marks it free. */
static void unmap_slot(eml_dmabuf_map *m)
{
	if (m->fd < 0)
		return;
	munmap(m->base, (size_t)m->size);
	close(m->fd);
	*m = (eml_dmabuf_map){ .fd = -1 };
}

/* The slot for a new mapping: a free one, else the least recently used buffer that no
 * tensor is bound to (unmapped first); NULL when every slot is bound. */
static eml_dmabuf_map *free_slot(eml_dmabuf_cache *cache)
{
	eml_dmabuf_map *victim = NULL;
	for (uint32_t i = 0; i < EML_DMABUF_CACHE_MAX; i++) {
		eml_dmabuf_map *m = &cache->maps[i];
		if (m->fd < 0)
			return m;
		if (!m->users && (!victim || m->last_use < victim->last_use))
			victim = m;
	}
	if (victim)
		unmap_slot(victim);
	return victim;
}

/* Maps the whole buffer read-only into slot m and keeps a duplicate fd for syncs, so the
 * mapping and the syncs stay valid when the caller closes its fd. A dma-buf keeps its size;
 * anything else must be sealed against shrinking, or a peer could truncate it under a run,
 * and reading the mapping would then raise SIGBUS in the middle of a kernel. */
static edgeml_status map_slot(eml_dmabuf_map *m, int fd, const struct stat *st, int is_dmabuf,
			      const char *what)
{
	uint64_t size = 0;
	edgeml_status status = buffer_size(fd, st, is_dmabuf, what, &size);
	if (status != EDGEML_OK)
		return status;
	int seals = is_dmabuf ? 0 : fcntl(fd, F_GET_SEALS);
	if (!is_dmabuf && (seals < 0 || !(seals & F_SEAL_SHRINK)))
		return eml_error(EDGEML_ERR_INVALID_ARGUMENT,
				 "%s: fd %d is %s sealed against shrinking: another process "
				 "could truncate it during a run; create it with memfd_create(..., "
				 "MFD_ALLOW_SEALING) and add F_SEAL_SHRINK (fcntl F_ADD_SEALS), or "
				 "copy the data in with edgeml_tensor_write()",
				 what, fd, seals < 0 ? "a file that cannot be" : "a memfd not");
	void *base = mmap(NULL, (size_t)size, PROT_READ, MAP_SHARED, fd, 0);
	if (base == MAP_FAILED)
		return eml_error(EDGEML_ERR_IO, "%s: cannot map %llu bytes of fd %d: %s", what,
				 (unsigned long long)size, fd, strerror(errno));
	int dup_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (dup_fd < 0) {
		munmap(base, (size_t)size);
		return eml_error(EDGEML_ERR_IO, "%s: cannot duplicate fd %d: %s", what, fd,
				 strerror(errno));
	}
	*m = (eml_dmabuf_map){ .dev = st->st_dev,
			       .ino = st->st_ino,
			       .fd = dup_fd,
			       .is_dmabuf = is_dmabuf,
			       .base = base,
			       .size = size };
	return EDGEML_OK;
}

edgeml_status eml_dmabuf_acquire(eml_dmabuf_cache *cache, int fd, const char *what,
				 eml_dmabuf_map **out)
{
	struct stat st;
	struct statfs sfs;
	if (fd < 0 || fstat(fd, &st) != 0 || fstatfs(fd, &sfs) != 0)
		return eml_error(EDGEML_ERR_INVALID_ARGUMENT, "%s: fd %d is not an open file%s%s",
				 what, fd, fd < 0 ? "" : ": ", fd < 0 ? "" : strerror(errno));
	int is_dmabuf = sfs.f_type == DMA_BUF_MAGIC;
	if (!is_dmabuf && !S_ISREG(st.st_mode))
		return eml_error(EDGEML_ERR_INVALID_ARGUMENT,
				 "%s: fd %d is neither a dma-buf nor a memfd or regular file, so it "
				 "cannot be mapped",
				 what, fd);
	if (!cache->maps) {
		cache->maps = calloc(EML_DMABUF_CACHE_MAX, sizeof(*cache->maps));
		if (!cache->maps)
			return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for imported buffers");
		for (uint32_t i = 0; i < EML_DMABUF_CACHE_MAX; i++)
			cache->maps[i].fd = -1;
	}
	eml_dmabuf_map *m = NULL;
	for (uint32_t i = 0; i < EML_DMABUF_CACHE_MAX && !m; i++) {
		eml_dmabuf_map *c = &cache->maps[i];
		if (c->fd >= 0 && c->dev == st.st_dev && c->ino == st.st_ino)
			m = c;
	}
	/* A file that grew or shrank since it was mapped is mapped again at its new size. */
	if (m && !is_dmabuf && (uint64_t)st.st_size != m->size) {
		if (m->users)
			return eml_error(EDGEML_ERR_INVALID_ARGUMENT,
					 "%s: the file behind fd %d changed size while another "
					 "tensor reads it",
					 what, fd);
		unmap_slot(m);
		m = NULL;
	}
	if (!m) {
		m = free_slot(cache);
		if (!m)
			return eml_error(EDGEML_ERR_NO_MEMORY,
					 "%s: %u imported buffers are already bound to tensors", what,
					 EML_DMABUF_CACHE_MAX);
		edgeml_status status = map_slot(m, fd, &st, is_dmabuf, what);
		if (status != EDGEML_OK)
			return status;
		cache->maps_created++;
	}
	m->users++;
	m->last_use = ++cache->clock;
	*out = m;
	return EDGEML_OK;
}

void eml_dmabuf_release(eml_dmabuf_map *map)
{
	if (map && map->users)
		map->users--;
}

void eml_dmabuf_cache_free(eml_dmabuf_cache *cache)
{
	if (!cache->maps)
		return;
	for (uint32_t i = 0; i < EML_DMABUF_CACHE_MAX; i++)
		unmap_slot(&cache->maps[i]);
	free(cache->maps);
	*cache = (eml_dmabuf_cache){ 0 };
}

edgeml_status eml_dmabuf_sync_read(const eml_dmabuf_map *map, int start)
{
	if (!map->is_dmabuf)
		return EDGEML_OK;
	struct dma_buf_sync sync = {
		.flags = (start ? DMA_BUF_SYNC_START : DMA_BUF_SYNC_END) | DMA_BUF_SYNC_READ
	};
	int rc;
	do
		rc = ioctl(map->fd, DMA_BUF_IOCTL_SYNC, &sync);
	while (rc != 0 && (errno == EINTR || errno == EAGAIN));
	if (rc != 0)
		return eml_error(EDGEML_ERR_BACKEND, "dma-buf sync %s failed: %s",
				 start ? "start" : "end", strerror(errno));
	return EDGEML_OK;
}
