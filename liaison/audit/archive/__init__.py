"""The log as a file: ``export`` writes it, verified; ``importer`` loads one into an empty store after
``check`` verified the file alone, writing through the server-side ``script``; ``format`` is the file's
shape (shared by both directions)."""
