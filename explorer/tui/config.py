"""The user's key remapping: `~/.config/ingress-explorer/keymap.toml`, binding id = keys.

    [keymap]
    "app.quit" = "ctrl+q"
    "app.controller" = "g"

Every Binding in the app has an id, so any key can be moved.
"""

from __future__ import annotations

import os
from pathlib import Path


def keymap_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "ingress-explorer" / "keymap.toml"


#: Where `s` saves screenshots, when set (else screenshots_dir() picks the platform's folder).
SCREENSHOTS_ENV = "INGRESS_EXPLORER_SCREENSHOTS"


def screenshots_dir() -> Path:
    """$INGRESS_EXPLORER_SCREENSHOTS, else ingress-explorer/ in the user's pictures folder, else in their data folder.

    Never the working directory: a screenshot taken in a clone left untracked files in it.
    """
    chosen = os.environ.get(SCREENSHOTS_ENV)
    if chosen:
        return Path(chosen).expanduser()
    import platformdirs

    pictures = Path(platformdirs.user_pictures_dir())
    if pictures.is_dir() and pictures != Path.home():
        return pictures / "ingress-explorer"
    return Path(platformdirs.user_data_dir("ingress-explorer")) / "screenshots"


def load_keymap(path: Path) -> dict[str, str]:
    """Binding id -> keys; {} when the file does not exist. ValueError names the file and what is wrong."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:  # the usual case: no remapping, and no TOML parser to import at start
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: cannot read: {exc}") from None
    import tomllib

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{path}: {exc}") from None
    keymap = data.get("keymap", {})
    if not isinstance(keymap, dict) or not all(isinstance(v, str) for v in keymap.values()):
        raise ValueError(f'{path}: write [keymap] with lines like "app.quit" = "ctrl+q"')
    return dict(keymap)
