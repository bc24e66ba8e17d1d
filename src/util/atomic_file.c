/* atomic_file.c: write-to-temp-then-rename output, so failures leave nothing half-written. */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "util/util_int.h"

int mqttids_tmp_sweep(const char *path)
{
    char dir[4096];
    const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
    size_t blen = strlen(base);
    DIR *dp;
    struct dirent *e;
    int removed = 0;
    if (blen == 0 || (slash && (size_t)(slash - path) + 1 >= sizeof dir))
        return 0;
    if (slash)
        snprintf(dir, sizeof dir, "%.*s", slash == path ? 1 : (int)(slash - path), path);
    else
        snprintf(dir, sizeof dir, ".");
    dp = opendir(dir);
    if (!dp)
        return 0;
    while ((e = readdir(dp)) != NULL) {
        const char *n = e->d_name, *digits;
        char full[4096 + 256];
        long pid = 0;
        if (strncmp(n, base, blen) != 0 || strncmp(n + blen, ".tmp.", 5) != 0)
            continue;
        digits = n + blen + 5;
        if (!*digits || strlen(digits) > 9 || strspn(digits, "0123456789") != strlen(digits))
            continue;
        pid = strtol(digits, NULL, 10);
        if (pid <= 0 || pid == (long)getpid() || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue; /* ours, or a process that still runs (or that we may not signal) */
        snprintf(full, sizeof full, "%s/%s", dir, n);
        if (unlink(full) == 0)
            removed++;
    }
    closedir(dp);
    return removed;
}

mqttids_err util__atomic_open(util_atomic_file *af, const char *path, char *errbuf)
{
    size_t n;
    memset(af, 0, sizeof *af);
    if (strcmp(path, "-") == 0) {
        af->fp = stdout;
        return MQTTIDS_OK;
    }
    {
        /* a device or a pipe (/dev/null, a FIFO) is written in place: renaming over it
           would replace it with a regular file */
        struct stat st;
        if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
            af->fp = fopen(path, "wb");
            if (!af->fp)
                return util__fail(errbuf, MQTTIDS_ERR_IO, "%s: cannot open for writing: %s", path, strerror(errno));
            af->in_place = 1;
            return MQTTIDS_OK;
        }
    }
    mqttids_tmp_sweep(path);
    n = strlen(path) + 32;
    af->path = strdup(path);
    af->tmp_path = malloc(n);
    if (!af->path || !af->tmp_path) {
        util__atomic_abort(af);
        return util__fail(errbuf, MQTTIDS_ERR_NOMEM, "out of memory");
    }
    snprintf(af->tmp_path, n, "%s.tmp.%ld", path, (long)getpid());
    af->fp = fopen(af->tmp_path, "wb");
    if (!af->fp) {
        int e = errno;
        util__fail(errbuf, MQTTIDS_ERR_IO, "%s: cannot create: %s", af->tmp_path, strerror(e));
        free(af->tmp_path);
        af->tmp_path = NULL;
        util__atomic_abort(af);
        return MQTTIDS_ERR_IO;
    }
    return MQTTIDS_OK;
}

mqttids_err util__atomic_commit(util_atomic_file *af, char *errbuf)
{
    mqttids_err err = MQTTIDS_OK;
    if (!af->fp)
        return util__fail(errbuf, MQTTIDS_ERR_INVALID, "output not open");
    if (!af->tmp_path) { /* stdout, or a device written in place */
        if (fflush(af->fp) != 0 || ferror(af->fp))
            err = util__fail(errbuf, MQTTIDS_ERR_IO, "%s: write failed: %s", af->in_place ? "output" : "stdout",
                             strerror(errno));
        if (af->in_place && fclose(af->fp) != 0 && err == MQTTIDS_OK)
            err = util__fail(errbuf, MQTTIDS_ERR_IO, "output: write failed: %s", strerror(errno));
        af->fp = NULL;
        af->in_place = 0;
        return err;
    }
    if (fflush(af->fp) != 0 || ferror(af->fp) || fsync(fileno(af->fp)) != 0) {
        err = util__fail(errbuf, MQTTIDS_ERR_IO, "%s: write failed: %s", af->path, strerror(errno));
        util__atomic_abort(af);
        return err;
    }
    if (fclose(af->fp) != 0) {
        af->fp = NULL;
        err = util__fail(errbuf, MQTTIDS_ERR_IO, "%s: write failed: %s", af->path, strerror(errno));
        util__atomic_abort(af);
        return err;
    }
    af->fp = NULL;
    if (rename(af->tmp_path, af->path) != 0) {
        err = util__fail(errbuf, MQTTIDS_ERR_IO, "%s: cannot rename into place: %s", af->path,
                         strerror(errno));
        util__atomic_abort(af);
        return err;
    }
    free(af->tmp_path);
    free(af->path);
    af->tmp_path = af->path = NULL;
    return MQTTIDS_OK;
}

void util__atomic_abort(util_atomic_file *af)
{
    if (af->fp && (af->tmp_path || af->in_place))
        fclose(af->fp);
    if (af->tmp_path)
        unlink(af->tmp_path);
    free(af->tmp_path);
    free(af->path);
    memset(af, 0, sizeof *af);
}
