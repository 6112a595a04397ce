/* planner.c — liveness of a graph's intermediate tensors and their placement in one arena. */
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

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

/* The placed buffers in the order the gap search walks them, by offset and then by the
 * order they were placed in: a treap (a search tree kept balanced by random priorities)
 * whose every node also holds the earliest first step and the latest last step of its
 * subtree. A walk for a buffer live in [first, last] skips every subtree whose steps cannot
 * meet it, so it visits about the buffers live at the same time and the paths to them,
 * instead of every placed buffer. Nodes are buffer indices; NIL is none. */
#define NIL UINT32_MAX

typedef struct placed_tree {
	const eml_plan_buf *bufs;
	uint64_t align;
	uint32_t seed; /* of the priorities */
	uint32_t *left, *right, *order; /* order: when each buffer was placed */
	/* Over the subtree: the steps its buffers span and share, the offset of its first
	 * buffer in walk order, the end of its highest, and a bound on its largest hole (bytes
	 * between buffers that none of them covers). */
	uint32_t *min_first, *max_last, *max_first, *min_last;
	uint64_t *min_off, *max_end, *max_hole;
	uint32_t root;
} placed_tree;

/* The treap priority of node i: a hash of i and a seed drawn per plan, so that no graph can
 * be built to make the tree degenerate. Priorities shape the tree, never the walk order, so
 * plans do not depend on them. */
static uint32_t priority(const placed_tree *t, uint32_t i)
{
	uint32_t x = (i ^ t->seed) * 0x9e3779b9u;
	x ^= x >> 16;
	x *= 0x85ebca6bu;
	x ^= x >> 13;
	return x;
}

/* The union of buffers added in walk order: its end and (a bound on) its largest hole. */
typedef struct span {
	int any;
	uint64_t end, hole;
} span;

/* Adds a run of buffers starting at offset, ending at end, with holes up to hole inside. */
static void span_add(span *s, uint64_t offset, uint64_t end, uint64_t hole)
{
	if (!s->any) {
		*s = (span){ 1, end, hole };
		return;
	}
	if (offset > s->end && offset - s->end > s->hole)
		s->hole = offset - s->end;
	if (hole > s->hole)
		s->hole = hole; /* holes inside only shrink under a higher end: a bound */
	if (end > s->end)
		s->end = end;
}

/* Recomputes node i's subtree summary from its children. */
static void tree_update(placed_tree *t, uint32_t i)
{
	const eml_plan_buf *b = &t->bufs[i];
	uint32_t l = t->left[i], r = t->right[i];
	uint32_t lo = b->first, hi = b->last, lo_last = b->last, hi_first = b->first;
	span s = { 0, 0, 0 };
	if (l != NIL)
		span_add(&s, t->min_off[l], t->max_end[l], t->max_hole[l]);
	span_add(&s, b->offset, b->offset + align_up(b->size, t->align), 0);
	if (r != NIL)
		span_add(&s, t->min_off[r], t->max_end[r], t->max_hole[r]);
	for (int side = 0; side < 2; side++) {
		uint32_t c = side ? r : l;
		if (c == NIL)
			continue;
		lo = t->min_first[c] < lo ? t->min_first[c] : lo;
		hi = t->max_last[c] > hi ? t->max_last[c] : hi;
		lo_last = t->min_last[c] < lo_last ? t->min_last[c] : lo_last;
		hi_first = t->max_first[c] > hi_first ? t->max_first[c] : hi_first;
	}
	t->min_first[i] = lo;
	t->max_last[i] = hi;
	t->min_last[i] = lo_last;
	t->max_first[i] = hi_first;
	t->min_off[i] = l != NIL ? t->min_off[l] : b->offset;
	t->max_end[i] = s.end;
	t->max_hole[i] = s.hole;
}

/* True when node a comes before node b in the walk. */
static int tree_before(const placed_tree *t, uint32_t a, uint32_t b)
{
	if (t->bufs[a].offset != t->bufs[b].offset)
		return t->bufs[a].offset < t->bufs[b].offset;
	return t->order[a] < t->order[b];
}

/* Inserts node i (its order set) into the subtree at root; returns the new subtree root.
 * Recursion depth is the treap's height, O(log n) expected. */
static uint32_t tree_insert(placed_tree *t, uint32_t root, uint32_t i)
{
	plan_work++;
	if (root == NIL) {
		t->left[i] = t->right[i] = NIL;
		tree_update(t, i);
		return i;
	}
	if (tree_before(t, i, root)) {
		t->left[root] = tree_insert(t, t->left[root], i);
		if (priority(t, t->left[root]) > priority(t, root)) {
			uint32_t l = t->left[root];
			t->left[root] = t->right[l];
			t->right[l] = root;
			tree_update(t, root);
			tree_update(t, l);
			return l;
		}
	} else {
		t->right[root] = tree_insert(t, t->right[root], i);
		if (priority(t, t->right[root]) > priority(t, root)) {
			uint32_t r = t->right[root];
			t->right[root] = t->left[r];
			t->left[r] = root;
			tree_update(t, root);
			tree_update(t, r);
			return r;
		}
	}
	tree_update(t, root);
	return root;
}

/* The best-fit search over the placed buffers live with the one being placed, in walk
 * order, exactly as a scan of all placed buffers sorted by offset would do it. */
typedef struct gap_search {
	uint32_t first, last; /* steps of the buffer being placed */
	uint64_t size;
	uint64_t page; /* 0, or the size whose multiples the buffer may not straddle */
	uint64_t prev_end, best, best_gap;
} gap_search;

/* Where a buffer of g->size bytes goes at or above at: at, or the next multiple of the page
 * when it would straddle one there. A buffer larger than the page straddles anyway. */
static uint64_t page_fit(const gap_search *g, uint64_t at)
{
	if (!g->page || !g->size || g->size > g->page ||
	    at / g->page == (at + g->size - 1) / g->page)
		return at;
	return (at / g->page + 1) * g->page;
}

/* One run of live buffers, from offset to end, seen by the search. */
static void gap_visit(gap_search *g, uint64_t offset, uint64_t end)
{
	uint64_t at = page_fit(g, g->prev_end);
	if (offset >= at) {
		uint64_t gap = offset - at;
		if (gap >= g->size && gap < g->best_gap) {
			g->best = at;
			g->best_gap = gap;
		}
	}
	if (end > g->prev_end)
		g->prev_end = end;
}

/* Walks the subtree at node: skips it when none of its buffers is live with the one being
 * placed, takes it whole when all are and no hole inside could hold it (then only its first
 * offset and its end matter), and descends otherwise. */
static void tree_walk(const placed_tree *t, uint32_t node, gap_search *g)
{
	while (node != NIL) {
		plan_work++;
		if (t->min_first[node] > g->last || t->max_last[node] < g->first)
			return;
		if (t->max_first[node] <= g->last && t->min_last[node] >= g->first &&
		    t->max_hole[node] < g->size) {
			gap_visit(g, t->min_off[node], t->max_end[node]);
			return;
		}
		tree_walk(t, t->left[node], g);
		const eml_plan_buf *p = &t->bufs[node];
		if (p->first <= g->last && p->last >= g->first)
			gap_visit(g, p->offset, p->offset + align_up(p->size, t->align));
		node = t->right[node]; /* the right subtree iteratively: less stack */
	}
}

/* Greedy by size, best fit among the buffers live at the same time, as described in
 * planner.h. The placed buffers are kept in a treap (see placed_tree), so finding those live
 * with a new one costs about O(log n) per buffer found: a chain of n buffers plans in
 * O(n log n), where scanning every placed buffer was O(n^2) (160k chained Relus took 7 s).
 * The offsets are exactly the scan's. */
edgeml_status eml_plan_place(eml_plan_buf *bufs, uint32_t n, uint64_t align, uint64_t page,
			     uint64_t *arena_size)
{
	*arena_size = 0;
	plan_work = 0;
	if (n == 0)
		return EDGEML_OK;
	/* With the aligned sizes' sum in range, every offset + size below is too: a buffer
	 * goes in a gap or just above the others, so the arena never exceeds the sum (with
	 * pages: the sum plus a page per buffer, what skipping to the next page may leave). */
	uint64_t total = 0;
	for (uint32_t i = 0; i < n; i++) {
		if (bufs[i].size > UINT64_MAX - align ||
		    align_up(bufs[i].size, align) > UINT64_MAX - total ||
		    page > UINT64_MAX - total - align_up(bufs[i].size, align))
			return eml_error(EDGEML_ERR_NO_MEMORY,
					 "arena plan: tensor sizes overflow 64 bits");
		total += align_up(bufs[i].size, align) + page;
	}
	place_key *keys = malloc((size_t)n * sizeof(*keys));
	/* Seven uint32 and three uint64 arrays of n, the wider ones first. */
	void *nodes = malloc((size_t)n * (7 * sizeof(uint32_t) + 3 * sizeof(uint64_t)));
	if (!keys || !nodes) {
		free(keys);
		free(nodes);
		return eml_error(EDGEML_ERR_NO_MEMORY, "arena plan: out of memory for %u buffers",
				 n);
	}
	uint64_t *wide = nodes;
	uint32_t *narrow = (uint32_t *)(wide + 3 * (size_t)n);
	placed_tree t = { .bufs = bufs,
			  .align = align,
			  .min_off = wide,
			  .max_end = wide + n,
			  .max_hole = wide + 2 * (size_t)n,
			  .left = narrow,
			  .right = narrow + n,
			  .order = narrow + 2 * (size_t)n,
			  .min_first = narrow + 3 * (size_t)n,
			  .max_last = narrow + 4 * (size_t)n,
			  .max_first = narrow + 5 * (size_t)n,
			  .min_last = narrow + 6 * (size_t)n,
			  .root = NIL };
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	t.seed = (uint32_t)now.tv_nsec ^ (uint32_t)(uintptr_t)&now;
	for (uint32_t i = 0; i < n; i++)
		keys[i] = (place_key){ bufs[i].size, bufs[i].first, i };
	qsort(keys, n, sizeof(*keys), place_key_cmp);

	uint64_t end = 0;
	for (uint32_t k = 0; k < n; k++) {
		uint32_t idx = keys[k].index;
		eml_plan_buf *b = &bufs[idx];
		gap_search g = { .first = b->first,
				 .last = b->last,
				 .size = align_up(b->size, align),
				 .page = page,
				 .best = UINT64_MAX,
				 .best_gap = UINT64_MAX };
		tree_walk(&t, t.root, &g);
		b->offset = g.best != UINT64_MAX ? g.best : page_fit(&g, g.prev_end);
		if (b->offset + g.size > end)
			end = b->offset + g.size;
		t.order[idx] = k;
		t.root = tree_insert(&t, t.root, idx);
	}
	free(keys);
	free(nodes);
	*arena_size = end;
	return EDGEML_OK;
}

/* True for ops whose output is their first input's bytes unchanged (C order). */
static int op_is_view(uint32_t op)
{
	return op == EML_OP_Reshape || op == EML_OP_Flatten || op == EML_OP_Squeeze ||
	       op == EML_OP_Unsqueeze || op == EML_OP_Identity;
}

edgeml_status eml_plan_io_bytes(const eml_graph *g, uint64_t arena_size, uint64_t limit,
				uint64_t *io)
{
	*io = 0;
	for (uint32_t t = 0; t < g->n_tensors; t++) {
		const eml_tensor *d = &g->tensors[t];
		const char *name = d->name ? d->name : "";
		if (!(d->flags & (EML_TF_INPUT | EML_TF_OUTPUT)))
			continue;
		if ((d->flags & EML_TF_CONSTANT) && (d->flags & EML_TF_INPUT))
			return eml_error(EDGEML_ERR_FORMAT,
					 "tensor '%s' is both a constant and a graph input", name);
		uint64_t size;
		edgeml_status st = eml_plan_tensor_size(d, &size);
		if (st != EDGEML_OK)
			return st;
		if (size > limit)
			return eml_error(EDGEML_ERR_NO_MEMORY,
					 "tensor '%s' needs %llu bytes, more than the %llu a session "
					 "may use",
					 name, (unsigned long long)size, (unsigned long long)limit);
		*io += eml_plan_round_up(size); /* n_tensors * (limit + 63): no overflow */
	}
	if (*io > limit || arena_size > limit - *io)
		return eml_error(EDGEML_ERR_NO_MEMORY,
				 "the model needs %llu bytes of activations and %llu of inputs and "
				 "outputs, more than the %llu a session may use",
				 (unsigned long long)arena_size, (unsigned long long)*io,
				 (unsigned long long)limit);
	return EDGEML_OK;
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
static edgeml_status plan_with(const eml_graph *g, uint64_t page, plan_scratch *s,
			       eml_arena_plan *plan)
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
	st = eml_plan_place(s->bufs, n, EML_PLAN_ALIGN, page, &plan->arena_size);
	if (st != EDGEML_OK)
		return st;
	for (uint32_t t = 0; t < g->n_tensors; t++)
		plan->offsets[t] = is_planned(g, s->producer, t)
					   ? s->bufs[s->buf_of[s->root[t]]].offset
					   : EML_PLAN_NONE;
	return EDGEML_OK;
}

edgeml_status eml_plan_graph(const eml_graph *graph, uint64_t page, eml_arena_plan *plan)
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
		st = plan_with(graph, page, &s, plan);
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
