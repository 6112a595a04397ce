/* vk_warm.c — times Vulkan session creation for vk-warm.sh: loads a model and creates (and
 * destroys) `count` sessions one after another in this process, printing each one's wall
 * time and the backend's line (which says how many shaders came from the cache). */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "edgeml.h"

/* Milliseconds of a monotonic clock. */
static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Usage: vk_warm MODEL.eml COUNT; prints "create <i> <ms> | <backend detail>" per session. */
int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: %s MODEL.eml COUNT\n", argv[0]);
		return 2;
	}
	int count = atoi(argv[2]);
	edgeml_context *ctx = NULL;
	edgeml_model *model = NULL;
	if (edgeml_context_create(&ctx) != EDGEML_OK ||
	    edgeml_model_load_file(ctx, argv[1], &model) != EDGEML_OK) {
		fprintf(stderr, "vk_warm: %s\n", edgeml_last_error());
		return 1;
	}
	edgeml_session_options opt;
	edgeml_session_options_init(&opt);
	opt.backend = EDGEML_BACKEND_VULKAN;
	int rc = 0;
	for (int i = 0; i < count && rc == 0; i++) {
		edgeml_session *s = NULL;
		double t0 = now_ms();
		if (edgeml_session_create(model, &opt, &s) != EDGEML_OK) {
			fprintf(stderr, "vk_warm: %s\n", edgeml_last_error());
			rc = 1;
			break;
		}
		printf("create %d %.1f | %s\n", i, now_ms() - t0, edgeml_session_backend_detail(s));
		edgeml_session_destroy(s);
	}
	edgeml_model_free(model);
	edgeml_context_destroy(ctx);
	return rc;
}
