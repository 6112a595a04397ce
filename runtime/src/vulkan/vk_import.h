/*
 * vk_import.h — graph inputs of a Vulkan session read from external memory (the backend's
 * import_external_memory): a dma-buf imported with VK_EXT_external_memory_dma_buf, else the
 * session's CPU mapping imported with VK_EXT_external_memory_host, else a copy before each run.
 */
#ifndef EML_VK_IMPORT_H
#define EML_VK_IMPORT_H

#include "vulkan/vk_state.h"

/* Binds graph input tensor to the buffer behind fd at offset, which the session maps at host
 * (host NULL: back to the tensor's own buffer). Sets *copy_bytes to what each run copies: 0
 * for the zero-copy ways, the tensor's size for the copy. EDGEML_VK_IMPORT=copy in the
 * environment forces the copy (tests, and a driver whose import misbehaves). */
edgeml_status eml_vk_import(vk_state *s, uint32_t tensor, int fd, uint64_t offset,
			    const void *host, uint64_t *copy_bytes);

/* Copies the inputs bound by the copy way into their buffers (before each submit). */
void eml_vk_import_copy(vk_state *s);

/* Frees every import (after the device is idle, before the device goes). */
void eml_vk_import_free(vk_state *s);

#endif /* EML_VK_IMPORT_H */
