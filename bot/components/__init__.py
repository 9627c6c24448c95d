"""Custom Rasa graph components of shopbot (the LoRA intent classifier).

Modules are imported by Rasa from ``config.yml`` by their full path; this package
module imports nothing so that ``import bot`` stays cheap.
"""
