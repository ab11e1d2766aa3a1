/* io/atomicfile.c - see io/atomicfile.h. */
#define _POSIX_C_SOURCE 200809L
#include "io/atomicfile.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void release(atomic_file *af)
{
    free(af->path);
    free(af->tmp);
    af->path = af->tmp = NULL;
    af->f = NULL;
}

/* The directory part of path ("." for a bare name), newly allocated. */
static char *dir_of(const char *path)
{
    char *copy = strdup(path);
    if (!copy)
        return NULL;
    char *d = strdup(dirname(copy));
    free(copy);
    return d;
}

int af_open(atomic_file *af, const char *path)
{
    memset(af, 0, sizeof *af);
    struct stat st;
    int existed = stat(path, &st) == 0;
    if (existed && !S_ISREG(st.st_mode)) {
        errno = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
        return -1;
    }
    char *dir = dir_of(path), *copy = strdup(path);
    af->path = strdup(path);
    size_t n = (dir ? strlen(dir) : 0) + strlen(path) + 16;
    af->tmp = malloc(n);
    if (!dir || !copy || !af->path || !af->tmp) {
        free(dir);
        free(copy);
        release(af);
        errno = ENOMEM;
        return -1;
    }
    /* ".NAME." + six X: hidden, and beside the target so rename() is atomic */
    int k = snprintf(af->tmp, n, "%s/.%s.", dir, basename(copy));
    memset(af->tmp + k, 'X', 6);                   /* mkstemp's template */
    af->tmp[k + 6] = '\0';
    free(dir);
    free(copy);
    int fd = mkstemp(af->tmp);                     /* mode 0600 */
    if (fd < 0) {
        int e = errno;
        release(af);
        errno = e;
        return -1;
    }
    if ((existed && fchmod(fd, st.st_mode & 07777) != 0) ||
        !(af->f = fdopen(fd, "w"))) {
        int e = errno;
        close(fd);
        unlink(af->tmp);
        release(af);
        errno = e;
        return -1;
    }
    return 0;
}

void af_abort(atomic_file *af)
{
    int e = errno;
    if (af->f)
        fclose(af->f);
    if (af->tmp)
        unlink(af->tmp);
    release(af);
    errno = e;
}

int af_commit(atomic_file *af)
{
    int e = 0;
    if (ferror(af->f))
        e = EIO;
    if (fflush(af->f) != 0 || fsync(fileno(af->f)) != 0)
        e = e ? e : errno;
    if (fclose(af->f) != 0)
        e = e ? e : errno;
    af->f = NULL;
    if (!e && rename(af->tmp, af->path) != 0)
        e = errno;
    if (e) {
        unlink(af->tmp);
        release(af);
        errno = e;
        return -1;
    }
    /* make the rename itself durable */
    char *dir = dir_of(af->path);
    if (dir) {
        int dfd = open(dir, O_RDONLY | O_DIRECTORY);
        if (dfd >= 0) {
            fsync(dfd);
            close(dfd);
        }
        free(dir);
    }
    release(af);
    return 0;
}

int af_make_parent_dirs(const char *path)
{
    char *copy = strdup(path);
    if (!copy)
        return -1;
    for (char *p = copy + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(copy, 0700) != 0) {
            int e = errno;
            struct stat sb;
            if (e != EEXIST || stat(copy, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
                free(copy);
                errno = e == EEXIST ? ENOTDIR : e;   /* a file in the way */
                return -1;
            }
        }
        *p = '/';
    }
    free(copy);
    return 0;
}
