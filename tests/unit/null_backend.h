/*
 * null_backend.h — a toy third backend for the registry's and the scheduler's tests: one
 * virtual device that runs two float ops, Relu and Add (of equal shapes), with a host buffer
 * per tensor. It proves that a backend plugs in by eml_backend_register() alone: listed by
 * edgeml_device_info, chosen by AUTO (a virtual GPU ranks above the CPU), named by "null:0",
 * timed by edgeml_session_profile, refused with EDGEML_ERR_UNSUPPORTED for a graph with any
 * other op (AUTO then falls back to the CPU), and, with EDGEML_SESSION_CPU_FALLBACK, given
 * the nodes it supports (null_supports_node) while the CPU runs the others.
 * Include once per test program, after the runtime headers.
 */
#ifndef EML_TEST_NULL_BACKEND_H
#define EML_TEST_NULL_BACKEND_H

#include <stdio.h>
#include <stdlib.h>

#include "backend.h"
#include "error.h"
#include "ops/ops.h"

typedef struct null_state {
	const eml_graph *graph;
	void **data; /* per tensor */
	uint64_t runs;
} null_state;

static void null_destroy(void *opaque)
{
	null_state *s = opaque;
	for (uint32_t i = 0; s->data && i < s->graph->n_tensors; i++)
		free(s->data[i]);
	free(s->data);
	free(s);
}

/* Relu of a float tensor, or Add of two float tensors of one shape. */
static int null_supports_node(const eml_graph *g, uint32_t node,
			      const edgeml_session_options *opts)
{
	const eml_node *n = &g->nodes[node];
	const eml_tensor *y = &g->tensors[n->outputs[0]];
	if (y->dtype != EDGEML_DTYPE_FLOAT32)
		return 0;
	if (n->op == EML_OP_Relu)
		return 1;
	return n->op == EML_OP_Add &&
	       eml_tensor_numel(&g->tensors[n->inputs[0]]) == eml_tensor_numel(y) &&
	       eml_tensor_numel(&g->tensors[n->inputs[1]]) == eml_tensor_numel(y);
}

static edgeml_status null_prepare(const eml_graph *g, const edgeml_session_options *opts,
				  void **state)
{
	*state = NULL;
	for (uint32_t i = 0; i < g->n_nodes; i++)
		if (!null_supports_node(g, i, opts))
			return eml_error(EDGEML_ERR_UNSUPPORTED, "the null backend has no %s",
					 eml_op_name(g->nodes[i].op));
	null_state *s = calloc(1, sizeof(*s));
	if (!s)
		return eml_error(EDGEML_ERR_NO_MEMORY, "null backend: out of memory");
	s->graph = g;
	s->data = calloc(g->n_tensors, sizeof(*s->data));
	for (uint32_t i = 0; s->data && i < g->n_tensors; i++) {
		uint64_t bytes = eml_tensor_bytes(&g->tensors[i]);
		s->data[i] = calloc(1, bytes ? bytes : 1);
		if (!s->data[i])
			break;
		if (g->tensors[i].data)
			memcpy(s->data[i], g->tensors[i].data, bytes);
	}
	for (uint32_t i = 0; s->data && i < g->n_tensors; i++)
		if (!s->data[i]) {
			null_destroy(s);
			return eml_error(EDGEML_ERR_NO_MEMORY, "null backend: out of memory");
		}
	if (!s->data) {
		free(s);
		return eml_error(EDGEML_ERR_NO_MEMORY, "null backend: out of memory");
	}
	*state = s;
	return EDGEML_OK;
}

static edgeml_status null_run(void *opaque)
{
	null_state *s = opaque;
	for (uint32_t i = 0; i < s->graph->n_nodes; i++) {
		const eml_node *n = &s->graph->nodes[i];
		const float *x = s->data[n->inputs[0]];
		float *y = s->data[n->outputs[0]];
		int64_t count = eml_tensor_numel(&s->graph->tensors[n->outputs[0]]);
		if (n->op == EML_OP_Add) {
			const float *b = s->data[n->inputs[1]];
			for (int64_t k = 0; k < count; k++)
				y[k] = x[k] + b[k];
			continue;
		}
		for (int64_t k = 0; k < count; k++)
			y[k] = x[k] > 0.0f ? x[k] : 0.0f;
	}
	s->runs++;
	return EDGEML_OK;
}

static void *null_io_data(void *opaque, uint32_t tensor)
{
	return ((null_state *)opaque)->data[tensor];
}

static edgeml_status null_import(void *opaque, uint32_t tensor, int fd, uint64_t offset,
				 const void *host, uint64_t *copy_bytes)
{
	return eml_error(EDGEML_ERR_UNSUPPORTED, "the null backend imports nothing");
}

static void null_memory(const void *opaque, eml_backend_memory *mem)
{
	*mem = (eml_backend_memory){ 0 };
}

/* Each node "took" 1 ms, so that the profile's sums are known. */
static uint32_t null_layer_times(const void *opaque, eml_layer_time *out, uint32_t max)
{
	const null_state *s = opaque;
	uint32_t n = 0;
	for (uint32_t i = 0; i < s->graph->n_nodes && n < max; i++)
		out[n++] = (eml_layer_time){ i, 1.0 };
	return n;
}

static uint32_t null_devices(edgeml_device_properties *out, uint32_t max, char *why, size_t size)
{
	if (max) {
		memset(out, 0, sizeof(*out));
		out->type = EDGEML_DEVICE_VIRTUAL_GPU;
		snprintf(out->name, sizeof(out->name), "null accelerator");
		snprintf(out->driver, sizeof(out->driver), "null");
		snprintf(out->features, sizeof(out->features), "relu add");
	}
	return 1;
}

static const eml_backend null_backend = {
	.id = "null",
	.name = "null",
	.kind = EDGEML_BACKEND_AUTO, /* no public kind: chosen by device only */
	.devices = null_devices,
	.supports_node = null_supports_node,
	.prepare = null_prepare,
	.run = null_run,
	.io_data = null_io_data,
	.import_external_memory = null_import,
	.memory = null_memory,
	.destroy = null_destroy,
	.layer_times = null_layer_times,
};

#endif /* EML_TEST_NULL_BACKEND_H */
