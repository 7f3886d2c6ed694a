"""Coding (issue 4), framework-free: codebooks as data and their formats, code suggestions
(rules, similarity, a learned model), agreement between coders, REFI-QDA exchange."""

from .agreement import Agreement, cohen_kappa, compare, krippendorff_alpha
from .codebook import (
           Code,
           Codebook,
           CodebookError,
           load_codebook,
           parse_codebook,
           shipped_codebooks,
)

__all__ = ["Agreement", "Code", "Codebook", "CodebookError", "cohen_kappa", "compare",
           "krippendorff_alpha", "load_codebook", "parse_codebook", "shipped_codebooks"]
