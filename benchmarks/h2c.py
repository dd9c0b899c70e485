"""What answering h2c offers costs: uvicorn's httptools protocol, jakgraph's ``UpgradeIgnoringProtocol`` and h11.

Each protocol serves ``constant_app`` (so only HTTP, uvicorn and FastAPI are measured) in its own process;
``loadgen`` sends plain keep-alive GETs, then SPARQL POSTs carrying Java's ``Upgrade: h2c`` offer.
Run: ``PYTHONPATH=src .venv/bin/python benchmarks/h2c.py [--requests N] [--concurrency C] [--rounds R]``
(the best of R runs per cell). The h2c POSTs show throughput only: the constant app never reads the body,
so uvicorn's httptools protocol, which drops it, still counts 200s there.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from loadgen import Target, encode_get, run_load  # noqa: E402

PROTOCOLS = {
    "httptools (uvicorn's)": "'httptools'",
    "UpgradeIgnoringProtocol": "__import__('jakgraph.web.server', fromlist=['x']).UpgradeIgnoringProtocol",
    "h11 (uvicorn's)": "'h11'",
}
QUERY = b"SELECT (1 AS ?x) {}"


def h2c_post(target: Target) -> bytes:
    return (f"POST {target.path} HTTP/1.1\r\nHost: {target.host}:{target.port}\r\n"
            "Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAEAAEAAAAIAAAAAAAMAAABkAAQBAAAAAAUAAEAA\r\n"
            f"Content-Type: application/sparql-query\r\nContent-Length: {len(QUERY)}\r\n\r\n").encode() + QUERY


def serve(protocol: str, port: int) -> subprocess.Popen:
    code = (f"import uvicorn; uvicorn.run('constant_app:app', host='127.0.0.1', port={port}, "
            f"log_level='error', access_log=False, http={protocol})")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(__file__).parent), os.environ.get("PYTHONPATH", "")])}
    process = subprocess.Popen([sys.executable, "-c", code], env=env)
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return process
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError(f"{protocol} did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3, help="runs per cell; the best is reported (shared CPUs)")
    args = parser.parse_args()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    target = Target("127.0.0.1", port, "/sparql")
    print(f"{'protocol':26} {'GET req/s':>10} {'h2c POST req/s':>15}  h2c statuses")
    for name, protocol in PROTOCOLS.items():
        process = serve(protocol, port)
        try:
            rates = []
            for request in (encode_get(target, {"query": QUERY.decode()}, "application/sparql-results+json"),
                            h2c_post(target)):
                asyncio.run(run_load(target, [request], concurrency=args.concurrency, total=500))  # warm-up
                best = None
                for _ in range(args.rounds):
                    result = asyncio.run(run_load(target, [request], concurrency=args.concurrency, total=args.requests))
                    rate = len(result.latencies) / result.elapsed
                    if best is None or rate > best[0]:
                        best = (rate, result.statuses, result.errors)
                rates.append(best)
            (get_rate, _, _), (post_rate, statuses, errors) = rates
            print(f"{name:26} {get_rate:10.0f} {post_rate:15.0f}  {statuses} errors={errors}")
        finally:
            process.terminate()
            process.wait(10)


if __name__ == "__main__":
    main()
