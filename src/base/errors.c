/* Error codes and the thread-local last-error message. */
#include "hedgesim/errors.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define HS_ERRMSG_MAX 1024

static _Thread_local char last_msg[HS_ERRMSG_MAX];

const char *hs_strerror(int code)
{
    switch (code) {
#define HS_X_CASE(name, value, desc)                                           \
    case value:                                                                \
        return desc;
        HS_ERROR_LIST(HS_X_CASE)
#undef HS_X_CASE
    }
    return "unknown error";
}

const char *hs_error_last(void) { return last_msg; }

int hs_error_set(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_msg, sizeof last_msg, fmt, ap);
    va_end(ap);
    return code;
}

void hs_error_prefix(const char *fmt, ...)
{
    char old[HS_ERRMSG_MAX];
    char pre[HS_ERRMSG_MAX];
    va_list ap;

    memcpy(old, last_msg, sizeof old);
    va_start(ap, fmt);
    vsnprintf(pre, sizeof pre, fmt, ap);
    va_end(ap);
    /* The prefix, then as much of the old message as fits (truncation is
     * intended: messages are bounded). */
    size_t n = strlen(pre);
    memcpy(last_msg, pre, n + 1);
    if (n + 1 < sizeof last_msg) {
        size_t room = sizeof last_msg - n - 1, m = strlen(old);
        if (m > room)
            m = room;
        memcpy(last_msg + n, old, m);
        last_msg[n + m] = '\0';
    }
}

void hs_error_clear(void) { last_msg[0] = '\0'; }
