/* json.c — the tools' JSON reader (recursive descent, bounded depth) and writer helpers. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tool_error.h"
#include "json.h"

typedef struct parser {
	const char *s, *what;
	size_t len, pos;
} parser;

/* Fails with the line and column of the current position. */
static edgeml_status fail(const parser *p, const char *msg)
{
	size_t line = 1, col = 1;
	for (size_t i = 0; i < p->pos && i < p->len; i++) {
		if (p->s[i] == '\n') {
			line++;
			col = 1;
		} else {
			col++;
		}
	}
	return tool_error(EDGEML_ERR_FORMAT, "%s: line %zu, column %zu: %s", p->what, line, col,
			  msg);
}

/* Skips JSON whitespace. */
static void skip_ws(parser *p)
{
	while (p->pos < p->len && (p->s[p->pos] == ' ' || p->s[p->pos] == '\t' ||
				   p->s[p->pos] == '\n' || p->s[p->pos] == '\r'))
		p->pos++;
}

/* Consumes the literal word (true, false, null) at the position. */
static int take_word(parser *p, const char *word)
{
	size_t n = strlen(word);
	if (p->len - p->pos < n || memcmp(p->s + p->pos, word, n) != 0)
		return 0;
	p->pos += n;
	return 1;
}

/* Value of one hex digit, -1 for another character. */
static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Reads the 4 hex digits of a \u escape. */
static int read_u16(parser *p, uint32_t *out)
{
	if (p->len - p->pos < 4)
		return 0;
	uint32_t v = 0;
	for (int i = 0; i < 4; i++) {
		int d = hex_digit(p->s[p->pos + (size_t)i]);
		if (d < 0)
			return 0;
		v = v * 16 + (uint32_t)d;
	}
	p->pos += 4;
	*out = v;
	return 1;
}

/* Appends code point cp as UTF-8 (the buffer has room: an escape is longer than its bytes). */
static size_t put_utf8(char *o, uint32_t cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | (cp >> 6));
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | (cp >> 12));
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | (cp >> 18));
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* Parses a string literal (the position is at its opening quote) into a new buffer. */
static edgeml_status parse_string(parser *p, char **out)
{
	size_t start = ++p->pos, end = start;
	while (end < p->len && p->s[end] != '"')
		end += p->s[end] == '\\' ? 2 : 1;
	if (end >= p->len)
		return fail(p, "unterminated string");
	char *o = malloc(end - start + 1);
	if (!o)
		return tool_error(EDGEML_ERR_NO_MEMORY, "%s: out of memory for a string", p->what);
	size_t n = 0;
	while (p->pos < end) {
		unsigned char c = (unsigned char)p->s[p->pos++];
		if (c < 0x20) {
			free(o);
			p->pos--;
			return fail(p, "control character in a string");
		}
		if (c != '\\') {
			o[n++] = (char)c;
			continue;
		}
		char e = p->s[p->pos++];
		const char *from = "\"\\/bfnrt", *to = "\"\\/\b\f\n\r\t", *at = strchr(from, e);
		if (e && at) {
			o[n++] = to[at - from];
			continue;
		}
		uint32_t cp, lo;
		if (e != 'u' || !read_u16(p, &cp)) {
			free(o);
			return fail(p, "bad escape in a string");
		}
		if (cp >= 0xd800 && cp < 0xdc00) {
			if (p->len - p->pos < 2 || p->s[p->pos] != '\\' || p->s[p->pos + 1] != 'u') {
				free(o);
				return fail(p, "unpaired UTF-16 surrogate in a string");
			}
			p->pos += 2;
			if (!read_u16(p, &lo) || lo < 0xdc00 || lo >= 0xe000) {
				free(o);
				return fail(p, "unpaired UTF-16 surrogate in a string");
			}
			cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
		} else if (cp == 0 || (cp >= 0xdc00 && cp < 0xe000)) {
			free(o);
			return fail(p, "\\u0000 or a lone surrogate in a string");
		}
		n += put_utf8(o + n, cp);
	}
	o[n] = 0;
	p->pos = end + 1;
	*out = o;
	return EDGEML_OK;
}

/* Parses a number with JSON's grammar (no leading zeros, no hex, no NaN). */
static edgeml_status parse_number(parser *p, double *out)
{
	size_t i = p->pos;
	const char *s = p->s;
	if (i < p->len && s[i] == '-')
		i++;
	if (i < p->len && s[i] == '0') {
		i++;
	} else if (i < p->len && s[i] >= '1' && s[i] <= '9') {
		while (i < p->len && s[i] >= '0' && s[i] <= '9')
			i++;
	} else {
		return fail(p, "expected a value");
	}
	if (i < p->len && s[i] == '.') {
		if (++i >= p->len || s[i] < '0' || s[i] > '9')
			return fail(p, "a digit must follow the decimal point");
		while (i < p->len && s[i] >= '0' && s[i] <= '9')
			i++;
	}
	if (i < p->len && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < p->len && (s[i] == '+' || s[i] == '-'))
			i++;
		if (i >= p->len || s[i] < '0' || s[i] > '9')
			return fail(p, "a digit must follow the exponent");
		while (i < p->len && s[i] >= '0' && s[i] <= '9')
			i++;
	}
	char buf[64];
	if (i - p->pos >= sizeof(buf))
		return fail(p, "number too long");
	memcpy(buf, s + p->pos, i - p->pos);
	buf[i - p->pos] = 0;
	errno = 0;
	*out = strtod(buf, NULL);
	if (errno == ERANGE && fabs(*out) > 1.0)
		return fail(p, "number out of range");
	p->pos = i;
	return EDGEML_OK;
}

static edgeml_status parse_value(parser *p, int depth, eml_json **out);

/* Parses the members of an array or object (the position is at its opening bracket). */
static edgeml_status parse_members(parser *p, int depth, eml_json *v)
{
	char close = v->type == EML_JSON_ARRAY ? ']' : '}';
	eml_json **tail = &v->child;
	p->pos++;
	skip_ws(p);
	if (p->pos < p->len && p->s[p->pos] == close) {
		p->pos++;
		return EDGEML_OK;
	}
	for (;;) {
		char *key = NULL;
		skip_ws(p);
		if (v->type == EML_JSON_OBJECT) {
			if (p->pos >= p->len || p->s[p->pos] != '"')
				return fail(p, "expected a member name in quotes");
			edgeml_status st = parse_string(p, &key);
			if (st != EDGEML_OK)
				return st;
			skip_ws(p);
			if (p->pos >= p->len || p->s[p->pos] != ':') {
				free(key);
				return fail(p, "expected ':' after a member name");
			}
			p->pos++;
		}
		edgeml_status st = parse_value(p, depth + 1, tail);
		if (st != EDGEML_OK) {
			free(key);
			return st;
		}
		(*tail)->key = key;
		tail = &(*tail)->next;
		v->count++;
		skip_ws(p);
		if (p->pos < p->len && p->s[p->pos] == ',') {
			p->pos++;
			continue;
		}
		if (p->pos < p->len && p->s[p->pos] == close) {
			p->pos++;
			return EDGEML_OK;
		}
		return fail(p, v->type == EML_JSON_ARRAY ? "expected ',' or ']'" :
							   "expected ',' or '}'");
	}
}

/* Parses one value at the position into a new node. */
static edgeml_status parse_value(parser *p, int depth, eml_json **out)
{
	skip_ws(p);
	if (depth > EML_JSON_MAX_DEPTH)
		return fail(p, "nested too deeply");
	if (p->pos >= p->len)
		return fail(p, "unexpected end of the text");
	eml_json *v = calloc(1, sizeof(*v));
	if (!v)
		return tool_error(EDGEML_ERR_NO_MEMORY, "%s: out of memory", p->what);
	*out = v;
	char c = p->s[p->pos];
	if (c == '{' || c == '[') {
		v->type = c == '{' ? EML_JSON_OBJECT : EML_JSON_ARRAY;
		return parse_members(p, depth, v);
	}
	if (c == '"') {
		v->type = EML_JSON_STRING;
		return parse_string(p, &v->string);
	}
	if (take_word(p, "true") || take_word(p, "false")) {
		v->type = EML_JSON_BOOL;
		v->boolean = c == 't';
		return EDGEML_OK;
	}
	if (take_word(p, "null"))
		return EDGEML_OK;
	v->type = EML_JSON_NUMBER;
	return parse_number(p, &v->number);
}

edgeml_status eml_json_parse(const char *text, size_t len, const char *what, eml_json **out)
{
	parser p = { .s = text, .len = len, .what = what ? what : "JSON text" };
	*out = NULL;
	edgeml_status st = parse_value(&p, 0, out);
	if (st == EDGEML_OK) {
		skip_ws(&p);
		if (p.pos < p.len)
			st = fail(&p, "text after the value");
	}
	if (st != EDGEML_OK) {
		eml_json_free(*out);
		*out = NULL;
	}
	return st;
}

edgeml_status eml_json_read_file(const char *path, eml_json **out)
{
	*out = NULL;
	FILE *f = fopen(path, "rb");
	if (!f)
		return tool_error(EDGEML_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
	struct stat st;
	if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode) ||
	    (uint64_t)st.st_size > EML_JSON_MAX_FILE) {
		fclose(f);
		return tool_error(EDGEML_ERR_IO, "%s: not a regular file of at most %zu MiB", path,
				  EML_JSON_MAX_FILE >> 20);
	}
	size_t n = (size_t)st.st_size;
	char *buf = malloc(n ? n : 1);
	if (!buf) {
		fclose(f);
		return tool_error(EDGEML_ERR_NO_MEMORY, "%s: out of memory for %zu bytes", path, n);
	}
	size_t got = fread(buf, 1, n, f);
	fclose(f);
	if (got != n) {
		free(buf);
		return tool_error(EDGEML_ERR_IO, "%s: short read (%zu of %zu bytes)", path, got, n);
	}
	edgeml_status s = eml_json_parse(buf, n, path, out);
	free(buf);
	return s;
}

void eml_json_free(eml_json *v)
{
	while (v) {
		eml_json *next = v->next;
		eml_json_free(v->child);
		free(v->string);
		free(v->key);
		free(v);
		v = next;
	}
}

const eml_json *eml_json_get(const eml_json *v, const char *key)
{
	if (!v || v->type != EML_JSON_OBJECT)
		return NULL;
	for (const eml_json *m = v->child; m; m = m->next)
		if (strcmp(m->key, key) == 0)
			return m;
	return NULL;
}

double eml_json_number(const eml_json *v, double def)
{
	return v && v->type == EML_JSON_NUMBER ? v->number : def;
}

const char *eml_json_string(const eml_json *v, const char *def)
{
	return v && v->type == EML_JSON_STRING ? v->string : def;
}

int eml_json_bool(const eml_json *v, int def)
{
	return v && v->type == EML_JSON_BOOL ? v->boolean : def;
}

void eml_json_write_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *c = (const unsigned char *)s; c && *c; c++) {
		if (*c == '"' || *c == '\\')
			fprintf(f, "\\%c", *c);
		else if (*c == '\n')
			fputs("\\n", f);
		else if (*c == '\t')
			fputs("\\t", f);
		else if (*c < 0x20)
			fprintf(f, "\\u%04x", *c);
		else
			fputc(*c, f);
	}
	fputc('"', f);
}

void eml_json_write_number(FILE *f, double v)
{
	if (!isfinite(v))
		fputs("null", f);
	else if (v == floor(v) && fabs(v) < 1e15)
		fprintf(f, "%.0f", v);
	else {
		/* The shortest of 15..17 digits that reads back as v: exact, and 0.412 stays
		 * 0.412 rather than 0.41199999999999998. */
		char buf[40];
		for (int digits = 15; digits <= 17; digits++) {
			snprintf(buf, sizeof(buf), "%.*g", digits, v);
			if (strtod(buf, NULL) == v)
				break;
		}
		fputs(buf, f);
	}
}

void eml_json_write(FILE *f, const eml_json *v)
{
	switch (v->type) {
	case EML_JSON_NULL:
		fputs("null", f);
		return;
	case EML_JSON_BOOL:
		fputs(v->boolean ? "true" : "false", f);
		return;
	case EML_JSON_NUMBER:
		eml_json_write_number(f, v->number);
		return;
	case EML_JSON_STRING:
		eml_json_write_string(f, v->string);
		return;
	case EML_JSON_ARRAY:
	case EML_JSON_OBJECT:
		fputc(v->type == EML_JSON_ARRAY ? '[' : '{', f);
		for (const eml_json *m = v->child; m; m = m->next) {
			if (m != v->child)
				fputs(", ", f);
			if (v->type == EML_JSON_OBJECT) {
				eml_json_write_string(f, m->key);
				fputs(": ", f);
			}
			eml_json_write(f, m);
		}
		fputc(v->type == EML_JSON_ARRAY ? ']' : '}', f);
		return;
	}
}
