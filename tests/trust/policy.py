"""Who may use each route: the authorisation matrix, one line a route, read by tests/trust/test_authorisation.py.

Every rule of the app's URL map must be here (a new route without a policy fails the test). A policy names the
actors who get through; every other actor must be turned away: sent to sign in, 401 or 403 (or 404 where a private
link or another entry's object is asked for, so that its existence is not told).
"""

# The actors. A "holder" holds an entry's private edit link (of the entry the route is about, or of another one);
# "participant" has joined the workshop (its cookie); the two Bearer actors carry API tokens; "api_session" is a
# planner's session cookie (which the API must ignore).
ANONYMOUS, HOLDER, OTHER_HOLDER, PARTICIPANT = "anonymous", "holder", "other_holder", "participant"
PLANNER, FACILITATOR, ADMIN = "planner", "facilitator", "admin"
BEARER_PLANNER, BEARER_FACILITATOR, API_SESSION = "bearer_planner", "bearer_facilitator", "api_session"
ACTORS = (ANONYMOUS, HOLDER, OTHER_HOLDER, PARTICIPANT, PLANNER, FACILITATOR, ADMIN, BEARER_PLANNER,
          BEARER_FACILITATOR, API_SESSION)

EVERYONE = frozenset(ACTORS)
# Sessions on pages: api_session is a planner's session, so on pages it is a planner.
MODERATORS = frozenset({PLANNER, ADMIN, API_SESSION})
ADMINS = frozenset({ADMIN})
STAFF = frozenset({PLANNER, FACILITATOR, ADMIN, API_SESSION})
THIS_WORKSHOP_STAFF = frozenset({FACILITATOR, ADMIN})                 # its facilitator, and admins
REPORT_READERS = THIS_WORKSHOP_STAFF | {PARTICIPANT, BEARER_FACILITATOR}   # the report downloads take a token too
# The API: staff by Bearer token only.
API_MODERATORS = frozenset({BEARER_PLANNER})
API_STAFF = frozenset({BEARER_PLANNER, BEARER_FACILITATOR})
API_THIS_WORKSHOP_STAFF = frozenset({BEARER_FACILITATOR})
API_PARTICIPANTS = frozenset({PARTICIPANT, BEARER_FACILITATOR})      # its facilitator takes part too
# Private links: the link is the credential. Holders of any entry's link reach their own entry's pages; an object
# of this entry (a request for its offer) only through this entry's link.
HOLDERS = frozenset({HOLDER, OTHER_HOLDER})
THIS_HOLDER = frozenset({HOLDER})
LINK = EVERYONE   # the URL carries the right secret for everyone; a wrong secret is tested apart (404)

POLICY = {
    # -- public pages and files
    "public.map_page": EVERYONE, "public.asset_list": EVERYONE, "public.asset_page": EVERYONE,
    "public.favicon": EVERYONE, "public.static_file": EVERYONE, "vendor.file": EVERYONE, "health.healthz": EVERYONE,
    "contribute.new_asset": EVERYONE, "contribute.create_asset": EVERYONE, "contribute.submitted": EVERYONE,
    "capacity.search_page": EVERYONE, "exchange.request_form": EVERYONE, "exchange.sent": EVERYONE,
    "auth.sign_in": EVERYONE, "auth.sign_out": EVERYONE,
    "tiles.tile": EVERYONE, "tiles.tilejson": EVERYONE,
    "tiles.analysis_tile": MODERATORS | {BEARER_PLANNER}, "tiles.analysis_tilejson": MODERATORS | {BEARER_PLANNER},
    "ogc.landing": EVERYONE, "ogc.api": EVERYONE, "ogc.conformance": EVERYONE, "ogc.collection_list": EVERYONE,
    "ogc.collection": EVERYONE, "ogc.item_list": EVERYONE, "ogc.item": EVERYONE, "ogc.queryables": EVERYONE,
    # -- private links
    "contribute.edit": HOLDERS, "contribute.save": HOLDERS, "contribute.withdraw": HOLDERS,
    "freshness.confirm_edit": HOLDERS, "exchange.holder_list": HOLDERS,
    "exchange.holder_request": THIS_HOLDER,
    "freshness.confirm_link": LINK, "exchange.holder_page": LINK, "exchange.requester_page": LINK,
    # -- planners' pages
    "planner.moderation": MODERATORS, "planner.decide": MODERATORS, "planner.merge": MODERATORS,
    "planner.unmerge": MODERATORS, "planner_needs.waiting": MODERATORS, "planner_needs.decide": MODERATORS,
    "planner_requests.queue": MODERATORS, "planner_requests.one": MODERATORS,
    "planner_requests.log_request": MODERATORS,
    "planner_analysis.overlaps": MODERATORS, "planner_analysis.spend": MODERATORS,
    "planner_analysis.capacity": MODERATORS, "planner_analysis.reciprocity": MODERATORS,
    "planner_analysis.table": MODERATORS,
    "planner_data.index": MODERATORS, "planner_data.download": MODERATORS,
    "planner_upload.form": MODERATORS, "planner_upload.run": MODERATORS,
    "planner_upload.matching.match": MODERATORS, "planner_upload.matching.match_post": MODERATORS,
    "planner_upload.matching.saved_mapping": MODERATORS, "planner_upload.matching.template": MODERATORS,
    "planner_upload.rejects": MODERATORS,
    "planner_jobs.index": MODERATORS, "planner_jobs.show": MODERATORS, "planner_jobs.status": MODERATORS,
    "planner_jobs.rejects": MODERATORS,
    "freshness.staleness": MODERATORS, "freshness.staleness_csv": MODERATORS,
    "planner_history.page": MODERATORS, "planner_history.revert": MODERATORS,
    # -- admins' pages
    "admin.users": ADMINS, "admin.add_user": ADMINS, "admin.set_active": ADMINS, "admin.create_token": ADMINS,
    "admin.revoke_token": ADMINS, "admin_mail.page": ADMINS, "admin_mail.retry": ADMINS,
    "admin_mail.discard": ADMINS,
    # -- workshops
    "workshops.index": STAFF, "workshops.new": STAFF,
    "workshops.control": THIS_WORKSHOP_STAFF, "workshops.control_action": THIS_WORKSHOP_STAFF,
    "workshops.screen": THIS_WORKSHOP_STAFF,
    "workshops.qr_code": EVERYONE,   # the join link as a QR code: the code itself is what lets people join
    "workshops.enter_code": EVERYONE, "workshops.join": EVERYONE,
    "workshop_report.page": REPORT_READERS, "workshop_report.pdf": REPORT_READERS,
    "workshop_report.notes_csv": REPORT_READERS, "workshop_report.notes_geojson": REPORT_READERS,
    # -- the JSON API
    "api.list_assets": EVERYONE, "api.create_asset": EVERYONE, "api.get_asset": EVERYONE,
    "api.list_capacity": EVERYONE, "api.list_categories": EVERYONE, "api.list_neighbourhoods": EVERYONE,
    "api.search_places": EVERYONE, "openapi.document": EVERYONE,
    "api.moderate_asset": API_MODERATORS,
    "analysis_api.overlaps": API_MODERATORS, "analysis_api.spend": API_MODERATORS,
    "analysis_api.capacity": API_MODERATORS, "analysis_api.reciprocity": API_MODERATORS,
    "workshop_api.create": API_STAFF, "workshop_api.state": EVERYONE, "workshop_api.join": EVERYONE,
    "workshop_api.lock": API_THIS_WORKSHOP_STAFF, "workshop_api.unlock": API_THIS_WORKSHOP_STAFF,
    "workshop_api.close": API_THIS_WORKSHOP_STAFF,
    "workshop_api.me": API_PARTICIPANTS, "workshop_api.list_notes": API_PARTICIPANTS,
    "workshop_api.add_note": API_PARTICIPANTS, "workshop_api.edit_note": API_PARTICIPANTS,
    "workshop_api.withdraw_note": API_PARTICIPANTS, "workshop_api.add_comment": API_PARTICIPANTS,
    "workshop_api.vote": API_PARTICIPANTS, "workshop_api.unvote": API_PARTICIPANTS,
    "workshop_api.events": API_PARTICIPANTS, "workshop_layers.show_layer": API_PARTICIPANTS,
}
