"""Network audit for notebook kernels: any connection to a non-loopback address fails the run.

`make test` puts this folder on the kernels' PYTHONPATH, so Python imports it at start-up in
every kernel (and in every Python subprocess a notebook starts). An audit hook sees each
``socket.connect`` and each host-name lookup; one that leaves the machine is written to the file
named by ``OSAI_NETAUDIT_LOG`` and refused with an exception. tests/test_network_audit.py fails if
that file has a line in it, even when a library swallowed the exception.
"""

import ipaddress
import os
import sys

_LOG = os.environ.get("OSAI_NETAUDIT_LOG")
_LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", ""}


class NetworkAccessDenied(OSError):
    """Raised instead of opening a connection that would leave this machine."""


def _is_loopback(host) -> bool:
    if isinstance(host, bytes):
        host = host.decode(errors="replace")
    host = str(host).strip("[]").split("%")[0].lower()
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name other than localhost: resolving it already asks the network


def _record(what: str) -> None:
    if _LOG:
        with open(_LOG, "a", encoding="utf-8") as log:
            log.write(f"pid {os.getpid()}: {what} ({' '.join(sys.argv)[:200]})\n")


def _audit(event: str, args) -> None:
    if event == "socket.connect":
        address = args[1]
        if isinstance(address, tuple) and address and not _is_loopback(address[0]):
            _record(f"socket.connect to {address!r}")
            raise NetworkAccessDenied(f"network audit: connection to {address!r} refused")
    elif event == "socket.getaddrinfo":
        host = args[0]
        if host is not None and not _is_loopback(host):
            _record(f"getaddrinfo({host!r})")
            raise NetworkAccessDenied(f"network audit: name lookup of {host!r} refused")


if _LOG:
    sys.addaudithook(_audit)
