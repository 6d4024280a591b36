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
 * override; both read the raw sections through the inline look-ups below,
 * so neither file calls into the other but for that one entry point. */
#ifndef HS_CONFIG_INT_H
#define HS_CONFIG_INT_H

#include "hedgesim/config.h"

#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

/* At most this many sections in one config (every [strategy.*] counts). */
#define HS_CONFIG_MAX_SECTIONS (HS_CONFIG_MAX_RUNS + 8 + 1 + HS_SCENARIO_MAX_REGIMES)

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
static inline hs_config_raw_section *
hs_config__find_section(hs_config_raw *raw, const char *name, int create)
{
    for (size_t i = 0; i < raw->n; i++)
        if (strcmp(raw->sec[i].name, name) == 0)
            return &raw->sec[i];
    if (!create || raw->n == HS_CONFIG_MAX_SECTIONS)
        return NULL;
    hs_config_raw_section *s = &raw->sec[raw->n++];
    memset(s, 0, sizeof *s);
    snprintf(s->name, sizeof s->name, "%s", name);
    return s;
}

/* Key `key` of section s (s may be NULL), or NULL.  Borrowed from s. */
static inline const hs_config_kv *
hs_config__find_kv(const hs_config_raw_section *s, const char *key)
{
    for (size_t i = 0; s && i < s->n; i++)
        if (strcmp(s->kv[i].key, key) == 0)
            return &s->kv[i];
    return NULL;
}

/* Strip leading and trailing white space in place; returns the first
 * non-space character of s. */
static inline char *hs_config__trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = '\0';
    return s;
}

/* Give the raw sections their meaning: fill *c section by section, then
 * hs_config_validate.  Called after every parse and every override, on the
 * whole raw store.  0 or HS_ECONFIG (message names the file, the section
 * and the key), HS_EINVAL for a broken key table. */
int hs_config__interpret(hs_config *c, hs_config_raw *raw);

/* [mc] and [mc.regime.NAME] (mc_config.c), after [book] and [hedge]: fills
 * c->mc.  0 or HS_ECONFIG naming the file, the section and the key. */
int hs_config__read_mc(hs_config *c, hs_config_raw *raw, const char *w);

#endif
