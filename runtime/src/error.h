/*
 * error.h — setting the thread-local error message behind edgeml_last_error().
 */
#ifndef EML_ERROR_H
#define EML_ERROR_H

#include "edgeml.h"

#if defined(__GNUC__)
#define EML_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define EML_PRINTF(a, b)
#endif

/* Records a message for this thread and returns status, so callers can write
 * `return eml_error(EDGEML_ERR_FORMAT, "tensor %u: dims[%u] = %lld is negative", ...);` */
edgeml_status eml_error(edgeml_status status, const char *fmt, ...) EML_PRINTF(2, 3);

/* Prefixes the current message with more context ("node 'conv1' (Conv): " + message) and
 * returns status unchanged. */
edgeml_status eml_error_context(edgeml_status status, const char *fmt, ...) EML_PRINTF(2, 3);

/* Clears the message (called at the start of public entry points). */
void eml_error_clear(void);

#endif /* EML_ERROR_H */
