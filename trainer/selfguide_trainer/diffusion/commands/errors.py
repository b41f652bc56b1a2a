"""Turn expected failures (bad config, missing files) into one clear line and exit code 2."""

from __future__ import annotations

import logging
import sys

from ..data.manifest import ManifestError

USER_ERRORS = (ValueError, FileNotFoundError, ManifestError)


def report_user_error(error: Exception, progress=None) -> int:
    message = str(error)
    if progress is not None:
        progress.emit("error", message=message)
    print(f"error: {message}", file=sys.stderr)
    return 2


def report_crash(error: Exception, progress=None) -> int:
    logging.getLogger(__name__).exception("training failed")
    if progress is not None:
        progress.emit("error", message=f"{type(error).__name__}: {error}")
    return 1
