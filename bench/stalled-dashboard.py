"""A dashboard that subscribes to the tick stream and then never reads: the server must drop its
oldest ticks for it, not buffer them. Usage: stalled-dashboard.py HOST PORT SECONDS"""
import base64
import os
import socket
import sys
import time

host, port, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])


def frame(text):
    payload = text.encode()
    mask = os.urandom(4)
    n = len(payload)
    header = bytes([0x81]) + (bytes([0x80 | n]) if n < 126 else bytes([0x80 | 126]) + n.to_bytes(2, "big"))
    return header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


sock = socket.create_connection((host, port))
sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
key = base64.b64encode(os.urandom(16)).decode()
sock.sendall((f"GET /hubs/telemetry HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
              f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
response = b""
while b"\r\n\r\n" not in response:
    response += sock.recv(1)
if b" 101 " not in response.split(b"\r\n", 1)[0]:
    sys.exit(f"no WebSocket upgrade: {response[:80]!r}")
sock.sendall(frame('{"protocol":"json","version":1}\x1e'))
sock.sendall(frame('{"type":4,"invocationId":"stalled","target":"Ticks","arguments":[]}\x1e'))
time.sleep(seconds)
