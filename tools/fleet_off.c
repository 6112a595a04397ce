/*
 * fleet_off.c — the fleet commands in builds without libcurl and libmosquitto (the static and
 * aarch64 builds of the Makefile). The edgeml binary links the real ones (cmd_push.c,
 * cmd_pull.c, cmd_agent.c, cmd_rollout.c) ahead of the tools' archive, so this member is
 * taken only where they are absent.
 */
#include <stdio.h>

#include "commands.h"

static int off(const char *name)
{
	fprintf(stderr, "edgeml %s: this edgeml was built without the fleet commands (libcurl, "
		"libmosquitto); use the dynamically linked edgeml\n", name);
	return 1;
}

int edgeml_cmd_push(int argc, char **argv)
{
	return off("push");
}

int edgeml_cmd_pull(int argc, char **argv)
{
	return off("pull");
}

int edgeml_cmd_agent(int argc, char **argv)
{
	return off("agent");
}

int edgeml_cmd_rollout(int argc, char **argv)
{
	return off("rollout");
}
