/*
 * latency_record.h — AUTO's memory of measured latencies. `edgeml bench` (or an app, through
 * edgeml_session_record_latency) writes the median latency of a model on a device with given
 * threads and flags into a small text file in the cache directory (cache_dir.h); AUTO reads
 * it back so that, among the devices it has measurements for, the fastest measured one is
 * tried first (as LiteRT's mini-benchmark does for its delegates). Where nothing was measured
 * AUTO keeps its rule over the device types. The file is an index, never trusted: a line
 * that does not parse is skipped, and a damaged file changes an order, not a result.
 */
#ifndef EML_LATENCY_RECORD_H
#define EML_LATENCY_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "backend.h"
#include "edgeml.h"

/* The record's file name in the cache directory, and the most lines it keeps. */
#define EML_LATENCY_FILE "latency.tsv"
#define EML_LATENCY_MAX_LINES 1024

/* What a measurement is of: a model (edgeml_model.key), a device, threads and flags as
 * the session's options gave them. */
typedef struct eml_latency_key {
	const char *model;
	const edgeml_device_properties *device;
	uint32_t threads;
	uint32_t flags;
} eml_latency_key;

/* Writes (or replaces) the measurement of key in the record of the cache directory that
 * cache_option names (NULL: the default one), under a file lock, through a temporary file
 * renamed over the old one, so readers see the old or the new record, never half of one. */
edgeml_status eml_latency_write(const char *cache_option, const eml_latency_key *key,
				double median_ms);

/* The recorded median of key; EDGEML_ERR_NOT_FOUND when there is none (or no record). */
edgeml_status eml_latency_find(const char *cache_option, const eml_latency_key *key,
			       double *median_ms);

/* AUTO: reorders its candidates cand[0..n) so that the positions held by devices with a
 * measurement of model (threads, flags) go to those devices, fastest first; the others keep
 * their places. When it used a measurement it writes what it found into why (size bytes). */
void eml_latency_order(const char *cache_option, const char *model, uint32_t threads,
		       uint32_t flags, eml_device_choice *cand, uint32_t n, char *why,
		       size_t size);

#endif /* EML_LATENCY_RECORD_H */
