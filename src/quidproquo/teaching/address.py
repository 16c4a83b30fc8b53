"""Where a teaching server listens, and the address people open: written once for the dashboard
and the classroom.

- `is_loopback`: whether an address reaches this machine only (then nobody else can connect, and
  no access token is needed);
- `listen`: the listening socket, bound before anything else happens, so that a taken port or an
  address this machine does not have is one line (`ConfigError`), not a server's traceback --
  and, for the classroom, before its session folder is made;
- `link`: the address to print and to put in a QR code. A server on every interface
  (`0.0.0.0`, `::`) is not reachable *at* `0.0.0.0`: the link names this machine's own address on
  its network (the interface a packet to the outside would leave by), or, where the machine has
  none, its host name with a hint of how to find the address.
"""

from __future__ import annotations

import ipaddress
import socket

from quidproquo.config import ConfigError

EVERY_INTERFACE = ("0.0.0.0", "::", "")
FIND_ADDRESS = (
    "find this machine's address with `hostname -I` (Linux), `ipconfig getifaddr en0` (macOS) or `ipconfig` (Windows)"
)


def is_loopback(host: str) -> bool:
    """Whether an address reaches this machine only (127.0.0.0/8, ::1, localhost)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to anything


def listen(host: str, port: int) -> socket.socket:
    """The socket bound to (host, port), ready for a server; one line if it cannot be."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except (OSError, UnicodeError) as err:
        raise ConfigError(
            f"--host {host}: not an address of this machine ({getattr(err, 'strerror', None) or err})"
        ) from None
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
    except OSError as err:
        sock.close()
        why = "the port is taken by another program" if err.errno == 98 else (err.strerror or str(err))
        raise ConfigError(f"--host {host} --port {port}: cannot listen there ({why})") from None
    sock.set_inheritable(True)
    return sock


def own_address() -> str | None:
    """This machine's address on its network, or None when it has none but loopback."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # a UDP "connect" sends nothing: it only picks the outgoing interface
            address = probe.getsockname()[0]
        except OSError:
            return None
    return None if is_loopback(address) or address == "0.0.0.0" else address


def link(host: str, port: int, path: str = "/") -> tuple[str, str | None]:
    """The address other people open, and a hint when it had to be guessed: the host itself, or
    for a server on every interface this machine's own address (its host name, with a hint on
    how to find the address, where it has none)."""
    hint = None
    if host in EVERY_INTERFACE:
        host = own_address()
        if host is None:
            host, hint = socket.gethostname(), f"if that name does not open on other machines, {FIND_ADDRESS}"
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}{path}", hint


def local(host: str) -> str:
    """The address to reach the server from this machine itself."""
    return "127.0.0.1" if host in EVERY_INTERFACE else host
