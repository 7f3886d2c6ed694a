"""Where document files live: readable by the service's own account only.

Stored reports, IMRs and chronologies are served only through views that check
permissions and audit; nobody else on the machine has any reason to read them. So every
file is created 0600 and every folder 0700, whatever the process's umask (the default
umask leaves them world-readable, 0644/0755). docs/security.md, "File permissions".
"""

from __future__ import annotations

import os
from typing import Any

from django.core.files.storage import FileSystemStorage

FILE_MODE = 0o600
DIRECTORY_MODE = 0o700


class PrivateFileSystemStorage(FileSystemStorage):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("file_permissions_mode", FILE_MODE)
        kwargs.setdefault("directory_permissions_mode", DIRECTORY_MODE)
        super().__init__(*args, **kwargs)

    def _save(self, name: str, content: Any) -> str:
        # Folders made by Django here get DIRECTORY_MODE; the storage's own root may have
        # been made earlier by something else, so it is closed too.
        os.makedirs(self.location, mode=DIRECTORY_MODE, exist_ok=True)
        if os.stat(self.location).st_uid == os.getuid():
            os.chmod(self.location, DIRECTORY_MODE)
        return super()._save(name, content)
