/*
 * no_vulkan.c — the Vulkan backend's stand-in in a build without it (`make VULKAN=0`:
 * CPU-only boards, or the aarch64 cross build, which has no arm64 glslang). It keeps the
 * backend's registry line, lists no device and says why, and refuses every session with one
 * message a user can act on; AUTO then takes the CPU.
 */
#include <stdio.h>

#include "backend.h"
#include "error.h"

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

/* Never reached (see above); here so that the entry is never NULL. */
static edgeml_status no_vulkan_run(void *state)
{
	return eml_error(EDGEML_ERR_UNSUPPORTED, NO_VULKAN);
}

static void *no_vulkan_io_data(void *state, uint32_t tensor)
{
	return NULL;
}

static edgeml_status no_vulkan_import(void *state, uint32_t tensor, int fd, uint64_t offset,
				      const void *host, uint64_t *copy_bytes)
{
	return eml_error(EDGEML_ERR_UNSUPPORTED, NO_VULKAN);
}

static void no_vulkan_memory(const void *state, eml_backend_memory *mem)
{
	*mem = (eml_backend_memory){ 0 };
}

static void no_vulkan_destroy(void *state)
{
}

/* No device, and why. */
static uint32_t no_vulkan_devices(edgeml_device_properties *out, uint32_t max, char *why,
				  size_t size)
{
	snprintf(why, size, "this build has no Vulkan backend (VULKAN=0)");
	return 0;
}

const eml_backend eml_vulkan_backend = {
	.id = "vulkan",
	.name = "vulkan",
	.kind = EDGEML_BACKEND_VULKAN,
	.devices = no_vulkan_devices,
	.prepare = no_vulkan_prepare,
	.run = no_vulkan_run,
	.io_data = no_vulkan_io_data,
	.import_external_memory = no_vulkan_import,
	.memory = no_vulkan_memory,
	.destroy = no_vulkan_destroy,
};
