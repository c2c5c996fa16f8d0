"""A problem in talk.md or in what it points at, said in plain words; it stops the build."""


class BuildError(SystemExit):
    """Raised for anything the deck cannot be built with; its message names the culprit."""

    def __init__(self, message: str):
        super().__init__(f"slides/build.py: {message}")
