#!/usr/bin/python3
"""Independent second opinion for tests/validator/examples_crosscheck_test.cpp.

Classifies values against specgate's translated JSON Schema (draft 7) with
Python's `jsonschema` (Debian package python3-jsonschema), not with specgate.

Input (argv[1]), JSON:
  {"root": <schema_registry::translated_root()>,
   "cases": [{"ref": "#/definitions/t12", "value": <any JSON>}, ...]}
Output (argv[2]), JSON: [true|false, ...] — one verdict per case, in order.

specgate's custom keywords are implemented here independently (stdlib only):
  x-specgate-format   date-time, date, time, uuid, email, ipv4, ipv6, uri,
                      hostname, byte — strings only, other types pass
  x-specgate-pattern  ECMA-262 pattern, unanchored search, via Python's `re`
                      with re.ASCII (\\d, \\w as in ECMA without the u flag)
The other x-specgate-* keywords are annotations and ignored.

Run with /usr/bin/python3 (Debian's, where python3-jsonschema is installed).
"""
import base64
import datetime
import ipaddress
import json
import re
import sys

import jsonschema
from jsonschema import validators

_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$", re.ASCII)
_TIME = re.compile(r"^(\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-](\d{2}):(\d{2}))$", re.ASCII)
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$", re.ASCII)
_LABEL = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$", re.ASCII)
_ATEXT_LOCAL = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$", re.ASCII)
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:(?:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*$", re.ASCII)
_BASE64 = re.compile(r"^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$", re.ASCII)


def _date(s):
    m = _DATE.match(s)
    if not m:
        return False
    try:
        datetime.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        return True
    except ValueError:
        return False


def _time(s):
    m = _TIME.match(s)
    if not m:
        return False
    h, mi, se = int(m.group(1)), int(m.group(2)), int(m.group(3))
    if h > 23 or mi > 59 or se > 60:
        return False
    if m.group(6) is not None and (int(m.group(6)) > 23 or int(m.group(7)) > 59):
        return False
    return True


def _date_time(s):
    if len(s) < 12 or s[10] not in "Tt":
        return False
    return _date(s[:10]) and _time(s[11:])


def _hostname(s):
    if not s or len(s) > 253:
        return False
    return all(_LABEL.match(label) for label in s.split("."))


def _ipv4(s):
    try:
        ipaddress.IPv4Address(s)
        return True
    except ValueError:
        return False


def _ipv6(s):
    if "%" in s:  # zone ids are not part of the RFC 4291 text form
        return False
    try:
        ipaddress.IPv6Address(s)
        return True
    except ValueError:
        return False


def _email(s):
    local, sep, domain = s.rpartition("@")
    if not sep or not local or not domain or len(local) > 64:
        return False
    if local.startswith('"'):
        if len(local) < 2 or not local.endswith('"'):
            return False
    elif not _ATEXT_LOCAL.match(local):
        return False
    if domain.startswith("[") and domain.endswith("]"):
        ip = domain[1:-1]
        return _ipv6(ip[5:]) if ip.startswith("IPv6:") else _ipv4(ip)
    return _hostname(domain)


def _uri(s):
    return bool(_URI.match(s))


def _byte(s):
    if not _BASE64.match(s):
        return False
    try:
        base64.b64decode(s, validate=True)
        return True
    except ValueError:
        return False


FORMATS = {
    "date-time": _date_time,
    "date": _date,
    "time": _time,
    "uuid": lambda s: bool(_UUID.match(s)),
    "email": _email,
    "ipv4": _ipv4,
    "ipv6": _ipv6,
    "uri": _uri,
    "hostname": _hostname,
    "byte": _byte,
}

_patterns = {}


def _python_regex(ecma):
    """ECMA `$` is the end of input; Python's `$` also matches before a final newline."""
    out, i, in_class = [], 0, False
    while i < len(ecma):
        c = ecma[i]
        if c == "\\" and i + 1 < len(ecma):
            out.append(ecma[i:i + 2])
            i += 2
            continue
        if c == "[":
            in_class = True
        elif c == "]":
            in_class = False
        elif c == "$" and not in_class:
            c = r"\Z"
        out.append(c)
        i += 1
    return "".join(out)


def specgate_format(validator, name, instance, schema):
    if not isinstance(instance, str):
        return
    check = FORMATS.get(name)
    if check is not None and not check(instance):
        yield jsonschema.ValidationError(f"{instance!r} is not a {name}")


def specgate_pattern(validator, pattern, instance, schema):
    if not isinstance(instance, str):
        return
    compiled = _patterns.get(pattern)
    if compiled is None:
        compiled = _patterns[pattern] = re.compile(_python_regex(pattern), re.ASCII)
    if not compiled.search(instance):
        yield jsonschema.ValidationError(f"{instance!r} does not match {pattern!r}")


SpecgateValidator = validators.extend(
    jsonschema.Draft7Validator,
    {"x-specgate-format": specgate_format, "x-specgate-pattern": specgate_pattern},
)


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        data = json.load(f)
    root = data["root"]
    SpecgateValidator.check_schema(root)
    resolver = jsonschema.RefResolver.from_schema(root)
    verdicts = []
    for case in data["cases"]:
        v = SpecgateValidator({"$ref": case["ref"]}, resolver=resolver)
        verdicts.append(v.is_valid(case["value"]))
    with open(sys.argv[2], "w", encoding="utf-8") as f:
        json.dump(verdicts, f)


if __name__ == "__main__":
    main()
