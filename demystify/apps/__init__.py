"""Applications built on the core: counted apart from it, in the ring, and shown beside it.

Each module here uses only the public library (``import demystify as dm``): it
is what a user could write, which is why it is not part of the 1,000-line core.
"""
