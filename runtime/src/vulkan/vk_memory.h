/*
 * vk_memory.h — a suballocator over a few VkDeviceMemory blocks: every buffer of a session
 * (weights, activation arena, inputs and outputs, staging) is bound at an offset in a block,
 * so a session makes a handful of allocations however many tensors it has. Blocks live until
 * the session ends; nothing is freed one by one.
 */
#ifndef EML_VK_MEMORY_H
#define EML_VK_MEMORY_H

#include <stdint.h>

#include "vulkan/vk_device.h"

#define EML_VK_MAX_BLOCKS 16
/* Size of a block unless one buffer needs more. */
#define EML_VK_BLOCK_SIZE ((uint64_t)64 << 20)

typedef enum eml_vk_mem_kind {
	EML_VK_MEM_DEVICE, /* device-local when the device has such memory */
	EML_VK_MEM_HOST,   /* host-visible and coherent, mapped */
} eml_vk_mem_kind;

typedef struct eml_vk_block {
	VkDeviceMemory memory;
	uint32_t type;
	uint64_t size, used;
	uint8_t *map; /* NULL unless host-visible */
} eml_vk_block;

typedef struct eml_vk_memory {
	const eml_vk_device *dev;
	/* the most bytes a descriptor binds: maxStorageBufferRange, or less for the tests
	 * (EDGEML_VK_MAX_STORAGE_RANGE, vk_backend.c); no buffer is made larger */
	uint64_t range;
	eml_vk_block blocks[EML_VK_MAX_BLOCKS];
	uint32_t n_blocks;
	uint64_t allocated; /* bytes of all blocks */
} eml_vk_memory;

typedef struct eml_vk_buffer {
	VkBuffer buffer;
	uint64_t size;
	uint8_t *map; /* host address when the memory is host-visible, else NULL */
} eml_vk_buffer;

/* Creates a storage buffer of size bytes (a transfer source and destination too) in memory of
 * kind; what says what it is for in an error message. A buffer larger than m->range, the
 * most a descriptor binds, is refused (descriptors bind buffers whole). */
edgeml_status eml_vk_buffer_create(eml_vk_memory *m, uint64_t size, eml_vk_mem_kind kind,
				   const char *what, eml_vk_buffer *out);
void eml_vk_buffer_destroy(eml_vk_memory *m, eml_vk_buffer *b);
/* Test hook: the nth call from now of vkAllocateMemory or vkCreateBuffer (in this file and in
 * vk_import.c) fails with VK_ERROR_OUT_OF_DEVICE_MEMORY without reaching the driver; 0 turns
 * it off. eml_vk_oom_calls() counts the calls made since the hook was last set. */
void eml_vk_inject_oom(uint32_t nth);
uint32_t eml_vk_oom_calls(void);
/* Called before each such call: VK_SUCCESS, or the injected failure. */
VkResult eml_vk_oom_check(void);

/* Frees every block (their buffers must be destroyed first). */
void eml_vk_memory_release(eml_vk_memory *m);

#endif /* EML_VK_MEMORY_H */
