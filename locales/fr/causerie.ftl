# Le catalogue français de causerie : tous les textes de l’interface, avec
# les mêmes identifiants et les mêmes variables que l’anglais.
# Typographie : apostrophe typographique (’) ; espace insécable (U+00A0)
# avant : ; ? ! et à l’intérieur des guillemets « ».

## L’enveloppe des pages

search-site = Recherche sur le site
search-label = Chercher dans les forums
search-placeholder = Chercher
search-button = Chercher
nav-account-label = Compte
nav-your-profile = Votre profil
nav-logged-in-as = Connecté en tant que { $name }
badge-admin = admin
nav-admin = Administration
nav-account = Mon compte
nav-log-out = Se déconnecter
nav-log-in = Se connecter
nav-register = S’inscrire
crumbs-label = Fil d’Ariane
crumbs-home = Accueil
footer-tagline = causerie · un petit forum en temps réel
footer-language = Langue
back-to-forums = Retour aux forums

## Dates (static/local-time.js les réécrit dans le fuseau du lecteur)

time-just-now = à l’instant
time-minute-ago = il y a %n minute
time-minutes-ago = il y a %n minutes
time-today = aujourd’hui
time-yesterday = hier
date-utc = { $day } { $month ->
    [jan] janv.
    [feb] févr.
    [mar] mars
    [apr] avr.
    [may] mai
    [jun] juin
    [jul] juil.
    [aug] août
    [sep] sept.
    [oct] oct.
    [nov] nov.
   *[dec] déc.
  } { $year }, { $time } UTC

## Éléments communs

pager-label = Pages
pager-first = « Première
pager-previous = ‹ Précédente
pager-current = Page { $page } sur { $last }
pager-next = Suivante ›
pager-last = Dernière »
flash-form-kept = Ce que vous avez saisi est toujours dans le formulaire.
flash-dismiss = Fermer

## Pages d’erreur et refus

error-forbidden = Interdit
error-not-found = Introuvable
error-not-found-text = Il n’y a rien à cette adresse.
error-method = Rien à afficher ici
error-method-text = Cette adresse ne reçoit que des formulaires. Revenez à la page d’où vous venez, ou repartez de l’accueil.
error-busy = Occupé
error-busy-text = Le serveur est occupé à vérifier d’autres mots de passe. Réessayez dans quelques secondes.
error-too-large = Trop volumineux
error-too-large-text = Cette requête dépasse 64 Kio : raccourcissez-la et envoyez-la de nouveau.
error-upload-too-large-text = Cette image dépasse 2 Mo : choisissez-en une plus petite et envoyez-la de nouveau.
error-unreadable = Formulaire illisible
error-unreadable-text = Le formulaire n’a pas pu être lu. Revenez en arrière et envoyez-le de nouveau.
error-internal = Une erreur est survenue
error-internal-text = Le serveur n’a pas pu traiter cette requête. Rien n’a été modifié ; veuillez réessayer.
forbidden-disable-self = Vous ne pouvez pas désactiver votre propre compte.
forbidden-other-site = Les requêtes venant d’autres sites sont refusées.
forbidden-admins-only = Seuls les administrateurs peuvent faire cela.
forbidden-locked = Ce sujet est verrouillé.
forbidden-not-yours = Vous ne pouvez modifier que vos propres messages.

## Validation

invalid-empty = { $field ->
    [title] Le titre ne peut pas être vide.
    [name] Le nom ne peut pas être vide.
    [description] La description ne peut pas être vide.
    [username] Le nom d’utilisateur ne peut pas être vide.
    [password] Le mot de passe ne peut pas être vide.
    [reason] La raison ne peut pas être vide.
   *[message] Le message ne peut pas être vide.
  }
invalid-too-short = { $field ->
    [title] Le titre
    [name] Le nom
    [description] La description
    [username] Le nom d’utilisateur
    [password] Le mot de passe
   *[message] Le message
  } doit compter au moins { $min } caractères.
invalid-too-long = { $field ->
    [title] Le titre
    [name] Le nom
    [description] La description
    [username] Le nom d’utilisateur
    [password] Le mot de passe
    [reason] La raison
   *[message] Le message
  } doit compter au plus { $max } caractères ({ $n } actuellement).
invalid-username-chars = Le nom d’utilisateur ne peut contenir que les lettres A à Z, des chiffres et _ . -
posting-too-fast = Vous publiez trop vite. Attendez { $seconds } secondes, puis envoyez-le de nouveau.

## Connexion, inscription, compte

field-username = Nom d’utilisateur
field-password = Mot de passe
field-password-confirm = Confirmer le mot de passe
field-current-password = Mot de passe actuel
field-new-password = Nouveau mot de passe
field-new-password-confirm = Confirmer le nouveau mot de passe
login-title = Connexion
login-button = Se connecter
login-no-account = Pas encore de compte ?
login-required = Veuillez vous connecter pour continuer.
login-awaiting = Votre compte attend d’être approuvé : vous pourrez vous connecter dès qu’un administrateur l’aura validé.
login-empty = Saisissez votre nom d’utilisateur et votre mot de passe.
login-wrong = Nom d’utilisateur ou mot de passe incorrect.
login-disabled = Ce compte est désactivé : un administrateur l’a fermé.
throttle-login = Trop de tentatives échouées. Attendez { $seconds } secondes et réessayez.
throttle-accounts = Trop de comptes ont été créés depuis votre adresse. Attendez { $seconds } secondes et réessayez.
throttle-password = Trop de tentatives. Attendez { $seconds } secondes et réessayez.
register-title = Inscription
register-username-hint = De 3 à 32 caractères : lettres, chiffres, _ . -
register-button = Créer mon compte
register-already = Déjà inscrit ?
register-closed = Les inscriptions sont fermées : aucun compte ne peut être créé pour le moment.
register-approval = Les nouveaux comptes sont approuvés par un administrateur avant de pouvoir se connecter.
passwords-differ = Les deux mots de passe diffèrent.
name-taken = Ce nom d’utilisateur est déjà pris.
password-title = Changer le mot de passe
password-changed = Votre mot de passe a été changé.
password-not-current = Ce n’est pas votre mot de passe actuel.
account-title = Votre compte
account-you-are = Vous êtes { $name }.
account-you-are-admin = Vous êtes { $name }, administrateur.
account-language = Langue
account-language-browser = Celle de mon navigateur
account-language-save = Enregistrer la langue
sessions-title = Sessions
sessions-text = Connecté sur un autre appareil que vous n’utilisez plus ? Mettez fin à toutes les sessions de votre compte, y compris celle-ci.
sessions-end-all = Se déconnecter partout

## Accueil et forums

forums-title = Forums
no-forums-yet = Aucun forum pour l’instant. Un administrateur peut créer le premier depuis la page d’administration.
no-messages-yet = Aucun message pour l’instant
last-post = { $topic } par { $author }, { $date }
count-topics = { $n ->
    [one] { $n } sujet
   *[other] { $n } sujets
  }
count-messages = { $n ->
    [one] { $n } message
   *[other] { $n } messages
  }
count-replies = { $n ->
    [one] { $n } réponse
   *[other] { $n } réponses
  }
cta-log-in = Connectez-vous
cta-register = inscrivez-vous
cta-start-topic = { $login } ou { $register } pour lancer un sujet.
cta-reply = { $login } ou { $register } pour répondre.

## Sujets et messages

locked-badge = verrouillé
locked-title = Verrouillé
byline = par { $author }, { $date }
last-message = { $link } par { $author }, { $date }
last-message-link = Dernier message
no-topics-member = Aucun sujet pour l’instant : { $link }.
no-topics-start-one = lancez-en un
no-topics-visitor = Aucun sujet pour l’instant. { $link } pour en lancer un.
new-topic-title = Lancer un sujet
new-topic-crumb = Nouveau sujet
new-topic-button = Publier le sujet
field-title = Titre
field-message = Message
topic-unlock = Déverrouiller le sujet
topic-lock = Verrouiller le sujet
topic-delete = Supprimer le sujet…
topic-delete-confirm = { $n ->
    [one] Supprimer ce sujet et son message
   *[other] Supprimer ce sujet et ses { $n } messages
  }
topic-locked-no-replies = Ce sujet est verrouillé : plus de nouvelles réponses.
edited-at = modifié { $date }
message-quote = Citer
message-edit = Modifier
message-report = Signaler
message-delete = Supprimer…
message-delete-confirm = Supprimer ce message
reply-title = Répondre
reply-button = Publier la réponse
edit-title = Modifier le message
edit-save = Enregistrer
edit-cancel = Annuler
preview-title = Aperçu
preview-button = Aperçu
md-label = Markdown :
md-italic = italique
md-bold = gras
md-quote = citation
md-list = liste
md-text = texte

## Lu et non lu

unread-messages-title = Messages que vous n’avez pas lus
unread-count = { $n ->
    [one] { $n } nouveau
   *[other] { $n } nouveaux
  }
unread-topics-title = Sujets que vous n’avez pas lus
unread-new = nouveau
mark-all-read = Tout marquer comme lu
forbidden-opening-message = Le message d’ouverture ne part qu’avec son sujet : supprimez plutôt le sujet.

## Annonces en direct

live-page-gone = Cette page n’existe plus.
live-first-page = Aller à la première page
live-forum-deleted = Ce forum a été supprimé.
live-topic-deleted = Ce sujet a été supprimé.
live-back-to-forum = Retour au forum
live-newer-activity = Il y a une activité plus récente.
live-latest-topics = Voir les derniers sujets
live-new-messages = { $n ->
    [one] { $n } nouveau message après cette page.
   *[other] { $n } nouveaux messages après cette page.
  }
live-go-to-latest = Aller aux plus récents

## Images et profils

avatar-title = Image
avatar-yours = Votre image, telle que les autres la voient.
avatar-none = Pas encore d’image : les autres voient vos initiales.
avatar-new = Une nouvelle image (PNG, JPEG, WebP ou GIF, 2 Mo au plus)
avatar-upload = Envoyer
avatar-remove = Retirer mon image
avatar-changed = Votre image a été changée.
avatar-removed = Votre image a été retirée.
avatar-too-big = Ce fichier dépasse 2 Mo : choisissez une image plus petite.
avatar-unreadable-form = Le formulaire n’a pas pu être lu. Choisissez de nouveau l’image.
avatar-empty = Ce fichier est vide : choisissez une image.
avatar-choose = Choisissez une image à envoyer.
avatar-too-often = Vous avez changé d’image de nombreuses fois : attendez { $seconds } secondes et réessayez.
avatar-busy = Le serveur est occupé avec d’autres images : réessayez dans quelques secondes.
avatar-not-a-picture = Ce fichier n’est pas une image : choisissez un PNG, un JPEG, un WebP ou un GIF.
avatar-damaged = Cette image n’a pas pu être lue : elle est peut-être abîmée. Enregistrez-la de nouveau, ou essayez-en une autre.
avatar-too-many-pixels = Cette image a trop de pixels : choisissez-en une de { $side } pixels au plus en largeur comme en hauteur (environ { $megapixels } mégapixels).
profile-joined = Inscrit le
profile-messages = Messages
profile-last-seen = Vu pour la dernière fois
profile-not-recently = pas récemment
profile-recent = Messages récents
profile-no-messages = Aucun message pour l’instant.

## Recherche et administration (conversion partielle : voir report.md)

search-words = Mots à trouver
search-author = Écrit par
search-in-forum = Dans le forum
search-all-forums = Tous les forums
search-matches = { $n ->
    [one] { $n } message trouvé, du plus récent au plus ancien.
   *[other] { $n } messages trouvés, du plus récent au plus ancien.
  }
search-title = Recherche
search-title-query = Recherche : { $q }
search-form-label = Recherche avec filtres
search-hint = Les messages qui contiennent tous les mots, dans leur texte ou le titre de leur sujet ; majuscules et accents n’importent pas. { $phrase } pour une expression, { $prefix } pour les mots qui commencent ainsi ({ $prefixes } au plus) ; jusqu’à { $terms } termes en tout.
search-hint-phrase = Mots entre guillemets
search-hint-prefix = mot
search-results-label = Résultats
search-no-results = Aucun message ne contient { $q }. Vérifiez l’orthographe, employez moins de mots, ou terminez-en un par * pour trouver les mots qui commencent ainsi.
search-range = Messages { $first } à { $last }, du plus récent au plus ancien.
search-only-newest = Seuls les { $n } plus récents sont affichés : ajoutez des mots ou choisissez un forum pour affiner la recherche.
search-page = Page { $page }
search-hit-byline = par { $author }, { $date }, dans { $forum }
search-no-forum = Ce forum n’existe pas : choisissez-en un dans la liste.
search-no-member = Aucun membre ne s’appelle « { $name } ».
search-too-many = Trop de recherches depuis votre adresse. Attendez { $seconds } secondes et réessayez.
search-busy = De nombreuses recherches sont en cours : relancez la vôtre dans quelques secondes.
search-too-long = Cette recherche en demande trop à la fois : allongez les préfixes (plus de lettres avant *), employez-en moins, ou mettez moins de mots courants entre guillemets.
search-no-words = Saisissez les mots à chercher : des lettres ou des chiffres.
search-query-too-long = Cela dépasse { $max } caractères : cherchez plutôt quelques mots.
search-too-many-terms = Cherchez au plus { $max } mots ou « expressions entre guillemets » : retirez-en quelques-uns.
search-short-prefix = Mettez au moins { $min } lettres avant un * : moins trouverait trop de mots.
search-too-many-prefixes = Terminez au plus { $max } mots par un * : cherchez les autres en entier.
admin-field-name = Nom
admin-field-description = Description
admin-new-forum = Nouveau forum
admin-forum-taken = Un forum porte déjà ce nom.
admin-registration-saved = Mode d’inscription enregistré.
admin-approved = approuvé : la personne peut se connecter maintenant.
admin-refused = refusé : le compte a été supprimé.
admin-forum-save = Enregistrer
admin-forum-create = Créer le forum
admin-no-forums = Aucun forum pour l’instant.
admin-forum-rename = Renommer ou décrire
admin-forum-delete-link = Supprimer ce forum…
admin-new-admin = Nouvel administrateur
admin-admin-created = Administrateur { $name } créé.
admin-admin-create = Créer l’administrateur
admin-registration = Inscriptions
admin-registration-who = Qui peut créer un compte
admin-registration-save = Enregistrer
registration-open = Ouvertes : tout le monde peut s’inscrire
registration-approval = Sur approbation : un administrateur approuve chaque nouveau compte
registration-closed = Fermées : personne ne peut s’inscrire
admin-pending = Comptes en attente d’approbation
admin-pending-none = Aucun.
admin-all-accounts = Tous les comptes (désactiver, réactiver)…
admin-registered = { $name } — inscription : { $date }
admin-approve = Approuver
admin-refuse = Refuser (supprimer)
admin-delete-forum-title = Supprimer le forum
admin-delete-forum-ask = Supprimer { $forum } ?
admin-delete-forum-text = Cela supprime le forum avec ses { $topics } et ses { $messages }. C’est définitif.
admin-delete-forever = Supprimer définitivement
admin-cancel = Annuler
accounts-title = Comptes
accounts-name-contains = Le nom contient
accounts-search = Chercher
accounts-intro = Un compte désactivé ne peut plus se connecter et ses sessions prennent fin aussitôt ; ses messages restent.
accounts-none = Aucun compte ne correspond.
accounts-col-name = Nom
accounts-col-registered = Inscription
accounts-col-status = État
accounts-col-action = Action
accounts-disabled = désactivé
accounts-active = actif
accounts-enable = Réactiver
accounts-disable = Désactiver

## Signalements

report-title = Signaler un message
report-crumb = Signaler
report-field-reason = Pourquoi un administrateur devrait-il regarder ce message ?
report-private = Seuls les administrateurs voient les signalements et qui les a envoyés.
report-send = Envoyer le signalement
report-cancel = Annuler
report-sent = Merci : votre signalement a été transmis aux administrateurs.
report-back = Revenir au message
report-own = Vous ne pouvez pas signaler votre propre message.
report-too-many = Vous avez { $n } signalements en attente d’un administrateur : vous pourrez en envoyer d’autres quand ils auront été traités.
reports-title = Signalements
reports-intro = Les messages signalés par les membres, les plus récemment signalés d’abord. Classer garde le message ; le supprimer ou désactiver son auteur traite aussi ses signalements.
reports-none = Aucun signalement en attente.
reports-of-message = { $n ->
    [one] { $n } signalement
   *[other] { $n } signalements
  }
reports-in-topic = d’un message dans { $topic }
reports-author-disabled = auteur désactivé
reports-dismiss = Classer
reports-delete-topic-ask = Supprimer le sujet…
reports-delete-topic = Supprimer le sujet et ses messages
reports-delete-message-ask = Supprimer le message…
reports-delete-message = Supprimer ce message
reports-disable-ask = Désactiver l’auteur…
reports-disable = Désactiver son compte
reports-dismissed = Signalements classés : le message reste.
reports-topic-deleted = Le sujet a été supprimé, avec ses messages.
reports-message-deleted = Le message a été supprimé.
reports-author-disabled-done = L’auteur a été désactivé (ses sessions sont terminées) et les signalements classés : le message reste.
reports-summary = { $n ->
    [one] { $n } message signalé.
   *[other] { $n } messages signalés.
  }
reports-queue-link = La file des signalements…
reports-reason = { $who } { $when } : { $reason }

## Notifications

bell-none = Notifications : aucune non lue
bell-unread = { $n ->
    [one] { $n } notification non lue
   *[other] { $n } notifications non lues
  }
notif-title = Notifications
notif-mark-all = Tout marquer comme lu
notif-mark-read = Marquer comme lue
notif-unread = Non lue :
notif-empty = Rien pour l’instant : vous serez prévenu ici quand quelqu’un vous mentionnera, vous citera ou répondra dans vos sujets.
notif-what-report = Un message de { $who } a été signalé dans { $topic }
notif-what-mention = { $who } vous a mentionné dans { $topic }
notif-what-quote = { $who } vous a cité dans { $topic }
notif-what-reply = { $who } a répondu dans { $topic }
notif-kinds-intro = Me prévenir quand quelqu’un :
notif-kind-mention = me mentionne (@nom)
notif-kind-quote = cite un de mes messages
notif-kind-reply = répond dans un sujet que j’ai ouvert ou auquel j’ai répondu
notif-save = Enregistrer
notif-saved = Enregistré.
notif-following = Vous suivez ce sujet : chaque réponse vous est signalée.
notif-muted = Sujet en sourdine : ses réponses ne vous sont pas signalées.
notif-participant = Les réponses vous sont signalées : vous avez écrit ici.
notif-not-following = Suivez ce sujet pour être prévenu de chaque réponse.
notif-follow = Suivre
notif-stop-following = Ne plus suivre
notif-mute = Mettre en sourdine
notif-unmute = Réactiver
quote-wrote = a écrit
