"""Which programs to offer a caller, from their triage answers. Pure and deterministic.

Answers (any may be missing; unknown values count as missing):
`who` self|family, `substance` alcohol|drugs|both|behaviour, `approach`
twelve_step|secular|not_sure, `goal` stop|cut_down|not_sure, `format`
in_person|online, `court_ordered` yes.

Rules:
1. Always 2 or 3 programs (`limit`, default 3), never the same one twice.
2. Family callers get only family programs: the 12-step ones fitting the
   substance (Al-Anon for alcohol, Nar-Anon for drugs, both for both) and
   the secular one (SMART Family & Friends), which comes first if they chose
   secular or it is about behaviour. `goal` and `court_ordered` are about the
   person they care for, so they are ignored.
3. A caller asking for themselves gets only programs for themselves:
   - twelve_step: the closest 12-step program for the substance (alcohol →
     AA, drugs → NA, both → NA, which covers any drug, then AA), and, when
     there is room, one secular program so the caller still has a choice;
   - secular: secular programs;
   - not sure (or missing): 12-step and secular programs in turn.
4. A secular program is always offered unless the caller chose twelve_step,
   wants to stop and is not court-ordered. It comes first for cut_down (SMART
   does not require stopping), for secular, for behaviour (gambling: SMART
   covers behaviours), and for court-ordered callers who did not ask for 12-step.
5. Online callers: programs with an online-meetings link come first within
   each group above.
6. Too few fits (behaviour, mostly): filled from the caller's audience,
   programs naming the substance first, secular before others.
Ties keep the catalogue's order, so operators decide by ordering the file.
Missing substance counts as both.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain, zip_longest

from helpline.programs.catalogue import Catalogue, Program, Substance

MIN_PROGRAMS = 2

_SUBSTANCES: Mapping[str, tuple[Substance, ...]] = {
    "alcohol": ("alcohol",),
    "drugs": ("drugs",),
    "both": ("alcohol", "drugs"),
    "behaviour": ("behaviour",),
    "behavior": ("behaviour",),
}


@dataclass(frozen=True)
class _Caller:
    family: bool
    substances: tuple[Substance, ...]
    approach: str  # twelve_step | secular | not_sure
    secular_required: bool
    secular_first: bool
    cut_down: bool
    online: bool


def recommend(catalogue: Catalogue, answers: Mapping[str, str], *, limit: int = 3) -> list[Program]:
    """The programs to offer, best first; see the module docstring for the rules."""
    if limit < MIN_PROGRAMS:
        raise ValueError(f"limit must be at least {MIN_PROGRAMS}: callers get a choice")
    caller = _read(answers)
    audience = catalogue.for_audience("family" if caller.family else "self")
    fitting = [p for p in audience if set(p.substances) & set(caller.substances)]

    twelve = _online_first(_closest_twelve_step(fitting, caller), caller)
    secular = _online_first(_rank_secular(fitting, caller), caller)
    others = _online_first([p for p in fitting if p not in twelve and p not in secular], caller)

    chosen = _dedupe(_core(caller, twelve, secular))[:limit]
    chosen = _ensure_secular(chosen, secular, caller, limit)
    if len(chosen) < MIN_PROGRAMS:
        rest = [p for p in audience if p not in fitting]
        spare = [*secular, *others, *twelve, *_secular_before_others(rest)]
        chosen = _dedupe([*chosen, *spare])[:MIN_PROGRAMS]
    return chosen


def _core(caller: _Caller, twelve: list[Program], secular: list[Program]) -> list[Program]:
    """The programs the caller's answers point to, before limits and fill."""
    if caller.family:
        return [*secular, *twelve] if caller.approach == "secular" else [*twelve, *secular]
    if caller.approach == "twelve_step":
        return [*twelve, *secular[:1]]
    if caller.approach == "secular":
        return secular
    first, second = (secular, twelve) if caller.secular_first else (twelve, secular)
    return [p for p in chain.from_iterable(zip_longest(first, second)) if p is not None]


def _read(answers: Mapping[str, str]) -> _Caller:
    def answer(key: str) -> str:
        return answers.get(key, "").strip().lower()

    family = answer("who") == "family"
    approach = answer("approach")
    if approach not in ("twelve_step", "secular"):
        approach = "not_sure"
    goal = answer("goal")
    cut_down = not family and goal == "cut_down"
    court = answer("court_ordered") == "yes"
    substances = _SUBSTANCES.get(answer("substance"), _SUBSTANCES["both"])
    behaviour = "behaviour" in substances
    if family:
        # A family member's own goal and court order are not what the programs answer.
        secular_required = True
        secular_first = approach == "secular" or behaviour
    else:
        secular_required = approach != "twelve_step" or goal != "stop" or court
        # Court-ordered callers often resent a spiritual program they did not choose: unless
        # they asked for 12-step themselves, the secular option leads.
        secular_first = (
            approach == "secular" or cut_down or behaviour or (court and approach == "not_sure")
        )
    return _Caller(
        family=family,
        substances=substances,
        approach=approach,
        secular_required=secular_required,
        secular_first=secular_first,
        cut_down=cut_down,
        online=answer("format") == "online",
    )


def _closest_twelve_step(programs: Sequence[Program], caller: _Caller) -> list[Program]:
    """The 12-step program closest to everything named, then the closest for each part.

    Closest = covers the substance with the fewest others, so alcohol gets AA
    (not NA, which covers more), and both gets NA (covers both) and then AA.
    """
    substances = caller.substances
    twelve = [p for p in programs if p.approach == "twelve_step"]
    targets = [substances, *((s,) for s in substances)] if len(substances) > 1 else [substances]
    chosen: list[Program] = []
    for target in targets:
        covering = [p for p in twelve if set(target) <= set(p.substances)]
        if covering:
            # Equally close: online meetings first for online callers, then catalogue
            # order (min() keeps the first of equals).
            best = min(
                covering,
                key=lambda p: (
                    len(set(p.substances) - set(target)),
                    caller.online and not p.has_online,
                ),
            )
            chosen.append(best)
    return _dedupe(chosen)


def _rank_secular(programs: Sequence[Program], caller: _Caller) -> list[Program]:
    secular = [p for p in programs if p.is_secular]
    if caller.cut_down:
        # Stable sort: programs that do not require stopping first, else catalogue order.
        secular.sort(key=lambda p: p.abstinence_goal)
    return secular


def _online_first(programs: Sequence[Program], caller: _Caller) -> list[Program]:
    if not caller.online:
        return list(programs)
    return sorted(programs, key=lambda p: not p.has_online)


def _secular_before_others(programs: Sequence[Program]) -> list[Program]:
    return sorted(programs, key=lambda p: not p.is_secular)


def _ensure_secular(
    chosen: list[Program], secular: Sequence[Program], caller: _Caller, limit: int
) -> list[Program]:
    if caller.secular_required and secular and not any(p.is_secular for p in chosen):
        chosen = [*chosen[: limit - 1], secular[0]]
    if caller.secular_first:
        first = next((p for p in chosen if p.is_secular), None)
        if first is not None:
            chosen = [first, *(p for p in chosen if p is not first)]
    return chosen


def _dedupe(programs: Iterable[Program]) -> list[Program]:
    seen: set[str] = set()
    unique = []
    for program in programs:
        if program.key not in seen:
            seen.add(program.key)
            unique.append(program)
    return unique
