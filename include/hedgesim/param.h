/* Parameter tables: how pluggable pieces (strategies, beta estimators, cost
 * models) declare their parameters, so configs can be validated and help
 * printed from one description.
 *
 * A table is an array of hs_param terminated by an entry with name == NULL.
 * Values are parsed into an hs_values, aligned with the table. */
#ifndef HEDGESIM_PARAM_H
#define HEDGESIM_PARAM_H

#include <stddef.h>

typedef enum hs_param_kind {
    HS_PARAM_DOUBLE = 0, /* a finite number in [min, max] */
    HS_PARAM_INT,        /* an integer in [min, max] */
    HS_PARAM_BOOL,       /* true/false, yes/no, 1/0 */
    HS_PARAM_CHOICE      /* one of the '|'-separated words in `choices`;
                          * with choices == NULL: free text that the caller
                          * reads itself (names, dates, lists) */
} hs_param_kind;

typedef struct hs_param {
    const char *name;
    hs_param_kind kind;
    const char *def;     /* default as text; NULL: required */
    double min, max;     /* range for DOUBLE and INT (inclusive) */
    const char *choices; /* CHOICE: "ols|ewma|kalman" */
    const char *doc;     /* one line for `hedgesim list` */
} hs_param;

#define HS_PARAM_END {NULL, HS_PARAM_DOUBLE, NULL, 0, 0, NULL, NULL}

#define HS_VALUES_MAX 32

/* Parsed values for one table.  num[i] holds DOUBLE, INT and BOOL values and
 * the index of a CHOICE; set[i] is 1 when the value came from the user. */
typedef struct hs_values {
    const hs_param *table;
    size_t n;
    double num[HS_VALUES_MAX];
    int set[HS_VALUES_MAX];
} hs_values;

/* Fill `v` with the defaults of `table`.  HS_EINVAL if the table is too long
 * or a default does not parse (a programming error, message says which). */
int hs_values_init(hs_values *v, const hs_param *table);

/* Set parameter `key` from text.  HS_ENOTFOUND if the table has no such key;
 * HS_ECONFIG if the value does not parse or is out of range.  The message
 * names `where` (e.g. "config.ini: [strategy.ols60]") and the key. */
int hs_values_set(hs_values *v, const char *key, const char *text,
                  const char *where);

/* Index of `key` in the table, or -1. */
int hs_param_index(const hs_param *table, const char *key);

/* Value of `key` (a programming error if absent: returns NaN). */
double hs_values_num(const hs_values *v, const char *key);
int hs_values_int(const hs_values *v, const char *key);
/* CHOICE: the chosen word (borrowed from the table); "" if absent. */
const char *hs_values_choice(const hs_values *v, const char *key, char *buf,
                             size_t size);
/* 1 if the user set `key`. */
int hs_values_isset(const hs_values *v, const char *key);

/* Print "  name  kind  default  [range]  doc" lines for help output. */
#include <stdio.h>
void hs_params_print(FILE *fp, const hs_param *table, const char *indent);

#endif
