"""The presign peer: COUNT presigned GET URLs from boto3's `generate_presigned_url`, one after
another in one process, timed around the loop only (like crates/core/examples/presign_rate.rs).

    python3 presign_boto3.py COUNT ENDPOINT BUCKET ACCESS_KEY SECRET_KEY

Prints {"count", "seconds", "per_second", "mean_url_bytes", "sample_url"} as JSON.
"""

import json
import sys
import time

import boto3
from botocore.config import Config


def main() -> None:
    count, endpoint, bucket, key_id, secret = int(sys.argv[1]), *sys.argv[2:6]
    s3 = boto3.client(
        "s3", endpoint_url=endpoint, aws_access_key_id=key_id, aws_secret_access_key=secret,
        region_name="us-east-1",
        config=Config(s3={"addressing_style": "path"}, signature_version="s3v4"))
    sample_url = ""
    total = 0
    started = time.monotonic()
    for i in range(count):
        url = s3.generate_presigned_url(
            "get_object", Params={"Bucket": bucket, "Key": f"presign/{i:06d}.bin"}, ExpiresIn=3600)
        total += len(url)
        if i == 0:
            sample_url = url
    seconds = time.monotonic() - started
    print(json.dumps({
        "count": count,
        "seconds": seconds,
        "per_second": count / seconds if seconds > 0 else 0.0,
        "mean_url_bytes": total // count if count else 0,
        "sample_url": sample_url,
    }))


if __name__ == "__main__":
    main()
