/* error.c — the thread-local message behind edgeml_last_error() and status names. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "error.h"

#define EML_ERROR_MAX 1024

static _Thread_local char error_message[EML_ERROR_MAX];

edgeml_status eml_error(edgeml_status status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(error_message, sizeof(error_message), fmt, ap);
	va_end(ap);
	return status;
}

edgeml_status eml_error_context(edgeml_status status, const char *fmt, ...)
{
	char prefix[EML_ERROR_MAX];
	char old[EML_ERROR_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	size_t n = strlen(prefix);
	if (n >= sizeof(error_message) - 1)
		n = sizeof(error_message) - 1;
	memcpy(old, error_message, sizeof(old));
	memcpy(error_message, prefix, n);
	size_t rest = strnlen(old, sizeof(old) - 1);
	if (rest > sizeof(error_message) - 1 - n)
		rest = sizeof(error_message) - 1 - n;
	memcpy(error_message + n, old, rest);
	error_message[n + rest] = '\0';
	return status;
}

void eml_error_clear(void)
{
	error_message[0] = '\0';
}

edgeml_status edgeml_set_error(edgeml_status status, const char *message)
{
	snprintf(error_message, sizeof(error_message), "%s", message ? message : "");
	return status;
}

const char *edgeml_last_error(void)
{
	return error_message;
}

const char *edgeml_status_string(edgeml_status status)
{
	switch (status) {
	case EDGEML_OK: return "ok";
	case EDGEML_ERR_INVALID_ARGUMENT: return "invalid argument";
	case EDGEML_ERR_IO: return "I/O error";
	case EDGEML_ERR_FORMAT: return "bad model format";
	case EDGEML_ERR_UNSUPPORTED: return "unsupported";
	case EDGEML_ERR_NO_MEMORY: return "out of memory";
	case EDGEML_ERR_NOT_FOUND: return "not found";
	case EDGEML_ERR_SHAPE: return "shape mismatch";
	case EDGEML_ERR_BACKEND: return "backend failure";
	case EDGEML_ERR_UNTRUSTED: return "untrusted package";
	case EDGEML_ERR_SELFTEST: return "self-test failed";
	}
	return "unknown status";
}
