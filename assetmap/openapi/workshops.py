"""/api/v1/workshops: set up and run a workshop (facilitators, API token), join it and add notes, votes and
comments (participants, X-Participant-Token or the workshop's cookie), follow it live, and see its map's layers."""

from __future__ import annotations

from ..workshops.codes import ALPHABET, LENGTH
from ..workshops.notes import COMMENT_MAX, TEXT_MAX
from ..workshops.participants import NAME_MAX, ORGANISATION_MAX
from ..workshops.sessions import KINDS
from ..workshops.setup import LAYERS, MAX_ROUNDS
from .context import Context
from .schemas import (
    GEOJSON,
    collection_of,
    errors,
    feature_with,
    idempotent,
    number,
    obj,
    ok,
    path,
    query,
    ref,
    text,
)

CODE = path("code", text(), f"the join code: {LENGTH} of {ALPHABET} (lower case, spaces and dashes forgiven)")
NOTE_ID = path("note_id", {"type": "integer", "minimum": 0}, "the note's id")
PARTICIPANT = [{"participantToken": []}, {"apiToken": []}]
FACILITATOR = [{"apiToken": []}]
_NOTE_GEOMETRY = {"oneOf": [ref("Point"), ref("Polygon")]}


def _json(schema) -> dict:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _note_in(partial: bool) -> dict:
    props = obj({"kind": text(enum=list(KINDS)), "text": text(TEXT_MAX, minLength=1)},
                [] if partial else ["kind", "text"], closed=True)
    geometry = {**_NOTE_GEOMETRY, "nullable": True} if partial else _NOTE_GEOMETRY
    return obj({"type": text(enum=["Feature"]), "id": {}, "geometry": geometry, "properties": props},
               ["type", "properties"] if partial else ["type", "geometry", "properties"], closed=True)


def schemas(ctx: Context) -> dict:
    hoods = ctx.of("neighbourhoods")
    return {
        "Polygon": obj({"type": text(enum=["Polygon"]), "coordinates": {"type": "array", "items": {
            "type": "array", "items": {"type": "array", "items": {"type": "number"}}}}}, ["type", "coordinates"]),
        "WorkshopState": obj({
            "code": text(), "title": text(), "state": text(enum=["open", "locked", "closed", "archived"]),
            "round": number(integer=True), "rounds": number(integer=True), "prompt": text(),
            "round_minutes": number(integer=True, nullable=True),
            "round_started_at": text(nullable=True, format="date-time"), "votes_per_person": number(integer=True),
        }, ["code", "title", "state", "round", "rounds", "prompt", "votes_per_person"]),
        "NewWorkshop": obj({
            "title": text(200, minLength=1),
            "rounds": {"type": "array", "items": text(300), "maxItems": MAX_ROUNDS,
                       "description": "the prompts, one per round (default: three)"},
            "round_minutes": {**number(integer=True, minimum=1, maximum=240), "nullable": True},
            "votes_per_person": number(integer=True, minimum=0, maximum=50),
            "layers": {"type": "array", "items": text(enum=list(LAYERS))},
            "neighbourhoods": {"type": "array", "items": text(enum=list(hoods)) if hoods else text()},
            "area": {"oneOf": [ref("Polygon"), ref("MultiPolygonGeometry")], "nullable": True},
        }, ["title"], closed=True),
        "MultiPolygonGeometry": obj({"type": text(enum=["MultiPolygon"]), "coordinates": {"type": "array"}},
                                    ["type", "coordinates"]),
        "NewNote": _note_in(partial=False),
        "NoteChange": _note_in(partial=True),
        "Note": obj({
            "id": number(integer=True), "kind": text(), "text": text(), "author": text(nullable=True),
            "organisation": text(nullable=True), "participant_id": number(integer=True, nullable=True),
            "round": number(integer=True, nullable=True), "status": text(), "votes": number(integer=True),
            "promoted": {"nullable": True}, "created_at": text(format="date-time"),
            "updated_at": text(format="date-time"),
            "comments": {"type": "array", "items": {"type": "object"}},
        }, ["id", "kind", "text", "status", "votes"]),
        "Votes": obj({"note_id": number(integer=True), "votes": number(integer=True), "mine": number(integer=True),
                      "votes_left": number(integer=True)}, ["note_id", "votes", "mine", "votes_left"]),
        "Created": obj({"id": number(integer=True)}, ["id"]),
    }


def paths(ctx: Context) -> dict:
    base = "/api/v1/workshops/{code}"
    state_change = {
        action: {"post": {
            "summary": f"{action.capitalize()} the workshop (its facilitator, or an admin)",
            "operationId": f"{action}Workshop", "tags": ["workshops"], "security": FACILITATOR,
            "parameters": [CODE],
            "responses": {"200": ok("The workshop's state after the change", ref("WorkshopState")),
                          **errors(401, 403, 404, 409)}}}
        for action in ("lock", "unlock", "close")}
    return {
        "/api/v1/workshops": {"post": {
            "summary": "Set up a workshop", "operationId": "createWorkshop", "tags": ["workshops"],
            "security": FACILITATOR, "requestBody": _json(ref("NewWorkshop")),
            "responses": {"201": ok("Made: its code and links", obj(
                {"code": text(), "join_url": text(), "screen_url": text()}, ["code", "join_url", "screen_url"]),
                headers={"Location": {"schema": {"type": "string"}}}), **errors(401, 403, 413, 422)}}},
        base: {"get": {
            "summary": "The session as the room sees it", "operationId": "getWorkshop", "tags": ["workshops"],
            "parameters": [CODE], "responses": {"200": ok("Its state", ref("WorkshopState")), **errors(404)}}},
        f"{base}/participants": {"post": idempotent({
            "summary": "Join: a participant token for this workshop (also set as a cookie)",
            "operationId": "joinWorkshop", "tags": ["workshops"], "parameters": [CODE],
            "requestBody": _json(obj({"name": text(NAME_MAX, minLength=1),
                                      "organisation": text(ORGANISATION_MAX, nullable=True)}, ["name"])),
            "responses": {"201": ok("Joined; keep the token: it is shown once", obj(
                {"participant_token": text(), "participant_id": number(integer=True),
                 "votes_per_person": number(integer=True)}, ["participant_token", "participant_id"]),
                headers={"Set-Cookie": {"schema": {"type": "string"}}}), **errors(404, 409, 413, 422, 429)}})},
        f"{base}/me": {"get": {
            "summary": "Who this token belongs to, and their votes", "operationId": "workshopMe",
            "tags": ["workshops"], "security": PARTICIPANT, "parameters": [CODE],
            "responses": {"200": ok("The participant", obj({
                "participant_id": number(integer=True), "name": text(), "organisation": text(nullable=True),
                "votes_left": number(integer=True),
                "votes": {"type": "object", "additionalProperties": {"type": "integer"},
                          "description": "note id → votes put there"}},
                ["participant_id", "name", "votes_left", "votes"])), **errors(401, 404)}}},
        f"{base}/notes": {
            "get": {
                "summary": "Every visible note, with the last event id to stream from",
                "operationId": "listNotes", "tags": ["workshops"], "security": PARTICIPANT,
                "parameters": [CODE, query("hidden", text(), "`1`: the facilitator sees hidden notes too "
                                                             "(ignored for others, and any other value)")],
                "responses": {"200": ok("Notes as GeoJSON", collection_of(
                    feature_with(ref("Note")), last_event_id=number(integer=True)), GEOJSON),
                    **errors(401, 404)}},
            "post": idempotent({
                "summary": "Add a note at a point or over an area", "operationId": "addNote",
                "tags": ["workshops"], "security": PARTICIPANT, "parameters": [CODE],
                "requestBody": _json(ref("NewNote")),
                "responses": {"201": ok("Added", ref("Created"), headers={"Location": {"schema": {"type": "string"}}}),
                              **errors(401, 404, 409, 413, 422, 429)}})},
        f"{base}/notes/{{note_id}}": {
            "patch": {
                "summary": "Change your own note", "operationId": "editNote", "tags": ["workshops"],
                "security": PARTICIPANT, "parameters": [CODE, NOTE_ID], "requestBody": _json(ref("NoteChange")),
                "responses": {"200": ok("Changed", ref("Created")), **errors(401, 403, 404, 409, 413, 422, 429)}},
            "delete": {
                "summary": "Withdraw your own note", "operationId": "withdrawNote", "tags": ["workshops"],
                "security": PARTICIPANT, "parameters": [CODE, NOTE_ID],
                "responses": {"204": {"description": "Withdrawn"}, **errors(401, 403, 404, 409)}}},
        f"{base}/notes/{{note_id}}/votes": {
            "post": idempotent({
                "summary": "Spend one vote on the note", "operationId": "vote", "tags": ["workshops"],
                "security": PARTICIPANT, "parameters": [CODE, NOTE_ID],
                "responses": {"201": ok("The note's tally and your votes left", ref("Votes")),
                              **errors(401, 404, 409, 429)}}),
            "delete": {
                "summary": "Take one vote back", "operationId": "unvote", "tags": ["workshops"],
                "security": PARTICIPANT, "parameters": [CODE, NOTE_ID],
                "responses": {"200": ok("The note's tally and your votes left", ref("Votes")),
                              **errors(401, 404, 409)}}},
        f"{base}/notes/{{note_id}}/comments": {"post": idempotent({
            "summary": "Comment on a note", "operationId": "addComment", "tags": ["workshops"],
            "security": PARTICIPANT, "parameters": [CODE, NOTE_ID],
            "requestBody": _json(obj({"text": text(COMMENT_MAX, minLength=1)}, ["text"], closed=True)),
            "responses": {"201": ok("Added", ref("Created")), **errors(401, 404, 409, 413, 422, 429)}})},
        **{f"{base}/{action}": item for action, item in state_change.items()},
        f"{base}/events": {"get": {
            "summary": "Server-Sent Events: every change, live", "operationId": "workshopEvents",
            "tags": ["workshops"], "security": PARTICIPANT,
            "description": "Each event has an `id:` (resume with Last-Event-ID, or `?after=` from the notes' "
                           "`last_event_id`) and JSON data; a comment line every 15 s keeps it open.",
            "parameters": [CODE, {"name": "Last-Event-ID", "in": "header", "required": False,
                                  "schema": {"type": "string"}}, query("after", text(), "the last event seen")],
            "responses": {"200": {"description": "The stream", "content": {"text/event-stream": {
                "schema": {"type": "string"}}}}, **errors(401, 404, 503)}}},
        f"{base}/layers/{{layer}}": {"get": {
            "summary": "One of the layers the facilitator chose, in the workshop's area",
            "operationId": "workshopLayer", "tags": ["workshops"], "security": PARTICIPANT,
            "description": "Takes no query parameters (any is refused with 400).",
            "parameters": [CODE, path("layer", text(enum=list(LAYERS)), "the layer")],
            "responses": {"200": ok("The layer as GeoJSON", collection_of(
                ref("Feature"), name=text(), title=text(), numberReturned=number(integer=True)), GEOJSON,
                headers={"ETag": {"schema": {"type": "string"}}}),
                "304": {"description": "Not modified since the ETag sent in If-None-Match."},
                **errors(400, 401, 404)}}},
    }
