/* vk_shared.c — the process's logical devices, shared by sessions, and their pipeline
 * tables (vk_shared.h). */
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "vulkan/vk_ops.h"
#include "vulkan/vk_shared.h"

/* Guards the device list and the counts; never held while waiting on the GPU or compiling. */
static pthread_mutex_t shared_lock = PTHREAD_MUTEX_INITIALIZER;
static eml_vk_shared *shared_list;
static long live_contexts;

/* Destroys a device with its pipelines and layouts (no session uses it any more). */
static void shared_free(eml_vk_shared *sh)
{
	const eml_vk_fns *f = sh->dev.fns;
	VkDevice dev = sh->dev.device;
	for (uint32_t i = 0; i < sh->n_pipes; i++) {
		f->vkDestroyPipeline(dev, sh->pipes[i].pipeline, NULL);
		free(sh->pipes[i].shader);
		free(sh->pipes[i].macros);
		free(sh->pipes[i].spec);
	}
	free(sh->pipes);
	if (sh->pcache)
		f->vkDestroyPipelineCache(dev, sh->pcache, NULL);
	if (sh->layout)
		f->vkDestroyPipelineLayout(dev, sh->layout, NULL);
	if (sh->set_layout)
		f->vkDestroyDescriptorSetLayout(dev, sh->set_layout, NULL);
	eml_vk_device_destroy(&sh->dev);
	pthread_mutex_destroy(&sh->queue_lock);
	pthread_mutex_destroy(&sh->pipe_lock);
	free(sh);
}

/* Creates the device and the layouts every pipeline on it uses: one set of storage buffers,
 * binding 0 the parameters and 1.. the tensors (vk_ops.h). */
static edgeml_status shared_create(const eml_vk_instance *vi, uint32_t index,
				   eml_vk_shared **out)
{
	eml_vk_shared *sh = calloc(1, sizeof(*sh));
	if (!sh)
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for a Vulkan device");
	pthread_mutex_init(&sh->queue_lock, NULL);
	pthread_mutex_init(&sh->pipe_lock, NULL);
	sh->index = index;
	edgeml_status st = eml_vk_device_create(vi, index, &sh->dev);
	if (st != EDGEML_OK) {
		shared_free(sh);
		return st;
	}
	enum { N_BINDINGS = 1 + EML_VK_MAX_BINDINGS };
	VkDescriptorSetLayoutBinding b[N_BINDINGS];
	for (uint32_t i = 0; i < N_BINDINGS; i++)
		b[i] = (VkDescriptorSetLayoutBinding){ i, VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, 1,
						       VK_SHADER_STAGE_COMPUTE_BIT, NULL };
	VkDescriptorSetLayoutCreateInfo dl = {
		.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO,
		.bindingCount = N_BINDINGS,
		.pBindings = b
	};
	const eml_vk_fns *f = sh->dev.fns;
	VkResult r = f->vkCreateDescriptorSetLayout(sh->dev.device, &dl, NULL, &sh->set_layout);
	if (r == VK_SUCCESS) {
		VkPipelineLayoutCreateInfo pl = {
			.sType = VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO,
			.setLayoutCount = 1,
			.pSetLayouts = &sh->set_layout
		};
		r = f->vkCreatePipelineLayout(sh->dev.device, &pl, NULL, &sh->layout);
	}
	if (r != VK_SUCCESS) {
		shared_free(sh);
		return eml_error(EDGEML_ERR_BACKEND, "vulkan: creating layouts failed: %s",
				 eml_vk_result_name(r));
	}
	*out = sh;
	return EDGEML_OK;
}

edgeml_status eml_vk_shared_get(const eml_vk_instance *vi, uint32_t index, eml_vk_shared **out)
{
	pthread_mutex_lock(&shared_lock);
	eml_vk_shared *sh = shared_list;
	while (sh && sh->index != index)
		sh = sh->next;
	edgeml_status st = EDGEML_OK;
	if (!sh) {
		st = shared_create(vi, index, &sh);
		if (st == EDGEML_OK) {
			sh->next = shared_list;
			shared_list = sh;
		}
	}
	if (st == EDGEML_OK) {
		sh->users++;
		*out = sh;
	}
	pthread_mutex_unlock(&shared_lock);
	return st;
}

/* Frees the devices no session uses, once no context is left; with shared_lock held. */
static void sweep(void)
{
	if (live_contexts > 0)
		return;
	for (eml_vk_shared **at = &shared_list; *at;) {
		eml_vk_shared *sh = *at;
		if (sh->users) {
			at = &sh->next;
			continue;
		}
		*at = sh->next;
		shared_free(sh);
	}
}

void eml_vk_shared_put(eml_vk_shared *sh)
{
	if (!sh)
		return;
	pthread_mutex_lock(&shared_lock);
	sh->users--;
	sweep();
	pthread_mutex_unlock(&shared_lock);
}

void eml_vk_contexts_add(int delta)
{
	pthread_mutex_lock(&shared_lock);
	live_contexts += delta;
	sweep();
	pthread_mutex_unlock(&shared_lock);
}

VkPipeline eml_vk_pipe_find(const eml_vk_shared *sh, const char *shader, const char *macros,
			    const uint32_t *spec, uint32_t n_spec)
{
	for (uint32_t i = 0; i < sh->n_pipes; i++) {
		const eml_vk_pipe *p = &sh->pipes[i];
		if (p->n_spec == n_spec && strcmp(p->shader, shader) == 0 &&
		    strcmp(p->macros, macros) == 0 &&
		    memcmp(p->spec, spec, n_spec * sizeof(*spec)) == 0)
			return p->pipeline;
	}
	return VK_NULL_HANDLE;
}

edgeml_status eml_vk_pipe_add(eml_vk_shared *sh, const char *shader, const char *macros,
			      const uint32_t *spec, uint32_t n_spec, VkPipeline pipeline)
{
	if (sh->n_pipes == sh->cap) {
		uint32_t cap = sh->cap ? 2 * sh->cap : 64;
		eml_vk_pipe *p = realloc(sh->pipes, cap * sizeof(*p));
		if (!p)
			goto fail;
		sh->pipes = p;
		sh->cap = cap;
	}
	eml_vk_pipe *p = &sh->pipes[sh->n_pipes];
	p->shader = strdup(shader);
	p->macros = strdup(macros);
	p->spec = malloc((n_spec ? n_spec : 1) * sizeof(*spec));
	if (!p->shader || !p->macros || !p->spec) {
		free(p->shader);
		free(p->macros);
		free(p->spec);
		goto fail;
	}
	memcpy(p->spec, spec, n_spec * sizeof(*spec));
	p->n_spec = n_spec;
	p->pipeline = pipeline;
	sh->n_pipes++;
	return EDGEML_OK;
fail:
	sh->dev.fns->vkDestroyPipeline(sh->dev.device, pipeline, NULL);
	return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for the pipeline table");
}
