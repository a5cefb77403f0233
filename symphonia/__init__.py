"""Symphonia: LLM-assisted Delphi consensus with faithful, traceable synthesis."""

__version__ = "0.1.0"
