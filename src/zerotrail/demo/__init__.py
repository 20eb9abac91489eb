"""The demo company Emmet Group, generated from a seed (see generate.py and plan.py).

`write_demo` writes its import files; `write_scaled` writes its procurement and telemetry at
benchmark scale as Parquet.
"""

from zerotrail.demo.generate import DemoFiles, write_demo, write_scaled

__all__ = ["DemoFiles", "write_demo", "write_scaled"]
