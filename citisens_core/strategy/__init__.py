"""Strategy: a profile mix × theme × phase × ladder step → reasoned advice.

* :mod:`~citisens_core.strategy.rules` loads and validates the rule tables
  (``citisens_core/data/regels/*.yaml``);
* :mod:`~citisens_core.strategy.engine` ranks channels and instruments with reasons,
  reports who a plan misses and gives tone advice;
* :mod:`~citisens_core.strategy.planner` chooses the channel mix with the most reach
  under constraints, and the reach-per-channel trade-off;
* :mod:`~citisens_core.strategy.render` writes the one-page note (Markdown, HTML).
"""

from citisens_core.dutch import fmt_count, fmt_pct, join_dutch
from citisens_core.strategy.engine import (
    DREMPEL,
    Advice,
    MissedResidents,
    Recommendation,
    advise,
    channel_reach,
    instrument_fit,
    instrument_reach,
    missed_residents,
    mix_from_row,
    mix_vector,
    tone_advice,
)
from citisens_core.strategy.planner import Plan, plan_campaign, tradeoff
from citisens_core.strategy.render import advice_to_html, advice_to_markdown, note_blocks
from citisens_core.strategy.rules import RULE_FILES, Rules, RulesError, load_rules, parse_rules

__all__ = [
    "DREMPEL", "RULE_FILES", "Advice", "MissedResidents", "Plan", "Recommendation", "Rules",
    "RulesError", "advice_to_html", "advice_to_markdown", "advise", "channel_reach",
    "fmt_count", "fmt_pct", "instrument_fit", "instrument_reach", "join_dutch", "load_rules",
    "missed_residents", "mix_from_row", "mix_vector", "note_blocks", "parse_rules",
    "plan_campaign", "tone_advice", "tradeoff",
]
