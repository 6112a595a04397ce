/*
 * backend.h — the interface every backend implements (as ggml-backend: a table of function
 * pointers over an opaque state) and the registry that lists them. A backend lists its
 * devices and says which nodes it can run; a session picks one device (backend_registry.c:
 * by name, or AUTO's rule over the devices' types), gives the nodes that device cannot run
 * to the CPU backend (scheduler.c: consecutive nodes of one backend form a partition, a
 * subgraph each backend prepares as a graph of its own), then runs the partitions in order
 * any number of times. Adding a backend is its folder plus one line in backend_registry.c's
 * table; the core (context.c, session.c) never names a backend but the CPU, its fallback.
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
	uint32_t node;  /* index in the graph the backend prepared */
	double ms;
} eml_layer_time;

typedef struct eml_backend {
	const char *id;	  /* the registry's name: "cpu", "vulkan" (edgeml_device_properties) */
	const char *name; /* reported by edgeml_session_backend_name() */
	/* The public kind that asks for this backend (EDGEML_BACKEND_AUTO for none). */
	edgeml_backend_kind kind;
	/* The backend's devices: fills up to max of them (index, backend and backend_index are
	 * the registry's to set) and returns how many there are; with none, why says why. */
	uint32_t (*devices)(edgeml_device_properties *out, uint32_t max, char *why, size_t size);
	/* Optional (NULL: every node): whether the device options->device names (an index
	 * among the backend's devices, as prepare gets it) can run node of graph. A session
	 * allowed to (EDGEML_SESSION_CPU_FALLBACK) gives the nodes it cannot to the CPU. */
	int (*supports_node)(const eml_graph *graph, uint32_t node,
			     const edgeml_session_options *options);
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
	/* Optional: adds what its thread pool did so far to the cpu_* members of *stats. */
	void (*pool_stats)(const void *state, edgeml_session_stats *stats);
	void (*destroy)(void *state);
	/* Optional (NULL: run is the whole run): start a run and return while the device works;
	 * wait finishes it. */
	edgeml_status (*submit)(void *state);
	edgeml_status (*wait)(void *state);
	/* Optional: per-node times of the last run, up to max of them; returns how many. */
	uint32_t (*layer_times)(const void *state, eml_layer_time *out, uint32_t max);
	/* Optional: makes runs time their nodes (for backends whose timing costs; the others
	 * always time them). */
	edgeml_status (*profile_start)(void *state);
	/* Optional: what runs node ("reference", a micro-kernel's name); NULL: "gpu". */
	const char *(*node_kernel)(const void *state, uint32_t node);
	/* Optional: counts a context created (+1) or destroyed (-1), for backends that keep
	 * devices alive between sessions while a context exists. */
	void (*contexts_add)(int delta);
	/* Optional: one line on where the graph runs (device, caches). */
	void (*describe)(const void *state, char *buf, size_t size);
} eml_backend;

/* The CPU backend (runtime/src/cpu/cpu_backend.c). */
extern const eml_backend eml_cpu_backend;
/* The Vulkan backend (runtime/src/vulkan/vk_backend.c; runtime/src/no_vulkan.c in a build
 * without it, which has no devices and says why). */
extern const eml_backend eml_vulkan_backend;

/* ---- the registry (backend_registry.c) ---------------------------------------------------- */

/* Most backends and devices the registry holds. */
#define EML_MAX_BACKENDS 8
#define EML_MAX_DEVICES 32

/* Adds a backend after the built-in ones (a test's, or a plug-in's); at most
 * EML_MAX_BACKENDS in all, and an id may be registered once. Register (and unregister)
 * while no session or context is being made or destroyed: those read the table unlocked. */
edgeml_status eml_backend_register(const eml_backend *backend);
/* Removes a backend eml_backend_register() added (tests). */
void eml_backend_unregister(const eml_backend *backend);
/* The registered backends, in AUTO's tie-break order; *n gets how many. */
const eml_backend *const *eml_backends(uint32_t *n);

/* The device a session runs on: resolved from the options by eml_device_pick. */
typedef struct eml_device_choice {
	const eml_backend *backend;
	edgeml_device_properties props; /* props.backend_index is what prepare is given */
	int named;			/* the options named it (no fallback to another) */
} eml_device_choice;

/* Resolves the options' backend and device into candidates in order of preference: the one
 * named, or, for AUTO without a device, every usable device best first (AUTO falls back
 * along them); *n gets how many. why says what AUTO found. */
edgeml_status eml_device_pick(const edgeml_session_options *opts, eml_device_choice *out,
			      uint32_t max, uint32_t *n, char *why, size_t size);

/* The device backend runs on when a session names the backend but no device (its first
 * usable device of the best type, as its prepare picks it). */
edgeml_status eml_backend_default_device(const eml_backend *backend,
					 edgeml_device_properties *out);

#endif /* EML_BACKEND_H */
