"""The network audit that notebook kernels run under: loopback passes, anything else is refused."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

AUDIT_DIR = Path(__file__).parent / "netaudit"

PROBE = textwrap.dedent(
    """
    import socket
    server = socket.socket(); server.bind(("127.0.0.1", 0)); server.listen(1)
    client = socket.create_connection(server.getsockname(), timeout=2)  # loopback: allowed
    client.close(); server.close()
    print("loopback ok")
    for target in [("192.0.2.1", 80), ("2001:db8::1", 443)]:  # documentation-only addresses
        family = socket.AF_INET6 if ":" in target[0] else socket.AF_INET
        try:
            socket.socket(family).connect(target)
        except OSError as error:
            print("refused:", type(error).__name__)
    try:
        socket.getaddrinfo("huggingface.co", 443)
    except OSError as error:
        print("lookup refused:", type(error).__name__)
    """
)


def run_probe(tmp_path, audit: bool):
    log = tmp_path / "netaudit.log"
    env = {**os.environ, "PYTHONPATH": str(AUDIT_DIR)}
    env.pop("OSAI_NETAUDIT_LOG", None)
    if audit:
        env["OSAI_NETAUDIT_LOG"] = str(log)
    result = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=60
    )
    return result, log


def test_audit_refuses_and_logs_everything_but_loopback(tmp_path):
    result, log = run_probe(tmp_path, audit=True)
    assert result.returncode == 0, result.stderr
    assert "loopback ok" in result.stdout
    lines_out = result.stdout.splitlines()
    assert lines_out.count("refused: NetworkAccessDenied") == 2
    assert "lookup refused: NetworkAccessDenied" in lines_out
    lines = log.read_text().splitlines()
    assert len(lines) == 3
    assert "192.0.2.1" in lines[0] and "2001:db8::1" in lines[1] and "huggingface.co" in lines[2]
    assert not any("127.0.0.1" in line for line in lines)


def test_audit_is_inert_without_a_log_file(tmp_path):
    result, log = run_probe(tmp_path, audit=False)
    assert "NetworkAccessDenied" not in result.stdout
    assert not log.exists()
