#!/usr/bin/env python3
"""The modules that keep state per member call each other only downwards.

A module depends on another when one of its files includes that module's
internal header (lib/internal/<module>.h) or public header
(include/patron/<module>.h). The member core depends on none of them; the
ledger only on the core; nothing below profile reaches profile (merging is
orchestrated in lib/profile/merge.c, above the ledger and journeys).
ALLOWED is the whole dependency graph: a new edge must be added here, on
purpose. Usage: check_module_deps.py SOURCE_ROOT"""
import pathlib
import re
import sys

ALLOWED = {
    "member": set(),
    # the audit trail and the outbox sit on the store: every module that
    # changes state appends to them; the audit trail calls nobody, the
    # outbox only the trail (switching it on is audited)
    "events": {"audit"},
    "audit": set(),
    "ledger": {"member", "events", "audit"},
    "earn": {"member", "ledger", "tier", "audit"},   # tier: the member's tier; upgrade after a purchase
    "tier": {"member", "ledger", "earn", "events", "audit"},   # earn: qualifying spend and purchase counts
    "journey": {"profile"},                 # its state is profile attributes
    "profile": {"member", "ledger", "tier", "journey", "events", "audit"},
    "behaviour": {"member", "profile"},    # events besides purchases; profile: identifiers in an import
    # the frame's member columns: the profile, ledger and tier APIs; who,
    # joined and consents of a large frame from one scan of the core and one
    # of the profile's consents
    "segment": {"member", "profile", "ledger", "tier"},
    # assignments over a caller's frame; conversions from the earning
    # module's purchases, the funnel from behaviour events
    "campaign": {"member", "earn", "behaviour", "segment", "audit"},
    "mart": {"member", "earn", "profile", "journey", "tier", "ledger", "behaviour", "segment", "campaign", "coupon"},  # the store read back
    "reward": {"member", "ledger", "tier", "events", "audit"},  # tier: a reward's minimum tier
    "coupon": {"member", "events", "audit"},
}
HEADER = {  # header -> module
    **{f"internal/{m}.h": m for m in ALLOWED},
    **{f"patron/{m}.h": m for m in ALLOWED},
    "internal/profile_int.h": "profile",
    "patron/member.h": "member",
}
root = pathlib.Path(sys.argv[1]) / "lib"
include = re.compile(r'#include "([^"]+)"')
problems, edges = [], set()
for module in ALLOWED:
    for source in sorted((root / module).glob("*.[ch]")):
        for h in include.findall(source.read_text()):
            dep = HEADER.get(h)
            if dep is None or dep == module:
                continue
            edges.add((module, dep))
            if dep not in ALLOWED[module]:
                problems.append(f"{source.relative_to(root.parent)}: {module} depends on {dep} ({h})")


def reaches(a, b, seen=()):
    return any(d == b or (d not in seen and reaches(d, b, seen + (d,))) for m, d in edges if m == a)


for low, high in [(b, m) for b in ("member", "events", "audit") for m in ALLOWED
                   if m != b and (b, m) != ("events", "audit")] + [("ledger", "profile"), ("ledger", "earn"),
                                                                    ("ledger", "tier"), ("ledger", "journey")] + [
                      (m, "mart") for m in ALLOWED if m != "mart"]:
    if reaches(low, high):
        problems.append(f"{low} reaches {high}: a lower module depends on a higher one")
if len(edges) < 8:
    sys.exit(f"only {len(edges)} dependencies found: the include pattern no longer matches the sources")
for p in problems:
    print(p)
print(f"{len(edges)} module dependencies, {len(problems)} problems")
sys.exit(1 if problems else 0)
