/* hedgesim price: an option calculator (price, greeks, implied volatility)
 * for one option from the command line, or for many as CSV.  Conventions
 * are in docs/pricing.md. */
#include "cli_int.h"
#include "hedgesim/csv.h"
#include "hedgesim/errors.h"
#include "hedgesim/price.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static const char cmd[] = "price";

static void usage(FILE *fp)
{
    fprintf(
        fp,
        "usage: hedgesim price --right call|put --strike K\n"
        "                      (--spot S | --forward F) (--days D | --years "
        "Y)\n"
        "                      (--vol V | --price P) [--rate R]\n"
        "                      [--model bs|black76] [--inverse]\n"
        "       hedgesim price --csv [--solve-iv] [--model bs|black76] [FILE]\n"
        "\n"
        "European option price and greeks, or the implied volatility of a "
        "price.\n"
        "\n"
        "  --right call|put   option right\n"
        "  --strike K         strike price\n"
        "  --spot S           spot price (Black-Scholes, no dividends)\n"
        "  --forward F        forward/futures price for the expiry (Black-76)\n"
        "  --days D           time to expiry in days of 24 h (year = 365 "
        "days)\n"
        "  --years Y          time to expiry in years\n"
        "  --rate R           continuously compounded rate, decimal "
        "(default 0)\n"
        "  --vol V            volatility per year, decimal (0.8 = 80 %%)\n"
        "  --price P          option price: solve for the implied volatility\n"
        "                     (exit 1 when no volatility reproduces it)\n"
        "  --model M          bs (default) or black76 (default with "
        "--forward)\n"
        "  --inverse          coin-settled option (Deribit): --price is in "
        "coin\n"
        "                     (USD = coin price * F); prints coin values too.\n"
        "                     Needs --forward.\n"
        "  --csv              read CSV from FILE or stdin: a header, then "
        "rows\n"
        "                     right,spot,strike,years,rate,vol (a 'forward'\n"
        "                     column instead of 'spot': Black-76, as with\n"
        "                     --forward); write price,delta,gamma,\n"
        "                     vega,theta,rho per row, vega per 1.00 vol, "
        "theta\n"
        "                     per year, rho per 1.00 rate, %%.17g\n"
        "  --solve-iv         with --csv: rows "
        "right,spot,strike,years,rate,price;\n"
        "                     write one column iv, empty where no volatility\n"
        "                     reproduces the price (reason and line on "
        "stderr;\n"
        "                     exit 0 if every row parsed)\n"
        "  -h, --help         this help\n"
        "\n"
        "Greeks: delta per 1 of the underlying, gamma per 1 of the underlying\n"
        "squared, vega per 1.00 of vol and per vol point, theta per year and\n"
        "per day (365-day year), rho per 1.00 of rate and per 1 %%.\n"
        "Exit codes: 0 success, 1 failure (bad CSV data, no implied vol),\n"
        "2 bad command line.\n");
}

enum {
    OPT_RIGHT = 256,
    OPT_STRIKE,
    OPT_SPOT,
    OPT_FORWARD,
    OPT_DAYS,
    OPT_YEARS,
    OPT_RATE,
    OPT_VOL,
    OPT_PRICE,
    OPT_MODEL,
    OPT_INVERSE,
    OPT_CSV,
    OPT_SOLVE_IV
};

/* A number that must be > 0 (positive) or >= 0 (!positive). */
static int number(const char *opt, const char *text, int positive, double *out)
{
    int rc = hs_cli_double(cmd, opt, text, out);
    if (rc)
        return rc;
    if (positive ? !(*out > 0) : !(*out >= 0))
        return hs_cli_usage_error(cmd, "%s: must be %s, got '%s'", opt,
                                  positive ? "positive" : ">= 0", text);
    return 0;
}

static void print_greeks(const hs_greeks *g, const char *unit,
                         const char *currency)
{
    printf("price  %16.10g%s%s\n", g->price, *currency ? " " : "", currency);
    printf("delta  %16.10g per 1 of %s\n", g->delta, unit);
    printf("gamma  %16.10g change of delta per 1 of %s\n", g->gamma, unit);
    printf("vega   %16.10g per 1.00 vol   %16.10g per vol point\n", g->vega,
           g->vega / 100);
    printf("theta  %16.10g per year       %16.10g per day (365-day year)\n",
           g->theta, g->theta / 365);
    printf("rho    %16.10g per 1.00 rate  %16.10g per 1 %% rate\n", g->rho,
           g->rho / 100);
}

/* ---- one option -----------------------------------------------------------
 */

typedef struct single {
    hs_model model;
    hs_right right;
    double U, K, T, r, vol, price;
    int have_vol, have_price, inverse;
    double days; /* NAN unless --days */
} single;

static int run_single(const single *o)
{
    hs_greeks g;
    double vol = o->vol;
    const char *uname = o->model == HS_MODEL_BS ? "spot" : "forward";
    double price_usd =
        o->inverse ? hs_inverse_to_usd(o->price, o->U) : o->price;

    printf("%s %s: %s %.10g, strike %.10g, ",
           o->model == HS_MODEL_BS ? "Black-Scholes" : "Black-76",
           hs_right_name(o->right), uname, o->U, o->K);
    if (!isnan(o->days))
        printf("%.10g days (%.10g years)", o->days, o->T);
    else
        printf("%.10g years (%.10g days)", o->T, o->T * 365);
    printf(", rate %.10g (continuous)%s\n", o->r,
           o->model == HS_MODEL_BS ? ", no dividends" : "");

    if (o->have_price) {
        hs_iv_status st;
        int rc = hs_implied_vol(o->right, o->U, o->K, o->T, o->r, price_usd,
                                o->model, NULL, &vol, &st);
        if (rc)
            return hs_cli_fail(cmd, rc);
        if (st != HS_IV_OK) {
            fprintf(stderr,
                    "hedgesim %s: no volatility reproduces price "
                    "%.10g%s: %s (%s)\n",
                    cmd, o->price, o->inverse ? " coin" : "",
                    hs_iv_status_describe(st), hs_iv_status_name(st));
            return HS_EXIT_FAIL;
        }
        if (o->inverse)
            printf("price  %16.10g coin = %.10g USD\n", o->price, price_usd);
        printf("implied vol %.12g (%.10g %%)\n", vol, vol * 100);
    } else {
        printf("vol    %.10g (%.10g %%)\n", vol, vol * 100);
    }
    int rc = hs_price(o->model, o->right, o->U, o->K, o->T, o->r, vol, &g);
    if (rc)
        return hs_cli_fail(cmd, rc);
    print_greeks(&g, uname, o->inverse ? "USD" : "");
    if (o->inverse) {
        hs_greeks c;
        if ((rc = hs_inverse_greeks(&g, o->U, &c)))
            return hs_cli_fail(cmd, rc);
        printf("coin-settled (value in coin = USD value / forward):\n");
        printf("price  %16.10g coin\n", c.price);
        printf("delta  %16.10g premium-adjusted (delta - price in coin)\n",
               c.delta);
        printf("gamma  %16.10g change of that delta per 1 of forward\n",
               c.gamma);
        printf("vega   %16.10g coin per 1.00 vol  %16.10g per vol point\n",
               c.vega, c.vega / 100);
        printf("theta  %16.10g coin per year      %16.10g per day\n", c.theta,
               c.theta / 365);
        printf("rho    %16.10g coin per 1.00 rate %16.10g per 1 %% rate\n",
               c.rho, c.rho / 100);
    }
    return HS_EXIT_OK;
}

/* ---- CSV ------------------------------------------------------------------
 */

typedef struct csv_cols {
    int right, under, strike, years, rate, last; /* last: vol or price */
} csv_cols;

static int find_col(hs_csv *c, const char *where, const char *name,
                    const char *alt, int *out)
{
    *out = hs_csv_column(c, name);
    if (*out < 0 && alt)
        *out = hs_csv_column(c, alt);
    if (*out < 0) {
        fprintf(stderr, "hedgesim %s: %s:%ld: missing column '%s'%s%s%s\n", cmd,
                where, hs_csv_line(c), name, alt ? " (or '" : "",
                alt ? alt : "", alt ? "')" : "");
        return -1;
    }
    return 0;
}

static int field_number(hs_csv *c, const char *where, int i, const char *name,
                        double *out)
{
    const char *text = hs_csv_field(c, i);
    if (hs_csv_strtod(text, out) == 0)
        return 0;
    fprintf(stderr,
            "hedgesim %s: %s:%ld: field '%s': '%s' is not a finite "
            "number\n",
            cmd, where, hs_csv_line(c), name, text);
    return -1;
}

/* The CSV's model, as in the single-option form: --model if given, else
 * Black-76 with a 'forward' column and Black-Scholes with a 'spot' column;
 * --model bs wants 'spot', black76 'forward'.  0 or -1 (message given). */
static int csv_model(hs_csv *c, const char *where, int have_model,
                     hs_model *model)
{
    const int spot = hs_csv_column(c, "spot") >= 0;
    const int fwd = hs_csv_column(c, "forward") >= 0;
    if (!have_model) {
        if (spot && fwd) {
            fprintf(stderr,
                    "hedgesim %s: %s:%ld: both 'spot' and 'forward' columns: "
                    "give --model bs or black76\n",
                    cmd, where, hs_csv_line(c));
            return -1;
        }
        *model = fwd ? HS_MODEL_BLACK76 : HS_MODEL_BS;
        return 0;
    }
    if (*model == HS_MODEL_BS && !spot && fwd) {
        fprintf(stderr,
                "hedgesim %s: %s:%ld: a 'forward' column is for --model "
                "black76; --model bs prices on a 'spot' column\n",
                cmd, where, hs_csv_line(c));
        return -1;
    }
    if (*model != HS_MODEL_BS && !fwd && spot) {
        fprintf(stderr,
                "hedgesim %s: %s:%ld: Black-76 prices on the forward: the "
                "CSV needs a 'forward' column, not 'spot'\n",
                cmd, where, hs_csv_line(c));
        return -1;
    }
    return 0;
}

static int run_csv(const char *path, hs_model model, int have_model,
                   int solve_iv)
{
    const char *where = strcmp(path, "-") == 0 ? "stdin" : path;
    const char *lastname = solve_iv ? "price" : "vol";
    hs_csv *c = NULL;
    hs_iv_solver *solver = NULL;
    csv_cols k;
    int rc, exit_code = HS_EXIT_FAIL;
    long rows = 0, empty = 0;

    if ((rc = hs_csv_open(&c, path)))
        return hs_cli_fail(cmd, rc);
    if ((rc = hs_csv_next(c))) {
        if (rc == HS_ITEROVER)
            fprintf(stderr,
                    "hedgesim %s: %s: empty input, expected a header "
                    "line\n",
                    cmd, where);
        else
            hs_cli_fail(cmd, rc);
        goto done;
    }
    if (csv_model(c, where, have_model, &model))
        goto done;
    if (find_col(c, where, "right", NULL, &k.right) ||
        find_col(c, where, model == HS_MODEL_BS ? "spot" : "forward", NULL,
                 &k.under) ||
        find_col(c, where, "strike", NULL, &k.strike) ||
        find_col(c, where, "years", NULL, &k.years) ||
        find_col(c, where, "rate", NULL, &k.rate) ||
        find_col(c, where, lastname, NULL, &k.last))
        goto done;
    if (solve_iv && (rc = hs_iv_solver_new(&solver, NULL))) {
        hs_cli_fail(cmd, rc);
        goto done;
    }
    printf(solve_iv ? "iv\n" : "price,delta,gamma,vega,theta,rho\n");
    while ((rc = hs_csv_next(c)) == 0) {
        hs_right right;
        double U, K, T, r, x;
        const char *rtext = hs_csv_field(c, k.right);
        if (hs_right_parse(rtext, &right)) {
            fprintf(stderr,
                    "hedgesim %s: %s:%ld: field 'right': '%s' is not "
                    "call or put\n",
                    cmd, where, hs_csv_line(c), rtext);
            goto done;
        }
        if (field_number(c, where, k.under,
                         model == HS_MODEL_BS ? "spot" : "forward", &U) ||
            field_number(c, where, k.strike, "strike", &K) ||
            field_number(c, where, k.years, "years", &T) ||
            field_number(c, where, k.rate, "rate", &r) ||
            field_number(c, where, k.last, lastname, &x))
            goto done;
        rows++;
        if (solve_iv) {
            double iv;
            hs_iv_status st;
            rc = hs_iv_solver_solve(solver, model, right, U, K, T, r, x, &iv,
                                    &st);
            if (rc) {
                fprintf(stderr, "hedgesim %s: %s:%ld: %s\n", cmd, where,
                        hs_csv_line(c), hs_error_last());
                goto done;
            }
            if (st == HS_IV_OK) {
                printf("%.17g\n", iv);
            } else {
                printf("\n");
                empty++;
                fprintf(stderr,
                        "hedgesim %s: %s:%ld: no implied volatility "
                        "for price %.17g: %s (%s)\n",
                        cmd, where, hs_csv_line(c), x,
                        hs_iv_status_describe(st), hs_iv_status_name(st));
            }
        } else {
            hs_greeks g;
            if ((rc = hs_price(model, right, U, K, T, r, x, &g))) {
                fprintf(stderr, "hedgesim %s: %s:%ld: %s\n", cmd, where,
                        hs_csv_line(c), hs_error_last());
                goto done;
            }
            printf("%.17g,%.17g,%.17g,%.17g,%.17g,%.17g\n", g.price, g.delta,
                   g.gamma, g.vega, g.theta, g.rho);
        }
    }
    if (rc != HS_ITEROVER) {
        hs_cli_fail(cmd, rc);
        goto done;
    }
    if (empty)
        fprintf(stderr,
                "hedgesim %s: %ld of %ld rows have no implied "
                "volatility\n",
                cmd, empty, rows);
    exit_code = HS_EXIT_OK;
done:
    if (fflush(stdout) != 0 && exit_code == HS_EXIT_OK) {
        fprintf(stderr, "hedgesim %s: write error on stdout\n", cmd);
        exit_code = HS_EXIT_FAIL;
    }
    hs_iv_solver_free(solver);
    hs_csv_close(c);
    return exit_code;
}

/* ---- options --------------------------------------------------------------
 */

int hs_cli_price(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"right", required_argument, NULL, OPT_RIGHT},
        {"strike", required_argument, NULL, OPT_STRIKE},
        {"spot", required_argument, NULL, OPT_SPOT},
        {"forward", required_argument, NULL, OPT_FORWARD},
        {"days", required_argument, NULL, OPT_DAYS},
        {"years", required_argument, NULL, OPT_YEARS},
        {"rate", required_argument, NULL, OPT_RATE},
        {"vol", required_argument, NULL, OPT_VOL},
        {"price", required_argument, NULL, OPT_PRICE},
        {"model", required_argument, NULL, OPT_MODEL},
        {"inverse", no_argument, NULL, OPT_INVERSE},
        {"csv", no_argument, NULL, OPT_CSV},
        {"solve-iv", no_argument, NULL, OPT_SOLVE_IV},
        HS_CLI_OPT_HELP,
        {NULL, 0, NULL, 0}};
    single o = {.model = HS_MODEL_BS, .r = 0, .days = NAN};
    int have_right = 0, have_strike = 0, have_spot = 0, have_forward = 0;
    int have_days = 0, have_years = 0, have_model = 0, csv = 0, solve = 0;
    int opt, rc;
    double spot = 0, forward = 0;

    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (opt) {
        case OPT_RIGHT:
            if (hs_right_parse(optarg, &o.right))
                return hs_cli_usage_error(cmd,
                                          "--right: '%s' is not call or "
                                          "put",
                                          optarg);
            have_right = 1;
            break;
        case OPT_STRIKE:
            if ((rc = number("--strike", optarg, 1, &o.K)))
                return rc;
            have_strike = 1;
            break;
        case OPT_SPOT:
            if ((rc = number("--spot", optarg, 1, &spot)))
                return rc;
            have_spot = 1;
            break;
        case OPT_FORWARD:
            if ((rc = number("--forward", optarg, 1, &forward)))
                return rc;
            have_forward = 1;
            break;
        case OPT_DAYS:
            if ((rc = number("--days", optarg, 0, &o.days)))
                return rc;
            have_days = 1;
            break;
        case OPT_YEARS:
            if ((rc = number("--years", optarg, 0, &o.T)))
                return rc;
            have_years = 1;
            break;
        case OPT_RATE:
            if ((rc = hs_cli_double(cmd, "--rate", optarg, &o.r)))
                return rc;
            break;
        case OPT_VOL:
            if ((rc = number("--vol", optarg, 0, &o.vol)))
                return rc;
            o.have_vol = 1;
            break;
        case OPT_PRICE:
            if ((rc = number("--price", optarg, 0, &o.price)))
                return rc;
            o.have_price = 1;
            break;
        case OPT_MODEL:
            if (hs_model_parse(optarg, &o.model))
                return hs_cli_usage_error(cmd,
                                          "--model: '%s' is not bs or "
                                          "black76",
                                          optarg);
            have_model = 1;
            break;
        case OPT_INVERSE:
            o.inverse = 1;
            break;
        case OPT_CSV:
            csv = 1;
            break;
        case OPT_SOLVE_IV:
            solve = 1;
            break;
        default:
            return hs_cli_other_opt(cmd, usage, opt, argv);
        }
    }
    if (!have_model && have_forward)
        o.model = HS_MODEL_BLACK76;

    if (csv) {
        if (have_right || have_strike || have_spot || have_forward ||
            have_days || have_years || o.have_vol || o.have_price || o.inverse)
            return hs_cli_usage_error(cmd, "--csv takes its options from the "
                                           "CSV columns; only --solve-iv and "
                                           "--model go with it");
        if (argc - optind > 1)
            return hs_cli_usage_error(cmd, "--csv reads at most one FILE");
        return run_csv(optind < argc ? argv[optind] : "-", o.model,
                       have_model, solve);
    }
    if (solve)
        return hs_cli_usage_error(cmd, "--solve-iv goes with --csv (for one "
                                       "option, give --price)");
    if (optind < argc)
        return hs_cli_usage_error(cmd, "unexpected argument '%s'",
                                  argv[optind]);
    if (!have_right)
        return hs_cli_usage_error(cmd, "--right call|put is required");
    if (!have_strike)
        return hs_cli_usage_error(cmd, "--strike is required");
    if (o.model == HS_MODEL_BS) {
        if (have_forward)
            return hs_cli_usage_error(cmd, "--forward is for --model black76; "
                                           "give --spot for Black-Scholes");
        if (!have_spot)
            return hs_cli_usage_error(cmd, "--spot is required");
        if (o.inverse)
            return hs_cli_usage_error(cmd, "--inverse needs --forward "
                                           "(Black-76)");
        o.U = spot;
    } else {
        if (have_spot)
            return hs_cli_usage_error(cmd, "Black-76 prices on the forward: "
                                           "give --forward, not --spot");
        if (!have_forward)
            return hs_cli_usage_error(cmd, "--forward is required with "
                                           "--model black76");
        o.U = forward;
    }
    if (have_days == have_years)
        return hs_cli_usage_error(cmd, "give one of --days and --years");
    if (have_days)
        o.T = o.days / 365;
    if (o.have_vol == o.have_price)
        return hs_cli_usage_error(cmd, "give one of --vol and --price");
    return run_single(&o);
}
