#!/bin/sh
# Install the Debian packages named as arguments that are not installed yet.
# Used by `make deps` (and so by `make run` and `make check`).
missing=""
for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
        missing="$missing $p"
done
if [ "$(id -u)" = 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
else
    SUDO="none"
fi
if [ -n "$missing" ]; then
    echo "deps: installing missing Debian packages:$missing"
    if [ "$SUDO" = none ]; then
        echo "deps: not root and no sudo: please install:$missing" >&2
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq || exit 1
    # shellcheck disable=SC2086
    $SUDO apt-get install -y -qq --no-install-recommends $missing || exit 1
fi
# The tests check that numbers are read and written with '.' under a
# German locale (LC_ALL=de_DE.UTF-8), so that locale must exist.
if ! locale -a 2>/dev/null | grep -qi '^de_DE\.utf-\?8$'; then
    echo "deps: generating the de_DE.UTF-8 locale (used by the tests)"
    if [ "$SUDO" = none ]; then
        echo "deps: not root and no sudo: please run: localedef -i de_DE -f UTF-8 de_DE.UTF-8" >&2
        exit 1
    fi
    $SUDO localedef -i de_DE -f UTF-8 de_DE.UTF-8 || exit 1
fi
exit 0
