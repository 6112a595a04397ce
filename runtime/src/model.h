/*
 * model.h — a loaded model: the decoded graph plus the memory it points into.
 * Immutable after load, so any number of sessions and threads may share it.
 */
#ifndef EML_MODEL_H
#define EML_MODEL_H

#include "graph.h"

struct edgeml_model {
	edgeml_context *ctx;
	eml_graph graph; /* strings, arrays and constant data point into the file image */
	/* The rest is private to model_load.c (file image, decode storage). */
	void *image;       /* the file bytes: an mmap, an aligned copy, or the caller's buffer */
	size_t image_size;
	int image_kind;    /* how to release image */
	void *storage;     /* decoded tensors, nodes, attributes (one allocation) */
};

#endif /* EML_MODEL_H */
