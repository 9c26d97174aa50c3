"""Markdown: the segmenter, its units, front matter, HTML prose and the structure check."""
