#!/usr/bin/env node
// Submits an OpenAPI spec to specdoc, watches its steps to the end and fetches the result.
//
//   node submit_and_watch.mjs [SPEC] [--team-id T] [--service-name S] [--timeout SECS]
//
// The services' definitions are loaded from the repository's proto/ at run time
// (@grpc/proto-loader), so they always match the server. Connects to SPECDOC_SCHEDULER_URL and
// SPECDOC_TRACKER_URL (default http://127.0.0.1:50051, what `specdoc up` listens on) and sends
// `authorization: Bearer $SPECDOC_TOKEN` when that is set.
//
// Exit code: 0 when the job completed and its Markdown documents every operation of the spec;
// 1 on any error or a missing operation; 2 when the job failed; 3 when it was cancelled (the
// same codes as `specdoc watch`).

import grpc from "@grpc/grpc-js";
import protoLoader from "@grpc/proto-loader";
import { readFileSync } from "node:fs";
import { basename, dirname, extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import YAML from "yaml";

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, "..", "..");
const DEFAULT_URL = "http://127.0.0.1:50051";
const TERMINAL = { JOB_STATE_COMPLETED: 0, JOB_STATE_FAILED: 2, JOB_STATE_CANCELLED: 3 };
const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

// Load proto/ with its import root, so `import "specdoc/job/v1/job.proto"` resolves;
// google/protobuf/timestamp.proto comes with protobufjs.
const definition = protoLoader.loadSync(
  ["specdoc/scheduler/v1/scheduler.proto", "specdoc/tracker/v1/tracker.proto"],
  { includeDirs: [join(repo, "proto")], keepCase: true, longs: String, enums: String, defaults: true },
);
const specdoc = grpc.loadPackageDefinition(definition).specdoc;

function client(Service, url) {
  const credentials = url.startsWith("https://")
    ? grpc.credentials.createSsl()
    : grpc.credentials.createInsecure();
  return new Service(url.replace(/^https?:\/\//, "").replace(/\/+$/, ""), credentials);
}

function metadata() {
  const md = new grpc.Metadata();
  if (process.env.SPECDOC_TOKEN) md.set("authorization", `Bearer ${process.env.SPECDOC_TOKEN}`);
  return md;
}

const deadlineIn = (seconds) => new Date(Date.now() + seconds * 1000);
const strip = (value, prefix) => String(value).replace(prefix, "");

// A unary call as a promise.
function call(stub, method, request, seconds = 30) {
  return new Promise((resolve, reject) =>
    stub[method](request, metadata(), { deadline: deadlineIn(seconds) }, (err, res) =>
      err ? reject(err) : resolve(res),
    ),
  );
}

// (METHOD, path, operationId) of every operation in the spec.
function operations(specText) {
  const spec = YAML.parse(specText);
  const found = [];
  for (const [path, item] of Object.entries(spec?.paths ?? {})) {
    for (const [method, op] of Object.entries(item ?? {})) {
      if (METHODS.includes(method) && op && typeof op === "object") {
        found.push([method.toUpperCase(), path, op.operationId ?? null]);
      }
    }
  }
  return found;
}

// Prints each event of the job until its terminal one and returns the terminal state. Resumes
// from the last seq seen if the stream drops, so no event is missed or printed twice.
async function watch(tracker, jobId, deadline) {
  let lastSeq = "0";
  for (let attempt = 1; ; attempt++) {
    try {
      const stream = tracker.WatchJob(
        { job_id: jobId, after_seq: lastSeq },
        metadata(),
        { deadline },
      );
      for await (const { event } of stream) {
        lastSeq = event.seq;
        console.log(
          `  #${String(event.seq).padEnd(3)} ${strip(event.step, "STEP_").padEnd(9)}` +
            ` ${strip(event.status, "STEP_STATUS_").padEnd(10)}` +
            ` ${strip(event.state, "JOB_STATE_").padEnd(10)}` +
            ` ${String(event.progress_percent).padStart(3)}%  ${event.message}`,
        );
        // The server ends the stream after the terminal event; leaving the loop cancels it.
        if (event.state in TERMINAL) return event.state;
      }
      throw new Error("the watch stream ended before a terminal event");
    } catch (err) {
      if (err.code !== grpc.status.UNAVAILABLE || attempt > 5 || Date.now() > deadline.getTime()) throw err;
      console.log(`  (stream dropped: ${err.details}; resuming after seq ${lastSeq})`);
      await new Promise((r) => setTimeout(r, 500 * attempt));
    }
  }
}

async function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      "team-id": { type: "string", default: "clients" },
      "service-name": { type: "string" },
      scheduler: { type: "string", default: process.env.SPECDOC_SCHEDULER_URL || DEFAULT_URL },
      tracker: { type: "string", default: process.env.SPECDOC_TRACKER_URL || DEFAULT_URL },
      timeout: { type: "string", default: "120" },
    },
  });
  const specPath = positionals[0] ?? join(repo, "examples", "petstore.yaml");
  const spec = readFileSync(specPath);
  const serviceName = values["service-name"] ?? basename(specPath, extname(specPath));
  const deadline = deadlineIn(Number(values.timeout));

  const scheduler = client(specdoc.scheduler.v1.SchedulerService, values.scheduler);
  const tracker = client(specdoc.tracker.v1.TrackerService, values.tracker);
  try {
    const submitted = await call(scheduler, "SubmitJob", {
      team_id: values["team-id"],
      service_name: serviceName,
      job_type: "JOB_TYPE_DOCUMENTATION",
      spec,
      output_formats: ["OUTPUT_FORMAT_MARKDOWN", "OUTPUT_FORMAT_HTML"],
    });
    console.log(`job ${submitted.job_id} ${strip(submitted.state, "JOB_STATE_")}`);

    const state = await watch(tracker, submitted.job_id, deadline);
    if (state !== "JOB_STATE_COMPLETED") {
      const { job } = await call(tracker, "GetJob", { job_id: submitted.job_id });
      console.error(`job ${strip(state, "JOB_STATE_")}: ${job.error}`);
      return TERMINAL[state];
    }

    const result = await call(tracker, "GetJobResult", { job_id: submitted.job_id });
    for (const doc of result.documents) {
      console.log(
        `document ${doc.file_name} (${strip(doc.format, "OUTPUT_FORMAT_")}, ${doc.content.length} bytes)`,
      );
    }
    if (result.quality) console.log(`quality score ${result.quality.overall}/100`);
    const markdown = result.documents.find((d) => d.format === "OUTPUT_FORMAT_MARKDOWN");
    if (!markdown) {
      console.error("error: the result has no Markdown document");
      return 1;
    }
    const text = markdown.content.toString("utf8");
    const expected = operations(spec.toString("utf8"));
    const missing = expected
      .filter(([m, p, id]) => !text.includes(`### ${m} ${p}`) || (id && !text.includes(`\`${id}\``)))
      .map(([m, p, id]) => `${m} ${p}${id ? ` (${id})` : ""}`);
    if (expected.length === 0 || missing.length > 0) {
      console.error(
        `error: the Markdown lacks ${missing.length} of ${expected.length} operations: ${missing.join(", ")}`,
      );
      return 1;
    }
    console.log(`ok: the Markdown documents all ${expected.length} operations`);
    return 0;
  } finally {
    scheduler.close();
    tracker.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    if (typeof err.code !== "number") console.error(`error: ${err.message}`);
    else {
      const hint = err.code === grpc.status.UNAVAILABLE
        ? " (is specdoc running? Start it with `specdoc up`, or set SPECDOC_SCHEDULER_URL)"
        : "";
      console.error(`error: ${grpc.status[err.code]}: ${err.details}${hint}`);
    }
    process.exit(1);
  },
);
