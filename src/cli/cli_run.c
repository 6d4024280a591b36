/* hedgesim run: backtest the strategies of a config on history. */
#include "cli_int.h"
#include "hedgesim/calendar.h"
#include "hedgesim/config.h"
#include "hedgesim/errors.h"
#include "hedgesim/metrics.h"
#include "hedgesim/plan.h"
#include "hedgesim/report.h"
#include "hedgesim/results.h"
#include "hedgesim/store.h"
#include "hedgesim/summary.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void help(FILE *fp)
{
    fprintf(fp,
            "usage: hedgesim run CONFIG.ini [options]\n\n"
            "Backtest every [strategy.NAME] of CONFIG over the same history and\n"
            "write the series and metrics to an HDF5 file.\n\n"
            "options:\n"
            "  -o, --output PATH     results file (default results/<config>.h5);\n"
            "                        /dev/null: discard the results\n"
            "  -f, --force           replace an existing results file (never\n"
            "                        anything else: see docs/cli.md)\n"
            "      --set S.K=V       override a config key (repeatable), e.g.\n"
            "                        --set data.start=2021-01-01\n"
            "                        --set strategy.ols60.window=90\n"
            "      --strategy NAME   run only this [strategy.NAME] (repeatable)\n"
            "      --plugin PATH.so  load user strategies (repeatable)\n"
            "      --db PATH         market store (overrides data.db)\n"
            "      --report          also write an HTML report beside the\n"
            "                        results (X.h5 -> X.html; docs/report.md)\n"
            "  -q, --quiet           no summary table\n"
            "      --json            print the summary as JSON instead\n"
            "      --csv             print the summary as CSV instead\n"
            "  -h, --help            this help\n\n"
            "See docs/configuration.md for the config keys and\n"
            "docs/results-format.md for the file layout.\n");
}

static const char *fmt_pct(double x, char *buf, size_t n)
{
    if (!isfinite(x))
        snprintf(buf, n, "%s", "n/a");
    else
        snprintf(buf, n, "%.2f%%", 100 * x);
    return buf;
}

static const char *fmt_num(double x, int decimals, char *buf, size_t n)
{
    if (!isfinite(x))
        snprintf(buf, n, "%s", "n/a");
    else
        snprintf(buf, n, "%.*f", decimals, x);
    return buf;
}

static void print_table(const hs_config *cfg, const hs_plan *plan,
                        const char *out)
{
    const hs_panel *p = hs_plan_panel(plan);
    const size_t lf = hs_plan_live_from(plan), nr = hs_plan_n_runs(plan);
    char t0[32], t1[32], b[8][32];
    char step[32];
    if (p->step_ms % HS_MS_PER_DAY == 0)
        snprintf(step, sizeof step, "%lldd",
                 (long long)(p->step_ms / HS_MS_PER_DAY));
    else if (p->step_ms % HS_MS_PER_HOUR == 0)
        snprintf(step, sizeof step, "%lldh",
                 (long long)(p->step_ms / HS_MS_PER_HOUR));
    else
        snprintf(step, sizeof step, "%lldm",
                 (long long)(p->step_ms / HS_MS_PER_MINUTE));
    printf("hedgesim run: %s, %s .. %s, %zu steps of %s, %zu book assets, "
           "hedge %s on %s\n",
           cfg->path, hs_cal_format_time(p->time[lf], t0, sizeof t0),
           hs_cal_format_time(p->time[p->n_steps - 1], t1, sizeof t1),
           p->n_steps - lf, step, cfg->n_assets, cfg->instrument,
           cfg->benchmark);
    if (p->notes[0]) {
        printf("data notes:\n");
        const char *s = p->notes;
        while (*s) {
            const char *nl = strchr(s, '\n');
            size_t len = nl ? (size_t)(nl - s) : strlen(s);
            printf("  - %.*s\n", (int)len, s);
            s += len + (nl ? 1 : 0);
        }
    }
    int any_premium = 0;
    for (size_t i = 0; i < nr; i++)
        any_premium |= hs_plan_metrics(plan, i) &&
                       hs_plan_metrics(plan, i)->premium != 0;
    printf("\n%-14s %-18s %7s %7s %7s %8s %8s %8s %7s %11s %11s", "run",
           "type", "HE", "TE", "beta_r", "tot.ret", "ann.ret", "max.DD",
           "CVaR95", "fees+slip", "funding");
    printf(any_premium ? " %11s\n" : "\n", "premium");
    for (size_t i = 0; i < nr; i++) {
        const hs_run_spec *s = hs_plan_spec(plan, i);
        const hs_metrics *m = hs_plan_metrics(plan, i);
        if (!m) { /* failed: the reason instead of numbers */
            printf("%-14s %-18s FAILED: %s\n", s->name, s->type->name,
                   hs_plan_failure(plan, i));
            continue;
        }
        double costs = m->fees + m->slippage;
        char tot[32];
        printf("%-14s %-18s %7s %7s %7s %8s %8s %8s %7s %11s %11s", s->name,
               s->type->name, fmt_num(m->hedge_effectiveness, 3, b[0], 32),
               fmt_pct(m->tracking_error, b[1], 32),
               fmt_num(m->residual_beta, 3, b[2], 32),
               fmt_pct(m->total_return, tot, 32),
               fmt_pct(hs_metric_annual_shown(m->ann_return, m->years), b[3],
                       32),
               fmt_pct(m->max_drawdown, b[4], 32),
               fmt_pct(m->cvar95, b[5], 32), fmt_num(costs, 0, b[6], 32),
               fmt_num(m->funding + 0.0, 0, b[7], 32));
        if (any_premium)
            printf(" %11s", fmt_num(m->premium + 0.0, 0, b[0], 32));
        printf("\n");
    }
    printf("\nHE hedge effectiveness 1 - Var(hedged)/Var(unhedged); TE tracking "
           "error to the target\nbeta, annualised; beta_r residual beta; "
           "tot.ret the hedged return over the window,\nann.ret annualised "
           "(n/a for a window shorter than a year); CVaR95 of one\nstep's "
           "return; fees+slip and funding paid over the run, in currency\n"
           "(negative funding: received); premium: net option premium paid, "
           "less\nsales and settlements.  Definitions: docs/metrics.md.\n");
    /* Runs hedged on fewer steps than the window (an estimator that
     * warmed up late; the data notes say why). */
    for (size_t i = 0; i < nr; i++) {
        size_t h = hs_plan_steps_hedged(plan, i);
        if (hs_plan_metrics(plan, i) && h < p->n_steps - lf)
            printf("%s: hedged on %zu of %zu steps\n", hs_plan_spec(plan, i)->name,
                   h, p->n_steps - lf);
    }
    if (hs_plan_n_failed(plan))
        printf("%zu of %zu runs FAILED (exit status 3); the others are "
               "complete\n",
               hs_plan_n_failed(plan), nr);
    if (out && hs_h5_null_output(out))
        printf("results: discarded (%s)\n", out);
    else if (out)
        printf("results: %s\n", out);
}

/* Does the config have a [strategy.NAME]? */
static int has_run(const hs_config *cfg, const char *name)
{
    for (size_t i = 0; i < cfg->n_runs; i++)
        if (!strcmp(cfg->runs[i].name, name))
            return 1;
    return 0;
}

/* "<config> has no [strategy.NAME] (its runs: a, b)" to stderr. */
static void print_runs(const hs_config *cfg, const char *name)
{
    fprintf(stderr, "%s has no [strategy.%s] (its runs:", cfg->path, name);
    for (size_t i = 0; i < cfg->n_runs; i++)
        fprintf(stderr, "%s %s", i ? "," : "", cfg->runs[i].name);
    fprintf(stderr, ")\n");
}

int hs_cli_run(int argc, char **argv)
{
    static const struct option opts[] = {
        HS_CLI_OPTS_RESULTS,
        {"strategy", required_argument, NULL, 's'},
        {NULL, 0, NULL, 0}};
    const char *cmd = "run", *only[HS_CLI_MAX_LIST];
    hs_cli_common co = HS_CLI_COMMON_INIT(cmd, help);
    size_t nonly = 0;
    int c, rc = 0, exit_code = HS_EXIT_FAIL;

    opterr = 0;
    while ((c = getopt_long(argc, argv, ":o:fqh", opts, NULL)) != -1) {
        switch (c) {
        case 's':
            if ((rc = hs_cli_push(cmd, only, &nonly, argv)))
                return rc;
            break;
        default:
            if ((rc = hs_cli_common_opt(&co, c, argv)) != HS_CLI_NEXT)
                return rc;
        }
    }
    const char *cfg_path = hs_cli_operand(cmd, argc, argv, "config file");
    if (!cfg_path)
        return HS_EXIT_USAGE;

    hs_config *cfg = NULL;
    hs_registry *reg = NULL;
    hs_store *store = NULL;
    hs_plan *plan = NULL;

    /* 1. Everything that can be checked before touching data. */
    if ((rc = hs_cli_load(&co, cfg_path, &cfg, &reg)))
        goto fail;
    for (size_t k = 0; k < nonly; k++)
        if (!has_run(cfg, only[k])) {
            fprintf(stderr, "hedgesim run: --strategy %s: ", only[k]);
            print_runs(cfg, only[k]);
            exit_code = HS_EXIT_USAGE;
            goto done;
        }
    /* The output is checked now, not after the runs. */
    const char *db_path = hs_cli_db(&co, cfg);
    if (hs_cli_output(&co, cfg_path, db_path, "") != HS_EXIT_OK)
        goto done;

    /* 2. The plan: data loaded once, then every run stepped together. */
    hs_plan_opts po = HS_PLAN_OPTS_INIT;
    po.only = only;
    po.n_only = nonly;
    if ((rc = hs_cli_store_open(&store, db_path)) ||
        (rc = hs_plan_new(&plan, cfg, reg, store, &po)) ||
        (rc = hs_plan_run(plan)))
        goto fail;

    /* 3. Results. */
    char sha[65];
    hs_results_meta meta;
    if ((rc = hs_cli_meta(&meta, sha, cfg, cfg_path, db_path, store, "history",
                          0)))
        goto fail;
    if ((rc = hs_plan_write(plan, co.out, co.force, &meta)))
        goto fail;
    if (co.fmt >= 0) {
        hs_summary_about ab = {cmd, cfg_path, co.out};
        if ((rc = hs_summary_print_plan(stdout, (hs_summary_format)co.fmt,
                                        plan, &ab)))
            goto fail;
    } else if (!co.quiet)
        print_table(cfg, plan, co.out);
    /* The others are written; say which failed on stderr even with -q. */
    for (size_t i = 0; i < hs_plan_n_runs(plan); i++)
        if (hs_plan_failed(plan, i))
            fprintf(stderr, "hedgesim run: run '%s' failed: %s\n",
                    hs_plan_spec(plan, i)->name, hs_plan_failure(plan, i));
    exit_code = hs_cli_finish(&co, hs_plan_n_failed(plan) ? HS_EXIT_PARTIAL
                                                          : HS_EXIT_OK);
    goto done;
fail:
    exit_code = hs_cli_fail(cmd, rc);
done:
    hs_plan_free(plan);
    hs_store_close(store);
    hs_registry_free(reg);
    hs_config_free(cfg);
    return exit_code;
}
