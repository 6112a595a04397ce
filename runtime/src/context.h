/*
 * context.h — what the library found on this machine, probed once per context.
 */
#ifndef EML_CONTEXT_H
#define EML_CONTEXT_H

#include "cpu_features.h"
#include "edgeml.h"

struct edgeml_context {
	eml_cpu_info cpu;
	char *trust_dir; /* edgeml_context_set_trust_dir(); NULL: $EDGEML_TRUST_DIR or /etc/edgeml */
};

#endif /* EML_CONTEXT_H */
