/* scheduler.c — partitions a graph across the chosen device and the CPU (scheduler.h). */
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "scheduler.h"

uint32_t eml_schedule_part_with(const eml_schedule *s, uint32_t t, uint32_t flag)
{
	for (uint32_t p = 0; p < s->n_parts; p++)
		if (s->parts[p].graph.tensors[t].flags & flag)
			return p;
	return s->n_parts;
}

void eml_schedule_free(eml_schedule *s)
{
	for (uint32_t p = 0; p < s->n_parts; p++) {
		eml_part *part = &s->parts[p];
		if (part->state)
			part->backend->destroy(part->state);
		free(part->tensors);
		free(part->io);
	}
	free(s->parts);
	free(s->transfers);
	s->parts = NULL;
	s->transfers = NULL;
	s->n_parts = s->n_transfers = 0;
}

/* Which backend runs each node: the chosen one, or, with EDGEML_SESSION_CPU_FALLBACK, the CPU
 * for the nodes the device cannot run and the CPU can. Returns whether any node is not on
 * the chosen backend. */
static int assign_nodes(const eml_graph *g, const eml_backend *backend,
			const edgeml_session_options *dev_opts, const eml_backend **assign)
{
	int split = 0;
	for (uint32_t i = 0; i < g->n_nodes; i++) {
		assign[i] = backend;
		if (!(dev_opts->flags & EDGEML_SESSION_CPU_FALLBACK) ||
		    backend == &eml_cpu_backend || !backend->supports_node || backend->supports_node(g, i, dev_opts) ||
		    !eml_cpu_backend.supports_node(g, i, NULL))
			continue;
		assign[i] = &eml_cpu_backend;
		split = 1;
	}
	return split;
}

/* The bytes a run would copy between the partitions that assign makes (as plan_transfers
 * lists them): each non-constant tensor once for every partition that reads it other than
 * the one making it (or, for a graph input, the first reading it). scratch holds 3 words
 * per tensor and one per node. */
static uint64_t transfer_bytes(const eml_graph *g, const eml_backend *const *assign,
			       uint32_t *scratch)
{
	uint32_t *made = scratch, *seen = scratch + g->n_tensors, *home = seen + g->n_tensors;
	uint32_t *part = home + g->n_tensors;
	uint64_t bytes = 0;
	for (uint32_t t = 0; t < g->n_tensors; t++)
		made[t] = seen[t] = home[t] = UINT32_MAX;
	for (uint32_t i = 0; i < g->n_nodes; i++) {
		part[i] = i == 0 ? 0 : part[i - 1] + (assign[i] != assign[i - 1]);
		const eml_node *node = &g->nodes[i];
		for (uint32_t k = 0; k < node->n_outputs; k++)
			if (node->outputs[k] < g->n_tensors)
				made[node->outputs[k]] = part[i];
	}
	for (uint32_t i = 0; i < g->n_nodes; i++) {
		const eml_node *node = &g->nodes[i];
		for (uint32_t k = 0; k < node->n_inputs; k++) {
			uint32_t t = node->inputs[k], p = part[i];
			if (t >= g->n_tensors || (g->tensors[t].flags & EML_TF_CONSTANT) ||
			    seen[t] == p)
				continue;
			seen[t] = p;
			if (made[t] == UINT32_MAX && home[t] == UINT32_MAX)
				home[t] = p;
			else if (made[t] != p && home[t] != p)
				bytes += eml_tensor_bytes(&g->tensors[t]);
		}
	}
	return bytes;
}

/* The cost rule: a run of device nodes between two CPU partitions that does no
 * multiply-accumulates (element-wise, data movement, normalisation) is memory-bound work
 * about the size of the copies it causes, and it also costs the device a submit and a wait:
 * it runs on the CPU when that copies fewer bytes. Runs that do MACs stay on the device
 * (without a measured device speed there is no fair trade), and so do runs at the graph's
 * ends, where the inputs or outputs live on the device. */
static void cheap_islands_to_cpu(const eml_graph *g, const eml_backend *backend,
				 const eml_backend **assign, uint32_t *scratch)
{
	for (uint32_t a = 1; a < g->n_nodes; a++) {
		if (assign[a] != backend || assign[a - 1] != &eml_cpu_backend)
			continue;
		uint32_t b = a;
		int cheap = 1;
		for (; b < g->n_nodes && assign[b] == backend; b++) {
			int conv1x1;
			cheap &= eml_node_macs(g, &g->nodes[b], &conv1x1) == 0 &&
				 eml_cpu_backend.supports_node(g, b, NULL);
		}
		if (!cheap || b == g->n_nodes)
			continue;
		uint64_t before = transfer_bytes(g, assign, scratch);
		for (uint32_t i = a; i < b; i++)
			assign[i] = &eml_cpu_backend;
		if (transfer_bytes(g, assign, scratch) >= before)
			for (uint32_t i = a; i < b; i++)
				assign[i] = backend;
		a = b;
	}
}

/* Per tensor, where the partitions meet it (UINT32_MAX: none). */
typedef struct part_use {
	uint32_t made;	/* the partition whose node makes it */
	uint32_t first; /* the first partition reading it */
	uint32_t last;	/* the last partition reading it */
	uint32_t home;	/* the partition holding a graph input, or an output no node makes */
} part_use;

/* Fills use from the partitions' node ranges. */
static void find_uses(const eml_graph *g, const eml_part *parts, uint32_t n_parts, part_use *use)
{
	for (uint32_t t = 0; t < g->n_tensors; t++)
		use[t] = (part_use){ UINT32_MAX, UINT32_MAX, UINT32_MAX, UINT32_MAX };
	for (uint32_t p = 0; p < n_parts; p++)
		for (uint32_t i = 0; i < parts[p].graph.n_nodes; i++) {
			const eml_node *node = &g->nodes[parts[p].first + i];
			for (uint32_t k = 0; k < node->n_inputs; k++) {
				uint32_t t = node->inputs[k];
				if (t == EML_NO_TENSOR || t >= g->n_tensors)
					continue;
				if (use[t].first == UINT32_MAX)
					use[t].first = p;
				use[t].last = p;
			}
			for (uint32_t k = 0; k < node->n_outputs; k++)
				if (node->outputs[k] < g->n_tensors)
					use[node->outputs[k]].made = p;
		}
	/* A graph input lives in the first partition reading it (the first of all when none
	 * does); an output no node makes (a constant, or an input passed through) in the
	 * partition of that input, or the first. */
	for (uint32_t i = 0; i < g->n_inputs; i++) {
		uint32_t t = g->inputs[i];
		if (t < g->n_tensors)
			use[t].home = use[t].first == UINT32_MAX ? 0 : use[t].first;
	}
	for (uint32_t i = 0; i < g->n_outputs; i++) {
		uint32_t t = g->outputs[i];
		if (t < g->n_tensors && use[t].made == UINT32_MAX && use[t].home == UINT32_MAX)
			use[t].home = 0;
	}
}

/* Makes partition p's graph: its nodes (the model's, in place), the model's tensors with
 * flags of its own: inputs are graph inputs it holds and non-constant tensors it reads but
 * another partition makes; outputs are graph outputs it makes or holds and tensors a later
 * partition reads. */
static edgeml_status make_subgraph(const eml_graph *g, eml_part *part, uint32_t p,
				   const part_use *use)
{
	const uint32_t io_flags = EML_TF_INPUT | EML_TF_OUTPUT;
	part->tensors = malloc((g->n_tensors ? g->n_tensors : 1) * sizeof(*part->tensors));
	part->io = malloc((2 * (size_t)g->n_tensors + 1) * sizeof(*part->io));
	if (!part->tensors || !part->io)
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for a partition");
	memcpy(part->tensors, g->tensors, g->n_tensors * sizeof(*part->tensors));
	uint32_t n_in = 0, n_out = 0;
	for (uint32_t t = 0; t < g->n_tensors; t++) {
		eml_tensor *d = &part->tensors[t];
		uint32_t was = g->tensors[t].flags;
		d->flags = was & ~io_flags;
		if (use[t].home == p && (was & EML_TF_INPUT))
			d->flags |= EML_TF_INPUT;
		if ((use[t].made == p || use[t].home == p) && (was & EML_TF_OUTPUT))
			d->flags |= EML_TF_OUTPUT;
		if (use[t].made == p && use[t].last != UINT32_MAX && use[t].last > p)
			d->flags |= EML_TF_OUTPUT;
	}
	for (uint32_t i = 0; i < part->graph.n_nodes; i++) {
		const eml_node *node = &g->nodes[part->first + i];
		for (uint32_t k = 0; k < node->n_inputs; k++) {
			uint32_t t = node->inputs[k];
			if (t == EML_NO_TENSOR || t >= g->n_tensors || use[t].made == p ||
			    (g->tensors[t].flags & EML_TF_CONSTANT))
				continue;
			part->tensors[t].flags |= EML_TF_INPUT;
		}
	}
	for (uint32_t t = 0; t < g->n_tensors; t++)
		if (part->tensors[t].flags & EML_TF_INPUT)
			part->io[n_in++] = t;
	for (uint32_t t = 0; t < g->n_tensors; t++)
		if (part->tensors[t].flags & EML_TF_OUTPUT)
			part->io[n_in + n_out++] = t;
	part->graph.n_tensors = g->n_tensors;
	part->graph.tensors = part->tensors;
	part->graph.nodes = g->nodes + part->first;
	part->graph.n_inputs = n_in;
	part->graph.inputs = part->io;
	part->graph.n_outputs = n_out;
	part->graph.outputs = part->io + n_in;
	return EDGEML_OK;
}

/* Lists the copies each run makes: every input of a partition that it does not hold, from
 * the partition that makes it, or holds it (a graph input read by several partitions). */
static edgeml_status plan_transfers(eml_schedule *s, const eml_graph *g, const part_use *use)
{
	uint32_t n = 0;
	for (uint32_t p = 0; p < s->n_parts; p++)
		n += s->parts[p].graph.n_inputs;
	s->transfers = calloc(n ? n : 1, sizeof(*s->transfers));
	if (!s->transfers)
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for a partition");
	for (uint32_t p = 0; p < s->n_parts; p++) {
		const eml_part *part = &s->parts[p];
		for (uint32_t i = 0; i < part->graph.n_inputs; i++) {
			uint32_t t = part->graph.inputs[i];
			uint32_t from = use[t].made != UINT32_MAX ? use[t].made : use[t].home;
			if (from == p || from >= s->n_parts)
				continue;
			const eml_part *src = &s->parts[from];
			eml_transfer *x = &s->transfers[s->n_transfers++];
			*x = (eml_transfer){ .tensor = t,
					     .part = p,
					     .node = part->first,
					     .input = -1,
					     .src = src->backend->io_data(src->state, t),
					     .dst = part->backend->io_data(part->state, t),
					     .bytes = eml_tensor_bytes(&g->tensors[t]) };
			for (uint32_t k = 0; k < g->n_inputs; k++)
				if (g->inputs[k] == t)
					x->input = (int32_t)k;
			for (uint32_t j = part->graph.n_nodes; j-- > 0;) {
				const eml_node *node = &part->graph.nodes[j];
				for (uint32_t k = 0; k < node->n_inputs; k++)
					if (node->inputs[k] == t)
						x->node = part->first + j;
			}
			if ((!x->src || !x->dst) && x->bytes)
				return eml_error(EDGEML_ERR_BACKEND,
						 "tensor '%s' between partitions has no memory",
						 g->tensors[t].name ? g->tensors[t].name : "");
		}
	}
	return EDGEML_OK;
}

edgeml_status eml_schedule_prepare(const eml_graph *g, const eml_backend *backend,
				   const edgeml_session_options *dev_opts,
				   const edgeml_session_options *opts, eml_schedule *s)
{
	*s = (eml_schedule){ 0 };
	const eml_backend **assign = malloc((g->n_nodes ? g->n_nodes : 1) * sizeof(*assign));
	part_use *use = NULL;
	if (!assign)
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for a session");
	uint32_t n = 1;
	if (assign_nodes(g, backend, dev_opts, assign)) {
		uint32_t *scratch =
			malloc(((size_t)3 * g->n_tensors + g->n_nodes + 1) * sizeof(*scratch));
		if (!scratch) {
			free(assign);
			return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for a session");
		}
		cheap_islands_to_cpu(g, backend, assign, scratch);
		free(scratch);
		for (uint32_t i = 1; i < g->n_nodes; i++)
			n += assign[i] != assign[i - 1];
	}
	s->parts = calloc(n, sizeof(*s->parts));
	edgeml_status st = s->parts ? EDGEML_OK :
				      eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for a session");
	if (st == EDGEML_OK && n == 1) {
		/* One backend runs every node: the chosen one, or the CPU for all of them. */
		const eml_backend *only = g->n_nodes ? assign[0] : backend;
		s->n_parts = 1;
		s->main = 0;
		s->parts[0] = (eml_part){ .backend = only, .graph = *g };
		st = only->prepare(g, only == backend ? dev_opts : opts, &s->parts[0].state);
		free(assign);
		return st;
	}
	for (uint32_t i = 0; st == EDGEML_OK && i < g->n_nodes; i++) {
		if (i && assign[i] == assign[i - 1]) {
			s->parts[s->n_parts - 1].graph.n_nodes++;
			continue;
		}
		s->parts[s->n_parts++] = (eml_part){ .backend = assign[i],
						     .graph.n_nodes = 1,
						     .first = i };
	}
	use = st == EDGEML_OK ? malloc((g->n_tensors ? g->n_tensors : 1) * sizeof(*use)) : NULL;
	if (st == EDGEML_OK && !use)
		st = eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for a session");
	if (st == EDGEML_OK)
		find_uses(g, s->parts, s->n_parts, use);
	s->main = UINT32_MAX;
	for (uint32_t p = 0; st == EDGEML_OK && p < s->n_parts; p++) {
		eml_part *part = &s->parts[p];
		if (part->backend == backend && s->main == UINT32_MAX)
			s->main = p;
		st = make_subgraph(g, part, p, use);
		if (st == EDGEML_OK)
			st = part->backend->prepare(&part->graph,
						    part->backend == backend ? dev_opts : opts,
						    &part->state);
		if (st != EDGEML_OK) {
			const eml_node *node = &g->nodes[part->first];
			eml_error_context(st, "partition %u (%s, nodes %u-%u from '%s'): ", p,
					  part->backend->id, part->first,
					  part->first + part->graph.n_nodes - 1,
					  node->name ? node->name : "");
		}
	}
	if (s->main == UINT32_MAX)
		s->main = 0;
	if (st == EDGEML_OK)
		st = plan_transfers(s, g, use);
	free(use);
	free(assign);
	return st;
}
