"""`learned`: placeholder filled below."""
