/* graph.c — small helpers over the IR: sizes and typed attribute lookup. */
#include <string.h>

#include "error.h"
#include "graph.h"

size_t edgeml_dtype_size(edgeml_dtype dtype)
{
	switch (dtype) {
	case EDGEML_DTYPE_FLOAT32: return 4;
	case EDGEML_DTYPE_UINT8: return 1;
	case EDGEML_DTYPE_INT8: return 1;
	case EDGEML_DTYPE_INT32: return 4;
	case EDGEML_DTYPE_INT64: return 8;
	}
	return 0;
}

const char *edgeml_dtype_name(edgeml_dtype dtype)
{
	switch (dtype) {
	case EDGEML_DTYPE_FLOAT32: return "float32";
	case EDGEML_DTYPE_UINT8: return "uint8";
	case EDGEML_DTYPE_INT8: return "int8";
	case EDGEML_DTYPE_INT32: return "int32";
	case EDGEML_DTYPE_INT64: return "int64";
	}
	return "unknown";
}

int64_t eml_tensor_numel(const eml_tensor *t)
{
	int64_t n = 1;
	for (uint32_t i = 0; i < t->rank && i < EML_MAX_RANK; i++)
		n *= t->dims[i];
	return n;
}

uint64_t eml_tensor_bytes(const eml_tensor *t)
{
	uint64_t n = edgeml_dtype_size((edgeml_dtype)t->dtype);
	if (n == 0 || t->rank > EML_MAX_RANK)
		return 0;
	for (uint32_t i = 0; i < t->rank; i++) {
		if (t->dims[i] < 0)
			return 0;
		if (t->dims[i] != 0 && n > UINT64_MAX / (uint64_t)t->dims[i])
			return 0;
		n *= (uint64_t)t->dims[i];
	}
	return n;
}

const eml_attr *eml_node_attr(const eml_node *node, const char *name)
{
	for (uint32_t i = 0; i < node->n_attrs; i++)
		if (strcmp(node->attrs[i].name, name) == 0)
			return &node->attrs[i];
	return NULL;
}

static edgeml_status wrong_type(const eml_node *node, const char *name, const char *want)
{
	return eml_error(EDGEML_ERR_FORMAT, "node '%s': attribute '%s' must be %s",
			 node->name ? node->name : "", name, want);
}

edgeml_status eml_attr_int(const eml_node *node, const char *name, int64_t dflt, int64_t *out)
{
	const eml_attr *a = eml_node_attr(node, name);
	if (!a) {
		*out = dflt;
		return EDGEML_OK;
	}
	if (a->type != EML_ATTR_INT)
		return wrong_type(node, name, "an int");
	*out = a->i;
	return EDGEML_OK;
}

edgeml_status eml_attr_float(const eml_node *node, const char *name, float dflt, float *out)
{
	const eml_attr *a = eml_node_attr(node, name);
	if (!a) {
		*out = dflt;
		return EDGEML_OK;
	}
	if (a->type != EML_ATTR_FLOAT)
		return wrong_type(node, name, "a float");
	*out = a->f;
	return EDGEML_OK;
}

edgeml_status eml_attr_ints(const eml_node *node, const char *name, const int64_t **out,
			    uint32_t *count)
{
	const eml_attr *a = eml_node_attr(node, name);
	if (!a)
		return EDGEML_OK;
	if (a->type != EML_ATTR_INTS)
		return wrong_type(node, name, "a list of ints");
	*out = a->ints;
	*count = a->count;
	return EDGEML_OK;
}

edgeml_status eml_attr_floats(const eml_node *node, const char *name, const float **out,
			      uint32_t *count)
{
	const eml_attr *a = eml_node_attr(node, name);
	if (!a)
		return EDGEML_OK;
	if (a->type != EML_ATTR_FLOATS)
		return wrong_type(node, name, "a list of floats");
	*out = a->floats;
	*count = a->count;
	return EDGEML_OK;
}

edgeml_status eml_attr_string(const eml_node *node, const char *name, const char *dflt,
			      const char **out)
{
	const eml_attr *a = eml_node_attr(node, name);
	if (!a) {
		*out = dflt;
		return EDGEML_OK;
	}
	if (a->type != EML_ATTR_STRING)
		return wrong_type(node, name, "a string");
	*out = a->s;
	return EDGEML_OK;
}
