/* Parameter tables and parsed values. */
#include "hedgesim/param.h"
#include "hedgesim/errors.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int hs_param_index(const hs_param *table, const char *key)
{
    for (int i = 0; table && table[i].name; i++)
        if (strcmp(table[i].name, key) == 0)
            return i;
    return -1;
}

/* Index of `word` among the '|'-separated choices, or -1. */
static int choice_index(const char *choices, const char *word)
{
    size_t wl = strlen(word);
    int idx = 0;
    const char *p = choices;
    while (p && *p) {
        const char *bar = strchr(p, '|');
        size_t len = bar ? (size_t)(bar - p) : strlen(p);
        if (len == wl && strncmp(p, word, len) == 0)
            return idx;
        idx++;
        p = bar ? bar + 1 : NULL;
    }
    return -1;
}

/* Is `text` (leading space skipped) a plain decimal number: [+-]digits,
 * and unless `integer` a fraction and an exponent, then trailing space? */
static int decimal_text(const char *text, int integer)
{
    const char *s = text;
    int digits = 0;
    if (*s == '+' || *s == '-')
        s++;
    for (; isdigit((unsigned char)*s); s++)
        digits++;
    if (!integer) {
        if (*s == '.')
            for (s++; isdigit((unsigned char)*s); s++)
                digits++;
        if (digits && (*s == 'e' || *s == 'E')) {
            s++;
            if (*s == '+' || *s == '-')
                s++;
            if (!isdigit((unsigned char)*s))
                return 0;
            while (isdigit((unsigned char)*s))
                s++;
        }
    }
    while (isspace((unsigned char)*s))
        s++;
    return digits > 0 && *s == '\0';
}

static int parse_value(const hs_param *p, const char *text, double *out)
{
    char *end;
    while (isspace((unsigned char)*text))
        text++;
    switch (p->kind) {
    case HS_PARAM_DOUBLE:
    case HS_PARAM_INT: {
        /* Decimal only: strtod alone would take hexadecimal (0x10), inf
         * and nan; an integer is digits with an optional sign (not 1e1 or
         * 16.0). */
        if (!decimal_text(text, p->kind == HS_PARAM_INT))
            return -1;
        errno = 0;
        double v = strtod(text, &end);
        while (isspace((unsigned char)*end))
            end++;
        if (errno || end == text || *end != '\0' || !isfinite(v))
            return -1;
        if (p->kind == HS_PARAM_INT && v != floor(v))
            return -1;
        *out = v;
        return 0;
    }
    case HS_PARAM_BOOL:
        if (!strcasecmp(text, "true") || !strcasecmp(text, "yes") ||
            !strcmp(text, "1") || !strcasecmp(text, "on"))
            *out = 1;
        else if (!strcasecmp(text, "false") || !strcasecmp(text, "no") ||
                 !strcmp(text, "0") || !strcasecmp(text, "off"))
            *out = 0;
        else
            return -1;
        return 0;
    case HS_PARAM_CHOICE: {
        if (!p->choices) { /* free text, read by the caller */
            *out = 0;
            return 0;
        }
        int i = choice_index(p->choices, text);
        if (i < 0)
            return -1;
        *out = i;
        return 0;
    }
    }
    return -1;
}

static const char *kind_word(hs_param_kind k)
{
    switch (k) {
    case HS_PARAM_DOUBLE:
        return "number";
    case HS_PARAM_INT:
        return "integer";
    case HS_PARAM_BOOL:
        return "true/false";
    case HS_PARAM_CHOICE:
        return "choice";
    }
    return "?";
}

int hs_values_init(hs_values *v, const hs_param *table)
{
    memset(v, 0, sizeof *v);
    v->table = table;
    for (size_t i = 0; table && table[i].name; i++) {
        if (i >= HS_VALUES_MAX)
            return hs_error_set(HS_EINVAL, "parameter table too long (max %d)",
                                HS_VALUES_MAX);
        v->n = i + 1;
        v->num[i] = NAN;
        if (table[i].def && parse_value(&table[i], table[i].def, &v->num[i]))
            return hs_error_set(HS_EINVAL,
                                "parameter '%s': default '%s' does not parse",
                                table[i].name, table[i].def);
    }
    return 0;
}

int hs_values_set(hs_values *v, const char *key, const char *text,
                  const char *where)
{
    int i = hs_param_index(v->table, key);
    if (i < 0)
        return hs_error_set(HS_ENOTFOUND, "%s: unknown key '%s'", where, key);
    const hs_param *p = &v->table[i];
    double x;
    if (parse_value(p, text, &x)) {
        if (p->kind == HS_PARAM_CHOICE)
            return hs_error_set(HS_ECONFIG,
                                "%s: key '%s': '%s' is not one of %s", where,
                                key, text, p->choices);
        return hs_error_set(HS_ECONFIG, "%s: key '%s': '%s' is not a valid %s",
                            where, key, text, kind_word(p->kind));
    }
    if ((p->kind == HS_PARAM_DOUBLE || p->kind == HS_PARAM_INT) &&
        (x < p->min || x > p->max))
        return hs_error_set(HS_ECONFIG,
                            "%s: key '%s': %s is out of range [%g, %g]", where,
                            key, text, p->min, p->max);
    v->num[i] = x;
    v->set[i] = 1;
    return 0;
}

double hs_values_num(const hs_values *v, const char *key)
{
    int i = hs_param_index(v->table, key);
    return i < 0 ? NAN : v->num[i];
}

int hs_values_int(const hs_values *v, const char *key)
{
    double x = hs_values_num(v, key);
    return isfinite(x) ? (int)x : 0;
}

const char *hs_values_choice(const hs_values *v, const char *key, char *buf,
                             size_t size)
{
    int i = hs_param_index(v->table, key);
    buf[0] = '\0';
    if (i < 0 || !v->table[i].choices || !isfinite(v->num[i]))
        return buf;
    int want = (int)v->num[i], idx = 0;
    const char *p = v->table[i].choices;
    while (p && *p) {
        const char *bar = strchr(p, '|');
        size_t len = bar ? (size_t)(bar - p) : strlen(p);
        if (idx == want) {
            if (len >= size)
                len = size - 1;
            memcpy(buf, p, len);
            buf[len] = '\0';
            break;
        }
        idx++;
        p = bar ? bar + 1 : NULL;
    }
    return buf;
}

int hs_values_isset(const hs_values *v, const char *key)
{
    int i = hs_param_index(v->table, key);
    return i >= 0 && v->set[i];
}

void hs_params_print(FILE *fp, const hs_param *table, const char *indent)
{
    for (size_t i = 0; table && table[i].name; i++) {
        const hs_param *p = &table[i];
        char range[96] = "";
        if (p->kind == HS_PARAM_DOUBLE || p->kind == HS_PARAM_INT)
            snprintf(range, sizeof range, "[%g, %g]", p->min, p->max);
        else if (p->kind == HS_PARAM_CHOICE)
            snprintf(range, sizeof range, "%s", p->choices);
        fprintf(fp, "%s%-12s %-10s default %-8s %-18s %s\n", indent, p->name,
                kind_word(p->kind), p->def ? p->def : "(required)", range,
                p->doc ? p->doc : "");
    }
}
