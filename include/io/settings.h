/* io/settings.h - the persistent settings file of the interface.
 *
 * $XDG_CONFIG_HOME/imtreview/settings (~/.config/imtreview/settings when
 * XDG_CONFIG_HOME is unset or empty): `key = value` lines, '#' comments.
 * A generic small map: keys the program does not know are kept and
 * written back.  Saved atomically (temp file in the same directory,
 * fsync, rename); the directory is created with mode 0700.
 * Keys read today: theme (the interface; T writes it) and mitoses_cutoff
 * (the rules' RISK-PATHOLOGY cut-off, read by the interface, `recommend`
 * and `rules`). */
#ifndef IMT_SETTINGS_H
#define IMT_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>

#define SETTINGS_MAX 64
#define SETTINGS_KEYLEN 64
#define SETTINGS_VALLEN 256

typedef struct {
    char key[SETTINGS_KEYLEN];
    char val[SETTINGS_VALLEN];
} settings_entry;

typedef struct {
    char           path[4096];
    settings_entry e[SETTINGS_MAX];
    int            n;
    char           warning[320];  /* first bad line "path:N: ...", or ""  */
    int            nwarnings;
} settings;

/* Default path into buf; returns 0, or -1 when no HOME/XDG is known. */
int settings_default_path(char *buf, size_t n);

/* Load path (NULL = default).  A missing file is not an error (empty
 * map).  Bad lines are skipped and counted in nwarnings / warning.
 * Returns 0, or -1 when the file exists but cannot be read (message in
 * warning). */
int settings_load(settings *s, const char *path);

/* Parse text (pure; for tests).  fname names the source in warnings. */
void settings_parse(settings *s, const char *text, const char *fname);

const char *settings_get(const settings *s, const char *key); /* or NULL */
/* Set (or add) key; keys are [A-Za-z0-9_.-]+, values one line without
 * control characters.  Returns 0, -1 on a bad key/value or a full map. */
int settings_set(settings *s, const char *key, const char *val);

/* Write atomically to s->path.  Returns 0, or -1 with errno set and a
 * message in err; the old file is then untouched and no temp file is
 * left behind. */
int settings_save(const settings *s, char *err, size_t errn);

#endif
