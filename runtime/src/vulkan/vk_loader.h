/*
 * vk_loader.h — the Vulkan entry points the backend uses, loaded at run time from the Vulkan
 * loader (libvulkan.so.1) with dlopen, so that a machine without Vulkan still runs everything
 * else and a session asking for Vulkan gets a clear error instead of a failing program start.
 */
#ifndef EML_VK_LOADER_H
#define EML_VK_LOADER_H

#define VK_NO_PROTOTYPES
#include <vulkan/vulkan.h>

#include "edgeml.h"

/* Entry points that need no instance. */
#define EML_VK_GLOBAL_FNS(X)                                                                \
	X(vkCreateInstance)                                                                 \
	X(vkEnumerateInstanceLayerProperties)                                               \
	X(vkEnumerateInstanceExtensionProperties)

/* Entry points loaded through an instance (device-level ones go through the loader's
 * dispatch, which is fine for one device per instance). */
#define EML_VK_INSTANCE_FNS(X)                                                              \
	X(vkDestroyInstance)                                                                \
	X(vkEnumeratePhysicalDevices)                                                       \
	X(vkGetPhysicalDeviceProperties)                                                    \
	X(vkGetPhysicalDeviceProperties2)                                                   \
	X(vkGetPhysicalDeviceFeatures2)                                                     \
	X(vkGetPhysicalDeviceMemoryProperties)                                              \
	X(vkGetPhysicalDeviceQueueFamilyProperties)                                         \
	X(vkEnumerateDeviceExtensionProperties)                                             \
	X(vkCreateDevice)                                                                   \
	X(vkDestroyDevice)                                                                  \
	X(vkGetDeviceQueue)                                                                 \
	X(vkDeviceWaitIdle)                                                                 \
	X(vkAllocateMemory)                                                                 \
	X(vkFreeMemory)                                                                     \
	X(vkMapMemory)                                                                      \
	X(vkUnmapMemory)                                                                    \
	X(vkCreateBuffer)                                                                   \
	X(vkDestroyBuffer)                                                                  \
	X(vkGetBufferMemoryRequirements)                                                    \
	X(vkBindBufferMemory)                                                               \
	X(vkCreateShaderModule)                                                             \
	X(vkDestroyShaderModule)                                                            \
	X(vkCreatePipelineCache)                                                            \
	X(vkDestroyPipelineCache)                                                           \
	X(vkGetPipelineCacheData)                                                           \
	X(vkCreateComputePipelines)                                                         \
	X(vkDestroyPipeline)                                                                \
	X(vkCreatePipelineLayout)                                                           \
	X(vkDestroyPipelineLayout)                                                          \
	X(vkCreateDescriptorSetLayout)                                                      \
	X(vkDestroyDescriptorSetLayout)                                                     \
	X(vkCreateDescriptorPool)                                                           \
	X(vkDestroyDescriptorPool)                                                          \
	X(vkAllocateDescriptorSets)                                                         \
	X(vkUpdateDescriptorSets)                                                           \
	X(vkCreateCommandPool)                                                              \
	X(vkDestroyCommandPool)                                                             \
	X(vkAllocateCommandBuffers)                                                         \
	X(vkBeginCommandBuffer)                                                             \
	X(vkEndCommandBuffer)                                                               \
	X(vkCmdBindPipeline)                                                                \
	X(vkCmdBindDescriptorSets)                                                          \
	X(vkCmdDispatch)                                                                    \
	X(vkCmdPipelineBarrier)                                                             \
	X(vkCmdCopyBuffer)                                                                  \
	X(vkCmdResetQueryPool)                                                              \
	X(vkCmdWriteTimestamp)                                                              \
	X(vkCreateQueryPool)                                                                \
	X(vkDestroyQueryPool)                                                               \
	X(vkGetQueryPoolResults)                                                            \
	X(vkCreateFence)                                                                    \
	X(vkDestroyFence)                                                                   \
	X(vkResetFences)                                                                    \
	X(vkWaitForFences)                                                                  \
	X(vkQueueSubmit)

/* Loaded only when the instance has VK_EXT_debug_utils (validation runs). */
#define EML_VK_DEBUG_FNS(X)                                                                 \
	X(vkCreateDebugUtilsMessengerEXT)                                                   \
	X(vkDestroyDebugUtilsMessengerEXT)

typedef struct eml_vk_fns {
	void *lib; /* the dlopen handle */
	PFN_vkGetInstanceProcAddr vkGetInstanceProcAddr;
#define EML_VK_FN(name) PFN_##name name;
	EML_VK_GLOBAL_FNS(EML_VK_FN)
	EML_VK_INSTANCE_FNS(EML_VK_FN)
	EML_VK_DEBUG_FNS(EML_VK_FN)
#undef EML_VK_FN
} eml_vk_fns;

/* Opens the Vulkan loader (EDGEML_VULKAN_LOADER names another library, e.g. for tests that
 * need "no loader") and reads the global entry points. */
edgeml_status eml_vk_load(eml_vk_fns *fns);
/* Reads the instance-level entry points (the debug ones only when debug is set). */
edgeml_status eml_vk_load_instance(eml_vk_fns *fns, VkInstance instance, int debug);
/* Closes the loader. */
void eml_vk_unload(eml_vk_fns *fns);

/* Text for a VkResult in messages ("VK_ERROR_OUT_OF_DEVICE_MEMORY"). */
const char *eml_vk_result_name(VkResult r);

#endif /* EML_VK_LOADER_H */
