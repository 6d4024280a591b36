/* Shared pieces of the command-line tool (internal to the hedgesim binary). */
#ifndef HS_CLI_INT_H
#define HS_CLI_INT_H

#include <getopt.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "hedgesim/config.h"
#include "hedgesim/mc.h"
#include "hedgesim/results_run.h"
#include "hedgesim/store.h"
#include "hedgesim/sweep.h"

/* Exit codes, documented in docs/cli.md. */
enum {
    HS_EXIT_OK = 0,
    HS_EXIT_FAIL = 1,  /* the command ran and failed: bad data, I/O, ... */
    HS_EXIT_USAGE = 2, /* bad command line: unknown option, bad number */
    HS_EXIT_PARTIAL = 3 /* completed, but some runs failed (listed) */
};

/* The default store path when --db is not given ($HEDGESIM_DB overrides). */
const char *hs_cli_default_db(void);

/* Each command: int hs_cli_<name>(int argc, char **argv); argv[0] is the
 * command name.  Returns an exit code. */
int hs_cli_import(int argc, char **argv);
int hs_cli_info(int argc, char **argv);
int hs_cli_run(int argc, char **argv);
int hs_cli_sweep(int argc, char **argv);
int hs_cli_list(int argc, char **argv);
int hs_cli_price(int argc, char **argv);
int hs_cli_chains(int argc, char **argv);
int hs_cli_stress(int argc, char **argv);
int hs_cli_analyze(int argc, char **argv);
int hs_cli_calibrate(int argc, char **argv);
int hs_cli_mc(int argc, char **argv);
int hs_cli_report(int argc, char **argv);

/* Print "hedgesim CMD: <message>" to stderr and return HS_EXIT_USAGE. */
int hs_cli_usage_error(const char *cmd, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Print "hedgesim CMD: <hs_error_last() or strerror(code)>" to stderr and
 * return HS_EXIT_FAIL. */
int hs_cli_fail(const char *cmd, int code);

/* Parse a finite number / integer for option `opt`; on failure prints a
 * one-line usage error and returns HS_EXIT_USAGE, else 0. */
int hs_cli_double(const char *cmd, const char *opt, const char *text,
                  double *out);
int hs_cli_long(const char *cmd, const char *opt, const char *text, long *out);

/* The full command line, space-joined (for result attributes). */
const char *hs_cli_command_line(void);

/* Most repeatable options (--set, --plugin, ...) a command takes. */
#define HS_CLI_MAX_LIST 64

/* The options the commands share.  A command's getopt_long table lists
 * those it takes, with these entries (the same codes in every command),
 * beside its own; the options of every table are named in its --help. */
#define HS_CLI_OPT_OUTPUT {"output", required_argument, NULL, 'o'}
#define HS_CLI_OPT_FORCE {"force", no_argument, NULL, 'f'}
#define HS_CLI_OPT_SET {"set", required_argument, NULL, 'S'}
#define HS_CLI_OPT_PLUGIN {"plugin", required_argument, NULL, 'P'}
#define HS_CLI_OPT_DB {"db", required_argument, NULL, 'D'}
#define HS_CLI_OPT_QUIET {"quiet", no_argument, NULL, 'q'}
#define HS_CLI_OPT_REPORT {"report", no_argument, NULL, 'R'}
#define HS_CLI_OPT_JSON {"json", no_argument, NULL, 'J'}
#define HS_CLI_OPT_CSV {"csv", no_argument, NULL, 'C'}
#define HS_CLI_OPT_HELP {"help", no_argument, NULL, 'h'}
/* All of them: the options of a command that writes a results file from
 * a config (run, sweep, stress, mc). */
#define HS_CLI_OPTS_RESULTS                                                    \
    HS_CLI_OPT_OUTPUT, HS_CLI_OPT_FORCE, HS_CLI_OPT_SET, HS_CLI_OPT_PLUGIN,    \
        HS_CLI_OPT_DB, HS_CLI_OPT_QUIET, HS_CLI_OPT_REPORT, HS_CLI_OPT_JSON,   \
        HS_CLI_OPT_CSV, HS_CLI_OPT_HELP

/* What the common options said, filled by hs_cli_common_opt. */
typedef struct hs_cli_common {
    const char *cmd;      /* the command, for messages */
    void (*help)(FILE *); /* prints the command's --help */
    const char *out;      /* -o PATH; NULL: the default (hs_cli_output) */
    const char *db;       /* --db PATH; NULL: the config's (hs_cli_db) */
    const char *sets[HS_CLI_MAX_LIST]; /* --set S.K=V, in order */
    size_t n_sets;
    const char *plugins[HS_CLI_MAX_LIST]; /* --plugin PATH.so, in order */
    size_t n_plugins;
    int force;         /* -f, --force */
    int quiet;         /* -q, --quiet */
    int report;        /* --report */
    int fmt;           /* --json / --csv: an hs_summary_format; -1 none */
    char outbuf[1200]; /* the default results path */
} hs_cli_common;

#define HS_CLI_COMMON_INIT(command, help_fn)                                   \
    {.cmd = (command), .help = (help_fn), .fmt = -1}

/* hs_cli_common_opt: the option was stored, parse the next one. */
#define HS_CLI_NEXT (-1)

/* In the `default:` of a command's option switch: option `c` that
 * getopt_long returned (with optarg and optind) and the command did not
 * handle.  A common option is stored in *co (--json with --csv, or a list
 * over HS_CLI_MAX_LIST, is a usage error); -h, --help prints the help; any
 * other (getopt's '?' and ':') is a usage error (hs_cli_bad_option).
 * HS_CLI_NEXT, or the exit code to return: HS_EXIT_OK after the help,
 * HS_EXIT_USAGE after a one-line error. */
int hs_cli_common_opt(hs_cli_common *co, int c, char **argv);

/* The same for a command without common options: -h prints help(stdout)
 * and returns HS_EXIT_OK, anything else is hs_cli_bad_option. */
int hs_cli_other_opt(const char *cmd, void (*help)(FILE *), int c,
                     char **argv);

/* A repeatable option: optarg appended to list[*n] (room for
 * HS_CLI_MAX_LIST).  0, or HS_EXIT_USAGE after "too many OPTION options"
 * (the option as written, from argv). */
int hs_cli_push(const char *cmd, const char **list, size_t *n, char **argv);

/* The one operand after the options, argv[optind], e.g. what = "config
 * file"; NULL after a usage error ("a WHAT is required", "exactly one
 * WHAT, please"). */
const char *hs_cli_operand(const char *cmd, int argc, char **argv,
                           const char *what);

/* For a command without operands: HS_EXIT_OK, or HS_EXIT_USAGE after
 * "unexpected argument". */
int hs_cli_no_operand(const char *cmd, int argc, char **argv);

/* The config of a command: CONFIG with the --set overrides of *co
 * applied, and a registry with its --plugin libraries loaded (*cfg and
 * *reg owned by the caller, also after an error).  0 or the error
 * (message set). */
int hs_cli_load(const hs_cli_common *co, const char *cfg_path,
                hs_config **cfg, hs_registry **reg);

/* The market store: --db, else the config's data.db (borrowed). */
const char *hs_cli_db(const hs_cli_common *co, const hs_config *cfg);

/* The store at db_path, opened read-only as one snapshot
 * (hs_store_snapshot_begin): what a command loads, the quotes it replays
 * and the digest it records are one state of the store, whatever an import
 * commits meanwhile (that commit waits for the command, up to 5 s).  The
 * snapshot ends with hs_store_close, or earlier with
 * hs_store_snapshot_end once the store is no longer read.  0 or the
 * store's error (then *out is NULL). */
int hs_cli_store_open(hs_store **out, const char *db_path);

/* The results path: `out`, or results/<config name><suffix>.h5 in buf. */
const char *hs_cli_output_path(const char *out, const char *cfg_path,
                               const char *suffix, char *buf, size_t size);

/* Before any work, may `out` be written?  Never the store, the config or
 * a plug-in (compared by device and inode), nor anything but a hedgesim
 * results file (hs_h5_check_output); an existing one needs --force (the
 * null device does not).  HS_EXIT_OK, or prints why and returns
 * HS_EXIT_FAIL. */
int hs_cli_check_output(const char *cmd, const char *out, int force,
                        const char *db_path, const char *cfg_path,
                        const char *const *plugins, size_t nplug);

/* Before any work: co->out becomes the results path (hs_cli_output_path
 * with `suffix`), checked against the inputs (hs_cli_check_output) and,
 * with --report, the report beside it too (it must not exist unless --force).
 * HS_EXIT_OK, or HS_EXIT_FAIL after a message. */
int hs_cli_output(hs_cli_common *co, const char *cfg_path,
                  const char *db_path, const char *suffix);

/* After the results are written: with --report, the report beside them
 * (its path printed unless -q, --json or --csv: stdout then holds the
 * table alone).  `code`, or the report's failure (HS_EXIT_FAIL). */
int hs_cli_finish(const hs_cli_common *co, int code);

/* The provenance a results file records: *meta filled from the config, the
 * command line and the store's content digest (into sha[65]; "" for a store
 * without one).  0 or the store's error. */
int hs_cli_meta(hs_results_meta *meta, char sha[65], const hs_config *cfg,
                const char *cfg_path, const char *db_path, hs_store *store,
                const char *mode, uint64_t seed);

/* Common handling of getopt_long's '?' and ':' returns: prints the one-line
 * error for the option that caused it and returns HS_EXIT_USAGE. */
int hs_cli_bad_option(const char *cmd, int opt, char **argv);

/* Work shared over MPI processes (docs/scale.md): hedgesim-mpi links
 * mpi_dist.c, hedgesim mpi_none.c (one process, rank 0, where these do
 * nothing).  A command sets the hooks in its options (share_*), tells how
 * many paths or points there are (share_start) before it runs them, and
 * after the run gathers the results on rank 0 (gather_*), which alone
 * writes and prints.  Each returns 0 or an error code. */
int hs_cli_rank(void);
int hs_cli_ranks(void);
void hs_cli_share_mc(hs_mc_opts *o);
void hs_cli_share_sweep(hs_sweep_opts *o);
int hs_cli_share_start(size_t total);
int hs_cli_gather_mc(hs_mc *mc);
int hs_cli_gather_sweep(hs_sweep *sw);
/* hedgesim-mpi only: MPI_Init_thread (0, or -1 with a message), and the
 * end of the process: MPI_Finalize, or MPI_Abort of every rank when
 * `code` is not 0. */
int hs_cli_mpi_init(int *argc, char ***argv);
void hs_cli_mpi_end(int code);

#endif
