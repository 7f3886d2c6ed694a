"""Framework-free core of the Case Review Observatory.

Plain functions and dataclasses only: nothing here imports Django, so the same code runs
in the web app, the CLI, background tasks and benchmarks. A contract test enforces this.
"""

__version__ = "0.1.0"
