/*
 * cache_dir.h — where the library keeps what it learns between processes: the Vulkan
 * backend's shaders and pipelines, and AUTO's latency record (latency_record.c).
 */
#ifndef EML_CACHE_DIR_H
#define EML_CACHE_DIR_H

#include <stddef.h>

/* Resolves the cache directory into out (size bytes) and creates it (and its parent) when
 * missing: option (edgeml_session_options.cache_dir) when given, else $EDGEML_CACHE_DIR,
 * else $XDG_CACHE_HOME/edgeml, else $HOME/.cache/edgeml. Returns 0 with the path, or -1
 * with out empty when caching is off ("off") or no directory can be made. */
int eml_cache_dir(const char *option, char *out, size_t size);

#endif /* EML_CACHE_DIR_H */
