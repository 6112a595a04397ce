/*
 * fuzz_json.c — libFuzzer target for the JSON reader (tools/json.c) behind `edgeml report`
 * and `edgeml bench --compare`: any bytes parse or fail with a status; a parsed value is
 * walked (members counted against count), written back, and the written text must parse
 * again to a value that writes the same text.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Checks every container's count against its members; returns the number of values. */
static size_t walk(const eml_json *v, int depth)
{
	if (depth > EML_JSON_MAX_DEPTH + 1)
		abort();
	size_t n = 1, members = 0;
	if (v->type == EML_JSON_STRING && !v->string)
		abort();
	for (const eml_json *c = v->child; c; c = c->next) {
		if (v->type == EML_JSON_OBJECT && !c->key)
			abort();
		members++;
		n += walk(c, depth + 1);
	}
	if ((v->type == EML_JSON_ARRAY || v->type == EML_JSON_OBJECT) && members != v->count)
		abort();
	return n;
}

/* The value written as JSON into a malloc'd string. */
static char *write_text(const eml_json *v, size_t *len)
{
	char *text = NULL;
	FILE *f = open_memstream(&text, len);
	if (!f)
		abort();
	eml_json_write(f, v);
	fclose(f);
	return text;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	eml_json *v = NULL;
	if (eml_json_parse(buf, size, "fuzz.json", &v) == EDGEML_OK) {
		walk(v, 0);
		(void)eml_json_get(v, "results");
		size_t len1, len2;
		char *t1 = write_text(v, &len1);
		eml_json *again = NULL;
		if (eml_json_parse(t1, len1, "rewritten", &again) != EDGEML_OK) {
			fprintf(stderr, "fuzz_json: written text does not parse: %s\n%s\n",
				edgeml_last_error(), t1);
			abort();
		}
		char *t2 = write_text(again, &len2);
		if (len1 != len2 || memcmp(t1, t2, len1) != 0) {
			fprintf(stderr, "fuzz_json: not stable:\n%s\n%s\n", t1, t2);
			abort();
		}
		free(t1);
		free(t2);
		eml_json_free(again);
		eml_json_free(v);
	}
	free(buf);
	return 0;
}
