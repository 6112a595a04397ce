/* context.c — creating and destroying the library context (which keeps the Vulkan
 * devices and their pipelines alive between sessions, vk_shared.h). */
#include <stdlib.h>
#include <string.h>

#include "context.h"
#include "error.h"
#include "vulkan/vk_shared.h"

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
	eml_vk_contexts_add(1);
	*out = ctx;
	return EDGEML_OK;
}

void edgeml_context_destroy(edgeml_context *ctx)
{
	if (!ctx)
		return;
	eml_vk_contexts_add(-1);
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
