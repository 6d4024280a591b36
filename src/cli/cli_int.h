/* Shared pieces of the command-line tool (internal to the hedgesim binary). */
#ifndef HS_CLI_INT_H
#define HS_CLI_INT_H

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

/* --report of a command that writes `results`: hs_cli_report_check before
 * running (HS_EXIT_FAIL, with a message, if the report beside the results
 * exists and !force; else HS_EXIT_OK), hs_cli_report_beside after the
 * results are written (writes X.html beside X.h5, prints its path unless
 * quiet; returns an exit code). */
int hs_cli_report_check(const char *cmd, const char *results, int force);
int hs_cli_report_beside(const char *cmd, const char *results, int force,
                         int quiet);

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

/* The config of a command: CONFIG with its --set overrides applied, and a
 * registry with the --plugin libraries loaded (*cfg and *reg owned by the
 * caller, also after an error).  0 or the error (message set). */
int hs_cli_load(const char *cfg_path, const char *const *sets, size_t nsets,
                const char *const *plugins, size_t nplug, hs_config **cfg,
                hs_registry **reg);

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

/* The provenance a results file records: *meta filled from the config, the
 * command line and the store's content digest (into sha[65]; "" for a store
 * without one).  0 or the store's error. */
int hs_cli_meta(hs_results_meta *meta, char sha[65], const hs_config *cfg,
                const char *cfg_path, const char *db_path, hs_store *store,
                const char *mode, uint64_t seed);

/* --json (opt 'J') or --csv ('C'): set *fmt to HS_SUMMARY_JSON or
 * HS_SUMMARY_CSV; a usage error (HS_EXIT_USAGE) if the other one was
 * already given, else 0. */
int hs_cli_summary_format(const char *cmd, int opt, int *fmt);

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
