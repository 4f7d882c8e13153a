"""How well generated images match their words: attribute accuracy on builtin:shapes."""
