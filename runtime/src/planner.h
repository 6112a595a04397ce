/*
 * planner.h — the activation arena plan of a graph: every intermediate tensor gets an offset
 * in one buffer, chosen from its liveness (producing node → last consuming node) so tensors
 * that are never live at the same time share memory. Greedy by size, best fit, as TFLite's
 * arena planner does. Constants, graph inputs and graph outputs are not in the arena: they
 * live in the model or in buffers of their own.
 */
#ifndef EML_PLANNER_H
#define EML_PLANNER_H

#include <stdint.h>

#include "graph.h"

/* Every offset in the arena, and the arena's size, is a multiple of this. */
#define EML_PLAN_ALIGN 64u
/* Offset of a tensor that is not in the arena. */
#define EML_PLAN_NONE UINT64_MAX

/* One buffer to place: its size and the steps it is live in, first..last inclusive. */
typedef struct eml_plan_buf {
	uint64_t size;
	uint32_t first;
	uint32_t last;
	uint64_t offset; /* set by eml_plan_place() */
} eml_plan_buf;

/* Places n buffers so that no two whose step intervals overlap share a byte: largest first,
 * each in the smallest free gap (among buffers live at the same time) that holds it, else
 * above them all. Offsets are aligned to align (a power of two); *arena_size is the end of
 * the highest buffer, aligned. With page (a multiple of align) not 0, no buffer of at most
 * page bytes straddles a multiple of page: a buffer that would is tried at the next one, so
 * the arena can be cut into pages that each hold whole buffers (the Vulkan backend's
 * buffers of at most maxStorageBufferRange); larger buffers are placed as without pages.
 * Fails only when the sizes overflow. */
edgeml_status eml_plan_place(eml_plan_buf *bufs, uint32_t n, uint64_t align, uint64_t page,
			     uint64_t *arena_size);

/* Units of work (buffers examined, tree nodes visited) of the last eml_plan_place() on the
 * calling thread: lets tests check that planning grows as n log n rather than n squared. */
uint64_t eml_plan_last_work(void);

/* Byte size of a tensor that needs memory; an unknown dtype, a negative dimension or a size
 * that overflows is an error naming the tensor. */
edgeml_status eml_plan_tensor_size(const eml_tensor *t, uint64_t *size);

/* n rounded up to EML_PLAN_ALIGN: buffers of that size suit any vector load (and any Vulkan
 * binding's element alignment). */
static inline uint64_t eml_plan_round_up(uint64_t n)
{
	return (n + EML_PLAN_ALIGN - 1) / EML_PLAN_ALIGN * EML_PLAN_ALIGN;
}

/* The bytes of the buffers a backend gives the graph's inputs and outputs (each size rounded
 * up to EML_PLAN_ALIGN), into *io. Fails, naming what, when a tensor is both a constant and
 * an input, has a size eml_plan_tensor_size() refuses, or when they and an arena of
 * arena_size bytes would pass limit, the memory a session may use. */
edgeml_status eml_plan_io_bytes(const eml_graph *g, uint64_t arena_size, uint64_t limit,
				uint64_t *io);

typedef struct eml_arena_plan {
	uint64_t arena_size; /* bytes of the shared arena */
	uint64_t naive_size; /* bytes if every planned tensor had a buffer of its own */
	uint64_t *offsets;   /* per graph tensor: offset in the arena, or EML_PLAN_NONE */
	/* Per node: 1 when the node is a pure view (Reshape, Flatten, Squeeze, Unsqueeze,
	 * Identity) whose output shares its input's memory, so running it is a no-op. */
	uint8_t *node_is_view;
} eml_arena_plan;

/* Plans the arena of a graph: tensors produced by a node that are not graph outputs get an
 * offset. A view node's output shares its input's memory when the input dies at that node.
 * page: 0, or the size of the pages no tensor (of at most page bytes) may straddle, as in
 * eml_plan_place(); a multiple of EML_PLAN_ALIGN. Allocates plan's arrays; free them with
 * eml_plan_free(). */
edgeml_status eml_plan_graph(const eml_graph *graph, uint64_t page, eml_arena_plan *plan);
void eml_plan_free(eml_arena_plan *plan);

#endif /* EML_PLANNER_H */
