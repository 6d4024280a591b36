/* hedgesim error codes and the thread-local last-error message.
 *
 * Every function that can fail returns an int: 0 on success, a negative
 * HS_E* code on failure.  HS_ITEROVER is not a failure: it marks the end of
 * data for iterators (the engine loop, replay cursors).
 *
 * The code says what kind of failure it was; hs_error_last() says exactly
 * what, naming the file, line, field or key involved.  The message is kept
 * per thread, so Monte Carlo workers never clobber each other's messages. */
#ifndef HEDGESIM_ERRORS_H
#define HEDGESIM_ERRORS_H

/* X(name, value, description): the one list of error codes. */
#define HS_ERROR_LIST(X)                                                       \
    X(HS_OK, 0, "success")                                                     \
    X(HS_ITEROVER, -1, "end of data")                                          \
    X(HS_ENOMEM, -2, "out of memory")                                          \
    X(HS_EINVAL, -3, "invalid argument")                                       \
    X(HS_EIO, -4, "input/output error")                                        \
    X(HS_EPARSE, -5, "malformed input")                                        \
    X(HS_EDATA, -6, "invalid data")                                            \
    X(HS_EDB, -7, "database error")                                            \
    X(HS_ESCHEMA, -8, "incompatible store schema")                             \
    X(HS_ENOTFOUND, -9, "not found")                                           \
    X(HS_EEXISTS, -10, "already exists")                                       \
    X(HS_ECONFIG, -11, "bad configuration")                                    \
    X(HS_ENUMERIC, -12, "numerical failure")                                   \
    X(HS_EPLUGIN, -13, "plug-in error")                                        \
    X(HS_EHDF5, -14, "HDF5 error")                                             \
    X(HS_ESTRATEGY, -15, "strategy error")                                     \
    X(HS_EUSAGE, -16, "bad command line")

enum hs_error {
#define HS_X_ENUM(name, value, desc) name = value,
    HS_ERROR_LIST(HS_X_ENUM)
#undef HS_X_ENUM
};

/* Static description of an error code ("database error").  Never NULL. */
const char *hs_strerror(int code);

/* The detailed message of the last error set on this thread, or "" if none.
 * Borrowed: valid until the next hs_error_set on this thread. */
const char *hs_error_last(void);

/* Record a detailed message for this thread and return `code`, so callers can
 * write `return hs_error_set(HS_EPARSE, "%s:%d: ...", file, line);`. */
int hs_error_set(int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Prepend context to the current message ("while importing X: <old>"). */
void hs_error_prefix(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

/* Forget the last message on this thread. */
void hs_error_clear(void);

#endif
