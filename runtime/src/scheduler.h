/*
 * scheduler.h — the session's scheduler: which backend runs each node of a graph, and the
 * partitions that follows from it. The chosen device takes the nodes it supports
 * (eml_backend.supports_node); with EDGEML_SESSION_CPU_FALLBACK the CPU backend takes the
 * others. Consecutive nodes of one backend form a partition, which its backend prepares as a
 * graph of its own; the tensors crossing from one partition to another are listed as
 * transfers, which the session makes before each partition runs (session.c).
 */
#ifndef EML_SCHEDULER_H
#define EML_SCHEDULER_H

#include <stdint.h>

#include "backend.h"

/* A partition: consecutive nodes of the graph that one backend runs, prepared as a graph of
 * its own. Tensor numbers are the model's in every partition (its tensor array is a copy of
 * the model's with its own input/output flags); node i of it is node first + i of the model. */
typedef struct eml_part {
	const eml_backend *backend;
	void *state;
	eml_graph graph;     /* the model's graph itself when the session has one partition */
	eml_tensor *tensors; /* the subgraph's (NULL with one partition) */
	uint32_t *io;	     /* its inputs, then its outputs */
	uint32_t first;	     /* the model's index of its first node */
} eml_part;

/* A tensor copied, before partition part runs, from the memory where another partition
 * wrote it (or where the session keeps a graph input) into part's own input buffer. */
typedef struct eml_transfer {
	uint32_t tensor;
	uint32_t part;
	uint32_t node;	 /* the model's first node of part reading it (its profile entry) */
	int32_t input;	 /* the graph input it is, or -1 */
	const void *src;
	void *dst;
	uint64_t bytes;
	double ms;	 /* the last run's copy */
	int done;	 /* copied in the last run (an imported input is not) */
} eml_transfer;

/* A graph prepared across backends. */
typedef struct eml_schedule {
	eml_part *parts; /* in graph order */
	uint32_t n_parts;
	uint32_t main;	 /* the first partition on the chosen device (0 when it has none) */
	eml_transfer *transfers; /* in the order they are made */
	uint32_t n_transfers;
} eml_schedule;

/* Prepares graph on backend's device (dev_opts: options naming it), whole, or, when dev_opts
 * allow the CPU fallback and the device lacks some nodes, as partitions: the device's with
 * dev_opts, the CPU's with opts. On failure, what was made is in *s for eml_schedule_free. */
edgeml_status eml_schedule_prepare(const eml_graph *graph, const eml_backend *backend,
				   const edgeml_session_options *dev_opts,
				   const edgeml_session_options *opts, eml_schedule *s);
/* Destroys the partitions' states and subgraphs and forgets the transfers. */
void eml_schedule_free(eml_schedule *s);
/* The first partition whose graph has tensor t as an input (flag EML_TF_INPUT) or output;
 * n_parts when none. */
uint32_t eml_schedule_part_with(const eml_schedule *s, uint32_t t, uint32_t flag);

#endif /* EML_SCHEDULER_H */
