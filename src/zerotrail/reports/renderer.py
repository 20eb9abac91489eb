"""The chart renderer's own process: `python -m zerotrail.reports.renderer`.

Where it sits: reports, behind `charts.render_svgs`. vl-convert is native code; on some input
it panics and aborts the process that called it, which Python cannot catch. The report
therefore draws its charts here, in a child process: if the renderer aborts, only this process
dies, and the report fails with an error instead of taking the publication down half-written.

Reads from stdin {"vl_version": "5.20", "charts": [{"name": ..., "spec": {...}}, ...]}; writes
to stdout a JSON list with, per chart, {"svg": text} or {"error": message} (a spec the renderer
refused). Before each chart it writes "drawing NAME" on stderr, so a parent can name the chart
a crash happened on. Imports only vl-convert: Altair and zerotrail's charts stay in the parent.
"""

from __future__ import annotations

import json
import sys
from typing import Any

MARKER = "drawing "


def draw(request: dict[str, Any]) -> list[dict[str, str]]:
    import vl_convert

    out = []
    for chart in request["charts"]:
        sys.stderr.write(f"{MARKER}{chart['name']}\n")
        sys.stderr.flush()
        try:
            svg = vl_convert.vegalite_to_svg(
                chart["spec"],
                vl_version=request["vl_version"],
                allowed_base_urls=[],
                format_locale="en-US",
            )
        except Exception as exc:  # the renderer refused the spec: report it, go on
            out.append({"error": str(exc)})
        else:
            out.append({"svg": svg})
    return out


def main() -> None:
    request = json.loads(sys.stdin.buffer.read())
    result = json.dumps(draw(request))
    sys.stdout.write(result)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
