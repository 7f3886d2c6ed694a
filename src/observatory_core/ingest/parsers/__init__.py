"""Parsers, one module per format, registered on import (see ``base``)."""

from __future__ import annotations

from . import html, pdf, plain, word  # noqa: F401 - importing registers them
from .base import Parser, choose_parser, register, registered

__all__ = ["Parser", "choose_parser", "register", "registered"]
