/*
 * json.h — a small JSON reader and writer for the tools: `edgeml bench` reads its peers'
 * results and writes its own, `edgeml report` reads results written on other machines. The
 * reader trusts nothing: it bounds nesting and size and names the line and column of an error.
 */
#ifndef EML_TOOLS_JSON_H
#define EML_TOOLS_JSON_H

#include <stddef.h>
#include <stdio.h>

#include "edgeml.h"

/* Deepest nesting of arrays and objects the reader accepts. */
#define EML_JSON_MAX_DEPTH 64
/* Largest file eml_json_read_file() reads. */
#define EML_JSON_MAX_FILE ((size_t)256 << 20)

typedef enum eml_json_type {
	EML_JSON_NULL,
	EML_JSON_BOOL,
	EML_JSON_NUMBER,
	EML_JSON_STRING,
	EML_JSON_ARRAY,
	EML_JSON_OBJECT,
} eml_json_type;

/* A parsed value. Arrays and objects list their members through child and next; an object's
 * members carry their name in key. */
typedef struct eml_json eml_json;
struct eml_json {
	eml_json_type type;
	int boolean;
	double number;
	char *string; /* UTF-8, NUL-terminated (a string holding \u0000 is rejected) */
	char *key;
	size_t count; /* members of an array or object */
	eml_json *child, *next;
};

/* Parses len bytes of text as one JSON value; what names the text in error messages. */
edgeml_status eml_json_parse(const char *text, size_t len, const char *what, eml_json **out);
/* Reads and parses a file. */
edgeml_status eml_json_read_file(const char *path, eml_json **out);
void eml_json_free(eml_json *v);

/* The member of an object with that name, or NULL (also when v is not an object). */
const eml_json *eml_json_get(const eml_json *v, const char *key);
/* The value as a number / string / bool when it is one, else def. */
double eml_json_number(const eml_json *v, double def);
const char *eml_json_string(const eml_json *v, const char *def);
int eml_json_bool(const eml_json *v, int def);

/* Writes s as a JSON string literal, escaping what JSON requires. */
void eml_json_write_string(FILE *f, const char *s);
/* Writes a number; NaN and infinities, which JSON lacks, become null. */
void eml_json_write_number(FILE *f, double v);
/* Writes a parsed value back as JSON, on one line. */
void eml_json_write(FILE *f, const eml_json *v);

#endif /* EML_TOOLS_JSON_H */
