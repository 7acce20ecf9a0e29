"""Opens N WebSockets to a causerie page's /_ws (the handshake, then reads
the catch-up), holds them a moment, closes them all. For bench/memory.sh.

    python3 bench/sockets.py 127.0.0.1 61480 /topics/1 10000
"""
import asyncio
import sys
import urllib.parse

HOST, PORT, VIEW, COUNT = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
REQUEST = (
    f"GET /_ws?view={urllib.parse.quote(VIEW, safe='')} HTTP/1.1\r\n"
    f"Host: {HOST}:{PORT}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
).encode()


async def one(limit):
    async with limit:
        reader, writer = await asyncio.open_connection(HOST, PORT)
        writer.write(REQUEST)
        head = await reader.readuntil(b"\r\n\r\n")
        if not head.startswith(b"HTTP/1.1 101"):
            raise RuntimeError(head[:40])
        await reader.read(65536)  # the catch-up
        return writer


async def main():
    limit = asyncio.Semaphore(200)
    writers = await asyncio.gather(*(one(limit) for _ in range(COUNT)))
    print(f"{len(writers)} sockets open", flush=True)
    await asyncio.sleep(2)
    for w in writers:
        w.close()
    await asyncio.sleep(1)


asyncio.run(main())
