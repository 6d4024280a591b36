/* The page being built: text buffers, HTML and JSON escaping, chart
 * descriptions (drawn in the browser by report/report.js) and tables. */
#include "report_int.h"

#include "hedgesim/calendar.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The end of a chart's figure, which a caption goes before. */
#define FIG_END "</figure>\n"

static void grow(hs_rbuf *b, size_t more)
{
    if (b->err || b->n + more + 1 <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->n + more + 1)
        cap *= 2;
    char *s = realloc(b->s, cap);
    if (!s) {
        b->err = 1;
        return;
    }
    b->s = s;
    b->cap = cap;
}

static void put(hs_rbuf *b, const char *s, size_t n)
{
    grow(b, n);
    if (b->err)
        return;
    memcpy(b->s + b->n, s, n);
    b->n += n;
    b->s[b->n] = '\0';
}

void hs_report__buf_puts(hs_rbuf *b, const char *s)
{
    put(b, s, strlen(s));
}

void hs_report__buf_printf(hs_rbuf *b, const char *fmt, ...)
{
    va_list ap;
    int k;

    va_start(ap, fmt);
    k = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (k < 0) {
        b->err = 1;
        return;
    }
    grow(b, (size_t)k);
    if (b->err)
        return;
    va_start(ap, fmt);
    vsnprintf(b->s + b->n, (size_t)k + 1, fmt, ap);
    va_end(ap);
    b->n += (size_t)k;
}

void hs_report__buf_html(hs_rbuf *b, const char *s)
{
    if (!s)
        return;
    for (const char *p = s; *p; p++) {
        switch (*p) {
        case '&': hs_report__buf_puts(b, "&amp;"); break;
        case '<': hs_report__buf_puts(b, "&lt;"); break;
        case '>': hs_report__buf_puts(b, "&gt;"); break;
        case '"': hs_report__buf_puts(b, "&quot;"); break;
        case '\'': hs_report__buf_puts(b, "&#39;"); break;
        default: put(b, p, 1);
        }
    }
}

void hs_report__buf_json_str(hs_rbuf *b, const char *s)
{
    put(b, "\"", 1);
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p;
         p++) {
        switch (*p) {
        case '"': hs_report__buf_puts(b, "\\\""); break;
        case '\\': hs_report__buf_puts(b, "\\\\"); break;
        case '\n': hs_report__buf_puts(b, "\\n"); break;
        case '\r': hs_report__buf_puts(b, "\\r"); break;
        case '\t': hs_report__buf_puts(b, "\\t"); break;
        case '<': hs_report__buf_puts(b, "\\u003c"); break;
        case '>': hs_report__buf_puts(b, "\\u003e"); break;
        case '&': hs_report__buf_puts(b, "\\u0026"); break;
        default:
            if (*p < 0x20)
                hs_report__buf_printf(b, "\\u%04x", *p);
            else
                put(b, (const char *)p, 1);
        }
    }
    put(b, "\"", 1);
}

void hs_report__buf_json_num(hs_rbuf *b, double x)
{
    if (isfinite(x))
        hs_report__buf_printf(b, "%.8g", x);
    else
        hs_report__buf_puts(b, "null");
}

void hs_report__buf_free(hs_rbuf *b)
{
    if (!b)
        return;
    free(b->s);
    memset(b, 0, sizeof *b);
}

void hs_report__page_times(hs_page *pg, const int64_t *t, size_t n, char *name)
{
    snprintf(name, 16, "t%d", pg->n_times);
    hs_report__buf_printf(&pg->times, "%s\"%s\":[", pg->n_times ? "," : "", name);
    for (size_t i = 0; i < n; i++)
        hs_report__buf_printf(&pg->times, "%s%lld", i ? "," : "", (long long)t[i]);
    hs_report__buf_puts(&pg->times, "]");
    pg->n_times++;
}

void hs_report__page_chart(hs_page *pg, const char *kind, const char *title,
                   const char *xtype, const char *xname, const char *yname,
                   const char *taxis)
{
    int id = ++pg->n_charts;
    int tall = strcmp(kind, "heatmap") == 0;

    hs_report__buf_printf(&pg->body,
                   "<figure class=\"fig\"><div class=\"chart%s\" id=\"c%d\" "
                   "data-kind=\"%s\" "
                   "role=\"img\" aria-label=\"",
                   tall ? " tall" : "", id, kind);
    hs_report__buf_html(&pg->body, title);
    hs_report__buf_puts(&pg->body, "\"></div>" FIG_END);
    hs_report__buf_printf(&pg->charts, "%s{\"id\":\"c%d\",\"kind\":\"%s\",\"title\":",
                   id > 1 ? "," : "", id, kind);
    hs_report__buf_json_str(&pg->charts, title);
    hs_report__buf_printf(&pg->charts, ",\"x\":{\"type\":\"%s\",\"name\":", xtype);
    hs_report__buf_json_str(&pg->charts, xname);
    hs_report__buf_puts(&pg->charts, "},\"y\":{\"name\":");
    hs_report__buf_json_str(&pg->charts, yname);
    hs_report__buf_puts(&pg->charts, "}");
    if (taxis)
        hs_report__buf_printf(&pg->charts, ",\"t\":\"%s\"", taxis);
    pg->in_chart = 1;
    pg->in_series = 0;
}

void hs_report__page_key_strings(hs_page *pg, const char *key, const char *const *s,
                         size_t n)
{
    hs_report__buf_printf(&pg->charts, ",\"%s\":[", key);
    for (size_t i = 0; i < n; i++) {
        if (i)
            hs_report__buf_puts(&pg->charts, ",");
        hs_report__buf_json_str(&pg->charts, s[i]);
    }
    hs_report__buf_puts(&pg->charts, "]");
}

static void numbers(hs_rbuf *b, const double *v, size_t n, double scale)
{
    hs_report__buf_puts(b, "[");
    for (size_t i = 0; i < n; i++) {
        if (i)
            hs_report__buf_puts(b, ",");
        hs_report__buf_json_num(b, v[i] * scale);
    }
    hs_report__buf_puts(b, "]");
}

void hs_report__page_key_numbers(hs_page *pg, const char *key, const double *v,
                         size_t n, double scale)
{
    hs_report__buf_printf(&pg->charts, ",\"%s\":", key);
    numbers(&pg->charts, v, n, scale);
}

void hs_report__page_key_raw(hs_page *pg, const char *member)
{
    hs_report__buf_printf(&pg->charts, ",%s", member);
}

void hs_report__page_series(hs_page *pg, const char *name, const double *v, size_t n,
                    double scale)
{
    hs_report__buf_puts(&pg->charts, pg->in_series ? "," : ",\"series\":[");
    pg->in_series = 1;
    hs_report__buf_puts(&pg->charts, "{\"name\":");
    hs_report__buf_json_str(&pg->charts, name);
    hs_report__buf_puts(&pg->charts, ",\"data\":");
    numbers(&pg->charts, v, n, scale);
    hs_report__buf_puts(&pg->charts, "}");
}

void hs_report__page_chart_end(hs_page *pg)
{
    hs_report__buf_puts(&pg->charts, pg->in_series ? "]}" : ",\"series\":[]}");
    pg->in_chart = pg->in_series = 0;
}

void hs_report__page_caption(hs_page *pg, const char *text)
{
    size_t k = strlen(FIG_END);
    /* inside the figure of the chart just described */
    int in_fig = pg->body.n >= k && !pg->body.err &&
                 strcmp(pg->body.s + pg->body.n - k, FIG_END) == 0;
    if (in_fig)
        pg->body.n -= k;
    hs_report__buf_puts(&pg->body, "<figcaption class=\"caption\">");
    hs_report__buf_html(&pg->body, text);
    hs_report__buf_puts(&pg->body, in_fig ? "</figcaption>" FIG_END : "</figcaption>\n");
}

const char *hs_report__page_fmt(double x, char *buf, size_t size)
{
    if (!isfinite(x))
        snprintf(buf, size, "n/a");
    else
        snprintf(buf, size, "%.6g", x);
    return buf;
}

const char *hs_report__page_date(int64_t ms, char *buf, size_t size)
{
    char t[40];
    hs_cal_format_time(ms, t, sizeof t);
    snprintf(buf, size, "%s", t);
    return buf;
}

static int is_time_col(const char *name)
{
    size_t n = strlen(name);
    return strcmp(name, "time") == 0 || strcmp(name, "start") == 0 ||
           strcmp(name, "end") == 0 || strcmp(name, "expiry") == 0 ||
           (n > 5 && strcmp(name + n - 5, "_time") == 0);
}

void hs_report__page_table(hs_page *pg, const hs_rtab *t, const char *path,
                   const size_t *rows, size_t nr)
{
    hs_rbuf *b = &pg->body;
    char buf[64];

    hs_report__buf_puts(b, "<div class=\"tablewrap\"><table class=\"num\" data-path=\"");
    hs_report__buf_html(b, path);
    hs_report__buf_printf(b, "\" data-rows=\"%zu\"><thead><tr>", nr);
    for (size_t j = 0; j < t->ncols; j++) {
        hs_report__buf_puts(b, "<th>");
        hs_report__buf_html(b, t->names[j]);
        hs_report__buf_puts(b, "</th>");
    }
    hs_report__buf_puts(b, "</tr></thead><tbody>\n");
    for (size_t k = 0; k < nr; k++) {
        size_t i = rows ? rows[k] : k;
        hs_report__buf_puts(b, "<tr>");
        for (size_t j = 0; j < t->ncols; j++) {
            if (t->is_str[j]) {
                hs_report__buf_puts(b, "<td>");
                hs_report__buf_html(b, t->str[j][i]);
                hs_report__buf_puts(b, "</td>");
                continue;
            }
            double x = t->num[j][i];
            hs_report__buf_puts(b, "<td class=\"n\" data-col=\"");
            hs_report__buf_html(b, t->names[j]);
            if (isfinite(x))
                hs_report__buf_printf(b, "\" data-v=\"%.17g\">", x);
            else
                hs_report__buf_puts(b, "\" data-v=\"nan\">");
            if (t->is_int[j] && is_time_col(t->names[j]) && isfinite(x))
                hs_report__buf_html(b, hs_report__page_date((int64_t)x, buf, sizeof buf));
            else
                hs_report__buf_html(b, hs_report__page_fmt(x, buf, sizeof buf));
            hs_report__buf_puts(b, "</td>");
        }
        hs_report__buf_puts(b, "</tr>\n");
    }
    hs_report__buf_puts(b, "</tbody></table></div>\n");
}
