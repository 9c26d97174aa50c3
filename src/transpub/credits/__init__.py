"""Credits and recognition: the credit records (``contributions``), the people registry
(``people``), fair tallies (``tally``), the translator ladder (``ladder``), the recognition
report (``report``, ``charts``) and exports (``exports``: contributors page, all-contributors,
certificate).
"""
