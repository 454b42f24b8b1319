"""Translations of the review desk (tools/po_write.py review tools/messages/review.py)."""

MESSAGES = {
    "weighted characters": ("caractères pondérés", "caracteres ponderados"),
    "graphemes": ("graphèmes", "grafemas"),
    "characters": ("caractères", "caracteres"),
    "#%(id)s: you wrote or edited it yourself, so another approver must approve it.": (
        "n° %(id)s : vous l’avez écrite ou modifiée vous-même, une autre personne doit donc "
        "l’approuver.",
        "n.º %(id)s: la escribió o la modificó usted, así que debe aprobarla otra persona."),
    "#%(id)s: there is no such post.": ("n° %(id)s : cette publication n’existe pas.",
                                        "n.º %(id)s: esa publicación no existe."),
    "#%(id)s was left as it is: it is %(status)s.": (
        "n° %(id)s laissée telle quelle : son état est « %(status)s ».",
        "n.º %(id)s se dejó como estaba: su estado es «%(status)s»."),
    ("%(num)s more post was left as it is.", "%(num)s more posts were left as they are."): (
        ("%(num)s autre publication a été laissée telle quelle.",
         "%(num)s autres publications ont été laissées telles quelles."),
        ("%(num)s publicación más se dejó como estaba.",
         "%(num)s publicaciones más se dejaron como estaban.")),
    "The new post #%(id)s is saved as a draft: an approver will review it.": (
        "La nouvelle publication n° %(id)s est enregistrée comme brouillon : une personne "
        "chargée de l’approbation la relira.",
        "La nueva publicación n.º %(id)s se guardó como borrador: la revisará una persona aprobadora."),
    "Nothing changed: the text is the same.": ("Rien n’a changé : le texte est le même.",
                                               "No cambió nada: el texto es el mismo."),
    "Saved. The post is %(status)s again: it needs a new approval.": (
        "Enregistré. La publication est de nouveau « %(status)s » : elle doit être approuvée à nouveau.",
        "Guardado. La publicación vuelve a estar en «%(status)s»: necesita una nueva aprobación."),
    "Saved.": ("Enregistré.", "Guardado."),
    "Rescheduled.": ("Reprogrammée.", "Reprogramada."),
    "Not rescheduled: %(why)s": ("Non reprogrammée : %(why)s", "No se reprogramó: %(why)s"),
    "Nothing approved: tick the posts to approve first.": (
        "Rien n’est approuvé : cochez d’abord les publications à approuver.",
        "No se aprobó nada: marque primero las publicaciones que quiere aprobar."),
    "Nothing sent back: tick the posts to send back first.": (
        "Rien n’est renvoyé : cochez d’abord les publications à renvoyer.",
        "No se devolvió nada: marque primero las publicaciones que quiere devolver."),
    "Nothing sent back: write a comment saying what to change.": (
        "Rien n’est renvoyé : écrivez un commentaire qui dit quoi changer.",
        "No se devolvió nada: escriba un comentario que diga qué cambiar."),
    "Your words, not saved": ("Vos mots, non enregistrés", "Sus palabras, sin guardar"),
    "Copy them before leaving this page: the post cannot take them any more.": (
        "Copiez-les avant de quitter cette page : la publication ne peut plus les recevoir.",
        "Cópielas antes de salir de esta página: la publicación ya no puede recibirlas."),
    "Not rescheduled: the post is no longer waiting to go out.": (
        "Non reprogrammée : la publication n’attend plus de partir.",
        "No se reprogramó: la publicación ya no espera para salir."),
    ("%(num)s post approved.", "%(num)s posts approved."): (
        ("%(num)s publication approuvée.", "%(num)s publications approuvées."),
        ("%(num)s publicación aprobada.", "%(num)s publicaciones aprobadas.")),
    ("%(num)s post sent back with the comment.", "%(num)s posts sent back with the comment."): (
        ("%(num)s publication renvoyée avec le commentaire.",
         "%(num)s publications renvoyées avec le commentaire."),
        ("%(num)s publicación devuelta con el comentario.",
         "%(num)s publicaciones devueltas con el comentario.")),
    "Review desk": ("Bureau de relecture", "Mesa de revisión"),
    "State": ("État", "Estado"),
    "Network": ("Réseau", "Red"),
    "Account": ("Compte", "Cuenta"),
    "Month": ("Mois", "Mes"),
    "Show": ("Afficher", "Mostrar"),
    ("%(num)s post matches.", "%(num)s posts match."): (
        ("%(num)s publication correspond.", "%(num)s publications correspondent."),
        ("%(num)s publicación coincide.", "%(num)s publicaciones coinciden.")),
    "Write a new post": ("Écrire une nouvelle publication", "Escribir una nueva publicación"),
    "Select every post of this page": ("Sélectionner toutes les publications de cette page",
                                       "Seleccionar todas las publicaciones de esta página"),
    "Approve the selected posts": ("Approuver les publications sélectionnées",
                                   "Aprobar las publicaciones seleccionadas"),
    "Comment for the editor (to send back)": ("Commentaire pour la rédaction (pour renvoyer)",
                                              "Comentario para la redacción (para devolver)"),
    "Send the selected posts back": ("Renvoyer les publications sélectionnées",
                                     "Devolver las publicaciones seleccionadas"),
    "Select #%(id)s": ("Sélectionner n° %(id)s", "Seleccionar n.º %(id)s"),
    "Nothing to review with these filters.": ("Rien à relire avec ces filtres.",
                                              "Nada que revisar con estos filtros."),
    "Page %(n)s": ("Page %(n)s", "Página %(n)s"),
    "Part %(n)s of %(total)s": ("Partie %(n)s sur %(total)s", "Parte %(n)s de %(total)s"),
    "over the limit: the network would refuse it": ("au-delà de la limite : le réseau la refuserait",
                                                    "por encima del límite: la red la rechazaría"),
    "Alt text:": ("Texte alternatif :", "Texto alternativo:"),
    "No alt text: screen readers will say nothing about this image.": (
        "Pas de texte alternatif : les lecteurs d’écran ne diront rien de cette image.",
        "Sin texto alternativo: los lectores de pantalla no dirán nada de esta imagen."),
    "Link card:": ("Carte de lien :", "Tarjeta de enlace:"),
    "Amplifies:": ("Relaie :", "Difunde:"),
    "Back to the review desk": ("Retour au bureau de relecture", "Volver a la mesa de revisión"),
    "Due (on the campaign's clocks)": ("Date prévue (à l’heure de la campagne)",
                                       "Fecha prevista (en la hora de la campaña)"),
    "Text (split into a thread when it is too long for one post)": (
        "Texte (découpé en fil s’il est trop long pour une seule publication)",
        "Texto (dividido en hilo si es demasiado largo para una sola publicación)"),
    "The post is saved as a draft: it goes out only once an approver has approved it.": (
        "La publication est enregistrée comme brouillon : elle ne part qu’une fois approuvée.",
        "La publicación se guarda como borrador: solo sale una vez aprobada."),
    "Save as a draft": ("Enregistrer comme brouillon", "Guardar como borrador"),
    "There is no account to post from yet: add one with campaign accounts add.": (
        "Il n’y a encore aucun compte d’où publier : ajoutez-en un avec campaign accounts add.",
        "Todavía no hay ninguna cuenta desde la que publicar: añada una con campaign accounts add."),
    "Post #%(id)s": ("Publication n° %(id)s", "Publicación n.º %(id)s"),
    "Preview": ("Aperçu", "Vista previa"),
    "Approve or send back": ("Approuver ou renvoyer", "Aprobar o devolver"),
    "You wrote or edited this post yourself, so you cannot approve it: another approver must.": (
        "Vous avez écrit ou modifié cette publication vous-même, vous ne pouvez donc pas "
        "l’approuver : une autre personne doit le faire.",
        "Usted escribió o modificó esta publicación, así que no puede aprobarla: debe hacerlo otra persona."),
    "Approve": ("Approuver", "Aprobar"),
    "Comment for the editor": ("Commentaire pour la rédaction", "Comentario para la redacción"),
    "Edit": ("Modifier", "Editar"),
    "Saving new words makes the post a draft again: it goes out only once an approver has "
    "approved them.": (
        "Enregistrer un nouveau texte refait de la publication un brouillon : elle ne part "
        "qu’une fois ce texte approuvé.",
        "Guardar un texto nuevo vuelve a convertir la publicación en borrador: solo sale una "
        "vez aprobado ese texto."),
    "Save the text": ("Enregistrer le texte", "Guardar el texto"),
    "Due (on the clocks of %(zone)s)": ("Date prévue (à l’heure de %(zone)s)",
                                        "Fecha prevista (en la hora de %(zone)s)"),
    "Reschedule": ("Reprogrammer", "Reprogramar"),
    "What happened to this post, newest first": (
        "Ce qui est arrivé à cette publication, du plus récent au plus ancien",
        "Lo que le ocurrió a esta publicación, de lo más reciente a lo más antiguo"),
    "When": ("Quand", "Cuándo"),
    "Move": ("Changement d’état", "Cambio de estado"),
    "What": ("Quoi", "Qué"),
    "before": ("avant", "antes"),
    "after": ("après", "después"),
}
