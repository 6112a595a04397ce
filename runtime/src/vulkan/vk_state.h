/*
 * vk_state.h — the state of a Vulkan session, shared by the backend's lifecycle
 * (vk_backend.c) and its pipeline building and command recording (vk_record.c).
 */
#ifndef EML_VK_STATE_H
#define EML_VK_STATE_H

#include "backend.h"
#include "planner.h"
#include "vulkan/vk_device.h"
#include "vulkan/vk_memory.h"
#include "vulkan/vk_ops.h"
#include "vulkan/vk_shader.h"
#include "vulkan/vk_shared.h"

/* Where a tensor lives: a buffer and a byte offset in it. */
typedef struct vk_loc {
	eml_vk_buffer *buf;
	uint64_t offset;
} vk_loc;

/* One node: its dispatches on the GPU. */
typedef struct vk_node {
	int skip;   /* a view sharing its input's memory, or an empty output: nothing to run */
	eml_vk_kernel kernel;
	uint64_t params_offset[EML_VK_MAX_DISPATCH]; /* byte offset of each dispatch's params */
	uint32_t params_chunk[EML_VK_MAX_DISPATCH];  /* in which weights buffer */
	VkPipeline pipeline[EML_VK_MAX_DISPATCH];
	VkDescriptorSet set[EML_VK_MAX_DISPATCH];
	uint32_t groups[EML_VK_MAX_DISPATCH][2];
	uint32_t query;   /* timestamp written after the node */
	double ms;        /* time of the last run */
} vk_node;

/* A run of consecutive nodes recorded into one command buffer. */
typedef struct vk_segment {
	uint32_t first, end; /* nodes [first, end) */
	VkCommandBuffer cmd;
	uint32_t query; /* timestamp at the segment's start */
} vk_segment;

/* A pipeline of one shader, macro set and specialization, shared by equal dispatches: found
 * in the device's table, or created by this session and then added to it. */
typedef struct vk_pipeline {
	const char *shader;
	const char *macros;
	uint32_t n_spec;
	uint32_t spec[EML_VK_SPEC_BASE + EML_VK_MAX_SPEC];
	VkPipeline pipeline;
	int create; /* not in the table: this session creates it */
} vk_pipeline;

typedef struct vk_module {
	const char *shader;
	const char *macros;
	VkShaderModule module;
} vk_module;

typedef struct vk_state {
	const eml_graph *graph;
	uint32_t flags; /* edgeml_session_options.flags */
	const eml_vk_instance *inst; /* the process's (eml_vk_instance_shared) */
	eml_vk_shared *shared;       /* the process's device, with its pipelines */
	eml_vk_device dev;           /* a copy of shared->dev */
	uint32_t local;              /* invocations per workgroup (specialization constant 0) */
	eml_vk_memory mem;
	eml_vk_cache cache;
	eml_arena_plan plan;
	/* the weights, headers and parameters, in buffers no larger than a descriptor may bind
	 * (maxStorageBufferRange: 128 MiB on lavapipe and many mobile GPUs) */
	eml_vk_buffer *weights;
	uint32_t n_weights;
	/* the activations: the arena planned in pages of range bytes, a buffer per page, so no
	 * tensor straddles two */
	eml_vk_buffer *arena;
	uint32_t n_arena;
	uint64_t range; /* the most bytes one descriptor binds (eml_vk_storage_range) */
	eml_vk_buffer *io; /* per graph tensor; used by graph inputs and outputs */
	vk_loc *loc;       /* per graph tensor */
	vk_node *nodes;
	vk_segment *segs;
	uint32_t n_segs;
	vk_pipeline *pipes; /* the distinct pipelines of the session's dispatches */
	uint32_t n_pipes;
	uint32_t n_created; /* of them, those this session created */
	vk_module *modules;
	uint32_t n_modules;
	uint32_t n_queries;
	VkDescriptorPool pool;
	VkCommandPool cmd_pool;
	VkFence fence;
	VkQueryPool queries;
	int in_flight;       /* submitted, not yet waited for */
	int timed_out;       /* in flight past the wait's limit: waited for before reuse */
	uint32_t next_seg;   /* first segment the pending wait still has to run */
	uint64_t weight_bytes;
	double create_ms;
	eml_backend_memory memory;
	struct eml_vk_imports *imports; /* external memory of graph inputs (vk_import.c) */
} vk_state;

/* Finds or creates (compiling the shaders) the pipelines of every GPU node, and makes their
 * descriptor sets. */
edgeml_status eml_vk_make_pipelines(vk_state *s);
/* Creates the command pool, the fence and the timestamp queries. */
edgeml_status eml_vk_record_init(vk_state *s);
/* Records each GPU segment's command buffer. */
edgeml_status eml_vk_record(vk_state *s);
/* The header words of dispatch j of node n (EML_VK_HEADER of them, vk_ops.h). */
edgeml_status eml_vk_header(const vk_state *s, const vk_node *n, uint32_t j, uint32_t *w);
/* Submits cmd to the device's queue (shared by sessions: under its lock). */
VkResult eml_vk_submit(vk_state *s, VkCommandBuffer cmd);
/* Destroys what eml_vk_make_pipelines and eml_vk_record created (the device's pipelines
 * stay in its table). */
void eml_vk_pipelines_destroy(vk_state *s);

#endif /* EML_VK_STATE_H */
