"""Celery peer: N no-op tasks, a thread pool of 32, Redis broker and result backend."""
import os
import sys
import time

from celery import Celery

app = Celery("celery_bench", broker=os.environ["BENCH_REDIS"], backend=os.environ["BENCH_REDIS"])
app.conf.update(worker_prefetch_multiplier=32, task_ignore_result=False, broker_connection_retry_on_startup=True)


@app.task
def noop():
    return None


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    started = time.perf_counter()
    results = [noop.delay() for _ in range(n)]
    for result in results:
        result.get(timeout=600)
    seconds = time.perf_counter() - started
    print(f"celery: {n / seconds:.0f} jobs/s")
