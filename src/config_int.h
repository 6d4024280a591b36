/* Internals of the config module shared by its two files (not API).
 *
 *   config_ini.c  reading: the INI text (prescan + libinih) into raw
 *                 sections of unvalidated key = value strings, --set
 *                 overrides into the same store; hs_config_load, _parse,
 *                 _set, _free.
 *   config.c      meaning: the key tables and one function per section
 *                 ([data], [book], [hedge], [costs], [options], [metrics],
 *                 [strategy.*]) turning raw sections into struct hs_config;
 *                 hs_config_validate, _run_spec, _history.
 *
 * config_ini.c calls hs_config__interpret after every parse and every
 * override; config.c reads raw sections only through the calls below. */
#ifndef HS_CONFIG_INT_H
#define HS_CONFIG_INT_H

#include "hedgesim/config.h"

#include <stddef.h>

/* At most this many sections in one config (every [strategy.*] counts). */
#define HS_CONFIG_MAX_SECTIONS (HS_CONFIG_MAX_RUNS + 8)

/* One [section] as read: its keys and values in file order, unvalidated. */
typedef struct hs_config_raw_section {
    char name[80];
    hs_config_kv kv[HS_CONFIG_MAX_KEYS];
    size_t n;
} hs_config_raw_section;

/* Every section as read, plus the reader's state. */
typedef struct hs_config_raw {
    hs_config_raw_section sec[HS_CONFIG_MAX_SECTIONS];
    size_t n;
    int error;         /* first error met inside a libinih callback */
    const char *where; /* file name (or "--set") for messages */
} hs_config_raw;

/* The section called `name`, or NULL.  With create, a missing one is added
 * (empty); NULL then means there are already HS_CONFIG_MAX_SECTIONS.  The
 * pointer is borrowed from raw. */
hs_config_raw_section *hs_config__find_section(hs_config_raw *raw,
                                               const char *name, int create);

/* Key `key` of section s (s may be NULL), or NULL.  Borrowed from s. */
const hs_config_kv *hs_config__find_kv(const hs_config_raw_section *s,
                                       const char *key);

/* Strip leading and trailing white space in place; returns the first
 * non-space character of s. */
char *hs_config__trim(char *s);

/* Give the raw sections their meaning: fill *c section by section, then
 * hs_config_validate.  Called after every parse and every override, on the
 * whole raw store.  0 or HS_ECONFIG (message names the file, the section
 * and the key), HS_EINVAL for a broken key table. */
int hs_config__interpret(hs_config *c, hs_config_raw *raw);

#endif
