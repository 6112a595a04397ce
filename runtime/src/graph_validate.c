/*
 * graph_validate.c — eml_graph_validate(): the structural rules of graph.h (indices, unique
 * names, single producers, topological order, graph inputs/outputs) and, through
 * eml_op_infer(), that every node's declared outputs are what its op computes.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "graph.h"
#include "ops/ops.h"

#define NO_NODE UINT32_MAX

/* Scratch arrays of one validation, in one allocation. */
struct scratch {
	uint32_t *producer; /* per tensor: the node that outputs it, or NO_NODE */
	uint8_t *listed;    /* per tensor: bit 0 listed as graph input, bit 1 as output */
	uint32_t *names;    /* open-addressing hash set of tensor index + 1, 0 = empty */
	uint32_t name_mask;
};

/* The name of a tensor for messages. */
static const char *tname(const eml_graph *g, uint32_t t)
{
	return g->tensors[t].name ? g->tensors[t].name : "";
}

/* The name of a node for messages. */
static const char *nname(const eml_node *n)
{
	return n->name ? n->name : "";
}

/* Writes "float32[1,3,224,224]" into buf. */
static void format_shape(char *buf, size_t size, uint32_t dtype, uint32_t rank, const int64_t *dims)
{
	int len = snprintf(buf, size, "%s[", edgeml_dtype_name((edgeml_dtype)dtype));
	for (uint32_t k = 0; k < rank && k < EML_MAX_RANK && len > 0 && (size_t)len < size; k++)
		len += snprintf(buf + len, size - (size_t)len, k ? ",%" PRId64 : "%" PRId64,
				dims[k]);
	if (len > 0 && (size_t)len < size)
		snprintf(buf + len, size - (size_t)len, "]");
}

/* FNV-1a: spreads tensor names over the hash set. */
static uint32_t name_hash(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

/* Allocates the scratch arrays for a graph of n tensors. */
static edgeml_status scratch_alloc(struct scratch *sc, uint32_t n, void **mem)
{
	uint64_t cap = 2;
	while (cap < 2 * (uint64_t)n)
		cap *= 2;
	uint64_t bytes = (uint64_t)n * sizeof(uint32_t) + cap * sizeof(uint32_t) + n;
	if (cap > UINT32_MAX || bytes > SIZE_MAX)
		return eml_error(EDGEML_ERR_NO_MEMORY, "graph of %" PRIu32 " tensors is too big",
				 n);
	uint8_t *p = calloc(1, (size_t)bytes);
	if (!p)
		return eml_error(EDGEML_ERR_NO_MEMORY,
				 "cannot allocate %" PRIu64 " bytes to validate the graph", bytes);
	*mem = p;
	sc->producer = (uint32_t *)(void *)p;
	sc->names = (uint32_t *)(void *)(p + (size_t)n * sizeof(uint32_t));
	sc->listed = p + (size_t)n * sizeof(uint32_t) + (size_t)cap * sizeof(uint32_t);
	sc->name_mask = (uint32_t)(cap - 1);
	for (uint32_t t = 0; t < n; t++)
		sc->producer[t] = NO_NODE;
	return EDGEML_OK;
}

/* Checks one tensor on its own: name, dtype, shape, flags, constant data. */
static edgeml_status check_tensor(const eml_graph *g, uint32_t i)
{
	const eml_tensor *t = &g->tensors[i];
	if (!t->name || !t->name[0])
		return eml_error(EDGEML_ERR_FORMAT, "tensor %" PRIu32 " has no name", i);
	if (edgeml_dtype_size((edgeml_dtype)t->dtype) == 0)
		return eml_error(EDGEML_ERR_FORMAT, "tensor '%s': dtype %" PRIu32 " is not known",
				 t->name, t->dtype);
	if (t->rank > EML_MAX_RANK)
		return eml_error(EDGEML_ERR_FORMAT, "tensor '%s': rank %" PRIu32 " is more than %u",
				 t->name, t->rank, EML_MAX_RANK);
	/* As the loader does, zero dims count as 1 in the overflow check, so that ops may take
	 * products of any subset of the dims. */
	uint64_t bound = edgeml_dtype_size((edgeml_dtype)t->dtype);
	int empty = 0;
	for (uint32_t k = 0; k < t->rank; k++) {
		if (t->dims[k] < 0)
			return eml_error(EDGEML_ERR_FORMAT,
					 "tensor '%s': dims[%" PRIu32 "] is %" PRId64 ", negative",
					 t->name, k, t->dims[k]);
		empty |= t->dims[k] == 0;
		if (t->dims[k] != 0 && bound > (uint64_t)INT64_MAX / (uint64_t)t->dims[k])
			return eml_error(EDGEML_ERR_FORMAT, "tensor '%s': byte size overflows",
					 t->name);
		if (t->dims[k] != 0)
			bound *= (uint64_t)t->dims[k];
	}
	uint64_t bytes = empty ? 0 : bound;
	if (t->flags & ~(uint32_t)(EML_TF_CONSTANT | EML_TF_INPUT | EML_TF_OUTPUT))
		return eml_error(EDGEML_ERR_FORMAT, "tensor '%s': unknown flags 0x%" PRIx32,
				 t->name, t->flags);
	if ((t->flags & EML_TF_CONSTANT) && (t->flags & EML_TF_INPUT))
		return eml_error(EDGEML_ERR_FORMAT,
				 "tensor '%s' is both a constant and a graph input", t->name);
	if (t->flags & EML_TF_CONSTANT) {
		if (!t->data || t->data_size != bytes)
			return eml_error(EDGEML_ERR_FORMAT,
					 "constant '%s' has %" PRIu64 " bytes of data%s; its shape "
					 "needs %" PRIu64,
					 t->name, t->data_size, t->data ? "" : " (none)", bytes);
	} else if (t->data) {
		return eml_error(EDGEML_ERR_FORMAT,
				 "tensor '%s' has data but is not flagged constant", t->name);
	}
	return EDGEML_OK;
}

/* Adds tensor i's name to the hash set; a name seen before is an error. */
static edgeml_status check_unique_name(const eml_graph *g, struct scratch *sc, uint32_t i)
{
	const char *name = g->tensors[i].name;
	for (uint32_t h = name_hash(name) & sc->name_mask;; h = (h + 1) & sc->name_mask) {
		uint32_t other = sc->names[h];
		if (other == 0) {
			sc->names[h] = i + 1;
			return EDGEML_OK;
		}
		if (strcmp(g->tensors[other - 1].name, name) == 0)
			return eml_error(EDGEML_ERR_FORMAT,
					 "tensors %" PRIu32 " and %" PRIu32
					 " have the same name '%s'",
					 other - 1, i, name);
	}
}

/* Checks the graph input (which = 0) or output (which = 1) list against the tensor flags. */
static edgeml_status check_io_list(const eml_graph *g, struct scratch *sc, int which)
{
	const char *what = which ? "output" : "input";
	uint32_t n = which ? g->n_outputs : g->n_inputs;
	const uint32_t *list = which ? g->outputs : g->inputs;
	uint32_t flag = which ? EML_TF_OUTPUT : EML_TF_INPUT;
	uint8_t bit = (uint8_t)(1u << which);
	for (uint32_t k = 0; k < n; k++) {
		uint32_t t = list[k];
		if (t >= g->n_tensors)
			return eml_error(EDGEML_ERR_FORMAT,
					 "graph %s %" PRIu32 " is tensor %" PRIu32
					 ", but there are %" PRIu32 " tensors",
					 what, k, t, g->n_tensors);
		const eml_tensor *d = &g->tensors[t];
		if (!(d->flags & flag))
			return eml_error(EDGEML_ERR_FORMAT,
					 "graph %s %" PRIu32 " '%s' is not flagged as a graph %s",
					 what, k, d->name, what);
		if (sc->listed[t] & bit)
			return eml_error(EDGEML_ERR_FORMAT,
					 "tensor '%s' is listed twice as a graph %s", d->name,
					 what);
		sc->listed[t] |= bit;
		if (d->flags & (EML_TF_CONSTANT | (which ? EML_TF_INPUT : 0)))
			return eml_error(
				EDGEML_ERR_FORMAT, "graph %s '%s' is a %s; graph %ss must be %s",
				what, d->name,
				(d->flags & EML_TF_CONSTANT) ? "constant" : "graph input", what,
				which ? "computed by a node" : "supplied at run time");
	}
	for (uint32_t t = 0; t < g->n_tensors; t++)
		if ((g->tensors[t].flags & flag) && !(sc->listed[t] & bit))
			return eml_error(
				EDGEML_ERR_FORMAT,
				"tensor '%s' is flagged as a graph %s but is not in the list of "
				"graph %ss",
				tname(g, t), what, what);
	return EDGEML_OK;
}

/* Records which node produces each tensor; a tensor produced twice, or a constant or graph
 * input that a node writes, is an error. */
static edgeml_status find_producers(const eml_graph *g, struct scratch *sc)
{
	for (uint32_t i = 0; i < g->n_nodes; i++) {
		const eml_node *n = &g->nodes[i];
		if (!eml_op_name(n->op))
			return eml_error(EDGEML_ERR_FORMAT,
					 "node %" PRIu32 " '%s': op %" PRIu32 " is not known", i,
					 nname(n), n->op);
		for (uint32_t k = 0; k < n->n_outputs; k++) {
			uint32_t t = n->outputs[k];
			if (t == EML_NO_TENSOR)
				continue;
			if (t >= g->n_tensors)
				return eml_error(EDGEML_ERR_FORMAT,
						 "node %" PRIu32 " '%s': output %" PRIu32
						 " is tensor %" PRIu32 ", but there are %" PRIu32
						 " tensors",
						 i, nname(n), k, t, g->n_tensors);
			if (g->tensors[t].flags & (EML_TF_CONSTANT | EML_TF_INPUT))
				return eml_error(EDGEML_ERR_FORMAT,
						 "node %" PRIu32 " '%s': output %" PRIu32
						 " '%s' is a constant or graph input",
						 i, nname(n), k, tname(g, t));
			if (sc->producer[t] != NO_NODE)
				return eml_error(EDGEML_ERR_FORMAT,
						 "tensor '%s' is produced twice: by node %" PRIu32
						 " '%s' and node %" PRIu32 " '%s'",
						 tname(g, t), sc->producer[t],
						 nname(&g->nodes[sc->producer[t]]), i, nname(n));
			sc->producer[t] = i;
		}
	}
	for (uint32_t t = 0; t < g->n_tensors; t++)
		if (!(g->tensors[t].flags & (EML_TF_CONSTANT | EML_TF_INPUT)) &&
		    sc->producer[t] == NO_NODE)
			return eml_error(EDGEML_ERR_FORMAT,
					 "tensor '%s' is neither a constant, a graph input nor the "
					 "output of a node",
					 tname(g, t));
	return EDGEML_OK;
}

/* Checks that every input of node i is available before it (topological order). */
static edgeml_status check_inputs_ready(const eml_graph *g, const struct scratch *sc, uint32_t i)
{
	const eml_node *n = &g->nodes[i];
	for (uint32_t k = 0; k < n->n_inputs; k++) {
		uint32_t t = n->inputs[k];
		if (t == EML_NO_TENSOR)
			continue;
		if (t >= g->n_tensors)
			return eml_error(EDGEML_ERR_FORMAT,
					 "node %" PRIu32 " '%s': input %" PRIu32
					 " is tensor %" PRIu32 ", but there are %" PRIu32
					 " tensors",
					 i, nname(n), k, t, g->n_tensors);
		uint32_t p = sc->producer[t];
		if (p != NO_NODE && p >= i)
			return eml_error(
				EDGEML_ERR_FORMAT,
				"node %" PRIu32 " '%s': input %" PRIu32 " '%s' is produced by "
				"%s node %" PRIu32 " '%s' (nodes must be in topological order, "
				"without cycles)",
				i, nname(n), k, tname(g, t), p == i ? "the same" : "the later", p,
				nname(&g->nodes[p]));
	}
	return EDGEML_OK;
}

/* Runs the op's inference on node i and compares the result with its declared outputs; in
 * and out have room for the widest node and at least the EML_INFER_MIN_*_SLOTS of ops.h. Only
 * the node's own slots plus that minimum are filled, keeping the work linear. */
static edgeml_status check_node_shapes(const eml_graph *g, uint32_t i, const eml_tensor **in,
				       eml_tensor *out)
{
	const eml_node *n = &g->nodes[i];
	uint32_t n_in = n->n_inputs > EML_INFER_MIN_IN_SLOTS ? n->n_inputs : EML_INFER_MIN_IN_SLOTS;
	uint32_t n_out =
		n->n_outputs > EML_INFER_MIN_OUT_SLOTS ? n->n_outputs : EML_INFER_MIN_OUT_SLOTS;
	for (uint32_t k = 0; k < n_in; k++)
		in[k] = k >= n->n_inputs || n->inputs[k] == EML_NO_TENSOR
				? NULL
				: &g->tensors[n->inputs[k]];
	for (uint32_t k = 0; k < n_out; k++) {
		if (k >= n->n_outputs || n->outputs[k] == EML_NO_TENSOR)
			memset(&out[k], 0, sizeof(out[k]));
		else
			out[k] = g->tensors[n->outputs[k]];
	}
	edgeml_status st = eml_op_infer(n, in, out);
	if (st != EDGEML_OK)
		return st;
	for (uint32_t k = 0; k < n->n_outputs; k++) {
		if (n->outputs[k] == EML_NO_TENSOR)
			continue;
		const eml_tensor *d = &g->tensors[n->outputs[k]];
		const eml_tensor *o = &out[k];
		int same = d->dtype == o->dtype && d->rank == o->rank && o->rank <= EML_MAX_RANK;
		for (uint32_t j = 0; same && j < d->rank; j++)
			same = d->dims[j] == o->dims[j];
		if (same)
			continue;
		char want[160], got[160];
		format_shape(want, sizeof(want), d->dtype, d->rank, d->dims);
		format_shape(got, sizeof(got), o->dtype, o->rank, o->dims);
		return eml_error(EDGEML_ERR_SHAPE,
				 "node %" PRIu32 " '%s' (%s): output %" PRIu32
				 " '%s' is declared %s but the op computes %s",
				 i, nname(n), eml_op_name(n->op), k, d->name, want, got);
	}
	return EDGEML_OK;
}

/* Runs shape inference over all nodes with descriptor arrays sized for the widest node. */
static edgeml_status check_shapes(const eml_graph *g)
{
	uint32_t max_in = EML_INFER_MIN_IN_SLOTS, max_out = EML_INFER_MIN_OUT_SLOTS;
	for (uint32_t i = 0; i < g->n_nodes; i++) {
		if (g->nodes[i].n_inputs > max_in)
			max_in = g->nodes[i].n_inputs;
		if (g->nodes[i].n_outputs > max_out)
			max_out = g->nodes[i].n_outputs;
	}
	const eml_tensor **in = calloc(max_in, sizeof(*in));
	eml_tensor *out = calloc(max_out, sizeof(*out));
	edgeml_status st = EDGEML_OK;
	if (!in || !out)
		st = eml_error(EDGEML_ERR_NO_MEMORY,
			       "cannot allocate descriptors for %" PRIu32 " inputs and %" PRIu32
			       " outputs",
			       max_in, max_out);
	for (uint32_t i = 0; st == EDGEML_OK && i < g->n_nodes; i++)
		st = check_node_shapes(g, i, in, out);
	free(in);
	free(out);
	return st;
}

edgeml_status eml_graph_validate(const eml_graph *g)
{
	if (!g)
		return eml_error(EDGEML_ERR_INVALID_ARGUMENT, "graph must not be NULL");
	if (g->n_tensors >= EML_NO_TENSOR)
		return eml_error(EDGEML_ERR_FORMAT, "graph has too many tensors (%" PRIu32 ")",
				 g->n_tensors);
	struct scratch sc;
	void *mem = NULL;
	edgeml_status st = scratch_alloc(&sc, g->n_tensors, &mem);
	for (uint32_t i = 0; st == EDGEML_OK && i < g->n_tensors; i++) {
		st = check_tensor(g, i);
		if (st == EDGEML_OK)
			st = check_unique_name(g, &sc, i);
	}
	if (st == EDGEML_OK)
		st = check_io_list(g, &sc, 0);
	if (st == EDGEML_OK)
		st = check_io_list(g, &sc, 1);
	if (st == EDGEML_OK)
		st = find_producers(g, &sc);
	for (uint32_t i = 0; st == EDGEML_OK && i < g->n_nodes; i++)
		st = check_inputs_ready(g, &sc, i);
	free(mem);
	if (st == EDGEML_OK)
		st = check_shapes(g);
	return st;
}
