/*
 * vk_shader.h — compiling the GLSL of shaders/ to SPIR-V with glslang's C API, with a disk
 * cache of the SPIR-V and of the driver's VkPipelineCache.
 *
 * Cache files live in EDGEML_CACHE_DIR, else $XDG_CACHE_HOME/edgeml, else ~/.cache/edgeml
 * ("off" disables the cache). A SPIR-V entry is keyed by a 128-bit hash of the source (with
 * its includes), the macros, the device's pipelineCacheUUID and the driver version; an entry
 * that does not check out (magic, key, length, checksum) is ignored and rewritten. Files are
 * written to a temporary name and renamed, so a reader never sees half a file.
 */
#ifndef EML_VK_SHADER_H
#define EML_VK_SHADER_H

#include <stddef.h>
#include <stdint.h>

#include "vulkan/vk_device.h"

typedef struct eml_vk_cache {
	char dir[512]; /* "" when caching is off */
	const eml_vk_device_info *info;
	uint32_t hits, compiles; /* SPIR-V cache statistics of this session */
} eml_vk_cache;

/* Resolves the cache directory (override: a non-NULL dir from the session options) and
 * creates it; a directory that cannot be created turns caching off, never fails. */
void eml_vk_cache_init(eml_vk_cache *c, const eml_vk_device_info *info, const char *dir);

/* The SPIR-V of shader name (a file of shaders/) compiled with macros (lines of
 * "#define NAME VALUE"), from the cache or glslang. *code is malloc'ed, *size in bytes. */
edgeml_status eml_vk_spirv(eml_vk_cache *c, const char *name, const char *macros,
			   uint32_t **code, size_t *size);

/* Creates the device's pipeline cache, seeded from the disk file when it is valid. */
edgeml_status eml_vk_pipeline_cache_load(const eml_vk_cache *c, const eml_vk_device *d,
					 VkPipelineCache *out);
/* Writes the pipeline cache back to disk (best effort: a failure only costs time later). */
void eml_vk_pipeline_cache_save(const eml_vk_cache *c, const eml_vk_device *d,
				VkPipelineCache cache);

#endif /* EML_VK_SHADER_H */
