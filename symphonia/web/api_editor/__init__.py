"""The editors' API: a round's draft with its evidence, amendments, approval, publication."""
