/* convert_print.c — the --verbose listing of a graph: one line per node with its tensors. */
#include <stdio.h>

#include "convert/convert_steps.h"
#include "ops/ops.h"

/* Prints one tensor as name[d0x d1 dtype], "const" marking constants. */
static void print_tensor(FILE *f, const cv_graph *g, uint32_t t)
{
	if (t == EML_NO_TENSOR) {
		fputs("-", f);
		return;
	}
	const cv_tensor *ct = &g->tensors[t];
	fprintf(f, "%s[", ct->t.name);
	if (!ct->shape_known) {
		fputs("?]", f);
		return;
	}
	for (uint32_t k = 0; k < ct->t.rank; k++)
		fprintf(f, "%s%lld", k ? "x" : "", (long long)ct->t.dims[k]);
	fprintf(f, "%s%s%s]", ct->t.rank ? " " : "", edgeml_dtype_name((edgeml_dtype)ct->t.dtype),
		(ct->t.flags & EML_TF_CONSTANT) ? " const" : "");
}

void cv_print_graph(FILE *f, const cv_graph *g, const char *title)
{
	uint32_t live = 0;
	for (uint32_t i = 0; i < g->n_nodes; i++)
		live += !g->nodes[i].dead;
	fprintf(f, "== %s: %u nodes\n  inputs:", title, live);
	for (uint32_t i = 0; i < g->n_inputs; i++) {
		fputc(' ', f);
		print_tensor(f, g, g->inputs[i]);
	}
	fputc('\n', f);
	for (uint32_t i = 0; i < g->n_nodes; i++) {
		const cv_node *n = &g->nodes[i];
		if (n->dead)
			continue;
		const char *op = cv_op_name(n->op);
		fprintf(f, "  %s: %s(", n->name, op);
		for (uint32_t k = 0; k < n->n_inputs; k++) {
			if (k)
				fputs(", ", f);
			print_tensor(f, g, n->inputs[k]);
		}
		fputs(") -> ", f);
		for (uint32_t k = 0; k < n->n_outputs; k++) {
			if (k)
				fputs(", ", f);
			print_tensor(f, g, n->outputs[k]);
		}
		fputc('\n', f);
	}
	fputs("  outputs:", f);
	for (uint32_t i = 0; i < g->n_outputs; i++) {
		fputc(' ', f);
		print_tensor(f, g, g->outputs[i]);
	}
	fputc('\n', f);
}
