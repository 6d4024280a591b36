/* Ledger internals shared with the engine loop. */
#ifndef HS_LEDGER_INT_H
#define HS_LEDGER_INT_H

#include <string.h>

#include "hedgesim/ledger.h"

/* The plain mark of step t (no fills, no delisting: !b->slow[t]) over the
 * contiguous rows of the book's closes; inline so the engine's most common
 * step makes no call. */
static inline void hs_book__mark(const hs_book_state *s, const hs_book *b,
                                 size_t t, hs_book_flow *out)
{
    const size_t nb = b->n_assets;
    const double *cl = b->bclose + t * nb, *cp = cl - nb, *q = s->q;
    double pnl = 0, hold = 0;
    for (size_t k = 0; k < nb; k++) {
        pnl += q[k] * (cl[k] - cp[k]);
        hold += q[k] * cl[k];
    }
    memset(out, 0, sizeof *out);
    out->pnl = pnl;
    out->holdings = hold;
}

#endif
