"""PO catalogs: the file format, merging, review-queue state, sync and file-level convert."""
