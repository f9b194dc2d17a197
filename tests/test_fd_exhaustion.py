"""Out of file descriptors: the accept loops pause instead of spinning on the level-triggered listening socket,
and the port serves again once connections close. The gateway runs with `ulimit -n 64` (soft = hard, so the
start-up raise to the hard limit changes nothing) and 120 idle connections to its admin port."""
import os
import socket
import subprocess
import time
import urllib.request

from harness import free_port, gateway_binary, wait_for_http


def cpu_ticks(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def test_accept_pauses_when_descriptors_run_out(tmp_path):
    admin = free_port()
    cmd = f"ulimit -n 64 || exit 9; exec {gateway_binary()} --grpc-listen 127.0.0.1:0 --admin-listen 127.0.0.1:{admin} --threads 2"
    log = open(tmp_path / "gateway.log", "w")
    gw = subprocess.Popen(["bash", "-c", cmd], stderr=log)
    socks = []
    try:
        wait_for_http(f"http://127.0.0.1:{admin}/healthz")
        socks = [socket.create_connection(("127.0.0.1", admin)) for _ in range(120)]  # beyond 64: EMFILE
        time.sleep(0.5)
        before = cpu_ticks(gw.pid)
        time.sleep(2)
        used = (cpu_ticks(gw.pid) - before) / os.sysconf("SC_CLK_TCK")
        assert used < 0.5, f"{used:.2f} s of CPU in 2 s with descriptors exhausted: the accept loop spins"
        for s in socks:
            s.close()
        socks = []
        time.sleep(0.3)
        with urllib.request.urlopen(f"http://127.0.0.1:{admin}/healthz", timeout=5) as r:
            assert r.status == 200
    finally:
        for s in socks:
            s.close()
        gw.terminate()
        gw.wait(timeout=15)
        log.close()
    text = (tmp_path / "gateway.log").read_text()
    assert "accept failing: pausing accepts" in text and "Too many open files" in text
