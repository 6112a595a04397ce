/*
 * no_vulkan.c — the Vulkan entry points of a build without the Vulkan backend (`make
 * VULKAN=0`: CPU-only boards, or the aarch64 cross build, which has no arm64 glslang). The
 * backend keeps its name, so callers need no conditional code, but every use of it fails with
 * one message a user can act on, and AUTO always takes the CPU.
 */
#include <stdio.h>

#include "backend.h"
#include "error.h"
#include "vulkan/vk_device.h"
#include "vulkan/vk_shared.h"

#define NO_VULKAN                                                                          \
	"this build of edgeml has no Vulkan backend (built with VULKAN=0); use the CPU "   \
	"backend, or a build with Vulkan"

/* Refuses every graph. The backend's other entries are never reached: a session whose
 * prepare failed holds no state, so nothing is run, imported or destroyed on it. */
static edgeml_status no_vulkan_prepare(const eml_graph *graph,
				       const edgeml_session_options *options, void **state)
{
	*state = NULL;
	return eml_error(EDGEML_ERR_UNSUPPORTED, NO_VULKAN);
}

const eml_backend eml_vulkan_backend = {
	.name = "vulkan",
	.prepare = no_vulkan_prepare,
};

/* AUTO's question: never Vulkan here, and why, for `edgeml info` and session details. */
int eml_vulkan_auto_usable(char *why, size_t size)
{
	snprintf(why, size, "this build has no Vulkan backend (VULKAN=0)");
	return 0;
}

/* `edgeml info` lists devices through the shared instance: say why there is none. */
edgeml_status eml_vk_instance_shared(const eml_vk_instance **out)
{
	*out = NULL;
	return eml_error(EDGEML_ERR_UNSUPPORTED, NO_VULKAN);
}

/* The machine fingerprint of `edgeml bench` records the same reason. */
edgeml_status eml_vk_instance_create(eml_vk_instance *vi)
{
	return eml_error(EDGEML_ERR_UNSUPPORTED, NO_VULKAN);
}

/* Nothing to release: eml_vk_instance_create never succeeds in this build. */
void eml_vk_instance_destroy(eml_vk_instance *vi)
{
}

/* Contexts keep Vulkan devices alive between sessions; this build has none to keep. */
void eml_vk_contexts_add(int delta)
{
}

/* Device types name only devices an instance found, and this build finds none. */
const char *eml_vk_device_type_name(VkPhysicalDeviceType type)
{
	return "none (no Vulkan backend)";
}
