"""bench/memory.py finds a process tree's members (children and grandchildren) from the
threads' /proc children files, and the same members as a scan of all of /proc."""

import os
import subprocess
import sys
import time

from bench import memory


def test_tree_has_children_and_grandchildren():
    # a child that starts a grandchild from a thread other than its main one
    code = ("import subprocess, threading, time\n"
            "threading.Thread(target=lambda: subprocess.Popen(['sleep', '30'])).start()\n"
            "time.sleep(30)\n")
    child = subprocess.Popen([sys.executable, "-c", code])
    other = subprocess.Popen(["sleep", "30"])
    grandchildren: list[int] = []
    try:
        deadline = time.time() + 20
        while time.time() < deadline and not memory._scan_children(child.pid):
            time.sleep(0.05)
        grandchildren = memory._scan_children(child.pid)
        assert len(grandchildren) == 1
        pids = memory.tree_pids(os.getpid())
        assert {os.getpid(), child.pid, other.pid, grandchildren[0]} <= set(pids)
        assert sorted(memory._children(os.getpid())) == sorted(memory._scan_children(os.getpid()))
        own = int(open(f"/proc/{os.getpid()}/statm").read().split()[1]) * memory.PAGE
        assert memory.tree_rss_bytes(os.getpid()) > own
        assert memory.tree_rss_bytes(os.getpid(), include_children=False) >= own * 0.5
    finally:
        for p in (child, other):
            p.kill()
            p.wait()
        for g in grandchildren:
            try:
                os.kill(g, 9)
            except OSError:
                pass
