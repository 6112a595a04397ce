/*
 * context.h — what the library found on this machine, probed once per context.
 */
#ifndef EML_CONTEXT_H
#define EML_CONTEXT_H

#include "cpu_features.h"
#include "edgeml.h"

struct edgeml_context {
	eml_cpu_info cpu;
};

#endif /* EML_CONTEXT_H */
