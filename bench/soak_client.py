#!/usr/bin/env python3
"""Soak traffic for bench/soak.sh: mixed requests against one specgate (mock, or proxy in front of
the mock) for SECONDS, every answer's status checked and sampled bodies validated against the
response schema in the OpenAPI document with python3-jsonschema (independent of specgate's own
validator: another implementation, reading the schemas straight from the YAML).

usage: soak_client.py PORT SECONDS SPEC.yaml THREADS [PAUSE_MS]
(PAUSE_MS: each thread waits that long between requests, to keep a shared machine usable)
Prints one JSON line of totals; exits 1 when an answer was wrong or a connection failed.
"""
import http.client
import json
import random
import sys
import threading
import time

import jsonschema
import yaml

AUTH = {"Authorization": "ApiKey c29tZTprZXk="}
JSON_TYPE = "application/json; Elastic-Api-Version=2023-10-31"


def openapi_to_jsonschema(node):
    """OpenAPI 3.0 schema objects -> JSON Schema: `nullable: true` becomes a null alternative."""
    if isinstance(node, list):
        return [openapi_to_jsonschema(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: openapi_to_jsonschema(v) for k, v in node.items() if k not in ("nullable", "example", "examples")}
    if node.get("nullable") is True:
        return {"anyOf": [out, {"type": "null"}]}
    return out


def response_validator(doc, path, method, status):
    schema = doc["paths"][path][method]["responses"][status]["content"][JSON_TYPE]["schema"]
    root = openapi_to_jsonschema({"components": doc.get("components", {})})
    root.update(openapi_to_jsonschema(schema))
    return jsonschema.Draft4Validator(root)


# (name, method, path, headers, body, expected status, validator key or None)
def requests_mix():
    return [
        ("valid-tags", "GET", "/api/cases/tags", AUTH, None, 200, "tags"),
        ("valid-setup", "GET", "/api/fleet/agents/setup", AUTH, None, 200, "setup"),
        ("prefer-dynamic", "GET", "/api/fleet/agents/setup", {**AUTH, "Prefer": "dynamic=true"}, None, 200, "setup"),
        ("prefer-code", "GET", "/api/cases/tags", {**AUTH, "Prefer": "code=401"}, None, 401, None),
        ("no-credentials", "GET", "/api/cases/tags", {}, None, 401, None),
        ("invalid-body", "POST", "/api/fleet/agents/bulk_reassign",
         {**AUTH, "kbn-xsrf": "x", "Content-Type": "application/json"}, b'{"policy_id": 5}', 400, None),
        ("unknown-route", "GET", "/api/no/such/route", AUTH, None, 404, None),
        ("admin-metrics", "GET", "/__specgate/metrics", {}, None, 200, None),
        ("admin-journal", "GET", "/__specgate/journal?limit=5", {}, None, 200, "journal"),
    ]


def main():
    port, seconds, spec, threads = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    pause = float(sys.argv[5]) / 1000 if len(sys.argv) > 5 else 0.0
    with open(spec) as f:
        doc = yaml.safe_load(f)
    validators = {
        "tags": response_validator(doc, "/api/cases/tags", "get", "200"),
        "setup": response_validator(doc, "/api/fleet/agents/setup", "get", "200"),
        # The journal stays within its capacity (memory bounded) and lists requests.
        "journal": jsonschema.Draft4Validator({
            "type": "object", "required": ["capacity", "size", "requests"],
            "properties": {"capacity": {"type": "integer", "maximum": 1000}, "size": {"type": "integer", "maximum": 1000},
                           "requests": {"type": "array", "maxItems": 5}}}),
    }
    mix = requests_mix()
    lock = threading.Lock()
    totals = {"requests": 0, "validated": 0, "wrong": 0, "connection_errors": 0}
    wrong_samples = []
    stop_at = time.monotonic() + seconds

    def worker(seed):
        rng = random.Random(seed)
        conn = None
        mine = {k: 0 for k in totals}
        while time.monotonic() < stop_at:
            name, method, path, headers, body, expected, check = rng.choice(mix)
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                conn.request(method, path, body=body, headers=headers)
                res = conn.getresponse()
                data = res.read()
                if res.getheader("connection", "").lower() == "close":
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException) as e:
                mine["connection_errors"] += 1
                with lock:
                    if len(wrong_samples) < 20:
                        wrong_samples.append(f"{name}: connection error {e!r}")
                if conn is not None:
                    conn.close()
                conn = None
                time.sleep(0.05)
                continue
            mine["requests"] += 1
            if pause:
                time.sleep(pause)
            problem = None
            if res.status != expected:
                problem = f"status {res.status}, expected {expected}: {data[:200]!r}"
            elif check and mine["requests"] % 5 == 0:  # a sample of the answers is validated
                mine["validated"] += 1
                errors = list(validators[check].iter_errors(json.loads(data)))
                if errors:
                    problem = f"schema: {errors[0].message[:200]}"
            if problem:
                mine["wrong"] += 1
                with lock:
                    if len(wrong_samples) < 20:
                        wrong_samples.append(f"{name}: {problem}")
        with lock:
            for k, v in mine.items():
                totals[k] += v

    pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    print(json.dumps({**totals, "wrong_samples": wrong_samples}))
    sys.exit(1 if totals["wrong"] or totals["connection_errors"] or totals["requests"] == 0 else 0)


if __name__ == "__main__":
    main()
