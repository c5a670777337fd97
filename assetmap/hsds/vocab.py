"""The words HSDS services are matched against, and the names HSDS uses for days, statuses and CSV files.

AGENCY_KINDS, THEMES and CLIENT_GROUPS are keyword patterns searched in an organisation's name and a service's
taxonomy terms (mapping.py states the rules); the first match wins where order matters. TABLES lists, for each table
of a CSV data package, its datapackage resource name and the file names seen in the wild. THEME_CATEGORIES and
UNIT_WORDS place a service's spare capacity (capacity.py).
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
    "service_capacity": ("service_capacity.csv", "service_capacities.csv"),   # HSDS 3.1
    "unit": ("units.csv", "unit.csv"),                                         # HSDS 3.1
}

# The category of the place that holds a service's spare capacity (capacity.asset_row), by the service's theme,
# when the service does not carry one of our categories itself; any other theme → other.
THEME_CATEGORIES = {
    "health": "health_wellbeing", "mental_health": "health_wellbeing", "substance_misuse": "health_wellbeing",
    "social_care": "health_wellbeing", "youth": "youth_club", "early_years": "school_education",
    "education": "skills_learning", "employment": "skills_learning", "welfare": "advice_support",
    "housing": "advice_support", "justice": "advice_support", "domestic_abuse": "advice_support",
    "community_safety": "advice_support",
}

# Our unit for an HSDS unit of another scheme, from words in its name or identifier; the first match wins.
UNIT_WORDS = [
    ("hours_per_week", r"hours? (a|per|each) week|hours?\s*/\s*week|\bhrs?/wk\b"),
    ("places", r"\b(places?|seats?|spaces?|beds?|spots?|people|persons?|participants?|attendees?|pupils?)\b"),
    ("items", r"\b(items?|parcels?|meals?|things?|packs?|boxes?)\b"),
]
