"""LoRA fine-tuning of a BERT intent classifier, usable outside Rasa.

Import the submodules you need (``finetune.train``, ``finetune.model``...):
this package module stays light and imports no torch.
"""
