"""Translations of the dashboard's frame (tools/po_write.py core tools/messages/core.py)."""

MESSAGES = {
    "This form has expired or did not come from this site: reload the page and try again.": (
        "Ce formulaire a expiré ou ne vient pas de ce site : rechargez la page et réessayez.",
        "Este formulario ha caducado o no viene de este sitio: recargue la página e inténtelo de nuevo."),
    "What was sent is too large.": ("Ce qui a été envoyé est trop volumineux.",
                                    "Lo enviado es demasiado grande."),
    "Not allowed": ("Non autorisé", "No permitido"),
    "Page not found": ("Page introuvable", "Página no encontrada"),
    "Too many attempts": ("Trop de tentatives", "Demasiados intentos"),
    "There is no page at this address.": ("Il n’y a pas de page à cette adresse.",
                                          "No hay ninguna página en esta dirección."),
    "Error": ("Erreur", "Error"),
    "That did not work": ("Cela n’a pas fonctionné", "No ha funcionado"),
    "Something went wrong on the server; it was logged.": (
        "Une erreur s’est produite sur le serveur ; elle a été consignée.",
        "Algo falló en el servidor; quedó registrado."),
    "Your role (%(role)s) does not allow this.": ("Votre rôle (%(role)s) ne le permet pas.",
                                                  "Su función (%(role)s) no lo permite."),
    "Too many failed attempts: try again in %(minutes)s minutes.": (
        "Trop de tentatives échouées : réessayez dans %(minutes)s minutes.",
        "Demasiados intentos fallidos: vuelva a intentarlo dentro de %(minutes)s minutos."),
    "That name and password do not match a user.": (
        "Ce nom et ce mot de passe ne correspondent à aucun utilisateur.",
        "Ese nombre y esa contraseña no corresponden a ningún usuario."),
    "Campaign dashboard": ("Tableau de bord de la campagne", "Panel de la campaña"),
    "Skip to content": ("Aller au contenu", "Ir al contenido"),
    "Main": ("Principal", "Principal"),
    "Calendar": ("Calendrier", "Calendario"),
    "Review": ("Relecture", "Revisión"),
    "Queue": ("File d’attente", "Cola"),
    "Pledges": ("Engagements", "Compromisos"),
    "Tracking": ("Suivi", "Seguimiento"),
    "Users": ("Utilisateurs", "Usuarios"),
    "Make a pledge": ("Prendre un engagement", "Asumir un compromiso"),
    "Language": ("Langue", "Idioma"),
    "Sign out": ("Se déconnecter", "Cerrar sesión"),
    "Sign in": ("Se connecter", "Iniciar sesión"),
    "Back to the home page": ("Retour à l’accueil", "Volver a la página de inicio"),
    "The campaign at a glance": ("La campagne en un coup d’œil", "La campaña de un vistazo"),
    "Pledge to act against child labour in 2021, the International Year for the Elimination of "
    "Child Labour.": (
        "Engagez-vous à agir contre le travail des enfants en 2021, Année internationale de "
        "l’élimination du travail des enfants.",
        "Comprométase a actuar contra el trabajo infantil en 2021, Año Internacional para la "
        "Eliminación del Trabajo Infantil."),
    "See the pledges": ("Voir les engagements", "Ver los compromisos"),
    "Posts by state": ("Publications par état", "Publicaciones por estado"),
    ("%(num)s draft waits for review.", "%(num)s drafts wait for review."): (
        ("%(num)s brouillon attend sa relecture.", "%(num)s brouillons attendent leur relecture."),
        ("%(num)s borrador espera revisión.", "%(num)s borradores esperan revisión.")),
    "Failed or missed": ("En échec ou manquées", "Fallidas o perdidas"),
    ("%(num)s post did not go out.", "%(num)s posts did not go out."): (
        ("%(num)s publication n’est pas partie.", "%(num)s publications ne sont pas parties."),
        ("%(num)s publicación no salió.", "%(num)s publicaciones no salieron.")),
    "See them all in the queue": ("Les voir toutes dans la file", "Verlas todas en la cola"),
    "Every post so far went out, or is still waiting for its time.": (
        "Toutes les publications sont parties, ou attendent encore leur heure.",
        "Todas las publicaciones han salido o siguen esperando su hora."),
    "Stopped accounts": ("Comptes arrêtés", "Cuentas detenidas"),
    "Going out next": ("Prochaines publications", "Próximas publicaciones"),
    "Nothing approved or scheduled.": ("Rien d’approuvé ni de programmé.",
                                       "Nada aprobado ni programado."),
    "Name": ("Nom", "Nombre"),
    "Password": ("Mot de passe", "Contraseña"),
    "No account? An admin adds users with %(command)s.": (
        "Pas de compte ? Un administrateur ajoute des utilisateurs avec %(command)s.",
        "¿No tiene cuenta? Un administrador añade usuarios con %(command)s."),
    "draft": ("brouillon", "borrador"),
    "approved": ("approuvée", "aprobada"),
    "scheduled": ("programmée", "programada"),
    "publishing": ("en cours d’envoi", "enviándose"),
    "published": ("publiée", "publicada"),
    "failed": ("en échec", "fallida"),
    "missed": ("manquée", "perdida"),
    "cancelled": ("annulée", "cancelada"),
    "deleted": ("supprimée", "eliminada"),
    "viewer": ("lecteur", "lector"),
    "editor": ("rédacteur", "redactor"),
    "approver": ("approbateur", "aprobador"),
    "admin": ("administrateur", "administrador"),
    "draft pledge": ("brouillon", "borrador"),
    "submitted": ("soumis", "enviado"),
    "accepted": ("accepté", "aceptado"),
    "withdrawn": ("retiré", "retirado"),
    "fulfilled": ("tenu", "cumplido"),
    "What was sent could not be read: reload the page and try again.": (
        "Ce qui a été envoyé n’a pas pu être lu : rechargez la page et réessayez.",
        "No se pudo leer lo enviado: recargue la página e inténtelo de nuevo."),
    "This address takes a form sent from its page: go back to the page and use its button.": (
        "Cette adresse attend un formulaire envoyé depuis sa page : revenez à la page et "
        "utilisez son bouton.",
        "Esta dirección espera un formulario enviado desde su página: vuelva a la página y use "
        "su botón."),
}
