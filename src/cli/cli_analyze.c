/* hedgesim analyze: placeholder until the analytics land. */
#include "cli_int.h"
int hs_cli_analyze(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return HS_EXIT_FAIL;
}
