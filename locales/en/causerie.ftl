# causerie's English catalogue: every string of the UI. Ids are kebab-case,
# grouped by page; the French file has the same ids with the same variables
# (checked by src/i18n/tests.rs). No markup here: user text, links and dates
# come in as variables.

## The page shell

search-site = Site search
search-label = Search the forums
search-placeholder = Search
search-button = Search
nav-account-label = Account
nav-your-profile = Your profile
nav-logged-in-as = Logged in as { $name }
badge-admin = admin
nav-admin = Admin
nav-account = Account
nav-log-out = Log out
nav-log-in = Log in
nav-register = Register
crumbs-label = Breadcrumb
crumbs-home = Home
footer-tagline = causerie · a small real-time forum
footer-language = Language
back-to-forums = Back to the forums

## Dates (static/local-time.js rewrites them in the reader's time zone)

# %n is filled in by the script, which picks one form by the number.
time-just-now = just now
time-minute-ago = %n min ago
time-minutes-ago = %n min ago
time-today = today
time-yesterday = yesterday
date-utc = { $day } { $month -> 
    [jan] Jan
    [feb] Feb
    [mar] Mar
    [apr] Apr
    [may] May
    [jun] Jun
    [jul] Jul
    [aug] Aug
    [sep] Sep
    [oct] Oct
    [nov] Nov
   *[dec] Dec
  } { $year }, { $time } UTC

## Shared pieces

pager-label = Pages
pager-first = « First
pager-previous = ‹ Previous
pager-current = Page { $page } of { $last }
pager-next = Next ›
pager-last = Last »
flash-form-kept = What you typed is still in the form.
flash-dismiss = Dismiss

## Error pages and refusals

error-forbidden = Forbidden
error-not-found = Not found
error-not-found-text = There is nothing at this address.
error-method = Nothing to show here
error-method-text = This address only receives forms. Go back to the page you came from, or start from the home page.
error-busy = Busy
error-busy-text = The server is busy checking other passwords. Please try again in a few seconds.
error-too-large = Too large
error-too-large-text = That request is larger than 64 KiB: shorten it and send it again.
error-upload-too-large-text = That picture is larger than 2 MB: choose a smaller one and send it again.
error-unreadable = Unreadable form
error-unreadable-text = The form could not be read. Please go back and submit it again.
error-internal = Something went wrong
error-internal-text = The server could not complete this request. Nothing was changed; please try again.
forbidden-disable-self = You cannot disable your own account.
forbidden-other-site = Requests from other sites are refused.
forbidden-admins-only = Only administrators may do this.
forbidden-locked = This topic is locked.
forbidden-not-yours = You can edit only your own messages.

## Validation

invalid-empty = { $field ->
    [title] Title
    [name] Name
    [description] Description
    [username] Username
    [password] Password
    [reason] The reason
   *[message] Message
  } cannot be empty.
invalid-too-short = { $field ->
    [title] Title
    [name] Name
    [description] Description
    [username] Username
    [password] Password
   *[message] Message
  } must be at least { $min } characters.
invalid-too-long = { $field ->
    [title] Title
    [name] Name
    [description] Description
    [username] Username
    [password] Password
    [reason] The reason
   *[message] Message
  } must be at most { $max } characters (it has { $n }).
invalid-username-chars = Username may use only letters A-Z, digits, and _ . -
posting-too-fast = You are posting too fast. Please wait { $seconds } seconds, then send it again.

## Log in, register, account

field-username = Username
field-password = Password
field-password-confirm = Confirm password
field-current-password = Current password
field-new-password = New password
field-new-password-confirm = Confirm new password
login-title = Log in
login-button = Log in
login-no-account = No account yet?
login-required = Please log in to continue.
login-awaiting = Your account awaits approval: you can log in once an administrator approves it.
login-empty = Enter your username and password.
login-wrong = Wrong username or password.
login-disabled = This account is disabled: an administrator has closed it.
throttle-login = Too many failed attempts. Please wait { $seconds } seconds and try again.
throttle-accounts = Too many accounts were created from your address. Please wait { $seconds } seconds and try again.
throttle-password = Too many attempts. Please wait { $seconds } seconds and try again.
register-title = Register
register-username-hint = 3 to 32 characters: letters, digits, _ . -
register-button = Create my account
register-already = Already registered?
register-closed = Registration is closed: new accounts cannot be created at the moment.
register-approval = New accounts are approved by an administrator before they can log in.
passwords-differ = The two passwords differ.
name-taken = This username is taken.
password-title = Change password
password-changed = Your password was changed.
password-not-current = This is not your current password.
account-title = Your account
account-you-are = You are { $name }.
account-you-are-admin = You are { $name }, an administrator.
account-language = Language
account-language-browser = As my browser asks
account-language-save = Save language
sessions-title = Sessions
sessions-text = Logged in on another device you no longer use? End every session of your account, this one included.
sessions-end-all = Log out everywhere

## Home and forums

forums-title = Forums
no-forums-yet = No forums yet. An administrator can create the first one on the admin page.
no-messages-yet = No messages yet
last-post = { $topic } by { $author }, { $date }
count-topics = { $n ->
    [one] { $n } topic
   *[other] { $n } topics
  }
count-messages = { $n ->
    [one] { $n } message
   *[other] { $n } messages
  }
count-replies = { $n ->
    [one] { $n } reply
   *[other] { $n } replies
  }
cta-log-in = Log in
cta-register = register
cta-start-topic = { $login } or { $register } to start a topic.
cta-reply = { $login } or { $register } to reply.

## Topics and messages

locked-badge = locked
locked-title = Locked
byline = by { $author }, { $date }
last-message = { $link } by { $author }, { $date }
last-message-link = Last message
no-topics-member = No topics yet: { $link }.
no-topics-start-one = start one
no-topics-visitor = No topics yet. { $link } to start one.
new-topic-title = Start a topic
new-topic-crumb = New topic
new-topic-button = Post topic
field-title = Title
field-message = Message
topic-unlock = Unlock topic
topic-lock = Lock topic
topic-delete = Delete topic…
topic-delete-confirm = { $n ->
    [one] Delete this topic and its { $n } message
   *[other] Delete this topic and its { $n } messages
  }
topic-locked-no-replies = This topic is locked: no new replies.
edited-at = edited { $date }
message-quote = Quote
message-edit = Edit
message-report = Report
message-delete = Delete…
message-delete-confirm = Delete this message
reply-title = Reply
reply-button = Post reply
edit-title = Edit message
edit-save = Save
edit-cancel = Cancel
preview-title = Preview
preview-button = Preview
md-label = Markdown:
md-italic = italic
md-bold = bold
md-quote = quote
md-list = list
md-text = text

## Read and unread

unread-messages-title = Messages you have not read
unread-count = { $n } new
unread-topics-title = Topics you have not read
unread-new = new
mark-all-read = Mark all read
forbidden-opening-message = The opening message goes only with its topic: delete the topic instead.

## Live notices

live-page-gone = This page no longer exists.
live-first-page = Go to the first page
live-forum-deleted = This forum was deleted.
live-topic-deleted = This topic was deleted.
live-back-to-forum = Back to the forum
live-newer-activity = There is newer activity.
live-latest-topics = See the latest topics
live-new-messages = { $n ->
    [one] { $n } new message after this page.
   *[other] { $n } new messages after this page.
  }
live-go-to-latest = Go to the latest

## Pictures and profiles

avatar-title = Picture
avatar-yours = Your picture, as others see it.
avatar-none = No picture yet: others see your initials.
avatar-new = A new picture (PNG, JPEG, WebP or GIF, at most 2 MB)
avatar-upload = Upload
avatar-remove = Remove my picture
avatar-changed = Your picture was changed.
avatar-removed = Your picture was removed.
avatar-too-big = This file is over 2 MB: choose a smaller picture.
avatar-unreadable-form = The form could not be read. Please choose the picture again.
avatar-empty = This file is empty: choose a picture.
avatar-choose = Choose a picture to upload.
avatar-too-often = You changed your picture many times: please wait { $seconds } seconds and try again.
avatar-busy = The server is busy with other pictures: please try again in a few seconds.
avatar-not-a-picture = This file is not a picture: choose a PNG, JPEG, WebP or GIF.
avatar-damaged = This picture could not be read: it may be damaged. Try saving it again, or another one.
avatar-too-many-pixels = This picture has too many pixels: choose one at most { $side } pixels wide and tall (about { $megapixels } megapixels).
profile-joined = Joined
profile-messages = Messages
profile-last-seen = Last seen
profile-not-recently = not recently
profile-recent = Recent messages
profile-no-messages = No messages yet.

## Search and administration (partly converted: see report.md)

search-words = Words to find
search-author = Written by
search-in-forum = In the forum
search-all-forums = All forums
search-matches = { $n ->
    [one] { $n } message matches, newest first.
   *[other] { $n } messages match, newest first.
  }
search-title = Search
search-title-query = Search: { $q }
search-form-label = Search with filters
search-hint = Messages holding all the words, in their text or their topic’s title; capitals and accents do not matter. { $phrase } for a phrase, { $prefix } for words that start with it ({ $prefixes } at most); up to { $terms } terms in all.
search-hint-phrase = Quoted words
search-hint-prefix = word
search-results-label = Results
search-no-results = No message holds { $q }. Check the spelling, use fewer words, or end one with * to find words that start with it.
search-range = Messages { $first } to { $last }, newest first.
search-only-newest = Only the newest { $n } are shown: add words or choose a forum to narrow the search.
search-page = Page { $page }
search-hit-byline = by { $author }, { $date } in { $forum }
search-no-forum = There is no such forum: choose one from the list.
search-no-member = There is no member called “{ $name }”.
search-too-many = Too many searches from your address. Please wait { $seconds } seconds and try again.
search-busy = Many searches are running: please search again in a few seconds.
search-too-long = This search asks for too much at once: use longer prefixes (more letters before *), fewer of them, or fewer common words in quotes.
search-no-words = Type the words to look for: letters or digits.
search-query-too-long = That is more than { $max } characters: search for a few words instead.
search-too-many-terms = Search for at most { $max } words or “quoted phrases”: remove a few.
search-short-prefix = Put at least { $min } letters before a *: fewer would match too many words.
search-too-many-prefixes = End at most { $max } words with a *: search for the others whole.
admin-field-name = Name
admin-field-description = Description
admin-new-forum = New forum
admin-forum-taken = A forum with this name exists.
admin-registration-saved = Registration mode saved.
admin-approved = approved: they can log in now.
admin-refused = refused: the account was deleted.
admin-forum-save = Save
admin-forum-create = Create forum
admin-no-forums = No forums yet.
admin-forum-rename = Rename or describe
admin-forum-delete-link = Delete this forum…
admin-new-admin = New administrator
admin-admin-created = Administrator { $name } created.
admin-admin-create = Create administrator
admin-registration = Registration
admin-registration-who = Who may create an account
admin-registration-save = Save
registration-open = Open: anyone may register
registration-approval = By approval: an administrator approves each new account
registration-closed = Closed: no one may register
admin-pending = Accounts awaiting approval
admin-pending-none = None.
admin-all-accounts = All accounts (disable, enable)…
admin-registered = { $name } registered { $date }
admin-approve = Approve
admin-refuse = Refuse (delete)
admin-delete-forum-title = Delete forum
admin-delete-forum-ask = Delete { $forum }?
admin-delete-forum-text = This deletes the forum with its { $topics } and { $messages }. It cannot be undone.
admin-delete-forever = Delete forever
admin-cancel = Cancel
accounts-title = Accounts
accounts-name-contains = Name contains
accounts-search = Search
accounts-intro = A disabled account cannot log in and its sessions end at once; its messages stay.
accounts-none = No account matches.
accounts-col-name = Name
accounts-col-registered = Registered
accounts-col-status = Status
accounts-col-action = Action
accounts-disabled = disabled
accounts-active = active
accounts-enable = Enable
accounts-disable = Disable

## Reports

report-title = Report a message
report-crumb = Report
report-field-reason = Why should an administrator look at this message?
report-private = Only administrators see reports and who sent them.
report-send = Send report
report-cancel = Cancel
report-sent = Thank you: your report was sent to the administrators.
report-back = Back to the message
report-own = You cannot report your own message.
report-too-many = You have { $n } reports waiting for an administrator: send more once they are handled.
reports-title = Reports
reports-intro = Messages members reported, the most recently reported first. Dismissing keeps the message; deleting it or disabling its author also handles its reports.
reports-none = No report is waiting.
reports-of-message = { $n ->
    [one] { $n } report
   *[other] { $n } reports
  }
reports-in-topic = of a message in { $topic }
reports-author-disabled = author disabled
reports-dismiss = Dismiss
reports-delete-topic-ask = Delete the topic…
reports-delete-topic = Delete the topic and its messages
reports-delete-message-ask = Delete the message…
reports-delete-message = Delete this message
reports-disable-ask = Disable the author…
reports-disable = Disable their account
reports-dismissed = Reports dismissed: the message stays.
reports-topic-deleted = The topic was deleted, with its messages.
reports-message-deleted = The message was deleted.
reports-author-disabled-done = The author was disabled (their sessions ended) and the reports dismissed: the message stays.
reports-summary = { $n ->
    [one] { $n } message reported.
   *[other] { $n } messages reported.
  }
reports-queue-link = The reports queue…
reports-reason = { $who } { $when }: { $reason }

## Notifications

bell-none = Notifications: none unread
bell-unread = { $n ->
    [one] { $n } unread notification
   *[other] { $n } unread notifications
  }
notif-title = Notifications
notif-mark-all = Mark all read
notif-mark-read = Mark read
notif-unread = Unread:
notif-empty = Nothing yet: you will hear here when someone mentions you, quotes you or replies in your topics.
notif-what-report = A message by { $who } was reported in { $topic }
notif-what-mention = { $who } mentioned you in { $topic }
notif-what-quote = { $who } quoted you in { $topic }
notif-what-reply = { $who } replied in { $topic }
notif-kinds-intro = Tell me when someone:
notif-kind-mention = mentions me (@name)
notif-kind-quote = quotes one of my messages
notif-kind-reply = replies in a topic I started or replied to
notif-save = Save
notif-saved = Saved.
notif-following = You follow this topic: every reply notifies you.
notif-muted = Muted: replies here do not notify you.
notif-participant = Replies notify you: you posted here.
notif-not-following = Follow to hear of every reply.
notif-follow = Follow
notif-stop-following = Stop following
notif-mute = Mute
notif-unmute = Unmute
quote-wrote = wrote
