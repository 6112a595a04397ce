/*
 * backend.h — the interface every backend implements (as ggml-backend: a table of function
 * pointers over an opaque state). A session picks one backend, prepares the model's graph on
 * it once, then runs it any number of times. Adding a backend never touches the graph code.
 */
#ifndef EML_BACKEND_H
#define EML_BACKEND_H

#include <stddef.h>
#include <stdint.h>

#include "graph.h"

/* Memory a prepared graph holds, reported by `edgeml run --verbose`. */
typedef struct eml_backend_memory {
	uint64_t arena_bytes; /* the shared activation arena */
	uint64_t naive_bytes; /* what the arena's tensors would take with a buffer each */
	uint64_t io_bytes;    /* the buffers of graph inputs and outputs */
} eml_backend_memory;

/* Time of one node in the last run (GPU timestamps, or the host clock for CPU nodes). */
typedef struct eml_layer_time {
	uint32_t node;  /* index in the graph */
	double ms;
	int on_cpu;     /* ran on the CPU (a fallback node of a GPU backend) */
} eml_layer_time;

typedef struct eml_backend {
	const char *name; /* reported by edgeml_session_backend_name() */
	/* Prepares graph (validated, immutable, outliving the state): checks that every node
	 * has a kernel, plans and allocates all memory, precomputes what a run needs. */
	edgeml_status (*prepare)(const eml_graph *graph, const edgeml_session_options *options,
				 void **state);
	/* Runs the graph once on the current input contents; allocates nothing. */
	edgeml_status (*run)(void *state);
	/* Host-visible memory of a graph input or output tensor, valid while state lives. */
	void *(*io_data)(void *state, uint32_t tensor);
	/* Binds graph input tensor to external memory: the buffer behind fd (a dma-buf, memfd
	 * or file) at offset, which the session has mapped read-only at host and brackets with
	 * DMA_BUF_IOCTL_SYNC around each run; with host NULL (fd -1), back to the tensor's own
	 * buffer. Sets *copy_bytes to the bytes each run will copy to use the memory, 0 when
	 * the backend reads it in place (reported by edgeml_session_stats_get). */
	edgeml_status (*import_external_memory)(void *state, uint32_t tensor, int fd,
						uint64_t offset, const void *host,
						uint64_t *copy_bytes);
	void (*memory)(const void *state, eml_backend_memory *mem);
	void (*destroy)(void *state);
	/* Optional (NULL: run is the whole run): start a run and return while the device works;
	 * wait finishes it. */
	edgeml_status (*submit)(void *state);
	edgeml_status (*wait)(void *state);
	/* Optional: per-node times of the last run, up to max of them; returns how many. */
	uint32_t (*layer_times)(const void *state, eml_layer_time *out, uint32_t max);
	/* Optional: one line on where the graph runs (device, CPU-fallback nodes, copies). */
	void (*describe)(const void *state, char *buf, size_t size);
} eml_backend;

/* The CPU backend over the reference kernels (runtime/src/cpu/cpu_backend.c). */
extern const eml_backend eml_cpu_backend;
/* The Vulkan backend (runtime/src/vulkan/vk_backend.c). */
extern const eml_backend eml_vulkan_backend;

/* Whether Vulkan offers a device AUTO should prefer to the CPU (a usable non-CPU-type one);
 * why says what was found either way. */
int eml_vulkan_auto_usable(char *why, size_t size);

#endif /* EML_BACKEND_H */
