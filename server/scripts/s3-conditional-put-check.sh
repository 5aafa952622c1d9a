#!/usr/bin/env bash
# Does an S3-protocol server honour conditional puts? object_store's S3 client creates objects
# with `If-None-Match: *` and relies on a second such PUT to the same key failing with 412; a
# server that overwrites instead would let two writers of one key both believe they won.
#
# Usage: s3-conditional-put-check.sh ENDPOINT BUCKET
#   with AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_REGION set. The bucket must exist.
# Exit 0 when the first PUT succeeds, the second answers 412 and the object kept the first body.
set -euo pipefail
endpoint=${1:?endpoint, e.g. http://127.0.0.1:9000}
bucket=${2:?bucket}
key="conditional-put-check/$(date +%s%N)-$$"
# curl signs with SigV4 itself; an explicit payload hash header is what S3 servers require, and an
# explicit Content-Type keeps form-decoding servers (moto's Werkzeug) from eating the body.
sign=(--aws-sigv4 "aws:amz:${AWS_REGION:?}:s3" --user "${AWS_ACCESS_KEY_ID:?}:${AWS_SECRET_ACCESS_KEY:?}"
  -H 'Content-Type: application/octet-stream' -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD')

put() {
  curl -sS -o /dev/null -w '%{http_code}' --max-time 10 -X PUT "${sign[@]}" \
    -H 'If-None-Match: *' --data-binary "$1" "$endpoint/$bucket/$key"
}

first=$(put first)
second=$(put second)
body=$(curl -sS --max-time 10 "${sign[@]}" "$endpoint/$bucket/$key")
curl -sS -o /dev/null --max-time 10 -X DELETE "${sign[@]}" "$endpoint/$bucket/$key" || true
echo "conditional put: first PUT $first, second PUT $second, stored body '$body'"
[[ $first == 200 && $second == 412 && $body == first ]]
