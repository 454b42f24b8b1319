"""Spanish: the guide's questions in a faithful Spanish."""

from __future__ import annotations

from campaign.pledges.lexicon import Lexicon, es_ar, es_er, words

_PONER = "(?:poner|pondremos|pondra|pondran|pondre|ponemos|poniendo|puest[oa]s?)"

LEXICON = Lexicon(
    lang="es",
    quotes=("«", "»"),
    concrete=(
        es_ar("adopt", "organiz", "elabor", "redact", "cre", "lanz", "relanz", "modific",
              "enmend", "ampli", "aument", "realiz", "ratific", "aplic", "contrat", "recrut",
              "capacit", "financi", "cofinanci", "prolong", "public", "firm", "destin",
              "asign", "recaud", "evalu", "inspeccion", "duplic", "escolariz", "retir", "apart",
              "convoc", "revis", "promulg", "aprob", "nombr", "encuest", "mape", "entrevist",
              "identific", "implant", "implement", "instal", "despleg", "diseñ", "celebr",
              "desarroll", "proporcion", "integr", "renov", "compr", "garantiz", "consagr",
              "dedic", "form", "equip", "inaugur", "habilit", "dot", participles=False),
        es_er("establec", "inclu", "constru", "abr", "escrib", "produc", "traduc", "reduc",
              "ofrec", "conduc", "conced", "adher", "distribu", "transfer", "recog", "invert",
              "impart", "añad", participles=False),
        "(?:establezc\\w*|incluy\\w*|construy\\w*|produzc\\w*|reduzc\\w*|ofrezc\\w*|conduzc\\w*"
        "|distribuy\\w*|abiert[oa]s?|escrit[oa]s?|transfier\\w*|invierte\\w*)",
        f"{_PONER} en (?:marcha|práctica|funcionamiento)", "llev\\w* a cabo",
    ),
    deliverables=(
        *words(
            "conferencias? encuestas? talleres? taller cursos? concursos? seminarios? cumbres?",
            "foros? fondos? informes? estudios? revistas? guías? manuales? leyes? ley decretos?",
        ), "hojas? de ruta", "planes? de acción", "plan de acción", "proyectos? de ley"),
    vague=(
        es_ar("concienci", "sensibiliz", "particip", "foment", "impuls", "abog", "ayud",
              "reforz", "mejor", "inform", "amplific", "moviliz", "acompañ", "facilit",
              "continu", "desalent", "apoy", "respald", "esforz", "procur", "luch", "enfoc",
              "centr"),
        es_er("promov", "compart", "contribu", "compromet", "combat", "preven"),
        "(?:promueve\\w*|promoci(?:ón|ones)|contribuy\\w*|previen\\w*)",
        "luch\\w* contra", "trabaj(?:ar|aremos|ando|amos) (?:por|para|en pro de|hacia)",
        f"{_PONER} de (?:relieve|manifiesto)", "dar (?:protagonismo|visibilidad|prioridad)",
        "unir fuerzas", "ampli(?:ar|aremos|ando) (?:sus|nuestros|mis|los) conocimientos",
        "informarse",
    ),
    goal_verbs=(f"{_PONER} fin", es_ar("elimin", "erradic"), es_er("abol"),
                "acab(?:ar|aremos|ando) con"),
    child_labour=("trabajo infantil", "trabajo de (?:los )?niñ(?:os|as)(?: y niñas)?"),
    purpose=("para", "a fin de", "con el fin de", "con miras a", "destinad[oa]s? a",
             "encaminad[oa]s? a", "con el objetivo de", es_er("contribu") + " a",
             "contribuy\\w* a", es_ar("ayud") + " a", "que permita"),
    number_words=words(
        "dos tres cuatro cinco seis siete ocho nueve diez once doce trece catorce quince",
        "dieciséis diecisiete dieciocho diecinueve veinte veintiuno veintidós veintitrés",
        "veinticuatro veinticinco treinta cuarenta cincuenta sesenta setenta ochenta noventa",
        "cien ciento cientos doscientos doscientas trescientos trescientas cuatrocientos",
        "quinientos seiscientos setecientos ochocientos novecientos mil miles millón millones",
        "docena docenas centenar centenares millar millares",
    ),
    small_numbers={"un": 1, "una": 1, "uno": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5,
                   "seis": 6, "siete": 7, "ocho": 8, "nueve": 9, "diez": 10, "once": 11,
                   "doce": 12, "quince": 15, "dieciocho": 18, "veinte": 20, "treinta": 30},
    placeholders=("un (?:cierto )?número (?:determinado |concreto |dado )?de",
                  "un (?:cierto )?porcentaje(?: determinado| concreto| dado)?",
                  "una (?:cierta )?parte (?:determinada )?de", "una cantidad determinada"),
    percent_words=("por ciento",),
    factors=(es_ar("duplic", "triplic"), "a la mitad", "la mitad"),
    not_counts=(
        r"(?:núm\.?|n°|no\.?|número|convenios?|artículos?|art\.|ods|objetivos?|metas?|alianza"
        r"|covid|c) ?-? ?\d+(?:\.\d+)*",
        r"\d+ ?(?:a|-|y) ?\d+ años", r"\d+ años",
    ),
    month_before=("en", "antes del?(?: finales de| fin de| mediados de)?", "el",
                  "para(?: finales de| fin de)?", "hasta(?: finales de| fin de)?",
                  "a (?:finales|fines|mediados|principios) de",
                  "(?:finales|fines|mediados|principios) de", "durante", "a partir de", "desde"),
    year_before=words("en antes de para hasta finales fines fin mediados principios desde",
                      "durante año y o a del al"),
    # «antes de fin de año», «a finales de año»: the article is often left out
    relative=("este año", "(?:antes de|a|para|hasta) (?:finales|fin|fines) de(?:l| este)? año",
              "a lo largo del año", "durante el año", "en el transcurso del año",
              "en el (?:primer|segundo|tercer|cuarto|último) (?:trimestre|semestre)",
              "este (?:verano|otoño|invierno)", "esta primavera",
              "antes del (?:verano|otoño|invierno)", "antes de la primavera"),
    duration="(?:en|dentro de|durante)(?: los)?(?: próximos| primeros)? {n}"
             "(?: próximos| primeros)? (?P<unit>meses|mes|semanas?|días?|años?)",
    duration_units={"mes": 31, "meses": 31, "semana": 7, "semanas": 7, "dia": 1, "dias": 1,
                    "ano": 366, "anos": 366},
    resources=(
        "presupuestos?", "presupuestari[oa]s?", "recursos?", "fondos?", "financiación",
        "financiamiento", es_ar("financi"), "monetari[oa]s?", "subvenci(?:ón|ones)",
        "personal", "equipos?", "voluntari[oa]s?", "socios?", "en colaboración con",
        es_ar("colabor") + " con", "trabaj(?:ar|aremos|ando|amos) con", "con el apoyo de",
        "cost(?:o|os|e|es)", "donaciones?", "dinero", "cofinanci\\w*",
    ),
    universal=("en todas partes", "en todo el (?:mundo|país)", "a nivel mundial",
               "(?:en )?todas sus formas", "todos los niños(?: y niñas)?", "por completo",
               "totalmente", "definitivamente", "en el mundo entero"),
    scope=("(?:proyectos? |fases? |programas? )?pilotos?", "a título experimental",
           "primera fase", "(?:estrategia|plan|programa)s? existentes?",
           "(?:en|dentro de|en toda|en todo) (?:nuestr[oa]s?)",
           "(?:región|país|provincia|distrito|municipio|zona|sector|programa|proyecto)(?:es|s)?"
           "(?: [\\w']+){0,4}? determinad[oa]s?",
           "pa[ií]s(?:es)? pioner[oa]s?",
           "{count} (?:escuelas|aldeas|distritos|comunidades|provincias|regiones|cooperativas"
           "|fincas|fábricas|empresas|municipios|localidades)"),
    stopwords=frozenset(words(
        "el la los las lo un una unos unas de del al a y o u e en por para con sin sobre entre",
        "hacia que cual su sus nuestro nuestra nuestros nuestras este esta estos estas ese esa",
        "como más núm núm. n° no cada",
    )),
    currency_words=("euros?", "dólares?", "francos?", "pesos?", "libras?", "soles?", "reales?",
                    "bolivianos?", "quetzales?", "colones?", "lempiras?", "córdobas?",
                    "guaraníes?"),
    labels={"specific": "Específica", "measurable": "Medible", "achievable": "Alcanzable",
            "realistic": "Realista", "time_bound": "Con plazo definido"},
    questions={
        "measurable": "¿Cómo evaluará que se ha cumplido la promesa?",
        "achievable": "¿Qué medidas específicas deberán adoptarse y qué recursos deberán "
                      "movilizarse para llevar a cabo esta acción antes de finales de {year}?",
        "realistic": "¿De qué acción se sentiría más orgulloso?",
    },
    messages={
        "specific.ok": "Una acción concreta y su objeto: {found}.",
        "specific.noun": "Se nombra un resultado: {found}.",
        "specific.noun_fix": "Diga qué hará con él empezando por un verbo de acción, p. ej. "
                             "«Celebrar una conferencia» o «Publicar un estudio».",
        "specific.vague": "Solo una meta o verbos de intención, apoyo o sensibilización: "
                          "{found}; no dicen qué hará.",
        "specific.none": "No se encontró ninguna acción: el texto nombra un tema, no lo que "
                         "hará.",
        "specific.fix": "Empiece por una acción concreta y su objeto, p. ej. «Celebrar una "
                        "conferencia en la que los Estados miembros adopten una hoja de ruta "
                        "regional» o «Adoptar una política nacional».",
        "measurable.ok": "Una cantidad: {found}.",
        "measurable.placeholder": "Una cantidad por completar: {found}.",
        "measurable.placeholder_fix": "Sustituya {found} por la cifra que se propone alcanzar.",
        "measurable.indicator": "Un indicador con una meta: {found}.",
        "measurable.none": "Ninguna cifra, porcentaje ni número: nada dirá si se cumplió la "
                           "promesa.",
        "measurable.fix": "Añada una meta en cifras («en un X%», «X convenios», «dos mil "
                          "docentes») o un indicador con una meta.",
        "measurable.null_fix": "El texto no da ninguna cifra: diga cómo mostrará que está "
                               "hecho, p. ej. un indicador con una meta y un plazo.",
        "time_bound.ok": "Un plazo en {year}: {found}.",
        "time_bound.indicator": "Un indicador con plazo en {year}: {found}.",
        "time_bound.after_horizon": "{found}: después de {horizon}, el horizonte de la campaña.",
        "time_bound.after_year": "{found}: después de finales de {year}; una Promesa de acción "
                                 "para {year} se cumple en {year}.",
        "time_bound.past": "{found}: antes de {year}; el plazo está por venir.",
        "time_bound.none": "Ninguna fecha, mes ni año antes de finales de {year}.",
        "time_bound.fix": "Fije un plazo antes de finales de {year}: «antes de finales de "
                          "{year}», «en junio de {year}» o «antes del 30 de junio de {year}».",
        "time_bound.plan_fix": "Fije un plazo antes de finales de {year}; los años siguientes, "
                               "hasta {horizon}, van en el plan de ampliación.",
        "achievable.ok": "Medios nombrados: {found}.",
        "achievable.cost": "Un costo estimado: {found}.",
        "achievable.fix": "Nombre los recursos que movilizará: presupuesto, personal, socios o "
                          "costo estimado.",
        "realistic.goal": "{found}: es la meta fijada para {horizon} (meta 8.7 de los ODS), "
                          "no una acción que una parte interesada complete en {year}.",
        "realistic.goal_fix": "Elija un paso hacia esa meta que pueda completar en {year}: una "
                              "zona, un sector, un número de niños y niñas o de escuelas.",
        "realistic.ok": "Un alcance delimitado: {found}.",
        "realistic.fix": "Delimite un alcance que pueda cubrir en {year} (una región "
                         "determinada, un sector, un proyecto piloto) o parta de una estrategia "
                         "existente.",
    },
)
