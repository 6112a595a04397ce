/* Stub until the run command lands. */
#include <stdio.h>

#include "commands.h"

int edgeml_cmd_run(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "edgeml run: not implemented yet\n");
	return 1;
}
