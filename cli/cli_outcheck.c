/*
 * cli_outcheck.c: output paths checked before the work starts, so a typo in -o or
 * --report fails at once (exit 1) instead of after minutes of training; --svg-dir style
 * folders are created. The files themselves are still written atomically (cli_out_open).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cli.h"

int cli_out_check(const char *path)
{
    struct stat st;
    char *dir;
    const char *slash;
    int rc = 0;
    if (!path || strcmp(path, "-") == 0)
        return 0;
    if (!*path) {
        cli_err("an output path is empty");
        return -1;
    }
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        cli_err("%s: is a folder, not a file to write", path);
        return -1;
    }
    slash = strrchr(path, '/');
    dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : strdup(".");
    if (!dir) {
        cli_err("out of memory");
        return -1;
    }
    if (stat(dir, &st) != 0) {
        cli_err("%s: cannot write: folder %s: %s", path, dir, strerror(errno));
        rc = -1;
    } else if (!S_ISDIR(st.st_mode)) {
        cli_err("%s: cannot write: %s is not a folder", path, dir);
        rc = -1;
    } else if (access(dir, W_OK | X_OK) != 0) {
        cli_err("%s: cannot write in folder %s: %s", path, dir, strerror(errno));
        rc = -1;
    }
    free(dir);
    return rc;
}

int cli_dir_make(const char *dir)
{
    char *p = strdup(dir);
    struct stat st;
    int rc = 0;
    if (!p) {
        cli_err("out of memory");
        return -1;
    }
    /* mkdir -p: each prefix ending before a '/', then the whole */
    for (char *s = p + 1;; s++) {
        if (*s == '/' || *s == '\0') {
            char c = *s;
            *s = '\0';
            if (mkdir(p, 0777) != 0 && errno != EEXIST) {
                cli_err("%s: cannot create folder %s: %s", dir, p, strerror(errno));
                rc = -1;
                break;
            }
            *s = c;
            if (!c)
                break;
        }
    }
    if (rc == 0 && (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))) {
        cli_err("%s: not a folder", dir);
        rc = -1;
    } else if (rc == 0 && access(dir, W_OK | X_OK) != 0) {
        cli_err("%s: cannot write in this folder: %s", dir, strerror(errno));
        rc = -1;
    }
    free(p);
    return rc;
}

int cli_out_check_prefix(const char *prefix)
{
    size_t n = strlen(prefix) + 8;
    char *p = malloc(n);
    int rc;
    if (!p) {
        cli_err("out of memory");
        return -1;
    }
    snprintf(p, n, "%s.csv", prefix);
    rc = cli_out_check(p);
    free(p);
    return rc;
}
