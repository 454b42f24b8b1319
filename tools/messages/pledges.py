"""Translations of the pledge pages (tools/po_write.py pledges tools/messages/pledges.py)."""

MESSAGES = {
    # the form's problems (campaign/web/pledge_form.py)
    "%(count)s words, over the limit of %(limit)s: shorten it.": (
        "%(count)s mots, au-delà de la limite de %(limit)s : raccourcissez.",
        "%(count)s palabras, por encima del límite de %(limit)s: acórtelo."),
    "This date is after %(day)s, the end of the campaign's horizon: choose a date by then.": (
        "Cette date est après le %(day)s, la fin de l’horizon de la campagne : choisissez une "
        "date d’ici là.",
        "Esta fecha es posterior al %(day)s, el final del horizonte de la campaña: elija una "
        "fecha anterior."),
    "Shorten it to at most %(limit)s characters.": (
        "Raccourcissez à %(limit)s caractères au plus.",
        "Acórtelo a %(limit)s caracteres como máximo."),
    "Answer this question.": ("Répondez à cette question.", "Responda a esta pregunta."),
    "This is not an email address: correct it.": (
        "Ce n’est pas une adresse électronique : corrigez-la.",
        "No es una dirección de correo electrónico: corríjala."),
    "Write the date as YYYY-MM-DD, e.g. 2021-12-31.": (
        "Écrivez la date sous la forme AAAA-MM-JJ, par exemple 2021-12-31.",
        "Escriba la fecha como AAAA-MM-DD, por ejemplo 2021-12-31."),
    "This date is in the past: choose a later date.": (
        "Cette date est passée : choisissez une date plus tardive.",
        "Esta fecha ya pasó: elija una fecha posterior."),
    "Write a number in digits, with a “.” before the decimals, e.g. 1500.": (
        "Écrivez un nombre en chiffres, avec un « . » avant les décimales, par exemple 1500.",
        "Escriba un número en cifras, con un «.» antes de los decimales, por ejemplo 1500."),
    "Choose a currency in use, e.g. EUR, USD or XOF.": (
        "Choisissez une monnaie en usage, par exemple EUR, USD ou XOF.",
        "Elija una moneda en uso, por ejemplo EUR, USD o XOF."),
    "Choose a stakeholder type from the list.": (
        "Choisissez un type de partie prenante dans la liste.",
        "Elija un tipo de parte interesada de la lista."),
    "Choose a language from the list.": ("Choisissez une langue dans la liste.",
                                         "Elija un idioma de la lista."),
    "Choose a country or region from the list.": ("Choisissez un pays ou une région dans la liste.",
                                                  "Elija un país o una región de la lista."),
    "Write it on one line, without control characters.": (
        "Écrivez-le sur une ligne, sans caractères de contrôle.",
        "Escríbalo en una línea, sin caracteres de control."),
    "Remove the control characters.": ("Retirez les caractères de contrôle.",
                                       "Quite los caracteres de control."),
    "Give each indicator a different name.": ("Donnez à chaque indicateur un nom différent.",
                                              "Dé a cada indicador un nombre distinto."),
    "This number is out of range.": ("Ce nombre est hors des limites.",
                                     "Este número está fuera de los límites."),
    "Check this answer: %(problem)s": ("Vérifiez cette réponse : %(problem)s",
                                       "Revise esta respuesta: %(problem)s"),
    # the form's labels
    "Stakeholder type": ("Type de partie prenante", "Tipo de parte interesada"),
    "Name of your organisation": ("Nom de votre organisation", "Nombre de su organización"),
    "Country or region": ("Pays ou région", "País o región"),
    "Language of the pledge": ("Langue de l’engagement", "Idioma del compromiso"),
    "Focal point’s name": ("Nom du point focal", "Nombre del punto focal"),
    "Focal point’s email": ("Courriel du point focal", "Correo electrónico del punto focal"),
    "Title of the pledge": ("Titre de l’engagement", "Título del compromiso"),
    "How will it be implemented in 2021?": ("Comment sera-t-il mis en œuvre en 2021 ?",
                                            "¿Cómo se llevará a cabo en 2021?"),
    "How does it contribute to ending child labour by 2025?": (
        "Comment contribue-t-il à mettre fin au travail des enfants d’ici à 2025 ?",
        "¿Cómo contribuye a poner fin al trabajo infantil de aquí a 2025?"),
    "How will you communicate about it?": ("Comment allez-vous communiquer à son sujet ?",
                                           "¿Cómo lo va a comunicar?"),
    "Estimated cost": ("Coût estimé", "Costo estimado"),
    "Currency": ("Monnaie", "Moneda"),
    "Indicator": ("Indicateur", "Indicador"),
    "Unit": ("Unité", "Unidad"),
    "Baseline": ("Valeur de départ", "Valor de partida"),
    "Target": ("Cible", "Meta"),
    "Deadline": ("Échéance", "Plazo"),
    "%(part)s (indicator %(row)s)": ("%(part)s (indicateur %(row)s)",
                                     "%(part)s (indicador %(row)s)"),
    "Specific": ("Spécifique", "Específico"),
    "Measurable": ("Mesurable", "Medible"),
    "Achievable": ("Atteignable", "Alcanzable"),
    "Realistic": ("Réaliste", "Realista"),
    "Time-bound": ("Temporellement défini", "Con plazo definido"),
    # the routes
    "Too many pledges were sent from your address: try again in %(seconds)s seconds.": (
        "Trop d’engagements ont été envoyés depuis votre adresse : réessayez dans %(seconds)s "
        "secondes.",
        "Se enviaron demasiados compromisos desde su dirección: vuelva a intentarlo dentro de "
        "%(seconds)s segundos."),
    "Your organisation already has a pledge with this title: give this one another title.": (
        "Votre organisation a déjà un engagement sous ce titre : donnez-en un autre à celui-ci.",
        "Su organización ya tiene un compromiso con este título: dé otro título a este."),
    "Too many checks: wait a minute.": ("Trop de vérifications : attendez une minute.",
                                        "Demasiadas comprobaciones: espere un minuto."),
    "Send the form's fields as a JSON object.": (
        "Envoyez les champs du formulaire sous forme d’objet JSON.",
        "Envíe los campos del formulario como un objeto JSON."),
    "The pledge number must be a whole number, got %(value)s.": (
        "Le numéro de l’engagement doit être un nombre entier, reçu %(value)s.",
        "El número del compromiso debe ser un número entero; se recibió %(value)s."),
    "The filter %(name)s cannot be %(value)s: choose one of the list.": (
        "Le filtre %(name)s ne peut pas valoir %(value)s : choisissez dans la liste.",
        "El filtro %(name)s no puede ser %(value)s: elija uno de la lista."),
    "There is no page %(page)s: the registry has %(pages)s.": (
        "Il n’y a pas de page %(page)s : le registre en compte %(pages)s.",
        "No hay página %(page)s: el registro tiene %(pages)s."),
    "Give the value as a number in digits, e.g. 120 or 12.5.": (
        "Donnez la valeur sous forme de nombre en chiffres, par exemple 120 ou 12.5.",
        "Indique el valor como un número en cifras, por ejemplo 120 o 12.5."),
    "Give the day the value was measured, not in the future and not before the pledge was "
    "submitted.": (
        "Donnez le jour où la valeur a été mesurée, ni dans le futur ni avant l’envoi de "
        "l’engagement.",
        "Indique el día en que se midió el valor, ni en el futuro ni antes del envío del "
        "compromiso."),
    "Shorten the note and remove any control characters.": (
        "Raccourcissez la note et retirez les caractères de contrôle.",
        "Acorte la nota y quite los caracteres de control."),
    "Give the evidence as an http(s) address, e.g. https://example.org/report-2021.": (
        "Donnez la preuve sous forme d’adresse http(s), par exemple "
        "https://example.org/report-2021.",
        "Indique la prueba como una dirección http(s), por ejemplo "
        "https://example.org/report-2021."),
    "Choose one of the pledge’s indicators.": ("Choisissez un des indicateurs de l’engagement.",
                                               "Elija uno de los indicadores del compromiso."),
    # pledge.html
    "All the pledges": ("Tous les engagements", "Todos los compromisos"),
    "The new private progress link (shown only this once; the old one no longer works):": (
        "Le nouveau lien privé de suivi (affiché cette seule fois ; l’ancien ne fonctionne "
        "plus) :",
        "El nuevo enlace privado de seguimiento (se muestra solo esta vez; el anterior ya no "
        "funciona):"),
    "Submitted on": ("Envoyé le", "Enviado el"),
    "Focal point": ("Point focal", "Punto focal"),
    "How it will be implemented in 2021": ("Sa mise en œuvre en 2021", "Cómo se llevará a cabo en 2021"),
    "How it contributes to ending child labour by 2025": (
        "Sa contribution à la fin du travail des enfants d’ici à 2025",
        "Cómo contribuye a poner fin al trabajo infantil de aquí a 2025"),
    "How it will be communicated": ("Sa communication", "Cómo se comunicará"),
    "Progress": ("Avancement", "Avance"),
    "SMART check": ("Vérification SMART", "Comprobación SMART"),
    "The secretariat": ("Le secrétariat", "La secretaría"),
    "Note (kept in the pledge’s history)": ("Note (gardée dans l’historique de l’engagement)",
                                            "Nota (se guarda en el historial del compromiso)"),
    "Accept": ("Accepter", "Aceptar"),
    "Send back": ("Renvoyer", "Devolver"),
    "Withdraw": ("Retirer", "Retirar"),
    "Mark as fulfilled": ("Marquer comme tenu", "Marcar como cumplido"),
    "New private link": ("Nouveau lien privé", "Nuevo enlace privado"),
    "The old link stops working.": ("L’ancien lien cesse de fonctionner.",
                                    "El enlace anterior deja de funcionar."),
    "History": ("Historique", "Historial"),
    "Who": ("Qui", "Quién"),
    # pledge_form.html
    "Make an Action Pledge": ("Prendre un engagement d’action", "Asumir un compromiso de acción"),
    "Pledge what your organisation will do in 2021 to end child labour. The secretariat reads "
    "every pledge; the registry shows its title, who made it and how it progresses.": (
        "Engagez-vous sur ce que votre organisation fera en 2021 pour mettre fin au travail des "
        "enfants. Le secrétariat lit chaque engagement ; le registre montre son titre, qui l’a "
        "pris et son avancement.",
        "Comprométase con lo que su organización hará en 2021 para poner fin al trabajo "
        "infantil. La secretaría lee cada compromiso; el registro muestra su título, quién lo "
        "asumió y cómo avanza."),
    ("%(num)s answer needs a change", "%(num)s answers need a change"): (
        ("%(num)s réponse est à modifier", "%(num)s réponses sont à modifier"),
        ("%(num)s respuesta necesita un cambio", "%(num)s respuestas necesitan un cambio")),
    "{n} / {max} words": ("{n} / {max} mots", "{n} / {max} palabras"),
    "{n} words, over the limit of {max}: shorten it.": (
        "{n} mots, au-delà de la limite de {max} : raccourcissez.",
        "{n} palabras, por encima del límite de {max}: acórtelo."),
    "Leave this empty": ("Laissez ce champ vide", "Deje este campo vacío"),
    "Who pledges": ("Qui s’engage", "Quién se compromete"),
    "Choose…": ("Choisir…", "Elegir…"),
    "Countries": ("Pays", "Países"),
    "Regions": ("Régions", "Regiones"),
    "The SMART check reads the pledge in this language.": (
        "La vérification SMART lit l’engagement dans cette langue.",
        "La comprobación SMART lee el compromiso en este idioma."),
    "Only the secretariat sees it.": ("Seul le secrétariat la voit.", "Solo la secretaría lo ve."),
    "The pledge": ("L’engagement", "El compromiso"),
    "At most %(max)s words.": ("%(max)s mots au plus.", "%(max)s palabras como máximo."),
    "The actions, who carries them out, when in the year, with which resources.": (
        "Les actions, qui les mène, à quel moment de l’année, avec quelles ressources.",
        "Las acciones, quién las lleva a cabo, en qué momento del año, con qué recursos."),
    "For example the posts, events or reports, and the hashtag #EndChildLabour2021.": (
        "Par exemple les publications, événements ou rapports, et le mot-dièse "
        "#EndChildLabour2021.",
        "Por ejemplo las publicaciones, eventos o informes, y la etiqueta #EndChildLabour2021."),
    "Is it SMART?": ("Est-il SMART ?", "¿Es SMART?"),
    "As you type, the check says whether the pledge is specific, measurable, achievable, "
    "realistic and time-bound. Nothing is stored until you send it.": (
        "Pendant la saisie, la vérification dit si l’engagement est spécifique, mesurable, "
        "atteignable, réaliste et temporellement défini. Rien n’est enregistré avant l’envoi.",
        "Mientras escribe, la comprobación indica si el compromiso es específico, medible, "
        "alcanzable, realista y con plazo definido. No se guarda nada hasta que lo envíe."),
    "Write a title and how it will be implemented to see the check.": (
        "Écrivez un titre et la mise en œuvre pour voir la vérification.",
        "Escriba un título y cómo se llevará a cabo para ver la comprobación."),
    "The check of what you wrote so far (the whole form is checked once it is complete):": (
        "La vérification de ce que vous avez écrit jusqu’ici (le formulaire entier est vérifié "
        "une fois complet) :",
        "La comprobación de lo escrito hasta ahora (el formulario completo se comprueba cuando "
        "esté completo):"),
    "yes": ("oui", "sí"),
    "no": ("non", "no"),
    "cannot tell": ("impossible à dire", "no se puede saber"),
    "How progress is measured": ("Comment l’avancement est mesuré", "Cómo se mide el avance"),
    "An indicator is what you count, from which value to which target, by when; without one, "
    "the pledge’s progress cannot be followed. Give one or more.": (
        "Un indicateur, c’est ce que vous comptez, de quelle valeur à quelle cible, pour quand ; "
        "sans indicateur, l’avancement de l’engagement ne peut pas être suivi. Donnez-en un ou "
        "plusieurs.",
        "Un indicador es lo que cuenta, de qué valor a qué meta, para cuándo; sin indicador, el "
        "avance del compromiso no se puede seguir. Indique uno o varios."),
    "Indicator %(row)s": ("Indicateur %(row)s", "Indicador %(row)s"),
    "(optional)": ("(facultatif)", "(opcional)"),
    "In digits, e.g. 12500.50.": ("En chiffres, par exemple 12500.50.",
                                  "En cifras, por ejemplo 12500.50."),
    "Where the secretariat can follow you": ("Où le secrétariat peut vous suivre",
                                             "Dónde puede seguirle la secretaría"),
    "Send the pledge": ("Envoyer l’engagement", "Enviar el compromiso"),
    # pledge_indicators.html, pledge_progress.html
    "Indicators": ("Indicateurs", "Indicadores"),
    "Latest": ("Dernière valeur", "Último valor"),
    "%(done)s%% of the way, %(time)s%% of the time": (
        "%(done)s %% du chemin, %(time)s %% du temps",
        "%(done)s %% del camino, %(time)s %% del tiempo"),
    "This pledge has no indicator yet, so its progress cannot be measured.": (
        "Cet engagement n’a pas encore d’indicateur : son avancement ne peut pas être mesuré.",
        "Este compromiso aún no tiene indicador: su avance no se puede medir."),
    "Report progress": ("Rendre compte de l’avancement", "Informar del avance"),
    "This page is reached through your private link: keep it for yourself.": (
        "Cette page s’ouvre par votre lien privé : gardez-le pour vous.",
        "Esta página se abre con su enlace privado: guárdelo para usted."),
    "Thank you: the value is recorded.": ("Merci : la valeur est enregistrée.",
                                          "Gracias: el valor quedó registrado."),
    "A new value": ("Une nouvelle valeur", "Un nuevo valor"),
    "Value": ("Valeur", "Valor"),
    "Measured on": ("Mesurée le", "Medido el"),
    "Note": ("Note", "Nota"),
    "Evidence (a web address)": ("Preuve (une adresse web)", "Prueba (una dirección web)"),
    "Record the value": ("Enregistrer la valeur", "Registrar el valor"),
    # pledge_thanks.html
    "Thank you": ("Merci", "Gracias"),
    "Thank you for your pledge": ("Merci pour votre engagement", "Gracias por su compromiso"),
    "Your pledge is stored with number %(id)s. The secretariat will read it.": (
        "Votre engagement est enregistré sous le numéro %(id)s. Le secrétariat le lira.",
        "Su compromiso quedó registrado con el número %(id)s. La secretaría lo leerá."),
    "Your private progress link": ("Votre lien privé de suivi", "Su enlace privado de seguimiento"),
    "Keep this link: through it, your focal point reports progress during the year. It is "
    "shown only this once; anyone with it can report for your pledge.": (
        "Gardez ce lien : votre point focal y rend compte de l’avancement pendant l’année. Il "
        "n’est affiché que cette fois ; quiconque l’a peut rendre compte pour votre engagement.",
        "Guarde este enlace: con él, su punto focal informa del avance durante el año. Solo se "
        "muestra esta vez; cualquiera que lo tenga puede informar por su compromiso."),
    "See your pledge in the registry": ("Voir votre engagement dans le registre",
                                        "Ver su compromiso en el registro"),
    "The private link was shown once, when the pledge was sent. If it is lost, the secretariat "
    "can make a new one.": (
        "Le lien privé a été affiché une fois, à l’envoi de l’engagement. S’il est perdu, le "
        "secrétariat peut en créer un nouveau.",
        "El enlace privado se mostró una vez, al enviar el compromiso. Si se pierde, la "
        "secretaría puede crear uno nuevo."),
    "Your pledge was received.": ("Votre engagement a été reçu.", "Su compromiso fue recibido."),
    # pledges.html
    "The pledges": ("Les engagements", "Los compromisos"),
    ("%(num)s pledge.", "%(num)s pledges."): (("%(num)s engagement.", "%(num)s engagements."),
                                              ("%(num)s compromiso.", "%(num)s compromisos.")),
    "Filters": ("Filtres", "Filtros"),
    "Status": ("État", "Estado"),
    "All": ("Tous", "Todos"),
    "Filter": ("Filtrer", "Filtrar"),
    "Clear the filters": ("Effacer les filtres", "Quitar los filtros"),
    "Page %(page)s of %(pages)s": ("Page %(page)s sur %(pages)s", "Página %(page)s de %(pages)s"),
    "Pledge": ("Engagement", "Compromiso"),
    "Pages": ("Pages", "Páginas"),
    "Previous page": ("Page précédente", "Página anterior"),
    "Next page": ("Page suivante", "Página siguiente"),
    "No pledge matches these filters.": ("Aucun engagement ne correspond à ces filtres.",
                                         "Ningún compromiso corresponde a estos filtros."),
    # the pledge's history (pledge.html)
    "created": ("créé", "creado"),
    "edited": ("modifié", "modificado"),
    "status changed": ("changement d’état", "cambio de estado"),
    "progress reported": ("avancement signalé", "avance informado"),
    "Bluesky DID found": ("DID Bluesky trouvé", "DID de Bluesky encontrado"),
    "new private link": ("nouveau lien privé", "nuevo enlace privado"),
}
