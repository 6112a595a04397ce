/*
 * vk_device.h — the Vulkan instance, the physical devices it sees (with their DRM nodes and
 * the features the backend uses), the choice among them, and the logical device a session
 * runs on.
 */
#ifndef EML_VK_DEVICE_H
#define EML_VK_DEVICE_H

#include <stdint.h>

#include "vulkan/vk_loader.h"

/* What the backend needs to know about a physical device, and what `edgeml info` lists. */
typedef struct eml_vk_device_info {
	uint32_t index; /* in vkEnumeratePhysicalDevices order */
	char name[VK_MAX_PHYSICAL_DEVICE_NAME_SIZE];
	VkPhysicalDeviceType type;
	char driver_name[VK_MAX_DRIVER_NAME_SIZE];
	char driver_info[VK_MAX_DRIVER_INFO_SIZE];
	uint32_t api_version;
	uint32_t driver_version;
	uint32_t vendor_id, device_id;
	uint8_t uuid[VK_UUID_SIZE]; /* pipelineCacheUUID: keys the shader caches */
	char drm_node[64];          /* render (else primary) node, "" when not known */
	uint32_t subgroup_size;
	uint32_t local_size;     /* invocations per workgroup: 64 rounded up to whole subgroups */
	uint32_t shared_memory;  /* maxComputeSharedMemorySize */
	uint32_t max_invocations; /* maxComputeWorkGroupInvocations */
	uint32_t max_groups[3];  /* maxComputeWorkGroupCount */
	uint64_t max_storage_range; /* maxStorageBufferRange */
	uint32_t min_storage_align; /* minStorageBufferOffsetAlignment */
	float timestamp_period;  /* ns per timestamp tick */
	uint32_t timestamp_bits; /* valid bits of the compute queue's timestamps, 0 = none */
	uint32_t queue_family;   /* a queue family with compute */
	int storage8;            /* storageBuffer8BitAccess */
	int int8;                /* shaderInt8 */
	int fp16;                /* shaderFloat16 */
	int int_dot;             /* shaderIntegerDotProduct */
	int int_dot_accel;       /* 4x8-bit packed signed dot product is accelerated */
	int has_drm_ext;         /* VK_EXT_physical_device_drm */
	int has_dmabuf_import;   /* VK_EXT_external_memory_dma_buf + VK_KHR_external_memory_fd */
	int has_host_import;     /* VK_EXT_external_memory_host */
	uint64_t min_host_align; /* minImportedHostPointerAlignment, with has_host_import */
	/* Why the backend cannot use this device ("" when it can). */
	char unusable[128];
} eml_vk_device_info;

/* An instance and what it enumerated. */
typedef struct eml_vk_instance {
	eml_vk_fns fns;
	VkInstance instance;
	VkDebugUtilsMessengerEXT messenger; /* only with validation */
	int validation;
	uint32_t n_devices;
	VkPhysicalDevice *phys;
	eml_vk_device_info *info;
} eml_vk_instance;

/* The process's instance, created on first use and kept until the process ends (a failure
 * is not kept: a later call tries again). Sessions share it: creating an instance costs
 * time, and unloading the driver with it would drop state the driver keeps for the process. */
edgeml_status eml_vk_instance_shared(const eml_vk_instance **out);

/* Loads Vulkan, creates an instance (with the Khronos validation layer when the environment
 * sets EDGEML_VK_VALIDATION=1) and describes every physical device. Fails with a clear
 * message when there is no loader, no driver or no device. */
edgeml_status eml_vk_instance_create(eml_vk_instance *vi);
void eml_vk_instance_destroy(eml_vk_instance *vi);

/* Picks the device: the one whose index want gives (the session passes the registry's
 * backend index, after backend_registry.c resolved names, DRM nodes and AUTO), else the
 * first usable one by type: discrete, integrated, virtual, then CPU. *out is its index in
 * vi->info. */
edgeml_status eml_vk_pick_device(const eml_vk_instance *vi, const char *want, uint32_t *out);

/* The backend's devices entry (backend.h): the shared instance's devices as the public API
 * describes them; with none, why says why (no loader, no driver). */
uint32_t eml_vk_devices(edgeml_device_properties *out, uint32_t max, char *why, size_t size);

/* "discrete GPU", "CPU", ... */
const char *eml_vk_device_type_name(VkPhysicalDeviceType type);
/* The workgroup size of every dispatch on a device of this subgroup size and limit. */
uint32_t eml_vk_local_size(uint32_t subgroup, uint32_t max_invocations);

/* Number of validation-layer errors and warnings reported in this process so far. */
uint64_t eml_vk_validation_messages(void);

/* A logical device with one compute queue, the features the shaders use enabled. */
typedef struct eml_vk_device {
	const eml_vk_fns *fns;
	const eml_vk_device_info *info;
	VkPhysicalDevice phys;
	VkDevice device;
	VkQueue queue;
	VkPhysicalDeviceMemoryProperties mem_props;
} eml_vk_device;

edgeml_status eml_vk_device_create(const eml_vk_instance *vi, uint32_t index, eml_vk_device *d);
void eml_vk_device_destroy(eml_vk_device *d);

#endif /* EML_VK_DEVICE_H */
