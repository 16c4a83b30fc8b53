"""A run folder's life: atomic writes, the folder lock, provenance and the completion markers."""
