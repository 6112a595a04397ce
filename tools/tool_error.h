/*
 * tool_error.h — the tools' failure messages. They go to the same per-thread slot as the
 * library's (edgeml_set_error, edgeml.h), so a command prints edgeml_last_error() whether
 * the library or a tool helper (file_io, npy, json, package_delta) failed.
 */
#ifndef EML_TOOLS_TOOL_ERROR_H
#define EML_TOOLS_TOOL_ERROR_H

#include "edgeml.h"

/* printf-style checking of the tools' message helpers. */
#ifndef EML_PRINTF
#if defined(__GNUC__)
#define EML_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define EML_PRINTF(a, b)
#endif
#endif

/* Formats a message for edgeml_last_error() and returns status:
 * `return tool_error(EDGEML_ERR_IO, "%s: %s", path, strerror(errno));` */
edgeml_status tool_error(edgeml_status status, const char *fmt, ...) EML_PRINTF(2, 3);

#endif /* EML_TOOLS_TOOL_ERROR_H */
