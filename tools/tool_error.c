/* tool_error.c — the tools' messages, through the library's error slot (tool_error.h). */
#include <stdarg.h>
#include <stdio.h>

#include "tool_error.h"

edgeml_status tool_error(edgeml_status status, const char *fmt, ...)
{
	char message[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	return edgeml_set_error(status, message);
}
