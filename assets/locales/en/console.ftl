# loa console — English (chosen per user; Vietnamese is the default).
# Every key here must be in vi/console.ftl too (the i18n test checks).

app-name = loa · Commune radio
skip-to-content = Skip to main content
nav-label = Main menu
nav-stations = Stations
nav-dashboard = Overview
nav-now = Now playing
nav-reports = Reports
nav-audit = Audit log
logout = Log out
lang-label = Language
lang-apply = Change
lang-name-vi = Tiếng Việt
lang-name-en = English

role-viewer = Viewer
role-editor = Editor
role-approver = Approver
role-admin = Administrator

error-title = Something went wrong
error-back = Back to the stations
error-csrf = This form is out of date or was not sent from this page; reload the page and try again.
error-bad-form = The form could not be read; reload the page and try again.
error-internal = The server failed; try again in a few minutes. If it keeps failing, tell your administrator.

login-title = Log in
login-username = Username
login-password = Password
login-submit = Log in
login-wrong = Wrong username or password; check them and try again.
login-hint = First time: the admin account and the password printed by loa serve (also in admin-password.txt in the data directory).

password-title = Change password
password-intro = The new password needs at least 10 characters; a short sentence is easy to remember.
password-current = Current password
password-new = New password
password-confirm = New password again
password-submit = Change password
password-mismatch = confirm_password: the two new passwords differ; type them again so they match.

stations-title = Stations
stations-path = Area shown
stations-areas = Areas below
stations-no-subareas = No areas below this one.
stations-list = Stations
stations-search-label = Find a station
stations-search-placeholder = name, station code or commune (accents optional)
stations-search-button = Search
stations-more-areas = … and { $n } more areas; type a name in the station search to narrow down.
stations-none = No station matches.
stations-summary = Stations { $first }–{ $last } of { $total }
page-past-end = Page { $page } has no stations; the list has { $pages } pages.
area-whole-country = Whole country
area-kind-province = Province
area-kind-district = District
area-kind-commune = Commune

col-name = Station
col-code = Code
col-area = Area
col-last-seen = Last heard
never-heard = never heard

pager-nav = Pages
pager-prev = Previous page
pager-next = Next page
pager-label = Page { $page } of { $pages }

fresh-just-now = just now
fresh-minutes = { $n } minutes ago
fresh-hours = { $n } hours ago
fresh-yesterday = yesterday
fresh-days = { $n } days ago

weekday-mon = Monday
weekday-tue = Tuesday
weekday-wed = Wednesday
weekday-thu = Thursday
weekday-fri = Friday
weekday-sat = Saturday
weekday-sun = Sunday
days-every = Every day

station-code = Station code
station-state = State
station-windows = Broadcast windows
station-languages = Languages
station-credentials = Station agent enrollment
state-never = The station agent has not reported yet.
state-last-seen = Last heard
state-unreadable = Heartbeat
state-unreadable-value = the latest heartbeat could not be read
state-version = Software version
state-playlist = Playlist held
state-playlist-none = none yet
state-playlist-current = { $v } (current)
state-playlist-behind = { $v } (old, the new one not fetched yet)
state-media = Audio files
state-media-value = { $ready } ready, { $missing } missing
state-disk = Free disk space
state-clock = Clock offset
state-clock-value = { $ms } ms
state-backlog = Records not sent yet
state-uptime = Running
state-uptime-value = since { $since }
state-last-error = Last error
state-no-error = none
state-refused = Refused airing records (last 7 days)
state-refused-none = none
state-refused-value = { $n } records; newest at { $at }: { $reason }
windows-own = The station's own windows.
windows-own-within = The station's own windows, inside those of { $area }.
windows-inherited = Inherited from { $area }.
windows-none = No broadcast windows yet.
cred-tokens = Access tokens
cred-tokens-value = { $active } in use, { $revoked } revoked
cred-enrolled = Last enrolled
cred-codes = Enrollment codes
cred-codes-open = { $n } unused, expiring at { $until }
cred-codes-none = none waiting

language-vi = Vietnamese
language-tyz = Tày
language-hmn = Hmong
language-en = English

priority-normal = Normal
priority-priority = Priority
priority-emergency = Emergency

status-upcoming = Upcoming
status-unreported = Not reported
status-aired = Aired
status-partial = Partly aired
status-missed = Missed
status-failed = Failed
status-preempted = Interrupted

calendar-title = Schedule
calendar-views = View
calendar-view-day = Day
calendar-view-week = Week
calendar-view-month = Month
calendar-steps = Move in time
calendar-prev = ← Earlier
calendar-today = Today
calendar-next = Later →
calendar-date = Go to date
calendar-go = Show
calendar-month = Month { $month }
calendar-zone = Times in the station's zone: { $zone } ({ $gmt }), 24-hour.
calendar-no-items = Nothing planned.
calendar-actual = aired at
calendar-problems = Compiling this range gave warnings; see the station plan API for details.
calendar-segments = Listen to the segments of this range
calendar-listen = Listen

log-title = Airing log
log-from = From
log-until = Until
log-outcome = Outcome
log-outcome-any = Any
log-apply = Filter
log-none = No records in this range.
log-summary = Records { $first }–{ $last } of { $total }
log-planned = Planned time
log-actual = Aired
log-segment = Segment
log-campaign = Campaign
log-language = Language
log-reason = Reason

reason-agent_down = Station PC off or without power
reason-agent_restart = Station PC restarted mid-item
reason-agent_stopped = Station agent stopped mid-item
reason-media_missing = Audio file not there yet
reason-late = Too late to air on time
reason-late_start = Started late
reason-emergency = Interrupted by an emergency bulletin
reason-relay_fallback = Relay failed, the fallback aired
reason-relay_failed = Relay failed
reason-fallback_rotation = Aired from the fallback rotation
reason-output_stalled = Sound card took no samples
reason-device_error = Sound card error
reason-decode_error = Audio file unreadable
