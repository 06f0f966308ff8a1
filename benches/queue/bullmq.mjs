// BullMQ peer: N no-op jobs, one worker with concurrency C (default 32), on the same Redis.
import { Queue, Worker, QueueEvents } from "bullmq";

const [redisUrl, n] = [process.argv[2], Number(process.argv[3] ?? 5000)];
const concurrency = Number(process.argv[4] ?? 32);
const url = new URL(redisUrl);
const connection = { host: url.hostname, port: Number(url.port || 6379) };
const name = `bench-${process.pid}`;
const queue = new Queue(name, { connection });
let done = 0;
let finish;
const finished = new Promise((resolve) => (finish = resolve));
const worker = new Worker(name, async () => null, { connection, concurrency });
worker.on("completed", () => { if (++done === n) finish(); });
await worker.waitUntilReady();
const started = performance.now();
for (let i = 0; i < n; i += 1000) {
  const batch = Array.from({ length: Math.min(1000, n - i) }, (_, j) => ({ name: "noop", data: { i: i + j } }));
  await queue.addBulk(batch);
}
await finished;
const seconds = (performance.now() - started) / 1000;
const label = concurrency === 32 ? "bullmq" : `bullmq concurrency=${concurrency}`;
console.log(`${label}: ${Math.round(n / seconds)} jobs/s`);
await worker.close();
await queue.obliterate({ force: true });
await queue.close();
