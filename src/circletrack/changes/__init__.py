"""The changes a user makes: a report recorded, an item added or edited, a file imported, the
registry exported for Taskwarrior."""
