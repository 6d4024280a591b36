/* hedgesim-mpi: the command-line tool started by mpirun (`make MPI=1`).
 * The same commands as hedgesim (main.c, compiled in here with its main
 * renamed); `mc` and `sweep` share their work over the ranks
 * (mpi_dist.c), the other commands refuse to run on more than one rank,
 * which would only repeat the same work.  A rank that fails stops every
 * rank (MPI_Abort) before anything is written (docs/scale.md). */
#include <stdio.h>
#include <string.h>

int hs_cli_main_(int argc, char **argv);
#define main hs_cli_main_
#include "main.c"
#undef main

int main(int argc, char **argv)
{
    if (hs_cli_mpi_init(&argc, &argv))
        return HS_EXIT_FAIL;
    int rc;
    if (hs_cli_ranks() > 1 && argc >= 2 && argv[1][0] != '-' &&
        strcmp(argv[1], "mc") != 0 && strcmp(argv[1], "sweep") != 0 &&
        strcmp(argv[1], "help") != 0) {
        if (hs_cli_rank() == 0)
            fprintf(stderr, "hedgesim-mpi: '%s' does not share work over "
                            "ranks: run it with hedgesim, or with one rank "
                            "(only mc and sweep run on several)\n",
                    argv[1]);
        rc = HS_EXIT_USAGE;
    } else {
        rc = hs_cli_main_(argc, argv);
    }
    /* A usage error is the same on every rank (the same command line):
     * each exits; any other failure stops the whole run. */
    hs_cli_mpi_end(rc == HS_EXIT_USAGE ? 0 : rc);
    return rc;
}
