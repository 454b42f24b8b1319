"""Translations of the calendar, the queue and the accounts' health
(tools/po_write.py queuecal tools/messages/queuecal.py)."""

MESSAGES = {
    # -- shared with other pages (the same words, so that the pages agree) ------------------
    "Month": ("Mois", "Mes"),
    "Filters": ("Filtres", "Filtros"),
    "Account": ("Compte", "Cuenta"),
    "Network": ("Réseau", "Red"),
    "Status": ("État", "Estado"),
    "Filter": ("Filtrer", "Filtrar"),
    "Clear the filters": ("Effacer les filtres", "Borrar los filtros"),
    ("%(num)s post matches.", "%(num)s posts match."): (
        ("%(num)s publication correspond.", "%(num)s publications correspondent."),
        ("%(num)s publicación coincide.", "%(num)s publicaciones coinciden.")),
    "Pages": ("Pages", "Páginas"),
    "Previous page": ("Page précédente", "Página anterior"),
    "Next page": ("Page suivante", "Página siguiente"),
    "State": ("État", "Estado"),
    "Post #%(id)s": ("Publication n° %(id)s", "Publicación n.º %(id)s"),
    "History": ("Historique", "Historial"),
    "When": ("Quand", "Cuándo"),
    "Who": ("Qui", "Quién"),
    "What": ("Quoi", "Qué"),
    "Action": ("Action", "Acción"),
    # -- results of actions -----------------------------------------------------------------
    ("%(num)s post is back in the queue: the runner sends it at its next pass.",
     "%(num)s posts are back in the queue: the runner sends them at its next pass."): (
        ("%(num)s publication est de nouveau dans la file : l’exécuteur l’enverra à son "
         "prochain passage.",
         "%(num)s publications sont de nouveau dans la file : l’exécuteur les enverra à son "
         "prochain passage."),
        ("%(num)s publicación vuelve a estar en la cola: el ejecutor la enviará en su próxima "
         "pasada.",
         "%(num)s publicaciones vuelven a estar en la cola: el ejecutor las enviará en su "
         "próxima pasada.")),
    ("%(num)s post was cancelled.", "%(num)s posts were cancelled."): (
        ("%(num)s publication a été annulée.", "%(num)s publications ont été annulées."),
        ("Se canceló %(num)s publicación.", "Se cancelaron %(num)s publicaciones.")),
    "Left as they were (their state does not allow it): %(ids)s.": (
        "Laissées telles quelles (leur état ne le permet pas) : %(ids)s.",
        "Se dejaron como estaban (su estado no lo permite): %(ids)s."),
    "No post has these ids: %(ids)s.": (
        "Aucune publication ne porte ces numéros : %(ids)s.",
        "Ninguna publicación tiene estos números: %(ids)s."),
    "No post was selected: tick the posts to retry first.": (
        "Aucune publication n’a été choisie : cochez d’abord celles à relancer.",
        "No se eligió ninguna publicación: marque primero las que quiere reintentar."),
    # -- the calendar -----------------------------------------------------------------------
    "Week of %(day)s": ("Semaine du %(day)s", "Semana del %(day)s"),
    "Calendar: %(period)s": ("Calendrier : %(period)s", "Calendario: %(period)s"),
    "Calendar periods": ("Périodes du calendrier", "Periodos del calendario"),
    "Previous month": ("Mois précédent", "Mes anterior"),
    "Previous week": ("Semaine précédente", "Semana anterior"),
    "This month": ("Ce mois-ci", "Este mes"),
    "This week": ("Cette semaine", "Esta semana"),
    "Next month": ("Mois suivant", "Mes siguiente"),
    "Next week": ("Semaine suivante", "Semana siguiente"),
    "Week": ("Semaine", "Semana"),
    "Calendar file (ICS)": ("Fichier de calendrier (ICS)", "Archivo de calendario (ICS)"),
    "Days and times on the campaign’s clocks (%(timezone)s).": (
        "Jours et heures à l’heure de la campagne (%(timezone)s).",
        "Días y horas según el reloj de la campaña (%(timezone)s)."),
    ("%(num)s post in this period:", "%(num)s posts in this period:"): (
        ("%(num)s publication sur cette période :", "%(num)s publications sur cette période :"),
        ("%(num)s publicación en este periodo:", "%(num)s publicaciones en este periodo:")),
    "No post in this period.": ("Aucune publication sur cette période.",
                                "Ninguna publicación en este periodo."),
    "%(month)s: observance days, the schedule’s entries and the queue’s posts, day by day": (
        "%(month)s : journées internationales, entrées du programme et publications de la "
        "file, jour par jour",
        "%(month)s: días internacionales, entradas del programa y publicaciones de la cola, "
        "día a día"),
    "Today": ("Aujourd’hui", "Hoy"),
    "Observance day:": ("Journée internationale :", "Día internacional:"),
    "Planned in the schedule": ("Prévu au programme", "Previsto en el programa"),
    "Posts by status": ("Publications par état", "Publicaciones por estado"),
    ("%(num)s more post", "%(num)s more posts"): (
        ("%(num)s autre publication", "%(num)s autres publications"),
        ("%(num)s publicación más", "%(num)s publicaciones más")),
    # -- the filters ------------------------------------------------------------------------
    "All accounts": ("Tous les comptes", "Todas las cuentas"),
    "All networks": ("Tous les réseaux", "Todas las redes"),
    "All languages": ("Toutes les langues", "Todos los idiomas"),
    "Audience": ("Public", "Público"),
    "All audiences": ("Tous les publics", "Todos los públicos"),
    "Every status": ("Tous les états", "Todos los estados"),
    "Day": ("Jour", "Día"),
    # -- the queue --------------------------------------------------------------------------
    "before:": ("avant :", "antes:"),
    "after:": ("après :", "después:"),
    "Queue pages": ("Pages de la file", "Páginas de la cola"),
    "All posts": ("Toutes les publications", "Todas las publicaciones"),
    "Accounts’ health": ("État des comptes", "Estado de las cuentas"),
    ("%(num)s post failed.", "%(num)s posts failed."): (
        ("%(num)s publication a échoué.", "%(num)s publications ont échoué."),
        ("%(num)s publicación falló.", "%(num)s publicaciones fallaron.")),
    ("%(num)s post was missed.", "%(num)s posts were missed."): (
        ("%(num)s publication a été manquée.", "%(num)s publications ont été manquées."),
        ("%(num)s publicación se perdió.", "%(num)s publicaciones se perdieron.")),
    "Each shows why below; retry once the cause is fixed.": (
        "Chacune dit pourquoi ci-dessous ; relancez-la une fois la cause corrigée.",
        "Cada una indica el motivo abajo; reinténtela una vez corregida la causa."),
    "By due time; times on each post’s own clocks.": (
        "Par heure prévue ; heures à l’heure de chaque publication.",
        "Por hora prevista; horas según el reloj de cada publicación."),
    "Posts of the queue": ("Publications de la file", "Publicaciones de la cola"),
    "Select every failed or missed post of this page": (
        "Choisir toutes les publications en échec ou manquées de cette page",
        "Elegir todas las publicaciones fallidas o perdidas de esta página"),
    "Post": ("Publication", "Publicación"),
    "Due": ("Prévue", "Prevista"),
    "Entry": ("Entrée", "Entrada"),
    "Why": ("Pourquoi", "Por qué"),
    "Select post #%(id)s": ("Choisir la publication n° %(id)s",
                            "Elegir la publicación n.º %(id)s"),
    ("%(num)s attempt", "%(num)s attempts"): (
        ("%(num)s tentative", "%(num)s tentatives"),
        ("%(num)s intento", "%(num)s intentos")),
    "no error was recorded": ("aucune erreur n’a été enregistrée",
                              "no se registró ningún error"),
    "See it on its network": ("La voir sur son réseau", "Verla en su red"),
    "Retry the selected posts": ("Relancer les publications choisies",
                                 "Reintentar las publicaciones elegidas"),
    "No post matches these filters.": ("Aucune publication ne correspond à ces filtres.",
                                       "Ninguna publicación coincide con estos filtros."),
    "First page": ("Première page", "Primera página"),
    # -- the accounts' health ---------------------------------------------------------------
    ("%(num)s account is stopped: its posts wait until someone fixes it.",
     "%(num)s accounts are stopped: their posts wait until someone fixes them."): (
        ("%(num)s compte est arrêté : ses publications attendent qu’on le répare.",
         "%(num)s comptes sont arrêtés : leurs publications attendent qu’on les répare."),
        ("%(num)s cuenta está detenida: sus publicaciones esperan a que alguien la arregle.",
         "%(num)s cuentas están detenidas: sus publicaciones esperan a que alguien las "
         "arregle.")),
    "No account yet: add one with %(command)s.": (
        "Aucun compte pour l’instant : ajoutez-en un avec %(command)s.",
        "Todavía no hay ninguna cuenta: añada una con %(command)s."),
    "Goes to": ("Publie vers", "Publica en"),
    "the outbox file %(path)s": ("le fichier d’envoi %(path)s", "el archivo de salida %(path)s"),
    "removed on %(when)s": ("retiré le %(when)s", "retirada el %(when)s"),
    "stopped: %(reason)s": ("arrêté : %(reason)s", "detenida: %(reason)s"),
    "in service": ("en service", "en servicio"),
    "Held": ("Retenues", "Retenidas"),
    ("%(num)s due post waits for this account; it is missed if its time passes first.",
     "%(num)s due posts wait for this account; they are missed if their time passes first."): (
        ("%(num)s publication due attend ce compte ; elle sera manquée si son heure passe "
         "avant.",
         "%(num)s publications dues attendent ce compte ; elles seront manquées si leur heure "
         "passe avant."),
        ("%(num)s publicación pendiente espera a esta cuenta; se perderá si su hora pasa "
         "antes.",
         "%(num)s publicaciones pendientes esperan a esta cuenta; se perderán si su hora pasa "
         "antes.")),
    "The first: #%(id)s": ("La première : n° %(id)s", "La primera: n.º %(id)s"),
    "Sign-in": ("Connexion", "Inicio de sesión"),
    "signed in with %(command)s": ("connecté avec %(command)s", "sesión iniciada con %(command)s"),
    "on %(when)s": ("le %(when)s", "el %(when)s"),
    "when is not recorded": ("la date n’est pas enregistrée", "la fecha no está registrada"),
    "not checked yet: run %(command)s": ("pas encore vérifié : lancez %(command)s",
                                         "aún sin comprobar: ejecute %(command)s"),
    "Rate limit": ("Limite de débit", "Límite de frecuencia"),
    "paused until %(when)s": ("en pause jusqu’au %(when)s", "en pausa hasta el %(when)s"),
    "last paused on %(when)s, until %(until)s": (
        "dernière pause le %(when)s, jusqu’au %(until)s",
        "última pausa el %(when)s, hasta el %(until)s"),
    "last paused on %(when)s": ("dernière pause le %(when)s", "última pausa el %(when)s"),
    "never paused": ("jamais en pause", "nunca en pausa"),
    "Last published": ("Dernière publication", "Última publicación"),
    "nothing yet": ("rien pour l’instant", "nada todavía"),
    "Last failure": ("Dernier échec", "Último fallo"),
    "none": ("aucun", "ninguno"),
    "Posts": ("Publications", "Publicaciones"),
    # -- a post's page ----------------------------------------------------------------------
    "Why it failed": ("Pourquoi elle a échoué", "Por qué falló"),
    "Why it was missed": ("Pourquoi elle a été manquée", "Por qué se perdió"),
    "Its account is stopped: %(reason)s": ("Son compte est arrêté : %(reason)s",
                                           "Su cuenta está detenida: %(reason)s"),
    "only on its day": ("seulement ce jour-là", "solo ese día"),
    "Amplifies": ("Relaie", "Amplifica"),
    "Attempts": ("Tentatives", "Intentos"),
    "next try at %(when)s": ("prochain essai le %(when)s", "próximo intento el %(when)s"),
    "Published": ("Publiée", "Publicada"),
    "Retry this post": ("Relancer cette publication", "Reintentar esta publicación"),
    "Cancel this post": ("Annuler cette publication", "Cancelar esta publicación"),
    "Edit or reschedule it on the review desk": (
        "La modifier ou la reprogrammer au bureau de relecture",
        "Editarla o reprogramarla en la mesa de revisión"),
    ("Its text", "Its text, in %(num)s parts"): (
        ("Son texte", "Son texte, en %(num)s parties"),
        ("Su texto", "Su texto, en %(num)s partes")),
    "Image: %(path)s — alternative text: %(alt)s": (
        "Image : %(path)s — texte de remplacement : %(alt)s",
        "Imagen: %(path)s — texto alternativo: %(alt)s"),
    "Every change of this post, oldest first": (
        "Chaque changement de cette publication, du plus ancien au plus récent",
        "Cada cambio de esta publicación, del más antiguo al más reciente"),
    "From": ("De", "De"),
    "To": ("Vers", "A"),
    "In the audit log": ("Dans le journal d’audit", "En el registro de auditoría"),
    "What people did to this post, newest first": (
        "Ce que des personnes ont fait de cette publication, du plus récent au plus ancien",
        "Lo que las personas hicieron con esta publicación, de lo más reciente a lo más "
        "antiguo"),
    "Nobody has acted on this post in the dashboard yet.": (
        "Personne n’a encore agi sur cette publication dans le tableau de bord.",
        "Nadie ha actuado todavía sobre esta publicación en el panel."),
}
