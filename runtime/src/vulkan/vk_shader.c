/* vk_shader.c — GLSL to SPIR-V with glslang's C API, and the disk caches of SPIR-V and of
 * the driver's pipeline cache. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glslang/Include/glslang_c_interface.h>
#include <glslang/Public/resource_limits_c.h>

#include "cache_dir.h"
#include "error.h"
#include "vulkan/vk_shader.h"
#include "vulkan/vk_shader_text.h"

#define SPV_MAGIC 0x31565053u /* "SPV1" */
/* Bumped when the compile options change, so old entries stop matching. */
#define COMPILER_TAG "glslang-c vulkan1.2 spv1.5 v1"
/* Bounds on what is read from disk and on include nesting. */
#define SPV_MAX_BYTES (16u << 20)
#define PIPELINE_CACHE_MAX_BYTES (256u << 20)
#define INCLUDE_DEPTH_MAX 4

/* glslang's process-wide state is not safe to set up from two threads at once. */
static pthread_mutex_t glslang_lock = PTHREAD_MUTEX_INITIALIZER;

/* Header of a SPIR-V cache file; the words follow. */
typedef struct spv_header {
	uint32_t magic;
	uint32_t size; /* bytes of SPIR-V */
	uint64_t key[2];
	uint64_t checksum;
} spv_header;

/* 64-bit FNV-1a of n bytes, continuing from h. */
static uint64_t fnv1a(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

/* Continues both halves of a 128-bit key (two FNV-1a chains from different seeds, the
 * second over the bytes mixed with their position) with n bytes. */
static void key_add(uint64_t key[2], const void *p, size_t n)
{
	const uint8_t *b = p;
	key[0] = fnv1a(key[0], p, n);
	for (size_t i = 0; i < n; i++)
		key[1] = (key[1] ^ (uint64_t)(b[i] + 0x9e * (i & 0xff))) * 0x100000001b3ull;
	key[0] = fnv1a(key[0], "\0", 1);
	key[1] = fnv1a(key[1], "\1", 1);
}

void eml_vk_cache_init(eml_vk_cache *c, const eml_vk_device_info *info, const char *dir)
{
	memset(c, 0, sizeof(*c));
	c->info = info;
	eml_cache_dir(dir, c->dir, sizeof(c->dir));
}

/* The embedded text of a shader file, or NULL. */
static const char *shader_text(const char *name)
{
	for (unsigned i = 0; i < eml_shader_text_count; i++)
		if (strcmp(eml_shader_texts[i].name, name) == 0)
			return eml_shader_texts[i].text;
	return NULL;
}

/* Appends n bytes to a growing string. */
static int append(char **buf, size_t *len, size_t *cap, const char *s, size_t n)
{
	if (*len + n + 1 > *cap) {
		size_t want = (*len + n + 1) * 2;
		char *p = realloc(*buf, want);
		if (!p)
			return -1;
		*buf = p;
		*cap = want;
	}
	memcpy(*buf + *len, s, n);
	*len += n;
	(*buf)[*len] = 0;
	return 0;
}

/* Appends the text of shader name with every `#include "file"` line replaced by that file's
 * text, so glslang sees one self-contained source (and the cache key covers the includes). */
static edgeml_status expand(const char *name, int depth, char **buf, size_t *len, size_t *cap)
{
	const char *text = shader_text(name);
	if (!text)
		return eml_error(EDGEML_ERR_BACKEND, "shader '%s' is not built into the library",
				 name);
	if (depth > INCLUDE_DEPTH_MAX)
		return eml_error(EDGEML_ERR_BACKEND, "shader '%s': includes nest too deep", name);
	while (*text) {
		const char *eol = strchr(text, '\n');
		size_t n = eol ? (size_t)(eol - text) + 1 : strlen(text);
		char inc[64];
		if (sscanf(text, "#include \"%63[^\"]\"", inc) == 1) {
			edgeml_status st = expand(inc, depth + 1, buf, len, cap);
			if (st != EDGEML_OK)
				return st;
		} else if (append(buf, len, cap, text, n) != 0) {
			return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for shader '%s'",
					 name);
		}
		text += n;
	}
	return EDGEML_OK;
}

/* Compiles source (with the macros as glslang's preamble) to SPIR-V. */
static edgeml_status compile(const char *name, const char *source, const char *macros,
			     uint32_t **code, size_t *size)
{
	glslang_input_t in = {
		.language = GLSLANG_SOURCE_GLSL,
		.stage = GLSLANG_STAGE_COMPUTE,
		.client = GLSLANG_CLIENT_VULKAN,
		.client_version = GLSLANG_TARGET_VULKAN_1_2,
		.target_language = GLSLANG_TARGET_SPV,
		/* 1.5, not 1.6: 1.6 makes local sizes LocalSizeId, which needs maintenance4. */
		.target_language_version = GLSLANG_TARGET_SPV_1_5,
		.code = source,
		.default_version = 450,
		.default_profile = GLSLANG_NO_PROFILE,
		.messages = GLSLANG_MSG_SPV_RULES_BIT | GLSLANG_MSG_VULKAN_RULES_BIT,
		.resource = glslang_default_resource(),
	};
	edgeml_status st = EDGEML_OK;
	pthread_mutex_lock(&glslang_lock);
	glslang_initialize_process();
	glslang_shader_t *sh = glslang_shader_create(&in);
	glslang_program_t *prog = NULL;
	if (!sh) {
		st = eml_error(EDGEML_ERR_NO_MEMORY, "glslang: cannot create shader '%s'", name);
		goto out;
	}
	glslang_shader_set_preamble(sh, macros);
	if (!glslang_shader_preprocess(sh, &in) || !glslang_shader_parse(sh, &in)) {
		st = eml_error(EDGEML_ERR_BACKEND, "shader '%s' does not compile: %s", name,
			       glslang_shader_get_info_log(sh));
		goto out;
	}
	prog = glslang_program_create();
	glslang_program_add_shader(prog, sh);
	if (!glslang_program_link(prog, GLSLANG_MSG_SPV_RULES_BIT | GLSLANG_MSG_VULKAN_RULES_BIT)) {
		st = eml_error(EDGEML_ERR_BACKEND, "shader '%s' does not link: %s", name,
			       glslang_program_get_info_log(prog));
		goto out;
	}
	glslang_program_SPIRV_generate(prog, GLSLANG_STAGE_COMPUTE);
	size_t words = glslang_program_SPIRV_get_size(prog);
	*code = malloc(words * sizeof(uint32_t));
	if (!*code) {
		st = eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for shader '%s'", name);
		goto out;
	}
	glslang_program_SPIRV_get(prog, *code);
	*size = words * sizeof(uint32_t);
out:
	if (prog)
		glslang_program_delete(prog);
	if (sh)
		glslang_shader_delete(sh);
	/* Pairs with initialize: the last finalize frees glslang's global tables, so nothing
	 * is left for a leak checker at exit. */
	glslang_finalize_process();
	pthread_mutex_unlock(&glslang_lock);
	return st;
}

/* Path of a cache file. */
static void cache_path(const eml_vk_cache *c, char *path, size_t size, const char *what,
		       const uint64_t key[2])
{
	snprintf(path, size, "%s/%s-%016llx%016llx.bin", c->dir, what,
		 (unsigned long long)key[0], (unsigned long long)key[1]);
}

/* Reads a whole file of at most max bytes; NULL when missing or too large. */
static void *read_file(const char *path, size_t max, size_t *size)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	void *buf = NULL;
	long n = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
	if (n > 0 && (unsigned long)n <= max && fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)n);
		if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		}
		*size = (size_t)n;
	}
	fclose(f);
	return buf;
}

/* Writes a file atomically: a temporary name in the same directory, then rename. */
static void write_file(const char *path, const void *a, size_t na, const void *b, size_t nb)
{
	char tmp[600];
	snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path, (long)getpid());
	FILE *f = fopen(tmp, "wb");
	if (!f)
		return;
	int ok = fwrite(a, 1, na, f) == na && (nb == 0 || fwrite(b, 1, nb, f) == nb);
	ok = fclose(f) == 0 && ok;
	if (!ok || rename(tmp, path) != 0)
		remove(tmp);
}

/* The cached SPIR-V for key, or NULL when absent or not intact. */
static uint32_t *spirv_load(const eml_vk_cache *c, const uint64_t key[2], size_t *size)
{
	char path[600];
	size_t n = 0;
	cache_path(c, path, sizeof(path), "spirv", key);
	uint8_t *buf = read_file(path, SPV_MAX_BYTES + sizeof(spv_header), &n);
	if (!buf)
		return NULL;
	spv_header h;
	uint32_t *code = NULL;
	if (n > sizeof(h)) {
		memcpy(&h, buf, sizeof(h));
		size_t body = n - sizeof(h);
		if (h.magic == SPV_MAGIC && h.size == body && body % 4 == 0 &&
		    h.key[0] == key[0] && h.key[1] == key[1] &&
		    h.checksum == fnv1a(0xcbf29ce484222325ull, buf + sizeof(h), body) &&
		    (code = malloc(body)) != NULL) {
			memcpy(code, buf + sizeof(h), body);
			*size = body;
		}
	}
	free(buf);
	return code;
}

edgeml_status eml_vk_spirv(eml_vk_cache *c, const char *name, const char *macros,
			   uint32_t **code, size_t *size)
{
	char *src = NULL;
	size_t len = 0, cap = 0;
	edgeml_status st = expand(name, 0, &src, &len, &cap);
	if (st != EDGEML_OK) {
		free(src);
		return st;
	}
	uint64_t key[2] = { 0xcbf29ce484222325ull, 0x84222325cbf29ce4ull };
	key_add(key, COMPILER_TAG, strlen(COMPILER_TAG));
	key_add(key, src, len);
	key_add(key, macros, strlen(macros));
	key_add(key, c->info->uuid, VK_UUID_SIZE);
	key_add(key, &c->info->driver_version, sizeof(c->info->driver_version));
	*code = c->dir[0] ? spirv_load(c, key, size) : NULL;
	if (*code) {
		c->hits++;
		free(src);
		return EDGEML_OK;
	}
	st = compile(name, src, macros, code, size);
	free(src);
	if (st != EDGEML_OK)
		return st;
	c->compiles++;
	if (c->dir[0]) {
		spv_header h = { SPV_MAGIC, (uint32_t)*size, { key[0], key[1] },
				 fnv1a(0xcbf29ce484222325ull, *code, *size) };
		char path[600];
		cache_path(c, path, sizeof(path), "spirv", key);
		write_file(path, &h, sizeof(h), *code, *size);
	}
	return EDGEML_OK;
}

/* Path of the device's pipeline cache file (one per device UUID and driver version). */
static void pipeline_cache_path(const eml_vk_cache *c, char *path, size_t size)
{
	uint64_t key[2] = { 0, 0 };
	memcpy(key, c->info->uuid, VK_UUID_SIZE);
	key[1] ^= c->info->driver_version;
	cache_path(c, path, size, "pipelines", key);
}

/* Whether data is a pipeline cache this device wrote (Vulkan also checks, but a driver
 * handed foreign or truncated data is better not trusted with it). */
static int pipeline_cache_valid(const eml_vk_cache *c, const uint8_t *data, size_t n)
{
	VkPipelineCacheHeaderVersionOne h;
	if (n < sizeof(h))
		return 0;
	memcpy(&h, data, sizeof(h));
	return h.headerSize >= sizeof(h) && h.headerSize <= n &&
	       h.headerVersion == VK_PIPELINE_CACHE_HEADER_VERSION_ONE &&
	       h.vendorID == c->info->vendor_id && h.deviceID == c->info->device_id &&
	       memcmp(h.pipelineCacheUUID, c->info->uuid, VK_UUID_SIZE) == 0;
}

edgeml_status eml_vk_pipeline_cache_load(const eml_vk_cache *c, const eml_vk_device *d,
					 VkPipelineCache *out)
{
	size_t n = 0;
	void *data = NULL;
	if (c->dir[0]) {
		char path[600];
		pipeline_cache_path(c, path, sizeof(path));
		data = read_file(path, PIPELINE_CACHE_MAX_BYTES, &n);
		if (data && !pipeline_cache_valid(c, data, n)) {
			free(data);
			data = NULL;
		}
	}
	VkPipelineCacheCreateInfo ci = { .sType = VK_STRUCTURE_TYPE_PIPELINE_CACHE_CREATE_INFO,
					 .initialDataSize = data ? n : 0,
					 .pInitialData = data };
	VkResult r = d->fns->vkCreatePipelineCache(d->device, &ci, NULL, out);
	if (r != VK_SUCCESS && data) {
		ci.initialDataSize = 0;
		ci.pInitialData = NULL;
		r = d->fns->vkCreatePipelineCache(d->device, &ci, NULL, out);
	}
	free(data);
	if (r != VK_SUCCESS)
		return eml_error(EDGEML_ERR_BACKEND, "vkCreatePipelineCache failed: %s",
				 eml_vk_result_name(r));
	return EDGEML_OK;
}

void eml_vk_pipeline_cache_save(const eml_vk_cache *c, const eml_vk_device *d,
				VkPipelineCache cache)
{
	size_t n = 0;
	if (!c->dir[0] ||
	    d->fns->vkGetPipelineCacheData(d->device, cache, &n, NULL) != VK_SUCCESS || n == 0 ||
	    n > PIPELINE_CACHE_MAX_BYTES)
		return;
	void *data = malloc(n);
	if (data && d->fns->vkGetPipelineCacheData(d->device, cache, &n, data) == VK_SUCCESS) {
		char path[600];
		pipeline_cache_path(c, path, sizeof(path));
		write_file(path, data, n, NULL, 0);
	}
	free(data);
}
