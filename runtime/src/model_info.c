/* model_info.c — the public queries on a loaded model: its inputs and outputs. */
#include <string.h>

#include "error.h"
#include "model.h"

/* Fills info from a graph tensor. */
static void fill_info(const eml_tensor *t, edgeml_tensor_info *info)
{
	memset(info, 0, sizeof(*info));
	info->name = t->name;
	info->dtype = (edgeml_dtype)t->dtype;
	info->rank = t->rank;
	memcpy(info->dims, t->dims, t->rank * sizeof(t->dims[0]));
	/* The loader checked that the size fits size_t and does not overflow. */
	info->size_bytes = (size_t)eml_tensor_bytes(t);
	info->quant_count = t->q_count;
	info->quant_axis = t->q_axis;
	info->quant_scales = t->q_scales;
	info->quant_zero_points = t->q_zero_points;
}

/* Looks up entry index of a graph input or output list for the public info calls. */
static edgeml_status list_info(const edgeml_model *model, int outputs, size_t index,
			       edgeml_tensor_info *info)
{
	const char *what = outputs ? "output" : "input";
	if (!model || !info)
		return eml_error(EDGEML_ERR_INVALID_ARGUMENT, "model and info must not be NULL");
	const eml_graph *g = &model->graph;
	size_t n = outputs ? g->n_outputs : g->n_inputs;
	if (index >= n)
		return eml_error(EDGEML_ERR_INVALID_ARGUMENT,
				 "model %s index %zu is out of range: the model has %zu %ss", what,
				 index, n, what);
	uint32_t t = outputs ? g->outputs[index] : g->inputs[index];
	fill_info(&g->tensors[t], info);
	return EDGEML_OK;
}

/* Finds a graph input or output by name for the public find calls. */
static edgeml_status list_find(const edgeml_model *model, int outputs, const char *name,
			       size_t *index)
{
	const char *what = outputs ? "output" : "input";
	if (!model || !name || !index)
		return eml_error(EDGEML_ERR_INVALID_ARGUMENT,
				 "model, name and index must not be NULL");
	const eml_graph *g = &model->graph;
	size_t n = outputs ? g->n_outputs : g->n_inputs;
	const uint32_t *list = outputs ? g->outputs : g->inputs;
	for (size_t k = 0; k < n; k++) {
		if (strcmp(g->tensors[list[k]].name, name) == 0) {
			*index = k;
			return EDGEML_OK;
		}
	}
	return eml_error(EDGEML_ERR_NOT_FOUND, "the model has no %s named '%s'", what, name);
}

size_t edgeml_model_input_count(const edgeml_model *model)
{
	return model ? model->graph.n_inputs : 0;
}

size_t edgeml_model_output_count(const edgeml_model *model)
{
	return model ? model->graph.n_outputs : 0;
}

edgeml_status edgeml_model_input_info(const edgeml_model *model, size_t index,
				      edgeml_tensor_info *info)
{
	eml_error_clear();
	return list_info(model, 0, index, info);
}

edgeml_status edgeml_model_output_info(const edgeml_model *model, size_t index,
				       edgeml_tensor_info *info)
{
	eml_error_clear();
	return list_info(model, 1, index, info);
}

edgeml_status edgeml_model_find_input(const edgeml_model *model, const char *name, size_t *index)
{
	eml_error_clear();
	return list_find(model, 0, name, index);
}

edgeml_status edgeml_model_find_output(const edgeml_model *model, const char *name,
				       size_t *index)
{
	eml_error_clear();
	return list_find(model, 1, name, index);
}
