"""Files and locations as the user typed them (relative below the working directory). No textual."""

from __future__ import annotations

import os

from explorer.model.location import Location


def shown_path(file: str) -> str:
    """A file as the user typed it: relative to the working directory when it is below it."""
    try:
        relative = os.path.relpath(file)
    except ValueError:  # another drive (Windows)
        return file
    return file if relative.startswith("..") else relative


def shown_location(location: Location | None) -> str:
    if location is None:
        return ""
    return str(Location(shown_path(location.file), location.line, location.column))
