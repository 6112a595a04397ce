/* Stub until the converter lands. */
#include <stdio.h>

#include "commands.h"

int edgeml_cmd_convert(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "edgeml convert: not implemented yet\n");
	return 1;
}
