#!/usr/bin/env python3
"""tui_session.py - a driven interface session measured through a pseudo-terminal.

usage: tui_session.py IMTREVIEW DB [COLS ROWS] > result.tsv

Starts IMTREVIEW --db DB on a pty of COLSxROWS (default 132x43) with
TERM=xterm-256color and LANG=C.UTF-8, feeds everything it writes to a
terminal emulator (pyte, package python3-pyte) and sends one key at a
time, each once the program has been quiet for QUIET seconds.  For each
step it records
  settle_ms  from the key to the last byte of the answer (the output
             then stays quiet for QUIET seconds): the time to settle;
  first_ms   from the key to the first byte of the answer (for the
             statistics view: to its first numbers);
  bytes      what the program wrote for it;
  cells      screen cells that differ before and after (character or
             attributes), so bytes/cells says how much was sent per
             changed cell;
and for the statistics view also the time until the screen first shows
numbers (first_ms: the at-risk table).  The session pages to the end and
back, sorts, filters, searches and opens the statistics view, so the peak
resident memory (VmHWM of the process from /proc) covers all of it.

Output: tab-separated lines "step<TAB>settle_ms<TAB>bytes<TAB>cells<TAB>first_ms"
and a last line "peak_rss_kb<TAB>N".  Exit status 2 when it cannot run
(no pyte), 1 when the program did not start or died."""
import fcntl, os, pty, re, select, signal, struct, sys, termios, time

first_byte = None     # time of the first byte of the last read_for

try:
    import pyte
except ImportError:
    sys.stderr.write("tui_session.py: python3-pyte is not installed\n")
    sys.exit(2)

QUIET = float(os.environ.get("QUIET", "0.3"))
TIMEOUT = float(os.environ.get("STEP_TIMEOUT", "60"))

def main():
    if len(sys.argv) < 3:
        sys.stderr.write(__doc__)
        sys.exit(2)
    prog, db = sys.argv[1], sys.argv[2]
    cols = int(sys.argv[3]) if len(sys.argv) > 3 else 132
    rows = int(sys.argv[4]) if len(sys.argv) > 4 else 43
    home = os.environ.get("SESSION_HOME") or "/tmp"
    env = {"HOME": home, "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
           "LANG": "C.UTF-8", "TERM": "xterm-256color",
           "XDG_CONFIG_HOME": home + "/config", "XDG_STATE_HOME": home + "/state",
           "XDG_DATA_HOME": home + "/data"}
    pid, fd = pty.fork()
    if pid == 0:
        fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        os.execve(prog, [prog, "--db", db], env)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    screen = pyte.Screen(cols, rows)
    stream = pyte.ByteStream(screen)

    def read_for(limit, until=None, stop=False):
        """Read until quiet for QUIET s (or until(text) holds, then go on
        to quiet, or stop there with stop); returns (bytes, time of last
        byte, time until held, ended)."""
        n, last, held = 0, None, None
        global first_byte
        first_byte = None
        t_end = time.monotonic() + limit
        while True:
            now = time.monotonic()
            wait = QUIET if last is not None else max(0.0, t_end - now)
            if last is not None and now - last >= QUIET:
                break
            if now > t_end:
                break
            r, _, _ = select.select([fd], [], [], min(wait, 0.05))
            if r:
                try:
                    data = os.read(fd, 65536)
                except OSError:
                    return n, last, held, True
                if not data:
                    return n, last, held, True
                n += len(data)
                last = time.monotonic()
                if first_byte is None:
                    first_byte = last
                stream.feed(data)
                if until and held is None and until(display()):
                    held = last
                    if stop:
                        break
            elif last is None and until is None and now > t_end:
                break
        return n, last, held, False

    def display():
        return "\n".join(screen.display)

    def snapshot():
        return [[(c.data, c.fg, c.bg, c.bold, c.reverse, c.underscore)
                 for c in (screen.buffer[y][x] for x in range(cols))] for y in range(rows)]

    def changed(a, b):
        return sum(1 for y in range(rows) for x in range(cols) if a[y][x] != b[y][x])

    def rss():
        try:
            with open("/proc/%d/status" % pid) as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        return int(line.split()[1])
        except OSError:
            pass
        return 0

    out = []
    status = re.compile(r"\d+ of \d+ cases")
    t0 = time.monotonic()
    n, last, held, dead = read_for(TIMEOUT, lambda s: bool(status.search(s)))
    if held is None:
        sys.stderr.write("tui_session.py: the program did not show its first screen\n")
        sys.exit(1)
    out.append(("startup", (held - t0) * 1000, n, rows * cols, ""))

    def step(name, keys, until=None, hold_first=None):
        """Send keys; the figure is the time to settle, or with until the
        time until the screen shows until's condition."""
        before = snapshot()
        t = time.monotonic()
        os.write(fd, keys)
        n, last, held, dead = read_for(TIMEOUT, until or hold_first)
        if dead:
            sys.stderr.write("tui_session.py: the program ended at %s\n" % name)
            sys.exit(1)
        if until:
            if held is None:
                sys.stderr.write("tui_session.py: %s: the screen never showed the change\n" % name)
                sys.exit(1)
            settle = (held - t) * 1000
        else:
            settle = (last - t) * 1000 if last else 0.0
        if hold_first:
            first = "%.1f" % ((held - t) * 1000) if held else ""
        else:   # the first byte of the answer: the key was taken
            first = "%.1f" % ((first_byte - t) * 1000) if first_byte else ""
        out.append((name, settle, n, changed(before, snapshot()), first))

    step("cursor_down", b"j")
    step("cursor_down_2", b"j")
    step("cursor_up", b"k")
    step("page_down", b"\x1b[6~")
    step("end", b"G")
    step("home", b"g")
    step("sort_next", b">")
    step("sort_back", b"<")
    step("filter_site", b"s")
    step("filter_alk", b"a")
    step("filter_outcome", b"o")
    step("filter_clear", b"c")
    # search: open the field and type, then time Enter alone
    os.write(fd, b"/")
    read_for(TIMEOUT)
    os.write(fd, b"lobe")
    read_for(TIMEOUT)
    step("search_hit", b"\r")
    step("search_clear", b"c")
    os.write(fd, b"/")
    read_for(TIMEOUT)
    os.write(fd, b"zqxjvnomatch")
    read_for(TIMEOUT)
    step("search_none", b"\r")
    step("search_clear_2", b"c")
    atrisk = re.compile(r"At risk\s*\n.*\d", re.S)
    step("stats_open", b"v", hold_first=lambda s: bool(atrisk.search(s)))
    step("stats_close", b"v")
    # While the view reads the cases: a key (g: group by site) is answered
    # (the figure: until the title says so), and Esc gives up and brings
    # the list back (until the list is on the screen again).
    os.write(fd, b"v")
    read_for(5, lambda s: "computing the statistics" in s or "Kaplan-Meier" in s, stop=True)
    step("stats_key", b"g", until=lambda s: "OS by site" in s)
    step("stats_esc", b"\x1b",
         until=lambda s: bool(status.search(s)) and "Kaplan-Meier" not in s)
    peak = rss()
    os.write(fd, b"q")
    read_for(5)
    try:
        os.waitpid(pid, 0)
    except OSError:
        pass
    for name, settle, n, cells, first in out:
        print("%s\t%.1f\t%d\t%d\t%s" % (name, settle, n, cells, first))
    print("peak_rss_kb\t%d" % peak)

main()
