/* convert_graph.c — the converter's mutable graph: storage, name index and edit helpers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert/convert_graph.h"
#include "error.h"

#define NO_INDEX UINT32_MAX

/* Frees what an attribute owns (the eml_attr fields are const for readers only). */
static void attr_free(eml_attr *a)
{
	free((void *)a->name);
	free((void *)a->ints);
	free((void *)a->floats);
	free((void *)a->s);
}

/* Frees what a tensor descriptor owns. */
static void tensor_free(cv_tensor *t)
{
	free((void *)t->t.name);
	free((void *)t->t.data);
	free((void *)t->t.q_scales);
	free((void *)t->t.q_zero_points);
}

/* Frees what a node owns. */
static void node_free(cv_node *n)
{
	for (uint32_t i = 0; i < n->n_attrs; i++)
		attr_free(&n->attrs[i]);
	free(n->attrs);
	free(n->inputs);
	free(n->outputs);
	free(n->name);
}

void cv_graph_init(cv_graph *g)
{
	memset(g, 0, sizeof(*g));
}

void cv_graph_free(cv_graph *g)
{
	for (uint32_t i = 0; i < g->n_tensors; i++)
		tensor_free(&g->tensors[i]);
	for (uint32_t i = 0; i < g->n_nodes; i++)
		node_free(&g->nodes[i]);
	free(g->tensors);
	free(g->nodes);
	free(g->inputs);
	free(g->outputs);
	free(g->names);
	memset(g, 0, sizeof(*g));
}

/* FNV-1a: tensor names are short, a simple hash is enough. */
static uint32_t name_hash(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

/* Grows the array at *p of *cap elements of size elem to hold need, doubling. */
static edgeml_status grow(void **p, uint32_t *cap, uint32_t need, size_t elem, uint32_t limit,
			  const char *what)
{
	if (need <= *cap)
		return EDGEML_OK;
	if (need > limit)
		return eml_error(EDGEML_ERR_NO_MEMORY, "model has more than %u %s", limit, what);
	uint32_t n = *cap ? *cap : 16;
	while (n < need)
		n = n > limit / 2 ? limit : n * 2;
	void *q = realloc(*p, (size_t)n * elem);
	if (!q)
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory growing %s to %u", what, n);
	*p = q;
	*cap = n;
	return EDGEML_OK;
}

/* Inserts tensor index into the name index, growing it to keep the load under 1/2. */
static edgeml_status index_name(cv_graph *g, uint32_t index)
{
	if ((uint64_t)(g->n_tensors + 1) * 2 > g->cap_names) {
		uint32_t cap = g->cap_names ? g->cap_names * 2 : 64;
		cv_name_slot *slots = malloc((size_t)cap * sizeof(*slots));
		if (!slots)
			return eml_error(EDGEML_ERR_NO_MEMORY,
					 "out of memory indexing tensor names");
		for (uint32_t i = 0; i < cap; i++)
			slots[i].tensor = NO_INDEX;
		for (uint32_t i = 0; i < g->cap_names; i++) {
			if (g->names[i].tensor == NO_INDEX)
				continue;
			uint32_t k = g->names[i].hash & (cap - 1);
			while (slots[k].tensor != NO_INDEX)
				k = (k + 1) & (cap - 1);
			slots[k] = g->names[i];
		}
		free(g->names);
		g->names = slots;
		g->cap_names = cap;
	}
	uint32_t h = name_hash(g->tensors[index].t.name);
	uint32_t k = h & (g->cap_names - 1);
	while (g->names[k].tensor != NO_INDEX)
		k = (k + 1) & (g->cap_names - 1);
	g->names[k].hash = h;
	g->names[k].tensor = index;
	return EDGEML_OK;
}

uint32_t cv_find_tensor(const cv_graph *g, const char *name)
{
	if (!g->cap_names || !name)
		return NO_INDEX;
	uint32_t h = name_hash(name);
	for (uint32_t k = h & (g->cap_names - 1); g->names[k].tensor != NO_INDEX;
	     k = (k + 1) & (g->cap_names - 1)) {
		if (g->names[k].hash == h &&
		    strcmp(g->tensors[g->names[k].tensor].t.name, name) == 0)
			return g->names[k].tensor;
	}
	return NO_INDEX;
}

edgeml_status cv_add_tensor(cv_graph *g, const char *name, uint32_t *index)
{
	edgeml_status st = grow((void **)&g->tensors, &g->cap_tensors, g->n_tensors + 1,
				sizeof(cv_tensor), CV_MAX_TENSORS, "tensors");
	if (st)
		return st;
	cv_tensor *t = &g->tensors[g->n_tensors];
	memset(t, 0, sizeof(*t));
	t->producer = NO_INDEX;
	t->t.name = strdup(name);
	if (!t->t.name)
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory adding tensor '%s'", name);
	st = index_name(g, g->n_tensors);
	if (st) {
		tensor_free(t);
		return st;
	}
	*index = g->n_tensors++;
	return EDGEML_OK;
}

edgeml_status cv_get_or_add_tensor(cv_graph *g, const char *name, uint32_t *index)
{
	uint32_t i = cv_find_tensor(g, name);
	if (i != NO_INDEX) {
		*index = i;
		return EDGEML_OK;
	}
	return cv_add_tensor(g, name, index);
}

edgeml_status cv_add_unique_tensor(cv_graph *g, const char *base, uint32_t *index)
{
	char name[256];
	do {
		snprintf(name, sizeof(name), "%.200s/edgeml_%u", base ? base : "", g->n_unique++);
	} while (cv_find_tensor(g, name) != NO_INDEX);
	return cv_add_tensor(g, name, index);
}

edgeml_status cv_add_constant(cv_graph *g, const char *base, uint32_t dtype, uint32_t rank,
			      const int64_t *dims, const void *data, uint64_t size, uint32_t *index)
{
	void *copy = malloc(size ? size : 1);
	if (!copy)
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for a constant of %llu bytes",
				 (unsigned long long)size);
	if (size)
		memcpy(copy, data, size);
	edgeml_status st = cv_add_unique_tensor(g, base, index);
	if (st) {
		free(copy);
		return st;
	}
	cv_tensor *t = &g->tensors[*index];
	t->t.dtype = dtype;
	t->t.rank = rank;
	for (uint32_t i = 0; i < rank; i++)
		t->t.dims[i] = dims[i];
	t->shape_known = 1;
	cv_set_constant(g, *index, copy, size);
	return EDGEML_OK;
}

void cv_set_constant(cv_graph *g, uint32_t index, void *data, uint64_t size)
{
	cv_tensor *t = &g->tensors[index];
	free((void *)t->t.data);
	t->t.data = data;
	t->t.data_size = size;
	t->t.flags |= EML_TF_CONSTANT;
	t->t.flags &= ~(uint32_t)EML_TF_INPUT;
	t->producer = NO_INDEX;
}

edgeml_status cv_set_quant(cv_graph *g, uint32_t index, uint32_t count, int32_t axis,
			   const float *scales, const int32_t *zero_points)
{
	float *s = malloc((size_t)count * sizeof(*s) + 1);
	int32_t *z = malloc((size_t)count * sizeof(*z) + 1);
	if (!s || !z) {
		free(s);
		free(z);
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for quantization parameters");
	}
	if (count) {
		memcpy(s, scales, (size_t)count * sizeof(*s));
		memcpy(z, zero_points, (size_t)count * sizeof(*z));
	}
	eml_tensor *t = &g->tensors[index].t;
	free((void *)t->q_scales);
	free((void *)t->q_zero_points);
	t->q_count = count;
	t->q_axis = axis;
	t->q_scales = s;
	t->q_zero_points = z;
	return EDGEML_OK;
}

edgeml_status cv_insert_node(cv_graph *g, uint32_t at, const char *name, uint32_t op,
			     uint32_t n_inputs, uint32_t n_outputs, uint32_t *index)
{
	if (n_inputs > CV_MAX_NODE_IO || n_outputs > CV_MAX_NODE_IO)
		return eml_error(EDGEML_ERR_UNSUPPORTED,
				 "node '%s' has more than %u inputs or outputs", name,
				 CV_MAX_NODE_IO);
	edgeml_status st = grow((void **)&g->nodes, &g->cap_nodes, g->n_nodes + 1, sizeof(cv_node),
				CV_MAX_NODES, "nodes");
	if (st)
		return st;
	cv_node n;
	memset(&n, 0, sizeof(n));
	n.name = strdup(name);
	n.inputs = malloc(((size_t)n_inputs + 1) * sizeof(uint32_t));
	n.outputs = malloc(((size_t)n_outputs + 1) * sizeof(uint32_t));
	if (!n.name || !n.inputs || !n.outputs) {
		node_free(&n);
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory adding node '%s'", name);
	}
	n.op = op;
	n.n_inputs = n_inputs;
	n.n_outputs = n_outputs;
	for (uint32_t i = 0; i < n_inputs; i++)
		n.inputs[i] = EML_NO_TENSOR;
	for (uint32_t i = 0; i < n_outputs; i++)
		n.outputs[i] = EML_NO_TENSOR;
	if (at > g->n_nodes)
		at = g->n_nodes;
	memmove(&g->nodes[at + 1], &g->nodes[at], (size_t)(g->n_nodes - at) * sizeof(cv_node));
	g->nodes[at] = n;
	g->n_nodes++;
	*index = at;
	return EDGEML_OK;
}

edgeml_status cv_add_node(cv_graph *g, const char *name, uint32_t op, uint32_t n_inputs,
			  uint32_t n_outputs, uint32_t *index)
{
	return cv_insert_node(g, g->n_nodes, name, op, n_inputs, n_outputs, index);
}

edgeml_status cv_resize_inputs(cv_graph *g, uint32_t node, uint32_t n_inputs)
{
	cv_node *n = &g->nodes[node];
	if (n_inputs > CV_MAX_NODE_IO)
		return eml_error(EDGEML_ERR_UNSUPPORTED, "node '%s' has too many inputs", n->name);
	uint32_t *p = realloc(n->inputs, ((size_t)n_inputs + 1) * sizeof(uint32_t));
	if (!p)
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for node '%s'", n->name);
	for (uint32_t i = n->n_inputs; i < n_inputs; i++)
		p[i] = EML_NO_TENSOR;
	n->inputs = p;
	n->n_inputs = n_inputs;
	return EDGEML_OK;
}

/* The slot for attribute name on node: the existing one emptied, or a new one. */
static edgeml_status attr_slot(cv_graph *g, uint32_t node, const char *name, eml_attr **out)
{
	cv_node *n = &g->nodes[node];
	for (uint32_t i = 0; i < n->n_attrs; i++) {
		eml_attr *a = &n->attrs[i];
		if (strcmp(a->name, name) == 0) {
			free((void *)a->ints);
			free((void *)a->floats);
			free((void *)a->s);
			const char *keep = a->name;
			memset(a, 0, sizeof(*a));
			a->name = keep;
			*out = a;
			return EDGEML_OK;
		}
	}
	if (n->n_attrs >= CV_MAX_NODE_IO)
		return eml_error(EDGEML_ERR_UNSUPPORTED, "node '%s' has too many attributes",
				 n->name);
	eml_attr *p = realloc(n->attrs, ((size_t)n->n_attrs + 1) * sizeof(eml_attr));
	if (!p)
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for node '%s'", n->name);
	n->attrs = p;
	eml_attr *a = &p[n->n_attrs];
	memset(a, 0, sizeof(*a));
	a->name = strdup(name);
	if (!a->name)
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for node '%s'", n->name);
	n->n_attrs++;
	*out = a;
	return EDGEML_OK;
}

edgeml_status cv_set_attr_int(cv_graph *g, uint32_t node, const char *name, int64_t v)
{
	eml_attr *a;
	edgeml_status st = attr_slot(g, node, name, &a);
	if (st)
		return st;
	a->type = EML_ATTR_INT;
	a->i = v;
	return EDGEML_OK;
}

edgeml_status cv_set_attr_float(cv_graph *g, uint32_t node, const char *name, float v)
{
	eml_attr *a;
	edgeml_status st = attr_slot(g, node, name, &a);
	if (st)
		return st;
	a->type = EML_ATTR_FLOAT;
	a->f = v;
	return EDGEML_OK;
}

/* Takes name's attribute slot on node and a malloc'd copy of bytes from src, one byte longer
 * so that an empty copy is still a pointer and a string has room for its NUL. */
static edgeml_status attr_with_copy(cv_graph *g, uint32_t node, const char *name, const void *src,
				    size_t bytes, eml_attr **a, void **copy)
{
	edgeml_status st = attr_slot(g, node, name, a);
	if (st)
		return st;
	*copy = malloc(bytes + 1);
	if (!*copy)
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for attribute '%s'", name);
	if (bytes)
		memcpy(*copy, src, bytes);
	return EDGEML_OK;
}

edgeml_status cv_set_attr_string(cv_graph *g, uint32_t node, const char *name, const char *s,
				 uint32_t len)
{
	eml_attr *a;
	void *copy;
	edgeml_status st = attr_with_copy(g, node, name, s, len, &a, &copy);
	if (st)
		return st;
	((char *)copy)[len] = '\0';
	a->type = EML_ATTR_STRING;
	a->count = len;
	a->s = copy;
	return EDGEML_OK;
}

edgeml_status cv_set_attr_ints(cv_graph *g, uint32_t node, const char *name, const int64_t *v,
			       uint32_t count)
{
	eml_attr *a;
	void *copy;
	edgeml_status st = attr_with_copy(g, node, name, v, (size_t)count * sizeof(*v), &a, &copy);
	if (st)
		return st;
	a->type = EML_ATTR_INTS;
	a->count = count;
	a->ints = copy;
	return EDGEML_OK;
}

edgeml_status cv_set_attr_floats(cv_graph *g, uint32_t node, const char *name, const float *v,
				 uint32_t count)
{
	eml_attr *a;
	void *copy;
	edgeml_status st = attr_with_copy(g, node, name, v, (size_t)count * sizeof(*v), &a, &copy);
	if (st)
		return st;
	a->type = EML_ATTR_FLOATS;
	a->count = count;
	a->floats = copy;
	return EDGEML_OK;
}

void cv_remove_attr(cv_graph *g, uint32_t node, const char *name)
{
	cv_node *n = &g->nodes[node];
	for (uint32_t i = 0; i < n->n_attrs; i++) {
		if (strcmp(n->attrs[i].name, name) != 0)
			continue;
		attr_free(&n->attrs[i]);
		memmove(&n->attrs[i], &n->attrs[i + 1],
			(size_t)(n->n_attrs - i - 1) * sizeof(eml_attr));
		n->n_attrs--;
		return;
	}
}

edgeml_status cv_copy_attrs(cv_graph *g, uint32_t dst, uint32_t src)
{
	for (uint32_t i = 0; i < g->nodes[src].n_attrs; i++) {
		/* Copy the attribute first: setting one may move dst's array, never src's. */
		eml_attr a = g->nodes[src].attrs[i];
		edgeml_status st = EDGEML_OK;
		switch (a.type) {
		case EML_ATTR_INT: st = cv_set_attr_int(g, dst, a.name, a.i); break;
		case EML_ATTR_FLOAT: st = cv_set_attr_float(g, dst, a.name, a.f); break;
		case EML_ATTR_STRING: st = cv_set_attr_string(g, dst, a.name, a.s, a.count); break;
		case EML_ATTR_INTS: st = cv_set_attr_ints(g, dst, a.name, a.ints, a.count); break;
		case EML_ATTR_FLOATS:
			st = cv_set_attr_floats(g, dst, a.name, a.floats, a.count);
			break;
		}
		if (st)
			return st;
	}
	return EDGEML_OK;
}

void cv_node_view(const cv_graph *g, uint32_t node, eml_node *view)
{
	const cv_node *n = &g->nodes[node];
	view->name = n->name;
	view->op = n->op;
	view->n_inputs = n->n_inputs;
	view->n_outputs = n->n_outputs;
	view->n_attrs = n->n_attrs;
	view->inputs = n->inputs;
	view->outputs = n->outputs;
	view->attrs = n->attrs;
	view->params = NULL; /* the kernels decode them from the attributes (eml_node_params) */
}

int cv_is_constant(const cv_graph *g, uint32_t t)
{
	return t < g->n_tensors && (g->tensors[t].t.flags & EML_TF_CONSTANT);
}

int cv_is_output(const cv_graph *g, uint32_t t)
{
	for (uint32_t i = 0; i < g->n_outputs; i++)
		if (g->outputs[i] == t)
			return 1;
	return 0;
}

uint32_t cv_use_count(const cv_graph *g, uint32_t t)
{
	uint32_t n = (uint32_t)cv_is_output(g, t);
	for (uint32_t i = 0; i < g->n_nodes; i++) {
		if (g->nodes[i].dead)
			continue;
		for (uint32_t k = 0; k < g->nodes[i].n_inputs; k++)
			n += g->nodes[i].inputs[k] == t;
	}
	return n;
}

uint32_t cv_single_consumer(const cv_graph *g, uint32_t t)
{
	if (cv_is_output(g, t))
		return NO_INDEX;
	uint32_t found = NO_INDEX;
	for (uint32_t i = 0; i < g->n_nodes; i++) {
		if (g->nodes[i].dead)
			continue;
		for (uint32_t k = 0; k < g->nodes[i].n_inputs; k++) {
			if (g->nodes[i].inputs[k] != t)
				continue;
			if (found != NO_INDEX)
				return NO_INDEX;
			found = i;
		}
	}
	return found;
}

void cv_replace_uses(cv_graph *g, uint32_t from, uint32_t to)
{
	for (uint32_t i = 0; i < g->n_nodes; i++) {
		if (g->nodes[i].dead)
			continue;
		for (uint32_t k = 0; k < g->nodes[i].n_inputs; k++)
			if (g->nodes[i].inputs[k] == from)
				g->nodes[i].inputs[k] = to;
	}
}

void cv_update_producers(cv_graph *g)
{
	for (uint32_t i = 0; i < g->n_tensors; i++)
		g->tensors[i].producer = NO_INDEX;
	for (uint32_t i = 0; i < g->n_nodes; i++) {
		if (g->nodes[i].dead)
			continue;
		for (uint32_t k = 0; k < g->nodes[i].n_outputs; k++)
			if (g->nodes[i].outputs[k] != EML_NO_TENSOR)
				g->tensors[g->nodes[i].outputs[k]].producer = i;
	}
}

uint32_t cv_remove_unused_nodes(cv_graph *g)
{
	uint32_t removed = 0;
	uint32_t *uses = calloc((size_t)g->n_tensors + 1, sizeof(*uses));
	if (!uses)
		return 0; /* only an optimisation: keeping the nodes is still correct */
	for (uint32_t i = 0; i < g->n_outputs; i++)
		uses[g->outputs[i]]++;
	for (uint32_t i = 0; i < g->n_nodes; i++)
		for (uint32_t k = 0; !g->nodes[i].dead && k < g->nodes[i].n_inputs; k++)
			if (g->nodes[i].inputs[k] != EML_NO_TENSOR)
				uses[g->nodes[i].inputs[k]]++;
	/* Walk backwards: nodes are in topological order, so removing a node frees its
	 * producers before they are visited. */
	for (uint32_t i = g->n_nodes; i-- > 0;) {
		cv_node *n = &g->nodes[i];
		if (n->dead)
			continue;
		int used = 0;
		for (uint32_t k = 0; k < n->n_outputs; k++)
			used |= n->outputs[k] != EML_NO_TENSOR && uses[n->outputs[k]] > 0;
		if (used)
			continue;
		n->dead = 1;
		removed++;
		for (uint32_t k = 0; k < n->n_inputs; k++)
			if (n->inputs[k] != EML_NO_TENSOR)
				uses[n->inputs[k]]--;
	}
	free(uses);
	return removed;
}

void cv_compact_nodes(cv_graph *g)
{
	uint32_t w = 0;
	for (uint32_t i = 0; i < g->n_nodes; i++) {
		if (g->nodes[i].dead) {
			node_free(&g->nodes[i]);
			continue;
		}
		g->nodes[w++] = g->nodes[i];
	}
	g->n_nodes = w;
	cv_update_producers(g);
}

const char *cv_tensor_name(const cv_graph *g, uint32_t t)
{
	if (t >= g->n_tensors)
		return "(absent)";
	return g->tensors[t].t.name;
}
