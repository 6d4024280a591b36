/* Run configurations, part 1: reading the INI text.
 *
 * The text is checked line by line (prescan), parsed with libinih into raw
 * sections of key = value strings (hs_config_raw, nothing validated yet),
 * and then handed to hs_config__interpret (config.c), which gives every
 * section its meaning.  hs_config_set puts an override into the same raw
 * store and interprets the whole again, so an override behaves exactly as
 * if it were in the file.  Also here: hs_config_load, hs_config_parse and
 * hs_config_free. */
#include "config_int.h"

#include "hedgesim/config.h"
#include "hedgesim/errors.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A config as handed out: the public struct first, then the raw keys it was
 * interpreted from (kept so that hs_config_set can re-interpret). */
struct hs_config_priv {
    hs_config pub;
    hs_config_raw raw;
};

/* ------------------------------------------------------------- raw INI */

static int put(hs_config_raw *raw, const char *section, const char *key,
               const char *value, int replace)
{
    if (strlen(section) >= sizeof raw->sec[0].name)
        return hs_error_set(HS_ECONFIG, "%s: section name '%s' is too long",
                            raw->where, section);
    hs_config_raw_section *s = hs_config__find_section(raw, section, 1);
    if (!s)
        return hs_error_set(HS_ECONFIG, "%s: too many sections (max %d)",
                            raw->where, HS_CONFIG_MAX_SECTIONS);
    if (strlen(key) >= sizeof s->kv[0].key ||
        strlen(value) >= sizeof s->kv[0].value)
        return hs_error_set(HS_ECONFIG, "%s: [%s] %s: key or value too long",
                            raw->where, section, key);
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->kv[i].key, key) == 0) {
            if (!replace)
                return hs_error_set(HS_ECONFIG,
                                    "%s: [%s] key '%s' is given twice",
                                    raw->where, section, key);
            snprintf(s->kv[i].value, sizeof s->kv[i].value, "%s", value);
            return 0;
        }
    if (s->n == HS_CONFIG_MAX_KEYS)
        return hs_error_set(HS_ECONFIG, "%s: [%s] has too many keys",
                            raw->where, section);
    snprintf(s->kv[s->n].key, sizeof s->kv[0].key, "%s", key);
    snprintf(s->kv[s->n].value, sizeof s->kv[0].value, "%s", value);
    s->n++;
    return 0;
}

static int on_ini_line(void *user, const char *section, const char *name,
                       const char *value)
{
    hs_config_raw *raw = user;
    if (raw->error)
        return 0;
    if (!*section) {
        raw->error = hs_error_set(HS_ECONFIG,
                                  "%s: key '%s' is outside any [section]",
                                  raw->where, name);
        return 0;
    }
    if (!name) /* a section header (INI_CALL_HANDLER_ON_NEW_SECTION) */
        return hs_config__find_section(raw, section, 1) != NULL;
    int rc = put(raw, section, name, value, 0);
    if (rc) {
        raw->error = rc;
        return 0;
    }
    return 1;
}

/* libinih as packaged limits lines to 199 characters and section names to
 * 49, and does not report empty sections.  Check the text's shape first, in
 * line order, so the first problem is the one reported and every section is
 * seen; libinih then does the parsing proper. */
#define INI_LINE_MAX 199
#define INI_SECTION_MAX 49

static int prescan(hs_config_raw *raw, const char *text)
{
    const char *w = raw->where;
    int lineno = 0, in_section = 0;
    for (const char *p = text; *p;) {
        const char *eol = strchr(p, '\n');
        size_t len = eol ? (size_t)(eol - p) : strlen(p), whole = len;
        lineno++;
        if (len > 0 && p[len - 1] == '\r')
            len--;
        if (len > INI_LINE_MAX)
            return hs_error_set(HS_ECONFIG,
                                "%s:%d: line longer than %d characters",
                                w, lineno, INI_LINE_MAX);
        char line[INI_LINE_MAX + 1];
        memcpy(line, p, len);
        line[len] = '\0';
        char *l = line;
        int indented = isspace((unsigned char)*l);
        l = hs_config__trim(l);
        if (*l == '\0' || *l == ';' || *l == '#') {
            /* blank or comment */
        } else if (*l == '[') {
            char *end = strchr(l, ']');
            if (!end)
                return hs_error_set(HS_ECONFIG,
                                    "%s:%d: section header without ']'", w,
                                    lineno);
            char *rest = hs_config__trim(end + 1);
            if (*rest && *rest != ';' && *rest != '#')
                return hs_error_set(HS_ECONFIG,
                                    "%s:%d: text after the section header", w,
                                    lineno);
            *end = '\0';
            char *name = hs_config__trim(l + 1);
            if (!*name)
                return hs_error_set(HS_ECONFIG, "%s:%d: empty section name", w,
                                    lineno);
            if (strlen(name) > INI_SECTION_MAX)
                return hs_error_set(HS_ECONFIG,
                                    "%s:%d: section name longer than %d "
                                    "characters",
                                    w, lineno, INI_SECTION_MAX);
            if (!hs_config__find_section(raw, name, 1))
                return hs_error_set(HS_ECONFIG,
                                    "%s:%d: too many sections (max %d)", w,
                                    lineno, HS_CONFIG_MAX_SECTIONS);
            in_section = 1;
        } else if (indented && in_section) {
            return hs_error_set(HS_ECONFIG,
                                "%s:%d: indented line: continuation lines are "
                                "not supported; write the value on one line",
                                w, lineno);
        } else if (!strchr(l, '=') && !strchr(l, ':')) {
            return hs_error_set(HS_ECONFIG,
                                "%s:%d: cannot parse this line (expected "
                                "key = value or [section])",
                                w, lineno);
        } else if (!in_section) {
            return hs_error_set(HS_ECONFIG,
                                "%s:%d: key outside any [section]", w, lineno);
        }
        p = eol ? eol + 1 : p + whole; /* past a last line's '\r' too */
    }
    return 0;
}

static int parse_into(struct hs_config_priv *cp, const char *text)
{
    hs_config_raw *raw = &cp->raw;
    raw->where = cp->pub.path[0] ? cp->pub.path : "config";
    int rc = prescan(raw, text);
    if (rc)
        return rc;
    int line = ini_parse_string(text, on_ini_line, raw);
    if (raw->error)
        return raw->error;
    if (line > 0)
        return hs_error_set(HS_ECONFIG, "%s:%d: cannot parse this line",
                            raw->where, line);
    if (line < 0)
        return hs_error_set(HS_ENOMEM, "%s: out of memory", raw->where);
    return hs_config__interpret(&cp->pub, raw);
}

int hs_config_parse(hs_config **out, const char *text, const char *name)
{
    struct hs_config_priv *cp = calloc(1, sizeof *cp);
    *out = NULL;
    if (!cp)
        return hs_error_set(HS_ENOMEM, "out of memory");
    snprintf(cp->pub.path, sizeof cp->pub.path, "%s", name ? name : "");
    cp->pub.text = strdup(text);
    if (!cp->pub.text) {
        free(cp);
        return hs_error_set(HS_ENOMEM, "out of memory");
    }
    int rc = parse_into(cp, text);
    if (rc) {
        hs_config_free(&cp->pub);
        return rc;
    }
    *out = &cp->pub;
    return 0;
}

int hs_config_load(hs_config **out, const char *path)
{
    *out = NULL;
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return hs_error_set(HS_EIO, "%s: %s", path, strerror(errno));
    char *text = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len + 4096 + 1 > cap) {
            cap = cap ? cap * 2 : 8192;
            char *p = realloc(text, cap);
            if (!p) {
                free(text);
                fclose(fp);
                return hs_error_set(HS_ENOMEM, "out of memory");
            }
            text = p;
        }
        size_t n = fread(text + len, 1, 4096, fp);
        len += n;
        if (n < 4096)
            break;
    }
    int err = ferror(fp);
    fclose(fp);
    if (err) {
        free(text);
        return hs_error_set(HS_EIO, "%s: read error", path);
    }
    text[len] = '\0';
    if (strlen(text) != len) {
        free(text);
        return hs_error_set(HS_ECONFIG, "%s: contains a NUL byte: not a text "
                                        "file",
                            path);
    }
    int rc = hs_config_parse(out, text, path);
    free(text);
    return rc;
}

void hs_config_free(hs_config *c)
{
    if (!c)
        return;
    free(c->text);
    free((struct hs_config_priv *)c);
}

int hs_config_set(hs_config *c, const char *assignment)
{
    struct hs_config_priv *cp = (struct hs_config_priv *)c;
    char buf[512];
    snprintf(buf, sizeof buf, "%s", assignment);
    char *eq = strchr(buf, '=');
    char *dot = NULL;
    for (char *p = buf; eq && p < eq; p++)
        if (*p == '.')
            dot = p;
    if (!eq || !dot || dot == buf)
        return hs_error_set(HS_ECONFIG,
                            "--set '%s': expected section.key=value", assignment);
    *eq = '\0';
    *dot = '\0';
    char *section = hs_config__trim(buf);
    char *key = hs_config__trim(dot + 1);
    char *value = hs_config__trim(eq + 1);
    if (!*key)
        return hs_error_set(HS_ECONFIG, "--set '%s': empty key", assignment);
    cp->raw.where = "--set";
    int rc = put(&cp->raw, section, key, value, 1);
    if (rc == 0)
        rc = hs_config__interpret(c, &cp->raw);
    if (rc)
        return rc;
    size_t len = strlen(c->overrides);
    snprintf(c->overrides + len, sizeof c->overrides - len, "%s.%s=%s\n",
             section, key, value);
    return 0;
}
