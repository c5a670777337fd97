"""The demo town: a generated, made-up English town to try AssetMap with, and its loader."""

from .generate import DemoTown, generate_town
from .load import DemoAlreadyLoaded, DemoError, VocabularyMissing, load_demo, remove_demo

__all__ = ["DemoAlreadyLoaded", "DemoError", "DemoTown", "VocabularyMissing", "generate_town", "load_demo",
           "remove_demo"]
