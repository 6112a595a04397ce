/* vk_memory.c — buffers suballocated from a few VkDeviceMemory blocks. */
#include <stdatomic.h>
#include <string.h>

#include "error.h"
#include "vulkan/vk_memory.h"

static atomic_uint oom_countdown, oom_calls;

void eml_vk_inject_oom(uint32_t nth)
{
	atomic_store(&oom_calls, 0);
	atomic_store(&oom_countdown, nth);
}

uint32_t eml_vk_oom_calls(void)
{
	return atomic_load(&oom_calls);
}

VkResult eml_vk_oom_check(void)
{
	atomic_fetch_add(&oom_calls, 1);
	unsigned left = atomic_load(&oom_countdown);
	while (left && !atomic_compare_exchange_weak(&oom_countdown, &left, left - 1))
		;
	return left == 1 ? VK_ERROR_OUT_OF_DEVICE_MEMORY : VK_SUCCESS;
}

/* A Vulkan result that means memory ran out. */
static int out_of_memory(VkResult r)
{
	return r == VK_ERROR_OUT_OF_DEVICE_MEMORY || r == VK_ERROR_OUT_OF_HOST_MEMORY;
}

/* The memory type for a buffer that accepts type_bits: host kinds need host-visible coherent
 * memory (cached preferred, outputs are read back); device kinds prefer device-local. */
static int pick_type(const VkPhysicalDeviceMemoryProperties *p, uint32_t type_bits,
		     eml_vk_mem_kind kind)
{
	const VkMemoryPropertyFlags host = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT |
					   VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
	VkMemoryPropertyFlags need = kind == EML_VK_MEM_HOST ? host : 0;
	VkMemoryPropertyFlags want = kind == EML_VK_MEM_HOST ? VK_MEMORY_PROPERTY_HOST_CACHED_BIT :
							       VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT;
	int best = -1;
	for (uint32_t i = 0; i < p->memoryTypeCount; i++) {
		VkMemoryPropertyFlags f = p->memoryTypes[i].propertyFlags;
		if (!(type_bits & (1u << i)) || (f & need) != need)
			continue;
		if (best < 0 || ((f & want) && !(p->memoryTypes[best].propertyFlags & want)))
			best = (int)i;
	}
	return best;
}

/* A block of memory type with room for size bytes at alignment, allocating one if needed;
 * *offset is where the buffer goes. */
static edgeml_status find_block(eml_vk_memory *m, uint32_t type, uint64_t size, uint64_t align,
				const char *what, eml_vk_block **out, uint64_t *offset)
{
	for (uint32_t i = 0; i < m->n_blocks; i++) {
		eml_vk_block *b = &m->blocks[i];
		uint64_t at = (b->used + align - 1) / align * align;
		if (b->type == type && at <= b->size && size <= b->size - at) {
			*out = b;
			*offset = at;
			return EDGEML_OK;
		}
	}
	if (m->n_blocks == EML_VK_MAX_BLOCKS)
		return eml_error(EDGEML_ERR_NO_MEMORY,
				 "vulkan: %s needs a memory block beyond the %u a session may use",
				 what, EML_VK_MAX_BLOCKS);
	const eml_vk_device *d = m->dev;
	eml_vk_block *b = &m->blocks[m->n_blocks];
	memset(b, 0, sizeof(*b));
	b->type = type;
	b->size = size > EML_VK_BLOCK_SIZE ? size : EML_VK_BLOCK_SIZE;
	VkMemoryAllocateInfo ai = { .sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO,
				    .allocationSize = b->size,
				    .memoryTypeIndex = type };
	VkResult r = eml_vk_oom_check();
	if (r == VK_SUCCESS)
		r = d->fns->vkAllocateMemory(d->device, &ai, NULL, &b->memory);
	if (r != VK_SUCCESS && b->size > size) {
		/* A smaller device may not have a whole default block to spare. */
		b->size = ai.allocationSize = size;
		r = eml_vk_oom_check();
		if (r == VK_SUCCESS)
			r = d->fns->vkAllocateMemory(d->device, &ai, NULL, &b->memory);
	}
	if (r != VK_SUCCESS)
		return eml_error(EDGEML_ERR_NO_MEMORY,
				 "vulkan: cannot allocate %llu bytes of device memory for %s: %s",
				 (unsigned long long)b->size, what, eml_vk_result_name(r));
	if (d->mem_props.memoryTypes[type].propertyFlags & VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT) {
		void *p = NULL;
		r = d->fns->vkMapMemory(d->device, b->memory, 0, VK_WHOLE_SIZE, 0, &p);
		if (r != VK_SUCCESS) {
			d->fns->vkFreeMemory(d->device, b->memory, NULL);
			return eml_error(EDGEML_ERR_BACKEND,
					 "vulkan: vkMapMemory for %s failed: %s", what,
					 eml_vk_result_name(r));
		}
		b->map = p;
	}
	m->n_blocks++;
	m->allocated += b->size;
	*out = b;
	*offset = 0;
	return EDGEML_OK;
}

edgeml_status eml_vk_buffer_create(eml_vk_memory *m, uint64_t size, eml_vk_mem_kind kind,
				   const char *what, eml_vk_buffer *out)
{
	const eml_vk_device *d = m->dev;
	memset(out, 0, sizeof(*out));
	/* An empty tensor still gets a valid (small) buffer to bind. */
	out->size = size ? (size + 3) & ~(uint64_t)3 : 16;
	uint64_t range = m->range ? m->range : d->info->max_storage_range;
	if (out->size > range)
		return eml_error(EDGEML_ERR_UNSUPPORTED,
				 "vulkan: %s needs a %llu-byte buffer, more than the device's "
				 "maxStorageBufferRange (%llu), the most one descriptor binds",
				 what, (unsigned long long)out->size, (unsigned long long)range);
	VkBufferCreateInfo bi = { .sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO,
				  .size = out->size,
				  .usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT |
					   VK_BUFFER_USAGE_TRANSFER_SRC_BIT |
					   VK_BUFFER_USAGE_TRANSFER_DST_BIT,
				  .sharingMode = VK_SHARING_MODE_EXCLUSIVE };
	VkResult r = eml_vk_oom_check();
	if (r == VK_SUCCESS)
		r = d->fns->vkCreateBuffer(d->device, &bi, NULL, &out->buffer);
	if (r != VK_SUCCESS)
		return eml_error(out_of_memory(r) ? EDGEML_ERR_NO_MEMORY : EDGEML_ERR_BACKEND,
				 "vulkan: vkCreateBuffer for %s failed: %s", what,
				 eml_vk_result_name(r));
	VkMemoryRequirements req;
	d->fns->vkGetBufferMemoryRequirements(d->device, out->buffer, &req);
	int type = pick_type(&d->mem_props, req.memoryTypeBits, kind);
	eml_vk_block *b = NULL;
	uint64_t at = 0;
	edgeml_status st = EDGEML_OK;
	if (type < 0)
		st = eml_error(EDGEML_ERR_UNSUPPORTED, "vulkan: no %s memory type for %s",
			       kind == EML_VK_MEM_HOST ? "host-visible coherent" : "suitable",
			       what);
	if (st == EDGEML_OK)
		st = find_block(m, (uint32_t)type, req.size, req.alignment ? req.alignment : 1,
				what, &b, &at);
	if (st == EDGEML_OK) {
		r = d->fns->vkBindBufferMemory(d->device, out->buffer, b->memory, at);
		if (r != VK_SUCCESS)
			st = eml_error(EDGEML_ERR_BACKEND,
				       "vulkan: vkBindBufferMemory for %s failed: %s", what,
				       eml_vk_result_name(r));
	}
	if (st != EDGEML_OK) {
		eml_vk_buffer_destroy(m, out);
		return st;
	}
	b->used = at + req.size;
	out->map = b->map ? b->map + at : NULL;
	return EDGEML_OK;
}

void eml_vk_buffer_destroy(eml_vk_memory *m, eml_vk_buffer *b)
{
	if (b->buffer)
		m->dev->fns->vkDestroyBuffer(m->dev->device, b->buffer, NULL);
	memset(b, 0, sizeof(*b));
}

void eml_vk_memory_release(eml_vk_memory *m)
{
	for (uint32_t i = 0; i < m->n_blocks; i++) {
		if (m->blocks[i].map)
			m->dev->fns->vkUnmapMemory(m->dev->device, m->blocks[i].memory);
		m->dev->fns->vkFreeMemory(m->dev->device, m->blocks[i].memory, NULL);
	}
	m->n_blocks = 0;
	m->allocated = 0;
}
