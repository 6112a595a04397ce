/*
 * onnx_import.c — ONNX ModelProto → the converter's graph: constants, inputs, outputs and
 * nodes mapped to edgeml ops, with the attribute forms of older opsets rewritten into the
 * canonical input forms of docs/ops.md.
 */
#include <float.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert/convert_steps.h"
#include "error.h"
#include "ops/ops.h"

/* Opset versions the model declares for the domains we read. */
typedef struct opsets {
	int64_t onnx; /* "" / "ai.onnx" */
	int64_t ms;   /* "com.microsoft", 0 if not imported */
} opsets;

/* com.microsoft contrib ops whose semantics match an edgeml-domain op (docs/ops.md). */
static const struct {
	const char *ms_name;
	uint32_t op;
} ms_ops[] = {
	{ "QLinearAdd", EML_OP_QLinearAdd },
	{ "QLinearMul", EML_OP_QLinearMul },
	{ "QGemm", EML_OP_QLinearGemm },
	{ "QLinearAveragePool", EML_OP_QLinearAveragePool },
	{ "QLinearGlobalAveragePool", EML_OP_QLinearGlobalAveragePool },
	{ "QLinearConcat", EML_OP_QLinearConcat },
};

/* A non-NULL string for optional proto2 strings. */
static const char *str(const char *s)
{
	return s ? s : "";
}

/* Whether a domain string names the default ONNX domain. */
static int default_domain(const char *d)
{
	return !d || !*d || strcmp(d, "ai.onnx") == 0;
}

/* Reads the opset_import list. */
static edgeml_status read_opsets(const Onnx__ModelProto *m, opsets *o)
{
	o->onnx = 0;
	o->ms = 0;
	for (size_t i = 0; i < m->n_opset_import; i++) {
		const Onnx__OperatorSetIdProto *p = m->opset_import[i];
		int64_t v = p->has_version ? p->version : 0;
		if (default_domain(p->domain))
			o->onnx = v;
		else if (strcmp(p->domain, "com.microsoft") == 0)
			o->ms = v;
	}
	if (o->onnx <= 0)
		return eml_error(EDGEML_ERR_FORMAT,
				 "model declares no opset version for the default ONNX domain");
	if (o->onnx > EML_CONVERT_MAX_OPSET)
		return eml_error(EDGEML_ERR_UNSUPPORTED,
				 "model declares ai.onnx opset %lld; the converter knows opsets up "
				 "to %d, and a newer one may change what an op means (export the "
				 "model for opset %d or older)",
				 (long long)o->onnx, EML_CONVERT_MAX_OPSET, EML_CONVERT_MAX_OPSET);
	return EDGEML_OK;
}

/* Maps a node's (domain, op_type) to an edgeml op; unsupported ops are an error naming the
 * node, op, domain and opset. */
static edgeml_status map_op(const Onnx__NodeProto *np, const char *name, const opsets *o,
			    uint32_t *op, int64_t *opset)
{
	const char *type = str(np->op_type);
	if (default_domain(np->domain)) {
		*opset = o->onnx;
		uint32_t k = eml_op_from_name(type);
		/* Ops from 96 on are edgeml-domain ops, not ONNX ones. */
		if (k != EML_OP_INVALID && k < EML_OP_QLinearAdd) {
			*op = k;
			return EDGEML_OK;
		}
		if (strcmp(type, "Dropout") == 0) {
			/* Inference-mode Dropout; checked in canonicalise(). */
			*op = EML_OP_Identity;
			return EDGEML_OK;
		}
		if (strcmp(type, "Einsum") == 0) {
			/* A batched matrix product; rewritten in canonicalise(). */
			*op = EML_OP_MatMul;
			return EDGEML_OK;
		}
		/* Ops folded at conversion (shape computations), not run. */
		k = cv_converter_op_from_name(type);
		if (k != EML_OP_INVALID) {
			*op = k;
			return EDGEML_OK;
		}
		return eml_error(EDGEML_ERR_UNSUPPORTED,
				 "node '%s' (%s, opset %lld): op not supported", name, type,
				 (long long)o->onnx);
	}
	if (strcmp(np->domain, "com.microsoft") == 0) {
		*opset = o->ms;
		for (size_t i = 0; i < sizeof(ms_ops) / sizeof(ms_ops[0]); i++) {
			if (strcmp(type, ms_ops[i].ms_name) == 0) {
				*op = ms_ops[i].op;
				return EDGEML_OK;
			}
		}
	}
	return eml_error(EDGEML_ERR_UNSUPPORTED,
			 "node '%s' (%s, domain %s, opset %lld): op not supported", name, type,
			 np->domain,
			 (long long)(strcmp(np->domain, "com.microsoft") == 0 ? o->ms : 0));
}

/* Copies one ONNX attribute onto node. */
/* LSTM/GRU activations: the defaults spelled out (Sigmoid, Tanh[, Tanh] per direction, as
 * tf2onnx writes them) are dropped; others are refused, the kernels having only those. */
static edgeml_status rnn_activations(cv_graph *g, uint32_t node, const Onnx__AttributeProto *a)
{
	static const char *const dflt[3] = { "Sigmoid", "Tanh", "Tanh" };
	const cv_node *n = &g->nodes[node];
	size_t per = n->op == EML_OP_LSTM ? 3 : 2;
	int ok = a->has_type && a->type == ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRINGS &&
		 (a->n_strings == per || a->n_strings == 2 * per);
	for (size_t i = 0; ok && i < a->n_strings; i++) {
		const char *want = dflt[i % per];
		ok = a->strings[i].len == strlen(want) &&
		     memcmp(a->strings[i].data, want, a->strings[i].len) == 0;
	}
	if (!ok)
		return eml_error(EDGEML_ERR_UNSUPPORTED,
				 "node '%s' (%s): attribute 'activations': only the defaults "
				 "(Sigmoid, Tanh%s per direction) are supported",
				 n->name, cv_op_name(n->op), per == 3 ? ", Tanh" : "");
	return EDGEML_OK;
}

static edgeml_status import_attr(cv_graph *g, uint32_t node, const Onnx__AttributeProto *a)
{
	const char *nn = g->nodes[node].name;
	const char *an = str(a->name);
	if (!*an)
		return eml_error(EDGEML_ERR_FORMAT, "node '%s': attribute without a name", nn);
	if (a->ref_attr_name)
		return eml_error(EDGEML_ERR_UNSUPPORTED,
				 "node '%s': attribute '%s' refers to a function attribute", nn,
				 an);
	cv_node *n = &g->nodes[node];
	int then = strcmp(an, "then_branch") == 0;
	if (n->op == CV_OP_If && (then || strcmp(an, "else_branch") == 0) && a->g) {
		n->branches[then ? 0 : 1] = a->g;
		return EDGEML_OK;
	}
	if (n->op == CV_OP_ConstantOfShape && strcmp(an, "value") == 0 && a->t) {
		/* The fill value becomes input 1, as a constant. */
		eml_tensor d;
		void *data;
		uint32_t t;
		edgeml_status st = cv_tensor_from_proto(a->t, nn, &d, &data);
		if (!st)
			st = cv_add_constant(g, nn, d.dtype, d.rank, d.dims, data, d.data_size, &t);
		free(data);
		if (!st)
			st = cv_resize_inputs(g, node, 2);
		if (!st)
			g->nodes[node].inputs[1] = t;
		return st;
	}
	if ((n->op == EML_OP_LSTM || n->op == EML_OP_GRU) && strcmp(an, "activations") == 0)
		return rnn_activations(g, node, a);
	switch (a->has_type ? a->type : ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__UNDEFINED) {
	case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT: return cv_set_attr_int(g, node, an, a->i);
	case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT:
		return cv_set_attr_float(g, node, an, a->f);
	case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING:
		if (a->s.len > CV_MAX_ATTR_ELEMS || (a->s.len && memchr(a->s.data, 0, a->s.len)))
			return eml_error(EDGEML_ERR_FORMAT,
					 "node '%s': attribute '%s' is not a valid string", nn, an);
		return cv_set_attr_string(g, node, an, (const char *)a->s.data, (uint32_t)a->s.len);
	case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS:
		if (a->n_ints > CV_MAX_ATTR_ELEMS)
			break;
		return cv_set_attr_ints(g, node, an, a->ints, (uint32_t)a->n_ints);
	case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS:
		if (a->n_floats > CV_MAX_ATTR_ELEMS)
			break;
		return cv_set_attr_floats(g, node, an, a->floats, (uint32_t)a->n_floats);
	default: break;
	}
	return eml_error(
		EDGEML_ERR_UNSUPPORTED,
		"node '%s' (%s): attribute '%s' has a type (%d) or size that is not supported", nn,
		cv_op_name(g->nodes[node].op), an, a->has_type ? (int)a->type : 0);
}

/* The ONNX attribute of that name on np, or NULL. */
static const Onnx__AttributeProto *proto_attr(const Onnx__NodeProto *np, const char *name)
{
	for (size_t i = 0; i < np->n_attribute; i++)
		if (strcmp(str(np->attribute[i]->name), name) == 0)
			return np->attribute[i];
	return NULL;
}

/* Turns a Constant node into a constant tensor named after its output. */
static edgeml_status import_constant_node(cv_graph *g, const Onnx__NodeProto *np, const char *name)
{
	if (np->n_output != 1 || !*str(np->output[0]))
		return eml_error(EDGEML_ERR_FORMAT,
				 "node '%s' (Constant): needs exactly one output", name);
	const char *out = np->output[0];
	if (cv_find_tensor(g, out) != UINT32_MAX)
		return eml_error(EDGEML_ERR_FORMAT,
				 "node '%s' (Constant): output '%s' is defined more than once",
				 name, out);
	eml_tensor d;
	void *data = NULL;
	memset(&d, 0, sizeof(d));
	const Onnx__AttributeProto *a;
	edgeml_status st;
	if ((a = proto_attr(np, "value")) && a->t) {
		st = cv_tensor_from_proto(a->t, out, &d, &data);
		if (st)
			return st;
	} else if ((a = proto_attr(np, "value_float")) || (a = proto_attr(np, "value_int"))) {
		int is_f = strcmp(str(a->name), "value_float") == 0;
		d.dtype = is_f ? EDGEML_DTYPE_FLOAT32 : EDGEML_DTYPE_INT64;
		d.data_size = is_f ? 4 : 8;
		data = malloc(8);
		if (!data)
			return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory");
		if (is_f)
			memcpy(data, &a->f, 4);
		else
			memcpy(data, &a->i, 8);
	} else if ((a = proto_attr(np, "value_floats")) || (a = proto_attr(np, "value_ints"))) {
		int is_f = strcmp(str(a->name), "value_floats") == 0;
		size_t n = is_f ? a->n_floats : a->n_ints;
		d.dtype = is_f ? EDGEML_DTYPE_FLOAT32 : EDGEML_DTYPE_INT64;
		d.rank = 1;
		d.dims[0] = (int64_t)n;
		d.data_size = n * (is_f ? 4 : 8);
		data = malloc(d.data_size + 1);
		if (!data)
			return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory");
		if (n)
			memcpy(data, is_f ? (void *)a->floats : (void *)a->ints, d.data_size);
	} else {
		return eml_error(
			EDGEML_ERR_UNSUPPORTED,
			"node '%s' (Constant): only value, value_float(s) and value_int(s) "
			"are supported",
			name);
	}
	uint32_t t;
	st = cv_add_tensor(g, out, &t);
	if (st) {
		free(data);
		return st;
	}
	cv_tensor *ct = &g->tensors[t];
	ct->t.dtype = d.dtype;
	ct->t.rank = d.rank;
	memcpy(ct->t.dims, d.dims, sizeof(d.dims));
	ct->shape_known = 1;
	cv_set_constant(g, t, data, d.data_size);
	return EDGEML_OK;
}

/* Adds a float32 scalar constant as input k of node. */
static edgeml_status const_input_f32(cv_graph *g, uint32_t node, uint32_t k, float v)
{
	uint32_t t;
	edgeml_status st = cv_add_constant(g, g->nodes[node].name, EDGEML_DTYPE_FLOAT32, 0, NULL,
					   &v, sizeof(v), &t);
	if (!st)
		g->nodes[node].inputs[k] = t;
	return st;
}

/* Adds a 1-D int64 constant as input k of node. */
static edgeml_status const_input_ints(cv_graph *g, uint32_t node, uint32_t k, const int64_t *v,
				      uint32_t n)
{
	uint32_t t;
	int64_t dim = n;
	edgeml_status st = cv_add_constant(g, g->nodes[node].name, EDGEML_DTYPE_INT64, 1, &dim, v,
					   (uint64_t)n * sizeof(int64_t), &t);
	if (!st)
		g->nodes[node].inputs[k] = t;
	return st;
}

/* Moves an INTS attribute into input k (Squeeze/Unsqueeze axes, Pad pads, Reshape shape). */
static edgeml_status ints_attr_to_input(cv_graph *g, uint32_t node, const char *attr, uint32_t k)
{
	eml_node v;
	cv_node_view(g, node, &v);
	const eml_attr *a = eml_node_attr(&v, attr);
	if (!a)
		return EDGEML_OK;
	if (a->type != EML_ATTR_INTS)
		return eml_error(EDGEML_ERR_FORMAT,
				 "node '%s': attribute '%s' must be a list of ints", v.name, attr);
	edgeml_status st = cv_resize_inputs(g, node, k + 1 > v.n_inputs ? k + 1 : v.n_inputs);
	if (!st)
		st = const_input_ints(g, node, k, a->ints, a->count);
	if (!st)
		cv_remove_attr(g, node, attr);
	return st;
}

/* Reads a FLOAT attribute of a node being canonicalised. */
static edgeml_status float_attr(cv_graph *g, uint32_t node, const char *attr, int *present,
				float *v)
{
	eml_node view;
	cv_node_view(g, node, &view);
	const eml_attr *a = eml_node_attr(&view, attr);
	*present = a != NULL;
	if (!a)
		return EDGEML_OK;
	if (a->type != EML_ATTR_FLOAT)
		return eml_error(EDGEML_ERR_FORMAT, "node '%s': attribute '%s' must be a float",
				 view.name, attr);
	*v = a->f;
	return EDGEML_OK;
}

/* An int attribute of a node being canonicalised (dflt when absent). */
static int64_t int_attr(cv_graph *g, uint32_t node, const char *attr, int64_t dflt)
{
	eml_node view;
	int64_t v = dflt;
	cv_node_view(g, node, &view);
	if (eml_attr_int(&view, attr, dflt, &v))
		return dflt;
	return v;
}

/* Error for an attribute value the converter does not handle. */
static edgeml_status unsupported_attr(cv_graph *g, uint32_t node, const char *what)
{
	const cv_node *n = &g->nodes[node];
	return eml_error(EDGEML_ERR_UNSUPPORTED, "node '%s' (%s, opset %lld): %s is not supported",
			 n->name, cv_op_name(n->op), (long long)n->opset, what);
}

/* Whether a Dropout with a training_mode input passes its input through: training_mode a
 * constant false, or the ratio a constant 0 (no element dropped, scale 1). */
static int dropout_passes_through(const cv_graph *g, const cv_node *n)
{
	uint32_t mode = n->inputs[2], ratio = n->n_inputs > 1 ? n->inputs[1] : EML_NO_TENSOR;
	if (!cv_is_constant(g, mode) || eml_tensor_numel(&g->tensors[mode].t) != 1)
		return 0;
	if (cv_const_elem(&g->tensors[mode].t, 0) == 0.0)
		return 1;
	return ratio != EML_NO_TENSOR && cv_is_constant(g, ratio) &&
	       eml_tensor_numel(&g->tensors[ratio].t) == 1 &&
	       cv_const_elem(&g->tensors[ratio].t, 0) == 0.0;
}

/* Adds Transpose(src) swapping the last two of rank axes, into *dst (a new tensor when
 * *dst is EML_NO_TENSOR). */
static edgeml_status swap_last_two(cv_graph *g, uint32_t node, const char *what, uint32_t src,
				   uint32_t rank, uint32_t *dst)
{
	char name[256];
	int64_t perm[EML_MAX_RANK];
	uint32_t id;
	snprintf(name, sizeof(name), "%s/%s", g->nodes[node].name, what);
	edgeml_status st = *dst == EML_NO_TENSOR ? cv_add_unique_tensor(g, name, dst) : EDGEML_OK;
	if (!st)
		st = cv_add_node(g, name, EML_OP_Transpose, 1, 1, &id);
	if (st)
		return st;
	for (uint32_t k = 0; k < rank; k++)
		perm[k] = k;
	perm[rank - 2] = rank - 1;
	perm[rank - 1] = rank - 2;
	g->nodes[id].inputs[0] = src;
	g->nodes[id].outputs[0] = *dst;
	g->nodes[id].opset = 13;
	return cv_set_attr_ints(g, id, "perm", perm, rank);
}

/* Einsum as a batched matrix product (attention's "bhid,bhjd->bhij" and "bhij,bhjd->bhid",
 * MaxViT's, Hugging Face exports'): both operands and the output share their leading batch
 * letters in one order, each operand's last two letters are a free one and the contracted
 * one (either order), the output ends with the two free ones (either order). It becomes a
 * MatMul with the operands and output transposed where their letters stand the other way.
 * Any other equation (ellipses, reductions, diagonals, three operands) is refused by name. */
static edgeml_status canon_einsum(cv_graph *g, uint32_t node)
{
	eml_node view;
	const char *eq = NULL;
	cv_node_view(g, node, &view);
	if (eml_attr_string(&view, "equation", NULL, &eq) || !eq)
		return unsupported_attr(g, node, "Einsum without an equation");
	char t[3][EML_MAX_RANK + 1];
	uint32_t len[3] = { 0, 0, 0 }, part = 0;
	int ok = 1;
	for (const char *c = eq; *c && ok; c++) {
		if (*c == ' ')
			continue;
		if (*c == ',' && part == 0) {
			part = 1;
		} else if (*c == '-' && c[1] == '>' && part == 1) {
			part = 2;
			c++;
		} else if (((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z')) &&
			   len[part] < EML_MAX_RANK) {
			t[part][len[part]++] = *c;
		} else {
			ok = 0;
		}
	}
	uint32_t r = len[0];
	ok = ok && part == 2 && r >= 2 && len[1] == r && len[2] == r &&
	     g->nodes[node].n_inputs == 2;
	if (g->nodes[node].n_outputs != 1 || g->nodes[node].outputs[0] == EML_NO_TENSOR)
		return unsupported_attr(g, node, "Einsum without exactly one output");
	for (uint32_t k = 0; ok && k + 2 < r; k++)
		ok = t[1][k] == t[0][k] && t[2][k] == t[0][k];
	for (uint32_t p = 0; ok && p < 3; p++)
		for (uint32_t k = 0; ok && k < r; k++)
			for (uint32_t m = k + 1; m < r; m++)
				ok = ok && t[p][k] != t[p][m];
	/* the contracted letter: in both operands' last two, not in the output */
	char con = 0;
	for (uint32_t k = r - 2; ok && k < r; k++)
		if ((t[0][k] == t[1][r - 2] || t[0][k] == t[1][r - 1]) &&
		    t[0][k] != t[2][r - 2] && t[0][k] != t[2][r - 1])
			con = t[0][k];
	if (!ok || !con) {
		char why[320];
		snprintf(why, sizeof(why),
			 "Einsum equation '%s' (only batched matrix products are taken)", eq);
		return unsupported_attr(g, node, why);
	}
	char i = t[0][r - 2] == con ? t[0][r - 1] : t[0][r - 2];
	char j = t[1][r - 2] == con ? t[1][r - 1] : t[1][r - 2];
	int out_ij = t[2][r - 2] == i && t[2][r - 1] == j;
	if (i == j || (!out_ij && !(t[2][r - 2] == j && t[2][r - 1] == i))) {
		char why[320];
		snprintf(why, sizeof(why), "Einsum equation '%s' (the output is not the product)",
			 eq);
		return unsupported_attr(g, node, why);
	}
	edgeml_status st = EDGEML_OK;
	uint32_t a = g->nodes[node].inputs[0], b = g->nodes[node].inputs[1];
	uint32_t ta = EML_NO_TENSOR, tb = EML_NO_TENSOR;
	if (t[0][r - 2] == con)
		st = swap_last_two(g, node, "einsum_a", a, r, &ta);
	if (!st && t[1][r - 1] == con)
		st = swap_last_two(g, node, "einsum_b", b, r, &tb);
	if (!st && !out_ij) {
		/* the MatMul writes the product, a Transpose of it the Einsum's output */
		uint32_t y = g->nodes[node].outputs[0], prod;
		char name[256];
		snprintf(name, sizeof(name), "%s/einsum_ji", g->nodes[node].name);
		st = cv_add_unique_tensor(g, name, &prod);
		if (!st)
			st = swap_last_two(g, node, "einsum_out", prod, r, &y);
		if (!st)
			g->nodes[node].outputs[0] = prod;
	}
	if (st)
		return st;
	g->nodes[node].inputs[0] = ta == EML_NO_TENSOR ? a : ta;
	g->nodes[node].inputs[1] = tb == EML_NO_TENSOR ? b : tb;
	cv_remove_attr(g, node, "equation");
	return EDGEML_OK;
}

/* Clip < 11: min/max attributes → inputs 1 and 2 (absent attribute = no bound). */
static edgeml_status canon_clip(cv_graph *g, uint32_t node)
{
	float lo = -FLT_MAX, hi = FLT_MAX;
	int has_lo, has_hi;
	edgeml_status st = float_attr(g, node, "min", &has_lo, &lo);
	if (!st)
		st = float_attr(g, node, "max", &has_hi, &hi);
	if (!st)
		st = cv_resize_inputs(g, node, 3);
	if (!st && has_lo)
		st = const_input_f32(g, node, 1, lo);
	if (!st && has_hi)
		st = const_input_f32(g, node, 2, hi);
	cv_remove_attr(g, node, "min");
	cv_remove_attr(g, node, "max");
	return st;
}

/* Pad < 11: pads (opset 1: paddings) and value attributes → inputs 1 and 2. */
static edgeml_status canon_pad(cv_graph *g, uint32_t node)
{
	float value = 0.0f;
	int has_value;
	edgeml_status st = ints_attr_to_input(g, node, "pads", 1);
	if (!st)
		st = ints_attr_to_input(g, node, "paddings", 1);
	if (!st)
		st = float_attr(g, node, "value", &has_value, &value);
	if (!st)
		st = cv_resize_inputs(g, node, 3);
	/* Pad < 11 is defined for float types only, so the value is a float. */
	if (!st && has_value)
		st = const_input_f32(g, node, 2, value);
	cv_remove_attr(g, node, "value");
	return st;
}

/* Resize 10: (X, scales) → (X, roi, scales, sizes), with the opset-10 coordinate mapping. */
static edgeml_status canon_resize10(cv_graph *g, uint32_t node)
{
	cv_node *n = &g->nodes[node];
	if (n->n_inputs != 2)
		return eml_error(EDGEML_ERR_FORMAT, "node '%s' (Resize, opset 10): needs 2 inputs",
				 n->name);
	uint32_t scales = n->inputs[1];
	edgeml_status st = cv_resize_inputs(g, node, 4);
	if (st)
		return st;
	g->nodes[node].inputs[1] = EML_NO_TENSOR;
	g->nodes[node].inputs[2] = scales;
	/* Resize-10 maps output to input coordinates as x_in = x_out / scale and takes the
	 * floor for nearest, as Upsample does. */
	st = cv_set_attr_string(g, node, "coordinate_transformation_mode", "asymmetric", 10);
	if (!st)
		st = cv_set_attr_string(g, node, "nearest_mode", "floor", 5);
	return st;
}

/* Slice-1 takes starts, ends and axes as attributes: they become inputs 1-3. */
static edgeml_status canon_slice1(cv_graph *g, uint32_t node)
{
	eml_node v;
	cv_node_view(g, node, &v);
	if (!eml_node_attr(&v, "starts") || !eml_node_attr(&v, "ends"))
		return eml_error(EDGEML_ERR_FORMAT, "node '%s': attributes starts and ends are "
				 "required", v.name);
	edgeml_status st = ints_attr_to_input(g, node, "starts", 1);
	if (!st)
		st = ints_attr_to_input(g, node, "ends", 2);
	if (!st)
		st = ints_attr_to_input(g, node, "axes", 3);
	return st;
}

/* Rewrites the older-opset forms of a freshly imported node into docs/ops.md's canonical
 * forms; rejects the legacy variants that have no canonical form. */
static edgeml_status canonicalise(cv_graph *g, uint32_t node, const Onnx__NodeProto *np)
{
	cv_node *n = &g->nodes[node];
	int64_t v = n->opset;
	cv_remove_attr(g, node, "consumed_inputs"); /* opset-1 memory hint, meaningless here */
	switch (n->op) {
	case EML_OP_Clip: return v < 11 ? canon_clip(g, node) : EDGEML_OK;
	case EML_OP_MatMul:
		return strcmp(str(np->op_type), "Einsum") == 0 ? canon_einsum(g, node) : EDGEML_OK;
	case EML_OP_Squeeze:
	case EML_OP_Unsqueeze: return v < 13 ? ints_attr_to_input(g, node, "axes", 1) : EDGEML_OK;
	case EML_OP_Pad: return v < 11 ? canon_pad(g, node) : EDGEML_OK;
	case EML_OP_Reshape: return v < 5 ? ints_attr_to_input(g, node, "shape", 1) : EDGEML_OK;
	case EML_OP_Resize: return v < 11 ? canon_resize10(g, node) : EDGEML_OK;
	case EML_OP_ReduceMean:
	case EML_OP_ReduceMax: return v < 18 ? ints_attr_to_input(g, node, "axes", 1) : EDGEML_OK;
	case EML_OP_ReduceSum: return v < 13 ? ints_attr_to_input(g, node, "axes", 1) : EDGEML_OK;
	case EML_OP_Slice: return v < 10 ? canon_slice1(g, node) : EDGEML_OK;
	case EML_OP_Split: return v < 13 ? ints_attr_to_input(g, node, "split", 1) : EDGEML_OK;
	case EML_OP_Concat:
		if (v < 4 && int_attr(g, node, "axis", INT64_MIN) == INT64_MIN)
			return cv_set_attr_int(g, node, "axis", 1);
		return EDGEML_OK;
	case EML_OP_Add:
	case EML_OP_Mul:
	case EML_OP_Sub:
	case EML_OP_Div:
	case EML_OP_Gemm:
		/* Before opset 7 broadcasting was opt-in; without an axis it matches numpy's. */
		if (v < 7 && n->op != EML_OP_Gemm && int_attr(g, node, "broadcast", 0) &&
		    int_attr(g, node, "axis", INT64_MIN) != INT64_MIN)
			return unsupported_attr(g, node, "legacy broadcasting with 'axis'");
		cv_remove_attr(g, node, "broadcast");
		return EDGEML_OK;
	case EML_OP_BatchNormalization:
		if (int_attr(g, node, "training_mode", 0) != 0)
			return unsupported_attr(g, node, "training_mode=1");
		if (int_attr(g, node, "spatial", 1) != 1)
			return unsupported_attr(g, node, "spatial=0");
		cv_remove_attr(g, node, "spatial");
		cv_remove_attr(g, node, "is_test");
		cv_remove_attr(g, node, "momentum");
		cv_remove_attr(g, node, "training_mode");
		for (uint32_t k = 1; k < g->nodes[node].n_outputs; k++)
			if (g->nodes[node].outputs[k] != EML_NO_TENSOR)
				return unsupported_attr(g, node, "a training output (mean/var)");
		if (g->nodes[node].n_outputs > 1)
			g->nodes[node].n_outputs = 1;
		return EDGEML_OK;
	case EML_OP_MaxPool:
		if (n->n_outputs > 1 && n->outputs[1] != EML_NO_TENSOR)
			return unsupported_attr(g, node, "the Indices output");
		if (n->n_outputs > 1)
			n->n_outputs = 1;
		return EDGEML_OK;
	case EML_OP_Identity:
		if (strcmp(str(np->op_type), "Dropout") != 0)
			return EDGEML_OK;
		/* Inference-mode Dropout passes its input through, as does training mode at
		 * ratio 0 (torch's attention exports pass dropout_p = 0 with training_mode
		 * true). */
		if (n->n_inputs > 2 && n->inputs[2] != EML_NO_TENSOR &&
		    !dropout_passes_through(g, n))
			return unsupported_attr(g, node, "Dropout with a training_mode input");
		/* its mask output (all true) is dropped: a node or graph output that reads it
		 * then fails to import, naming the tensor no node computes */
		if (int_attr(g, node, "is_test", 1) == 0)
			return unsupported_attr(g, node, "Dropout in training mode");
		if (n->n_inputs > 1)
			n->n_inputs = 1;
		if (n->n_outputs > 1)
			n->n_outputs = 1;
		while (g->nodes[node].n_attrs)
			cv_remove_attr(g, node, g->nodes[node].attrs[0].name);
		return EDGEML_OK;
	case EML_OP_QLinearAveragePool:
	case EML_OP_QLinearGlobalAveragePool:
		if (int_attr(g, node, "channels_last", 0) != 0)
			return unsupported_attr(g, node, "channels_last=1");
		cv_remove_attr(g, node, "channels_last");
		return EDGEML_OK;
	case EML_OP_QLinearGemm:
		if (n->n_inputs < 8 || n->inputs[7] == EML_NO_TENSOR)
			return unsupported_attr(g, node, "QGemm with a float output (no y_scale)");
		return EDGEML_OK;
	case EML_OP_QuantizeLinear:
	case EML_OP_DequantizeLinear:
		if (int_attr(g, node, "block_size", 0) != 0)
			return unsupported_attr(g, node, "blocked quantization (block_size)");
		cv_remove_attr(g, node, "block_size");
		return EDGEML_OK;
	default: return EDGEML_OK;
	}
}

#define MAX_SUBGRAPH_DEPTH 16

/* Whether name is defined inside one of the graphs scope[0..depth] (an initializer, a
 * declared input or a node output): the branch and the subgraphs enclosing a nested one. */
static int defined_in(const Onnx__GraphProto *const *scope, int depth, const char *name)
{
	for (int d = 0; d <= depth; d++) {
		const Onnx__GraphProto *gp = scope[d];
		for (size_t i = 0; i < gp->n_initializer; i++)
			if (strcmp(str(gp->initializer[i]->name), name) == 0)
				return 1;
		for (size_t i = 0; i < gp->n_input; i++)
			if (strcmp(str(gp->input[i]->name), name) == 0)
				return 1;
		for (size_t i = 0; i < gp->n_node; i++)
			for (size_t k = 0; k < gp->node[i]->n_output; k++)
				if (strcmp(str(gp->node[i]->output[k]), name) == 0)
					return 1;
	}
	return 0;
}

/* Adds to If node `node` the outer-scope tensors that its branch gp reads (also from nested
 * subgraphs) as extra inputs, so that dead-code removal and sorting see them; the fold
 * reads only the condition. */
static edgeml_status add_outer_refs(cv_graph *g, uint32_t node, const Onnx__GraphProto **scope,
				    int depth)
{
	const Onnx__GraphProto *gp = scope[depth];
	for (size_t i = 0; i < gp->n_node; i++) {
		const Onnx__NodeProto *np = gp->node[i];
		for (size_t a = 0; a < np->n_attribute; a++) {
			const Onnx__AttributeProto *at = np->attribute[a];
			if (!at->g)
				continue;
			if (depth + 1 >= MAX_SUBGRAPH_DEPTH)
				return eml_error(EDGEML_ERR_UNSUPPORTED,
						 "node '%s' (If): subgraphs nested deeper than %d",
						 g->nodes[node].name, MAX_SUBGRAPH_DEPTH);
			scope[depth + 1] = at->g;
			edgeml_status st = add_outer_refs(g, node, scope, depth + 1);
			if (st)
				return st;
		}
		for (size_t k = 0; k < np->n_input; k++) {
			const char *name = str(np->input[k]);
			if (!*name || defined_in(scope, depth, name))
				continue;
			uint32_t t;
			edgeml_status st = cv_get_or_add_tensor(g, name, &t);
			if (st)
				return st;
			cv_node *n = &g->nodes[node];
			int have = 0;
			for (uint32_t j = 0; j < n->n_inputs && !have; j++)
				have = n->inputs[j] == t;
			if (have)
				continue;
			if (n->n_inputs >= CV_MAX_NODE_IO)
				return eml_error(EDGEML_ERR_UNSUPPORTED,
						 "node '%s' (If): branches read more than %u "
						 "tensors",
						 n->name, CV_MAX_NODE_IO);
			st = cv_resize_inputs(g, node, n->n_inputs + 1);
			if (st)
				return st;
			g->nodes[node].inputs[g->nodes[node].n_inputs - 1] = t;
		}
	}
	return EDGEML_OK;
}

/* Imports one NodeProto (index i of the graph) as a node, or as a constant for Constant. */
static edgeml_status import_node(cv_graph *g, const Onnx__NodeProto *np, size_t i, const opsets *o)
{
	char gen[160];
	const char *name = str(np->name);
	if (!*name) {
		snprintf(gen, sizeof(gen), "%.100s_%zu", *str(np->op_type) ? np->op_type : "node",
			 i);
		name = gen;
	}
	if (default_domain(np->domain) && strcmp(str(np->op_type), "Constant") == 0)
		return import_constant_node(g, np, name);
	uint32_t op = EML_OP_INVALID;
	int64_t opset = 0;
	edgeml_status st = map_op(np, name, o, &op, &opset);
	if (st)
		return st;
	if (np->n_input > CV_MAX_NODE_IO || np->n_output > CV_MAX_NODE_IO ||
	    np->n_attribute > CV_MAX_NODE_IO)
		return eml_error(EDGEML_ERR_UNSUPPORTED,
				 "node '%s': more than %u inputs, outputs or attributes", name,
				 CV_MAX_NODE_IO);
	uint32_t node;
	st = cv_add_node(g, name, op, (uint32_t)np->n_input, (uint32_t)np->n_output, &node);
	if (st)
		return st;
	g->nodes[node].opset = opset;
	for (size_t k = 0; k < np->n_input; k++) {
		if (!*str(np->input[k]))
			continue;
		uint32_t t;
		st = cv_get_or_add_tensor(g, np->input[k], &t);
		if (st)
			return st;
		g->nodes[node].inputs[k] = t;
	}
	for (size_t k = 0; k < np->n_output; k++) {
		if (!*str(np->output[k]))
			continue;
		uint32_t t;
		st = cv_get_or_add_tensor(g, np->output[k], &t);
		if (st)
			return st;
		if (g->tensors[t].t.flags & (EML_TF_CONSTANT | EML_TF_INPUT))
			return eml_error(
				EDGEML_ERR_FORMAT,
				"node '%s': output '%s' is also a graph input or initializer", name,
				np->output[k]);
		g->nodes[node].outputs[k] = t;
	}
	for (size_t k = 0; k < np->n_attribute; k++) {
		st = import_attr(g, node, np->attribute[k]);
		if (st)
			return st;
	}
	if (op == CV_OP_If) {
		if (!g->nodes[node].branches[0] || !g->nodes[node].branches[1])
			return eml_error(EDGEML_ERR_FORMAT, "node '%s' (If): needs then_branch "
					 "and else_branch graphs", name);
		const Onnx__GraphProto *scope[MAX_SUBGRAPH_DEPTH];
		for (int b = 0; b < 2 && !st; b++) {
			scope[0] = g->nodes[node].branches[b];
			st = add_outer_refs(g, node, scope, 0);
		}
		return st;
	}
	return canonicalise(g, node, np);
}

/* The user's --input-shape for name, or NULL. */
static const eml_convert_shape *find_shape(const eml_convert_options *opt, const char *name)
{
	for (uint32_t i = 0; opt && i < opt->n_shapes; i++)
		if (opt->shapes[i].name && strcmp(opt->shapes[i].name, name) == 0)
			return &opt->shapes[i];
	return NULL;
}

/* The user's --constant for name, or NULL. */
static const eml_tensor *find_constant(const eml_convert_options *opt, const char *name)
{
	for (uint32_t i = 0; opt && i < opt->n_constants; i++)
		if (opt->constants[i].name && strcmp(opt->constants[i].name, name) == 0)
			return &opt->constants[i];
	return NULL;
}

/* Sets the declared dtype and shape of graph input t from its ValueInfo, the user's
 * --input-shape, or 1 for a leading batch dim. */
static edgeml_status input_shape(cv_graph *g, uint32_t t, const Onnx__ValueInfoProto *vi,
				 const eml_convert_options *opt)
{
	const char *name = vi->name;
	const Onnx__TypeProto *tp = vi->type;
	if (!tp || tp->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE || !tp->tensor_type)
		return eml_error(EDGEML_ERR_UNSUPPORTED, "graph input '%s' is not a tensor", name);
	const Onnx__TypeProto__Tensor *tt = tp->tensor_type;
	int32_t dt = tt->has_elem_type ? tt->elem_type : 0;
	if (edgeml_dtype_size((edgeml_dtype)dt) == 0)
		return eml_error(EDGEML_ERR_UNSUPPORTED,
				 "graph input '%s': element type %d is not supported", name, dt);
	eml_tensor *d = &g->tensors[t].t;
	d->dtype = (uint32_t)dt;
	const eml_convert_shape *user = find_shape(opt, name);
	const Onnx__TensorShapeProto *sp = tt->shape;
	if (sp && sp->n_dim > EML_MAX_RANK)
		return eml_error(EDGEML_ERR_UNSUPPORTED, "graph input '%s': rank %zu exceeds %d",
				 name, sp->n_dim, EML_MAX_RANK);
	if (user) {
		if (user->rank > EML_MAX_RANK)
			return eml_error(EDGEML_ERR_INVALID_ARGUMENT,
					 "--input-shape %s: rank too large", name);
		if (sp && sp->n_dim != user->rank)
			return eml_error(
				EDGEML_ERR_SHAPE,
				"--input-shape %s: rank %u, but the model declares rank %zu", name,
				user->rank, sp->n_dim);
		for (uint32_t k = 0; k < user->rank; k++) {
			const Onnx__TensorShapeProto__Dimension *dim = sp ? sp->dim[k] : NULL;
			if (user->dims[k] < 0)
				return eml_error(EDGEML_ERR_INVALID_ARGUMENT,
						 "--input-shape %s: dimension %u is negative", name,
						 k);
			if (dim &&
			    dim->value_case ==
				    ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE &&
			    dim->dim_value >= 0 && dim->dim_value != user->dims[k])
				return eml_error(
					EDGEML_ERR_SHAPE,
					"--input-shape %s: dimension %u is %lld, the model "
					"declares %lld",
					name, k, (long long)user->dims[k],
					(long long)dim->dim_value);
			d->dims[k] = user->dims[k];
		}
		d->rank = user->rank;
		g->tensors[t].shape_known = 1;
		return EDGEML_OK;
	}
	if (!sp)
		return eml_error(
			EDGEML_ERR_SHAPE,
			"graph input '%s' has no declared shape; pass --input-shape %s=D0,D1,...",
			name, name);
	d->rank = (uint32_t)sp->n_dim;
	for (size_t k = 0; k < sp->n_dim; k++) {
		const Onnx__TensorShapeProto__Dimension *dim = sp->dim[k];
		if (dim->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE &&
		    dim->dim_value >= 0) {
			d->dims[k] = dim->dim_value;
		} else if (k == 0) {
			d->dims[k] = 1; /* a symbolic leading dim is the batch: run one at a time */
		} else {
			const char *sym =
				dim->value_case ==
						ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM
					? str(dim->dim_param)
					: "?";
			return eml_error(
				EDGEML_ERR_SHAPE,
				"graph input '%s': dimension %zu ('%s') is not fixed; pass "
				"--input-shape %s=D0,D1,...",
				name, k, sym, name);
		}
	}
	g->tensors[t].shape_known = 1;
	return EDGEML_OK;
}

/* Freezes graph input t into the user's constant c. */
static edgeml_status freeze_input(cv_graph *g, uint32_t t, const eml_tensor *c)
{
	eml_tensor *d = &g->tensors[t].t;
	if (c->rank > EML_MAX_RANK || eml_tensor_bytes(c) != c->data_size ||
	    (c->data_size && !c->data))
		return eml_error(EDGEML_ERR_INVALID_ARGUMENT,
				 "--constant %s: data size does not match its shape", d->name);
	if (d->dtype && d->dtype != c->dtype)
		return eml_error(EDGEML_ERR_SHAPE, "--constant %s: dtype %s, the model declares %s",
				 d->name, edgeml_dtype_name((edgeml_dtype)c->dtype),
				 edgeml_dtype_name((edgeml_dtype)d->dtype));
	void *copy = malloc(c->data_size ? c->data_size : 1);
	if (!copy)
		return eml_error(EDGEML_ERR_NO_MEMORY, "--constant %s: out of memory", d->name);
	if (c->data_size)
		memcpy(copy, c->data, c->data_size);
	d->dtype = c->dtype;
	d->rank = c->rank;
	memcpy(d->dims, c->dims, sizeof(d->dims));
	g->tensors[t].shape_known = 1;
	cv_set_constant(g, t, copy, c->data_size);
	return EDGEML_OK;
}

/* Imports a graph's initializers as constants. */
static edgeml_status import_initializers(cv_graph *g, const Onnx__GraphProto *gp)
{
	for (size_t i = 0; i < gp->n_initializer; i++) {
		const Onnx__TensorProto *tp = gp->initializer[i];
		const char *name = str(tp->name);
		if (!*name)
			return eml_error(EDGEML_ERR_FORMAT, "initializer %zu has no name", i);
		if (cv_find_tensor(g, name) != UINT32_MAX)
			return eml_error(EDGEML_ERR_FORMAT, "initializer '%s' is defined twice",
					 name);
		eml_tensor d;
		void *data;
		edgeml_status st = cv_tensor_from_proto(tp, name, &d, &data);
		if (st)
			return st;
		uint32_t t;
		st = cv_add_tensor(g, name, &t);
		if (st) {
			free(data);
			return st;
		}
		eml_tensor *td = &g->tensors[t].t;
		td->dtype = d.dtype;
		td->rank = d.rank;
		memcpy(td->dims, d.dims, sizeof(d.dims));
		g->tensors[t].shape_known = 1;
		cv_set_constant(g, t, data, d.data_size);
	}
	return EDGEML_OK;
}

/* Imports initializers and graph inputs. */
static edgeml_status import_inputs(cv_graph *g, const Onnx__GraphProto *gp,
				   const eml_convert_options *opt)
{
	edgeml_status st;
	if (gp->n_sparse_initializer)
		return eml_error(EDGEML_ERR_UNSUPPORTED, "sparse initializers are not supported");
	st = import_initializers(g, gp);
	if (st)
		return st;
	if (gp->n_input > CV_MAX_NODE_IO)
		return eml_error(EDGEML_ERR_UNSUPPORTED, "more than %u graph inputs",
				 CV_MAX_NODE_IO);
	g->inputs = malloc((gp->n_input + 1) * sizeof(uint32_t));
	if (!g->inputs)
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory");
	for (size_t i = 0; i < gp->n_input; i++) {
		const Onnx__ValueInfoProto *vi = gp->input[i];
		const char *name = str(vi->name);
		if (!*name)
			return eml_error(EDGEML_ERR_FORMAT, "graph input %zu has no name", i);
		uint32_t t = cv_find_tensor(g, name);
		if (t != UINT32_MAX) {
			/* An input that is also an initializer is a constant with a default;
			 * edgeml freezes it. Two inputs of one name are an error. */
			if (g->tensors[t].t.flags & EML_TF_CONSTANT)
				continue;
			return eml_error(EDGEML_ERR_FORMAT, "graph input '%s' is declared twice",
					 name);
		}
		st = cv_add_tensor(g, name, &t);
		if (st)
			return st;
		const eml_tensor *c = find_constant(opt, name);
		if (c) {
			const Onnx__TypeProto *tp = vi->type;
			if (tp && tp->value_case == ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE &&
			    tp->tensor_type && tp->tensor_type->has_elem_type)
				g->tensors[t].t.dtype = (uint32_t)tp->tensor_type->elem_type;
			st = freeze_input(g, t, c);
			if (st)
				return st;
			continue;
		}
		g->tensors[t].t.flags |= EML_TF_INPUT;
		st = input_shape(g, t, vi, opt);
		if (st)
			return st;
		g->inputs[g->n_inputs++] = t;
	}
	for (uint32_t i = 0; opt && i < opt->n_constants; i++) {
		uint32_t t = cv_find_tensor(g, opt->constants[i].name);
		if (t == UINT32_MAX || !(g->tensors[t].t.flags & EML_TF_CONSTANT))
			return eml_error(EDGEML_ERR_NOT_FOUND,
					 "--constant %s: no graph input of that name",
					 str(opt->constants[i].name));
	}
	for (uint32_t i = 0; opt && i < opt->n_shapes; i++) {
		uint32_t t = cv_find_tensor(g, opt->shapes[i].name);
		if (t == UINT32_MAX || !(g->tensors[t].t.flags & EML_TF_INPUT))
			return eml_error(EDGEML_ERR_NOT_FOUND,
					 "--input-shape %s: no graph input of that name",
					 str(opt->shapes[i].name));
	}
	return EDGEML_OK;
}

/* Graph outputs must be computed by a node (graph.h): a constant output t moves its data to
 * a new constant that an Identity copies into t. */
static edgeml_status computed_output(cv_graph *g, uint32_t t)
{
	uint32_t c, node;
	const eml_tensor d = g->tensors[t].t;
	edgeml_status st =
		cv_add_constant(g, d.name, d.dtype, d.rank, d.dims, d.data, d.data_size, &c);
	if (!st)
		st = cv_add_node(g, g->tensors[t].t.name, EML_OP_Identity, 1, 1, &node);
	if (st)
		return st;
	cv_tensor *ot = &g->tensors[t];
	free((void *)ot->t.data);
	ot->t.data = NULL;
	ot->t.data_size = 0;
	ot->t.flags &= ~(uint32_t)EML_TF_CONSTANT;
	ot->shape_known = 0;
	g->nodes[node].inputs[0] = c;
	g->nodes[node].outputs[0] = t;
	return EDGEML_OK;
}

/* Imports the graph outputs. */
static edgeml_status import_outputs(cv_graph *g, const Onnx__GraphProto *gp)
{
	if (gp->n_output == 0)
		return eml_error(EDGEML_ERR_FORMAT, "the graph has no outputs");
	if (gp->n_output > CV_MAX_NODE_IO)
		return eml_error(EDGEML_ERR_UNSUPPORTED, "more than %u graph outputs",
				 CV_MAX_NODE_IO);
	g->outputs = malloc(gp->n_output * sizeof(uint32_t));
	if (!g->outputs)
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory");
	for (size_t i = 0; i < gp->n_output; i++) {
		const char *name = str(gp->output[i]->name);
		uint32_t t = cv_find_tensor(g, name);
		if (t == UINT32_MAX)
			return eml_error(EDGEML_ERR_FORMAT,
					 "graph output '%s' is not produced by any node", name);
		if (g->tensors[t].t.flags & EML_TF_OUTPUT)
			return eml_error(EDGEML_ERR_FORMAT, "graph output '%s' is listed twice",
					 name);
		g->tensors[t].t.flags |= EML_TF_OUTPUT;
		g->outputs[g->n_outputs++] = t;
		if (g->tensors[t].t.flags & EML_TF_CONSTANT) {
			edgeml_status st = computed_output(g, t);
			if (st)
				return st;
		}
	}
	return EDGEML_OK;
}

/* After node `first` failed as unsupported: adds to the message the other op types of the
 * graph that edgeml lacks, so that one conversion lists all of them. */
static edgeml_status also_unsupported(const Onnx__GraphProto *gp, size_t first, const opsets *o)
{
	char msg[1024], list[512] = "";
	size_t len = 0, count = 0;
	snprintf(msg, sizeof(msg), "%s", edgeml_last_error());
	const char *first_type = str(gp->node[first]->op_type);
	for (size_t i = first + 1; i < gp->n_node; i++) {
		const Onnx__NodeProto *np = gp->node[i];
		const char *type = str(np->op_type);
		uint32_t op;
		int64_t v;
		char key[128];
		snprintf(key, sizeof(key), ", %.100s,", type);
		char padded[sizeof(list) + 4];
		snprintf(padded, sizeof(padded), ", %s,", list);
		if (strcmp(type, first_type) == 0 || strcmp(type, "Constant") == 0 ||
		    strstr(padded, key))
			continue;
		if (map_op(np, "", o, &op, &v) == EDGEML_OK)
			continue;
		int w = snprintf(list + len, sizeof(list) - len, "%s%s", count ? ", " : "", type);
		if (w < 0 || (size_t)w >= sizeof(list) - len)
			break;
		len += (size_t)w;
		count++;
	}
	if (!count)
		return eml_error(EDGEML_ERR_UNSUPPORTED, "%s", msg);
	return eml_error(EDGEML_ERR_UNSUPPORTED, "%s; also not supported here: %s", msg, list);
}

edgeml_status cv_import_onnx(cv_graph *g, const Onnx__ModelProto *m, const eml_convert_options *opt)
{
	opsets o;
	edgeml_status st = read_opsets(m, &o);
	if (st)
		return st;
	const Onnx__GraphProto *gp = m->graph;
	if (!gp)
		return eml_error(EDGEML_ERR_FORMAT, "the model has no graph");
	if (gp->n_node > CV_MAX_NODES)
		return eml_error(EDGEML_ERR_UNSUPPORTED, "more than %u nodes", CV_MAX_NODES);
	g->opset_onnx = o.onnx;
	g->opset_ms = o.ms;
	st = import_inputs(g, gp, opt);
	if (st)
		return st;
	for (size_t i = 0; i < gp->n_node; i++) {
		st = import_node(g, gp->node[i], i, &o);
		if (st == EDGEML_ERR_UNSUPPORTED)
			return also_unsupported(gp, i, &o);
		if (st)
			return st;
	}
	return import_outputs(g, gp);
}

edgeml_status cv_import_branch(cv_graph *g, const void *branch, uint32_t if_node,
			       uint32_t *outputs, uint32_t n_outputs)
{
	const Onnx__GraphProto *gp = branch;
	const opsets o = { g->opset_onnx, g->opset_ms };
	char ifname[128];
	snprintf(ifname, sizeof(ifname), "%.100s", g->nodes[if_node].name);
	if (gp->n_output != n_outputs)
		return eml_error(EDGEML_ERR_FORMAT,
				 "node '%s' (If): a branch has %zu outputs, the node %u", ifname,
				 gp->n_output, n_outputs);
	if (gp->n_input)
		return eml_error(EDGEML_ERR_FORMAT, "node '%s' (If): a branch declares inputs",
				 ifname);
	if (gp->n_node > CV_MAX_NODES - g->n_nodes)
		return eml_error(EDGEML_ERR_UNSUPPORTED, "more than %u nodes", CV_MAX_NODES);
	edgeml_status st = import_initializers(g, gp);
	for (size_t i = 0; !st && i < gp->n_node; i++) {
		st = import_node(g, gp->node[i], i, &o);
		if (st == EDGEML_ERR_UNSUPPORTED)
			st = also_unsupported(gp, i, &o);
	}
	for (uint32_t k = 0; !st && k < n_outputs; k++) {
		const char *name = str(gp->output[k]->name);
		outputs[k] = cv_find_tensor(g, name);
		if (outputs[k] == UINT32_MAX)
			st = eml_error(EDGEML_ERR_FORMAT,
				       "node '%s' (If): branch output '%s' is not produced by any "
				       "node", ifname, name);
	}
	if (st)
		eml_error_context(st, "in a branch of If '%s': ", ifname);
	return st;
}
