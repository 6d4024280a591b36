/* Process-wide initialisation: tame third-party error machinery. */
#include "hedgesim/hedgesim.h"

#include <gsl/gsl_errno.h>
#include <hdf5.h>

int hs_init(void)
{
    gsl_set_error_handler_off();
    H5open();
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    return 0;
}

const char *hs_version(void) { return HS_VERSION; }
