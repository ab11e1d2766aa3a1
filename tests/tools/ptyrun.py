#!/usr/bin/env python3
"""ptyrun.py OUTFILE CMD ARGS... - run CMD with standard output and error
on a pseudo-terminal (a real terminal as far as isatty() can tell) and
write every byte it sent there to OUTFILE.  Exits with CMD's status."""
import os, pty, sys

def main():
    out = sys.argv[1]
    argv = sys.argv[2:]
    pid, fd = pty.fork()
    if pid == 0:
        # stdin stays the pty too; no echo of anything typed: nothing is
        os.execvp(argv[0], argv)
    data = b""
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        data += chunk
    _, status = os.waitpid(pid, 0)
    with open(out, "wb") as f:
        f.write(data)
    sys.exit(os.waitstatus_to_exitcode(status))

main()
