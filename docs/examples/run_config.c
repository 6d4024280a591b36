/* Run a config through the hedgesim library and print each run's metrics:
 * what `hedgesim run CONFIG` does, without the results file.
 *
 * Build against an installed hedgesim:
 *     cc run_config.c -o run_config $(pkg-config --cflags --libs hedgesim)
 * Run from the top of the source tree (the config names the store):
 *     ./run_config configs/alt-basket-btc-hedge.ini
 */
#include <hedgesim/hedgesim.h>

#include <stdio.h>

int main(int argc, char **argv)
{
    hs_config *cfg = NULL;
    hs_registry *reg = NULL;
    hs_store *store = NULL;
    hs_plan *plan = NULL;
    int rc;

    if (argc != 2) {
        fprintf(stderr, "usage: %s CONFIG.ini\n", argv[0]);
        return 2;
    }
    hs_init();
    /* Every call returns 0 or a negative HS_E* code, with the details in
     * hs_error_last(). */
    if ((rc = hs_config_load(&cfg, argv[1])) ||
        (rc = hs_registry_new(&reg)) ||
        (rc = hs_store_open(&store, cfg->db, HS_STORE_READONLY)) ||
        (rc = hs_plan_new(&plan, cfg, reg, store, NULL)) ||
        (rc = hs_plan_run(plan)))
        goto done;

    printf("hedgesim %s: %s\n", hs_version(), argv[1]);
    printf("%-12s %-18s %8s %8s %8s %10s\n", "run", "type", "HE", "beta_r",
           "max.DD", "total.ret");
    for (size_t i = 0; i < hs_plan_n_runs(plan); i++) {
        const hs_run_spec *s = hs_plan_spec(plan, i);
        const hs_metrics *m = hs_plan_metrics(plan, i);
        printf("%-12s %-18s %8.4f %8.4f %8.4f %10.4f\n", s->name,
               s->type->name, m->hedge_effectiveness, m->residual_beta,
               m->max_drawdown, m->total_return);
    }
done:
    if (rc)
        fprintf(stderr, "run_config: %s\n", hs_error_last());
    hs_plan_free(plan);
    hs_store_close(store);
    hs_registry_free(reg);
    hs_config_free(cfg);
    return rc ? 1 : 0;
}
