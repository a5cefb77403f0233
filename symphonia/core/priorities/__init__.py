"""Prioritisation studies: a panel scores candidate items against pre-registered, weighted
criteria, and the answer is a ranked list with its uncertainty and its group splits.

Pure domain code (no I/O): the definition and its rules (:mod:`.definition`), one rater's
score of one item on one criterion (:mod:`.scores`), the weighted score (:mod:`.weighting`),
the ranking methods (:mod:`.schulze`, :mod:`.borda`), the bootstrap (:mod:`.bootstrap`),
rankings per rater and per group (:mod:`.ranking`), weight sensitivity
(:mod:`.sensitivity`), change between rounds (:mod:`.rounds`) and the whole analysis of a
round (:mod:`.analysis`).
"""
