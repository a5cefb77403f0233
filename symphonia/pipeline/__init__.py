"""Analysis pipeline: embed, reduce, cluster, describe, classify, draft, guard.

Takes and returns `symphonia.core` objects; never touches the database or the web.
Heavy libraries (torch, sentence-transformers, hdbscan) are imported inside the adapters.
"""
