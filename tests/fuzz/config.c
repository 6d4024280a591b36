/* libFuzzer harness: the INI config reader.  The input is a config text
 * given to hs_config_parse; when it parses, every comment line
 * ";set section.key=value" is applied with hs_config_set (as `--set` does),
 * then the config is validated, every run resolved against the built-in
 * registry and the warm-up computed, as `hedgesim run` does before it
 * touches the store.  The seed corpus in tests/fuzz/config/ holds the
 * shipped configs.  Build and run with `make fuzz`. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hedgesim/hedgesim.h"

static hs_registry *reg;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    hs_init();
    if (hs_registry_new(&reg)) {
        fprintf(stderr, "fuzz: registry: %s\n", hs_error_last());
        abort();
    }
    return 0;
}

/* A failure must leave a message (abort otherwise: libFuzzer keeps the
 * input). */
static void need_message(int rc, const char *what)
{
    if (rc < 0 && *hs_error_last())
        return;
    fprintf(stderr, "fuzz: %s failed (%d) without a message\n", what, rc);
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = 0;
    hs_config *cfg = NULL;
    hs_error_clear();
    int rc = hs_config_parse(&cfg, text, "fuzz.ini");
    if (rc) {
        need_message(rc, "hs_config_parse");
        if (cfg) {
            fprintf(stderr, "fuzz: hs_config_parse failed but set *out\n");
            abort();
        }
        free(text);
        return 0;
    }
    for (char *line = text; line && *line;) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = 0;
        if (!strncmp(line, ";set ", 5)) {
            hs_error_clear();
            if ((rc = hs_config_set(cfg, line + 5)))
                need_message(rc, "hs_config_set");
        }
        line = nl ? nl + 1 : NULL;
    }
    hs_error_clear();
    if ((rc = hs_config_validate(cfg)) == 0) {
        for (size_t i = 0; i < cfg->n_runs; i++) {
            hs_run_spec spec;
            hs_error_clear();
            if ((rc = hs_config_run_spec(cfg, i, reg, &spec)))
                need_message(rc, "hs_config_run_spec");
        }
        size_t lookback;
        hs_error_clear();
        if ((rc = hs_plan_lookback(cfg, reg, &lookback)))
            need_message(rc, "hs_plan_lookback");
    } else {
        need_message(rc, "hs_config_validate");
    }
    hs_config_free(cfg);
    free(text);
    return 0;
}
