/**
 * @file version.h
 * @brief Compile-time and run-time version of libpatron.
 *
 * The macros describe the headers you compiled against; the functions
 * describe the library you are linked with at run time. Compare both to
 * detect a mismatched installation.
 */
#ifndef PATRON_VERSION_H
#define PATRON_VERSION_H

#include "common.h"

/** Major version: incremented on an incompatible ABI change (with the SONAME). */
#define PATRON_VERSION_MAJOR 0
/** Minor version: incremented when functions are added. */
#define PATRON_VERSION_MINOR 1
/** Patch version: incremented for fixes that change no interface. */
#define PATRON_VERSION_PATCH 0
/** The version as one comparable integer: major*10000 + minor*100 + patch. */
#define PATRON_VERSION_NUMBER \
    (PATRON_VERSION_MAJOR * 10000 + PATRON_VERSION_MINOR * 100 + PATRON_VERSION_PATCH)
/** The version as a string, "MAJOR.MINOR.PATCH". */
#define PATRON_VERSION_STRING "0.1.0"

PATRON_BEGIN_DECLS

/**
 * @brief Version of the linked library as #PATRON_VERSION_NUMBER computes it.
 * @par Thread safety
 * Reentrant.
 */
PATRON_API unsigned patron_version(void);

/**
 * @brief Version of the linked library as a static string, e.g. "0.1.0".
 * @return A string with static storage duration.
 */
PATRON_API const char *patron_version_string(void);

PATRON_END_DECLS

#endif /* PATRON_VERSION_H */
