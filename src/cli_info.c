/* hedgesim info (placeholder until implemented). */
#include "cli_int.h"

#include <stdio.h>

int hs_cli_info(int argc, char **argv)
{
    (void)argc;
    fprintf(stderr, "hedgesim %s: not implemented yet\n", argv[0]);
    return HS_EXIT_FAIL;
}
