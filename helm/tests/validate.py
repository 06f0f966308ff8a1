#!/usr/bin/env python3
"""Validates rendered chart manifests: Kubernetes schemas, strictly, and the chart's pod policy.

    validate.py RENDERED.yaml...

Each object is checked against the JSON schemas kubernetes-validate bundles, in strict mode (an
unknown field is an error), for the oldest Kubernetes the chart supports and the newest bundled.
CRD kinds have no schema there: the ones the chart can render are skipped by name and reported,
and any other unknown kind fails. Every pod (Deployment, Job, Pod) must also be hardened:
non-root, RuntimeDefault seccomp, and per container a read-only root filesystem, no privilege
escalation, all capabilities dropped, resources set, and no ServiceAccount token.
"""

import sys

import kubernetes_validate
import yaml

VERSIONS = ["1.30.0", kubernetes_validate.utils.latest_version()]
CRDS = {
    ("monitoring.coreos.com/v1", "ServiceMonitor"),
    ("keda.sh/v1alpha1", "ScaledObject"),
    ("keda.sh/v1alpha1", "TriggerAuthentication"),
}


def pod_spec(obj):
    kind = obj["kind"]
    if kind == "Pod":
        return obj["spec"]
    if kind in ("Deployment", "Job", "StatefulSet", "DaemonSet"):
        return obj["spec"]["template"]["spec"]
    return None


def policy_errors(obj):
    spec = pod_spec(obj)
    if spec is None:
        return []
    errors = []
    pod = spec.get("securityContext", {})
    if pod.get("runAsNonRoot") is not True:
        errors.append("pod securityContext.runAsNonRoot is not true")
    if pod.get("seccompProfile", {}).get("type") != "RuntimeDefault":
        errors.append("pod seccompProfile is not RuntimeDefault")
    if spec.get("automountServiceAccountToken") is not False:
        errors.append("automountServiceAccountToken is not false")
    for c in spec.get("initContainers", []) + spec["containers"]:
        sc = c.get("securityContext", {})
        if sc.get("readOnlyRootFilesystem") is not True:
            errors.append(f"container {c['name']}: root filesystem is writable")
        if sc.get("allowPrivilegeEscalation") is not False:
            errors.append(f"container {c['name']}: allowPrivilegeEscalation is not false")
        if "ALL" not in sc.get("capabilities", {}).get("drop", []):
            errors.append(f"container {c['name']}: capabilities are not all dropped")
        if not c.get("resources", {}).get("requests"):
            errors.append(f"container {c['name']}: no resource requests")
    return errors


def main(paths):
    failed = 0
    for path in paths:
        with open(path) as f:
            objects = [o for o in yaml.safe_load_all(f) if o]
        checked, bad, skipped = 0, 0, []
        for obj in objects:
            name = f"{obj.get('kind')}/{obj.get('metadata', {}).get('name')}"
            errors = policy_errors(obj)
            if (obj.get("apiVersion"), obj.get("kind")) in CRDS:
                skipped.append(name)
            else:
                for version in VERSIONS:
                    try:
                        kubernetes_validate.validate(obj, version, strict=True)
                    except kubernetes_validate.ValidationError as e:
                        errors.append(f"k8s {version}: {'.'.join(map(str, e.path))}: {e.message}")
                    except kubernetes_validate.SchemaNotFoundError:
                        errors.append(f"k8s {version}: no schema for {obj.get('apiVersion')} {obj.get('kind')}")
                checked += 1
            for error in errors:
                print(f"{path}: {name}: {error}", file=sys.stderr)
            bad += bool(errors)
        note = f"; skipped CRDs (no core schema): {', '.join(skipped)}" if skipped else ""
        print(f"{path}: {checked} objects checked against k8s {' and '.join(VERSIONS)}, {bad} invalid{note}")
        failed += bad
        if not objects:
            print(f"{path}: nothing rendered", file=sys.stderr)
            failed += 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
