/*
 * package_format.h — the on-disk layout of a .emlpkg package (docs/fleet.md is the spec).
 * Shared by the reader (runtime/src/package.c) and the writer (tools/package_write.c).
 *
 * A package is: a 64-byte header, a manifest of TLV entries, zero padding to 64 bytes, the
 * payload (the .eml model, or its secretstream ciphertext), then signature records. The
 * signatures cover bytes [0, payload_offset) — header, manifest and padding — and the
 * manifest holds the BLAKE2b-256 of the payload and of the model, so every byte before the
 * signatures is covered. Signatures are appended after the signed bytes, so signing again
 * (key rotation) never changes what was signed. All integers are little-endian.
 */
#ifndef EML_PACKAGE_FORMAT_H
#define EML_PACKAGE_FORMAT_H

#include <stdint.h>

#define EML_PKG_MAGIC "\x89" "EMLPKG\n"
#define EML_PKG_MAGIC_LEN 8

/* A reader rejects another major version and reads any minor version of its major. */
#define EML_PKG_VERSION_MAJOR 1
#define EML_PKG_VERSION_MINOR 0

#define EML_PKG_HEADER_SIZE 64u
#define EML_PKG_PAYLOAD_ALIGN 64u /* so an unencrypted model is used in place */

struct eml_pkg_header {
	uint8_t magic[EML_PKG_MAGIC_LEN]; /* 0x00 */
	uint16_t version_major;		  /* 0x08 */
	uint16_t version_minor;		  /* 0x0a */
	uint32_t header_size;		  /* 0x0c: 64 */
	uint64_t manifest_offset;	  /* 0x10: 64 */
	uint64_t manifest_size;		  /* 0x18 */
	uint64_t payload_offset;	  /* 0x20: first 64-byte boundary after the manifest */
	uint64_t payload_size;		  /* 0x28 */
	uint64_t signatures_offset;	  /* 0x30: payload_offset + payload_size */
	uint64_t reserved;		  /* 0x38: 0 */
};

/* One Ed25519 signature (Ed25519ph over EML_PKG_SIGN_DOMAIN then bytes [0, payload_offset)),
 * with the public key that made it, so a device finds the key in its trust store. */
#define EML_PKG_SIG_MAGIC "EMLSIG1"
struct eml_pkg_signature {
	uint8_t magic[8]; /* "EMLSIG1\0" */
	uint8_t public_key[32];
	uint8_t signature[64];
	uint8_t reserved[24]; /* 0 */
};
#define EML_PKG_SIG_SIZE 128u

/* Prefixed to the signed bytes, so an edgeml signature can never be replayed as a
 * signature over anything else made with the same key. */
#define EML_PKG_SIGN_DOMAIN "edgeml package signature v1"

/* Manifest entries: u16 tag, u16 reserved (0), u32 length, then length bytes of value, with
 * no padding. Tags are in non-decreasing order; each appears at most once except the
 * repeatable ones. A reader skips an unknown tag unless its critical bit is set. */
#define EML_PKG_ENTRY_HEADER 8u
#define EML_PKG_TAG_CRITICAL 0x8000u
enum eml_pkg_tag {
	EML_PKG_TAG_NAME = 0x0001,	      /* [A-Za-z0-9._-]{1,64} */
	EML_PKG_TAG_VERSION = 0x0002,	      /* semantic version, <= 64 bytes */
	EML_PKG_TAG_SEQUENCE = 0x0003,	      /* u64 rollback counter (docs/fleet.md) */
	EML_PKG_TAG_PARENT = 0x0004,	      /* optional: the version this one updates */
	EML_PKG_TAG_CREATED = 0x0005,	      /* u64 seconds since 1970 (SOURCE_DATE_EPOCH) */
	EML_PKG_TAG_MODEL_SIZE = 0x0006,      /* u64 bytes of the plaintext .eml */
	EML_PKG_TAG_MODEL_HASH = 0x0007,    /* 32 bytes: BLAKE2b-256 of the plaintext .eml */
	EML_PKG_TAG_PAYLOAD_HASH = 0x0008,  /* 32 bytes: BLAKE2b-256 of the payload as stored */
	EML_PKG_TAG_SELFTEST = 0x0009,	      /* repeatable: struct eml_pkg_selftest + bytes */
	EML_PKG_TAG_LATENCY_BUDGET = 0x000c,  /* optional f64: self-test run budget in ms */
	EML_PKG_TAG_REQUIRES = 0x800a,	      /* repeatable: "key=alt|alt", e.g. isa=dotprod */
	EML_PKG_TAG_ENCRYPTION = 0x800b,      /* struct eml_pkg_encryption: payload encrypted */
};

#define EML_PKG_MAX_NAME 64u
#define EML_PKG_MAX_VERSION 64u
#define EML_PKG_MAX_REQUIRES 16u
#define EML_PKG_MAX_REQUIRE_LEN 128u
#define EML_PKG_MAX_SELFTESTS 16u

/* A self-test vector: model input input_index gets the input bytes; output output_index must
 * equal the expected bytes within tolerance (per element, in the output's own units: LSB
 * for integer outputs). The input bytes follow this record, then the expected bytes. */
struct eml_pkg_selftest {
	uint32_t input_index;
	uint32_t output_index;
	float tolerance;
	uint32_t input_size;
	uint32_t expected_size;
	uint32_t reserved; /* 0 */
};
#define EML_PKG_SELFTEST_SIZE 24u

/* libsodium crypto_secretstream_xchacha20poly1305: the model in chunks of chunk_size
 * plaintext bytes, each stored with its 17-byte authentication overhead; the last chunk
 * carries the FINAL tag, so a truncated stream is detected. */
#define EML_PKG_CIPHER_SECRETSTREAM 1u
#define EML_PKG_CHUNK_SIZE (64u << 10)
struct eml_pkg_encryption {
	uint8_t scheme;	      /* EML_PKG_CIPHER_SECRETSTREAM */
	uint8_t reserved[3];  /* 0 */
	uint32_t chunk_size;  /* 4 KiB .. 16 MiB */
	uint8_t key_id[8];    /* BLAKE2b-64 of the key: which key the device needs */
	uint8_t header[24];   /* the secretstream header */
};
#define EML_PKG_ENCRYPTION_SIZE 40u

#endif /* EML_PACKAGE_FORMAT_H */
