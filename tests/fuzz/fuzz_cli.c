/*
 * fuzz_cli.c — libFuzzer target for the argument parsers of `edgeml run`, `convert`, `stream`,
 * `report` and `bench` (the parse-only entry points of tools/commands.h, which open no file or
 * device). The first byte picks the command; the rest, split at NUL bytes, is argv after the
 * command name. Every outcome must be an exit code the command documents: -1 (go on), 0
 * (--help), 1 (out of memory) or 2 (usage error). Run with tests/fuzz/fuzz_cli.dict.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"

#define MAX_ARGS 32

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct {
	const char *name;
	int (*parse)(int, char **);
} parsers[] = {
	{ "run", edgeml_args_run },
	{ "convert", edgeml_args_convert },
	{ "stream", edgeml_args_stream },
	{ "report", edgeml_args_report },
	{ "bench", edgeml_args_bench },
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	size_t which = data[0] % (sizeof(parsers) / sizeof(parsers[0]));
	char *argv[MAX_ARGS + 1];
	int argc = 0;
	argv[argc++] = strdup(parsers[which].name);
	/* Each argument an exact-size heap copy, so that ASan sees a read past its NUL. */
	size_t at = 1;
	while (at < size && argc < MAX_ARGS) {
		const uint8_t *nul = memchr(data + at, 0, size - at);
		size_t len = nul ? (size_t)(nul - (data + at)) : size - at;
		char *arg = malloc(len + 1);
		if (!arg)
			abort();
		memcpy(arg, data + at, len);
		arg[len] = '\0';
		argv[argc++] = arg;
		at += len + 1;
	}
	argv[argc] = NULL;
	int rc = parsers[which].parse(argc, argv);
	if (rc != -1 && rc != 0 && rc != 1 && rc != 2) {
		fprintf(stderr, "fuzz_cli: %s parser returned %d\n", parsers[which].name, rc);
		abort();
	}
	for (int i = 0; i < argc; i++)
		free(argv[i]);
	return 0;
}
