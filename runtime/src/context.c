/* context.c — creating and destroying the library context. */
#include <stdlib.h>

#include "context.h"
#include "error.h"

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
	*out = ctx;
	return EDGEML_OK;
}

void edgeml_context_destroy(edgeml_context *ctx)
{
	free(ctx);
}
