/*
 * package.c — the structural parse of a .emlpkg (package_format.h, docs/fleet.md) and the
 * checks that need no key: payload hash and target requirements. Nothing in the bytes is
 * trusted: every offset and length is checked with overflow-safe arithmetic before use, and
 * every error names the byte offset it is about.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu_features.h"
#include "error.h"
#include "package.h"

int eml_package_sniff(const void *data, size_t size)
{
	return size >= EML_PKG_MAGIC_LEN && memcmp(data, EML_PKG_MAGIC, EML_PKG_MAGIC_LEN) == 0;
}

/* Checks the fixed header against the image size. */
static edgeml_status check_header(eml_package *pkg)
{
	struct eml_pkg_header *h = &pkg->hdr;
	if (pkg->size < EML_PKG_HEADER_SIZE)
		return eml_error(EDGEML_ERR_FORMAT,
				 "package is %" PRIu64 " bytes, shorter than its %u-byte header",
				 pkg->size, EML_PKG_HEADER_SIZE);
	memcpy(h, pkg->base, sizeof(*h));
	if (memcmp(h->magic, EML_PKG_MAGIC, EML_PKG_MAGIC_LEN) != 0)
		return eml_error(EDGEML_ERR_FORMAT, "not an .emlpkg package: bad magic at offset 0x0");
	if (h->version_major != EML_PKG_VERSION_MAJOR)
		return eml_error(EDGEML_ERR_FORMAT,
				 "package format %u.%u at offset 0x8 is not supported: this runtime "
				 "reads version %u.x",
				 h->version_major, h->version_minor, EML_PKG_VERSION_MAJOR);
	if (h->header_size != EML_PKG_HEADER_SIZE || h->manifest_offset != EML_PKG_HEADER_SIZE)
		return eml_error(EDGEML_ERR_FORMAT,
				 "header_size (offset 0xc) and manifest_offset (offset 0x10) must be "
				 "%u, not %" PRIu32 " and %" PRIu64,
				 EML_PKG_HEADER_SIZE, h->header_size, h->manifest_offset);
	if (h->reserved != 0)
		return eml_error(EDGEML_ERR_FORMAT, "header reserved field at offset 0x38 is not zero");
	uint64_t size = pkg->size;
	if (h->manifest_size > size - EML_PKG_HEADER_SIZE)
		return eml_error(EDGEML_ERR_FORMAT,
				 "manifest bytes [0x40, +0x%" PRIx64 ") (size at offset 0x18) run past "
				 "the end of the %" PRIu64 "-byte package (truncated?)",
				 h->manifest_size, size);
	uint64_t manifest_end = EML_PKG_HEADER_SIZE + h->manifest_size;
	uint64_t want = (manifest_end + EML_PKG_PAYLOAD_ALIGN - 1) / EML_PKG_PAYLOAD_ALIGN *
			EML_PKG_PAYLOAD_ALIGN;
	if (h->payload_offset != want)
		return eml_error(EDGEML_ERR_FORMAT,
				 "payload_offset at offset 0x20 is 0x%" PRIx64 ", not 0x%" PRIx64
				 " (the first 64-byte boundary after the manifest)",
				 h->payload_offset, want);
	if (h->payload_offset > size || h->payload_size > size - h->payload_offset)
		return eml_error(EDGEML_ERR_FORMAT,
				 "payload bytes [0x%" PRIx64 ", +0x%" PRIx64 ") run past the end of "
				 "the %" PRIu64 "-byte package (truncated?)",
				 h->payload_offset, h->payload_size, size);
	if (h->signatures_offset != h->payload_offset + h->payload_size)
		return eml_error(EDGEML_ERR_FORMAT,
				 "signatures_offset at offset 0x30 is 0x%" PRIx64
				 ", not the end of the payload 0x%" PRIx64,
				 h->signatures_offset, h->payload_offset + h->payload_size);
	for (uint64_t i = manifest_end; i < h->payload_offset; i++)
		if (pkg->base[i] != 0)
			return eml_error(EDGEML_ERR_FORMAT,
					 "padding byte at offset 0x%" PRIx64 " is not zero", i);
	uint64_t sig_bytes = size - h->signatures_offset;
	if (sig_bytes % EML_PKG_SIG_SIZE != 0)
		return eml_error(EDGEML_ERR_FORMAT,
				 "the %" PRIu64 " bytes after the payload (from offset 0x%" PRIx64
				 ") are not whole %u-byte signature records (truncated?)",
				 sig_bytes, h->signatures_offset, EML_PKG_SIG_SIZE);
	pkg->n_signatures = (uint32_t)(sig_bytes / EML_PKG_SIG_SIZE);
	if (sig_bytes / EML_PKG_SIG_SIZE > 64)
		return eml_error(EDGEML_ERR_FORMAT,
				 "%" PRIu64 " signature records: more than the 64 a package may carry",
				 sig_bytes / EML_PKG_SIG_SIZE);
	for (uint32_t i = 0; i < pkg->n_signatures; i++) {
		struct eml_pkg_signature s;
		eml_package_signature(pkg, i, &s);
		uint64_t off = h->signatures_offset + (uint64_t)i * EML_PKG_SIG_SIZE;
		if (memcmp(s.magic, EML_PKG_SIG_MAGIC, sizeof(s.magic)) != 0)
			return eml_error(EDGEML_ERR_FORMAT,
					 "signature record %" PRIu32 " at offset 0x%" PRIx64
					 " has a bad magic",
					 i, off);
		for (size_t k = 0; k < sizeof(s.reserved); k++)
			if (s.reserved[k])
				return eml_error(EDGEML_ERR_FORMAT,
						 "signature record %" PRIu32 " at offset 0x%" PRIx64
						 ": reserved bytes are not zero",
						 i, off);
	}
	return EDGEML_OK;
}

void eml_package_signature(const eml_package *pkg, uint32_t i, struct eml_pkg_signature *out)
{
	memcpy(out, pkg->base + pkg->hdr.signatures_offset + (uint64_t)i * EML_PKG_SIG_SIZE,
	       sizeof(*out));
}

/* Parses one decimal number of a version without a leading zero; advances *p. */
static int semver_number(const char **p, uint32_t *out)
{
	const char *s = *p;
	if (*s < '0' || *s > '9' || (s[0] == '0' && s[1] >= '0' && s[1] <= '9'))
		return -1;
	uint32_t v = 0;
	while (*s >= '0' && *s <= '9') {
		v = v * 10 + (uint32_t)(*s - '0');
		if (v >= (1u << 21))
			return -1;
		s++;
	}
	*out = v;
	*p = s;
	return 0;
}

/* Checks the dot-separated identifiers of a pre-release or build suffix. */
static int semver_idents(const char *s)
{
	if (*s == '\0' || *s == '.')
		return -1;
	for (; *s; s++) {
		int ok = (*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'z') ||
			 (*s >= 'A' && *s <= 'Z') || *s == '-' ||
			 (*s == '.' && s[1] != '\0' && s[1] != '.');
		if (!ok)
			return -1;
	}
	return 0;
}

int eml_semver_parse(const char *s, uint32_t *major, uint32_t *minor, uint32_t *patch)
{
	if (strlen(s) > EML_PKG_MAX_VERSION)
		return -1;
	if (semver_number(&s, major) || *s++ != '.' || semver_number(&s, minor) || *s++ != '.' ||
	    semver_number(&s, patch))
		return -1;
	if (*s == '\0')
		return 0;
	char rest[EML_PKG_MAX_VERSION + 1];
	snprintf(rest, sizeof(rest), "%s", s + 1);
	char *plus = strchr(rest, '+');
	if (*s == '-') {
		if (plus)
			*plus = '\0';
		if (semver_idents(rest))
			return -1;
		return plus ? semver_idents(plus + 1) : 0;
	}
	return *s == '+' ? semver_idents(rest) : -1;
}

/* Copies a string entry (no NUL inside, 1..max bytes) into out. */
static edgeml_status entry_string(const uint8_t *v, uint32_t len, uint32_t max, const char *what,
				  uint64_t off, char *out)
{
	if (len == 0 || len > max || memchr(v, 0, len))
		return eml_error(EDGEML_ERR_FORMAT,
				 "manifest %s at offset 0x%" PRIx64 " must be 1..%" PRIu32
				 " bytes without NUL, not %" PRIu32 " bytes",
				 what, off, max, len);
	memcpy(out, v, len);
	out[len] = '\0';
	return EDGEML_OK;
}

/* Checks that a fixed-size entry has its size. */
static edgeml_status entry_size(uint32_t len, uint32_t want, const char *what, uint64_t off)
{
	if (len != want)
		return eml_error(EDGEML_ERR_FORMAT,
				 "manifest %s at offset 0x%" PRIx64 " is %" PRIu32
				 " bytes, not %" PRIu32,
				 what, off, len, want);
	return EDGEML_OK;
}

/* Decodes a self-test entry. */
static edgeml_status entry_selftest(eml_package *pkg, const uint8_t *v, uint32_t len, uint64_t off)
{
	if (pkg->n_selftests == EML_PKG_MAX_SELFTESTS)
		return eml_error(EDGEML_ERR_FORMAT,
				 "manifest self-test at offset 0x%" PRIx64 ": more than %u self-tests",
				 off, EML_PKG_MAX_SELFTESTS);
	struct eml_pkg_selftest t;
	if (len < EML_PKG_SELFTEST_SIZE)
		return entry_size(len, EML_PKG_SELFTEST_SIZE, "self-test", off);
	memcpy(&t, v, sizeof(t));
	if (t.reserved != 0 || !(t.tolerance >= 0.0f) ||
	    (uint64_t)t.input_size + t.expected_size != len - EML_PKG_SELFTEST_SIZE)
		return eml_error(EDGEML_ERR_FORMAT,
				 "manifest self-test at offset 0x%" PRIx64
				 ": input (%" PRIu32 " bytes) and expected output (%" PRIu32
				 " bytes) do not fill its %" PRIu32
				 " bytes, or its tolerance or reserved field is bad",
				 off, t.input_size, t.expected_size, len);
	eml_pkg_selftest_view *s = &pkg->selftests[pkg->n_selftests++];
	s->input_index = t.input_index;
	s->output_index = t.output_index;
	s->tolerance = t.tolerance;
	s->input = v + EML_PKG_SELFTEST_SIZE;
	s->input_size = t.input_size;
	s->expected = s->input + t.input_size;
	s->expected_size = t.expected_size;
	return EDGEML_OK;
}

/* Decodes the encryption entry and checks the payload size it implies. */
static edgeml_status entry_encryption(eml_package *pkg, const uint8_t *v, uint32_t len,
				      uint64_t off)
{
	edgeml_status st = entry_size(len, EML_PKG_ENCRYPTION_SIZE, "encryption entry", off);
	if (st != EDGEML_OK)
		return st;
	memcpy(&pkg->enc, v, sizeof(pkg->enc));
	if (pkg->enc.scheme != EML_PKG_CIPHER_SECRETSTREAM || pkg->enc.reserved[0] ||
	    pkg->enc.reserved[1] || pkg->enc.reserved[2])
		return eml_error(EDGEML_ERR_UNSUPPORTED,
				 "manifest encryption entry at offset 0x%" PRIx64
				 ": cipher %u is not supported (1: secretstream XChaCha20-Poly1305)",
				 off, pkg->enc.scheme);
	if (pkg->enc.chunk_size < 4096 || pkg->enc.chunk_size > (16u << 20))
		return eml_error(EDGEML_ERR_FORMAT,
				 "manifest encryption entry at offset 0x%" PRIx64
				 ": chunk size %" PRIu32 " is outside 4 KiB..16 MiB",
				 off, pkg->enc.chunk_size);
	pkg->encrypted = 1;
	return EDGEML_OK;
}

/* Whether a tag may appear more than once. */
static int tag_repeats(uint32_t tag)
{
	return tag == EML_PKG_TAG_SELFTEST || tag == EML_PKG_TAG_REQUIRES;
}

/* Decodes one known entry. */
static edgeml_status decode_entry(eml_package *pkg, uint32_t tag, const uint8_t *v, uint32_t len,
				  uint64_t off)
{
	edgeml_status st = EDGEML_OK;
	uint32_t a, b, c;
	switch (tag) {
	case EML_PKG_TAG_NAME:
		st = entry_string(v, len, EML_PKG_MAX_NAME, "name", off, pkg->name);
		for (const char *p = pkg->name; st == EDGEML_OK && *p; p++)
			if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			      (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' || *p == '-'))
				st = eml_error(EDGEML_ERR_FORMAT,
					       "manifest name at offset 0x%" PRIx64
					       " may hold only letters, digits, '.', '_' and '-'",
					       off);
		return st;
	case EML_PKG_TAG_VERSION:
	case EML_PKG_TAG_PARENT: {
		char *out = tag == EML_PKG_TAG_VERSION ? pkg->version : pkg->parent;
		const char *what = tag == EML_PKG_TAG_VERSION ? "version" : "parent version";
		st = entry_string(v, len, EML_PKG_MAX_VERSION, what, off, out);
		if (st == EDGEML_OK && eml_semver_parse(out, &a, &b, &c))
			st = eml_error(EDGEML_ERR_FORMAT,
				       "manifest %s '%s' at offset 0x%" PRIx64
				       " is not a semantic version (MAJOR.MINOR.PATCH[-PRE][+BUILD])",
				       what, out, off);
		return st;
	}
	case EML_PKG_TAG_SEQUENCE:
	case EML_PKG_TAG_CREATED:
	case EML_PKG_TAG_MODEL_SIZE: {
		st = entry_size(len, 8, "number", off);
		uint64_t *out = tag == EML_PKG_TAG_SEQUENCE  ? &pkg->sequence
				: tag == EML_PKG_TAG_CREATED ? &pkg->created
							     : &pkg->model_size;
		if (st == EDGEML_OK)
			memcpy(out, v, 8);
		return st;
	}
	case EML_PKG_TAG_MODEL_HASH:
	case EML_PKG_TAG_PAYLOAD_HASH:
		st = entry_size(len, 32, "BLAKE2b-256", off);
		if (st == EDGEML_OK)
			memcpy(tag == EML_PKG_TAG_MODEL_HASH ? pkg->model_hash
							       : pkg->payload_hash,
			       v, 32);
		return st;
	case EML_PKG_TAG_SELFTEST:
		return entry_selftest(pkg, v, len, off);
	case EML_PKG_TAG_REQUIRES:
		if (pkg->n_requires == EML_PKG_MAX_REQUIRES)
			return eml_error(EDGEML_ERR_FORMAT,
					 "manifest requirement at offset 0x%" PRIx64
					 ": more than %u requirements",
					 off, EML_PKG_MAX_REQUIRES);
		st = entry_string(v, len, EML_PKG_MAX_REQUIRE_LEN, "requirement", off,
				  pkg->requires[pkg->n_requires]);
		if (st == EDGEML_OK)
			pkg->n_requires++;
		return st;
	case EML_PKG_TAG_LATENCY_BUDGET:
		st = entry_size(len, 8, "latency budget", off);
		if (st == EDGEML_OK)
			memcpy(&pkg->latency_budget_ms, v, 8);
		if (st == EDGEML_OK && !(pkg->latency_budget_ms > 0.0 &&
					 pkg->latency_budget_ms <= 3.6e6))
			st = eml_error(EDGEML_ERR_FORMAT,
				       "manifest latency budget at offset 0x%" PRIx64
				       " must be a number of milliseconds in (0, 3600000]",
				       off);
		return st;
	case EML_PKG_TAG_ENCRYPTION:
		return entry_encryption(pkg, v, len, off);
	}
	return EDGEML_OK;
}

/* Walks the manifest's entries. */
static edgeml_status parse_manifest(eml_package *pkg)
{
	const uint8_t *m = pkg->base + EML_PKG_HEADER_SIZE;
	uint64_t size = pkg->hdr.manifest_size;
	uint64_t pos = 0;
	uint32_t prev = 0;
	uint32_t seen = 0; /* bit (tag - 1) for the singleton tags 1..8 */
	while (pos < size) {
		uint64_t off = EML_PKG_HEADER_SIZE + pos;
		if (size - pos < EML_PKG_ENTRY_HEADER)
			return eml_error(EDGEML_ERR_FORMAT,
					 "manifest entry at offset 0x%" PRIx64
					 " is cut off by the end of the manifest",
					 off);
		uint16_t tag, reserved;
		uint32_t len;
		memcpy(&tag, m + pos, 2);
		memcpy(&reserved, m + pos + 2, 2);
		memcpy(&len, m + pos + 4, 4);
		if (reserved != 0)
			return eml_error(EDGEML_ERR_FORMAT,
					 "manifest entry at offset 0x%" PRIx64
					 ": reserved field is not zero",
					 off);
		if (len > size - pos - EML_PKG_ENTRY_HEADER)
			return eml_error(EDGEML_ERR_FORMAT,
					 "manifest entry (tag 0x%04x) at offset 0x%" PRIx64
					 ": its %" PRIu32 " bytes run past the manifest's end",
					 tag, off, len);
		if (tag < prev || (tag == prev && !tag_repeats(tag)))
			return eml_error(EDGEML_ERR_FORMAT,
					 "manifest entry (tag 0x%04x) at offset 0x%" PRIx64
					 " is out of order or repeated",
					 tag, off);
		prev = tag;
		int known = (tag >= EML_PKG_TAG_NAME && tag <= EML_PKG_TAG_SELFTEST) ||
			    tag == EML_PKG_TAG_LATENCY_BUDGET || tag == EML_PKG_TAG_REQUIRES || tag == EML_PKG_TAG_ENCRYPTION;
		if (!known && (tag & EML_PKG_TAG_CRITICAL))
			return eml_error(EDGEML_ERR_UNSUPPORTED,
					 "manifest entry at offset 0x%" PRIx64
					 " has critical tag 0x%04x, which this runtime does not know "
					 "(made for a newer runtime)",
					 off, tag);
		if (tag >= 1 && tag <= 8)
			seen |= 1u << (tag - 1);
		if (known) {
			edgeml_status st = decode_entry(pkg, tag, m + pos + EML_PKG_ENTRY_HEADER,
							len, off);
			if (st != EDGEML_OK)
				return st;
		}
		pos += EML_PKG_ENTRY_HEADER + (uint64_t)len;
	}
	static const char *const required[8] = {
		"name", "version", "sequence", NULL, "creation time", "model size",
		"model BLAKE2b-256", "payload BLAKE2b-256",
	};
	for (uint32_t t = 0; t < 8; t++)
		if (required[t] && !(seen & (1u << t)))
			return eml_error(EDGEML_ERR_FORMAT,
					 "manifest at offset 0x40 has no %s entry (tag 0x%04x)",
					 required[t], t + 1);
	if (!pkg->encrypted && memcmp(pkg->model_hash, pkg->payload_hash, 32) != 0)
		return eml_error(EDGEML_ERR_FORMAT,
				 "the payload is not encrypted, so the manifest's model and payload "
				 "BLAKE2b-256 must be equal, and they are not");
	if (pkg->model_size > pkg->hdr.payload_size)
		return eml_error(EDGEML_ERR_FORMAT,
				 "the manifest's model size %" PRIu64 " exceeds the %" PRIu64
				 "-byte payload",
				 pkg->model_size, pkg->hdr.payload_size);
	uint64_t want = pkg->model_size;
	if (pkg->encrypted) {
		uint64_t chunks = want / pkg->enc.chunk_size + 1;
		want += chunks * crypto_secretstream_xchacha20poly1305_ABYTES;
	}
	if (pkg->hdr.payload_size != want)
		return eml_error(EDGEML_ERR_FORMAT,
				 "payload is %" PRIu64 " bytes but the manifest's model size %" PRIu64
				 "%s implies %" PRIu64,
				 pkg->hdr.payload_size, pkg->model_size,
				 pkg->encrypted ? " (encrypted)" : "", want);
	return EDGEML_OK;
}

edgeml_status eml_package_parse(const void *data, size_t size, eml_package *pkg)
{
	memset(pkg, 0, sizeof(*pkg));
	pkg->base = data;
	pkg->size = size;
	edgeml_status st = check_header(pkg);
	if (st == EDGEML_OK)
		st = parse_manifest(pkg);
	return st;
}

edgeml_status eml_package_check_payload(const eml_package *pkg)
{
	uint8_t got[32];
	crypto_generichash(got, 32, pkg->base + pkg->hdr.payload_offset, pkg->hdr.payload_size,
			   NULL, 0);
	if (sodium_memcmp(got, pkg->payload_hash, 32) != 0)
		return eml_error(EDGEML_ERR_FORMAT,
				 "payload bytes [0x%" PRIx64 ", 0x%" PRIx64
				 ") do not match the BLAKE2b-256 in the manifest (corrupted or tampered)",
				 pkg->hdr.payload_offset,
				 pkg->hdr.payload_offset + pkg->hdr.payload_size);
	return EDGEML_OK;
}

/* Whether one alternative of a requirement ("avx512vnni", "vulkan") holds here. */
static int requirement_holds(const char *key, const char *alt, size_t n, uint32_t cpu_features)
{
	if (strcmp(key, "isa") == 0) {
		for (uint32_t f = 1; f < EML_CPU_FEATURE_END; f <<= 1) {
			const char *name = eml_cpu_feature_name(f);
			if (name && strlen(name) == n && memcmp(name, alt, n) == 0)
				return (cpu_features & f) != 0;
		}
		return 0;
	}
	/* backend=NAME: a backend of that name lists a device here. */
	size_t count = edgeml_device_count();
	for (size_t i = 0; i < count; i++) {
		edgeml_device_properties d;
		if (edgeml_device_info(i, &d) == EDGEML_OK && strlen(d.backend) == n &&
		    memcmp(d.backend, alt, n) == 0)
			return 1;
	}
	return 0;
}

edgeml_status eml_package_check_requires(const eml_package *pkg, uint32_t cpu_features)
{
	for (uint32_t i = 0; i < pkg->n_requires; i++) {
		const char *r = pkg->requires[i];
		const char *eq = strchr(r, '=');
		char key[EML_PKG_MAX_REQUIRE_LEN + 1];
		if (!eq || eq == r || eq[1] == '\0')
			return eml_error(EDGEML_ERR_FORMAT,
					 "requirement '%s' is not KEY=VALUE[|VALUE...]", r);
		snprintf(key, sizeof(key), "%.*s", (int)(eq - r), r);
		if (strcmp(key, "isa") != 0 && strcmp(key, "backend") != 0)
			return eml_error(EDGEML_ERR_UNSUPPORTED,
					 "requirement '%s': this runtime knows only isa= and backend=",
					 r);
		int ok = 0;
		for (const char *alt = eq + 1; *alt && !ok;) {
			size_t n = strcspn(alt, "|");
			ok = requirement_holds(key, alt, n, cpu_features);
			alt += n + (alt[n] == '|');
		}
		if (!ok)
			return eml_error(EDGEML_ERR_UNSUPPORTED,
					 "package '%s' %s requires %s, which this device does not have",
					 pkg->name, pkg->version, r);
	}
	return EDGEML_OK;
}
