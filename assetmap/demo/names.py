"""Word lists for the demo town: every name in it is made up from these."""


def _bar(text: str) -> tuple[str, ...]:
    """Split a '|'-separated list, ignoring line breaks around the bars."""
    return tuple(" ".join(w.split()) for w in text.split("|") if w.strip())


def _pairs(text: str) -> tuple[tuple[str, str], ...]:
    """Split a '|'-separated list of 'left :: right' pairs."""
    return tuple(tuple(part.strip() for part in item.split("::")) for item in _bar(text))


TOWN = "Ashcombe"
COUNTY = "Westshire"
CENTRE_NAME = "Town Centre"

NEIGHBOURHOODS = _bar("""
Mill Green | St Luke's | Hollybank | Northfield | Abbey Fields | Brookside | Castle Hill | Cherry Tree |
Church End | Eastgate | Fairfield | Fox Covert | Hazelwood | Highcross | Kingsmead | Larkrise | Long Meadow |
Meadowbank | Newtown | Oakwood | Orchard Park | Priory | Riverside | Sandford | Southgate | Thornton Vale |
Westbrook | Willowbrook | Woodhouse | Canal Side | Station Quarter | Old Town | Beacon Rise | Hawthorn |
Linden Park | Cowley End | Bramble Hill | Ashcombe Heath | Tanners Yard | Weavers Green""")

SAINTS = _bar("""
St Mary's | St Luke's | St Peter's | St John's | St Andrew's | St Michael's | All Saints | Holy Trinity |
St Margaret's | Christ Church | St Barnabas | St Anne's | St James's | St Nicholas's | St Paul's | St Joseph's""")

PARKS = _bar("""
Victoria | Jubilee | Coronation | Memorial | Abbey | Castle | Mill | Brook | Elm | Beacon | Queen's |
King George's | Millennium | Festival | Kingfisher | Willow""")

STREET_STEMS = """
Mill Church Station Victoria Albert Queen King Park Manor Orchard Meadow Brook Elm Oak Ash Beech Willow
Chestnut Hawthorn Holly Ivy Rose Primrose Bluebell Foxglove Cedar Larch Rowan Sycamore Poplar Laburnum Lime
Hazel Cherry Damson Abbey Priory Chapel Vicarage Rectory School Market Bridge Canal Wharf Forge Tannery
Granary Malt Brewery Windmill Water Well Spring Castle Tower North South East West New Old Back Green
Common Heath Moor Field Farm Grange Hall Lodge Barn Dale Vale Hill Ridge Cross Wood Spinney Coppice Fox
Badger Kestrel Heron Swallow Lark Wren Robin Nelson Wellington Raleigh Milton Tennyson Byron Wordsworth
Darwin Newton Stephenson Brunel Telford Cavendish Grosvenor Balmoral Windsor Sandringham Coronation Jubilee
Princess Duke Marlborough Stanley Gladstone Hampden Weaver Cooper Tanner Thatcher Fletcher Carter""".split()

STREET_TYPES = _bar("""
Street | Road | Lane | Avenue | Close | Drive | Way | Crescent | Gardens | Grove | Place | Terrace | Walk |
Rise | Court | Mews | View""")

# Streets every English town centre has; the centre neighbourhood gets them first.
CENTRE_STREETS = ("High Street", "Market Place", "Station Approach", "Bridge Street", "Sheep Street")

SURNAMES = _bar("""
Patel | Smith | Khan | Jones | Taylor | Brown | Williams | Wilson | Singh | Evans | Thomas | Roberts |
Walker | Wright | Hughes | Green | Hall | Wood | Clarke | Jackson | Kaur | Ahmed | Nowak | Mistry |
O'Brien | Murphy | Lewis | Harris | Martin | Okafor""")

PUBS = _bar("""
Red Lion | White Hart | Royal Oak | Black Horse | Plough | Wheatsheaf | Rose & Crown | Nag's Head | Bell |
Swan | George | Fox & Hounds | Kings Arms | Queen's Head | Crown | Three Horseshoes | Railway Tavern""")

DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

# Assets by category: "name template :: description". Slots: {hood} {town} {saint} {park} {day} {street}
# {surname} {pub}.
ASSETS = {
    "community_centre": _pairs("""
        {hood} Community Centre :: Community centre with a main hall, kitchen and two meeting rooms. |
        {hood} Community Hub :: Busy hub hosting clubs, classes and advice sessions. |
        {hood} Village Hall :: Hall run by a volunteer committee, available for hire at low cost. |
        {street} Community Rooms :: Two meeting rooms and a kitchen above the shops. |
        {hood} Neighbourhood Centre :: Council-owned centre with a café, hall and meeting rooms. |
        {hood} Memorial Hall :: Traditional hall with a stage, kitchen and car park. |
        {town} Civic Hall :: Large hall for events, with smaller rooms for groups."""),
    "faith_building": _pairs("""
        {saint} Church Hall :: Church hall with kitchen, used by community groups through the week. |
        {saint} Church :: Parish church open for visitors, with a warm space on weekday mornings. |
        {hood} Methodist Church :: Church with a hall and a weekly drop-in café. |
        {hood} Baptist Chapel :: Chapel and schoolroom used by local groups. |
        {hood} Masjid :: Mosque with a community hall, classes and a weekly food share. |
        {town} Gurdwara :: Gurdwara with a langar open to everyone. |
        {town} Hindu Temple :: Temple with a function hall for community events. |
        {hood} Quaker Meeting House :: Meeting house with rooms for hire and a garden. |
        {hood} Community Church :: Church meeting in a converted warehouse with a large hall. |
        {saint} Parish Rooms :: Parish rooms with a kitchen, used for clubs and classes."""),
    "library": _pairs("""
        {hood} Library :: Books, computers and free wifi, with events for children and adults. |
        {town} Central Library :: Main library with a study area, local history room and meeting rooms. |
        {hood} Community Library :: Library run by volunteers, with a community room. |
        {hood} Little Free Library :: Book swap box: take a book, leave a book. |
        {hood} Toy Library :: Toys and games to borrow for children under eight."""),
    "park_green_space": _pairs("""
        {park} Park :: Park with play area, paths, a bandstand and open grass. |
        Friends of {park} Park :: Volunteers who look after the park and run monthly work days. |
        {hood} Recreation Ground :: Open space with football pitches and a play area. |
        {street} Playing Field :: Playing field with changing rooms. |
        {hood} Nature Reserve :: Wetland reserve with boardwalks and a bird hide. |
        {park} Gardens :: Formal gardens with benches and a café in summer. |
        {hood} Green :: Village green used for fairs and fêtes. |
        {hood} Woodland Walk :: Footpaths through ancient woodland, cared for by volunteers."""),
    "sports_leisure": _pairs("""
        {hood} Leisure Centre :: Leisure centre with pool, gym and sports hall. |
        {hood} Bowls Club :: Bowls club welcoming new members, with a clubhouse. |
        {town} Swimming Pool :: Public pool with lessons and quiet sessions. |
        {hood} Cricket Club :: Cricket club with junior and adult teams and a pavilion. |
        {hood} Boxing Club :: Boxing gym running sessions for young people. |
        {park} Tennis Club :: Tennis club with four courts and coaching. |
        {hood} Juniors FC :: Football club for boys and girls aged 6 to 16. |
        {hood} Walking Football :: Gentle football for over 50s, all abilities. |
        {town} Harriers :: Running club for all abilities, with a couch-to-5k group."""),
    "school_education": _pairs("""
        {hood} Primary School :: Primary school that lets its hall and field to community groups. |
        {saint} C of E Primary School :: Church school with a community room. |
        {hood} Academy :: Secondary school with a sports hall and rooms for evening classes. |
        {hood} Day Nursery :: Nursery with parent and toddler sessions. |
        {hood} Pre-School :: Pre-school run by a parents' committee. |
        {town} College {hood} Campus :: College campus with rooms for adult learning. |
        {hood} Infant School :: Infant school with a garden and a parents' room."""),
    "health_wellbeing": _pairs("""
        {hood} Medical Centre :: GP surgery with a community room used by health groups. |
        {street} Surgery :: GP surgery with a social prescribing link worker. |
        {hood} Pharmacy :: Pharmacy offering health checks and advice. |
        {hood} Health Walks :: Free guided walks of an hour or less. |
        {hood} Wellbeing Café :: Drop-in café for a cuppa and a chat about how you are feeling. |
        {day} Chair Yoga :: Gentle seated yoga, all abilities. |
        {hood} Running Club :: Friendly running group for beginners. |
        {hood} Dementia Friends :: Volunteers raising awareness and supporting people with dementia."""),
    "time_bank": _pairs("""
        {hood} Time Bank :: Members swap skills and time: one hour given earns one hour back. |
        {town} Time Bank {hood} Hub :: Local hub of the town's time bank, linking neighbours who can help. |
        {hood} Skill Swap :: Monthly get-together to swap skills and favours."""),
    "volunteer_group": _pairs("""
        {hood} Litter Pickers :: Volunteers who keep the streets tidy, with kit provided. |
        Friends of {hood} :: Residents organising events and improvements in the neighbourhood. |
        {hood} Good Neighbours :: Help with shopping, lifts and small jobs for neighbours who need it. |
        {hood} Street Champions :: Residents reporting problems and welcoming newcomers. |
        {hood} Community Speedwatch :: Volunteers monitoring traffic speeds with the police. |
        {hood} Flood Wardens :: Volunteers watching river levels and helping neighbours prepare. |
        {hood} Snow Wardens :: Volunteers gritting paths for older neighbours in winter."""),
    "youth_club": _pairs("""
        {hood} Youth Club :: Weekly club with games, sport and trips for young people. |
        {day} Youth Drop-in :: Drop-in with youth workers, snacks and wifi. |
        {hood} Scouts :: Scout group for young people aged 6 to 18. |
        {hood} Guides :: Rainbows, Brownies and Guides for girls. |
        {saint} Youth Club :: Church youth club open to all young people. |
        {hood} Boys' Brigade :: Uniformed group with games, camps and badges. |
        {hood} Homework Club :: Quiet space and help with homework after school."""),
    "older_people_group": _pairs("""
        {day} Lunch Club :: Hot two-course lunch and company for older residents. |
        {hood} Over 60s Club :: Weekly social with tea, cake, bingo and trips. |
        {day} Knit & Natter :: Knitting, crochet and conversation. |
        {hood} Memory Café :: Friendly group for people living with memory loss and their carers. |
        {day} Tea Dance :: Afternoon tea dance with live music. |
        {hood} Men's Shed :: Workshop where men make, mend and chat. |
        {hood} Friendship Club :: Social club for people living alone."""),
    "food_support": _pairs("""
        {hood} Food Bank :: Emergency food parcels by referral or drop-in. |
        {hood} Community Fridge :: Free surplus food for anyone to take. |
        {hood} Community Pantry :: Low-cost pantry: a weekly shop for a small membership fee. |
        {saint} Soup Kitchen :: Hot soup and sandwiches, no questions asked. |
        {day} Community Meal :: Pay-as-you-feel meal for anyone who wants company. |
        {hood} Breakfast Club :: Free breakfast for children before school. |
        {hood} Community Larder :: Shelves of donated food, open to all."""),
    "arts_culture": _pairs("""
        {hood} Community Choir :: Choir that meets weekly, no auditions. |
        {town} Museum :: Local museum with a learning room for groups. |
        {hood} Arts Collective :: Artists' studios with open days and workshops. |
        {day} Art Club :: Painting and drawing for beginners. |
        {hood} Amateur Dramatics :: Drama group putting on two shows a year. |
        {town} Little Theatre :: Small theatre with a studio for hire. |
        {hood} Ukulele Group :: Ukulele strum-along, instruments to borrow. |
        {hood} History Society :: Talks, walks and an archive of local photographs."""),
    "skills_learning": _pairs("""
        {hood} Learning Centre :: Courses in English, maths and computing for adults. |
        {day} Digital Drop-in :: Free help with computers, phones and getting online. |
        {hood} Repair Café :: Bring broken things and fix them with volunteers. |
        {hood} English Conversation Club :: Practise speaking English over tea. |
        {day} Job Club :: Help with CVs, applications and interviews. |
        {hood} Sewing Circle :: Learn to sew, mend and alter clothes. |
        {hood} Cookery School :: Cooking on a budget classes."""),
    "transport": _pairs("""
        {hood} Community Car Scheme :: Volunteer drivers take people to appointments and shops. |
        {town} Dial-a-Ride :: Accessible minibus service for people who cannot use buses. |
        {hood} Cycle Hub :: Bikes to borrow, repairs and cycle training. |
        {hood} Community Minibus :: Minibus for groups to hire with or without a driver. |
        {hood} Wheels to Work :: Scooters on loan for people getting to work or training."""),
    "advice_support": _pairs("""
        {hood} Advice Centre :: Free, confidential advice on benefits, debt and housing. |
        {day} Benefits Advice Surgery :: Trained volunteers checking what you are entitled to. |
        {hood} Debt Advice Drop-in :: Help with debts and budgeting. |
        {hood} Carers' Café :: Peer support for unpaid carers. |
        {hood} Bereavement Support Group :: Support for people who have lost someone close. |
        {hood} Parent Support Group :: Parents supporting each other, with a crèche."""),
    "business": _pairs("""
        The {pub} :: Pub with a function room that community groups use for free. |
        {hood} Co-op :: Shop collecting donations for the food bank. |
        {surname}'s Café :: Café with a community table and noticeboard. |
        {surname} & Sons Hardware :: Hardware shop lending tools to community projects. |
        {hood} Post Office :: Post office and shop, a hub for local news. |
        {street} Bakery :: Bakery giving surplus bread to the community fridge. |
        {surname}'s Convenience Store :: Corner shop that is a safe place for anyone who needs help. |
        {hood} Garden Centre :: Garden centre donating plants to community gardens."""),
    "allotment_garden": _pairs("""
        {street} Allotments :: Plots to rent and a shared growing area. |
        {hood} Community Garden :: Community garden open to all, tools provided. |
        {hood} Community Orchard :: Orchard planted and cared for by residents. |
        {park} Allotment Society :: Allotment society with a seed swap and shop. |
        {hood} Growing Space :: Raised beds for growing food together. |
        {hood} Sensory Garden :: Accessible garden designed for all the senses."""),
    "other": _pairs("""
        {hood} Tool Library :: Tools to borrow instead of buy. |
        {hood} Phone Box Library :: Old phone box turned into a book swap. |
        {hood} Baby Bank :: Clothes, cots and buggies for families who need them. |
        {town} Scrapstore :: Reusable craft materials for groups and schools. |
        {hood} Noticeboard :: Community noticeboard kept up to date by volunteers. |
        {hood} Defibrillator Point :: Public-access defibrillator with volunteer guardians."""),
}

AUDIENCES = _bar("""
Everyone | Everyone | Everyone | Adults | Families | Carers | Women | Men | Local groups and charities |
Residents of the estate""")

# Audiences for categories that serve particular people; the rest draw from AUDIENCES.
CATEGORY_AUDIENCES = {
    "older_people_group": _bar("Over 55s | Over 65s | People living with dementia and their carers | Everyone"),
    "youth_club": _bar("""Young people 11–18 | Children 5–11 | Young people 13–19 |
        Children and young people 8–16"""),
    "school_education": _bar("Children and families | Families with under-5s | Adults | Everyone"),
}

ACCESSIBILITY = _bar("""
Step-free entrance, hearing loop | Accessible toilet, level access throughout | Steps at entrance; ramp on request |
First floor, no lift | Blue badge parking, step-free throughout | Large-print materials available |
Uneven paths in places | Wheelchair accessible, changing places toilet | Quiet room available |
Step-free, baby changing facilities | Not known""")

TAGS = ("wifi", "kitchen", "parking", "step-free", "hearing-loop", "garden", "meeting-room", "free",
        "family-friendly", "toilets")

# Capacity offers: what is offered, by capacity kind; {when} is filled from the schedule.
OFFER_WHAT = {
    "space": _bar("""Main hall free {when} | Meeting room available {when} |
        Kitchen and hall for community groups {when} |
        Garden space for outdoor activities {when} | Quiet room for one-to-one sessions {when} |
        Sports hall off-peak {when} | Desk space for a small charity {when}"""),
    "equipment": _bar("""Projector and screen to lend | Gazebo and trestle tables to borrow |
        Tea urn and crockery to lend |
        PA system for events | Garden tools to borrow | Laptops for training sessions | Commercial kitchen {when}"""),
    "volunteer_time": _bar("""Volunteers to help at events {when} | Befrienders available {when} |
        Help with gardening and odd jobs {when} | Volunteers for leaflet drops | Stewards for community events"""),
    "skills": _bar("""Help with CVs and job applications {when} | Basic IT help {when} | First aid training |
        Bookkeeping help for small groups | Bid-writing support | Sewing and alterations lessons {when} |
        Cooking on a budget sessions {when}"""),
    "transport": _bar("""Minibus with driver {when} | Seats on the weekly shopping trip {when} |
        Volunteer drivers for appointments {when} | Wheelchair-accessible minibus to borrow"""),
    "food": _bar("""Surplus bread and veg to collect {when} | Hot meals {when} | Tinned and dried food to share |
        Fresh produce from the garden {when} | Breakfast for children {when}"""),
    "other": _bar("""Noticeboard space for community posters | Storage space for another group |
        Collection point for donations {when}"""),
}

OFFER_AUDIENCES = _bar("""
Everyone | Community groups | Local charities | Over 55s | Young people 11–18 | Families with young children |
Anyone referred by a support worker | Residents""")

# Needs: (title, description) by capacity kind.
NEEDS = {
    "space": (("Meeting space for a new parent and toddler group", "Looking for a warm room one morning a week."),
              ("Storage for food bank stock", "A dry, secure room or garage for about 40 crates."),
              ("Hall for a weekly exercise class", "Room with space for 20 chairs and a level floor."),
              ("Room for a homework club", "Somewhere quiet with tables for 15 children after school.")),
    "equipment": (("Gazebo for the summer fair", "Two gazebos for a Saturday in July."),
                  ("Laptops for a digital skills class", "Six laptops for a weekly two-hour session."),
                  ("Chest freezer for the community pantry", "A working freezer we can collect."),
                  ("Tools for a repair café", "Screwdrivers, soldering irons and a sewing machine.")),
    "volunteer_time": (("Volunteer drivers for hospital appointments", "Drivers with their own car, mileage paid."),
                       ("Helpers for the lunch club", "Two people to help serve lunch on Thursdays."),
                       ("Befrienders for isolated older people", "An hour a week visiting or phoning."),
                       ("Litter pick volunteers", "Join our monthly Saturday litter pick.")),
    "skills": (("Someone to run a weekly IT help session", "Patient help with phones, email and online forms."),
               ("Treasurer for a residents' association", "Help keeping simple accounts."),
               ("Bid writer for a small grant", "Help applying for a community grant."),
               ("First aider for youth club evenings", "A qualified first aider on Tuesday evenings.")),
    "transport": (("Minibus for summer trips", "A minibus and driver for three day trips."),
                  ("Lifts to the lunch club", "Transport for four members who can no longer walk there."),
                  ("Van to collect furniture donations", "A van once a month for collections.")),
    "food": (("Fresh produce for the Friday community meal", "Fruit and veg for about 50 meals."),
             ("Donations for school holiday lunches", "Food for the summer holiday lunch club."),
             ("Surplus bread for the breakfast club", "Bread or bagels for 30 children.")),
    "other": (("Somewhere to put up posters", "Noticeboard space in a busy spot."),
              ("Printing for the community newsletter", "300 copies printed each quarter.")),
}

# Organisation names by kind. Same slots as ASSETS, plus {county}.
ORGANISATIONS = {
    "residents_group": _bar("""{hood} Residents' Association | {hood} Tenants' and Residents' Association |
        Friends of {park} Park | {hood} Neighbourhood Forum | {street} Residents' Group"""),
    "charity": _bar("""{hood} Community Association | {town} Food Bank Trust | {hood} Community Trust |
        {town} Carers' Centre | {town} Time Bank | {hood} Family Project | {town} Youth Trust |
        {town} Community Foundation | {hood} Good Neighbours | {county} Wildlife Trust {town} Group"""),
    "faith_group": _bar("""{saint} Parish Church | {hood} Methodist Church | {town} Baptist Church |
        {town} Islamic Centre | {town} Gurdwara | {town} Hindu Temple | {town} Quakers | {town} Community Church |
        Salvation Army {town} Corps | {saint} Catholic Church"""),
    "public_body": _bar("""{town} Borough Council | {county} County Council | {county} Libraries |
        {town} & District NHS Foundation Trust | {town} Primary Care Network | {county} Police |
        {county} Fire and Rescue Service | {town} College | {hood} Primary School | {hood} Academy"""),
    "business": _bar("""{surname}'s Café | The {pub} | {hood} Co-op | {surname} & Sons Builders | {hood} Pharmacy |
        {surname} Hair & Beauty | {hood} Garden Centre | {surname}'s Bakery"""),
    "social_enterprise": _bar("""{town} Community Transport CIC | {hood} Repair Café CIC | Greenway Growers CIC |
        {town} Scrapstore | {hood} Community Kitchen CIC | Second Chance Furniture | {town} Bike Works CIC"""),
    "other": _bar("""{hood} Scout Group | {hood} WI | {town} Rotary Club | {town} Lions Club | {hood} Bowls Club |
        {town} U3A"""),
}
