"""The words HSDS services are matched against, and the names HSDS uses for days, statuses and CSV files.

AGENCY_KINDS, THEMES and CLIENT_GROUPS are keyword patterns searched in an organisation's name and a service's
taxonomy terms (mapping.py states the rules); the first match wins where order matters. TABLES lists, for each table
of a CSV data package, its datapackage resource name and the file names seen in the wild.
"""

from __future__ import annotations

AGENCY_KINDS = [   # first match wins: "NHS Housing Team" is an NHS service
    ("nhs", r"\bNHS\b|integrated care board|foundation trust|clinical commissioning"),
    ("police", r"\bpolice\b|constabulary"),
    ("dwp", r"jobcentre|\bDWP\b|department for work and pensions"),
    ("council", r"\bcouncil\b"),
    ("housing", r"\bhousing\b|\bhomes\b"),
    ("education", r"\bschool\b|\bcollege\b|\buniversity\b|\bacademy\b"),
]

THEMES = [   # specific before general: "mental health" must not fall into "health"
    ("domestic_abuse", r"domestic (abuse|violence)|\brefuge\b"),
    ("substance_misuse", r"\bdrugs?\b|\balcohol|substance|addiction"),
    ("mental_health", r"mental health|counsel+ing|wellbeing|well-being|depression|anxiety"),
    ("early_years", r"early years|family hub|parenting|health visit|children'?s centre"),
    ("youth", r"\byouth\b|young people|teenage"),
    ("housing", r"housing|homeless|tenancy|accommodation"),
    ("employment", r"employment|\bjobs?\b|\bcareers?\b|work coach"),
    ("welfare", r"benefits?\b|\bdebt|money|financial|welfare|food ?bank"),
    ("justice", r"probation|offend|victim|justice"),
    ("community_safety", r"\bpolic(e|ing)\b|community safety|anti-social|\bcrime"),
    ("social_care", r"social care|care at home|\bcarers?\b|reablement"),
    ("education", r"education|learning|\bschools?\b|\bESOL\b|\bskills\b|college"),
    ("health", r"health|\bGP\b|medical|clinic|pharmac|physical activity"),
]

CLIENT_GROUPS = [
    ("older_people", r"older (people|adults)|elderly|pensioner|\bseniors?\b|over 65"),
    ("children_families", r"\bchild(ren)?\b|famil(y|ies)|parents?\b"),
    ("young_people", r"young (people|adults)|\byouth\b|teenage|adolescen"),
    ("disabled_people", r"disab|\bdeaf|\bblind|sensory impair|wheelchair user"),
    ("people_with_mental_ill_health", r"mental (health|ill)"),
    ("carers", r"\bcarers?\b"),
    ("unemployed", r"unemploy|jobseeker|out of work"),
    ("homeless", r"homeless|rough sleep"),
    ("offenders", r"offender|prison|probation"),
    ("substance_users", r"\bdrugs?\b|\balcohol|substance"),
    ("refugees_migrants", r"refugee|asylum|migrant"),
    ("low_income", r"low income|poverty|hardship"),
    ("long_term_conditions", r"long[- ]term condition|diabetes|\bCOPD\b|heart disease"),
    ("domestic_abuse_survivors", r"domestic (abuse|violence)"),
    ("all_residents", r"all residents|everyone"),
]

DAYS = {"MO": "Mo", "TU": "Tu", "WE": "We", "TH": "Th", "FR": "Fr", "SA": "Sa", "SU": "Su"}
DAY_ORDER = list(DAYS)
CLOSED_STATUSES = {"inactive", "defunct"}

# CSV package tables: the datapackage resource name, then the file names seen in the wild.
TABLES = {
    "organization": ("organizations.csv", "organization.csv"),
    "service": ("services.csv", "service.csv"),
    "location": ("locations.csv", "location.csv"),
    "service_at_location": ("service_at_locations.csv", "service_at_location.csv"),
    "address": ("addresses.csv", "address.csv", "physical_addresses.csv"),
    "schedule": ("schedules.csv", "schedule.csv"),
    "service_area": ("service_areas.csv", "service_area.csv"),
    "attribute": ("attributes.csv", "attribute.csv"),
    "taxonomy_term": ("taxonomy_terms.csv", "taxonomy_term.csv"),
    "service_taxonomy": ("service_taxonomys.csv", "service_taxonomy.csv"),
    "phone": ("phones.csv", "phone.csv"),
}
