/*
 * dmabuf.h — external memory a session's tensors read in place: dma-bufs (and plain mmap-able
 * fds such as memfds) mapped once and cached per buffer, and the DMA_BUF_IOCTL_SYNC brackets
 * around CPU reads.
 */
#ifndef EML_DMABUF_H
#define EML_DMABUF_H

#include <stdint.h>
#include <sys/types.h>

#include "edgeml.h"

/* Buffers a session keeps mapped at once: more than the default ring of the kernel module
 * (32 buffers), so cycling through a ring never remaps. */
#define EML_DMABUF_CACHE_MAX 64u

/* One mapped buffer, identified by its inode (a dma-buf has one of its own). */
typedef struct eml_dmabuf_map {
	dev_t dev;
	ino_t ino;
	int fd;		   /* our duplicate of the caller's fd, for syncs; -1 for a free slot */
	int is_dmabuf;	   /* 0 for a memfd or regular file: nothing to sync */
	uint8_t *base;	   /* read-only mapping of the whole buffer */
	uint64_t size;	   /* bytes of the buffer and of the mapping */
	uint32_t users;	   /* tensors bound to this buffer */
	uint64_t last_use; /* cache clock at the last acquire, for evicting the oldest */
} eml_dmabuf_map;

typedef struct eml_dmabuf_cache {
	eml_dmabuf_map *maps; /* EML_DMABUF_CACHE_MAX slots, allocated on first use */
	uint64_t clock;
	uint64_t maps_created; /* mappings made over the cache's life: the cost of imports */
} eml_dmabuf_cache;

/* The mapping of the buffer behind fd, made on first sight and reused afterwards (one fstat
 * per call when cached); counts one more user. A free slot is taken, else the least recently
 * used buffer no tensor is bound to is unmapped. fd must be a dma-buf, a memfd or a regular
 * file; what names the caller's tensor in messages. */
edgeml_status eml_dmabuf_acquire(eml_dmabuf_cache *cache, int fd, const char *what,
				 eml_dmabuf_map **out);

/* One user less; the mapping stays cached for the next import of the same buffer. */
void eml_dmabuf_release(eml_dmabuf_map *map);

/* Unmaps and closes everything (at session destroy). */
void eml_dmabuf_cache_free(eml_dmabuf_cache *cache);

/* Brackets CPU reads of a dma-buf: begin (start != 0) or end a read access with
 * DMA_BUF_IOCTL_SYNC. A no-op for plain fds, whose pages need no cache maintenance. */
edgeml_status eml_dmabuf_sync_read(const eml_dmabuf_map *map, int start);

#endif /* EML_DMABUF_H */
