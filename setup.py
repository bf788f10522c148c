"""Ship the lessons and sample manifests with a wheel, under share/ingress-explorer/.

They stay top-level folders of the repository (people read and edit them
there); an editable install reads them in place, a wheel from here.
`explorer/bundled.py` looks in both places.
"""

from pathlib import Path

from setuptools import setup

HERE = Path(__file__).parent


def data_files(*folders: str) -> list[tuple[str, list[str]]]:
    found: dict[str, list[str]] = {}
    for folder in folders:
        for path in sorted((HERE / folder).rglob("*")):
            if path.is_file() and path.suffix in (".yaml", ".yml", ".json", ".md"):
                relative = path.relative_to(HERE)
                found.setdefault(f"share/ingress-explorer/{relative.parent.as_posix()}", []).append(
                    relative.as_posix())
    return sorted(found.items())


setup(data_files=data_files("lessons", "sample-manifests"))
