/* hedgesim list: strategies, beta estimators, cost models, import formats. */
#include "cli_int.h"
#include "hedgesim/beta.h"
#include "hedgesim/config.h"
#include "hedgesim/errors.h"
#include "hedgesim/exec.h"
#include "hedgesim/store.h"
#include "hedgesim/strategy.h"
#include "hedgesim/calendar.h"
#include "hedgesim/stress.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static void help(FILE *fp)
{
    fprintf(fp, "usage: hedgesim list WHAT [--plugin PATH.so ...] "
                "[--config CONFIG.ini]\n\n"
                "WHAT is one of:\n"
                "  strategies  strategy types with their parameters\n"
                "  betas       beta estimators with their parameters\n"
                "  costs       slippage models with their parameters\n"
                "  formats     import formats\n"
                "  windows     stress windows: the crisis library, and with\n"
                "              --config the config's [window.NAME] too\n");
}

/* The crisis library and the config's windows, with dates and sources. */
static int list_windows(const char *cmd, const char *config)
{
    hs_config *cfg = NULL;
    hs_window w[HS_WINDOW_MAX];
    size_t n = 0;
    char t0[32], t1[32];
    int rc = config ? hs_config_load(&cfg, config) : 0;
    if (rc == 0)
        rc = hs_window_all(cfg, w, HS_WINDOW_MAX, &n);
    hs_config_free(cfg);
    if (rc)
        return hs_cli_fail(cmd, rc);
    for (size_t i = 0; i < n; i++) {
        printf("%-22s %s .. %s  %s%s\n", w[i].name,
               hs_cal_format_time(w[i].start, t0, sizeof t0),
               hs_cal_format_time(w[i].end, t1, sizeof t1),
               w[i].description[0] ? w[i].description : "(no description)",
               w[i].from_config ? " [config]" : "");
        printf("  %-20s source: %s\n", "", w[i].reference);
    }
    return HS_EXIT_OK;
}

int hs_cli_list(int argc, char **argv)
{
    static const struct option opts[] = {
        {"plugin", required_argument, NULL, 'P'},
        {"config", required_argument, NULL, 'C'},
        HS_CLI_OPT_HELP,
        {NULL, 0, NULL, 0}};
    const char *cmd = "list", *plugins[32], *config = NULL;
    size_t np = 0;
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        if (c == 'C') {
            config = optarg;
            continue;
        }
        if (c == 'P') {
            if (np == 32)
                return hs_cli_usage_error(cmd, "too many --plugin options");
            plugins[np++] = optarg;
            continue;
        }
        return hs_cli_other_opt(cmd, help, c, argv);
    }
    if (optind != argc - 1)
        return hs_cli_usage_error(cmd, "say what to list: strategies, betas, "
                                       "costs, formats or windows");
    const char *what = argv[optind];
    if (!strcmp(what, "strategies")) {
        hs_registry *reg = NULL;
        int rc = hs_registry_new(&reg);
        for (size_t i = 0; rc == 0 && i < np; i++)
            rc = hs_registry_load(reg, plugins[i]);
        if (rc) {
            hs_registry_free(reg);
            return hs_cli_fail(cmd, rc);
        }
        printf("Keys every [strategy.NAME] section takes:\n");
        printf("  %-12s %-10s %s\n", "type", "text", "the strategy type "
                                                  "(below)");
        hs_params_print(stdout, hs_config_run_params, "  ");
        printf("  plus the keys of the chosen beta estimator "
               "('hedgesim list betas').\n\n");
        const hs_strategy_type *t;
        for (size_t i = 0; (t = hs_registry_get(reg, i)); i++) {
            printf("%s: %s\n", t->name, t->summary);
            if (t->params && t->params->name)
                hs_params_print(stdout, t->params, "  ");
            else
                printf("  (no parameters of its own)\n");
            printf("\n");
        }
        hs_registry_free(reg);
    } else if (!strcmp(what, "betas")) {
        for (const hs_beta_type *const *t = hs_beta_types; *t; t++) {
            printf("%s: %s\n", (*t)->name, (*t)->summary);
            hs_params_print(stdout, (*t)->params, "  ");
            printf("\n");
        }
    } else if (!strcmp(what, "costs")) {
        for (const hs_cost_type *const *t = hs_cost_types; *t; t++) {
            printf("%s: %s\n", (*t)->name, (*t)->summary);
            hs_params_print(stdout, (*t)->params, "  ");
            printf("\n");
        }
    } else if (!strcmp(what, "formats")) {
        for (int f = 0; f <= HS_FMT_DERIBIT_USD; f++)
            printf("  %s\n", hs_format_name((hs_format)f));
    } else if (!strcmp(what, "windows")) {
        return list_windows(cmd, config);
    } else {
        return hs_cli_usage_error(cmd, "cannot list '%s' (strategies, betas, "
                                       "costs, formats or windows)",
                                  what);
    }
    return HS_EXIT_OK;
}
