/* HTML reports of results files.
 *
 * hs_report_write reads any results file hedgesim writes and writes one
 * self-contained HTML page: every asset (the charting library, Apache
 * ECharts, the page's script and style) is inlined, nothing is fetched, so
 * the page opens offline.  The sections follow the groups the file has:
 *
 *   /runs, /summary     run metadata, the summary table; equity hedged and
 *                       unhedged, drawdowns, estimated and realised beta,
 *                       hedge notional and ratio, P&L attribution, greeks
 *   /stress             the summary table, run x window heat maps (hedge
 *                       effectiveness, drawdown reduction)
 *   /analytics          beta and correlation before and during each window
 *   /sweep/summary      the best and worst grid points, a heat map of hedge
 *                       effectiveness over two varied keys
 *   /mc/<run>           the P&L fan from the quantile bands, the
 *                       distribution of hedge effectiveness across paths
 *
 * Every string taken from the file (config text, notes, names) is escaped:
 * it shows as text and can neither end an element nor run as script.  The
 * page is a function of the file alone (no clock, no machine paths beyond
 * those the file records), so the same results give the same page.
 * docs/report.md describes the page. */
#ifndef HEDGESIM_REPORT_H
#define HEDGESIM_REPORT_H

/* Write the report of results file `results` to `html`.  The page is
 * written under a temporary name beside `html` and renamed when complete;
 * an existing `html` is replaced only when `force` is set and it is a
 * regular file, and never when it is `results` itself.
 * Returns 0, HS_EINVAL (NULL argument, html names the results file or a
 * directory), HS_EEXISTS (html exists and !force), HS_EIO, HS_ENOTFOUND /
 * HS_EHDF5 / HS_EDATA (the results file is missing, not HDF5, or has none
 * of the groups above, or one is malformed: the message names the file and
 * the object), HS_ENOMEM.  Nothing is left on disk after a failure. */
int hs_report_write(const char *results, const char *html, int force);

/* The report path beside a results file: "dir/X.h5" gives "dir/X.html";
 * a name without the ".h5" ending gets ".html" appended.  *out is the
 * caller's (free()).  HS_EINVAL for NULL, HS_ENOMEM. */
int hs_report_path(const char *results, char **out);

/* Write the report beside `results` (hs_report_path), as commands with a
 * --report flag do after writing their results.  When html is not NULL,
 * *html is the path written (the caller's, free()), or NULL after an error.
 * Errors: those of hs_report_write. */
int hs_report_beside(const char *results, int force, char **html);

#endif
