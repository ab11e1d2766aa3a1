/* io/xdg.h - where imtreview keeps a user's files, by the XDG Base
 * Directory specification, in one place for every module (settings,
 * themes, the remembered place, the default database, the follow-up
 * schedule):
 *
 *   XDG_CONFIG_HOME  settings, own themes   default ~/.config
 *   XDG_STATE_HOME   the place per database default ~/.local/state
 *   XDG_DATA_HOME    the default database   default ~/.local/share
 *
 * As the specification says, a variable that is unset, empty or not an
 * absolute path is ignored and the default is used.  HOME comes from the
 * environment, else from the password database. */
#ifndef IMT_IO_XDG_H
#define IMT_IO_XDG_H

#include <stddef.h>

typedef enum { XDG_CONFIG, XDG_STATE, XDG_DATA } xdg_kind;

/* "<base>/imtreview/<rel>" into buf.  0, or -1 when there is no home
 * directory or buf is too small. */
int xdg_path(xdg_kind kind, const char *rel, char *buf, size_t n);

#endif
