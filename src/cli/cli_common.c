/* What the commands share: the common options, and for those that run a
 * config, the config with its overrides and plug-ins, the results path,
 * checked, before any work, and the report beside the results after. */
#include "cli_int.h"
#include "hedgesim/errors.h"
#include "hedgesim/report.h"
#include "hedgesim/results.h"
#include "hedgesim/results_run.h"
#include "hedgesim/store.h"
#include "hedgesim/summary.h"

#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* --json (opt 'J') or --csv ('C'): *fmt set to the format; a usage error
 * if the other one was given before. */
static int summary_format(const char *cmd, int opt, int *fmt)
{
    int want = opt == 'J' ? HS_SUMMARY_JSON : HS_SUMMARY_CSV;
    if (*fmt >= 0 && *fmt != want)
        return hs_cli_usage_error(cmd, "--json and --csv exclude each other");
    *fmt = want;
    return 0;
}

int hs_cli_common_opt(hs_cli_common *co, int c, char **argv)
{
    int rc = 0;
    switch (c) {
    case 'o':
        co->out = optarg;
        break;
    case 'f':
        co->force = 1;
        break;
    case 'q':
        co->quiet = 1;
        break;
    case 'R':
        co->report = 1;
        break;
    case 'D':
        co->db = optarg;
        break;
    case 'J':
    case 'C':
        rc = summary_format(co->cmd, c, &co->fmt);
        break;
    case 'S':
        rc = hs_cli_push(co->cmd, co->sets, &co->n_sets, argv);
        break;
    case 'P':
        rc = hs_cli_push(co->cmd, co->plugins, &co->n_plugins, argv);
        break;
    default:
        return hs_cli_other_opt(co->cmd, co->help, c, argv);
    }
    return rc ? rc : HS_CLI_NEXT;
}

int hs_cli_other_opt(const char *cmd, void (*help)(FILE *), int c,
                     char **argv)
{
    if (c == 'h') {
        help(stdout);
        return HS_EXIT_OK;
    }
    return hs_cli_bad_option(cmd, c, argv);
}

int hs_cli_push(const char *cmd, const char **list, size_t *n, char **argv)
{
    if (*n == HS_CLI_MAX_LIST)
        return hs_cli_usage_error(cmd, "too many %s options",
                                  argv[optind - 2]);
    list[(*n)++] = optarg;
    return 0;
}

const char *hs_cli_operand(const char *cmd, int argc, char **argv,
                           const char *what)
{
    if (optind == argc - 1)
        return argv[optind];
    if (optind >= argc)
        hs_cli_usage_error(cmd, "a %s is required", what);
    else
        hs_cli_usage_error(cmd, "exactly one %s, please", what);
    return NULL;
}

int hs_cli_no_operand(const char *cmd, int argc, char **argv)
{
    if (optind < argc)
        return hs_cli_usage_error(cmd, "unexpected argument '%s'",
                                  argv[optind]);
    return HS_EXIT_OK;
}

int hs_cli_load(const hs_cli_common *co, const char *cfg_path,
                hs_config **cfg, hs_registry **reg)
{
    int rc;
    if ((rc = hs_config_load(cfg, cfg_path)))
        return rc;
    for (size_t i = 0; i < co->n_sets; i++)
        if ((rc = hs_config_set(*cfg, co->sets[i])))
            return rc;
    if ((rc = hs_registry_new(reg)))
        return rc;
    for (size_t i = 0; i < co->n_plugins; i++)
        if ((rc = hs_registry_load(*reg, co->plugins[i])))
            return rc;
    return 0;
}

const char *hs_cli_db(const hs_cli_common *co, const hs_config *cfg)
{
    return co->db ? co->db : cfg->db;
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

/* --report: the report beside the results must not exist (unless force),
 * checked before any work (HS_EXIT_FAIL after a message) ... */
static int report_check(const char *cmd, const char *results, int force)
{
    char *html = NULL;
    struct stat st;
    int exists;

    if (hs_report_path(results, &html))
        return hs_cli_fail(cmd, HS_ENOMEM);
    exists = stat(html, &st) == 0;
    if (exists && !force)
        fprintf(stderr,
                "hedgesim %s: report %s exists: use --force to replace it\n",
                cmd, html);
    free(html);
    return exists && !force ? HS_EXIT_FAIL : HS_EXIT_OK;
}

/* ... and is written after the results, its path printed unless quiet. */
static int report_beside(const char *cmd, const char *results, int force,
                         int quiet)
{
    char *html = NULL;
    int rc = hs_report_beside(results, force, &html);
    if (rc)
        return hs_cli_fail(cmd, rc);
    if (!quiet)
        printf("report: %s\n", html);
    free(html);
    return HS_EXIT_OK;
}

int hs_cli_output(hs_cli_common *co, const char *cfg_path,
                  const char *db_path, const char *suffix)
{
    co->out = hs_cli_output_path(co->out, cfg_path, suffix, co->outbuf,
                                 sizeof co->outbuf);
    if (hs_cli_check_output(co->cmd, co->out, co->force, db_path, cfg_path,
                            co->plugins, co->n_plugins) != HS_EXIT_OK)
        return HS_EXIT_FAIL;
    if (co->report && report_check(co->cmd, co->out, co->force) != HS_EXIT_OK)
        return HS_EXIT_FAIL;
    return HS_EXIT_OK;
}

int hs_cli_finish(const hs_cli_common *co, int code)
{
    if (!co->report)
        return code;
    int rc = report_beside(co->cmd, co->out, co->force,
                           co->quiet || co->fmt >= 0);
    return rc != HS_EXIT_OK ? rc : code;
}

int hs_cli_store_open(hs_store **out, const char *db_path)
{
    int rc = hs_store_open(out, db_path, HS_STORE_READONLY);
    if (rc == 0 && (rc = hs_store_snapshot_begin(*out))) {
        hs_store_close(*out);
        *out = NULL;
    }
    return rc;
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
