#!/usr/bin/env python3
"""Every environment variable a service reads can be set from the chart's values.

    env_vars.py HELM BIN_DIR

The variables are the `[env: NAME]` entries of each binary's `--help` (BIN_DIR holds the built
specdoc-scheduler, specdoc-worker and specdoc-tracker), plus those read outside clap (logging and
OpenTelemetry's standard variables). Two renders check them:

1. typed: each variable set through its documented value (`redis.prefix`, `ports.grpc`,
   `worker.config.maxConcurrentJobs`, ...; `<service>.env` for those with none) must land, once,
   with that value, in the container of every service that reads it, and a service's own setting
   in no other container;
2. override: `<service>.env.NAME` on top of the typed values must replace the chart's entry, not
   add a second one (Kubernetes would silently keep the last).
And the other way round, every documented `config` key must name a variable its service reads, so
a renamed flag cannot leave a setting in values.yaml that does nothing.
"""

import re
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

CHART = Path(__file__).resolve().parent.parent / "specdoc"
SERVICES = ["scheduler", "worker", "tracker"]
# Read by every service but not through clap: the logging setup and the OpenTelemetry SDK.
EXTRA = ["RUST_LOG", "LOG_FORMAT", "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_SERVICE_NAME",
         "OTEL_RESOURCE_ATTRIBUTES", "OTEL_TRACES_SAMPLER", "OTEL_TRACES_SAMPLER_ARG"]
# Values the schema accepts for keys that are not free strings or integers.
SAMPLES = {"schedulerMode": "beat", "logFormat": "text",
           "otelExporterOtlpEndpoint": "http://collector.test:4317", "genaiBaseUrl": "https://llm.test/v1",
           "quotaOverrides": "payments=5/10/100"}


def read_vars(bin_dir):
    found = {}
    for svc in SERVICES:
        help_text = subprocess.run([str(Path(bin_dir) / f"specdoc-{svc}"), "--help"],
                                   capture_output=True, text=True, check=True).stdout
        # Whitespace folded, in case clap wraps a line inside an entry.
        names = re.findall(r"\[env: ?([A-Z0-9_]+)", re.sub(r"\s+", " ", help_text))
        if not names:
            sys.exit(f"specdoc-{svc} --help lists no [env: ...] entries: has its format changed?")
        for name in names + EXTRA:
            found.setdefault(name, set()).add(svc)
    return found


def sample(default, i):
    """A value unlike the default, of the same type (the schema checks types)."""
    if isinstance(default, bool):
        return not default
    return 1000 + i if isinstance(default, int) else f"v{i}"


def stale_settings(readers, defaults):
    """Documented settings no service reads any more (a flag renamed or removed)."""
    stale = [f"config.{k}" for k in defaults["config"] if readers.get(upper(k)) != set(SERVICES)]
    for svc in SERVICES:
        stale += [f"{svc}.config.{k}" for k in defaults[svc].get("config", {})
                  if svc not in readers.get(upper(k), set())]
    return stale


def upper(key):
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", key).upper()


def camel(name):
    first, *rest = name.lower().split("_")
    return first + "".join(p.capitalize() for p in rest)


def put(values, path, value):
    *parents, last = path
    for key in parents:
        values = values.setdefault(key, {})
    values[last] = value


def render(helm, overlay):
    with tempfile.NamedTemporaryFile("w", suffix=".yaml") as f:
        yaml.safe_dump(overlay, f)
        f.flush()
        out = subprocess.run([helm, "template", "t", str(CHART), "-f", f.name],
                             capture_output=True, text=True)
    if out.returncode:
        sys.exit(f"helm template failed:\n{out.stderr}")
    docs = [d for d in yaml.safe_load_all(out.stdout) if d]
    secrets = {d["metadata"]["name"]: d.get("stringData", {}) for d in docs if d["kind"] == "Secret"}
    env = {}
    for d in docs:
        if d["kind"] == "Deployment":
            container = d["spec"]["template"]["spec"]["containers"][0]
            env[container["name"]] = container.get("env", [])
    return env, secrets


def resolve(entry, secrets):
    """An env entry's value: literal, or read from a Secret the chart renders."""
    if "value" in entry:
        return entry["value"]
    ref = entry.get("valueFrom", {}).get("secretKeyRef")
    if ref and ref["name"] in secrets:
        return secrets[ref["name"]].get(ref["key"])
    return entry.get("valueFrom")


def main(helm, bin_dir):
    readers = read_vars(bin_dir)
    defaults = yaml.safe_load((CHART / "values.yaml").read_text())
    typed, override, expect = {}, {}, []  # expect: (var, services that must have it, value, how)
    for i, (var, svcs) in enumerate(sorted(readers.items())):
        key = camel(var)
        special = {
            "REDIS_URL": (["redis", "url"], f"redis://redis-{i}.test:6379", None),
            "DATABASE_URL": (["database", "url"], f"postgres://u@db-{i}.test/specdoc", None),
            "REDIS_PREFIX": (["redis", "prefix"], f"prefix-{i}", None),
            "SKIP_MIGRATIONS": (["migrations", "enabled"], False, "false"),
            "LISTEN": (["ports", "grpc"], 50100 + i, f"0.0.0.0:{50100 + i}"),
            "HTTP_LISTEN": (["ports", "http"], 8100 + i, f"0.0.0.0:{8100 + i}"),
            "GENAI_API_KEY_FILE": (["worker", "genaiApiKeySecret", "name"], f"key-{i}",
                                   "/var/run/secrets/specdoc/genai/api-key"),
        }
        if var in special:
            path, value, landed = special[var]
            expect.append((var, svcs, landed or str(value), ".".join(path), SERVICES))
            put(typed, path, value)
        elif key in defaults["config"]:
            value = SAMPLES.get(key, f"v{i}")
            put(typed, ["config", key], value)
            expect.append((var, svcs, value, f"config.{key}", SERVICES))
        else:
            for svc in sorted(svcs):
                own = defaults[svc].get("config", {})
                if key in own:
                    # A sample unique to this service too, so one read by two services (the spec
                    # limits) shows which service's setting landed where.
                    value = SAMPLES.get(key, sample(own[key], i * len(SERVICES) + SERVICES.index(svc)))
                    path = [svc, "config", key]
                else:
                    value, path = f"{svc}-{i}", [svc, "env", var]
                put(typed, path, value)
                expect.append((var, {svc}, str(value).lower() if isinstance(value, bool) else str(value),
                               ".".join(path), [svc]))
        for svc in svcs:
            put(override, [svc, "env", var], f"override-{svc}-{i}")

    failures = [f"{path} sets {upper(path.rsplit('.', 1)[1])}, which its service does not read"
                for path in stale_settings(readers, defaults)]
    env, secrets = render(helm, typed)
    for var, svcs, value, how, scope in expect:
        for svc in SERVICES:
            entries = [e for e in env[svc] if e["name"] == var]
            if svc in svcs:
                got = [resolve(e, secrets) for e in entries]
                if got != [value]:
                    failures.append(f"{how}={value!r}: {svc} has {var}={got}")
            elif svc not in scope and any(resolve(e, secrets) == value for e in entries):
                failures.append(f"{how} leaked into {svc}")
    merged = yaml.safe_load(yaml.safe_dump(typed))
    for svc, block in override.items():
        put(merged, [svc, "env"], {**merged.get(svc, {}).get("env", {}), **block["env"]})
    env, secrets = render(helm, merged)
    for svc, block in override.items():
        for var, value in block["env"].items():
            got = [resolve(e, secrets) for e in env[svc] if e["name"] == var]
            if got != [value]:
                failures.append(f"{svc}.env.{var}={value!r}: {svc} has {var}={got}")

    for line in failures:
        print(f"env: {line}", file=sys.stderr)
    via_env = sorted({f"{v} ({how})" for v, _, _, how, _ in expect if ".env." in how})
    print(f"env: {len(readers)} variables read by the services, each set from values and "
          f"overridden through <service>.env; without a documented value (set via env): {', '.join(via_env)}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
