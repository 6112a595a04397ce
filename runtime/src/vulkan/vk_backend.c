/* vk_backend.c — the Vulkan backend: device choice, memory (weights uploaded once through
 * staging, activations aliased by the CPU's liveness plan, inputs and outputs in mapped
 * host memory), one command buffer recorded at creation, runs as submit + wait, per-layer
 * GPU timestamps and an optional CPU fallback for the ops it has no shader for. */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backend.h"
#include "error.h"
#include "ops/ops.h"
#include "vulkan/vk_import.h"
#include "vulkan/vk_state.h"

/* The most memory one session may take, as the CPU backend: a bound on what a hostile
 * model's shapes can make us allocate. */
#define VK_MEMORY_MAX ((uint64_t)1 << 30)
/* A run that takes longer than this is reported as a hung device. */
#define VK_WAIT_NS (120ull * 1000000000ull)

/* Milliseconds of a monotonic clock. */
static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Name of a node or tensor for messages. */
static const char *name_of(const char *name)
{
	return name ? name : "";
}

/* Rounds up to the planner's alignment (also every binding's element alignment). */
static uint64_t round_up(uint64_t n)
{
	return (n + EML_PLAN_ALIGN - 1) / EML_PLAN_ALIGN * EML_PLAN_ALIGN;
}

/* Frees the session's Vulkan objects, memory and arrays (after the device is idle). */
static void vk_destroy(void *opaque)
{
	vk_state *s = opaque;
	if (!s)
		return;
	/* Other sessions share the device: wait for this one's run only. */
	if (s->in_flight && s->next_seg < s->n_segs)
		s->dev.fns->vkWaitForFences(s->dev.device, 1, &s->fence, VK_TRUE, VK_WAIT_NS);
	eml_vk_pipelines_destroy(s);
	eml_vk_import_free(s);
	if (s->nodes)
		for (uint32_t i = 0; i < s->graph->n_nodes; i++)
			eml_vk_kernel_free(&s->nodes[i].kernel);
	if (s->dev.device) {
		if (s->io)
			for (uint32_t t = 0; t < s->graph->n_tensors; t++)
				eml_vk_buffer_destroy(&s->mem, &s->io[t]);
		eml_vk_buffer_destroy(&s->mem, &s->weights);
		eml_vk_buffer_destroy(&s->mem, &s->arena);
		eml_vk_memory_release(&s->mem);
	}
	eml_vk_shared_put(s->shared);
	eml_plan_free(&s->plan);
	free(s->io);
	free(s->loc);
	free(s->host);
	free(s->nodes);
	free(s->segs);
	free(s->descs);
	free(s->in_data);
	free(s->out_data);
	free(s);
}

/* Describes every node's dispatches; a node the GPU cannot run fails the session, or runs on
 * the CPU when the options allow it. */
static edgeml_status build_nodes(vk_state *s)
{
	const eml_graph *g = s->graph;
	for (uint32_t i = 0; i < g->n_nodes; i++) {
		const eml_node *node = &g->nodes[i];
		vk_node *n = &s->nodes[i];
		const char *op = eml_op_name(node->op) ? eml_op_name(node->op) : "?";
		if (s->plan.node_is_view[i]) {
			n->skip = 1;
			continue;
		}
		edgeml_status st = eml_vk_build(g, node, s->dev.info, &n->kernel);
		if (st == EDGEML_ERR_UNSUPPORTED && (s->flags & EDGEML_SESSION_CPU_FALLBACK) &&
		    eml_ref_kernel(node->op)) {
			n->on_cpu = 1;
			s->n_cpu_nodes++;
			continue;
		}
		if (st == EDGEML_ERR_UNSUPPORTED)
			return eml_error_context(st, "node '%s' (%s) cannot run on the GPU (allow "
						 "the CPU fallback: EDGEML_SESSION_CPU_FALLBACK, "
						 "`--cpu-fallback`): ",
						 name_of(node->name), op);
		if (st != EDGEML_OK)
			return eml_error_context(st, "node '%s' (%s): ", name_of(node->name), op);
		uint64_t work = 0;
		for (uint32_t j = 0; j < n->kernel.n; j++)
			work += n->kernel.d[j].invocations;
		n->skip = work == 0;
	}
	return EDGEML_OK;
}

/* Creates the buffers of graph inputs and outputs (mapped host memory, so io_data needs no
 * copies) and the arena (host-visible when CPU nodes read it). */
static edgeml_status make_buffers(vk_state *s)
{
	const eml_graph *g = s->graph;
	uint64_t io = 0;
	for (uint32_t t = 0; t < g->n_tensors; t++) {
		const eml_tensor *d = &g->tensors[t];
		if (!(d->flags & (EML_TF_INPUT | EML_TF_OUTPUT)))
			continue;
		if ((d->flags & EML_TF_CONSTANT) && (d->flags & EML_TF_INPUT))
			return eml_error(EDGEML_ERR_FORMAT,
					 "tensor '%s' is both a constant and a graph input",
					 name_of(d->name));
		uint64_t size;
		edgeml_status st = eml_plan_tensor_size(d, &size);
		if (st == EDGEML_OK && size > VK_MEMORY_MAX - io)
			st = eml_error(EDGEML_ERR_NO_MEMORY,
				       "inputs and outputs need more than the %llu bytes a session "
				       "may use",
				       (unsigned long long)VK_MEMORY_MAX);
		if (st == EDGEML_OK)
			st = eml_vk_buffer_create(&s->mem, size, EML_VK_MEM_HOST, name_of(d->name),
						  &s->io[t]);
		if (st != EDGEML_OK)
			return st;
		io += round_up(size);
		s->loc[t] = (vk_loc){ &s->io[t], 0 };
		s->host[t] = s->io[t].map;
	}
	if (s->plan.arena_size > VK_MEMORY_MAX - io)
		return eml_error(EDGEML_ERR_NO_MEMORY,
				 "the model needs %llu bytes of activations, more than the %llu a "
				 "session may use",
				 (unsigned long long)s->plan.arena_size,
				 (unsigned long long)VK_MEMORY_MAX);
	s->memory = (eml_backend_memory){ s->plan.arena_size, s->plan.naive_size, io };
	eml_vk_mem_kind kind = s->n_cpu_nodes ? EML_VK_MEM_HOST : EML_VK_MEM_DEVICE;
	edgeml_status st = eml_vk_buffer_create(&s->mem, s->plan.arena_size, kind,
						"the activation arena", &s->arena);
	if (st != EDGEML_OK)
		return st;
	for (uint32_t t = 0; t < g->n_tensors; t++) {
		if (s->loc[t].buf || (g->tensors[t].flags & EML_TF_CONSTANT) ||
		    s->plan.offsets[t] == EML_PLAN_NONE)
			continue;
		s->loc[t] = (vk_loc){ &s->arena, s->plan.offsets[t] };
		s->host[t] = s->arena.map ? s->arena.map + s->plan.offsets[t] : NULL;
	}
	return EDGEML_OK;
}

/* Lays out the weights buffer: every constant a GPU dispatch binds, then every dispatch's
 * header and parameters, at an offset its descriptor can start at; returns its size. */
static edgeml_status layout_weights(vk_state *s, uint64_t *size)
{
	const eml_graph *g = s->graph;
	uint64_t at = 0, align = s->dev.info->min_storage_align;
	if (align < EML_PLAN_ALIGN)
		align = EML_PLAN_ALIGN;
	for (uint32_t i = 0; i < g->n_nodes; i++) {
		vk_node *n = &s->nodes[i];
		if (n->skip || n->on_cpu)
			continue;
		for (uint32_t j = 0; j < n->kernel.n; j++) {
			const eml_vk_dispatch *d = &n->kernel.d[j];
			for (uint32_t b = 0; b < d->n_tensors; b++) {
				uint32_t t = d->tensors[b];
				const eml_tensor *td = &g->tensors[t];
				if (!(td->flags & EML_TF_CONSTANT) || s->loc[t].buf)
					continue;
				if (!td->data && eml_tensor_bytes(td))
					return eml_error(EDGEML_ERR_FORMAT,
							 "constant '%s' has no data",
							 name_of(td->name));
				s->loc[t] = (vk_loc){ &s->weights, at };
				at += round_up(td->data_size);
				if (at > VK_MEMORY_MAX)
					return eml_error(EDGEML_ERR_NO_MEMORY,
							 "the weights need more than the %llu "
							 "bytes a session may use",
							 (unsigned long long)VK_MEMORY_MAX);
			}
			at = (at + align - 1) / align * align;
			n->params_offset[j] = at;
			at += round_up(((uint64_t)EML_VK_HEADER + d->n_params) * 4);
		}
	}
	*size = at;
	return EDGEML_OK;
}

/* Writes the weights, headers and parameters into host memory at dst (laid out by
 * layout_weights). */
static edgeml_status fill_weights(const vk_state *s, uint8_t *dst)
{
	const eml_graph *g = s->graph;
	for (uint32_t t = 0; t < g->n_tensors; t++)
		if (s->loc[t].buf == &s->weights && g->tensors[t].data)
			memcpy(dst + s->loc[t].offset, g->tensors[t].data, g->tensors[t].data_size);
	for (uint32_t i = 0; i < g->n_nodes; i++) {
		const vk_node *n = &s->nodes[i];
		if (n->skip || n->on_cpu)
			continue;
		for (uint32_t j = 0; j < n->kernel.n; j++) {
			uint32_t head[EML_VK_HEADER];
			edgeml_status st = eml_vk_header(s, n, j, head);
			if (st != EDGEML_OK)
				return st;
			memcpy(dst + n->params_offset[j], head, sizeof(head));
			if (n->kernel.d[j].n_params)
				memcpy(dst + n->params_offset[j] + sizeof(head),
				       n->kernel.d[j].params, (size_t)n->kernel.d[j].n_params * 4);
		}
	}
	return EDGEML_OK;
}

/* Submits cmd and waits for it. */
static edgeml_status submit_wait(vk_state *s, VkCommandBuffer cmd)
{
	const eml_vk_fns *f = s->dev.fns;
	VkResult r = eml_vk_submit(s, cmd);
	if (r == VK_SUCCESS)
		r = f->vkWaitForFences(s->dev.device, 1, &s->fence, VK_TRUE, VK_WAIT_NS);
	if (r == VK_SUCCESS)
		r = f->vkResetFences(s->dev.device, 1, &s->fence);
	if (r != VK_SUCCESS)
		return eml_error(EDGEML_ERR_BACKEND,
				 "vulkan: running the command buffer failed: %s",
				 eml_vk_result_name(r));
	return EDGEML_OK;
}

/* Uploads the weights once: into a host staging buffer, then copied on the device. */
static edgeml_status upload_weights(vk_state *s)
{
	uint64_t size = 0;
	edgeml_status st = layout_weights(s, &size);
	if (st == EDGEML_OK)
		st = eml_vk_buffer_create(&s->mem, size, EML_VK_MEM_DEVICE, "the weights",
					  &s->weights);
	if (st != EDGEML_OK || size == 0)
		return st;
	s->weight_bytes = size;
	eml_vk_buffer staging;
	st = eml_vk_buffer_create(&s->mem, size, EML_VK_MEM_HOST, "the weights' staging buffer",
				  &staging);
	if (st != EDGEML_OK)
		return st;
	st = fill_weights(s, staging.map);
	if (st != EDGEML_OK) {
		eml_vk_buffer_destroy(&s->mem, &staging);
		return st;
	}
	const eml_vk_fns *f = s->dev.fns;
	VkCommandBufferAllocateInfo ai = { .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO,
					   .commandPool = s->cmd_pool,
					   .level = VK_COMMAND_BUFFER_LEVEL_PRIMARY,
					   .commandBufferCount = 1 };
	VkCommandBufferBeginInfo bi = { .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO,
					.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT };
	VkCommandBuffer cmd = VK_NULL_HANDLE;
	VkResult r = f->vkAllocateCommandBuffers(s->dev.device, &ai, &cmd);
	if (r == VK_SUCCESS)
		r = f->vkBeginCommandBuffer(cmd, &bi);
	if (r == VK_SUCCESS) {
		VkBufferCopy region = { 0, 0, staging.size };
		f->vkCmdCopyBuffer(cmd, staging.buffer, s->weights.buffer, 1, &region);
		r = f->vkEndCommandBuffer(cmd);
	}
	if (r != VK_SUCCESS)
		st = eml_error(EDGEML_ERR_BACKEND, "vulkan: recording the weight upload failed: %s",
			       eml_vk_result_name(r));
	if (st == EDGEML_OK)
		st = submit_wait(s, cmd);
	eml_vk_buffer_destroy(&s->mem, &staging);
	return st;
}

/* The workgroup size: the device's (whole subgroups, vk_device.c), or EDGEML_VK_LOCAL_SIZE,
 * which lets the tests run the shaders with the workgroups of other devices. */
static edgeml_status choose_local_size(vk_state *s)
{
	const char *env = getenv("EDGEML_VK_LOCAL_SIZE");
	s->local = s->dev.info->local_size;
	if (!env || !*env)
		return EDGEML_OK;
	char *end;
	unsigned long v = strtoul(env, &end, 10);
	if (*end || v == 0 || v > s->dev.info->max_invocations)
		return eml_error(EDGEML_ERR_INVALID_ARGUMENT,
				 "EDGEML_VK_LOCAL_SIZE=%s: want a workgroup size in [1, %u]", env,
				 s->dev.info->max_invocations);
	s->local = (uint32_t)v;
	return EDGEML_OK;
}

/* Sizes each dispatch's grid: workgroups of s->local, folded into two dimensions when there
 * are more than the device takes in one. */
static edgeml_status size_grids(vk_state *s)
{
	const uint32_t *max = s->dev.info->max_groups;
	for (uint32_t i = 0; i < s->graph->n_nodes; i++) {
		vk_node *n = &s->nodes[i];
		for (uint32_t j = 0; j < n->kernel.n && !n->skip && !n->on_cpu; j++) {
			uint64_t groups = (n->kernel.d[j].invocations + s->local - 1) / s->local;
			uint64_t x = groups < max[0] ? groups : max[0];
			uint64_t y = x ? (groups + x - 1) / x : 0;
			if (y > max[1])
				return eml_error(EDGEML_ERR_UNSUPPORTED,
						 "node '%s': %llu workgroups exceed the device's "
						 "grid",
						 name_of(s->graph->nodes[i].name),
						 (unsigned long long)groups);
			n->groups[j][0] = (uint32_t)x;
			n->groups[j][1] = (uint32_t)y;
		}
	}
	return EDGEML_OK;
}

/* Splits the nodes into segments of GPU and CPU nodes and numbers the timestamp queries. */
static edgeml_status make_segments(vk_state *s)
{
	const eml_graph *g = s->graph;
	s->segs = calloc(g->n_nodes ? g->n_nodes : 1, sizeof(*s->segs));
	if (!s->segs)
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for %u nodes", g->n_nodes);
	uint32_t q = 0;
	for (uint32_t i = 0; i < g->n_nodes; i++) {
		vk_node *n = &s->nodes[i];
		if (n->skip)
			continue;
		vk_segment *last = s->n_segs ? &s->segs[s->n_segs - 1] : NULL;
		if (!last || last->on_cpu != n->on_cpu) {
			last = &s->segs[s->n_segs++];
			*last = (vk_segment){ .on_cpu = n->on_cpu, .first = i };
			if (!n->on_cpu)
				last->query = q++;
		}
		last->end = i + 1;
		if (!n->on_cpu)
			n->query = q++;
	}
	s->n_queries = q;
	return EDGEML_OK;
}

/* Gives every CPU node its reference-kernel context over host addresses: constants in the
 * model, inputs and outputs in their mapped buffers, intermediates in the mapped arena. */
static edgeml_status bind_cpu_nodes(vk_state *s)
{
	const eml_graph *g = s->graph;
	uint64_t slots = 0;
	for (uint32_t i = 0; i < g->n_nodes; i++)
		slots += (uint64_t)g->nodes[i].n_inputs + g->nodes[i].n_outputs;
	size_t ns = slots ? (size_t)slots : 1;
	s->descs = calloc(ns, sizeof(*s->descs));
	s->in_data = calloc(ns, sizeof(*s->in_data));
	s->out_data = calloc(ns, sizeof(*s->out_data));
	if (!s->descs || !s->in_data || !s->out_data)
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory preparing %u nodes",
				 g->n_nodes);
	size_t at = 0;
	for (uint32_t i = 0; i < g->n_nodes; i++) {
		const eml_node *node = &g->nodes[i];
		vk_node *n = &s->nodes[i];
		n->cpu = (eml_kernel_ctx){ node, s->descs + at, s->descs + at + node->n_inputs,
					   s->in_data + at, s->out_data + at + node->n_inputs };
		for (uint32_t k = 0; n->on_cpu && k < node->n_inputs + node->n_outputs; k++) {
			int is_out = k >= node->n_inputs;
			uint32_t t = is_out ? node->outputs[k - node->n_inputs] : node->inputs[k];
			if (t == EML_NO_TENSOR)
				continue;
			const eml_tensor *d = &g->tensors[t];
			void *p = (d->flags & EML_TF_CONSTANT) ? (void *)(uintptr_t)d->data :
								  s->host[t];
			if (!p && eml_tensor_bytes(d) != 0)
				return eml_error(EDGEML_ERR_FORMAT,
						 "node '%s': tensor '%s' has no memory",
						 name_of(node->name), name_of(d->name));
			s->descs[at + k] = d;
			if (is_out)
				s->out_data[at + k] = p;
			else
				s->in_data[at + k] = p;
			if (!(d->flags & EML_TF_CONSTANT))
				s->cpu_bytes += eml_tensor_bytes(d);
		}
		at += (size_t)node->n_inputs + node->n_outputs;
	}
	return EDGEML_OK;
}

/* Checks that every tensor a GPU dispatch binds has memory. */
static edgeml_status check_bound(const vk_state *s)
{
	const eml_graph *g = s->graph;
	for (uint32_t i = 0; i < g->n_nodes; i++) {
		const vk_node *n = &s->nodes[i];
		for (uint32_t j = 0; j < n->kernel.n && !n->skip && !n->on_cpu; j++)
			for (uint32_t b = 0; b < n->kernel.d[j].n_tensors; b++) {
				uint32_t t = n->kernel.d[j].tensors[b];
				if (!s->loc[t].buf)
					return eml_error(EDGEML_ERR_FORMAT,
							 "node '%s': tensor '%s' is neither "
							 "produced by an earlier node nor a "
							 "constant or graph input",
							 name_of(g->nodes[i].name),
							 name_of(g->tensors[t].name));
			}
	}
	return EDGEML_OK;
}

/* Allocates the per-tensor and per-node arrays. */
static edgeml_status alloc_arrays(vk_state *s)
{
	const eml_graph *g = s->graph;
	size_t nt = g->n_tensors ? g->n_tensors : 1, nn = g->n_nodes ? g->n_nodes : 1;
	s->io = calloc(nt, sizeof(*s->io));
	s->loc = calloc(nt, sizeof(*s->loc));
	s->host = calloc(nt, sizeof(*s->host));
	s->nodes = calloc(nn, sizeof(*s->nodes));
	if (!s->io || !s->loc || !s->host || !s->nodes)
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for %u tensors",
				 g->n_tensors);
	return EDGEML_OK;
}

/* Opens Vulkan and the device the options name (or the best one). */
static edgeml_status open_device(vk_state *s, const edgeml_session_options *options)
{
	uint32_t index;
	edgeml_status st = eml_vk_instance_shared(&s->inst);
	if (st == EDGEML_OK)
		st = eml_vk_pick_device(s->inst, options ? options->device : NULL, &index);
	if (st == EDGEML_OK)
		st = eml_vk_shared_get(s->inst, index, &s->shared);
	if (st != EDGEML_OK)
		return st;
	s->dev = s->shared->dev;
	s->mem.dev = &s->dev;
	eml_vk_cache_init(&s->cache, s->dev.info, options ? options->cache_dir : NULL);
	return EDGEML_OK;
}

/* Prepares the graph: device, plan, dispatches, memory, weights, pipelines, command buffer. */
static edgeml_status vk_prepare(const eml_graph *graph, const edgeml_session_options *options,
				void **state)
{
	double t0 = now_ms();
	vk_state *s = calloc(1, sizeof(*s));
	if (!s)
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for the vulkan backend");
	s->graph = graph;
	s->flags = options ? options->flags : 0;
	edgeml_status st = alloc_arrays(s);
	if (st == EDGEML_OK)
		st = open_device(s, options);
	if (st == EDGEML_OK)
		st = choose_local_size(s);
	if (st == EDGEML_OK)
		st = eml_plan_graph(graph, &s->plan);
	if (st == EDGEML_OK)
		st = build_nodes(s);
	if (st == EDGEML_OK)
		st = make_buffers(s);
	if (st == EDGEML_OK)
		st = make_segments(s);
	if (st == EDGEML_OK)
		st = size_grids(s);
	if (st == EDGEML_OK)
		st = eml_vk_record_init(s);
	if (st == EDGEML_OK)
		st = upload_weights(s);
	if (st == EDGEML_OK)
		st = check_bound(s);
	if (st == EDGEML_OK)
		st = bind_cpu_nodes(s);
	if (st == EDGEML_OK)
		st = eml_vk_make_pipelines(s);
	if (st == EDGEML_OK)
		st = eml_vk_record(s);
	if (st != EDGEML_OK) {
		vk_destroy(s);
		return st;
	}
	s->create_ms = now_ms() - t0;
	*state = s;
	return EDGEML_OK;
}

/* Runs the CPU nodes of a segment, timing each. */
static edgeml_status run_cpu_segment(vk_state *s, const vk_segment *seg)
{
	for (uint32_t i = seg->first; i < seg->end; i++) {
		vk_node *n = &s->nodes[i];
		if (n->skip)
			continue;
		double t0 = now_ms();
		edgeml_status st = eml_ref_kernel(n->cpu.node->op)(&n->cpu);
		n->ms = now_ms() - t0;
		if (st != EDGEML_OK) {
			const char *op = eml_op_name(n->cpu.node->op);
			return eml_error_context(st, "node '%s' (%s, on the CPU): ",
						 name_of(n->cpu.node->name), op ? op : "?");
		}
	}
	return EDGEML_OK;
}

/* Starts a run: CPU segments and all but a final GPU segment run here; that one is left
 * for vk_wait. */
static edgeml_status vk_submit(void *opaque)
{
	vk_state *s = opaque;
	const eml_graph *g = s->graph;
	if (s->in_flight)
		return eml_error(EDGEML_ERR_INVALID_ARGUMENT,
				 "a run is already submitted: call edgeml_session_wait first");
	/* Graph outputs that are constants: the user may have written to their buffers. */
	for (uint32_t i = 0; i < g->n_outputs; i++) {
		const eml_tensor *d = &g->tensors[g->outputs[i]];
		if ((d->flags & EML_TF_CONSTANT) && d->data)
			memcpy(s->io[g->outputs[i]].map, d->data, eml_tensor_bytes(d));
	}
	eml_vk_import_copy(s);
	/* Every segment but a final GPU one runs to completion here; that one is left to wait. */
	for (uint32_t i = 0; i < s->n_segs; i++) {
		const vk_segment *seg = &s->segs[i];
		edgeml_status st;
		if (seg->on_cpu) {
			st = run_cpu_segment(s, seg);
		} else if (i + 1 < s->n_segs) {
			st = submit_wait(s, seg->cmd);
		} else {
			VkResult r = eml_vk_submit(s, seg->cmd);
			st = r == VK_SUCCESS ? EDGEML_OK :
					       eml_error(EDGEML_ERR_BACKEND,
							 "vulkan: vkQueueSubmit failed: %s",
							 eml_vk_result_name(r));
			s->next_seg = i;
			s->in_flight = st == EDGEML_OK;
			return st;
		}
		if (st != EDGEML_OK)
			return st;
	}
	s->next_seg = s->n_segs;
	s->in_flight = 1;
	return EDGEML_OK;
}

/* Reads the timestamps of the last run into the nodes' times. */
static void read_times(vk_state *s)
{
	if (!s->queries)
		return;
	uint64_t *ticks = calloc(s->n_queries, sizeof(*ticks));
	if (!ticks)
		return;
	const eml_vk_fns *f = s->dev.fns;
	VkResult r = f->vkGetQueryPoolResults(s->dev.device, s->queries, 0, s->n_queries,
					      s->n_queries * sizeof(*ticks), ticks, sizeof(*ticks),
					      VK_QUERY_RESULT_64_BIT);
	uint32_t bits = s->dev.info->timestamp_bits;
	uint64_t mask = bits >= 64 ? UINT64_MAX : ((uint64_t)1 << bits) - 1;
	double period = s->dev.info->timestamp_period;
	for (uint32_t i = 0; r == VK_SUCCESS && i < s->n_segs; i++) {
		const vk_segment *seg = &s->segs[i];
		if (seg->on_cpu)
			continue;
		uint64_t prev = ticks[seg->query] & mask;
		for (uint32_t j = seg->first; j < seg->end; j++) {
			vk_node *n = &s->nodes[j];
			if (n->skip)
				continue;
			uint64_t t = ticks[n->query] & mask;
			n->ms = (double)((t - prev) & mask) * period / 1e6;
			prev = t;
		}
	}
	free(ticks);
}

/* Finishes a submitted run and reads its timestamps. */
static edgeml_status vk_wait(void *opaque)
{
	vk_state *s = opaque;
	if (!s->in_flight)
		return eml_error(EDGEML_ERR_INVALID_ARGUMENT,
				 "no run is submitted: call edgeml_session_submit first");
	s->in_flight = 0;
	if (s->next_seg >= s->n_segs)
		return EDGEML_OK;
	const eml_vk_fns *f = s->dev.fns;
	VkResult r = f->vkWaitForFences(s->dev.device, 1, &s->fence, VK_TRUE, VK_WAIT_NS);
	if (r == VK_SUCCESS)
		r = f->vkResetFences(s->dev.device, 1, &s->fence);
	if (r != VK_SUCCESS)
		return eml_error(EDGEML_ERR_BACKEND, "vulkan: waiting for the run failed: %s",
				 eml_vk_result_name(r));
	read_times(s);
	return EDGEML_OK;
}

/* A whole run: submit, then wait. */
static edgeml_status vk_run(void *opaque)
{
	edgeml_status st = vk_submit(opaque);
	return st == EDGEML_OK ? vk_wait(opaque) : st;
}

/* Memory of a graph input or output: its mapped buffer. */
static void *vk_io_data(void *opaque, uint32_t tensor)
{
	vk_state *s = opaque;
	return tensor < s->graph->n_tensors ? s->io[tensor].map : NULL;
}

/* Binds a graph input to external memory: dma-buf or host-pointer import, else a copy
 * (vk_import.c). */
static edgeml_status vk_import_external_memory(void *opaque, uint32_t tensor, int fd,
					       uint64_t offset, const void *host,
					       uint64_t *copy_bytes)
{
	return eml_vk_import(opaque, tensor, fd, offset, host, copy_bytes);
}

/* Reports the arena and input/output memory, as the CPU backend counts them. */
static void vk_memory(const void *opaque, eml_backend_memory *mem)
{
	const vk_state *s = opaque;
	*mem = s->memory;
}

/* Per-node times of the last run (GPU timestamps; host clock for CPU-fallback nodes). */
static uint32_t vk_layer_times(const void *opaque, eml_layer_time *out, uint32_t max)
{
	const vk_state *s = opaque;
	uint32_t n = 0;
	for (uint32_t i = 0; i < s->graph->n_nodes && n < max; i++)
		if (!s->nodes[i].skip)
			out[n++] = (eml_layer_time){ i, s->nodes[i].ms, s->nodes[i].on_cpu };
	return n;
}

/* Appends to buf (size bytes, holding a string) what fits of fmt. */
static void append(char *buf, size_t size, const char *fmt, ...)
{
	size_t len = strlen(buf);
	va_list ap;
	va_start(ap, fmt);
	if (len < size)
		vsnprintf(buf + len, size - len, fmt, ap);
	va_end(ap);
}

/* One line on the device, the creation and the CPU fallback. */
static void vk_describe(const void *opaque, char *buf, size_t size)
{
	const vk_state *s = opaque;
	const eml_vk_device_info *d = s->dev.info;
	snprintf(buf, size,
		 "on '%s' (%s, driver %s, %s); created in %.1f ms: %u shaders compiled, %u from "
		 "the cache, %u pipelines (%u new, %u shared); CPU fallback: %u nodes",
		 d->name, eml_vk_device_type_name(d->type), d->driver_name,
		 d->drm_node[0] ? d->drm_node : "no DRM node", s->create_ms, s->cache.compiles,
		 s->cache.hits, s->n_pipes, s->n_created, s->n_pipes - s->n_created,
		 s->n_cpu_nodes);
	const char *sep = " (";
	for (uint32_t i = 0; i < s->graph->n_nodes; i++) {
		if (!s->nodes[i].on_cpu)
			continue;
		const char *op = eml_op_name(s->graph->nodes[i].op);
		append(buf, size, "%s%s", sep, op ? op : "?");
		sep = ", ";
	}
	if (s->n_cpu_nodes)
		append(buf, size, "), %llu bytes shared with them per run",
		       (unsigned long long)s->cpu_bytes);
}

const eml_backend eml_vulkan_backend = {
	.id = "vulkan",
	.kind = EDGEML_BACKEND_VULKAN,
	.devices = eml_vk_devices,
	.name = "vulkan",
	.prepare = vk_prepare,
	.run = vk_run,
	.io_data = vk_io_data,
	.import_external_memory = vk_import_external_memory,
	.memory = vk_memory,
	.destroy = vk_destroy,
	.submit = vk_submit,
	.wait = vk_wait,
	.layer_times = vk_layer_times,
	.describe = vk_describe,
	.contexts_add = eml_vk_contexts_add,
};
