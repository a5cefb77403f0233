"""The readers' and panellists' flags API (issue 10 §5-7): published versions, evidence,
comparison and report downloads; a panellist's cited statements and flags; editors' answers."""
