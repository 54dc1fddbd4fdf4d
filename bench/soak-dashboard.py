"""A dashboard for bench/soak.sh: subscribes to the tick stream over SignalR's JSON protocol (WebSocket, no
negotiate) and either reads it (live) or never reads it (stalled). Both send a SignalR ping every 10 s, so
the server keeps them as long as it runs: the stalled one is a client that is there but cannot keep up,
and the server must drop its ticks rather than buffer them.
Every 10 s it appends "<unix time> <ticks read> <tcp state> <bytes waiting unread>" to STATUS.
Usage: soak-dashboard.py live|stalled HOST PORT SECONDS STATUS"""
import base64
import os
import socket
import struct
import sys
import time

mode, host, port, seconds, status_path = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
RS = "\x1e"
TCP_STATES = {1: "established", 7: "closed", 8: "close-wait", 4: "fin-wait-1", 5: "fin-wait-2", 6: "time-wait", 9: "last-ack"}


def frame(text):
    payload = text.encode()
    mask = os.urandom(4)
    n = len(payload)
    header = bytes([0x81]) + (bytes([0x80 | n]) if n < 126 else bytes([0x80 | 126]) + n.to_bytes(2, "big"))
    return header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def tcp_state(sock):
    try:
        return TCP_STATES.get(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 8)[0], "other")
    except OSError:
        return "closed"


def unread(sock):
    import fcntl
    import termios
    try:
        return struct.unpack("i", fcntl.ioctl(sock.fileno(), termios.FIONREAD, b"\0\0\0\0"))[0]
    except OSError:
        return 0


sock = socket.create_connection((host, port))
if mode == "stalled":
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
key = base64.b64encode(os.urandom(16)).decode()
sock.sendall((f"GET /hubs/telemetry HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
              f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
response = b""
while b"\r\n\r\n" not in response:
    chunk = sock.recv(1)
    if not chunk:
        sys.exit("the server closed the connection during the WebSocket upgrade")
    response += chunk
if b" 101 " not in response.split(b"\r\n", 1)[0]:
    sys.exit(f"no WebSocket upgrade: {response[:80]!r}")
sock.sendall(frame('{"protocol":"json","version":1}' + RS))
sock.sendall(frame('{"type":4,"invocationId":"soak","target":"Ticks","arguments":[]}' + RS))

ticks = 0
buffer = b""
text = ""
end = time.monotonic() + seconds
next_ping = next_status = time.monotonic()
closed = False
status = open(status_path, "a", buffering=1)
while time.monotonic() < end:
    now = time.monotonic()
    if now >= next_ping and not closed:
        try:
            sock.sendall(frame('{"type":6}' + RS))
        except OSError:
            closed = True
        next_ping = now + 10
    if now >= next_status:
        status.write(f"{time.time():.0f} {ticks} {'closed' if closed else tcp_state(sock)} {unread(sock)}\n")
        next_status = now + 10
    if mode == "stalled" or closed:
        time.sleep(max(0.0, min(next_ping, next_status, end) - time.monotonic()))
        continue
    sock.settimeout(max(0.05, min(next_ping, next_status, end) - time.monotonic()))
    try:
        data = sock.recv(65536)
    except socket.timeout:
        continue
    except OSError:
        closed = True
        continue
    if not data:
        closed = True
        continue
    buffer += data
    while len(buffer) >= 2:   # server frames are unmasked
        opcode, n, at = buffer[0] & 0x0F, buffer[1] & 0x7F, 2
        if n == 126:
            if len(buffer) < 4:
                break
            n, at = int.from_bytes(buffer[2:4], "big"), 4
        elif n == 127:
            if len(buffer) < 10:
                break
            n, at = int.from_bytes(buffer[2:10], "big"), 10
        if len(buffer) < at + n:
            break
        payload, buffer = buffer[at:at + n], buffer[at + n:]
        if opcode == 8:
            closed = True
            break
        if opcode in (0, 1):
            text += payload.decode("utf-8", "replace")
            *messages, text = text.split(RS)
            ticks += sum(1 for m in messages if m.startswith('{"type":2'))
status.write(f"{time.time():.0f} {ticks} {'closed' if closed else tcp_state(sock)} {unread(sock)}\n")
