/*
 * session.h — what the library's own tests may ask a session beyond the public API.
 */
#ifndef EML_SESSION_H
#define EML_SESSION_H

#include "backend.h"
#include "edgeml.h"

/* The memory the session's backend holds (arena, what it saves, input/output buffers). */
void eml_session_memory(const edgeml_session *session, eml_backend_memory *mem);

/* The session's backend and its prepared state (of its first partition on the chosen
 * device), for backend-specific tests (the cpu backend's kernel of each node). */
const eml_backend *eml_session_backend(const edgeml_session *session, void **state);

/* How many partitions the session runs (1: the whole graph on the chosen device) and, in
 * *transfers (may be NULL), how many tensor copies between them a run makes at most. */
uint32_t eml_session_partitions(const edgeml_session *session, uint32_t *transfers);

#endif /* EML_SESSION_H */
