/*
 * fuzz_latency_record.c — libFuzzer target for AUTO's latency record (runtime/src/
 * latency_record.c), a file in the user's cache directory that anything may have written:
 * any bytes as latency.tsv must leave AUTO's candidates a permutation of themselves, and a
 * measurement written over them must read back; no crash, leak or read past the end.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "latency_record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[256], path[300];

/* A cache directory in memory where there is one: every input is written and fsynced. */
static void setup(void)
{
	const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	snprintf(dir, sizeof(dir), "%s/fuzz-latency-XXXXXX", base);
	if (!mkdtemp(dir))
		abort();
	snprintf(path, sizeof(path), "%s/" EML_LATENCY_FILE, dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!dir[0])
		setup();
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0)
		abort();
	static eml_device_choice cand[3];
	static const char *const names[3] = { "AMD EPYC", "null accelerator", "AMD EPYC" };
	static const char *const backends[3] = { "cpu", "null", "vulkan" };
	for (int i = 0; i < 3; i++) {
		memset(&cand[i], 0, sizeof(cand[i]));
		cand[i].props.backend = backends[i];
		cand[i].props.index = (uint32_t)i;
		snprintf(cand[i].props.name, sizeof(cand[i].props.name), "%s", names[i]);
	}
	char why[450];
	/* The model key of the seeds: "m". */
	eml_latency_order(dir, "m", 0, 0, cand, 3, why, sizeof(why));
	unsigned seen = 0;
	for (int i = 0; i < 3; i++)
		seen |= 1u << cand[i].props.index;
	if (seen != 7)
		abort();
	double ms;
	eml_latency_key key = { "m", &cand[0].props, 1, 0 };
	(void)eml_latency_find(dir, &key, &ms);
	if (eml_latency_write(dir, &key, 2.5) != EDGEML_OK ||
	    eml_latency_find(dir, &key, &ms) != EDGEML_OK || ms != 2.5)
		abort();
	eml_error_clear();
	return 0;
}
