"""The demo town's make-up: how many of what, and the public services that work in it."""

# Counts at scale 1. Only assets (and so offers) grow with --scale; the town itself stays the same.
NEIGHBOURHOODS = 30
STREETS_PER_NEIGHBOURHOOD = 6
POSTCODES = 600
ORGANISATIONS = {"residents_group": 20, "charity": 30, "faith_group": 15, "public_body": 10, "business": 20,
                 "social_enterprise": 15, "other": 10}
ASSETS = 480
NEEDS = 60

# category: (relative weight, organisation kinds that run it, capacity-kind weights in CAPACITY_KINDS order)
CAPACITY_KINDS = ("space", "equipment", "volunteer_time", "skills", "transport", "food", "other")
CATEGORIES = {
    "community_centre":   (6, ("charity", "residents_group", "public_body", "social_enterprise"),
                           (8, 3, 2, 1, 0, 1, 1)),
    "faith_building":     (8, ("faith_group",), (8, 2, 3, 1, 1, 2, 1)),
    "library":            (2, ("public_body", "charity"), (6, 3, 2, 4, 0, 0, 1)),
    "park_green_space":   (7, ("public_body", "residents_group"), (5, 2, 4, 1, 0, 0, 1)),
    "sports_leisure":     (7, ("public_body", "other", "business"), (6, 4, 2, 3, 1, 0, 1)),
    "school_education":   (6, ("public_body",), (7, 3, 1, 3, 1, 1, 0)),
    "health_wellbeing":   (7, ("public_body", "business", "charity"), (3, 1, 3, 4, 1, 0, 1)),
    "time_bank":          (2, ("charity", "social_enterprise"), (0, 1, 6, 5, 1, 0, 1)),
    "volunteer_group":    (8, ("residents_group", "charity", "other"), (0, 2, 8, 3, 1, 1, 1)),
    "youth_club":         (5, ("charity", "faith_group", "other"), (3, 2, 4, 3, 1, 1, 0)),
    "older_people_group": (6, ("charity", "faith_group", "other"), (2, 1, 5, 2, 2, 2, 0)),
    "food_support":       (5, ("charity", "faith_group", "social_enterprise"), (2, 2, 4, 1, 1, 8, 1)),
    "arts_culture":       (5, ("charity", "other", "social_enterprise"), (4, 3, 3, 4, 0, 0, 1)),
    "skills_learning":    (5, ("public_body", "charity", "social_enterprise"), (3, 3, 3, 8, 0, 0, 0)),
    "transport":          (2, ("social_enterprise", "charity"), (0, 1, 3, 0, 8, 0, 0)),
    "advice_support":     (4, ("charity", "public_body"), (2, 0, 3, 6, 0, 0, 1)),
    "business":           (7, ("business",), (5, 3, 2, 2, 1, 3, 2)),
    "allotment_garden":   (3, ("residents_group", "social_enterprise", "other"), (4, 4, 3, 2, 0, 4, 0)),
    "other":              (2, ("charity", "social_enterprise", "other", "residents_group"), (2, 4, 2, 1, 1, 1, 3)),
}

# Groups that sometimes meet in someone's home; only these can be private homes.
HOME_CATEGORIES = ("time_bank", "volunteer_group", "older_people_group", "arts_culture", "skills_learning",
                   "other")

# capacity kind: (unit, smallest, largest); a unit of None means the quantity is never given.
QUANTITY = {"space": ("places", 8, 150), "equipment": ("items", 1, 30), "volunteer_time": ("hours_per_week", 2, 30),
            "skills": ("hours_per_week", 1, 10), "transport": ("places", 2, 16), "food": ("items", 10, 250),
            "other": (None, 0, 0)}

# Schedules in OSM opening_hours syntax, built as days + hours (+ an optional rule), each with words for
# descriptions. Every combination must parse; tests check them all.
SCHEDULE_DAYS = (("Mo", "on Mondays"), ("Tu", "on Tuesdays"), ("We", "on Wednesdays"), ("Th", "on Thursdays"),
                 ("Fr", "on Fridays"), ("Sa", "on Saturdays"), ("Su", "on Sundays"), ("Mo-Fr", "on weekdays"),
                 ("Sa,Su", "at weekends"), ("Tu,Th", "on Tuesdays and Thursdays"),
                 ("We,Th", "on Wednesdays and Thursdays"), ("Mo,We,Fr", "on Mondays, Wednesdays and Fridays"),
                 ("Mo-Su", "every day"))
SCHEDULE_HOURS = (("09:00-12:00", "9am–12pm"), ("13:00-17:00", "1pm–5pm"), ("18:00-21:00", "6pm–9pm"),
                  ("09:00-17:00", "9am–5pm"), ("08:00-20:00", "8am–8pm"), ("10:00-16:00", "10am–4pm"),
                  ("09:00-12:00,13:00-16:00", "9am–12pm and 1pm–4pm"))
SCHEDULE_RULES = ("", "; PH off")

AGENCIES = {
    "nhs": ("Ashcombe & District NHS Foundation Trust", "nhs"),
    "pcn": ("Ashcombe Primary Care Network", "nhs"),
    "asc": ("Westshire County Council Adult Social Care", "council"),
    "kids": ("Westshire County Council Children's Services", "council"),
    "abc": ("Ashcombe Borough Council", "council"),
    "greenway": ("Greenway Homes", "housing"),
    "police": ("Westshire Police", "police"),
    "probation": ("Probation Service – Ashcombe Office", "other"),
    "dwp": ("Jobcentre Plus / DWP Ashcombe", "dwp"),
    "college": ("Ashcombe College", "education"),
    "cvs": ("Ashcombe CVS", "voluntary"),
    "age": ("Age Concern Ashcombe", "voluntary"),
    "mind": ("Mind in Westshire", "voluntary"),
    "advice": ("Ashcombe Advice Centre", "voluntary"),
    "foodbank": ("Ashcombe Food Bank Trust", "voluntary"),
    "recovery": ("Westshire Recovery Partnership", "voluntary"),
    "carers": ("Ashcombe Carers' Centre", "voluntary"),
    "refugee": ("Westshire Refugee Welcome", "voluntary"),
    "womensaid": ("Westshire Women's Aid", "voluntary"),
}

# Buildings where services are based: key: (name, where). 'where' is an area word as in SERVICES.
VENUES = {
    "civic": ("Ashcombe Civic Centre", "centre"), "health": ("Ashcombe Health Centre", "centre"),
    "hospital": ("Ashcombe Community Hospital", "north"), "police": ("Ashcombe Police Station", "centre"),
    "jobcentre": ("Ashcombe Jobcentre", "centre"), "college": ("Ashcombe College", "west"),
    "hub_east": ("Eastside Family Hub", "east"), "hub_west": ("Westside Family Hub", "west"),
    "greenway": ("Greenway Homes Neighbourhood Office", "east"), "cvs": ("Voluntary Action Centre", "centre"),
    "age": ("Age Concern Day Centre", "south"), "mind": ("Mind Wellbeing Centre", "east"),
    "mh_east": ("Eastgate Mental Health Resource Centre", "east"), "library": ("Ashcombe Central Library", "centre"),
}

# Services: (agency, name, theme, client groups, annual spend in £k, catchment, sites, description).
# Catchment: 'town', an area word ('east', 'west', 'north', 'south', 'centre', 'need' = the most deprived
# neighbourhoods) or 'rNNNN' = a buffer of NNNN metres round the first site. Sites: '@venue' is a fixed site at
# a venue, 'outreach' a session at a community building in the catchment, 'home' home visits in it.
# The mental health and older people's services overlap across agencies on purpose.
SERVICES = (
    ("nhs", "Community Mental Health Team (East)", "mental_health", ("people_with_mental_ill_health",), 1850,
     "east", ("@mh_east", "home"), "Assessment, care co-ordination and treatment for adults with severe mental "
     "illness."),
    ("nhs", "Community Mental Health Team (West)", "mental_health", ("people_with_mental_ill_health",), 1600,
     "west", ("@health", "home"), "Assessment, care co-ordination and treatment for adults with severe mental "
     "illness."),
    ("nhs", "Talking Therapies", "mental_health", ("people_with_mental_ill_health", "all_residents"), 940,
     "town", ("@health", "outreach", "outreach"),
     "Talking therapies for anxiety and depression; self-referral welcome."),
    ("nhs", "Community Frailty Team", "health", ("older_people", "long_term_conditions"), 1250,
     "town", ("@hospital", "home", "home"), "Multi-disciplinary support for frail older people to stay well at home."),
    ("nhs", "District Nursing", "health", ("older_people", "long_term_conditions", "disabled_people"), 3200,
     "town", ("@health", "home", "home", "home"), "Nursing care at home for housebound patients."),
    ("nhs", "Health Visiting", "early_years", ("children_families",), 1450,
     "town", ("@hub_east", "@hub_west", "outreach"), "Health visitors supporting families with children under five."),
    ("nhs", "School Nursing", "youth", ("young_people", "children_families"), 520,
     "town", ("@health", "outreach"), "Health advice and drop-ins in schools."),
    ("nhs", "Falls Prevention Classes", "health", ("older_people",), 85,
     "north", ("outreach", "outreach"), "Strength and balance classes to prevent falls."),
    ("nhs", "Stop Smoking Service", "health", ("all_residents", "long_term_conditions"), 140,
     "town", ("@health", "outreach"), "Free support and medication to help people stop smoking."),
    ("pcn", "Social Prescribing Link Workers", "health", ("all_residents", "long_term_conditions",
     "people_with_mental_ill_health"), 310, "town", ("@health", "outreach", "outreach"),
     "Link workers connecting patients to community groups and activities."),
    ("pcn", "Diabetes Education Sessions", "health", ("long_term_conditions",), 60,
     "need", ("outreach", "outreach"), "Group sessions for people newly diagnosed with type 2 diabetes."),
    ("asc", "Mental Health Social Work Team", "mental_health", ("people_with_mental_ill_health", "carers"), 1100,
     "r2500", ("@mh_east", "home"), "Social work assessments and support plans for adults with mental health needs."),
    ("asc", "Reablement Service", "social_care", ("older_people", "disabled_people"), 2400,
     "town", ("@civic", "home", "home"), "Up to six weeks of support at home after illness or a hospital stay."),
    ("asc", "Carers' Assessments", "social_care", ("carers",), 260,
     "town", ("@civic", "outreach"), "Assessments and personal budgets for unpaid carers."),
    ("asc", "Learning Disability Day Opportunities", "social_care", ("disabled_people",), 1350,
     "west", ("@college", "outreach"),
     "Day activities, skills and work experience for adults with learning disabilities."),
    ("asc", "Occupational Therapy and Equipment", "social_care", ("disabled_people", "older_people"), 780,
     "town", ("@civic", "home"), "Home assessments, adaptations and equipment."),
    ("kids", "Family Hubs", "early_years", ("children_families",), 1900,
     "town", ("@hub_east", "@hub_west"), "Stay and play, parenting support and health clinics for families."),
    ("kids", "Youth Service", "youth", ("young_people",), 650,
     "need", ("outreach", "outreach", "outreach"), "Youth workers running clubs and street-based youth work."),
    ("kids", "Early Help", "early_years", ("children_families", "low_income"), 880,
     "east", ("@hub_east", "home"), "Family support workers helping families before problems escalate."),
    ("abc", "Housing Options and Homelessness", "housing", ("homeless", "low_income"), 1150,
     "town", ("@civic",), "Advice for people at risk of homelessness and emergency accommodation."),
    ("abc", "Community Safety Partnership", "community_safety", ("all_residents",), 220,
     "centre", ("@civic", "outreach"), "Tackling anti-social behaviour with residents and partners."),
    ("abc", "Lifeline Community Alarms", "social_care", ("older_people", "disabled_people"), 340,
     "town", ("@civic", "home"), "Pendant alarms and a 24-hour response service."),
    ("abc", "Disabled Facilities Grants", "housing", ("disabled_people", "older_people"), 1400,
     "town", ("@civic", "home"), "Grants for stairlifts, level-access showers and other adaptations."),
    ("abc", "Exercise on Referral", "health", ("long_term_conditions", "people_with_mental_ill_health"), 120,
     "town", ("outreach", "outreach"), "Twelve weeks of supported exercise at the leisure centre."),
    ("greenway", "Tenancy Sustainment Service", "housing", ("people_with_mental_ill_health", "low_income",
     "homeless"), 420, "east", ("@greenway", "home"), "Support for tenants at risk of losing their home."),
    ("greenway", "Money Advice for Tenants", "welfare", ("low_income",), 180,
     "east", ("@greenway", "outreach"), "Help with benefits, debt and budgeting for Greenway tenants."),
    ("greenway", "Supported Housing for Young People", "housing", ("young_people", "homeless"), 760,
     "centre", ("@greenway",), "Supported flats for young people aged 16 to 25."),
    ("greenway", "Sheltered Housing Scheme Managers", "housing", ("older_people",), 510,
     "south", ("home", "home"), "Scheme managers in sheltered housing for older people."),
    ("police", "Neighbourhood Policing Team East", "community_safety", ("all_residents",), 1650,
     "east", ("@police", "outreach"), "Local officers and PCSOs; regular beat surgeries."),
    ("police", "Neighbourhood Policing Team West", "community_safety", ("all_residents",), 1500,
     "west", ("@police", "outreach"), "Local officers and PCSOs; regular beat surgeries."),
    ("police", "Mental Health Street Triage", "mental_health", ("people_with_mental_ill_health",), 290,
     "town", ("@police",), "Police officers and mental health nurses responding together."),
    ("police", "Youth Diversion Scheme", "justice", ("young_people", "offenders"), 150,
     "need", ("@police", "outreach"), "Diverting young people from the criminal justice system."),
    ("probation", "Probation Supervision", "justice", ("offenders",), 980,
     "town", ("@civic",), "Supervision and rehabilitation programmes for people on probation."),
    ("dwp", "Work Coach Appointments", "employment", ("unemployed", "low_income"), 2100,
     "town", ("@jobcentre",), "Work coaches supporting Universal Credit claimants into work."),
    ("dwp", "Youth Hub", "employment", ("young_people", "unemployed"), 330,
     "town", ("@jobcentre", "@college"), "Employment support for 18 to 24 year olds."),
    ("dwp", "Disability Employment Advisers", "employment", ("disabled_people", "people_with_mental_ill_health"),
     190, "town", ("@jobcentre", "outreach"), "Specialist advisers for disabled jobseekers."),
    ("college", "Adult Skills and ESOL", "education", ("unemployed", "refugees_migrants"), 870,
     "town", ("@college", "outreach"), "English, maths and digital skills courses for adults."),
    ("cvs", "Volunteer Centre", "other", ("all_residents",), 95,
     "town", ("@cvs",), "Matching volunteers with local groups and charities."),
    ("cvs", "Community Transport Brokerage", "other", ("older_people", "disabled_people"), 70,
     "town", ("@cvs",), "Co-ordinating community car schemes and dial-a-ride."),
    ("age", "Befriending Service", "social_care", ("older_people",), 110,
     "r3000", ("@age", "home"), "Volunteers visiting or phoning older people who are lonely."),
    ("age", "Home from Hospital", "social_care", ("older_people",), 145,
     "town", ("@hospital", "home"), "Practical help for older people in the first weeks home from hospital."),
    ("age", "Day Centre", "social_care", ("older_people", "carers"), 230,
     "south", ("@age",), "Day care with meals, activities and respite for carers."),
    ("age", "Information and Advice for Older People", "welfare", ("older_people", "low_income"), 85,
     "town", ("@age", "outreach"), "Benefits checks and advice on care and housing."),
    ("mind", "Peer Support Groups", "mental_health", ("people_with_mental_ill_health",), 120,
     "r2500", ("@mind", "outreach"), "Groups run by and for people with lived experience of mental ill health."),
    ("mind", "Crisis Café", "mental_health", ("people_with_mental_ill_health",), 160,
     "east", ("@mind",), "Evening drop-in for people in mental health crisis."),
    ("advice", "Debt and Benefits Advice", "welfare", ("low_income", "unemployed"), 240,
     "town", ("@library", "outreach", "outreach"), "Free, confidential advice on debt and benefits."),
    ("foodbank", "Emergency Food Parcels", "welfare", ("low_income", "homeless"), 65,
     "need", ("outreach", "outreach", "outreach"), "Three days of food by referral from local agencies."),
    ("recovery", "Drug and Alcohol Recovery Service", "substance_misuse", ("substance_users", "offenders"), 1250,
     "town", ("@health", "outreach"), "Treatment, recovery groups and needle exchange."),
    ("carers", "Carers' Support", "social_care", ("carers",), 140,
     "town", ("@cvs", "outreach"), "Information, breaks and peer support for unpaid carers."),
    ("refugee", "Welcome and Integration Service", "welfare", ("refugees_migrants",), 75,
     "centre", ("@library", "outreach"), "Casework, English conversation clubs and orientation."),
    ("womensaid", "Domestic Abuse Outreach", "domestic_abuse", ("domestic_abuse_survivors", "children_families"),
     310, "town", ("outreach", "home"), "Outreach workers supporting people experiencing domestic abuse."),
)
