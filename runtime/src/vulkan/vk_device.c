/* vk_device.c — the Vulkan instance, physical-device discovery (with DRM nodes through
 * VK_EXT_physical_device_drm and libdrm), device choice and logical-device creation. */
#include <ctype.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <xf86drm.h>

#include "error.h"
#include "vulkan/vk_device.h"

#define VALIDATION_LAYER "VK_LAYER_KHRONOS_validation"


/* Invocations per workgroup: 64 (enough to fill the lanes of every device we know), rounded
 * up to whole subgroups, as a wave of 128 (Adreno) would otherwise run half empty; never more
 * than the device takes. */
uint32_t eml_vk_local_size(uint32_t subgroup, uint32_t max_invocations)
{
	uint32_t local = 64;
	if (subgroup > 0 && subgroup <= 1024 && local % subgroup != 0)
		local = (local + subgroup - 1) / subgroup * subgroup;
	if (max_invocations > 0 && local > max_invocations)
		local = max_invocations;
	return local;
}

/* Process-wide count of validation messages, read by the test suite. */
static atomic_ullong validation_count;

uint64_t eml_vk_validation_messages(void)
{
	return atomic_load(&validation_count);
}

/* Receives the validation layer's warnings and errors: each is printed and counted, so a
 * test run fails when the layer reports anything. */
static VKAPI_ATTR VkBool32 VKAPI_CALL on_validation(
	VkDebugUtilsMessageSeverityFlagBitsEXT severity, VkDebugUtilsMessageTypeFlagsEXT types,
	const VkDebugUtilsMessengerCallbackDataEXT *data, void *user)
{
	(void)types;
	(void)user;
	atomic_fetch_add(&validation_count, 1);
	fprintf(stderr, "edgeml: vulkan validation %s: %s\n",
		severity & VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT ? "error" : "warning",
		data && data->pMessage ? data->pMessage : "");
	return VK_FALSE;
}

const char *eml_vk_device_type_name(VkPhysicalDeviceType type)
{
	switch (type) {
	case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU:
		return "discrete GPU";
	case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU:
		return "integrated GPU";
	case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU:
		return "virtual GPU";
	case VK_PHYSICAL_DEVICE_TYPE_CPU:
		return "CPU";
	default:
		return "other";
	}
}

/* Whether the instance offers the validation layer. */
static int has_validation_layer(const eml_vk_fns *f)
{
	uint32_t n = 0;
	if (f->vkEnumerateInstanceLayerProperties(&n, NULL) != VK_SUCCESS || n == 0)
		return 0;
	VkLayerProperties *layers = calloc(n, sizeof(*layers));
	int found = 0;
	if (layers && f->vkEnumerateInstanceLayerProperties(&n, layers) == VK_SUCCESS)
		for (uint32_t i = 0; i < n && !found; i++)
			found = strcmp(layers[i].layerName, VALIDATION_LAYER) == 0;
	free(layers);
	return found;
}

/* Whether a device offers extension name. */
static int has_device_ext(const eml_vk_fns *f, VkPhysicalDevice pd, const char *name)
{
	uint32_t n = 0;
	if (f->vkEnumerateDeviceExtensionProperties(pd, NULL, &n, NULL) != VK_SUCCESS || n == 0)
		return 0;
	VkExtensionProperties *ext = calloc(n, sizeof(*ext));
	int found = 0;
	if (ext && f->vkEnumerateDeviceExtensionProperties(pd, NULL, &n, ext) == VK_SUCCESS)
		for (uint32_t i = 0; i < n && !found; i++)
			found = strcmp(ext[i].extensionName, name) == 0;
	free(ext);
	return found;
}

/* Finds the DRM node whose device number is (major, minor) among libdrm's devices: the
 * render node when the device has one (compute needs no modesetting rights), else primary. */
static void find_drm_node(const VkPhysicalDeviceDrmPropertiesEXT *drm, char *out, size_t size)
{
	int n = drmGetDevices2(0, NULL, 0);
	if (n <= 0)
		return;
	drmDevicePtr *devs = calloc((size_t)n, sizeof(*devs));
	if (!devs)
		return;
	n = drmGetDevices2(0, devs, n);
	for (int i = 0; i < n; i++) {
		static const struct {
			int node;
			int use_render;
		} kinds[] = { { DRM_NODE_RENDER, 1 }, { DRM_NODE_PRIMARY, 0 } };
		for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
			int64_t maj = kinds[k].use_render ? drm->renderMajor : drm->primaryMajor;
			int64_t min = kinds[k].use_render ? drm->renderMinor : drm->primaryMinor;
			int has = kinds[k].use_render ? drm->hasRender : drm->hasPrimary;
			struct stat st;
			if (!has || !(devs[i]->available_nodes & (1 << kinds[k].node)) ||
			    stat(devs[i]->nodes[kinds[k].node], &st) != 0)
				continue;
			if ((int64_t)major(st.st_rdev) == maj &&
			    (int64_t)minor(st.st_rdev) == min && !out[0])
				snprintf(out, size, "%s", devs[i]->nodes[kinds[k].node]);
		}
	}
	drmFreeDevices(devs, n);
	free(devs);
}

/* Which ways of importing external memory (vk_import.c) device pd offers. */
static void describe_import(const eml_vk_fns *f, VkPhysicalDevice pd, eml_vk_device_info *info)
{
	info->has_dmabuf_import =
		has_device_ext(f, pd, VK_EXT_EXTERNAL_MEMORY_DMA_BUF_EXTENSION_NAME) &&
		has_device_ext(f, pd, VK_KHR_EXTERNAL_MEMORY_FD_EXTENSION_NAME);
	info->has_host_import = has_device_ext(f, pd, VK_EXT_EXTERNAL_MEMORY_HOST_EXTENSION_NAME);
	if (!info->has_host_import)
		return;
	VkPhysicalDeviceExternalMemoryHostPropertiesEXT host = {
		.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_EXTERNAL_MEMORY_HOST_PROPERTIES_EXT
	};
	VkPhysicalDeviceProperties2 p2 = { .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2,
					   .pNext = &host };
	f->vkGetPhysicalDeviceProperties2(pd, &p2);
	info->min_host_align = host.minImportedHostPointerAlignment;
	/* An alignment that is no power of two cannot be honoured by rounding: no import. */
	if (!info->min_host_align || (info->min_host_align & (info->min_host_align - 1)))
		info->has_host_import = 0;
}

/* Fills what the backend needs to know about physical device pd. */
static void describe_device(const eml_vk_fns *f, VkPhysicalDevice pd, uint32_t index,
			    eml_vk_device_info *info)
{
	VkPhysicalDeviceProperties p;
	f->vkGetPhysicalDeviceProperties(pd, &p);
	memset(info, 0, sizeof(*info));
	info->index = index;
	snprintf(info->name, sizeof(info->name), "%s", p.deviceName);
	info->type = p.deviceType;
	info->api_version = p.apiVersion;
	info->driver_version = p.driverVersion;
	info->vendor_id = p.vendorID;
	info->device_id = p.deviceID;
	memcpy(info->uuid, p.pipelineCacheUUID, VK_UUID_SIZE);
	info->shared_memory = p.limits.maxComputeSharedMemorySize;
	info->max_invocations = p.limits.maxComputeWorkGroupInvocations;
	memcpy(info->max_groups, p.limits.maxComputeWorkGroupCount, sizeof(info->max_groups));
	info->max_storage_range = p.limits.maxStorageBufferRange;
	info->min_storage_align = (uint32_t)p.limits.minStorageBufferOffsetAlignment;
	info->timestamp_period = p.limits.timestampPeriod;
	if (p.apiVersion < VK_API_VERSION_1_2) {
		snprintf(info->unusable, sizeof(info->unusable),
			 "Vulkan %u.%u: the backend needs 1.2", VK_API_VERSION_MAJOR(p.apiVersion),
			 VK_API_VERSION_MINOR(p.apiVersion));
		return;
	}
	int v13 = p.apiVersion >= VK_API_VERSION_1_3;
	info->has_drm_ext = has_device_ext(f, pd, VK_EXT_PHYSICAL_DEVICE_DRM_EXTENSION_NAME);
	int dot_ext = v13 ||
		      has_device_ext(f, pd, VK_KHR_SHADER_INTEGER_DOT_PRODUCT_EXTENSION_NAME);

	VkPhysicalDeviceShaderIntegerDotProductProperties dotp = {
		.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_INTEGER_DOT_PRODUCT_PROPERTIES
	};
	VkPhysicalDeviceDrmPropertiesEXT drm = {
		.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DRM_PROPERTIES_EXT,
		.pNext = dot_ext ? &dotp : NULL
	};
	VkPhysicalDeviceDriverProperties drv = {
		.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DRIVER_PROPERTIES,
		.pNext = info->has_drm_ext ? (void *)&drm : (dot_ext ? (void *)&dotp : NULL)
	};
	VkPhysicalDeviceSubgroupProperties sub = {
		.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_PROPERTIES, .pNext = &drv
	};
	VkPhysicalDeviceProperties2 p2 = { .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2,
					   .pNext = &sub };
	f->vkGetPhysicalDeviceProperties2(pd, &p2);
	info->subgroup_size = sub.subgroupSize;
	info->local_size = eml_vk_local_size(info->subgroup_size, info->max_invocations);
	snprintf(info->driver_name, sizeof(info->driver_name), "%s", drv.driverName);
	snprintf(info->driver_info, sizeof(info->driver_info), "%s", drv.driverInfo);
	info->int_dot_accel = dot_ext && dotp.integerDotProduct4x8BitPackedSignedAccelerated;
	if (info->has_drm_ext)
		find_drm_node(&drm, info->drm_node, sizeof(info->drm_node));
	describe_import(f, pd, info);

	VkPhysicalDeviceShaderIntegerDotProductFeatures dotf = {
		.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_INTEGER_DOT_PRODUCT_FEATURES
	};
	VkPhysicalDeviceVulkan12Features f12 = {
		.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES,
		.pNext = dot_ext ? &dotf : NULL
	};
	VkPhysicalDeviceFeatures2 f2 = { .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2,
					 .pNext = &f12 };
	f->vkGetPhysicalDeviceFeatures2(pd, &f2);
	info->storage8 = f12.storageBuffer8BitAccess;
	info->int8 = f12.shaderInt8;
	info->fp16 = f12.shaderFloat16;
	info->int_dot = dot_ext && dotf.shaderIntegerDotProduct;

	uint32_t nq = 0;
	f->vkGetPhysicalDeviceQueueFamilyProperties(pd, &nq, NULL);
	VkQueueFamilyProperties *qf = calloc(nq ? nq : 1, sizeof(*qf));
	int found = 0;
	if (qf) {
		f->vkGetPhysicalDeviceQueueFamilyProperties(pd, &nq, qf);
		for (uint32_t i = 0; i < nq && !found; i++) {
			if (!(qf[i].queueFlags & VK_QUEUE_COMPUTE_BIT))
				continue;
			found = 1;
			info->queue_family = i;
			info->timestamp_bits = qf[i].timestampValidBits;
		}
	}
	free(qf);
	if (!found)
		snprintf(info->unusable, sizeof(info->unusable), "no compute queue");
	else if (!info->storage8 || !info->int8)
		snprintf(info->unusable, sizeof(info->unusable),
			 "no 8-bit storage buffers / shaderInt8 (the int8 shaders need both)");
}

/* Creates the instance, with the validation layer and its messenger when asked for. */
static edgeml_status create_instance(eml_vk_instance *vi)
{
	eml_vk_fns *f = &vi->fns;
	const char *env = getenv("EDGEML_VK_VALIDATION");
	vi->validation = env && strcmp(env, "1") == 0;
	if (vi->validation && !has_validation_layer(f))
		return eml_error(EDGEML_ERR_UNSUPPORTED,
				 "EDGEML_VK_VALIDATION=1 but the %s layer is not installed "
				 "(Debian: vulkan-validationlayers)",
				 VALIDATION_LAYER);
	VkApplicationInfo app = { .sType = VK_STRUCTURE_TYPE_APPLICATION_INFO,
				  .pApplicationName = "edgeml",
				  .pEngineName = "edgeml",
				  .apiVersion = VK_API_VERSION_1_3 };
	VkDebugUtilsMessengerCreateInfoEXT dbg = {
		.sType = VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT,
		.messageSeverity = VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT |
				   VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT,
		.messageType = VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT |
			       VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT,
		.pfnUserCallback = on_validation
	};
	const char *layer = VALIDATION_LAYER, *ext = VK_EXT_DEBUG_UTILS_EXTENSION_NAME;
	VkInstanceCreateInfo ci = { .sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO,
				    .pApplicationInfo = &app };
	if (vi->validation) {
		ci.pNext = &dbg;
		ci.enabledLayerCount = 1;
		ci.ppEnabledLayerNames = &layer;
		ci.enabledExtensionCount = 1;
		ci.ppEnabledExtensionNames = &ext;
	}
	VkResult r = f->vkCreateInstance(&ci, NULL, &vi->instance);
	if (r == VK_ERROR_INCOMPATIBLE_DRIVER)
		return eml_error(EDGEML_ERR_UNSUPPORTED,
				 "no Vulkan driver: the loader found no ICD (install one, e.g. "
				 "Debian's mesa-vulkan-drivers)");
	if (r != VK_SUCCESS)
		return eml_error(EDGEML_ERR_BACKEND, "vkCreateInstance failed: %s",
				 eml_vk_result_name(r));
	edgeml_status st = eml_vk_load_instance(f, vi->instance, vi->validation);
	if (st != EDGEML_OK || !vi->validation)
		return st;
	r = f->vkCreateDebugUtilsMessengerEXT(vi->instance, &dbg, NULL, &vi->messenger);
	if (r != VK_SUCCESS)
		return eml_error(EDGEML_ERR_BACKEND, "vkCreateDebugUtilsMessengerEXT failed: %s",
				 eml_vk_result_name(r));
	return EDGEML_OK;
}

/* Enumerates and describes the physical devices. */
static edgeml_status enumerate(eml_vk_instance *vi)
{
	eml_vk_fns *f = &vi->fns;
	uint32_t n = 0;
	VkResult r = f->vkEnumeratePhysicalDevices(vi->instance, &n, NULL);
	if (r != VK_SUCCESS && r != VK_INCOMPLETE)
		return eml_error(EDGEML_ERR_BACKEND, "vkEnumeratePhysicalDevices failed: %s",
				 eml_vk_result_name(r));
	if (n == 0)
		return eml_error(EDGEML_ERR_UNSUPPORTED,
				 "no Vulkan device: the loader found no physical device (install "
				 "a driver, e.g. Debian's mesa-vulkan-drivers)");
	vi->phys = calloc(n, sizeof(*vi->phys));
	vi->info = calloc(n, sizeof(*vi->info));
	if (!vi->phys || !vi->info)
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory listing %u Vulkan devices",
				 n);
	r = f->vkEnumeratePhysicalDevices(vi->instance, &n, vi->phys);
	if (r != VK_SUCCESS && r != VK_INCOMPLETE)
		return eml_error(EDGEML_ERR_BACKEND, "vkEnumeratePhysicalDevices failed: %s",
				 eml_vk_result_name(r));
	vi->n_devices = n;
	for (uint32_t i = 0; i < n; i++)
		describe_device(f, vi->phys[i], i, &vi->info[i]);
	return EDGEML_OK;
}

edgeml_status eml_vk_instance_create(eml_vk_instance *vi)
{
	memset(vi, 0, sizeof(*vi));
	edgeml_status st = eml_vk_load(&vi->fns);
	if (st == EDGEML_OK)
		st = create_instance(vi);
	if (st == EDGEML_OK)
		st = enumerate(vi);
	if (st != EDGEML_OK)
		eml_vk_instance_destroy(vi);
	return st;
}

static pthread_mutex_t shared_lock = PTHREAD_MUTEX_INITIALIZER;
static eml_vk_instance shared;
static int shared_ok;

edgeml_status eml_vk_instance_shared(const eml_vk_instance **out)
{
	edgeml_status st = EDGEML_OK;
	pthread_mutex_lock(&shared_lock);
	if (!shared_ok) {
		st = eml_vk_instance_create(&shared);
		shared_ok = st == EDGEML_OK;
	}
	*out = shared_ok ? &shared : NULL;
	pthread_mutex_unlock(&shared_lock);
	return st;
}

void eml_vk_instance_destroy(eml_vk_instance *vi)
{
	if (vi->messenger)
		vi->fns.vkDestroyDebugUtilsMessengerEXT(vi->instance, vi->messenger, NULL);
	if (vi->instance)
		vi->fns.vkDestroyInstance(vi->instance, NULL);
	free(vi->phys);
	free(vi->info);
	eml_vk_unload(&vi->fns);
	memset(vi, 0, sizeof(*vi));
}

/* Rank of a device type in the automatic choice: lower is better. */
static int type_rank(VkPhysicalDeviceType type)
{
	switch (type) {
	case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU:
		return 0;
	case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU:
		return 1;
	case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU:
		return 2;
	case VK_PHYSICAL_DEVICE_TYPE_CPU:
		return 3;
	default:
		return 4;
	}
}

/* The index want gives ("3"); -1 when want is not a plain decimal index. */
static long parse_index(const char *want)
{
	char *end;
	unsigned long idx = strtoul(want, &end, 10);
	return isdigit((unsigned char)*want) && !*end && idx <= UINT32_MAX ? (long)idx : -1;
}

edgeml_status eml_vk_pick_device(const eml_vk_instance *vi, const char *want, uint32_t *out)
{
	int best = -1;
	for (uint32_t i = 0; i < vi->n_devices; i++) {
		const eml_vk_device_info *d = &vi->info[i];
		if (want && *want) {
			if (parse_index(want) != (long)i)
				continue;
			if (d->unusable[0])
				return eml_error(EDGEML_ERR_UNSUPPORTED,
						 "Vulkan device %u '%s' cannot run the backend: %s",
						 i, d->name, d->unusable);
			*out = i;
			return EDGEML_OK;
		}
		if (!d->unusable[0] &&
		    (best < 0 || type_rank(d->type) < type_rank(vi->info[best].type)))
			best = (int)i;
	}
	if (want && *want)
		return eml_error(EDGEML_ERR_NOT_FOUND,
				 "no Vulkan device has index '%s' (`edgeml info` lists them)",
				 want);
	if (best < 0)
		return eml_error(EDGEML_ERR_UNSUPPORTED,
				 "none of the %u Vulkan devices can run the backend "
				 "(device 0 '%s': %s)",
				 vi->n_devices, vi->info[0].name, vi->info[0].unusable);
	*out = (uint32_t)best;
	return EDGEML_OK;
}

edgeml_status eml_vk_device_create(const eml_vk_instance *vi, uint32_t index, eml_vk_device *d)
{
	const eml_vk_fns *f = &vi->fns;
	memset(d, 0, sizeof(*d));
	d->fns = f;
	d->info = &vi->info[index];
	d->phys = vi->phys[index];
	float prio = 1.0f;
	VkDeviceQueueCreateInfo q = { .sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO,
				      .queueFamilyIndex = d->info->queue_family,
				      .queueCount = 1,
				      .pQueuePriorities = &prio };
	/* Only what the shaders use: 8-bit storage buffers, 8-bit integer arithmetic and, when
	 * reported, packed integer dot products (the int8 convolutions and matmuls use them). */
	VkPhysicalDeviceShaderIntegerDotProductFeatures dotf = {
		.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_INTEGER_DOT_PRODUCT_FEATURES,
		.shaderIntegerDotProduct = VK_TRUE
	};
	VkPhysicalDeviceVulkan12Features f12 = {
		.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES,
		.pNext = d->info->int_dot ? &dotf : NULL,
		.storageBuffer8BitAccess = VK_TRUE,
		.shaderInt8 = VK_TRUE
	};
	VkPhysicalDeviceFeatures2 f2 = { .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2,
					 .pNext = &f12 };
	/* The import extensions only where the device has them (vk_import.c checks again). */
	const char *ext[4];
	uint32_t n_ext = 0;
	if (d->info->has_dmabuf_import) {
		ext[n_ext++] = VK_KHR_EXTERNAL_MEMORY_FD_EXTENSION_NAME;
		ext[n_ext++] = VK_EXT_EXTERNAL_MEMORY_DMA_BUF_EXTENSION_NAME;
	}
	if (d->info->has_host_import)
		ext[n_ext++] = VK_EXT_EXTERNAL_MEMORY_HOST_EXTENSION_NAME;
	/* Before Vulkan 1.3 the dot product is the extension's, which must be enabled too. */
	if (d->info->int_dot && d->info->api_version < VK_API_VERSION_1_3)
		ext[n_ext++] = VK_KHR_SHADER_INTEGER_DOT_PRODUCT_EXTENSION_NAME;
	VkDeviceCreateInfo ci = { .sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO,
				  .pNext = &f2,
				  .queueCreateInfoCount = 1,
				  .pQueueCreateInfos = &q,
				  .enabledExtensionCount = n_ext,
				  .ppEnabledExtensionNames = n_ext ? ext : NULL };
	VkResult r = f->vkCreateDevice(d->phys, &ci, NULL, &d->device);
	if (r != VK_SUCCESS)
		return eml_error(EDGEML_ERR_BACKEND, "vkCreateDevice on '%s' failed: %s",
				 d->info->name, eml_vk_result_name(r));
	f->vkGetDeviceQueue(d->device, d->info->queue_family, 0, &d->queue);
	f->vkGetPhysicalDeviceMemoryProperties(d->phys, &d->mem_props);
	return EDGEML_OK;
}

void eml_vk_device_destroy(eml_vk_device *d)
{
	if (d->device) {
		d->fns->vkDeviceWaitIdle(d->device);
		d->fns->vkDestroyDevice(d->device, NULL);
	}
	memset(d, 0, sizeof(*d));
}

/* The public type of a Vulkan device: a CPU-type one is a software renderer. */
static edgeml_device_type public_type(VkPhysicalDeviceType type)
{
	switch (type) {
	case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU:
		return EDGEML_DEVICE_DISCRETE_GPU;
	case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU:
		return EDGEML_DEVICE_INTEGRATED_GPU;
	case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU:
		return EDGEML_DEVICE_VIRTUAL_GPU;
	case VK_PHYSICAL_DEVICE_TYPE_CPU:
		return EDGEML_DEVICE_SOFTWARE;
	default:
		return EDGEML_DEVICE_OTHER;
	}
}

/* Formats a Vulkan version number; NVIDIA packs its driver versions differently. */
static void version_text(char *buf, size_t size, uint32_t v, uint32_t vendor, int driver)
{
	if (driver && vendor == 0x10de)
		snprintf(buf, size, "%u.%u.%u.%u", v >> 22, (v >> 14) & 0xff, (v >> 6) & 0xff,
			 v & 0x3f);
	else
		snprintf(buf, size, "%u.%u.%u", VK_API_VERSION_MAJOR(v), VK_API_VERSION_MINOR(v),
			 VK_API_VERSION_PATCH(v));
}

uint32_t eml_vk_devices(edgeml_device_properties *out, uint32_t max, char *why, size_t size)
{
	const eml_vk_instance *vi;
	if (eml_vk_instance_shared(&vi) != EDGEML_OK) {
		snprintf(why, size, "%s", edgeml_last_error());
		return 0;
	}
	for (uint32_t i = 0; i < vi->n_devices && i < max; i++) {
		const eml_vk_device_info *d = &vi->info[i];
		edgeml_device_properties *p = &out[i];
		memset(p, 0, sizeof(*p));
		p->type = public_type(d->type);
		snprintf(p->name, sizeof(p->name), "%s", d->name);
		snprintf(p->driver, sizeof(p->driver), "%s", d->driver_name);
		snprintf(p->driver_info, sizeof(p->driver_info), "%s", d->driver_info);
		version_text(p->driver_version, sizeof(p->driver_version), d->driver_version,
			     d->vendor_id, 1);
		version_text(p->api_version, sizeof(p->api_version), d->api_version, 0, 0);
		p->vendor_id = d->vendor_id;
		p->device_id = d->device_id;
		snprintf(p->drm_node, sizeof(p->drm_node), "%s", d->drm_node);
		snprintf(p->features, sizeof(p->features),
			 "subgroup=%u workgroup=%u shared-memory=%u%s%s%s%s%s%s%s%s", d->subgroup_size,
			 d->local_size, d->shared_memory, d->storage8 ? " storage8" : "",
			 d->int8 ? " int8" : "", d->fp16 ? " fp16" : "",
			 d->int_dot ? " int-dot" : "", d->int_dot_accel ? " int-dot-accelerated" : "",
			 d->timestamp_bits ? " timestamps" : "",
			 d->has_dmabuf_import ? " dmabuf-import" : "",
			 d->has_host_import ? " host-import" : "");
		snprintf(p->unusable, sizeof(p->unusable), "%s", d->unusable);
	}
	if (!vi->n_devices)
		snprintf(why, size, "the Vulkan driver lists no device");
	return vi->n_devices;
}
