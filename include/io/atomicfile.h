/* io/atomicfile.h - write a file so that readers see the old one or the whole
 * new one, never half of it: a temporary file in the same directory,
 * flushed to disk, then renamed over the target, then the directory
 * flushed.  Used by every file the program writes (export, the settings
 * file, the interface's exports).
 *
 *     atomic_file af;
 *     if (af_open(&af, path) != 0) ...errno...
 *     fprintf(af.f, ...);
 *     if (af_commit(&af) != 0) ...errno; path is as it was...
 *
 * A new file gets mode 0600; an existing one keeps its mode (a department
 * shares files by group and mode).  On any failure the temporary file is
 * removed and the target is untouched. */
#ifndef IMT_ATOMICFILE_H
#define IMT_ATOMICFILE_H

#include <stdio.h>

typedef struct {
    FILE *f;        /* write here between af_open and af_commit/af_abort */
    char *path;     /* the target                                         */
    char *tmp;      /* the temporary file beside it                       */
} atomic_file;

/* Create the temporary file beside path.  Returns 0, or -1 with errno
 * set (nothing created). */
int af_open(atomic_file *af, const char *path);

/* Flush and sync the data, rename it over the target, sync the directory.
 * Returns 0, or -1 with errno set (target untouched, temporary removed).
 * A write error that happened earlier on af->f also makes it fail.  The
 * struct is released either way. */
int af_commit(atomic_file *af);

/* Give up: close and remove the temporary file (errno is preserved). */
void af_abort(atomic_file *af);

/* mkdir -p of the directories above path (not path itself), mode 0700 for
 * the ones it creates.  Returns 0, or -1 with errno set. */
int af_make_parent_dirs(const char *path);

#endif
