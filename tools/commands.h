/*
 * commands.h — the subcommands of the `edgeml` tool. Each takes the arguments after its
 * name (argv[0] is the subcommand name), prints its own --help, and returns an exit code.
 */
#ifndef EML_TOOLS_COMMANDS_H
#define EML_TOOLS_COMMANDS_H

#include "tool_error.h" /* EML_PRINTF */

int edgeml_cmd_convert(int argc, char **argv); /* tools/cmd_convert.c */
int edgeml_cmd_run(int argc, char **argv);     /* tools/cmd_run.c */
int edgeml_cmd_info(int argc, char **argv);    /* tools/cmd_info.c */
int edgeml_cmd_bench(int argc, char **argv);   /* tools/cmd_bench.c */
int edgeml_cmd_report(int argc, char **argv);  /* tools/cmd_report.c */
int edgeml_cmd_stream(int argc, char **argv);  /* tools/cmd_stream.c */
int edgeml_cmd_pack(int argc, char **argv);    /* tools/cmd_pack.c */
int edgeml_cmd_keygen(int argc, char **argv);  /* tools/cmd_keys.c */
int edgeml_cmd_sign(int argc, char **argv);    /* tools/cmd_keys.c */
int edgeml_cmd_verify(int argc, char **argv);  /* tools/cmd_keys.c */
int edgeml_cmd_diff(int argc, char **argv);    /* tools/cmd_delta.c */
int edgeml_cmd_patch(int argc, char **argv);   /* tools/cmd_delta.c */
int edgeml_cmd_store(int argc, char **argv);   /* tools/cmd_store.c */
/* The fleet commands (libcurl, libmosquitto; tools/fleet_off.c where they are not built). */
int edgeml_cmd_push(int argc, char **argv);    /* tools/cmd_push.c */
int edgeml_cmd_pull(int argc, char **argv);    /* tools/cmd_pull.c */
int edgeml_cmd_agent(int argc, char **argv);   /* tools/cmd_agent.c */
int edgeml_cmd_rollout(int argc, char **argv); /* tools/cmd_rollout.c */

/* The commands' argument parsers alone, for tests and tests/fuzz/fuzz_cli.c: parse argv as the
 * command would, without opening a file or a device, and return the exit code the command
 * gives for --help (0) or a usage error (2, 1 out of memory), or -1 when it would go on.
 * convert's parser writes into its arguments, as the command does. */
int edgeml_args_run(int argc, char **argv);
int edgeml_args_convert(int argc, char **argv);
int edgeml_args_stream(int argc, char **argv);
int edgeml_args_report(int argc, char **argv);
int edgeml_args_bench(int argc, char **argv);

#endif
