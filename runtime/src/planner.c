/* planner.c — liveness of a graph's intermediate tensors and their placement in one arena. */
#include <stdlib.h>

#include "error.h"
#include "ops/ops.h"
#include "planner.h"

#define NO_STEP UINT32_MAX

static _Thread_local uint64_t plan_work;

uint64_t eml_plan_last_work(void)
{
	return plan_work;
}

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

/* The placed buffers, indexed so that those live at the same time as a new one are found
 * without looking at the others: a segment tree over the buffers in order of first step,
 * each node holding the latest last step among the placed buffers below it (-1: none). A
 * buffer [first, last] overlaps a placed [f, l] when f <= last and l >= first: a prefix of
 * the order, pruned where the subtree's latest step is before first. */
typedef struct live_index {
	uint32_t leaves;   /* a power of two >= n */
	int64_t *latest;   /* 2 * leaves nodes; node 1 is the root, leaf i is leaves + i */
	uint32_t *by_first; /* buffer indices in order of first step */
	uint32_t *rank;     /* position of each buffer in by_first */
} live_index;

/* A buffer's first step, for ordering the index by first step (then buffer index). */
typedef struct first_key {
	uint32_t first;
	uint32_t index;
} first_key;

static int first_key_cmp(const void *a, const void *b)
{
	const first_key *x = a, *y = b;
	if (x->first != y->first)
		return x->first < y->first ? -1 : 1;
	return x->index < y->index ? -1 : (x->index > y->index);
}

/* Marks buffer i placed. */
static void live_add(live_index *ix, const eml_plan_buf *bufs, uint32_t i)
{
	uint32_t node = ix->leaves + ix->rank[i];
	int64_t last = bufs[i].last;
	for (; node >= 1 && ix->latest[node] < last; node /= 2)
		ix->latest[node] = last;
}

/* Appends to out the placed buffers among positions [0, end) of by_first whose last step is
 * at least first; returns how many. */
static uint32_t live_query(const live_index *ix, uint32_t end, uint32_t first, uint32_t *out,
			   uint32_t *stack)
{
	uint32_t found = 0, top = 0;
	if (end == 0)
		return 0;
	stack[top++] = 1;
	while (top) {
		uint32_t node = stack[--top];
		plan_work++;
		if (ix->latest[node] < (int64_t)first)
			continue;
		/* The node covers positions [lo, lo + width). */
		uint32_t depth = 31 - (uint32_t)__builtin_clz(node);
		uint32_t width = ix->leaves >> depth;
		uint32_t lo = (node - (1u << depth)) * width;
		if (lo >= end)
			continue;
		if (width == 1) {
			out[found++] = ix->by_first[lo];
			continue;
		}
		stack[top++] = 2 * node + 1;
		stack[top++] = 2 * node;
	}
	return found;
}

/* A placed buffer live with the one being placed, ordered as the placed list of the first
 * (quadratic) planner was: by offset, then by the order in which buffers were placed. */
typedef struct live_key {
	uint64_t offset;
	uint32_t order;
	uint32_t index;
} live_key;

static int live_key_cmp(const void *a, const void *b)
{
	const live_key *x = a, *y = b;
	if (x->offset != y->offset)
		return x->offset < y->offset ? -1 : 1;
	return x->order < y->order ? -1 : (x->order > y->order);
}

/* Number of entries of the sorted firsts with first <= step. */
static uint32_t count_first_upto(const first_key *firsts, uint32_t n, uint32_t step)
{
	uint32_t lo = 0, hi = n;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (firsts[mid].first <= step)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The working arrays of eml_plan_place, in one allocation. */
typedef struct place_scratch {
	place_key *keys;
	first_key *firsts;
	uint32_t *by_first, *rank, *order, *found;
	live_key *live;
	int64_t *latest;
	void *mem;
} place_scratch;

static edgeml_status place_scratch_alloc(place_scratch *p, uint32_t n, uint32_t leaves)
{
	size_t bytes = (size_t)n * (sizeof(place_key) + sizeof(first_key) + 4 * sizeof(uint32_t) +
				    sizeof(live_key)) +
		       (size_t)2 * leaves * sizeof(int64_t);
	p->mem = malloc(bytes);
	if (!p->mem)
		return eml_error(EDGEML_ERR_NO_MEMORY, "arena plan: out of memory for %u buffers",
				 n);
	/* Widest elements first, so every array is aligned. */
	p->latest = p->mem;
	p->keys = (place_key *)(p->latest + (size_t)2 * leaves);
	p->live = (live_key *)(p->keys + n);
	p->firsts = (first_key *)(p->live + n);
	p->by_first = (uint32_t *)(p->firsts + n);
	p->rank = p->by_first + n;
	p->order = p->rank + n;
	p->found = p->order + n;
	return EDGEML_OK;
}

/* Greedy by size, best fit among the buffers live at the same time, as described in
 * planner.h. Finding those buffers through the index costs O((k + 1) log n) for k of them,
 * so a chain of n buffers plans in O(n log n), where scanning every placed buffer was
 * O(n^2) (160k chained Relus took 7 s). The offsets are exactly the scan's. */
edgeml_status eml_plan_place(eml_plan_buf *bufs, uint32_t n, uint64_t align, uint64_t *arena_size)
{
	*arena_size = 0;
	plan_work = 0;
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
	if (n > (1u << 30))
		return eml_error(EDGEML_ERR_NO_MEMORY, "arena plan: %u buffers are too many", n);
	live_index ix = { .leaves = 1 };
	while (ix.leaves < n)
		ix.leaves *= 2;
	place_scratch p = { 0 };
	edgeml_status st = place_scratch_alloc(&p, n, ix.leaves);
	if (st != EDGEML_OK)
		return st;
	ix.latest = p.latest;
	ix.by_first = p.by_first;
	ix.rank = p.rank;
	for (uint32_t i = 0; i < 2 * ix.leaves; i++)
		ix.latest[i] = -1;
	for (uint32_t i = 0; i < n; i++) {
		p.keys[i] = (place_key){ bufs[i].size, bufs[i].first, i };
		p.firsts[i] = (first_key){ bufs[i].first, i };
	}
	qsort(p.keys, n, sizeof(*p.keys), place_key_cmp);
	qsort(p.firsts, n, sizeof(*p.firsts), first_key_cmp);
	for (uint32_t r = 0; r < n; r++) {
		ix.by_first[r] = p.firsts[r].index;
		ix.rank[p.firsts[r].index] = r;
	}

	uint64_t end = 0;
	uint32_t stack[64]; /* the query's pending nodes: at most one per tree level, plus one */
	for (uint32_t k = 0; k < n; k++) {
		uint32_t idx = p.keys[k].index;
		eml_plan_buf *b = &bufs[idx];
		uint64_t size = align_up(b->size, align);
		uint32_t upto = count_first_upto(p.firsts, n, b->last);
		uint32_t m = live_query(&ix, upto, b->first, p.found, stack);
		for (uint32_t j = 0; j < m; j++) {
			uint32_t q = p.found[j];
			p.live[j] = (live_key){ bufs[q].offset, p.order[q], q };
		}
		qsort(p.live, m, sizeof(*p.live), live_key_cmp);
		plan_work += m;
		uint64_t prev_end = 0, best = UINT64_MAX, best_gap = UINT64_MAX;
		for (uint32_t j = 0; j < m; j++) {
			const eml_plan_buf *q = &bufs[p.live[j].index];
			if (q->offset >= prev_end) {
				uint64_t gap = q->offset - prev_end;
				if (gap >= size && gap < best_gap) {
					best = prev_end;
					best_gap = gap;
				}
			}
			uint64_t q_end = q->offset + align_up(q->size, align);
			if (q_end > prev_end)
				prev_end = q_end;
		}
		b->offset = best != UINT64_MAX ? best : prev_end;
		if (b->offset + size > end)
			end = b->offset + size;
		p.order[idx] = k;
		live_add(&ix, bufs, idx);
	}
	free(p.mem);
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
