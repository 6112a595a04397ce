/* planner.c — liveness of a graph's intermediate tensors and their placement in one arena. */
#include <stdlib.h>

#include "error.h"
#include "ops/ops.h"
#include "planner.h"

#define NO_STEP UINT32_MAX

/* Orders buffers for placement: larger first; ties by earlier first step, then by index, so
 * a plan never depends on qsort's instability. */
typedef struct place_key {
	uint64_t size;
	uint32_t first;
	uint32_t index;
} place_key;

/* qsort comparator for place_key, see above. */
static int place_key_cmp(const void *a, const void *b)
{
	const place_key *x = a, *y = b;
	if (x->size != y->size)
		return x->size > y->size ? -1 : 1;
	if (x->first != y->first)
		return x->first < y->first ? -1 : 1;
	return x->index < y->index ? -1 : (x->index > y->index);
}

/* Rounds size up to align (a power of two); the caller checked it cannot overflow. */
static uint64_t align_up(uint64_t size, uint64_t align)
{
	return (size + align - 1) & ~(align - 1);
}

edgeml_status eml_plan_place(eml_plan_buf *bufs, uint32_t n, uint64_t align, uint64_t *arena_size)
{
	*arena_size = 0;
	if (n == 0)
		return EDGEML_OK;
	/* With the aligned sizes' sum in range, every offset + size below is too: a buffer
	 * goes in a gap or just above the others, so the arena never exceeds the sum. */
	uint64_t total = 0;
	for (uint32_t i = 0; i < n; i++) {
		if (bufs[i].size > UINT64_MAX - align ||
		    align_up(bufs[i].size, align) > UINT64_MAX - total)
			return eml_error(EDGEML_ERR_NO_MEMORY,
					 "arena plan: tensor sizes overflow 64 bits");
		total += align_up(bufs[i].size, align);
	}
	place_key *keys = malloc(n * sizeof(*keys));
	uint32_t *placed = malloc(n * sizeof(*placed)); /* placed buffers, by offset */
	if (!keys || !placed) {
		free(keys);
		free(placed);
		return eml_error(EDGEML_ERR_NO_MEMORY, "arena plan: out of memory for %u buffers",
				 n);
	}
	for (uint32_t i = 0; i < n; i++)
		keys[i] = (place_key){ bufs[i].size, bufs[i].first, i };
	qsort(keys, n, sizeof(*keys), place_key_cmp);

	uint64_t end = 0;
	for (uint32_t k = 0; k < n; k++) {
		eml_plan_buf *b = &bufs[keys[k].index];
		uint64_t size = align_up(b->size, align);
		uint64_t prev_end = 0, best = UINT64_MAX, best_gap = UINT64_MAX;
		for (uint32_t j = 0; j < k; j++) {
			const eml_plan_buf *p = &bufs[placed[j]];
			if (p->last < b->first || p->first > b->last)
				continue;
			if (p->offset >= prev_end) {
				uint64_t gap = p->offset - prev_end;
				if (gap >= size && gap < best_gap) {
					best = prev_end;
					best_gap = gap;
				}
			}
			uint64_t p_end = p->offset + align_up(p->size, align);
			if (p_end > prev_end)
				prev_end = p_end;
		}
		b->offset = best != UINT64_MAX ? best : prev_end;
		if (b->offset + size > end)
			end = b->offset + size;
		uint32_t at = k;
		while (at > 0 && bufs[placed[at - 1]].offset > b->offset) {
			placed[at] = placed[at - 1];
			at--;
		}
		placed[at] = keys[k].index;
	}
	free(keys);
	free(placed);
	*arena_size = end;
	return EDGEML_OK;
}

/* True for ops whose output is their first input's bytes unchanged (C order). */
static int op_is_view(uint32_t op)
{
	return op == EML_OP_Reshape || op == EML_OP_Flatten || op == EML_OP_Squeeze ||
	       op == EML_OP_Unsqueeze || op == EML_OP_Identity;
}

edgeml_status eml_plan_tensor_size(const eml_tensor *t, uint64_t *size)
{
	if (edgeml_dtype_size((edgeml_dtype)t->dtype) == 0)
		return eml_error(EDGEML_ERR_UNSUPPORTED, "tensor '%s': unknown dtype %u",
				 t->name ? t->name : "", t->dtype);
	if (t->rank > EML_MAX_RANK)
		return eml_error(EDGEML_ERR_FORMAT, "tensor '%s': rank %u exceeds %u",
				 t->name ? t->name : "", t->rank, EML_MAX_RANK);
	*size = eml_tensor_bytes(t);
	if (*size != 0)
		return EDGEML_OK;
	for (uint32_t d = 0; d < t->rank; d++)
		if (t->dims[d] == 0)
			return EDGEML_OK;
	return eml_error(EDGEML_ERR_FORMAT, "tensor '%s': shape is negative or its size overflows",
			 t->name ? t->name : "");
}

/* Records, per tensor, the node producing it and the last node reading it (or producing it,
 * when nothing reads it). Indices are checked: a session may get a hand-built graph. */
static edgeml_status liveness(const eml_graph *g, uint32_t *producer, uint32_t *last)
{
	for (uint32_t t = 0; t < g->n_tensors; t++)
		producer[t] = last[t] = NO_STEP;
	for (uint32_t i = 0; i < g->n_nodes; i++) {
		const eml_node *node = &g->nodes[i];
		for (uint32_t k = 0; k < node->n_inputs + node->n_outputs; k++) {
			int is_out = k >= node->n_inputs;
			uint32_t t = is_out ? node->outputs[k - node->n_inputs] : node->inputs[k];
			if (t == EML_NO_TENSOR)
				continue;
			if (t >= g->n_tensors)
				return eml_error(
					EDGEML_ERR_FORMAT,
					"node '%s': tensor index %u out of range (%u tensors)",
					node->name ? node->name : "", t, g->n_tensors);
			if (is_out) {
				if (producer[t] != NO_STEP)
					return eml_error(EDGEML_ERR_FORMAT,
							 "node '%s': tensor '%s' is produced twice",
							 node->name ? node->name : "",
							 g->tensors[t].name ? g->tensors[t].name
									    : "");
				producer[t] = i;
			}
			last[t] = i;
		}
	}
	return EDGEML_OK;
}

/* True for a tensor the arena holds: made by a node, and not a graph input/output/constant. */
static int is_planned(const eml_graph *g, const uint32_t *producer, uint32_t t)
{
	const uint32_t own = EML_TF_CONSTANT | EML_TF_INPUT | EML_TF_OUTPUT;
	return producer[t] != NO_STEP && !(g->tensors[t].flags & own);
}

/* Lets each view node's output share its input's memory when the input is planned and dies
 * at that node: root[t] is the tensor whose buffer t uses, and the root's last step grows to
 * cover the whole chain. */
static void alias_views(const eml_graph *g, const uint32_t *producer, const uint64_t *size,
			uint32_t *last, uint32_t *root, uint8_t *node_is_view)
{
	for (uint32_t i = 0; i < g->n_nodes; i++) {
		const eml_node *node = &g->nodes[i];
		if (!op_is_view(node->op) || node->n_inputs < 1 || node->n_outputs != 1)
			continue;
		uint32_t x = node->inputs[0], y = node->outputs[0];
		if (x == EML_NO_TENSOR || y == EML_NO_TENSOR || !is_planned(g, producer, x) ||
		    !is_planned(g, producer, y) || last[x] != i || size[x] != size[y])
			continue;
		int reused = 0;
		for (uint32_t k = 1; k < node->n_inputs; k++)
			reused |= node->inputs[k] == x;
		if (reused)
			continue;
		root[y] = root[x];
		last[root[y]] = last[y];
		node_is_view[i] = 1;
	}
}

/* Temporary per-tensor arrays of eml_plan_graph, in one allocation. */
typedef struct plan_scratch {
	uint32_t *producer, *last, *root, *buf_of;
	uint64_t *size;
	eml_plan_buf *bufs;
} plan_scratch;

/* Allocates the scratch arrays for n tensors (at least one element each). */
static edgeml_status scratch_alloc(plan_scratch *s, uint32_t n)
{
	size_t m = n ? n : 1;
	s->producer = malloc(m * sizeof(uint32_t));
	s->last = malloc(m * sizeof(uint32_t));
	s->root = malloc(m * sizeof(uint32_t));
	s->buf_of = malloc(m * sizeof(uint32_t));
	s->size = calloc(m, sizeof(uint64_t));
	s->bufs = malloc(m * sizeof(eml_plan_buf));
	if (s->producer && s->last && s->root && s->buf_of && s->size && s->bufs)
		return EDGEML_OK;
	return eml_error(EDGEML_ERR_NO_MEMORY, "arena plan: out of memory for %u tensors", n);
}

/* Frees the scratch arrays. */
static void scratch_free(plan_scratch *s)
{
	free(s->producer);
	free(s->last);
	free(s->root);
	free(s->buf_of);
	free(s->size);
	free(s->bufs);
}

/* Fills plan from a graph whose scratch arrays are allocated. */
static edgeml_status plan_with(const eml_graph *g, plan_scratch *s, eml_arena_plan *plan)
{
	edgeml_status st = liveness(g, s->producer, s->last);
	if (st != EDGEML_OK)
		return st;
	for (uint32_t t = 0; t < g->n_tensors; t++) {
		s->root[t] = t;
		if (!is_planned(g, s->producer, t))
			continue;
		st = eml_plan_tensor_size(&g->tensors[t], &s->size[t]);
		if (st != EDGEML_OK)
			return st;
		if (s->size[t] > UINT64_MAX - EML_PLAN_ALIGN ||
		    align_up(s->size[t], EML_PLAN_ALIGN) > UINT64_MAX - plan->naive_size)
			return eml_error(EDGEML_ERR_NO_MEMORY,
					 "arena plan: sizes overflow 64 bits");
		plan->naive_size += align_up(s->size[t], EML_PLAN_ALIGN);
	}
	alias_views(g, s->producer, s->size, s->last, s->root, plan->node_is_view);

	uint32_t n = 0;
	for (uint32_t t = 0; t < g->n_tensors; t++) {
		if (!is_planned(g, s->producer, t) || s->root[t] != t)
			continue;
		s->bufs[n] = (eml_plan_buf){ s->size[t], s->producer[t], s->last[t], 0 };
		s->buf_of[t] = n++;
	}
	st = eml_plan_place(s->bufs, n, EML_PLAN_ALIGN, &plan->arena_size);
	if (st != EDGEML_OK)
		return st;
	for (uint32_t t = 0; t < g->n_tensors; t++)
		plan->offsets[t] = is_planned(g, s->producer, t)
					   ? s->bufs[s->buf_of[s->root[t]]].offset
					   : EML_PLAN_NONE;
	return EDGEML_OK;
}

edgeml_status eml_plan_graph(const eml_graph *graph, eml_arena_plan *plan)
{
	*plan = (eml_arena_plan){ 0 };
	plan->offsets = malloc((graph->n_tensors ? graph->n_tensors : 1) * sizeof(uint64_t));
	plan->node_is_view = calloc(graph->n_nodes ? graph->n_nodes : 1, 1);
	plan_scratch s = { 0 };
	edgeml_status st;
	if (!plan->offsets || !plan->node_is_view)
		st = eml_error(EDGEML_ERR_NO_MEMORY, "arena plan: out of memory for %u tensors",
			       graph->n_tensors);
	else
		st = scratch_alloc(&s, graph->n_tensors);
	if (st == EDGEML_OK)
		st = plan_with(graph, &s, plan);
	scratch_free(&s);
	if (st != EDGEML_OK)
		eml_plan_free(plan);
	return st;
}

void eml_plan_free(eml_arena_plan *plan)
{
	free(plan->offsets);
	free(plan->node_is_view);
	*plan = (eml_arena_plan){ 0 };
}
