/* vk_loader.c — opening the Vulkan loader at run time and reading its entry points. */
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "vulkan/vk_loader.h"

/* Defined by the linker in dynamically linked programs only. */
extern char _DYNAMIC[] __attribute__((weak));

edgeml_status eml_vk_load(eml_vk_fns *fns)
{
	memset(fns, 0, sizeof(*fns));
	/* glibc's dlopen from a static binary loads a second libc under the Vulkan loader and
	 * its ICDs, which crashes inside vkCreateInstance: refuse instead. */
	if (!_DYNAMIC)
		return eml_error(EDGEML_ERR_UNSUPPORTED, "this program is statically linked, so "
				 "it cannot load the Vulkan loader (libvulkan.so.1); link it "
				 "dynamically to use the Vulkan backend");
	const char *path = getenv("EDGEML_VULKAN_LOADER");
	if (!path || !*path)
		path = "libvulkan.so.1";
	/* NODELETE: the loader stays mapped after dlclose. It keeps process-wide state (and a
	 * leak checker would report that state as lost once its globals were unmapped), and a
	 * later session needs it again anyway. */
	fns->lib = dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
	if (!fns->lib)
		return eml_error(EDGEML_ERR_UNSUPPORTED,
				 "no Vulkan loader: %s (install the Vulkan loader, e.g. Debian's "
				 "libvulkan1, and a driver)",
				 dlerror());
	/* dlsym returns void *; POSIX guarantees it converts to a function pointer. */
	void *sym = dlsym(fns->lib, "vkGetInstanceProcAddr");
	if (!sym) {
		eml_vk_unload(fns);
		return eml_error(EDGEML_ERR_UNSUPPORTED,
				 "%s has no vkGetInstanceProcAddr: not a Vulkan loader", path);
	}
	memcpy(&fns->vkGetInstanceProcAddr, &sym, sizeof(sym));
#define EML_VK_FN(name)                                                                     \
	fns->name = (PFN_##name)fns->vkGetInstanceProcAddr(VK_NULL_HANDLE, #name);          \
	if (!fns->name) {                                                                   \
		eml_vk_unload(fns);                                                         \
		return eml_error(EDGEML_ERR_UNSUPPORTED, "the Vulkan loader lacks %s", #name); \
	}
	EML_VK_GLOBAL_FNS(EML_VK_FN)
#undef EML_VK_FN
	return EDGEML_OK;
}

edgeml_status eml_vk_load_instance(eml_vk_fns *fns, VkInstance instance, int debug)
{
#define EML_VK_FN(name)                                                                     \
	fns->name = (PFN_##name)fns->vkGetInstanceProcAddr(instance, #name);                \
	if (!fns->name)                                                                     \
		return eml_error(EDGEML_ERR_UNSUPPORTED,                                    \
				 "the Vulkan instance lacks %s (Vulkan 1.2 is needed)", #name);
	EML_VK_INSTANCE_FNS(EML_VK_FN)
	if (debug) {
		EML_VK_DEBUG_FNS(EML_VK_FN)
	}
#undef EML_VK_FN
	return EDGEML_OK;
}

void eml_vk_unload(eml_vk_fns *fns)
{
	if (fns->lib)
		dlclose(fns->lib);
	memset(fns, 0, sizeof(*fns));
}

const char *eml_vk_result_name(VkResult r)
{
	switch (r) {
#define R(x)                                                                                \
	case x:                                                                             \
		return #x;
		R(VK_SUCCESS)
		R(VK_NOT_READY)
		R(VK_TIMEOUT)
		R(VK_INCOMPLETE)
		R(VK_ERROR_OUT_OF_HOST_MEMORY)
		R(VK_ERROR_OUT_OF_DEVICE_MEMORY)
		R(VK_ERROR_INITIALIZATION_FAILED)
		R(VK_ERROR_DEVICE_LOST)
		R(VK_ERROR_MEMORY_MAP_FAILED)
		R(VK_ERROR_LAYER_NOT_PRESENT)
		R(VK_ERROR_EXTENSION_NOT_PRESENT)
		R(VK_ERROR_FEATURE_NOT_PRESENT)
		R(VK_ERROR_INCOMPATIBLE_DRIVER)
		R(VK_ERROR_TOO_MANY_OBJECTS)
		R(VK_ERROR_FORMAT_NOT_SUPPORTED)
		R(VK_ERROR_FRAGMENTED_POOL)
		R(VK_ERROR_OUT_OF_POOL_MEMORY)
		R(VK_ERROR_INVALID_SHADER_NV)
#undef R
	default:
		return "VK_ERROR_UNKNOWN";
	}
}
