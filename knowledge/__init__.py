"""Knowledge sources, index and search (no Rasa imports)."""
