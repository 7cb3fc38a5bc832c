"""Lists the test executables a `cargo test --no-run --message-format=json`
build made, one "PACKAGE-DIR<TAB>EXECUTABLE<TAB>KIND" line each (KIND is
cargo's target kind: lib, bin, test, bench, example), in cargo's order.

scripts/test.sh runs them itself (from the package's directory, as
`cargo test` does) so that cargo can build the docs and run clippy while
the tests run.
"""

import json
import os
import sys


def main() -> None:
    seen = set()
    with open(sys.argv[1], encoding="utf-8") as build:
        for line in build:
            msg = json.loads(line)
            if msg.get("reason") != "compiler-artifact" or not msg.get("executable"):
                continue
            if not msg["profile"]["test"] or msg["executable"] in seen:
                continue
            seen.add(msg["executable"])
            kind = msg["target"]["kind"][0]
            print(os.path.dirname(msg["manifest_path"]) + "\t" + msg["executable"] + "\t" + kind)


if __name__ == "__main__":
    main()
