/*
 * vk_shared.h — the logical devices of the process, one per physical device, shared by every
 * session on it with the pipelines they made (as ncnn keeps a pipeline cache per VulkanDevice):
 * a second session of a model finds its pipelines made, and another model reuses those of the
 * same shader, macros and specialization. A device lives while a session uses it or an
 * edgeml_context exists, so a session created after the last one ended (same context) still
 * finds them; the last context's destruction frees it all.
 */
#ifndef EML_VK_SHARED_H
#define EML_VK_SHARED_H

#include <pthread.h>
#include <stdint.h>

#include "vulkan/vk_device.h"

/* A pipeline of the table: its shader, macros and specialization words are its key. */
typedef struct eml_vk_pipe {
	char *shader;
	char *macros;
	uint32_t n_spec;
	uint32_t *spec;
	VkPipeline pipeline;
} eml_vk_pipe;

typedef struct eml_vk_shared {
	eml_vk_device dev;
	uint32_t index;   /* of the physical device */
	uint32_t users;   /* sessions on it */
	/* Held around every vkQueueSubmit: Vulkan wants a queue's submissions synchronised by
	 * the caller, and sessions on several threads share the queue. */
	pthread_mutex_t queue_lock;
	/* Held while a session looks up and creates pipelines: two sessions creating the same
	 * pipeline at once would make it twice. */
	pthread_mutex_t pipe_lock;
	VkDescriptorSetLayout set_layout;
	VkPipelineLayout layout; /* every pipeline's: one set of storage buffers */
	VkPipelineCache pcache;  /* loaded from the first session's cache directory */
	eml_vk_pipe *pipes;
	uint32_t n_pipes, cap;
	struct eml_vk_shared *next;
} eml_vk_shared;

/* The process's device for physical device index of vi, created on first use (with its
 * descriptor-set and pipeline layouts); the caller becomes one of its users. */
edgeml_status eml_vk_shared_get(const eml_vk_instance *vi, uint32_t index, eml_vk_shared **out);
/* Ends one user's use: with no user and no context left the device and its pipelines go. */
void eml_vk_shared_put(eml_vk_shared *sh);
/* Counts a context created (+1) or destroyed (-1); the last one frees the unused devices. */
void eml_vk_contexts_add(int delta);

/* The pipeline of (shader, macros, spec) in sh's table, VK_NULL_HANDLE if none; with the
 * table's lock held. */
VkPipeline eml_vk_pipe_find(const eml_vk_shared *sh, const char *shader, const char *macros,
			    const uint32_t *spec, uint32_t n_spec);
/* Adds a created pipeline to the table (it then owns it); with the lock held. Fails only
 * when out of memory, the pipeline then destroyed. */
edgeml_status eml_vk_pipe_add(eml_vk_shared *sh, const char *shader, const char *macros,
			      const uint32_t *spec, uint32_t n_spec, VkPipeline pipeline);

#endif /* EML_VK_SHARED_H */
