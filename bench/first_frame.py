#!/usr/bin/env python3
"""Time from starting a TUI command in a pseudo-terminal (80x24) to its first frame.

    python3 bench/first_frame.py MARKER COMMAND [ARG...]

The clock starts just before the fork and stops when the terminal output first contains
MARKER (text of the first frame, e.g. the list's column header "IDP HOST"). Then `q` is sent.
Prints `first_frame_ms=...`. Runs the command five times and reports each and the median.
"""

import fcntl
import os
import pty
import select
import signal
import statistics
import struct
import sys
import termios
import time


def once(marker, argv):
    started = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(argv[0], argv)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    seen = b""
    elapsed = None
    deadline = started + 10
    while time.perf_counter() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.05)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        seen += chunk
        if marker in seen:
            elapsed = time.perf_counter() - started
            break
    os.write(fd, b"q")
    deadline = time.perf_counter() + 5
    while time.perf_counter() < deadline:
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        try:
            if select.select([fd], [], [], 0.05)[0]:
                os.read(fd, 65536)
        except OSError:
            pass
    else:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    os.close(fd)
    if elapsed is None:
        sys.exit(f"no {marker!r} within 10 s; output began {seen[:200]!r}")
    return elapsed * 1e3


def main():
    marker = sys.argv[1].encode()
    argv = sys.argv[2:]
    times = [once(marker, argv) for _ in range(5)]
    print("runs_ms=" + ",".join(f"{t:.1f}" for t in times))
    print(f"first_frame_ms={statistics.median(times):.1f}")


if __name__ == "__main__":
    main()
