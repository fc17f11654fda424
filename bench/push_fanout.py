"""Push fan-out: our delivery module against one pywebpush call per message.

Both sides send the same generic payload, with TTL, Urgency and Topic, to the
same loopback push service (tests/push/pushservice.py), which runs in its own
process, checks every VAPID header and, unless --no-verify, decrypts every
message with the device's private key. Rounds alternate between the two so
that machine noise hits both; the figures are medians of the rounds.

    .venv/bin/python bench/push_fanout.py                 # 1 and 2 sender processes
    .venv/bin/python bench/push_fanout.py --workers 1     # one push worker only

Budget (SPEC section 10): ours at least 5 x the pywebpush loop, same run.
"""

import argparse
import json
import multiprocessing
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SUBJECT = "mailto:bench@example.org"
PAYLOAD = {
    "title": "Between",
    "body": "A reflection prompt is waiting",
    "url": "/#/today",
    "tag": "prompt_reminder",
}
TTL = 12 * 3600
HEADERS = {"Urgency": "normal", "Topic": "bench-topic"}


def serve(connection, devices: int, verify: bool) -> None:
    """The push service process: hands out devices, then reports what it received."""
    from tests.push.pushservice import LoopbackPushService

    with LoopbackPushService(verify=verify) as service:
        made = [service.new_device() for _ in range(devices)]
        connection.send([device.subscription_json() for device in made])
        while connection.recv() == "stats":
            connection.send((len(service.deliveries), len(service.refusals), service.requests))


def messages(subscriptions: list[dict], count: int, offset: int = 0):
    from server.push.delivery import Message, encode_payload

    payload = encode_payload(PAYLOAD)
    return [
        Message(
            key=i,
            endpoint=s["endpoint"],
            p256dh=s["keys"]["p256dh"],
            auth=s["keys"]["auth"],
            payload=payload,
            ttl=TTL,
            urgency=HEADERS["Urgency"],
            topic=HEADERS["Topic"],
        )
        for i in range(offset, offset + count)
        for s in [subscriptions[i % len(subscriptions)]]
    ]


def send_share(key, subscriptions, count, offset, concurrency, start, results) -> None:
    """One worker process: its own sender (pool, VAPID cache), its share of the messages."""
    from server.push.delivery import PushSender
    from server.push.egress import LOOPBACK

    batch = messages(subscriptions, count, offset)
    with PushSender(key, SUBJECT, concurrency=concurrency, policy=LOOPBACK) as sender:
        sender.send(batch[:20])  # warm: connections open, VAPID header signed
        start.wait()
        cpu = time.process_time()
        outcomes = sender.send(batch)
        cpu = time.process_time() - cpu
    results.put((sum(o.accepted for o in outcomes), cpu))


def ours(key, subscriptions, count, concurrency, workers, context):
    """(messages per second through `workers` sender processes, accepted, CPU s per message)."""
    start = context.Barrier(workers + 1)
    results = context.Queue()
    share = count // workers
    processes = [
        context.Process(
            target=send_share,
            args=(key, subscriptions, share, n * share, concurrency, start, results),
        )
        for n in range(workers)
    ]
    for process in processes:
        process.start()
    start.wait()
    began = time.perf_counter()
    reports = [results.get(timeout=600) for _ in processes]
    elapsed = time.perf_counter() - began
    for process in processes:
        process.join(timeout=60)
    sent = share * workers
    return sent / elapsed, sum(r[0] for r in reports), sum(r[1] for r in reports) / sent


def baseline(key, subscriptions, count):
    """One `pywebpush.webpush()` call per message, in a loop: the common way."""
    import pywebpush

    data = json.dumps(PAYLOAD, separators=(",", ":"))
    accepted = 0
    cpu = time.process_time()
    began = time.perf_counter()
    for i in range(count):
        response = pywebpush.webpush(
            subscriptions[i % len(subscriptions)],
            data=data,
            vapid_private_key=key,
            vapid_claims={"sub": SUBJECT},
            ttl=TTL,
            headers=dict(HEADERS),
            timeout=10,
        )
        accepted += response.status_code in (200, 201, 202)
    elapsed = time.perf_counter() - began
    return count / elapsed, accepted, (time.process_time() - cpu) / count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=3000, help="ours, per round")
    parser.add_argument("--baseline-messages", type=int, default=400, help="pywebpush, per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=8, help="in flight per worker")
    parser.add_argument(
        "--workers",
        default="1,2",
        help="sender processes for ours, comma-separated: each is measured (push workers)",
    )
    parser.add_argument("--devices", type=int, default=200)
    parser.add_argument("--no-verify", action="store_true", help="service skips decryption")
    args = parser.parse_args()

    from server.secrets import new_vapid_private_key

    context = multiprocessing.get_context("spawn")
    here, there = context.Pipe()
    service = context.Process(target=serve, args=(there, args.devices, not args.no_verify))
    service.start()
    subscriptions = here.recv()
    key = new_vapid_private_key()

    shapes = [int(n) for n in args.workers.split(",")]
    print(
        f"push fan-out: {platform.python_implementation()} {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}; "
        f"service {'decrypts every message' if not args.no_verify else 'checks VAPID only'}; "
        f"{args.concurrency} in flight per worker"
    )
    ours_rates = {workers: [] for workers in shapes}
    ours_cpu = {workers: [] for workers in shapes}
    base_rates, base_cpu, accepted = [], [], 0
    for round_number in range(1, args.rounds + 1):
        line = []
        for workers in shapes:
            rate, ok, cpu = ours(
                key, subscriptions, args.messages, args.concurrency, workers, context
            )
            ours_rates[workers].append(rate)
            ours_cpu[workers].append(cpu)
            accepted += ok
            line.append(f"ours x{workers} {rate:6.0f}")
        base, ok, cpu = baseline(key, subscriptions, args.baseline_messages)
        base_rates.append(base)
        base_cpu.append(cpu)
        accepted += ok
        print(f"  round {round_number}: {'   '.join(line)}   pywebpush {base:4.0f} msg/s")

    here.send("stats")
    received, refused, requests = here.recv()
    here.send("stop")
    service.join(timeout=30)

    base_rate, base_ms = statistics.median(base_rates), statistics.median(base_cpu) * 1000
    print(
        f"pywebpush, one call per message (median) {base_rate:6.0f} msg/s"
        f"   sender CPU {base_ms:.2f} ms/msg"
    )
    for workers in shapes:
        rate = statistics.median(ours_rates[workers])
        ms = statistics.median(ours_cpu[workers]) * 1000
        ratio = rate / base_rate
        verdict = "met" if ratio >= 5 else "NOT met"
        print(
            f"ours, {workers} worker process(es) (median)   {rate:6.0f} msg/s"
            f"   sender CPU {ms:.2f} ms/msg ({base_ms / ms:.1f} x less)"
            f"   throughput {ratio:4.1f} x  (budget >= 5 x: {verdict})"
        )
    print(
        f"push service: {received} accepted and decrypted, {refused} refused, {requests} requests"
    )
    if refused or received < accepted:
        print("error: the push service refused messages", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
