#!/usr/bin/env python3
"""The switch between one party of the local network and the others, which a test flips to cut
the party off (a network partition) and to heal it.

scripts/local-network.sh runs an isolated party's node in a network namespace of its own, where
127.0.0.1 is that namespace's loopback and nothing else is reachable. This switch joins it to the
others, all on 127.0.0.1 and on the same port numbers, so no address changes:

  --into PORT       the party's own port (RPC, REST, Prometheus), reached from the host's
                    loopback: always forwarded, so that the test can watch the party throughout;
  --link-into PORT  the party's own port that other parties dial (p2p, data channel): cut by a
                    partition;
  --link-out PORT   another party's port that this party dials: cut by a partition;
  --out PORT        a host service the party uses (its PostgreSQL server): always forwarded.

SIGUSR1 cuts: every link connection is closed at once and new ones are closed as they come, so
neither side reaches the other. SIGUSR2 heals. SIGTERM stops the switch. Traffic stays on the
loopback of the host and of the namespace the network script made; nothing goes anywhere else.

Python's own os.setns needs 3.12; this calls libc's setns(2) so that Debian 12's 3.11 does.
"""

import argparse
import asyncio
import ctypes
import os
import signal
import socket
import sys

CLONE_NEWNET = 0x40000000
LOOPBACK = "127.0.0.1"
libc = ctypes.CDLL(None, use_errno=True)


def enter(ns_fd):
    """Moves this thread into the network namespace open at `ns_fd`."""
    if libc.setns(ns_fd, CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"setns: {os.strerror(err)}")


class Switch:
    def __init__(self, netns):
        self.host = os.open("/proc/self/ns/net", os.O_RDONLY)
        self.party = os.open(f"/run/netns/{netns}", os.O_RDONLY)
        self.cut = False
        self.links = set()

    def socket_in(self, ns_fd):
        """A TCP socket that belongs to namespace `ns_fd` (the namespace a socket is made in is
        the one it lives in, whatever the thread does afterwards)."""
        enter(ns_fd)
        try:
            return socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        finally:
            enter(self.host)

    async def listen(self, port, ns_fd, to_fd, link):
        sock = self.socket_in(ns_fd)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((LOOPBACK, port))
        sock.listen(128)
        sock.setblocking(False)

        async def on_connection(reader, writer):
            await self.relay(reader, writer, port, to_fd, link)

        return await asyncio.start_server(on_connection, sock=sock)

    async def relay(self, reader, writer, port, to_fd, link):
        if link and self.cut:
            writer.transport.abort()
            return
        out = self.socket_in(to_fd)
        out.setblocking(False)
        try:
            await asyncio.wait_for(asyncio.get_running_loop().sock_connect(out, (LOOPBACK, port)), 10)
            out_reader, out_writer = await asyncio.open_connection(sock=out)
        except (OSError, asyncio.TimeoutError):
            out.close()
            writer.transport.abort()
            return
        pair = (writer, out_writer)
        if link:
            if self.cut:  # cut while connecting
                writer.transport.abort()
                out_writer.transport.abort()
                return
            self.links.add(pair)
        try:
            await asyncio.gather(pipe(reader, out_writer), pipe(out_reader, writer))
        finally:
            self.links.discard(pair)

    def set_cut(self, cut):
        self.cut = cut
        dropped = 0
        if cut:
            for a, b in list(self.links):
                a.transport.abort()
                b.transport.abort()
                dropped += 1
            self.links.clear()
        print(f"[switch] {'cut' if cut else 'healed'} ({dropped} connection(s) dropped)", flush=True)


async def pipe(reader, writer):
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            writer.write(data)
            await writer.drain()
    except (OSError, ConnectionError, asyncio.CancelledError):
        pass
    finally:
        writer.close()


async def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--netns", required=True)
    parser.add_argument("--into", type=int, action="append", default=[])
    parser.add_argument("--link-into", type=int, action="append", default=[])
    parser.add_argument("--link-out", type=int, action="append", default=[])
    parser.add_argument("--out", type=int, action="append", default=[])
    args = parser.parse_args()
    switch = Switch(args.netns)
    servers = []
    for port in args.into:
        servers.append(await switch.listen(port, switch.host, switch.party, link=False))
    for port in args.link_into:
        servers.append(await switch.listen(port, switch.host, switch.party, link=True))
    for port in args.link_out:
        servers.append(await switch.listen(port, switch.party, switch.host, link=True))
    for port in args.out:
        servers.append(await switch.listen(port, switch.party, switch.host, link=False))
    loop = asyncio.get_running_loop()
    stop = loop.create_future()
    loop.add_signal_handler(signal.SIGUSR1, switch.set_cut, True)
    loop.add_signal_handler(signal.SIGUSR2, switch.set_cut, False)
    loop.add_signal_handler(signal.SIGTERM, lambda: stop.done() or stop.set_result(None))
    print(f"[switch] {args.netns}: {len(servers)} port(s) joined", flush=True)
    await stop
    for server in servers:
        server.close()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
