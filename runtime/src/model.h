/*
 * model.h — a loaded model: the decoded graph plus the memory it points into.
 * Immutable after load, so any number of sessions and threads may share it.
 */
#ifndef EML_MODEL_H
#define EML_MODEL_H

#include "graph.h"

/* Who frees the bytes a model was decoded from: a mapping, a heap copy, locked memory
 * holding a decrypted model, or nobody (the caller's buffer). */
typedef struct eml_image_owner {
	void (*release)(void *base, size_t size); /* NULL: not ours to free */
	void *base;
	size_t size;
} eml_image_owner;

struct eml_model_package; /* the manifest of a model loaded from a package (package_load.c) */

struct edgeml_model {
	edgeml_context *ctx;
	eml_graph graph; /* strings, arrays and constant data point into the file image */
	/* The rest is private to model_load.c and package_load.c. */
	eml_image_owner owner;
	void *storage; /* decoded tensors, nodes, attributes (one allocation) */
	union eml_op_params *params; /* the nodes' typed parameters (ops/op_params.h) */
	struct eml_model_package *package; /* NULL for a bare .eml */
	/* The image's identity for AUTO's latency record: "SIZE-CRC32" of the .eml (its header's
	 * body checksum, verified at load). */
	char key[32];
};

/* Releases what an owner holds. */
void eml_image_release(eml_image_owner *owner);

/* Decodes and validates the 64-byte aligned .eml image [image, image + size), which must
 * stay valid until owner is released; owner is released with the model, or at once on
 * failure. */
edgeml_status eml_model_decode(edgeml_context *ctx, const void *image, size_t size,
			       eml_image_owner owner, edgeml_model **out);

/* Loads a package (package_load.c) whose bytes owner holds; owner is released with the
 * model, or at once when the model is decrypted or on failure. */
edgeml_status eml_package_load(edgeml_context *ctx, eml_image_owner owner, edgeml_model **out);

/* Frees the package part of a model. */
void eml_model_package_free(struct eml_model_package *package);

/* Refuses a bare .eml when the device's trust store is active: it holds no signature. */
edgeml_status eml_trust_allows_bare_model(edgeml_context *ctx);

#endif /* EML_MODEL_H */
