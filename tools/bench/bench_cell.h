/*
 * bench_cell.h — one cell of `edgeml bench`: a model on one backend, device and thread count,
 * measured in the calling process (which `edgeml bench` forks for it, so that the peak RSS
 * and the cold start are the cell's own). The result is a JSON object of raw measurements in
 * the form the peer harnesses (tools/bench/ort_peer.py, ncnn_peer.py) print too, so one
 * parser reads both.
 */
#ifndef EML_BENCH_CELL_H
#define EML_BENCH_CELL_H

#include <stdint.h>
#include <stdio.h>

#include "edgeml.h"

typedef struct eml_bench_cell {
	const char *model;   /* .eml file */
	edgeml_backend_kind backend;
	const char *device;  /* NULL: the backend's default */
	uint32_t threads;
	long warmup, iterations;
	int profile;         /* add per-layer times ("layers") from a separate pass of runs */
	uint32_t flags;      /* edgeml_session_options.flags (EDGEML_SESSION_CPU_FALLBACK) */
	/* write the median into AUTO's latency record (edgeml_session_record_latency) */
	int record;
} eml_bench_cell;

/* Measures the cell and writes {"ok": true, "backend_name", "detail", "isa",
 * "create_cold_ms", "create_warm_ms", "latencies_ms": [...], "layers": [...],
 * "record_error" (when recording failed)} to out, or
 * {"ok": false, "error": "..."}. Cold is the first session of the process, with an empty
 * shader/pipeline cache (a new directory under $TMPDIR, removed afterwards); warm is a second
 * session created right after, with the cache the first one filled. Returns 0 when it ran. */
int eml_bench_cell_run(const eml_bench_cell *cell, FILE *out);

#endif /* EML_BENCH_CELL_H */
