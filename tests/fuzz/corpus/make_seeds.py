#!/usr/bin/env python3
"""Writes the libFuzzer seed corpora under tests/fuzz/corpus/<target>/ (run from anywhere; re-running
rewrites the same files). The loader's seeds are spec/kibana.yaml cut into one document per path
(the header, that path, the components it reaches), alternately YAML and JSON."""
import base64, gzip, json, os, re, zlib, sys
import yaml

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.normpath(os.path.join(here, "..", "..", ".."))

def write(target, name, data):
    d = os.path.join(here, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())

# --- fuzz_spec_loader: spec/kibana.yaml in pieces
with open(os.path.join(root, "spec", "kibana.yaml")) as f:
    spec = yaml.safe_load(f)
schemas_all = spec.get("components", {})

def refs(node, out):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "$ref" and isinstance(v, str) and v.startswith("#/components/"):
                out.add(tuple(v[len("#/components/"):].split("/", 1)))
            else:
                refs(v, out)
    elif isinstance(node, list):
        for v in node:
            refs(v, out)

for i, (path, item) in enumerate(spec["paths"].items()):
    doc = {k: spec[k] for k in ("openapi", "info") if k in spec}
    doc["paths"] = {path: item}
    seen, todo = set(), set()
    refs(item, todo)
    comps = {}
    while todo:
        kind, name = todo.pop()
        if (kind, name) in seen or kind not in schemas_all or name not in schemas_all[kind]:
            continue
        seen.add((kind, name))
        comps.setdefault(kind, {})[name] = schemas_all[kind][name]
        refs(schemas_all[kind][name], todo)
    if comps:
        doc["components"] = comps
    if i % 2 == 0:
        write("fuzz_spec_loader", "kibana_piece_%02d.yaml" % i, yaml.safe_dump(doc, sort_keys=False))
    else:
        write("fuzz_spec_loader", "kibana_piece_%02d.json" % i, json.dumps(doc, indent=1))
write("fuzz_spec_loader", "refs.yaml", open(os.path.join(root, "tests", "validator", "data", "ref_main.yaml")).read())
write("fuzz_spec_loader", "broken_refs.yaml", open(os.path.join(root, "tests", "validator", "data", "broken_refs.yaml")).read())

# --- fuzz_http_request: raw requests to the mock serving spec/kibana.yaml
reqs = {
    "get_rule_types": "GET /api/alerting/rule_types HTTP/1.1\r\nHost: x\r\nAuthorization: Basic ZWxhc3RpYzpjaGFuZ2VtZQ==\r\n\r\n",
    "get_cases_query": "GET /api/cases?page=1&perPage=5&tags=a&tags=b&sortOrder=desc HTTP/1.1\r\nHost: x\r\nAuthorization: ApiKey abc\r\n\r\n",
    "post_case": 'POST /api/cases HTTP/1.1\r\nHost: x\r\nkbn-xsrf: true\r\nAuthorization: ApiKey abc\r\nContent-Type: application/json\r\nContent-Length: 95\r\n\r\n{"title":"t","description":"d","tags":[],"owner":"cases","settings":{"syncAlerts":false},"x":1}',
    "chunked_put": 'PUT /api/apm/settings/agent-configuration?overwrite=true HTTP/1.1\r\nHost: x\r\nkbn-xsrf: 1\r\nAuthorization: ApiKey a\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n{"service":{},"s\r\n13\r\nettings":{"a":"b"}}\r\n0\r\n\r\n',
    "path_params": "POST /api/alerting/rule/abc%2Fdef/alert/x%00y/_unmute HTTP/1.1\r\nHost: x\r\nkbn-xsrf: 1\r\nAuthorization: ApiKey a\r\nContent-Length: 0\r\n\r\n",
    "admin_requests": "GET /__specgate/requests?limit=3 HTTP/1.1\r\nHost: x\r\n\r\n",
    "preflight": "OPTIONS /api/cases HTTP/1.1\r\nHost: x\r\nOrigin: http://a\r\nAccess-Control-Request-Method: POST\r\n\r\n",
    "delete_sourcemap": "DELETE /api/apm/sourcemaps/1 HTTP/1.0\r\nkbn-xsrf: 1\r\nAuthorization: ApiKey a\r\nelastic-api-version: 2023-10-31\r\n\r\n",
    "prefer_status": "GET /api/cases/_find?search=a HTTP/1.1\r\nHost: x\r\nAuthorization: ApiKey a\r\nPrefer: code=404\r\nAccept: application/json\r\n\r\n",
}
for k, v in reqs.items():
    write("fuzz_http_request", k + ".http", v)

# --- fuzz_param_decode: location, style, explode, types, items, flags, additional, [props], name, text
def pd(name, loc, style, explode, types, items, flags, extra, text):
    write("fuzz_param_decode", name, bytes([loc, style, explode, types, items, flags]) + bytes(extra) + text.encode())
pd("query_form_array", 1, 0, 1, 32, 2, 0, [127, 3], "tags=a&tags=1&x=%zz")
pd("query_form_noexplode", 1, 0, 0, 32, 1, 0, [127, 3], "tags=a,b,c")
pd("query_deep_object", 1, 6, 1, 64, 127, 8 | 16 | 4, [127, 2, 8, 1], "filter[a]=1&filter[b]=true&filter[z]=x")
pd("query_json_array", 1, 0, 1, 32, 1, 0, [127, 0], 'id=["a","b"]&id={"x":1}')
pd("path_matrix", 0, 3, 1, 64, 127, 8 | 16, [127, 2, 1, 0], ";a=1;b=x")
pd("path_label", 0, 2, 0, 32, 2, 0, [127, 0], ".1.2.3")
pd("header_simple", 2, 1, 1, 64, 127, 8 | 32, [127, 2, 2, 1], "a=1,c=2\nx,y")
pd("cookie_form", 3, 0, 1, 6, 127, 0, [127, 0], 'id="12"; a=b; =c; %ff')
pd("content_json", 1, 0, 1, 127, 127, 1, [127, 2], 'filter={"a":[1,2,{"b":null}]}')
pd("form_fields", 1, 0, 1, 64, 127, 8 | 16 | 32 | 64, [127, 2, 32, 2, 0], 'a={"k":1}&b=2&c=[1,2]&c=3&d=4')

# --- fuzz_request_body: first byte picks the Content-Type (0 urlencoded, 1 multipart boundary XyZ,
# 2 ndjson, 3 json, 4 text, 5 multipart boundary "a b", else the first line is the Content-Type)
write("fuzz_request_body", "urlencoded", b"\x00name=n&count=3&ratio=1.5&flag=true&tags=a&tags=b&ids=1&ids=2&meta=%7B%22a%22%3A1%7D&retries=%5B%7B%22type%22%3A%22t%22%7D%5D")
mp = ("--XyZ\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nn\r\n"
      "--XyZ\r\nContent-Disposition: form-data; name=\"meta\"\r\nContent-Type: application/json\r\n\r\n{\"a\":[1]}\r\n"
      "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n\x00\x01\xff\r\n"
      "--XyZ\r\nContent-Disposition: form-data; name=\"ids\"\r\n\r\n[1,2]\r\n--XyZ--\r\n")
write("fuzz_request_body", "multipart", b"\x01" + mp.encode("latin-1"))
write("fuzz_request_body", "multipart_quoted_boundary", b"\x05--a b\r\nContent-Disposition: form-data; name=name\r\n\r\nv\r\n--a b--")
write("fuzz_request_body", "ndjson", b'\x02{"index":{"_id":"1"}}\r\n\n{"index":{},"doc":[1,2]}\n{"index":1}\n{')
write("fuzz_request_body", "json", b'\x03{"index":{"_index":"i"},"doc":{"a":[1e999,-0,18446744073709551616]}}')
write("fuzz_request_body", "text", b"\x04hello \xc3\x28")
write("fuzz_request_body", "own_content_type", b"\xffmultipart/form-data; boundary=\"q\"; charset=utf-8\n--q\r\nContent-Disposition: form-data; name=\"count\"\r\n\r\n-1\r\n--q--\r\n")

# --- fuzz_traffic: NDJSON and HAR recordings
ex = {"request": {"method": "POST", "url": "http://localhost:5601/api/cases?x=1",
                  "headers": [["Content-Type", "application/json"], ["kbn-xsrf", "true"]], "body": "{\"title\":\"a\"}"},
      "response": {"status": 200, "headers": {"Content-Type": "application/json", "Content-Encoding": "gzip"},
                   "body": base64.b64encode(gzip.compress(b'{"id":"1"}')).decode(), "bodyEncoding": "base64"},
      "startedDateTime": "2026-12-04T00:00:00.000Z", "durationMs": 12.5}
ex2 = {"request": {"method": "GET", "target": "/api/alerting/rule_types", "headers": {"a": ["1", "2"]}},
       "response": {"status": 404, "headers": [{"name": "x", "value": "y"}], "body": "{}"}}
write("fuzz_traffic", "two.ndjson", json.dumps(ex) + "\r\n\n" + json.dumps(ex2) + "\n")
har = {"log": {"version": "1.2", "creator": {"name": "fuzz", "version": "1"}, "entries": [
    {"startedDateTime": "2026-12-04T00:00:00.000Z", "time": 1,
     "request": {"method": "GET", "url": "http://h/api/cases?page=2", "httpVersion": "HTTP/1.1",
                 "headers": [{"name": "Authorization", "value": "ApiKey a"}], "queryString": [{"name": "page", "value": "2"}],
                 "cookies": [], "headersSize": -1, "bodySize": 0},
     "response": {"status": 200, "statusText": "OK", "httpVersion": "HTTP/1.1", "headers": [{"name": "Content-Type", "value": "application/json"}],
                  "cookies": [], "content": {"size": 2, "mimeType": "application/json", "text": "e30=", "encoding": "base64"},
                  "redirectURL": "", "headersSize": -1, "bodySize": 2}},
    {"request": {"method": "POST", "url": "/x", "headers": [], "postData": {"mimeType": "application/json", "text": "{}"}},
     "response": {"status": 201, "headers": [], "content": {"size": 0, "mimeType": "text/plain"}}}]}}
write("fuzz_traffic", "two.har", json.dumps(har, indent=1))

# --- fuzz_response: first byte < 0x80 picks a coding for a coded body; >= 0x80 a response on the wire
codings = ["gzip", "deflate", "br", "identity", "gzip, br", "x-gzip", "zstd"]
body = b'{"statusCode":404,"error":"Not Found","message":"x"}' * 3
write("fuzz_response", "gzip", bytes([0]) + gzip.compress(body))
write("fuzz_response", "deflate", bytes([1]) + zlib.compress(body))
write("fuzz_response", "deflate_raw", bytes([1]) + zlib.compress(body)[2:-4])
try:
    import brotli
    write("fuzz_response", "br", bytes([2]) + brotli.compress(body))
except ImportError:
    pass
gz = gzip.compress(body)
chunks = b"".join(b"%x\r\n%s\r\n" % (len(gz[i:i + 20]), gz[i:i + 20]) for i in range(0, len(gz), 20))
write("fuzz_response", "chunked_gzip", b"\x80HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks + b"0\r\nX-Trailer: 1\r\n\r\n")
write("fuzz_response", "length_deflate", b"\x80HTTP/1.1 201 Created\r\nContent-Encoding: deflate\r\nContent-Length: %d\r\n\r\n" % len(zlib.compress(body)) + zlib.compress(body))
write("fuzz_response", "close_delimited", b"\x80HTTP/1.0 500 Internal Server Error\r\nContent-Type: text/plain\r\n\r\noops")
write("fuzz_response", "head_answer", b"\x81HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n")
