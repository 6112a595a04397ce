/*
 * package_delta.h — binary deltas between two packages (docs/fleet.md, "Delta updates"),
 * by whichever of two methods gives the smaller patch:
 *   - patch-from: the new package compressed by zstd with the old one as its prefix (long
 *     distance matching finds the unchanged and moved bytes in the old package);
 *   - difference: the bytewise difference new - old (mod 256) compressed by zstd. When the
 *     layout is unchanged and many weights move by a step or two (a fine-tune), the
 *     difference is mostly zeros and small values, which compress far better than the
 *     short matches patch-from finds between them.
 * A patch names the
 * exact base it applies to and the result it makes, by size and BLAKE2b-256, so a patch
 * against the wrong base is refused before any decompression; the result is then checked
 * like any downloaded package (signatures, hashes) before it is used.
 */
#ifndef EML_TOOLS_PACKAGE_DELTA_H
#define EML_TOOLS_PACKAGE_DELTA_H

#include <stddef.h>
#include <stdint.h>

#include "edgeml.h"

#define EML_PATCH_MAGIC "\x89" "EMLDIF\n"
#define EML_PATCH_HEADER_SIZE 128u
/* Largest package a patch may make (the device allocates it). */
#define EML_PATCH_MAX_TARGET ((uint64_t)1 << 32)

/* The fixed header; the zstd frame follows it to the end of the file. */
struct eml_patch_header {
	uint8_t magic[8];
	uint16_t version_major; /* 1 */
	uint16_t version_minor; /* 0 */
	uint32_t header_size;	/* 96 */
	uint64_t base_size;
	uint64_t target_size;
	uint8_t base_hash[32];	 /* BLAKE2b-256 of the whole base package file */
	uint8_t target_hash[32]; /* of the whole package the patch makes */
	uint32_t method;	 /* enum eml_patch_method */
	uint32_t reserved[7];	 /* 0 */
};

enum eml_patch_method {
	EML_PATCH_FROM = 1,	  /* zstd with the base as prefix */
	EML_PATCH_DIFFERENCE = 2, /* zstd of (target - base) bytewise, target past the base */
};

/* Makes a patch that turns base into target; *out is malloc'd. level is zstd's (1..22). */
edgeml_status eml_patch_make(const uint8_t *base, size_t base_size, const uint8_t *target,
			     size_t target_size, int level, uint8_t **out, size_t *out_size);

/* Checks a patch's header against base and rebuilds the target into malloc'd *out; fails
 * with a message naming the mismatch (wrong base, corrupt patch, wrong result). */
edgeml_status eml_patch_apply(const uint8_t *base, size_t base_size, const uint8_t *patch,
			      size_t patch_size, uint8_t **out, size_t *out_size);

#endif /* EML_TOOLS_PACKAGE_DELTA_H */
