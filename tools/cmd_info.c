/* Stub until the info command lands. */
#include <stdio.h>

#include "commands.h"

int edgeml_cmd_info(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "edgeml info: not implemented yet\n");
	return 1;
}
