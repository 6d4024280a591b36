/* hedgesim without MPI: one process, rank 0, which runs all the work.
 * hedgesim-mpi (`make MPI=1`) links src/cli/mpi_dist.c instead. */
#include "cli_int.h"

int hs_cli_rank(void) { return 0; }
int hs_cli_ranks(void) { return 1; }
void hs_cli_share_mc(hs_mc_opts *o) { (void)o; }
void hs_cli_share_sweep(hs_sweep_opts *o) { (void)o; }
int hs_cli_share_start(size_t total)
{
    (void)total;
    return 0;
}
int hs_cli_gather_mc(hs_mc *mc)
{
    (void)mc;
    return 0;
}
int hs_cli_gather_sweep(hs_sweep *sw)
{
    (void)sw;
    return 0;
}
