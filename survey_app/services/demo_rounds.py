"""Demo rounds with a realistic spread of reports, for a development checkout.

- `lavterskel-psykisk-helse/2022`: 100 mill. kr to the 356 municipalities of the 2022
  register (Halden 3001, Ålesund 1507 with Haram) by the key called population: the
  health key the seed names is not in the shipped data, so the demo says which key it
  used rather than pretend (the Directorate's list can be imported instead with
  `grants import`); three opt-outs before 22 April 2022, paid 29 April 2022,
  reports due 1 April 2023: most submitted, some late, some drafts, some never opened;
  the deadline job has run, so the reviewers have flags to decide.
- `kommunalt-rusarbeid-overgang/2021` (closed, reported before this service) and `/2024`
  with positions, for the municipalities that had the grant in 2021.
- `langvarige-sammensatte-voksne/<this year - 1>`: open, its deadline ahead.

Everything is made from a fixed random seed, so two checkouts show the same figures; a
second run finds the rounds and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from forms.answers import answers_hash, answers_to_json, evaluate
from survey_app.extensions import db
from survey_app.models import Grant, GrantStatus, Response, Submission
from survey_app.services import flags, payments, responses, rounds
from survey_app.services import grants as grant_service

DEMO_ACTOR = "demo"
LAVTERSKEL = "lavterskel-psykisk-helse/2022"
OVERGANG_2021 = "kommunalt-rusarbeid-overgang/2021"
OVERGANG_2024 = "kommunalt-rusarbeid-overgang/2024"
OPT_OUTS = ("1867", "5054", "3434")  # Bø (Nordland), Indre Fosen, Lom: three who declined
DEMO_DRAFT, DEMO_SUBMITTED = "3405", "1577"  # the demo coordinator's two municipalities
SERVICES = ("more_staff", "extended_opening_hours", "prevention_early_intervention",
            "outreach", "cross_service_cooperation", "specialist_cooperation",
            "competence_building")
AREAS = ("mental_health_service", "health_station_school_health", "substance_use_service",
         "gp_emergency", "nav", "voluntary")


@dataclass
class DemoRounds:
    created: list[str]


def seed_rounds(today: dt.date) -> DemoRounds:
    rounds.sync_schemes()
    created = []
    for key, make in ((LAVTERSKEL, _lavterskel), (OVERGANG_2021, _overgang_2021),
                      (OVERGANG_2024, _overgang_2024)):
        if _missing(key):
            make()
            created.append(key)
    open_key = f"langvarige-sammensatte-voksne/{today.year - 1}"
    if _missing(open_key):
        _open_round(open_key, today)
        created.append(open_key)
    db.session.commit()
    return DemoRounds(created)


def _missing(key: str) -> bool:
    try:
        rounds.find_round(key)
    except rounds.RoundError:
        return True
    return False


# ---- lavterskel 2022 ------------------------------------------------------------------------


def _lavterskel() -> None:
    created = grant_service.open_round(LAVTERSKEL, rounds.RoundDates(
        opens_on=dt.date(2023, 1, 9), deadline=dt.date(2023, 4, 1), grace_days=14,
        opt_out_deadline=dt.date(2022, 4, 22), payment_date=dt.date(2022, 4, 29)),
        budget=100_000_000)
    grant_service.allocate(created, 100_000_000, grant_service.population_key(created.year),
                           actor=DEMO_ACTOR)
    for number in OPT_OUTS:
        grant_service.opt_out(created, number, DEMO_ACTOR, today=dt.date(2022, 4, 20))
    # Paid by the same job an operator runs (`grants pay`), as on its payment date.
    payments.pay_round(created, today=dt.date(2022, 4, 29), actor=DEMO_ACTOR)
    chance = random.Random(2022)  # noqa: S311 - demo figures, not security
    # In the order the grants were made, so that the figures drawn are the same on every
    # database (PostgreSQL returns updated rows in no fixed order).
    for grant in sorted(created.grants, key=lambda g: g.id):
        if grant.status == GrantStatus.PAID:
            _lavterskel_report(grant, chance)
    db.session.commit()
    # The deadline job as it would have run after the grace period: flags to review.
    flags.compute_round(created, dt.date(2023, 5, 1), actor=DEMO_ACTOR)


def lavterskel_pages(amount: int, chance: random.Random) -> dict[str, dict[str, list[str]]]:
    """A plausible report on the 2022 low-threshold grant, as its pages would be posted."""
    used = amount if chance.random() < 0.8 else int(amount * chance.uniform(0.5, 0.95))
    mapping = chance.random() < 0.04
    moved = chance.random() < 0.05
    groups = chance.sample(["children", "youth", "adults"], k=chance.randint(1, 3))
    users: dict[str, list[str]] = {"target_groups": groups, "counts_basis": ["estimated"]}
    for group in groups:
        known = chance.random() < 0.7
        users[f"{group}_number_known"] = ["yes" if known else "no"]
        if known:
            users[f"{group}_count"] = [str(chance.randint(5, 400))]
    economy = {"received": [str(amount)], "used_amount": [str(used)]}
    if used < amount:
        economy["unused_explanation"] = ["Stillingen ble besatt først etter sommeren."]
    conditions = {"used_for_mapping": ["yes" if mapping else "no"],
                  "transferred_to_next_year": ["yes" if moved else "no"]}
    if mapping:
        conditions.update(mapping_description=["Kartlegging av behov i ungdomsskolene."],
                          mapping_amount=[str(min(used, 50_000))])
    if moved:
        # never more than received (the questionnaire's rule): a small grant moves all of it
        conditions["transferred_amount"] = [str(min(amount, max(amount - used, 10_000)))]
    return {
        "services": {"services_strengthened": chance.sample(SERVICES, k=chance.randint(1, 3)),
                     "service_areas": chance.sample(AREAS, k=chance.randint(1, 2)),
                     "services_description": ["Lengre åpningstid og et lavterskeltilbud "
                                              "uten henvisning."]},
        "users": users,
        "importance": {"importance_capacity": [str(chance.randint(2, 5))],
                       "importance_competence": [str(chance.randint(1, 5))]},
        "economy": economy,
        "conditions": conditions,
        "declaration": {"declaration_confirmed": ["yes"], "respondent_name": ["Demo Person"],
                        "respondent_role": ["Kommunalsjef helse"]},
    }


def _lavterskel_report(grant: Grant, chance: random.Random) -> None:
    roll = chance.random()
    if grant.municipality_number == DEMO_DRAFT:
        roll = 0.95  # a draft for the demo coordinator to finish
    elif grant.municipality_number == DEMO_SUBMITTED:
        roll = 0.0
    if roll >= 0.97:
        return  # never opened
    pages = lavterskel_pages(grant.amount, chance)
    if roll >= 0.9:  # a draft: the first pages only
        pages = dict(list(pages.items())[:2])
    day = dt.datetime(2023, 3, 1, 9) + dt.timedelta(days=chance.randint(0, 31),
                                                     minutes=chance.randint(0, 600))
    if 0.8 <= roll < 0.9:
        day += dt.timedelta(days=35)  # after the deadline and the grace period
    response = _response(grant, pages, day)
    if roll < 0.9:
        _submission(grant, response, day)


def _response(grant: Grant, pages: dict[str, dict[str, list[str]]], at: dt.datetime) -> Response:
    questionnaire = responses.questionnaire_of(grant, None)
    stored = {sid: {"data": data, "version": i + 1, "by": DEMO_ACTOR, "at": at.isoformat()}
              for i, (sid, data) in enumerate(pages.items())}
    response = Response(grant_id=grant.id, questionnaire_id=questionnaire.id,
                        questionnaire_version=questionnaire.version,
                        content_hash=questionnaire.content_hash, pages=stored,
                        version=len(stored) + 1, current_section=list(pages)[-1],
                        started_at=at, started_by=DEMO_ACTOR, updated_at=at,
                        updated_by=DEMO_ACTOR)
    db.session.add(response)
    return response


def _submission(grant: Grant, response: Response, at: dt.datetime) -> None:
    evaluation = evaluate(responses.questionnaire_of(grant, response),
                          responses.page_data(response), responses.context_of(grant))
    if not evaluation.ok:
        raise RuntimeError(f"demo report for {grant.municipality_number} does not validate: "
                           f"{evaluation.pages_with_errors()}")
    stored = answers_to_json(evaluation.answers)
    response.status = "submitted"
    db.session.add(Submission(
        response=response, number=1, idempotency_key=f"demo-{grant.id:08d}-submission",
        reference=responses.reference(grant, 1), questionnaire_id=response.questionnaire_id,
        questionnaire_version=response.questionnaire_version,
        content_hash=response.content_hash, answers=stored, answers_hash=answers_hash(stored),
        submitted_at=at, submitted_by=DEMO_ACTOR, late=at.date() > grant.round.deadline))
    grant.status = GrantStatus.REPORTED


# ---- kommunalt rusarbeid ------------------------------------------------------------------------

# Municipalities with the grant in 2021 (and so eligible for the transitional scheme), in
# the 2021 numbering: Bærum 3024, Drammen 3005, Skien 3807, Ålesund 1507, Tromsø 5401 (from
# 2024: 3201, 3301, 4003, 1508, 5501). The first ten kept their numbers in 2024.
RUSARBEID_2021 = ("3405", "3403", "3407", "0301", "4601", "5001", "1804", "1577", "4204",
                  "1103", "3024", "3005", "3807", "1507", "5401")


def _overgang_2021() -> None:
    created = grant_service.open_round(OVERGANG_2021, rounds.RoundDates(
        opens_on=dt.date(2022, 1, 3), deadline=dt.date(2022, 2, 15)))
    lines = ["kommunenummer;beløp"] + [f"{n};{660_000 * (1 + i % 3)}"
                                        for i, n in enumerate(RUSARBEID_2021)]
    result = grant_service.import_grants(created, "\n".join(lines), "demo-2021.csv",
                                         actor=DEMO_ACTOR)
    if result.errors:
        raise RuntimeError("; ".join(result.errors))
    for grant in created.grants:
        grant.status = GrantStatus.CLOSED  # reported through Questback, before this service
    db.session.commit()


def _overgang_2024() -> None:
    created = grant_service.open_round(OVERGANG_2024, rounds.RoundDates(
        opens_on=dt.date(2024, 12, 2), deadline=dt.date(2025, 2, 1), grace_days=14))
    lines = ["kommunenummer;title;percent;track_year"]
    for i, number in enumerate(RUSARBEID_2021[:10]):
        lines.append(f"{number};Ruskonsulent;100;4")
        if i % 2 == 0:
            lines.append(f"{number};Erfaringskonsulent;{50 + 10 * (i % 4)};4")
    result = grant_service.import_positions(created, "\n".join(lines), "demo-2024.csv",
                                            actor=DEMO_ACTOR)
    if result.errors:
        raise RuntimeError("; ".join(result.errors))


def _open_round(key: str, today: dt.date) -> None:
    # A payment date in the grant year (the demo's choice: the seeds give only 2022's).
    created = grant_service.open_round(key, rounds.RoundDates(
        opens_on=today - dt.timedelta(days=20), deadline=today + dt.timedelta(days=60),
        grace_days=14, payment_date=dt.date(today.year - 1, 3, 1)))
    amounts = {"3405": 1_850_000, "1577": 920_000, "0301": 6_400_000, "4601": 3_100_000,
               "5001": 2_750_000, "3403": 1_200_000, "1804": 980_000}
    lines = ["kommunenummer;beløp"] + [f"{n};{a}" for n, a in amounts.items()]
    result = grant_service.import_grants(created, "\n".join(lines), "demo-open.csv",
                                         actor=DEMO_ACTOR)
    if result.errors:
        raise RuntimeError("; ".join(result.errors))
    payments.pay_round(created, today=today, actor=DEMO_ACTOR)
