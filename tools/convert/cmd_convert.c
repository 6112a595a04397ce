/* cmd_convert.c — `edgeml convert`: the command line around the converter and the writer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "convert/convert.h"
#include "convert/eml_write.h"

/* Prints the command's help. */
static void usage(FILE *f)
{
	fprintf(f,
		"usage: edgeml convert MODEL.onnx OUT.eml [options]\n\n"
		"Converts an ONNX model (float32, or quantized as QDQ / QLinear ops) to .eml.\n\n"
		"options:\n"
		"  --verbose                    print the graph before and after the passes\n"
		"  --input-shape NAME=D0,D1,... fix the shape of an input with symbolic dims\n"
		"  --constant NAME=FILE         freeze input NAME to the tensor in FILE\n"
		"                               (.npy, or an ONNX TensorProto .pb)\n"
		"  --help                       show this help\n\n"
		"exit status: 0 converted, 1 failed, 2 bad arguments,\n"
		"             3 the model uses an op, attribute or dtype outside the op set\n");
}

/* Parses "NAME=D0,D1,..." into shape; the name points into arg. */
static int parse_shape(char *arg, eml_convert_shape *shape)
{
	char *eq = strrchr(arg, '=');
	if (!eq || eq == arg)
		return 0;
	*eq = '\0';
	shape->name = arg;
	shape->rank = 0;
	char *p = eq + 1;
	if (!*p)
		return 1; /* a scalar */
	for (;;) {
		char *end;
		long long v = strtoll(p, &end, 10);
		if (end == p || v < 0 || shape->rank >= EML_MAX_RANK)
			return 0;
		shape->dims[shape->rank++] = v;
		if (*end == '\0')
			return 1;
		if (*end != ',' && *end != 'x')
			return 0;
		p = end + 1;
	}
}

/* Everything the command allocates, freed in one place. */
typedef struct cmd_state {
	eml_convert_shape *shapes;
	eml_tensor *constants;
	uint32_t n_shapes, n_constants;
	eml_converted *conv;
} cmd_state;

/* Frees the command's state. */
static void cmd_free(cmd_state *s)
{
	for (uint32_t i = 0; i < s->n_constants; i++)
		free((void *)s->constants[i].data);
	free(s->shapes);
	free(s->constants);
	eml_converted_free(s->conv);
}

/* Parses the arguments into s and the option struct; returns an exit code or -1 to go on. */
static int parse_args(int argc, char **argv, cmd_state *s, eml_convert_options *opt,
		      const char **paths)
{
	int n_paths = 0;
	s->shapes = calloc((size_t)argc + 1, sizeof(*s->shapes));
	s->constants = calloc((size_t)argc + 1, sizeof(*s->constants));
	if (!s->shapes || !s->constants) {
		fprintf(stderr, "edgeml convert: out of memory\n");
		return 1;
	}
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(a, "--verbose") == 0 || strcmp(a, "-v") == 0) {
			opt->log = stdout;
		} else if (strcmp(a, "--input-shape") == 0 && i + 1 < argc) {
			if (!parse_shape(argv[++i], &s->shapes[s->n_shapes])) {
				fprintf(stderr,
					"edgeml convert: --input-shape wants NAME=D0,D1,... "
					"with dims >= 0, got '%s'\n",
					argv[i]);
				return 2;
			}
			s->n_shapes++;
		} else if (strcmp(a, "--constant") == 0 && i + 1 < argc) {
			char *arg = argv[++i];
			char *eq = strchr(arg, '=');
			if (!eq || eq == arg || !eq[1]) {
				fprintf(stderr,
					"edgeml convert: --constant wants NAME=FILE, got '%s'\n",
					arg);
				return 2;
			}
			*eq = '\0';
			eml_tensor *t = &s->constants[s->n_constants];
			edgeml_status st = eml_convert_read_tensor_file(eq + 1, t);
			if (st) {
				fprintf(stderr, "edgeml convert: --constant %s: %s\n", arg,
					edgeml_last_error());
				return 1;
			}
			t->name = arg;
			s->n_constants++;
		} else if (a[0] == '-' && a[1]) {
			fprintf(stderr, "edgeml convert: unknown or incomplete option '%s'\n", a);
			usage(stderr);
			return 2;
		} else if (n_paths < 2) {
			paths[n_paths++] = a;
		} else {
			fprintf(stderr, "edgeml convert: unexpected argument '%s'\n", a);
			return 2;
		}
	}
	if (n_paths != 2) {
		usage(stderr);
		return 2;
	}
	opt->shapes = s->shapes;
	opt->n_shapes = s->n_shapes;
	opt->constants = s->constants;
	opt->n_constants = s->n_constants;
	return -1;
}

int edgeml_cmd_convert(int argc, char **argv)
{
	cmd_state s;
	eml_convert_options opt;
	const char *paths[2] = { NULL, NULL };
	memset(&s, 0, sizeof(s));
	memset(&opt, 0, sizeof(opt));
	int rc = parse_args(argc, argv, &s, &opt, paths);
	if (rc >= 0) {
		cmd_free(&s);
		return rc;
	}
	edgeml_status st = eml_convert_file(paths[0], &opt, &s.conv);
	if (!st)
		st = eml_write_file(&s.conv->graph, paths[1]);
	if (st) {
		fprintf(stderr, "edgeml convert: %s: %s\n", edgeml_status_string(st),
			edgeml_last_error());
		cmd_free(&s);
		/* A distinct exit status lets scripts (the conformance runner) tell "outside the
		 * op set" from a failure. */
		return st == EDGEML_ERR_UNSUPPORTED ? 3 : 1;
	}
	if (opt.log)
		printf("wrote %s: %u nodes, %u tensors\n", paths[1], s.conv->graph.n_nodes,
		       s.conv->graph.n_tensors);
	cmd_free(&s);
	return 0;
}
