/* What the commands that run a config share before any work: the config
 * with its overrides and plug-ins, and the results path, checked. */
#include "cli_int.h"
#include "hedgesim/errors.h"
#include "hedgesim/results.h"
#include "hedgesim/results_run.h"
#include "hedgesim/store.h"

#include <libgen.h>
#include <string.h>
#include <sys/stat.h>

int hs_cli_load(const char *cfg_path, const char *const *sets, size_t nsets,
                const char *const *plugins, size_t nplug, hs_config **cfg,
                hs_registry **reg)
{
    int rc;
    if ((rc = hs_config_load(cfg, cfg_path)))
        return rc;
    for (size_t i = 0; i < nsets; i++)
        if ((rc = hs_config_set(*cfg, sets[i])))
            return rc;
    if ((rc = hs_registry_new(reg)))
        return rc;
    for (size_t i = 0; i < nplug; i++)
        if ((rc = hs_registry_load(*reg, plugins[i])))
            return rc;
    return 0;
}

const char *hs_cli_output_path(const char *out, const char *cfg_path,
                               const char *suffix, char *buf, size_t size)
{
    if (out)
        return out;
    char base[1024];
    snprintf(base, sizeof base, "%s", cfg_path);
    char *bn = basename(base), *dot = strrchr(bn, '.');
    if (dot)
        *dot = '\0';
    snprintf(buf, size, "results/%s%s.h5", bn, suffix);
    return buf;
}

int hs_cli_check_output(const char *cmd, const char *out, int force,
                        const char *db_path, const char *cfg_path,
                        const char *const *plugins, size_t nplug)
{
    const char *inputs[2 + HS_CLI_MAX_LIST];
    size_t n = 0;
    struct stat st;
    inputs[n++] = db_path;
    inputs[n++] = cfg_path;
    for (size_t i = 0; i < nplug && n < sizeof inputs / sizeof *inputs; i++)
        inputs[n++] = plugins[i];
    hs_h5_opts ho = HS_H5_OPTS_INIT;
    ho.force = 1; /* what may be replaced at all; --force is asked below */
    ho.keep = inputs;
    ho.n_keep = n;
    int rc = hs_h5_check_output(out, &ho);
    if (rc)
        return hs_cli_fail(cmd, rc);
    if (stat(out, &st) == 0 && !force && !hs_h5_null_output(out)) {
        fprintf(stderr,
                "hedgesim %s: %s exists: use --force to replace it or -o to "
                "write elsewhere\n",
                cmd, out);
        return HS_EXIT_FAIL;
    }
    return HS_EXIT_OK;
}

int hs_cli_meta(hs_results_meta *meta, char sha[65], const hs_config *cfg,
                const char *cfg_path, const char *db_path, hs_store *store,
                const char *mode, uint64_t seed)
{
    /* The store's content digest, kept by every import: the file is not
     * read (an older store without one records ""). */
    int rc = hs_store_digest(store, sha, NULL);
    if (rc == HS_ENOTFOUND) {
        sha[0] = '\0';
        rc = 0;
    }
    memset(meta, 0, sizeof *meta);
    meta->command_line = hs_cli_command_line();
    meta->config_text = cfg->text;
    meta->config_path = cfg_path;
    meta->overrides = cfg->overrides;
    meta->dataset_path = db_path;
    meta->dataset_content_sha256 = sha;
    meta->mode = mode;
    meta->seed = seed;
    return rc;
}
