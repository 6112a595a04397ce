/* version.c — version string and the options this library was built with. */
#include "edgeml.h"

#ifndef EML_BUILD_OPTIONS
#define EML_BUILD_OPTIONS "unknown"
#endif

#define EML_STR2(x) #x
#define EML_STR(x) EML_STR2(x)

const char *edgeml_version(void)
{
	return EML_STR(EDGEML_VERSION_MAJOR) "." EML_STR(EDGEML_VERSION_MINOR) "." EML_STR(
		EDGEML_VERSION_PATCH);
}

const char *edgeml_build_options(void)
{
	return EML_BUILD_OPTIONS;
}
