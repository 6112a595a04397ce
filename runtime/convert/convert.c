/*
 * convert.c — the conversion pipeline: parse the ONNX protobuf, import, sort, infer and
 * fold constants, run the rewrite passes, re-infer, export and validate the eml_graph.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert/convert_steps.h"
#include "error.h"

/* What an eml_converted owns behind its graph. */
typedef struct converted_priv {
	cv_graph g;
	void *storage; /* export arrays */
} converted_priv;

/* Prints a pass's count in verbose mode. */
static void report(FILE *log, const char *pass, uint32_t count, const char *what)
{
	if (log)
		fprintf(log, "pass %-16s %u %s\n", pass, count, what);
}

/* Runs one counting pass and logs what it did. */
static edgeml_status run_pass(cv_graph *g, FILE *log,
			      edgeml_status (*pass)(cv_graph *g, uint32_t *count), const char *name,
			      const char *what)
{
	uint32_t n = 0;
	edgeml_status st = pass(g, &n);
	if (!st)
		report(log, name, n, what);
	return st;
}

/* Runs every step on an imported graph. */
static edgeml_status run_passes(cv_graph *g, FILE *log)
{
	uint32_t n = 0, folded = 0;
	edgeml_status st = cv_sort_nodes(g);
	if (st)
		return st;
	n = cv_remove_unused_nodes(g);
	cv_compact_nodes(g);
	st = cv_infer(g, CV_FOLD_NONE, NULL);
	if (st)
		return st;
	if (log) {
		cv_print_graph(log, g, "before the passes");
		report(log, "dead-code", n, "unused nodes removed");
	}
	/* Keep DequantizeLinear of constants for now: QDQ folding needs to see them. */
	st = cv_infer(g, CV_FOLD_KEEP_DQ, &folded);
	if (st)
		return st;
	report(log, "fold-constants", folded, "nodes evaluated");
	st = run_pass(g, log, cv_pass_quant_io, "quant-io",
		      "inputs/outputs given quantization parameters");
	if (st)
		return st;
	cv_compact_nodes(g);
	st = run_pass(g, log, cv_pass_qdq, "qdq", "QDQ groups folded into quantized ops");
	if (!st)
		st = cv_infer(g, CV_FOLD_NONE, NULL);
	if (!st)
		st = run_pass(g, log, cv_pass_lookup_mul, "lookup-mul",
			      "QLinearMul of x and a lookup of x folded into one lookup");
	if (!st)
		st = run_pass(g, log, cv_pass_batchnorm, "batchnorm",
			      "BatchNormalization, Mul, Add folded into Conv/ConvTranspose");
	if (!st)
		st = run_pass(g, log, cv_pass_activation, "activation", "Relu/Clip fused");
	if (!st)
		st = run_pass(g, log, cv_pass_hswish, "hswish", "HardSigmoid + Mul into HardSwish");
	if (!st)
		st = run_pass(g, log, cv_pass_activation_fn, "activation-fn",
			      "Sigmoid, Swish, HardSwish fused into Conv");
	if (!st)
		st = run_pass(g, log, cv_pass_dead_taps, "dead-taps",
			      "convolutions cut to the taps that read the input");
	if (!st)
		st = run_pass(g, log, cv_pass_identity, "identity", "Identity removed");
	if (!st)
		st = run_pass(g, log, cv_pass_image_quant, "image-quant",
			      "QuantizeLinear folded into ImagePreprocess");
	if (st)
		return st;
	folded = 0;
	st = cv_infer(g, CV_FOLD_ALL, &folded);
	if (st)
		return st;
	n = cv_remove_unused_nodes(g);
	cv_compact_nodes(g);
	report(log, "fold-constants", folded, "more nodes evaluated");
	report(log, "dead-code", n, "unused nodes removed");
	if (log)
		cv_print_graph(log, g, "after the passes");
	return EDGEML_OK;
}

edgeml_status eml_convert_buffer(const void *buf, size_t len, const eml_convert_options *options,
				 eml_converted **out)
{
	if (!out)
		return eml_error(EDGEML_ERR_INVALID_ARGUMENT, "eml_convert_buffer: out is NULL");
	*out = NULL;
	if (!buf && len)
		return eml_error(EDGEML_ERR_INVALID_ARGUMENT, "eml_convert_buffer: buf is NULL");
	if (len > EML_CONVERT_MAX_FILE)
		return eml_error(EDGEML_ERR_UNSUPPORTED,
				 "ONNX model of %zu bytes exceeds the 2 GiB limit", len);
	Onnx__ModelProto *m = onnx__model_proto__unpack(NULL, len, buf);
	if (!m)
		return eml_error(EDGEML_ERR_FORMAT,
				 "not a valid ONNX model: the protobuf message does not parse");
	eml_converted *conv = calloc(1, sizeof(*conv));
	converted_priv *p = calloc(1, sizeof(*p));
	if (!conv || !p) {
		free(conv);
		free(p);
		onnx__model_proto__free_unpacked(m, NULL);
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory");
	}
	conv->priv = p;
	cv_graph_init(&p->g);
	edgeml_status st = cv_import_onnx(&p->g, m, options);
	if (!st && options && options->n_images)
		st = cv_pass_image_input(&p->g, options->images, options->n_images);
	/* If nodes point into the model's branch graphs until the passes inline them. */
	if (!st)
		st = run_passes(&p->g, options ? options->log : NULL);
	onnx__model_proto__free_unpacked(m, NULL);
	if (!st)
		st = cv_export(&p->g, &conv->graph, &p->storage);
	if (!st) {
		st = eml_graph_validate(&conv->graph);
		if (st)
			eml_error_context(st, "converted graph is invalid (a converter bug): ");
	}
	if (st) {
		eml_converted_free(conv);
		return st;
	}
	*out = conv;
	return EDGEML_OK;
}

edgeml_status eml_convert_file(const char *path, const eml_convert_options *options,
			       eml_converted **out)
{
	if (!out || !path)
		return eml_error(EDGEML_ERR_INVALID_ARGUMENT, "eml_convert_file: NULL argument");
	*out = NULL;
	FILE *f = fopen(path, "rb");
	if (!f)
		return eml_error(EDGEML_ERR_IO, "%s: cannot open", path);
	edgeml_status st = EDGEML_OK;
	size_t cap = 1 << 16, len = 0;
	uint8_t *buf = malloc(cap);
	while (buf) {
		if (len == cap) {
			if (cap > EML_CONVERT_MAX_FILE) {
				st = eml_error(EDGEML_ERR_UNSUPPORTED, "%s: larger than 2 GiB",
					       path);
				break;
			}
			uint8_t *nb = realloc(buf, cap * 2);
			if (!nb)
				break;
			buf = nb;
			cap *= 2;
		}
		size_t got = fread(buf + len, 1, cap - len, f);
		len += got;
		if (got == 0)
			break;
	}
	if (!buf)
		st = eml_error(EDGEML_ERR_NO_MEMORY, "%s: out of memory reading", path);
	else if (!st && ferror(f))
		st = eml_error(EDGEML_ERR_IO, "%s: read error", path);
	else if (!st && len == cap)
		st = eml_error(EDGEML_ERR_NO_MEMORY, "%s: out of memory reading", path);
	fclose(f);
	if (!st) {
		st = eml_convert_buffer(buf, len, options, out);
		if (st)
			eml_error_context(st, "%s: ", path);
	}
	free(buf);
	return st;
}

void eml_converted_free(eml_converted *conv)
{
	if (!conv)
		return;
	converted_priv *p = conv->priv;
	if (p) {
		cv_graph_free(&p->g);
		free(p->storage);
		free(p);
	}
	free(conv);
}
