/* vk_record.c — shader modules, pipelines and descriptor sets of a Vulkan session's GPU
 * nodes, and the recording of its command buffers (dispatches, barriers, timestamps). */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "ops/ops.h"
#include "vulkan/vk_state.h"

#define N_BINDINGS (1 + EML_VK_MAX_BINDINGS)

/* Every value (binding offsets, count, spec[]) has its divisor words in the header. */
_Static_assert(EML_VK_SPEC_BASE + EML_VK_MAX_SPEC <= EML_VK_HEADER / 3,
	       "the header holds a multiplier and a shift for every value");

/* The shader module for (shader, macros), compiling (or reading the cache) on first use. */
static edgeml_status get_module(vk_state *s, const eml_vk_dispatch *d, VkShaderModule *out)
{
	for (uint32_t i = 0; i < s->n_modules; i++)
		if (strcmp(s->modules[i].shader, d->shader) == 0 &&
		    strcmp(s->modules[i].macros, d->macros) == 0) {
			*out = s->modules[i].module;
			return EDGEML_OK;
		}
	uint32_t *code = NULL;
	size_t size = 0;
	edgeml_status st = eml_vk_spirv(&s->cache, d->shader, d->macros, &code, &size);
	if (st != EDGEML_OK)
		return st;
	VkShaderModuleCreateInfo ci = { .sType = VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO,
					.codeSize = size,
					.pCode = code };
	vk_module *m = &s->modules[s->n_modules];
	VkResult r = s->dev.fns->vkCreateShaderModule(s->dev.device, &ci, NULL, &m->module);
	free(code);
	if (r != VK_SUCCESS)
		return eml_error(EDGEML_ERR_BACKEND, "vkCreateShaderModule (%s) failed: %s",
				 d->shader, eml_vk_result_name(r));
	m->shader = d->shader;
	m->macros = d->macros;
	s->n_modules++;
	*out = m->module;
	return EDGEML_OK;
}

/* Element size of a tensor as its shader binding indexes it. */
static uint64_t elem_size(const eml_tensor *t)
{
	return t->dtype == EDGEML_DTYPE_UINT8 || t->dtype == EDGEML_DTYPE_INT8 ? 1 : 4;
}

/* The multiplier and shift with which eml_udiv (shaders/common.glsl) divides any n below
 * 2^31 by d: n / d = (n * mult) >> (31 + shift), exactly, for mult = ceil(2^(31 + shift) / d)
 * and shift = ceil(log2 d) (the error n * (mult * d - 2^(31 + shift)) stays below
 * 2^(31 + shift), and mult fits 32 bits). Shift 0 (d = 1, and d < 1, never a divisor) means
 * no division. */
static void divisor(uint32_t d, uint32_t *mult, uint32_t *shift)
{
	uint32_t sh = 0;
	while (sh < 31 && ((uint32_t)1 << sh) < d)
		sh++;
	*shift = (int32_t)d > 1 ? sh : 0;
	*mult = *shift ? (uint32_t)((((uint64_t)1 << (31 + sh)) + d - 1) / d) : 0;
}

edgeml_status eml_vk_header(const vk_state *s, const vk_node *n, uint32_t j, uint32_t *w)
{
	const eml_vk_dispatch *d = &n->kernel.d[j];
	memset(w, 0, EML_VK_HEADER * sizeof(*w));
	for (uint32_t b = 0; b < d->n_tensors; b++) {
		const eml_tensor *t = &s->graph->tensors[d->tensors[b]];
		uint64_t el = s->loc[d->tensors[b]].offset / elem_size(t);
		if (el > INT32_MAX)
			return eml_error(EDGEML_ERR_UNSUPPORTED,
					 "tensor '%s' sits beyond element 2^31 of its buffer",
					 t->name ? t->name : "");
		w[1 + b] = (uint32_t)el;
	}
	w[8] = (uint32_t)d->invocations;
	memcpy(w + EML_VK_SPEC_BASE, d->spec, d->n_spec * sizeof(*w));
	for (uint32_t i = 0; i < EML_VK_HEADER / 3; i++)
		divisor(w[i], &w[EML_VK_HEADER / 3 + i], &w[2 * EML_VK_HEADER / 3 + i]);
	return EDGEML_OK;
}

/* The specialization words of dispatch d: the workgroup size at id 0 and its fixed spec[]
 * values at their ids; the binding offsets, the count and the run-time values are header
 * words, left 0 so as not to tell pipelines apart. */
static void spec_words(const vk_state *s, const eml_vk_dispatch *d, uint32_t *w, uint32_t *count)
{
	memset(w, 0, (EML_VK_SPEC_BASE + EML_VK_MAX_SPEC) * sizeof(*w));
	w[0] = s->local;
	for (uint32_t i = 0; i < d->n_spec; i++)
		if (d->fixed & ((uint64_t)1 << i))
			w[EML_VK_SPEC_BASE + i] = d->spec[i];
	*count = EML_VK_SPEC_BASE + d->n_spec;
}

/* The index in s->pipes of the pipeline of dispatch j of node n: an equal one described
 * before, else a new entry, found in the device's table or (its module compiled and stored
 * in modules[index] for make_all) to create. With the table's lock held. */
static edgeml_status find_pipeline(vk_state *s, const vk_node *n, uint32_t j,
				   VkShaderModule *modules, uint32_t *index)
{
	const eml_vk_dispatch *d = &n->kernel.d[j];
	vk_pipeline *p = &s->pipes[s->n_pipes];
	spec_words(s, d, p->spec, &p->n_spec);
	for (uint32_t i = 0; i < s->n_pipes; i++) {
		const vk_pipeline *q = &s->pipes[i];
		if (strcmp(q->shader, d->shader) == 0 && strcmp(q->macros, d->macros) == 0 &&
		    q->n_spec == p->n_spec && memcmp(q->spec, p->spec, p->n_spec * 4) == 0) {
			*index = i;
			return EDGEML_OK;
		}
	}
	p->shader = d->shader;
	p->macros = d->macros;
	p->pipeline = eml_vk_pipe_find(s->shared, d->shader, d->macros, p->spec, p->n_spec);
	p->create = p->pipeline == VK_NULL_HANDLE;
	if (p->create) {
		edgeml_status st = get_module(s, d, &modules[s->n_pipes]);
		if (st != EDGEML_OK)
			return st;
	}
	*index = s->n_pipes++;
	return EDGEML_OK;
}

/* Points the bindings of a dispatch's set at its header and parameters and at its tensors;
 * bindings the shader does not use point at the weights too, so every one is valid. */
static void write_set(vk_state *s, const vk_node *n, uint32_t j)
{
	const eml_vk_dispatch *d = &n->kernel.d[j];
	VkDescriptorBufferInfo bi[N_BINDINGS];
	VkWriteDescriptorSet w[N_BINDINGS];
	for (uint32_t b = 0; b < N_BINDINGS; b++) {
		eml_vk_buffer *buf = b >= 1 && b - 1 < d->n_tensors ?
					     s->loc[d->tensors[b - 1]].buf :
				     b == 0 ? &s->weights[n->params_chunk[j]] :
					      &s->weights[0];
		uint64_t params = ((uint64_t)EML_VK_HEADER + d->n_params) * 4;
		bi[b] = b == 0 ? (VkDescriptorBufferInfo){ buf->buffer, n->params_offset[j], params } :
				 (VkDescriptorBufferInfo){ buf->buffer, 0, VK_WHOLE_SIZE };
		w[b] = (VkWriteDescriptorSet){ .sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET,
					       .dstSet = n->set[j],
					       .dstBinding = b,
					       .descriptorCount = 1,
					       .descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
					       .pBufferInfo = &bi[b] };
	}
	s->dev.fns->vkUpdateDescriptorSets(s->dev.device, N_BINDINGS, w, 0, NULL);
}

/* Creates the session's descriptor pool, and the device's pipeline cache on first use. */
static edgeml_status make_pool(vk_state *s, uint32_t n_dispatch)
{
	VkDescriptorPoolSize ps = { VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
				    (n_dispatch ? n_dispatch : 1) * N_BINDINGS };
	VkDescriptorPoolCreateInfo pc = { .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO,
					  .maxSets = n_dispatch ? n_dispatch : 1,
					  .poolSizeCount = 1,
					  .pPoolSizes = &ps };
	VkResult r = s->dev.fns->vkCreateDescriptorPool(s->dev.device, &pc, NULL, &s->pool);
	if (r != VK_SUCCESS)
		return eml_error(EDGEML_ERR_BACKEND, "vulkan: creating a descriptor pool failed: %s",
				 eml_vk_result_name(r));
	if (s->shared->pcache)
		return EDGEML_OK;
	return eml_vk_pipeline_cache_load(&s->cache, &s->dev, &s->shared->pcache);
}

/* Gives every GPU dispatch its descriptor set, pointed at its buffers. */
static edgeml_status make_sets(vk_state *s)
{
	const eml_graph *g = s->graph;
	for (uint32_t i = 0; i < g->n_nodes; i++) {
		vk_node *n = &s->nodes[i];
		for (uint32_t j = 0; j < n->kernel.n && !n->skip; j++) {
			VkDescriptorSetAllocateInfo ai = {
				.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO,
				.descriptorPool = s->pool,
				.descriptorSetCount = 1,
				.pSetLayouts = &s->shared->set_layout
			};
			VkResult r = s->dev.fns->vkAllocateDescriptorSets(s->dev.device, &ai,
									  &n->set[j]);
			if (r != VK_SUCCESS)
				return eml_error(EDGEML_ERR_BACKEND,
						 "node '%s': vkAllocateDescriptorSets failed: %s",
						 g->nodes[i].name ? g->nodes[i].name : "",
						 eml_vk_result_name(r));
			write_set(s, n, j);
		}
	}
	return EDGEML_OK;
}

/* The pipelines to create, shared by the threads creating them: each takes the next one. */
typedef struct pipe_work {
	vk_state *s;
	const VkShaderModule *modules;
	atomic_uint next;
} pipe_work;

/* One thread's part: what it reports back. */
typedef struct pipe_job {
	pipe_work *work;
	VkResult result;
	uint32_t failed; /* the pipeline that failed, when result is not VK_SUCCESS */
} pipe_job;

/* Creates pipelines until none is left (a thread's entry point). */
static void *make_some(void *arg)
{
	pipe_job *job = arg;
	vk_state *s = job->work->s;
	VkSpecializationMapEntry map[EML_VK_SPEC_BASE + EML_VK_MAX_SPEC];
	for (uint32_t i = 0; i < EML_VK_SPEC_BASE + EML_VK_MAX_SPEC; i++)
		map[i] = (VkSpecializationMapEntry){ i, i * 4, 4 };
	job->result = VK_SUCCESS;
	for (;;) {
		uint32_t i = atomic_fetch_add(&job->work->next, 1);
		if (i >= s->n_pipes)
			break;
		vk_pipeline *p = &s->pipes[i];
		if (!p->create)
			continue;
		VkSpecializationInfo spec = { p->n_spec, map, p->n_spec * 4, p->spec };
		VkComputePipelineCreateInfo ci = {
			.sType = VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO,
			.stage = { .sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO,
				   .stage = VK_SHADER_STAGE_COMPUTE_BIT,
				   .module = job->work->modules[i],
				   .pName = "main",
				   .pSpecializationInfo = &spec },
			.layout = s->shared->layout
		};
		VkResult r = s->dev.fns->vkCreateComputePipelines(
			s->dev.device, s->shared->pcache, 1, &ci, NULL, &p->pipeline);
		if (r != VK_SUCCESS) {
			p->pipeline = VK_NULL_HANDLE;
			job->result = r;
			job->failed = i;
			break;
		}
	}
	return NULL;
}

/* Creates every pipeline the device's table lacks on all the CPU's cores, this thread
 * writing the descriptor sets first: a driver that builds pipelines on the host (lavapipe
 * translates the SPIR-V to NIR and optimises it at each creation; its pipeline cache keeps
 * nothing) spends most of a session creation here, and Vulkan lets several threads create
 * pipelines on one device and pipeline cache at once. */
static edgeml_status make_all(vk_state *s, const VkShaderModule *modules)
{
	enum { MAX_THREADS = 8 };
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	uint32_t n = cpus < 1 ? 1 : cpus > MAX_THREADS ? MAX_THREADS : (uint32_t)cpus;
	pipe_work work = { .s = s, .modules = modules };
	atomic_init(&work.next, 0);
	pipe_job jobs[MAX_THREADS];
	pthread_t threads[MAX_THREADS];
	int started[MAX_THREADS] = { 0 };
	for (uint32_t k = 0; k < n; k++) {
		jobs[k] = (pipe_job){ &work, VK_SUCCESS, 0 };
		started[k] = k > 0 && k < s->n_created &&
			     pthread_create(&threads[k], NULL, make_some, &jobs[k]) == 0;
	}
	edgeml_status st = make_sets(s);
	make_some(&jobs[0]);
	for (uint32_t k = 1; k < n; k++)
		if (started[k])
			pthread_join(threads[k], NULL);
	for (uint32_t k = 0; k < n && st == EDGEML_OK; k++)
		if (jobs[k].result != VK_SUCCESS)
			st = eml_error(EDGEML_ERR_BACKEND, "vkCreateComputePipelines (%s) failed: %s",
				       s->pipes[jobs[k].failed].shader,
				       eml_vk_result_name(jobs[k].result));
	/* What was made goes into the table, which owns it from now on (a failed session's
	 * pipelines included: they are valid, and the next session wants them). */
	for (uint32_t i = 0; i < s->n_pipes; i++) {
		vk_pipeline *p = &s->pipes[i];
		if (!p->create || !p->pipeline)
			continue;
		edgeml_status add = eml_vk_pipe_add(s->shared, p->shader, p->macros, p->spec,
						    p->n_spec, p->pipeline);
		if (add != EDGEML_OK) {
			p->pipeline = VK_NULL_HANDLE;
			if (st == EDGEML_OK)
				st = add;
		}
	}
	return st;
}

/* Destroys the session's shader modules: pipelines made from them no longer need them. */
static void free_modules(vk_state *s)
{
	for (uint32_t i = 0; i < s->n_modules; i++)
		s->dev.fns->vkDestroyShaderModule(s->dev.device, s->modules[i].module, NULL);
	s->n_modules = 0;
}

edgeml_status eml_vk_make_pipelines(vk_state *s)
{
	const eml_graph *g = s->graph;
	uint32_t n_dispatch = 0;
	for (uint32_t i = 0; i < g->n_nodes; i++)
		if (!s->nodes[i].skip)
			n_dispatch += s->nodes[i].kernel.n;
	size_t count = n_dispatch ? n_dispatch : 1;
	s->pipes = calloc(count, sizeof(*s->pipes));
	s->modules = calloc(count, sizeof(*s->modules));
	VkShaderModule *modules = calloc(count, sizeof(*modules));
	uint32_t *which = calloc(count, sizeof(*which)); /* each dispatch's pipeline */
	edgeml_status st = EDGEML_OK;
	if (!s->pipes || !s->modules || !modules || !which)
		st = eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for %u pipelines", n_dispatch);
	pthread_mutex_lock(&s->shared->pipe_lock);
	if (st == EDGEML_OK)
		st = make_pool(s, n_dispatch);
	/* Every distinct pipeline is described first (found in the table, or its shader
	 * compiled or read from the cache), so that all missing ones can be created at once. */
	uint32_t at = 0;
	for (uint32_t i = 0; i < g->n_nodes && st == EDGEML_OK; i++) {
		vk_node *n = &s->nodes[i];
		for (uint32_t j = 0; j < n->kernel.n && !n->skip; j++) {
			st = find_pipeline(s, n, j, modules, &which[at++]);
			if (st != EDGEML_OK) {
				const char *op = eml_op_name(g->nodes[i].op);
				st = eml_error_context(st, "node '%s' (%s): ",
						       g->nodes[i].name ? g->nodes[i].name : "",
						       op ? op : "?");
				break;
			}
		}
	}
	for (uint32_t i = 0; i < s->n_pipes; i++)
		s->n_created += s->pipes[i].create;
	if (st == EDGEML_OK)
		st = make_all(s, modules);
	if (st == EDGEML_OK && s->n_created)
		eml_vk_pipeline_cache_save(&s->cache, &s->dev, s->shared->pcache);
	pthread_mutex_unlock(&s->shared->pipe_lock);
	free_modules(s);
	at = 0;
	for (uint32_t i = 0; i < g->n_nodes && st == EDGEML_OK; i++) {
		vk_node *n = &s->nodes[i];
		for (uint32_t j = 0; j < n->kernel.n && !n->skip; j++)
			n->pipeline[j] = s->pipes[which[at++]].pipeline;
	}
	free(modules);
	free(which);
	return st;
}

/* Makes every shader write before this point visible to every later shader read or write,
 * or (to_host) to the host. */
static void barrier(const vk_state *s, VkCommandBuffer cmd, int to_host)
{
	VkMemoryBarrier mb = { .sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER,
			       .srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT |
						VK_ACCESS_TRANSFER_WRITE_BIT,
			       .dstAccessMask = to_host ? VK_ACCESS_HOST_READ_BIT :
							  VK_ACCESS_SHADER_READ_BIT |
								  VK_ACCESS_SHADER_WRITE_BIT };
	s->dev.fns->vkCmdPipelineBarrier(
		cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT,
		to_host ? VK_PIPELINE_STAGE_HOST_BIT : VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, 0, 1,
		&mb, 0, NULL, 0, NULL);
}

/* Records one GPU segment: its nodes' dispatches, a barrier after each, timestamps, and a
 * final barrier that makes the results visible to the host (outputs, CPU nodes). */
static edgeml_status record_segment(vk_state *s, vk_segment *seg)
{
	const eml_vk_fns *f = s->dev.fns;
	VkCommandBufferAllocateInfo ai = { .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO,
					   .commandPool = s->cmd_pool,
					   .level = VK_COMMAND_BUFFER_LEVEL_PRIMARY,
					   .commandBufferCount = 1 };
	/* Recorded again after an import re-points a descriptor: the pool was reset, the
	 * command buffer is reused. */
	VkResult r = seg->cmd ? VK_SUCCESS :
				f->vkAllocateCommandBuffers(s->dev.device, &ai, &seg->cmd);
	VkCommandBufferBeginInfo bi = { .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO };
	if (r == VK_SUCCESS)
		r = f->vkBeginCommandBuffer(seg->cmd, &bi);
	if (r != VK_SUCCESS)
		return eml_error(EDGEML_ERR_BACKEND, "vulkan: starting a command buffer failed: %s",
				 eml_vk_result_name(r));
	VkCommandBuffer cmd = seg->cmd;
	uint32_t q_first = seg->query, q_count = 1;
	for (uint32_t i = seg->first; i < seg->end; i++)
		q_count += !s->nodes[i].skip;
	if (s->queries) {
		f->vkCmdResetQueryPool(cmd, s->queries, q_first, q_count);
		f->vkCmdWriteTimestamp(cmd, VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT, s->queries, q_first);
	}
	for (uint32_t i = seg->first; i < seg->end; i++) {
		const vk_node *n = &s->nodes[i];
		if (n->skip)
			continue;
		for (uint32_t j = 0; j < n->kernel.n; j++) {
			f->vkCmdBindPipeline(cmd, VK_PIPELINE_BIND_POINT_COMPUTE, n->pipeline[j]);
			f->vkCmdBindDescriptorSets(cmd, VK_PIPELINE_BIND_POINT_COMPUTE,
						   s->shared->layout,
						   0, 1, &n->set[j], 0, NULL);
			f->vkCmdDispatch(cmd, n->groups[j][0], n->groups[j][1], 1);
		}
		barrier(s, cmd, 0);
		if (s->queries)
			f->vkCmdWriteTimestamp(cmd, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT,
					       s->queries, n->query);
	}
	barrier(s, cmd, 1);
	r = f->vkEndCommandBuffer(cmd);
	if (r != VK_SUCCESS)
		return eml_error(EDGEML_ERR_BACKEND, "vulkan: recording failed: %s",
				 eml_vk_result_name(r));
	return EDGEML_OK;
}

edgeml_status eml_vk_record_init(vk_state *s)
{
	const eml_vk_fns *f = s->dev.fns;
	VkCommandPoolCreateInfo pc = { .sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO,
				       .queueFamilyIndex = s->dev.info->queue_family };
	VkResult r = f->vkCreateCommandPool(s->dev.device, &pc, NULL, &s->cmd_pool);
	VkFenceCreateInfo fc = { .sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO };
	if (r == VK_SUCCESS)
		r = f->vkCreateFence(s->dev.device, &fc, NULL, &s->fence);
	if (r == VK_SUCCESS && s->dev.info->timestamp_bits && s->n_queries) {
		VkQueryPoolCreateInfo qc = { .sType = VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO,
					     .queryType = VK_QUERY_TYPE_TIMESTAMP,
					     .queryCount = s->n_queries };
		r = f->vkCreateQueryPool(s->dev.device, &qc, NULL, &s->queries);
	}
	if (r != VK_SUCCESS)
		return eml_error(EDGEML_ERR_BACKEND, "vulkan: creating a command pool, fence or "
				 "query pool failed: %s", eml_vk_result_name(r));
	return EDGEML_OK;
}

edgeml_status eml_vk_record(vk_state *s)
{
	for (uint32_t i = 0; i < s->n_segs; i++) {
		edgeml_status st = record_segment(s, &s->segs[i]);
		if (st != EDGEML_OK)
			return st;
	}
	return EDGEML_OK;
}

void eml_vk_pipelines_destroy(vk_state *s)
{
	const eml_vk_fns *f = s->dev.fns;
	VkDevice dev = s->dev.device;
	if (!dev)
		return;
	if (s->queries)
		f->vkDestroyQueryPool(dev, s->queries, NULL);
	if (s->fence)
		f->vkDestroyFence(dev, s->fence, NULL);
	if (s->cmd_pool)
		f->vkDestroyCommandPool(dev, s->cmd_pool, NULL);
	free_modules(s);
	if (s->pool)
		f->vkDestroyDescriptorPool(dev, s->pool, NULL);
	free(s->pipes);
	free(s->modules);
	s->pipes = NULL;
	s->modules = NULL;
}

VkResult eml_vk_submit(vk_state *s, VkCommandBuffer cmd)
{
	VkSubmitInfo si = { .sType = VK_STRUCTURE_TYPE_SUBMIT_INFO,
			    .commandBufferCount = 1,
			    .pCommandBuffers = &cmd };
	pthread_mutex_lock(&s->shared->queue_lock);
	VkResult r = s->dev.fns->vkQueueSubmit(s->dev.queue, 1, &si, s->fence);
	pthread_mutex_unlock(&s->shared->queue_lock);
	return r;
}
