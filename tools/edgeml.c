/* edgeml.c — the `edgeml` command: dispatches to its subcommands. */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "edgeml.h"

static const struct {
	const char *name;
	int (*fn)(int, char **);
	const char *help;
} commands[] = {
	{ "convert", edgeml_cmd_convert, "convert an ONNX model to .eml" },
	{ "run", edgeml_cmd_run, "run a .eml model on .npy inputs" },
	{ "info", edgeml_cmd_info, "print version, build options and CPU features" },
	{ "bench", edgeml_cmd_bench, "measure a model's latency, throughput and memory" },
	{ "report", edgeml_cmd_report, "merge bench results of several machines: table, chart" },
	{ "stream", edgeml_cmd_stream, "run a model on every frame of a /dev/edgeml sensor ring" },
	{ "pack", edgeml_cmd_pack, "package a .eml model with its manifest (.emlpkg)" },
	{ "keygen", edgeml_cmd_keygen, "make a signing key pair or an encryption key" },
	{ "sign", edgeml_cmd_sign, "sign a package with an Ed25519 key" },
	{ "verify", edgeml_cmd_verify, "check a package as a device would, print its manifest" },
	{ "diff", edgeml_cmd_diff, "make a delta patch from one package to the next" },
	{ "patch", edgeml_cmd_patch, "rebuild a package from its predecessor and a patch, verified" },
	{ "store", edgeml_cmd_store, "install, list, activate, roll back models on this device" },
	{ "push", edgeml_cmd_push, "upload a package or patch to an OCI registry" },
	{ "pull", edgeml_cmd_pull, "download a package or patch from an OCI registry, verified" },
	{ "agent", edgeml_cmd_agent, "follow a fleet's desired model over MQTT on this device" },
	{ "rollout", edgeml_cmd_rollout, "roll a release out to a fleet stage by stage over MQTT" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: edgeml COMMAND [ARGS...]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].help);
	fprintf(f, "\n`edgeml COMMAND --help` describes each command.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("edgeml %s\n", edgeml_version());
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "edgeml: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
