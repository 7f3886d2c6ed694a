"""The production web server behind `observatory serve`: gunicorn, run from Python so that
`make run` and the national service start the app the same way. Threads, not only
processes, because most requests wait on the database or on files."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from gunicorn.app.base import BaseApplication


def prepare_metrics_dir() -> None:
    """Gunicorn's processes share their request counts through files in one folder
    (prometheus_client's multiprocess mode); it must be set before the library is imported
    and emptied at each start, or a restart would add old processes' counts."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        folder = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    else:
        data = Path(os.environ.get("OBSERVATORY_DATA",
                                   Path(__file__).resolve().parents[2] / "var"))
        folder = data / "metrics" / "web"
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(folder)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)


def _child_exit(server: Any, worker: Any) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


class Server(BaseApplication):
    def __init__(self, application: Any, options: dict[str, Any]) -> None:
        self.application = application
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        return self.application


def serve(host: str, port: int, workers: int, threads: int) -> None:
    from django.core.wsgi import get_wsgi_application

    Server(get_wsgi_application(), {
        "bind": f"{host}:{port}",
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread",
        # A report PDF or a large upload can take a while; a stuck request still ends.
        "timeout": 180,
        "graceful_timeout": 30,
        # No access log: every read that matters is in the audit log already, and a second
        # copy of readers' addresses would outlive the retention rules.
        "accesslog": None,
        "errorlog": "-",
        "proc_name": "observatory",
        # gunicorn's control socket lives in $HOME, shared by every installation on the
        # machine; nothing here uses it.
        "control_socket_disable": True,
        "child_exit": _child_exit,
    }).run()
