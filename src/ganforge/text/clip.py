"""`clip`: placeholder filled below."""
