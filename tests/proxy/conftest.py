"""The proxy's broken upstreams reuse the gate's broken-server middlewares (tests/gate/gate_variants.py)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "gate"))
