# `make workshop`: student copies of the notebooks in workshop/, every exercise's solution replaced
# by `raise NotImplementedError("not implemented yet — your turn")` (see demystify/exercises).
# Copies already in workshop/ are overwritten: hand them out, do not work in them here.
workshop: setup
	$(BIN)/python -m demystify.exercises student notebooks workshop
