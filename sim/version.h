/*
 * sim_version.h - the program's version and git revision, which the
 * Makefile passes in with -D; the fallbacks serve other build systems.
 */
#ifndef SIM_VERSION_H
#define SIM_VERSION_H

#ifndef SIM_VERSION
#define SIM_VERSION "unknown"
#endif
#ifndef SIM_GIT_REV
#define SIM_GIT_REV "unknown"
#endif

#endif
