"""Helpers the tests share: generating from a path, as the CLI does but without writing."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from generator.config import Api, Pins
from generator.pipeline import Settings, read_sources
from generator.pipeline import generate as generate_sources


def generate(
    definitions: Path,
    show: Callable[[Path], str],
    pins: Mapping[str, Pins],
    targets: tuple[str, ...],
    template_dirs: tuple[Path, ...] = (),
    api: Api | None = None,
) -> dict[str, str]:
    """{path: contents} for the definitions at `definitions` (a folder or one file)."""
    settings = Settings(pins, targets, template_dirs, api or Api())
    return generate_sources(read_sources(definitions, show), show(definitions), settings)
