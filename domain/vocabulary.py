"""Check vocabulary orchestrators refer to, importable without the checks: those load with the first
validation, not with the app (cold start). The fact names are in `domain.facts` (F.OPERATOR, ...)."""

# The checks asked again just before setup starts (what can change while a person confirms).
REVALIDATED_CHECKS = frozenset({"dataverse-capacity", "target-not-linked", "source-not-linked"})
