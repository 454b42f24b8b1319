"""English: the guide's questions in a faithful English."""

from __future__ import annotations

from campaign.pledges.lexicon import Lexicon, en, words

LEXICON = Lexicon(
    lang="en",
    quotes=("“", "”"),
    concrete=(
        en("adopt", "organise", "organize", "draft", "develop", "create", "launch", "relaunch",
           "amend", "extend", "increase", "ratify", "apply", "hire", "recruit", "train", "fund",
           "finance", "prolong", "publish", "sign", "include", "add", "dedicate", "allocate",
           "distribute", "collect", "assess", "evaluate", "inspect", "double", "remove",
           "convene", "provide", "revise", "enact", "appoint", "equip", "survey", "interview",
           "identify", "join", "deliver", "introduce", "install", "deploy", "invest", "design",
           "implement", "establish", "conduct", "offer", "produce", "translate", "reduce",
           "grant", "award", "purchase", "transfer", "integrate", "renovate", "expand",
           "guarantee", "enter", "earmark", "map", "schedule", "host", "post"),
        "(?:enrol|enroll|enrols|enrolls|enrolled|enrolling)",
        "(?:hold|holds|held|holding)", "(?:set|sets|setting) up",
        "(?:carry|carries|carried|carrying) out", "(?:run|runs|ran|running)",
        "(?:write|writes|wrote|written|writing)", "(?:build|builds|built|building)",
        "(?:draw|draws|drew|drawn|drawing) up", "(?:put|puts|putting) in place",
        "(?:raise|raises|raised|raising) (?:funds|money)", "(?:teach|teaches|taught|teaching)",
        "(?:undertake|undertakes|undertook|undertaken|undertaking)",
        "(?:buy|buys|bought|buying)", "(?:set|sets|setting) aside", "(?:cut|cuts|cutting)",
    ),
    deliverables=(
        *words(
            "conferences? surveys? workshops? courses? contests? competitions? seminars? summits?",
            "forums? funds? reports? studies? journals? guides? manuals? handbooks? laws? decrees?",
            "roadmaps?",
        ), "road maps?", "action plans?", "bills?"),
    vague=(
        en("promote", "support", "encourage", "foster", "advocate", "help", "contribute",
           "participate", "engage", "commit", "strive", "aim", "address", "tackle", "combat",
           "strengthen", "improve", "learn", "inform", "share", "amplify", "mobilise",
           "mobilize", "rally", "empower", "facilitate", "continue", "discourage", "prevent",
           "highlight", "emphasise", "emphasize", "champion", "endorse", "pursue", "sensitise",
           "sensitize"),
        "promotion", "(?:raise|raises|raised|raising) (?:public )?awareness", "awareness",
        "(?:take|takes|took|taken|taking) part", "(?:work|works|worked|working) (?:towards?|to|for)",
        "(?:fight|fights|fought|fighting)(?: against)?",
        "(?:put|puts|putting) (?:[\\w']+ ){1,4}at the forefront",
        "(?:join|joins|joined|joining) forces", "learn more",
        "(?:draw|draws|drew|drawing) attention", "focus(?:es|ed|ing)? on",
        "(?:seek|seeks|sought|seeking) to",
    ),
    goal_verbs=(en("end", "eliminate", "eradicate", "abolish", "stop"),
                "(?:put|puts|putting) an end to", "(?:do|does|doing) away with",
                "(?:wipe|wipes|wiped|wiping) out"),
    child_labour=("child labou?r", "children's labou?r"),
    purpose=("in order to", "so as to", "with a view to", "aimed at", "aiming to", "towards?",
             en("help") + "(?: to)?", en("contribute") + " to", "designed to", "intended to"),
    number_words=words(
        "two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen",
        "sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty",
        "ninety hundred hundreds thousand thousands million millions billion billions dozen",
        "dozens",
    ),
    small_numbers={"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
                   "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11,
                   "twelve": 12, "fifteen": 15, "eighteen": 18, "twenty": 20, "thirty": 30},
    placeholders=("a (?:certain |set |given |specific )?number of",
                  "a (?:certain |set |given |specific )percentage",
                  "a (?:certain |set |given )(?:share|amount) of"),
    percent_words=("per ?cent", "percent"),
    factors=(en("double", "triple", "halve"), "by half"),
    not_counts=(
        r"(?:no\.?|nos\.?|number|nr\.?|conventions?|articles?|art\.|sdgs?|goals?|targets?"
        r"|alliance|covid|c) ?-? ?\d+(?:\.\d+)*",
        r"aged \d+(?: ?(?:to|-|and) ?\d+)?", r"\d+(?: ?(?:to|-) ?\d+)? years?(?: old)?",
        r"\d+-year-olds?",
    ),
    month_before=("in", "by(?: the)?(?: end| middle| beginning| start)?(?: of)?",
                  "before(?: the end of)?", "until(?: the end of)?", "on", "till", "(?:the )?end of",
                  "during", "from", "for", "(?:early|mid|late)-?", "no later than"),
    year_before=words("in by before end of until till since from for during and or to mid",
                      "early late year fiscal"),
    relative=("this year", "(?:by|before) (?:the )?end of (?:the|this) year",
              "by (?:the )?year-?end", "by (?:the )?year's end", "during the year",
              "within the year", "throughout the year",
              "in the (?:first|second|third|fourth|last) (?:quarter|half)",
              "this (?:summer|autumn|fall|winter|spring)",
              "(?:by|before) (?:the )?(?:summer|autumn|fall|winter|spring)"),
    duration="(?:within|in|over|during)(?: the)?(?: next| first| coming)? {n}"
             " (?P<unit>months?|weeks?|days?|years?)",
    duration_units={"month": 31, "months": 31, "week": 7, "weeks": 7, "day": 1, "days": 1,
                    "year": 366, "years": 366},
    resources=(
        "budgets?", "budgetary", "resources?", "funds?", "funding", "financ\\w*", "cash",
        "grants?", "staff", "staffing", "teams?", "personnel", "volunteers?", "partners?",
        "partnerships?", "in collaboration with", "together with", "collaborat\\w* with",
        "(?:work|works|worked|working) with", "with the support of", "costs?", "donations?",
        "money", "co-?financ\\w*",
    ),
    universal=("everywhere", "worldwide", "(?:around|across|throughout|all over) the world",
               "globally", "in all (?:its )?forms", "all children", "completely", "entirely",
               "once and for all", "totally", "across the (?:whole|entire) country"),
    scope=("pilot\\w*", "on a trial basis", "(?:first|initial) phase",
           "existing (?:strategy|strategies|plans?|programmes?|programs?)",
           "(?:in|within|across|throughout) (?:our|its own|their own)",
           "a given (?:[\\w-]+ ){0,3}?(?:region|country|province|district|area|sector|programme"
           "|program|project|community)",
           "pathfinder countr(?:y|ies)",
           "{count} (?:schools|villages|districts|communities|provinces|regions|cooperatives"
           "|co-operatives|farms|factories|companies|municipalities|localities)"),
    stopwords=frozenset(words(
        "the a an of to in on for by with and or at from as that which this these those its",
        "their our your his her into onto over under about than no no. nos each every",
    )),
    currency_words=("dollars?", "euros?", "pounds?(?: sterling)?", "francs?", "yen", "rupees?",
                    "naira", "shillings?", "pesos?", "rand", "cedis?", "dirhams?"),
    labels={"specific": "Specific", "measurable": "Measurable", "achievable": "Achievable",
            "realistic": "Realistic", "time_bound": "Time-bound"},
    questions={
        "measurable": "How will you assess whether the pledge has been fulfilled?",
        "achievable": "What specific measures will need to be taken and what resources will "
                      "need to be mobilised to carry out this action by the end of {year}?",
        "realistic": "Which action would you be most proud of?",
    },
    messages={
        "specific.ok": "A concrete action and its object: {found}.",
        "specific.noun": "A deliverable is named: {found}.",
        "specific.noun_fix": "Say what you will do with it, starting with an action verb, e.g. "
                             "“Hold a conference” or “Publish a study”.",
        "specific.vague": "Only an aim, or intention, support or awareness verbs: {found}; they "
                          "do not say what you will do.",
        "specific.none": "No action found: the text names a theme, not what you will do.",
        "specific.fix": "Start with a concrete action and its object, e.g. “Hold a conference at "
                        "which member States adopt a regional roadmap” or “Adopt a national "
                        "policy”.",
        "measurable.ok": "A quantity: {found}.",
        "measurable.placeholder": "A quantity to fill in: {found}.",
        "measurable.placeholder_fix": "Replace {found} with the figure you aim for.",
        "measurable.indicator": "An indicator with a target: {found}.",
        "measurable.none": "No number, percentage or count: nothing will tell whether the pledge "
                           "was fulfilled.",
        "measurable.fix": "Add a target in figures (“by X%”, “X agreements”, “two thousand "
                          "teachers”) or an indicator with a target.",
        "measurable.null_fix": "The text gives no figure: say how you will show it is done, e.g. "
                               "an indicator with a target and a deadline.",
        "time_bound.ok": "A deadline in {year}: {found}.",
        "time_bound.indicator": "An indicator due in {year}: {found}.",
        "time_bound.after_horizon": "{found}: after {horizon}, the campaign's horizon.",
        "time_bound.after_year": "{found}: after the end of {year}; a {year} Action Pledge is "
                                 "carried out in {year}.",
        "time_bound.past": "{found}: before {year}; a deadline lies ahead.",
        "time_bound.none": "No date, month or year by the end of {year}.",
        "time_bound.fix": "Set a deadline by the end of {year}: “by the end of {year}”, “in "
                          "June {year}” or “by 30 June {year}”.",
        "time_bound.plan_fix": "Set a deadline by the end of {year}; the later years, up to "
                               "{horizon}, belong in the scaling-up plan.",
        "achievable.ok": "Means named: {found}.",
        "achievable.cost": "An estimated cost: {found}.",
        "achievable.fix": "Name the resources you will mobilise: budget, staff, partners or an "
                          "estimated cost.",
        "realistic.goal": "{found}: that is the goal set for {horizon} (SDG target 8.7), not "
                          "an action one stakeholder completes in {year}.",
        "realistic.goal_fix": "Choose a step towards that goal you can complete in {year}: an "
                              "area, a sector, a number of children or schools.",
        "realistic.ok": "A bounded scope: {found}.",
        "realistic.fix": "Set a scope you can cover in {year} (a given region, a sector, a "
                         "pilot) or start from an existing strategy.",
    },
)
