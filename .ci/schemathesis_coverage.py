"""Counts what the token call answered in schemathesis' HAR report, by grant and status, and
fails unless both grants reached their success path (200) at least once.

Usage: schemathesis_coverage.py DIR (holding the --report-dir of `--report har` runs).
"""

import collections
import json
import pathlib
import sys
import urllib.parse

TOKEN_PATH = "/oauth/token"
GRANTS = ("password", "refresh_token")


def main(report_dir):
    counts = collections.Counter()
    for har in sorted(pathlib.Path(report_dir).rglob("*.json")):
        for entry in json.loads(har.read_text())["log"]["entries"]:
            request = entry["request"]
            if urllib.parse.urlsplit(request["url"]).path != TOKEN_PATH:
                continue
            form = urllib.parse.parse_qs(request.get("postData", {}).get("text", ""))
            grant = form.get("grant_type", [""])[0]
            counts[(grant if grant in GRANTS else "other", entry["response"]["status"])] += 1
    print(f"POST {TOKEN_PATH} by grant and status:")
    for (grant, status), count in sorted(counts.items()):
        print(f"  {grant:<14} {status}  {count}")
    missing = [grant for grant in GRANTS if counts[(grant, 200)] == 0]
    if missing:
        print(f"no 200 for the {' and '.join(missing)} grant: the success path was not reached")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
