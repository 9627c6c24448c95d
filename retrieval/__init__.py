"""Retrieval of past support answers: BERT sentence embeddings over a FAISS index.

Importing this package is cheap: torch, transformers and faiss load only inside the
functions that need them. See README.md for a map of the modules.
"""
