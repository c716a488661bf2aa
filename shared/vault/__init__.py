"""The personal-data vault (ADR 0016): persons sealed under a key of their own, found in free text by keyed hashes.

``store`` seals, opens and forgets (crypto-shredding); ``persons`` checks what officers register;
``names`` (pure) finds the runs of words that may be a name; ``index`` keeps their keyed hashes.
"""
