"""pytest plugin (auto-registered through the ``pytest11`` entry point). Work in progress."""
