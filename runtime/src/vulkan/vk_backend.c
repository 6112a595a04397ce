/* vk_backend.c — the Vulkan backend: device choice, memory (weights uploaded once through
 * staging, activations aliased by the CPU's liveness plan, inputs and outputs in mapped
 * host memory), one command buffer recorded at creation, runs as submit + wait, per-layer
 * GPU timestamps. The nodes it has no shader for are the session's to give to another
 * backend (vk_supports_node; session.c partitions the graph). */
#include <pthread.h>
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
/* A run that takes longer than this is reported as a hung device. A CPU-type device
 * (lavapipe) is this machine's cores: under load a large float model's first run (which
 * compiles the machine code) takes minutes, so it gets longer. */
#define VK_WAIT_NS (120ull * 1000000000ull)
#define VK_WAIT_CPU_NS (1200ull * 1000000000ull)

/* How long to wait for a run of s before calling the device hung; EDGEML_VK_TIMEOUT_MS
 * overrides it (the tests make runs time out with 0). */
static uint64_t wait_ns(const vk_state *s)
{
	const char *env = getenv("EDGEML_VK_TIMEOUT_MS");
	if (env && *env)
		return strtoull(env, NULL, 10) * 1000000ull;
	return s->dev.info->type == VK_PHYSICAL_DEVICE_TYPE_CPU ? VK_WAIT_CPU_NS : VK_WAIT_NS;
}

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

/* Frees the session's Vulkan objects, memory and arrays (after the device is idle). */
static void vk_destroy(void *opaque)
{
	vk_state *s = opaque;
	if (!s)
		return;
	/* Other sessions share the device: wait for this one's run only, however long it
	 * takes (a run past the wait's limit still uses the memory freed below). */
	if (s->in_flight && s->next_seg < s->n_segs)
		while (s->dev.fns->vkWaitForFences(s->dev.device, 1, &s->fence, VK_TRUE,
						   VK_WAIT_NS) == VK_TIMEOUT)
			;
	eml_vk_pipelines_destroy(s);
	eml_vk_import_free(s);
	if (s->nodes)
		for (uint32_t i = 0; i < s->graph->n_nodes; i++)
			eml_vk_kernel_free(&s->nodes[i].kernel);
	if (s->dev.device) {
		if (s->io)
			for (uint32_t t = 0; t < s->graph->n_tensors; t++)
				eml_vk_buffer_destroy(&s->mem, &s->io[t]);
		for (uint32_t c = 0; s->weights && c < s->n_weights; c++)
			eml_vk_buffer_destroy(&s->mem, &s->weights[c]);
		for (uint32_t p = 0; s->arena && p < s->n_arena; p++)
			eml_vk_buffer_destroy(&s->mem, &s->arena[p]);
		eml_vk_memory_release(&s->mem);
	}
	eml_vk_shared_put(s->shared);
	eml_plan_free(&s->plan);
	free(s->io);
	free(s->loc);
	free(s->nodes);
	free(s->segs);
	free(s->weights);
	free(s->arena);
	free(s);
}

static int shader_withheld(uint32_t op);

/* The most bytes one descriptor binds on a device: its maxStorageBufferRange (128 MiB on
 * lavapipe and many mobile GPUs), or EDGEML_VK_MAX_STORAGE_RANGE (bytes) when smaller, so
 * that the tests split the weights and the activations on any device; rounded down to the
 * alignment of descriptor offsets and of arena offsets. */
static uint64_t storage_range(const eml_vk_device_info *info)
{
	uint64_t limit = info->max_storage_range, align = info->min_storage_align;
	const char *env = getenv("EDGEML_VK_MAX_STORAGE_RANGE");
	uint64_t asked = env ? strtoull(env, NULL, 10) : 0;
	if (asked >= 64 && asked < limit)
		limit = asked;
	if (align < EML_PLAN_ALIGN)
		align = EML_PLAN_ALIGN;
	return limit >= align ? limit / align * align : align;
}

/* Fails with EDGEML_ERR_UNSUPPORTED, naming it, when tensor t of node i takes more than
 * range bytes (a constant: its data; else its shape): no descriptor can bind it. */
static edgeml_status tensor_fits(const eml_graph *g, uint32_t i, uint32_t t, uint64_t range)
{
	const eml_tensor *d = &g->tensors[t];
	uint64_t bytes = (d->flags & EML_TF_CONSTANT) && d->data ? d->data_size :
								    eml_tensor_bytes(d);
	if (eml_plan_round_up(bytes) <= range)
		return EDGEML_OK;
	const char *op = eml_op_name(g->nodes[i].op) ? eml_op_name(g->nodes[i].op) : "?";
	return eml_error(EDGEML_ERR_UNSUPPORTED,
			 "vulkan: node '%s' (%s): tensor '%s' takes %llu bytes, more than the "
			 "device's maxStorageBufferRange (%llu), the most one descriptor binds "
			 "(allow the CPU fallback, EDGEML_SESSION_CPU_FALLBACK or `--cpu-fallback`, "
			 "to run the node on the CPU)",
			 name_of(g->nodes[i].name), op, name_of(d->name),
			 (unsigned long long)bytes, (unsigned long long)range);
}

/* Whether node i, with dispatches k, can run within one descriptor's range: every tensor it
 * reads or writes and every constant and parameter block its dispatches bind. Else
 * EDGEML_ERR_UNSUPPORTED, naming what does not fit: the scheduler then gives the node to
 * the CPU (vk_supports_node), or session creation fails with that message. */
static edgeml_status node_fits(const eml_graph *g, uint32_t i, const eml_vk_kernel *k,
			       uint64_t range)
{
	const eml_node *node = &g->nodes[i];
	edgeml_status st = EDGEML_OK;
	for (uint32_t x = 0; x < node->n_inputs + node->n_outputs && st == EDGEML_OK; x++) {
		uint32_t t = x < node->n_inputs ? node->inputs[x] :
						  node->outputs[x - node->n_inputs];
		if (t < g->n_tensors && !(g->tensors[t].flags & EML_TF_CONSTANT))
			st = tensor_fits(g, i, t, range);
	}
	for (uint32_t j = 0; j < k->n && st == EDGEML_OK; j++) {
		const eml_vk_dispatch *d = &k->d[j];
		for (uint32_t b = 0; b < d->n_tensors && st == EDGEML_OK; b++)
			st = tensor_fits(g, i, d->tensors[b], range);
		uint64_t params = eml_plan_round_up(((uint64_t)EML_VK_HEADER + d->n_params) * 4);
		if (st == EDGEML_OK && params > range)
			st = eml_error(EDGEML_ERR_UNSUPPORTED,
				       "vulkan: node '%s': the parameters of its dispatch %u take "
				       "%llu bytes, more than the device's maxStorageBufferRange "
				       "(%llu), the most one descriptor binds",
				       name_of(node->name), j, (unsigned long long)params,
				       (unsigned long long)range);
	}
	return st;
}

/* Describes every node's dispatches; a node the GPU cannot run fails the session (the
 * session gives such nodes to the CPU before, when its options allow it). */
static edgeml_status build_nodes(vk_state *s)
{
	const eml_graph *g = s->graph;
	for (uint32_t i = 0; i < g->n_nodes; i++) {
		const eml_node *node = &g->nodes[i];
		vk_node *n = &s->nodes[i];
		const char *op = eml_op_name(node->op) ? eml_op_name(node->op) : "?";
		if (s->plan.node_is_view[i]) {
			n->skip = 1;
			edgeml_status st = node_fits(g, i, &n->kernel, s->range);
			if (st != EDGEML_OK)
				return st;
			continue;
		}
		edgeml_status st = shader_withheld(node->op) ?
			eml_error(EDGEML_ERR_UNSUPPORTED, "withheld by EDGEML_VK_NO_SHADER") :
			eml_vk_build(g, node, s->dev.info, &n->kernel);
		if (st == EDGEML_OK && (st = node_fits(g, i, &n->kernel, s->range)) != EDGEML_OK)
			return st;
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
 * copies) and the arena (device memory): a buffer per page of the plan (s->range bytes, no
 * tensor straddling two, eml_plan_graph), each as long as its tensors reach. */
static edgeml_status make_buffers(vk_state *s)
{
	const eml_graph *g = s->graph;
	uint64_t io;
	edgeml_status st = eml_plan_io_bytes(g, s->plan.arena_size, VK_MEMORY_MAX, &io);
	for (uint32_t t = 0; t < g->n_tensors && st == EDGEML_OK; t++) {
		const eml_tensor *d = &g->tensors[t];
		uint64_t size;
		if (!(d->flags & (EML_TF_INPUT | EML_TF_OUTPUT)))
			continue;
		st = eml_plan_tensor_size(d, &size);
		if (st == EDGEML_OK)
			st = eml_vk_buffer_create(&s->mem, size, EML_VK_MEM_HOST, name_of(d->name),
						  &s->io[t]);
		if (st == EDGEML_OK)
			s->loc[t] = (vk_loc){ &s->io[t], 0 };
	}
	if (st != EDGEML_OK)
		return st;
	s->memory = (eml_backend_memory){ s->plan.arena_size, s->plan.naive_size, io };
	/* at most VK_MEMORY_MAX / 64 pages (eml_plan_io_bytes bounds the arena) */
	uint32_t pages = (uint32_t)((s->plan.arena_size + s->range - 1) / s->range);
	uint64_t *reach = calloc(pages ? pages : 1, sizeof(*reach));
	s->arena = calloc(pages ? pages : 1, sizeof(*s->arena));
	if (!reach || !s->arena) {
		free(reach);
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for %u arena buffers",
				 pages);
	}
	s->n_arena = pages;
	for (uint32_t t = 0; t < g->n_tensors && st == EDGEML_OK; t++) {
		uint64_t at = s->plan.offsets[t], size = 0;
		if (s->loc[t].buf || (g->tensors[t].flags & EML_TF_CONSTANT) ||
		    at == EML_PLAN_NONE)
			continue;
		st = eml_plan_tensor_size(&g->tensors[t], &size);
		uint64_t end = at % s->range + eml_plan_round_up(size);
		if (st == EDGEML_OK && end > s->range) /* node_fits refused it before */
			st = eml_error(EDGEML_ERR_BACKEND,
				       "vulkan: tensor '%s' straddles two arena buffers",
				       name_of(g->tensors[t].name));
		if (st == EDGEML_OK && end > reach[at / s->range])
			reach[at / s->range] = end;
	}
	for (uint32_t p = 0; p < pages && st == EDGEML_OK; p++)
		if (reach[p])
			st = eml_vk_buffer_create(&s->mem, reach[p], EML_VK_MEM_DEVICE,
						  "the activation arena", &s->arena[p]);
	free(reach);
	for (uint32_t t = 0; t < g->n_tensors && st == EDGEML_OK; t++) {
		uint64_t at = s->plan.offsets[t];
		if (s->loc[t].buf || (g->tensors[t].flags & EML_TF_CONSTANT) ||
		    at == EML_PLAN_NONE)
			continue;
		s->loc[t] = (vk_loc){ &s->arena[at / s->range], at % s->range };
	}
	return st;
}

/* Lays out the weights buffers: every constant a GPU dispatch binds, then every dispatch's
 * header and parameters, at an offset its descriptor can start at, a new buffer starting
 * where the next item would pass the largest range a descriptor binds; sets chunk[t] (of
 * constants, UINT32_MAX on entry) and the dispatches' params_chunk, and each buffer's size
 * in size[] (room for one buffer per constant and dispatch), their number in *count. */
static edgeml_status layout_weights(vk_state *s, uint32_t *chunk, uint64_t *size,
				     uint32_t *count)
{
	const eml_graph *g = s->graph;
	uint64_t at = 0, total = 0, align = s->dev.info->min_storage_align;
	uint64_t limit = s->range; /* node_fits checked every constant and block against it */
	uint32_t c = 0;
	if (align < EML_PLAN_ALIGN)
		align = EML_PLAN_ALIGN;
	for (uint32_t i = 0; i < g->n_nodes; i++) {
		vk_node *n = &s->nodes[i];
		if (n->skip)
			continue;
		for (uint32_t j = 0; j < n->kernel.n; j++) {
			const eml_vk_dispatch *d = &n->kernel.d[j];
			for (uint32_t b = 0; b < d->n_tensors; b++) {
				uint32_t t = d->tensors[b];
				const eml_tensor *td = &g->tensors[t];
				if (!(td->flags & EML_TF_CONSTANT) || chunk[t] != UINT32_MAX ||
				    s->loc[t].buf)
					continue;
				if (!td->data && eml_tensor_bytes(td))
					return eml_error(EDGEML_ERR_FORMAT,
							 "constant '%s' has no data",
							 name_of(td->name));
				uint64_t bytes = eml_plan_round_up(td->data_size);
				if (bytes > limit)
					return eml_error(EDGEML_ERR_UNSUPPORTED,
							 "vulkan: constant '%s' takes %llu bytes, more "
							 "than the device's maxStorageBufferRange (%llu)",
							 name_of(td->name),
							 (unsigned long long)bytes,
							 (unsigned long long)limit);
				if (at + bytes > limit) {
					size[c] = at;
					c++;
					at = 0;
				}
				chunk[t] = c;
				s->loc[t].offset = at;
				at += bytes;
				total += bytes;
				if (total > VK_MEMORY_MAX)
					return eml_error(EDGEML_ERR_NO_MEMORY,
							 "the weights need more than the %llu "
							 "bytes a session may use",
							 (unsigned long long)VK_MEMORY_MAX);
			}
			uint64_t params =
				eml_plan_round_up(((uint64_t)EML_VK_HEADER + d->n_params) * 4);
			at = (at + align - 1) / align * align;
			if (at + params > limit) {
				size[c] = at;
				c++;
				at = 0;
			}
			n->params_chunk[j] = c;
			n->params_offset[j] = at;
			at += params;
			total += params;
		}
	}
	size[c] = at;
	*count = c + 1;
	return EDGEML_OK;
}

/* Writes what weights buffer c holds (weights, headers and parameters, laid out by
 * layout_weights) into host memory at dst. */
static edgeml_status fill_weights(const vk_state *s, uint32_t c, uint8_t *dst)
{
	const eml_graph *g = s->graph;
	for (uint32_t t = 0; t < g->n_tensors; t++)
		if (s->loc[t].buf == &s->weights[c] && g->tensors[t].data)
			memcpy(dst + s->loc[t].offset, g->tensors[t].data, g->tensors[t].data_size);
	for (uint32_t i = 0; i < g->n_nodes; i++) {
		const vk_node *n = &s->nodes[i];
		if (n->skip)
			continue;
		for (uint32_t j = 0; j < n->kernel.n; j++) {
			if (n->params_chunk[j] != c)
				continue;
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
		r = f->vkWaitForFences(s->dev.device, 1, &s->fence, VK_TRUE, wait_ns(s));
	if (r == VK_TIMEOUT)
		while (f->vkWaitForFences(s->dev.device, 1, &s->fence, VK_TRUE, VK_WAIT_NS) ==
		       VK_TIMEOUT)
			; /* the command buffer's memory must outlive it; fail once it is done */
	if (r == VK_SUCCESS)
		r = f->vkResetFences(s->dev.device, 1, &s->fence);
	if (r != VK_SUCCESS)
		return eml_error(EDGEML_ERR_BACKEND,
				 "vulkan: running the command buffer failed: %s",
				 eml_vk_result_name(r));
	return EDGEML_OK;
}

/* Copies host buffer src into device buffer dst (size bytes) and waits. */
static edgeml_status copy_wait(vk_state *s, const eml_vk_buffer *src, const eml_vk_buffer *dst)
{
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
		VkBufferCopy region = { 0, 0, src->size };
		f->vkCmdCopyBuffer(cmd, src->buffer, dst->buffer, 1, &region);
		r = f->vkEndCommandBuffer(cmd);
	}
	if (r != VK_SUCCESS)
		return eml_error(EDGEML_ERR_BACKEND, "vulkan: recording the weight upload failed: %s",
				 eml_vk_result_name(r));
	return submit_wait(s, cmd);
}

/* Uploads the weights once: each buffer through a host staging buffer, then copied on the
 * device. */
static edgeml_status upload_weights(vk_state *s)
{
	const eml_graph *g = s->graph;
	size_t items = (size_t)g->n_tensors + 1;
	for (uint32_t i = 0; i < g->n_nodes; i++)
		items += s->nodes[i].kernel.n;
	uint32_t *chunk = malloc(((size_t)g->n_tensors + 1) * sizeof(uint32_t)), n = 0;
	uint64_t *size = calloc(items, sizeof(uint64_t));
	edgeml_status st = EDGEML_OK;
	if (!chunk || !size)
		st = eml_error(EDGEML_ERR_NO_MEMORY, "out of memory laying out the weights");
	for (uint32_t t = 0; st == EDGEML_OK && t < g->n_tensors; t++)
		chunk[t] = UINT32_MAX;
	if (st == EDGEML_OK)
		st = layout_weights(s, chunk, size, &n);
	if (st == EDGEML_OK && !(s->weights = calloc(n, sizeof(eml_vk_buffer))))
		st = eml_error(EDGEML_ERR_NO_MEMORY, "out of memory laying out the weights");
	for (uint32_t t = 0; st == EDGEML_OK && t < g->n_tensors; t++)
		if (chunk[t] != UINT32_MAX)
			s->loc[t].buf = &s->weights[chunk[t]];
	free(chunk);
	for (uint32_t c = 0; st == EDGEML_OK && c < n; c++) {
		st = eml_vk_buffer_create(&s->mem, size[c], EML_VK_MEM_DEVICE, "the weights",
					  &s->weights[c]);
		if (st != EDGEML_OK)
			break;
		s->n_weights = c + 1;
		s->weight_bytes += size[c];
		if (size[c] == 0)
			continue;
		eml_vk_buffer staging;
		st = eml_vk_buffer_create(&s->mem, size[c], EML_VK_MEM_HOST,
					  "the weights' staging buffer", &staging);
		if (st != EDGEML_OK)
			break;
		st = fill_weights(s, c, staging.map);
		if (st == EDGEML_OK)
			st = copy_wait(s, &staging, &s->weights[c]);
		eml_vk_buffer_destroy(&s->mem, &staging);
	}
	free(size);
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
		for (uint32_t j = 0; j < n->kernel.n && !n->skip; j++) {
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

/* Puts the nodes that run into one segment (one command buffer) and numbers the timestamp
 * queries: one at the segment's start, one after each node. */
static edgeml_status make_segments(vk_state *s)
{
	const eml_graph *g = s->graph;
	s->segs = calloc(1, sizeof(*s->segs));
	if (!s->segs)
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for %u nodes", g->n_nodes);
	uint32_t q = 0;
	for (uint32_t i = 0; i < g->n_nodes; i++) {
		vk_node *n = &s->nodes[i];
		if (n->skip)
			continue;
		if (!s->n_segs)
			s->segs[s->n_segs++] = (vk_segment){ .first = i, .query = q++ };
		s->segs[0].end = i + 1;
		n->query = q++;
	}
	s->n_queries = q;
	return EDGEML_OK;
}

/* Checks that every tensor a dispatch binds has memory. */
static edgeml_status check_bound(const vk_state *s)
{
	const eml_graph *g = s->graph;
	for (uint32_t i = 0; i < g->n_nodes; i++) {
		const vk_node *n = &s->nodes[i];
		for (uint32_t j = 0; j < n->kernel.n && !n->skip; j++)
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
	s->nodes = calloc(nn, sizeof(*s->nodes));
	if (!s->io || !s->loc || !s->nodes)
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
	s->range = s->mem.range = storage_range(s->dev.info);
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
		st = eml_plan_graph(graph, s->range, &s->plan);
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

/* Starts a run: the command buffer is submitted; vk_wait finishes it. */
static edgeml_status vk_submit(void *opaque)
{
	vk_state *s = opaque;
	const eml_graph *g = s->graph;
	if (s->in_flight && !s->timed_out)
		return eml_error(EDGEML_ERR_INVALID_ARGUMENT,
				 "a run is already submitted: call edgeml_session_wait first");
	if (s->in_flight) {
		/* The last run timed out: it must end before its buffers are written again. */
		const eml_vk_fns *f = s->dev.fns;
		VkResult r = f->vkWaitForFences(s->dev.device, 1, &s->fence, VK_TRUE, wait_ns(s));
		if (r == VK_SUCCESS)
			r = f->vkResetFences(s->dev.device, 1, &s->fence);
		if (r != VK_SUCCESS)
			return eml_error(EDGEML_ERR_BACKEND,
					 "vulkan: the previous run, which timed out, has not "
					 "ended: %s", eml_vk_result_name(r));
		s->in_flight = s->timed_out = 0;
	}
	/* Graph outputs that are constants: the user may have written to their buffers. */
	for (uint32_t i = 0; i < g->n_outputs; i++) {
		const eml_tensor *d = &g->tensors[g->outputs[i]];
		if ((d->flags & EML_TF_CONSTANT) && d->data)
			memcpy(s->io[g->outputs[i]].map, d->data, eml_tensor_bytes(d));
	}
	eml_vk_import_copy(s);
	s->next_seg = 0;
	if (s->n_segs) {
		VkResult r = eml_vk_submit(s, s->segs[0].cmd);
		if (r != VK_SUCCESS)
			return eml_error(EDGEML_ERR_BACKEND, "vulkan: vkQueueSubmit failed: %s",
					 eml_vk_result_name(r));
	}
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
	if (s->timed_out)
		return eml_error(EDGEML_ERR_INVALID_ARGUMENT,
				 "no run is submitted: call edgeml_session_submit first");
	s->in_flight = 0;
	if (s->next_seg >= s->n_segs)
		return EDGEML_OK;
	const eml_vk_fns *f = s->dev.fns;
	VkResult r = f->vkWaitForFences(s->dev.device, 1, &s->fence, VK_TRUE, wait_ns(s));
	if (r == VK_TIMEOUT) {
		/* Still running: destroy and the next submit wait for it, not free or reuse
		 * what it uses. */
		s->in_flight = s->timed_out = 1;
		return eml_error(EDGEML_ERR_BACKEND, "vulkan: the run did not end within %llu ms",
				 (unsigned long long)(wait_ns(s) / 1000000ull));
	}
	if (r == VK_SUCCESS)
		r = f->vkResetFences(s->dev.device, 1, &s->fence);
	if (r != VK_SUCCESS)
		return eml_error(EDGEML_ERR_BACKEND, "vulkan: waiting for the run failed: %s",
				 eml_vk_result_name(r));
	read_times(s);
	return EDGEML_OK;
}

/* Whether op is named in EDGEML_VK_NO_SHADER (a comma-separated list of op names): the
 * tests and the bench use it to give ops that have a shader to the CPU partitions, as if
 * they had none. */
static int shader_withheld(uint32_t op)
{
	const char *list = getenv("EDGEML_VK_NO_SHADER"), *name = eml_op_name(op);
	size_t len = name ? strlen(name) : 0;
	for (const char *p = list; p && *p && len; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
		if (strncmp(p, name, len) == 0 && (p[len] == ',' || p[len] == '\0'))
			return 1;
	return 0;
}

/* Whether the device can run node: its dispatches build (a shader for the op, with the
 * dtypes, attributes and device features it needs). Any other failure is prepare's to
 * report, so it counts as supported. */
static int vk_supports_node(const eml_graph *graph, uint32_t node,
			    const edgeml_session_options *options)
{
	const eml_vk_instance *inst;
	uint32_t index;
	eml_vk_kernel k;
	if (shader_withheld(graph->nodes[node].op))
		return 0;
	if (eml_vk_instance_shared(&inst) != EDGEML_OK ||
	    eml_vk_pick_device(inst, options ? options->device : NULL, &index) != EDGEML_OK)
		return 1;
	edgeml_status st = eml_vk_build(graph, &graph->nodes[node], &inst->info[index], &k);
	if (st == EDGEML_OK) {
		/* a node that binds more than a descriptor may runs on the CPU */
		st = node_fits(graph, node, &k, storage_range(&inst->info[index]));
		eml_vk_kernel_free(&k);
	}
	return st != EDGEML_ERR_UNSUPPORTED;
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

/* Per-node times of the last run (GPU timestamps). */
static uint32_t vk_layer_times(const void *opaque, eml_layer_time *out, uint32_t max)
{
	const vk_state *s = opaque;
	uint32_t n = 0;
	for (uint32_t i = 0; i < s->graph->n_nodes && n < max; i++)
		if (!s->nodes[i].skip)
			out[n++] = (eml_layer_time){ i, s->nodes[i].ms };
	return n;
}

/* One line on the device and the creation. */
static void vk_describe(const void *opaque, char *buf, size_t size)
{
	const vk_state *s = opaque;
	const eml_vk_device_info *d = s->dev.info;
	uint64_t arena = 0;
	uint32_t n_arena = 0;
	for (uint32_t p = 0; p < s->n_arena; p++)
		if (s->arena[p].buffer) {
			arena += s->arena[p].size;
			n_arena++;
		}
	snprintf(buf, size,
		 "on '%s' (%s, driver %s, %s); created in %.1f ms: %u shaders compiled, %u from "
		 "the cache, %u pipelines (%u new, %u shared); weights %.1f MiB in %u buffer%s; "
		 "activations %.1f MiB in %u buffer%s",
		 d->name, eml_vk_device_type_name(d->type), d->driver_name,
		 d->drm_node[0] ? d->drm_node : "no DRM node", s->create_ms, s->cache.compiles,
		 s->cache.hits, s->n_pipes, s->n_created, s->n_pipes - s->n_created,
		 (double)s->weight_bytes / (1024.0 * 1024.0), s->n_weights,
		 s->n_weights == 1 ? "" : "s", (double)arena / (1024.0 * 1024.0), n_arena,
		 n_arena == 1 ? "" : "s");
}

const eml_backend eml_vulkan_backend = {
	.id = "vulkan",
	.kind = EDGEML_BACKEND_VULKAN,
	.devices = eml_vk_devices,
	.supports_node = vk_supports_node,
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
