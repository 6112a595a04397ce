/*
 * package_delta.c — making and applying package patches with zstd's patch-from mode
 * (package_delta.h). The decoder's memory is bounded by the header's target size (checked
 * against EML_PATCH_MAX_TARGET) and its window by the base and target sizes.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <zstd.h>
#include <zstd_errors.h>

#include "tool_error.h"
#include "package_delta.h"

/* The smallest window log that spans base and target together (zstd's --patch-from rule),
 * at least 10 and at most ZSTD_WINDOWLOG_MAX_64. */
static int window_log(uint64_t base_size, uint64_t target_size)
{
	uint64_t span = base_size + target_size;
	int log = 10;
	while (log < 31 && ((uint64_t)1 << log) < span)
		log++;
	return log;
}

/* BLAKE2b-256 of a buffer. */
static void hash(uint8_t out[32], const uint8_t *p, size_t n)
{
	crypto_generichash(out, 32, p, n, NULL, 0);
}

/* Compresses src into dst (capacity cap) with zstd at level, long distance matching, a
 * window of wlog, and prefix (may be NULL) as a dictionary; returns the size or a zstd error. */
static size_t compress(uint8_t *dst, size_t cap, const uint8_t *src, size_t n, int level,
		       int wlog, const uint8_t *prefix, size_t prefix_size)
{
	ZSTD_CCtx *cctx = ZSTD_createCCtx();
	if (!cctx)
		return (size_t)-ZSTD_error_memory_allocation;
	size_t r = ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, level);
	if (!ZSTD_isError(r))
		r = ZSTD_CCtx_setParameter(cctx, ZSTD_c_enableLongDistanceMatching, 1);
	if (!ZSTD_isError(r))
		r = ZSTD_CCtx_setParameter(cctx, ZSTD_c_windowLog, wlog);
	if (!ZSTD_isError(r) && prefix)
		r = ZSTD_CCtx_refPrefix(cctx, prefix, prefix_size);
	if (!ZSTD_isError(r))
		r = ZSTD_compress2(cctx, dst, cap, src, n);
	ZSTD_freeCCtx(cctx);
	return r;
}

/* The difference transform: out[i] = target[i] - base[i] (mod 256) where both have byte i,
 * target[i] past the base's end. With sign -1 it is undone in place. */
static void difference(uint8_t *out, const uint8_t *target, size_t n, const uint8_t *base,
		       size_t base_size, int sign)
{
	size_t common = n < base_size ? n : base_size;
	for (size_t i = 0; i < common; i++)
		out[i] = (uint8_t)(target[i] + sign * base[i]);
	if (out != target)
		memcpy(out + common, target + common, n - common);
}

edgeml_status eml_patch_make(const uint8_t *base, size_t base_size, const uint8_t *target,
			     size_t target_size, int level, uint8_t **out, size_t *out_size)
{
	*out = NULL;
	*out_size = 0;
	if (sodium_init() < 0)
		return tool_error(EDGEML_ERR_BACKEND, "libsodium failed to initialise");
	if ((uint64_t)target_size > EML_PATCH_MAX_TARGET)
		return tool_error(EDGEML_ERR_INVALID_ARGUMENT,
				  "the new package is %zu bytes, more than a patch may make", target_size);
	struct eml_patch_header h;
	memset(&h, 0, sizeof(h));
	memcpy(h.magic, EML_PATCH_MAGIC, 8);
	h.version_major = 1;
	h.header_size = EML_PATCH_HEADER_SIZE;
	h.base_size = base_size;
	h.target_size = target_size;
	hash(h.base_hash, base, base_size);
	hash(h.target_hash, target, target_size);

	size_t bound = ZSTD_compressBound(target_size);
	uint8_t *from = malloc(EML_PATCH_HEADER_SIZE + bound);
	uint8_t *diff = malloc(EML_PATCH_HEADER_SIZE + bound);
	uint8_t *delta = malloc(target_size ? target_size : 1);
	if (!from || !diff || !delta) {
		free(from);
		free(diff);
		free(delta);
		return tool_error(EDGEML_ERR_NO_MEMORY, "out of memory making a patch");
	}
	int wlog = window_log(base_size, target_size);
	size_t r_from = compress(from + EML_PATCH_HEADER_SIZE, bound, target, target_size, level,
				 wlog, base, base_size);
	difference(delta, target, target_size, base, base_size, -1);
	size_t r_diff = compress(diff + EML_PATCH_HEADER_SIZE, bound, delta, target_size, level,
				 window_log(0, target_size), NULL, 0);
	free(delta);
	if (ZSTD_isError(r_from) || ZSTD_isError(r_diff)) {
		free(from);
		free(diff);
		return tool_error(EDGEML_ERR_BACKEND, "zstd cannot make the patch: %s",
				  ZSTD_getErrorName(ZSTD_isError(r_from) ? r_from : r_diff));
	}
	uint8_t *buf = from;
	size_t r = r_from;
	h.method = EML_PATCH_FROM;
	if (r_diff < r_from) {
		buf = diff;
		r = r_diff;
		h.method = EML_PATCH_DIFFERENCE;
		free(from);
	} else {
		free(diff);
	}
	memcpy(buf, &h, sizeof(h));
	*out = buf;
	*out_size = EML_PATCH_HEADER_SIZE + r;
	return EDGEML_OK;
}

/* Checks the header of a patch against the base it is applied to. */
static edgeml_status check_header(const struct eml_patch_header *h, const uint8_t *base,
				  size_t base_size)
{
	if (memcmp(h->magic, EML_PATCH_MAGIC, 8) != 0)
		return tool_error(EDGEML_ERR_FORMAT, "not an edgeml patch: bad magic at offset 0x0");
	int reserved = 0;
	for (int i = 0; i < 7; i++)
		reserved |= h->reserved[i] != 0;
	if (h->version_major != 1 || h->header_size != EML_PATCH_HEADER_SIZE || reserved)
		return tool_error(EDGEML_ERR_FORMAT,
				  "patch format %u.%u (header %" PRIu32
				  " bytes) is not supported: this edgeml reads 1.x with a %u-byte "
				  "header whose reserved words are zero",
				  h->version_major, h->version_minor, h->header_size,
				  EML_PATCH_HEADER_SIZE);
	if (h->method != EML_PATCH_FROM && h->method != EML_PATCH_DIFFERENCE)
		return tool_error(EDGEML_ERR_UNSUPPORTED,
				  "patch method %" PRIu32 " at offset 0x60 is not supported (1, 2)",
				  h->method);
	if (h->target_size > EML_PATCH_MAX_TARGET || h->target_size == 0)
		return tool_error(EDGEML_ERR_FORMAT,
				  "patch target size %" PRIu64 " at offset 0x18 is 0 or above the "
				  "%" PRIu64 "-byte limit",
				  h->target_size, EML_PATCH_MAX_TARGET);
	uint8_t got[32];
	hash(got, base, base_size);
	if (h->base_size != base_size || sodium_memcmp(got, h->base_hash, 32) != 0) {
		char want_hex[17], got_hex[17];
		sodium_bin2hex(want_hex, sizeof(want_hex), h->base_hash, 8);
		sodium_bin2hex(got_hex, sizeof(got_hex), got, 8);
		return tool_error(EDGEML_ERR_INVALID_ARGUMENT,
				  "the patch is against a %" PRIu64 "-byte base %s..., but this base "
				  "is %zu bytes, %s...: wrong base package",
				  h->base_size, want_hex, base_size, got_hex);
	}
	return EDGEML_OK;
}

edgeml_status eml_patch_apply(const uint8_t *base, size_t base_size, const uint8_t *patch,
			      size_t patch_size, uint8_t **out, size_t *out_size)
{
	*out = NULL;
	*out_size = 0;
	if (sodium_init() < 0)
		return tool_error(EDGEML_ERR_BACKEND, "libsodium failed to initialise");
	struct eml_patch_header h;
	if (patch_size < EML_PATCH_HEADER_SIZE)
		return tool_error(EDGEML_ERR_FORMAT,
				  "patch is %zu bytes, shorter than its %u-byte header", patch_size,
				  EML_PATCH_HEADER_SIZE);
	memcpy(&h, patch, sizeof(h));
	edgeml_status st = check_header(&h, base, base_size);
	if (st != EDGEML_OK)
		return st;
	const uint8_t *frame = patch + EML_PATCH_HEADER_SIZE;
	size_t frame_size = patch_size - EML_PATCH_HEADER_SIZE;
	unsigned long long content = ZSTD_getFrameContentSize(frame, frame_size);
	if (content != h.target_size)
		return tool_error(EDGEML_ERR_FORMAT,
				  "the patch's zstd frame at offset 0x80 declares %llu bytes, not the "
				  "header's %" PRIu64 " (corrupt or truncated patch)",
				  content, h.target_size);
	uint8_t *buf = malloc((size_t)h.target_size);
	ZSTD_DCtx *dctx = ZSTD_createDCtx();
	if (!buf || !dctx) {
		free(buf);
		ZSTD_freeDCtx(dctx);
		return tool_error(EDGEML_ERR_NO_MEMORY, "out of memory for a %" PRIu64
				  "-byte patched package", h.target_size);
	}
	int from = h.method == EML_PATCH_FROM;
	size_t r = ZSTD_DCtx_setParameter(dctx, ZSTD_d_windowLogMax,
					  window_log(from ? base_size : 0, h.target_size));
	if (!ZSTD_isError(r) && from)
		r = ZSTD_DCtx_refPrefix(dctx, base, base_size);
	if (!ZSTD_isError(r))
		r = ZSTD_decompressDCtx(dctx, buf, (size_t)h.target_size, frame, frame_size);
	ZSTD_freeDCtx(dctx);
	if (ZSTD_isError(r) || r != h.target_size) {
		free(buf);
		return tool_error(EDGEML_ERR_FORMAT, "the patch does not decode: %s",
				  ZSTD_isError(r) ? ZSTD_getErrorName(r) : "short result");
	}
	if (!from)
		difference(buf, buf, (size_t)h.target_size, base, base_size, 1);
	uint8_t got[32];
	hash(got, buf, (size_t)h.target_size);
	if (sodium_memcmp(got, h.target_hash, 32) != 0) {
		free(buf);
		return tool_error(EDGEML_ERR_FORMAT,
				  "the patched package does not match the hash in the patch header "
				  "(offset 0x40): corrupt patch");
	}
	*out = buf;
	*out_size = (size_t)h.target_size;
	return EDGEML_OK;
}
