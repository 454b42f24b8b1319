"""French: the guide's own language (its questions are quoted as it writes them)."""

from __future__ import annotations

from campaign.pledges.lexicon import Lexicon, fr_er, fr_ir, words

_METTRE = "(?:mettre|mets|met|mettons|mettez|mettent|mettr(?:ai|as|a|ons|ez|ont)|mis|mise|mises|mettant)"
_TENIR = "(?:tenir|tiens|tient|tenons|tenez|tiennent|tiendr(?:ai|as|a|ons|ez|ont)|tenu|tenue|tenus|tenant)"

LEXICON = Lexicon(
    lang="fr",
    quotes=("«", "»"),
    concrete=(
        fr_er("adopt", "organis", "élabor", "rédig", "développ", "cré", "lanc", "relanc", "modifi",
              "amend", "augment", "réalis", "ratifi", "appliqu", "embauch", "recrut", "financ",
              "cofinanc", "prolong", "publi", "sign", "ajout", "consacr", "distribu", "men",
              "collect", "évalu", "inspect", "doubl", "scolaris", "retir", "convoqu", "révis",
              "vot", "promulgu", "institu", "instaur", "nomm", "enquêt", "cartographi",
              "interrog", "identifi", "adhér", "dispens", "allou", "install", "déploy", "accord",
              "intégr", "rénov", "achet", "transfér"),
        fr_ir("établ", "fourn", "invest", "bât", "garant"),
        "(?:former|formons|formerons|formera|formerai|formeront)",
        "(?:inclu(?:re|s|t|ons|rons|ra|rai|ront|ant))",
        "(?:constru(?:ire|is|it|isons|irons|ira|iront|ite|its|isant))",
        "(?:ouvr(?:ir|e|ons|irons|ira|ant)|ouvert)",
        "(?:condui(?:re|s|t|sons|rons|ra|sant))", "(?:produi(?:re|s|t|sons|rons|ra|sant))",
        "(?:tradui(?:re|s|t|sons|rons|ra|sant))", "(?:rédui(?:re|s|t|sons|rons|ra|sant))",
        "(?:écri(?:re|s|t|vons|rons|ra|vant))", "(?:recueill(?:ir|e|ons|erons|era|i|is|ant))",
        "(?:étend(?:re|s|ons|rons|ra|rai|u|ue|ant))", "(?:offr(?:ir|e|es|ons|irons|ira|ant)|offert)",
        "(?:soustrai(?:re|s|t|yons|rons|ra))",
        f"{_TENIR}", f"{_METTRE} (?:en place|en œuvre|sur pied|au point|en marche|à disposition)",
    ),
    deliverables=(
        *words(
            "conférences? enquêtes? ateliers? concours séminaires? sommets? forums?",
            "fonds rapports? études? revues? guides? manuels? lois? décrets?",
        ), "feuilles? de route", "plans? d'action", "projets? de loi", "textes? législatifs?",
        "(?:un|des|ce|nouveaux?) cours"),
    vague=(
        fr_er("sensibilis", "contribu", "particip", "encourag", "favoris", "œuvr", "plaid",
              "appuy", "aid", "renforc", "amélior", "inform", "partag", "amplifi", "mobilis",
              "accompagn", "facilit", "continu", "engag", "valoris", "décourag"),
        "(?:promouv(?:oir|ons|ra|rons|ront)|promeu(?:s|t|vent)|promu|promotion)",
        fr_er("lutt") + "(?: contre)?",
        "(?:soutenir|soutiens|soutient|soutenons|soutiendr(?:ai|a|ons|ont)|soutenu|soutenant)",
        "(?:engageons|s'engag(?:er|e|ent))", "s'efforc(?:er|e|ons|erons)",
        "travaill(?:er|ons|erons|ant) (?:à|vers|pour)",
        "(?:vis(?:er|ons|erons|ant)) (?:à|a)", "se renseign(?:er|e)", "s'informer",
        "(?:réfléch(?:ir|issons|irons))", "(?:défend(?:re|s|ons|rons|ra))",
        "(?:combatt(?:re|ons|rons|ra|ant))",
        "(?:preven(?:ir|ons)|préviendr(?:a|ons|ont)|prévien(?:s|t|nent))",
        "(?:poursuiv(?:re|ons|rons|ra))", f"{_METTRE} (?:l'accent|en avant|en lumière)",
        "attir(?:er|ons|erons) l'attention", "s'attaqu(?:er|e|ons)",
        "enrichir (?:ses|nos|mes|leurs|vos) connaissances",
        "unir (?:ses|nos|leurs|vos) forces",
    ),
    goal_verbs=(f"{_METTRE} (?:fin|un terme)", fr_er("élimin", "éradiqu"), fr_ir("abol"),
                "en finir avec"),
    child_labour=("travail des enfants", "travail infantile"),
    purpose=("pour", "afin de", "afin d'", "en vue de", "en vue d'", "visant à", "dans le but de",
             fr_er("contribu") + " à", "aid(?:er|ons|ant) à", "permettant de", "destinée? à"),
    number_words=words(
        "deux trois quatre cinq six sept huit neuf dix onze douze treize quatorze quinze seize",
        "dix-sept dix-huit dix-neuf vingt vingts trente quarante cinquante soixante",
        "soixante-dix quatre-vingt quatre-vingts quatre-vingt-dix cent cents mille million",
        "millions milliard milliards centaine centaines millier milliers douzaine douzaines",
    ),
    small_numbers={"un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6,
                   "sept": 7, "huit": 8, "neuf": 9, "dix": 10, "onze": 11, "douze": 12,
                   "quinze": 15, "dix-huit": 18, "vingt": 20, "trente": 30},
    placeholders=("un certain nombre(?: de| d')?",
                  "un nombre (?:donné|déterminé|défini|précis)(?: de| d')?",
                  "un certain pourcentage", "un pourcentage (?:donné|déterminé|défini|précis)",
                  "un certain montant", "une certaine part"),
    percent_words=("pour ?cents?", "pourcents?"),
    factors=(fr_er("doubl", "tripl"), "de moitié", "la moitié"),
    not_counts=(
        r"(?:n°|no\.?|num(?:éro)?\.?|conventions?|articles?|art\.|odd|objectifs?|cibles?"
        r"|alliance|covid|c) ?-? ?\d+(?:\.\d+)*",
        r"(?:âgée?s? )?(?:de )?\d+ ?(?:à|-|et) ?\d+ ans", r"\d+ ans",
    ),
    month_before=("en", "d'ici(?: à| au)?(?: la| le)?(?: fin| mi-?| début)?(?: de| d')?",
                  "avant(?: la| le)?(?: fin)?(?: de| d')?", "jusqu'(?:à|en|au)(?: la fin)?(?: de| d')?",
                  "(?:fin|début|mi-?)(?: de| d')?", "au mois de", "courant", "dès", "pour",
                  "à partir de", "le \\d{1,2}(?:er)?"),
    year_before=words("en à a avant fin début pour jusqu'en jusqu'à de d'ici depuis année an",
                      "horizon mi courant dès l'an l'année et ou au"),
    relative=("cette année", "(?:d'ici|avant)(?: à)? la fin de (?:l'|cette )année",
              "(?:en|d'ici|avant la) fin d'année", "au cours de (?:l'|cette )année",
              "dans l'année", "tout au long de l'année",
              "(?:au|le|du) (?:premier|deuxième|second|troisième|quatrième|1er|2e|3e|4e) "
              "(?:trimestre|semestre)",
              "(?:cet|cette|ce) (?:été|automne|hiver|printemps)",
              "(?:d'ici(?: à)?|avant) (?:l'été|l'automne|l'hiver|le printemps)"),
    duration="(?:d'ici|dans|en|sous|au cours des|durant les|pendant les)(?: les)? {n}"
             "(?: prochains| premiers)? (?P<unit>mois|semaines?|jours?|ans?|années?)",
    duration_units={"mois": 31, "semaine": 7, "semaines": 7, "jour": 1, "jours": 1, "an": 366,
                    "ans": 366, "annee": 366, "annees": 366},
    resources=(
        "budgets?", "budgétaires?", "ressources?", "fonds", "financements?", "subventions?",
        "personnel", "équipes?", "effectifs", "bénévoles", "partenaires?", "partenariats?",
        "en collaboration avec", "collabor(?:er|ons|erons|ant) avec",
        "(?:travaill(?:er|ons|erons|ant)|en travaillant) avec", "avec l'appui de",
        "avec le soutien (?:de|du|des)", "coûts?", "dons", "crédits", "cofinanc\\w*",
        fr_er("financ"),
    ),
    universal=("partout", "dans le monde(?: entier)?", "à l'échelle (?:mondiale|planétaire)",
               "dans tout le (?:monde|pays)", "(?:sous )?toutes ses formes", "tous les enfants",
               "totalement", "complètement", "définitivement"),
    scope=("(?:projets? |phases? |programmes? )?pilotes?", "à titre (?:expérimental|pilote)",
           "(?:première|1re) phase", "(?:stratégie|plan|programme)s? existante?s?",
           "(?:dans|au sein de|sur|à travers) (?:notre|nos)",
           "(?:région|pays|province|district|commune|zone|secteur|programme|projet)s?"
           "(?: [\\w']+){0,4}? donnée?s?",
           "pays pionniers?",
           "{count} (?:écoles|villages|districts|communes|provinces|régions|coopératives"
           "|exploitations|usines|entreprises|communautés|localités|municipalités)"),
    stopwords=frozenset(words(
        "le la les l' un une des du de d' au aux à a et ou en pour par sur dans avec sans sous",
        "que qui où ce cet cette ces son sa ses leur leurs notre nos votre vos n° no entre vers",
        "chez comme plus d'un d'une qu' afin lors dont chaque",
    )),
    currency_words=("euros?", "dollars?", "francs?(?: cfa)?", "f ?cfa", "livres? sterling", "yens?",
                    "roupies?", "nairas?", "shillings?", "pesos?", "rands?", "cedis?",
                    "dirhams?"),
    labels={"specific": "Spécifique", "measurable": "Mesurable", "achievable": "Atteignable",
            "realistic": "Réaliste", "time_bound": "Temporellement définie"},
    questions={
        "measurable": "Comment évaluerez-vous que la promesse a été tenue?",
        "achievable": "Quelles mesures spécifiques devront être prises et quelles ressources "
                      "devront être mobilisées pour réaliser cette action d’ici à la fin {year}?",
        "realistic": "De quelle action seriez-vous le plus fier?",
    },
    messages={
        "specific.ok": "Action concrète et son objet: {found}.",
        "specific.noun": "Une réalisation est nommée: {found}.",
        "specific.noun_fix": "Dites ce que vous en ferez avec un verbe d’action, p. ex. «Tenir "
                             "une conférence» ou «Publier une étude».",
        "specific.vague": "Seulement un but ou des verbes d’intention, de soutien ou de "
                          "sensibilisation: {found}; ils ne disent pas ce que vous ferez.",
        "specific.none": "Aucune action trouvée: le texte nomme un thème, pas ce que vous ferez.",
        "specific.fix": "Commencez par une action concrète et son objet, p. ex. «Tenir une "
                        "conférence où les États membres adoptent une feuille de route "
                        "régionale» ou «Adopter une politique nationale».",
        "measurable.ok": "Quantité chiffrée: {found}.",
        "measurable.placeholder": "Quantité à compléter: {found}.",
        "measurable.placeholder_fix": "Remplacez {found} par le chiffre que vous visez.",
        "measurable.indicator": "Indicateur avec une cible: {found}.",
        "measurable.none": "Aucun chiffre, pourcentage ni nombre: rien ne dira si la promesse a "
                           "été tenue.",
        "measurable.fix": "Ajoutez une cible chiffrée («de X%», «X accords», «deux mille "
                          "enseignants») ou un indicateur avec une cible.",
        "measurable.null_fix": "Le texte ne donne aucun chiffre: dites comment vous montrerez "
                               "que c’est fait, p. ex. un indicateur avec une cible et une "
                               "échéance.",
        "time_bound.ok": "Échéance en {year}: {found}.",
        "time_bound.indicator": "Échéance d’indicateur en {year}: {found}.",
        "time_bound.after_horizon": "{found}: après {horizon}, l’horizon de la campagne.",
        "time_bound.after_year": "{found}: après la fin {year}; une Promesse d’action pour {year} "
                                 "se réalise en {year}.",
        "time_bound.past": "{found}: avant {year}; une échéance est à venir.",
        "time_bound.none": "Aucune date, aucun mois ni aucune année d’ici à la fin {year}.",
        "time_bound.fix": "Fixez une échéance d’ici à la fin {year}: «d’ici à la fin {year}», «en "
                          "juin {year}» ou «d’ici au 30 juin {year}».",
        "time_bound.plan_fix": "Fixez une échéance d’ici à la fin {year}; les années suivantes, "
                               "jusqu’à {horizon}, vont dans le plan d’amplification.",
        "achievable.ok": "Moyens nommés: {found}.",
        "achievable.cost": "Coût estimé: {found}.",
        "achievable.fix": "Nommez les ressources que vous mobiliserez: budget, personnel, "
                          "partenaires ou coût estimé.",
        "realistic.goal": "{found}: c’est le but fixé pour {horizon} (cible 8.7 des ODD), pas "
                          "une action qu’une partie prenante mène à bien en {year}.",
        "realistic.goal_fix": "Choisissez une étape vers ce but, réalisable en {year}: un "
                              "territoire, un secteur, un nombre d’enfants ou d’écoles.",
        "realistic.ok": "Portée délimitée: {found}.",
        "realistic.fix": "Délimitez une portée réalisable en {year} (une région donnée, un "
                         "secteur, un projet pilote) ou partez d’une stratégie existante.",
    },
)
