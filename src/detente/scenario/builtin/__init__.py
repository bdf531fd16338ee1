"""The scenarios shipped with detente, as YAML files in this folder."""

from __future__ import annotations

from importlib import resources


def builtin_names() -> list[str]:
    """Names of the built-in scenarios (file stems), sorted."""
    folder = resources.files(__name__)
    return sorted(
        p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml")
    )


def builtin_text(name: str) -> str:
    """The YAML text of a built-in scenario."""
    return resources.files(__name__).joinpath(f"{name}.yaml").read_text(encoding="utf-8")
