/*
 * package_load.c — what a package costs at load: edgeml_model_load_file() of the same model
 * as a bare .eml, a signed package, and a signed and encrypted package, each timed over
 * many loads (best and median), with the trust store that makes the device check them.
 * usage: package_load TRUST_DIR ROUNDS MODEL.eml SIGNED.emlpkg ENCRYPTED.emlpkg
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "edgeml.h"

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Loads path rounds times with trust_dir (NULL: none); prints best and median. */
static int time_loads(const char *label, const char *trust_dir, const char *path, int rounds)
{
	edgeml_context *ctx;
	if (edgeml_context_create(&ctx) != EDGEML_OK ||
	    edgeml_context_set_trust_dir(ctx, trust_dir) != EDGEML_OK)
		return 1;
	double *t = calloc((size_t)rounds, sizeof(double));
	for (int i = 0; i < rounds; i++) {
		edgeml_model *m;
		double t0 = now_ms();
		if (edgeml_model_load_file(ctx, path, &m) != EDGEML_OK) {
			fprintf(stderr, "%s: %s\n", path, edgeml_last_error());
			return 1;
		}
		t[i] = now_ms() - t0;
		edgeml_model_free(m);
	}
	qsort(t, (size_t)rounds, sizeof(double), cmp_double);
	printf("%-28s best %8.2f ms  median %8.2f ms\n", label, t[0], t[rounds / 2]);
	free(t);
	edgeml_context_destroy(ctx);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 6) {
		fprintf(stderr, "usage: %s TRUST_DIR ROUNDS MODEL.eml SIGNED.emlpkg "
				"ENCRYPTED.emlpkg\n", argv[0]);
		return 2;
	}
	int rounds = atoi(argv[2]);
	if (rounds < 1)
		rounds = 1;
	return time_loads("bare .eml (no trust store)", "/nonexistent", argv[3], rounds) ||
	       time_loads("signed package", argv[1], argv[4], rounds) ||
	       time_loads("signed + encrypted package", argv[1], argv[5], rounds);
}
