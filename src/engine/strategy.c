/* The strategy registry: built-ins and plug-ins loaded with dlopen. */
#include "hedgesim/errors.h"
#include "hedgesim/strategy.h"

#include <ctype.h>
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TYPES 256
#define MAX_PLUGINS 32

struct hs_registry {
    const hs_strategy_type *type[MAX_TYPES];
    size_t n;
    void *handle[MAX_PLUGINS];
    size_t n_handles;
    char names[MAX_TYPES * 24];
};

int hs_strategy_check(const hs_strategy_type *t, const char *where)
{
    if (!t)
        return hs_error_set(HS_EPLUGIN, "%s: NULL strategy type", where);
    if (t->version < 1 || t->version > HS_STRATEGY_VERSION)
        return hs_error_set(HS_EPLUGIN,
                            "%s: strategy '%s' has version %d; this hedgesim "
                            "supports 1..%d: rebuild it against this "
                            "hedgesim's headers",
                            where, t->name ? t->name : "?", t->version,
                            HS_STRATEGY_VERSION);
    if (!t->name || !*t->name)
        return hs_error_set(HS_EPLUGIN, "%s: a strategy has no name", where);
    for (const char *c = t->name; *c; c++)
        if (!(islower((unsigned char)*c) || isdigit((unsigned char)*c) ||
              *c == '_'))
            return hs_error_set(HS_EPLUGIN,
                                "%s: strategy name '%s' must be [a-z0-9_]",
                                where, t->name);
    if (!t->step)
        return hs_error_set(HS_EPLUGIN,
                            "%s: strategy '%s' has no step function", where,
                            t->name);
    if (!t->summary)
        return hs_error_set(HS_EPLUGIN, "%s: strategy '%s' has no summary",
                            where, t->name);
    size_t np = 0;
    for (const hs_param *p = t->params; p && p->name; p++)
        np++;
    if (np > HS_VALUES_MAX)
        return hs_error_set(HS_EPLUGIN,
                            "%s: strategy '%s' has more than %d parameters",
                            where, t->name, HS_VALUES_MAX);
    hs_values v;
    if (hs_values_init(&v, t->params)) {
        hs_error_prefix("%s: strategy '%s': ", where, t->name);
        return HS_EPLUGIN;
    }
    return 0;
}

static void rebuild_names(hs_registry *r)
{
    size_t len = 0;
    r->names[0] = '\0';
    for (size_t i = 0; i < r->n; i++) {
        int w = snprintf(r->names + len, sizeof r->names - len, "%s%s",
                         i ? ", " : "", r->type[i]->name);
        if (w < 0 || (size_t)w >= sizeof r->names - len)
            break;
        len += (size_t)w;
    }
}

static int add_type(hs_registry *r, const hs_strategy_type *t,
                    const char *where)
{
    int rc = hs_strategy_check(t, where);
    if (rc)
        return rc;
    if (hs_registry_find(r, t->name))
        return hs_error_set(HS_EPLUGIN,
                            "%s: strategy '%s' is already registered", where,
                            t->name);
    if (r->n == MAX_TYPES)
        return hs_error_set(HS_EPLUGIN, "%s: too many strategies", where);
    r->type[r->n++] = t;
    size_t len = strlen(r->names);
    snprintf(r->names + len, sizeof r->names - len, "%s%s", len ? ", " : "",
             t->name);
    return 0;
}

int hs_registry_new(hs_registry **out)
{
    hs_registry *r = calloc(1, sizeof *r);
    *out = NULL;
    if (!r)
        return hs_error_set(HS_ENOMEM, "out of memory");
    for (const hs_strategy_type *const *t = hs_strategy_builtins; *t; t++) {
        int rc = add_type(r, *t, "built-in");
        if (rc) {
            free(r);
            return rc;
        }
    }
    *out = r;
    return 0;
}

void hs_registry_free(hs_registry *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n_handles; i++)
        dlclose(r->handle[i]);
    free(r);
}

int hs_registry_load(hs_registry *r, const char *path)
{
    if (r->n_handles == MAX_PLUGINS)
        return hs_error_set(HS_EPLUGIN, "%s: too many plug-ins", path);
    /* dlopen searches the library path for a bare name: insist on a path. */
    char buf[4096];
    if (!strchr(path, '/'))
        snprintf(buf, sizeof buf, "./%s", path);
    else
        snprintf(buf, sizeof buf, "%s", path);
    void *h = dlopen(buf, RTLD_NOW | RTLD_LOCAL);
    if (!h)
        return hs_error_set(HS_EPLUGIN, "plug-in %s: %s", path, dlerror());
    union {
        void *obj;
        hs_plugin_entry_fn fn;
    } sym;
    sym.obj = dlsym(h, HS_PLUGIN_ENTRY);
    if (!sym.obj) {
        dlclose(h);
        return hs_error_set(HS_EPLUGIN,
                            "plug-in %s does not export %s() (see "
                            "strategies/template.c)",
                            path, HS_PLUGIN_ENTRY);
    }
    int version = 0;
    const hs_strategy_type *const *types = sym.fn(&version);
    if (version < 1 || version > HS_STRATEGY_VERSION) {
        dlclose(h);
        return hs_error_set(HS_EPLUGIN,
                            "plug-in %s was built for strategy API version %d; "
                            "this hedgesim supports 1..%d",
                            path, version, HS_STRATEGY_VERSION);
    }
    if (!types || !types[0]) {
        dlclose(h);
        return hs_error_set(HS_EPLUGIN, "plug-in %s defines no strategies",
                            path);
    }
    size_t n0 = r->n;
    for (const hs_strategy_type *const *t = types; *t; t++) {
        int rc = add_type(r, *t, path);
        if (rc) {
            r->n = n0;
            rebuild_names(r);
            dlclose(h);
            return rc;
        }
    }
    r->handle[r->n_handles++] = h;
    return 0;
}

const hs_strategy_type *hs_registry_find(const hs_registry *r,
                                         const char *name)
{
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->type[i]->name, name) == 0)
            return r->type[i];
    return NULL;
}

const hs_strategy_type *hs_registry_get(const hs_registry *r, size_t i)
{
    return i < r->n ? r->type[i] : NULL;
}

const char *hs_registry_names(const hs_registry *r) { return r->names; }
