#!/usr/bin/env python3
"""CPU used by an idle TUI: run COMMAND in an 80x24 pseudo-terminal, let it settle (the
first refresh of every domain: until a 5 s window uses under 5 % of a core, at most WARMUP
seconds), then read its utime + stime from /proc/PID/stat at the start and end of SECONDS
seconds, and send `q`.

    python3 bench/idle_cpu.py WARMUP SECONDS COMMAND [ARG...]

Prints `idle_cpu_percent=...` (of one core), and how long the warm-up took and what it used.
"""

import fcntl
import os
import pty
import select
import struct
import sys
import termios
import time

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime


def drain(fd, seconds):
    """Read (and drop) the terminal output for `seconds`, so the TUI never blocks on it."""
    end = time.monotonic() + seconds
    while (left := end - time.monotonic()) > 0:
        if select.select([fd], [], [], min(left, 0.2))[0]:
            try:
                os.read(fd, 65536)
            except OSError:
                return


def main():
    warmup, seconds = float(sys.argv[1]), float(sys.argv[2])
    argv = sys.argv[3:]
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(argv[0], argv)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    started = time.monotonic()
    while True:
        before = cpu_seconds(pid)
        drain(fd, 5)
        if cpu_seconds(pid) - before < 0.25 or time.monotonic() - started > warmup:
            break
    settled = time.monotonic() - started
    warm = cpu_seconds(pid)
    drain(fd, seconds)
    idle = cpu_seconds(pid) - warm
    os.write(fd, b"q")
    drain(fd, 1)
    os.waitpid(pid, 0)
    print(f"warmup_seconds={settled:.0f} warmup_cpu_seconds={warm:.2f}")
    print(f"idle_cpu_seconds={idle:.2f} over {seconds:.0f} s")
    print(f"idle_cpu_percent={100 * idle / seconds:.2f}")


if __name__ == "__main__":
    main()
