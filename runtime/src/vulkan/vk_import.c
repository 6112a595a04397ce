/* vk_import.c — graph inputs of a Vulkan session read from external memory. The zero-copy
 * ways re-point the descriptors that bind the input at the imported buffer and re-record the
 * command buffers: a descriptor set bound in a recorded command buffer must not change under
 * it. Imports are kept per buffer (inode), shared by the inputs that read the same buffer. */
#include <fcntl.h>
#include <linux/magic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "error.h"
#include "vulkan/vk_import.h"
#include "vulkan/vk_memory.h"

/* Buffers imported at once: as many as the session keeps mapped (EML_DMABUF_CACHE_MAX). */
#define IMPORT_MAX 64u

typedef enum import_way {
	WAY_NONE,   /* a free slot, or an input on its own buffer */
	WAY_DMABUF, /* the dma-buf itself, through VK_EXT_external_memory_dma_buf */
	WAY_HOST,   /* the session's mapping, through VK_EXT_external_memory_host */
	WAY_COPY,   /* copied into the input's own buffer before each run */
} import_way;

/* One imported buffer: a memory object over all of it, and a buffer bound to that. */
typedef struct vk_import {
	import_way way;
	dev_t dev;
	ino_t ino;
	const uint8_t *base; /* WAY_HOST: the mapping imported */
	uint64_t size;       /* bytes of the memory object and of the buffer */
	VkDeviceMemory memory;
	VkBuffer buffer;
	uint32_t users;    /* inputs bound to it */
	uint64_t last_use; /* clock of the last bind, for evicting the oldest unused one */
} vk_import;

/* What a graph input reads. */
typedef struct vk_binding {
	import_way way;
	int slot;             /* the import of the zero-copy ways, else -1 */
	uint64_t offset;      /* of the tensor in the import */
	const void *copy_src; /* WAY_COPY: what each run copies into the input's buffer */
} vk_binding;

struct eml_vk_imports {
	PFN_vkGetPhysicalDeviceExternalBufferProperties buffer_props;
	PFN_vkGetMemoryFdPropertiesKHR fd_props;
	PFN_vkGetMemoryHostPointerPropertiesEXT host_props;
	PFN_vkResetCommandPool reset_pool;
	vk_import slots[IMPORT_MAX];
	vk_binding *bind; /* per graph tensor */
	uint64_t clock;
};

/* The session's import state, made on first use with the entry points the imports need
 * (extension ones exist only where the device has the extension). */
static edgeml_status imports_of(vk_state *s, struct eml_vk_imports **out)
{
	if (s->imports) {
		*out = s->imports;
		return EDGEML_OK;
	}
	struct eml_vk_imports *im = calloc(1, sizeof(*im));
	uint32_t nt = s->graph->n_tensors ? s->graph->n_tensors : 1;
	if (im)
		im->bind = calloc(nt, sizeof(*im->bind));
	if (!im || !im->bind) {
		free(im);
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for imports of %u tensors",
				 nt);
	}
	for (uint32_t t = 0; t < nt; t++)
		im->bind[t].slot = -1;
	const eml_vk_fns *f = s->dev.fns;
	VkInstance inst = s->inst->instance;
	im->reset_pool = (PFN_vkResetCommandPool)f->vkGetInstanceProcAddr(inst,
									 "vkResetCommandPool");
	im->buffer_props = (PFN_vkGetPhysicalDeviceExternalBufferProperties)
		f->vkGetInstanceProcAddr(inst, "vkGetPhysicalDeviceExternalBufferProperties");
	if (s->dev.info->has_dmabuf_import)
		im->fd_props = (PFN_vkGetMemoryFdPropertiesKHR)f->vkGetInstanceProcAddr(
			inst, "vkGetMemoryFdPropertiesKHR");
	if (s->dev.info->has_host_import)
		im->host_props = (PFN_vkGetMemoryHostPointerPropertiesEXT)f->vkGetInstanceProcAddr(
			inst, "vkGetMemoryHostPointerPropertiesEXT");
	if (!im->reset_pool || !im->buffer_props) {
		free(im->bind);
		free(im);
		return eml_error(EDGEML_ERR_BACKEND, "vulkan: the driver lacks vkResetCommandPool "
				 "or vkGetPhysicalDeviceExternalBufferProperties (Vulkan 1.1)");
	}
	s->imports = im;
	*out = im;
	return EDGEML_OK;
}

/* Destroys an import's buffer and memory (closing the dma-buf reference the memory holds). */
static void import_destroy(const vk_state *s, vk_import *imp)
{
	const eml_vk_fns *f = s->dev.fns;
	if (imp->buffer)
		f->vkDestroyBuffer(s->dev.device, imp->buffer, NULL);
	if (imp->memory)
		f->vkFreeMemory(s->dev.device, imp->memory, NULL);
	memset(imp, 0, sizeof(*imp));
}

/* A memory type in bits, host-coherent preferred (writes through the mapping need no flush);
 * -1 when bits is empty. */
static int pick_type(const VkPhysicalDeviceMemoryProperties *p, uint32_t bits)
{
	int best = -1;
	for (uint32_t i = 0; i < p->memoryTypeCount; i++) {
		if (!(bits & (1u << i)))
			continue;
		int coherent = !!(p->memoryTypes[i].propertyFlags &
				  VK_MEMORY_PROPERTY_HOST_COHERENT_BIT);
		if (best < 0 || (coherent && !(p->memoryTypes[best].propertyFlags &
					       VK_MEMORY_PROPERTY_HOST_COHERENT_BIT)))
			best = (int)i;
	}
	return best;
}

/* Imports a buffer of imp->size bytes into imp: from the dma-buf fd (WAY_DMABUF) or from the
 * host mapping imp->base (WAY_HOST). Returns 0 (nothing half-made left) when the driver
 * refuses; the caller then tries the next way, so no error is raised. */
static int import_make(const vk_state *s, const struct eml_vk_imports *im, vk_import *imp,
		       int fd)
{
	const eml_vk_fns *f = s->dev.fns;
	VkDevice dev = s->dev.device;
	VkExternalMemoryHandleTypeFlagBits type =
		imp->way == WAY_DMABUF ? VK_EXTERNAL_MEMORY_HANDLE_TYPE_DMA_BUF_BIT_EXT :
					 VK_EXTERNAL_MEMORY_HANDLE_TYPE_HOST_ALLOCATION_BIT_EXT;
	/* The handle type must be importable for a storage buffer; some drivers take it only
	 * as a dedicated allocation, which a host pointer cannot be. */
	VkPhysicalDeviceExternalBufferInfo ebi = {
		.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_EXTERNAL_BUFFER_INFO,
		.usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_TRANSFER_SRC_BIT,
		.handleType = type
	};
	VkExternalBufferProperties ebp = { .sType = VK_STRUCTURE_TYPE_EXTERNAL_BUFFER_PROPERTIES };
	im->buffer_props(s->dev.phys, &ebi, &ebp);
	VkExternalMemoryFeatureFlags feat = ebp.externalMemoryProperties.externalMemoryFeatures;
	int dedicated = !!(feat & VK_EXTERNAL_MEMORY_FEATURE_DEDICATED_ONLY_BIT);
	if (!(feat & VK_EXTERNAL_MEMORY_FEATURE_IMPORTABLE_BIT) ||
	    (dedicated && imp->way == WAY_HOST))
		return 0;
	uint32_t bits = 0;
	if (imp->way == WAY_DMABUF) {
		VkMemoryFdPropertiesKHR fp = { .sType = VK_STRUCTURE_TYPE_MEMORY_FD_PROPERTIES_KHR };
		if (im->fd_props(dev, type, fd, &fp) != VK_SUCCESS)
			return 0;
		bits = fp.memoryTypeBits;
	} else {
		VkMemoryHostPointerPropertiesEXT hp = {
			.sType = VK_STRUCTURE_TYPE_MEMORY_HOST_POINTER_PROPERTIES_EXT
		};
		if (im->host_props(dev, type, imp->base, &hp) != VK_SUCCESS)
			return 0;
		bits = hp.memoryTypeBits;
	}
	VkExternalMemoryBufferCreateInfo eb = {
		.sType = VK_STRUCTURE_TYPE_EXTERNAL_MEMORY_BUFFER_CREATE_INFO, .handleTypes = type
	};
	VkBufferCreateInfo bi = { .sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO,
				  .pNext = &eb,
				  .size = imp->size,
				  .usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT |
					   VK_BUFFER_USAGE_TRANSFER_SRC_BIT,
				  .sharingMode = VK_SHARING_MODE_EXCLUSIVE };
	if (eml_vk_oom_check() != VK_SUCCESS ||
	    f->vkCreateBuffer(dev, &bi, NULL, &imp->buffer) != VK_SUCCESS) {
		imp->buffer = VK_NULL_HANDLE;
		return 0;
	}
	VkMemoryRequirements req;
	f->vkGetBufferMemoryRequirements(dev, imp->buffer, &req);
	int mt = pick_type(&s->dev.mem_props, bits & req.memoryTypeBits);
	/* A dedicated allocation is exactly the buffer's size, and an import no larger than
	 * the dma-buf. */
	if (mt < 0 || req.size > imp->size || (dedicated && req.size != imp->size)) {
		f->vkDestroyBuffer(dev, imp->buffer, NULL);
		imp->buffer = VK_NULL_HANDLE;
		return 0;
	}
	VkMemoryDedicatedAllocateInfo ded = { .sType =
						      VK_STRUCTURE_TYPE_MEMORY_DEDICATED_ALLOCATE_INFO,
					      .buffer = imp->buffer };
	int dup_fd = -1;
	VkImportMemoryFdInfoKHR fi = { .sType = VK_STRUCTURE_TYPE_IMPORT_MEMORY_FD_INFO_KHR,
				       .pNext = dedicated ? &ded : NULL,
				       .handleType = type };
	VkImportMemoryHostPointerInfoEXT hi = {
		.sType = VK_STRUCTURE_TYPE_IMPORT_MEMORY_HOST_POINTER_INFO_EXT,
		.handleType = type,
		/* Only read by the device: the session maps it read-only. */
		.pHostPointer = (void *)(uintptr_t)imp->base
	};
	VkMemoryAllocateInfo ai = { .sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO,
				    .allocationSize = imp->size,
				    .memoryTypeIndex = (uint32_t)mt };
	if (imp->way == WAY_DMABUF) {
		/* A successful import owns the fd it is given: give it one of its own. */
		dup_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
		fi.fd = dup_fd;
		ai.pNext = &fi;
	} else {
		ai.pNext = &hi;
	}
	VkResult r = dup_fd < 0 && imp->way == WAY_DMABUF ? VK_ERROR_TOO_MANY_OBJECTS :
							   eml_vk_oom_check();
	if (r == VK_SUCCESS)
		r = f->vkAllocateMemory(dev, &ai, NULL, &imp->memory);
	if (r != VK_SUCCESS) {
		if (dup_fd >= 0)
			close(dup_fd);
		imp->memory = VK_NULL_HANDLE;
	} else {
		r = f->vkBindBufferMemory(dev, imp->buffer, imp->memory, 0);
	}
	if (r != VK_SUCCESS) {
		import_destroy(s, imp);
		return 0;
	}
	return 1;
}

/* Size of the buffer behind fd, as the session mapped it: a dma-buf tells through
 * lseek(SEEK_END), a memfd or regular file through fstat. */
static edgeml_status buffer_size(int fd, const struct stat *st, uint64_t *size)
{
	if (S_ISREG(st->st_mode)) {
		*size = (uint64_t)st->st_size;
		return EDGEML_OK;
	}
	off_t end = lseek(fd, 0, SEEK_END);
	if (end <= 0)
		return eml_error(EDGEML_ERR_IO, "cannot size the buffer of fd %d", fd);
	*size = (uint64_t)end;
	return EDGEML_OK;
}

/* The slot of an import of the buffer (dev, ino) made the given way over base and size,
 * made now when there is none; -1 when the driver refuses that way. A full cache evicts
 * the least recently used import no input reads. */
static int import_get(vk_state *s, struct eml_vk_imports *im, import_way way, int fd,
		      const struct stat *st, const uint8_t *base, uint64_t size)
{
	int free_slot = -1;
	for (uint32_t i = 0; i < IMPORT_MAX; i++) {
		vk_import *imp = &im->slots[i];
		if (imp->way == way && imp->dev == st->st_dev && imp->ino == st->st_ino &&
		    imp->size == size && (way != WAY_HOST || imp->base == base))
			return (int)i;
		if (imp->way == WAY_NONE && free_slot < 0)
			free_slot = (int)i;
	}
	for (uint32_t i = 0; free_slot < 0 && i < IMPORT_MAX; i++) {
		const vk_import *imp = &im->slots[i];
		if (!imp->users && (free_slot < 0 || imp->last_use < im->slots[free_slot].last_use))
			free_slot = (int)i;
	}
	if (free_slot < 0)
		return -1;
	vk_import *imp = &im->slots[free_slot];
	import_destroy(s, imp);
	*imp = (vk_import){ .way = way, .dev = st->st_dev, .ino = st->st_ino, .base = base,
			    .size = size };
	if (!import_make(s, im, imp, fd)) {
		memset(imp, 0, sizeof(*imp));
		return -1;
	}
	return free_slot;
}

/* Lets input binding b go of its import. A host-pointer import goes with its last input:
 * the session may unmap the buffer once no input reads it, and the memory object must not
 * outlive the mapping. A dma-buf import holds its own reference and stays cached. */
static void unbind(vk_state *s, struct eml_vk_imports *im, vk_binding *b)
{
	if (b->slot >= 0) {
		vk_import *imp = &im->slots[b->slot];
		if (imp->users && --imp->users == 0 && imp->way == WAY_HOST)
			import_destroy(s, imp);
	}
	*b = (vk_binding){ .way = WAY_NONE, .slot = -1 };
}

/* Points every descriptor that binds tensor t at buffer from offset, range bytes. */
static void point_descriptors(vk_state *s, uint32_t t, VkBuffer buffer, uint64_t offset,
			      uint64_t range)
{
	const eml_graph *g = s->graph;
	for (uint32_t i = 0; i < g->n_nodes; i++) {
		const vk_node *n = &s->nodes[i];
		for (uint32_t j = 0; j < n->kernel.n && !n->skip; j++)
			for (uint32_t k = 0; k < n->kernel.d[j].n_tensors; k++) {
				if (n->kernel.d[j].tensors[k] != t)
					continue;
				VkDescriptorBufferInfo bi = { buffer, offset, range };
				/* Binding 0 holds the parameters; tensors follow (vk_record.c). */
				VkWriteDescriptorSet w = {
					.sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET,
					.dstSet = n->set[j],
					.dstBinding = k + 1,
					.descriptorCount = 1,
					.descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
					.pBufferInfo = &bi
				};
				s->dev.fns->vkUpdateDescriptorSets(s->dev.device, 1, &w, 0, NULL);
			}
	}
}

/* Makes input t read through binding nb (a zero-copy import, or its own buffer for the
 * copy way and detach): descriptors, then the command buffers recorded again. */
static edgeml_status rebind(vk_state *s, struct eml_vk_imports *im, uint32_t t,
			    const vk_binding *nb)
{
	vk_binding *b = &im->bind[t];
	int was_own = b->slot < 0, now_own = nb->slot < 0;
	int same = was_own ? now_own : (b->slot == nb->slot && b->offset == nb->offset);
	if (!same) {
		/* The import may be larger than a descriptor binds (a whole dma-buf): bind the
		 * tensor's bytes only (zero_copy checked they fit), an empty one's first word. */
		uint64_t bytes = eml_tensor_bytes(&s->graph->tensors[t]);
		if (now_own)
			point_descriptors(s, t, s->io[t].buffer, 0, VK_WHOLE_SIZE);
		else
			point_descriptors(s, t, im->slots[nb->slot].buffer, nb->offset,
					  bytes ? bytes : 4);
		VkResult r = im->reset_pool(s->dev.device, s->cmd_pool, 0);
		if (r != VK_SUCCESS)
			return eml_error(EDGEML_ERR_BACKEND,
					 "vulkan: resetting the command pool failed: %s",
					 eml_vk_result_name(r));
		edgeml_status st = eml_vk_record(s);
		if (st != EDGEML_OK)
			return st;
	}
	if (nb->slot >= 0) {
		im->slots[nb->slot].users++;
		im->slots[nb->slot].last_use = ++im->clock;
	}
	unbind(s, im, b);
	*b = *nb;
	return EDGEML_OK;
}

/* Whether the environment forces the copy way. */
static int copy_forced(void)
{
	const char *v = getenv("EDGEML_VK_IMPORT");
	return v && strcmp(v, "copy") == 0;
}

/* The zero-copy binding of tensor t to the buffer behind fd at offset, mapped at host: the
 * dma-buf way where the device has it and fd is a dma-buf, else the host-pointer way; slot
 * -1 when neither works (the copy way then). */
static edgeml_status zero_copy(vk_state *s, struct eml_vk_imports *im, uint32_t t, int fd,
			       uint64_t offset, const void *host, vk_binding *nb)
{
	const eml_vk_device_info *info = s->dev.info;
	const char *name = s->graph->tensors[t].name ? s->graph->tensors[t].name : "";
	*nb = (vk_binding){ .way = WAY_COPY, .slot = -1, .copy_src = host };
	if (copy_forced() || (!info->has_dmabuf_import && !info->has_host_import))
		return EDGEML_OK;
	uint32_t align = info->min_storage_align ? info->min_storage_align : 1;
	uint64_t bytes = eml_tensor_bytes(&s->graph->tensors[t]);
	if (bytes > s->range) /* its own buffer could not be made either */
		return eml_error(EDGEML_ERR_UNSUPPORTED,
				 "input '%s': %llu bytes, more than the device's "
				 "maxStorageBufferRange (%llu), the most one descriptor binds",
				 name, (unsigned long long)bytes, (unsigned long long)s->range);
	if (offset % align)
		return eml_error(EDGEML_ERR_INVALID_ARGUMENT,
				 "input '%s': offset %llu is not a multiple of %u, the device's "
				 "minStorageBufferOffsetAlignment: place the tensor at such an "
				 "offset in the buffer",
				 name, (unsigned long long)offset, align);
	struct stat st;
	uint64_t size = 0;
	if (fstat(fd, &st) != 0)
		return eml_error(EDGEML_ERR_IO, "input '%s': cannot fstat fd %d", name, fd);
	edgeml_status status = buffer_size(fd, &st, &size);
	if (status != EDGEML_OK)
		return status;
	/* Only a dma-buf may be handed to the driver as one (a memfd is not). */
	struct statfs sfs;
	int is_dmabuf = fstatfs(fd, &sfs) == 0 && sfs.f_type == DMA_BUF_MAGIC;
	int slot = -1;
	if (info->has_dmabuf_import && im->fd_props && is_dmabuf) {
		slot = import_get(s, im, WAY_DMABUF, fd, &st, NULL, size);
		nb->way = WAY_DMABUF;
	}
	/* The mapping starts at a page (dmabuf.c maps whole buffers); the import covers it
	 * rounded up to the driver's alignment, which stays in its last page. */
	const uint8_t *base = (const uint8_t *)host - offset;
	uint64_t ha = info->min_host_align;
	long page = sysconf(_SC_PAGESIZE);
	if (slot < 0 && info->has_host_import && im->host_props && page > 0 &&
	    ha <= (uint64_t)page && (uintptr_t)base % ha == 0 && size <= UINT64_MAX - ha) {
		slot = import_get(s, im, WAY_HOST, fd, &st, base, (size + ha - 1) & ~(ha - 1));
		nb->way = WAY_HOST;
	}
	if (slot >= 0)
		*nb = (vk_binding){ .way = nb->way, .slot = slot, .offset = offset };
	else
		nb->way = WAY_COPY;
	return EDGEML_OK;
}

edgeml_status eml_vk_import(vk_state *s, uint32_t tensor, int fd, uint64_t offset,
			    const void *host, uint64_t *copy_bytes)
{
	const eml_graph *g = s->graph;
	if (tensor >= g->n_tensors || !(g->tensors[tensor].flags & EML_TF_INPUT) ||
	    !s->io[tensor].buffer)
		return eml_error(EDGEML_ERR_INVALID_ARGUMENT,
				 "vulkan: tensor %u is not a graph input", tensor);
	if (s->in_flight)
		return eml_error(EDGEML_ERR_INVALID_ARGUMENT,
				 "a run is in flight: wait for it before importing into input "
				 "'%s'",
				 g->tensors[tensor].name ? g->tensors[tensor].name : "");
	struct eml_vk_imports *im = NULL;
	edgeml_status st = imports_of(s, &im);
	if (st != EDGEML_OK)
		return st;
	vk_binding nb = { .way = WAY_NONE, .slot = -1 };
	if (host && fd >= 0)
		st = zero_copy(s, im, tensor, fd, offset, host, &nb);
	if (st == EDGEML_OK)
		st = rebind(s, im, tensor, &nb);
	if (st != EDGEML_OK) {
		/* Whatever import zero_copy made for nb is cached with no user, or freed. */
		if (nb.slot >= 0 && !im->slots[nb.slot].users &&
		    im->slots[nb.slot].way == WAY_HOST)
			import_destroy(s, &im->slots[nb.slot]);
		return st;
	}
	*copy_bytes = nb.way == WAY_COPY ? eml_tensor_bytes(&g->tensors[tensor]) : 0;
	return EDGEML_OK;
}

void eml_vk_import_copy(vk_state *s)
{
	const struct eml_vk_imports *im = s->imports;
	const eml_graph *g = s->graph;
	for (uint32_t i = 0; im && i < g->n_inputs; i++) {
		uint32_t t = g->inputs[i];
		if (im->bind[t].way == WAY_COPY)
			memcpy(s->io[t].map, im->bind[t].copy_src,
			       eml_tensor_bytes(&g->tensors[t]));
	}
}

void eml_vk_import_free(vk_state *s)
{
	struct eml_vk_imports *im = s->imports;
	if (!im)
		return;
	for (uint32_t i = 0; i < IMPORT_MAX; i++)
		import_destroy(s, &im->slots[i]);
	free(im->bind);
	free(im);
	s->imports = NULL;
}
