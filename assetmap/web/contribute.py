"""Residents add a place and its spare capacity, with no account, and keep it up through a private edit link.

The form posts flat fields (`name`, …, offers as `capacity-<i>-<field>`); they become the nested data that the
shared rules (assetmap.model.submission.validate) check, and the rules' error keys (`capacity.0.schedule`) are
turned back into the ids of the fields they belong to, so each message sits next to its field.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from flask import (
    Blueprint,
    current_app,
    flash,
    get_flashed_messages,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_wtf.csrf import CSRFError

from .. import ratelimit, schedules
from ..geocode.gazetteer import GazetteerGeocoder
from ..maps import picker_map
from ..model import contributions, neighbourhoods, submission
from ..model.submission import MAX_OFFERS, AssetSubmission, ValidationFailed, normalise_postcode
from . import terms
from .db import get_conn
from .security import client_key, limit_link_writes
from .vendor import vendor_url

log = logging.getLogger(__name__)

bp = Blueprint("contribute", __name__, template_folder="templates")
# The form's day picker says a typed schedule is "more detailed than it can show" only when the schedule parses:
# the form gives it the words (empty for text that is not a schedule) in a data attribute.
bp.add_app_template_filter(schedules.checked_words, "schedule_words")

ASSET_INPUTS = ("name", "category", "description", "audience", "accessibility", "organisation", "address",
                "postcode", "contact_email", "contact_phone", "lon", "lat", "place_query")
OFFER_INPUTS = ("kind", "quantity", "unit", "schedule", "cost", "audience", "description")
# What a resident types: an offer row with none of these is blank and ignored (unit and cost have defaults).
OFFER_TYPED = ("kind", "quantity", "schedule", "audience", "description")
MAX_ROWS = 100     # rows read from one post; the rules allow MAX_OFFERS, and say so beyond that
HONEYPOT = "website"
SUBMITTED = "contribute.submitted"   # session key: the edit link, shown once on the confirmation page

LABELS = {
    "name": "Name", "category": "Category", "description": "Description", "location": "Location",
    "address": "Address", "postcode": "Postcode", "private_home": "Private home", "audience": "Who can use it",
    "accessibility": "Accessibility", "organisation": "Organisation", "capacity": "Spare capacity",
    "contact_email": "Email", "contact_phone": "Phone",
}
OFFER_LABELS = {"kind": "What it is", "quantity": "How much", "unit": "Counted in", "schedule": "When",
                "cost": "Cost", "audience": "Who it is for", "description": "Anything else"}
# Page order of the fields, for the error summary; offers come between these two groups.
ORDER_BEFORE_OFFERS = ("name", "category", "description", "location", "address", "postcode", "private_home",
                       "audience", "accessibility", "organisation", "capacity")
ORDER_AFTER_OFFERS = ("contact_email", "contact_phone")
# The field a summary link should focus, where it is not the field of the same id.
LINK_TARGETS = {"location": "place_query", "capacity": "offers-heading"}

STATUS_WORDS = {"pending": "Waiting to be checked", "published": "On the map", "rejected": "Not published",
                "archived": "Withdrawn"}

_OFFER_KEY = re.compile(r"^capacity-(\d{1,4})-([a-z_]+)$")


@dataclass
class FormState:
    """Everything the resident typed, as text, so the form can be shown again exactly as they left it."""

    values: dict[str, str] = field(default_factory=lambda: dict.fromkeys(ASSET_INPUTS, ""))
    private_home: bool = False
    offers: list[dict[str, str]] = field(default_factory=lambda: [blank_offer()])

    @classmethod
    def from_form(cls, form) -> FormState:
        values = {k: _text(form.get(k)) for k in ASSET_INPUTS}
        rows: dict[int, dict[str, str]] = {}
        for key in form:
            m = _OFFER_KEY.match(key)
            if m and m.group(2) in OFFER_INPUTS:
                rows.setdefault(int(m.group(1)), {})[m.group(2)] = _text(form.get(key))
        offers = [blank_offer() | rows[i] for i in sorted(rows)[:MAX_ROWS]]
        return cls(values, bool(form.get("private_home")), offers or [blank_offer()])

    @classmethod
    def from_submission(cls, sub: AssetSubmission) -> FormState:
        values = {"name": sub.name, "category": sub.category, "description": sub.description,
                  "audience": sub.audience, "accessibility": sub.accessibility, "organisation": sub.organisation,
                  "address": sub.address, "postcode": sub.postcode or "", "contact_email": sub.contact_email or "",
                  "contact_phone": sub.contact_phone or "", "lon": f"{sub.lon:.6f}", "lat": f"{sub.lat:.6f}",
                  "place_query": ""}
        offers = [{"kind": o.kind, "quantity": "" if o.quantity is None else f"{o.quantity:g}",
                   "unit": o.unit or "", "schedule": o.schedule or "", "cost": o.cost, "audience": o.audience,
                   "description": o.description} for o in sub.offers]
        return cls(values, sub.private_home, offers or [blank_offer()])

    def used_rows(self) -> list[int]:
        return [i for i, o in enumerate(self.offers) if any(o[f].strip() for f in OFFER_TYPED)]

    def data(self) -> dict:
        """The nested data the shared rules take; blank offer rows left out."""
        capacity = []
        for i in self.used_rows():
            offer = dict(self.offers[i])
            if not offer["quantity"].strip():
                offer["unit"] = ""   # a unit with nothing to count is no mistake worth an error
            capacity.append(offer)
        fields = {k: v for k, v in self.values.items() if k != "place_query"}
        return fields | {"private_home": self.private_home, "capacity": capacity}


def blank_offer() -> dict[str, str]:
    return dict.fromkeys(OFFER_INPUTS, "") | {"cost": "free"}


def _text(value) -> str:
    # Browsers send line breaks in textareas as CRLF: store plain LF.
    return (value or "").replace("\r\n", "\n")


def sentence(label: str, message: str) -> str:
    """Rule messages are fragments ('is not a UK postcode'): make a sentence a resident can read alone."""
    if message.startswith(("is ", "must ", "are ")):
        text = f"{label} {message}"
    else:
        text = message[:1].upper() + message[1:]
    return text.rstrip(".") + "."


def field_errors(errors: dict[str, str], used: list[int]) -> dict[str, str]:
    """Rule error keys → form field ids with readable messages."""
    out = {}
    for key, message in errors.items():
        parts = key.split(".")
        if parts[0] == "capacity" and len(parts) >= 2 and parts[1].isdigit() and int(parts[1]) < len(used):
            name = parts[2] if len(parts) > 2 else "kind"
            out[f"capacity-{used[int(parts[1])]}-{name}"] = sentence(OFFER_LABELS.get(name, name), message)
        else:
            out[key] = sentence(LABELS.get(key, key.replace("_", " ").capitalize()), message)
    return out


def error_summary(errors: dict[str, str], offers: int) -> list[tuple[str, str]]:
    """(id to link to, text) for each error, in the order the fields appear on the page."""
    order = [*ORDER_BEFORE_OFFERS,
             *(f"capacity-{i}-{f}" for i in range(offers) for f in OFFER_INPUTS), *ORDER_AFTER_OFFERS]
    rank = {k: n for n, k in enumerate(order)}
    items = []
    for key in sorted(errors, key=lambda k: rank.get(k, len(order))):
        m = _OFFER_KEY.match(key)
        text = f"Offer {int(m.group(1)) + 1}: {errors[key]}" if m else errors[key]
        items.append((LINK_TARGETS.get(key, key), text))
    return items


def _locate_by_postcode(conn, state: FormState) -> None:
    """No point chosen (no JavaScript, say): use the postcode searched for, or the address postcode."""
    values = state.values
    if values["lon"].strip() or values["lat"].strip():
        return
    for raw in (values["place_query"], values["postcode"]):
        # Postcode-shaped text only, and only an exact postcode: never a guess from a similar name.
        found = GazetteerGeocoder(conn).geocode(raw) if raw.strip() and normalise_postcode(raw) else None
        if found is not None:
            values["lon"], values["lat"] = f"{found.lon:.6f}", f"{found.lat:.6f}"
            return


def _rate_limit(conn) -> None:
    rule = ratelimit.Rule.parse(current_app.config["ASSETMAP"].submit_rate)
    ratelimit.hit(conn, f"submit:{client_key()}", rule)   # the same count as the API's, per client


def _private(response):
    """Pages that show an edit link or contact details: no referrer, no caches, no search engines."""
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def _render_form(conn, state: FormState, *, status: int = 200, errors: dict[str, str] | None = None,
                 editable: contributions.EditableAsset | None = None, token: str | None = None,
                 version: int | None = None, problem: str | None = None, focus: str | None = None):
    settings = current_app.config["ASSETMAP"]
    the_map = picker_map.build(neighbourhoods.extent(conn), tiles=settings.tiles,
                               tiles_attribution=settings.tiles_attribution, vendor_url=vendor_url)
    errors = errors or {}
    kinds = terms.terms("capacity_kinds")
    html = render_template(
        "asset_form.html", state=state, errors=errors, summary=error_summary(errors, len(state.offers)),
        the_map=the_map, categories=terms.terms("categories"), capacity_kinds=kinds,
        default_units={k.code: k.default_unit for k in kinds if k.default_unit},
        units=[(t.code, t.plural) for t in terms.terms("units")],
        costs=[(t.code, t.label) for t in terms.terms("costs")],
        max_offers=MAX_OFFERS, editable=editable, token=token, version=version, problem=problem, focus=focus,
        status_words=STATUS_WORDS, saved=get_flashed_messages(category_filter=["saved"]),
        action=url_for(".edit", token=token) if token else url_for(".new_asset"))
    response = make_response(html, status)
    return _private(response) if token else response


def _with_another_offer(conn, state: FormState, **kwargs):
    """The no-JavaScript "Add another offer" button: the same form, one blank offer more, nothing checked yet."""
    if len(state.offers) < MAX_OFFERS:
        state.offers.append(blank_offer())
    return _render_form(conn, state, focus=f"capacity-{len(state.offers) - 1}-kind", **kwargs)


@bp.get("/assets/new")
def new_asset():
    """The add form: a blank entry with one blank offer."""
    return _render_form(get_conn(), FormState())


@bp.post("/assets/new")
def create_asset():
    """Check the entry; store it pending and show the edit link once, or show the form again with the problems."""
    conn = get_conn()
    state = FormState.from_form(request.form)
    if request.form.get(HONEYPOT, "").strip():
        # Only bots fill a field people cannot see: tell them it worked, store nothing.
        log.info("honeypot filled by %s: nothing stored", client_key())
        session[SUBMITTED] = {"name": state.values["name"][:200], "token": contributions.new_token()}
        return redirect(url_for(".submitted"), 303)
    if "add_offer" in request.form:
        return _with_another_offer(conn, state)
    _rate_limit(conn)   # before the checks: invalid submissions count too
    _locate_by_postcode(conn, state)
    try:
        sub = submission.validate(conn, state.data())
    except ValidationFailed as exc:
        return _render_form(conn, state, status=422, errors=field_errors(exc.errors, state.used_rows()))
    created = contributions.create_asset(conn, sub)
    # The link travels in the signed session cookie, not the address: it must not land in history or logs.
    session[SUBMITTED] = {"name": sub.name, "token": created.edit_token}
    return redirect(url_for(".submitted"), 303)


@bp.get("/assets/new/sent")
def submitted():
    """The confirmation: the private edit link, once; a reload says it was shown once."""
    shown = session.pop(SUBMITTED, None)
    edit_url = url_for(".edit", token=shown["token"], _external=True) if shown else None
    html = render_template("asset_submitted.html", name=shown["name"] if shown else None, edit_url=edit_url)
    return _private(make_response(html))


@bp.get("/edit/<token>")
def edit(token: str):
    """The edit-link holder's page: the form filled in from what is stored (with their change, while it waits to be
    checked), and the entry's status."""
    conn = get_conn()
    editable = contributions.find_by_token(conn, token)
    if editable.status == "archived":
        return _private(make_response(render_template("asset_withdrawn.html", editable=editable, confirm=False)))
    waiting = editable.draft is not None and editable.draft.status == "pending"
    return _render_form(conn, FormState.from_submission(editable.proposed if waiting else editable.submission),
                        editable=editable, token=token, version=editable.version)


@bp.post("/edit/<token>")
def save(token: str):
    """Save the edit-link holder's changes; a public change to a published entry waits to be checked, and the
    published version stays on the map meanwhile."""
    conn = get_conn()
    editable = contributions.find_by_token(conn, token)
    if editable.status == "archived":
        return redirect(url_for(".edit", token=token), 303)
    state = FormState.from_form(request.form)
    version = int(request.form["version"]) if request.form.get("version", "").isdigit() else -1
    context = {"editable": editable, "token": token, "version": version}
    if "add_offer" in request.form:
        return _with_another_offer(conn, state, **context)
    _rate_limit(conn)
    _locate_by_postcode(conn, state)
    try:
        sub = submission.validate(conn, state.data())
    except ValidationFailed as exc:
        return _render_form(conn, state, status=422, errors=field_errors(exc.errors, state.used_rows()), **context)
    try:
        updated = contributions.update_by_token(conn, token, sub, version)
    except contributions.Conflict as exc:
        return _render_form(conn, state, status=409, problem=str(exc), **context)
    flash(saved_message(editable, updated), "saved")
    return redirect(url_for(".edit", token=token), 303)


def saved_message(before: contributions.EditableAsset, after: contributions.EditableAsset) -> str:
    waiting = after.draft is not None and after.draft.status == "pending"
    if after.status == "published" and waiting:
        return ("Your changes are saved. You changed what people see, so someone will check the change before it "
                "is shown. Until then the map keeps showing your entry as it was published.")
    if after.status == "published":
        if before.draft is not None and before.draft.status == "pending":
            return "Your changes are saved and shown on the map. Nothing is waiting to be checked any more."
        return "Your changes are saved and shown on the map."
    if before.status == "rejected" and after.status == "pending":
        return "Your changes are saved. We will check your entry again."
    if after.status == "rejected":
        return "Your changes are saved. Your entry is still not published."
    return "Your changes are saved. Your entry is still waiting to be checked."


@bp.post("/edit/<token>/withdraw")
def withdraw(token: str):
    """Withdraw the entry, after a confirmation step: the first press asks, the second (confirm=yes) does it."""
    limit_link_writes()
    conn = get_conn()
    editable = contributions.find_by_token(conn, token)
    if editable.status != "archived":
        if request.form.get("confirm") != "yes":
            html = render_template("asset_withdrawn.html", editable=editable, confirm=True, token=token)
            return _private(make_response(html))
        contributions.withdraw_by_token(conn, token)
    return redirect(url_for(".edit", token=token), 303)


@bp.errorhandler(CSRFError)
def _session_lost(exc: CSRFError):
    """A phone that dropped its session cookie must not cost the resident what they typed: show it again."""
    conn = get_conn()
    problem = ("We could not send your entry because your browser lost track of this page (this can happen "
               "when a page is left open for a long time). Everything you typed is below: please send it again.")
    if request.endpoint == "contribute.create_asset":
        return _render_form(conn, FormState.from_form(request.form), status=400, problem=problem)
    token = (request.view_args or {}).get("token")
    if request.endpoint == "contribute.save" and token:
        editable = contributions.find_by_token(conn, token)
        version = int(request.form["version"]) if request.form.get("version", "").isdigit() else -1
        return _render_form(conn, FormState.from_form(request.form), status=400, problem=problem,
                            editable=editable, token=token, version=version)
    if token:
        return redirect(url_for(".edit", token=token), 303)
    return render_template("error.html", status=400, message=exc.description), 400
