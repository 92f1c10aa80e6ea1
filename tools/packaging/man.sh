#!/bin/sh
# Writes specgate's gzipped man page from the binary's own --help and each verb's --help (help2man): no hand-kept flags.
# Usage: man.sh path/to/specgate out/specgate.1.gz
set -eu
bin=$1
out=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
verbs=$("$bin" --help | awk '/^Subcommands:/ { f = 1; next } f && /^  [a-z]/ { print $1 }')
[ -n "$verbs" ] || { echo "man.sh: no subcommands found in '$bin --help'" >&2; exit 1; }
{
  echo '[VERBS]'
  for v in $verbs; do
    echo ".SS $v"
    echo ".nf"
    # roff: backslashes doubled, a line's leading dot or quote made literal.
    "$bin" "$v" --help | sed -e 's/\\/\\\\/g' -e "s/^\([.']\)/\\\\\&\1/"
    echo ".fi"
  done
} > "$work/verbs.h2m"
help2man --no-info --no-discard-stderr --section=1 \
  --name="OpenAPI contract as a mock server, a validating proxy and a CI gate" \
  --include="$work/verbs.h2m" --output="$work/specgate.1" "$bin"
gzip -9n -c "$work/specgate.1" > "$out"
