/* context.c — creating and destroying the library context (while one exists, backends may
 * keep their devices and pipelines alive between sessions: eml_backend.contexts_add). */
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "context.h"
#include "error.h"

/* Tells every backend that keeps devices for contexts that one came or went. */
static void contexts_add(int delta)
{
	uint32_t n;
	const eml_backend *const *b = eml_backends(&n);
	for (uint32_t i = 0; i < n; i++)
		if (b[i]->contexts_add)
			b[i]->contexts_add(delta);
}

edgeml_status edgeml_context_create(edgeml_context **out)
{
	eml_error_clear();
	if (!out)
		return eml_error(EDGEML_ERR_INVALID_ARGUMENT, "edgeml_context_create: out is NULL");
	*out = NULL;
	edgeml_context *ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for a context");
	eml_cpu_detect(&ctx->cpu);
	contexts_add(1);
	*out = ctx;
	return EDGEML_OK;
}

void edgeml_context_destroy(edgeml_context *ctx)
{
	if (!ctx)
		return;
	contexts_add(-1);
	free(ctx->trust_dir);
	free(ctx);
}

edgeml_status edgeml_context_set_trust_dir(edgeml_context *ctx, const char *dir)
{
	eml_error_clear();
	if (!ctx)
		return eml_error(EDGEML_ERR_INVALID_ARGUMENT, "edgeml_context_set_trust_dir: ctx is NULL");
	char *copy = NULL;
	if (dir && !(copy = strdup(dir)))
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for a trust directory name");
	free(ctx->trust_dir);
	ctx->trust_dir = copy;
	return EDGEML_OK;
}
