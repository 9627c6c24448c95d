"""Rasa-side code of shopbot: custom NLU components, channels and tools."""
